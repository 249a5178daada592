import { describe, expect, it } from "vitest";
import { formatInstant } from "./dates";
import { syncLine } from "./sync";

const base = { configured: true, server: "c:5432/tsur", login: "ivanova", last_success: "2026-11-29T11:20:00Z", last_error: null, pending: 0, pending_more: false };

describe("sync status line", () => {
  it("says nothing when no central database is configured", () => {
    expect(syncLine({ ...base, configured: false })).toBeNull();
  });
  it.each([
    [base, "Синхронизировано: 29.11.2026 15:20", "ok"],
    [{ ...base, pending: 12 }, "Синхронизировано: 29.11.2026 15:20; ждут отправки: 12", "waiting"],
    [{ ...base, last_error: "нет сети", pending: 3 }, "Нет связи с центральной базой (последняя синхронизация: 29.11.2026 15:20; ждут отправки: 3)", "offline"],
    [{ ...base, last_success: null }, "Синхронизировано: ещё не было", "ok"],
    [{ ...base, pending: 100000, pending_more: true }, "Синхронизировано: 29.11.2026 15:20; ждут отправки: более 100\u00a0000", "waiting"],
    [{ ...base, pending: 1234 }, "Синхронизировано: 29.11.2026 15:20; ждут отправки: 1\u00a0234", "waiting"],
  ])("%o", (status, text, tone) => {
    expect(syncLine(status)).toEqual({ text, tone });
  });
  it("shows instants in Astrakhan time", () => {
    expect(formatInstant("2026-12-31T21:30:00Z")).toBe("01.01.2027 01:30");
    expect(formatInstant("не дата")).toBe("не дата");
  });
});
