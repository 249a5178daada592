// Numbers the Russian way: digit groups split by a no-break space, comma as the decimal mark.
// Done by hand rather than with Intl, whose group separator (U+00A0 or U+202F) depends on
// the ICU version of the web view; the wall display and the tests must see the same text.

/** The separator between digit groups: U+00A0 NO-BREAK SPACE (a number never wraps). */
export const GROUP_SEPARATOR = "\u00a0";
const MINUS = "\u2212";

function groupDigits(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, GROUP_SEPARATOR);
}

/** An integer: 12345 → "12 345". Non-integers are rounded first. */
export function formatInt(value: number): string {
  if (!Number.isFinite(value)) return "—";
  const rounded = Math.round(value);
  const text = groupDigits(String(Math.abs(rounded)));
  return rounded < 0 ? MINUS + text : text;
}

/** A decimal with a fixed number of fraction digits: 1234.56 → "1 234,6". */
export function formatDecimal(value: number, fractionDigits = 1): string {
  if (!Number.isFinite(value)) return "—";
  const fixed = Math.abs(value).toFixed(fractionDigits);
  const [intPart = "0", fracPart] = fixed.split(".");
  const text = groupDigits(intPart) + (fracPart ? "," + fracPart : "");
  const isZero = Number(fixed) === 0;
  return value < 0 && !isZero ? MINUS + text : text;
}

/** A range of two decimals, joined by an en dash without spaces: "12,4–18,0". */
export function formatRange(from: number, to: number, fractionDigits = 1): string {
  return `${formatDecimal(from, fractionDigits)}–${formatDecimal(to, fractionDigits)}`;
}

/** A share as a percentage with one decimal: (1, 3) → "33,3 %"; 0 of 0 is "0,0 %". */
export function formatShare(part: number, whole: number): string {
  const share = whole > 0 ? (part * 100) / whole : 0;
  return `${formatDecimal(share, 1)}${GROUP_SEPARATOR}%`;
}

/**
 * The Russian plural form for a count: `plural(5, ["обращение", "обращения", "обращений"])`.
 * The forms are for 1, 2–4 and 5–20 (and the same pattern for every ten beyond).
 */
export function plural(count: number, forms: readonly [one: string, few: string, many: string]): string {
  const n = Math.abs(Math.trunc(count)) % 100;
  const n10 = n % 10;
  if (n >= 11 && n <= 14) return forms[2];
  if (n10 === 1) return forms[0];
  if (n10 >= 2 && n10 <= 4) return forms[1];
  return forms[2];
}

/** Short form of a municipality name for the map: "Ахтубинский район" → "Ахтубинский р-н". */
export function shortMunicipalityName(name: string): string {
  return name.replace(/\s+район$/u, " р-н");
}
