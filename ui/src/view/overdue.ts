// How one overdue or at-risk appeal reads in the list: which appeal, who must answer, which
// term, and how late (or why it is at risk). No personal data: the channel's id of the appeal.
import type { OverdueItem } from "../backend";
import { formatDecimal } from "./format";
import { formatInstant } from "./dates";

const STAGES: Record<string, string> = { first_reply: "первый ответ", answer: "ответ", resolution: "решение" };
const CHANNELS: Record<string, string> = { pos: "ПОС", im: "ИМ", letter: "Письмо", hotline: "Горячая линия" };

/** `5 дн.` from 48 hours on, else `7,5 ч`. */
export function formatLateness(hours: number): string {
  return hours >= 48 ? `${Math.floor(hours / 24)}\u00a0дн.` : `${formatDecimal(hours, 1)}\u00a0ч`;
}

export function overdueLine(item: OverdueItem): { title: string; detail: string; overdue: boolean } {
  const channel = CHANNELS[item.channel] ?? item.channel;
  const stage = STAGES[item.stage] ?? item.stage;
  const who = item.agency_ru ?? "исполнитель не назначен";
  const overdue = item.status === "overdue";
  const tail = overdue ? `просрочено на ${formatLateness(item.hours)}` : item.reason_ru;
  return { title: `${channel} ${item.external_id}`, detail: `${who} · ${stage} до ${formatInstant(item.due)} · ${tail}`, overdue };
}
