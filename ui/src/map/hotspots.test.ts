import type { FeatureCollection } from "geojson";
import { describe, expect, it } from "vitest";
import { hexMesh, HOTSPOT_COLORS, HOTSPOT_FILL_OPACITY, mercator, premultiplied, VERTEX_FLOATS } from "./layers/hotspots";

/** A closed hexagon ring around (lon, lat), as the backend sends H3 cells. */
function ring(lon: number, lat: number, r = 0.05): number[][] {
  const points = Array.from({ length: 6 }, (_, i) => [lon + r * Math.cos((i * Math.PI) / 3), lat + r * Math.sin((i * Math.PI) / 3)]);
  return [...points, points[0]!];
}

function cells(...features: [string, number[][][] | number[][][][], "Polygon" | "MultiPolygon"][]): FeatureCollection {
  return {
    type: "FeatureCollection",
    features: features.map(([cls, coordinates, type]) => ({ type: "Feature", properties: { class: cls }, geometry: { type, coordinates } as never })),
  };
}

/** The vertices of a flat array: [x, y, r, g, b, a] each. */
function vertices(a: Float32Array): number[][] {
  return Array.from({ length: a.length / VERTEX_FLOATS }, (_, i) => Array.from(a.slice(i * VERTEX_FLOATS, (i + 1) * VERTEX_FLOATS)));
}

describe("mercator", () => {
  it.each<[number, number, number, number]>([
    [0, 0, 0.5, 0.5],
    [-180, 0, 0, 0.5],
    [180, 0, 1, 0.5],
    [90, 0, 0.75, 0.5],
    // Where the web mercator square ends.
    [0, 85.0511287798, 0.5, 0],
    [0, -85.0511287798, 0.5, 1],
  ])("(%d, %d) → (%d, %d)", (lon, lat, x, y) => {
    const [mx, my] = mercator(lon, lat);
    expect(mx).toBeCloseTo(x, 9);
    expect(my).toBeCloseTo(y, 9);
  });

  it("puts the north above the south (y grows southwards)", () => {
    expect(mercator(48, 47)[1]).toBeLessThan(mercator(48, 46)[1]);
  });
});

describe("premultiplied", () => {
  it("scales the colour by its opacity", () => {
    expect(premultiplied("#ff8000", 0.5)).toEqual([0.5, (128 / 255) * 0.5, 0, 0.5]);
    expect(premultiplied("#000000", 1)).toEqual([0, 0, 0, 1]);
  });
});

describe("hexMesh", () => {
  it("makes a hexagon four triangles and six edges, in its class's colour", () => {
    const mesh = hexMesh(cells(["hot99", [ring(48, 46.5)], "Polygon"]));
    expect(mesh.cells).toBe(1);
    const fill = vertices(mesh.fill);
    expect(fill).toHaveLength(4 * 3);
    expect(vertices(mesh.outline)).toHaveLength(6 * 2);
    const color = premultiplied(HOTSPOT_COLORS["hot99"]!, HOTSPOT_FILL_OPACITY);
    for (const v of fill) {
      v.slice(2).forEach((c, i) => expect(c).toBeCloseTo(color[i]!, 6));
    }
    // Every triangle starts at the ring's first point (a fan), and the points are in mercator.
    const [x0, y0] = mercator(48.05, 46.5);
    expect(fill[0]![0]).toBeCloseTo(x0, 6);
    expect(fill[0]![1]).toBeCloseTo(y0, 6);
    expect(fill[3]![0]).toBeCloseTo(x0, 6);
  });

  it("covers the hexagon's area exactly once", () => {
    const mesh = hexMesh(cells(["cold95", [ring(0, 0, 1)], "Polygon"]));
    const area = vertices(mesh.fill).reduce((sum, _v, i, all) => {
      if (i % 3 !== 0) return sum;
      const [a, b, c] = [all[i]!, all[i + 1]!, all[i + 2]!];
      return sum + Math.abs((b[0]! - a[0]!) * (c[1]! - a[1]!) - (c[0]! - a[0]!) * (b[1]! - a[1]!)) / 2;
    }, 0);
    // A regular hexagon of circumradius r has area 3√3/2 r²; here r in mercator units at the equator.
    const r = mercator(1, 0)[0] - mercator(0, 0)[0];
    expect(area).toBeCloseTo(((3 * Math.sqrt(3)) / 2) * r * r, 8);
  });

  it("leaves out cells that are not significant or of no known class, and what is not a polygon", () => {
    const mesh = hexMesh({
      type: "FeatureCollection",
      features: [
        { type: "Feature", properties: { class: "not_significant" }, geometry: { type: "Polygon", coordinates: [ring(48, 46)] } },
        { type: "Feature", properties: { class: "warm" }, geometry: { type: "Polygon", coordinates: [ring(48, 46)] } },
        { type: "Feature", properties: {}, geometry: { type: "Polygon", coordinates: [ring(48, 46)] } },
        { type: "Feature", properties: { class: "hot95" }, geometry: { type: "Point", coordinates: [48, 46] } },
        { type: "Feature", properties: { class: "hot95" }, geometry: { type: "Polygon", coordinates: [[[48, 46], [48.1, 46]]] } },
      ],
    });
    expect(mesh).toEqual({ fill: new Float32Array(), outline: new Float32Array(), cells: 0 });
  });

  it("draws each part of a multipolygon and counts the cell once", () => {
    const mesh = hexMesh(cells(["hot90", [[ring(48, 46)], [ring(49, 46)]], "MultiPolygon"], ["cold99", [ring(47, 46)], "Polygon"]));
    expect(mesh.cells).toBe(2);
    expect(vertices(mesh.fill)).toHaveLength(3 * 4 * 3);
    expect(vertices(mesh.outline)).toHaveLength(3 * 6 * 2);
  });

  it("takes an open ring as it is", () => {
    const open = ring(48, 46).slice(0, 6);
    expect(vertices(hexMesh(cells(["hot99", [open], "Polygon"])).fill)).toHaveLength(4 * 3);
  });

  it("is empty for no features", () => {
    expect(hexMesh({ type: "FeatureCollection", features: [] }).cells).toBe(0);
  });
});
