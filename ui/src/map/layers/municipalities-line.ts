// Municipality borders: thin white lines between the choropleth's fills.
import { SOURCE } from "../sources";
import type { LineLayer } from "./types";

export function municipalitiesLineLayer(): LineLayer {
  return {
    id: "municipalities-line",
    type: "line",
    source: SOURCE.municipalities,
    layout: { "line-join": "round" },
    paint: {
      "line-color": "#ffffff",
      "line-width": ["interpolate", ["linear"], ["zoom"], 5, 0.8, 9, 2],
    },
  };
}
