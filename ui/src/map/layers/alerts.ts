// Active early-warning alerts: a red marker at the municipality's label point, sized by how
// many alerts it has. The source holds every municipality's point; the count is its feature
// state, so the markers change with the filters in the frame that recolours the map.
import type { ExpressionSpecification } from "maplibre-gl";
import { SOURCE } from "../sources";
import type { CircleLayer } from "./types";

/** The feature-state key that holds a municipality's number of active alerts. */
export const ALERTS_STATE = "alerts";

export function alertsLayer(): CircleLayer {
  const count: ExpressionSpecification = ["coalesce", ["feature-state", ALERTS_STATE], 0];
  const shown = (opacity: number): ExpressionSpecification => ["case", [">", count, 0], opacity, 0];
  return {
    id: "alerts",
    type: "circle",
    source: SOURCE.alerts,
    paint: {
      "circle-color": "#dc2626",
      "circle-radius": ["interpolate", ["linear"], count, 1, 9, 5, 14],
      "circle-opacity": shown(0.9),
      "circle-stroke-color": "#ffffff",
      "circle-stroke-width": 2.5,
      "circle-stroke-opacity": shown(1),
    },
  };
}
