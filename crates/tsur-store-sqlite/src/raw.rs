//! Bulk writes through SQLite's own prepared statements.
//!
//! sqlx serves every query of the store, but a bulk load (a demo year, an import, a first
//! sync) writes millions of rows, and there sqlx's per-value argument objects, the text of a
//! 400-row `INSERT … VALUES` built again for every chunk, and a hop to the connection's
//! worker for every statement cost more than SQLite's B-tree work itself. The functions
//! here borrow the connection of the caller's sqlx transaction (`lock_handle`), view it
//! through `rusqlite`, and run one prepared single-row statement per table for the whole
//! batch. They run inside the same transaction as everything else the caller does, so
//! nothing about atomicity changes.

use crate::deadlines::Dues;
use crate::write::ms;
use crate::StoreError;
use chrono::{DateTime, Utc};
use rusqlite::params;
use sqlx::{Sqlite, Transaction};
use std::collections::HashSet;
use tsur_core::{Appeal, AppealState, Author, Event};

/// Runs `work` on the connection of `tx`, seen through rusqlite.
async fn with_connection<T>(tx: &mut Transaction<'_, Sqlite>, work: impl FnOnce(&rusqlite::Connection) -> Result<T, StoreError>) -> Result<T, StoreError> {
    let mut handle = tx.lock_handle().await?;
    let raw = handle.as_raw_handle();
    // SAFETY: the handle is locked for the whole call, so sqlx's worker does not touch the
    // connection meanwhile; `from_handle` does not take ownership (the view never closes the
    // connection), and the view — with every statement it prepared, which its drop
    // finalises — is dropped before the lock is released.
    let connection = unsafe { rusqlite::Connection::from_handle(raw.as_ptr()) }.map_err(sqlite_error)?;
    let result = work(&connection);
    drop(connection);
    drop(handle);
    result
}

/// Maps rusqlite's error as [`crate::open::classify`] maps sqlx's.
pub(crate) fn sqlite_error(error: rusqlite::Error) -> StoreError {
    if let rusqlite::Error::SqliteFailure(code, message) = &error {
        let detail = message.clone().unwrap_or_else(|| code.to_string());
        if let Some(e) = crate::open::by_code(code.extended_code, std::path::Path::new(""), &detail) {
            return e;
        }
    }
    StoreError::Sqlite(error)
}

/// An author's row; one already there is left as it is.
const INSERT_AUTHOR: &str = "INSERT OR IGNORE INTO appeal_authors (appeal_id, full_name, phone, email) VALUES (?1, ?2, ?3, ?4)";

fn opt_ms(at: Option<DateTime<Utc>>) -> Option<i64> {
    at.map(ms)
}

/// Which of `ids` are already keys of `appeals` or `events` (`table`), looked up one by one
/// through one prepared statement.
pub(crate) async fn existing(tx: &mut Transaction<'_, Sqlite>, table: Keyed, ids: &[uuid::Uuid]) -> Result<HashSet<uuid::Uuid>, StoreError> {
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    with_connection(tx, |c| {
        let sql = match table {
            Keyed::Appeals => "SELECT 1 FROM appeals WHERE id = ?1",
            Keyed::Events => "SELECT 1 FROM events WHERE id = ?1",
        };
        let mut exists = c.prepare(sql).map_err(sqlite_error)?;
        let mut found = HashSet::new();
        for id in ids {
            if exists.exists(params![id.as_bytes().as_slice()]).map_err(sqlite_error)? {
                found.insert(*id);
            }
        }
        Ok(found)
    })
    .await
}

/// A table whose key is a UUID.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Keyed {
    Appeals,
    Events,
}

/// Inserts appeals and their authors (`pulled`: they came from the central database) into
/// the store at `path` (named by a lock error). A second appeal with the same channel and
/// external id fails with [`StoreError::DuplicateAppeal`] naming it. Sorted by the caller
/// when order matters.
pub(crate) async fn insert_appeals(
    tx: &mut Transaction<'_, Sqlite>,
    path: &std::path::Path,
    rows: &[(&Appeal, Option<&Author>)],
    pulled: bool,
) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    let result = with_connection(tx, |c| {
        let mut appeal = c
            .prepare(
                "INSERT INTO appeals (id, channel, external_id, received_at, regime_id, text, address_text, lon, lat, municipality_id, settlement_id, \
                 node, pulled) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            )
            .map_err(sqlite_error)?;
        let mut author = c.prepare(INSERT_AUTHOR).map_err(sqlite_error)?;
        for (a, by) in rows {
            appeal
                .execute(params![
                    a.id.0.as_bytes().as_slice(),
                    a.channel.code(),
                    a.external_id,
                    ms(a.received_at),
                    a.regime.as_str(),
                    a.text,
                    a.address_text,
                    a.point.map(|p| p.lon),
                    a.point.map(|p| p.lat),
                    a.municipality.as_str(),
                    a.settlement.as_ref().map(|s| s.as_str()),
                    a.node,
                    pulled,
                ])
                .map_err(|e| match &e {
                    rusqlite::Error::SqliteFailure(_, Some(message)) if message.contains("UNIQUE") && message.contains("external_id") => {
                        StoreError::DuplicateAppeal { channel: a.channel.code().to_owned(), external_id: a.external_id.clone() }
                    }
                    _ => sqlite_error(e),
                })?;
            if let Some(who) = by {
                author.execute(params![who.appeal_id.0.as_bytes().as_slice(), who.full_name, who.phone, who.email]).map_err(sqlite_error)?;
            }
        }
        Ok(())
    })
    .await;
    result.map_err(|e| match e {
        StoreError::Locked { .. } => StoreError::Locked { path: path.to_owned() },
        other => other,
    })
}

/// Inserts authors that came after their appeals; one already there is left as it is.
pub(crate) async fn insert_authors(tx: &mut Transaction<'_, Sqlite>, authors: &[&Author]) -> Result<(), StoreError> {
    if authors.is_empty() {
        return Ok(());
    }
    with_connection(tx, |c| {
        let mut author = c.prepare(INSERT_AUTHOR).map_err(sqlite_error)?;
        for who in authors {
            author.execute(params![who.appeal_id.0.as_bytes().as_slice(), who.full_name, who.phone, who.email]).map_err(sqlite_error)?;
        }
        Ok(())
    })
    .await
}

/// Inserts events with their payloads' JSON (`None`: encoded from the event's kind).
pub(crate) async fn insert_events(tx: &mut Transaction<'_, Sqlite>, events: &[(&Event, Option<&str>)], pulled: bool) -> Result<(), StoreError> {
    if events.is_empty() {
        return Ok(());
    }
    with_connection(tx, |c| {
        let mut insert = c
            .prepare("INSERT INTO events (id, appeal_id, at, kind, actor, node, payload, pulled) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")
            .map_err(sqlite_error)?;
        // One buffer for every payload encoded here, rather than a string each.
        let mut encoded = Vec::with_capacity(256);
        for (e, text) in events {
            let payload = match text {
                Some(text) => *text,
                None => {
                    encoded.clear();
                    serde_json::to_writer(&mut encoded, &e.kind).map_err(|e| StoreError::Decode(e.to_string()))?;
                    std::str::from_utf8(&encoded).map_err(|e| StoreError::Decode(e.to_string()))?
                }
            };
            insert
                .execute(params![e.id.0.as_bytes().as_slice(), e.appeal_id.0.as_bytes().as_slice(), ms(e.at), e.kind.code(), e.actor, e.node, payload, pulled])
                .map_err(sqlite_error)?;
        }
        Ok(())
    })
    .await
}

/// Writes projection rows (insert or replace) with their deadline columns.
pub(crate) async fn write_states(tx: &mut Transaction<'_, Sqlite>, rows: &[(&Appeal, &AppealState)], dues: &[Dues]) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    with_connection(tx, |c| {
        let mut upsert = c
            .prepare(
                "INSERT OR REPLACE INTO appeal_state (appeal_id, status, channel, municipality_id, received_at, block_id, topic_id, agency_id, problem_id, \
                 first_reply_at, first_answer_at, last_answer_at, resolved_at, confirmed_at, closed_at, deferred_until, extension_days, answers, \
                 rejected_answers, reopen_count, redirects, satisfaction, last_event_at, event_count, first_reply_due, answer_due, due_predicted, \
                 registered_at, redirected_at, reopened_at, fast_track_id, resolution_due, class_confidence, class_by_person) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, \
                 ?28, ?29, ?30, ?31, ?32, ?33, ?34)",
            )
            .map_err(sqlite_error)?;
        for ((a, s), d) in rows.iter().zip(dues) {
            upsert
                .execute(params![
                    a.id.0.as_bytes().as_slice(),
                    s.status.code(),
                    a.channel.code(),
                    a.municipality.as_str(),
                    ms(a.received_at),
                    s.block.as_ref().map(|b| b.0.as_str()),
                    s.topic.as_ref().map(|t| t.0.as_str()),
                    s.agency.as_ref().map(|x| x.0.as_str()),
                    s.problem.as_ref().map(|p| p.0.as_bytes().as_slice()),
                    opt_ms(s.first_reply_at),
                    opt_ms(s.first_answer_at),
                    opt_ms(s.last_answer_at),
                    opt_ms(s.resolved_at),
                    opt_ms(s.confirmed_at),
                    opt_ms(s.closed_at),
                    s.deferred_until.map(|d| d.to_string()),
                    s.extension_days,
                    s.answers,
                    s.rejected_answers,
                    s.reopen_count,
                    s.redirects,
                    s.satisfaction,
                    ms(s.last_event_at),
                    s.event_count,
                    d.first_reply,
                    d.answer,
                    d.predicted,
                    ms(s.registered_at),
                    opt_ms(s.redirected_at),
                    opt_ms(s.reopened_at),
                    s.fast_track.as_deref(),
                    d.resolution,
                    s.class_confidence.map(f64::from),
                    s.classified_by_person,
                ])
                .map_err(sqlite_error)?;
        }
        Ok(())
    })
    .await
}
