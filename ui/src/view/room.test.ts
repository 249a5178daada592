import { describe, expect, it } from "vitest";
import { formatTileValue, nextScene, roomFilter, tileChange, wallScenes } from "./room";

describe("tile values", () => {
  it.each([
    [{ unit: "count", value: 12345 }, "12\u00a0345"],
    [{ unit: "hours", value: 12.34 }, "12,3\u00a0ч"],
    [{ unit: "share", value: 0.7349 }, "73,5\u00a0%"],
    [{ unit: "score", value: 3.8 }, "3,80"],
    [{ unit: "per_1000", value: 6.25 }, "6,3"],
    [{ unit: "share", value: null }, "—"],
  ])("%o reads %s", (tile, text) => {
    expect(formatTileValue(tile)).toBe(text);
  });
});

describe("tile change", () => {
  it.each([
    // shares move in percentage points; up is good when higher is better
    [{ unit: "share", value: 0.8, previous: 0.75, higher_is_better: true }, "+5,0\u00a0п.п.", "up", true],
    [{ unit: "share", value: 0.7, previous: 0.75, higher_is_better: true }, "\u22125,0\u00a0п.п.", "down", false],
    // counts move in per cent; more appeals is not good news
    [{ unit: "count", value: 110, previous: 100, higher_is_better: false }, "+10,0\u00a0%", "up", false],
    [{ unit: "hours", value: 9, previous: 12, higher_is_better: false }, "\u221225,0\u00a0%", "down", true],
    [{ unit: "count", value: 100, previous: 100, higher_is_better: false }, "без изменений", "flat", null],
    [{ unit: "count", value: 100, previous: 0, higher_is_better: false }, "", "flat", null],
    [{ unit: "count", value: 100, previous: null, higher_is_better: false }, "", "flat", null],
  ] as const)("%o → %s", (tile, text, direction, good) => {
    const c = tileChange(tile);
    expect(c.text).toBe(text);
    expect(c.direction).toBe(direction);
    expect(c.good).toBe(good);
  });
});

describe("wall playlist", () => {
  const blocks = [
    { key: "roads", label_ru: "Дороги", count: 10 },
    { key: null, label_ru: "Не классифицировано", count: 50 },
    { key: "housing", label_ru: "ЖКХ", count: 30 },
    { key: "waste", label_ru: "ТКО", count: 0 },
  ];
  it("starts with the region, shows each block with appeals (largest first), ends with ratings", () => {
    const scenes = wallScenes(blocks);
    expect(scenes.map((s) => s.id)).toEqual(["region", "block-housing", "block-roads", "deadlines", "ratings"]);
    expect(scenes.map((s) => s.metric)).toEqual(["per_1000", "per_1000", "per_1000", "overdue_share", "rating_score"]);
    expect(scenes[1]!.filter.block).toBe("housing");
    expect(scenes.every((s) => s.filter.period === null)).toBe(true);
  });
  it("wraps around", () => {
    expect(nextScene(0, 3)).toBe(1);
    expect(nextScene(2, 3)).toBe(0);
    expect(nextScene(5, 0)).toBe(0);
  });
  it("builds filters from a period", () => {
    expect(roomFilter({ from: "2026-01-01", to: "2026-03-31" }, { block: "roads" })).toEqual({
      period: "2026-01-01..2026-03-31", municipality: null, block: "roads", channel: null, status: null,
    });
  });
});
