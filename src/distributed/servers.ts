// The backends a distributed head reaches. Their connection options are written into DDL
// (CREATE SERVER … OPTIONS), where no parameter can be bound, so each is checked against a narrow
// grammar before it is quoted: a value outside it is refused, never escaped into the text.
import { ArgumentError } from "../errors.js";

export interface BackendServer {
  /** Host name or IP address the head connects to (Spider tells XA members apart by host). */
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password?: string;
  /** Database on the backend holding the group members' tables. */
  readonly database: string;
  /** PostgreSQL: the schema on the backend holding them (default `public`). */
  readonly schema?: string;
}

const HOST = /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$|^\[?[0-9A-Fa-f:]+\]?$/;
const NAME = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;
// Passwords may hold punctuation, but never a quote, backslash or control character.
const PASSWORD = /^[\x20-\x7e]{0,128}$/;
const UNSAFE_IN_LITERAL = /['"\\]/;

/** A name written inside a DDL string (server, table, database, user): letters, digits, `_`, `$`. */
export function checkDdlName(name: string, what: string): string {
  if (!NAME.test(name)) throw new ArgumentError(`${what} ${JSON.stringify(name)} must match ${NAME.source} to be written into distributed DDL`);
  return name;
}

export function checkServer(s: BackendServer, i: number): BackendServer {
  const at = `backend ${i}`;
  if (typeof s.host !== "string" || !HOST.test(s.host)) throw new ArgumentError(`${at}: host ${JSON.stringify(s.host)} is not a host name or IP address`);
  if (!Number.isInteger(s.port) || s.port < 1 || s.port > 65535) throw new ArgumentError(`${at}: port ${String(s.port)} is not a TCP port`);
  checkDdlName(s.user, `${at}: user`);
  checkDdlName(s.database, `${at}: database`);
  if (s.schema !== undefined) checkDdlName(s.schema, `${at}: schema`);
  if (s.password !== undefined && (!PASSWORD.test(s.password) || UNSAFE_IN_LITERAL.test(s.password)))
    throw new ArgumentError(`${at}: the password holds a quote, backslash or non-printable character, which distributed DDL cannot carry`);
  return s;
}

/** The name of backend `i`'s server object on the head. */
export function serverName(prefix: string, i: number): string {
  return checkDdlName(`${prefix}${i}`, "Server name");
}
