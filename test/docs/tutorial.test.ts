// The tutorial can never rot: every ```ts block of every chapter in docs/tutorial/ runs, in order,
// as one module per chapter on embedded SQLite, and what a block prints must equal the ```text
// block that follows it in the chapter. The chapters also type-check under strict settings.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { generatePages, pageTests } from "./pages.js";

const chapters = generatePages("docs/tutorial", (f) => /^\d\d-.*\.md$/.test(f), "tutorial");

describe("tutorial", { timeout: 240_000 }, () => {
  test("there are chapters 00 to 06, each with code that runs", () => {
    assert.deepEqual(
      chapters.map((c) => c.file.slice(0, 2)),
      ["00", "01", "02", "03", "04", "05", "06"],
    );
    for (const c of chapters) assert.ok(c.chapter.blocks.length > 0, `${c.file} has no code`);
  });
  pageTests(chapters);
});
