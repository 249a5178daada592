import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { LOADING_FRAME_GAP_MS, spaceFramesUntilLoaded } from "./loading-frames";

/** A map as MapLibre's is: `triggerRepaint` on the prototype, called by its own code. */
class FakeMap {
  frames: number[] = [];
  private onLoad: (() => void) | null = null;
  triggerRepaint(): void {
    this.frames.push(Date.now());
  }
  once(_type: "load", listener: () => void): this {
    this.onLoad = listener;
    return this;
  }
  load(): void {
    this.onLoad?.();
  }
}

describe("the map's frames before it is loaded", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function spaced(): FakeMap {
    const map = new FakeMap();
    spaceFramesUntilLoaded(map, LOADING_FRAME_GAP_MS, () => Date.now());
    return map;
  }

  it("asks for the first frame at once: it sends the worker for the tiles", () => {
    const map = spaced();
    map.triggerRepaint();
    expect(map.frames).toEqual([1_000]);
  });

  it("gathers the frames asked for within the gap into one at its end", () => {
    const map = spaced();
    map.triggerRepaint();
    // Asked again 10, 40, 90 and 140 ms later.
    for (const step of [10, 30, 50, 50]) {
      vi.advanceTimersByTime(step);
      map.triggerRepaint();
    }
    expect(map.frames).toEqual([1_000]);
    vi.advanceTimersByTime(LOADING_FRAME_GAP_MS);
    expect(map.frames).toEqual([1_000, 1_000 + LOADING_FRAME_GAP_MS]);
    // Nothing was asked for since: no frame.
    vi.advanceTimersByTime(10 * LOADING_FRAME_GAP_MS);
    expect(map.frames).toHaveLength(2);
  });

  it("draws a frame asked for after a quiet gap at once", () => {
    const map = spaced();
    map.triggerRepaint();
    vi.advanceTimersByTime(2 * LOADING_FRAME_GAP_MS);
    map.triggerRepaint();
    expect(map.frames).toEqual([1_000, 1_000 + 2 * LOADING_FRAME_GAP_MS]);
  });

  it.each([1, 5, 50])("never draws more than one frame a gap, however often asked (every %i ms)", (every) => {
    const map = spaced();
    for (let t = 0; t < 2_000; t += every) {
      map.triggerRepaint();
      vi.advanceTimersByTime(every);
    }
    vi.runAllTimers();
    const gaps = map.frames.slice(1).map((f, i) => f - map.frames[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(LOADING_FRAME_GAP_MS);
    expect(map.frames.length).toBeGreaterThan(1);
  });

  it("gives the map its own frames back once it is loaded", () => {
    const map = spaced();
    map.triggerRepaint();
    map.load();
    expect(Object.prototype.hasOwnProperty.call(map, "triggerRepaint")).toBe(false);
    map.triggerRepaint();
    map.triggerRepaint();
    expect(map.frames).toEqual([1_000, 1_000, 1_000]);
  });
});
