// Regression: products of wide decimals changed silently. SQLite multiplied them as doubles
// ("0.1234…890" × "0.1234…891" came back right to 17 digits, then noise printed to 30 places);
// MariaDB cut a product past 38 decimal places without an error. SQLite now multiplies exactly;
// MariaDB refuses a product it would cut. Expected values are computed here with BigInt.
import { test } from "node:test";
import assert from "node:assert/strict";
import { NotSupportedError, select, types, value } from "../../src/index.js";
import { forEachEngine } from "../support/engines.js";

/** The exact product of two decimal strings, with the sum of their scales. */
function product(a: string, b: string): string {
  const parse = (s: string) => {
    const neg = s.startsWith("-");
    const [i, f = ""] = s.replace("-", "").split(".");
    return { units: BigInt(i + f) * (neg ? -1n : 1n), scale: f.length };
  };
  const x = parse(a);
  const y = parse(b);
  const units = x.units * y.units;
  const scale = x.scale + y.scale;
  const digits = (units < 0n ? -units : units).toString().padStart(scale + 1, "0");
  return `${units < 0n ? "-" : ""}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

forEachEngine(import.meta.url, (ctx) => {
  test("regression: a product of numeric(30, 10) values is exact on every engine", async () => {
    const a = "-12345678901234567890.1234567891";
    const b = "98765432109876543210.9876543219";
    const q = select(
      value(a, types.numeric(30, 10))
        .mul(value(b, types.numeric(30, 10)))
        .as("p"),
    );
    const got = String((await ctx.engine.execute(q)).rows[0].p);
    assert.equal(got, product(a, b));
  });

  test("regression: a product with 60 decimal places is exact, or refused where the engine would cut it (MariaDB)", async () => {
    const a = "0.123456789012345678901234567890";
    const b = "0.123456789012345678901234567891";
    const q = select(
      value(a, types.numeric(65, 30))
        .mul(value(b, types.numeric(65, 30)))
        .as("p"),
    );
    if (ctx.name === "mariadb") {
      await assert.rejects(ctx.engine.execute(q), (e: unknown) => e instanceof NotSupportedError && /38 decimal places/.test(e.message));
      return;
    }
    assert.equal(String((await ctx.engine.execute(q)).rows[0].p), product(a, b));
  });
});
