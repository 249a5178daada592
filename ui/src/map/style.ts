// The whole MapLibre style, built from the layer modules in the order of zorder.ts.
// No network: no tiles, no glyphs, no sprite; only a background and GeoJSON sources.
import type { LayerSpecification, MapOptions, StyleSpecification } from "maplibre-gl";
import { LAYER_ORDER, type LayerId } from "./zorder";
import { sourceSpecs, type MapGeometry } from "./sources";
import { backgroundLayer } from "./layers/background";
import { municipalitiesFillLayer, type FillColors } from "./layers/municipalities-fill";
import { municipalitiesLineLayer } from "./layers/municipalities-line";
import { municipalitiesHighlightLayer } from "./layers/municipalities-highlight";
import { volgaLayer } from "./layers/volga";
import { oblastOutlineLayer } from "./layers/oblast-outline";
import { townsLayer } from "./layers/towns";
import { alertsLayer } from "./layers/alerts";

export interface StyleInput {
  geometry: MapGeometry;
  colors: FillColors;
  /** The wall's dark background. */
  dark?: boolean;
}

/**
 * Layers drawn by code of our own (MapLibre custom layers, which a style cannot hold): MapView
 * adds them at their place in LAYER_ORDER once the map is loaded.
 */
export const CUSTOM_LAYERS = ["hotspots"] as const satisfies readonly LayerId[];

type StyleLayerId = Exclude<LayerId, (typeof CUSTOM_LAYERS)[number]>;

function isStyleLayer(id: LayerId): id is StyleLayerId {
  return !(CUSTOM_LAYERS as readonly LayerId[]).includes(id);
}

/** One builder per layer id of the style: the mapped type makes a layer missing from here a type error. */
const LAYER_BUILDERS: { [K in StyleLayerId]: (input: StyleInput) => LayerSpecification } = {
  background: (input) => backgroundLayer(input.dark ?? false),
  "municipalities-fill": (input) => municipalitiesFillLayer(input.colors),
  volga: () => volgaLayer(),
  "municipalities-line": () => municipalitiesLineLayer(),
  "municipalities-highlight": () => municipalitiesHighlightLayer(),
  "oblast-outline": () => oblastOutlineLayer(),
  towns: () => townsLayer(),
  alerts: () => alertsLayer(),
};

/** Every layer of the style, bottom first, as LAYER_ORDER lists them (without CUSTOM_LAYERS). */
export function buildLayers(input: StyleInput): LayerSpecification[] {
  return LAYER_ORDER.filter(isStyleLayer).map((id) => {
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

/** How the map behaves, beside its style: a map of one oblast, north up, never tilted. */
export const MAP_OPTIONS = {
  dragRotate: false,
  pitchWithRotate: false,
  touchPitch: false,
  maxZoom: 11,
  minZoom: 4,
  // No symbol fades: the style has no symbol layers (the labels are HTML markers). With the
  // default 300 ms MapLibre keeps drawing frames until 300 ms after its last placement of
  // symbols, even with none to place: a step that came within 300 ms of the map's previous
  // frame drew the map 2–4 times instead of once, each frame 50–100 ms of both cores without
  // a GPU (docs/benchmarks.md).
  fadeDuration: 0,
} as const satisfies Partial<MapOptions>;
