// Calendar dates as the backend sends them: "YYYY-MM-DD" strings, local dates in
// Europe/Astrakhan. The arithmetic below works on the calendar only (no clock, no time zone):
// a day number is the count of days since 1970-01-01 in the proleptic Gregorian calendar.
// Instants (RFC 3339) are shown in Europe/Astrakhan time by `formatInstant`.

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;

/** The day number of an ISO date, or `null` if the text is not a real "YYYY-MM-DD" date. */
export function dayNumber(iso: string): number | null {
  const m = ISO_DATE.exec(iso);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  // Date.UTC rolls 2025-02-30 over to March; a real date survives the round trip.
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return null;
  return Math.round(ms / MS_PER_DAY);
}

/** The ISO date of a day number. */
export function isoFromDayNumber(day: number): string {
  const date = new Date(day * MS_PER_DAY);
  const y = String(date.getUTCFullYear()).padStart(4, "0");
  const m = String(date.getUTCMonth() + 1).padStart(2, "0");
  const d = String(date.getUTCDate()).padStart(2, "0");
  return `${y}-${m}-${d}`;
}

/** True for a real "YYYY-MM-DD" date. */
export function isIsoDate(text: string): boolean {
  return dayNumber(text) !== null;
}

/** `iso` shifted by `days` (may be negative). Throws on a malformed date. */
export function addDays(iso: string, days: number): string {
  const day = dayNumber(iso);
  if (day === null) throw new RangeError(`not a YYYY-MM-DD date: ${iso}`);
  return isoFromDayNumber(day + days);
}

/** "YYYY-MM-DD" → "dd.mm.yyyy" (the Russian way). Text that is not a date is returned as is. */
export function formatDateRu(iso: string): string {
  if (!isIsoDate(iso)) return iso;
  return `${iso.slice(8, 10)}.${iso.slice(5, 7)}.${iso.slice(0, 4)}`;
}

/**
 * "dd.mm.yyyy" typed by a person → "YYYY-MM-DD", or `null` if it is not a real date.
 * Single-digit day and month ("1.2.2025") and the ISO form itself are accepted too.
 */
export function parseDateRu(text: string): string | null {
  const trimmed = text.trim();
  if (isIsoDate(trimmed)) return trimmed;
  const m = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(trimmed);
  if (!m) return null;
  const iso = `${m[3]}-${m[2]!.padStart(2, "0")}-${m[1]!.padStart(2, "0")}`;
  return isIsoDate(iso) ? iso : null;
}

/** `dd.mm.yyyy HH:MM` in Europe/Astrakhan (UTC+4, no daylight saving) of an RFC 3339 instant. */
export function formatInstant(rfc3339: string): string {
  const t = Date.parse(rfc3339);
  if (Number.isNaN(t)) return rfc3339;
  const d = new Date(t + 4 * 3600 * 1000);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${p(d.getUTCDate())}.${p(d.getUTCMonth() + 1)}.${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`;
}
