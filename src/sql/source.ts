// FROM sources as users hold them: each exposes typed columns under `.c` and its node.
import { ColumnExpr, type TypeOf } from "./expression.js";
import type { AliasNode, ColumnNode, FromNode, SourceNode, TableNode } from "./nodes/index.js";

export interface Source {
  readonly fromNode: FromNode;
}

export type ColumnsLike = { readonly [key: string]: ColumnExpr<string, unknown> };

/** Columns re-bound to another source (an alias), keeping keys and value types. */
export type Rebound<C> = { readonly [K in keyof C & string]: ColumnExpr<K, TypeOf<C[K]>> };

export function rebind(columns: readonly ColumnNode[], source: SourceNode): Record<string, ColumnExpr<string, unknown>> {
  const out: Record<string, ColumnExpr<string, unknown>> = {};
  for (const c of columns) out[c.key] = new ColumnExpr({ kind: "column", name: c.name, key: c.key, source, type: c.type });
  return out;
}

/** A table under another name, for self-joins: `const manager = alias(employee, "manager")`. */
export class Alias<C> implements Source {
  readonly node: AliasNode;
  readonly c: Rebound<C>;
  constructor(table: TableNode, name: string) {
    this.node = { kind: "alias", name, table };
    this.c = rebind(table.info.columnNodes, this.node) as Rebound<C>;
  }
  get fromNode(): FromNode {
    return this.node;
  }
}
