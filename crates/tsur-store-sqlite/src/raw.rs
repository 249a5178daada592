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
//!
//! The appeals, events and projection rows go through [`Insert`], a statement whose text and
//! blob values SQLite reads from the caller's memory instead of copying each into a buffer of
//! its own first (`SQLITE_STATIC`; rusqlite always copies): a tenth of the writing thread's
//! work on an import went to those copies and their allocations.

use crate::deadlines::Dues;
use crate::write::ms;
use crate::StoreError;
use chrono::{DateTime, Utc};
use rusqlite::{ffi, params};
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

/// A value bound to an [`Insert`]: borrowed, never copied by SQLite.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Value<'a> {
    Null,
    Integer(i64),
    Real(f64),
    Text(&'a str),
    Blob(&'a [u8]),
}

impl<'a> From<&'a str> for Value<'a> {
    fn from(text: &'a str) -> Value<'a> {
        Value::Text(text)
    }
}

impl<'a> From<&'a [u8]> for Value<'a> {
    fn from(bytes: &'a [u8]) -> Value<'a> {
        Value::Blob(bytes)
    }
}

impl From<i64> for Value<'_> {
    fn from(n: i64) -> Self {
        Value::Integer(n)
    }
}

impl From<u32> for Value<'_> {
    fn from(n: u32) -> Self {
        Value::Integer(i64::from(n))
    }
}

impl From<u8> for Value<'_> {
    fn from(n: u8) -> Self {
        Value::Integer(i64::from(n))
    }
}

impl From<bool> for Value<'_> {
    fn from(b: bool) -> Self {
        Value::Integer(i64::from(b))
    }
}

impl From<f64> for Value<'_> {
    fn from(x: f64) -> Self {
        Value::Real(x)
    }
}

impl<'a, T: Into<Value<'a>>> From<Option<T>> for Value<'a> {
    fn from(v: Option<T>) -> Value<'a> {
        v.map_or(Value::Null, Into::into)
    }
}

/// A prepared single-row statement on a connection seen through rusqlite, whose values are
/// bound without a copy: [`Insert::run`] binds a row, steps, resets and unbinds it before it
/// returns, so SQLite never holds a pointer into the caller's memory beyond the call.
pub(crate) struct Insert<'c> {
    statement: *mut ffi::sqlite3_stmt,
    db: *mut ffi::sqlite3,
    _connection: std::marker::PhantomData<&'c rusqlite::Connection>,
}

impl<'c> Insert<'c> {
    /// Prepares `sql` (one statement) on `c`.
    pub(crate) fn prepare(c: &'c rusqlite::Connection, sql: &str) -> Result<Insert<'c>, StoreError> {
        // SAFETY: the handle is the live connection `c` borrows for 'c, which outlives the
        // statement (it is finalised on drop, within 'c).
        let db = unsafe { c.handle() };
        let mut statement = std::ptr::null_mut();
        let len = std::os::raw::c_int::try_from(sql.len()).map_err(|_| StoreError::Decode("SQL слишком длинный".into()))?;
        // SAFETY: `sql` is valid for `len` bytes during the call; SQLite copies what it keeps.
        let code = unsafe { ffi::sqlite3_prepare_v2(db, sql.as_ptr().cast(), len, &mut statement, std::ptr::null_mut()) };
        if code != ffi::SQLITE_OK || statement.is_null() {
            // SAFETY: `statement` is null or a statement of `db` (finalising null is a no-op).
            unsafe { ffi::sqlite3_finalize(statement) };
            return Err(sqlite_error(failure(db, code)));
        }
        Ok(Insert { statement, db, _connection: std::marker::PhantomData })
    }

    /// Binds `values` to the parameters 1, 2, …, runs the statement once and makes it ready
    /// for the next row.
    pub(crate) fn run(&mut self, values: &[Value<'_>]) -> Result<(), rusqlite::Error> {
        let mut code = ffi::SQLITE_OK;
        for (i, value) in values.iter().enumerate() {
            let n = i as std::os::raw::c_int + 1;
            // SAFETY: the statement is live; text and blob pointers are valid for their
            // lengths until `sqlite3_clear_bindings` below, before `values` can be dropped
            // (SQLITE_STATIC: SQLite reads them during the step and does not free them).
            code = unsafe {
                match *value {
                    Value::Null => ffi::sqlite3_bind_null(self.statement, n),
                    Value::Integer(x) => ffi::sqlite3_bind_int64(self.statement, n, x),
                    Value::Real(x) => ffi::sqlite3_bind_double(self.statement, n, x),
                    Value::Text(t) => ffi::sqlite3_bind_text(self.statement, n, t.as_ptr().cast(), length(t.len())?, ffi::SQLITE_STATIC()),
                    // As rusqlite binds an empty blob (not a null pointer's NULL).
                    Value::Blob([]) => ffi::sqlite3_bind_zeroblob(self.statement, n, 0),
                    Value::Blob(b) => ffi::sqlite3_bind_blob(self.statement, n, b.as_ptr().cast(), length(b.len())?, ffi::SQLITE_STATIC()),
                }
            };
            if code != ffi::SQLITE_OK {
                break;
            }
        }
        if code == ffi::SQLITE_OK {
            // SAFETY: the statement is live and every parameter bound.
            code = match unsafe { ffi::sqlite3_step(self.statement) } {
                ffi::SQLITE_DONE | ffi::SQLITE_ROW => ffi::SQLITE_OK,
                failed => failed,
            };
        }
        // The message is read before the reset, which may replace it.
        let result = if code == ffi::SQLITE_OK { Ok(()) } else { Err(failure(self.db, code)) };
        // SAFETY: the statement is live; after these no pointer of `values` is kept.
        unsafe {
            ffi::sqlite3_reset(self.statement);
            ffi::sqlite3_clear_bindings(self.statement);
        }
        result
    }
}

impl Drop for Insert<'_> {
    fn drop(&mut self) {
        // SAFETY: the statement was prepared by `prepare` and is finalised once, here.
        unsafe { ffi::sqlite3_finalize(self.statement) };
    }
}

fn length(len: usize) -> Result<std::os::raw::c_int, rusqlite::Error> {
    std::os::raw::c_int::try_from(len).map_err(|_| rusqlite::Error::SqliteFailure(ffi::Error::new(ffi::SQLITE_TOOBIG), None))
}

/// The error SQLite reports on `db` after a call returned `code`.
fn failure(db: *mut ffi::sqlite3, code: std::os::raw::c_int) -> rusqlite::Error {
    // SAFETY: `db` is a live connection; the message is copied before any other call on it.
    let (extended, message) = unsafe {
        let text = ffi::sqlite3_errmsg(db);
        let message = (!text.is_null()).then(|| std::ffi::CStr::from_ptr(text).to_string_lossy().into_owned());
        (ffi::sqlite3_extended_errcode(db), message)
    };
    let extended = if extended & 0xff == code & 0xff { extended } else { code };
    rusqlite::Error::SqliteFailure(ffi::Error::new(extended), message)
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
        let mut appeal = Insert::prepare(
            c,
            "INSERT INTO appeals (id, channel, external_id, received_at, regime_id, text, address_text, lon, lat, municipality_id, settlement_id, \
             node, pulled) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        )?;
        let mut author = c.prepare(INSERT_AUTHOR).map_err(sqlite_error)?;
        for (a, by) in rows {
            appeal
                .run(&[
                    a.id.0.as_bytes().as_slice().into(),
                    a.channel.code().into(),
                    a.external_id.as_str().into(),
                    ms(a.received_at).into(),
                    a.regime.as_str().into(),
                    a.text.as_str().into(),
                    a.address_text.as_str().into(),
                    a.point.map(|p| p.lon).into(),
                    a.point.map(|p| p.lat).into(),
                    a.municipality.as_str().into(),
                    a.settlement.as_ref().map(|s| s.as_str()).into(),
                    a.node.as_str().into(),
                    pulled.into(),
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
        let mut insert =
            Insert::prepare(c, "INSERT INTO events (id, appeal_id, at, kind, actor, node, payload, pulled) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")?;
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
                .run(&[
                    e.id.0.as_bytes().as_slice().into(),
                    e.appeal_id.0.as_bytes().as_slice().into(),
                    ms(e.at).into(),
                    e.kind.code().into(),
                    e.actor.as_str().into(),
                    e.node.as_str().into(),
                    payload.into(),
                    pulled.into(),
                ])
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
        let mut upsert = Insert::prepare(
            c,
            "INSERT OR REPLACE INTO appeal_state (appeal_id, status, channel, municipality_id, received_at, block_id, topic_id, agency_id, problem_id, \
                 first_reply_at, first_answer_at, last_answer_at, resolved_at, confirmed_at, closed_at, deferred_until, extension_days, answers, \
                 rejected_answers, reopen_count, redirects, satisfaction, last_event_at, event_count, first_reply_due, answer_due, due_predicted, \
                 registered_at, redirected_at, reopened_at, fast_track_id, resolution_due, class_confidence, class_by_person) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, \
                 ?28, ?29, ?30, ?31, ?32, ?33, ?34)",
        )?;
        for ((a, s), d) in rows.iter().zip(dues) {
            let deferred_until = s.deferred_until.map(|d| d.to_string());
            upsert
                .run(&[
                    a.id.0.as_bytes().as_slice().into(),
                    s.status.code().into(),
                    a.channel.code().into(),
                    a.municipality.as_str().into(),
                    ms(a.received_at).into(),
                    s.block.as_ref().map(|b| b.0.as_str()).into(),
                    s.topic.as_ref().map(|t| t.0.as_str()).into(),
                    s.agency.as_ref().map(|x| x.0.as_str()).into(),
                    s.problem.as_ref().map(|p| p.0.as_bytes().as_slice()).into(),
                    opt_ms(s.first_reply_at).into(),
                    opt_ms(s.first_answer_at).into(),
                    opt_ms(s.last_answer_at).into(),
                    opt_ms(s.resolved_at).into(),
                    opt_ms(s.confirmed_at).into(),
                    opt_ms(s.closed_at).into(),
                    deferred_until.as_deref().into(),
                    s.extension_days.into(),
                    s.answers.into(),
                    s.rejected_answers.into(),
                    s.reopen_count.into(),
                    s.redirects.into(),
                    s.satisfaction.into(),
                    ms(s.last_event_at).into(),
                    s.event_count.into(),
                    d.first_reply.into(),
                    d.answer.into(),
                    d.predicted.into(),
                    ms(s.registered_at).into(),
                    opt_ms(s.redirected_at).into(),
                    opt_ms(s.reopened_at).into(),
                    s.fast_track.as_deref().into(),
                    d.resolution.into(),
                    s.class_confidence.map(f64::from).into(),
                    s.classified_by_person.into(),
                ])
                .map_err(sqlite_error)?;
        }
        Ok(())
    })
    .await
}

/// Writes the projection columns an event applied anywhere changes
/// ([`AppealState::apply_anywhere`]): the problem, the count and the latest instant. The rest
/// of the row, its deadlines and the indexes on them stay as they are.
pub(crate) async fn write_anywhere_states(tx: &mut Transaction<'_, Sqlite>, rows: &[(tsur_core::AppealId, AppealState)]) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    with_connection(tx, |c| {
        let mut update = Insert::prepare(c, "UPDATE appeal_state SET problem_id = ?2, event_count = ?3, last_event_at = ?4 WHERE appeal_id = ?1")?;
        for (id, s) in rows {
            update
                .run(&[
                    id.0.as_bytes().as_slice().into(),
                    s.problem.as_ref().map(|p| p.0.as_bytes().as_slice()).into(),
                    s.event_count.into(),
                    ms(s.last_event_at).into(),
                ])
                .map_err(sqlite_error)?;
        }
        Ok(())
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::{Insert, Value};

    /// A row of the test table as read back.
    type Row = (String, String, Vec<u8>, i64, Option<f64>, Option<i64>);

    /// Every kind of value goes in as rusqlite would have bound it, the borrowed ones included,
    /// and a refused row reports SQLite's own message (the duplicate appeal is found by it).
    #[test]
    fn an_insert_binds_every_kind_of_value_and_reports_refusals() {
        let c = rusqlite::Connection::open_in_memory().unwrap();
        c.execute_batch("CREATE TABLE t (k TEXT UNIQUE, a, b, c, d, e)").unwrap();
        let mut insert = Insert::prepare(&c, "INSERT INTO t (k, a, b, c, d, e) VALUES (?1, ?2, ?3, ?4, ?5, ?6)").unwrap();
        let text = String::from("Яма на дороге");
        let bytes = vec![1u8, 2, 3];
        insert.run(&[Value::from("x"), text.as_str().into(), bytes.as_slice().into(), 7i64.into(), 2.5f64.into(), Option::<&str>::None.into()]).unwrap();
        insert.run(&[Value::from("y"), "".into(), (&[][..]).into(), true.into(), Value::Null, 3u32.into()]).unwrap();
        drop(text);
        let rows: Vec<Row> = c
            .prepare("SELECT k, a, b, c, d, e FROM t ORDER BY k")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(rows, vec![("x".into(), "Яма на дороге".into(), vec![1, 2, 3], 7, Some(2.5), None), ("y".into(), String::new(), vec![], 1, None, Some(3))]);
        let refused = insert.run(&[Value::from("x"), Value::Null, Value::Null, Value::Null, Value::Null, Value::Null]).unwrap_err();
        assert!(
            matches!(&refused, rusqlite::Error::SqliteFailure(e, Some(m)) if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE && m.contains("t.k")),
            "{refused:?}"
        );
        // The statement is ready for the next row after a refusal.
        insert.run(&[Value::from("z"), Value::Null, Value::Null, Value::Null, Value::Null, Value::Null]).unwrap();
    }
}
