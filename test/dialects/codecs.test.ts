// The char-code timestamp reader must agree with the Date parser on every input it accepts, and
// hand every other form to it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidValueError } from "../../src/errors.js";
import { fastServerDate, fastUtcDate, isoTimestamp, utcTimestamp } from "../../src/dialects/codecs.js";
import { mulberry32 } from "../support/random.js";

test("fastUtcDate equals new Date on ISO and SQL forms of random instants", () => {
  const rnd = mulberry32(20261126);
  let accepted = 0;
  for (let k = 0; k < 20_000; k++) {
    // 1800 to 2200, whole milliseconds.
    const t = Math.floor((rnd() - 0.5) * 2 * 7.3e12);
    const iso = new Date(t).toISOString();
    for (const s of [iso, iso.slice(0, 19) + "Z", iso.slice(0, 21) + "Z", iso.replace("T", " ").slice(0, 23), iso.slice(0, 19)]) {
      const expected = new Date(s.endsWith("Z") ? s : `${s.replace(" ", "T")}Z`).getTime();
      const got = fastUtcDate(s);
      if (got !== undefined) {
        accepted++;
        assert.equal(got.getTime(), expected, s);
      }
      assert.equal((isoTimestamp(s) as Date).getTime(), expected, s);
      assert.equal((utcTimestamp(s) as Date).getTime(), expected, s);
    }
  }
  assert.ok(accepted > 50_000, `the fast path took ${accepted} of 100,000`);
});

test("fastUtcDate declines what it does not read exactly", () => {
  for (const s of [
    "2024-02-29T10:00:00Z", // past the 28th: Date.UTC would roll invalid days over
    "2023-02-31T10:00:00Z",
    "0099-01-01T00:00:00Z", // Date.UTC maps years below 100 to 19xx
    "2024-01-01T10:00:00.1234Z", // more fraction digits than milliseconds
    "2024-01-01T10:00:00+02:00",
    "2024-13-01T10:00:00Z",
    "2024-01-01T24:00:00Z",
    "+012024-01-01T10:00:00.000Z",
    "2024-01-01",
    "garbage",
  ])
    assert.equal(fastUtcDate(s), undefined, s);
  assert.equal((isoTimestamp("2024-01-01T10:00:00+02:00") as Date).toISOString(), "2024-01-01T08:00:00.000Z");
  assert.equal((isoTimestamp("0099-01-01T00:00:00Z") as Date).getUTCFullYear(), 99);
  assert.equal((isoTimestamp("2024-02-29 10:00:00") as Date).toISOString(), "2024-02-29T10:00:00.000Z");
});

test("fastServerDate reads PostgreSQL's timestamptz text, offsets and late days included", () => {
  const rnd = mulberry32(7);
  for (let k = 0; k < 20_000; k++) {
    const t = Math.floor((rnd() - 0.5) * 2 * 7.3e12);
    const iso = new Date(t).toISOString();
    const text = `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
    for (const [suffix, minutes] of [
      ["+00", 0],
      ["+05:30", 330],
      ["-03", -180],
    ] as const) {
      const got = fastServerDate(text + suffix);
      assert.ok(got !== undefined, text + suffix);
      assert.equal(got.getTime(), t - minutes * 60_000, text + suffix);
    }
  }
  for (const s of ["0099-01-01 00:00:00+00", "2024-01-01 10:00:00.1234+00", "2024-01-01 10:00:00+0", "infinity", "2024-01-01 10:00:00 BC"])
    assert.equal(fastServerDate(s), undefined, s);
});

test("the fallback readers refuse a digit past the millisecond and read trailing zeros exactly", () => {
  const rnd = mulberry32(20261205);
  for (let k = 0; k < 5_000; k++) {
    const t = Math.floor((rnd() - 0.5) * 2 * 7.3e12);
    const iso = new Date(t).toISOString();
    const micro = String(1 + Math.floor(rnd() * 999)).padStart(3, "0");
    for (const read of [isoTimestamp, utcTimestamp]) {
      assert.equal((read(`${iso.slice(0, 23)}000Z`) as Date).getTime(), t, iso);
      assert.throws(() => read(`${iso.slice(0, 23)}${micro}Z`), InvalidValueError, `${iso} ${micro}`);
      assert.throws(() => read(`${iso.slice(0, 10)} ${iso.slice(11, 23)}${micro}`), InvalidValueError, `${iso} ${micro}`);
    }
  }
});
