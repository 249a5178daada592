// Text on the map as HTML markers: the style has no glyphs (no network), so symbol layers
// cannot draw text. Municipality labels (name + value) always show and move aside to avoid
// each other; town names hide where they would cover a municipality label.
import maplibregl from "maplibre-gl";
import type { Town } from "../backend";
import { shortMunicipalityName } from "../view/format";

/** A municipality label's content. */
export interface MunicipalityLabelData {
  id: string;
  name: string;
  /** The formatted value line, e.g. "12,4"; empty hides the line. */
  value: string;
  lon: number;
  lat: number;
  /** Larger first: placement order (bigger municipalities keep their centre spot). */
  priority: number;
}

type Rect = { left: number; top: number; right: number; bottom: number };

const GAP = 4;
const TOWN_DOT_GAP = 7;

function overlaps(a: Rect, b: Rect): boolean {
  return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}

export class MapLabels {
  private readonly municipalityMarkers = new Map<string, { marker: maplibregl.Marker; el: HTMLElement; nameEl: HTMLElement; valueEl: HTMLElement; data: MunicipalityLabelData }>();
  private readonly townMarkers: { marker: maplibregl.Marker; el: HTMLElement; town: Town }[] = [];
  private frame = 0;

  constructor(private readonly map: maplibregl.Map) {
    map.on("moveend", () => this.schedulePlacement());
    map.on("resize", () => this.schedulePlacement());
  }

  setTowns(towns: readonly Town[]): void {
    for (const t of this.townMarkers) t.marker.remove();
    this.townMarkers.length = 0;
    for (const town of towns) {
      const el = document.createElement("div");
      el.className = "map-label map-label--town";
      el.textContent = town.name_ru;
      const marker = new maplibregl.Marker({ element: el, anchor: "left", offset: [TOWN_DOT_GAP, 0] }).setLngLat([town.lon, town.lat]).addTo(this.map);
      this.townMarkers.push({ marker, el, town });
    }
    this.schedulePlacement();
  }

  setMunicipalities(labels: readonly MunicipalityLabelData[]): void {
    const seen = new Set<string>();
    for (const data of labels) {
      seen.add(data.id);
      let entry = this.municipalityMarkers.get(data.id);
      if (!entry) {
        const el = document.createElement("div");
        el.className = "map-label map-label--municipality";
        el.dataset.municipality = data.id;
        const nameEl = document.createElement("span");
        nameEl.className = "map-label__name";
        const valueEl = document.createElement("span");
        valueEl.className = "map-label__value";
        el.append(nameEl, valueEl);
        const marker = new maplibregl.Marker({ element: el, anchor: "center" }).setLngLat([data.lon, data.lat]).addTo(this.map);
        entry = { marker, el, nameEl, valueEl, data };
        this.municipalityMarkers.set(data.id, entry);
      }
      entry.data = data;
      entry.el.title = data.name;
      entry.nameEl.textContent = shortMunicipalityName(data.name);
      entry.valueEl.textContent = data.value;
      entry.valueEl.hidden = data.value === "";
      entry.marker.setLngLat([data.lon, data.lat]);
    }
    for (const [id, entry] of this.municipalityMarkers) {
      if (!seen.has(id)) {
        entry.marker.remove();
        this.municipalityMarkers.delete(id);
      }
    }
    this.schedulePlacement();
  }

  /** Places labels on the next frame (after the browser has laid out their new text). */
  schedulePlacement(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.place();
    });
  }

  /** Greedy placement: each municipality label takes the first free spot of centre, above, below, right, left. */
  private place(): void {
    const taken: Rect[] = [];
    const entries = [...this.municipalityMarkers.values()].sort((a, b) => b.data.priority - a.data.priority);
    for (const entry of entries) {
      const p = this.map.project([entry.data.lon, entry.data.lat]);
      const w = entry.el.offsetWidth;
      const h = entry.el.offsetHeight;
      const candidates: [number, number][] = [
        [0, 0],
        [0, -(h + GAP)],
        [0, h + GAP],
        [w / 2 + GAP * 2, 0],
        [-(w / 2 + GAP * 2), 0],
      ];
      const rectAt = ([dx, dy]: [number, number]): Rect => ({
        left: p.x + dx - w / 2,
        right: p.x + dx + w / 2,
        top: p.y + dy - h / 2,
        bottom: p.y + dy + h / 2,
      });
      const chosen = candidates.find((c) => !taken.some((r) => overlaps(r, rectAt(c)))) ?? candidates[0]!;
      entry.marker.setOffset(chosen);
      taken.push(rectAt(chosen));
    }
    for (const t of this.townMarkers) {
      const p = this.map.project([t.town.lon, t.town.lat]);
      const w = t.el.offsetWidth;
      const h = t.el.offsetHeight;
      const rect: Rect = { left: p.x + TOWN_DOT_GAP, right: p.x + TOWN_DOT_GAP + w, top: p.y - h / 2, bottom: p.y + h / 2 };
      const free = !taken.some((r) => overlaps(r, rect));
      t.el.style.visibility = free ? "" : "hidden";
      if (free) taken.push(rect);
    }
  }
}
