// Finding out, once per shard and column, whether the engine compares text by code point: only then
// can text from several shards be ordered, grouped or compared in JavaScript as the engine would.
import type { Engine } from "../engine/engine.js";
import type { ColumnNode, ExprNode } from "../sql/nodes/index.js";
import { sql } from "../sql/sql-tag.js";
import { nullsSmallest, type TextOrder } from "./compare.js";
import type { FanoutEnv } from "./plan.js";
import { atShard, type ShardSet } from "./shards.js";

const unlabel = (e: ExprNode): ExprNode => (e.kind === "label" ? e.expr : e);

/** The table and column whose collation an expression's text has, or undefined (the default). */
export function collationSource(e: ExprNode): { schema?: string; table: string; column: string } | undefined {
  const n = unlabel(e);
  if (n.kind === "column" && n.source.kind === "table") return { schema: n.source.info.schema, table: n.source.info.name, column: (n as ColumnNode).name };
  // min/max return one of their argument's values, in its collation.
  if (n.kind === "func" && n.args.length === 1 && ["min", "max"].includes(n.name.toLowerCase())) return collationSource(n.args[0]);
  return undefined;
}

// glibc's C.UTF-8 collates by code point, as "C" does on UTF-8 bytes.
const PG_BINARY = new Set(["C", "POSIX", "ucs_basic", "C.UTF-8", "C.utf8"]);

/** How an engine compares a column's text: its order (when binary) and whether equal means identical. */
export interface TextRule {
  readonly order: TextOrder | undefined;
  readonly exactEquality: boolean;
}

function mariadbOrder(name: unknown): TextRule {
  if (typeof name !== "string") return { order: undefined, exactEquality: false };
  if (name === "binary" || /_nopad_bin$/.test(name)) return { order: "binary", exactEquality: true };
  return { order: /_bin$/.test(name) ? "binary-pad" : undefined, exactEquality: false };
}

/** How `engine` compares the text of `source` (a column, or undefined for the database default). */
export async function probeTextOrder(engine: Engine, source: { schema?: string; table: string; column: string } | undefined): Promise<TextRule> {
  switch (engine.dialect.name) {
    case "sqlite":
      // Arbor declares no column collations on SQLite, so text compares with BINARY (memcmp of UTF-8).
      return { order: "binary", exactEquality: true };
    case "postgres": {
      // NULL without a column: to_regclass('') is an error, to_regclass(NULL) is NULL.
      const rel = source ? (source.schema ? `${JSON.stringify(source.schema)}.${JSON.stringify(source.table)}` : JSON.stringify(source.table)) : null;
      const r = await engine.execute(
        sql`SELECT (SELECT c.collisdeterministic FROM pg_attribute a JOIN pg_collation c ON c.oid = a.attcollation WHERE a.attrelid = to_regclass(${rel}) AND a.attname = ${source?.column ?? ""}) AS det, (SELECT c.collname FROM pg_attribute a JOIN pg_collation c ON c.oid = a.attcollation WHERE a.attrelid = to_regclass(${rel}) AND a.attname = ${source?.column ?? ""}) AS col, d.datcollate AS db, d.datlocprovider::text AS provider FROM pg_database d WHERE d.datname = current_database()`,
      );
      const row = r.rows[0] ?? {};
      const col = row.col as string | null;
      // Deterministic collations (every database default) hold strings equal only when identical.
      const exactEquality = row.det !== false;
      if (col && col !== "default") return { order: PG_BINARY.has(col) ? "binary" : undefined, exactEquality };
      return { order: row.provider === "c" && PG_BINARY.has(String(row.db)) ? "binary" : undefined, exactEquality };
    }
    case "mysql": {
      if (!source) {
        const r = await engine.execute(sql`SELECT @@collation_database AS db, @@collation_connection AS conn`);
        const a = mariadbOrder(r.rows[0]?.db),
          b = mariadbOrder(r.rows[0]?.conn);
        return { order: a.order === b.order ? a.order : undefined, exactEquality: a.exactEquality && b.exactEquality };
      }
      const c = await engine.execute(
        sql`SELECT collation_name AS col FROM information_schema.columns WHERE table_schema = coalesce(${source.schema ?? null}, database()) AND table_name = ${source.table} AND column_name = ${source.column}`,
      );
      return mariadbOrder(c.rows[0]?.col);
    }
    default:
      return { order: undefined, exactEquality: false };
  }
}

/** Each shard's text order per column, probed once and kept for the life of the sharded engine. */
export class TextOrders {
  private readonly known = new Map<string, Promise<TextRule>>();

  constructor(private readonly shards: ShardSet) {}

  private of(shard: string, source: ReturnType<typeof collationSource>): Promise<TextRule> {
    const k = JSON.stringify([shard, source ?? null]);
    let p = this.known.get(k);
    if (!p) {
      p = atShard(shard, () => probeTextOrder(this.shards.engine(shard), source));
      this.known.set(k, p);
      p.catch(() => this.known.delete(k));
    }
    return p;
  }

  /** How text of `expr` compares on all of `targets`: the same binary order everywhere, or undefined. */
  async order(targets: readonly string[], expr: ExprNode): Promise<TextOrder | undefined> {
    const source = collationSource(expr);
    const orders = (await Promise.all(targets.map((t) => this.of(t, source)))).map((r) => r.order);
    return orders.every((o) => o !== undefined && o === orders[0]) ? orders[0] : undefined;
  }

  /** Whether text of `expr` is equal on every target exactly when the strings are identical. */
  async exactEquality(targets: readonly string[], expr: ExprNode): Promise<boolean> {
    const source = collationSource(expr);
    return (await Promise.all(targets.map((t) => this.of(t, source)))).every((r) => r.exactEquality);
  }

  env(targets: readonly string[]): FanoutEnv {
    const dialects = targets.map((t) => this.shards.engine(t).dialect.name);
    const smallest = dialects.map(nullsSmallest);
    return {
      textOrder: (e) => this.order(targets, e),
      textEquality: (e) => this.exactEquality(targets, e),
      nullsSmallest: smallest.every((s) => s === smallest[0]) ? smallest[0] : undefined,
      allSqlite: dialects.every((d) => d === "sqlite"),
      dialect: dialects.every((d) => d === dialects[0]) ? dialects[0] : undefined,
    };
  }
}
