// The situation room's panels: KPI tiles against the previous period, the top problems by
// priority, the agencies' rating with intervals and "not enough data", and the alerts feed.
// Renders what it is given; never calls the backend. Nothing here names a person.
import type { Charts, KpiTile, OverdueReport, RatingRow, RoomScreen } from "../backend";
import { chartsShown, repliesAlt, svgDataUrl, timelineAlt } from "../view/charts";
import { overdueLine } from "../view/overdue";
import { formatDecimal, formatInt } from "../view/format";
import { formatTileValue, tileChange } from "../view/room";
import { METRICS, type Metric } from "../view/metrics";
import { h } from "./dom";

/** What the room's panels report back; the wall passes none of the drill-down's. */
export interface RoomHandlers {
  /** The user chose what colours the map. */
  onMetric?: (metric: Metric) => void;
  /** A problem was chosen (the drill-down). */
  onProblem?: (id: string, label: string) => void;
  /** An appeal of the overdue list was chosen (its case view). */
  onAppeal?: (id: string, label: string) => void;
}

/** Makes an element act as a button (click, Enter or Space). */
function choosable(el: HTMLElement, label: string, action: () => void): void {
  el.classList.add("is-clickable");
  el.tabIndex = 0;
  el.setAttribute("role", "button");
  el.setAttribute("aria-label", label);
  el.addEventListener("click", action);
  el.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      action();
    }
  });
}

export class RoomPanel {
  private switcher: HTMLElement | null = null;
  /** Whether problems and appeals may be chosen (not on the wall). */
  drillable = true;

  constructor(
    private readonly root: HTMLElement,
    private readonly handlers: RoomHandlers = {},
  ) {
    root.classList.add("room");
  }

  /** Shows one view; `title` names the scene (the wall's playlist) or the filter; `metric` (not on the wall) adds the map's metric switcher. */
  show(room: RoomScreen, title: string | null, metric: Metric | null = null): void {
    this.switcher = metric ? this.metricSwitcher(metric) : null;
    this.root.replaceChildren(
      h("header", { class: "room__header" }, title && h("h2", { class: "room__scene", "data-testid": "scene-title" }, title), h("p", { class: "room__period", "data-testid": "room-period" }, room.period_ru)),
      this.switcher ?? "",
      tiles(room.tiles),
      problems(room, this.drillable ? this.handlers.onProblem : undefined),
      rating("Рейтинг ИОГВ", "agencies", room.agencies),
      alerts(room),
      feed(room, this.drillable ? this.handlers.onAppeal : undefined),
    );
  }

  /** Marks the chosen metric in the switcher. */
  setMetric(metric: Metric): void {
    for (const b of this.switcher?.querySelectorAll<HTMLButtonElement>("button") ?? []) {
      const active = b.dataset.metric === metric.id;
      b.classList.toggle("is-active", active);
      b.setAttribute("aria-pressed", String(active));
    }
  }

  private metricSwitcher(current: Metric): HTMLElement {
    const group = h("div", { class: "metric-switch", role: "group", "aria-label": "Что показывает карта", "data-testid": "metric-switch" });
    for (const m of METRICS) {
      const button = h("button", { type: "button", class: "chip", "data-metric": m.id, "aria-pressed": String(m.id === current.id) }, m.label_ru);
      button.classList.toggle("is-active", m.id === current.id);
      button.addEventListener("click", () => this.handlers.onMetric?.(m));
      group.append(button);
    }
    return group;
  }

  /** Shows the overdue and at-risk list below the figures (laptop and meeting). */
  showOverdue(report: OverdueReport): void {
    this.root.querySelector("[data-testid=room-overdue]")?.remove();
    const list = h("ul", { class: "overdue" });
    for (const item of report.items) {
      const line = overdueLine(item);
      const li = h("li", { class: `overdue__item${line.overdue ? " is-late" : ""}`, "data-testid": "overdue-item", "data-appeal": item.appeal_id }, h("strong", {}, line.title), h("span", {}, line.detail));
      const onAppeal = this.drillable ? this.handlers.onAppeal : undefined;
      if (onAppeal) choosable(li, `Открыть обращение ${line.title}`, () => onAppeal(item.appeal_id, line.title));
      list.append(li);
    }
    if (report.items.length === 0) list.append(h("li", { class: "muted" }, "Нарушений сроков нет"));
    const section = h(
      "section",
      { class: "table-section", "data-testid": "room-overdue", "data-overdue": report.overdue, "data-at-risk": report.at_risk },
      h("h2", {}, "Сроки: просрочено и под угрозой"),
      h("p", { class: "muted" }, `Открыто ${formatInt(report.open)}: просрочено ${formatInt(report.overdue)}, под угрозой ${formatInt(report.at_risk)}`),
      list,
    );
    const alerts = this.root.querySelector("[data-testid=room-alerts]");
    if (alerts) alerts.before(section);
    else this.root.append(section);
  }

  /**
   * Shows the charts below the tiles (the wall only the timeline): SVG drawn in Rust, shown
   * as images (see `svgDataUrl`), each with its figures as the text alternative.
   */
  showCharts(charts: Charts, mode: string): void {
    this.root.querySelector("[data-testid=room-charts]")?.remove();
    const shown = chartsShown(mode);
    const figure = (id: string, heading: string, svg: string, alt: string) =>
      h("figure", { class: "chart", "data-testid": `chart-${id}` }, h("h2", {}, heading), h("img", { class: "chart__image", src: svgDataUrl(svg), alt, width: "420", height: "240" }));
    const section = h(
      "section",
      { class: "table-section charts", "data-testid": "room-charts" },
      shown.timeline && figure("timeline", "Динамика обращений", charts.timeline_svg, timelineAlt(charts)),
      shown.replies && figure("replies", "Сроки ответов", charts.replies_svg, repliesAlt(charts)),
    );
    const tiles = this.root.querySelector(".tiles");
    if (tiles) tiles.after(section);
    else this.root.append(section);
  }

  showError(message: string): void {
    this.root.replaceChildren(h("div", { class: "state state--error", role: "alert", "data-testid": "room-error" }, message));
  }
}

function tiles(list: readonly KpiTile[]): HTMLElement {
  return h(
    "section",
    { class: "tiles", "aria-label": "Ключевые показатели" },
    ...list.map((t) => {
      const change = tileChange(t);
      const tone = change.good === null ? "flat" : change.good ? "good" : "bad";
      return h(
        "div",
        { class: `tile tile--${tone}`, "data-testid": `tile-${t.id}`, "data-value": t.value ?? "" },
        h("div", { class: "tile__label" }, t.label_ru),
        h("div", { class: "tile__value" }, formatTileValue(t)),
        h("div", { class: `tile__change tile__change--${change.direction}`, title: "к предыдущему периоду такой же длины" }, change.text),
      );
    }),
  );
}

function problems(room: RoomScreen, onProblem?: (id: string, label: string) => void): HTMLElement {
  const body = h("ol", { class: "problems" });
  for (const p of room.problems) {
    const topic = p.topic_ru ?? "Без темы";
    const li = h(
      "li",
      { class: "problem", "data-testid": `problem-${p.problem_id}`, "data-problem": p.problem_id },
      h("span", { class: "problem__topic" }, topic),
      h("span", { class: "problem__where" }, p.municipalities_ru.join(", ")),
      h("span", { class: "problem__count", title: `за прошлый период: ${formatInt(p.previous)}` }, `${formatInt(p.appeals)} обр.`),
    );
    if (onProblem) choosable(li, `Обращения проблемы «${topic}»`, () => onProblem(p.problem_id, topic));
    body.append(li);
  }
  // No problems: a line of text, not a numbered item of the list.
  const content = room.problems.length === 0 ? h("p", { class: "muted", "data-testid": "room-problems-empty" }, "Проблем за период нет") : body;
  return h("section", { class: "table-section", "data-testid": "room-problems" }, h("h2", {}, "Главные проблемы"), content);
}

function rating(title: string, kind: string, rows: readonly RatingRow[]): HTMLElement {
  const ranked = rows.filter((r) => r.rank !== null).sort((a, b) => (a.rank ?? 0) - (b.rank ?? 0));
  const thin = rows.filter((r) => !r.enough_data);
  const body = h("tbody");
  for (const r of ranked.slice(0, 8)) {
    body.append(
      h(
        "tr",
        { "data-testid": `${kind}-rank-${r.id}`, "data-value": r.score ?? "" },
        h("td", { class: "num rank" }, String(r.rank)),
        h("td", { class: "name", title: r.name_ru }, r.name_ru),
        h("td", { class: "num" }, r.score === null ? "—" : formatDecimal(r.score, 1)),
        h("td", { class: "num interval" }, r.lo !== null && r.hi !== null ? `${formatDecimal(r.lo, 0)}–${formatDecimal(r.hi, 0)}` : ""),
      ),
    );
  }
  return h(
    "section",
    { class: "table-section", "data-testid": `room-${kind}` },
    h("h2", {}, title),
    h("table", { class: "data-table" }, h("thead", {}, h("tr", {}, h("th", { class: "num" }, "№"), h("th", {}, "Кто"), h("th", { class: "num" }, "Балл"), h("th", { class: "num" }, "95 %"))), body),
    thin.length > 0 && h("p", { class: "muted" }, `Недостаточно данных для оценки: ${thin.map((r) => r.name_ru).join(", ")}`),
  );
}

function feed(room: RoomScreen, onAppeal?: (id: string, label: string) => void): HTMLElement {
  const list = h("ol", { class: "feed" });
  for (const item of room.feed) {
    const li = h(
      "li",
      { class: `feed__item feed__item--${item.kind}${item.overdue ? " is-late" : ""}`, "data-testid": "feed-item", "data-kind": item.kind },
      h("span", { class: "feed__at" }, item.at),
      h("span", {}, item.text_ru),
    );
    const id = item.appeal_id;
    if (id && onAppeal) choosable(li, `Открыть обращение: ${item.text_ru}`, () => onAppeal(id, item.text_ru.split(" · ")[0] ?? "обращение"));
    list.append(li);
  }
  if (room.feed.length === 0) list.append(h("li", { class: "muted" }, "Новых обращений нет"));
  return h("section", { class: "table-section", "data-testid": "room-feed" }, h("h2", {}, "Лента: новые обращения и сигналы"), list);
}

function alerts(room: RoomScreen): HTMLElement {
  const list = h("ul", { class: "alerts" });
  for (const a of room.alerts) {
    list.append(h("li", { class: "alert", "data-testid": "alert" }, h("strong", {}, `${a.municipality_ru}: ${a.topic_ru}`), h("span", {}, ` — ${a.raised_ru}, ${formatInt(a.observed)} обр. при ожидаемых ${formatDecimal(a.expected, 1)}`)));
  }
  if (room.alerts.length === 0) list.append(h("li", { class: "muted" }, "Сигналов раннего предупреждения нет"));
  return h("section", { class: "table-section", "data-testid": "room-alerts" }, h("h2", {}, "Сигналы"), list);
}
