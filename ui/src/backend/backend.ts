// The interface through which the whole UI talks to its data.
import type { AppMode, CaseView, Charts, MapBase, OverdueReport, Overview, Period, ProblemAppeals, RoomFilter, RoomScreen, SearchResult, SyncStatus } from "./types";

/**
 * What the UI may ask of the backend. Every method throws a `BackendError` when the backend
 * answers with an error; any other exception is a bug (or a broken IPC channel).
 */
export interface Backend {
  /** The static map data: boundaries, outline, the Volga, towns, attribution. */
  mapBase(): Promise<MapBase>;
  /** Statistics for a period; `null` means the whole data range. The answer's `period` is the effective one. */
  overview(period: Period | null): Promise<Overview>;
  /** How the window is used: laptop, wall or meeting. */
  appMode(): Promise<AppMode>;
  /** One view of the situation room for a filter (tiles, areas, ratings, problems, alerts, hotspots). */
  room(filter: RoomFilter): Promise<RoomScreen>;
  /** The room's charts for a filter as SVG (appeals over time with incidents, reply times against the deadline); `dark` for the wall. */
  charts(filter: RoomFilter, dark: boolean): Promise<Charts>;
  /** Open appeals overdue or at risk now for the filter's block and municipality: all counts, the first `limit` items. */
  overdue(filter: RoomFilter, limit: number): Promise<OverdueReport>;
  /** Where the sync with the central database stands. */
  syncStatus(): Promise<SyncStatus>;
  /** The case view of an appeal by its id (refused on the wall). */
  caseView(id: string): Promise<CaseView>;
  /** The newest `limit` appeals of a problem (refused on the wall). */
  problemAppeals(id: string, limit: number): Promise<ProblemAppeals>;
  /**
   * The newest `limit` appeals whose text or address holds every word of `query` (as word
   * beginnings, in any form), with how many match in all. Refused where personal data may
   * not be seen (the wall, the meeting) and for a query without words.
   */
  searchAppeals(query: string, limit: number): Promise<SearchResult>;
}
