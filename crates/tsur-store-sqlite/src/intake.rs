//! Imports and their quarantine: the record of each import run, the rows that could not
//! be imported, and the lookup of appeals already stored by (channel, external id).

use crate::queries::{decode_appeal, decode_state};
use crate::write::{ms, BulkWriter};
use crate::{SqliteStore, StoreError};
use chrono::{DateTime, Utc};
use sqlx::{QueryBuilder, Row, Sqlite};
use std::collections::HashMap;
use tsur_core::{Appeal, AppealState, Channel};

/// The counts of an import run. They add up: `rows_read = accepted + updated + duplicate
/// + quarantined`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportCounts {
    /// Rows read.
    pub rows_read: u64,
    /// New appeals.
    pub accepted: u64,
    /// Known appeals that got new events.
    pub updated: u64,
    /// Known appeals with nothing new.
    pub duplicate: u64,
    /// Rows put in quarantine.
    pub quarantined: u64,
}

impl std::ops::AddAssign for ImportCounts {
    fn add_assign(&mut self, o: ImportCounts) {
        self.rows_read += o.rows_read;
        self.accepted += o.accepted;
        self.updated += o.updated;
        self.duplicate += o.duplicate;
        self.quarantined += o.quarantined;
    }
}

/// A row for the quarantine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuarantineRow {
    /// The file it came from.
    pub file: String,
    /// Its line (or row, or element).
    pub line: u64,
    /// The column at fault.
    pub column: String,
    /// The raw value.
    pub raw_value: String,
    /// Why.
    pub reason: String,
    /// The whole row as JSON, when it could be read.
    pub raw_row: Option<String>,
    /// The channel the import ran for.
    pub channel: Option<String>,
}

/// A quarantined row as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuarantineEntry {
    /// Its number.
    pub id: i64,
    /// The import that put it there.
    pub import_id: i64,
    /// The row.
    pub row: QuarantineRow,
}

impl SqliteStore {
    /// Records the start of an import run; returns its number.
    pub async fn start_import(&self, file: &str, format: &str, mapping: &str, now: DateTime<Utc>) -> Result<i64, StoreError> {
        let id = sqlx::query("INSERT INTO imports (file, format, mapping, started_at) VALUES (?, ?, ?, ?)")
            .bind(file)
            .bind(format)
            .bind(mapping)
            .bind(ms(now))
            .execute(&self.pool)
            .await?
            .last_insert_rowid();
        Ok(id)
    }

    /// Records the end of an import run.
    pub async fn finish_import(&self, id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query("UPDATE imports SET finished_at = ? WHERE id = ?").bind(ms(now)).bind(id).execute(&self.pool).await?;
        Ok(())
    }

    /// Appeals already stored under these external ids of a channel, with their states.
    pub async fn appeals_by_external_id(&self, channel: Channel, ids: &[&str]) -> Result<HashMap<String, (Appeal, AppealState)>, StoreError> {
        let mut out = HashMap::new();
        for chunk in ids.chunks(400) {
            let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
                "SELECT a.*, s.status, s.block_id, s.topic_id, s.agency_id, s.problem_id, s.fast_track_id, s.registered_at, s.redirected_at, s.reopened_at, \
                 s.first_reply_at, s.first_answer_at, s.last_answer_at, s.resolved_at, s.confirmed_at, s.closed_at, s.deferred_until, s.extension_days, \
                 s.answers, s.rejected_answers, s.reopen_count, s.redirects, s.satisfaction, s.last_event_at, s.event_count, s.class_confidence, s.class_by_person \
                 FROM appeals a JOIN appeal_state s ON s.appeal_id = a.id WHERE a.channel = ",
            );
            q.push_bind(channel.code()).push(" AND a.external_id IN (");
            let mut list = q.separated(", ");
            for id in chunk {
                list.push_bind(*id);
            }
            list.push_unseparated(")");
            for row in q.build().fetch_all(&self.pool).await? {
                let appeal = decode_appeal(&row)?;
                let state = decode_state(&row)?;
                out.insert(appeal.external_id.clone(), (appeal, state));
            }
        }
        Ok(out)
    }

    /// Open quarantine entries, oldest first (at most `limit`).
    pub async fn quarantine(&self, limit: i64) -> Result<Vec<QuarantineEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, import_id, file, line, column_name, raw_value, reason, raw_row, channel FROM quarantine WHERE resolved_at IS NULL ORDER BY id LIMIT ?",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| QuarantineEntry {
                id: r.get("id"),
                import_id: r.get("import_id"),
                row: QuarantineRow {
                    file: r.get("file"),
                    line: r.get::<i64, _>("line") as u64,
                    column: r.get("column_name"),
                    raw_value: r.get("raw_value"),
                    reason: r.get("reason"),
                    raw_row: r.get("raw_row"),
                    channel: r.get("channel"),
                },
            })
            .collect())
    }
}

impl BulkWriter {
    /// Puts rows in quarantine (a row of a file already waiting there is not added twice)
    /// and marks retried entries resolved, inside this load's transaction.
    pub async fn quarantine(&mut self, import_id: i64, rows: &[QuarantineRow], resolved: &[i64], now: DateTime<Utc>) -> Result<(), StoreError> {
        let tx = self.tx();
        for r in rows {
            sqlx::query(
                "INSERT OR IGNORE INTO quarantine (import_id, file, line, column_name, raw_value, reason, raw_row, channel) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(import_id)
            .bind(&r.file)
            .bind(r.line as i64)
            .bind(&r.column)
            .bind(&r.raw_value)
            .bind(&r.reason)
            .bind(&r.raw_row)
            .bind(&r.channel)
            .execute(&mut **tx)
            .await?;
        }
        for id in resolved {
            sqlx::query("UPDATE quarantine SET resolved_at = ?, resolved_by = ? WHERE id = ?")
                .bind(ms(now))
                .bind(import_id)
                .bind(id)
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }

    /// Adds a batch's counts to its import run, inside this load's transaction: the counts
    /// and the rows they count commit together.
    pub async fn count_import(&mut self, import_id: i64, c: ImportCounts) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE imports SET rows_read = rows_read + ?, accepted = accepted + ?, updated = updated + ?, duplicate = duplicate + ?, \
             quarantined = quarantined + ? WHERE id = ?",
        )
        .bind(c.rows_read as i64)
        .bind(c.accepted as i64)
        .bind(c.updated as i64)
        .bind(c.duplicate as i64)
        .bind(c.quarantined as i64)
        .bind(import_id)
        .execute(&mut **self.tx())
        .await?;
        Ok(())
    }
}

impl SqliteStore {
    /// Saves a trained classifier; it becomes the one in force. Returns its number.
    pub async fn save_classifier(&self, source: &str, texts: u64, classes: &[String], model: &[u8], now: DateTime<Utc>) -> Result<i64, StoreError> {
        let classes = serde_json::to_string(classes).map_err(|e| StoreError::Decode(e.to_string()))?;
        let id = sqlx::query("INSERT INTO classifier_models (trained_at, source, texts, classes, model) VALUES (?, ?, ?, ?, ?)")
            .bind(ms(now))
            .bind(source)
            .bind(texts as i64)
            .bind(classes)
            .bind(model)
            .execute(&self.pool)
            .await?
            .last_insert_rowid();
        Ok(id)
    }

    /// The classifier in force (the newest), as bytes, with its number and source.
    pub async fn classifier(&self) -> Result<Option<(i64, String, Vec<u8>)>, StoreError> {
        let row = sqlx::query("SELECT id, source, model FROM classifier_models ORDER BY id DESC LIMIT 1").fetch_optional(&self.pool).await?;
        Ok(row.map(|r| (r.get(0), r.get(1), r.get(2))))
    }
}
