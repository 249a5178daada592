import { describe, expect, it } from "vitest";
import type { OverdueItem } from "../backend";
import { formatLateness, overdueLine } from "./overdue";

const item = (over: Partial<OverdueItem> = {}): OverdueItem => ({
  appeal_id: "a", channel: "pos", external_id: "123456", municipality: "astrakhan", block: "roads", topic: null, agency: "mindor", agency_ru: "Минтранс",
  fast_track: null, stage: "answer", due: "2026-11-02T18:00:00+04:00", status: "overdue", hours: 130.2, working_hours_left: -40, p_late: null,
  risk_basis: null, risk_sample: null, reason_ru: "срок «ответ» истёк", ...over,
});

describe("overdue list", () => {
  it.each([
    [130.2, "5\u00a0дн."],
    [48, "2\u00a0дн."],
    [7.54, "7,5\u00a0ч"],
  ])("%s h reads %s", (h, text) => expect(formatLateness(h)).toBe(text));

  it("names the appeal by its channel's id, the agency, the term and the lateness", () => {
    expect(overdueLine(item())).toEqual({ title: "ПОС 123456", detail: "Минтранс · ответ до 02.11.2026 18:00 · просрочено на 5\u00a0дн.", overdue: true });
  });

  it("says why an appeal is at risk, and when nobody is assigned", () => {
    const line = overdueLine(item({ status: "at_risk", agency_ru: null, stage: "first_reply", reason_ru: "вероятность просрочки 62 %" }));
    expect(line.detail).toBe("исполнитель не назначен · первый ответ до 02.11.2026 18:00 · вероятность просрочки 62 %");
    expect(line.overdue).toBe(false);
  });
});
