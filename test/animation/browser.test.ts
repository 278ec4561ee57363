/// <reference lib="dom" />
// The Session animation in a real browser: headless Chromium (Debian's chromium package, driven
// by playwright-core) opens the page generated from the tour and checks that it loads without a
// console error, that stepping shows the named objects in the lanes and the statement highlighted
// the trace says, that stepping back restores the view, that the scrubber and keys jump, that it
// reads at 1280×800 and at phone width, and takes a screenshot of the last step.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { animationHtml, SessionTrace, type SessionTraceJSON } from "../../src/index.js";
import tour from "../../examples/session-tour.js";

const CHROMIUM = process.env.ARBOR_CHROMIUM ?? "/usr/bin/chromium";

interface View {
  counter: string;
  lanes: Record<string, string>;
  flags: Record<string, string>;
  sql: string | null;
  action: string | null;
  code: string | null;
}

/** What the page shows now: each named object's lane and flags, the highlighted statement, plan action and code line. */
function view(page: Page): Promise<View> {
  return page.evaluate(() => {
    const lanes: Record<string, string> = {};
    const flags: Record<string, string> = {};
    for (const el of document.querySelectorAll<HTMLElement>(".obj[data-name]")) {
      const name = el.dataset.name!;
      lanes[name] = `${el.dataset.lane}@${el.parentElement!.id}`;
      flags[name] = el.dataset.flags ?? "";
    }
    return {
      counter: document.getElementById("counter")!.textContent!,
      lanes,
      flags,
      sql: document.querySelector("li.stmt.current code")?.textContent ?? null,
      action: document.querySelector("li.action.current strong")?.textContent ?? null,
      code: document.querySelector("ol.source li.current")?.textContent?.trim() ?? null,
    };
  });
}

describe("the Session animation in Chromium", () => {
  let browser: Browser;
  let page: Page;
  let trace: SessionTraceJSON;
  let dir: string;
  const errors: string[] = [];
  const at = (title: string, from = 0) => trace.steps.findIndex((s) => s.index >= from && s.title === title);

  before(async () => {
    assert.ok(
      existsSync(CHROMIUM),
      `Chromium is not installed at ${CHROMIUM}: the browser test needs it (apt-get install chromium, as .ci/run does; or set ARBOR_CHROMIUM)`,
    );
    const t = new SessionTrace();
    await tour(t);
    trace = t.toJSON();
    dir = mkdtempSync(join(tmpdir(), "arbor-animation-"));
    const file = join(dir, "session.html");
    writeFileSync(file, animationHtml(trace, { title: "tour" }));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("request", (r) => {
      if (!r.url().startsWith("file:")) errors.push(`request to ${r.url()}`);
    });
    await page.goto(pathToFileURL(file).href);
  });

  after(async () => {
    await browser?.close();
  });

  test("loads from file:// with no console error, at step 1", async () => {
    const v = await view(page);
    assert.equal(v.counter, `Step 1 of ${trace.steps.length}`);
    assert.deepEqual(errors, []);
  });

  test("stepping forward shows the objects' lanes and the highlighted statement; stepping back restores the view", async () => {
    const add = at("session.add()");
    for (let i = 0; i < add; i++) await page.keyboard.press("ArrowRight");
    let v = await view(page);
    assert.equal(v.counter, `Step ${add + 1} of ${trace.steps.length}`);
    assert.equal(v.lanes.alice, "pending@lane-pending");
    assert.equal(v.lanes.a1, "pending@lane-pending");
    assert.equal(v.lanes.bob, "transient@lane-transient");
    assert.equal(v.code, "session.add(alice);");
    // On to the flush's first INSERT: the customers, as the plan's first action.
    const insert = trace.steps.findIndex((s) => s.index > add && s.kind === "sql" && s.title.startsWith("INSERT"));
    for (let i = add; i < insert - 1; i++) await page.click("#next");
    const before = await view(page);
    await page.click("#next");
    v = await view(page);
    assert.match(v.sql!, /^INSERT INTO "customer" \("name"\) VALUES \(\?\), \(\?\)/);
    assert.equal(v.action, "INSERT customer");
    assert.equal(v.code, "await session.flush();");
    assert.equal(await page.locator("li.stmt.current .meta").textContent(), 'params: "Alice", "Bob" · 2 rows');
    await page.keyboard.press("ArrowLeft");
    assert.deepEqual(await view(page), before);
    assert.match(before.sql!, /^SAVEPOINT arbor_sp_\d+$/);
    // Once the flush is done the objects are persistent and the rows are in the table.
    const done = trace.steps.findIndex((s) => s.index > insert && s.title === "flush done");
    for (let i = insert - 1; i < done; i++) await page.keyboard.press("ArrowRight");
    v = await view(page);
    assert.equal(v.lanes.alice, "persistent@lane-persistent");
    assert.equal(v.lanes.bob, "persistent@lane-persistent");
    assert.deepEqual(await page.locator("table.db").first().locator("tbody td:nth-child(2)").allTextContents(), ['"Alice"', '"Bob"']);
    assert.deepEqual(errors, []);
  });

  test("the scrubber jumps: a dirty attribute with its old value, a deletion, the loaded tree, the end", async () => {
    const scrub = async (i: number) => {
      await page.locator("#scrubber").fill(String(i));
      assert.equal((await view(page)).counter, `Step ${i + 1} of ${trace.steps.length}`);
    };
    await scrub(at("named carol"));
    assert.match((await view(page)).flags.alice, /dirty/);
    assert.equal(
      await page.locator('.obj[data-name="alice"] dd.dirty[data-key="name"] del').textContent(),
      "expired",
      "the value before is unknown: commit expired it",
    );
    assert.equal(await page.locator('.obj[data-name="alice"] dd.dirty[data-key="name"] ins').textContent(), '"Alice Smith"');
    assert.equal((await view(page)).lanes.carol, "transient@lane-transient");

    await scrub(at("session.delete()"));
    let v = await view(page);
    assert.match(v.flags.bob, /marked for deletion/);
    assert.equal(v.lanes.bob, "persistent@lane-persistent");

    const commit = at("session.commit()", at("session.delete()"));
    const deleteItem = trace.steps.findIndex((s) => s.op === commit && s.kind === "sql" && s.title.startsWith("DELETE"));
    await scrub(deleteItem);
    v = await view(page);
    assert.match(v.sql!, /^DELETE FROM "item"/);
    assert.equal(v.action, "DELETE item");

    const query = at("query.one()");
    const loaded = trace.steps.findIndex((s) => s.op === query && s.kind === "done");
    await scrub(loaded);
    assert.deepEqual(await page.locator("#loaded .node").allTextContents(), ["alice", "a1", "Item #4", "Item #5"]);

    await page.keyboard.press("End");
    v = await view(page);
    assert.equal(v.counter, `Step ${trace.steps.length} of ${trace.steps.length}`);
    for (const name of ["alice", "bob", "a1", "b1"]) assert.equal(v.lanes[name], "detached@lane-detached");
    assert.equal(v.lanes.dave, "transient@lane-transient");
    const shot = join(dir, "final-step.png");
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(statSync(shot).size > 10_000, shot);
    await page.keyboard.press("Home");
    assert.equal((await view(page)).counter, `Step 1 of ${trace.steps.length}`);
    assert.deepEqual(errors, []);
  });

  test("play advances on its own and pause stops it", async () => {
    await page.selectOption("#speed", "400");
    await page.click("#play");
    assert.equal(await page.getAttribute("#play", "aria-pressed"), "true");
    await page.waitForFunction(() => document.body.dataset.step !== "0");
    await page.click("#play");
    assert.equal(await page.getAttribute("#play", "aria-pressed"), "false");
  });

  test("accessible controls, and no horizontal scrolling at 1280×800 or at phone width", async () => {
    const unnamed = await page.evaluate(() =>
      [...document.querySelectorAll("button, input, select")]
        .filter((el) => {
          const labelled =
            el.getAttribute("aria-label") || el.textContent?.trim() || (el.id && document.querySelector(`label[for="${el.id}"]`)) || el.closest("label");
          return !labelled;
        })
        .map((el) => el.outerHTML),
    );
    assert.deepEqual(unnamed, []);
    // A fresh load: the focus order from the top of the page.
    await page.reload();
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement?.className), "skip", "the first stop skips to the objects");
    await page.keyboard.press("Tab");
    // First and Back are disabled at step 1: Play is the first control to take the focus.
    assert.equal(await page.evaluate(() => document.activeElement?.id), "play", "then the replay controls");
    for (const [width, height] of [
      [1280, 800],
      [390, 844],
    ]) {
      await page.setViewportSize({ width, height });
      await page.keyboard.press("End");
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.equal(overflow, 0, `horizontal overflow at ${width}px`);
    }
    assert.deepEqual(errors, []);
  });
});
