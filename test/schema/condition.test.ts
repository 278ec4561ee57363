// Check conditions compared across the engines' spellings (issue 15): what each engine gave back
// for a condition Arbor wrote must compare equal to it, a real change must compare different, and
// what Arbor cannot read is undecided, never guessed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { compareConditions, enumValuesOf } from "../../src/schema/reflect/condition.js";

test("issue 15: conditions as PostgreSQL and MariaDB give them back equal what Arbor wrote", () => {
  const equal: [string, string][] = [
    // PostgreSQL: parentheses everywhere, casts added, BETWEEN/IN/LIKE rewritten.
    [`(((n >= (1)::numeric) AND (n <= (2)::numeric)) AND (c IS NOT NULL))`, `"t"."n" BETWEEN 1 AND 2 AND "t"."c" IS NOT NULL`],
    [`(s = ANY (ARRAY['a'::text, 'b'::text]))`, `"s" IN ('a', 'b')`],
    [`((name)::text <> ALL ((ARRAY['x'::character varying, 'it''s'::character varying])::text[]))`, `"name" NOT IN ('x', 'it''s')`],
    [`((name)::text ~~ 'a%'::text)`, `"name" LIKE 'a%'`],
    [`((qty < 50) OR (qty > 60))`, `"qty" NOT BETWEEN 50 AND 60`],
    [`(price >= '0'::numeric)`, `"price" >= '0'`],
    // MariaDB: backticks, lower case, NOT pushed down, lower() as lcase(), quoted decimals unquoted.
    ["`qty` <= 100 or `price` >= '0.50'", `NOT ("t"."qty" > 100 AND "t"."price" < '0.50')`],
    ["lcase(`name`) <> 'forbidden'", `lower("name") <> 'forbidden'`],
    ["`c7` >= 0", "`ev`.`c7` >= '0'"],
    ["`active` = 1 or `ratio` >= -1.5", `"active" = TRUE OR "ratio" >= -1.5`],
  ];
  for (const [engine, arbor] of equal) assert.equal(compareConditions(engine, arbor), "equal", `${engine}  vs  ${arbor}`);
});

test("issue 15: a changed condition compares different", () => {
  const different: [string, string][] = [
    [`(((n >= 1) AND (n <= 10)))`, `"n" BETWEEN 1 AND 100`],
    ["`a` > 1", `"a" >= 1`],
    [`(code = '007'::text)`, `"code" = '7'`],
    [`((a > 1) AND (b > 2)) OR (c > 3)`, `"a" > 1 AND ("b" > 2 OR "c" > 3)`],
    [`(s = ANY (ARRAY['a'::text, 'b'::text]))`, `"s" IN ('a', 'b', 'c')`],
  ];
  for (const [engine, arbor] of different) assert.equal(compareConditions(engine, arbor), "different", `${engine}  vs  ${arbor}`);
});

test("issue 15: a condition Arbor cannot read, or two differing only in a cast, is undecided", () => {
  assert.equal(compareConditions(`((qty & 1) = 0)`, `("qty" & 1) = 0`), "undecided");
  assert.equal(compareConditions(`((c)::integer > 0)`, `"c" > 0`), "undecided");
  assert.equal(compareConditions(`qty & 1`, `qty & 1`), "equal", "the same text is the same condition");
});

test("issue 15: an enum's check gives its values back, one value written as =", () => {
  assert.deepEqual(enumValuesOf(`(s = ANY (ARRAY['a'::text, 'b'::text]))`, "s"), ["a", "b"]);
  assert.deepEqual(enumValuesOf("`s` = 'only'", "s"), ["only"]);
  assert.equal(enumValuesOf("`s` in ('a','b')", "t"), undefined, "another column's check");
  assert.equal(enumValuesOf("`s` in ('a', 1)", "s"), undefined, "not all strings");
});
