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

use crate::calendar::{CompiledCalendar, Day, ProductionCalendar};
use crate::fast_track::{FastTrack, TermUnit};
use crate::reference::{AnswerFrom, DayKind, Regime};
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
    /// The solution by the plan date of a deferral.
    Resolution,
}

impl Stage {
    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            Stage::Registration => "registration",
            Stage::Redirection => "redirection",
            Stage::FirstReply => "first_reply",
            Stage::Answer => "answer",
            Stage::Resolution => "resolution",
        }
    }

    /// Russian name.
    pub fn label_ru(self) -> &'static str {
        match self {
            Stage::Registration => "регистрация",
            Stage::Redirection => "перенаправление по компетенции",
            Stage::FirstReply => "первый ответ",
            Stage::Answer => "ответ по существу",
            Stage::Resolution => "решение к плановой дате",
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

/// What the deadlines of one appeal depend on: its regime, the fast-track that covers it,
/// and the instants of its history that start or restart a term.
#[derive(Debug, Clone, Copy)]
pub struct Basis<'a> {
    /// The appeal's regime.
    pub regime: &'a Regime,
    /// The fast-track applied to it, if any.
    pub fast_track: Option<&'a FastTrack>,
    /// When it was received.
    pub received: DateTime<Utc>,
    /// When it was registered (the receipt when `None`).
    pub registered: Option<DateTime<Utc>>,
    /// Its first reply, interim or full (starts ИМ's answer term).
    pub first_reply: Option<DateTime<Utc>>,
    /// When the citizen last reopened it (restarts the answer term).
    pub reopened: Option<DateTime<Utc>>,
    /// Days added to the answer term by the extension.
    pub extension_days: u32,
    /// The plan date while the solution is deferred.
    pub deferred_until: Option<NaiveDate>,
}

impl<'a> Basis<'a> {
    /// A new appeal of `regime` received at `received`, nothing else known.
    pub fn new(regime: &'a Regime, received: DateTime<Utc>) -> Basis<'a> {
        Basis { regime, fast_track: None, received, registered: None, first_reply: None, reopened: None, extension_days: 0, deferred_until: None }
    }
}

/// One term to compute: from when, how much, in what unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Term<'a> {
    /// The stage.
    pub stage: Stage,
    /// The instant it counts from.
    pub start: DateTime<Utc>,
    /// How many units (extension included).
    pub count: u32,
    /// The unit.
    pub unit: TermUnit,
    /// Days of `count` that come from an extension.
    pub extension_days: u32,
    /// The fast-track that set it, if any.
    pub fast_track: Option<&'a FastTrack>,
}

/// The terms of every stage that applies, in [`Stage`] order (no allocation: this runs
/// for every appeal on every recompute). Refuses an extension the regime does not allow.
pub fn terms<'a>(b: &Basis<'a>) -> Result<[Option<Term<'a>>; 5], DeadlineError> {
    let regime = b.regime;
    if b.extension_days > 0 {
        let allowed = regime.extension_days.filter(|_| regime.max_extensions.unwrap_or(0) > 0);
        match allowed {
            None => return Err(DeadlineError::NoExtensionAllowed { regime: regime.name_ru.clone() }),
            Some(allowed) if b.extension_days > allowed => {
                return Err(DeadlineError::ExtensionTooLong { regime: regime.name_ru.clone(), asked: b.extension_days, allowed })
            }
            Some(_) => {}
        }
    }
    let registered = b.registered.unwrap_or(b.received);
    let term = |stage, start, count, unit| Term { stage, start, count, unit, extension_days: 0, fast_track: None };
    let registration = regime.register_days.map(|d| term(Stage::Registration, b.received, d, TermUnit::CalendarDays));
    let redirection = regime.redirect_days.map(|d| term(Stage::Redirection, registered, d, TermUnit::CalendarDays));
    let first_reply = regime.first_reply_working_hours.map(|h| term(Stage::FirstReply, b.received, h.max(1), TermUnit::WorkingHours));
    let answer_start = b.reopened.unwrap_or(match regime.answer_from {
        AnswerFrom::Registration => registered,
        AnswerFrom::FirstReply => b.first_reply.unwrap_or(registered).max(registered),
    });
    let answer = match b.fast_track {
        Some(ft) => Some(Term { fast_track: Some(ft), ..term(Stage::Answer, answer_start, ft.answer_term.max(1), ft.answer_unit) }),
        None => regime.answer_days.map(|d| {
            let unit = match regime.answer_day_kind {
                DayKind::Calendar => TermUnit::CalendarDays,
                DayKind::Working => TermUnit::WorkingDays,
            };
            term(Stage::Answer, answer_start, d, unit)
        }),
    }
    .map(|t| match t.unit {
        TermUnit::WorkingHours => t,
        _ => Term { count: t.count + b.extension_days, extension_days: b.extension_days, ..t },
    });
    let resolution = b.deferred_until.map(|plan| term(Stage::Resolution, crate::calendar::local(plan, chrono::NaiveTime::MIN), 0, TermUnit::CalendarDays));
    Ok([registration, redirection, first_reply, answer, resolution])
}

impl Term<'_> {
    /// The due instant and whether it rests on a predicted calendar, fast.
    pub fn due(&self, calendar: &CompiledCalendar) -> (DateTime<Utc>, bool) {
        match self.unit {
            TermUnit::CalendarDays => calendar.calendar_days(self.start, self.count),
            TermUnit::WorkingDays => calendar.working_days(self.start, self.count),
            TermUnit::WorkingHours => calendar.working_hours(self.start, self.count),
        }
    }

    /// The due instant with its explanation, walking the calendar day by day.
    pub fn explain(&self, regime: &Regime, calendar: &ProductionCalendar) -> StageDeadline {
        let (due, skipped, predicted) = match self.unit {
            TermUnit::CalendarDays => calendar_days(calendar, self.start, self.count),
            TermUnit::WorkingDays => working_days(calendar, self.start, self.count),
            TermUnit::WorkingHours => working_hours(calendar, self.start, self.count),
        };
        let base = self.count - self.extension_days;
        let from = match self.stage {
            Stage::Registration | Stage::FirstReply => "с поступления",
            Stage::Redirection => "с регистрации",
            Stage::Answer => "с начала срока ответа",
            Stage::Resolution => "",
        };
        let mut rule = match (self.stage, self.fast_track) {
            (Stage::Resolution, _) => format!("плановая дата решения {}; нерабочий день переносится на ближайший рабочий", local_date(self.start)),
            (_, Some(ft)) => format!("фаст-трек «{}»: {} {from}", ft.name_ru, self.unit.phrase_ru(base)),
            (_, None) => format!("{} {from}", self.unit.phrase_ru(base)),
        };
        if self.unit == TermUnit::CalendarDays && self.stage != Stage::Resolution {
            rule.push_str("; последний нерабочий день переносится на ближайший рабочий");
        }
        if self.extension_days > 0 {
            rule.push_str(&format!("; продлено на {} дн.", self.extension_days));
        }
        let explanation = Explanation { regime: regime.name_ru.clone(), start: self.start, rule, skipped, extension_days: self.extension_days, predicted };
        StageDeadline { stage: self.stage, due, explanation }
    }
}

/// The deadlines of every stage that applies, each with its explanation.
pub fn explain(basis: &Basis<'_>, calendar: &ProductionCalendar) -> Result<Vec<StageDeadline>, DeadlineError> {
    Ok(terms(basis)?.iter().flatten().map(|t| t.explain(basis.regime, calendar)).collect())
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
    explain(&Basis { registered, extension_days, ..Basis::new(regime, received) }, calendar)
}

/// Where one stage stands at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StageStatus {
    /// The stage.
    pub stage: Stage,
    /// The instant its term counts from.
    pub start: DateTime<Utc>,
    /// When it is due.
    pub due: DateTime<Utc>,
    /// When it was done, if it was.
    pub done: Option<DateTime<Utc>>,
    /// Whether the due date rests on a predicted calendar.
    pub predicted: bool,
    /// Office time from the instant asked (or from when it was done) to the due instant:
    /// negative when overdue (or done late).
    pub left: Duration,
}

impl StageStatus {
    /// Still to be done.
    pub fn pending(&self) -> bool {
        self.done.is_none()
    }
}

/// The instants at which an appeal's stages were done, from its folded state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Done {
    /// Registration.
    pub registered: Option<DateTime<Utc>>,
    /// First redirection (the stage applies only to redirected appeals).
    pub redirected: Option<DateTime<Utc>>,
    /// First reply of any kind.
    pub first_reply: Option<DateTime<Utc>>,
    /// The accepted answer of the current cycle; `None` while an answer is owed.
    pub answer: Option<DateTime<Utc>>,
    /// Resolution after a deferral.
    pub resolved: Option<DateTime<Utc>>,
}

/// Where every stage of an appeal stands at `now`: due, done, met, office time left.
/// Redirection is assessed only for appeals that were redirected.
pub fn assess(basis: &Basis<'_>, done: &Done, calendar: &CompiledCalendar, now: DateTime<Utc>) -> Result<[Option<StageStatus>; 5], DeadlineError> {
    let terms = terms(basis)?;
    Ok(terms.map(|t| {
        let t = t?;
        let done_at = match t.stage {
            Stage::Registration => done.registered,
            Stage::Redirection => Some(done.redirected?),
            Stage::FirstReply => done.first_reply,
            Stage::Answer => done.answer,
            Stage::Resolution => done.resolved,
        };
        let (due, predicted) = t.due(calendar);
        let left = calendar.working_time_between(done_at.unwrap_or(now), due);
        // A stage done or pending past its due date by less than office time (e.g. at night)
        // is still late.
        let left = if done_at.unwrap_or(now) > due && left >= Duration::zero() { Duration::milliseconds(-1) } else { left };
        Some(StageStatus { stage: t.stage, start: t.start, due, done: done_at, predicted, left })
    }))
}

#[cfg(test)]
mod tests;
