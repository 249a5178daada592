// The oblast's outer border, drawn above the municipalities.
import { SOURCE } from "../sources";
import type { LineLayer } from "./types";

export function oblastOutlineLayer(): LineLayer {
  return {
    id: "oblast-outline",
    type: "line",
    source: SOURCE.outline,
    layout: { "line-join": "round" },
    paint: {
      "line-color": "#4b5563",
      "line-width": ["interpolate", ["linear"], ["zoom"], 5, 1.2, 9, 2.5],
    },
  };
}
