// Foreign-key links between FROM sources: what join inference and nested auto-correlation use.
import type { ColumnNode, ExprNode, ForeignKeyInfo, SourceNode, TableNode } from "./nodes/index.js";
import { types } from "./types.js";

export interface Link {
  /** The source holding the foreign key. */
  readonly child: SourceNode;
  /** The source it references. */
  readonly parent: SourceNode;
  readonly fk: ForeignKeyInfo;
  /** child.fk_columns = parent.referenced_columns, bound to these two sources. */
  readonly condition: ExprNode;
}

export function tableOfSource(s: SourceNode): TableNode | undefined {
  return s.kind === "table" ? s : s.kind === "alias" ? s.table : undefined;
}

export function sourceLabel(s: SourceNode): string {
  return s.kind === "table" ? s.info.name : s.name;
}

const rebind = (c: ColumnNode, source: SourceNode): ColumnNode => (c.source === source ? c : { ...c, source });

/** Foreign keys from `child`'s table to `parent`'s table, as conditions on these two sources. */
export function linksFrom(child: SourceNode, parent: SourceNode): Link[] {
  const ct = tableOfSource(child);
  const pt = tableOfSource(parent);
  if (!ct || !pt || child === parent) return [];
  const out: Link[] = [];
  for (const fk of ct.info.foreignKeys) {
    if (fk.refTable().info !== pt.info) continue;
    const refs = fk.refColumns();
    const parts: ExprNode[] = fk.columns.map((col, i) => ({
      kind: "binary",
      op: "=",
      left: rebind(col, child),
      right: rebind(refs[i], parent),
      type: types.boolean,
    }));
    const condition: ExprNode = parts.length === 1 ? parts[0] : { kind: "logical", op: "AND", items: parts, type: types.boolean };
    out.push({ child, parent, fk, condition });
  }
  return out;
}

/** Links in both directions between any source of `a` and any source of `b`. */
export function linksBetween(a: readonly SourceNode[], b: readonly SourceNode[]): Link[] {
  const out: Link[] = [];
  for (const x of a) for (const y of b) out.push(...linksFrom(x, y), ...linksFrom(y, x));
  return out;
}
