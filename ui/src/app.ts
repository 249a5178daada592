// The application's control flow: load the map base and the overview of the chosen period,
// hand them to the map and the panel, remember the period. No DOM building, no drawing.
import { BackendError, type AppMode, type Backend, type MapBase, type OverdueReport, type Overview, type Period, type RoomFilter, type RoomScreen } from "./backend";
import { computeClasses, type Classes } from "./view/classes";
import { loadPeriod, savePeriod, type KeyValueStore } from "./view/persist";
import { Panel } from "./panel/panel";
import { RoomPanel } from "./panel/room-panel";
import { nextScene, roomFilter, wallScenes, type Scene } from "./view/room";
import { metricById, type Metric } from "./view/metrics";
import { syncLine } from "./view/sync";
import { back, drillChoices, into, level, loadDrill, narrow, REGION, saveDrill, searchTarget, upTo, type Drill, type Level, type Narrowing } from "./view/drill";
import { Crumbs, DrillPanel } from "./panel/drill-panel";
import { mark } from "./view/marks";

/** How many appeals the drawer lists for a problem or a search (the newest). */
export const DRAWER_APPEALS = 50;

/** Where the chosen choropleth metric is remembered. */
export const METRIC_STORAGE_KEY = "tsur.metric";

/** What the app needs of the map (the real one is MapView; tests pass a stand-in). */
export interface MapLike {
  setOverview(overview: Overview, classes: Classes): void;
  /** Hotspots, alert markers and the choropleth of a room view. */
  setRoom(room: RoomScreen): void;
  /** What colours the choropleth. */
  setMetric(metric: Metric): void;
  highlight(id: string | null): void;
  /** Resolves once the map has first drawn the municipalities. */
  readonly firstDrawn: Promise<void>;
}

/**
 * How long after the map is made the charts and the overdue list wait at most for its first
 * drawing (a map that cannot draw must not keep them away).
 */
export const FIRST_MAP_WAIT_MS = 2500;

export type MapFactory = (container: HTMLElement, base: MapBase, onHover: (id: string | null) => void, dark: boolean, onSelect?: (id: string) => void) => MapLike;

export interface AppOptions {
  backend: Backend;
  mock: boolean;
  mapContainer: HTMLElement;
  panelContainer: HTMLElement;
  /** Where the room's panels go (tiles, problems, ratings, alerts); none = not shown. */
  roomContainer?: HTMLElement | null;
  /** Where the drill-down's breadcrumbs and search go; none = no drill-down. */
  crumbsContainer?: HTMLElement | null;
  /** The drawer for a problem's appeals and the case view. */
  drillContainer?: HTMLElement | null;
  storage: KeyValueStore | null;
  /** The wall's timer (tests pass a fake one). Default `window.setInterval`. */
  every?: (ms: number, tick: () => void) => void;
  /** Resolves once the page has painted what was just changed (tests pass their own). Default {@link afterPaint}. */
  afterPaint?: () => Promise<void>;
  createMap: MapFactory;
}

/**
 * Resolves after the next frame has been painted: the animation frame runs just before the
 * paint, and a task queued from it runs after.
 */
export function afterPaint(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

/** Resolves when `promise` settles or after `ms`, whichever comes first. */
export function atMost(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    promise.then(done, done);
  });
}

/** The text of an error for the user: a backend error's message, else a generic line. */
export function errorMessage(e: unknown): string {
  if (e instanceof BackendError) return e.message;
  const detail = e instanceof Error ? e.message : String(e);
  return `Внутренняя ошибка интерфейса: ${detail}`;
}

export class App {
  private readonly panel: Panel;
  private map: MapLike | null = null;
  /** Settles once the map has first drawn, or FIRST_MAP_WAIT_MS after it was made. */
  private mapReady: Promise<void> = Promise.resolve();
  private last: { overview: Overview; classes: Classes } | null = null;
  private requestSeq = 0;
  private roomSeq = 0;
  private shownOnce = false;
  private readonly room: RoomPanel | null;
  private mode: AppMode = { mode: "laptop", block: null, scene_seconds: 30 };
  private scenes: Scene[] = [];
  private scene = 0;
  private lastRoom: RoomScreen | null = null;
  private metric: Metric;
  private overdue: { key: string; report: Promise<OverdueReport | null> } | null = null;
  private drill: Drill = REGION;
  private drillSeq = 0;
  private readonly crumbs: Crumbs | null;
  private readonly drawer: DrillPanel | null;

  constructor(private readonly options: AppOptions) {
    this.panel = new Panel(options.panelContainer, {
      mock: options.mock,
      onPeriod: (period) => void this.loadOverview(period),
      onHoverMunicipality: (id) => this.map?.highlight(id),
      onMunicipality: (id, name) => void this.navigate(into(this.drill, "municipality", { id, label: name })),
      onBlock: (id, name) => void this.navigate(into(this.drill, "block", { id, label: name })),
      onNarrow: (by, id, name) => void this.navigate(narrow(this.drill, by, { id, label: name })),
    });
    this.metric = metricById(options.storage?.getItem(METRIC_STORAGE_KEY));
    this.room = options.roomContainer
      ? new RoomPanel(options.roomContainer, {
          onMetric: (m) => this.chooseMetric(m),
          onProblem: (id, label) => void this.navigate(into(this.drill, "problem", { id, label })),
          onAppeal: (id, label) => void this.navigate(into(this.drill, "appeal", { id, label })),
        })
      : null;
    const handlers = {
      onCrumb: (to: Level) => void this.navigate(upTo(this.drill, to)),
      onAppeal: (b: { id: string; channel_ru: string; external_id: string }) => void this.navigate(into(this.drill, "appeal", { id: b.id, label: `${b.channel_ru} ${b.external_id}` })),
      onSearch: (text: string) => void this.search(text),
      onBack: () => void this.navigate(back(this.drill)),
      onUnnarrow: (by: Narrowing) => void this.navigate(narrow(this.drill, by, null)),
    };
    this.crumbs = options.crumbsContainer ? new Crumbs(options.crumbsContainer, handlers) : null;
    this.drawer = options.drillContainer ? new DrillPanel(options.drillContainer, handlers) : null;
  }

  /** Where the drill-down stands. */
  get place(): Drill {
    return this.drill;
  }

  /** Whether this window drills down at all (the wall never does). */
  private get drills(): boolean {
    return this.mode.mode !== "wall" && this.crumbs !== null;
  }

  /**
   * Takes the user to a place of the drill-down: the room follows its municipality and block
   * (a new view only when they changed), the drawer shows its problem or appeal. The laptop
   * remembers the place for the next start; the meeting's block stays its own.
   */
  async navigate(to: Drill): Promise<void> {
    if (!this.drills) return;
    if (this.mode.mode === "meeting" && this.mode.block && this.drill.block) to = { ...to, block: this.drill.block };
    const before = drillChoices(this.drill);
    this.drill = to;
    if (this.mode.mode === "laptop") saveDrill(this.options.storage, to);
    this.crumbs?.show(to);
    document.body.dataset.drill = level(to);
    const after = drillChoices(to);
    const deep = this.showDeep(to);
    const changed = (Object.keys(after) as (keyof typeof after)[]).some((k) => before[k] !== after[k]);
    if (changed) await this.loadRoom(this.currentFilter(), this.drillTitle());
    await deep;
  }

  /** The room's filter for the current period and place. */
  private currentFilter(): RoomFilter {
    const period = this.mode.mode === "laptop" && this.last?.overview.data_range ? this.last.overview.period : null;
    return roomFilter(period, drillChoices(this.drill));
  }

  private drillTitle(): string | null {
    const parts = [this.drill.municipality?.label, this.drill.block?.label, this.drill.channel?.label, this.drill.status?.label].filter((x): x is string => !!x);
    if (this.mode.mode === "meeting") return `Совещание: ${parts.join(" · ")}`;
    return parts.length > 0 ? parts.join(" · ") : null;
  }

  /** Shows the place's problem, search or appeal in the drawer (hides it above them); a newer step wins. */
  private async showDeep(d: Drill): Promise<void> {
    const drawer = this.drawer;
    if (!drawer) return;
    const seq = ++this.drillSeq;
    delete document.body.dataset.drillReady;
    delete document.body.dataset.searchReady;
    if (!d.problem && !d.search && !d.appeal) {
      drawer.hide();
      document.body.dataset.drillReady = level(d);
      return;
    }
    try {
      if (d.appeal) {
        drawer.showLoading(`обращение ${d.appeal.label}`);
        const c = await this.options.backend.caseView(d.appeal.id);
        if (seq !== this.drillSeq) return;
        drawer.showCase(c);
        // A search or a restart knows only the id: the crumb takes the case's name.
        const label = `${c.channel_ru} ${c.external_id}`;
        if (this.drill.appeal && this.drill.appeal.id === c.id && this.drill.appeal.label !== label) {
          this.drill = { ...this.drill, appeal: { id: c.id, label } };
          if (this.mode.mode === "laptop") saveDrill(this.options.storage, this.drill);
          this.crumbs?.show(this.drill);
        }
      } else if (d.search) {
        drawer.showLoading(`поиск «${d.search.label}»`);
        const r = await this.options.backend.searchAppeals(d.search.id, DRAWER_APPEALS);
        if (seq !== this.drillSeq) return;
        drawer.showSearch(r);
        document.body.dataset.searchReady = "1";
      } else if (d.problem) {
        drawer.showLoading(`проблема «${d.problem.label}»`);
        const p = await this.options.backend.problemAppeals(d.problem.id, DRAWER_APPEALS);
        if (seq !== this.drillSeq) return;
        drawer.showProblem(p);
      }
      document.body.dataset.drillReady = level(d);
    } catch (e) {
      if (seq === this.drillSeq) drawer.showError(errorMessage(e));
    }
  }

  /**
   * The search box: an appeal's id opens its case; words are a search step, whose results
   * (or the backend's refusal, in Russian) the drawer shows.
   */
  async search(text: string): Promise<void> {
    const target = searchTarget(text);
    if (!target) return;
    if (target.kind === "appeal") await this.navigate(into(this.drill, "appeal", { id: target.id, label: target.id.slice(0, 8) }));
    else await this.navigate(into(this.drill, "search", { id: target.query, label: target.query }));
  }

  /** Keyboard shortcuts of the laptop and the meeting: Escape steps back, `/` goes to the search. */
  private installShortcuts(): void {
    document.addEventListener("keydown", (e) => {
      if (!this.drills) return;
      const typing = e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement;
      if (e.key === "Escape" && !typing) {
        e.preventDefault();
        void this.navigate(back(this.drill));
      } else if (e.key === "/" && !typing && this.crumbs) {
        e.preventDefault();
        this.crumbs.search.focus();
        this.crumbs.search.select();
      }
    });
  }

  /** Colours the map by another metric and remembers the choice (laptop and meeting). */
  chooseMetric(metric: Metric): void {
    this.metric = metric;
    if (this.mode.mode !== "wall") this.options.storage?.setItem(METRIC_STORAGE_KEY, metric.id);
    this.map?.setMetric(metric);
    this.room?.setMetric(metric);
  }

  /** The window's mode (wall, laptop or meeting), once started. */
  get appMode(): AppMode {
    return this.mode;
  }

  /** Starts both loads; resolves when both have settled (successfully or not). */
  async start(): Promise<void> {
    mark("tsur:start");
    this.panel.showLoading();
    // The map's layers are asked for beside the mode: each question is a round trip.
    const base = this.options.backend.mapBase();
    base.catch(() => undefined); // handled by loadMap; not an unhandled rejection meanwhile
    try {
      this.mode = await this.options.backend.appMode();
    } catch {
      // An old backend without modes: the laptop.
    }
    document.body.dataset.mode = this.mode.mode;
    if (this.room) this.room.drillable = this.drills;
    if (this.drills) {
      // The laptop comes back where it was; the meeting starts at its block.
      this.drill = this.mode.mode === "laptop" ? loadDrill(this.options.storage) : this.mode.block ? { ...REGION, block: { id: this.mode.block, label: this.mode.block } } : REGION;
      this.crumbs?.show(this.drill);
      this.crumbs?.takeWords(this.mode.mode === "laptop");
      document.body.dataset.drill = level(this.drill);
      this.installShortcuts();
    }
    // The laptop and the meeting say how fresh their data are; the wall shows no controls.
    if (this.mode.mode !== "wall") {
      void this.showSync();
      this.every(30_000, () => void this.showSync());
    }
    // The wall always shows the present: the default period, never a remembered one.
    const period = this.mode.mode === "wall" ? null : loadPeriod(this.options.storage);
    await Promise.all([this.loadMap(base), this.loadOverview(period, true)]);
    if (this.mode.mode === "wall") this.startPlaylist();
    // The laptop and the meeting follow new appeals (the feed, the figures) once a minute,
    // as the background sync brings them.
    else this.every(60_000, () => void this.loadRoom(this.currentFilter(), this.drillTitle()));
  }

  /** Shows the sync status line (hidden when no central database is configured). */
  async showSync(): Promise<void> {
    const root = this.options.panelContainer;
    let el = root.querySelector<HTMLElement>("[data-testid=sync-status]");
    let line: ReturnType<typeof syncLine>;
    try {
      line = syncLine(await this.options.backend.syncStatus());
    } catch {
      line = null;
    }
    if (!line) {
      el?.remove();
      return;
    }
    if (!el) {
      el = document.createElement("p");
      el.dataset.testid = "sync-status";
      root.prepend(el);
    }
    el.className = `sync-status sync-status--${line.tone}`;
    el.textContent = line.text;
  }

  /** Loads and shows one view of the room; a newer request wins. */
  async loadRoom(filter: RoomFilter, title: string | null = null): Promise<void> {
    if (!this.room) return;
    const seq = ++this.roomSeq;
    let room: RoomScreen;
    try {
      mark("tsur:room-asked");
      room = await this.options.backend.room(filter);
      mark("tsur:room-received");
    } catch (e) {
      if (seq === this.roomSeq) this.room.showError(`Показатели недоступны: ${errorMessage(e)}`);
      return;
    }
    if (seq !== this.roomSeq) return;
    this.lastRoom = room;
    this.room.show(room, title, this.mode.mode === "wall" ? null : this.metric);
    mark("tsur:room-panels");
    this.map?.setRoom(room);
    mark("tsur:room-map");
    // Which slice is on screen (tests wait for it): municipality|block|channel|status.
    document.body.dataset.roomFor = [filter.municipality, filter.block, filter.channel, filter.status].map((v) => v ?? "").join("|");
    document.body.dataset.roomReady = "1";
    // The charts and the deadlines list (not on the wall) are asked for once the figures are
    // painted, so that computing them does not take the cores from the frame that shows the
    // figures (without a GPU the page and the map are drawn on the same two cores). The charts
    // follow every filter and are drawn when they come (a failure leaves the figures as they
    // are); the list depends on the block and municipality only, so a change of period reuses
    // the last one.
    await (this.options.afterPaint ?? afterPaint)();
    // At the start they also wait for the map's first drawing: the map's worker and its
    // rasteriser need both cores then, and the overdue list's first computation (the open
    // appeals read from the store) took them from the map (its first drawing 0.2–0.3 s later).
    await this.mapReady;
    if (seq !== this.roomSeq) return;
    const charts = this.options.backend.charts(filter, this.mode.mode === "wall").catch(() => null);
    const overdue = this.mode.mode === "wall" ? null : this.overdueFor(filter);
    const drawn = await charts;
    if (drawn && seq === this.roomSeq) {
      this.room.showCharts(drawn, this.mode.mode);
      document.body.dataset.chartsReady = "1";
    }
    // The overdue list comes when it comes: its first computation at a million appeals takes
    // seconds, and the figures do not wait for it.
    const report = await overdue;
    if (report && seq === this.roomSeq) {
      this.room.showOverdue(report);
      document.body.dataset.overdueReady = "1";
    }
  }

  /** The overdue list for a filter's block and municipality (`null` when it cannot be had). */
  private overdueFor(filter: RoomFilter): Promise<OverdueReport | null> {
    const key = `${filter.block ?? ""}|${filter.municipality ?? ""}`;
    if (this.overdue?.key !== key) {
      const report = this.options.backend.overdue(filter, 15).catch(() => null);
      this.overdue = { key, report };
      // A failure is not kept: the next view asks again.
      void report.then((r) => {
        if (r === null && this.overdue?.key === key) this.overdue = null;
      });
    }
    return this.overdue.report;
  }

  /** Calls `tick` every `ms` (the options' timer in tests). */
  private every(ms: number, tick: () => void): void {
    (this.options.every ?? ((interval, f) => void window.setInterval(f, interval)))(ms, tick);
  }

  /** The wall: scenes in turn, each loaded fresh (so the wall follows new data). */
  private startPlaylist(): void {
    const blocks = this.last?.overview.stats.by_block ?? [];
    this.scenes = wallScenes(blocks);
    this.scene = 0;
    this.every(this.mode.scene_seconds * 1000, () => this.showScene(nextScene(this.scene, this.scenes.length)));
  }

  /** Shows scene `index` of the wall's playlist. */
  showScene(index: number): Promise<void> {
    this.scene = index;
    const scene = this.scenes[index];
    if (!scene) return Promise.resolve();
    document.body.dataset.scene = scene.id;
    this.metric = metricById(scene.metric);
    this.map?.setMetric(this.metric);
    return this.loadRoom(scene.filter, scene.title_ru);
  }

  private async loadMap(layers: Promise<MapBase>): Promise<void> {
    const container = this.options.mapContainer;
    try {
      const base = await layers;
      mark("tsur:map-base");
      const nameOf = (id: string) => this.last?.overview.municipalities.find((m) => m.id === id)?.name_ru ?? id;
      const onSelect = this.drills ? (id: string) => void this.navigate(into(this.drill, "municipality", { id, label: nameOf(id) })) : undefined;
      this.map = this.options.createMap(container, base, (id) => this.panel.highlightMunicipality(id), this.mode.mode === "wall", onSelect);
      this.mapReady = atMost(this.map.firstDrawn, FIRST_MAP_WAIT_MS);
      this.map.setMetric(this.metric);
      if (this.last) this.map.setOverview(this.last.overview, this.last.classes);
      if (this.lastRoom) this.map.setRoom(this.lastRoom);
    } catch (e) {
      container.replaceChildren();
      const box = document.createElement("div");
      box.className = "map-error";
      box.setAttribute("role", "alert");
      box.dataset.testid = "map-error";
      box.textContent = `Карта недоступна: ${errorMessage(e)}`;
      container.append(box);
    }
  }

  /** Loads and shows one period (`null` = the whole data range); a newer request wins. */
  async loadOverview(period: Period | null, startup = false): Promise<void> {
    const seq = ++this.requestSeq;
    this.panel.setBusy(true);
    let overview: Overview;
    try {
      overview = await this.options.backend.overview(period);
      if (startup) mark("tsur:overview");
    } catch (e) {
      if (seq !== this.requestSeq) return;
      // A remembered period the backend rejects (e.g. the data changed): fall back to everything.
      if (startup && period !== null && e instanceof BackendError && e.code === "invalid_input") {
        savePeriod(this.options.storage, null);
        return this.loadOverview(null, false);
      }
      this.panel.showError(errorMessage(e), () => void this.loadOverview(period));
      return;
    }
    if (seq !== this.requestSeq) return;
    savePeriod(this.options.storage, period);
    const classes = computeClasses(overview.municipalities.map((m) => m.per_1000));
    this.last = { overview, classes };
    this.panel.showOverview(overview, classes, period);
    this.map?.setOverview(overview, classes);
    document.body.dataset.panelReady = "1";
    if (this.mode.mode === "wall") {
      await this.loadRoom(roomFilter(null), "Область: обзор");
    } else {
      if (this.mode.mode === "meeting") {
        // A meeting looks at the present (the last 30 days against the 30 before), at its block.
        const block = this.mode.block;
        const label = overview.stats.by_block.find((b) => b.key === block)?.label_ru ?? block ?? "";
        if (block) {
          document.body.dataset.block = block;
          this.drill = { ...this.drill, block: { id: block, label } };
          this.crumbs?.show(this.drill);
        }
      }
      const deep = startup ? this.showDeep(this.drill) : Promise.resolve();
      await this.loadRoom(this.currentFilter(), this.drillTitle());
      await deep;
    }
    if (!this.shownOnce) {
      this.shownOnce = true;
      document.body.dataset.ready = "1";
    }
  }
}
