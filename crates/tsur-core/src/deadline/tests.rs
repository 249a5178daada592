//! Deadlines worked out by hand from the official production calendars (Постановления
//! Правительства РФ о переносе выходных: 2025 — № 1335 от 04.10.2024; 2026 — № 1466 от
//! 24.09.2025; 2027 — № 1187 от 17.09.2026) and the default office hours (Mon–Thu
//! 09:00–18:00, Fri and working Saturdays 09:00–16:45, pre-holiday days one hour shorter).
//! Each row: regime, received (local), registered (local, "" = at receipt), extension days,
//! stage, expected due (local), with the count in a comment.

use super::*;
use crate::calendar::{local, CompiledCalendar, ProductionCalendar};
use crate::fast_track::{FastTrack, TermUnit};
use crate::reference::{AnswerFrom, DayKind, Regime};
use crate::Channel;
use chrono::NaiveDateTime;
use proptest::prelude::*;

fn regime(id: &str) -> Regime {
    let base = Regime {
        id: id.into(),
        channel: Channel::Pos,
        name_ru: id.into(),
        register_days: None,
        redirect_days: None,
        answer_days: Some(8),
        answer_day_kind: DayKind::Working,
        answer_from: AnswerFrom::Registration,
        first_reply_working_hours: None,
        extension_days: None,
        max_extensions: None,
        source: String::new(),
    };
    match id {
        "fz59" => Regime {
            channel: Channel::Fz59,
            register_days: Some(3),
            redirect_days: Some(7),
            answer_days: Some(30),
            answer_day_kind: DayKind::Calendar,
            extension_days: Some(30),
            max_extensions: Some(1),
            ..base
        },
        "im" => Regime { channel: Channel::Im, first_reply_working_hours: Some(8), answer_from: AnswerFrom::FirstReply, ..base },
        _ => base,
    }
}

fn at(s: &str) -> DateTime<Utc> {
    let t = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
    local(t.date(), t.time())
}

fn fast_track(term: u32, unit: TermUnit) -> FastTrack {
    let d = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
    FastTrack {
        id: "ft".into(),
        name_ru: "проверка".into(),
        topics: vec![],
        municipalities: vec![],
        answer_term: term,
        answer_unit: unit,
        agency_id: "minstroy".into(),
        approved_by: "руководитель блока".into(),
        approved_at: d,
        valid_from: d,
        valid_until: None,
        source: String::new(),
    }
}

/// `extra` adds one fact to the basis: `ft:<n>:wd|wh` a fast-track of n working days or
/// hours; `reply:<local>` the first reply; `reopen:<local>` a reopening; `plan:<date>` a
/// deferral's plan date; `off:<date>` a regional day off.
fn check(regime_id: &str, received: &str, registered: &str, extension: u32, extra: &str, stage: Stage, expected: &str) {
    let mut calendar = ProductionCalendar::default();
    let regime = regime(regime_id);
    let mut basis = Basis::new(&regime, at(received));
    basis.registered = (!registered.is_empty()).then(|| at(registered));
    basis.extension_days = extension;
    let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let track;
    match extra.split_once(':') {
        None => {}
        Some(("ft", spec)) => {
            let (n, unit) = spec.split_once(':').unwrap();
            track = fast_track(n.parse().unwrap(), if unit == "wh" { TermUnit::WorkingHours } else { TermUnit::WorkingDays });
            basis.fast_track = Some(&track);
        }
        Some(("reply", t)) => basis.first_reply = Some(at(t)),
        Some(("reopen", t)) => basis.reopened = Some(at(t)),
        Some(("plan", d)) => basis.deferred_until = Some(date(d)),
        Some(("off", d)) => {
            calendar.overrides.insert(date(d), crate::calendar::Override::DayOff("день региона".into()));
        }
        Some((other, _)) => panic!("unknown extra {other}"),
    }
    let all = explain(&basis, &calendar).unwrap();
    let got = all.iter().find(|d| d.stage == stage).unwrap_or_else(|| panic!("{regime_id}: no {stage:?}"));
    let got_local = got.due.with_timezone(&crate::time::ZONE).format("%Y-%m-%d %H:%M").to_string();
    let case = format!("{regime_id} received {received} registered {registered:?} +{extension} {extra}: {stage:?}");
    assert_eq!(got_local, expected, "{case}");
    // The fast engine over the compiled calendar gives the same instant.
    let compiled = CompiledCalendar::new(calendar);
    let term = terms(&basis).unwrap().into_iter().flatten().find(|t| t.stage == stage).unwrap();
    assert_eq!(term.due(&compiled), (got.due, got.explanation.predicted), "fast engine, {case}");
}

#[test]
fn deadline_table() {
    use Stage::*;
    #[rustfmt::skip]
    let cases: &[(&str, &str, &str, u32, &str, Stage, &str)] = &[
        // ПОС, 8 working days from the day after receipt.
        // Mar 3,4,5,6 | 7 Sat, 8 Sun (8 Марта), 9 transferred | 10,11,12,13 (Fri closes 16:45).
        ("pos", "2026-03-02 10:00", "", 0, "", Answer, "2026-03-13 16:45"),
        // Dec 25,26,29,30 | Dec 31 2025 off, Jan 1–8 holidays, Jan 9 transferred, 10–11 weekend | Jan 12,13,14,15.
        ("pos", "2025-12-24 15:00", "", 0, "", Answer, "2026-01-15 18:00"),
        // Received on a holiday (Sat 3 Jan): Jan 12,13,14,15,16,19,20,21.
        ("pos", "2026-01-03 12:00", "", 0, "", Answer, "2026-01-21 18:00"),
        // May holidays 2026: May 1, 2–3, | 4,5,6,7,8 | 9 (Sat, Victory Day), 10, 11 transferred | 12,13,14.
        ("pos", "2026-04-30 11:00", "", 0, "", Answer, "2026-05-14 18:00"),
        // Ends on a shortened pre-holiday Friday, 8 May 2026: 16:45 − 1 h.
        ("pos", "2026-04-27 09:30", "", 0, "", Answer, "2026-05-08 15:45"),
        // Ends on Tue 3 Nov 2026, shortened before 4 Nov: 18:00 − 1 h.
        ("pos", "2026-10-22 17:00", "", 0, "", Answer, "2026-11-03 17:00"),
        // Working Saturday 1 Nov 2025 counts: Nov 1 | 2 Sun, 3 transferred, 4 holiday | 5,6,7,10,11,12,13.
        ("pos", "2025-10-31 14:00", "", 0, "", Answer, "2025-11-13 18:00"),
        // After office hours on a Friday: Nov 2,3 | 4 holiday | 5,6,9,10,11,12.
        ("pos", "2026-10-30 20:00", "", 0, "", Answer, "2026-11-12 18:00"),
        // Late evening local time (18:30 UTC): still 10 June. Jun 11 | 12 holiday, 13–14 | 15..19, 22, 23.
        ("pos", "2026-06-10 22:30", "", 0, "", Answer, "2026-06-23 18:00"),
        ("pos", "2026-06-10 23:59", "", 0, "", Answer, "2026-06-23 18:00"),
        // Just after local midnight (20:01 UTC of 10 June): counting starts on 12 June, a holiday.
        ("pos", "2026-06-11 00:01", "", 0, "", Answer, "2026-06-24 18:00"),
        // Working Saturday 20 Feb 2027 | 21 Sun, 22 transferred, 23 holiday | 24,25,26, Mar 1,2,3,4.
        ("pos", "2027-02-19 10:00", "", 0, "", Answer, "2027-03-04 18:00"),
        // A predicted year with a leap day: Feb 29 | Mar 1,2,3 | 6,7 | 8 Mar (Wed) | 9,10.
        ("pos", "2028-02-28 10:00", "", 0, "", Answer, "2028-03-10 16:45"),

        // 59-ФЗ registration: 3 calendar days from receipt, moved past non-working days.
        // Mar 8 (Sun, holiday), Mar 9 transferred → Tue 10 Mar.
        ("fz59", "2026-03-05 11:00", "", 0, "", Registration, "2026-03-10 18:00"),
        // Ends on Thu 30 Apr 2026, shortened before May Day.
        ("fz59", "2026-04-27 09:00", "", 0, "", Registration, "2026-04-30 17:00"),
        // Ends on 1 Jan 2026 → holidays to Jan 9, weekend → Mon 12 Jan.
        ("fz59", "2025-12-29 10:00", "", 0, "", Registration, "2026-01-12 18:00"),
        // Ends on a Sunday (19 Jul 2026) → Monday.
        ("fz59", "2026-07-16 16:00", "", 0, "", Registration, "2026-07-20 18:00"),
        // Received on the working Saturday 20 Feb 2027: +3 = 23 Feb, a holiday → Wed 24.
        ("fz59", "2027-02-20 10:00", "", 0, "", Registration, "2027-02-24 18:00"),

        // 59-ФЗ redirection: 7 calendar days from registration.
        // Mon 16 Feb 2026 + 7 = Mon 23 Feb, a holiday → Tue 24.
        ("fz59", "2026-02-13 10:00", "2026-02-16 10:00", 0, "", Redirection, "2026-02-24 18:00"),
        // Sat 2 May + 7 = Sat 9 May (Victory Day), 10 Sun, 11 transferred → Tue 12.
        ("fz59", "2026-05-01 10:00", "2026-05-02 10:00", 0, "", Redirection, "2026-05-12 18:00"),

        // 59-ФЗ answer: 30 calendar days from registration.
        // 30 Jan + 30 = 1 Mar 2026 (Sun) → Mon 2 Mar.
        ("fz59", "2026-01-29 10:00", "2026-01-30 12:00", 0, "", Answer, "2026-03-02 18:00"),
        // 30 Jan 2028 + 30 = 29 Feb 2028, a leap day (predicted calendar), Tuesday.
        ("fz59", "2028-01-28 10:00", "2028-01-30 12:00", 0, "", Answer, "2028-02-29 18:00"),
        // 9 Apr + 30 = 9 May (holiday, Sat), 10 Sun, 11 transferred → Tue 12 May.
        ("fz59", "2026-04-08 10:00", "2026-04-09 10:00", 0, "", Answer, "2026-05-12 18:00"),
        // The same with the one extension of 30 days: 9 Apr + 60 = Mon 8 Jun.
        ("fz59", "2026-04-08 10:00", "2026-04-09 10:00", 30, "", Answer, "2026-06-08 18:00"),
        // A shorter extension of 10 days: 9 Apr + 40 = Tue 19 May.
        ("fz59", "2026-04-08 10:00", "2026-04-09 10:00", 10, "", Answer, "2026-05-19 18:00"),
        // Registered on a holiday (4 Nov): + 30 = Fri 4 Dec.
        ("fz59", "2026-11-03 10:00", "2026-11-04 10:00", 0, "", Answer, "2026-12-04 16:45"),
        // 1 Dec + 30 = 31 Dec 2026 (transferred), 1–8 Jan 2027 holidays, 9–10 weekend → Mon 11 Jan.
        ("fz59", "2026-11-30 10:00", "2026-12-01 10:00", 0, "", Answer, "2027-01-11 18:00"),

        // ИМ first reply: 8 working hours.
        ("im", "2026-03-04 10:00", "", 0, "", FirstReply, "2026-03-04 18:00"),
        // 4 h on Wednesday (14–18), 4 h on Thursday (9–13).
        ("im", "2026-03-04 14:00", "", 0, "", FirstReply, "2026-03-05 13:00"),
        // Fri 15:00–16:45 = 1 h 45 min; 7, 8, 9 Mar off; Tue 10 09:00 + 6 h 15 min.
        ("im", "2026-03-06 15:00", "", 0, "", FirstReply, "2026-03-10 15:15"),
        // At night: the clock starts at 09:00.
        ("im", "2026-03-03 02:00", "", 0, "", FirstReply, "2026-03-03 17:00"),
        // Shortened 30 Apr: 12:00–17:00 = 5 h; May 1–3 off; Mon 4 May 09:00 + 3 h.
        ("im", "2026-04-30 12:00", "", 0, "", FirstReply, "2026-05-04 12:00"),
        // On a New Year holiday: first working day is Mon 12 Jan.
        ("im", "2026-01-05 10:00", "", 0, "", FirstReply, "2026-01-12 17:00"),
        // After closing on Thursday: Fri 09:00–16:45 = 7 h 45 min; then Tue 10 Mar 09:15.
        ("im", "2026-03-05 19:00", "", 0, "", FirstReply, "2026-03-10 09:15"),
        // Working Saturday 1 Nov 2025, shortened (09:00–15:45): 5 h 45 min; Nov 2–4 off; Wed 5 Nov 11:15.
        ("im", "2025-11-01 10:00", "", 0, "", FirstReply, "2025-11-05 11:15"),
        // ИМ answer: 8 working days. Mar 5, 6 | 7–9 off | 10..13, 16, 17.
        ("im", "2026-03-04 10:00", "", 0, "", Answer, "2026-03-17 18:00"),

        // Fast-tracks replace the answer term.
        // 2 working days: Mar 3, 4.
        ("pos", "2026-03-02 10:00", "", 0, "ft:2:wd", Answer, "2026-03-04 18:00"),
        // 8 working hours from Fri 15:00: as the ИМ first reply above.
        ("pos", "2026-03-06 15:00", "", 0, "ft:8:wh", Answer, "2026-03-10 15:15"),
        // 2 working days over New Year: Dec 31 2025 – Jan 11 2026 off | Jan 12, 13.
        ("pos", "2025-12-30 12:00", "", 0, "ft:2:wd", Answer, "2026-01-13 18:00"),
        // ИМ answer counts from the interim reply (Thu 5 Mar): 6 | 7–9 off | 10..13, 16, 17, 18.
        ("im", "2026-03-04 10:00", "", 0, "reply:2026-03-05 11:00", Answer, "2026-03-18 18:00"),
        // Reopened by the citizen on Mon 6 Apr: 8 working days again, Apr 7..10, 13..16.
        ("pos", "2026-03-02 10:00", "", 0, "reopen:2026-04-06 12:00", Answer, "2026-04-16 18:00"),
        // Deferred to Sun 12 Jul 2026: due Monday 13 Jul at closing.
        ("pos", "2026-03-02 10:00", "", 0, "plan:2026-07-12", Resolution, "2026-07-13 18:00"),
        // Deferred to Tue 3 Nov 2026, shortened before 4 Nov.
        ("pos", "2026-03-02 10:00", "", 0, "plan:2026-11-03", Resolution, "2026-11-03 17:00"),
        // A regional day off on Fri 13 Mar 2026 pushes the first ПОС case to Mon 16 Mar.
        ("pos", "2026-03-02 10:00", "", 0, "off:2026-03-13", Answer, "2026-03-16 18:00"),
    ];
    assert!(cases.len() >= 40);
    for &(regime_id, received, registered, extension, extra, stage, expected) in cases {
        check(regime_id, received, registered, extension, extra, stage, expected);
    }
}

#[test]
fn explanation_names_every_skipped_day() {
    let calendar = ProductionCalendar::default();
    let all = deadlines(&regime("pos"), &calendar, at("2026-03-02 10:00"), None, 0).unwrap();
    let skipped: Vec<(String, String)> = all[0].explanation.skipped.iter().map(|s| (s.date.to_string(), s.reason.clone())).collect();
    assert_eq!(
        skipped,
        vec![
            ("2026-03-07".to_owned(), "выходной день".to_owned()),
            ("2026-03-08".to_owned(), "нерабочий праздничный день: Международный женский день".to_owned()),
            ("2026-03-09".to_owned(), "перенесённый выходной день".to_owned()),
        ]
    );
    assert!(!all[0].explanation.predicted);
    let future = deadlines(&regime("pos"), &calendar, at("2028-02-28 10:00"), None, 0).unwrap();
    assert!(future[0].explanation.predicted, "2028 is not official yet");
}

#[test]
fn extensions_beyond_the_regime_are_refused() {
    let calendar = ProductionCalendar::default();
    let err = deadlines(&regime("fz59"), &calendar, at("2026-04-08 10:00"), None, 31).unwrap_err();
    assert_eq!(err.to_string(), "extended_days: продление на 31 дн. больше допустимого режимом «fz59» (30 дн.)");
    let err = deadlines(&regime("pos"), &calendar, at("2026-04-08 10:00"), None, 5).unwrap_err();
    assert_eq!(err.to_string(), "extended_days: режим «pos» не допускает продления срока");
}

#[test]
fn regional_override_moves_a_deadline() {
    let mut calendar = ProductionCalendar::default();
    // A regional day off on Fri 13 Mar 2026 pushes the ПОС answer of case 1 to Mon 16 Mar.
    calendar.overrides.insert(NaiveDate::from_ymd_opt(2026, 3, 13).unwrap(), crate::calendar::Override::DayOff("день региона".into()));
    let all = deadlines(&regime("pos"), &calendar, at("2026-03-02 10:00"), None, 0).unwrap();
    assert_eq!(all[0].due, at("2026-03-16 18:00"));
    let regional = all[0].explanation.skipped.iter().find(|s| s.date == NaiveDate::from_ymd_opt(2026, 3, 13).unwrap()).unwrap();
    assert_eq!(regional.reason, "региональный выходной: день региона");
}

proptest! {
    /// A deadline is never before its start, and a later start never gives an earlier deadline.
    #[test]
    fn deadlines_are_after_start_and_monotonic(minutes in 0i64..(3 * 366 * 24 * 60), step in 0i64..(10 * 24 * 60), id in prop::sample::select(vec!["pos", "fz59", "im"])) {
        let calendar = ProductionCalendar::default();
        let start = at("2025-06-01 00:00") + Duration::minutes(minutes);
        let later = start + Duration::minutes(step);
        let a = deadlines(&regime(id), &calendar, start, None, 0).unwrap();
        let b = deadlines(&regime(id), &calendar, later, None, 0).unwrap();
        for (x, y) in a.iter().zip(&b) {
            prop_assert!(x.due > start);
            prop_assert!(y.due >= x.due, "{:?}: {} then {}", x.stage, x.due, y.due);
        }
    }

    /// Adding working hours is monotonic in the hours added.
    #[test]
    fn more_working_hours_never_end_earlier(minutes in 0i64..(2 * 366 * 24 * 60), hours in 0u32..60) {
        let calendar = ProductionCalendar::default();
        let start = at("2025-06-01 00:00") + Duration::minutes(minutes);
        let (a, _, _) = working_hours(&calendar, start, hours);
        let (b, _, _) = working_hours(&calendar, start, hours + 1);
        prop_assert!(b > a);
        prop_assert!(a >= start);
    }
}
