import { beforeEach, describe, expect, it, vi } from "vitest";

// What the map asks of MapLibre before the first map is made, in order.
const calls: string[] = [];
vi.mock("maplibre-gl", () => ({
  default: {
    setWorkerCount: (n: number) => calls.push(`setWorkerCount(${n})`),
    prewarm: () => calls.push("prewarm"),
  },
}));

const { MAP_WORKERS, prewarmMap } = await import("./map-view");

describe("the map's workers", () => {
  beforeEach(() => {
    calls.length = 0;
  });

  it("are set to one before they are started (MapLibre would start one per core in WebKitGTK)", () => {
    prewarmMap();
    expect(MAP_WORKERS).toBe(1);
    expect(calls).toEqual(["setWorkerCount(1)", "prewarm"]);
  });
});
