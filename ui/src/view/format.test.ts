import { describe, expect, it } from "vitest";
import { formatDecimal, formatInt, formatRange, formatShare, plural, shortMunicipalityName } from "./format";

// Expected strings use "_" for the no-break space (U+00A0), to keep the tables readable.
const nb = (s: string) => s.replace(/_/g, "\u00a0");

describe("formatInt", () => {
  it.each([
    [0, "0"],
    [7, "7"],
    [999, "999"],
    [1000, "1_000"],
    [12345, "12_345"],
    [1234567, "1_234_567"],
    [-4200, "−4_200"],
    [12.6, "13"],
    [Number.NaN, "—"],
  ])("formatInt(%s) = %s", (value, expected) => {
    expect(formatInt(value)).toBe(nb(expected));
  });
});

describe("formatDecimal", () => {
  it.each([
    [0, 1, "0,0"],
    [12.44, 1, "12,4"],
    [12.45, 2, "12,45"],
    [18, 1, "18,0"],
    [1234.56, 1, "1_234,6"],
    [0.04, 1, "0,0"],
    [-0.04, 1, "0,0"],
    [-3.25, 1, "−3,3"],
    [5, 0, "5"],
    [Number.POSITIVE_INFINITY, 1, "—"],
  ])("formatDecimal(%s, %s) = %s", (value, digits, expected) => {
    expect(formatDecimal(value, digits)).toBe(nb(expected));
  });
});

describe("formatRange", () => {
  it.each([
    [12.4, 18, "12,4–18,0"],
    [0.5, 1234.5, "0,5–1_234,5"],
  ])("formatRange(%s, %s) = %s", (from, to, expected) => {
    expect(formatRange(from, to)).toBe(nb(expected));
  });
});

describe("formatShare", () => {
  it.each([
    [1, 3, "33,3_%"],
    [0, 0, "0,0_%"],
    [5, 5, "100,0_%"],
  ])("formatShare(%s, %s) = %s", (part, whole, expected) => {
    expect(formatShare(part, whole)).toBe(nb(expected));
  });
});

describe("plural", () => {
  const forms = ["обращение", "обращения", "обращений"] as const;
  it.each([
    [0, "обращений"],
    [1, "обращение"],
    [2, "обращения"],
    [4, "обращения"],
    [5, "обращений"],
    [11, "обращений"],
    [12, "обращений"],
    [14, "обращений"],
    [21, "обращение"],
    [22, "обращения"],
    [111, "обращений"],
    [1001, "обращение"],
  ])("plural(%s) = %s", (n, expected) => {
    expect(plural(n, forms)).toBe(expected);
  });
});

describe("shortMunicipalityName", () => {
  it.each([
    ["Ахтубинский район", "Ахтубинский р-н"],
    ["Астрахань", "Астрахань"],
    ["ЗАТО Знаменск", "ЗАТО Знаменск"],
    ["Районный центр", "Районный центр"],
  ])("%s → %s", (name, expected) => {
    expect(shortMunicipalityName(name)).toBe(expected);
  });
});
