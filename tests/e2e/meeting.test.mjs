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

test("a case opened in the meeting shows no personal data of its author", async () => {
  await browser.waitUntil(async () => (await browser.execute(() => document.body.dataset.overdueReady)) === "1", { timeout: 60_000, timeoutMsg: "no overdue list" });
  const appeal = await browser.execute(() => document.querySelector('[data-testid="overdue-item"][data-appeal]')?.getAttribute("data-appeal") ?? null);
  assert.ok(appeal, "the block has overdue or at-risk appeals");
  await browser.execute((id) => document.querySelector(`[data-testid="overdue-item"][data-appeal="${id}"]`).click(), appeal);
  await browser.waitUntil(async () => (await browser.execute(() => document.body.dataset.drillReady)) === "appeal", { timeout: 30_000, timeoutMsg: "the case never opened" });
  assert.equal(await browser.execute(() => document.querySelector('[data-testid="case-title"]')?.getAttribute("data-appeal")), appeal);
  assert.equal(await browser.execute(() => document.querySelector('[data-testid="case-author"]')), null);
  const hidden = await browser.execute(() => document.querySelector('[data-testid="case-author-hidden"]') !== null);
  const text = await browser.execute(() => document.querySelector("#drill")?.textContent ?? "");
  const { names } = JSON.parse(readFileSync(env("TSUR_E2E_PRIVATE"), "utf8"));
  for (const name of names) assert.ok(!text.includes(name), "no author's name in the meeting's case view");
  assert.ok(hidden || !text.includes("Заявитель:"), "the author is said to be hidden, or there is none");
  // Back to the block's picture for the screenshot.
  await browser.keys("Escape");
  await browser.waitUntil(async () => (await browser.execute(() => document.querySelector("#drill")?.hidden)) === true, { timeout: 10_000 });
});

test("a text search in the meeting is refused in the drawer, in Russian", async () => {
  await browser.execute(() => {
    const input = document.querySelector('[data-testid="search"]');
    input.value = "вода";
    input.form.requestSubmit();
  });
  await browser.waitUntil(async () => (await browser.execute(() => document.querySelector('[data-testid="drill-error"]')?.textContent ?? "")) !== "", { timeout: 30_000, timeoutMsg: "no refusal shown" });
  assert.match(await browser.execute(() => document.querySelector('[data-testid="drill-error"]').textContent), /персональные данные/);
  assert.equal(await browser.execute(() => document.body.dataset.searchReady ?? null), null);
  await browser.keys("Escape");
  await browser.waitUntil(async () => (await browser.execute(() => document.querySelector("#drill")?.hidden)) === true, { timeout: 10_000 });
});

test("a screenshot of the meeting is saved", async () => {
  await browser.pause(1500);
  const path = join(env("TSUR_E2E_ARTIFACTS"), "meeting.png");
  await browser.saveScreenshot(path);
  assert.ok(readFileSync(path).length > 10_000);
});
