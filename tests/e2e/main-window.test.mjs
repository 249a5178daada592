// The situation-room window, driven like a person would see it: the real tsur-app binary
// on a virtual screen, reading a demo database filled by `tsur demo`. Checks that the 13
// municipalities are drawn and that the panel's totals equal `tsur stats --json`.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { env, openApp } from "./session.mjs";

const stats = JSON.parse(readFileSync(env("TSUR_E2E_STATS"), "utf8"));
let browser;

before(async () => {
  browser = await openApp();
});

after(async () => {
  if (browser) await browser.deleteSession();
});

test("the window is Russian and says where the boundaries come from", async () => {
  assert.match(await browser.getTitle(), /ЦУР Астраханской области/);
  const attribution = await browser.execute(() => document.querySelector(".maplibregl-ctrl-attrib")?.textContent ?? "");
  assert.match(attribution, /© OpenStreetMap contributors/);
});

test("all 13 municipalities are drawn on the map", async () => {
  await browser.waitUntil(
    async () => (await browser.execute(() => document.querySelector("[data-municipalities-drawn]")?.getAttribute("data-municipalities-drawn"))) === "13",
    { timeout: 60_000, timeoutMsg: "the map did not report 13 drawn municipalities" },
  );
});

test("the panel's totals equal `tsur stats`", async () => {
  const value = (selector) => browser.execute((s) => document.querySelector(s)?.getAttribute("data-value") ?? null, selector);
  assert.equal(Number(await value('[data-testid="total-appeals"]')), stats.total);
  for (const [kind, list] of [
    ["municipality", stats.by_municipality],
    ["block", stats.by_block],
    ["channel", stats.by_channel],
    ["status", stats.by_status],
  ]) {
    for (const row of list) {
      assert.equal(Number(await value(`[data-testid="${kind}-row-${row.key}"]`)), row.count, `${kind} ${row.key}`);
    }
  }
});

test("a screenshot of the window is saved", async () => {
  // Let the map finish its last frame before the picture.
  await browser.pause(1500);
  const path = join(env("TSUR_E2E_ARTIFACTS"), "main-window.png");
  await browser.saveScreenshot(path);
  assert.ok(readFileSync(path).length > 10_000, "the screenshot is not empty");
});
