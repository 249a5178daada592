// The interface through which the whole UI talks to its data.
import type { MapBase, Overview, Period } from "./types";

/**
 * What the UI may ask of the backend. Every method throws a `BackendError` when the backend
 * answers with an error; any other exception is a bug (or a broken IPC channel).
 */
export interface Backend {
  /** The static map data: boundaries, outline, the Volga, towns, attribution. */
  mapBase(): Promise<MapBase>;
  /** Statistics for a period; `null` means the whole data range. The answer's `period` is the effective one. */
  overview(period: Period | null): Promise<Overview>;
}
