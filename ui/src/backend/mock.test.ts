import { describe, expect, it } from "vitest";
import { BackendError, createMockBackend, mockBackend, type CountBy, type Overview, type Period } from "./index";
import { MOCK_APPEAL_COUNT, MOCK_DATA_RANGE } from "./mock";
import { parseFeatureCollection } from "../map/sources";

const sum = (rows: CountBy[]) => rows.reduce((s, r) => s + r.count, 0);

/** The invariants any backend's overview must satisfy. */
function checkInvariants(o: Overview): void {
  const { stats } = o;
  expect(stats.total).toBeGreaterThanOrEqual(0);
  for (const rows of [stats.by_municipality, stats.by_block, stats.by_channel, stats.by_status]) {
    expect(sum(rows)).toBe(stats.total);
    expect(new Set(rows.map((r) => r.key)).size).toBe(rows.length);
    for (const r of rows) {
      expect(Number.isInteger(r.count)).toBe(true);
      expect(r.count).toBeGreaterThan(0);
      expect(r.label_ru).not.toBe("");
    }
  }
  expect(o.municipalities).toHaveLength(13);
  expect(new Set(o.municipalities.map((m) => m.id)).size).toBe(13);
  expect(o.municipalities.reduce((s, m) => s + m.appeals, 0)).toBe(stats.total);
  const byMunicipality = new Map(stats.by_municipality.map((r) => [r.key, r.count]));
  for (const m of o.municipalities) {
    expect(m.appeals).toBe(byMunicipality.get(m.id) ?? 0);
    expect(m.per_1000).toBeCloseTo((m.appeals * 1000) / m.population, 9);
    expect(m.population).toBeGreaterThan(0);
  }
  expect(o.period.from <= o.period.to).toBe(true);
}

describe("mockBackend", () => {
  it("holds the whole dataset in the whole range", async () => {
    const o = await mockBackend.overview(null);
    expect(o.period).toEqual(MOCK_DATA_RANGE);
    expect(o.data_range).toEqual(MOCK_DATA_RANGE);
    expect(o.stats.total).toBe(MOCK_APPEAL_COUNT);
    checkInvariants(o);
  });

  it.each<Period>([
    { from: "2025-06-01", to: "2025-06-30" },
    { from: "2025-01-01", to: "2025-06-30" },
    { from: "2024-02-29", to: "2024-02-29" },
    { from: "2023-01-01", to: "2023-12-31" },
  ])("satisfies the invariants for %j", async (period) => {
    const o = await mockBackend.overview(period);
    expect(o.period).toEqual(period);
    checkInvariants(o);
  });

  it("is deterministic", async () => {
    const a = await createMockBackend().overview({ from: "2025-01-01", to: "2025-03-31" });
    const b = await createMockBackend().overview({ from: "2025-01-01", to: "2025-03-31" });
    expect(a).toEqual(b);
  });

  it("splits a period additively", async () => {
    const whole = await mockBackend.overview({ from: "2025-01-01", to: "2025-02-28" });
    const jan = await mockBackend.overview({ from: "2025-01-01", to: "2025-01-31" });
    const feb = await mockBackend.overview({ from: "2025-02-01", to: "2025-02-28" });
    expect(jan.stats.total + feb.stats.total).toBe(whole.stats.total);
  });

  it("gives every municipality some appeals over the whole range (the map has contrast)", async () => {
    const o = await mockBackend.overview(null);
    const rates = o.municipalities.map((m) => m.per_1000);
    expect(Math.min(...rates)).toBeGreaterThan(0);
    expect(Math.max(...rates) / Math.min(...rates)).toBeGreaterThan(2);
  });

  it.each<[Period, RegExp]>([
    [{ from: "2025-03-01", to: "2025-01-01" }, /позже/],
    [{ from: "2025-02-30", to: "2025-03-01" }, /начала/],
    [{ from: "2025-01-01", to: "вчера" }, /конца/],
  ])("rejects %j with invalid_input", async (period, message) => {
    const error = await mockBackend.overview(period).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as BackendError).code).toBe("invalid_input");
    expect((error as BackendError).message).toMatch(message);
  });

  it("has a map base with the 13 municipalities as GeoJSON", async () => {
    const base = await mockBackend.mapBase();
    const boundaries = parseFeatureCollection(base.boundaries, "boundaries");
    const ids = boundaries.features.map((f) => f.properties?.["id"]);
    const o = await mockBackend.overview(null);
    expect(new Set(ids)).toEqual(new Set(o.municipalities.map((m) => m.id)));
    for (const f of boundaries.features) {
      expect(f.geometry.type).toBe("Polygon");
      expect(typeof f.properties?.["name_ru"]).toBe("string");
    }
    expect(parseFeatureCollection(base.outline, "outline").features).toHaveLength(1);
    expect(parseFeatureCollection(base.volga, "volga").features).toHaveLength(1);
    expect(base.towns.length).toBeGreaterThan(0);
    expect(base.attribution).toMatch(/mock/);
  });
});

describe("mock scenarios", () => {
  it("empty: no data range, zero everywhere", async () => {
    const o = await createMockBackend({ scenario: "empty" }).overview(null);
    expect(o.data_range).toBeNull();
    expect(o.stats.total).toBe(0);
    checkInvariants(o);
  });

  it("error: every overview fails with store_unavailable", async () => {
    const error = await createMockBackend({ scenario: "error" }).overview(null).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as BackendError).code).toBe("store_unavailable");
  });
});

describe("the mock's text search", () => {
  it("finds the appeals holding every word, in any form, newest first", async () => {
    const r = await mockBackend.searchAppeals("Прорвало трубы", 50);
    expect(r.stems).toEqual(["прорвал", "труб"]);
    expect(r.total).toBe(2);
    expect(r.appeals.map((a) => a.external_id)).toEqual(["100005", "100002"]);
    const one = await mockBackend.searchAppeals("яма", 1);
    expect(one.total).toBe(5);
    expect(one.appeals).toHaveLength(1);
    expect((await mockBackend.searchAppeals("вертолёт", 50)).total).toBe(0);
  });

  it.each([
    ["laptop", "!!!", /нет ни одного слова/],
    ["meeting", "труба", /персональные данные/],
    ["wall", "труба", /персональные данные/],
  ] as const)("in the %s, «%s» is refused with a Russian message", async (mode, query, message) => {
    const backend = createMockBackend({ mode: { mode, block: mode === "meeting" ? "roads" : null, scene_seconds: 30 } });
    const error = await backend.searchAppeals(query, 50).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as BackendError).code).toBe("invalid_input");
    expect((error as BackendError).message).toMatch(message);
  });
});
