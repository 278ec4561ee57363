// Building row objects from the arrays drivers return. A builder is generated once per row shape
// (top level or nested) with an object literal whose keys are written out, e.g.
// `{ "id": r[0] ?? null, "placedAt": (x = r[2]) == null ? null : d2(x), … }`: every row of the
// shape gets one hidden class with no keyed stores, and each column's decoder is called directly,
// only for the columns that have one. Every shape gets its own code, so its call sites see one
// function each (the decoders, passed in as arguments) and stay inlinable however many shapes an
// application has. Keys are written as JSON string literals, never evaluated as code; `__proto__`
// is written as a computed key, the one spelling that makes it an own property in a literal
// instead of setting the object's prototype.
import type { Decoder } from "../dialects/dialect.js";

export type RowBuilder = (raw: readonly unknown[]) => Record<string, unknown>;

/**
 * The portable builder: a loop over the columns (where a literal cannot be generated). `reserve`
 * keys are added after the columns, holding undefined.
 */
export function loopBuilder(keys: readonly string[], decoders: readonly (Decoder | null)[], reserve: readonly string[] = []): RowBuilder {
  const n = keys.length;
  return (raw) => {
    const row: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) {
      const v = raw[i];
      const d = decoders[i];
      setOwn(row, keys[i], v === null || v === undefined ? null : d === null ? v : d(v));
    }
    for (const k of reserve) setOwn(row, k, undefined);
    return row;
  };
}

/** Sets an own, enumerable property: assigning `__proto__` would set the prototype instead. */
export function setOwn(row: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(row, key, { value, writable: true, enumerable: true, configurable: true });
  else row[key] = value;
}

/** A key of a generated object literal: `__proto__` only as a computed key defines a property. */
function literalKey(key: string): string {
  return key === "__proto__" ? `["__proto__"]` : JSON.stringify(key);
}

/** The object literal building one row from `r` (with `x` as scratch), for generated code. */
export function rowLiteral(keys: readonly string[], decoders: readonly (Decoder | null)[], reserve: readonly string[] = []): string {
  const fields = keys.map((k, i) => `${literalKey(k)}: ${decoders[i] === null ? `r[${i}] ?? null` : `(x = r[${i}]) == null ? null : d${i}(x)`}`);
  for (const k of reserve) fields.push(`${literalKey(k)}: undefined`);
  return `{ ${fields.join(", ")} }`;
}

/**
 * Compiles `body` (which may use `rowLiteral`'s output, the decoders as d0, d1, … and `parse`)
 * into a function of `v`, or returns undefined where the runtime forbids generating code.
 */
export function generate<F>(decoders: readonly (Decoder | null)[], name: string, body: string, parse: (text: string) => unknown = JSON.parse): F | undefined {
  try {
    const factory = new Function(...decoders.map((_, i) => `d${i}`), "parse", `"use strict";\nreturn function ${name}(v) {\n  ${body}\n};`);
    return factory(...decoders, parse) as F;
  } catch {
    return undefined;
  }
}

/** A row builder for one shape: generated where possible, the loop otherwise. */
export function rowBuilder(keys: readonly string[], decoders: readonly (Decoder | null)[]): RowBuilder {
  return generate<RowBuilder>(decoders, "buildRow", `const r = v;\n  let x;\n  return ${rowLiteral(keys, decoders)};`) ?? loopBuilder(keys, decoders);
}
