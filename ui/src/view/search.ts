// The text search's drawer: what its heading and its line of stems say. Pure, no DOM.
import { formatInt } from "./format";

/** What a search found, as far as the heading needs it. */
export interface SearchSummary {
  query: string;
  stems: readonly string[];
  total: number;
  shown: number;
}

/** «Поиск: «прорвало трубу» — найдено 123, показаны 50 новых» (or one of its shorter forms). */
export function searchHeading(s: SearchSummary): string {
  const head = `Поиск: «${s.query}»`;
  if (s.total === 0) return `${head} — ничего не найдено`;
  if (s.shown < s.total) return `${head} — найдено ${formatInt(s.total)}, показаны ${formatInt(s.shown)} новых`;
  return `${head} — найдено ${formatInt(s.total)}`;
}

/** Which word beginnings were searched for, each as «труб…»; empty for no stems. */
export function stemsLine(stems: readonly string[]): string {
  if (stems.length === 0) return "";
  const list = stems.map((s) => `«${s}…»`).join(", ");
  return `${stems.length === 1 ? "Искали слова, начинающиеся с" : "Искали обращения, где есть все слова, начинающиеся с"} ${list} — в любой форме, в тексте и адресе`;
}
