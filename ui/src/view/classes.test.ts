import { describe, expect, it } from "vitest";
import { binIndex, colorFor, computeClasses, legendItems, PALETTE, quantile, ZERO_COLOR } from "./classes";

const nb = (s: string) => s.replace(/_/g, "\u00a0");

describe("quantile", () => {
  it.each([
    [[1, 2, 3, 4, 5], 0, 1],
    [[1, 2, 3, 4, 5], 0.5, 3],
    [[1, 2, 3, 4, 5], 1, 5],
    [[1, 2, 3, 4], 0.5, 2.5],
    [[10], 0.3, 10],
  ])("quantile(%j, %s) = %s", (values, q, expected) => {
    expect(quantile(values, q)).toBeCloseTo(expected, 10);
  });

  it("throws on no values", () => {
    expect(() => quantile([], 0.5)).toThrow();
  });
});

describe("computeClasses", () => {
  const cases: { name: string; values: number[]; edges: [number, number][] }[] = [
    { name: "no data", values: [], edges: [] },
    { name: "all zero", values: [0, 0, 0], edges: [] },
    { name: "one value", values: [0, 4.25], edges: [[4.2, 4.3]] },
    { name: "identical values", values: [5, 5, 5], edges: [[5, 5.1]] },
    { name: "two values, two classes", values: [1, 3], edges: [[1, 2], [2, 3]] },
    {
      name: "thirteen values, six quantile classes",
      values: [7.6, 9.5, 9.7, 13.3, 13.8, 14.0, 14.9, 16.1, 17.1, 20.1, 20.5, 21.2, 23.6],
      edges: [[7.6, 9.7], [9.7, 13.8], [13.8, 14.9], [14.9, 17.1], [17.1, 20.5], [20.5, 23.6]],
    },
    { name: "zeros are left out", values: [0, 0, 2, 4, 6, 8], edges: [[2, 3.5], [3.5, 5], [5, 6.5], [6.5, 8]] },
    { name: "edges round outward at the ends", values: [1.234, 9.876], edges: [[1.2, 5.6], [5.6, 9.9]] },
    { name: "more values than classes", values: [1, 2, 3, 4, 5, 6, 7, 8], edges: [[1, 2.2], [2.2, 3.3], [3.3, 4.5], [4.5, 5.7], [5.7, 6.8], [6.8, 8]] },
  ];
  it.each(cases)("$name", ({ values, edges }) => {
    const classes = computeClasses(values);
    expect(classes.bins.map((b) => [b.from, b.to])).toEqual(edges);
    expect(classes.zeroColor).toBe(ZERO_COLOR);
  });

  it("uses the lightest and the darkest colour whenever there are two classes or more", () => {
    const { bins } = computeClasses([1, 2, 3]);
    expect(bins[0]!.color).toBe(PALETTE[0]);
    expect(bins[bins.length - 1]!.color).toBe(PALETTE[PALETTE.length - 1]);
  });

  it("puts every positive value inside its bin", () => {
    const values = [0.3, 1.1, 2.2, 2.2, 5.05, 7.5, 11.9, 30.01, 44.4, 44.45, 100];
    const classes = computeClasses(values);
    for (const v of values) {
      const bin = classes.bins[binIndex(classes, v)]!;
      expect(v).toBeGreaterThanOrEqual(bin.from);
      expect(v).toBeLessThanOrEqual(bin.to);
    }
  });
});

describe("colorFor", () => {
  const classes = computeClasses([1, 2, 3, 4, 5, 6]);
  it.each([
    [0, ZERO_COLOR],
    [-1, ZERO_COLOR],
    [Number.NaN, ZERO_COLOR],
    [1, classes.bins[0]!.color],
    [6, classes.bins[classes.bins.length - 1]!.color],
    [600, classes.bins[classes.bins.length - 1]!.color],
  ])("colorFor(%s) = %s", (value, expected) => {
    expect(colorFor(classes, value)).toBe(expected);
  });
});

describe("legendItems", () => {
  it("labels classes as Russian ranges, the zero row first", () => {
    const classes = computeClasses([12.4, 18, 1500], 2);
    expect(legendItems(classes, true).map((i) => i.label)).toEqual(["0 (нет обращений)", "12,4–18,0", "18,0–1_500,0"].map(nb));
    expect(legendItems(classes, false)).toHaveLength(2);
  });
});
