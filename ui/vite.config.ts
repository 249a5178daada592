// Build and test configuration of the tsur web view.
// The Tauri shell loads ui/dist (relative paths, hence base "./") and, in development,
// the dev server on the fixed port 1420 (see tauri.conf.json: devUrl / frontendDist).
import { defineConfig } from "vitest/config";

export default defineConfig({
  base: "./",
  clearScreen: false,
  server: {
    port: 1420,
    strictPort: true,
  },
  preview: {
    port: 1420,
    strictPort: true,
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // WebKitGTK (Linux), WKWebView (macOS) and WebView2 (Windows): Safari 15 is the oldest engine.
    target: ["es2021", "safari15"],
    // maplibre-gl alone is ~1 MB minified; it is loaded from disk, not the network.
    chunkSizeWarningLimit: 1600,
    sourcemap: false,
  },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
