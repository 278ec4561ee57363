import type { SqlType } from "../types.js";
import { declare } from "./fields.js";

/** A value sent as a bound parameter; `site` names the column it is compared with or stored in. */
export interface BindNode {
  readonly kind: "bind";
  readonly value: unknown;
  readonly type: SqlType;
  readonly site?: { readonly table?: string; readonly column?: string };
}

export const bindFields = declare<BindNode>({ value: "value", type: "type", site: "meta" });
