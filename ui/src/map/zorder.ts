// The one list that fixes the drawing order of the map's layers, bottom first.
// Every layer of the style has an entry here, and nothing else may decide layer order:
// `style.ts` builds the layers in this order, and a layer added at run time asks `beforeId`.

/** Layer ids, bottom to top. */
export const LAYER_ORDER = [
  "background",
  "municipalities-fill",
  "hotspots",
  "volga",
  "municipalities-line",
  "municipalities-highlight",
  "oblast-outline",
  "towns",
  "alerts",
] as const;

export type LayerId = (typeof LAYER_ORDER)[number];

/** True when `id` is one of `LAYER_ORDER`. */
export function isLayerId(id: string): id is LayerId {
  return (LAYER_ORDER as readonly string[]).includes(id);
}

/** The position of a layer in the order. Throws on an id that is not in `LAYER_ORDER`. */
export function layerIndex(id: string): number {
  const i = (LAYER_ORDER as readonly string[]).indexOf(id);
  if (i < 0) throw new Error(`unknown map layer id "${id}": add it to LAYER_ORDER in map/zorder.ts`);
  return i;
}

/**
 * The `beforeId` argument for `map.addLayer(layer, beforeId)`: the lowest layer above `id`
 * that is already on the map (`present`), or `undefined` to put it on top.
 * Throws on an id that is not in `LAYER_ORDER`.
 */
export function beforeId(id: string, present: Iterable<string>): LayerId | undefined {
  const index = layerIndex(id);
  const have = new Set(present);
  return LAYER_ORDER.slice(index + 1).find((above) => have.has(above));
}
