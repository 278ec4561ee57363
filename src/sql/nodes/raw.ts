import type { SqlType } from "../types.js";
import type { Node } from "./index.js";
import { childList, declare } from "./fields.js";

/**
 * A fragment written with the `sql` tag: literal text from the template's own strings, with
 * values and nodes between them. User values never become text.
 */
export interface RawNode {
  readonly kind: "raw";
  readonly strings: readonly string[];
  readonly values: readonly Node[];
  readonly type: SqlType;
}

export const rawFields = declare<RawNode>({ strings: { list: "name" }, values: childList, type: "type" });
