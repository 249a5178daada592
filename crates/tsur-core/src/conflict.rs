//! Conflict radar (decree 2.1.4): appeals that signal a conflict brewing — the same author
//! or the same address coming back on the same topic, a citizen reopening the case, answers
//! rejected as formal replies, words of escalation (прокуратура, суд, Президент, СМИ …).
//! Every flag states its reasons in Russian; the author is compared by a key and never
//! named.

use crate::{AppealId, TopicId};
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;

/// What the radar looks at in one appeal.
#[derive(Debug, Clone, PartialEq)]
pub struct RadarInput<'a> {
    /// The appeal.
    pub id: AppealId,
    /// Its topic, once classified.
    pub topic: Option<&'a TopicId>,
    /// When received.
    pub at: DateTime<Utc>,
    /// A key of the author (from normalised contacts), never the contacts themselves.
    pub author_key: Option<u64>,
    /// The address, normalised (lowercase letters and digits).
    pub address_key: Option<String>,
    /// The text.
    pub text: &'a str,
    /// Times the citizen reopened it.
    pub reopened: u32,
    /// Answers rejected as formal replies.
    pub rejected_answers: u32,
}

/// A flagged appeal and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Flag {
    /// The appeal.
    pub id: AppealId,
    /// The reasons, in Russian.
    pub reasons: Vec<String>,
    /// How strong the signal is (each reason adds; escalation words weigh most).
    pub score: u32,
}

/// How far back a return on the same topic counts.
pub const RETURN_WINDOW_DAYS: i64 = 180;

/// Word stems of escalation, with the phrase shown in the reason.
const ESCALATION: &[(&str, &str)] = &[
    ("прокурат", "прокуратура"),
    ("прокурор", "прокуратура"),
    ("в суд", "суд"),
    ("судебн", "суд"),
    ("иск ", "суд"),
    ("президент", "Президент"),
    ("путин", "Президент"),
    ("администрацию президента", "Президент"),
    ("следственн", "Следственный комитет"),
    ("бастрыкин", "Следственный комитет"),
    ("сми", "СМИ"),
    ("журналист", "СМИ"),
    ("телевидени", "СМИ"),
    ("первый канал", "СМИ"),
    ("митинг", "протест"),
    ("пикет", "протест"),
    ("перекроем", "протест"),
    ("перекрыть трассу", "протест"),
    ("голодовк", "протест"),
    ("коллективн", "коллективное обращение"),
    ("всем домом", "коллективное обращение"),
    ("жители улицы", "коллективное обращение"),
    ("сколько можно", "повторная жалоба"),
    ("в который раз", "повторная жалоба"),
    ("уже писали", "повторная жалоба"),
    ("никто не реагирует", "повторная жалоба"),
    ("отписк", "отписки"),
];

/// The escalation signals in a text (distinct phrases, in the order above).
pub fn escalation(text: &str) -> Vec<&'static str> {
    let lower = format!(" {} ", text.to_lowercase().replace('ё', "е"));
    let mut out: Vec<&'static str> = Vec::new();
    for (stem, what) in ESCALATION {
        // `сми` must be a word of its own, not a part of «смирились».
        let found = if *stem == "сми" { lower.split(|c: char| !c.is_alphanumeric()).any(|w| w == "сми") } else { lower.contains(stem) };
        if found && !out.contains(what) {
            out.push(what);
        }
    }
    out
}

/// Flags the appeals (given in any order) with their reasons; appeals with none are left out.
pub fn radar(appeals: &[RadarInput<'_>]) -> Vec<Flag> {
    let mut order: Vec<usize> = (0..appeals.len()).collect();
    order.sort_by_key(|&i| (appeals[i].at, appeals[i].id));
    // Earlier appeals per (author, topic) and (address, topic), for returns.
    let mut by_author: HashMap<(u64, &TopicId), Vec<DateTime<Utc>>> = HashMap::new();
    let mut by_address: HashMap<(&str, &TopicId), Vec<DateTime<Utc>>> = HashMap::new();
    let window = Duration::days(RETURN_WINDOW_DAYS);
    let mut out = Vec::new();
    for i in order {
        let a = &appeals[i];
        let mut reasons = Vec::new();
        let mut score = 0;
        if let Some(topic) = a.topic {
            if let Some(key) = a.author_key {
                let before = by_author.entry((key, topic)).or_default();
                let n = before.iter().filter(|t| a.at - **t <= window).count();
                if n >= 1 {
                    reasons.push(format!("тот же заявитель обращается по этой теме {}-й раз за {RETURN_WINDOW_DAYS} дн.", n + 1));
                    score += 2 + n.min(3) as u32;
                }
                before.push(a.at);
            }
            if let Some(addr) = a.address_key.as_deref().filter(|s| !s.is_empty()) {
                let before = by_address.entry((addr, topic)).or_default();
                let n = before.iter().filter(|t| a.at - **t <= window).count();
                if n >= 2 {
                    reasons.push(format!("по этому адресу и этой теме уже {n} обращения за {RETURN_WINDOW_DAYS} дн."));
                    score += 1 + n.min(3) as u32;
                }
                before.push(a.at);
            }
        }
        if a.reopened > 0 {
            reasons.push(format!("заявитель {} раз(а) ответил «не решено»", a.reopened));
            score += 2 * a.reopened.min(3);
        }
        if a.rejected_answers > 0 {
            reasons.push(format!("ответ {} раз(а) отклонён модерацией как отписка", a.rejected_answers));
            score += a.rejected_answers.min(3);
        }
        let words = escalation(a.text);
        if !words.is_empty() {
            reasons.push(format!("признаки эскалации в тексте: {}", words.join(", ")));
            score += 3 * words.len() as u32;
        }
        if !reasons.is_empty() {
            out.push(Flag { id: a.id, reasons, score });
        }
    }
    out.sort_by(|a, b| b.score.cmp(&a.score).then(a.id.cmp(&b.id)));
    out
}

/// A normalised address: lowercase letters and digits, words joined by one space.
pub fn address_key(address: &str) -> String {
    address.to_lowercase().replace('ё', "е").split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use uuid::Uuid;

    #[test]
    fn escalation_words_table() {
        #[rustfmt::skip]
        let cases: &[(&str, &[&str])] = &[
            ("Если не сделаете, обращусь в прокуратуру и в суд", &["прокуратура", "суд"]),
            ("Напишем Президенту и на Первый канал", &["Президент", "СМИ"]),
            ("Жители смирились, но просят починить", &[]),
            ("Позвоним в СМИ", &["СМИ"]),
            ("Сколько можно терпеть, получаем одни отписки", &["повторная жалоба", "отписки"]),
            ("Всем домом выйдем на митинг", &["протест", "коллективное обращение"]),
            ("Просто яма на дороге", &[]),
        ];
        for (text, expected) in cases {
            assert_eq!(escalation(text), expected.to_vec(), "{text}");
        }
    }

    #[test]
    fn returns_reopenings_and_formal_replies_are_flagged_with_reasons() {
        let t0 = Utc.with_ymd_and_hms(2026, 3, 2, 6, 0, 0).unwrap();
        let roads: TopicId = "road_potholes".into();
        let id = |n| AppealId(Uuid::from_u128(n));
        let base = |n: u128, days: i64| RadarInput {
            id: id(n),
            topic: Some(&roads),
            at: t0 + Duration::days(days),
            author_key: None,
            address_key: None,
            text: "Яма",
            reopened: 0,
            rejected_answers: 0,
        };
        let appeals = vec![
            RadarInput { author_key: Some(7), ..base(1, 0) },
            RadarInput { author_key: Some(7), ..base(2, 30) },
            RadarInput { author_key: Some(7), ..base(3, 400) }, // 370 and 400 days after the first two
            RadarInput { address_key: Some("ул ленина 5".into()), ..base(4, 1) },
            RadarInput { address_key: Some("ул ленина 5".into()), ..base(5, 2) },
            RadarInput { address_key: Some("ул ленина 5".into()), ..base(6, 3) },
            RadarInput { reopened: 2, rejected_answers: 1, ..base(7, 5) },
            base(8, 6),
        ];
        let flags = radar(&appeals);
        let of = |n| flags.iter().find(|f| f.id == id(n)).map(|f| f.reasons.join("; "));
        assert_eq!(of(1), None, "a first appeal is no return");
        assert_eq!(of(2).as_deref(), Some("тот же заявитель обращается по этой теме 2-й раз за 180 дн."));
        assert_eq!(of(3), None, "too long after");
        assert_eq!(of(5), None, "two at one address is not yet a pattern");
        assert_eq!(of(6).as_deref(), Some("по этому адресу и этой теме уже 2 обращения за 180 дн."));
        assert_eq!(of(7).as_deref(), Some("заявитель 2 раз(а) ответил «не решено»; ответ 1 раз(а) отклонён модерацией как отписка"));
        assert_eq!(of(8), None);
        assert_eq!(flags[0].id, id(7), "the strongest first");
    }

    #[test]
    fn addresses_normalise() {
        assert_eq!(address_key("г. Астрахань,  ул. Ленина, д.5"), "г астрахань ул ленина д 5");
    }
}
