import { createPropertyExpression, latest, validateStyleMin } from "@maplibre/maplibre-gl-style-spec";
import type { CircleLayerSpecification, LayerSpecification, StyleSpecification } from "maplibre-gl";
import type { AlertRow } from "../backend";
import { ALERTS_STATE, alertsLayer } from "./layers/alerts";
import { describe, expect, it } from "vitest";
import { mockBackend } from "../backend";
import { computeClasses } from "../view/classes";
import { attributionText, OSM_ATTRIBUTION } from "./attribution";
import { backgroundLayer } from "./layers/background";
import { FILL_STATE, fillColorExpression, fillColors, fillStates, municipalitiesFillLayer, type FillColors } from "./layers/municipalities-fill";
import { municipalitiesHighlightLayer } from "./layers/municipalities-highlight";
import { municipalitiesLineLayer } from "./layers/municipalities-line";
import { oblastOutlineLayer } from "./layers/oblast-outline";
import { townsLayer } from "./layers/towns";
import { volgaLayer } from "./layers/volga";
import { alertCounts, alertPoints, boundsOf, mapGeometry, parseFeatureCollection, sourceSpecs, townsCollection, type MapGeometry } from "./sources";
import { buildLayers, buildStyle, CUSTOM_LAYERS, MAP_OPTIONS } from "./style";
import { beforeId, LAYER_ORDER } from "./zorder";

/** A hand-made sample in the shape the Rust side sends (two squares, a line, a town). */
const SAMPLE: MapGeometry = {
  boundaries: {
    type: "FeatureCollection",
    features: [
      { type: "Feature", properties: { id: "a", name_ru: "Первый район" }, geometry: { type: "Polygon", coordinates: [[[47, 46], [48, 46], [48, 47], [47, 47], [47, 46]]] } },
      { type: "Feature", properties: { id: "b", name_ru: "Второй район" }, geometry: { type: "MultiPolygon", coordinates: [[[[48, 46], [49, 46], [49, 47], [48, 47], [48, 46]]]] } },
    ],
  },
  outline: { type: "FeatureCollection", features: [{ type: "Feature", properties: {}, geometry: { type: "Polygon", coordinates: [[[47, 46], [49, 46], [49, 47], [47, 47], [47, 46]]] } }] },
  volga: { type: "FeatureCollection", features: [{ type: "Feature", properties: { name_ru: "Волга" }, geometry: { type: "LineString", coordinates: [[47, 47], [48.5, 46]] } }] },
  towns: townsCollection([{ name_ru: "Город", lon: 47.5, lat: 46.5, population: 10000 }]),
};

const COLORS: FillColors = { byId: { a: "#ffffb2", b: "#bd0026" }, fallback: "#d9dde3" };

/** A style with just the sources and one layer, to validate layers one by one. */
function styleWith(layer: LayerSpecification): StyleSpecification {
  return { version: 8, sources: sourceSpecs(SAMPLE), layers: [layer] };
}

function errorsOf(style: StyleSpecification): string[] {
  return validateStyleMin(style).map((e: { message: string }) => e.message);
}

describe("each layer module makes a valid layer", () => {
  it.each<[string, () => LayerSpecification]>([
    ["background", backgroundLayer],
    ["municipalities-fill", () => municipalitiesFillLayer(COLORS)],
    ["municipalities-fill (no colours yet)", () => municipalitiesFillLayer({ byId: {}, fallback: "#eeeeee" })],
    ["municipalities-line", municipalitiesLineLayer],
    ["municipalities-highlight", municipalitiesHighlightLayer],
    ["volga", volgaLayer],
    ["oblast-outline", oblastOutlineLayer],
    ["towns", townsLayer],
    ["alerts", alertsLayer],
  ])("%s", (_name, make) => {
    expect(errorsOf(styleWith(make()))).toEqual([]);
  });
});

describe("the validator itself", () => {
  it("does report a broken layer (so the zero-error checks above mean something)", () => {
    const broken = { ...volgaLayer(), paint: { "line-color": 42 } } as unknown as LayerSpecification;
    expect(errorsOf(styleWith(broken)).length).toBeGreaterThan(0);
    const orphan = { ...townsLayer(), source: "nowhere" } as LayerSpecification;
    expect(errorsOf(styleWith(orphan)).length).toBeGreaterThan(0);
  });
});

describe("the full style", () => {
  it("is valid with the sample geometry", () => {
    expect(errorsOf(buildStyle({ geometry: SAMPLE, colors: COLORS }))).toEqual([]);
  });

  it("is valid with the mock backend's geometry and a real choropleth", async () => {
    const geometry = mapGeometry(await mockBackend.mapBase());
    const overview = await mockBackend.overview(null);
    const colors = fillColors(overview.municipalities, computeClasses(overview.municipalities.map((m) => m.per_1000)));
    expect(Object.keys(colors.byId)).toHaveLength(13);
    expect(errorsOf(buildStyle({ geometry, colors }))).toEqual([]);
  });

  it("has exactly the layers of zorder, in that order, and the custom ones go to their place", () => {
    const order = buildLayers({ geometry: SAMPLE, colors: COLORS }).map((l) => l.id);
    expect(order).toEqual(LAYER_ORDER.filter((id) => !(CUSTOM_LAYERS as readonly string[]).includes(id)));
    // Added one by one as MapView adds them, they end where LAYER_ORDER puts them.
    for (const id of CUSTOM_LAYERS) {
      const before = beforeId(id, order);
      order.splice(before === undefined ? order.length : order.indexOf(before), 0, id);
    }
    expect(order).toEqual([...LAYER_ORDER]);
  });

  it("needs no network: no glyphs, no sprite, only inline GeoJSON sources", () => {
    const style = buildStyle({ geometry: SAMPLE, colors: COLORS });
    expect(style.glyphs).toBeUndefined();
    expect(style.sprite).toBeUndefined();
    for (const source of Object.values(style.sources)) {
      expect(source.type).toBe("geojson");
      expect(typeof (source as { data: unknown }).data).toBe("object");
    }
    expect(JSON.stringify(style)).not.toMatch(/https?:\/\//);
    expect(style.layers.some((l) => l.type === "symbol")).toBe(false);
  });

  it("changes colours without animation (no GPU: an animated change is many redraws)", () => {
    const style = buildStyle({ geometry: SAMPLE, colors: COLORS });
    expect(style.transition).toEqual({ duration: 0, delay: 0 });
  });

  it("references only sources it defines", () => {
    const style = buildStyle({ geometry: SAMPLE, colors: COLORS });
    for (const layer of style.layers) {
      if ("source" in layer) expect(Object.keys(style.sources)).toContain(layer.source);
    }
  });
});

describe("map options", () => {
  it("fades no symbols, as the style has none to fade", () => {
    // A symbol layer added to the style would want its fades back (and then the extra frames).
    expect(MAP_OPTIONS.fadeDuration).toBe(0);
    for (const dark of [false, true]) {
      expect(buildLayers({ geometry: SAMPLE, colors: COLORS, dark }).filter((l) => l.type === "symbol")).toEqual([]);
    }
  });
});

describe("fillStates", () => {
  it("gives every municipality a colour, the fallback to those the colours do not name", () => {
    expect(fillStates(COLORS, ["b", "c", "a"])).toEqual([
      ["b", "#bd0026"],
      ["c", "#d9dde3"],
      ["a", "#ffffb2"],
    ]);
    expect(fillStates({ byId: {}, fallback: "#0" }, ["a"])).toEqual([["a", "#0"]]);
    expect(fillStates(COLORS, [])).toEqual([]);
  });

  it("is what the fill layer draws first, before the colours of the style", () => {
    const paint = municipalitiesFillLayer(COLORS).paint as Record<string, unknown>;
    expect(paint["fill-color"]).toEqual(["coalesce", ["feature-state", FILL_STATE], fillColorExpression(COLORS)]);
  });
});

describe("fillColorExpression", () => {
  it("falls back to a plain colour when there is nothing to match", () => {
    expect(fillColorExpression({ byId: {}, fallback: "#123456" })).toBe("#123456");
  });

  it("matches on the feature id, ids sorted", () => {
    expect(fillColorExpression({ byId: { b: "#2", a: "#1" }, fallback: "#0" })).toEqual(["match", ["get", "id"], "a", "#1", "b", "#2", "#0"]);
  });
});

describe("sources", () => {
  it("parses FeatureCollection texts and rejects anything else", () => {
    expect(parseFeatureCollection('{"type":"FeatureCollection","features":[]}', "x").features).toEqual([]);
    expect(() => parseFeatureCollection("{", "Границы")).toThrow(/^Границы: не GeoJSON/);
    expect(() => parseFeatureCollection('{"type":"Feature"}', "Волга")).toThrow(/ожидается GeoJSON FeatureCollection/);
  });

  it("computes bounds over all geometry kinds", () => {
    expect(boundsOf(SAMPLE.outline, SAMPLE.boundaries, SAMPLE.towns)).toEqual([47, 46, 49, 47]);
    expect(boundsOf({ type: "FeatureCollection", features: [] })).toBeNull();
  });

  it("addresses municipalities by their id property", () => {
    expect(sourceSpecs(SAMPLE).municipalities.promoteId).toBe("id");
  });
});

/** Evaluates a circle paint property of a layer for a feature whose alerts' state is `count` (undefined: none set). */
function circlePaint(layer: CircleLayerSpecification, property: "circle-radius" | "circle-opacity" | "circle-stroke-opacity", count: number | undefined): unknown {
  const spec = (latest as unknown as { paint_circle: Record<string, Parameters<typeof createPropertyExpression>[1]> }).paint_circle[property]!;
  const parsed = createPropertyExpression(layer.paint?.[property], spec);
  if (parsed.result !== "success") throw new Error(JSON.stringify(parsed.value));
  const state = count === undefined ? {} : { [ALERTS_STATE]: count };
  return parsed.value.evaluate({ zoom: 7 }, { type: "Point", properties: {} } as never, state);
}

describe("alerts", () => {
  const alert = (municipality: string): AlertRow => ({
    municipality,
    municipality_ru: municipality,
    topic_ru: "Тема",
    raised_ru: "06.12.2026 10:00",
    observed: 9,
    expected: 2,
    reason_ru: "рост",
    lon: 48,
    lat: 46,
  });

  it.each<[string[], [string, number][]]>([
    [[], []],
    [["a"], [["a", 1]]],
    [["a", "b", "a", "a"], [["a", 3], ["b", 1]]],
  ])("counts %j per municipality", (alerts, expected) => {
    expect([...alertCounts(alerts.map(alert))]).toEqual(expected);
  });

  it("stands a point at every municipality's label point, addressed by its id", () => {
    const points = alertPoints([
      { id: "a", label_lon: 47.5, label_lat: 46.5 },
      { id: "b", label_lon: Number.NaN, label_lat: 46 },
      { id: "c", label_lon: 48.5, label_lat: 46.2 },
    ]);
    expect(points.features.map((f) => [f.properties?.["id"], f.geometry.coordinates])).toEqual([
      ["a", [47.5, 46.5]],
      ["c", [48.5, 46.2]],
    ]);
    expect(sourceSpecs(SAMPLE).alerts.promoteId).toBe("id");
  });

  it.each<[number | undefined, number, number]>([
    // count, opacity, radius
    [undefined, 0, 9],
    [0, 0, 9],
    [1, 0.9, 9],
    [3, 0.9, 11.5],
    [5, 0.9, 14],
    [12, 0.9, 14],
  ])("a municipality with %j alerts: opacity %j, radius %j", (count, opacity, radius) => {
    const layer = alertsLayer();
    expect(circlePaint(layer, "circle-opacity", count)).toBe(opacity);
    expect(circlePaint(layer, "circle-stroke-opacity", count)).toBe(opacity === 0 ? 0 : 1);
    expect(circlePaint(layer, "circle-radius", count)).toBeCloseTo(radius, 9);
  });
});

describe("attributionText", () => {
  it.each([
    ["", OSM_ATTRIBUTION],
    ["  ", OSM_ATTRIBUTION],
    ["© OpenStreetMap contributors, ODbL", "© OpenStreetMap contributors, ODbL"],
    ["Росстат, перепись 2021", `${OSM_ATTRIBUTION} · Росстат, перепись 2021`],
  ])("%j → %j", (input, expected) => {
    expect(attributionText(input)).toBe(expected);
  });
});
