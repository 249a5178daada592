// The map of the oblast: owns the MapLibre map, its labels, legend and popup, and redraws
// the choropleth when an overview arrives. It draws; it computes no statistics.
import maplibregl from "maplibre-gl";
import "maplibre-gl/dist/maplibre-gl.css";
import type { FeatureCollection } from "geojson";
import type { MapBase, MunicipalityMetric, Overview, RoomScreen } from "../backend";
import { binIndex, colorFor, computeClasses, type Classes } from "../view/classes";
import { displayValue, metricById, severity, type Metric } from "../view/metrics";
import { formatDecimal, formatInt } from "../view/format";
import { describePeriod } from "../view/period";
import { buildStyle, MAP_OPTIONS } from "./style";
import { beforeId } from "./zorder";
import { HotspotsLayer } from "./layers/hotspots";
import { alertCounts, alertPoints, boundsOf, mapGeometry, parseFeatureCollection, SOURCE } from "./sources";
import { ALERTS_STATE } from "./layers/alerts";
import { FILL_STATE, fillColors, fillStates, type FillColors } from "./layers/municipalities-fill";
import { attributionText } from "./attribution";
import { MapLabels } from "./labels";
import { LegendControl } from "./legend";
import { mark } from "../view/marks";
import { spaceFramesUntilLoaded } from "./loading-frames";

/** Municipalities without a value for the metric (e.g. too few appeals to rate). */
const NO_DATA_COLOR = "#9ca3af";

export interface MapViewOptions {
  /** Called with a municipality id when the pointer enters it, and null when it leaves. */
  onHover?: (id: string | null) => void;
  /** The wall's dark background. */
  dark?: boolean;
  /** Called with a municipality id when it is clicked (the drill-down's first step). */
  onSelect?: (id: string) => void;
}

/**
 * How many workers tile the map's sources. MapLibre takes WebKitGTK for Safari (its user agent
 * says "Safari" and not "Chrome") and starts one worker per core, up to three, each a
 * JavaScript engine of its own; the map's few small GeoJSON sources need one.
 */
export const MAP_WORKERS = 1;

/**
 * Starts the map's worker before the first map is made, so that it loads its code while the
 * window asks the backend for the map's layers.
 */
export function prewarmMap(): void {
  maplibregl.setWorkerCount(MAP_WORKERS);
  maplibregl.prewarm();
}

export class MapView {
  readonly map: maplibregl.Map;
  private readonly labels: MapLabels;
  private readonly legend = new LegendControl();
  private readonly popup = new maplibregl.Popup({ closeButton: false, closeOnClick: false, maxWidth: "300px", className: "muni-popup", offset: 12 });
  private metrics = new Map<string, MunicipalityMetric>();
  private loaded = false;
  private resolveDrawn: () => void = () => undefined;
  /** Resolves once the municipalities are first drawn. */
  readonly firstDrawn = new Promise<void>((resolve) => (this.resolveDrawn = resolve));
  private pending: { overview: Overview; classes: Classes } | null = null;
  private pendingRoom: RoomScreen | null = null;
  private lastRoom: RoomScreen | null = null;
  private readonly hotspots = new HotspotsLayer();
  /** What the hotspots' layer holds now (its GeoJSON text). */
  private shownHotspots: string | null = null;
  /** The alerts' points given to their source (their GeoJSON text), and each municipality's count shown. */
  private shownAlertPoints: string | null = null;
  private readonly shownAlerts = new Map<string, number>();
  /** The municipalities' ids, and the colour each has in the feature state now. */
  private readonly ids: string[];
  private readonly shownFill = new Map<string, string>();
  private metric: Metric = metricById(null);
  private hovered: string | null = null;
  private pinned: string | null = null;

  constructor(
    private readonly container: HTMLElement,
    base: MapBase,
    private readonly options: MapViewOptions = {},
  ) {
    mark("tsur:map-create");
    const geometry = mapGeometry(base);
    const bounds = boundsOf(geometry.outline, geometry.boundaries);
    this.ids = geometry.boundaries.features.flatMap((f) => {
      const id = f.properties?.["id"];
      return typeof id === "string" ? [id] : [];
    });
    this.map = new maplibregl.Map({
      container,
      style: buildStyle({ geometry, colors: { byId: {}, fallback: "#e5e7eb" }, dark: options.dark ?? false }),
      attributionControl: false,
      ...(bounds ? { bounds, fitBoundsOptions: { padding: 40 } } : { center: [47.5, 47.0], zoom: 6 }),
      ...MAP_OPTIONS,
    });
    // Until the map is loaded, the frames of half-loaded sources are spaced out (loading-frames.ts).
    spaceFramesUntilLoaded(this.map);
    this.map.touchZoomRotate.disableRotation();
    this.map.keyboard.disableRotation();
    this.map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-left");
    this.map.addControl(new maplibregl.AttributionControl({ compact: false, customAttribution: attributionText(base.attribution) }), "bottom-right");
    this.map.addControl(this.legend, "bottom-left");
    this.labels = new MapLabels(this.map);
    this.labels.setTowns(base.towns);

    this.map.on("load", () => {
      mark("tsur:map-load");
      try {
        this.map.addLayer(this.hotspots, beforeId(this.hotspots.id, this.map.getLayersOrder()));
      } catch (e) {
        // A WebGL that cannot compile the hexagons' program leaves the rest of the map as it is.
        console.error("Горячие точки не рисуются:", e);
      }
      this.loaded = true;
      if (bounds) this.map.fitBounds(bounds, { padding: 40, duration: 0 });
      if (this.pending) this.apply(this.pending.overview, this.pending.classes);
      this.pending = null;
      if (this.pendingRoom) this.applyRoom(this.pendingRoom);
      this.pendingRoom = null;
      // The first frame drew every source; the next one has the colours just applied. Waiting
      // for "idle" instead would also wait for the hexagons' worker and any other redraw.
      this.map.once("render", () => this.reportDrawn());
      this.map.triggerRepaint();
    });
    this.map.on("idle", () => {
      mark("tsur:map-idle");
      this.reportDrawn();
    });
    // Each frame the map draws (the window's benchmark counts them per step: without a GPU a
    // frame is tens of milliseconds of both cores).
    this.map.on("render", () => mark("tsur:map-render"));
    // Also as soon as the source is parsed: on a software renderer the first idle can take seconds.
    this.map.on("sourcedata", (e) => {
      if (e.sourceId === SOURCE.municipalities && e.isSourceLoaded) this.reportDrawn();
    });
    this.installPointer();
  }

  /** Redraws the choropleth, the labels and the legend for an overview. */
  setOverview(overview: Overview, classes: Classes): void {
    if (!this.loaded) {
      this.pending = { overview, classes };
      return;
    }
    this.apply(overview, classes);
  }

  /** Draws the hotspots' hexagons and the alerts' markers of a room view. */
  setRoom(room: RoomScreen): void {
    if (!this.loaded) {
      this.pendingRoom = room;
      return;
    }
    this.applyRoom(room);
  }

  /** Colours the municipalities by a metric of a room view (its period and filters). */
  setMetric(metric: Metric): void {
    this.metric = metric;
    if (this.lastRoom && this.loaded) this.applyRoom(this.lastRoom);
  }

  private applyRoom(room: RoomScreen): void {
    this.lastRoom = room;
    const metric = this.metric;
    const values = room.areas.map((a) => severity(a, metric));
    const classes = computeClasses(values.filter((v): v is number => v !== null));
    const byId: Record<string, string> = {};
    room.areas.forEach((a, i) => {
      const v = values[i];
      byId[a.municipality] = v === null || v === undefined ? NO_DATA_COLOR : colorFor(classes, v);
    });
    this.paint({ byId, fallback: NO_DATA_COLOR });
    const labelled = new Map(room.areas.map((a) => [a.municipality, a]));
    this.labels.setMunicipalities(
      [...this.metrics.values()].map((m) => ({
        id: m.id,
        name: m.name_ru,
        value: labelled.has(m.id) ? displayValue(labelled.get(m.id)!, metric) : "",
        lon: m.label_lon,
        lat: m.label_lat,
        priority: m.population,
      })),
    );
    this.legend.update(classes, false, room.period_ru, metric.legend_ru);
    this.map.getContainer().dataset.metric = metric.id;
    // The hexagons are drawn in the frame that shows the colours (no worker: layers/hotspots.ts),
    // and so are the alerts' markers (feature state of fixed points: layers/alerts.ts).
    if (room.hotspots_geojson !== this.shownHotspots) {
      let hotspots: FeatureCollection;
      try {
        hotspots = parseFeatureCollection(room.hotspots_geojson, "Горячие точки");
      } catch {
        hotspots = { type: "FeatureCollection", features: [] };
      }
      const drawn = this.hotspots.setData(hotspots);
      this.shownHotspots = room.hotspots_geojson;
      this.map.getContainer().dataset.hotspots = String(drawn);
    }
    const counts = alertCounts(room.alerts);
    for (const id of new Set([...this.shownAlerts.keys(), ...counts.keys()])) {
      const n = counts.get(id) ?? 0;
      if ((this.shownAlerts.get(id) ?? 0) === n) continue;
      this.map.setFeatureState({ source: SOURCE.alerts, id }, { [ALERTS_STATE]: n });
      if (n > 0) this.shownAlerts.set(id, n);
      else this.shownAlerts.delete(id);
    }
    this.map.getContainer().dataset.alerts = String(room.alerts.length);
  }

  /** Outlines one municipality (e.g. while its row in the side panel is under the pointer). */
  highlight(id: string | null): void {
    this.setHover(id);
  }

  private apply(overview: Overview, classes: Classes): void {
    this.metrics = new Map(overview.municipalities.map((m) => [m.id, m]));
    // The alerts' points: once, as the municipalities and their label points do not change.
    const points = alertPoints(overview.municipalities);
    const pointsKey = JSON.stringify(points);
    if (pointsKey !== this.shownAlertPoints) {
      (this.map.getSource(SOURCE.alerts) as maplibregl.GeoJSONSource | undefined)?.setData(points);
      this.shownAlertPoints = pointsKey;
    }
    this.paint(fillColors(overview.municipalities, classes));
    this.labels.setMunicipalities(
      overview.municipalities.map((m) => ({
        id: m.id,
        name: m.name_ru,
        value: formatDecimal(m.per_1000, 1),
        lon: m.label_lon,
        lat: m.label_lat,
        priority: m.population,
      })),
    );
    const withZero = overview.municipalities.some((m) => binIndex(classes, m.per_1000) < 0);
    this.legend.update(classes, withZero, describePeriod(overview.period));
    // The room's view (its period, filters and metric) colours the map once it is known.
    if (this.lastRoom) this.applyRoom(this.lastRoom);
    const shown = this.pinned ?? this.hovered;
    if (shown && this.popup.isOpen()) this.popup.setDOMContent(this.popupContent(shown));
  }

  /** Colours the municipalities, changing the feature state of those whose colour changed. */
  private paint(colors: FillColors): void {
    for (const [id, color] of fillStates(colors, this.ids)) {
      if (this.shownFill.get(id) === color) continue;
      this.map.setFeatureState({ source: SOURCE.municipalities, id }, { [FILL_STATE]: color });
      this.shownFill.set(id, color);
    }
  }

  /** Sets `data-municipalities-drawn` to the number of distinct municipalities in the rendered source. */
  private reportDrawn(): void {
    if (!this.loaded) return;
    const ids = new Set<string>();
    for (const f of this.map.querySourceFeatures(SOURCE.municipalities)) {
      const id = f.properties?.["id"] ?? f.id;
      if (id !== undefined && id !== null) ids.add(String(id));
    }
    const value = String(ids.size);
    if (this.container.dataset.municipalitiesDrawn !== value) {
      if (!this.container.dataset.municipalitiesDrawn) {
        mark("tsur:map-drawn");
        this.resolveDrawn();
      }
      this.container.dataset.municipalitiesDrawn = value;
    }
  }

  private installPointer(): void {
    const layer = "municipalities-fill";
    const idOf = (e: maplibregl.MapLayerMouseEvent): string | null => {
      const f = e.features?.[0];
      const id = f?.properties?.["id"] ?? f?.id;
      return id === undefined || id === null ? null : String(id);
    };
    this.map.on("mousemove", layer, (e) => {
      const id = idOf(e);
      this.map.getCanvas().style.cursor = id ? "pointer" : "";
      if (id !== this.hovered) {
        this.setHover(id);
        this.options.onHover?.(id);
      }
      if (!this.pinned && id) this.showPopup(id, e.lngLat);
    });
    this.map.on("mouseleave", layer, () => {
      this.map.getCanvas().style.cursor = "";
      this.setHover(null);
      this.options.onHover?.(null);
      if (!this.pinned) this.popup.remove();
    });
    this.map.on("click", (e) => {
      const hit = this.map.queryRenderedFeatures(e.point, { layers: [layer] })[0];
      const id = hit ? String(hit.properties?.["id"] ?? hit.id) : null;
      if (id) this.options.onSelect?.(id);
      if (id && id !== this.pinned) {
        this.pinned = id;
        this.showPopup(id, e.lngLat);
      } else {
        this.pinned = null;
        this.popup.remove();
      }
    });
    this.container.addEventListener("keydown", (e) => {
      if (e.key === "Escape") {
        this.pinned = null;
        this.popup.remove();
      }
    });
  }

  private setHover(id: string | null): void {
    if (this.hovered === id) return;
    if (this.hovered) this.map.setFeatureState({ source: SOURCE.municipalities, id: this.hovered }, { hover: false });
    this.hovered = id;
    if (id) this.map.setFeatureState({ source: SOURCE.municipalities, id }, { hover: true });
  }

  private showPopup(id: string, at: maplibregl.LngLat): void {
    this.popup.setLngLat(at).setDOMContent(this.popupContent(id));
    if (!this.popup.isOpen()) this.popup.addTo(this.map);
  }

  private popupContent(id: string): HTMLElement {
    const m = this.metrics.get(id);
    const root = document.createElement("div");
    root.className = "muni-popup__body";
    const title = document.createElement("div");
    title.className = "muni-popup__title";
    title.textContent = m?.name_ru ?? id;
    root.append(title);
    if (!m) {
      const p = document.createElement("div");
      p.textContent = "Нет данных";
      root.append(p);
      return root;
    }
    const rows: [string, string][] = [
      ["Обращений", formatInt(m.appeals)],
      ["Население (2021)", formatInt(m.population)],
      ["На 1\u00a0000 жителей", formatDecimal(m.per_1000, 1)],
    ];
    const dl = document.createElement("dl");
    for (const [k, v] of rows) {
      const dt = document.createElement("dt");
      dt.textContent = k;
      const dd = document.createElement("dd");
      dd.textContent = v;
      dl.append(dt, dd);
    }
    root.append(dl);
    return root;
  }
}
