// The frames MapLibre draws before the map is loaded, spaced out.
//
// While its sources load, MapLibre draws a frame for every tile that comes back from its worker
// (each one dirties the sources and asks for a repaint). On two cores without a GPU each of those
// frames is 50–100 ms of the main thread and of the software rasteriser's threads, taken from the
// worker that is cutting the next tiles. Where WebKit paints the page itself (no DMA-BUF
// renderer, the setting without a GPU: rendering.rs) an animation frame comes every few
// milliseconds, so the map drew some twenty partial frames before its first complete one,
// which came 1.5–1.75 s after the map was made; with the frames spaced, three frames and
// 0.8–0.95 s (docs/benchmarks.md). Until the
// `load` event, frames are therefore asked for at most once per LOADING_FRAME_GAP_MS: the first
// at once (it asks the worker for the tiles), the next ones gathered at the end of the gap.

/** The least time between two of the map's frames before it is loaded. */
export const LOADING_FRAME_GAP_MS = 150;

/** What the spacing needs of a MapLibre map. */
export interface RepaintingMap {
  triggerRepaint(): void;
  once(type: "load", listener: () => void): unknown;
}

/**
 * Spaces out `map`'s frames until its `load` event, then gives it back its own `triggerRepaint`.
 * MapLibre asks for its frames through the map's `triggerRepaint`, so the instance's method is
 * replaced for that time; a MapLibre that stopped doing so would only draw as before.
 */
export function spaceFramesUntilLoaded(map: RepaintingMap, gapMs = LOADING_FRAME_GAP_MS, now: () => number = () => performance.now()): void {
  const repaint = map.triggerRepaint.bind(map);
  let last = Number.NEGATIVE_INFINITY;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const ask = () => {
    last = now();
    repaint();
  };
  map.triggerRepaint = () => {
    if (timer !== null) return;
    const wait = last + gapMs - now();
    if (wait <= 0) {
      ask();
      return;
    }
    timer = setTimeout(() => {
      timer = null;
      ask();
    }, wait);
  };
  map.once("load", () => {
    // The prototype's method again; a frame already asked for still comes (one more frame).
    Reflect.deleteProperty(map, "triggerRepaint");
  });
}
