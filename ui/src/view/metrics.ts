// The choropleth's metrics: which value of a municipality colours the map, how it reads, and
// its legend title. Pure; the map and the switcher use it.
import type { AreaMetric } from "../backend";
import { formatDecimal } from "./format";

export type MetricId = "per_1000" | "overdue_share" | "rating_score" | "satisfaction";

export interface Metric {
  id: MetricId;
  /** The switcher's label. */
  label_ru: string;
  /** The legend's title, with its unit. */
  legend_ru: string;
  /** Whether a larger value is worse (warm colours for the worst). */
  higher_is_worse: boolean;
}

export const METRICS: readonly Metric[] = [
  { id: "per_1000", label_ru: "На 1000 жителей", legend_ru: "Обращений на 1\u00a0000 жителей", higher_is_worse: true },
  { id: "overdue_share", label_ru: "Просрочено", legend_ru: "Доля ответов с нарушением срока, %", higher_is_worse: true },
  { id: "rating_score", label_ru: "Рейтинг", legend_ru: "Рейтинг муниципалитета, баллы (чем меньше, тем хуже)", higher_is_worse: false },
  { id: "satisfaction", label_ru: "Удовлетворённость", legend_ru: "Средняя оценка заявителей, 1–5 (чем меньше, тем хуже)", higher_is_worse: false },
];

export function metricById(id: string | null | undefined): Metric {
  return METRICS.find((m) => m.id === id) ?? METRICS[0]!;
}

/**
 * The value that colours a municipality, on a scale where larger means worse (the palette
 * runs from light to dark red): shares as per cent, ratings and scores turned around
 * (100 − score, 6 − mean). `null` without data.
 */
export function severity(area: AreaMetric, metric: Metric): number | null {
  switch (metric.id) {
    case "per_1000":
      return area.per_1000;
    case "overdue_share":
      return area.overdue_share === null ? null : area.overdue_share * 100;
    case "rating_score":
      return area.rating_score === null ? null : 100 - area.rating_score;
    case "satisfaction":
      return area.satisfaction === null ? null : 6 - area.satisfaction;
  }
}

/** The value as a label on the map. */
export function displayValue(area: AreaMetric, metric: Metric): string {
  switch (metric.id) {
    case "per_1000":
      return area.per_1000 === null ? "—" : formatDecimal(area.per_1000, 1);
    case "overdue_share":
      return area.overdue_share === null ? "—" : `${formatDecimal(area.overdue_share * 100, 1)}\u00a0%`;
    case "rating_score":
      return area.rating_score === null ? "мало данных" : formatDecimal(area.rating_score, 0);
    case "satisfaction":
      return area.satisfaction === null ? "—" : formatDecimal(area.satisfaction, 2);
  }
}
