//! Writing: appeals with their histories, later events, reference books, demo ground truth.
//! Every write validates events through the state machine first and updates the
//! projection in the same transaction.

use crate::deadlines::{dues, Dues, RulesCache};
use crate::open::classify;
use crate::raw;
use crate::{SqliteStore, StoreError};
use chrono::{DateTime, Utc};
use sqlx::{QueryBuilder, Sqlite, Transaction};
use std::collections::HashSet;
use tsur_core::reference::ReferenceData;
use tsur_core::rules::{Facts, Rules};
use tsur_core::{Appeal, AppealId, AppealState, Author, Event, EventId, EventKind};
use uuid::Uuid;

/// An appeal to insert, with its author (if known) and its whole history so far.
#[derive(Debug, Clone)]
pub struct NewAppeal {
    /// The registered facts.
    pub appeal: Appeal,
    /// The author's personal data.
    pub author: Option<Author>,
    /// Its events, the registration first.
    pub events: Vec<Event>,
}

/// An injected incident of the demo generator, kept as ground truth for detection tests.
#[derive(Debug, Clone)]
pub struct DemoIncidentRecord {
    /// Number of the incident.
    pub id: i64,
    /// Where.
    pub municipality_id: String,
    /// Which settlement.
    pub settlement_id: String,
    /// Which topic.
    pub topic_id: String,
    /// Start.
    pub started_at: DateTime<Utc>,
    /// End.
    pub ended_at: DateTime<Utc>,
    /// What happened, in Russian.
    pub description: String,
    /// The appeals it caused.
    pub appeals: Vec<AppealId>,
}

pub(crate) fn ms(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

/// Rows per multi-row INSERT: well under SQLite's limit of bound parameters.
const ROWS_PER_STATEMENT: usize = 400;

impl SqliteStore {
    /// Inserts new appeals with their histories in one transaction. Each history is folded
    /// first; an impossible one refuses the whole batch with the appeal named. An appeal
    /// whose (channel, external id) is already stored refuses the batch too.
    pub async fn insert_appeals(&self, batch: &[NewAppeal]) -> Result<(), StoreError> {
        let mut bulk = self.bulk().await?;
        bulk.insert_appeals(batch).await?;
        bulk.commit().await
    }

    /// Starts a bulk load: many batches in one transaction. Each commit of SQLite writes every
    /// index page the transaction touched, so loading a large volume in few transactions is
    /// many times faster than one transaction per batch. Nothing is visible until
    /// [`BulkWriter::commit`]; dropping the writer rolls everything back.
    /// The writer runs on the store's bulk connection, which does not check foreign keys
    /// ([`SqliteStore::unchecked`]): it checks that each appeal's events and author are its
    /// own, and appends only to stored appeals.
    pub async fn bulk(&self) -> Result<BulkWriter, StoreError> {
        Ok(BulkWriter { tx: self.unchecked().await?, path: self.path().to_owned(), rules: self.rules.clone() })
    }

    /// Appends events to stored appeals. Idempotent: events whose id is already stored are
    /// skipped. Each affected appeal is re-folded from all its events (old and new, in the
    /// canonical order) and its projection rewritten in the same transaction; an event the
    /// state machine refuses refuses the whole call. Returns how many events were new.
    pub async fn append_events(&self, events: &[Event]) -> Result<usize, StoreError> {
        let mut tx = self.pool.begin().await.map_err(|e| classify(self.path(), e))?;
        let n = append_in(&mut tx, &self.rules, events, false).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Replaces the reference books (texts and parsed tables) in one transaction, and
    /// recomputes every appeal's deadlines under the new rules.
    pub async fn replace_reference(&self, data: &ReferenceData, now: DateTime<Utc>) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(|e| classify(self.path(), e))?;
        for table in ["settlements", "regimes", "agencies", "topics", "blocks", "municipalities", "reference_files", "deadline_rules"] {
            sqlx::query(&format!("DELETE FROM {table}")).execute(&mut *tx).await?;
        }
        for (name, content) in data.texts.files() {
            sqlx::query("INSERT INTO reference_files (name, content, loaded_at) VALUES (?, ?, ?)")
                .bind(name)
                .bind(content)
                .bind(ms(now))
                .execute(&mut *tx)
                .await?;
        }
        for (ord, m) in data.municipalities.iter().enumerate() {
            sqlx::query("INSERT INTO municipalities (id, ord, name_ru, kind, population, urban, rural, label_lon, label_lat) VALUES (?,?,?,?,?,?,?,?,?)")
                .bind(m.id.as_str())
                .bind(ord as i64)
                .bind(&m.name_ru)
                .bind(&m.kind)
                .bind(m.population)
                .bind(m.urban)
                .bind(m.rural)
                .bind(m.label_lon)
                .bind(m.label_lat)
                .execute(&mut *tx)
                .await?;
        }
        for (ord, b) in data.blocks.iter().enumerate() {
            sqlx::query("INSERT INTO blocks (id, ord, name_ru, short_ru, color) VALUES (?,?,?,?,?)")
                .bind(b.id.as_str())
                .bind(ord as i64)
                .bind(&b.name_ru)
                .bind(&b.short_ru)
                .bind(&b.color)
                .execute(&mut *tx)
                .await?;
        }
        for (ord, t) in data.topics.iter().enumerate() {
            sqlx::query("INSERT INTO topics (id, ord, block_id, name_ru, severity, season, level, weight) VALUES (?,?,?,?,?,?,?,?)")
                .bind(t.id.as_str())
                .bind(ord as i64)
                .bind(t.block_id.as_str())
                .bind(&t.name_ru)
                .bind(t.severity)
                .bind(serde_json::to_value(t.season).ok().and_then(|v| v.as_str().map(str::to_owned)))
                .bind(serde_json::to_value(t.level).ok().and_then(|v| v.as_str().map(str::to_owned)))
                .bind(t.weight)
                .execute(&mut *tx)
                .await?;
        }
        for (ord, a) in data.agencies.iter().enumerate() {
            sqlx::query("INSERT INTO agencies (id, ord, name_ru, short_ru, kind, block_id, municipality_id) VALUES (?,?,?,?,?,?,?)")
                .bind(a.id.as_str())
                .bind(ord as i64)
                .bind(&a.name_ru)
                .bind(&a.short_ru)
                .bind(match a.kind {
                    tsur_core::reference::AgencyKind::Iogv => "iogv",
                    tsur_core::reference::AgencyKind::Omsu => "omsu",
                })
                .bind(a.block_id.as_ref().map(|b| b.as_str()))
                .bind(a.municipality_id.as_ref().map(|m| m.as_str()))
                .execute(&mut *tx)
                .await?;
        }
        for r in &data.regimes {
            sqlx::query("INSERT INTO regimes (id, channel, name_ru, record) VALUES (?,?,?,?)")
                .bind(r.id.as_str())
                .bind(r.channel.code())
                .bind(&r.name_ru)
                .bind(serde_json::to_string(r).map_err(|e| StoreError::Decode(e.to_string()))?)
                .execute(&mut *tx)
                .await?;
        }
        let rules = serde_json::to_string(Rules::from_reference(data).record()).map_err(|e| StoreError::Decode(e.to_string()))?;
        sqlx::query("INSERT INTO deadline_rules (id, record) VALUES (1, ?)").bind(rules).execute(&mut *tx).await?;
        for chunk in data.settlements.chunks(ROWS_PER_STATEMENT) {
            let mut q: QueryBuilder<Sqlite> =
                QueryBuilder::new("INSERT INTO settlements (id, municipality_id, name_ru, place_ru, kind, population, lon, lat, coord_source) ");
            q.push_values(chunk, |mut row, s| {
                row.push_bind(s.id.as_str())
                    .push_bind(s.municipality_id.as_str())
                    .push_bind(&s.name_ru)
                    .push_bind(&s.place_ru)
                    .push_bind(&s.kind)
                    .push_bind(s.population)
                    .push_bind(s.lon)
                    .push_bind(s.lat)
                    .push_bind(&s.coord_source);
            });
            q.build().execute(&mut *tx).await?;
        }
        crate::deadlines::recompute(&mut tx, &self.rules).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records the demo generator's incidents (ground truth).
    pub async fn insert_demo_incidents(&self, incidents: &[DemoIncidentRecord]) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(|e| classify(self.path(), e))?;
        for i in incidents {
            sqlx::query("INSERT INTO demo_incidents (id, municipality_id, settlement_id, topic_id, started_at, ended_at, description) VALUES (?,?,?,?,?,?,?)")
                .bind(i.id)
                .bind(&i.municipality_id)
                .bind(&i.settlement_id)
                .bind(&i.topic_id)
                .bind(ms(i.started_at))
                .bind(ms(i.ended_at))
                .bind(&i.description)
                .execute(&mut *tx)
                .await?;
            for chunk in i.appeals.chunks(ROWS_PER_STATEMENT) {
                let mut q: QueryBuilder<Sqlite> = QueryBuilder::new("INSERT INTO demo_incident_appeals (incident_id, appeal_id) ");
                q.push_values(chunk, |mut row, a| {
                    row.push_bind(i.id).push_bind(a.0);
                });
                q.build().execute(&mut *tx).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }
}

/// Inserts events whose payloads are encoded from their kinds; `pulled` marks those that
/// came from the central database (the push leaves them out).
pub(crate) async fn insert_events(tx: &mut Transaction<'_, Sqlite>, events: &[&Event], pulled: bool) -> Result<(), StoreError> {
    let events: Vec<(&Event, Option<&str>)> = events.iter().map(|e| (*e, None)).collect();
    raw::insert_events(tx, &events, pulled).await
}

/// Writes projection rows with their deadline columns computed by `rules`.
pub(crate) async fn upsert_states(tx: &mut Transaction<'_, Sqlite>, rules: &Rules, rows: &[(&Appeal, &AppealState)]) -> Result<(), StoreError> {
    let dues: Vec<Dues> = rows.iter().map(|(a, s)| dues(rules, &Facts::of(a, s))).collect();
    raw::write_states(tx, rows, &dues).await
}

/// Appends events inside a transaction (see [`SqliteStore::append_events`]); in a bulk load
/// (`index_deferred`: the events' index by appeal may have been dropped for it) the index is
/// built before a history is first read.
pub(crate) async fn append_in(tx: &mut Transaction<'_, Sqlite>, cache: &RulesCache, events: &[Event], index_deferred: bool) -> Result<usize, StoreError> {
    // The rules once per call, not once per appeal.
    let rules = cache.load(tx).await?;
    // By appeal, in the order the appeals first come: a caller that gives them in the order
    // they were stored (a link pass gives them in order of receipt) has each chunk's rows on
    // neighbouring pages of the projection.
    let mut by_appeal: Vec<(AppealId, Vec<&Event>)> = Vec::new();
    let mut slot: std::collections::HashMap<AppealId, usize> = std::collections::HashMap::new();
    for e in events {
        let i = *slot.entry(e.appeal_id).or_insert_with(|| {
            by_appeal.push((e.appeal_id, Vec::new()));
            by_appeal.len() - 1
        });
        by_appeal[i].1.push(e);
    }
    let mut new_total = 0;
    // A chunk of appeals at a time, read with a few statements and written with one pass of
    // prepared statements: a statement per appeal to read its row, one to read its history and
    // two to write cost some 300 µs an appeal (a link pass of a million appeals took five
    // minutes).
    for chunk in by_appeal.chunks(crate::queries::IDS_PER_STATEMENT) {
        // An appeal whose new events all apply anywhere in its history (a first link to a
        // problem, a comment: `AppealState::apply_anywhere`) takes them on its stored state, so
        // its history is not read back: a link pass over a million appeals spent most of its
        // time reading, decoding and folding 3.6 million events again. Unless one of those
        // events is stored already (a repeated call): then, as every other appeal, it is
        // folded again from its whole history. (A first link cannot be stored already: it
        // would have set the problem.) The states are read only for appeals whose events are
        // all of such kinds: a later status, say, is always folded with the history.
        let candidates: Vec<Vec<u8>> =
            chunk.iter().filter(|(_, events)| events.iter().all(|e| e.kind.may_apply_anywhere())).map(|(id, _)| id.0.as_bytes().to_vec()).collect();
        let stored = crate::queries::stored_states(tx, &candidates).await?;
        let may_be_stored: Vec<Uuid> = chunk
            .iter()
            .filter(|(id, _)| stored.contains_key(id))
            .flat_map(|(_, events)| events.iter().filter(|e| !matches!(e.kind, EventKind::ProblemLinked { .. })).map(|e| e.id.0))
            .collect();
        let already = raw::existing(tx, raw::Keyed::Events, &may_be_stored).await?;
        let mut fresh_all: Vec<&Event> = Vec::new();
        let mut anywhere: Vec<(AppealId, AppealState)> = Vec::new();
        let mut refold: Vec<&(AppealId, Vec<&Event>)> = Vec::new();
        for item in chunk {
            let (appeal_id, incoming) = item;
            let mut seen = HashSet::new();
            let fresh: Vec<&Event> = incoming.iter().copied().filter(|e| seen.insert(e.id)).collect();
            let applied = stored
                .get(appeal_id)
                .filter(|_| fresh.iter().all(|e| !already.contains(&e.id.0)))
                .and_then(|state| fresh.iter().try_fold(state.clone(), |s, e| s.apply_anywhere(e).and_then(Result::ok)));
            match applied {
                Some(state) => {
                    new_total += fresh.len();
                    fresh_all.extend(fresh);
                    anywhere.push((*appeal_id, state));
                }
                None => refold.push(item),
            }
        }
        let refold_ids: Vec<Vec<u8>> = refold.iter().map(|(id, _)| id.0.as_bytes().to_vec()).collect();
        if !refold.is_empty() && index_deferred {
            // Histories are read by appeal: the index a bulk load deferred is built first.
            crate::sync::build_events_index(tx).await?;
        }
        let (appeals, mut histories) = if refold.is_empty() { Default::default() } else { crate::queries::appeals_with_histories(tx, &refold_ids).await? };
        let mut states: Vec<(&Appeal, AppealState)> = Vec::new();
        for (appeal_id, incoming) in refold {
            let appeal = appeals.get(appeal_id).ok_or_else(|| StoreError::Decode(format!("событие для неизвестного обращения {appeal_id}")))?;
            let mut all = histories.remove(appeal_id).unwrap_or_default();
            let known: HashSet<EventId> = all.iter().map(|e| e.id).collect();
            let mut seen = HashSet::new();
            let fresh: Vec<&Event> = incoming.iter().copied().filter(|e| !known.contains(&e.id) && seen.insert(e.id)).collect();
            if fresh.is_empty() {
                continue;
            }
            let old_len = all.len();
            all.extend(fresh.iter().map(|e| (*e).clone()));
            states.push((appeal, refold_strictly(*appeal_id, &all, old_len)?));
            new_total += fresh.len();
            fresh_all.extend(fresh);
        }
        if fresh_all.is_empty() {
            continue;
        }
        insert_events(tx, &fresh_all, false).await?;
        let rows: Vec<(&Appeal, &AppealState)> = states.iter().map(|(a, s)| (*a, s)).collect();
        upsert_states(tx, &rules, &rows).await?;
        raw::write_anywhere_states(tx, &anywhere).await?;
    }
    Ok(new_total)
}

/// The state after appending `all[old_len..]` to an appeal's history `all[..old_len]`. The
/// history may hold events merged in from other nodes that conflict (inert, see
/// [`AppealState::merge`]); the new events must each take effect, and must not make an
/// older event lose its effect: what a person records here is checked as strictly as ever.
fn refold_strictly(appeal_id: AppealId, all: &[Event], old_len: usize) -> Result<AppealState, StoreError> {
    let refused = |source| StoreError::Transition { appeal: appeal_id.0, source };
    let merged = AppealState::merge(all).expect("an appeal in the store has its registration").map_err(refused)?;
    if merged.inert.is_empty() {
        return Ok(merged.state);
    }
    let before: HashSet<EventId> = match AppealState::merge(&all[..old_len]) {
        Some(Ok(old)) => old.inert.into_iter().map(|(id, _)| id).collect(),
        _ => HashSet::new(),
    };
    match merged.inert.into_iter().find(|(id, _)| !before.contains(id)) {
        Some((_, error)) => Err(refused(error)),
        None => Ok(merged.state),
    }
}

/// Turns a stored 16-byte id into a UUID.
pub(crate) fn uuid_of(bytes: &[u8]) -> Result<Uuid, StoreError> {
    Uuid::from_slice(bytes).map_err(|e| StoreError::Decode(format!("идентификатор: {e}")))
}

/// A bulk load in progress: one transaction over many batches (see [`SqliteStore::bulk`]).
pub struct BulkWriter {
    tx: Transaction<'static, Sqlite>,
    path: std::path::PathBuf,
    rules: RulesCache,
}

impl BulkWriter {
    /// Adds appeals with their histories (checked as in [`SqliteStore::insert_appeals`]).
    pub async fn insert_appeals(&mut self, batch: &[NewAppeal]) -> Result<(), StoreError> {
        let mut states = Vec::with_capacity(batch.len());
        for item in batch {
            let id = item.appeal.id;
            // What the foreign keys would have refused (this connection does not check them).
            if let Some(e) = item.events.iter().find(|e| e.appeal_id != id) {
                return Err(StoreError::Decode(format!("событие {} обращения {} записывается с обращением {id}", e.id, e.appeal_id)));
            }
            if let Some(a) = item.author.as_ref().filter(|a| a.appeal_id != id) {
                return Err(StoreError::Decode(format!("автор обращения {} записывается с обращением {id}", a.appeal_id)));
            }
            let state = match AppealState::fold(&item.events) {
                Some(result) => result.map_err(|source| StoreError::Transition { appeal: item.appeal.id.0, source })?,
                None => {
                    return Err(StoreError::Transition {
                        appeal: item.appeal.id.0, source: tsur_core::TransitionError::NotRegistered { event: "нет событий" }
                    })
                }
            };
            states.push(state);
        }
        // Inserting in key order keeps the B-tree pages each statement touches close together.
        let mut order: Vec<usize> = (0..batch.len()).collect();
        order.sort_unstable_by_key(|&i| batch[i].appeal.id);
        let tx = &mut self.tx;
        let rows: Vec<(&Appeal, Option<&Author>)> = order.iter().map(|&i| (&batch[i].appeal, batch[i].author.as_ref())).collect();
        raw::insert_appeals(tx, &self.path, &rows, false).await?;
        let mut events: Vec<&Event> = batch.iter().flat_map(|i| &i.events).collect();
        events.sort_unstable_by_key(|e| e.id);
        insert_events(tx, &events, false).await?;
        let rows: Vec<(&Appeal, &AppealState)> = order.iter().map(|&i| (&batch[i].appeal, &states[i])).collect();
        let rules = self.rules.load(tx).await?;
        upsert_states(tx, &rules, &rows).await?;
        Ok(())
    }

    /// Appends events to appeals (stored before, or added in this load), as
    /// [`SqliteStore::append_events`] does.
    pub async fn append_events(&mut self, events: &[Event]) -> Result<usize, StoreError> {
        if events.is_empty() {
            return Ok(0);
        }
        append_in(&mut self.tx, &self.rules, events, true).await
    }

    /// The transaction, for the other writes of a load (imports, quarantine).
    pub(crate) fn tx(&mut self) -> &mut Transaction<'static, Sqlite> {
        &mut self.tx
    }

    /// Makes everything added visible at once.
    pub async fn commit(self) -> Result<(), StoreError> {
        self.tx.commit().await.map_err(|e| classify(&self.path, e))
    }
}
