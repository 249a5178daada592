// The Volga: the orientation line of the whole oblast.
import { SOURCE } from "../sources";
import type { LineLayer } from "./types";

export function volgaLayer(): LineLayer {
  return {
    id: "volga",
    type: "line",
    source: SOURCE.volga,
    layout: { "line-join": "round", "line-cap": "round" },
    paint: {
      "line-color": "#4a90c8",
      "line-opacity": 0.85,
      "line-width": ["interpolate", ["linear"], ["zoom"], 5, 1.5, 9, 4],
    },
  };
}
