//! Everything a deadline depends on, in one value: the regimes, the compiled production
//! calendar and the fast-tracks. Built from the reference books; stores keep its
//! [`RulesRecord`] so they can recompute deadlines without the rest of the books.

use crate::calendar::{CompiledCalendar, OfficeHoursRow, OverrideRow, ProductionCalendar};
use crate::deadline::{assess, Basis, DeadlineError, Done, StageStatus};
use crate::fast_track::FastTrack;
use crate::reference::{ReferenceData, Regime};
use crate::{Appeal, AppealState, Status};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The deadline rules as plain rows (what a store keeps).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RulesRecord {
    /// The regimes.
    pub regimes: Vec<Regime>,
    /// Office hours by weekday.
    pub office_hours: Vec<OfficeHoursRow>,
    /// Regional overrides of the calendar.
    pub calendar_overrides: Vec<OverrideRow>,
    /// The fast-tracks.
    pub fast_tracks: Vec<FastTrack>,
}

impl RulesRecord {
    /// Parses the four reference files the rules come from.
    pub fn parse(texts: &crate::reference::ReferenceTexts) -> Result<RulesRecord, crate::reference::ReferenceError> {
        use crate::reference::parse_csv;
        Ok(RulesRecord {
            regimes: parse_csv("catalog/regimes.csv", &texts.regimes)?,
            office_hours: parse_csv("calendar/office_hours.csv", &texts.office_hours)?,
            calendar_overrides: parse_csv("calendar/overrides.csv", &texts.calendar_overrides)?,
            fast_tracks: parse_csv("catalog/fast_tracks.csv", &texts.fast_tracks)?,
        })
    }
}

/// The rules, ready to compute with.
#[derive(Debug, Clone)]
pub struct Rules {
    regimes: HashMap<String, Regime>,
    fast_tracks: Vec<FastTrack>,
    /// The compiled calendar.
    pub calendar: CompiledCalendar,
    record: RulesRecord,
}

impl Rules {
    /// The rules of the reference books.
    pub fn from_reference(data: &ReferenceData) -> Rules {
        let record = RulesRecord {
            regimes: data.regimes.clone(),
            office_hours: data.office_hours.clone(),
            calendar_overrides: data.calendar_overrides.clone(),
            fast_tracks: data.fast_tracks.clone(),
        };
        Rules::build(record, data.calendar.clone())
    }

    /// The rules of a stored record; problems in Russian when the rows do not agree.
    pub fn from_record(record: RulesRecord) -> Result<Rules, Vec<String>> {
        let calendar = ProductionCalendar::from_rows(&record.office_hours, &record.calendar_overrides)?;
        Ok(Rules::build(record, calendar))
    }

    /// The federal calendar with default office hours, no fast-tracks and the given regimes.
    pub fn with_regimes(regimes: Vec<Regime>) -> Rules {
        Rules::build(RulesRecord { regimes, ..RulesRecord::default() }, ProductionCalendar::default())
    }

    fn build(record: RulesRecord, calendar: ProductionCalendar) -> Rules {
        Rules {
            regimes: record.regimes.iter().map(|r| (r.id.0.clone(), r.clone())).collect(),
            fast_tracks: record.fast_tracks.clone(),
            calendar: CompiledCalendar::new(calendar),
            record,
        }
    }

    /// The record it was built from.
    pub fn record(&self) -> &RulesRecord {
        &self.record
    }

    /// A regime by id.
    pub fn regime(&self, id: &str) -> Option<&Regime> {
        self.regimes.get(id)
    }

    /// The fast-tracks.
    pub fn fast_tracks(&self) -> &[FastTrack] {
        &self.fast_tracks
    }

    /// A fast-track by id.
    pub fn fast_track(&self, id: &str) -> Option<&FastTrack> {
        self.fast_tracks.iter().find(|f| f.id == id)
    }

    /// The basis of an appeal's deadlines from its facts; `None` when its regime is
    /// unknown. An extension longer than the regime allows counts only as far as it allows
    /// (the event was accepted under an older rule; the data are kept as they are).
    pub fn basis<'a>(&'a self, facts: &Facts<'_>) -> Option<Basis<'a>> {
        let regime = self.regime(facts.regime)?;
        let allowed = regime.extension_days.filter(|_| regime.max_extensions.unwrap_or(0) > 0).unwrap_or(0);
        Some(Basis {
            regime,
            fast_track: facts.fast_track.and_then(|id| self.fast_track(id)),
            received: facts.received,
            registered: Some(facts.registered),
            first_reply: facts.first_reply,
            reopened: facts.reopened,
            extension_days: facts.extension_days.min(allowed),
            deferred_until: if facts.status == Status::Deferred { facts.deferred_until } else { None },
        })
    }

    /// The due instants a projection keeps (first reply, answer, a deferred solution), and
    /// whether any of them falls in a year whose calendar is predicted. All `None` when the
    /// regime is unknown.
    pub fn dues(&self, facts: &Facts<'_>) -> Dues {
        let mut out = Dues::default();
        let Some(terms) = self.basis(facts).and_then(|basis| crate::deadline::terms(&basis).ok()) else {
            return out;
        };
        for t in terms.iter().flatten() {
            let (due, predicted) = t.due(&self.calendar);
            let slot = match t.stage {
                crate::deadline::Stage::FirstReply => &mut out.first_reply,
                crate::deadline::Stage::Answer => &mut out.answer,
                crate::deadline::Stage::Resolution => &mut out.resolution,
                crate::deadline::Stage::Registration | crate::deadline::Stage::Redirection => continue,
            };
            *slot = Some(due);
            out.predicted |= predicted;
        }
        out
    }

    /// Where every stage of an appeal stands at `now` (see [`assess`]); all `None` when
    /// its regime is unknown.
    pub fn assess(&self, facts: &Facts<'_>, now: DateTime<Utc>) -> Result<[Option<StageStatus>; 5], DeadlineError> {
        match self.basis(facts) {
            Some(basis) => assess(&basis, &facts.done(), &self.calendar, now),
            None => Ok([None; 5]),
        }
    }
}

/// The deadline columns of an appeal's projection row (see [`Rules::dues`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Dues {
    /// When the first reply is due.
    pub first_reply: Option<DateTime<Utc>>,
    /// When the answer is due.
    pub answer: Option<DateTime<Utc>>,
    /// When a deferred solution is due.
    pub resolution: Option<DateTime<Utc>>,
    /// Whether a due instant lies in a year of a predicted calendar.
    pub predicted: bool,
}

/// What the deadlines of an appeal depend on: a few facts of the appeal and of its folded
/// state. Borrowed, so that a store can fill it from a projection row without allocating.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Facts<'s> {
    /// Regime id.
    pub regime: &'s str,
    /// Where it stands.
    pub status: Status,
    /// Received.
    pub received: DateTime<Utc>,
    /// Registered.
    pub registered: DateTime<Utc>,
    /// First redirection.
    pub redirected: Option<DateTime<Utc>>,
    /// First reply of any kind.
    pub first_reply: Option<DateTime<Utc>>,
    /// Latest full answer.
    pub last_answer: Option<DateTime<Utc>>,
    /// Latest resolution.
    pub resolved: Option<DateTime<Utc>>,
    /// Latest reopening.
    pub reopened: Option<DateTime<Utc>>,
    /// Days of extension.
    pub extension_days: u32,
    /// Fast-track id.
    pub fast_track: Option<&'s str>,
    /// Plan date of a deferral.
    pub deferred_until: Option<NaiveDate>,
}

impl<'s> Facts<'s> {
    /// The facts of an appeal and its state.
    pub fn of(appeal: &'s Appeal, state: &'s AppealState) -> Facts<'s> {
        Facts {
            regime: appeal.regime.as_str(),
            status: state.status,
            received: appeal.received_at,
            registered: state.registered_at,
            redirected: state.redirected_at,
            first_reply: state.first_reply_at,
            last_answer: state.last_answer_at,
            resolved: state.resolved_at,
            reopened: state.reopened_at,
            extension_days: state.extension_days,
            fast_track: state.fast_track.as_deref(),
            deferred_until: state.deferred_until,
        }
    }

    /// The instants at which its stages were done.
    pub fn done(&self) -> Done {
        Done {
            registered: Some(self.registered),
            redirected: self.redirected,
            first_reply: self.first_reply,
            answer: if self.status.awaits_answer() { None } else { self.last_answer },
            resolved: if self.status == Status::Deferred { None } else { self.resolved },
        }
    }

    /// Whether something is still owed: an answer, or a deferred solution.
    pub fn open(&self) -> bool {
        self.status.awaits_answer() || self.status == Status::Deferred
    }

    /// The facts as they stood at `t`: whatever happened later is treated as not yet
    /// happened (the status is today's, unless the answer it rests on came later: then the
    /// answer is still owed; a precise past status needs a re-fold of the events).
    pub fn as_of(mut self, t: DateTime<Utc>) -> Facts<'s> {
        let before = |x: Option<DateTime<Utc>>| x.filter(|x| *x <= t);
        self.redirected = before(self.redirected);
        self.first_reply = before(self.first_reply);
        self.last_answer = before(self.last_answer);
        self.resolved = before(self.resolved);
        self.reopened = before(self.reopened);
        if !self.status.awaits_answer() && self.last_answer.is_none() {
            self.status = Status::Assigned;
        }
        self
    }
}
