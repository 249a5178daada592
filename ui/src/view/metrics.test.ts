import { describe, expect, it } from "vitest";
import type { AreaMetric } from "../backend";
import { displayValue, metricById, METRICS, severity } from "./metrics";

const area = (over: Partial<AreaMetric> = {}): AreaMetric => ({
  municipality: "astrakhan", name_ru: "Астрахань", appeals: 100, per_1000: 6.25, overdue_share: 0.125, rating_score: 72.4, satisfaction: 3.5, ...over,
});

describe("choropleth metrics", () => {
  it("has the four metrics of the issue, per 1000 first", () => {
    expect(METRICS.map((m) => m.id)).toEqual(["per_1000", "overdue_share", "rating_score", "satisfaction"]);
    expect(metricById("nonsense").id).toBe("per_1000");
    expect(metricById("satisfaction").id).toBe("satisfaction");
  });

  it.each([
    ["per_1000", 6.25, "6,3"],
    ["overdue_share", 12.5, "12,5\u00a0%"],
    ["rating_score", 100 - 72.4, "72"],
    ["satisfaction", 2.5, "3,50"],
  ] as const)("%s: larger severity is worse, the label reads as people expect", (id, sev, label) => {
    const m = metricById(id);
    expect(severity(area(), m)).toBeCloseTo(sev, 9);
    expect(displayValue(area(), m)).toBe(label);
  });

  it("says when there is no data", () => {
    const empty = area({ per_1000: null, overdue_share: null, rating_score: null, satisfaction: null });
    for (const m of METRICS) expect(severity(empty, m)).toBeNull();
    expect(displayValue(empty, metricById("rating_score"))).toBe("мало данных");
    expect(displayValue(empty, metricById("per_1000"))).toBe("—");
  });
});
