// docs/migrations.md is a program too: its migration workflow runs on embedded SQLite, each block
// printing what the page shows, and the page type-checks.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { generatePages, pageTests } from "./pages.js";

const pages = generatePages("docs", (f) => f === "migrations.md", "migrations");

describe("docs/migrations.md", { timeout: 240_000 }, () => {
  test("the page has code that runs", () => {
    assert.equal(pages.length, 1);
    assert.ok(pages[0].chapter.blocks.length >= 6);
  });
  pageTests(pages);
});
