import { describe, expect, it } from "vitest";
import { addDays, dayNumber, formatDateRu, isIsoDate, isoFromDayNumber, parseDateRu } from "./dates";

describe("dayNumber / isoFromDayNumber", () => {
  it.each([
    ["1970-01-01", 0],
    ["1970-01-02", 1],
    ["2024-02-29", 19782],
    ["2025-06-30", 20269],
  ])("%s is day %i and back", (iso, day) => {
    expect(dayNumber(iso)).toBe(day);
    expect(isoFromDayNumber(day)).toBe(iso);
  });

  it.each(["2025-02-29", "2025-13-01", "2025-00-10", "2025-1-01", "01.01.2025", "", "2025-01-01T00:00"])("rejects %j", (text) => {
    expect(dayNumber(text)).toBeNull();
    expect(isIsoDate(text)).toBe(false);
  });
});

describe("addDays", () => {
  it.each([
    ["2025-06-30", -29, "2025-06-01"],
    ["2025-03-01", -1, "2025-02-28"],
    ["2024-03-01", -1, "2024-02-29"],
    ["2024-12-31", 1, "2025-01-01"],
    ["2025-06-30", 0, "2025-06-30"],
  ])("%s %+i = %s", (iso, days, expected) => {
    expect(addDays(iso, days)).toBe(expected);
  });

  it("throws on a malformed date", () => {
    expect(() => addDays("30.06.2025", 1)).toThrow(RangeError);
  });
});

describe("formatDateRu", () => {
  it.each([
    ["2025-06-30", "30.06.2025"],
    ["2024-01-05", "05.01.2024"],
    ["garbage", "garbage"],
  ])("%s → %s", (iso, expected) => {
    expect(formatDateRu(iso)).toBe(expected);
  });
});

describe("parseDateRu", () => {
  it.each([
    ["30.06.2025", "2025-06-30"],
    ["1.2.2025", "2025-02-01"],
    [" 05.01.2024 ", "2024-01-05"],
    ["2025-06-30", "2025-06-30"],
    ["29.02.2024", "2024-02-29"],
    ["29.02.2025", null],
    ["31.04.2025", null],
    ["30/06/2025", null],
    ["30.06.25", null],
    ["", null],
  ])("%j → %j", (text, expected) => {
    expect(parseDateRu(text)).toBe(expected);
  });
});
