// Active early-warning alerts: a red marker at the municipality's label point.
import { SOURCE } from "../sources";
import type { CircleLayer } from "./types";

export function alertsLayer(): CircleLayer {
  return {
    id: "alerts",
    type: "circle",
    source: SOURCE.alerts,
    paint: {
      "circle-color": "#dc2626",
      "circle-radius": ["interpolate", ["linear"], ["get", "count"], 1, 9, 5, 14],
      "circle-opacity": 0.9,
      "circle-stroke-color": "#ffffff",
      "circle-stroke-width": 2.5,
    },
  };
}
