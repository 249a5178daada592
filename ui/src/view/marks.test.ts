import { describe, expect, it } from "vitest";
import { mark } from "./marks";

describe("mark", () => {
  it("keeps only the latest instant of a name", () => {
    mark("tsur:test");
    mark("tsur:test");
    mark("tsur:test");
    expect(performance.getEntriesByName("tsur:test", "mark")).toHaveLength(1);
  });

  it("keeps other names", () => {
    mark("tsur:a");
    mark("tsur:b");
    expect(performance.getEntriesByName("tsur:a", "mark")).toHaveLength(1);
    expect(performance.getEntriesByName("tsur:b", "mark")).toHaveLength(1);
  });
});
