// The backend's data types as the rest of the UI sees them.
// They are re-exported from the generated bindings so that no other module imports
// `./bindings` directly (see index.ts for the rule).
export type {
  AlertRow,
  AppMode,
  AreaMetric,
  KpiTile,
  OverdueItem,
  OverdueReport,
  ProblemRow,
  RatingRow,
  RoomFilter,
  RoomScreen,
  SyncStatus,
  ApiError,
  ErrorCode as ApiErrorCode,
  CountBy,
  MapBase,
  MunicipalityMetric,
  Overview,
  Period,
  Stats,
  Town,
} from "./bindings";
