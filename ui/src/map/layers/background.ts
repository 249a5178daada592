// Background: the only non-GeoJSON layer (the app draws no basemap tiles, it works offline).
import type { BackgroundLayer } from "./types";

export const BACKGROUND_COLOR = "#eef1f5";
/** The wall's background: the dark theme's page colour. */
export const DARK_BACKGROUND_COLOR = "#0b1220";

export function backgroundLayer(dark = false): BackgroundLayer {
  return {
    id: "background",
    type: "background",
    paint: { "background-color": dark ? DARK_BACKGROUND_COLOR : BACKGROUND_COLOR },
  };
}
