//! The node's side of the sync with the central database (docs/sync.md): what to push, and
//! applying what was pulled.
//!
//! The push reads the node's own events (`pulled = 0`) after a watermark, the rowid of the
//! last event sent; the watermark moves only after the server committed, so a crash in
//! between resends one batch, which the server skips (events are keyed by UUID). The
//! watermark also steps over pulled events whenever nothing of the node's own waits before
//! them (a pulled page moves it in its transaction; a batch that holds everything waiting
//! takes it to the newest event it saw), so what the push reads after it is what waits and
//! little else, without an index of the unsent events (migration 0013).
//!
//! A pulled page is applied in one transaction together with the cursor that follows it:
//! the page and the cursor are both stored or neither is, so an interrupted pull repeats
//! the page and applies nothing twice (events already here are skipped by id). Every
//! appeal of the page is folded again by [`AppealState::merge`] from its local and pulled
//! events; what cannot be read or folded is refused, written to `sync_rejected` with the
//! reason, and never reaches the appeals, events or projection.

use crate::open::classify;
use crate::queries::{appeals_with_histories, at, decode_appeal, decode_event, push_ids, IDS_PER_STATEMENT};
use crate::raw::{self, Keyed};
use crate::write::ms;
use crate::{SqliteStore, StoreError};
use chrono::{DateTime, Utc};
use sqlx::{QueryBuilder, Row, Sqlite, Transaction};
use std::borrow::Cow;
use std::collections::HashSet;
use tsur_core::{Appeal, AppealId, AppealState, Author, Event, EventId};

/// What the node has to send.
#[derive(Debug, Clone, Default)]
pub struct Outbox {
    /// The watermark to record once the server has this batch.
    pub mark: i64,
    /// Appeals this node registered among the batch's appeals, with their authors.
    pub appeals: Vec<(Appeal, Option<Author>)>,
    /// The node's events of the batch's appeals (the whole local history of each, so that an
    /// appeal new to the server arrives complete).
    pub events: Vec<Event>,
}

/// One appeal of a pulled page, as the server sent it.
#[derive(Debug, Clone)]
pub struct PulledAppeal {
    /// The appeal whose state changed.
    pub id: AppealId,
    /// Its facts (`None` if the server sent none), or why they could not be read.
    pub appeal: Option<Result<Appeal, String>>,
    /// Its author, if the login may read it.
    pub author: Option<Author>,
    /// Every event of it on the server: the event, or its id and why it could not be read.
    pub events: Vec<Result<Event, (uuid::Uuid, String)>>,
    /// The JSON of each event's payload as the server sent it (parallel to `events`), stored
    /// as is instead of being encoded again.
    pub payloads: Vec<Option<String>>,
    /// The fold of these events alone with its deadlines, made by [`prepare`] off the
    /// writer's path; used when the appeal is new here (then it is the whole history).
    pub prepared: Option<Prepared>,
}

/// A pulled appeal's state and deadline columns, computed ahead (see [`prepare`]).
#[derive(Debug, Clone)]
pub struct Prepared {
    state: AppealState,
    inert: bool,
    dues: crate::deadlines::Dues,
}

/// Folds a pulled appeal's own events and computes its deadlines, so that the writer need
/// not (a first sync is bound by the writer). Leaves `prepared` empty when anything about the
/// appeal is wrong: the writer then finds it and says why.
pub fn prepare(item: &mut PulledAppeal, rules: &tsur_core::rules::Rules) {
    item.prepared = None;
    let Some(Ok(appeal)) = &item.appeal else { return };
    if item.events.iter().any(|e| e.is_err()) {
        return;
    }
    let mut seen = HashSet::new();
    let events: Vec<Event> = item.events.iter().filter_map(|e| e.as_ref().ok()).filter(|e| seen.insert(e.id)).cloned().collect();
    let Some(Ok(merged)) = AppealState::merge(&events) else { return };
    let dues = crate::deadlines::dues(rules, &tsur_core::rules::Facts::of(appeal, &merged.state));
    item.prepared = Some(Prepared { state: merged.state, inert: !merged.inert.is_empty(), dues });
}

/// What applying a pulled page did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Applied {
    /// Appeals new to this node.
    pub appeals: u64,
    /// Events new to this node.
    pub events: u64,
    /// Appeals whose merged history holds events without effect (conflicts).
    pub conflicts: u64,
    /// Appeals refused (see `sync_rejected`).
    pub rejected: u64,
}

/// A refusal kept in `sync_rejected`.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    /// When.
    pub at: DateTime<Utc>,
    /// `pull` or `push`.
    pub direction: String,
    /// What was refused.
    pub object: String,
    /// Why.
    pub reason: String,
}

impl SqliteStore {
    /// A value of the sync's settings and positions.
    pub async fn sync_meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar("SELECT value FROM sync_meta WHERE key = ?").bind(key).fetch_optional(&self.pool).await?)
    }

    /// Sets values of the sync's settings and positions in one transaction; `None` removes.
    pub async fn set_sync_meta(&self, pairs: &[(&str, Option<&str>)]) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.map_err(|e| classify(self.path(), e))?;
        set_meta(&mut tx, pairs).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The node's events not yet sent: how many, counting at most `limit`. Counting reads every
    /// such event (there is no index of them: migration 0013), so a node that took in a million
    /// appeals and never synced would read its whole events table for an exact figure.
    pub async fn pending_events(&self, limit: i64) -> Result<i64, StoreError> {
        let mark = self.push_mark().await?;
        Ok(sqlx::query_scalar("SELECT count(*) FROM (SELECT 1 FROM events WHERE pulled = 0 AND rowid > ? LIMIT ?)")
            .bind(mark)
            .bind(limit)
            .fetch_one(&self.pool)
            .await?)
    }

    async fn push_mark(&self) -> Result<i64, StoreError> {
        Ok(self.sync_meta(PUSH_MARK).await?.and_then(|v| v.parse().ok()).unwrap_or(0))
    }

    /// The next batch to push: up to `limit` of the node's unsent events and everything that
    /// must travel with them. Empty when nothing is waiting.
    pub async fn outbox(&self, limit: i64) -> Result<Outbox, StoreError> {
        let mark = self.push_mark().await?;
        // The newest event in the same statement, so in the same snapshot as the batch.
        let rows = sqlx::query("SELECT rowid, appeal_id, (SELECT max(rowid) FROM events) FROM events WHERE pulled = 0 AND rowid > ? ORDER BY rowid LIMIT ?")
            .bind(mark)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        let Some(last) = rows.last() else {
            return Ok(Outbox { mark, ..Outbox::default() });
        };
        // A batch that holds everything waiting: what follows its last event was pulled, and
        // the watermark may step over it once the server has the batch.
        let mark = if (rows.len() as i64) < limit { last.get::<i64, _>(2) } else { last.get::<i64, _>(0) };
        let mut ids: Vec<Vec<u8>> = rows.iter().map(|r| r.get::<Vec<u8>, _>(1)).collect();
        ids.sort_unstable();
        ids.dedup();
        let mut out = Outbox { mark, ..Outbox::default() };
        for chunk in ids.chunks(IDS_PER_STATEMENT) {
            let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
                "SELECT a.*, w.full_name, w.phone, w.email FROM appeals a LEFT JOIN appeal_authors w ON w.appeal_id = a.id WHERE a.pulled = 0 AND a.id IN ",
            );
            push_ids(&mut q, chunk);
            for r in q.build().fetch_all(&self.pool).await? {
                let appeal = decode_appeal(&r)?;
                let author = r.get::<Option<String>, _>("full_name").map(|full_name| Author {
                    appeal_id: appeal.id,
                    full_name,
                    phone: r.get("phone"),
                    email: r.get("email"),
                });
                out.appeals.push((appeal, author));
            }
            let mut q: QueryBuilder<Sqlite> =
                // `+pulled`: look the events up by appeal (events_by_appeal).
                QueryBuilder::new("SELECT id, appeal_id, at, actor, node, payload FROM events WHERE +pulled = 0 AND appeal_id IN ");
            push_ids(&mut q, chunk);
            for r in q.build().fetch_all(&self.pool).await? {
                out.events.push(decode_event(&r)?);
            }
        }
        Ok(out)
    }

    /// Records that the server has everything up to `mark` (see [`SqliteStore::outbox`]).
    pub async fn mark_pushed(&self, mark: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
        let mark = mark.to_string();
        let now = ms(now).to_string();
        self.set_sync_meta(&[(PUSH_MARK, Some(&mark)), ("last_push_at", Some(&now))]).await
    }

    /// Applies a pulled page and stores `meta` (the cursor after it) in the same transaction.
    pub async fn apply_pulled(&self, page: &[PulledAppeal], meta: &[(&str, Option<&str>)], now: DateTime<Utc>) -> Result<Applied, StoreError> {
        let mut writer = self.pull_writer().await?;
        let applied = writer.apply(page, now).await?;
        writer.commit(meta).await?;
        Ok(applied)
    }

    /// Drops the projection's secondary indexes for a bulk pull (a new laptop's first sync):
    /// a million rows go into the tables' own b-trees in order, and each index is then built
    /// once, sorted, by [`SqliteStore::restore_indexes`], instead of being updated row by row
    /// in random order. The events' index by appeal is dropped too when the store has no
    /// events yet (seven events an appeal in a pull: the largest of them); a bulk writer that
    /// must read an appeal's history (an appeal pulled twice, an imported row that updates an
    /// appeal of an earlier batch) builds it at once ([`build_events_index`]). Each
    /// definition is kept in `sync_meta` in the same transaction as the drop, so an index is
    /// never lost: a load killed before it restored them has them restored when the store is
    /// next opened. Returns how many were dropped.
    pub async fn defer_indexes(&self) -> Result<usize, StoreError> {
        let mut tx = self.pool.begin().await.map_err(|e| classify(self.path(), e))?;
        let no_events: bool = sqlx::query_scalar("SELECT NOT EXISTS (SELECT 1 FROM events)").fetch_one(&mut *tx).await?;
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND name IN (");
        let mut list = q.separated(", ");
        for name in DEFERRABLE_INDEXES.iter().chain(no_events.then_some(&EVENTS_BY_APPEAL)) {
            list.push_bind(*name);
        }
        list.push_unseparated(")");
        let found: Vec<(String, String)> = q.build_query_as().fetch_all(&mut *tx).await?;
        for (name, sql) in &found {
            set_meta(&mut tx, &[(&format!("{DEFERRED_INDEX}{name}"), Some(sql))]).await?;
            // DDL is never cached: a cached statement would replay against the old schema.
            sqlx::query(&format!("DROP INDEX \"{name}\"")).persistent(false).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(found.len())
    }

    /// Builds again the indexes [`SqliteStore::defer_indexes`] dropped, all in one
    /// transaction with the removal of their kept definitions; nothing when none are.
    /// Returns how many were built.
    pub async fn restore_indexes(&self) -> Result<usize, StoreError> {
        let mut tx = self.pool.begin().await.map_err(|e| classify(self.path(), e))?;
        let built = restore_deferred(&mut tx, "%").await?;
        tx.commit().await?;
        Ok(built)
    }

    /// A transaction for several pulled pages (a first sync commits every few pages: the
    /// same bytes, far fewer rewrites of the same index pages). Nothing is stored until
    /// [`PullWriter::commit`], which stores the cursor with the data.
    pub async fn pull_writer(&self) -> Result<PullWriter, StoreError> {
        let mut tx = self.pool.begin().await.map_err(|e| classify(self.path(), e))?;
        crate::open::widen_cache(&mut tx).await?;
        Ok(PullWriter { tx, path: self.path().to_owned(), rules: self.rules.clone(), pages: 0, bulk: false })
    }

    /// [`SqliteStore::pull_writer`] for a bulk pull (a new laptop's first sync), on the
    /// store's bulk connection, which does not check foreign keys ([`SqliteStore::unchecked`]):
    /// every row a pull writes belongs to an appeal written in the same call or already
    /// here — [`PullWriter::apply`] refuses the rest before writing anything.
    pub async fn bulk_pull_writer(&self) -> Result<PullWriter, StoreError> {
        Ok(PullWriter { tx: self.unchecked().await?, path: self.path().to_owned(), rules: self.rules.clone(), pages: 0, bulk: true })
    }

    /// Records a refusal of the push (the server refused a batch): kept for the
    /// administrator, as the pull's refusals are.
    pub async fn record_rejection(&self, direction: &str, object: &str, reason: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO sync_rejected (at, direction, object, reason) VALUES (?, ?, ?, ?)")
            .bind(ms(now))
            .bind(direction)
            .bind(object)
            .bind(reason)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The newest refusals of the sync, newest first.
    pub async fn sync_rejections(&self, limit: i64) -> Result<Vec<Rejection>, StoreError> {
        let rows = sqlx::query("SELECT at, direction, object, reason FROM sync_rejected ORDER BY id DESC LIMIT ?").bind(limit).fetch_all(&self.pool).await?;
        rows.iter().map(|r| Ok(Rejection { at: at(r.get("at"))?, direction: r.get("direction"), object: r.get("object"), reason: r.get("reason") })).collect()
    }
}

/// Pulled pages being written in one transaction (see [`SqliteStore::pull_writer`]).
pub struct PullWriter {
    tx: Transaction<'static, Sqlite>,
    path: std::path::PathBuf,
    rules: crate::deadlines::RulesCache,
    pages: usize,
    /// On the bulk connection ([`SqliteStore::bulk_pull_writer`]), whose cache stays wide.
    bulk: bool,
}

impl PullWriter {
    /// Pages applied since the transaction began.
    pub fn pages(&self) -> usize {
        self.pages
    }

    /// Applies one pulled page (see [`SqliteStore::apply_pulled`]).
    pub async fn apply(&mut self, page: &[PulledAppeal], now: DateTime<Utc>) -> Result<Applied, StoreError> {
        let tx = &mut self.tx;
        let rules = self.rules.load(tx).await?;
        let ids: Vec<uuid::Uuid> = page.iter().map(|p| p.id.0).collect();
        let known: HashSet<AppealId> = raw::existing(tx, Keyed::Appeals, &ids).await?.into_iter().map(AppealId).collect();
        // Events of known appeals already here (this node's own pushes coming back, a page
        // repeated after a crash), so that only appeals with something new are read and
        // folded again.
        let candidates: Vec<uuid::Uuid> =
            page.iter().filter(|p| known.contains(&p.id)).flat_map(|p| p.events.iter().filter_map(|e| e.as_ref().ok()).map(|e| e.id.0)).collect();
        let present = raw::existing(tx, Keyed::Events, &candidates).await?;
        // The local history and facts of the known appeals that get something new, read in
        // bulk rather than one appeal at a time.
        let needing: Vec<Vec<u8>> = page
            .iter()
            .filter(|p| known.contains(&p.id) && !p.events.iter().all(|e| e.as_ref().is_ok_and(|e| present.contains(&e.id.0))))
            .map(|p| p.id.0.as_bytes().to_vec())
            .collect();
        if !needing.is_empty() {
            // An appeal pulled twice in a bulk pull (changed on the server meanwhile): its
            // history is read by the index the pull deferred, so that one is built now.
            build_events_index(tx).await?;
        }
        let (mut local_appeals, mut local_events) = appeals_with_histories(tx, &needing).await?;
        let mut applied = Applied::default();
        let mut new_appeals: Vec<(&Appeal, Option<&Author>)> = Vec::new();
        let mut fresh_events: Vec<(&Event, Option<&str>)> = Vec::new();
        let mut states: Vec<(Cow<Appeal>, Cow<AppealState>, Option<crate::deadlines::Dues>)> = Vec::new();
        let mut late_authors: Vec<&Author> = Vec::new();
        let mut rejections: Vec<(String, String)> = Vec::new();
        for item in page {
            let is_known = known.contains(&item.id);
            match check(item, is_known) {
                Ok(()) => {}
                Err(reason) => {
                    rejections.push((format!("обращение {}", item.id), reason));
                    continue;
                }
            }
            // A known appeal's author may come late (a role that now may read it); kept only
            // if the appeal is not refused.
            let late_author = if is_known { item.author.as_ref() } else { None };
            if is_known && item.events.iter().all(|e| e.as_ref().is_ok_and(|e| present.contains(&e.id.0))) {
                late_authors.extend(late_author);
                continue;
            }
            let local = if is_known { local_events.remove(&item.id).unwrap_or_default() } else { Vec::new() };
            let local_ids: HashSet<EventId> = local.iter().map(|e| e.id).collect();
            let mut seen = HashSet::new();
            let fresh: Vec<(&Event, Option<&str>)> = item
                .events
                .iter()
                .enumerate()
                .filter_map(|(i, e)| e.as_ref().ok().map(|e| (e, item.payloads.get(i).and_then(|p| p.as_deref()))))
                .filter(|(e, _)| !local_ids.contains(&e.id) && seen.insert(e.id))
                .collect();
            let (state, conflict, dues) = match (is_known, &item.prepared) {
                // New here: the prepared fold of its own events is its whole history.
                (false, Some(p)) => (Cow::Borrowed(&p.state), p.inert, Some(p.dues)),
                _ => {
                    let mut all = local;
                    all.extend(fresh.iter().map(|(e, _)| (*e).clone()));
                    match AppealState::merge(&all) {
                        Some(Ok(merged)) => (Cow::Owned(merged.state), !merged.inert.is_empty(), None),
                        Some(Err(error)) => {
                            rejections.push((format!("обращение {}", item.id), format!("невозможная история: {error}")));
                            continue;
                        }
                        None => {
                            rejections.push((format!("обращение {}", item.id), "нет ни одного события".into()));
                            continue;
                        }
                    }
                }
            };
            if conflict {
                applied.conflicts += 1;
            }
            let appeal = if is_known {
                Cow::Owned(local_appeals.remove(&item.id).ok_or_else(|| StoreError::Decode(format!("обращение {} пропало", item.id)))?)
            } else {
                let Some(Ok(appeal)) = &item.appeal else { unreachable!("checked above") };
                new_appeals.push((appeal, item.author.as_ref()));
                applied.appeals += 1;
                Cow::Borrowed(appeal)
            };
            late_authors.extend(late_author);
            applied.events += fresh.len() as u64;
            fresh_events.extend(fresh);
            states.push((appeal, state, dues));
        }
        new_appeals.sort_unstable_by_key(|(a, _)| a.id);
        raw::insert_appeals(&mut *tx, &self.path, &new_appeals, true).await?;
        raw::insert_authors(&mut *tx, &late_authors).await?;
        fresh_events.sort_unstable_by_key(|(e, _)| e.id);
        raw::insert_events(&mut *tx, &fresh_events, true).await?;
        let rows: Vec<(&Appeal, &AppealState)> = states.iter().map(|(a, s, _)| (a.as_ref(), s.as_ref())).collect();
        let dues: Vec<crate::deadlines::Dues> =
            states.iter().map(|(a, s, d)| d.unwrap_or_else(|| crate::deadlines::dues(&rules, &tsur_core::rules::Facts::of(a, s)))).collect();
        raw::write_states(&mut *tx, &rows, &dues).await?;
        applied.rejected = rejections.len() as u64;
        for (object, reason) in &rejections {
            sqlx::query("INSERT INTO sync_rejected (at, direction, object, reason) VALUES (?, 'pull', ?, ?)")
                .bind(ms(now))
                .bind(object)
                .bind(reason)
                .execute(&mut **tx)
                .await?;
        }
        advance_push_mark(tx).await?;
        self.pages += 1;
        Ok(applied)
    }

    /// Stores `meta` (e.g. the cursor after the page just applied) in this transaction.
    pub async fn set_meta(&mut self, meta: &[(&str, Option<&str>)]) -> Result<(), StoreError> {
        set_meta(&mut self.tx, meta).await
    }

    /// Stores `meta` (the cursor after the last page) and makes everything visible.
    pub async fn commit(mut self, meta: &[(&str, Option<&str>)]) -> Result<(), StoreError> {
        set_meta(&mut self.tx, meta).await?;
        if !self.bulk {
            crate::open::narrow_cache(&mut self.tx).await?;
        }
        self.tx.commit().await.map_err(|e| classify(&self.path, e))
    }
}

/// Indexes a bulk pull drops and builds once at its end ([`SqliteStore::defer_indexes`]):
/// the projection's secondary indexes. Primary keys stay (the pull looks rows up by id), and
/// so does `events_by_appeal`, which folding an appeal that comes twice in one sync reads.
const DEFERRABLE_INDEXES: &[&str] =
    &["appeal_state_received", "appeal_state_municipality", "appeal_state_block", "appeal_state_answer_due", "appeal_state_review", "appeal_state_problem"];

/// The events' index by appeal, deferred by a bulk pull into a store without events.
const EVENTS_BY_APPEAL: &str = "events_by_appeal";

/// Builds the events' index by appeal in `tx` if a bulk load deferred it, before a read of
/// an appeal's history.
pub(crate) async fn build_events_index(tx: &mut Transaction<'_, Sqlite>) -> Result<(), StoreError> {
    restore_deferred(tx, EVENTS_BY_APPEAL).await.map(|_| ())
}

/// Builds the deferred indexes whose names are LIKE `pattern` and forgets their kept
/// definitions, in `tx`. Returns how many were built.
async fn restore_deferred(tx: &mut Transaction<'_, Sqlite>, pattern: &str) -> Result<usize, StoreError> {
    let pattern = format!("{DEFERRED_INDEX}{pattern}");
    // Read inside the transaction: its first read checks the schema's version, so this
    // connection forgets a schema from before the drop (SQLite would otherwise answer
    // "index … already exists" from its stale copy).
    let kept: Vec<(String, String)> = sqlx::query_as("SELECT key, value FROM sync_meta WHERE key LIKE ?").bind(&pattern).fetch_all(&mut **tx).await?;
    for (key, sql) in &kept {
        // The definition is SQLite's own text of a CREATE INDEX read from sqlite_master.
        if !sql.trim_start().to_ascii_uppercase().starts_with("CREATE INDEX") {
            return Err(StoreError::Decode(format!("{key}: не определение индекса")));
        }
        // DDL is never cached: a cached statement would replay against the old schema.
        sqlx::query(sql).persistent(false).execute(&mut **tx).await?;
        set_meta(tx, &[(key, None)]).await?;
    }
    Ok(kept.len())
}

/// Moves the push watermark to the newest event when none of this node's own events waits
/// after it: what lies beyond was pulled and is never pushed. One statement, so it sees one
/// snapshot: an event of this node recorded meanwhile is either seen (and the mark stays) or
/// comes after the new mark. Called in a pulled page's transaction, after its events.
async fn advance_push_mark(tx: &mut Transaction<'_, Sqlite>) -> Result<(), StoreError> {
    sqlx::query(&format!(
        "INSERT OR REPLACE INTO sync_meta (key, value) \
         SELECT '{PUSH_MARK}', CAST(last AS TEXT) FROM (SELECT max(rowid) AS last, \
         coalesce((SELECT CAST(value AS INTEGER) FROM sync_meta WHERE key = '{PUSH_MARK}'), 0) AS mark FROM events) \
         WHERE last > mark AND NOT EXISTS (SELECT 1 FROM events WHERE rowid > mark AND pulled = 0)"
    ))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The prefix of the keys in `sync_meta` that keep a deferred index's definition.
const DEFERRED_INDEX: &str = "deferred_index:";

/// The key of the push watermark in `sync_meta`.
const PUSH_MARK: &str = "push_mark";

/// Why a pulled appeal cannot be applied, if it cannot: its facts are missing or unreadable
/// (for an appeal new here), an event is unreadable or belongs to another appeal.
fn check(item: &PulledAppeal, known: bool) -> Result<(), String> {
    match &item.appeal {
        Some(Ok(appeal)) if appeal.id != item.id => return Err(format!("сервер прислал обращение {} вместо {}", appeal.id, item.id)),
        Some(Err(why)) => return Err(format!("обращение не читается: {why}")),
        None if !known => return Err("состояние обращения без самого обращения (обращение неизвестно)".into()),
        _ => {}
    }
    if let Some(author) = &item.author {
        if author.appeal_id != item.id {
            return Err(format!("автор другого обращения {}", author.appeal_id));
        }
    }
    for e in &item.events {
        match e {
            Err((id, why)) => return Err(format!("событие {id} не читается: {why}")),
            Ok(e) if e.appeal_id != item.id => return Err(format!("событие {} принадлежит неизвестному обращению {}", e.id, e.appeal_id)),
            Ok(_) => {}
        }
    }
    Ok(())
}

async fn set_meta(tx: &mut Transaction<'_, Sqlite>, pairs: &[(&str, Option<&str>)]) -> Result<(), StoreError> {
    for (key, value) in pairs {
        match value {
            Some(v) => sqlx::query("INSERT OR REPLACE INTO sync_meta (key, value) VALUES (?, ?)").bind(key).bind(v).execute(&mut **tx).await?,
            None => sqlx::query("DELETE FROM sync_meta WHERE key = ?").bind(key).execute(&mut **tx).await?,
        };
    }
    Ok(())
}
