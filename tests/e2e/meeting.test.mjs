// A sector head's meeting (`tsur-app --meeting BLOCK`): one block's picture, presented large.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { env, openApp, dataValue } from "./session.mjs";

const screen = JSON.parse(readFileSync(env("TSUR_E2E_MEETING_SCREEN"), "utf8"));
const block = env("TSUR_E2E_MEETING_BLOCK");
let browser;

before(async () => {
  browser = await openApp(["--meeting", block]);
});

after(async () => {
  if (browser) await browser.deleteSession();
});

test("the meeting shows the block's figures, equal to `tsur screen --block`", async () => {
  assert.equal(await browser.execute(() => document.body.dataset.mode), "meeting");
  assert.equal(await browser.execute(() => document.body.dataset.block), block);
  assert.match(await browser.execute(() => document.querySelector('[data-testid="scene-title"]')?.textContent ?? ""), /^Совещание: /);
  assert.equal(Number(await dataValue(browser, "tile-appeals")), screen.kpis.appeals);
});

test("a screenshot of the meeting is saved", async () => {
  await browser.pause(1500);
  const path = join(env("TSUR_E2E_ARTIFACTS"), "meeting.png");
  await browser.saveScreenshot(path);
  assert.ok(readFileSync(path).length > 10_000);
});
