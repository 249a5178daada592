// The whole MapLibre style, built from the layer modules in the order of zorder.ts.
// No network: no tiles, no glyphs, no sprite; only a background and GeoJSON sources.
import type { LayerSpecification, StyleSpecification } from "maplibre-gl";
import { LAYER_ORDER, type LayerId } from "./zorder";
import { sourceSpecs, type MapGeometry } from "./sources";
import { backgroundLayer } from "./layers/background";
import { municipalitiesFillLayer, type FillColors } from "./layers/municipalities-fill";
import { municipalitiesLineLayer } from "./layers/municipalities-line";
import { municipalitiesHighlightLayer } from "./layers/municipalities-highlight";
import { volgaLayer } from "./layers/volga";
import { oblastOutlineLayer } from "./layers/oblast-outline";
import { townsLayer } from "./layers/towns";
import { hotspotsLayer } from "./layers/hotspots";
import { alertsLayer } from "./layers/alerts";

export interface StyleInput {
  geometry: MapGeometry;
  colors: FillColors;
  /** The wall's dark background. */
  dark?: boolean;
}

/** One builder per layer id: the mapped type makes a layer missing from here a type error. */
const LAYER_BUILDERS: { [K in LayerId]: (input: StyleInput) => LayerSpecification } = {
  background: (input) => backgroundLayer(input.dark ?? false),
  "municipalities-fill": (input) => municipalitiesFillLayer(input.colors),
  volga: () => volgaLayer(),
  "municipalities-line": () => municipalitiesLineLayer(),
  "municipalities-highlight": () => municipalitiesHighlightLayer(),
  "oblast-outline": () => oblastOutlineLayer(),
  towns: () => townsLayer(),
  hotspots: () => hotspotsLayer(),
  alerts: () => alertsLayer(),
};

/** Every layer, bottom first, exactly as LAYER_ORDER lists them. */
export function buildLayers(input: StyleInput): LayerSpecification[] {
  return LAYER_ORDER.map((id) => {
    const layer = LAYER_BUILDERS[id](input);
    if (layer.id !== id) throw new Error(`layer builder for "${id}" made a layer with id "${layer.id}"`);
    return layer;
  });
}

export function buildStyle(input: StyleInput): StyleSpecification {
  return {
    version: 8,
    name: "tsur — муниципальные образования",
    sources: sourceSpecs(input.geometry),
    layers: buildLayers(input),
    // A change of colours shows at once: an animated change redraws the whole map for 300 ms,
    // which without a GPU is ten or more frames of work competing with the next step.
    transition: { duration: 0, delay: 0 },
  };
}
