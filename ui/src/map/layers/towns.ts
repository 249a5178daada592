// Towns: small circles (their names are HTML markers: the style has no glyphs, see map/labels.ts).
import { SOURCE } from "../sources";
import type { CircleLayer } from "./types";

export function townsLayer(): CircleLayer {
  return {
    id: "towns",
    type: "circle",
    source: SOURCE.towns,
    paint: {
      "circle-color": "#111827",
      "circle-radius": ["interpolate", ["linear"], ["get", "population"], 10000, 3, 500000, 5.5],
      "circle-stroke-color": "#ffffff",
      "circle-stroke-width": 1.5,
    },
  };
}
