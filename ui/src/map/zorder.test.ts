import { describe, expect, it } from "vitest";
import { beforeId, isLayerId, LAYER_ORDER, layerIndex } from "./zorder";

describe("zorder", () => {
  it("has no duplicate ids", () => {
    expect(new Set(LAYER_ORDER).size).toBe(LAYER_ORDER.length);
  });

  it.each(LAYER_ORDER.map((id, i) => [id, i] as const))("layerIndex(%s) = %i", (id, i) => {
    expect(layerIndex(id)).toBe(i);
    expect(isLayerId(id)).toBe(true);
  });

  it.each(["", "municipality-fill", "labels", "Background"])("throws on the unknown id %j", (id) => {
    expect(() => layerIndex(id)).toThrow(/unknown map layer id/);
    expect(() => beforeId(id, LAYER_ORDER)).toThrow(/unknown map layer id/);
    expect(isLayerId(id)).toBe(false);
  });

  it.each<[string, string[], string | undefined]>([
    ["background", [...LAYER_ORDER], "municipalities-fill"],
    ["alerts", [...LAYER_ORDER], undefined],
    ["towns", [...LAYER_ORDER], "alerts"],
    ["volga", ["background", "municipalities-fill", "oblast-outline"], "oblast-outline"],
    ["municipalities-fill", ["background"], undefined],
    ["municipalities-line", ["towns", "volga"], "towns"],
  ])("beforeId(%s, %j) = %s", (id, present, expected) => {
    expect(beforeId(id, present)).toBe(expected);
  });
});
