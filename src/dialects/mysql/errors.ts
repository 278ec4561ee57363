// MariaDB / MySQL errors as Arbor's typed errors, by the server's error number (mysql2's `errno`).
import { connectionLost } from "../lost.js";
import {
  ArborError,
  CheckViolationError,
  ConnectionError,
  DatabaseError,
  DeadlockError,
  ForeignKeyViolationError,
  InvalidValueError,
  NotNullViolationError,
  SerializationError,
  TimeoutError,
  UniqueViolationError,
} from "../../errors.js";
import { REFUSED_CAST } from "./cast-guard.js";

export function translateMysqlError(err: unknown, sql?: string): ArborError {
  if (err instanceof ArborError) return err;
  const e = err as { code?: string; errno?: number; message?: string; sqlMessage?: string; fatal?: boolean };
  const msg = e.sqlMessage ?? e.message ?? String(err);
  const ctx = { code: e.code, sql, cause: err };
  switch (e.errno) {
    case 1062: {
      // The key name is quoted but not escaped, and the duplicate value before it may hold anything.
      const key = /^.*for key '(.*)'$/s.exec(msg)?.[1];
      const [table, constraint] = key && key.includes(".") ? key.split(".") : [undefined, key];
      return new UniqueViolationError(msg, { ...ctx, table, constraint });
    }
    case 1451:
    case 1452: {
      const m = /`([^`]+)`\.`([^`]+)`, CONSTRAINT `([^`]+)` FOREIGN KEY \(`([^`]+)`/.exec(msg);
      return new ForeignKeyViolationError(msg, { ...ctx, table: m?.[2], constraint: m?.[3], column: m?.[4] });
    }
    case 1048:
    case 1364: {
      const column = /(?:Column|Field) '([^']+)'/.exec(msg)?.[1];
      return new NotNullViolationError(msg, { ...ctx, column });
    }
    case 4025:
    case 3819: {
      const m = /CONSTRAINT `([^`]+)` failed for `[^`]+`\.`([^`]+)`/.exec(msg);
      return new CheckViolationError(msg, { ...ctx, constraint: m?.[1] ?? /'([^']+)'/.exec(msg)?.[1], table: m?.[2] });
    }
    case 1213:
      return new DeadlockError(`Deadlock: ${msg}`, ctx);
    case 1020:
      // "Record has changed since last read" (snapshot isolation): a write conflict.
      return new SerializationError(`Serialization failure: ${msg}`, ctx);
    case 1317:
    case 1969:
      // KILL QUERY (Arbor's cancel for a timeout or signal) or max_statement_time.
      return new TimeoutError(`Statement cancelled: ${msg}`, ctx);
    case 1690: {
      // A cast cast-guard.ts stopped: the overflow's text quotes the expression that raised it.
      const target = new RegExp(`${REFUSED_CAST} to ([^']*)'`).exec(msg)?.[1];
      if (target !== undefined)
        return new InvalidValueError(`A value cast to ${target} is out of its range or not of its form: MariaDB would have clamped or misread it`, ctx);
      // Another check Arbor raises this way (a migration's narrowing check): its message, as written.
      const said = /'arbor: ([^']*)'/.exec(msg)?.[1];
      if (said !== undefined) return new InvalidValueError(said, ctx);
      break;
    }
    case 1927:
    case 2006:
    case 2013:
      return new ConnectionError(connectionLost(msg), ctx);
  }
  if (e.fatal || /PROTOCOL_CONNECTION_LOST|ECONNRESET|ECONNREFUSED|closed state/.test(`${e.code} ${msg}`)) return new ConnectionError(connectionLost(msg), ctx);
  return new DatabaseError(msg, ctx);
}
