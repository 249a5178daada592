//! Filling an empty store with the demo region: generation on a blocking thread, inserts
//! on the async side, one transaction per chunk, progress reported per chunk.

use crate::{Api, ApiError, DemoSummary};
use std::collections::BTreeMap;
use std::time::Instant;
use tsur_core::AppealId;
use tsur_demo::{Generator, Params, PhraseBank};
use tsur_store_sqlite::{DemoIncidentRecord, NewAppeal};

pub use tsur_demo::Params as DemoParams;

/// Appeals per transaction of a demo fill: few commits (each writes every index page it
/// touched), yet a bounded amount of uncommitted work whatever the total. A multiple of
/// the generator's chunk.
const APPEALS_PER_TRANSACTION: u64 = tsur_demo::CHUNK * 25;

impl Api {
    /// Fills an empty store with `params.appeals` demo appeals. Refuses a store that has
    /// appeals already: demo data never mix with real ones, and nothing is ever deleted.
    /// `progress(done, total)` is called after each chunk is stored.
    pub async fn seed_demo(&self, params: Params, mut progress: impl FnMut(u64, u64)) -> Result<DemoSummary, ApiError> {
        let existing = self.store().appeal_count().await?;
        if existing > 0 {
            return Err(ApiError::invalid(format!(
                "в базе {} уже {existing} обращений; демо-данные записываются только в пустую базу — укажите новый файл (--db)",
                self.store().path().display()
            )));
        }
        if params.appeals == 0 || params.appeals > u64::from(u32::MAX) {
            return Err(ApiError::invalid("число обращений должно быть от 1 до 4 294 967 295"));
        }
        let started = Instant::now();
        let phrases = PhraseBank::bundled().map_err(|e| ApiError::internal(e.to_string()))?;
        let reference = self.reference.clone();
        let total = params.appeals;
        let seed = params.seed;
        // Two chunks in flight at most: bounded memory whatever the size.
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<tsur_demo::GeneratedAppeal>>(2);
        let producer = tokio::task::spawn_blocking(move || -> Result<Vec<tsur_demo::Incident>, ApiError> {
            let generator = Generator::new(&reference, &phrases, params).map_err(|e| ApiError::internal(e.to_string()))?;
            for k in 0..generator.chunks() {
                if tx.blocking_send(generator.chunk(k)).is_err() {
                    break; // the consumer failed; its error is reported
                }
            }
            Ok(generator.incidents().to_vec())
        });
        let mut done = 0u64;
        let mut events = 0u64;
        let mut incident_appeals: BTreeMap<usize, Vec<AppealId>> = BTreeMap::new();
        let mut bulk: Option<tsur_store_sqlite::BulkWriter> = None;
        while let Some(chunk) = rx.recv().await {
            let batch: Vec<NewAppeal> = chunk
                .into_iter()
                .map(|g| {
                    if let Some(i) = g.incident {
                        incident_appeals.entry(i).or_default().push(g.appeal.id);
                    }
                    events += g.events.len() as u64;
                    NewAppeal { appeal: g.appeal, author: Some(g.author), events: g.events }
                })
                .collect();
            done += batch.len() as u64;
            let writer = match bulk.as_mut() {
                Some(writer) => writer,
                None => bulk.insert(self.store().bulk().await?),
            };
            writer.insert_appeals(&batch).await?;
            if done.is_multiple_of(APPEALS_PER_TRANSACTION) {
                bulk.take().expect("opened above").commit().await?;
            }
            progress(done, total);
        }
        if let Some(writer) = bulk.take() {
            writer.commit().await?;
        }
        let incidents = producer.await.map_err(|e| ApiError::internal(format!("генератор остановился: {e}")))??;
        let records: Vec<DemoIncidentRecord> = incidents
            .iter()
            .enumerate()
            .map(|(i, inc)| DemoIncidentRecord {
                id: i as i64 + 1,
                municipality_id: inc.municipality.0.clone(),
                settlement_id: inc.settlement.0.clone(),
                topic_id: inc.topic.0.clone(),
                started_at: inc.started_at,
                ended_at: inc.ended_at,
                description: inc.description.clone(),
                appeals: incident_appeals.remove(&i).unwrap_or_default(),
            })
            .collect();
        self.store().insert_demo_incidents(&records).await?;
        // Appeals about one problem are linked as in real intake.
        let linked = self.link_problems(tsur_core::problems::LinkParams::default()).await?;
        Ok(DemoSummary {
            appeals: done as u32,
            events: events as u32 + linked.linked as u32,
            problems: linked.problems as u32,
            incidents: records.len() as u32,
            seed: seed as u32,
            seconds: started.elapsed().as_secs_f64(),
        })
    }
}
