// Named instants of the window's work (the start, a room view's stages) for the window's
// benchmark, which reads them with `performance.getEntriesByType("mark")`. Only the latest of
// each name is kept: a wall that runs for months must not pile them up.

/** Marks `name` now, replacing its previous instant. */
export function mark(name: string): void {
  if (typeof performance === "undefined" || !performance.mark) return;
  performance.clearMarks(name);
  performance.mark(name);
}
