// Building row objects from the arrays drivers return. A builder is generated once per row shape
// (top level or nested) with an object literal whose keys are written out, e.g.
// `{ "id": r[0] ?? null, "placedAt": (x = r[2]) == null ? null : d2(x), … }`: every row of the
// shape gets one hidden class with no keyed stores, and each column's decoder is called directly,
// only for the columns that have one. Every shape gets its own code, so its call sites see one
// function each (the decoders, passed in as arguments) and stay inlinable however many shapes an
// application has. Keys are written as JSON string literals, never evaluated as code.
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
      row[keys[i]] = v === null || v === undefined ? null : d === null ? v : d(v);
    }
    for (const k of reserve) row[k] = undefined;
    return row;
  };
}

/** The object literal building one row from `r` (with `x` as scratch), for generated code. */
export function rowLiteral(keys: readonly string[], decoders: readonly (Decoder | null)[], reserve: readonly string[] = []): string {
  const fields = keys.map((k, i) => `${JSON.stringify(k)}: ${decoders[i] === null ? `r[${i}] ?? null` : `(x = r[${i}]) == null ? null : d${i}(x)`}`);
  for (const k of reserve) fields.push(`${JSON.stringify(k)}: undefined`);
  return `{ ${fields.join(", ")} }`;
}

/**
 * Compiles `body` (which may use `rowLiteral`'s output and the decoders as d0, d1, …) into a
 * function of `v`, or returns undefined where a literal would misbehave (a `__proto__` key sets
 * the prototype) or the runtime forbids generating code.
 */
export function generate<F>(keys: readonly string[], decoders: readonly (Decoder | null)[], name: string, body: string): F | undefined {
  if (keys.includes("__proto__")) return undefined;
  try {
    const factory = new Function(...decoders.map((_, i) => `d${i}`), `"use strict";\nreturn function ${name}(v) {\n  ${body}\n};`);
    return factory(...decoders) as F;
  } catch {
    return undefined;
  }
}

/** A row builder for one shape: generated where possible, the loop otherwise. */
export function rowBuilder(keys: readonly string[], decoders: readonly (Decoder | null)[]): RowBuilder {
  return (
    generate<RowBuilder>(keys, decoders, "buildRow", `const r = v;\n  let x;\n  return ${rowLiteral(keys, decoders)};`) ?? loopBuilder(keys, decoders)
  );
}
