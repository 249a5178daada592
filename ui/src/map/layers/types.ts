// Narrowed layer-spec types, so that each layer module states what kind of layer it makes.
import type { LayerSpecification } from "maplibre-gl";

export type BackgroundLayer = Extract<LayerSpecification, { type: "background" }>;
export type FillLayer = Extract<LayerSpecification, { type: "fill" }>;
export type LineLayer = Extract<LayerSpecification, { type: "line" }>;
export type CircleLayer = Extract<LayerSpecification, { type: "circle" }>;
