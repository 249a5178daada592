// The window's speed and size at scale (issue 6's figures), measured through the same driver
// as the end-to-end tests: cold start to the first drawn map, each drill-down step from the
// click to the drawn result, and the memory of the app with its web processes.
// Run by scripts/bench-window.sh; prints one line per figure.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { remote } from "webdriverio";
import { env } from "./session.mjs";

/** The pause before the second memory reading: past the store's 5 s idle timeout (open.rs). */
const IDLE_MS = 10_000;

const body = (browser, key) => browser.execute((k) => document.body.dataset[k] ?? null, key);

/**
 * Times a step in the page itself, from the click on `selector` to the frame that shows its
 * result: the step's attributes (`data-room-for`, `data-drill-ready`) are watched, and the
 * clock stops once the frame after their last change has been rendered, or, when the step gave
 * the map new data, at the map's last frame before it went idle, whichever is later (the
 * map's layers may come frames after the figures). The clock starts in the same
 * script as the click: timing from this script instead would add the driver's round trips
 * (tens of ms each) to every figure, and so would starting it in the script before.
 */
async function timed(label, browser, selector, done) {
  const cpuBefore = cpuSeconds();
  await browser.execute(() => {
    window.__benchStart = null;
    window.__benchShown = null;
    window.__benchChanged = null;
    window.__benchObserver?.disconnect();
    window.__benchObserver = new MutationObserver(() => {
      const changed = performance.now();
      window.__benchChanged = changed;
      // The clock stops in the first task after the next frame's rendering (the animation
      // frame runs just before it: MapLibre draws there, then the page is laid out and painted).
      // Only the frame after the last change counts (an earlier attribute, such as the
      // drawer's, may change first).
      requestAnimationFrame(() =>
        setTimeout(() => {
          if (window.__benchChanged === changed) window.__benchShown = performance.now();
        }, 0),
      );
    });
    window.__benchObserver.observe(document.body, { attributes: true, attributeFilter: ["data-room-for", "data-drill-ready"] });
    // The map's frames of the step and its settling (MapLibre's "idle": nothing left to load
    // or draw), from the app's marks as they are made (the app keeps only the latest of each).
    window.__benchFrames = [];
    window.__benchIdle = null;
    window.__benchMarks?.disconnect();
    window.__benchMarks = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        if (window.__benchStart === null || e.startTime < window.__benchStart) continue;
        if (e.name === "tsur:map-render") window.__benchFrames.push(e.startTime);
        if (e.name === "tsur:map-idle") window.__benchIdle = e.startTime;
      }
    });
    window.__benchMarks.observe({ type: "mark" });
  });
  await browser.execute((sel) => {
    const target = document.querySelector(sel);
    if (!target) throw new Error(`nothing to click: ${sel}`);
    window.__benchStart = performance.now();
    target.click();
  }, selector);
  // The page's own clock times the step: the driver asks for its end every 250 ms, not every
  // 10, so that its commands (each a script run in the page) take less of the two cores from it.
  await browser.waitUntil(done, { timeout: 120_000, interval: 250, timeoutMsg: `${label}: no result` });
  await browser.waitUntil(async () => await browser.execute(() => window.__benchShown !== null && window.__benchShown >= window.__benchChanged), { timeout: 10_000, interval: 10 });
  const shown = await browser.execute(() => window.__benchShown - window.__benchStart);
  let ms = shown;
  // A step that gave the map new data has ended for its map when the map is idle after it;
  // its last frame is then when the map showed all of it (a GeoJSON source's new data, such
  // as the alerts', comes from MapLibre's worker, frames after the figures).
  const mapGiven = await browser.execute(() => performance.getEntriesByName("tsur:room-map")[0]?.startTime ?? 0);
  let settled = "";
  if (mapGiven >= (await browser.execute(() => window.__benchStart))) {
    await browser.waitUntil(async () => await browser.execute((given) => window.__benchIdle !== null && window.__benchIdle > given, mapGiven), { timeout: 30_000, interval: 250, timeoutMsg: `${label}: the map never settled` });
    const map = await browser.execute(() => {
      const frames = window.__benchFrames.filter((f) => f <= window.__benchIdle);
      const at = frames.map((f) => (f - window.__benchStart).toFixed(0));
      return { last: frames.length ? frames[frames.length - 1] - window.__benchStart : null, count: frames.length, at: at.join(", ") };
    });
    settled = `; map: ${map.count} frames (at ${map.at || "—"} ms); page shown at ${shown.toFixed(0)} ms`;
    // The step is done when both are: the page painted and the map's last frame drawn.
    if (map.last !== null) ms = Math.max(ms, map.last);
  }
  // The room's marks of this step (answer received, panels built, map given the data).
  const marks = await browser.execute(() =>
    performance
      .getEntriesByType("mark")
      .filter((m) => m.name.startsWith("tsur:room-") && m.startTime >= window.__benchStart)
      .map((m) => `${m.name.slice(10)} ${(m.startTime - window.__benchStart).toFixed(0)}`),
  );
  const cpu = cpuSeconds();
  const used = `; CPU of tsur-app / WebKit over the step ${((cpu.app - cpuBefore.app) * 1000).toFixed(0)} / ${((cpu.web - cpuBefore.web) * 1000).toFixed(0)} ms`;
  console.log(`${label.padEnd(52)} ${ms.toFixed(0).padStart(6)} ms${marks.length ? `  (${marks.join(", ")})` : ""}${settled}${used}`);
  return ms;
}

/** The app's processes: `tsur-app` and the WebKit web and network processes it started. */
function appProcesses() {
  return execFileSync("ps", ["-eo", "pid,comm"], { encoding: "utf8" })
    .split("\n")
    .map((line) => {
      const [pid, comm] = line.trim().split(/\s+/, 2);
      return { pid, comm: comm ?? "" };
    })
    .filter(({ comm }) => comm.startsWith("tsur-app") || comm.startsWith("WebKitWebProc") || comm.startsWith("WebKitNetwork"));
}

/** The fields of /proc/PID/stat after the command's closing parenthesis (the state is [0]). */
function statFields(pid) {
  return readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
}

/**
 * CPU time (user + system) since the processes started, in seconds: tsur-app's and its WebKit
 * processes'. Fields 14 and 15 of /proc/PID/stat, in ticks of 1/100 s, counted after the
 * command's closing parenthesis.
 */
function cpuSeconds() {
  const cpu = { app: 0, web: 0 };
  for (const { pid, comm } of appProcesses()) {
    try {
      const fields = statFields(pid);
      cpu[comm.startsWith("tsur-app") ? "app" : "web"] += (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      // gone meanwhile
    }
  }
  return cpu;
}

function memoryMb() {
  // The app (Rust, SQLite, the snapshot) and the WebKit processes it started, in MiB: the
  // resident sets, and the proportional sets (a page shared by processes, such as WebKit's and
  // Mesa's code mapped by both, counted once in all: what the app as a whole takes).
  const mb = { app: { rss: 0, pss: 0, anon: 0 }, web: { rss: 0, pss: 0, anon: 0 } };
  for (const { pid, comm } of appProcesses()) {
    const kind = comm.startsWith("tsur-app") ? "app" : "web";
    let rollup = "";
    try {
      rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
    } catch {
      continue; // gone meanwhile
    }
    const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(rollup)?.[1] ?? 0);
    mb[kind].rss += kb("Rss") / 1024;
    mb[kind].pss += kb("Pss") / 1024;
    mb[kind].anon += kb("Anonymous") / 1024;
  }
  return mb;
}

// The session starts the app; the clock starts with it.
const start = performance.now();
const startEpoch = Date.now();
const browser = await remote({
  hostname: "127.0.0.1",
  port: 4444,
  logLevel: "warn",
  connectionRetryTimeout: 120_000,
  capabilities: { "wdio:enforceWebDriverClassic": true, "tauri:options": { application: env("TSUR_E2E_APP"), args: ["--db", env("TSUR_E2E_DB")] } },
});
const since = () => performance.now() - start;
const when = async (label, test) => {
  await browser.waitUntil(test, { timeout: 180_000, interval: 10, timeoutMsg: `${label}: never` });
  console.log(`${label.padEnd(52)} ${since().toFixed(0).padStart(6)} ms`);
};
await when("cold start: the 13 municipalities drawn", async () => (await browser.execute(() => document.querySelector("[data-municipalities-drawn]")?.getAttribute("data-municipalities-drawn"))) === "13");
await when("cold start: the panel's figures shown", async () => (await body(browser, "panelReady")) === "1");
await when("cold start: the room's figures shown", async () => (await body(browser, "roomReady")) === "1");
await when("cold start: the overdue list shown", async () => (await body(browser, "overdueReady")) === "1");
// Where the cold start went: the page's own instants (navigation, the script, the app's marks),
// counted from the session's start like the lines above.
const instants = await browser.execute(() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const at = [["page: navigation started", 0]];
  if (nav) at.push(["page: HTML received", nav.responseEnd], ["page: DOM ready", nav.domContentLoadedEventEnd]);
  for (const m of performance.getEntriesByType("mark")) if (m.name.startsWith("tsur:")) at.push([`page: ${m.name.slice(5)}`, m.startTime]);
  return { origin: performance.timeOrigin, at };
});
// When the processes began, from /proc (ticks of 1/100 s since boot; the boot's instant from
// /proc/uptime now): the time before the app's process is the driver's, not the app's.
const bootEpoch = Date.now() - Number(readFileSync("/proc/uptime", "utf8").split(" ")[0]) * 1000;
for (const { pid, comm } of appProcesses()) {
  const name = comm.startsWith("tsur-app") ? "process: tsur-app started" : comm.startsWith("WebKitWebProc") ? "process: WebKit's web process started" : null;
  if (!name) continue;
  try {
    const ticks = Number(statFields(pid)[19]);
    instants.at.push([name, bootEpoch + ticks * 10 - instants.origin]);
  } catch {
    // gone meanwhile
  }
}
for (const [label, t] of instants.at.sort((a, b) => a[1] - b[1])) {
  console.log(`  ${label.padEnd(50)} ${(instants.origin - startEpoch + t).toFixed(0).padStart(6)} ms`);
}

try {
  // Start from the region.
  if ((await body(browser, "drill")) !== "region") {
    await browser.execute(() => document.querySelector('.crumbs [data-level="region"]')?.click());
  }
  await browser.waitUntil(async () => (await body(browser, "roomFor")) === "|||", { timeout: 120_000 });
  const stats = JSON.parse(execFileSync(env("TSUR_E2E_CLI"), ["--db", env("TSUR_E2E_DB"), "stats", "--json"], { encoding: "utf8" }));
  const m = stats.by_municipality[0].key;
  await timed(`filter: municipality ${m}`, browser, `[data-testid="municipality-row-${m}"]`, async () => (await body(browser, "roomFor")) === `${m}|||`);
  await timed("filter: + block roads", browser, '[data-testid="block-row-roads"]', async () => (await body(browser, "roomFor")) === `${m}|roads||`);
  await timed("filter: + channel", browser, '[data-testid="channel-table"] tr.is-clickable', async () => (await body(browser, "roomFor"))?.split("|")[2] !== "");
  await timed("drill: problem → its appeals", browser, '[data-testid="room-problems"] [data-problem]', async () => (await body(browser, "drillReady")) === "problem");
  await timed("drill: appeal → its case", browser, '[data-testid="problem-appeals"] [data-appeal]', async () => (await body(browser, "drillReady")) === "appeal");
  await timed("back to the region", browser, '.crumbs [data-level="region"]', async () => (await body(browser, "roomFor")) === "|||");
  // What any frame of the page costs on this machine: one pixel changed at every animation
  // frame, so that each frame is painted and composited (without a GPU, on the CPU), whatever
  // the map and the panels do. No step can show its result in less than one such frame after
  // its data has come.
  const frame = await browser.execute(async () => {
    const dot = document.createElement("div");
    dot.style.cssText = "position:fixed;left:0;top:0;width:1px;height:1px;z-index:9999;background:#000";
    document.body.append(dot);
    const at = [];
    await new Promise((done) => {
      const tick = (t) => {
        at.push(t);
        dot.style.background = at.length % 2 ? "#010101" : "#000";
        if (at.length < 60) requestAnimationFrame(tick);
        else done();
      };
      requestAnimationFrame(tick);
    });
    dot.remove();
    const gaps = at.slice(2).map((t, i) => t - at[i + 1]).sort((a, b) => a - b);
    return { median: gaps[Math.floor(gaps.length / 2)], p90: gaps[Math.floor(gaps.length * 0.9)] };
  });
  console.log(`${"a frame of the page (one pixel changed a frame)".padEnd(52)} ${frame.median.toFixed(0).padStart(6)} ms median, ${frame.p90.toFixed(0)} ms p90`);
  // What a frame of the map costs: a municipality outlined and back, as the pointer over its
  // row in the panel does (the map redrawn, nothing else changed), from the change to the
  // frame painted. Without a GPU this is the floor of any step that changes the map.
  const mapFrame = await browser.executeAsync(async (m, done) => {
    const row = document.querySelector(`[data-testid="municipality-row-${m}"]`);
    const ms = [];
    for (let k = 0; k < 12; k++) {
      await new Promise((r) => setTimeout(r, 150));
      const t = performance.now();
      row.dispatchEvent(new MouseEvent(k % 2 ? "mouseleave" : "mouseenter"));
      await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
      ms.push(performance.now() - t);
    }
    ms.sort((a, b) => a - b);
    done({ median: ms[6], p90: ms[10] });
  }, m);
  console.log(`${"a frame of the map (a municipality outlined)".padEnd(52)} ${mapFrame.median.toFixed(0).padStart(6)} ms median, ${mapFrame.p90.toFixed(0)} ms p90`);
  const mb = memoryMb();
  // TSUR_BENCH_SMAPS=DIR keeps each process's /proc/PID/smaps there: where the memory is, by mapping.
  const smapsDir = process.env.TSUR_BENCH_SMAPS;
  for (const { pid, comm } of smapsDir ? appProcesses() : []) {
    try {
      writeFileSync(`${smapsDir}/${comm}-${pid}.smaps`, readFileSync(`/proc/${pid}/smaps`, "utf8"));
    } catch {
      // gone meanwhile
    }
  }
  const line = (label, m) => console.log(`${label.padEnd(52)} ${m.rss.toFixed(0).padStart(6)} MiB resident, ${m.pss.toFixed(0)} proportional, ${m.anon.toFixed(0)} anonymous`);
  line("memory: tsur-app", mb.app);
  line("memory: its WebKit web and network processes", mb.web);
  console.log(`${"memory: the whole app, proportional".padEnd(52)} ${(mb.app.pss + mb.web.pss).toFixed(0).padStart(6)} MiB`);
  // The same after the user has paused: idle connections closed, freed memory given back.
  await new Promise((done) => setTimeout(done, IDLE_MS));
  const idle = memoryMb();
  console.log(`${`memory after ${IDLE_MS / 1000} s idle: tsur-app / WebKit / whole`.padEnd(52)} ${idle.app.pss.toFixed(0).padStart(6)} / ${idle.web.pss.toFixed(0)} / ${(idle.app.pss + idle.web.pss).toFixed(0)} MiB proportional`);
  // What the run cost in CPU: on a shared machine a steadier comparison than the wall times.
  const cpu = cpuSeconds();
  console.log(`${"CPU time since the start: tsur-app / WebKit".padEnd(52)} ${cpu.app.toFixed(1).padStart(6)} s / ${cpu.web.toFixed(1)} s`);
} finally {
  await browser.deleteSession();
}
