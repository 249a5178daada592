// @vitest-environment happy-dom
// The app end to end against the mock backend, with a stand-in for the WebGL map.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { App, atMost, FIRST_MAP_WAIT_MS, type MapLike } from "./app";
import { createMockBackend, mockAppealId, mockBackend, type Backend, type MockScenario, type Overview, type RoomFilter, type RoomScreen } from "./backend";
import { PERIOD_STORAGE_KEY, type KeyValueStore } from "./view/persist";
import { roomFilter } from "./view/room";
import { EMPTY_STORE_MESSAGE } from "./panel/panel";

class FakeMap implements MapLike {
  overviews: Overview[] = [];
  highlighted: string | null = null;
  rooms: RoomScreen[] = [];
  firstDrawn: Promise<void> = Promise.resolve();
  setOverview(overview: Overview): void {
    this.overviews.push(overview);
  }
  setRoom(room: RoomScreen): void {
    this.rooms.push(room);
  }
  metrics: string[] = [];
  setMetric(metric: { id: string }): void {
    this.metrics.push(metric.id);
  }
  highlight(id: string | null): void {
    this.highlighted = id;
  }
}

function memoryStore(): KeyValueStore & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v), removeItem: (k) => void data.delete(k) };
}

async function startApp(backend: Backend, storage = memoryStore(), afterPaint?: () => Promise<void>, map = new FakeMap()) {
  document.body.innerHTML = '<div id="map"></div><nav id="crumbs"></nav><section id="drill" hidden></section><section id="room"></section><aside id="panel"></aside>';
  delete document.body.dataset.ready;
  delete document.body.dataset.mode;
  delete document.body.dataset.scene;
  const ticks: (() => void)[] = [];
  const app = new App({
    backend,
    mock: true,
    mapContainer: document.getElementById("map")!,
    panelContainer: document.getElementById("panel")!,
    roomContainer: document.getElementById("room")!,
    crumbsContainer: document.getElementById("crumbs")!,
    drillContainer: document.getElementById("drill")!,
    storage,
    createMap: () => map,
    every: (_ms, tick) => void ticks.push(tick),
    ...(afterPaint ? { afterPaint } : {}),
  });
  await app.start();
  return { app, map, storage, ticks };
}

const q = (selector: string) => document.querySelector<HTMLElement>(selector);
const testId = (id: string) => q(`[data-testid="${id}"]`);

describe("App", () => {
  beforeEach(() => {
    document.body.innerHTML = "";
  });
  afterEach(() => {
    document.body.innerHTML = "";
  });

  it("shows the whole range on first start and marks the page ready", async () => {
    const { map } = await startApp(mockBackend);
    const expected = await mockBackend.overview(null);
    expect(document.body.dataset.ready).toBe("1");
    const total = testId("total-appeals")!;
    expect(total.dataset.value).toBe(String(expected.stats.total));
    expect(total.textContent).toBe(expected.stats.total.toLocaleString("en").replace(/,/g, "\u00a0"));
    expect(map.overviews[map.overviews.length - 1]).toEqual(expected);
    expect(q('[data-preset="all"]')!.classList.contains("is-active")).toBe(true);
    expect((testId("period-from") as HTMLInputElement).value).toBe("01.01.2024");
    expect((testId("period-to") as HTMLInputElement).value).toBe("30.06.2025");
  });

  it("has one row with its raw count per group, for every kind", async () => {
    await startApp(mockBackend);
    const { stats } = await mockBackend.overview(null);
    for (const [kind, rows] of [["status", stats.by_status], ["block", stats.by_block], ["channel", stats.by_channel], ["municipality", stats.by_municipality]] as const) {
      for (const r of rows) expect(testId(`${kind}-row-${r.key}`)?.dataset.value, `${kind}-row-${r.key}`).toBe(String(r.count));
      expect(document.querySelectorAll(`[data-testid^="${kind}-row-"]`)).toHaveLength(kind === "municipality" ? 13 : rows.length);
    }
  });

  it("sorts the 13 municipalities by appeals per 1,000, highest first", async () => {
    await startApp(mockBackend);
    const rates = [...document.querySelectorAll<HTMLElement>('[data-testid^="municipality-row-"]')].map((r) => Number(r.getAttribute("data-per-1000")));
    expect(rates).toHaveLength(13);
    expect([...rates].sort((a, b) => b - a)).toEqual(rates);
  });

  it("applies a preset, remembers it, and restores it on the next start", async () => {
    const storage = memoryStore();
    await startApp(mockBackend, storage);
    q('[data-preset="last30"]')!.click();
    await new Promise((r) => setTimeout(r, 0));
    const expected = await mockBackend.overview({ from: "2025-06-01", to: "2025-06-30" });
    expect(testId("total-appeals")!.dataset.value).toBe(String(expected.stats.total));
    expect(JSON.parse(storage.data.get(PERIOD_STORAGE_KEY)!)).toEqual({ from: "2025-06-01", to: "2025-06-30" });

    await startApp(mockBackend, storage);
    expect(testId("total-appeals")!.dataset.value).toBe(String(expected.stats.total));
    expect(q('[data-preset="last30"]')!.classList.contains("is-active")).toBe(true);
  });

  it("takes a period typed as dd.mm.yyyy, and explains a wrong one", async () => {
    await startApp(mockBackend);
    const from = testId("period-from") as HTMLInputElement;
    const to = testId("period-to") as HTMLInputElement;
    from.value = "01.02.2025";
    to.value = "28.02.2025";
    to.dispatchEvent(new Event("change"));
    await new Promise((r) => setTimeout(r, 0));
    const expected = await mockBackend.overview({ from: "2025-02-01", to: "2025-02-28" });
    expect(testId("total-appeals")!.dataset.value).toBe(String(expected.stats.total));
    expect(testId("period-current")!.textContent).toBe("01.02.2025 — 28.02.2025 (28 дней)");

    from.value = "31.02.2025";
    from.dispatchEvent(new Event("change"));
    expect(q(".period__problem")!.textContent).toMatch(/дд\.мм\.гггг/);
    expect(testId("total-appeals")!.dataset.value).toBe(String(expected.stats.total));
  });

  it("falls back to the whole range when the remembered period is rejected", async () => {
    const storage = memoryStore();
    storage.data.set(PERIOD_STORAGE_KEY, JSON.stringify({ from: "2025-01-01", to: "2025-01-31" }));
    const picky: Backend = {
      ...mockBackend,
      mapBase: () => mockBackend.mapBase(),
      overview: (p) => (p ? mockBackend.overview({ from: "2025-02-01", to: "2025-01-01" }) : mockBackend.overview(null)),
    };
    await startApp(picky, storage);
    expect(testId("total-appeals")!.dataset.value).toBe(String((await mockBackend.overview(null)).stats.total));
    expect(storage.data.get(PERIOD_STORAGE_KEY)).toBe('"all"');
  });

  it.each<[MockScenario, string, RegExp]>([
    ["empty", "empty", new RegExp(EMPTY_STORE_MESSAGE.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))],
    ["error", "error", /База обращений недоступна/],
  ])("shows the %s state", async (scenario, id, text) => {
    await startApp(createMockBackend({ scenario }));
    expect(testId(id)!.textContent).toMatch(text);
    expect(testId("total-appeals")).toBeNull();
  });

  it("shows the map's own error when the map base cannot be had", async () => {
    const broken: Backend = { ...mockBackend, mapBase: () => Promise.reject(new Error("нет файла")), overview: (p) => mockBackend.overview(p) };
    await startApp(broken);
    expect(testId("map-error")!.textContent).toBe("Карта недоступна: Внутренняя ошибка интерфейса: нет файла");
    expect(testId("total-appeals")).not.toBeNull();
  });

  it("shows the room's tiles, problems, ratings and alerts, and gives the map its hotspots", async () => {
    const { map } = await startApp(mockBackend);
    // The laptop's room follows the overview's period.
    const overview = await mockBackend.overview(null);
    const room = await mockBackend.room({ period: `${overview.period.from}..${overview.period.to}`, municipality: null, block: null, channel: null, status: null });
    expect(document.body.dataset.mode).toBe("laptop");
    expect(map.rooms[map.rooms.length - 1]).toEqual(room);
    for (const t of room.tiles) expect(testId(`tile-${t.id}`)!.dataset.value).toBe(String(t.value));
    expect(testId("room-problems")!.querySelectorAll("li.problem").length).toBe(room.problems.length);
    expect(testId("room-agencies")!.textContent).toMatch(/Недостаточно данных/);
    expect(testId("room-alerts")!.textContent).toMatch(/Камызякский район: Нет воды/);
    expect(document.querySelectorAll('[data-testid="overdue-item"]').length).toBe(3);
    expect(testId("room-overdue")!.dataset.overdue).toBe("2");
    expect(map.rooms.length).toBeGreaterThan(0);
  });

  it("says there are no problems in a line of text, not as a numbered item", async () => {
    const backend: Backend = { ...mockBackend, room: async (f) => ({ ...(await mockBackend.room(f)), problems: [] }) };
    await startApp(backend);
    expect(testId("room-problems")!.querySelector("ol, li")).toBeNull();
    expect(testId("room-problems-empty")!.textContent).toBe("Проблем за период нет");
  });

  it("runs the wall: dark mode, the default period, a playlist that turns by itself", async () => {
    const storage = memoryStore();
    storage.data.set(PERIOD_STORAGE_KEY, JSON.stringify({ from: "2025-01-01", to: "2025-01-31" }));
    const wall = createMockBackend({ mode: { mode: "wall", block: null, scene_seconds: 5 } });
    const { app, ticks } = await startApp(wall, storage);
    expect(document.body.dataset.mode).toBe("wall");
    expect(testId("sync-status")).toBeNull();
    expect(testId("room-overdue")).toBeNull();
    expect(testId("scene-title")!.textContent).toBe("Область: обзор");
    expect(ticks.length).toBe(1);
    const titles: string[] = [];
    for (let i = 0; i < 4; i++) {
      ticks[0]!();
      await new Promise((r) => setTimeout(r, 0));
      await new Promise((r) => setTimeout(r, 0));
      titles.push(testId("scene-title")!.textContent ?? "");
    }
    expect(titles[0]).toMatch(/^Блок: /);
    expect(new Set(titles).size).toBeGreaterThan(1);
    expect(document.body.dataset.scene).toBeTruthy();
    expect(app.appMode.scene_seconds).toBe(5);
  });

  it("shows the room's charts as images under their headings, the wall only the timeline in dark", async () => {
    // (mode, charts shown, dark)
    const cases: [("laptop" | "wall" | "meeting"), string[], boolean][] = [
      ["laptop", ["Динамика обращений", "Сроки ответов"], false],
      ["meeting", ["Динамика обращений", "Сроки ответов"], false],
      ["wall", ["Динамика обращений"], true],
    ];
    for (const [mode, headings, dark] of cases) {
      const asked: boolean[] = [];
      const base = createMockBackend({ mode: { mode, block: mode === "meeting" ? "roads" : null, scene_seconds: 5 } });
      const backend: Backend = { ...base, charts: (filter, d) => (asked.push(d), base.charts(filter, d)) };
      await startApp(backend);
      expect(document.body.dataset.chartsReady, mode).toBe("1");
      const section = testId("room-charts")!;
      expect([...section.querySelectorAll("h2")].map((e) => e.textContent), mode).toEqual(headings);
      const images = [...section.querySelectorAll("img")];
      expect(images.length).toBe(headings.length);
      for (const img of images) {
        expect(img.getAttribute("src")!.startsWith("data:image/svg+xml;charset=utf-8,%3Csvg")).toBe(true);
        expect(img.getAttribute("alt")).toMatch(/^(Обращения по дням|Сроки ответов) за /);
      }
      expect(decodeURIComponent(images[0]!.getAttribute("src")!.split(",")[1]!)).toContain(dark ? "#111A2E" : "#FFFFFF");
      expect(asked.every((d) => d === dark), mode).toBe(true);
      // The charts sit right below the tiles.
      expect(document.querySelector(".tiles")!.nextElementSibling).toBe(section);
      delete document.body.dataset.chartsReady;
    }
  });

  // What holds them back: the page's paint of the figures, and at the start the map's first drawing.
  it.each(["the figures painted", "the map drawn"] as const)("asks for the charts and the overdue list only once %s", async (gate) => {
    const asked: string[] = [];
    const backend: Backend = {
      ...mockBackend,
      charts: (filter, dark) => (asked.push("charts"), mockBackend.charts(filter, dark)),
      overdue: (filter, limit) => (asked.push("overdue"), mockBackend.overdue(filter, limit)),
    };
    let release: () => void = () => undefined;
    const held = () => new Promise<void>((resolve) => (release = resolve));
    const map = new FakeMap();
    if (gate === "the map drawn") map.firstDrawn = held();
    delete document.body.dataset.roomReady;
    delete document.body.dataset.chartsReady;
    const started = startApp(backend, memoryStore(), gate === "the figures painted" ? held : () => Promise.resolve(), map);
    while (document.body.dataset.roomReady !== "1") await flush();
    await flush();
    expect(map.rooms.length).toBe(1);
    expect(asked).toEqual([]);
    release();
    await started;
    expect(asked.sort()).toEqual(["charts", "overdue"]);
    expect(document.body.dataset.chartsReady).toBe("1");
  });

  it("holds them for a map that never draws only until FIRST_MAP_WAIT_MS after it was made, once", async () => {
    vi.useFakeTimers();
    try {
      const asked: string[] = [];
      const backend: Backend = { ...mockBackend, charts: (filter, dark) => (asked.push("charts"), mockBackend.charts(filter, dark)) };
      const map = new FakeMap();
      map.firstDrawn = new Promise<void>(() => undefined);
      delete document.body.dataset.roomReady;
      const started = startApp(backend, memoryStore(), () => Promise.resolve(), map);
      await vi.advanceTimersByTimeAsync(FIRST_MAP_WAIT_MS - 1);
      expect(document.body.dataset.roomReady).toBe("1");
      expect(asked).toEqual([]);
      await vi.advanceTimersByTimeAsync(1);
      const { app } = await started;
      expect(asked).toEqual(["charts"]);
      // The next view does not wait again.
      const next = app.loadRoom(roomFilter(null, { municipality: "astrakhan" }));
      await vi.advanceTimersByTimeAsync(10);
      await next;
      expect(asked).toEqual(["charts", "charts"]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("waits for a promise at most the time given", async () => {
    vi.useFakeTimers();
    try {
      const never = atMost(new Promise(() => undefined), 2500);
      let late = false;
      void never.then(() => (late = true));
      await vi.advanceTimersByTimeAsync(2499);
      expect(late).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      expect(late).toBe(true);
      // Settled first (even rejected): at once, and its timer is cleared.
      let early = false;
      void atMost(Promise.reject(new Error("карта не загрузилась")), 2500).then(() => (early = true));
      await vi.advanceTimersByTimeAsync(0);
      expect(early).toBe(true);
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it("keeps the figures when the charts cannot be had", async () => {
    const backend: Backend = { ...mockBackend, charts: () => Promise.reject(new Error("нет графиков")) };
    delete document.body.dataset.roomReady;
    await startApp(backend);
    expect(document.body.dataset.roomReady).toBe("1");
    expect(testId("room-charts")).toBeNull();
    expect(testId("room-problems")).not.toBeNull();
  });

  it("switches what colours the map and remembers it", async () => {
    const storage = memoryStore();
    const { map } = await startApp(mockBackend, storage);
    expect(map.metrics[map.metrics.length - 1]).toBe("per_1000");
    q('[data-metric="satisfaction"]')!.click();
    expect(map.metrics[map.metrics.length - 1]).toBe("satisfaction");
    expect(q('[data-metric="satisfaction"]')!.getAttribute("aria-pressed")).toBe("true");
    expect(storage.data.get("tsur.metric")).toBe("satisfaction");
    const again = await startApp(mockBackend, storage);
    expect(again.map.metrics[0]).toBe("satisfaction");
  });

  it("says when the laptop last synced and what waits to be sent", async () => {
    const backend = createMockBackend({ sync: { configured: true, server: "c:5432/tsur", login: "ivanova", last_success: "2026-11-29T11:20:00Z", last_error: null, pending: 4, pending_more: false } });
    const { ticks } = await startApp(backend);
    await new Promise((r) => setTimeout(r, 0));
    expect(testId("sync-status")!.textContent).toBe("Синхронизировано: 29.11.2026 15:20; ждут отправки: 4");
    // The sync line and the room's refresh.
    expect(ticks.length).toBe(2);
  });

  it("drills from the region to a case and back, and comes back there after a restart", async () => {
    const storage = memoryStore();
    const { app } = await startApp(mockBackend, storage);
    const crumbs = () => [...document.querySelectorAll('[data-testid="crumbs"] li')].map((li) => li.textContent);
    expect(crumbs()).toEqual(["Астраханская область"]);
    expect(testId("feed-item")).not.toBeNull();

    q('[data-testid="municipality-table"] tr[data-municipality]')!.click();
    await flush();
    const municipality = app.place.municipality!;
    expect(testId("scene-title")!.textContent).toBe(municipality.label);
    q('[data-testid="block-table"] tr.is-clickable')!.click();
    await flush();
    expect(crumbs().length).toBe(3);

    q("[data-problem]")!.click();
    await flush();
    expect(document.body.dataset.drillReady).toBe("problem");
    expect(document.querySelectorAll('[data-testid="problem-appeals"] [data-appeal]').length).toBe(9);
    q('[data-testid="problem-appeals"] [data-appeal]')!.click();
    await flush();
    expect(document.body.dataset.drillReady).toBe("appeal");
    expect(testId("case-title")!.dataset.appeal).toBe(mockAppealId(1));
    expect(testId("case-author")!.textContent).toMatch(/Вымышленный Заявитель/);
    expect(crumbs()[4]).toBe("Обращение ПОС 100001");

    // A restart comes back to the case.
    const again = await startApp(mockBackend, storage);
    await flush();
    expect(again.app.place.appeal?.id).toBe(mockAppealId(1));
    expect(document.body.dataset.drillReady).toBe("appeal");

    // Escape steps back; the region crumb goes home and hides the drawer.
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape" }));
    await flush();
    expect(document.body.dataset.drill).toBe("problem");
    q('.crumbs [data-level="region"]')!.click();
    await flush();
    expect(crumbs()).toEqual(["Астраханская область"]);
    expect((q("#drill") as HTMLElement).hidden).toBe(true);
  });

  it("narrows by channel with a chip that takes the filter off", async () => {
    const requests: RoomFilter[] = [];
    const backend: Backend = { ...mockBackend, room: (f) => (requests.push(f), mockBackend.room(f)) };
    await startApp(backend);
    q('[data-testid="channel-table"] tr.is-clickable')!.click();
    await flush();
    expect(requests[requests.length - 1]!.channel).toBeTruthy();
    const chip = q("[data-narrowing=channel]")!;
    expect(chip.textContent).toMatch(/^Канал: /);
    chip.click();
    await flush();
    expect(requests[requests.length - 1]!.channel).toBeNull();
  });

  it("opens a case by its id from the search box, and says what it cannot find", async () => {
    await startApp(mockBackend);
    const input = testId("search") as HTMLInputElement;
    input.value = mockAppealId(3);
    input.form!.requestSubmit();
    await flush();
    expect(testId("case-title")!.dataset.appeal).toBe(mockAppealId(3));
    input.value = "00000000-0000-7000-8000-999999999999";
    input.form!.requestSubmit();
    await flush();
    expect(testId("drill-error")!.textContent).toMatch(/не найдено/);
  });

  it("searches by words: the results in the drawer, a case from them, Escape back to them, and again after a restart", async () => {
    const storage = memoryStore();
    const { app } = await startApp(mockBackend, storage);
    const crumbs = () => [...document.querySelectorAll('[data-testid="crumbs"] li')].map((li) => li.textContent);
    const input = testId("search") as HTMLInputElement;
    input.value = "  прорвало   трубу ";
    input.form!.requestSubmit();
    await flush();
    expect(document.body.dataset.searchReady).toBe("1");
    expect(document.body.dataset.drillReady).toBe("search");
    expect(crumbs()).toEqual(["Астраханская область", "Поиск: «прорвало трубу»"]);
    const title = testId("search-title")!;
    expect(title.dataset.total).toBe("2");
    expect(title.textContent).toBe("Поиск: «прорвало трубу» — найдено 2");
    expect(testId("search-stems")!.textContent).toMatch(/«прорвал…», «труб…»/);
    const results = [...document.querySelectorAll<HTMLElement>('[data-testid="search-appeals"] [data-appeal]')];
    expect(results.map((b) => b.dataset.appeal)).toEqual([mockAppealId(5), mockAppealId(2)]);

    results[0]!.click();
    await flush();
    expect(document.body.dataset.searchReady).toBeUndefined();
    expect(testId("case-title")!.dataset.appeal).toBe(mockAppealId(5));
    expect(crumbs()).toEqual(["Астраханская область", "Поиск: «прорвало трубу»", "Обращение ПОС 100005"]);

    document.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape" }));
    await flush();
    expect(app.place.search?.id).toBe("прорвало трубу");
    expect(document.body.dataset.searchReady).toBe("1");

    // The search survives a restart, its query back in the box.
    await startApp(mockBackend, storage);
    await flush();
    expect(document.body.dataset.searchReady).toBe("1");
    expect((testId("search") as HTMLInputElement).value).toBe("прорвало трубу");
    expect(testId("search-title")!.dataset.total).toBe("2");
  });

  it("shows a search's refusal in the drawer, in Russian", async () => {
    await startApp(mockBackend);
    const input = testId("search") as HTMLInputElement;
    input.value = "?!";
    input.form!.requestSubmit();
    await flush();
    expect(testId("drill-error")!.textContent).toMatch(/нет ни одного слова/);
    expect(document.body.dataset.searchReady).toBeUndefined();

    const meeting = createMockBackend({ mode: { mode: "meeting", block: "roads", scene_seconds: 30 } });
    await startApp(meeting);
    const box = testId("search") as HTMLInputElement;
    box.value = "труба";
    box.form!.requestSubmit();
    await flush();
    expect(testId("drill-error")!.textContent).toMatch(/персональные данные/);
  });

  it("never drills down on the wall", async () => {
    const wall = createMockBackend({ mode: { mode: "wall", block: null, scene_seconds: 5 } });
    const { app } = await startApp(wall);
    q("[data-problem]")?.click();
    await flush();
    expect(app.place.problem).toBeNull();
    expect(q("[data-problem].is-clickable")).toBeNull();
    expect(document.querySelectorAll('[data-testid="feed-item"].is-clickable').length).toBe(0);
  });
});

async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 0));
}
