import { beforeEach, describe, expect, it, vi } from "vitest";

// The Tauri IPC bridge, replaced: each test says what `invoke` answers.
const invoke = vi.fn();
vi.mock("@tauri-apps/api/core", () => ({ invoke: (...args: unknown[]) => invoke(...args) }));

const { tauriBackend, BackendError, inTauri } = await import("./index");

describe("tauriBackend", () => {
  beforeEach(() => invoke.mockReset());

  it("passes the period to the overview command and returns its data", async () => {
    invoke.mockResolvedValueOnce({ marker: 1 });
    await expect(tauriBackend.overview({ from: "2025-01-01", to: "2025-01-31" })).resolves.toEqual({ marker: 1 });
    expect(invoke).toHaveBeenCalledWith("overview", { period: { from: "2025-01-01", to: "2025-01-31" } });
  });

  it("sends null for the whole range", async () => {
    invoke.mockResolvedValueOnce({});
    await tauriBackend.overview(null);
    expect(invoke).toHaveBeenCalledWith("overview", { period: null });
  });

  it("asks for the room's charts with the filter and the theme", async () => {
    const filter = { period: "2026-03", municipality: null, block: "roads", channel: null, status: null };
    invoke.mockResolvedValueOnce({ timeline_svg: "<svg/>" });
    await expect(tauriBackend.charts(filter, true)).resolves.toEqual({ timeline_svg: "<svg/>" });
    expect(invoke).toHaveBeenCalledWith("charts", { filter, dark: true });
  });

  it("asks for a text search with the query and the limit", async () => {
    invoke.mockResolvedValueOnce({ query: "труба", stems: ["труб"], total: 0, appeals: [] });
    await expect(tauriBackend.searchAppeals("труба", 50)).resolves.toMatchObject({ total: 0 });
    expect(invoke).toHaveBeenCalledWith("search_appeals", { query: "труба", limit: 50 });
  });

  it("turns an ApiError into a thrown BackendError with its code and message", async () => {
    invoke.mockRejectedValueOnce({ code: "store_unavailable", message: "База недоступна" });
    const error = await tauriBackend.mapBase().catch((e: unknown) => e);
    expect(invoke).toHaveBeenCalledWith("map_base");
    expect(error).toBeInstanceOf(BackendError);
    expect(error).toMatchObject({ code: "store_unavailable", message: "База недоступна" });
  });

  it("lets a JavaScript Error through untouched (a bug, not an ApiError)", async () => {
    invoke.mockRejectedValueOnce(new TypeError("boom"));
    await expect(tauriBackend.overview(null)).rejects.toThrow(TypeError);
  });
});

describe("inTauri", () => {
  it.each([
    [{}, false],
    [{ __TAURI_INTERNALS__: {} }, true],
  ])("%j → %s", (win, expected) => {
    expect(inTauri(win)).toBe(expected);
  });
});
