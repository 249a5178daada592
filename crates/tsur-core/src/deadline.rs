//! Deadlines of each stage of an appeal under its legal regime, with an explanation a
//! person can check by hand.
//!
//! Rules (see `docs/deadlines.md` for the legal sources):
//! - A term in days runs from the day after the event that starts it (ГК РФ ст. 191).
//! - A term in **calendar** days ends on its last day; if that day is not a working day,
//!   the term ends on the next working day (ГК РФ ст. 193, and the rule).
//! - A term in **working** days counts only working days of the production calendar.
//! - A term ends when the office closes on its last day (ГК РФ ст. 194: an action due
//!   from an organisation is due by the end of its working hours).
//! - A term in **working hours** (ИМ's first reply) adds office time: it starts at the
//!   receipt if the office is open, else at the next opening.

use crate::calendar::{Day, ProductionCalendar};
use crate::reference::{DayKind, Regime};
use crate::time::local_date;
use chrono::{DateTime, Duration, NaiveDate, Utc};

/// A stage of processing that has a deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    /// Registration of a written appeal.
    Registration,
    /// Redirection to the competent body.
    Redirection,
    /// First reply (ИМ).
    FirstReply,
    /// The answer.
    Answer,
}

impl Stage {
    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            Stage::Registration => "registration",
            Stage::Redirection => "redirection",
            Stage::FirstReply => "first_reply",
            Stage::Answer => "answer",
        }
    }

    /// Russian name.
    pub fn label_ru(self) -> &'static str {
        match self {
            Stage::Registration => "регистрация",
            Stage::Redirection => "перенаправление по компетенции",
            Stage::FirstReply => "первый ответ",
            Stage::Answer => "ответ по существу",
        }
    }
}

/// A day the term passed over, and why it did not count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedDay {
    /// The local date.
    pub date: NaiveDate,
    /// Why it is not a working day, in Russian.
    pub reason: String,
}

/// Why a deadline is what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// The regime's name.
    pub regime: String,
    /// The instant the term starts from.
    pub start: DateTime<Utc>,
    /// The rule in words.
    pub rule: String,
    /// Non-working days the term passed over or was moved past.
    pub skipped: Vec<SkippedDay>,
    /// Days added by an extension.
    pub extension_days: u32,
    /// True when a day involved comes from a predicted (not yet official) calendar.
    pub predicted: bool,
}

/// The deadline of one stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageDeadline {
    /// The stage.
    pub stage: Stage,
    /// When it is due.
    pub due: DateTime<Utc>,
    /// Why.
    pub explanation: Explanation,
}

/// Why deadlines cannot be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeadlineError {
    /// The regime allows no extension.
    #[error("extended_days: режим «{regime}» не допускает продления срока")]
    NoExtensionAllowed {
        /// The regime.
        regime: String,
    },
    /// The extension is longer than the regime allows.
    #[error("extended_days: продление на {asked} дн. больше допустимого режимом «{regime}» ({allowed} дн.)")]
    ExtensionTooLong {
        /// The regime.
        regime: String,
        /// Asked.
        asked: u32,
        /// Allowed.
        allowed: u32,
    },
}

fn skipped(calendar: &ProductionCalendar, date: NaiveDate, out: &mut Vec<SkippedDay>, predicted: &mut bool) -> bool {
    let info = calendar.day(date);
    *predicted |= info.predicted;
    match info.day {
        Day::Working { .. } => false,
        Day::Off(reason) => {
            out.push(SkippedDay { date, reason: reason.label_ru() });
            true
        }
    }
}

/// `days` calendar days from the day after `start`; a last day that is not working moves
/// to the next working day. Due at that day's closing time.
pub fn calendar_days(calendar: &ProductionCalendar, start: DateTime<Utc>, days: u32) -> (DateTime<Utc>, Vec<SkippedDay>, bool) {
    let mut day = local_date(start) + Duration::days(i64::from(days));
    let mut out = Vec::new();
    let mut predicted = false;
    while skipped(calendar, day, &mut out, &mut predicted) {
        day += Duration::days(1);
    }
    (calendar.closing(day).expect("a working day"), out, predicted)
}

/// `days` working days counted from the day after `start`. Due at the last one's closing.
pub fn working_days(calendar: &ProductionCalendar, start: DateTime<Utc>, days: u32) -> (DateTime<Utc>, Vec<SkippedDay>, bool) {
    let mut day = local_date(start);
    let mut out = Vec::new();
    let mut predicted = false;
    let mut counted = 0;
    while counted < days.max(1) {
        day += Duration::days(1);
        if !skipped(calendar, day, &mut out, &mut predicted) {
            counted += 1;
        }
    }
    (calendar.closing(day).expect("a working day"), out, predicted)
}

/// `hours` of office time from `start` (or from the next opening if the office is closed).
pub fn working_hours(calendar: &ProductionCalendar, start: DateTime<Utc>, hours: u32) -> (DateTime<Utc>, Vec<SkippedDay>, bool) {
    let mut left = Duration::hours(i64::from(hours));
    let mut day = local_date(start);
    let mut out = Vec::new();
    let mut predicted = false;
    loop {
        let info = calendar.day(day);
        predicted |= info.predicted;
        match info.day {
            Day::Off(reason) => out.push(SkippedDay { date: day, reason: reason.label_ru() }),
            Day::Working { opens, closes, .. } => {
                let from = crate::calendar::local(day, opens).max(start);
                let until = crate::calendar::local(day, closes);
                if from < until {
                    let available = until - from;
                    if available >= left {
                        return (from + left, out, predicted);
                    }
                    left -= available;
                }
            }
        }
        day += Duration::days(1);
    }
}

/// The deadlines of every stage the regime sets, for an appeal received at `received`
/// and registered at `registered` (the receipt when not yet registered), with an answer
/// term extended by `extension_days`.
pub fn deadlines(
    regime: &Regime,
    calendar: &ProductionCalendar,
    received: DateTime<Utc>,
    registered: Option<DateTime<Utc>>,
    extension_days: u32,
) -> Result<Vec<StageDeadline>, DeadlineError> {
    if extension_days > 0 {
        let allowed = regime.extension_days.filter(|_| regime.max_extensions.unwrap_or(0) > 0);
        match allowed {
            None => return Err(DeadlineError::NoExtensionAllowed { regime: regime.name_ru.clone() }),
            Some(allowed) if extension_days > allowed => {
                return Err(DeadlineError::ExtensionTooLong { regime: regime.name_ru.clone(), asked: extension_days, allowed })
            }
            Some(_) => {}
        }
    }
    let registered = registered.unwrap_or(received);
    let mut out = Vec::new();
    let explain = |start, rule: String, skipped, extension_days, predicted| Explanation {
        regime: regime.name_ru.clone(),
        start,
        rule,
        skipped,
        extension_days,
        predicted,
    };
    if let Some(days) = regime.register_days {
        let (due, skipped, predicted) = calendar_days(calendar, received, days);
        let rule = format!("{days} календарн. дн. с поступления; последний нерабочий день переносится на ближайший рабочий");
        out.push(StageDeadline { stage: Stage::Registration, due, explanation: explain(received, rule, skipped, 0, predicted) });
    }
    if let Some(days) = regime.redirect_days {
        let (due, skipped, predicted) = calendar_days(calendar, registered, days);
        let rule = format!("{days} календарн. дн. с регистрации");
        out.push(StageDeadline { stage: Stage::Redirection, due, explanation: explain(registered, rule, skipped, 0, predicted) });
    }
    if let Some(hours) = regime.first_reply_working_hours {
        let (due, skipped, predicted) = working_hours(calendar, received, hours);
        let rule = format!("{hours} рабочих часов с поступления");
        out.push(StageDeadline { stage: Stage::FirstReply, due, explanation: explain(received, rule, skipped, 0, predicted) });
    }
    if let Some(days) = regime.answer_days {
        let total = days + extension_days;
        let (due, skipped, predicted, rule) = match regime.answer_day_kind {
            DayKind::Calendar => {
                let (d, s, p) = calendar_days(calendar, registered, total);
                (d, s, p, format!("{days} календарн. дн. с регистрации"))
            }
            DayKind::Working => {
                let (d, s, p) = working_days(calendar, registered, total);
                (d, s, p, format!("{days} рабочих дн. с регистрации"))
            }
        };
        let rule = if extension_days > 0 { format!("{rule}, продлено на {extension_days} дн.") } else { rule };
        out.push(StageDeadline { stage: Stage::Answer, due, explanation: explain(registered, rule, skipped, extension_days, predicted) });
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
