// The UI's only door to the backend.
//
// **Architecture Invariant:** this folder is the only place that imports `@tauri-apps/*` or
// `./bindings` (guarded by `src/architecture.test.ts`). Everything else sees the `Backend`
// interface, so the whole UI also runs in a plain browser and in tests against `mockBackend`.
import type { Backend } from "./backend";
import { tauriBackend } from "./tauri";
import { createMockBackend } from "./mock";

export type { Backend } from "./backend";
export { BackendError } from "./error";
export { tauriBackend } from "./tauri";
export { createMockBackend, mockAppealId, mockBackend, mockProblemId, type MockScenario } from "./mock";
export type * from "./types";

/** Which backend the running UI talks to. */
export type BackendKind = "tauri" | "mock";

/** True inside the Tauri web view (the IPC bridge is injected before any script runs). */
export function inTauri(win: object = window): boolean {
  return "__TAURI_INTERNALS__" in win;
}

/**
 * Tauri when running inside the shell, else the mock (for `npm run dev` in a browser).
 * In the browser, `?mock=empty` or `?mock=error` picks a failure scenario to look at.
 */
export function pickBackend(): { backend: Backend; kind: BackendKind } {
  if (inTauri()) return { backend: tauriBackend, kind: "tauri" };
  const params = new URLSearchParams(window.location.search);
  const scenario = params.get("mock");
  const mode = params.get("mode");
  return {
    backend: createMockBackend({
      delayMs: 250,
      mode: { mode: mode === "wall" || mode === "meeting" ? mode : "laptop", block: params.get("block"), scene_seconds: 10 },
      scenario: scenario === "empty" || scenario === "error" ? scenario : "normal",
    }),
    kind: "mock",
  };
}
