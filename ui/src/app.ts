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
}

export type MapFactory = (container: HTMLElement, base: MapBase, onHover: (id: string | null) => void, dark: boolean) => MapLike;

export interface AppOptions {
  backend: Backend;
  mock: boolean;
  mapContainer: HTMLElement;
  panelContainer: HTMLElement;
  /** Where the room's panels go (tiles, problems, ratings, alerts); none = not shown. */
  roomContainer?: HTMLElement | null;
  storage: KeyValueStore | null;
  /** The wall's timer (tests pass a fake one). Default `window.setInterval`. */
  every?: (ms: number, tick: () => void) => void;
  createMap: MapFactory;
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

  constructor(private readonly options: AppOptions) {
    this.panel = new Panel(options.panelContainer, {
      mock: options.mock,
      onPeriod: (period) => void this.loadOverview(period),
      onHoverMunicipality: (id) => this.map?.highlight(id),
    });
    this.metric = metricById(options.storage?.getItem(METRIC_STORAGE_KEY));
    this.room = options.roomContainer ? new RoomPanel(options.roomContainer, (m) => this.chooseMetric(m)) : null;
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
    this.panel.showLoading();
    try {
      this.mode = await this.options.backend.appMode();
    } catch {
      // An old backend without modes: the laptop.
    }
    document.body.dataset.mode = this.mode.mode;
    // The laptop and the meeting say how fresh their data are; the wall shows no controls.
    if (this.mode.mode !== "wall") {
      void this.showSync();
      this.every(30_000, () => void this.showSync());
    }
    // The wall always shows the present: the default period, never a remembered one.
    const period = this.mode.mode === "wall" ? null : loadPeriod(this.options.storage);
    await Promise.all([this.loadMap(), this.loadOverview(period, true)]);
    if (this.mode.mode === "wall") this.startPlaylist();
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
    // The deadlines list (not on the wall) is asked for at the same time; it depends on the
    // block and municipality only, so a change of period reuses the last one.
    const overdue = this.mode.mode === "wall" ? null : this.overdueFor(filter);
    let room: RoomScreen;
    try {
      room = await this.options.backend.room(filter);
    } catch (e) {
      if (seq === this.roomSeq) this.room.showError(`Показатели недоступны: ${errorMessage(e)}`);
      return;
    }
    if (seq !== this.roomSeq) return;
    this.lastRoom = room;
    this.room.show(room, title, this.mode.mode === "wall" ? null : this.metric);
    this.map?.setRoom(room);
    const report = await overdue;
    if (report && seq === this.roomSeq) this.room.showOverdue(report);
    document.body.dataset.roomReady = "1";
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

  private async loadMap(): Promise<void> {
    const container = this.options.mapContainer;
    try {
      const base = await this.options.backend.mapBase();
      this.map = this.options.createMap(container, base, (id) => this.panel.highlightMunicipality(id), this.mode.mode === "wall");
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
    if (this.mode.mode === "wall") {
      await this.loadRoom(roomFilter(null), "Область: обзор");
    } else if (this.mode.mode === "meeting") {
      // A meeting looks at the present: the last 30 days against the 30 before.
      const block = this.mode.block;
      const label = overview.stats.by_block.find((b) => b.key === block)?.label_ru ?? block ?? "";
      if (block) document.body.dataset.block = block;
      await this.loadRoom(roomFilter(null, { block }), `Совещание: ${label}`);
    } else {
      await this.loadRoom(roomFilter(overview.data_range ? overview.period : null));
    }
    if (!this.shownOnce) {
      this.shownOnce = true;
      document.body.dataset.ready = "1";
    }
  }
}
