//! Linking appeals into problems, and measuring the linking against the demo generator's
//! ground truth.

use crate::{Api, ApiError};
use serde::Serialize;
use tsur_core::problems::{pair_scores, Candidate, LinkParams, NewLink, Offered, Register};
use tsur_core::ProblemId;

/// How well the linking finds the demo's injected incidents.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct LinkReport {
    /// Appeals offered (classified, with a point).
    pub appeals: u64,
    /// Problems found (groups of at least the minimum size).
    pub problems: u64,
    /// Appeals in them.
    pub linked: u64,
    /// Incidents in the ground truth.
    pub incidents: u64,
    /// Share of the linked pairs that come from one incident.
    pub precision: f64,
    /// Share of the incidents' pairs that were linked.
    pub recall: f64,
    /// Wall time of the linking, seconds.
    pub seconds: f64,
}

impl Api {
    /// Links the stored appeals into problems in order of receipt and scores the result
    /// against the demo generator's incidents (nothing is written).
    pub async fn link_eval(&self, params: LinkParams) -> Result<LinkReport, ApiError> {
        let mut rows = self.store().link_rows(None).await?;
        let truth = self.store().demo_incident_of_appeals().await?;
        if truth.is_empty() {
            return Err(ApiError::invalid("в базе нет эталона инцидентов: оценка связывания работает на демо-данных (tsur demo)"));
        }
        // Scored as a first linking: what the store has linked already does not count.
        for r in &mut rows {
            r.problem = None;
        }
        let started = std::time::Instant::now();
        // The members of the groups that became problems; the rest count as singletons.
        let links = offer(&mut Register::new(params), &rows)?;
        let seconds = started.elapsed().as_secs_f64();
        let problems: Vec<_> = links.iter().map(|l| (l.appeal, l.problem)).collect();
        let (precision, recall, _, _) = pair_scores(&problems, &truth);
        let mut sizes: std::collections::HashMap<ProblemId, u64> = std::collections::HashMap::new();
        for l in &links {
            *sizes.entry(l.problem).or_default() += 1;
        }
        let incidents = truth.values().collect::<std::collections::HashSet<_>>().len() as u64;
        Ok(LinkReport {
            appeals: rows.len() as u64,
            problems: sizes.len() as u64,
            linked: sizes.values().sum(),
            incidents,
            precision: (precision * 1000.0).round() / 1000.0,
            recall: (recall * 1000.0).round() / 1000.0,
            seconds: (seconds * 1000.0).round() / 1000.0,
        })
    }
}

/// What a linking pass did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct LinkSummary {
    /// Appeals offered to the linker (the new ones and those of the window before them).
    pub offered: u64,
    /// Appeals newly linked to a problem (events written).
    pub linked: u64,
    /// Problems those belong to.
    pub problems: u64,
}

/// A linking pass worked out and not yet written (see [`Api::plan_links`]).
#[derive(Debug, Default)]
pub(crate) struct LinkPass {
    /// The link events to record.
    events: Vec<tsur_core::Event>,
    /// The last appeal rowid the pass saw; `None` when nothing was new.
    seen_up_to: Option<i64>,
    /// Appeals offered to the linker.
    offered: u64,
    /// Problems the new links belong to.
    problems: u64,
}

/// A problem of the register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct ProblemItem {
    /// The problem.
    pub problem_id: String,
    /// Its topic.
    pub topic: Option<String>,
    /// Its municipality.
    pub municipality: String,
    /// Appeals linked.
    pub appeals: u64,
    /// Channels they came through.
    pub channels: u32,
    /// First receipt, RFC 3339 in Europe/Astrakhan.
    pub first_at: String,
    /// Latest receipt.
    pub last_at: String,
}

/// The namespace of problem and link-event ids (a fixed random UUID).
const NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x2b7e_51a0_c3f4_4d19_9e62_84a1_f0d3_5c77);

/// Offers appeals (in order of receipt) to the register; the links that become known. An
/// appeal stored with a problem names the group it starts after it, so a problem continues
/// across passes; a new one names it after itself.
pub(crate) fn offer(register: &mut Register, rows: &[tsur_store_sqlite::LinkRow]) -> Result<Vec<NewLink>, ApiError> {
    let mut links = Vec::new();
    for r in rows {
        let offered = Offered {
            candidate: Candidate { id: r.appeal_id, topic: &r.topic_id, point: r.point, at: r.received_at, text: &r.text },
            registered_at: r.registered_at,
            problem: r.problem,
        };
        let named = || r.problem.unwrap_or_else(|| ProblemId(uuid::Uuid::new_v5(&NAMESPACE, r.appeal_id.0.as_bytes())));
        links.extend(register.offer(&offered, named).map_err(|_| ApiError::internal("связывание: обращения не по порядку поступления"))?);
    }
    Ok(links)
}

/// The event that records a link (its id follows from the appeal and the problem, so
/// recording it again changes nothing).
pub(crate) fn link_event(link: NewLink) -> tsur_core::Event {
    let id = uuid::Uuid::new_v5(&NAMESPACE, format!("link:{}:{}", link.appeal, link.problem.0).as_bytes());
    tsur_core::Event {
        id: tsur_core::EventId(id),
        appeal_id: link.appeal,
        at: link.at,
        actor: "связывание проблем".into(),
        node: "local".into(),
        kind: tsur_core::EventKind::ProblemLinked { problem: link.problem },
    }
}

impl Api {
    /// Links the appeals added since the last pass into problems (with the appeals of the
    /// window before them, so a problem continues across imports), and records each new
    /// link as an event. Groups reach the register as a burst (`LinkParams::problem_since`); then
    /// every member is linked. Problem ids derive from the group's first appeal, so a
    /// repeated pass changes nothing.
    pub async fn link_problems(&self, params: LinkParams) -> Result<LinkSummary, ApiError> {
        let pass = self.plan_links(params).await?;
        self.write_links(pass).await
    }

    /// The reading half of [`Api::link_problems`]: which appeals get which problem, worked
    /// out from the store without writing. An import runs it while the store builds the
    /// indexes it deferred (it reads no index they are), on the other core.
    pub(crate) async fn plan_links(&self, params: LinkParams) -> Result<LinkPass, ApiError> {
        let (_, max_rowid, earliest_new) = self.store().link_progress().await?;
        let Some(earliest) = earliest_new else {
            return Ok(LinkPass::default());
        };
        let rows = self.store().link_rows(Some(earliest - params.window)).await?;
        // Rows stored with a problem name the group they start after it, so a problem
        // continues across passes.
        let links = offer(&mut Register::new(params), &rows)?;
        let problems: std::collections::HashSet<_> = links.iter().map(|l| l.problem).collect();
        let events: Vec<_> = links.into_iter().map(link_event).collect();
        Ok(LinkPass { events, seen_up_to: Some(max_rowid), offered: rows.len() as u64, problems: problems.len() as u64 })
    }

    /// The writing half of [`Api::link_problems`]: the links as events, then the linker's
    /// progress.
    pub(crate) async fn write_links(&self, pass: LinkPass) -> Result<LinkSummary, ApiError> {
        // One transaction on the bulk writer's connection, whose larger page cache keeps the
        // events' index pages until the commit: a link pass over a million appeals (a dense file
        // where every appeal joins a problem) took 74 s in transactions of 20,000 events on the
        // ordinary cache, and 88 s in transactions of 2,000, most of it writing the same index
        // pages to the WAL again at every commit.
        if !pass.events.is_empty() {
            let mut bulk = self.store().bulk().await?;
            for chunk in pass.events.chunks(20_000) {
                bulk.append_events(chunk).await?;
            }
            bulk.commit().await?;
        }
        if let Some(last) = pass.seen_up_to {
            self.store().set_link_progress(last).await?;
        }
        Ok(LinkSummary { offered: pass.offered, linked: pass.events.len() as u64, problems: pass.problems })
    }

    /// The problems of the register, largest first.
    pub async fn problems(&self, limit: i64, scope: &tsur_core::Scope) -> Result<Vec<ProblemItem>, ApiError> {
        let zone = tsur_core::time::ZONE;
        Ok(self
            .store()
            .problems(limit, scope)
            .await?
            .into_iter()
            .map(|p| ProblemItem {
                problem_id: p.problem.0.to_string(),
                topic: p.topic_id,
                municipality: p.municipality_id,
                appeals: p.appeals,
                channels: p.channels,
                first_at: p.first_at.with_timezone(&zone).to_rfc3339(),
                last_at: p.last_at.with_timezone(&zone).to_rfc3339(),
            })
            .collect())
    }
}
