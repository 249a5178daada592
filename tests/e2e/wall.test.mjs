// The wall of the situation room (`tsur-app --wall`): dark, full screen, turning its scenes
// by itself, the figures of `tsur screen`, and never a citizen's name or words.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { env, openApp, dataValue } from "./session.mjs";

const screen = JSON.parse(readFileSync(env("TSUR_E2E_SCREEN"), "utf8"));
const private_ = JSON.parse(readFileSync(env("TSUR_E2E_PRIVATE"), "utf8"));
let browser;

before(async () => {
  browser = await openApp(["--wall", "--scene-seconds", "4"]);
});

after(async () => {
  if (browser) await browser.deleteSession();
});

test("the wall is dark and shows the region first", async () => {
  assert.equal(await browser.execute(() => document.body.dataset.mode), "wall");
  const background = await browser.execute(() => getComputedStyle(document.querySelector(".room")).backgroundColor);
  const [r, g, b] = background.match(/\d+/g).map(Number);
  assert.ok(r + g + b < 150, `a dark background, not ${background}`);
  assert.equal(await browser.execute(() => getComputedStyle(document.getElementById("panel")).display), "none", "no controls on the wall");
});

test("the wall has no search box, and of the charts only the timeline", async () => {
  assert.equal(await (await browser.$('[data-testid="search"]')).isDisplayed(), false, "no search on the wall");
  await browser.waitUntil(async () => (await browser.execute(() => document.body.dataset.chartsReady ?? null)) === "1", { timeout: 30_000, timeoutMsg: "the wall's chart was never drawn" });
  const charts = await browser.execute(() =>
    [...document.querySelectorAll('[data-testid="room-charts"] figure')].map((f) => [f.getAttribute("data-testid"), (f.querySelector("img")?.getAttribute("src") ?? "").startsWith("data:image/svg+xml")]),
  );
  assert.deepEqual(charts, [["chart-timeline", true]]);
});

test("the wall's figures equal `tsur screen`", async () => {
  // The first scene is the region over the default period, as `tsur screen` without flags.
  await browser.waitUntil(async () => (await browser.execute(() => document.body.dataset.scene ?? "region")) === "region", { timeout: 20_000 });
  assert.equal(Number(await dataValue(browser, "tile-appeals")), screen.kpis.appeals);
  const onTime = Number(await dataValue(browser, "tile-on_time"));
  assert.ok(Math.abs(onTime - screen.kpis.on_time.value) < 1e-9, `${onTime} vs ${screen.kpis.on_time.value}`);
});

test("the playlist turns by itself", async () => {
  const first = await browser.execute(() => document.body.dataset.scene ?? "region");
  await browser.waitUntil(async () => (await browser.execute(() => document.body.dataset.scene ?? "region")) !== first, {
    timeout: 20_000,
    timeoutMsg: "the wall stayed on one scene",
  });
  assert.match(await browser.execute(() => document.querySelector('[data-testid="scene-title"]')?.textContent ?? ""), /Блок|Рейтинги|Область/);
});

test("no name, contact or appeal text of a citizen ever reaches the wall", async () => {
  // Over two scenes, to see more than one picture.
  for (let i = 0; i < 2; i++) {
    const text = await browser.execute(() => document.body.innerText);
    for (const name of private_.names) assert.ok(!text.includes(name), `a citizen's name on the wall: ${name}`);
    for (const phone of private_.phones) assert.ok(!text.includes(phone), "a citizen's phone on the wall");
    for (const fragment of private_.texts) assert.ok(!text.includes(fragment), `an appeal's text on the wall: ${fragment}`);
    await browser.pause(4500);
  }
});

test("a screenshot of the wall is saved", async () => {
  await browser.pause(1500);
  const path = join(env("TSUR_E2E_ARTIFACTS"), "wall.png");
  await browser.saveScreenshot(path);
  assert.ok(readFileSync(path).length > 10_000);
});
