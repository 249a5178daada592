// The room's charts as the panel shows them: the SVG drawn by Rust (tsur-charts) turned into
// an image address, and a text alternative from the figures that came with it. Pure, no DOM.
import type { Charts } from "../backend";
import { formatInt } from "./format";

/**
 * An SVG as a `data:` address for an `<img>`. An image's SVG runs no script and loads
 * nothing, and never becomes part of the page, so even a chart that somehow carried markup
 * could not act on the window; the content security policy already allows `data:` images.
 * Every reserved character is percent-encoded (a raw `#` would end the address).
 */
export function svgDataUrl(svg: string): string {
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
}

/** The text alternative of the timeline: the period, the appeals and the incidents. */
export function timelineAlt(c: Pick<Charts, "period_ru" | "appeals" | "incidents">): string {
  const incidents = c.incidents > 0 ? `сигналов раннего предупреждения ${formatInt(c.incidents)}` : "сигналов раннего предупреждения нет";
  return `Обращения по дням за ${c.period_ru}: всего ${formatInt(c.appeals)}; ${incidents}`;
}

/** The text alternative of the reply chart: answers on time, late, and overdue without one. */
export function repliesAlt(c: Pick<Charts, "period_ru" | "answers_on_time" | "answers_late" | "unanswered_overdue">): string {
  const answered = c.answers_on_time + c.answers_late;
  if (answered + c.unanswered_overdue === 0) return `Сроки ответов за ${c.period_ru}: ответов нет`;
  // Unanswered past the deadline count as late, as on the «Ответы в срок» tile and the chart.
  const due = answered + c.unanswered_overdue;
  const share = `, в срок ${Math.round((c.answers_on_time * 1000) / due) / 10}\u00a0%`.replace(".", ",");
  return (
    `Сроки ответов за ${c.period_ru}: ответов ${formatInt(answered)}${share}, ` +
    `с опозданием ${formatInt(c.answers_late)}; без ответа после срока ${formatInt(c.unanswered_overdue)}`
  );
}

/** Which of the charts a mode shows: the wall only the timeline (its scenes are short and it has the deadlines' own scene). */
export function chartsShown(mode: string): { timeline: boolean; replies: boolean } {
  return { timeline: true, replies: mode !== "wall" };
}
