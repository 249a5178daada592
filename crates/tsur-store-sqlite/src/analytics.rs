//! What the analytics' columnar snapshot is built from: each appeal's projection row with
//! the facts the screens need, read page by page (bounded memory), and the rows changed
//! since a watermark (the events' rowid, which only grows as events are appended).

use crate::{SqliteStore, StoreError};
use sqlx::Row;

/// One appeal as the analytics read it (Unix milliseconds, UTC). No personal data.
#[derive(Debug, Clone, PartialEq)]
pub struct SnapshotRow {
    /// Appeal id.
    pub id: uuid::Uuid,
    /// Received.
    pub received_at: i64,
    /// Registered (start of the terms).
    pub registered_at: i64,
    /// Municipality id.
    pub municipality: String,
    /// Settlement id.
    pub settlement: Option<String>,
    /// Channel code.
    pub channel: String,
    /// Status code.
    pub status: String,
    /// Block id.
    pub block: Option<String>,
    /// Topic id.
    pub topic: Option<String>,
    /// Agency id.
    pub agency: Option<String>,
    /// Problem id.
    pub problem: Option<uuid::Uuid>,
    /// Fast-track id.
    pub fast_track: Option<String>,
    /// First reply.
    pub first_reply_at: Option<i64>,
    /// Latest full answer.
    pub last_answer_at: Option<i64>,
    /// The answer's due.
    pub answer_due: Option<i64>,
    /// Reported resolved.
    pub resolved_at: Option<i64>,
    /// Confirmed by the citizen.
    pub confirmed_at: Option<i64>,
    /// Full answers.
    pub answers: i64,
    /// Rejected answers.
    pub rejected_answers: i64,
    /// Reopenings.
    pub reopen_count: i64,
    /// Satisfaction score.
    pub satisfaction: Option<i64>,
    /// Point.
    pub lon: Option<f64>,
    /// Point.
    pub lat: Option<f64>,
}

const SELECT: &str =
    "SELECT s.rowid AS rid, s.appeal_id, s.received_at, coalesce(s.registered_at, s.received_at) AS registered_at, s.municipality_id, a.settlement_id, \
     s.channel, s.status, s.block_id, s.topic_id, s.agency_id, s.problem_id, s.fast_track_id, s.first_reply_at, s.last_answer_at, s.answer_due, \
     s.resolved_at, s.confirmed_at, s.answers, s.rejected_answers, s.reopen_count, s.satisfaction, a.lon, a.lat \
     FROM appeal_state s JOIN appeals a ON a.id = s.appeal_id";

/// Runs `sql` a page at a time in order of rowid and gives `each` every page's rows; returns
/// how many there were. `sql` ends in `rowid > ? ORDER BY … LIMIT ?` and names the rowid `rid`;
/// `first`, when given, is bound before those two (a condition of the query's own).
pub(crate) async fn by_pages(
    pool: &sqlx::SqlitePool,
    sql: &str,
    first: Option<i64>,
    page: i64,
    mut each: impl FnMut(&[sqlx::sqlite::SqliteRow]) -> Result<(), StoreError>,
) -> Result<u64, StoreError> {
    let mut after = 0i64;
    let mut total = 0u64;
    loop {
        let query = first.into_iter().fold(sqlx::query(sql), |q, v| q.bind(v));
        let rows = query.bind(after).bind(page).fetch_all(pool).await?;
        let Some(last) = rows.last() else { return Ok(total) };
        after = last.get("rid");
        total += rows.len() as u64;
        each(&rows)?;
    }
}

fn decode(r: &sqlx::sqlite::SqliteRow) -> SnapshotRow {
    SnapshotRow {
        id: r.get("appeal_id"),
        received_at: r.get("received_at"),
        registered_at: r.get("registered_at"),
        municipality: r.get("municipality_id"),
        settlement: r.get("settlement_id"),
        channel: r.get("channel"),
        status: r.get("status"),
        block: r.get("block_id"),
        topic: r.get("topic_id"),
        agency: r.get("agency_id"),
        problem: r.get("problem_id"),
        fast_track: r.get("fast_track_id"),
        first_reply_at: r.get("first_reply_at"),
        last_answer_at: r.get("last_answer_at"),
        answer_due: r.get("answer_due"),
        resolved_at: r.get("resolved_at"),
        confirmed_at: r.get("confirmed_at"),
        answers: r.get("answers"),
        rejected_answers: r.get("rejected_answers"),
        reopen_count: r.get("reopen_count"),
        satisfaction: r.get("satisfaction"),
        lon: r.get("lon"),
        lat: r.get("lat"),
    }
}

impl SqliteStore {
    /// The connection pool, for tests and maintenance that check figures against plain SQL
    /// (the append-only triggers still guard appeals and events).
    pub fn pool(&self) -> &sqlx::SqlitePool {
        &self.pool
    }

    /// The events' watermark: the largest event rowid (0 for an empty store).
    pub async fn event_watermark(&self) -> Result<i64, StoreError> {
        watermark_in(&mut *self.pool.acquire().await?).await
    }

    /// Every appeal's row, `page` rows at a time, in the projection's order; `each` gets
    /// each page. Returns the number of rows. Take [`SqliteStore::event_watermark`] before:
    /// a row changed while the pages are read is then read again by
    /// [`SqliteStore::snapshot_rows_since`], never missed.
    pub async fn snapshot_rows(&self, page: i64, mut each: impl FnMut(&[SnapshotRow])) -> Result<u64, StoreError> {
        let sql = format!("{SELECT} WHERE s.rowid > ? ORDER BY s.rowid LIMIT ?");
        by_pages(&self.pool, &sql, None, page, |rows| {
            let decoded: Vec<SnapshotRow> = rows.iter().map(decode).collect();
            each(&decoded);
            Ok(())
        })
        .await
    }

    /// Every appeal's point `(id, lon, lat)` (appeals without one are left out), `page` at a
    /// time; `each` gets each page. Returns the number of points. An appeal's point is written
    /// with it and never changes.
    pub async fn appeal_points(&self, page: i64, mut each: impl FnMut(&[(uuid::Uuid, f64, f64)])) -> Result<u64, StoreError> {
        let sql = "SELECT rowid AS rid, id, lon, lat FROM appeals WHERE lon IS NOT NULL AND lat IS NOT NULL AND rowid > ? ORDER BY rowid LIMIT ?";
        by_pages(&self.pool, sql, None, page, |rows| {
            let points: Vec<(uuid::Uuid, f64, f64)> = rows.iter().map(|r| (r.get("id"), r.get("lon"), r.get("lat"))).collect();
            each(&points);
            Ok(())
        })
        .await
    }

    /// The rows of the appeals with events after `watermark` (an event rowid), and the new
    /// watermark.
    pub async fn snapshot_rows_since(&self, watermark: i64) -> Result<(Vec<SnapshotRow>, i64), StoreError> {
        let mut tx = self.pool.begin().await?;
        let new = watermark_in(&mut tx).await?;
        let rows = sqlx::query(&format!("{SELECT} WHERE {CHANGED_BETWEEN}")).bind(watermark).bind(new).fetch_all(&mut *tx).await?;
        tx.commit().await?;
        Ok((rows.iter().map(decode).collect(), new))
    }

    /// What names the reference books in force for the snapshot's key: when they were
    /// loaded, how many files, their total length.
    pub async fn reference_stamp(&self) -> Result<String, StoreError> {
        let (at, n, len): (Option<i64>, i64, Option<i64>) =
            sqlx::query_as("SELECT max(loaded_at), count(*), sum(length(content)) FROM reference_files").fetch_one(&self.pool).await?;
        Ok(format!("{}:{n}:{}", at.unwrap_or(0), len.unwrap_or(0)))
    }

    /// The kept snapshot: its key, watermark and bytes.
    pub async fn load_snapshot(&self) -> Result<Option<(String, i64, Vec<u8>)>, StoreError> {
        Ok(sqlx::query_as("SELECT key, watermark, bytes FROM analytics_snapshot WHERE id = 1").fetch_optional(&self.pool).await?)
    }

    /// Keeps a snapshot, replacing the previous one. The bytes are taken, not borrowed: sqlx
    /// copies borrowed bytes before binding them (70 MiB more at a million appeals).
    pub async fn save_snapshot(&self, key: &str, watermark: i64, bytes: Vec<u8>) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO analytics_snapshot (id, key, watermark, bytes) VALUES (1, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET key = excluded.key, watermark = excluded.watermark, bytes = excluded.bytes")
            .bind(key)
            .bind(watermark)
            .bind(bytes)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The demo generator's injected incidents: (municipality, topic, start in Unix ms).
    pub async fn demo_incidents(&self) -> Result<Vec<(String, String, i64)>, StoreError> {
        Ok(sqlx::query_as("SELECT municipality_id, topic_id, started_at FROM demo_incidents ORDER BY started_at").fetch_all(&self.pool).await?)
    }
}

/// The events' watermark as `conn` sees it (inside a transaction: the one its reads stand at).
pub(crate) async fn watermark_in(conn: &mut sqlx::SqliteConnection) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar("SELECT coalesce(max(rowid), 0) FROM events").fetch_one(conn).await?)
}

/// The condition on `appeal_state s` of the appeals with events after one watermark (the
/// first bound) up to another (the second).
pub(crate) const CHANGED_BETWEEN: &str = "s.appeal_id IN (SELECT DISTINCT appeal_id FROM events WHERE rowid > ? AND rowid <= ?)";
