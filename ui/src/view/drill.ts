// The drill-down: region → municipality → block → problem (or a text search) → appeal. Which
// step the user is on, how a step is taken and undone, the breadcrumbs, and keeping the place
// across a restart. Pure functions, no DOM.
import type { KeyValueStore } from "./persist";

/** One chosen step: its id and what the breadcrumbs call it. */
export interface Step {
  id: string;
  label: string;
}

/**
 * Where the user is. Municipality and block are filters (either may be chosen first); a
 * problem and an appeal are deeper steps. A text search is a step in the problem's place (a
 * list of appeals to open one from; its id and label are the query), never beside a problem.
 * Channel and status narrow the room's figures too, but are not steps of the path: they
 * show as chips beside the breadcrumbs.
 */
export interface Drill {
  municipality: Step | null;
  block: Step | null;
  problem: Step | null;
  search: Step | null;
  appeal: Step | null;
  channel: Step | null;
  status: Step | null;
}

/** The filters that are not steps of the path. */
export type Narrowing = "channel" | "status";

export type Level = "region" | "municipality" | "block" | "problem" | "search" | "appeal";

// A problem and a search never stand together; going back to a problem undoes a search.
const ORDER: readonly Level[] = ["region", "municipality", "block", "problem", "search", "appeal"];

export const REGION: Drill = Object.freeze({ municipality: null, block: null, problem: null, search: null, appeal: null, channel: null, status: null });

/** The deepest step taken. */
export function level(d: Drill): Level {
  if (d.appeal) return "appeal";
  if (d.search) return "search";
  if (d.problem) return "problem";
  if (d.block) return "block";
  if (d.municipality) return "municipality";
  return "region";
}

/**
 * Takes a step. Choosing a municipality or a block keeps the other filter and leaves any
 * problem, search or appeal (they were taken in the old slice); choosing a problem or a
 * search leaves the other and an appeal; an appeal may be opened from anywhere (the overdue
 * list, a search's results, a neighbour in a case).
 */
export function into(d: Drill, step: Exclude<Level, "region">, to: Step): Drill {
  switch (step) {
    case "municipality":
      return { ...d, municipality: to, problem: null, search: null, appeal: null };
    case "block":
      return { ...d, block: to, problem: null, search: null, appeal: null };
    case "problem":
      return { ...d, problem: to, search: null, appeal: null };
    case "search":
      return { ...d, search: to, problem: null, appeal: null };
    case "appeal":
      return { ...d, appeal: to };
  }
}

/** Goes back to `to`: every step after it in the breadcrumbs is undone. */
export function upTo(d: Drill, to: Level): Drill {
  const keep = ORDER.indexOf(to);
  const out: Drill = { ...d };
  if (keep < ORDER.indexOf("appeal")) out.appeal = null;
  if (keep < ORDER.indexOf("search")) out.search = null;
  if (keep < ORDER.indexOf("problem")) out.problem = null;
  if (keep < ORDER.indexOf("block")) out.block = null;
  if (keep < ORDER.indexOf("municipality")) {
    out.municipality = null;
    out.channel = null;
    out.status = null;
  }
  return out;
}

/** One step back (Escape); the region stays the region. */
export function back(d: Drill): Drill {
  const trail = crumbs(d);
  const parent = trail[trail.length - 2];
  return parent ? upTo(d, parent.level) : d;
}

/** A breadcrumb. */
export interface Crumb {
  level: Level;
  label: string;
}

/** The breadcrumbs, the region first; the last one is where the user is. */
export function crumbs(d: Drill): Crumb[] {
  const out: Crumb[] = [{ level: "region", label: "Астраханская область" }];
  if (d.municipality) out.push({ level: "municipality", label: d.municipality.label });
  if (d.block) out.push({ level: "block", label: d.block.label });
  if (d.problem) out.push({ level: "problem", label: `Проблема: ${d.problem.label}` });
  if (d.search) out.push({ level: "search", label: `Поиск: «${d.search.label}»` });
  if (d.appeal) out.push({ level: "appeal", label: `Обращение ${d.appeal.label}` });
  return out;
}

/** Sets (or, with `null`, removes) a channel or status filter; the problem, search and appeal of the old slice are left. */
export function narrow(d: Drill, by: Narrowing, to: Step | null): Drill {
  return { ...d, [by]: to, problem: null, search: null, appeal: null };
}

/** The channel and status chips: which filter, and what it reads. */
export function narrowings(d: Drill): { by: Narrowing; label: string }[] {
  const out: { by: Narrowing; label: string }[] = [];
  if (d.channel) out.push({ by: "channel", label: `Канал: ${d.channel.label}` });
  if (d.status) out.push({ by: "status", label: `Статус: ${d.status.label}` });
  return out;
}

/** The room's filter choices of a drill. */
export function drillChoices(d: Drill): { municipality: string | null; block: string | null; channel: string | null; status: string | null } {
  return { municipality: d.municipality?.id ?? null, block: d.block?.id ?? null, channel: d.channel?.id ?? null, status: d.status?.id ?? null };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `text` is an appeal's (or problem's) id. */
export function isUuid(text: string): boolean {
  return UUID.test(text.trim());
}

/** The longest query kept as a search step (the backend reads only its first words anyway). */
export const MAX_QUERY_CHARS = 200;

/**
 * What the search box asks for: an appeal by its id (a UUID, in lower case), a text search
 * (the query with its runs of white space made one space, cut to {@link MAX_QUERY_CHARS}),
 * or nothing (an empty box).
 */
export function searchTarget(text: string): { kind: "appeal"; id: string } | { kind: "text"; query: string } | null {
  const t = text.trim();
  if (t === "") return null;
  if (isUuid(t)) return { kind: "appeal", id: t.toLowerCase() };
  return { kind: "text", query: t.replace(/\s+/g, " ").slice(0, MAX_QUERY_CHARS).trim() };
}

export const DRILL_STORAGE_KEY = "tsur.drill.v1";

function step(value: unknown): Step | null {
  if (typeof value !== "object" || value === null) return null;
  const { id, label } = value as Record<string, unknown>;
  return typeof id === "string" && typeof label === "string" && id.length > 0 ? { id, label } : null;
}

/** The place kept by `saveDrill`; the region when nothing valid is kept. Never throws. */
export function loadDrill(store: KeyValueStore | null): Drill {
  try {
    const text = store?.getItem(DRILL_STORAGE_KEY);
    if (!text) return REGION;
    const v = JSON.parse(text) as Record<string, unknown>;
    const d: Drill = { municipality: step(v.municipality), block: step(v.block), problem: step(v.problem), search: step(v.search), appeal: step(v.appeal), channel: step(v.channel), status: step(v.status) };
    if (d.problem && !isUuid(d.problem.id)) d.problem = null;
    if (d.appeal && !isUuid(d.appeal.id)) d.appeal = null;
    // A search is kept as its query; one beside a problem, or too long, was not written by saveDrill.
    if (d.search && (d.problem || d.search.id.length > MAX_QUERY_CHARS)) d.search = null;
    return d;
  } catch {
    return REGION;
  }
}

/** Keeps the place for the next start. Never throws. */
export function saveDrill(store: KeyValueStore | null, d: Drill): void {
  try {
    store?.setItem(DRILL_STORAGE_KEY, JSON.stringify(d));
  } catch {
    // A full or disabled storage: the place simply does not persist.
  }
}
