// The reference pages in docs/reference/ are programs too: each page's blocks run in order on
// embedded SQLite and print what the page shows, and the pages type-check.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { generatePages, pageTests } from "./pages.js";

const pages = generatePages("docs/reference", (f) => f.endsWith(".md") && f !== "README.md", "reference");

describe("reference pages", { timeout: 240_000 }, () => {
  test("every page has code that runs", () => {
    assert.ok(pages.length >= 3);
    for (const p of pages) assert.ok(p.chapter.blocks.length > 0, `${p.file} has no code`);
  });
  pageTests(pages);
});
