// One tsur-app session through tauri-driver, shared by the test files of each mode.
import { remote } from "webdriverio";

export const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run tests/e2e/run.sh`);
  return value;
};

/** Starts the app with `args` (after `--db`) and waits until it shows its first figures. */
export async function openApp(args = []) {
  const browser = await remote({
    hostname: "127.0.0.1",
    port: 4444,
    logLevel: "warn",
    connectionRetryTimeout: 120_000,
    capabilities: {
      "wdio:enforceWebDriverClassic": true,
      "tauri:options": { application: env("TSUR_E2E_APP"), args: ["--db", env("TSUR_E2E_DB"), ...args] },
    },
  });
  await browser.waitUntil(async () => (await browser.execute(() => document.body.dataset.ready === "1" && document.body.dataset.roomReady === "1")), {
    timeout: 60_000,
    timeoutMsg: "the window never showed its first figures",
  });
  return browser;
}

/** `data-value` of the element with this test id. */
export const dataValue = (browser, id) => browser.execute((s) => document.querySelector(`[data-testid="${s}"]`)?.getAttribute("data-value") ?? null, id);
