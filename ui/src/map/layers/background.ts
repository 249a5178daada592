// Background: the only non-GeoJSON layer (the app draws no basemap tiles, it works offline).
import type { BackgroundLayer } from "./types";

export const BACKGROUND_COLOR = "#eef1f5";

export function backgroundLayer(): BackgroundLayer {
  return {
    id: "background",
    type: "background",
    paint: { "background-color": BACKGROUND_COLOR },
  };
}
