// What a json column accepts: values whose JSON text reads back as the same value. JSON.stringify
// turns NaN and Infinity into null, drops undefined members, writes -0 as 0, a Date as its ISO
// string and a Map as {}, and throws a TypeError on a bigint; each of those is refused here instead.
import { hasLoneSurrogate } from "./text.js";

/** Why `value` is not an exact JSON value, or undefined when it is one. */
export function jsonProblem(value: unknown, path = "$", seen: object[] = []): string | undefined {
  switch (typeof value) {
    case "boolean":
      return undefined;
    case "string":
      return !hasLoneSurrogate(value) ? undefined : `${path} holds a lone UTF-16 surrogate`;
    case "number":
      if (!Number.isFinite(value)) return `${path} is ${value}, which JSON has no form for`;
      if (Object.is(value, -0)) return `${path} is -0, which JSON reads back as 0`;
      return undefined;
    case "object": {
      if (value === null) return undefined;
      if (seen.includes(value)) return `${path} refers back to an enclosing value`;
      seen.push(value);
      try {
        if (Array.isArray(value)) {
          if (Object.getPrototypeOf(value) !== Array.prototype) return `${path} is not a plain array`;
          for (let i = 0; i < value.length; i++) {
            if (!(i in value)) return `${path}[${i}] is a hole, which JSON reads back as null`;
            const why = jsonProblem(value[i], `${path}[${i}]`, seen);
            if (why) return why;
          }
          return undefined;
        }
        const proto: unknown = Object.getPrototypeOf(value);
        if (proto !== Object.prototype && proto !== null) return `${path} is a ${Object.prototype.toString.call(value).slice(8, -1)}, not a plain object`;
        if (Object.getOwnPropertySymbols(value).length) return `${path} has symbol keys, which JSON drops`;
        for (const [k, v] of Object.entries(value)) {
          const at = `${path}.${k}`;
          if (hasLoneSurrogate(k)) return `${path} has a key with a lone UTF-16 surrogate`;
          const why = jsonProblem(v, at, seen);
          if (why) return why;
        }
        return undefined;
      } finally {
        seen.pop();
      }
    }
    default:
      // undefined, bigint, function, symbol
      return `${path} is ${typeof value === "bigint" ? "a bigint" : typeof value}, which JSON has no form for`;
  }
}
