import { describe, expect, it } from "vitest";
import type { Period } from "../backend";
import { describePeriod, matchingPreset, parsePeriodInputs, presetPeriod, type PresetId } from "./period";

const range: Period = { from: "2024-01-01", to: "2025-06-30" };

describe("presetPeriod", () => {
  it.each<[PresetId, Period, Period | null]>([
    ["all", range, null],
    ["last30", range, { from: "2025-06-01", to: "2025-06-30" }],
    ["last90", range, { from: "2025-04-02", to: "2025-06-30" }],
    ["year", range, { from: "2025-01-01", to: "2025-06-30" }],
    ["last90", { from: "2025-06-20", to: "2025-06-30" }, { from: "2025-06-20", to: "2025-06-30" }],
    ["year", { from: "2025-03-10", to: "2025-06-30" }, { from: "2025-03-10", to: "2025-06-30" }],
    ["last30", { from: "2024-01-01", to: "2024-03-01" }, { from: "2024-02-01", to: "2024-03-01" }],
  ])("%s of %j = %j", (id, dataRange, expected) => {
    expect(presetPeriod(id, dataRange)).toEqual(expected);
  });
});

describe("matchingPreset", () => {
  it.each<[Period, Period | null, PresetId | null]>([
    [range, range, "all"],
    [{ from: "2025-06-01", to: "2025-06-30" }, range, "last30"],
    [{ from: "2025-04-02", to: "2025-06-30" }, range, "last90"],
    [{ from: "2025-01-01", to: "2025-06-30" }, range, "year"],
    [{ from: "2025-01-02", to: "2025-06-30" }, range, null],
    [range, null, null],
  ])("%j in %j → %s", (effective, dataRange, expected) => {
    expect(matchingPreset(effective, dataRange)).toBe(expected);
  });
});

describe("parsePeriodInputs", () => {
  it.each([
    ["01.01.2025", "31.03.2025", { period: { from: "2025-01-01", to: "2025-03-31" } }],
    ["5.3.2025", "5.3.2025", { period: { from: "2025-03-05", to: "2025-03-05" } }],
    ["", "31.03.2025", { problem: "Дата начала периода: укажите дату в виде дд.мм.гггг" }],
    ["01.01.2025", "31.02.2025", { problem: "Дата конца периода: укажите дату в виде дд.мм.гггг" }],
    ["31.03.2025", "01.01.2025", { problem: "Начало периода позже его конца" }],
  ])("%j, %j", (from, to, expected) => {
    expect(parsePeriodInputs(from, to)).toEqual(expected);
  });
});

describe("describePeriod", () => {
  it.each<[Period, string]>([
    [{ from: "2025-01-01", to: "2025-03-31" }, "01.01.2025 — 31.03.2025 (90 дней)"],
    [{ from: "2025-06-30", to: "2025-06-30" }, "30.06.2025 (1 день)"],
    [{ from: "2025-06-01", to: "2025-06-02" }, "01.06.2025 — 02.06.2025 (2 дня)"],
    [{ from: "2025-01-01", to: "2025-01-21" }, "01.01.2025 — 21.01.2025 (21 день)"],
  ])("%j → %s", (period, expected) => {
    expect(describePeriod(period)).toBe(expected);
  });
});
