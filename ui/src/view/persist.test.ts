import { describe, expect, it } from "vitest";
import { loadPeriod, PERIOD_STORAGE_KEY, savePeriod, type KeyValueStore } from "./persist";

function memoryStore(initial?: string): KeyValueStore & { data: Map<string, string> } {
  const data = new Map<string, string>();
  if (initial !== undefined) data.set(PERIOD_STORAGE_KEY, initial);
  return {
    data,
    getItem: (k) => data.get(k) ?? null,
    setItem: (k, v) => void data.set(k, v),
    removeItem: (k) => void data.delete(k),
  };
}

describe("loadPeriod", () => {
  it.each([
    [undefined, null],
    ['"all"', null],
    ['{"from":"2025-01-01","to":"2025-03-31"}', { from: "2025-01-01", to: "2025-03-31" }],
    ['{"from":"2025-03-31","to":"2025-01-01"}', null],
    ['{"from":"2025-02-30","to":"2025-03-31"}', null],
    ['{"from":1,"to":2}', null],
    ["not json", null],
    ["null", null],
  ])("%s → %j", (stored, expected) => {
    expect(loadPeriod(memoryStore(stored))).toEqual(expected);
  });

  it("survives a missing or throwing storage", () => {
    expect(loadPeriod(null)).toBeNull();
    const broken: KeyValueStore = {
      getItem: () => {
        throw new Error("SecurityError");
      },
      setItem: () => {
        throw new Error("QuotaExceededError");
      },
      removeItem: () => {},
    };
    expect(loadPeriod(broken)).toBeNull();
    expect(() => savePeriod(broken, null)).not.toThrow();
  });
});

describe("savePeriod", () => {
  it("round-trips a period and the whole range", () => {
    const store = memoryStore();
    savePeriod(store, { from: "2025-01-01", to: "2025-01-31" });
    expect(loadPeriod(store)).toEqual({ from: "2025-01-01", to: "2025-01-31" });
    savePeriod(store, null);
    expect(store.data.get(PERIOD_STORAGE_KEY)).toBe('"all"');
    expect(loadPeriod(store)).toBeNull();
  });
});
