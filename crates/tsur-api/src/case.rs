//! The case view of one appeal, and the appeals of one problem: the last two steps of the
//! situation room's drill-down (region → municipality → block → problem → appeal).
//!
//! The case view is the appeal as an official reads it: its text and facts, every event in
//! order (who, when, what), each stage's deadline with its explanation and whether it was
//! kept, the answers with moderation's verdicts, the satisfaction score, the other appeals of
//! its problem, and the fast-track or roadmaps that cover it. The author's personal data are
//! in it only when the scope may see them; the wall gets no case at all.

use crate::deadlines::StageDeadlineDto;
use crate::{Api, ApiError};
use chrono::{DateTime, Utc};
use serde::Serialize;
use tsur_core::deadline::{self, Stage};
use tsur_core::reference::ReferenceData;
use tsur_core::rules::Facts;
use tsur_core::time::ZONE;
use tsur_core::{AppealId, AppealState, Event, EventKind, ProblemId, Role, Scope};
use tsur_store_sqlite::AppealBrief;

/// How many other appeals of the same problem a case view lists.
pub const LINKED_IN_CASE: i64 = 20;

/// One appeal in a list: what identifies it and where it stands (no text, no author).
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct AppealBriefDto {
    /// Appeal id (UUID).
    pub id: String,
    /// Channel code.
    pub channel: String,
    /// The channel's Russian name.
    pub channel_ru: String,
    /// The channel's own identifier.
    pub external_id: String,
    /// Receipt, `dd.mm.yyyy HH:MM` in Europe/Astrakhan.
    pub received: String,
    /// Municipality's name.
    pub municipality_ru: String,
    /// Topic's name, once classified.
    pub topic_ru: Option<String>,
    /// Responsible agency's short name.
    pub agency_ru: Option<String>,
    /// Status code.
    pub status: String,
    /// Status in Russian.
    pub status_ru: String,
    /// The answer's due instant, `dd.mm.yyyy HH:MM`, when the regime has one.
    pub answer_due: Option<String>,
    /// Whether the answer is due and late now.
    pub overdue: bool,
}

/// The appeals of one problem (the drill-down's step from a problem to its appeals).
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct ProblemAppeals {
    /// Problem id (UUID).
    pub problem_id: String,
    /// Its topic's name (of its newest appeal), when classified.
    pub topic_ru: Option<String>,
    /// How many appeals of it the scope may see.
    pub total: u32,
    /// The newest of them, at most the limit asked.
    pub appeals: Vec<AppealBriefDto>,
}

/// One event of a case's timeline.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct TimelineEntry {
    /// `dd.mm.yyyy HH:MM` in Europe/Astrakhan.
    pub at: String,
    /// Who recorded it (an official's login or a system).
    pub actor: String,
    /// The event's kind code.
    pub kind: String,
    /// The kind in Russian.
    pub kind_ru: String,
    /// What it says (an answer's text, a reason, the agency), empty when nothing more.
    pub detail: String,
}

/// A stage's deadline in a case: the explained deadline and whether it was kept.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct CaseDeadline {
    /// The deadline with its explanation (as `tsur deadline` gives it).
    pub deadline: StageDeadlineDto,
    /// Due, `dd.mm.yyyy HH:MM`.
    pub due_ru: String,
    /// When the stage was done, `dd.mm.yyyy HH:MM`.
    pub done: Option<String>,
    /// `met`, `late`, `overdue` (not done and past due) or `running`.
    pub state: String,
    /// The state in Russian.
    pub state_ru: String,
}

/// An answer to the citizen with moderation's verdict.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct AnswerEntry {
    /// `dd.mm.yyyy HH:MM`.
    pub at: String,
    /// `промежуточный ответ` or `ответ`.
    pub kind_ru: String,
    /// The answer's text.
    pub text: String,
    /// Moderation's reason when it rejected the answer as a formal reply.
    pub rejected_because: Option<String>,
}

/// A fast-track or roadmap that covers the appeal.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct CoverDto {
    /// `fast_track` or `roadmap`.
    pub kind: String,
    /// Its id.
    pub id: String,
    /// Its Russian name.
    pub name_ru: String,
    /// The agency that owns it.
    pub agency_ru: String,
    /// What it promises: the accelerated term, or the roadmap's progress.
    pub detail: String,
}

/// The citizen who wrote the appeal (personal data under 152-ФЗ).
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct CaseAuthor {
    /// Full name as given.
    pub full_name: String,
    /// Phone, if given.
    pub phone: Option<String>,
    /// E-mail, if given.
    pub email: Option<String>,
}

/// The case view of one appeal.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct CaseView {
    /// Appeal id (UUID).
    pub id: String,
    /// Channel code.
    pub channel: String,
    /// The channel's Russian name.
    pub channel_ru: String,
    /// The channel's own identifier.
    pub external_id: String,
    /// The legal regime's name.
    pub regime_ru: String,
    /// Receipt, `dd.mm.yyyy HH:MM` in Europe/Astrakhan.
    pub received: String,
    /// Municipality id.
    pub municipality: String,
    /// Municipality's name.
    pub municipality_ru: String,
    /// Settlement's name, when known.
    pub settlement_ru: Option<String>,
    /// The address as written.
    pub address: String,
    /// The appeal's text.
    pub text: String,
    /// Status code.
    pub status: String,
    /// Status in Russian.
    pub status_ru: String,
    /// Block id, once classified.
    pub block: Option<String>,
    /// Block's name.
    pub block_ru: Option<String>,
    /// Topic's name.
    pub topic_ru: Option<String>,
    /// Who classified it: a person, or the classifier with its confidence.
    pub classified_by_ru: Option<String>,
    /// Responsible agency's name.
    pub agency_ru: Option<String>,
    /// The author, when the scope may see personal data.
    pub author: Option<CaseAuthor>,
    /// True when the author exists but the scope may not see them.
    pub author_hidden: bool,
    /// Every event in order.
    pub timeline: Vec<TimelineEntry>,
    /// Each stage's deadline, explained, and whether it was kept.
    pub deadlines: Vec<CaseDeadline>,
    /// Answers with moderation's verdicts.
    pub answers: Vec<AnswerEntry>,
    /// The citizen's latest score, 1–5.
    pub satisfaction: Option<u8>,
    /// The problem it is linked to (UUID).
    pub problem_id: Option<String>,
    /// How many other appeals the problem has in the scope.
    pub linked_total: u32,
    /// The newest of them (at most [`LINKED_IN_CASE`]).
    pub linked: Vec<AppealBriefDto>,
    /// The fast-track and roadmaps that cover it.
    pub covered_by: Vec<CoverDto>,
}

fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&ZONE).format("%d.%m.%Y %H:%M").to_string()
}

fn parse_id(field: &str, text: &str) -> Result<uuid::Uuid, ApiError> {
    uuid::Uuid::parse_str(text.trim()).map_err(|_| ApiError::invalid(format!("{field}: «{text}» — не идентификатор (нужен UUID)")))
}

fn not_found(what: &str, id: &str) -> ApiError {
    ApiError::invalid(format!("{what} {id} не найдено или вне вашей области видимости"))
}

/// Names of the reference books' entries (the id itself when the book does not know it).
pub(crate) struct Names<'r>(pub(crate) &'r ReferenceData);

impl Names<'_> {
    pub(crate) fn topic(&self, id: &str) -> String {
        self.0.topics.iter().find(|t| t.id.as_str() == id).map_or_else(|| id.to_owned(), |t| t.name_ru.clone())
    }
    fn block(&self, id: &str) -> String {
        self.0.blocks.iter().find(|b| b.id.as_str() == id).map_or_else(|| id.to_owned(), |b| b.name_ru.clone())
    }
    fn agency(&self, id: &str) -> String {
        self.0.agencies.iter().find(|a| a.id.as_str() == id).map_or_else(|| id.to_owned(), |a| a.short_ru.clone())
    }
    pub(crate) fn municipality(&self, id: &str) -> String {
        self.0.municipality(&tsur_core::MunicipalityId::from(id)).map_or_else(|| id.to_owned(), |m| m.name_ru.clone())
    }
}

pub(crate) fn brief(b: &AppealBrief, names: &Names<'_>, now: DateTime<Utc>) -> AppealBriefDto {
    let channel = b.channel.parse::<tsur_core::Channel>().ok();
    let status = tsur_core::Status::from_code(&b.status);
    let open = status.is_some_and(|s| s.awaits_answer());
    AppealBriefDto {
        id: b.id.to_string(),
        channel: b.channel.clone(),
        channel_ru: channel.map_or_else(|| b.channel.clone(), |c| c.label_ru().to_owned()),
        external_id: b.external_id.clone(),
        received: local(b.received_at),
        municipality_ru: names.municipality(&b.municipality_id),
        topic_ru: b.topic_id.as_deref().map(|t| names.topic(t)),
        agency_ru: b.agency_id.as_deref().map(|a| names.agency(a)),
        status: b.status.clone(),
        status_ru: status.map_or_else(|| b.status.clone(), |s| s.label_ru().to_owned()),
        answer_due: b.answer_due.map(local),
        overdue: open && b.answer_due.is_some_and(|d| d < now),
    }
}

/// What an event says beyond its kind.
fn detail(kind: &EventKind, names: &Names<'_>) -> String {
    match kind {
        EventKind::Registered | EventKind::CitizenConfirmed | EventKind::Closed => String::new(),
        EventKind::Classified { block, topic, confidence } => {
            let by = match confidence {
                Some(c) => format!("классификатор, уверенность {:.0} %", f64::from(*c) * 100.0),
                None => "решение человека".into(),
            };
            format!("{} / {} ({by})", names.block(block.as_str()), names.topic(topic.as_str()))
        }
        EventKind::Assigned { agency } => names.agency(agency.as_str()),
        EventKind::FastTrackApplied { fast_track, agency } => format!("{fast_track} → {}", names.agency(agency.as_str())),
        EventKind::Redirected { to, reason } => format!("в {}: {reason}", names.agency(to.as_str())),
        EventKind::DeadlineExtended { days, reason } => format!("+{days} дн.: {reason}"),
        EventKind::InterimAnswer { text } | EventKind::Answered { text } | EventKind::Comment { text } => text.clone(),
        EventKind::AnswerRejected { reason } => reason.clone(),
        EventKind::Resolved { note } => note.clone(),
        EventKind::CitizenNotSolved { comment } => comment.clone(),
        EventKind::Deferred { plan_date, plan } => format!("до {}: {plan}", plan_date.format("%d.%m.%Y")),
        EventKind::Satisfaction { score } => format!("{score} из 5"),
        EventKind::ProblemLinked { problem } => format!("проблема {problem}"),
    }
}

/// The answers in order, each with moderation's rejection if one followed it before the
/// next answer.
fn answers(events: &[Event]) -> Vec<AnswerEntry> {
    let mut out: Vec<AnswerEntry> = Vec::new();
    for e in events {
        match &e.kind {
            EventKind::InterimAnswer { text } | EventKind::Answered { text } => {
                out.push(AnswerEntry { at: local(e.at), kind_ru: e.kind.label_ru().into(), text: text.clone(), rejected_because: None })
            }
            EventKind::AnswerRejected { reason } => {
                if let Some(last) = out.last_mut().filter(|a| a.rejected_because.is_none()) {
                    last.rejected_because = Some(reason.clone());
                }
            }
            _ => {}
        }
    }
    out
}

/// When a stage was done, if it was done within its term's span (after the term started).
fn done_at(stage: Stage, state: &AppealState, start: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let done = match stage {
        Stage::Registration => Some(state.registered_at),
        Stage::Redirection => state.redirected_at,
        Stage::FirstReply => state.first_reply_at,
        Stage::Answer => state.last_answer_at,
        Stage::Resolution => state.resolved_at,
    };
    done.filter(|d| *d >= start || stage == Stage::Registration)
}

fn kept(due: DateTime<Utc>, done: Option<DateTime<Utc>>, now: DateTime<Utc>) -> (&'static str, &'static str) {
    match done {
        Some(d) if d <= due => ("met", "выполнено в срок"),
        Some(_) => ("late", "выполнено с опозданием"),
        None if now > due => ("overdue", "просрочено"),
        None => ("running", "срок идёт"),
    }
}

impl Api {
    /// The case view of an appeal (by its UUID) as `scope` may see it. The wall may see no
    /// case; an appeal outside the scope is «не найдено».
    pub async fn case(&self, id: &str, scope: &Scope, now: DateTime<Utc>) -> Result<CaseView, ApiError> {
        if scope.role == Role::Wall {
            return Err(ApiError::invalid("стена показывает только сводные показатели: карточка обращения ей недоступна"));
        }
        let appeal_id = AppealId(parse_id("appeal", id)?);
        let store = self.store();
        let (Some(appeal), Some(state)) = (store.appeal(appeal_id, scope).await?, store.state(appeal_id, scope).await?) else {
            return Err(not_found("обращение", id));
        };
        let events = store.events(appeal_id, scope).await?;
        let author = store.author(appeal_id, &Scope { may_see_personal_data: true, ..scope.clone() }).await?;
        let reference = self.reference();
        let names = Names(reference);
        let rules = store.rules().await?;

        let mut deadlines = Vec::new();
        if let Some(basis) = rules.basis(&Facts::of(&appeal, &state)) {
            for d in deadline::explain(&basis, &reference.calendar).map_err(|e| ApiError::invalid(e.to_string()))? {
                let done = done_at(d.stage, &state, d.explanation.start);
                let (code, label) = kept(d.due, done, now);
                deadlines.push(CaseDeadline {
                    due_ru: local(d.due),
                    done: done.map(local),
                    state: code.into(),
                    state_ru: label.into(),
                    deadline: StageDeadlineDto::from(d),
                });
            }
        }

        let (linked_total, linked) = match state.problem {
            Some(problem) => {
                let (total, list) = store.problem_appeals(problem, LINKED_IN_CASE + 1, scope).await?;
                let others: Vec<AppealBriefDto> =
                    list.iter().filter(|b| b.id != appeal_id).take(LINKED_IN_CASE as usize).map(|b| brief(b, &names, now)).collect();
                (total.saturating_sub(1) as u32, others)
            }
            None => (0, Vec::new()),
        };

        let topic = state.topic.as_ref().map(|t| t.as_str().to_owned());
        let mut covered_by = Vec::new();
        if let Some(f) = state.fast_track.as_deref().and_then(|id| reference.fast_tracks.iter().find(|f| f.id == id)) {
            covered_by.push(CoverDto {
                kind: "fast_track".into(),
                id: f.id.clone(),
                name_ru: f.name_ru.clone(),
                agency_ru: names.agency(f.agency_id.as_str()),
                detail: format!("ускоренный срок ответа: {}", f.answer_unit.phrase_ru(f.answer_term)),
            });
        }
        let problem_text = state.problem.map(|p| p.to_string());
        for r in self.roadmaps()? {
            let by_problem = r.problem_id.is_some() && r.problem_id == problem_text;
            let by_topic = topic.as_ref().is_some_and(|t| r.topics.contains(t))
                && (r.municipalities.is_empty() || r.municipalities.iter().any(|m| m.as_str() == appeal.municipality.as_str()));
            if by_problem || by_topic {
                let done = r.milestones.iter().filter(|m| m.done.is_some()).count();
                covered_by.push(CoverDto {
                    kind: "roadmap".into(),
                    id: r.id.clone(),
                    name_ru: r.title_ru.clone(),
                    agency_ru: names.agency(&r.agency_id),
                    detail: format!("с {}; вех выполнено {done} из {}", r.started_on.format("%d.%m.%Y"), r.milestones.len()),
                });
            }
        }

        Ok(CaseView {
            id: appeal.id.to_string(),
            channel: appeal.channel.code().into(),
            channel_ru: appeal.channel.label_ru().into(),
            external_id: appeal.external_id.clone(),
            regime_ru: rules.regime(appeal.regime.as_str()).map_or_else(|| appeal.regime.as_str().to_owned(), |r| r.name_ru.clone()),
            received: local(appeal.received_at),
            municipality: appeal.municipality.as_str().to_owned(),
            municipality_ru: names.municipality(appeal.municipality.as_str()),
            settlement_ru: appeal.settlement.as_ref().and_then(|s| reference.settlements.iter().find(|x| x.id == *s)).map(|s| s.name_ru.clone()),
            address: appeal.address_text.clone(),
            text: appeal.text.clone(),
            status: state.status.code().into(),
            status_ru: state.status.label_ru().into(),
            block: state.block.as_ref().map(|b| b.as_str().to_owned()),
            block_ru: state.block.as_ref().map(|b| names.block(b.as_str())),
            topic_ru: topic.as_deref().map(|t| names.topic(t)),
            classified_by_ru: state.topic.as_ref().map(|_| match state.class_confidence {
                _ if state.classified_by_person => "человек".to_owned(),
                Some(c) => format!("классификатор, уверенность {:.0} %", f64::from(c) * 100.0),
                None => "классификатор".to_owned(),
            }),
            agency_ru: state.agency.as_ref().map(|a| names.agency(a.as_str())),
            author_hidden: author.is_some() && !scope.may_see_personal_data,
            author: author.filter(|_| scope.may_see_personal_data).map(|a| CaseAuthor { full_name: a.full_name, phone: a.phone, email: a.email }),
            timeline: events
                .iter()
                .map(|e| TimelineEntry {
                    at: local(e.at),
                    actor: e.actor.clone(),
                    kind: e.kind.code().into(),
                    kind_ru: e.kind.label_ru().into(),
                    detail: detail(&e.kind, &names),
                })
                .collect(),
            deadlines,
            answers: answers(&events),
            satisfaction: state.satisfaction,
            problem_id: problem_text,
            linked_total,
            linked,
            covered_by,
        })
    }

    /// The appeals of a problem that `scope` may see, newest first (at most `limit`).
    pub async fn problem_appeals(&self, problem: &str, limit: i64, scope: &Scope, now: DateTime<Utc>) -> Result<ProblemAppeals, ApiError> {
        if scope.role == Role::Wall {
            return Err(ApiError::invalid("стена показывает только сводные показатели: списки обращений ей недоступны"));
        }
        let problem_id = ProblemId(parse_id("problem", problem)?);
        let (total, list) = self.store().problem_appeals(problem_id, limit.max(1), scope).await?;
        if total == 0 {
            return Err(not_found("проблема", problem));
        }
        let names = Names(self.reference());
        Ok(ProblemAppeals {
            problem_id: problem_id.to_string(),
            topic_ru: list.iter().find_map(|b| b.topic_id.as_deref()).map(|t| names.topic(t)),
            total: total as u32,
            appeals: list.iter().map(|b| brief(b, &names, now)).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, h, 0, 0).unwrap()
    }

    #[test]
    fn a_stage_is_kept_late_overdue_or_running() {
        let cases = [
            (t(10), Some(t(9)), t(12), "met"),
            (t(10), Some(t(10)), t(12), "met"),
            (t(10), Some(t(11)), t(12), "late"),
            (t(10), None, t(12), "overdue"),
            (t(10), None, t(8), "running"),
        ];
        for (due, done, now, want) in cases {
            assert_eq!(kept(due, done, now).0, want, "due {due}, done {done:?}, now {now}");
        }
    }

    fn event(at: DateTime<Utc>, kind: EventKind) -> Event {
        Event {
            id: tsur_core::EventId(uuid::Uuid::now_v7()), appeal_id: AppealId(uuid::Uuid::nil()), at, actor: "оператор".into(), node: "n".into(), kind
        }
    }

    #[test]
    fn a_rejection_belongs_to_the_answer_before_it() {
        let events = [
            event(t(1), EventKind::InterimAnswer { text: "приняли в работу".into() }),
            event(t(2), EventKind::Answered { text: "отписка".into() }),
            event(t(3), EventKind::AnswerRejected { reason: "нет сути".into() }),
            event(t(4), EventKind::AnswerRejected { reason: "повтор".into() }),
            event(t(5), EventKind::Answered { text: "яму заделали".into() }),
        ];
        let list = answers(&events);
        let verdicts: Vec<Option<&str>> = list.iter().map(|a| a.rejected_because.as_deref()).collect();
        assert_eq!(verdicts, [None, Some("нет сути"), None]);
        assert_eq!(list[0].kind_ru, "промежуточный ответ");
        assert_eq!(list[2].text, "яму заделали");
    }
}
