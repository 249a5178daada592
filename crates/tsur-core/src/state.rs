//! The appeal's current state as a pure fold of its events, through a state machine.
//!
//! ```text
//! registered ─assign─▶ assigned ─interim─▶ interim_answered
//!      │                  │  ▲                   │
//!      └──redirect────────┘  └──────redirect─────┘
//!  assigned / interim / rework / reopened ─answer─▶ answered
//!  answered ─moderation rejects─▶ rework ─answer─▶ answered
//!  answered ─resolve─▶ resolved ─citizen confirms─▶ confirmed
//!  answered ─defer(plan date)─▶ deferred ─resolve─▶ resolved
//!  answered / resolved / confirmed / deferred / closed ─citizen: not solved─▶ reopened
//!  answered / resolved / confirmed / deferred ─close─▶ closed
//! ```
//! Keeping *answered*, *resolved*, *confirmed by the citizen*, *reopened* and *deferred*
//! apart is the point: an answer is not a solution.

use crate::{AgencyId, BlockId, Event, EventId, EventKind, ProblemId, TopicId};
use chrono::{DateTime, NaiveDate, Utc};

/// Where an appeal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    /// Registered, no responsible agency yet.
    Registered,
    /// A responsible agency works on it.
    Assigned,
    /// An interim answer was given; the full answer is due.
    InterimAnswered,
    /// The agency answered; the problem is not (yet) reported solved.
    Answered,
    /// Moderation rejected the answer as a formal reply; a new answer is due.
    Rework,
    /// The agency reports the problem solved.
    Resolved,
    /// The citizen confirmed the solution.
    Confirmed,
    /// The citizen said it is not solved; work goes on.
    Reopened,
    /// The solution is planned for a date.
    Deferred,
    /// Processing is closed.
    Closed,
}

impl Status {
    /// All statuses, in lifecycle order.
    pub const ALL: [Status; 10] = [
        Status::Registered,
        Status::Assigned,
        Status::InterimAnswered,
        Status::Answered,
        Status::Rework,
        Status::Resolved,
        Status::Confirmed,
        Status::Reopened,
        Status::Deferred,
        Status::Closed,
    ];

    /// The stable code used in storage and JSON.
    pub fn code(self) -> &'static str {
        match self {
            Status::Registered => "registered",
            Status::Assigned => "assigned",
            Status::InterimAnswered => "interim_answered",
            Status::Answered => "answered",
            Status::Rework => "rework",
            Status::Resolved => "resolved",
            Status::Confirmed => "confirmed",
            Status::Reopened => "reopened",
            Status::Deferred => "deferred",
            Status::Closed => "closed",
        }
    }

    /// Parses a code made by [`Status::code`].
    pub fn from_code(code: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The Russian name shown to users.
    pub fn label_ru(self) -> &'static str {
        match self {
            Status::Registered => "Зарегистрировано",
            Status::Assigned => "На исполнении",
            Status::InterimAnswered => "Дан промежуточный ответ",
            Status::Answered => "Дан ответ",
            Status::Rework => "Ответ отклонён, на доработке",
            Status::Resolved => "Решено",
            Status::Confirmed => "Решение подтверждено заявителем",
            Status::Reopened => "Переоткрыто заявителем",
            Status::Deferred => "Отложено с плановой датой",
            Status::Closed => "Закрыто",
        }
    }

    /// Whether the agency still owes an answer.
    pub fn awaits_answer(self) -> bool {
        matches!(self, Status::Registered | Status::Assigned | Status::InterimAnswered | Status::Rework | Status::Reopened)
    }
}

/// Why an event cannot be applied to an appeal in its current state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// The first event of an appeal must be its registration.
    #[error("первым событием обращения должна быть регистрация, а пришло «{event}»")]
    NotRegistered {
        /// The offending event's kind.
        event: &'static str,
    },
    /// A second registration.
    #[error("обращение уже зарегистрировано")]
    AlreadyRegistered,
    /// The event does not fit the status.
    #[error("событие «{event}» невозможно в состоянии «{status}»")]
    NotAllowed {
        /// The offending event's kind.
        event: &'static str,
        /// The current status.
        status: &'static str,
    },
    /// Answering without a responsible agency.
    #[error("событие «{event}» невозможно: не назначен исполнитель")]
    NoAgency {
        /// The offending event's kind.
        event: &'static str,
    },
    /// A second extension of the deadline.
    #[error("срок уже продлевался: повторное продление не допускается")]
    AlreadyExtended,
    /// An extension of zero days.
    #[error("продление срока должно быть на 1 день или больше")]
    EmptyExtension,
    /// A satisfaction score outside 1..=5.
    #[error("оценка удовлетворённости должна быть от 1 до 5, а не {0}")]
    BadScore(u8),
    /// A plan date before the day the deferral was recorded.
    #[error("плановая дата {plan} раньше даты решения об отсрочке {on}")]
    PlanDateInPast {
        /// The plan date.
        plan: NaiveDate,
        /// The day the deferral was recorded (UTC date).
        on: NaiveDate,
    },
    /// An event dated before the registration.
    #[error("событие «{event}» датировано раньше регистрации обращения")]
    BeforeRegistration {
        /// The offending event's kind.
        event: &'static str,
    },
}

impl TransitionError {
    /// Whether the event is wrong in itself, whatever history it meets (a missing or second
    /// registration, an empty extension, a score outside 1..=5, a plan date before its
    /// decision, a date before the registration), as opposed to an event that only does not
    /// fit the current status — which, between nodes working offline, is a conflict to merge
    /// rather than an error (see [`AppealState::merge`]).
    pub fn is_malformed(&self) -> bool {
        match self {
            TransitionError::NotRegistered { .. }
            | TransitionError::AlreadyRegistered
            | TransitionError::EmptyExtension
            | TransitionError::BadScore(_)
            | TransitionError::PlanDateInPast { .. }
            | TransitionError::BeforeRegistration { .. } => true,
            TransitionError::NotAllowed { .. } | TransitionError::NoAgency { .. } | TransitionError::AlreadyExtended => false,
        }
    }
}

/// The result of [`AppealState::merge`].
#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    /// The state.
    pub state: AppealState,
    /// Events that did not fit the state they met, in fold order, with why: kept in the
    /// history, without effect.
    pub inert: Vec<(EventId, TransitionError)>,
}

/// The current state of one appeal: what the projection table stores.
#[derive(Debug, Clone, PartialEq)]
pub struct AppealState {
    /// Where it stands.
    pub status: Status,
    /// Current block, once classified.
    pub block: Option<BlockId>,
    /// Current topic, once classified.
    pub topic: Option<TopicId>,
    /// The classifier's confidence in the current classification; `None` when a person
    /// classified it (or nobody yet).
    pub class_confidence: Option<f32>,
    /// Whether the current classification is a person's.
    pub classified_by_person: bool,
    /// Current responsible agency.
    pub agency: Option<AgencyId>,
    /// Linked problem.
    pub problem: Option<ProblemId>,
    /// The fast-track that applies, if any.
    pub fast_track: Option<String>,
    /// Registration instant.
    pub registered_at: DateTime<Utc>,
    /// First redirection to the competent body.
    pub redirected_at: Option<DateTime<Utc>>,
    /// When the citizen last reopened it.
    pub reopened_at: Option<DateTime<Utc>>,
    /// First reply of any kind (interim or full).
    pub first_reply_at: Option<DateTime<Utc>>,
    /// First full answer.
    pub first_answer_at: Option<DateTime<Utc>>,
    /// Latest full answer.
    pub last_answer_at: Option<DateTime<Utc>>,
    /// When it was (last) reported resolved.
    pub resolved_at: Option<DateTime<Utc>>,
    /// When the citizen confirmed.
    pub confirmed_at: Option<DateTime<Utc>>,
    /// When it was (last) closed.
    pub closed_at: Option<DateTime<Utc>>,
    /// Plan date while deferred.
    pub deferred_until: Option<NaiveDate>,
    /// Days added by the extension, if any.
    pub extension_days: u32,
    /// Number of full answers.
    pub answers: u32,
    /// Answers rejected by moderation.
    pub rejected_answers: u32,
    /// Times the citizen reopened it.
    pub reopen_count: u32,
    /// Times it was redirected.
    pub redirects: u32,
    /// Latest satisfaction score.
    pub satisfaction: Option<u8>,
    /// Instant of the latest event.
    pub last_event_at: DateTime<Utc>,
    /// Number of events folded.
    pub event_count: u32,
}

impl EventKind {
    /// Whether [`AppealState::apply_anywhere`] may take this kind of event (a comment; a link,
    /// if the appeal has none yet): a writer whose events are none of these need not read the
    /// appeals' stored states for them.
    pub fn may_apply_anywhere(&self) -> bool {
        matches!(self, EventKind::Comment { .. } | EventKind::ProblemLinked { .. })
    }
}

impl AppealState {
    /// The state right after registration.
    pub fn registered(at: DateTime<Utc>) -> AppealState {
        AppealState {
            status: Status::Registered,
            block: None,
            topic: None,
            class_confidence: None,
            classified_by_person: false,
            agency: None,
            problem: None,
            fast_track: None,
            registered_at: at,
            redirected_at: None,
            reopened_at: None,
            first_reply_at: None,
            first_answer_at: None,
            last_answer_at: None,
            resolved_at: None,
            confirmed_at: None,
            closed_at: None,
            deferred_until: None,
            extension_days: 0,
            answers: 0,
            rejected_answers: 0,
            reopen_count: 0,
            redirects: 0,
            satisfaction: None,
            last_event_at: at,
            event_count: 1,
        }
    }

    /// Starts a state from the first event, which must be the registration.
    pub fn start(first: &Event) -> Result<AppealState, TransitionError> {
        match first.kind {
            EventKind::Registered => Ok(AppealState::registered(first.at)),
            ref other => Err(TransitionError::NotRegistered { event: other.label_ru() }),
        }
    }

    /// Folds events (in any order) into a state: sorts them by [`Event::order_key`], starts
    /// from the registration and applies the rest. Returns `None` for no events.
    pub fn fold(events: &[Event]) -> Option<Result<AppealState, TransitionError>> {
        let mut sorted: Vec<&Event> = events.iter().collect();
        sorted.sort_by_key(|e| e.order_key());
        let (first, rest) = sorted.split_first()?;
        Some(AppealState::start(first).and_then(|start| rest.iter().try_fold(start, |state, event| state.apply(event))))
    }

    /// Folds the union of events recorded on several nodes: the deterministic merge of sync.
    ///
    /// Like [`AppealState::fold`] (same order, so the same set gives the same result on every
    /// node), except that an event which only conflicts with the state it meets — two
    /// laptops closing the same appeal offline, an answer recorded after another node
    /// redirected it — does not stop the fold: it stays in the history, changes nothing, and
    /// is listed in [`Merged::inert`] for a person to look at. An event that is wrong in
    /// itself ([`TransitionError::is_malformed`]: no registration first, a second
    /// registration, a score of 9, a date before the registration) refuses the whole merge,
    /// because no order of events could make it right. Returns `None` for no events.
    pub fn merge(events: &[Event]) -> Option<Result<Merged, TransitionError>> {
        let mut sorted: Vec<&Event> = events.iter().collect();
        sorted.sort_by_key(|e| e.order_key());
        let (first, rest) = sorted.split_first()?;
        let mut state = match AppealState::start(first) {
            Ok(state) => state,
            Err(error) => return Some(Err(error)),
        };
        let mut inert = Vec::new();
        for event in rest {
            match state.apply(event) {
                Ok(next) => state = next,
                Err(error) if error.is_malformed() => return Some(Err(error)),
                Err(error) => inert.push((event.id, error)),
            }
        }
        Some(Ok(Merged { state, inert }))
    }

    /// Applies an event whose effect does not depend on where it falls in the history: a
    /// comment, or a link to a problem when the appeal has none yet. Folding (or merging) the
    /// history with such an event gives what applying it to the history's state gives, so
    /// a writer need not read the history back. Such an event changes nothing but
    /// `problem`, `event_count` and `last_event_at`. `None` when the event's place in the
    /// history matters: then the history must be folded again.
    pub fn apply_anywhere(&self, event: &Event) -> Option<Result<AppealState, TransitionError>> {
        // No event's effect reads `problem`; a link is the only event that writes it, so the
        // first link commutes with every other event (a second would not: the later wins).
        let anywhere = match event.kind {
            EventKind::ProblemLinked { .. } => self.problem.is_none(),
            ref kind => kind.may_apply_anywhere(),
        };
        anywhere.then(|| self.apply(event))
    }

    /// Applies one event, returning the new state or why the event is impossible now.
    pub fn apply(&self, event: &Event) -> Result<AppealState, TransitionError> {
        use Status as S;
        let label = event.kind.label_ru();
        let not_allowed = || TransitionError::NotAllowed { event: label, status: self.status.label_ru() };
        if event.at < self.registered_at {
            return Err(TransitionError::BeforeRegistration { event: label });
        }
        let mut next = self.clone();
        next.event_count += 1;
        next.last_event_at = self.last_event_at.max(event.at);
        match &event.kind {
            EventKind::Registered => return Err(TransitionError::AlreadyRegistered),
            EventKind::Classified { block, topic, confidence } => {
                if self.status == S::Closed {
                    return Err(not_allowed());
                }
                next.block = Some(block.clone());
                next.topic = Some(topic.clone());
                next.class_confidence = *confidence;
                next.classified_by_person = confidence.is_none();
            }
            EventKind::Assigned { agency } => {
                if !matches!(self.status, S::Registered | S::Assigned | S::Rework | S::Reopened) {
                    return Err(not_allowed());
                }
                next.agency = Some(agency.clone());
                if matches!(self.status, S::Registered) {
                    next.status = S::Assigned;
                }
            }
            EventKind::FastTrackApplied { fast_track, agency } => {
                if !self.status.awaits_answer() {
                    return Err(not_allowed());
                }
                next.fast_track = Some(fast_track.clone());
                next.agency = Some(agency.clone());
                if self.status == S::Registered {
                    next.status = S::Assigned;
                }
            }
            EventKind::Redirected { to, .. } => {
                if !self.status.awaits_answer() {
                    return Err(not_allowed());
                }
                next.agency = Some(to.clone());
                next.redirected_at.get_or_insert(event.at);
                next.redirects += 1;
                if self.status == S::Registered {
                    next.status = S::Assigned;
                }
            }
            EventKind::DeadlineExtended { days, .. } => {
                if !self.status.awaits_answer() {
                    return Err(not_allowed());
                }
                if self.extension_days > 0 {
                    return Err(TransitionError::AlreadyExtended);
                }
                if *days == 0 {
                    return Err(TransitionError::EmptyExtension);
                }
                next.extension_days = *days;
            }
            EventKind::InterimAnswer { .. } => {
                if !matches!(self.status, S::Assigned | S::InterimAnswered | S::Rework | S::Reopened) {
                    return Err(if self.status == S::Registered { TransitionError::NoAgency { event: label } } else { not_allowed() });
                }
                next.first_reply_at.get_or_insert(event.at);
                if self.status == S::Assigned {
                    next.status = S::InterimAnswered;
                }
            }
            EventKind::Answered { .. } => {
                if !matches!(self.status, S::Assigned | S::InterimAnswered | S::Rework | S::Reopened) {
                    return Err(if self.status == S::Registered { TransitionError::NoAgency { event: label } } else { not_allowed() });
                }
                next.first_reply_at.get_or_insert(event.at);
                next.first_answer_at.get_or_insert(event.at);
                next.last_answer_at = Some(event.at);
                next.answers += 1;
                next.status = S::Answered;
            }
            EventKind::AnswerRejected { .. } => {
                if self.status != S::Answered {
                    return Err(not_allowed());
                }
                next.rejected_answers += 1;
                next.status = S::Rework;
            }
            EventKind::Resolved { .. } => {
                if !matches!(self.status, S::Answered | S::Deferred) {
                    return Err(not_allowed());
                }
                next.resolved_at = Some(event.at);
                next.deferred_until = None;
                next.status = S::Resolved;
            }
            EventKind::CitizenConfirmed => {
                if self.status != S::Resolved {
                    return Err(not_allowed());
                }
                next.confirmed_at = Some(event.at);
                next.status = S::Confirmed;
            }
            EventKind::CitizenNotSolved { .. } => {
                if !matches!(self.status, S::Answered | S::Resolved | S::Confirmed | S::Deferred | S::Closed) {
                    return Err(not_allowed());
                }
                next.reopen_count += 1;
                next.reopened_at = Some(event.at);
                next.resolved_at = None;
                next.confirmed_at = None;
                next.closed_at = None;
                next.deferred_until = None;
                next.status = S::Reopened;
            }
            EventKind::Deferred { plan_date, .. } => {
                if self.status != S::Answered {
                    return Err(not_allowed());
                }
                let on = event.at.date_naive();
                if *plan_date < on {
                    return Err(TransitionError::PlanDateInPast { plan: *plan_date, on });
                }
                next.deferred_until = Some(*plan_date);
                next.status = S::Deferred;
            }
            EventKind::Closed => {
                if !matches!(self.status, S::Answered | S::Resolved | S::Confirmed | S::Deferred) {
                    return Err(not_allowed());
                }
                next.closed_at = Some(event.at);
                next.status = S::Closed;
            }
            EventKind::Comment { .. } => {}
            EventKind::Satisfaction { score } => {
                if !(1..=5).contains(score) {
                    return Err(TransitionError::BadScore(*score));
                }
                if self.answers == 0 {
                    return Err(not_allowed());
                }
                next.satisfaction = Some(*score);
            }
            EventKind::ProblemLinked { problem } => next.problem = Some(*problem),
        }
        Ok(next)
    }
}

#[cfg(test)]
mod tests;
