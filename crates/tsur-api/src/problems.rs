//! Linking appeals into problems, and measuring the linking against the demo generator's
//! ground truth.

use crate::{Api, ApiError};
use serde::Serialize;
use tsur_core::problems::{pair_scores, Candidate, LinkParams, Linker};
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
        let rows = self.store().link_rows().await?;
        let truth = self.store().demo_incident_of_appeals().await?;
        if truth.is_empty() {
            return Err(ApiError::invalid("в базе нет эталона инцидентов: оценка связывания работает на демо-данных (tsur demo)"));
        }
        let started = std::time::Instant::now();
        let mut linker = Linker::new(params);
        let mut next = 0u128;
        let predicted: Vec<_> = rows
            .iter()
            .map(|r| {
                let c = Candidate { id: r.appeal_id, topic: &r.topic_id, point: r.point, at: r.received_at, text: &r.text };
                let link = linker.offer(&c, || {
                    next += 1;
                    ProblemId(uuid::Uuid::from_u128(next))
                });
                (r.appeal_id, link.problem())
            })
            .collect();
        let seconds = started.elapsed().as_secs_f64();
        let mut sizes = std::collections::HashMap::<ProblemId, u64>::new();
        for (_, p) in &predicted {
            *sizes.entry(*p).or_default() += 1;
        }
        // Groups below the problem size count as singletons.
        let problems: Vec<_> = predicted.iter().filter(|(_, p)| sizes[p] >= u64::from(params.min_size)).copied().collect();
        let (precision, recall, _, _) = pair_scores(&problems, &truth);
        sizes.retain(|_, n| *n >= u64::from(params.min_size));
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
