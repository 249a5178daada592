import { describe, expect, it } from "vitest";
import type { KeyValueStore } from "./persist";
import { back, crumbs, drillChoices, into, isUuid, level, loadDrill, narrow, narrowings, REGION, saveDrill, upTo, DRILL_STORAGE_KEY, type Drill, type Level } from "./drill";

const M = { id: "kamyzyak", label: "Камызякский район" };
const B = { id: "roads", label: "Дороги" };
const P = { id: "0190a0b2-1c3d-7e4f-8a9b-0c1d2e3f4a5b", label: "Ямы на дорогах" };
const A = { id: "0190a0b2-1c3d-7e4f-8a9b-0c1d2e3f4a5c", label: "ПОС 123" };

const full: Drill = { ...REGION, municipality: M, block: B, problem: P, appeal: A };

function memory(): KeyValueStore & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v), removeItem: (k) => void data.delete(k) };
}

describe("drill-down", () => {
  it("goes region → municipality → block → problem → appeal, the crumbs following", () => {
    let d = REGION;
    const levels: Level[] = [level(d)];
    d = into(d, "municipality", M);
    levels.push(level(d));
    d = into(d, "block", B);
    levels.push(level(d));
    d = into(d, "problem", P);
    levels.push(level(d));
    d = into(d, "appeal", A);
    levels.push(level(d));
    expect(levels).toEqual(["region", "municipality", "block", "problem", "appeal"]);
    expect(crumbs(d).map((c) => c.label)).toEqual(["Астраханская область", "Камызякский район", "Дороги", "Проблема: Ямы на дорогах", "Обращение ПОС 123"]);
    expect(drillChoices(d)).toEqual({ municipality: "kamyzyak", block: "roads", channel: null, status: null });
  });

  it.each([
    ["region", REGION],
    ["municipality", { ...REGION, municipality: M }],
    ["block", { ...REGION, municipality: M, block: B }],
    ["problem", { ...REGION, municipality: M, block: B, problem: P }],
    ["appeal", full],
  ] as const)("a crumb (%s) undoes every step after it", (to, want) => {
    expect(upTo(full, to)).toEqual(want);
  });

  it("steps back one crumb at a time, and stays at the region", () => {
    const trail: Level[] = [];
    let d: Drill = full;
    for (let i = 0; i < 6; i++) {
      d = back(d);
      trail.push(level(d));
    }
    expect(trail).toEqual(["problem", "block", "municipality", "region", "region", "region"]);
    // A block chosen without a municipality: back goes to the region.
    expect(back({ ...REGION, block: B })).toEqual(REGION);
  });

  it("a new municipality or block leaves the problem and appeal of the old slice", () => {
    const other = { id: "narimanov", label: "Наримановский район" };
    expect(into(full, "municipality", other)).toEqual({ ...REGION, municipality: other, block: B });
    expect(into(full, "block", { id: "housing", label: "ЖКХ" })).toEqual({ ...REGION, municipality: M, block: { id: "housing", label: "ЖКХ" } });
    // An appeal opened from the overdue list keeps the slice.
    expect(into({ ...REGION, municipality: M }, "appeal", A)).toEqual({ ...REGION, municipality: M, appeal: A });
  });

  it("survives a restart, and drops what it cannot trust", () => {
    const store = memory();
    saveDrill(store, full);
    expect(loadDrill(store)).toEqual(full);
    store.data.set(DRILL_STORAGE_KEY, JSON.stringify({ municipality: M, problem: { id: "not-an-id", label: "x" }, appeal: { id: 5 } }));
    expect(loadDrill(store)).toEqual({ ...REGION, municipality: M });
    store.data.set(DRILL_STORAGE_KEY, "{broken");
    expect(loadDrill(store)).toEqual(REGION);
    expect(loadDrill(null)).toEqual(REGION);
  });

  it("channel and status narrow the slice beside the path, and the region clears them", () => {
    const pos = { id: "pos", label: "ПОС" };
    const d = narrow(full, "channel", pos);
    expect(d).toEqual({ ...REGION, municipality: M, block: B, channel: pos });
    expect(drillChoices(d).channel).toBe("pos");
    expect(narrowings(narrow(d, "status", { id: "overdue", label: "просрочено" })).map((n) => n.label)).toEqual(["Канал: ПОС", "Статус: просрочено"]);
    expect(narrowings(narrow(d, "channel", null))).toEqual([]);
    expect(crumbs(d).length).toBe(3);
    expect(upTo(d, "block").channel).toEqual(pos);
    expect(upTo(d, "region")).toEqual(REGION);
  });

  it("recognises ids", () => {
    expect(isUuid(A.id)).toBe(true);
    expect(isUuid(` ${A.id.toUpperCase()} `)).toBe(true);
    expect(isUuid("ПОС 123")).toBe(false);
  });
});
