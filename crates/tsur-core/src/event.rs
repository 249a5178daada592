//! Immutable events: everything that happens to an appeal after it arrives.
//!
//! Events are never updated or deleted. They carry their own UUID v7, the instant, the
//! actor and the node that recorded them, so that events recorded on different nodes can
//! later be merged as a set and folded in one deterministic order ([`Event::order_key`]).
//! Events derive `Serialize`: they are the storage and exchange format.

use crate::{AgencyId, AppealId, BlockId, EventId, ProblemId, TopicId};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// One thing that happened to one appeal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// UUID v7 of the event.
    pub id: EventId,
    /// The appeal it belongs to.
    pub appeal_id: AppealId,
    /// When it happened (UTC).
    pub at: DateTime<Utc>,
    /// Who did it: an operator's login, an agency id, `citizen`, `system`, an importer.
    pub actor: String,
    /// The node (laptop or central server) where it was recorded.
    pub node: String,
    /// What happened.
    pub kind: EventKind,
}

impl Event {
    /// The total order in which events are folded: by instant, then by id. The same set of
    /// events gives the same order, and so the same state, on every node.
    pub fn order_key(&self) -> (DateTime<Utc>, EventId) {
        (self.at, self.id)
    }
}

/// What happened, with the data each kind of event needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    /// The appeal was registered (the facts are in [`crate::Appeal`]).
    Registered,
    /// Classified into a block and topic, or re-classified.
    Classified {
        /// Sector block.
        block: BlockId,
        /// Topic of the rubricator.
        topic: TopicId,
        /// Classifier confidence, absent for a person's decision.
        confidence: Option<f32>,
    },
    /// A responsible agency was assigned.
    Assigned {
        /// The agency that must answer.
        agency: AgencyId,
    },
    /// An active fast-track covers the appeal: its accelerated term applies and it is
    /// routed to the fast-track's agency.
    FastTrackApplied {
        /// The fast-track's id.
        fast_track: String,
        /// The agency it routes to.
        agency: AgencyId,
    },
    /// Redirected to the competent body.
    Redirected {
        /// The body that now answers.
        to: AgencyId,
        /// Why.
        reason: String,
    },
    /// The answer deadline was extended (59-ФЗ allows one extension, with a reason).
    DeadlineExtended {
        /// By how many days.
        days: u32,
        /// Why.
        reason: String,
    },
    /// An interim answer (e.g. the first reply to a social-media post).
    InterimAnswer {
        /// Text of the reply.
        text: String,
    },
    /// The agency's answer.
    Answered {
        /// Text of the answer.
        text: String,
    },
    /// Moderation rejected the answer as a formal reply (формальная отписка).
    AnswerRejected {
        /// Moderator's reason.
        reason: String,
    },
    /// The agency reports the problem solved.
    Resolved {
        /// What was done.
        note: String,
    },
    /// The citizen confirmed that the problem is solved.
    CitizenConfirmed,
    /// The citizen says it is not solved: the appeal reopens.
    CitizenNotSolved {
        /// The citizen's words.
        comment: String,
    },
    /// Solution deferred with a plan date (e.g. repair in next season's programme).
    Deferred {
        /// When the solution is planned.
        plan_date: NaiveDate,
        /// The plan.
        plan: String,
    },
    /// Processing closed.
    Closed,
    /// A free comment by an operator.
    Comment {
        /// Text.
        text: String,
    },
    /// The citizen's satisfaction score, 1 to 5.
    Satisfaction {
        /// 1 (very bad) … 5 (very good).
        score: u8,
    },
    /// Linked to a regional problem (a cluster of appeals).
    ProblemLinked {
        /// The problem.
        problem: ProblemId,
    },
}

impl EventKind {
    /// The stable code of the kind (storage, JSON, filters).
    pub fn code(&self) -> &'static str {
        match self {
            EventKind::Registered => "registered",
            EventKind::Classified { .. } => "classified",
            EventKind::Assigned { .. } => "assigned",
            EventKind::FastTrackApplied { .. } => "fast_track_applied",
            EventKind::Redirected { .. } => "redirected",
            EventKind::DeadlineExtended { .. } => "deadline_extended",
            EventKind::InterimAnswer { .. } => "interim_answer",
            EventKind::Answered { .. } => "answered",
            EventKind::AnswerRejected { .. } => "answer_rejected",
            EventKind::Resolved { .. } => "resolved",
            EventKind::CitizenConfirmed => "citizen_confirmed",
            EventKind::CitizenNotSolved { .. } => "citizen_not_solved",
            EventKind::Deferred { .. } => "deferred",
            EventKind::Closed => "closed",
            EventKind::Comment { .. } => "comment",
            EventKind::Satisfaction { .. } => "satisfaction",
            EventKind::ProblemLinked { .. } => "problem_linked",
        }
    }

    /// The Russian name of the kind, for timelines and error messages.
    pub fn label_ru(&self) -> &'static str {
        match self {
            EventKind::Registered => "регистрация",
            EventKind::Classified { .. } => "классификация",
            EventKind::Assigned { .. } => "назначение исполнителя",
            EventKind::FastTrackApplied { .. } => "фаст-трек",
            EventKind::Redirected { .. } => "перенаправление",
            EventKind::DeadlineExtended { .. } => "продление срока",
            EventKind::InterimAnswer { .. } => "промежуточный ответ",
            EventKind::Answered { .. } => "ответ",
            EventKind::AnswerRejected { .. } => "отклонение ответа модерацией",
            EventKind::Resolved { .. } => "решение проблемы",
            EventKind::CitizenConfirmed => "подтверждение заявителем",
            EventKind::CitizenNotSolved { .. } => "«не решено» от заявителя",
            EventKind::Deferred { .. } => "отложено с плановой датой",
            EventKind::Closed => "закрытие",
            EventKind::Comment { .. } => "комментарий",
            EventKind::Satisfaction { .. } => "оценка удовлетворённости",
            EventKind::ProblemLinked { .. } => "привязка к проблеме",
        }
    }
}
