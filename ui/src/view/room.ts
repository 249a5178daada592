// The situation room's view logic: how a KPI tile reads, how its change is judged, and the
// wall's playlist of scenes. Pure functions, no DOM.
import type { KpiTile, Period, RoomFilter } from "../backend";
import { formatDecimal, formatInt } from "./format";
import type { MetricId } from "./metrics";

/** The value of a tile as the wall shows it; a dash without data. */
export function formatTileValue(tile: Pick<KpiTile, "unit" | "value">): string {
  const v = tile.value;
  if (v === null || !Number.isFinite(v)) return "—";
  switch (tile.unit) {
    case "count":
      return formatInt(Math.round(v));
    case "hours":
      return `${formatDecimal(v, 1)}\u00a0ч`;
    case "share":
      return `${formatDecimal(v * 100, 1)}\u00a0%`;
    case "score":
      return formatDecimal(v, 2);
    default:
      return formatDecimal(v, 1);
  }
}

/** The change against the previous period: its text and whether it is good news. */
export interface TileChange {
  /** e.g. `+4,2 %`, `−1,3 п.п.`, `без изменений`, or empty without a comparison. */
  text: string;
  /** `up`, `down` or `flat`. */
  direction: "up" | "down" | "flat";
  /** True for an improvement, false for a worsening, null when flat or unknown. */
  good: boolean | null;
}

export function tileChange(tile: Pick<KpiTile, "unit" | "value" | "previous" | "higher_is_better">): TileChange {
  const { value, previous } = tile;
  if (value === null || previous === null || !Number.isFinite(value) || !Number.isFinite(previous)) return { text: "", direction: "flat", good: null };
  // Shares change in percentage points; other figures in per cent of the previous value.
  const delta = tile.unit === "share" ? (value - previous) * 100 : previous !== 0 ? ((value - previous) / Math.abs(previous)) * 100 : NaN;
  if (!Number.isFinite(delta)) return { text: "", direction: "flat", good: null };
  const rounded = Math.round(delta * 10) / 10;
  if (rounded === 0) return { text: "без изменений", direction: "flat", good: null };
  const direction = rounded > 0 ? "up" : "down";
  const sign = rounded > 0 ? "+" : "\u2212";
  const unit = tile.unit === "share" ? "\u00a0п.п." : "\u00a0%";
  return { text: `${sign}${formatDecimal(Math.abs(rounded), 1)}${unit}`, direction, good: (direction === "up") === tile.higher_is_better };
}

/** One scene of the wall's playlist. */
export interface Scene {
  id: string;
  title_ru: string;
  filter: RoomFilter;
  /** What colours the map in this scene. */
  metric: MetricId;
}

/** The room filter of a period and the other choices (`null` period = the default 30 days). */
export function roomFilter(period: Period | null, choices: Partial<RoomFilter> = {}): RoomFilter {
  return {
    period: period ? `${period.from}..${period.to}` : null,
    municipality: choices.municipality ?? null,
    block: choices.block ?? null,
    channel: choices.channel ?? null,
    status: choices.status ?? null,
  };
}

/**
 * The wall's playlist: the region overview, then each block with appeals (largest first),
 * then the region's deadlines (overdue shares on the map), then the ratings and alerts. The period is the wall's
 * default (the last 30 days), so the wall always shows the present.
 */
export function wallScenes(blocks: readonly { key: string | null; label_ru: string; count: number }[]): Scene[] {
  const scenes: Scene[] = [{ id: "region", title_ru: "Область: обзор", filter: roomFilter(null), metric: "per_1000" }];
  const named = blocks.filter((b): b is { key: string; label_ru: string; count: number } => b.key !== null && b.count > 0);
  for (const b of [...named].sort((x, y) => y.count - x.count)) {
    scenes.push({ id: `block-${b.key}`, title_ru: `Блок: ${b.label_ru}`, filter: roomFilter(null, { block: b.key }), metric: "per_1000" });
  }
  scenes.push({ id: "deadlines", title_ru: "Сроки ответов", filter: roomFilter(null), metric: "overdue_share" });
  scenes.push({ id: "ratings", title_ru: "Рейтинги и сигналы", filter: roomFilter(null), metric: "rating_score" });
  return scenes;
}

/** The scene after `index` (wraps around); 0 for an empty list. */
export function nextScene(index: number, count: number): number {
  return count <= 0 ? 0 : (index + 1) % count;
}
