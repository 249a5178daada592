// The map's GeoJSON sources: their ids and how they are built from the backend's MapBase.
import type { Feature, FeatureCollection, Geometry, Point, Position } from "geojson";
import type { GeoJSONSourceSpecification } from "maplibre-gl";
import type { AlertRow, MapBase, MunicipalityMetric, Town } from "../backend";

export const SOURCE = {
  municipalities: "municipalities",
  outline: "oblast-outline",
  volga: "volga",
  towns: "towns",
  alerts: "alerts",
} as const;

export type SourceId = (typeof SOURCE)[keyof typeof SOURCE];

/** The parsed geometry of a MapBase. */
export interface MapGeometry {
  /** One feature per municipality, properties `{id, name_ru}`. */
  boundaries: FeatureCollection;
  outline: FeatureCollection;
  volga: FeatureCollection;
  towns: FeatureCollection<Point>;
}

/** Parses a GeoJSON FeatureCollection text; throws an Error naming `what` if it is not one. */
export function parseFeatureCollection(text: string, what: string): FeatureCollection {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(`${what}: не GeoJSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (typeof value !== "object" || value === null || (value as { type?: unknown }).type !== "FeatureCollection" || !Array.isArray((value as { features?: unknown }).features)) {
    throw new Error(`${what}: ожидается GeoJSON FeatureCollection`);
  }
  return value as FeatureCollection;
}

/** Town points, with `name_ru` and `population` as properties. */
export function townsCollection(towns: readonly Town[]): FeatureCollection<Point> {
  return {
    type: "FeatureCollection",
    features: towns.map(
      (t): Feature<Point> => ({
        type: "Feature",
        properties: { name_ru: t.name_ru, population: t.population },
        geometry: { type: "Point", coordinates: [t.lon, t.lat] },
      }),
    ),
  };
}

const EMPTY: FeatureCollection = { type: "FeatureCollection", features: [] };

/**
 * One point per municipality at its label point, addressed by `id`: the alerts' markers stand
 * there and are shown by feature state (`ALERTS_STATE`), so a new set of alerts changes no data
 * (new data goes through MapLibre's worker and costs the map frames of its own).
 */
export function alertPoints(municipalities: readonly Pick<MunicipalityMetric, "id" | "label_lon" | "label_lat">[]): FeatureCollection<Point> {
  return {
    type: "FeatureCollection",
    features: municipalities
      .filter((m) => Number.isFinite(m.label_lon) && Number.isFinite(m.label_lat))
      .map(
        (m): Feature<Point> => ({
          type: "Feature",
          properties: { id: m.id },
          geometry: { type: "Point", coordinates: [m.label_lon, m.label_lat] },
        }),
      ),
  };
}

/** How many active alerts each municipality has (only those with any). */
export function alertCounts(alerts: readonly AlertRow[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const a of alerts) counts.set(a.municipality, (counts.get(a.municipality) ?? 0) + 1);
  return counts;
}

/** Parses everything the map draws out of a MapBase. */
export function mapGeometry(base: MapBase): MapGeometry {
  return {
    boundaries: parseFeatureCollection(base.boundaries, "Границы муниципальных образований"),
    outline: parseFeatureCollection(base.outline, "Граница области"),
    volga: parseFeatureCollection(base.volga, "Волга"),
    towns: townsCollection(base.towns),
  };
}

/**
 * How the GeoJSON is cut into tiles: the oblast fits in a few tiles of zoom 6, which are
 * magnified beyond it rather than cut again (the map opens at zoom 7–8). Without a GPU each
 * tile is drawn once per layer in every frame, and each arriving tile asks for another
 * frame: at zoom 7 every source had up to nine. The geometry is small (the boundaries are
 * 60 KB), so it is kept unsimplified (`tolerance: 0`) for the magnified zooms.
 */
export const TILING = { maxzoom: 6, tolerance: 0 } as const;

/** The style's `sources` block. Municipality features are addressed by their `id` property. */
export function sourceSpecs(geometry: MapGeometry): Record<SourceId, GeoJSONSourceSpecification> {
  return {
    [SOURCE.municipalities]: { type: "geojson", data: geometry.boundaries, promoteId: "id", ...TILING },
    [SOURCE.outline]: { type: "geojson", data: geometry.outline, ...TILING },
    [SOURCE.volga]: { type: "geojson", data: geometry.volga, ...TILING },
    [SOURCE.towns]: { type: "geojson", data: geometry.towns, ...TILING },
    // The municipalities' label points, given by MapView once the overview names them.
    [SOURCE.alerts]: { type: "geojson", data: EMPTY, promoteId: "id", ...TILING },
  };
}

/** [west, south, east, north] of every coordinate in the collections; null if there is none. */
export function boundsOf(...collections: FeatureCollection[]): [number, number, number, number] | null {
  let w = Infinity, s = Infinity, e = -Infinity, n = -Infinity;
  const visit = (p: Position) => {
    const [x, y] = p;
    if (x === undefined || y === undefined) return;
    w = Math.min(w, x); e = Math.max(e, x); s = Math.min(s, y); n = Math.max(n, y);
  };
  const walk = (g: Geometry | null) => {
    if (!g) return;
    switch (g.type) {
      case "Point": visit(g.coordinates); break;
      case "MultiPoint": case "LineString": g.coordinates.forEach(visit); break;
      case "MultiLineString": case "Polygon": g.coordinates.forEach((l) => l.forEach(visit)); break;
      case "MultiPolygon": g.coordinates.forEach((p) => p.forEach((l) => l.forEach(visit))); break;
      case "GeometryCollection": g.geometries.forEach(walk); break;
    }
  };
  collections.forEach((c) => c.features.forEach((f) => walk(f.geometry)));
  return Number.isFinite(w) ? [w, s, e, n] : null;
}
