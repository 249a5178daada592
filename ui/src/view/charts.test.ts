import { describe, expect, it } from "vitest";
import { chartsShown, repliesAlt, svgDataUrl, timelineAlt } from "./charts";

describe("svgDataUrl", () => {
  it.each([
    `<svg xmlns="http://www.w3.org/2000/svg"><text fill="#DC2626">Сигнал</text></svg>`,
    `<svg><text>a &amp; b, 50 % &lt; 60 %</text></svg>`,
    "",
  ])("percent-encodes %j so that it comes back whole", (svg) => {
    const url = svgDataUrl(svg);
    expect(url.startsWith("data:image/svg+xml;charset=utf-8,")).toBe(true);
    const body = url.slice(url.indexOf(",") + 1);
    expect(body).not.toMatch(/[<>#" ]/);
    expect(decodeURIComponent(body)).toBe(svg);
  });
});

describe("text alternatives", () => {
  it.each([
    [{ period_ru: "01.03.2026–30.03.2026", appeals: 12345, incidents: 2 }, "Обращения по дням за 01.03.2026–30.03.2026: всего 12\u00a0345; сигналов раннего предупреждения 2"],
    [{ period_ru: "15.06.2026", appeals: 0, incidents: 0 }, "Обращения по дням за 15.06.2026: всего 0; сигналов раннего предупреждения нет"],
  ])("timeline %#", (c, text) => {
    expect(timelineAlt(c)).toBe(text);
  });

  it.each([
    [
      { period_ru: "03.2026", answers_on_time: 879, answers_late: 99, unanswered_overdue: 515 },
      "Сроки ответов за 03.2026: ответов 978, в срок 58,9\u00a0%, с опозданием 99; без ответа после срока 515",
    ],
    [{ period_ru: "03.2026", answers_on_time: 0, answers_late: 0, unanswered_overdue: 4 }, "Сроки ответов за 03.2026: ответов 0, в срок 0\u00a0%, с опозданием 0; без ответа после срока 4"],
    [{ period_ru: "03.2026", answers_on_time: 0, answers_late: 0, unanswered_overdue: 0 }, "Сроки ответов за 03.2026: ответов нет"],
  ])("replies %#", (c, text) => {
    expect(repliesAlt(c)).toBe(text);
  });
});

describe("chartsShown", () => {
  it.each([
    ["laptop", { timeline: true, replies: true }],
    ["meeting", { timeline: true, replies: true }],
    ["wall", { timeline: true, replies: false }],
  ])("%s", (mode, shown) => {
    expect(chartsShown(mode)).toEqual(shown);
  });
});
