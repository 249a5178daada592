// The laptop's drill-down in the real window: region → municipality → block → problem →
// appeal and back, each step's numbers equal to the CLI's JSON for the same thing; the search
// box by id and by words (equal to `tsur search --json`).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { env, openApp } from "./session.mjs";

const stats = JSON.parse(readFileSync(env("TSUR_E2E_STATS"), "utf8"));
const cli = (...args) => JSON.parse(execFileSync(join(dirname(env("TSUR_E2E_APP")), "tsur"), ["--db", env("TSUR_E2E_DB"), ...args, "--json"], { encoding: "utf8" }));
let browser;

before(async () => {
  browser = await openApp();
});

after(async () => {
  if (browser) await browser.deleteSession();
});

const body = (key) => browser.execute((k) => document.body.dataset[k] ?? null, key);
const crumbs = () => browser.execute(() => [...document.querySelectorAll('[data-testid="crumbs"] li')].map((li) => li.textContent));
const click = (selector) => browser.execute((s) => document.querySelector(s)?.click() ?? null, selector);

async function reached(level) {
  await browser.waitUntil(async () => (await body("drillReady")) === level && (await body("drill")) === level, { timeout: 30_000, timeoutMsg: `the drill-down did not reach ${level}` });
}

/** Waits until the room shows the slice of this municipality and block (null = all). */
async function roomShows(municipality, block) {
  const key = `${municipality ?? ""}|${block ?? ""}||`;
  await browser.waitUntil(async () => (await body("roomFor")) === key, { timeout: 30_000, timeoutMsg: `the room never showed ${key}` });
}

test("from the region to a case and back, the numbers equal the CLI's", async () => {
  // A previous run may have left the window deeper: start from the region.
  if ((await body("drill")) !== "region") {
    await click('.crumbs [data-level="region"]');
    await reached("region");
  }
  await roomShows(null, null);
  assert.deepEqual(await crumbs(), ["Астраханская область"]);

  // The region's top problem, and where its newest appeal is: that municipality and block.
  const top = await browser.execute(() => document.querySelector('[data-testid="room-problems"] [data-problem]')?.getAttribute("data-problem") ?? null);
  assert.ok(top, "the region has a problem to drill into");
  const where = cli("case", cli("problems", "appeals", top, "--limit", "1").appeals[0].id);
  const municipality = stats.by_municipality.find((m) => m.key === where.municipality);
  await click(`[data-testid="municipality-row-${municipality.key}"]`);
  await roomShows(municipality.key, null);
  assert.equal(await browser.execute(() => document.querySelector('[data-testid="scene-title"]')?.textContent), municipality.label_ru);
  const block = stats.by_block.find((b) => b.key === where.block);
  await click(`[data-testid="block-row-${block.key}"]`);
  await roomShows(municipality.key, block.key);
  assert.equal(await browser.execute(() => document.querySelector('[data-testid="scene-title"]')?.textContent), `${municipality.label_ru} · ${block.label_ru}`);
  assert.deepEqual(await crumbs(), ["Астраханская область", municipality.label_ru, block.label_ru]);

  // The same problem in this slice's list (or the slice's first, if it is not among its top ones).
  const problem = await browser.execute(
    (id) => (document.querySelector(`[data-testid="room-problems"] [data-problem="${id}"]`) ?? document.querySelector('[data-testid="room-problems"] [data-problem]'))?.getAttribute("data-problem") ?? null,
    top,
  );
  assert.ok(problem, "the slice has a problem to drill into");
  await click(`[data-problem="${problem}"]`);
  await reached("problem");
  const listed = cli("problems", "appeals", problem, "--limit", "50");
  assert.equal(Number(await browser.execute(() => document.querySelector('[data-testid="problem-title"]')?.getAttribute("data-total"))), listed.total);
  const shown = await browser.execute(() => [...document.querySelectorAll('[data-testid="problem-appeals"] [data-appeal]')].map((b) => b.getAttribute("data-appeal")));
  assert.deepEqual(shown, listed.appeals.map((a) => a.id), "the same appeals in the same order");

  // The newest appeal's case.
  const appeal = shown[0];
  await click(`[data-testid="problem-appeals"] [data-appeal="${appeal}"]`);
  await reached("appeal");
  const c = cli("case", appeal);
  assert.equal(await browser.execute(() => document.querySelector('[data-testid="case-title"]')?.getAttribute("data-appeal")), c.id);
  assert.equal(await browser.execute(() => document.querySelectorAll('[data-testid="case-timeline"] li').length), c.timeline.length);
  const states = await browser.execute(() => [...document.querySelectorAll("[data-testid^=deadline-]")].map((r) => r.getAttribute("data-state")));
  assert.deepEqual(states, c.deadlines.map((d) => d.state));
  assert.equal((await crumbs()).length, 5);
  assert.equal((await crumbs())[4], `Обращение ${c.channel_ru} ${c.external_id}`);
  await browser.pause(800);
  await browser.saveScreenshot(join(env("TSUR_E2E_ARTIFACTS"), "case.png"));

  // Escape steps back to the problem; the region crumb goes back to the start.
  await browser.keys("Escape");
  await reached("problem");
  await click('.crumbs [data-level="region"]');
  await reached("region");
  await roomShows(null, null);
  assert.equal(await browser.execute(() => document.querySelector("#drill")?.hidden), true);
  assert.deepEqual(await crumbs(), ["Астраханская область"]);
});

test("the search box opens a case by its id", async () => {
  const top = await browser.execute(() => document.querySelector('[data-testid="room-problems"] [data-problem]')?.getAttribute("data-problem") ?? null);
  const id = cli("problems", "appeals", top, "--limit", "1").appeals[0].id;
  await browser.execute((text) => {
    const input = document.querySelector('[data-testid="search"]');
    input.value = text;
    input.form.requestSubmit();
  }, id);
  await reached("appeal");
  assert.equal(await browser.execute(() => document.querySelector('[data-testid="case-title"]')?.getAttribute("data-appeal")), id);
  await click('.crumbs [data-level="region"]');
  await reached("region");
});

/** The charts under the tiles: which are shown, their headings, and whether each is an SVG in a data: address. */
const chartsShown = (b) =>
  b.execute(() =>
    [...document.querySelectorAll('[data-testid="room-charts"] figure')].map((f) => ({
      id: f.getAttribute("data-testid"),
      heading: f.querySelector("h2")?.textContent ?? "",
      svg: (f.querySelector("img")?.getAttribute("src") ?? "").startsWith("data:image/svg+xml"),
    })),
  );

test("the laptop shows both charts under the tiles", async () => {
  await browser.waitUntil(async () => (await body("chartsReady")) === "1", { timeout: 30_000, timeoutMsg: "the charts were never drawn" });
  assert.deepEqual(await chartsShown(browser), [
    { id: "chart-timeline", heading: "Динамика обращений", svg: true },
    { id: "chart-replies", heading: "Сроки ответов", svg: true },
  ]);
});

test("the search box finds appeals by a word: the total and the list equal `tsur search`", async () => {
  // A word of a real appeal's text: of the first few long words of the top problem's newest
  // appeal, the one that most appeals share (so that the drawer lists a full page).
  const top = await browser.execute(() => document.querySelector('[data-testid="room-problems"] [data-problem]')?.getAttribute("data-problem") ?? null);
  const text = cli("case", cli("problems", "appeals", top, "--limit", "1").appeals[0].id).text;
  const candidates = [...new Set(text.toLowerCase().match(/[а-яё]{5,}/g) ?? [])].slice(0, 6);
  assert.ok(candidates.length > 0, `a word to search for in «${text}»`);
  const [word, expected] = candidates.map((w) => [w, cli("search", w, "--limit", "50")]).sort((a, b) => b[1].total - a[1].total)[0];
  assert.ok(expected.total > 0, `«${word}» is found by the CLI`);

  // Typed as a person would: / to the box, the word, Enter.
  await browser.keys("/");
  const box = await browser.$('[data-testid="search"]');
  assert.equal(await browser.execute(() => document.activeElement?.getAttribute("data-testid")), "search", "/ goes to the search box");
  await box.setValue(word);
  await browser.keys("Enter");
  await reached("search");
  assert.equal(await body("searchReady"), "1");
  assert.deepEqual(await crumbs(), ["Астраханская область", `Поиск: «${word}»`]);
  const title = await browser.execute(() => {
    const t = document.querySelector('[data-testid="search-title"]');
    return { total: Number(t?.getAttribute("data-total")), text: t?.textContent ?? "" };
  });
  assert.equal(title.total, expected.total);
  assert.match(title.text, new RegExp(`^Поиск: «${word}» — найдено`));
  const shown = await browser.execute(() => [...document.querySelectorAll('[data-testid="search-appeals"] [data-appeal]')].map((b) => b.getAttribute("data-appeal")));
  assert.equal(shown[0], expected.appeals[0].id, "the newest found first, as the CLI's");
  assert.deepEqual(shown, expected.appeals.map((a) => a.id), "the same appeals in the same order");
  assert.match(await browser.execute(() => document.querySelector('[data-testid="search-stems"]')?.textContent ?? ""), new RegExp(`«${expected.stems[0]}…»`));
  await browser.pause(500);
  await browser.saveScreenshot(join(env("TSUR_E2E_ARTIFACTS"), "search.png"));

  // The first found appeal's case, and Escape back to the results.
  await click(`[data-testid="search-appeals"] [data-appeal="${shown[0]}"]`);
  await reached("appeal");
  assert.equal(await browser.execute(() => document.querySelector('[data-testid="case-title"]')?.getAttribute("data-appeal")), shown[0]);
  assert.equal((await crumbs())[1], `Поиск: «${word}»`);
  await browser.keys("Escape");
  await reached("search");
  assert.equal(await body("searchReady"), "1");
  assert.equal(Number(await browser.execute(() => document.querySelector('[data-testid="search-title"]')?.getAttribute("data-total"))), expected.total);
  await browser.keys("Escape");
  await reached("region");
  assert.equal(await browser.execute(() => document.querySelector("#drill")?.hidden), true);
});
