import { describe, expect, it } from "vitest";
import type { KeyValueStore } from "./persist";
import { back, crumbs, drillChoices, into, isUuid, level, loadDrill, narrow, narrowings, REGION, saveDrill, searchTarget, upTo, DRILL_STORAGE_KEY, MAX_QUERY_CHARS, type Drill, type Level } from "./drill";

const M = { id: "kamyzyak", label: "Камызякский район" };
const B = { id: "roads", label: "Дороги" };
const P = { id: "0190a0b2-1c3d-7e4f-8a9b-0c1d2e3f4a5b", label: "Ямы на дорогах" };
const A = { id: "0190a0b2-1c3d-7e4f-8a9b-0c1d2e3f4a5c", label: "ПОС 123" };
const S = { id: "прорвало трубу", label: "прорвало трубу" };

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

  it("a search stands in the problem's place: its crumb, back to it from a case, back from it to the slice", () => {
    const inBlock: Drill = { ...REGION, municipality: M, block: B };
    const searched = into(inBlock, "search", S);
    expect(level(searched)).toBe("search");
    expect(crumbs(searched).map((c) => c.label)).toEqual(["Астраханская область", "Камызякский район", "Дороги", "Поиск: «прорвало трубу»"]);
    expect(drillChoices(searched)).toEqual(drillChoices(inBlock));
    const opened = into(searched, "appeal", A);
    expect(crumbs(opened).map((c) => c.level)).toEqual(["region", "municipality", "block", "search", "appeal"]);
    expect(back(opened)).toEqual(searched);
    expect(back(searched)).toEqual(inBlock);
    expect(upTo(opened, "search")).toEqual(searched);
    expect(upTo(opened, "block")).toEqual(inBlock);
  });

  it("a search and a problem never stand together; a new slice leaves the search", () => {
    const searched = into(full, "search", S);
    expect(searched).toEqual({ ...REGION, municipality: M, block: B, search: S });
    expect(into(searched, "problem", P)).toEqual({ ...REGION, municipality: M, block: B, problem: P });
    expect(into(searched, "municipality", { id: "narimanov", label: "Наримановский район" }).search).toBeNull();
    expect(into(searched, "block", B).search).toBeNull();
    expect(narrow(searched, "channel", { id: "pos", label: "ПОС" }).search).toBeNull();
  });

  it("keeps a search across a restart, but not one beside a problem or longer than a query may be", () => {
    const store = memory();
    const d = into(into({ ...REGION, municipality: M }, "search", S), "appeal", A);
    saveDrill(store, d);
    expect(loadDrill(store)).toEqual(d);
    store.data.set(DRILL_STORAGE_KEY, JSON.stringify({ problem: P, search: S }));
    expect(loadDrill(store)).toEqual({ ...REGION, problem: P });
    const long = "a".repeat(MAX_QUERY_CHARS + 1);
    store.data.set(DRILL_STORAGE_KEY, JSON.stringify({ search: { id: long, label: long } }));
    expect(loadDrill(store)).toEqual(REGION);
  });

  it.each([
    ["", null],
    ["   ", null],
    [` ${A.id.toUpperCase()} `, { kind: "appeal", id: A.id }],
    ["прорвало   трубу\n", { kind: "text", query: "прорвало трубу" }],
    ["ПОС 123", { kind: "text", query: "ПОС 123" }],
    ["0190a0b2", { kind: "text", query: "0190a0b2" }],
  ] as const)("the search box reads %j as %j", (text, want) => {
    expect(searchTarget(text)).toEqual(want);
  });

  it("cuts a pasted paragraph to the longest query kept", () => {
    const target = searchTarget("слово ".repeat(100));
    expect(target?.kind).toBe("text");
    expect(target?.kind === "text" && target.query.length).toBeLessThanOrEqual(MAX_QUERY_CHARS);
  });

  it("recognises ids", () => {
    expect(isUuid(A.id)).toBe(true);
    expect(isUuid(` ${A.id.toUpperCase()} `)).toBe(true);
    expect(isUuid("ПОС 123")).toBe(false);
  });
});
