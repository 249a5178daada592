// Architecture invariants, checked on the source text.
import { describe, expect, it } from "vitest";

const sources = import.meta.glob<string>(["./**/*.ts", "!./**/*.test.ts"], { query: "?raw", import: "default", eager: true });

/** The module specifiers a file imports (static and dynamic). */
function imports(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+["']([^"']+)["']/g)) found.push(m[1]!);
  for (const m of text.matchAll(/import\(\s*["']([^"']+)["']\s*\)/g)) found.push(m[1]!);
  for (const m of text.matchAll(/(?:^|\n)\s*import\s+["']([^"']+)["']/g)) found.push(m[1]!);
  return found;
}

describe("architecture", () => {
  it("finds the sources", () => {
    expect(Object.keys(sources).length).toBeGreaterThan(10);
    expect(imports(sources["./backend/tauri.ts"]!)).toContain("./bindings");
  });

  it("only src/backend/ imports @tauri-apps/* or the generated bindings", () => {
    const offenders = Object.entries(sources)
      .filter(([path]) => !path.startsWith("./backend/"))
      .filter(([, text]) => imports(text).some((s) => s.startsWith("@tauri-apps/") || /(^|\/)bindings(\.ts)?$/.test(s)))
      .map(([path]) => path);
    expect(offenders).toEqual([]);
  });

  it("view/ is pure: it imports neither maplibre-gl nor the DOM-building modules", () => {
    const offenders = Object.entries(sources)
      .filter(([path]) => path.startsWith("./view/"))
      .filter(([, text]) => imports(text).some((s) => s === "maplibre-gl" || s.includes("/panel/") || s.includes("/map/")))
      .map(([path]) => path);
    expect(offenders).toEqual([]);
  });

  it("the style has no symbol layers and names no URL (the app works offline)", () => {
    const offenders = Object.entries(sources)
      .filter(([path]) => path.startsWith("./map/"))
      .filter(([, text]) => /https?:\/\//.test(text) || /type:\s*"symbol"/.test(text))
      .map(([path]) => path);
    expect(offenders).toEqual([]);
  });
});
