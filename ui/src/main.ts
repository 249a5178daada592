// Entry point of the web view: picks the backend and starts the app.
import "./styles.css";
import { pickBackend } from "./backend";
import { App } from "./app";
import { MapView, prewarmMap } from "./map/map-view";
import { browserStorage } from "./view/persist";
import { mark } from "./view/marks";

mark("tsur:script");
prewarmMap();

function element(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`index.html lacks #${id}`);
  return el;
}

const { backend, kind } = pickBackend();
document.body.dataset.backend = kind;
const app = new App({
  backend,
  mock: kind === "mock",
  mapContainer: element("map"),
  panelContainer: element("panel"),
  roomContainer: element("room"),
  crumbsContainer: element("crumbs"),
  drillContainer: element("drill"),
  storage: browserStorage(),
  createMap: (container, base, onHover, dark, onSelect) => new MapView(container, base, { onHover, dark, onSelect }),
});
void app.start();
