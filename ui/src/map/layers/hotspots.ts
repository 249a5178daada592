// Hotspots: H3 hexagons coloured by the significance of their Getis-Ord Gi* (not by raw
// density): warm for more appeals than the population explains, cool for fewer; cells
// that are not significant stay clear.
//
// Drawn by a custom layer of our own rather than a GeoJSON source: a GeoJSON source's new data
// goes to MapLibre's worker to be cut into tiles, and each answer asks for a frame of its own,
// so a step that changed the hexagons drew the map two or three times more after its figures.
// Without a GPU every frame is about 50 ms of both cores whatever it holds
// (docs/benchmarks.md). Here the hexagons are triangulated on the main thread (a few hundred
// cells: well under a millisecond) and shown in the same frame as the municipalities' colours.
import type { FeatureCollection, Position } from "geojson";
import { MercatorCoordinate, type CustomLayerInterface, type CustomRenderMethodInput, type Map as MapLibreMap } from "maplibre-gl";

/** Colour of each significance class (`class` property of the backend's GeoJSON). */
export const HOTSPOT_COLORS: Record<string, string> = {
  hot99: "#b2182b",
  hot95: "#ef8a62",
  hot90: "#fddbc7",
  cold90: "#d1e5f0",
  cold95: "#67a9cf",
  cold99: "#2166ac",
};

/** Opacity of a hexagon's fill, and the colour of its outline. */
export const HOTSPOT_FILL_OPACITY = 0.75;
export const HOTSPOT_OUTLINE = { color: "#111827", opacity: 0.35 };

/** Floats per vertex: x, y (web mercator, 0..1), then r, g, b, a (premultiplied, 0..1). */
export const VERTEX_FLOATS = 6;

/** The hexagons as vertices: filled triangles and outline segments. */
export interface HexMesh {
  fill: Float32Array;
  outline: Float32Array;
  /** The hexagons drawn (cells of a significant class). */
  cells: number;
}

/**
 * Web mercator of a longitude and latitude, as MapLibre projects them: [0, 0] the world's top
 * left, [1, 1] its bottom right.
 */
export function mercator(lon: number, lat: number): [number, number] {
  const { x, y } = MercatorCoordinate.fromLngLat([lon, lat]);
  return [x, y];
}

/** `#rrggbb` and an opacity as premultiplied RGBA in 0..1. */
export function premultiplied(hex: string, alpha: number): [number, number, number, number] {
  const v = Number.parseInt(hex.slice(1), 16);
  return [(((v >> 16) & 255) / 255) * alpha, (((v >> 8) & 255) / 255) * alpha, ((v & 255) / 255) * alpha, alpha];
}

/**
 * The vertices of the hexagons of a hotspots GeoJSON: each outer ring of a cell of a
 * significant class as a fan of triangles (H3 cells are convex) and its edges as segments.
 * Cells of no known class (`not_significant`, anything else) and holes are left out.
 */
export function hexMesh(collection: FeatureCollection): HexMesh {
  const fill: number[] = [];
  const outline: number[] = [];
  const line = premultiplied(HOTSPOT_OUTLINE.color, HOTSPOT_OUTLINE.opacity);
  let cells = 0;
  for (const f of collection.features) {
    const cls = f.properties?.["class"];
    const hex = typeof cls === "string" ? HOTSPOT_COLORS[cls] : undefined;
    if (!hex) continue;
    const rings: Position[][] = f.geometry?.type === "Polygon" ? [f.geometry.coordinates[0] ?? []] : f.geometry?.type === "MultiPolygon" ? f.geometry.coordinates.map((p) => p[0] ?? []) : [];
    const color = premultiplied(hex, HOTSPOT_FILL_OPACITY);
    let drawn = false;
    for (const ring of rings) {
      const points = ring.map(([lon, lat]) => mercator(lon ?? 0, lat ?? 0));
      const last = points[points.length - 1];
      if (points.length > 1 && last && points[0] && last[0] === points[0][0] && last[1] === points[0][1]) points.pop();
      if (points.length < 3) continue;
      drawn = true;
      const first = points[0]!;
      for (let i = 1; i + 1 < points.length; i++) fill.push(...first, ...color, ...points[i]!, ...color, ...points[i + 1]!, ...color);
      for (let i = 0; i < points.length; i++) outline.push(...points[i]!, ...line, ...points[(i + 1) % points.length]!, ...line);
    }
    if (drawn) cells += 1;
  }
  return { fill: new Float32Array(fill), outline: new Float32Array(outline), cells };
}

const VERTEX_SHADER = `
uniform mat4 u_matrix;
attribute vec2 a_pos;
attribute vec4 a_color;
varying vec4 v_color;
void main() {
  gl_Position = u_matrix * vec4(a_pos, 0.0, 1.0);
  v_color = a_color;
}`;

const FRAGMENT_SHADER = `
precision mediump float;
varying vec4 v_color;
void main() {
  gl_FragColor = v_color;
}`;

type GL = WebGLRenderingContext | WebGL2RenderingContext;

function compile(gl: GL, type: number, source: string): WebGLShader {
  const shader = gl.createShader(type);
  if (!shader) throw new Error("горячие точки: шейдер не создан");
  gl.shaderSource(shader, source);
  gl.compileShader(shader);
  if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS)) throw new Error(`горячие точки: шейдер не компилируется: ${gl.getShaderInfoLog(shader) ?? ""}`);
  return shader;
}

/** The hexagons as a MapLibre custom layer, id `hotspots`; `setData` replaces them. */
export class HotspotsLayer implements CustomLayerInterface {
  readonly id = "hotspots";
  readonly type = "custom" as const;
  readonly renderingMode = "2d" as const;
  private map: MapLibreMap | null = null;
  private program: WebGLProgram | null = null;
  private fillBuffer: WebGLBuffer | null = null;
  private outlineBuffer: WebGLBuffer | null = null;
  private mesh: HexMesh = { fill: new Float32Array(), outline: new Float32Array(), cells: 0 };
  private uploaded = false;
  private location = { matrix: null as WebGLUniformLocation | null, pos: -1, color: -1 };

  /** Replaces the hexagons; the map draws them in its next frame. Returns how many there are. */
  setData(collection: FeatureCollection): number {
    this.mesh = hexMesh(collection);
    this.uploaded = false;
    this.map?.triggerRepaint();
    return this.mesh.cells;
  }

  onAdd(map: MapLibreMap, gl: GL): void {
    this.map = map;
    const program = gl.createProgram();
    if (!program) throw new Error("горячие точки: программа не создана");
    gl.attachShader(program, compile(gl, gl.VERTEX_SHADER, VERTEX_SHADER));
    gl.attachShader(program, compile(gl, gl.FRAGMENT_SHADER, FRAGMENT_SHADER));
    gl.linkProgram(program);
    if (!gl.getProgramParameter(program, gl.LINK_STATUS)) throw new Error(`горячие точки: программа не собирается: ${gl.getProgramInfoLog(program) ?? ""}`);
    this.program = program;
    this.location = { matrix: gl.getUniformLocation(program, "u_matrix"), pos: gl.getAttribLocation(program, "a_pos"), color: gl.getAttribLocation(program, "a_color") };
    this.fillBuffer = gl.createBuffer();
    this.outlineBuffer = gl.createBuffer();
    this.uploaded = false;
  }

  onRemove(_map: MapLibreMap, gl: GL): void {
    if (this.program) gl.deleteProgram(this.program);
    if (this.fillBuffer) gl.deleteBuffer(this.fillBuffer);
    if (this.outlineBuffer) gl.deleteBuffer(this.outlineBuffer);
    this.program = this.fillBuffer = this.outlineBuffer = null;
    this.map = null;
  }

  render(gl: GL, options: CustomRenderMethodInput): void {
    const { program, fillBuffer, outlineBuffer } = this;
    if (!program || !fillBuffer || !outlineBuffer || this.mesh.cells === 0) return;
    // MapLibre may leave one of its vertex arrays bound: the attributes below must not change it.
    if ("bindVertexArray" in gl) gl.bindVertexArray(null);
    else gl.getExtension("OES_vertex_array_object")?.bindVertexArrayOES(null);
    if (!this.uploaded) {
      gl.bindBuffer(gl.ARRAY_BUFFER, fillBuffer);
      gl.bufferData(gl.ARRAY_BUFFER, this.mesh.fill, gl.STATIC_DRAW);
      gl.bindBuffer(gl.ARRAY_BUFFER, outlineBuffer);
      gl.bufferData(gl.ARRAY_BUFFER, this.mesh.outline, gl.STATIC_DRAW);
      this.uploaded = true;
    }
    gl.useProgram(program);
    gl.uniformMatrix4fv(this.location.matrix, false, new Float32Array(options.defaultProjectionData.mainMatrix));
    gl.disable(gl.DEPTH_TEST);
    gl.disable(gl.STENCIL_TEST);
    gl.disable(gl.CULL_FACE);
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
    const stride = VERTEX_FLOATS * 4;
    const draw = (buffer: WebGLBuffer, vertices: Float32Array, mode: number) => {
      gl.bindBuffer(gl.ARRAY_BUFFER, buffer);
      gl.enableVertexAttribArray(this.location.pos);
      gl.vertexAttribPointer(this.location.pos, 2, gl.FLOAT, false, stride, 0);
      gl.enableVertexAttribArray(this.location.color);
      gl.vertexAttribPointer(this.location.color, 4, gl.FLOAT, false, stride, 8);
      gl.drawArrays(mode, 0, vertices.length / VERTEX_FLOATS);
    };
    draw(fillBuffer, this.mesh.fill, gl.TRIANGLES);
    draw(outlineBuffer, this.mesh.outline, gl.LINES);
    gl.disableVertexAttribArray(this.location.pos);
    gl.disableVertexAttribArray(this.location.color);
  }
}
