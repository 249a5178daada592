// The drill-down's breadcrumbs and its deep steps: a problem's appeals, a text search's
// results and the case view of one appeal (text, history, deadlines, answers, neighbours,
// what covers it). Renders what it is given; never calls the backend. The author's data
// appear only when the backend sent them.
import type { AppealBriefDto, CaseView, ProblemAppeals, SearchResult } from "../backend";
import { crumbs, narrowings, type Drill, type Level, type Narrowing } from "../view/drill";
import { searchHeading, stemsLine } from "../view/search";
import { h } from "./dom";

export interface DrillHandlers {
  /** A crumb was chosen: go back to that level. */
  onCrumb(level: Level): void;
  /** An appeal of a list was chosen. */
  onAppeal(brief: AppealBriefDto): void;
  /** The search box was submitted: an appeal's id or words. */
  onSearch(text: string): void;
  /** One step back (the drawer's close button, Escape). */
  onBack(): void;
  /** A channel or status chip was removed. */
  onUnnarrow(by: Narrowing): void;
}

/** The breadcrumbs bar with the search box. */
export class Crumbs {
  private readonly list: HTMLElement;
  readonly search: HTMLInputElement;

  constructor(
    private readonly root: HTMLElement,
    private readonly handlers: DrillHandlers,
  ) {
    root.classList.add("crumbs");
    this.list = h("ol", { class: "crumbs__list", "data-testid": "crumbs" });
    this.search = h("input", {
      type: "search",
      class: "crumbs__search",
      "data-testid": "search",
    });
    this.takeWords(true);
    const form = h("form", { class: "crumbs__form", role: "search" }, this.search);
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const text = this.search.value.trim();
      if (!text) return;
      // The keys act on the results at once (Escape steps back, / comes back here).
      this.search.blur();
      handlers.onSearch(text);
    });
    root.replaceChildren(this.list, form);
    window.addEventListener("resize", () => this.placeDrawer());
  }

  /**
   * Says whether the box also takes words: where personal data may not be seen (the
   * meeting) it takes an appeal's id only, and a search by words is refused by the backend.
   */
  takeWords(allowed: boolean): void {
    this.search.placeholder = allowed ? "Номер обращения или слова…" : "Обращение по номеру (UUID)…";
    this.search.title = allowed ? "Поиск по номеру обращения или по словам (клавиша /)" : "Поиск обращения по номеру (клавиша /)";
    this.search.setAttribute("aria-label", allowed ? "Найти обращение по номеру (UUID) или по словам текста и адреса" : "Найти обращение по номеру (UUID)");
  }

  /** Tells the drawer where the breadcrumbs end (they wrap onto more lines for long names). */
  private placeDrawer(): void {
    const bottom = this.root.offsetTop + this.root.offsetHeight;
    if (bottom > 0) this.root.parentElement?.style.setProperty("--crumbs-bottom", `${bottom + 8}px`);
  }

  show(d: Drill): void {
    const trail = crumbs(d);
    const chips = narrowings(d).map((n) => {
      const remove = h("button", { type: "button", class: "chip chip--filter", "data-narrowing": n.by, title: "Снять фильтр", "aria-label": `Снять фильтр «${n.label}»` }, `${n.label} ×`);
      remove.addEventListener("click", () => this.handlers.onUnnarrow(n.by));
      return h("li", { class: "crumbs__chip" }, remove);
    });
    this.list.replaceChildren(
      ...trail.map((c, i) => {
        const last = i === trail.length - 1;
        if (last) return h("li", { class: "crumbs__item is-current", "aria-current": "page", "data-level": c.level, title: c.label }, c.label);
        const b = h("button", { type: "button", class: "crumbs__link", "data-level": c.level, title: c.label }, c.label);
        b.addEventListener("click", () => this.handlers.onCrumb(c.level));
        return h("li", { class: "crumbs__item" }, b);
      }),
      ...chips,
    );
    this.root.dataset.level = trail[trail.length - 1]?.level ?? "region";
    // The box shows the search being looked at (after a restart too), unless it is being typed in.
    if (d.search && document.activeElement !== this.search) this.search.value = d.search.label;
    this.placeDrawer();
  }
}

function briefItem(b: AppealBriefDto, onAppeal: (b: AppealBriefDto) => void): HTMLElement {
  const button = h(
    "button",
    { type: "button", class: `brief${b.overdue ? " is-late" : ""}`, "data-testid": "appeal-brief", "data-appeal": b.id },
    h("span", { class: "brief__head" }, `${b.channel_ru} ${b.external_id}`, h("span", { class: "brief__date" }, b.received)),
    h("span", { class: "brief__line" }, [b.municipality_ru, b.topic_ru ?? "без темы", b.agency_ru].filter(Boolean).join(" · ")),
    h("span", { class: "brief__status" }, b.status_ru, b.overdue && h("strong", { class: "brief__late" }, " · просрочено"), b.answer_due && !b.overdue ? ` · ответ до ${b.answer_due}` : ""),
  );
  button.addEventListener("click", () => onAppeal(b));
  return h("li", {}, button);
}

function section(title: string, testid: string, ...children: (Node | string | false | null)[]): HTMLElement {
  return h("section", { class: "case__section", "data-testid": testid }, h("h3", {}, title), ...children);
}

/** The drawer over the map with a problem's appeals or one case. */
export class DrillPanel {
  constructor(
    private readonly root: HTMLElement,
    private readonly handlers: DrillHandlers,
  ) {
    root.classList.add("drill");
    root.hidden = true;
  }

  hide(): void {
    this.root.hidden = true;
    this.root.replaceChildren();
    delete this.root.dataset.view;
  }

  private open(view: string, ...children: (Node | string | false | null)[]): void {
    const close = h("button", { type: "button", class: "drill__close", "aria-label": "Закрыть (Esc)", title: "Закрыть (Esc)", "data-testid": "drill-close" }, "×");
    close.addEventListener("click", () => this.handlers.onBack());
    this.root.replaceChildren(close, ...children.filter((c): c is Node | string => c !== false && c !== null));
    this.root.dataset.view = view;
    this.root.hidden = false;
    this.root.scrollTop = 0;
  }

  showLoading(what: string): void {
    this.open("loading", h("p", { class: "state", role: "status" }, `Загрузка: ${what}…`));
  }

  showError(message: string): void {
    this.open("error", h("div", { class: "state state--error", role: "alert", "data-testid": "drill-error" }, message));
  }

  showProblem(p: ProblemAppeals): void {
    const list = h("ol", { class: "briefs", "data-testid": "problem-appeals" }, ...p.appeals.map((b) => briefItem(b, (x) => this.handlers.onAppeal(x))));
    this.open(
      "problem",
      h("h2", { class: "drill__title", "data-testid": "problem-title", "data-total": p.total }, p.topic_ru ?? "Проблема без темы"),
      h("p", { class: "muted" }, `Обращений: ${p.total}${p.total > p.appeals.length ? `, показаны ${p.appeals.length} последних` : ""}`),
      list,
    );
  }

  showSearch(r: SearchResult): void {
    const list = h("ol", { class: "briefs", "data-testid": "search-appeals" }, ...r.appeals.map((b) => briefItem(b, (x) => this.handlers.onAppeal(x))));
    const stems = stemsLine(r.stems);
    this.open(
      "search",
      h("h2", { class: "drill__title", "data-testid": "search-title", "data-total": r.total, "data-shown": r.appeals.length }, searchHeading({ query: r.query, stems: r.stems, total: r.total, shown: r.appeals.length })),
      stems && h("p", { class: "muted small", "data-testid": "search-stems" }, stems),
      r.total === 0 && h("p", { class: "muted" }, "Проверьте слова или сократите запрос: ищутся только обращения, в которых есть все слова."),
      list,
    );
  }

  showCase(c: CaseView): void {
    const facts = h(
      "dl",
      { class: "case__facts" },
      ...(
        [
          ["Канал", `${c.channel_ru} ${c.external_id}`],
          ["Режим", c.regime_ru],
          ["Поступило", c.received],
          ["Где", [c.municipality_ru, c.settlement_ru].filter(Boolean).join(", ")],
          ["Адрес", c.address],
          ["Блок и тема", [c.block_ru, c.topic_ru].filter(Boolean).join(" / ") || "не определены"],
          ["Классификация", c.classified_by_ru ?? "—"],
          ["Исполнитель", c.agency_ru ?? "не назначен"],
          ["Статус", c.status_ru],
          ["Оценка заявителя", c.satisfaction === null ? "нет" : `${c.satisfaction} из 5`],
        ] as const
      ).flatMap(([k, v]) => (v ? [h("dt", {}, k), h("dd", {}, v)] : [])),
    );
    const author = c.author
      ? h("p", { class: "case__author", "data-testid": "case-author" }, `Заявитель: ${[c.author.full_name, c.author.phone, c.author.email].filter(Boolean).join(", ")}`)
      : c.author_hidden
        ? h("p", { class: "case__author muted", "data-testid": "case-author-hidden" }, "Заявитель скрыт: в этом режиме персональные данные не показываются")
        : null;
    const deadlines = h(
      "table",
      { class: "data-table case__deadlines" },
      h("thead", {}, h("tr", {}, h("th", {}, "Этап"), h("th", {}, "Срок"), h("th", {}, "Исполнение"))),
      h(
        "tbody",
        {},
        ...c.deadlines.map((d) =>
          h(
            "tr",
            { class: `deadline deadline--${d.state}`, "data-testid": `deadline-${d.deadline.stage}`, "data-state": d.state },
            h("td", {}, d.deadline.stage_ru),
            h("td", { title: d.deadline.rule }, d.due_ru, h("div", { class: "muted small" }, d.deadline.rule, d.deadline.predicted ? " (по прогнозу календаря)" : "")),
            h("td", {}, d.state_ru, d.done ? h("div", { class: "muted small" }, d.done) : ""),
          ),
        ),
      ),
    );
    const timeline = h(
      "ol",
      { class: "timeline", "data-testid": "case-timeline" },
      ...c.timeline.map((e) =>
        h("li", { class: `timeline__item timeline__item--${e.kind}` }, h("span", { class: "timeline__at" }, e.at), h("strong", {}, e.kind_ru), h("span", { class: "muted" }, ` · ${e.actor}`), e.detail && h("div", { class: "timeline__detail" }, e.detail)),
      ),
    );
    const answers =
      c.answers.length > 0 &&
      section(
        "Ответы и модерация",
        "case-answers",
        h(
          "ol",
          { class: "answers" },
          ...c.answers.map((a) =>
            h("li", { class: a.rejected_because ? "answer is-rejected" : "answer" }, h("div", { class: "muted small" }, `${a.at} · ${a.kind_ru}`), h("div", {}, a.text), a.rejected_because && h("div", { class: "answer__verdict" }, `Отклонён модерацией: ${a.rejected_because}`)),
          ),
        ),
      );
    const covers =
      c.covered_by.length > 0 &&
      section(
        "Фаст-треки и дорожные карты",
        "case-covers",
        h("ul", { class: "covers" }, ...c.covered_by.map((x) => h("li", {}, h("strong", {}, `${x.kind === "roadmap" ? "Дорожная карта" : "Фаст-трек"} «${x.name_ru}»`), ` (${x.agency_ru}): ${x.detail}`))),
      );
    const linked =
      c.problem_id !== null &&
      section(
        `Другие обращения проблемы (${c.linked_total})`,
        "case-linked",
        h("ol", { class: "briefs" }, ...c.linked.map((b) => briefItem(b, (x) => this.handlers.onAppeal(x)))),
      );
    this.open(
      "case",
      h("h2", { class: "drill__title", "data-testid": "case-title", "data-appeal": c.id }, `${c.channel_ru} ${c.external_id}: ${c.topic_ru ?? "без темы"}`),
      facts,
      author,
      section("Текст обращения", "case-text", h("p", { class: "case__text" }, c.text)),
      section("Сроки", "case-deadlines", deadlines),
      answers,
      section("История", "case-history", timeline),
      covers,
      linked,
    );
  }
}
