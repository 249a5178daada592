// The application's control flow: load the map base and the overview of the chosen period,
// hand them to the map and the panel, remember the period. No DOM building, no drawing.
import { BackendError, type Backend, type MapBase, type Overview, type Period } from "./backend";
import { computeClasses, type Classes } from "./view/classes";
import { loadPeriod, savePeriod, type KeyValueStore } from "./view/persist";
import { Panel } from "./panel/panel";

/** What the app needs of the map (the real one is MapView; tests pass a stand-in). */
export interface MapLike {
  setOverview(overview: Overview, classes: Classes): void;
  highlight(id: string | null): void;
}

export type MapFactory = (container: HTMLElement, base: MapBase, onHover: (id: string | null) => void) => MapLike;

export interface AppOptions {
  backend: Backend;
  mock: boolean;
  mapContainer: HTMLElement;
  panelContainer: HTMLElement;
  storage: KeyValueStore | null;
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
  private shownOnce = false;

  constructor(private readonly options: AppOptions) {
    this.panel = new Panel(options.panelContainer, {
      mock: options.mock,
      onPeriod: (period) => void this.loadOverview(period),
      onHoverMunicipality: (id) => this.map?.highlight(id),
    });
  }

  /** Starts both loads; resolves when both have settled (successfully or not). */
  async start(): Promise<void> {
    this.panel.showLoading();
    await Promise.all([this.loadMap(), this.loadOverview(loadPeriod(this.options.storage), true)]);
  }

  private async loadMap(): Promise<void> {
    const container = this.options.mapContainer;
    try {
      const base = await this.options.backend.mapBase();
      this.map = this.options.createMap(container, base, (id) => this.panel.highlightMunicipality(id));
      if (this.last) this.map.setOverview(this.last.overview, this.last.classes);
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
    if (!this.shownOnce) {
      this.shownOnce = true;
      document.body.dataset.ready = "1";
    }
  }
}
