// An INSERT whose values need more parameters than the engine takes in one statement (PostgreSQL
// and MariaDB 65,535, SQLite 32,766) runs as several INSERTs of consecutive rows inside one
// transaction or savepoint: all rows or none, RETURNING rows in the order the rows were given.
import type { Dialect } from "../dialects/dialect.js";
import { ArgumentError } from "../errors.js";
import { rowCount, sliceRows } from "../sql/insert-rows.js";
import type { InsertNode, RawNode, StatementNode } from "../sql/nodes/index.js";
import { types } from "../sql/types.js";
import type { Executor, Params } from "./executor.js";
import type { Result } from "./result.js";
import type { Statement } from "../sql/statement.js";

/** The refusal for a statement that carries more parameters than the engine takes. */
export function tooManyParams(dialect: Dialect, count: number, why: string): ArgumentError {
  return new ArgumentError(
    `The statement carries ${count} parameters; ${dialect.name} takes at most ${dialect.capabilities.maxParams} in one statement (${why})`,
  );
}

/**
 * Consecutive slices of an INSERT's rows, each within the engine's parameter limit, given that
 * the whole statement needs `count` parameters. `fits` tells whether a slice does (compiling it).
 */
export function splitInsert(dialect: Dialect, node: StatementNode, count: number, fits: (part: InsertNode) => boolean): InsertNode[] {
  const rows = node.kind === "insert" ? rowCount(node) : 0;
  if (node.kind !== "insert" || rows < 2) throw tooManyParams(dialect, count, "only a multi-row INSERT … VALUES is split into several statements");
  const max = dialect.capabilities.maxParams;
  let perPart = Math.max(1, Math.floor((rows * max) / count));
  const parts: InsertNode[] = [];
  for (let i = 0; i < rows; ) {
    const part = sliceRows(node, i, Math.min(rows, i + perPart));
    if (!fits(part)) {
      // Rows carry different numbers of parameters (expressions, defaults): take fewer.
      if (perPart === 1) throw tooManyParams(dialect, count, `one row of ${node.table.info.name} alone needs more`);
      perPart = Math.max(1, Math.floor(perPart / 2));
      continue;
    }
    parts.push(part);
    i += rowCount(part);
  }
  return parts;
}

/** The results of the parts as one: rows in order, counts added, the last insert id of the last part. */
export function mergeResults<R>(results: readonly Result<R>[]): Result<R> {
  const rows = results.flatMap((r) => r.rows);
  const rowCount = results.reduce((n, r) => n + r.rowCount, 0);
  return results[results.length - 1].withRows(rows, rowCount, results[results.length - 1].lastInsertId);
}

/** Runs an INSERT too large for one statement as several, all or nothing. */
export async function executeSplit<R>(ex: Executor, node: StatementNode, count: number, params: Params | undefined): Promise<Result<R>> {
  const dialect = ex.dialect;
  const parts = splitInsert(dialect, node, count, (part) => ex.planOf(part).fill(dialect, params).length <= dialect.capabilities.maxParams);
  const results = await ex.atomically(async (tx) => {
    const out: Result<R>[] = [];
    for (const part of parts) out.push(await tx.execute<Statement<R>>({ statementNode: part }, params));
    return out;
  });
  return mergeResults(results);
}

/** BEGIN … COMMIT around `fn` on an executor outside any transaction (ROLLBACK when it throws). */
export async function inTransaction<T>(ex: Executor, fn: (ex: Executor) => Promise<T>): Promise<T> {
  await ex.runSql("BEGIN");
  let result: T;
  try {
    result = await fn(ex);
  } catch (err) {
    await ex.runSql("ROLLBACK").catch(() => undefined);
    throw err;
  }
  await ex.runSql("COMMIT");
  return result;
}

const rawNode = (sql: string): { readonly statementNode: RawNode } => ({ statementNode: { kind: "raw", strings: [sql], values: [], type: types.unknown } });
// A savepoint works inside and outside a transaction on SQLite, the one engine answering synchronously.
const SPLIT_SAVEPOINT = rawNode("SAVEPOINT arbor_split_insert");
const SPLIT_RELEASE = rawNode("RELEASE SAVEPOINT arbor_split_insert");
const SPLIT_ROLLBACK = rawNode("ROLLBACK TO SAVEPOINT arbor_split_insert");

/** The same without a promise, for `executeSync` on SQLite. */
export function executeSplitSync<R>(ex: Executor, node: StatementNode, count: number, params: Params | undefined): Result<R> {
  const dialect = ex.dialect;
  const parts = splitInsert(dialect, node, count, (part) => ex.planOf(part).fill(dialect, params).length <= dialect.capabilities.maxParams);
  ex.executeSync(SPLIT_SAVEPOINT);
  const out: Result<R>[] = [];
  try {
    for (const part of parts) out.push(ex.executeSync<Statement<R>>({ statementNode: part }, params));
  } catch (err) {
    try {
      ex.executeSync(SPLIT_ROLLBACK);
      ex.executeSync(SPLIT_RELEASE);
    } catch {
      // The connection is gone: the engine rolled the savepoint back with it.
    }
    throw err;
  }
  ex.executeSync(SPLIT_RELEASE);
  return mergeResults(out);
}
