// The sync status line: what a person needs to know about the central database at a glance.
import type { SyncStatus } from "../backend";

/** The line's text and tone; `null` when no central database is configured (nothing to say). */
export function syncLine(status: SyncStatus): { text: string; tone: "ok" | "waiting" | "offline" } | null {
  if (!status.configured) return null;
  const when = status.last_success ? formatInstant(status.last_success) : "ещё не было";
  const waiting = status.pending > 0 ? `; ждут отправки: ${status.pending}` : "";
  if (status.last_error) return { text: `Нет связи с центральной базой (последняя синхронизация: ${when}${waiting})`, tone: "offline" };
  return { text: `Синхронизировано: ${when}${waiting}`, tone: status.pending > 0 ? "waiting" : "ok" };
}

/** `dd.mm.yyyy HH:MM` in Europe/Astrakhan (UTC+4, no daylight saving) of an RFC 3339 instant. */
export function formatInstant(rfc3339: string): string {
  const t = Date.parse(rfc3339);
  if (Number.isNaN(t)) return rfc3339;
  const d = new Date(t + 4 * 3600 * 1000);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${p(d.getUTCDate())}.${p(d.getUTCMonth() + 1)}.${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`;
}
