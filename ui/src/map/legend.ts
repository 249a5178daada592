// The choropleth legend, a MapLibre control in a corner of the map.
import type { IControl } from "maplibre-gl";
import { legendItems, type Classes } from "../view/classes";

export const LEGEND_TITLE = "Обращений на 1 000 жителей";

export class LegendControl implements IControl {
  private readonly el: HTMLElement;
  private readonly body: HTMLElement;
  private readonly note: HTMLElement;
  private readonly title: HTMLElement;

  constructor() {
    this.el = document.createElement("div");
    this.el.className = "maplibregl-ctrl map-legend";
    this.el.setAttribute("role", "figure");
    this.el.setAttribute("aria-label", LEGEND_TITLE);
    const title = (this.title = document.createElement("div"));
    title.className = "map-legend__title";
    // U+00A0 inside "1 000" keeps the number on one line.
    title.textContent = LEGEND_TITLE.replace("1 000", "1\u00a0000");
    this.body = document.createElement("ul");
    this.body.className = "map-legend__items";
    this.note = document.createElement("div");
    this.note.className = "map-legend__note";
    this.el.append(title, this.body, this.note);
    this.el.hidden = true;
  }

  onAdd(): HTMLElement {
    return this.el;
  }

  onRemove(): void {
    this.el.remove();
  }

  /** Shows the classes; `withZero` adds the «0» row; `note` is a small line under the rows (the period); `title` replaces the heading. */
  update(classes: Classes, withZero: boolean, note: string, title?: string): void {
    if (title !== undefined) this.title.textContent = title;
    this.body.replaceChildren(
      ...legendItems(classes, withZero).map((item) => {
        const li = document.createElement("li");
        const swatch = document.createElement("span");
        swatch.className = "map-legend__swatch";
        swatch.style.background = item.color;
        const label = document.createElement("span");
        label.textContent = item.label;
        li.append(swatch, label);
        return li;
      }),
    );
    this.note.textContent = note;
    this.el.hidden = false;
  }
}
