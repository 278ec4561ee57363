// MariaDB stops a recursive CTE after max_recursive_iterations (1000 by default) and says so only
// in a warning: the rows came back incomplete. Arbor's sessions lift the limit.
import { test } from "node:test";
import assert from "node:assert/strict";
import { func, select, types, value } from "../../src/index.js";
import { forEachEngine } from "../support/engines.js";

forEachEngine(import.meta.url, (ctx) => {
  test("a recursive CTE of 5,000 levels returns all 5,000 rows on every engine (MariaDB stopped at 1,001)", async () => {
    const counter = select(value(1, types.integer).as("n"))
      .cte("counter", { recursive: true })
      .unionAll((self) => select(self.c.n.add(1).as("n")).from(self).where(self.c.n.lt(5000)));
    const q = select(func.count().as("rows"), func.max(counter.c.n).as("top")).from(counter);
    const row = (await ctx.engine.execute(q)).one();
    assert.deepEqual([Number(row.rows), Number(row.top)], [5000, 5000]);
  });
});
