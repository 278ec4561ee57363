// Values in a trace are JSON: numbers, strings, booleans and null as they are; what JSON cannot
// hold exactly (bigint, Date, bytes, NaN/Infinity, -0) as a tagged record, and long strings cut,
// so a trace never changes a value silently — it says what it shows.
export type RenderedValue =
  | null
  | boolean
  | number
  | string
  | { readonly $: "bigint" | "date" | "number" | "undefined" | "function" | "symbol"; readonly text: string }
  | { readonly $: "bytes"; readonly length: number; readonly hex: string }
  | { readonly $: "string"; readonly length: number; readonly text: string }
  | { readonly $: "object"; readonly id: number }
  | { readonly $: "array"; readonly items: readonly RenderedValue[] }
  | { readonly $: "json"; readonly entries: readonly (readonly [string, RenderedValue])[] }
  | { readonly $: "instance"; readonly class: string; readonly text: string }
  | { readonly $: "cut"; readonly text: string };

/** How long a string or byte string is shown in full. */
const MAX_STRING = 200;
const MAX_BYTES = 32;
const MAX_ITEMS = 50;
const MAX_DEPTH = 4;

/** `objectId` names a mapped object (by its id in the trace) so values never copy one. */
export function renderValue(v: unknown, objectId?: (o: object) => number | undefined, depth = 0): RenderedValue {
  switch (typeof v) {
    case "string":
      return v.length <= MAX_STRING ? v : { $: "string", length: v.length, text: v.slice(0, MAX_STRING) };
    case "boolean":
      return v;
    case "number":
      return Number.isFinite(v) && !Object.is(v, -0) ? v : { $: "number", text: Object.is(v, -0) ? "-0" : String(v) };
    case "bigint":
      return { $: "bigint", text: v.toString() };
    case "undefined":
      return { $: "undefined", text: "undefined" };
    case "function":
      return { $: "function", text: v.name || "anonymous" };
    case "symbol":
      return { $: "symbol", text: v.description ?? "" };
  }
  if (v === null) return null;
  if (v instanceof Date) return { $: "date", text: Number.isNaN(v.getTime()) ? "Invalid Date" : v.toISOString() };
  if (v instanceof Uint8Array) {
    const hex = Buffer.from(v.buffer, v.byteOffset, Math.min(v.byteLength, MAX_BYTES)).toString("hex");
    return { $: "bytes", length: v.byteLength, hex };
  }
  const obj = v as object;
  const id = objectId?.(obj);
  if (id !== undefined) return { $: "object", id };
  const proto: unknown = Object.getPrototypeOf(obj);
  // A value class (a decimal, say) shows as it prints itself.
  if (proto !== Object.prototype && proto !== null && !Array.isArray(obj)) {
    const text = String(obj);
    return { $: "instance", class: obj.constructor?.name ?? "Object", text: text.length <= MAX_STRING ? text : `${text.slice(0, MAX_STRING)}…` };
  }
  if (depth >= MAX_DEPTH) return { $: "cut", text: Array.isArray(obj) ? `[${obj.length} items]` : "{…}" };
  if (Array.isArray(obj)) return { $: "array", items: obj.slice(0, MAX_ITEMS).map((x) => renderValue(x, objectId, depth + 1)) };
  const entries = Object.entries(obj)
    .slice(0, MAX_ITEMS)
    .map(([k, x]) => [k, renderValue(x, objectId, depth + 1)] as const);
  return { $: "json", entries };
}
