// Hotspots: H3 hexagons coloured by the significance of their Getis-Ord Gi* (not by raw
// density): warm for more appeals than the population explains, cool for fewer; cells
// that are not significant stay clear.
import { SOURCE } from "../sources";
import type { FillLayer } from "./types";

/** Colour of each significance class (`class` property of the backend's GeoJSON). */
export const HOTSPOT_COLORS: Record<string, string> = {
  hot99: "#b2182b",
  hot95: "#ef8a62",
  hot90: "#fddbc7",
  cold90: "#d1e5f0",
  cold95: "#67a9cf",
  cold99: "#2166ac",
};

export function hotspotsLayer(): FillLayer {
  const match: unknown[] = ["match", ["get", "class"]];
  for (const [cls, color] of Object.entries(HOTSPOT_COLORS)) match.push(cls, color);
  match.push("rgba(0,0,0,0)");
  return {
    id: "hotspots",
    type: "fill",
    source: SOURCE.hotspots,
    filter: ["!=", ["get", "class"], "not_significant"],
    paint: {
      "fill-color": match as never,
      "fill-opacity": 0.75,
      "fill-outline-color": "rgba(17,24,39,0.35)",
    },
  };
}
