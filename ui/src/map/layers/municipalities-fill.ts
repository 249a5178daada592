// Municipalities fill: the choropleth of appeals per 1,000 residents.
import type { ExpressionSpecification } from "@maplibre/maplibre-gl-style-spec";
import type { MunicipalityMetric } from "../../backend";
import { colorFor, type Classes } from "../../view/classes";
import { SOURCE } from "../sources";
import type { FillLayer } from "./types";

/** The fill colour of each municipality id; ids missing from `byId` get `fallback`. */
export interface FillColors {
  byId: Readonly<Record<string, string>>;
  fallback: string;
}

/** The fill colours of an overview's municipalities under the given classes. */
export function fillColors(municipalities: readonly MunicipalityMetric[], classes: Classes): FillColors {
  const byId: Record<string, string> = {};
  for (const m of municipalities) byId[m.id] = colorFor(classes, m.per_1000);
  return { byId, fallback: classes.zeroColor };
}

/**
 * The feature state that colours the municipalities: `[id, colour]` for every id of `ids`,
 * the fallback for those `colors` does not name. A change of colours is a change of feature
 * state, not of the layer's paint: MapLibre then updates the colours on the main thread and
 * draws one frame, where a new `fill-color` expression has its worker lay the source's tiles
 * out again and the map drawn once more when they come (without a GPU every frame is
 * tens of milliseconds of both cores).
 */
export function fillStates(colors: FillColors, ids: readonly string[]): [string, string][] {
  return ids.map((id) => [id, colors.byId[id] ?? colors.fallback]);
}

/** The feature-state key that holds a municipality's colour. */
export const FILL_STATE = "fill";

/** A `match` on the feature's `id` (or the bare fallback colour when there is nothing to match). */
export function fillColorExpression(colors: FillColors): ExpressionSpecification | string {
  const entries = Object.entries(colors.byId).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (entries.length === 0) return colors.fallback;
  return ["match", ["get", "id"], ...entries.flat(), colors.fallback] as unknown as ExpressionSpecification;
}

export function municipalitiesFillLayer(colors: FillColors): FillLayer {
  return {
    id: "municipalities-fill",
    type: "fill",
    source: SOURCE.municipalities,
    paint: {
      // The colour set through the feature state (`fillStates`), else the colours of the style.
      "fill-color": ["coalesce", ["feature-state", FILL_STATE], fillColorExpression(colors)] as ExpressionSpecification,
      "fill-opacity": ["case", ["boolean", ["feature-state", "hover"], false], 0.95, 0.82],
    },
  };
}
