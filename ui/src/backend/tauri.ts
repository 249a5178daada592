// The real backend: the Rust commands of the Tauri shell, reached through the generated bindings.
import { commands } from "./bindings";
import { unwrap } from "./error";
import type { Backend } from "./backend";

/** Calls the Rust commands; a `{status: "error"}` answer becomes a thrown `BackendError`. */
export const tauriBackend: Backend = {
  async mapBase() {
    return unwrap(await commands.mapBase());
  },
  async overview(period) {
    return unwrap(await commands.overview(period));
  },
  async appMode() {
    return unwrap(await commands.appMode());
  },
  async room(filter) {
    return unwrap(await commands.room(filter));
  },
  async charts(filter, dark) {
    return unwrap(await commands.charts(filter, dark));
  },
  async overdue(filter, limit) {
    return unwrap(await commands.overdue(filter, limit));
  },
  async syncStatus() {
    return unwrap(await commands.syncStatus());
  },
  async caseView(id) {
    return unwrap(await commands.caseView(id));
  },
  async problemAppeals(id, limit) {
    return unwrap(await commands.problemAppeals(id, limit));
  },
  async searchAppeals(query, limit) {
    return unwrap(await commands.searchAppeals(query, limit));
  },
};
