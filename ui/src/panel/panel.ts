// The side panel: the period picker, the key figures and the tables of one overview.
// It renders what it is given and reports the user's choices; it never calls the backend.
import type { CountBy, Overview, Period } from "../backend";
import { binIndex, colorFor, type Classes } from "../view/classes";
import { formatDateRu } from "../view/dates";
import { formatDecimal, formatInt, formatShare, shortMunicipalityName } from "../view/format";
import { describePeriod, matchingPreset, parsePeriodInputs, presetPeriod, PRESETS, type PresetId } from "../view/period";
import { h } from "./dom";

/** The table kinds; each row is `data-testid="{kind}-row-{key}"` with `data-value` = its count. */
export type TableKind = "status" | "block" | "channel" | "municipality";

export const EMPTY_STORE_MESSAGE = "В базе нет обращений. Заполните её: tsur demo --appeals 100000";

export interface PanelOptions {
  /** The user picked a period (`null` = the whole data range). */
  onPeriod: (period: Period | null) => void;
  /** The pointer entered (id) or left (null) a municipality row. */
  onHoverMunicipality?: (id: string | null) => void;
  /** A municipality row was chosen (the drill-down). */
  onMunicipality?: (id: string, name: string) => void;
  /** A block row was chosen (the drill-down). */
  onBlock?: (id: string, name: string) => void;
  /** A channel or status row was chosen (narrows the room). */
  onNarrow?: (by: "channel" | "status", id: string, name: string) => void;
  /** Shows a banner saying the numbers are made up. */
  mock: boolean;
}

export class Panel {
  private readonly status: HTMLElement;
  private readonly content: HTMLElement;
  private readonly presetButtons = new Map<PresetId, HTMLButtonElement>();
  private readonly fromInput: HTMLInputElement;
  private readonly toInput: HTMLInputElement;
  private readonly problem: HTMLElement;
  private readonly current: HTMLElement;
  private readonly range: HTMLElement;
  private dataRange: Period | null = null;
  /** The period last shown or asked for through the date fields (to skip repeated requests). */
  private fieldsPeriod: Period | null = null;

  constructor(
    private readonly root: HTMLElement,
    private readonly options: PanelOptions,
  ) {
    root.replaceChildren();
    root.classList.add("panel");

    const header = h(
      "header",
      { class: "panel__header" },
      h("h1", {}, "Обращения граждан"),
      h("p", { class: "panel__subtitle" }, "ЦУР Астраханской области"),
      options.mock && h("p", { class: "panel__mock", "data-testid": "mock-banner" }, "Демонстрационный режим: данные вымышлены (mock)"),
    );

    const presets = h("div", { class: "period__presets", role: "group", "aria-label": "Быстрый выбор периода" });
    for (const p of PRESETS) {
      const button = h("button", { type: "button", class: "chip", "data-preset": p.id, disabled: true }, p.label);
      button.addEventListener("click", () => {
        if (!this.dataRange) return;
        this.options.onPeriod(presetPeriod(p.id, this.dataRange));
      });
      this.presetButtons.set(p.id, button);
      presets.append(button);
    }
    // Text fields in dd.mm.yyyy rather than <input type="date">, whose format follows the
    // web view's locale (and whose picker WebKitGTK may lack): the wall shows one format.
    const dateField = (id: string, label: string) =>
      h("input", { type: "text", id, "data-testid": id, inputmode: "numeric", autocomplete: "off", placeholder: "дд.мм.гггг", maxlength: 10, size: 10, "aria-label": label, disabled: true });
    this.fromInput = dateField("period-from", "Начало периода");
    this.toInput = dateField("period-to", "Конец периода");
    for (const input of [this.fromInput, this.toInput]) {
      input.addEventListener("change", () => this.onDatesChanged());
      input.addEventListener("keydown", (e) => {
        if (e.key === "Enter") this.onDatesChanged();
      });
    }
    this.problem = h("p", { class: "period__problem", role: "alert" });
    this.current = h("p", { class: "period__current", "data-testid": "period-current" });
    this.range = h("p", { class: "period__range" });

    const period = h(
      "section",
      { class: "period", "aria-labelledby": "period-title" },
      h("h2", { id: "period-title" }, "Период"),
      presets,
      h(
        "div",
        { class: "period__dates" },
        h("label", { for: "period-from" }, "с"),
        this.fromInput,
        h("label", { for: "period-to" }, "по"),
        this.toInput,
      ),
      this.problem,
      this.current,
      this.range,
    );

    this.status = h("div", { class: "panel__status", role: "status", "aria-live": "polite" });
    this.content = h("div", { class: "panel__content" });
    root.append(header, period, this.status, this.content);
  }

  showLoading(): void {
    this.root.setAttribute("aria-busy", "true");
    this.status.replaceChildren(h("div", { class: "state state--loading", "data-testid": "loading" }, h("span", { class: "spinner", "aria-hidden": "true" }), "Загрузка данных…"));
  }

  /** Keeps the current figures visible but dimmed while a new period loads. */
  setBusy(busy: boolean): void {
    this.root.toggleAttribute("aria-busy", busy);
    this.content.classList.toggle("is-busy", busy);
  }

  showError(message: string, onRetry: () => void): void {
    this.setBusy(false);
    const retry = h("button", { type: "button", class: "button" }, "Повторить");
    retry.addEventListener("click", onRetry);
    this.status.replaceChildren(
      h("div", { class: "state state--error", "data-testid": "error", role: "alert" }, h("strong", {}, "Не удалось получить данные"), h("p", { class: "state__message" }, message), retry),
    );
  }

  /** Renders an overview; `requested` is what the user asked for (`null` = whole range). */
  showOverview(overview: Overview, classes: Classes, requested: Period | null): void {
    this.setBusy(false);
    this.status.replaceChildren();
    this.dataRange = overview.data_range;
    this.updatePeriodControls(overview, requested);

    if (!overview.data_range) {
      const [text, command] = EMPTY_STORE_MESSAGE.split(": ");
      this.status.replaceChildren(h("div", { class: "state state--empty", "data-testid": "empty" }, `${text}: `, h("code", {}, command)));
      this.content.replaceChildren();
      return;
    }

    const stats = overview.stats;
    const population = overview.municipalities.reduce((s, m) => s + m.population, 0);
    const perThousand = population > 0 ? (stats.total * 1000) / population : 0;
    const kpis = h(
      "div",
      { class: "kpis" },
      h(
        "div",
        { class: "kpi kpi--main" },
        h("div", { class: "kpi__label" }, "Всего обращений"),
        h("div", { class: "kpi__value", "data-testid": "total-appeals", "data-value": stats.total }, formatInt(stats.total)),
      ),
      h(
        "div",
        { class: "kpi" },
        h("div", { class: "kpi__label" }, "На 1\u00a0000 жителей"),
        h("div", { class: "kpi__value", "data-testid": "total-per-1000", "data-value": perThousand }, formatDecimal(perThousand, 1)),
      ),
    );

    this.content.replaceChildren(
      kpis,
      this.municipalityTable(overview, classes),
      countTable("status", "По статусам", "Статус", stats.by_status, stats.total, this.options.onNarrow && ((r) => this.options.onNarrow?.("status", r.key, r.label_ru))),
      countTable("block", "По отраслевым блокам", "Блок", stats.by_block, stats.total, this.options.onBlock && ((r) => this.options.onBlock?.(r.key, r.label_ru))),
      countTable("channel", "По каналам", "Канал", stats.by_channel, stats.total, this.options.onNarrow && ((r) => this.options.onNarrow?.("channel", r.key, r.label_ru))),
    );
  }

  /** Marks one municipality row (the one under the pointer on the map). */
  highlightMunicipality(id: string | null): void {
    for (const row of this.content.querySelectorAll<HTMLElement>("tr[data-municipality]")) {
      row.classList.toggle("is-highlighted", row.dataset.municipality === id);
    }
  }

  private updatePeriodControls(overview: Overview, requested: Period | null): void {
    const range = overview.data_range;
    const enabled = range !== null;
    for (const b of this.presetButtons.values()) b.disabled = !enabled;
    this.fromInput.disabled = this.toInput.disabled = !enabled;
    this.fieldsPeriod = overview.period;
    this.fromInput.value = enabled ? formatDateRu(overview.period.from) : "";
    this.toInput.value = enabled ? formatDateRu(overview.period.to) : "";
    this.problem.textContent = "";
    const active: PresetId | null = !enabled ? null : requested === null ? "all" : matchingPreset(overview.period, range);
    for (const [id, b] of this.presetButtons) {
      b.classList.toggle("is-active", id === active);
      b.setAttribute("aria-pressed", String(id === active));
    }
    this.current.textContent = enabled ? describePeriod(overview.period) : "";
    this.range.textContent = range ? `Данные в базе: ${formatDateRu(range.from)} — ${formatDateRu(range.to)}` : "";
  }

  private onDatesChanged(): void {
    const parsed = parsePeriodInputs(this.fromInput.value, this.toInput.value);
    if ("problem" in parsed) {
      this.problem.textContent = parsed.problem;
      return;
    }
    this.problem.textContent = "";
    const same = this.fieldsPeriod && this.fieldsPeriod.from === parsed.period.from && this.fieldsPeriod.to === parsed.period.to;
    if (same) return;
    this.fieldsPeriod = parsed.period;
    this.options.onPeriod(parsed.period);
  }

  private municipalityTable(overview: Overview, classes: Classes): HTMLElement {
    const sorted = [...overview.municipalities].sort((a, b) => b.per_1000 - a.per_1000 || a.name_ru.localeCompare(b.name_ru, "ru"));
    const body = h("tbody");
    sorted.forEach((m, i) => {
      const row = h(
        "tr",
        { "data-testid": `municipality-row-${m.id}`, "data-value": m.appeals, "data-per-1000": m.per_1000, "data-municipality": m.id },
        h("td", { class: "num rank" }, String(i + 1)),
        h("td", { class: "name", title: m.name_ru }, h("span", { class: "swatch", style: `background:${colorFor(classes, m.per_1000)}`, "data-class": binIndex(classes, m.per_1000) }), shortMunicipalityName(m.name_ru)),
        h("td", { class: "num" }, formatInt(m.appeals)),
        h("td", { class: "num" }, formatDecimal(m.per_1000, 1)),
      );
      if (this.options.onMunicipality) clickable(row, () => this.options.onMunicipality?.(m.id, m.name_ru));
      row.addEventListener("mouseenter", () => this.options.onHoverMunicipality?.(m.id));
      row.addEventListener("mouseleave", () => this.options.onHoverMunicipality?.(null));
      body.append(row);
    });
    return h(
      "section",
      { class: "table-section", "data-testid": "municipality-table" },
      h("h2", {}, "Муниципальные образования"),
      h(
        "table",
        { class: "data-table" },
        h("thead", {}, h("tr", {}, h("th", { class: "num" }, "№"), h("th", {}, "Муниципальное образование"), h("th", { class: "num" }, "Обращений"), h("th", { class: "num" }, "На 1\u00a0000"))),
        body,
      ),
    );
  }
}

/** Makes a table row act as a button (click, Enter or Space). */
function clickable(row: HTMLElement, action: () => void): void {
  row.classList.add("is-clickable");
  row.tabIndex = 0;
  row.addEventListener("click", action);
  row.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      action();
    }
  });
}

/** A table of counts with their share of the total; `onRow` makes the rows with a key choosable. */
export function countTable(kind: Exclude<TableKind, "municipality">, title: string, column: string, rows: readonly CountBy[], total: number, onRow?: (r: CountBy) => void): HTMLElement {
  const body = h("tbody");
  for (const r of rows) {
    const row = h(
      "tr",
      { "data-testid": `${kind}-row-${r.key}`, "data-value": r.count },
      h("td", {}, r.label_ru),
      h("td", { class: "num" }, formatInt(r.count)),
      h("td", { class: "num share" }, formatShare(r.count, total)),
    );
    if (onRow && r.key && r.key !== "unclassified") clickable(row, () => onRow(r));
    body.append(row);
  }
  if (rows.length === 0) body.append(h("tr", {}, h("td", { colspan: 3, class: "muted" }, "Нет обращений за период")));
  return h(
    "section",
    { class: "table-section", "data-testid": `${kind}-table` },
    h("h2", {}, title),
    h("table", { class: "data-table" }, h("thead", {}, h("tr", {}, h("th", {}, column), h("th", { class: "num" }, "Кол-во"), h("th", { class: "num" }, "Доля"))), body),
  );
}
