// The choropleth's classes: breaks computed from the data, a sequential palette, and the
// colour of a value. Pure functions; the map and the legend both read the same `Classes`.
import { formatRange } from "./format";

/** Sequential palette, light to dark (ColorBrewer YlOrRd, 6 classes). */
export const PALETTE: readonly string[] = ["#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026"];

/** The colour of a municipality without appeals (and of one without data). */
export const ZERO_COLOR = "#d9dde3";

/** At most this many classes for the non-zero values. */
export const MAX_CLASSES = PALETTE.length;

/** One class: values in (`from`, `to`] (the first class also includes `from`), drawn in `color`. */
export interface ClassBin {
  from: number;
  to: number;
  color: string;
}

/** The classes of one period's data. `bins` is empty when every value is zero. */
export interface Classes {
  bins: ClassBin[];
  zeroColor: string;
}

const DECIMALS = 1;
const STEP = 10 ** -DECIMALS;

function roundTo(x: number, mode: "floor" | "ceil" | "round"): number {
  const scaled = x / STEP;
  // The epsilon keeps 12.3 from flooring to 12.2 through binary noise.
  const r = mode === "floor" ? Math.floor(scaled + 1e-9) : mode === "ceil" ? Math.ceil(scaled - 1e-9) : Math.round(scaled);
  return Number((r * STEP).toFixed(DECIMALS));
}

/** The q-quantile (0..1) of sorted values, by linear interpolation. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new RangeError("quantile of no values");
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return a + (b - a) * (pos - lo);
}

/**
 * Quantile classes of the positive values, with edges rounded to one decimal (the precision of
 * the legend) and duplicates dropped, so that small or uniform data yield fewer classes.
 * Zeros (and negatives, which should not occur) are left out: they get `ZERO_COLOR`.
 * The colours are spread over the whole palette, so two classes are still light and dark.
 */
export function computeClasses(values: readonly number[], maxClasses = MAX_CLASSES): Classes {
  const positive = values.filter((v) => Number.isFinite(v) && v > 0).sort((a, b) => a - b);
  if (positive.length === 0) return { bins: [], zeroColor: ZERO_COLOR };
  const n = Math.max(1, Math.min(maxClasses, PALETTE.length, positive.length));
  const edges: number[] = [roundTo(positive[0]!, "floor")];
  for (let i = 1; i < n; i++) edges.push(roundTo(quantile(positive, i / n), "round"));
  edges.push(roundTo(positive[positive.length - 1]!, "ceil"));
  const unique = edges.filter((e, i) => i === 0 || e > edges[i - 1]!);
  if (unique.length === 1) unique.push(Number((unique[0]! + STEP).toFixed(DECIMALS)));
  const count = unique.length - 1;
  const bins: ClassBin[] = [];
  for (let i = 0; i < count; i++) {
    const paletteIndex = count === 1 ? PALETTE.length - 1 : Math.round((i * (PALETTE.length - 1)) / (count - 1));
    bins.push({ from: unique[i]!, to: unique[i + 1]!, color: PALETTE[paletteIndex]! });
  }
  return { bins, zeroColor: ZERO_COLOR };
}

/** The index of the bin holding `value`, or -1 for zero / no data. */
export function binIndex(classes: Classes, value: number): number {
  if (!(value > 0) || classes.bins.length === 0) return -1;
  const i = classes.bins.findIndex((b) => value <= b.to);
  return i < 0 ? classes.bins.length - 1 : i;
}

/** The fill colour of a value. */
export function colorFor(classes: Classes, value: number): string {
  const i = binIndex(classes, value);
  return i < 0 ? classes.zeroColor : classes.bins[i]!.color;
}

/** A legend row: colour swatch and its Russian label. */
export interface LegendItem {
  color: string;
  label: string;
}

/** The legend rows, lowest class first; the zero row comes first when `withZero`. */
export function legendItems(classes: Classes, withZero: boolean): LegendItem[] {
  const items: LegendItem[] = classes.bins.map((b) => ({ color: b.color, label: formatRange(b.from, b.to) }));
  if (withZero) items.unshift({ color: classes.zeroColor, label: "0 (нет обращений)" });
  return items;
}
