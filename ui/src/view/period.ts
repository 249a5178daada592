// Periods as the user picks them: presets relative to the data's last day, validation of the
// two date inputs, and the text that describes a period.
import type { Period } from "../backend";
import { addDays, dayNumber, formatDateRu, parseDateRu } from "./dates";
import { plural } from "./format";

/** The preset buttons, in display order. */
export type PresetId = "all" | "last30" | "last90" | "year";

export const PRESETS: readonly { id: PresetId; label: string }[] = [
  { id: "all", label: "Весь период" },
  { id: "last30", label: "Последние 30 дней" },
  { id: "last90", label: "Последние 90 дней" },
  { id: "year", label: "Текущий год" },
];

/**
 * The period a preset stands for, given the data's range: `null` for «Весь период» (the
 * backend then uses the whole range, however it grows); otherwise inclusive dates ending on
 * the data's last day. A preset never starts before the data: «Последние 90 дней» of a
 * 20-day store is those 20 days.
 */
export function presetPeriod(id: PresetId, dataRange: Period): Period | null {
  const last = dataRange.to;
  let from: string;
  switch (id) {
    case "all":
      return null;
    case "last30":
      from = addDays(last, -29);
      break;
    case "last90":
      from = addDays(last, -89);
      break;
    case "year":
      from = `${last.slice(0, 4)}-01-01`;
      break;
  }
  if (from < dataRange.from) from = dataRange.from;
  return { from, to: last };
}

/** Which preset (if any) the effective period matches. */
export function matchingPreset(effective: Period, dataRange: Period | null): PresetId | null {
  if (!dataRange) return null;
  for (const p of PRESETS) {
    const period = presetPeriod(p.id, dataRange) ?? dataRange;
    if (period.from === effective.from && period.to === effective.to) return p.id;
  }
  return null;
}

/** The period typed into the two date fields ("dd.mm.yyyy"), or the Russian reason it is not one. */
export function parsePeriodInputs(fromText: string, toText: string): { period: Period } | { problem: string } {
  const from = parseDateRu(fromText);
  const to = parseDateRu(toText);
  if (from === null) return { problem: "Дата начала периода: укажите дату в виде дд.мм.гггг" };
  if (to === null) return { problem: "Дата конца периода: укажите дату в виде дд.мм.гггг" };
  if (from > to) return { problem: "Начало периода позже его конца" };
  return { period: { from, to } };
}

/** "01.01.2025 — 31.03.2025 (90 дней)"-style text for a period. */
export function describePeriod(period: Period): string {
  const from = dayNumber(period.from);
  const to = dayNumber(period.to);
  const days = from !== null && to !== null ? to - from + 1 : null;
  const range = period.from === period.to ? formatDateRu(period.from) : `${formatDateRu(period.from)} — ${formatDateRu(period.to)}`;
  return days === null ? range : `${range} (${days} ${plural(days, ["день", "дня", "дней"])})`;
}

