// What a dialect is: a small object bundling the compiler hooks (a Compiler subclass), type
// spelling and value codecs, capability flags, error translation and the driver adapter.
import { ArgumentError, type ArborError } from "../errors.js";
import type { Compiler } from "../sql/compiler.js";
import type { SqlType } from "../sql/types.js";
import type { Driver, DriverOptions } from "../engine/driver.js";

export type DialectName = "sqlite" | "postgres" | "mysql";

export interface Capabilities {
  readonly returning: { readonly insert: boolean; readonly update: boolean; readonly delete: boolean };
  readonly upsert: "on-conflict" | "on-duplicate-key";
  readonly fullJoin: boolean;
  readonly rightJoin: boolean;
  readonly nullsOrdering: boolean;
  readonly ilike: boolean;
  readonly lateral: boolean;
  readonly window: boolean;
  readonly cte: boolean;
  readonly recursiveCte: boolean;
  readonly intersectExcept: boolean;
  readonly alterAddForeignKey: boolean;
  readonly transactionalDdl: boolean;
  /** Largest number of bound parameters one statement may carry. */
  readonly maxParams: number;
}

/** Where a type is spelled in DDL: keyed columns (PK, unique, index, FK) need bounded types on MySQL. */
export interface TypeSite {
  readonly keyed: boolean;
  readonly autoincrement: boolean;
}

/** How the dialect spells a few DDL details. */
export interface DdlSpelling {
  /** The autoincrement column is declared `INTEGER PRIMARY KEY` inline (SQLite's rowid alias). */
  readonly inlineAutoincrementPk: boolean;
  /** `ALTER TABLE … DROP CONSTRAINT name` or `DROP FOREIGN KEY name`. */
  readonly dropForeignKey: "CONSTRAINT" | "FOREIGN KEY";
  /** Appended to every CREATE TABLE. */
  readonly tableSuffix: string;
  /** Appended to CREATE TABLE for tables clustered by group root key. */
  readonly clusteredSuffix: string;
  /**
   * Where a foreign key cannot be dropped before its table (no ALTER TABLE … DROP), statements run
   * before and after dropping tables whose foreign keys form a cycle, so rows referring round the
   * cycle do not stop the drop (SQLite: checks deferred inside a transaction, off outside one).
   */
  readonly relaxForeignKeys?: { readonly before: readonly string[]; readonly after: readonly string[] };
}

export type Decoder = (raw: unknown) => unknown;

export type IsolationLevel = "READ COMMITTED" | "REPEATABLE READ" | "SERIALIZABLE";

/** The isolation level as spelled in SQL; anything else (from untyped callers) is refused. */
export function checkIsolation(level: string): IsolationLevel {
  if (level === "READ COMMITTED" || level === "REPEATABLE READ" || level === "SERIALIZABLE") return level;
  throw new ArgumentError(`Unknown isolation level ${JSON.stringify(level)}: use "READ COMMITTED", "REPEATABLE READ" or "SERIALIZABLE"`);
}

/** How a transaction is opened (`engine.transaction(fn, { isolation, readOnly })`). */
export interface TransactionCharacteristics {
  readonly isolation?: IsolationLevel;
  readonly readOnly?: boolean;
}

export interface Dialect {
  readonly name: DialectName;
  readonly capabilities: Capabilities;
  readonly ddl: DdlSpelling;
  createCompiler(): Compiler;
  /**
   * Turns a checked JS value of a (non-custom) type into what the driver binds. The engine calls it
   * when a statement runs (the compiler keeps values as checked; it encodes only DDL literals).
   */
  encode(type: SqlType, value: unknown): unknown;
  /** What the driver binds for a NULL of this type, where that is not a plain null (MariaDB types it). */
  encodeNull?(type: SqlType): unknown;
  /**
   * The function that restores a driver value of this (non-custom) type, given the driver's type
   * hint for the result field; null when the driver value is already right. `key` names the
   * result column (its key in the row), for a decoder that refuses a value to say where it was.
   */
  decoder(type: SqlType, hint: number | undefined, key?: string): Decoder | null;
  /** Restores a value of this (non-custom) type read from inside a nested row's parsed JSON. */
  nestedDecoder(type: SqlType, key?: string): Decoder | null;
  /** DDL type spelling. */
  typeName(type: SqlType, site: TypeSite): string;
  /**
   * The statements that open a transaction with these characteristics (plain `BEGIN` without any),
   * or NotSupportedError for what the engine cannot honour. Absent: only plain transactions.
   */
  beginStatements?(tx: TransactionCharacteristics): readonly string[];
  /** Maps a driver error to a typed Arbor error. */
  translateError(err: unknown, sql?: string): ArborError;
  createDriver(url: URL, options: DriverOptions): Driver;
}
