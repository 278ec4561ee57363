import type { SqlType } from "../types.js";
import type { SourceNode } from "./index.js";
import { declare } from "./fields.js";

/** A column of a FROM source (table, alias, derived table or CTE). */
export interface ColumnNode {
  readonly kind: "column";
  /** Name in SQL. */
  readonly name: string;
  /** Name in rows (JS property); equals `name` unless the schema maps it. */
  readonly key: string;
  readonly source: SourceNode;
  readonly type: SqlType;
}

export const columnFields = declare<ColumnNode>({ name: "name", key: "meta", source: "source", type: "type" });
