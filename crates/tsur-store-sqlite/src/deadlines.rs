//! Deadlines in the store: the rules in force (kept as one record), the deadline columns
//! of the projection, and the rows the deadline engine reads to say what is overdue.

use crate::analytics::{by_pages, watermark_in, CHANGED_BETWEEN};
use crate::queries::{at, opt_at};
use crate::write::{ms, uuid_of};
use crate::{SqliteStore, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use tsur_core::reference::Regime;
use tsur_core::rules::{Facts, Rules, RulesRecord};
use tsur_core::{AppealId, Status};

/// The last rules built, keyed by the record they were built from: compiling the calendar
/// is cheap but not free, and every write needs the rules.
#[derive(Debug, Clone, Default)]
pub(crate) struct RulesCache(Arc<Mutex<Option<Cached>>>);

/// The record text the rules were built from, and the rules.
type Cached = (String, Arc<Rules>);

impl RulesCache {
    /// The rules stored in the database: the record written with the reference books, or
    /// (in a store that has none yet) the stored regimes with the federal calendar.
    pub(crate) async fn load(&self, conn: &mut SqliteConnection) -> Result<Arc<Rules>, StoreError> {
        let record: Option<String> = sqlx::query_scalar("SELECT record FROM deadline_rules WHERE id = 1").fetch_optional(&mut *conn).await?;
        let key = match &record {
            Some(r) => r.clone(),
            None => {
                let rows: Vec<String> = sqlx::query_scalar("SELECT record FROM regimes ORDER BY id").fetch_all(&mut *conn).await?;
                format!("regimes:{}", rows.join("\n"))
            }
        };
        if let Some((k, rules)) = self.0.lock().expect("rules cache").as_ref() {
            if *k == key {
                return Ok(rules.clone());
            }
        }
        let rules = match record {
            Some(r) => {
                let record: RulesRecord = serde_json::from_str(&r).map_err(|e| StoreError::Decode(format!("правила сроков: {e}")))?;
                Rules::from_record(record).map_err(|p| StoreError::Decode(format!("правила сроков: {}", p.join("; "))))?
            }
            None => {
                let regimes = key
                    .trim_start_matches("regimes:")
                    .lines()
                    .filter(|l| !l.is_empty())
                    .map(|l| serde_json::from_str::<Regime>(l).map_err(|e| StoreError::Decode(format!("режим: {e}"))))
                    .collect::<Result<Vec<_>, _>>()?;
                Rules::with_regimes(regimes)
            }
        };
        let rules = Arc::new(rules);
        *self.0.lock().expect("rules cache") = Some((key, rules.clone()));
        Ok(rules)
    }
}

/// The deadline columns of one projection row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Dues {
    pub first_reply: Option<i64>,
    pub answer: Option<i64>,
    pub resolution: Option<i64>,
    pub predicted: bool,
}

/// The due instants of the first reply, the answer and a deferred solution.
pub(crate) fn dues(rules: &Rules, facts: &Facts<'_>) -> Dues {
    let d = rules.dues(facts);
    Dues { first_reply: d.first_reply.map(ms), answer: d.answer.map(ms), resolution: d.resolution.map(ms), predicted: d.predicted }
}

/// One appeal as the deadline engine sees it, with what a report names it by. The ids that
/// many appeals share (channel, municipality, block, topic, agency, regime, fast-track) are
/// one string each among the rows read together ([`Shared`]): the 48,000 open appeals of a
/// million-appeal store are kept in memory for the overdue list, and with seven strings each
/// of their own they held 24.5 MiB, now 18.6 (`examples/open_rows_heap.rs`).
#[derive(Debug, Clone, PartialEq)]
pub struct DeadlineRow {
    /// The appeal.
    pub appeal_id: AppealId,
    /// Channel code.
    pub channel: Arc<str>,
    /// The channel's id.
    pub external_id: String,
    /// Municipality.
    pub municipality_id: Arc<str>,
    /// Block, once classified.
    pub block_id: Option<Arc<str>>,
    /// Topic, once classified.
    pub topic_id: Option<Arc<str>>,
    /// Responsible agency.
    pub agency_id: Option<Arc<str>>,
    /// Regime id.
    pub regime_id: Arc<str>,
    /// Status.
    pub status: Status,
    /// Received.
    pub received_at: DateTime<Utc>,
    /// Registered.
    pub registered_at: DateTime<Utc>,
    /// First redirection.
    pub redirected_at: Option<DateTime<Utc>>,
    /// First reply.
    pub first_reply_at: Option<DateTime<Utc>>,
    /// Latest answer.
    pub last_answer_at: Option<DateTime<Utc>>,
    /// Latest resolution.
    pub resolved_at: Option<DateTime<Utc>>,
    /// Latest reopening.
    pub reopened_at: Option<DateTime<Utc>>,
    /// Extension days.
    pub extension_days: u32,
    /// Fast-track id.
    pub fast_track_id: Option<Arc<str>>,
    /// Plan date while deferred.
    pub deferred_until: Option<NaiveDate>,
    /// The stored due instant of the first reply.
    pub first_reply_due: Option<DateTime<Utc>>,
    /// The stored due instant of the answer.
    pub answer_due: Option<DateTime<Utc>>,
    /// The stored due instant of a deferred solution.
    pub resolution_due: Option<DateTime<Utc>>,
}

impl DeadlineRow {
    /// The facts the engine needs.
    pub fn facts(&self) -> Facts<'_> {
        Facts {
            regime: &self.regime_id,
            status: self.status,
            received: self.received_at,
            registered: self.registered_at,
            redirected: self.redirected_at,
            first_reply: self.first_reply_at,
            last_answer: self.last_answer_at,
            resolved: self.resolved_at,
            reopened: self.reopened_at,
            extension_days: self.extension_days,
            fast_track: self.fast_track_id.as_deref(),
            deferred_until: self.deferred_until,
        }
    }

    /// The facts as they stood at `t` ([`Facts::as_of`]).
    pub fn facts_as_of(&self, t: DateTime<Utc>) -> Facts<'_> {
        self.facts().as_of(t)
    }

    /// Whether the appeal is open today: an answer or a deferred solution owed.
    pub fn open_today(&self) -> bool {
        open(self.status)
    }
}

/// An answer or a deferred solution owed.
fn open(status: Status) -> bool {
    status.awaits_answer() || status == Status::Deferred
}

const ROW_COLUMNS: &str = "s.appeal_id, a.channel, a.external_id, s.municipality_id, s.block_id, s.topic_id, s.agency_id, a.regime_id, s.status, \
     s.received_at, coalesce(s.registered_at, s.received_at) AS registered_at, s.redirected_at, s.first_reply_at, s.last_answer_at, s.resolved_at, \
     s.reopened_at, s.extension_days, s.fast_track_id, s.deferred_until, s.first_reply_due, s.answer_due, s.resolution_due";

/// The ids of the rows read together, each kept once.
#[derive(Default)]
struct Shared(HashSet<Arc<str>>);

impl Shared {
    /// The kept string equal to `id`, kept now if it is new.
    fn id(&mut self, id: &str) -> Arc<str> {
        if let Some(kept) = self.0.get(id) {
            return kept.clone();
        }
        let kept: Arc<str> = Arc::from(id);
        self.0.insert(kept.clone());
        kept
    }

    /// The column `name` of `r`, kept once.
    fn column(&mut self, r: &sqlx::sqlite::SqliteRow, name: &str) -> Arc<str> {
        self.id(r.get::<&str, _>(name))
    }

    /// The nullable column `name` of `r`, kept once.
    fn optional(&mut self, r: &sqlx::sqlite::SqliteRow, name: &str) -> Option<Arc<str>> {
        r.get::<Option<&str>, _>(name).map(|id| self.id(id))
    }
}

/// The rows, their shared ids kept once ([`Shared`]).
fn decode_all(rows: &[sqlx::sqlite::SqliteRow]) -> Result<Vec<DeadlineRow>, StoreError> {
    let mut shared = Shared::default();
    rows.iter().map(|r| decode(r, &mut shared)).collect()
}

/// The rows of `query`, each decoded as it comes: sqlx keeps a fetched row's values as SQLite's
/// copies, and the 48,000 open appeals fetched at once held some 130 MiB for the moment of
/// their decoding (the process's peak in `room_bench`).
async fn decode_as_fetched<'q>(
    conn: &mut SqliteConnection,
    query: sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
) -> Result<Vec<DeadlineRow>, StoreError> {
    use futures_util::TryStreamExt;
    let mut shared = Shared::default();
    let mut out = Vec::new();
    let mut rows = query.fetch(conn);
    while let Some(r) = rows.try_next().await? {
        out.push(decode(&r, &mut shared)?);
    }
    Ok(out)
}

fn decode(r: &sqlx::sqlite::SqliteRow, shared: &mut Shared) -> Result<DeadlineRow, StoreError> {
    let status: String = r.get("status");
    let deferred: Option<String> = r.get("deferred_until");
    Ok(DeadlineRow {
        appeal_id: AppealId(uuid_of(&r.get::<Vec<u8>, _>("appeal_id"))?),
        channel: shared.column(r, "channel"),
        external_id: r.get("external_id"),
        municipality_id: shared.column(r, "municipality_id"),
        block_id: shared.optional(r, "block_id"),
        topic_id: shared.optional(r, "topic_id"),
        agency_id: shared.optional(r, "agency_id"),
        regime_id: shared.column(r, "regime_id"),
        status: Status::from_code(&status).ok_or_else(|| StoreError::Decode(format!("статус {status}")))?,
        received_at: at(r.get("received_at"))?,
        registered_at: at(r.get("registered_at"))?,
        redirected_at: opt_at(r.get("redirected_at"))?,
        first_reply_at: opt_at(r.get("first_reply_at"))?,
        last_answer_at: opt_at(r.get("last_answer_at"))?,
        resolved_at: opt_at(r.get("resolved_at"))?,
        reopened_at: opt_at(r.get("reopened_at"))?,
        extension_days: r.get::<i64, _>("extension_days").clamp(0, i64::from(u32::MAX)) as u32,
        fast_track_id: shared.optional(r, "fast_track_id"),
        deferred_until: deferred
            .map(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").map_err(|e| StoreError::Decode(format!("плановая дата {d}: {e}"))))
            .transpose()?,
        first_reply_due: opt_at(r.get("first_reply_due"))?,
        answer_due: opt_at(r.get("answer_due"))?,
        resolution_due: opt_at(r.get("resolution_due"))?,
    })
}

impl SqliteStore {
    /// Every appeal received before `until` as the deadline engine sees it (all scopes:
    /// agencies' histories are regional; callers filter what they show). All in memory: for
    /// a large store, [`SqliteStore::deadline_rows_paged`].
    pub async fn deadline_rows(&self, until: DateTime<Utc>) -> Result<Vec<DeadlineRow>, StoreError> {
        let mut out = Vec::new();
        self.deadline_rows_paged(until, 50_000, |page| out.extend_from_slice(page)).await?;
        Ok(out)
    }

    /// Every appeal's row received before `until`, `page` rows at a time (a million rows at
    /// once would hold gigabytes of decoded values); `each` gets each page.
    pub async fn deadline_rows_paged(&self, until: DateTime<Utc>, page: i64, mut each: impl FnMut(&[DeadlineRow])) -> Result<(), StoreError> {
        let sql = format!("SELECT s.rowid AS rid, {ROW_COLUMNS} FROM appeal_state s JOIN appeals a ON a.id = s.appeal_id WHERE s.received_at < ? AND s.rowid > ? ORDER BY s.rowid LIMIT ?");
        by_pages(&self.pool, &sql, Some(ms(until)), page, |rows| {
            each(&decode_all(rows)?);
            Ok(())
        })
        .await?;
        Ok(())
    }

    /// The rows of every appeal still open today (an answer or a deferred solution owed,
    /// [`DeadlineRow::open_today`]), and the events' watermark they stand at.
    pub async fn open_deadline_rows(&self) -> Result<(Vec<DeadlineRow>, i64), StoreError> {
        let codes: Vec<String> = Status::ALL.iter().filter(|s| open(**s)).map(|s| format!("'{}'", s.code())).collect();
        let mut tx = self.pool.begin().await?;
        let watermark = watermark_in(&mut tx).await?;
        // Open appeals are few (5 % of a demo year): found by the index that begins with the
        // status (`appeal_state_answer_due`).
        let sql = format!("SELECT {ROW_COLUMNS} FROM appeal_state s JOIN appeals a ON a.id = s.appeal_id WHERE s.status IN ({})", codes.join(", "));
        let rows = decode_as_fetched(&mut tx, sqlx::query(&sql)).await?;
        tx.commit().await?;
        Ok((rows, watermark))
    }

    /// The rows of the appeals with events after `watermark` (an event rowid), open or not,
    /// and the new watermark.
    pub async fn deadline_rows_since(&self, watermark: i64) -> Result<(Vec<DeadlineRow>, i64), StoreError> {
        let mut tx = self.pool.begin().await?;
        let new = watermark_in(&mut tx).await?;
        let sql = format!("SELECT {ROW_COLUMNS} FROM appeal_state s JOIN appeals a ON a.id = s.appeal_id WHERE {CHANGED_BETWEEN}");
        let rows = decode_as_fetched(&mut tx, sqlx::query(&sql).bind(watermark).bind(new)).await?;
        tx.commit().await?;
        Ok((rows, new))
    }

    /// The rules in force in this store.
    pub async fn rules(&self) -> Result<Arc<Rules>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        self.rules.load(&mut conn).await
    }

    /// Recomputes the deadline columns of every appeal under the rules in force (after the
    /// rules changed). Returns how many rows were updated.
    pub async fn recompute_deadlines(&self) -> Result<u64, StoreError> {
        let mut tx = self.pool.begin().await?;
        let n = recompute(&mut tx, &self.rules).await?;
        tx.commit().await?;
        Ok(n)
    }
}

/// Recomputes all deadline columns inside a transaction.
pub(crate) async fn recompute(conn: &mut SqliteConnection, cache: &RulesCache) -> Result<u64, StoreError> {
    let rules = cache.load(conn).await?;
    let sql = format!("SELECT {ROW_COLUMNS} FROM appeal_state s JOIN appeals a ON a.id = s.appeal_id");
    let rows = sqlx::query(&sql).fetch_all(&mut *conn).await?;
    let mut updated = 0;
    for chunk in rows.chunks(400) {
        let decoded = decode_all(chunk)?;
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
            "UPDATE appeal_state SET first_reply_due = v.column2, answer_due = v.column3, resolution_due = v.column4, due_predicted = v.column5 FROM (",
        );
        let mut first = true;
        for row in &decoded {
            let d = dues(&rules, &row.facts());
            q.push(if first { "VALUES (" } else { ", (" });
            first = false;
            let mut sep = q.separated(", ");
            sep.push_bind(row.appeal_id.0).push_bind(d.first_reply).push_bind(d.answer).push_bind(d.resolution).push_bind(d.predicted);
            sep.push_unseparated(")");
        }
        q.push(") AS v WHERE appeal_state.appeal_id = v.column1");
        updated += q.build().execute(&mut *conn).await?.rows_affected();
    }
    Ok(updated)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_read_together_are_kept_once() {
        let mut shared = Shared::default();
        let a = shared.id("astrakhan");
        let b = shared.id(&String::from("astrakhan"));
        let other = shared.id("enotaevsky");
        assert!(Arc::ptr_eq(&a, &b), "the same id is one string");
        assert!(!Arc::ptr_eq(&a, &other));
        assert_eq!((&*a, &*other), ("astrakhan", "enotaevsky"));
        assert_eq!(shared.0.len(), 2);
    }
}
