// The sync status line: what a person needs to know about the central database at a glance.
import type { SyncStatus } from "../backend";
import { formatInstant } from "./dates";
import { formatInt } from "./format";

/** The line's text and tone; `null` when no central database is configured (nothing to say). */
export function syncLine(status: SyncStatus): { text: string; tone: "ok" | "waiting" | "offline" } | null {
  if (!status.configured) return null;
  const when = status.last_success ? formatInstant(status.last_success) : "ещё не было";
  // The backend counts the waiting events up to a limit: beyond it, "more than".
  const waiting = status.pending > 0 ? `; ждут отправки: ${status.pending_more ? "более " : ""}${formatInt(status.pending)}` : "";
  if (status.last_error) return { text: `Нет связи с центральной базой (последняя синхронизация: ${when}${waiting})`, tone: "offline" };
  return { text: `Синхронизировано: ${when}${waiting}`, tone: status.pending > 0 ? "waiting" : "ok" };
}
