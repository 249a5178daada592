// A stand-in backend with a small, deterministic, SYNTHETIC dataset, for `npm run dev` in a
// plain browser and for tests. Every number it returns is made up (a seeded PRNG); the
// geometry is a Voronoi partition of the real label points inside a convex stand-in outline,
// not the real boundaries. Only the municipality ids, names, kinds and 2021 census populations,
// and the six towns, are real reference facts. Nothing here may ever reach a user of the
// Tauri app: `pickBackend` only chooses it outside the Tauri web view.
import { BackendError } from "./error";
import type { Backend } from "./backend";
import type { AppMode, AppealBriefDto, CaseView, Charts, OverdueReport, ProblemAppeals, SearchResult, SyncStatus, CountBy, MapBase, MunicipalityMetric, Overview, Period, RoomFilter, RoomScreen, Stats, Town } from "./types";
import { dayNumber } from "../view/dates";

/** `normal` has data; `empty` is a store without appeals; `error` fails every overview. */
export type MockScenario = "normal" | "empty" | "error";

export interface MockOptions {
  /** Artificial latency of each call, to see the loading states. Default 0. */
  delayMs?: number;
  /** The window's mode (`?mode=wall` in the browser). Default laptop. */
  mode?: AppMode;
  /** The sync's state. Default: no central database configured. */
  sync?: SyncStatus;
  scenario?: MockScenario;
}

type Municipality = { id: string; name_ru: string; kind: string; population: number; label_lon: number; label_lat: number };

/** The 13 municipalities (ids as in the reference data; 2021 census population). */
export const MOCK_MUNICIPALITIES: readonly Municipality[] = [
  { id: "astrakhan", name_ru: "Астрахань", kind: "urban_okrug", population: 475629, label_lon: 48.05522, label_lat: 46.36525 },
  { id: "znamensk", name_ru: "ЗАТО Знаменск", kind: "urban_okrug_zato", population: 24628, label_lon: 46.13942, label_lat: 48.64692 },
  { id: "akhtubinsky", name_ru: "Ахтубинский район", kind: "municipal_district", population: 58260, label_lon: 46.6425, label_lat: 48.14248 },
  { id: "volodarsky", name_ru: "Володарский район", kind: "municipal_district", population: 44711, label_lon: 48.87076, label_lat: 46.08348 },
  { id: "enotaevsky", name_ru: "Енотаевский район", kind: "municipal_district", population: 25346, label_lon: 47.10367, label_lat: 47.05805 },
  { id: "ikryaninsky", name_ru: "Икрянинский район", kind: "municipal_district", population: 48489, label_lon: 47.69394, label_lat: 45.83631 },
  { id: "kamyzyaksky", name_ru: "Камызякский район", kind: "municipal_district", population: 47716, label_lon: 48.21932, label_lat: 45.86134 },
  { id: "krasnoyarsky", name_ru: "Красноярский район", kind: "municipal_district", population: 36321, label_lon: 48.38041, label_lat: 46.9876 },
  { id: "limansky", name_ru: "Лиманский район", kind: "municipal_district", population: 28459, label_lon: 46.9648, label_lat: 45.84183 },
  { id: "narimanovsky", name_ru: "Наримановский район", kind: "municipal_district", population: 48323, label_lon: 47.47899, label_lat: 46.47276 },
  { id: "privolzhsky", name_ru: "Приволжский район", kind: "municipal_district", population: 62536, label_lon: 48.22528, label_lat: 46.31447 },
  { id: "kharabalinsky", name_ru: "Харабалинский район", kind: "municipal_district", population: 40154, label_lon: 47.72347, label_lat: 47.33858 },
  { id: "chernoyarsky", name_ru: "Черноярский район", kind: "municipal_district", population: 19570, label_lon: 45.73816, label_lat: 48.11487 },
];

const TOWNS: Town[] = [
  { name_ru: "Астрахань", lon: 48.0559236, lat: 46.3655652, population: 475629 },
  { name_ru: "Ахтубинск", lon: 46.1906462, lat: 48.2752034, population: 41898 },
  { name_ru: "Знаменск", lon: 45.7368019, lat: 48.5866291, population: 29357 },
  { name_ru: "Харабали", lon: 47.2525345, lat: 47.408999, population: 18209 },
  { name_ru: "Камызяк", lon: 48.07333, lat: 46.110579, population: 16291 },
  { name_ru: "Нариманов", lon: 47.8502476, lat: 46.6916565, population: 11386 },
];

const BLOCKS: [string, string, number][] = [
  ["health", "Здравоохранение", 14],
  ["education", "Образование", 8],
  ["social", "Социальная защита", 9],
  ["housing", "ЖКХ", 24],
  ["waste", "ТКО", 9],
  ["roads", "Дороги", 16],
  ["transport", "Транспорт", 6],
  ["energy", "Энергетика и газоснабжение", 7],
  ["other", "Прочее", 7],
];

const CHANNELS: [string, string, number][] = [
  ["pos", "ПОС", 38],
  ["im", "Инцидент Менеджмент", 34],
  ["fz59", "Письменные (59-ФЗ)", 18],
  ["regional", "Региональные системы", 9],
  ["other", "Прочие", 1],
];

const STATUSES: [string, string][] = [
  ["registered", "Зарегистрировано"],
  ["assigned", "На исполнении"],
  ["interim_answered", "Дан промежуточный ответ"],
  ["answered", "Дан ответ"],
  ["rework", "Ответ отклонён, на доработке"],
  ["resolved", "Решено"],
  ["confirmed", "Решение подтверждено заявителем"],
  ["reopened", "Переоткрыто заявителем"],
  ["deferred", "Отложено с плановой датой"],
  ["closed", "Закрыто"],
];

/** The synthetic data covers these days (fixed, so that every run sees the same numbers). */
export const MOCK_DATA_RANGE: Period = { from: "2024-01-01", to: "2025-06-30" };

/** How many synthetic appeals the mock holds. */
export const MOCK_APPEAL_COUNT = 14_000;

/** A small seeded PRNG (mulberry32): the same seed gives the same dataset everywhere. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pickWeighted(random: () => number, cumulative: number[]): number {
  const total = cumulative[cumulative.length - 1] ?? 0;
  const x = random() * total;
  const i = cumulative.findIndex((c) => x < c);
  return i < 0 ? cumulative.length - 1 : i;
}

function cumulate(weights: number[]): number[] {
  let sum = 0;
  return weights.map((w) => (sum += w));
}

/** The synthetic appeals, one column per attribute (compact and fast to filter). */
interface MockAppeals {
  day: Int32Array;
  municipality: Uint8Array;
  block: Uint8Array;
  channel: Uint8Array;
  status: Uint8Array;
}

function generateAppeals(count: number): MockAppeals {
  const random = mulberry32(20201028); // the decree's date
  const first = dayNumber(MOCK_DATA_RANGE.from)!;
  const last = dayNumber(MOCK_DATA_RANGE.to)!;
  const span = last - first + 1;
  // Each municipality gets its own made-up appetite for appeals, so the choropleth has contrast.
  const appetite = MOCK_MUNICIPALITIES.map(() => 0.35 + 1.6 * random());
  const municipalityCum = cumulate(MOCK_MUNICIPALITIES.map((m, i) => m.population * appetite[i]!));
  const blockCum = cumulate(BLOCKS.map((b) => b[2]));
  const channelCum = cumulate(CHANNELS.map((c) => c[2]));
  const out: MockAppeals = {
    day: new Int32Array(count),
    municipality: new Uint8Array(count),
    block: new Uint8Array(count),
    channel: new Uint8Array(count),
    status: new Uint8Array(count),
  };
  for (let i = 0; i < count; i++) {
    // Volume grows over time (sqrt skews the draw towards recent days).
    const offset = Math.min(span - 1, Math.floor(Math.sqrt(random()) * span));
    out.day[i] = first + offset;
    out.municipality[i] = pickWeighted(random, municipalityCum);
    out.block[i] = pickWeighted(random, blockCum);
    out.channel[i] = pickWeighted(random, channelCum);
    // Older appeals are further along their life cycle.
    const age = (span - 1 - offset) / span; // 0 = last day, ~1 = first day
    const r = random();
    let status: number;
    if (age < 0.02) status = r < 0.5 ? 0 : r < 0.85 ? 1 : 2;
    else if (age < 0.1) status = r < 0.1 ? 1 : r < 0.25 ? 2 : r < 0.6 ? 3 : r < 0.7 ? 4 : r < 0.9 ? 5 : 8;
    else status = r < 0.3 ? 3 : r < 0.5 ? 5 : r < 0.65 ? 6 : r < 0.7 ? 7 : r < 0.75 ? 8 : r < 0.78 ? 4 : 9;
    out.status[i] = status;
  }
  return out;
}

let cachedAppeals: MockAppeals | null = null;
function appeals(): MockAppeals {
  return (cachedAppeals ??= generateAppeals(MOCK_APPEAL_COUNT));
}

// ---------------------------------------------------------------------------------------------
// Synthetic geometry: Voronoi cells of the label points, clipped to a convex stand-in outline.

type Pt = [number, number];

/** A convex hexagon-ish stand-in for the oblast (lon, lat), counter-clockwise. */
const MOCK_OUTLINE: Pt[] = [
  [46.45, 45.45],
  [47.7, 45.4],
  [48.78, 45.68],
  [49.37, 46.25],
  [48.92, 46.88],
  [48.21, 47.69],
  [46.62, 48.67],
  [45.95, 48.86],
  [44.98, 48.35],
];

/** A rough synthetic Volga with one branch (lon, lat). */
const MOCK_VOLGA: Pt[][] = [
  [
    [45.27, 48.43], [45.59, 48.44], [45.96, 48.32], [46.17, 48.15], [46.25, 47.89], [46.52, 47.76],
    [46.69, 47.61], [47.08, 47.23], [47.46, 47.02], [47.59, 46.84], [47.84, 46.73], [48.0, 46.55],
    [47.97, 46.46], [48.02, 46.36], [47.96, 46.31], [47.81, 46.14], [47.74, 46.07], [47.67, 45.98],
    [47.64, 45.87], [47.56, 45.72],
  ],
  [
    [47.86, 46.74], [48.01, 46.72], [48.15, 46.67], [48.23, 46.62], [48.24, 46.54], [48.27, 46.42],
    [48.37, 46.38], [48.46, 46.33], [48.55, 46.17], [48.63, 46.09], [48.75, 45.9],
  ],
];

/** Longitude is squeezed by cos(latitude) so that cells look right on the map. */
const LON_SCALE = Math.cos((46.8 * Math.PI) / 180);

/** Keeps the part of a convex polygon where `(p - mid) · dir <= 0` (Sutherland–Hodgman, one edge). */
function clipHalfPlane(poly: Pt[], mid: Pt, dir: Pt): Pt[] {
  const side = (p: Pt) => (p[0] - mid[0]) * dir[0] + (p[1] - mid[1]) * dir[1];
  const out: Pt[] = [];
  for (let i = 0; i < poly.length; i++) {
    const a = poly[i]!;
    const b = poly[(i + 1) % poly.length]!;
    const sa = side(a);
    const sb = side(b);
    if (sa <= 0) out.push(a);
    if ((sa < 0 && sb > 0) || (sa > 0 && sb < 0)) {
      const t = sa / (sa - sb);
      out.push([a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])]);
    }
  }
  return out;
}

function voronoiCells(): Pt[][] {
  const toXY = (p: Pt): Pt => [p[0] * LON_SCALE, p[1]];
  const sites = MOCK_MUNICIPALITIES.map((m) => toXY([m.label_lon, m.label_lat]));
  const outline = MOCK_OUTLINE.map(toXY);
  return sites.map((s, i) => {
    let cell = outline;
    sites.forEach((o, j) => {
      if (i === j) return;
      cell = clipHalfPlane(cell, [(s[0] + o[0]) / 2, (s[1] + o[1]) / 2], [o[0] - s[0], o[1] - s[1]]);
    });
    return cell.map(([x, y]): Pt => [round5(x / LON_SCALE), round5(y)]);
  });
}

function round5(x: number): number {
  return Math.round(x * 1e5) / 1e5;
}

function ring(points: Pt[]): Pt[] {
  return [...points, points[0]!];
}

function mockMapBase(): MapBase {
  const cells = voronoiCells();
  const boundaries = {
    type: "FeatureCollection",
    features: MOCK_MUNICIPALITIES.map((m, i) => ({
      type: "Feature",
      properties: { id: m.id, name_ru: m.name_ru },
      geometry: { type: "Polygon", coordinates: [ring(cells[i]!)] },
    })),
  };
  const outline = {
    type: "FeatureCollection",
    features: [{ type: "Feature", properties: { name_ru: "Астраханская область (mock)" }, geometry: { type: "Polygon", coordinates: [ring(MOCK_OUTLINE)] } }],
  };
  const volga = {
    type: "FeatureCollection",
    features: [{ type: "Feature", properties: { name_ru: "Волга" }, geometry: { type: "MultiLineString", coordinates: MOCK_VOLGA } }],
  };
  return {
    boundaries: JSON.stringify(boundaries),
    outline: JSON.stringify(outline),
    volga: JSON.stringify(volga),
    towns: TOWNS.map((t) => ({ ...t })),
    attribution: "Демонстрационные данные (mock): границы и числа вымышлены",
  };
}

// ---------------------------------------------------------------------------------------------
// Statistics.

function validatePeriod(period: Period): [number, number] {
  const from = dayNumber(period.from);
  const to = dayNumber(period.to);
  if (from === null) throw new BackendError("invalid_input", `Неверная дата начала периода: «${period.from}»`);
  if (to === null) throw new BackendError("invalid_input", `Неверная дата конца периода: «${period.to}»`);
  if (from > to) throw new BackendError("invalid_input", "Начало периода позже его конца");
  return [from, to];
}

function countBy(counts: number[], labels: [string, string, ...unknown[]][]): CountBy[] {
  // Like SQL's GROUP BY: groups without appeals are absent.
  return labels
    .map(([key, label_ru], i) => ({ key, label_ru, count: counts[i] ?? 0 }))
    .filter((c) => c.count > 0);
}

function computeOverview(period: Period | null, empty: boolean): Overview {
  const dataRange = empty ? null : MOCK_DATA_RANGE;
  const effective = period ?? dataRange ?? { from: MOCK_DATA_RANGE.to, to: MOCK_DATA_RANGE.to };
  const [from, to] = validatePeriod(effective);
  const byMunicipality = new Array<number>(MOCK_MUNICIPALITIES.length).fill(0);
  const byBlock = new Array<number>(BLOCKS.length).fill(0);
  const byChannel = new Array<number>(CHANNELS.length).fill(0);
  const byStatus = new Array<number>(STATUSES.length).fill(0);
  let total = 0;
  if (!empty) {
    const a = appeals();
    for (let i = 0; i < a.day.length; i++) {
      const day = a.day[i]!;
      if (day < from || day > to) continue;
      total++;
      byMunicipality[a.municipality[i]!]!++;
      byBlock[a.block[i]!]!++;
      byChannel[a.channel[i]!]!++;
      byStatus[a.status[i]!]!++;
    }
  }
  const stats: Stats = {
    period: effective,
    total,
    by_municipality: countBy(byMunicipality, MOCK_MUNICIPALITIES.map((m) => [m.id, m.name_ru])),
    by_block: countBy(byBlock, BLOCKS),
    by_channel: countBy(byChannel, CHANNELS),
    by_status: countBy(byStatus, STATUSES),
  };
  const municipalities: MunicipalityMetric[] = MOCK_MUNICIPALITIES.map((m, i) => ({
    ...m,
    appeals: byMunicipality[i]!,
    per_1000: (byMunicipality[i]! * 1000) / m.population,
  }));
  return { period: { ...effective }, data_range: dataRange && { ...dataRange }, stats, municipalities };
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

/** A mock backend; see the module comment. */
export function createMockBackend(options: MockOptions = {}): Backend {
  const { delayMs = 0, scenario = "normal", mode = { mode: "laptop", block: null, scene_seconds: 30 } } = options;
  const sync: SyncStatus = options.sync ?? { configured: false, server: null, login: null, last_success: null, last_error: null, pending: 0, pending_more: false };
  return {
    async syncStatus() {
      return sync;
    },
    async overdue(filter, limit) {
      await sleep(delayMs);
      return mockOverdue(filter.block, limit);
    },
    async charts(filter, dark) {
      await sleep(delayMs);
      if (scenario === "error") throw new BackendError("store_unavailable", "База обращений недоступна (демонстрационная ошибка mock)");
      return mockCharts(filter, dark);
    },
    async appMode() {
      return mode;
    },
    async caseView(id) {
      await sleep(delayMs);
      if (mode.mode === "wall") throw new BackendError("invalid_input", "стена показывает только сводные показатели: карточка обращения ей недоступна");
      const found = mockCase(id);
      if (!found) throw new BackendError("invalid_input", `обращение ${id} не найдено или вне вашей области видимости`);
      return found;
    },
    async problemAppeals(id, limit) {
      await sleep(delayMs);
      if (mode.mode === "wall") throw new BackendError("invalid_input", "стена показывает только сводные показатели: списки обращений ей недоступны");
      const found = mockProblemAppeals(id, limit);
      if (!found) throw new BackendError("invalid_input", `проблема ${id} не найдено или вне вашей области видимости`);
      return found;
    },
    async searchAppeals(query, limit) {
      await sleep(delayMs);
      // As the backend: texts may hold personal data, so only the laptop may search them.
      if (mode.mode !== "laptop") {
        throw new BackendError("invalid_input", "поиск по тексту обращений доступен только тем, кому разрешено видеть персональные данные: текст и адрес могут их содержать");
      }
      const found = mockSearch(query, limit);
      if (!found) throw new BackendError("invalid_input", "введите слова для поиска: в запросе нет ни одного слова");
      return found;
    },
    async room(filter) {
      await sleep(delayMs);
      if (scenario === "error") {
        throw new BackendError("store_unavailable", "База обращений недоступна (демонстрационная ошибка mock)");
      }
      const room = mockRoom(filter);
      // As the backend: the wall's feed points at no appeal.
      if (mode.mode === "wall") room.feed = room.feed.map((f) => ({ ...f, appeal_id: null }));
      return room;
    },
    async mapBase() {
      await sleep(delayMs);
      return mockMapBase();
    },
    async overview(period) {
      await sleep(delayMs);
      if (scenario === "error") {
        throw new BackendError("store_unavailable", "База обращений недоступна (демонстрационная ошибка mock)");
      }
      return computeOverview(period, scenario === "empty");
    },
  };
}

/** A synthetic room screen: made-up figures, seeded by the filter so that it changes with it. */
export function mockRoom(filter: RoomFilter): RoomScreen {
  const seed = [...JSON.stringify(filter)].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);
  const rnd = (i: number) => ((Math.sin(seed + i * 12.9898) * 43758.5453) % 1 + 1) % 1;
  const share = (i: number, base: number) => Math.min(1, base + rnd(i) * 0.2);
  const tile = (id: string, label_ru: string, unit: string, higher_is_better: boolean, value: number, previous: number) => ({ id, label_ru, unit, higher_is_better, value, previous, n: 1000 });
  const areas = MOCK_MUNICIPALITIES.map((m, i) => ({
    municipality: m.id,
    name_ru: m.name_ru,
    appeals: Math.round(m.population * (0.004 + rnd(i) * 0.004)),
    per_1000: 4 + rnd(i) * 4,
    overdue_share: rnd(i + 20) * 0.3,
    rating_score: 40 + rnd(i + 40) * 50,
    satisfaction: 2.5 + rnd(i + 60) * 2,
  }));
  const rating = (prefix: string, names: string[]) =>
    names.map((name_ru, i) => ({ id: `${prefix}-${i}`, name_ru, rank: i < names.length - 1 ? i + 1 : null, appeals: 200 - i * 20, enough_data: i < names.length - 1, score: i < names.length - 1 ? 90 - i * 8 : null, lo: 80 - i * 8, hi: 95 - i * 8 }));
  return {
    period_ru: filter.period ?? "последние 30 дней",
    tiles: [
      tile("appeals", "Обращений", "count", false, 4000 + Math.round(rnd(1) * 1000), 4200),
      tile("per_1000", "На 1000 жителей", "per_1000", false, 4 + rnd(2), 4.5),
      tile("first_reply_h", "Первый ответ, медиана", "hours", false, 10 + rnd(3) * 10, 14),
      tile("on_time", "Ответы в срок", "share", true, share(4, 0.7), 0.75),
      tile("resolved", "Решено", "share", true, share(5, 0.5), 0.55),
      tile("reopened", "Возвращены заявителем", "share", false, share(6, 0.05), 0.08),
      tile("rejected", "Ответы отклонены модерацией", "share", false, share(7, 0.05), 0.06),
      tile("satisfaction", "Удовлетворённость", "score", true, 3 + rnd(8), 3.4),
    ],
    areas,
    agencies: rating("agency", ["Минздрав", "Минобр", "Минстрой", "Минтранс", "Минсоц"]),
    municipalities: rating("muni", MOCK_MUNICIPALITIES.slice(0, 5).map((m) => m.name_ru)),
    problems: BLOCKS.slice(0, 5).map(([block, name], i) => ({ problem_id: mockProblemId(i), topic_ru: `${name}: тема ${i + 1}`, block, municipalities_ru: [MOCK_MUNICIPALITIES[i]!.name_ru], appeals: 40 - i * 5, previous: 30 - i * 4, priority: 9 - i })),
    alerts: [{ municipality: "kamyzyaksky", municipality_ru: "Камызякский район", topic_ru: "Нет воды", raised_ru: "28.10.2026 09:00", observed: 12, expected: 2.5, reason_ru: "всплеск (mock)", lon: 48.21932, lat: 45.86134 }],
    hotspots_geojson: JSON.stringify({ type: "FeatureCollection", features: [] }),
    feed: [
      { at: "31.10.2026 11:58", kind: "appeal", text_ru: "ПОС · Астрахань · Ямы на дорогах (mock)", appeal_id: mockAppealId(1), overdue: false },
      { at: "31.10.2026 11:40", kind: "alert", text_ru: "Сигнал: Камызякский район — Нет воды, 12 обр. при ожидаемых 2,5", appeal_id: null, overdue: false },
      { at: "31.10.2026 11:12", kind: "appeal", text_ru: "ИМ · Ахтубинский район · Вывоз мусора (mock)", appeal_id: mockAppealId(2), overdue: true },
    ],
  };
}

/**
 * Synthetic charts: simple SVGs of made-up bars in the real charts' size and colours (the
 * real ones are drawn in Rust by tsur-charts), seeded by the filter.
 */
export function mockCharts(filter: RoomFilter, dark: boolean): Charts {
  const seed = [...JSON.stringify(filter)].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 11);
  const rnd = (i: number) => ((Math.sin(seed + i * 78.233) * 43758.5453) % 1 + 1) % 1;
  const [background, text, bar, late] = dark ? ["#111A2E", "#E5E7EB", "#60A5FA", "#F87171"] : ["#FFFFFF", "#111827", "#1D4ED8", "#DC2626"];
  const svg = (title: string, bars: number, lateFrom: number) => {
    const rects = Array.from({ length: bars }, (_, i) => {
      const h = Math.round(20 + rnd(i) * 140);
      return `<rect x="${50 + i * 12}" y="${210 - h}" width="10" height="${h}" fill="${i >= lateFrom ? late : bar}"/>`;
    });
    return `<svg width="420" height="240" viewBox="0 0 420 240" xmlns="http://www.w3.org/2000/svg"><rect x="0" y="0" width="420" height="240" fill="${background}"/><text x="10" y="20" font-family="sans-serif" font-size="14" fill="${text}">${title} (mock)</text>${rects.join("")}</svg>`;
  };
  const appeals = 4000 + Math.round(rnd(1) * 1000);
  return {
    period_ru: filter.period ?? "последние 30 дней",
    timeline_svg: svg("Обращения по дням", 30, 30),
    replies_svg: svg("Сроки ответов", 24, 16),
    appeals,
    incidents: 1,
    answers_on_time: Math.round(appeals * 0.6),
    answers_late: Math.round(appeals * 0.1),
    unanswered_overdue: Math.round(appeals * 0.05),
  };
}

/** A synthetic overdue list: made-up appeals of the channels, two overdue and one at risk. */
export function mockOverdue(block: string | null, limit: number): OverdueReport {
  const item = (n: number, status: string, hours: number, reason_ru: string) => ({
    appeal_id: mockAppealId(n), channel: "pos", external_id: `10000${n}`, municipality: "astrakhan", block: block ?? "roads", topic: null, agency: "mindor",
    agency_ru: "Минтранс (mock)", fast_track: null, stage: "answer", due: "2026-10-20T18:00:00+04:00", status, hours, working_hours_left: -8, p_late: null,
    risk_basis: null, risk_sample: null, reason_ru,
  });
  const items = [item(1, "overdue", 200, "срок «ответ» истёк"), item(2, "overdue", 30, "срок «ответ» истёк"), item(3, "at_risk", 10, "осталось не больше 8 рабочих ч")];
  return { at: "2026-10-31T12:00:00+04:00", open: 120, on_time: 117, overdue: 2, at_risk: 1, items: items.slice(0, limit) };
}

/** The mock with data and no latency (tests). */
export const mockBackend: Backend = createMockBackend();

/** The mock's problem ids: `mockProblemId(i)` for the i-th problem of `mockRoom`. */
export function mockProblemId(i: number): string {
  return `00000000-0000-7000-8000-${String(100 + i).padStart(12, "0")}`;
}

/** The mock's appeal ids: appeal `n` (1–9) belongs to problem 0. */
export function mockAppealId(n: number): string {
  return `00000000-0000-7000-8000-${String(n).padStart(12, "0")}`;
}

function mockBrief(n: number): AppealBriefDto {
  return {
    id: mockAppealId(n), channel: "pos", channel_ru: "ПОС", external_id: `10000${n}`, received: `2${n}.10.2026 10:1${n}`, municipality_ru: "Астрахань",
    topic_ru: "Ямы на дорогах (mock)", agency_ru: "Минтранс (mock)", status: n % 3 === 0 ? "answered" : "assigned", status_ru: n % 3 === 0 ? "дан ответ" : "назначен исполнитель",
    answer_due: "30.10.2026 18:00", overdue: n % 3 !== 0,
  };
}

/** A problem's appeals in the mock: problem 0 has nine, the others none. */
export function mockProblemAppeals(id: string, limit: number): ProblemAppeals | null {
  if (id !== mockProblemId(0)) return null;
  const appeals = [1, 2, 3, 4, 5, 6, 7, 8, 9].map(mockBrief);
  return { problem_id: id, topic_ru: "Ямы на дорогах (mock)", total: appeals.length, appeals: appeals.slice(0, limit) };
}

/** The invented texts of the mock's appeals 1–9 (the search finds them by their words). */
const MOCK_TEXTS: readonly string[] = [
  "Яма на проезжей части у дома, машины объезжают по встречной (вымышленный текст).",
  "Прорвало трубу во дворе, вода заливает дорогу (вымышленный текст).",
  "Яма на остановке, после дождя не пройти (вымышленный текст).",
  "Разбитая дорога к школе, ямы глубиной до колена (вымышленный текст).",
  "Прорвало трубу под асфальтом, на дороге провал (вымышленный текст).",
  "Нет разметки на пешеходном переходе у рынка (вымышленный текст).",
  "Яму засыпали щебнем, через неделю она вернулась (вымышленный текст).",
  "Не горят фонари вдоль дороги, ямы не видно (вымышленный текст).",
  "После ремонта трубы дорогу так и не заасфальтировали (вымышленный текст).",
];

/** A crude stand-in for the backend's Snowball stem: lower case, ё as е, final vowels dropped. */
function mockStem(word: string): string {
  let w = word.toLowerCase().replace(/ё/g, "е");
  while (w.length > 2 && /[аеиоуыэюяйь]$/.test(w)) w = w.slice(0, -1);
  return w;
}

function mockWords(text: string): string[] {
  return text.match(/[\p{L}\p{N}]+/gu) ?? [];
}

/**
 * The mock's search: appeals 1–9 whose text holds a word beginning with each stem of the
 * query, newest first; `null` for a query without words.
 */
export function mockSearch(query: string, limit: number): SearchResult | null {
  const stems = [...new Set(mockWords(query).map(mockStem))].slice(0, 8);
  if (stems.length === 0) return null;
  const found = [9, 8, 7, 6, 5, 4, 3, 2, 1].filter((n) => {
    const words = mockWords(MOCK_TEXTS[n - 1] ?? "").map((w) => w.toLowerCase().replace(/ё/g, "е"));
    return stems.every((s) => words.some((w) => w.startsWith(s)));
  });
  return { query, stems, total: found.length, appeals: found.slice(0, Math.max(1, limit)).map(mockBrief) };
}

/** A made-up case (appeals 1–9 of the mock); the author's name is marked as invented. */
export function mockCase(id: string): CaseView | null {
  const n = [1, 2, 3, 4, 5, 6, 7, 8, 9].find((k) => mockAppealId(k) === id);
  if (n === undefined) return null;
  const brief = mockBrief(n);
  return {
    id, channel: "pos", channel_ru: "ПОС", external_id: brief.external_id, regime_ru: "Платформа обратной связи", received: brief.received,
    municipality: "astrakhan", municipality_ru: "Астрахань", settlement_ru: null, address: "ул. Вымышленная, 1 (mock)",
    text: MOCK_TEXTS[n - 1] ?? "", status: brief.status, status_ru: brief.status_ru,
    block: "roads", block_ru: "Дороги и транспорт", topic_ru: brief.topic_ru, classified_by_ru: "классификатор, уверенность 91 %", agency_ru: brief.agency_ru,
    author: { full_name: "Вымышленный Заявитель", phone: null, email: null }, author_hidden: false,
    timeline: [
      { at: brief.received, actor: "pos", kind: "registered", kind_ru: "регистрация", detail: "" },
      { at: brief.received, actor: "классификатор", kind: "classified", kind_ru: "классификация", detail: "Дороги и транспорт / Ямы (классификатор, уверенность 91 %)" },
      { at: brief.received, actor: "оператор", kind: "assigned", kind_ru: "назначение исполнителя", detail: "Минтранс (mock)" },
    ],
    deadlines: [
      {
        deadline: { stage: "answer", stage_ru: "ответ", due: "2026-10-30T18:00:00+04:00", start: "2026-10-21T10:10:00+04:00", regime_ru: "Платформа обратной связи", rule: "8 рабочих дн. со дня регистрации", skipped: [], extension_days: 0, predicted: false },
        due_ru: "30.10.2026 18:00", done: null, state: brief.overdue ? "overdue" : "running", state_ru: brief.overdue ? "просрочено" : "срок идёт",
      },
    ],
    answers: [], satisfaction: null, problem_id: mockProblemId(0), linked_total: 8,
    linked: [1, 2, 3, 4, 5, 6, 7, 8, 9].filter((k) => k !== n).map(mockBrief),
    covered_by: [],
  };
}
