// The chosen period survives a restart: it is kept in localStorage (per web-view profile).
import type { Period } from "../backend";
import { isIsoDate } from "./dates";

export const PERIOD_STORAGE_KEY = "tsur.period.v1";

/** What is stored: a fixed period, or "all" for the whole data range. */
export type StoredPeriod = Period | null;

/** The minimal part of `Storage` used here (so tests can pass a Map-backed fake). */
export type KeyValueStore = Pick<Storage, "getItem" | "setItem" | "removeItem">;

/** The stored period; `null` (whole range) when nothing valid is stored. Never throws. */
export function loadPeriod(store: KeyValueStore | null): StoredPeriod {
  try {
    const text = store?.getItem(PERIOD_STORAGE_KEY);
    if (!text) return null;
    const value: unknown = JSON.parse(text);
    if (value === "all") return null;
    if (typeof value === "object" && value !== null) {
      const { from, to } = value as Record<string, unknown>;
      if (typeof from === "string" && typeof to === "string" && isIsoDate(from) && isIsoDate(to) && from <= to) {
        return { from, to };
      }
    }
  } catch {
    // Unreadable storage or text: fall back to the whole range.
  }
  return null;
}

/** Stores the period (`null` = the whole range). Never throws (a full or disabled storage is ignored). */
export function savePeriod(store: KeyValueStore | null, period: StoredPeriod): void {
  try {
    store?.setItem(PERIOD_STORAGE_KEY, JSON.stringify(period ?? "all"));
  } catch {
    // Private mode or quota: the period simply does not persist.
  }
}

/** The browser's localStorage, or null where it is not available. */
export function browserStorage(): KeyValueStore | null {
  try {
    return typeof localStorage === "undefined" ? null : localStorage;
  } catch {
    return null;
  }
}
