// The border of the municipality under the pointer (or picked in the side panel's table).
import { SOURCE } from "../sources";
import type { LineLayer } from "./types";

export function municipalitiesHighlightLayer(): LineLayer {
  return {
    id: "municipalities-highlight",
    type: "line",
    source: SOURCE.municipalities,
    layout: { "line-join": "round" },
    paint: {
      "line-color": "#1f2937",
      "line-width": 2.5,
      "line-opacity": ["case", ["boolean", ["feature-state", "hover"], false], 1, 0],
    },
  };
}
