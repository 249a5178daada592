//! The fixture shared by the central store's tests: five appeals across two blocks and two
//! municipalities, written by a curator through row-level security like any other write.

#![allow(dead_code)] // each test binary uses a part

use sqlx::postgres::PgConnection;
use sqlx::Connection;
use tsur_core::Role;
use tsur_store_postgres::testing::{HarnessError, TestDb};

/// Roads, Astrakhan city.
pub const A1: &str = "00000000-0000-7000-8000-000000000001";
/// Health, Astrakhan city.
pub const A2: &str = "00000000-0000-7000-8000-000000000002";
/// Roads, Limansky district.
pub const A3: &str = "00000000-0000-7000-8000-000000000003";
/// Health, Limansky district.
pub const A4: &str = "00000000-0000-7000-8000-000000000004";
/// Not classified yet, Limansky district, anonymous (no author row).
pub const A5: &str = "00000000-0000-7000-8000-000000000005";

/// The statements that register one appeal: the appeal, its state, its `registered` event.
pub fn register_sql(id: &str, block: Option<&str>, municipality: &str, external_id: &str) -> [String; 3] {
    let block = block.map_or("NULL".to_owned(), |b| format!("'{b}'"));
    [
        format!(
            "INSERT INTO appeals (id, channel, external_id, received_at, regime_id, text, address_text, municipality_id, node)
             VALUES ('{id}', 'pos', '{external_id}', '2026-03-02T10:00:00+04', '59fz', 'Яма на дороге у дома', 'ул. Тестовая, 1', '{municipality}', 'node-test')"
        ),
        format!(
            "INSERT INTO appeal_state (appeal_id, status, channel, municipality_id, received_at, block_id, last_event_at, event_count)
             VALUES ('{id}', 'registered', 'pos', '{municipality}', '2026-03-02T10:00:00+04', {block}, '2026-03-02T10:00:00+04', 1)"
        ),
        event_sql(&uuid::Uuid::now_v7().to_string(), id),
    ]
}

/// A new event of an appeal.
pub fn event_sql(event_id: &str, appeal_id: &str) -> String {
    format!(
        "INSERT INTO events (id, appeal_id, at, kind, actor, node, payload)
         VALUES ('{event_id}', '{appeal_id}', '2026-03-02T10:00:00+04', 'registered', 'test', 'node-test', '{{\"kind\":\"registered\"}}')"
    )
}

/// The author of an appeal (personal data).
pub fn author_sql(appeal_id: &str) -> String {
    format!("INSERT INTO appeal_authors (appeal_id, full_name, phone) VALUES ('{appeal_id}', 'Иванов Иван Иванович', '+7 900 000-00-00')")
}

/// Writes the five appeals as a curator, and one reference file as an operator.
pub async fn fill(db: &TestDb) -> Result<(), HarnessError> {
    let curator = db.enroll(Role::Curator, None, None).await?;
    let mut conn = curator.connect().await?;
    let mut tx = conn.begin().await?;
    for (n, (id, block, municipality)) in [
        (A1, Some("roads"), "astrakhan"),
        (A2, Some("health"), "astrakhan"),
        (A3, Some("roads"), "limansky"),
        (A4, Some("health"), "limansky"),
        (A5, None, "limansky"),
    ]
    .into_iter()
    .enumerate()
    {
        for sql in register_sql(id, block, municipality, &format!("fixture-{n}")) {
            sqlx::query(&sql).execute(&mut *tx).await?;
        }
        if id != A5 {
            sqlx::query(&author_sql(id)).execute(&mut *tx).await?;
        }
    }
    tx.commit().await?;
    conn.close().await?;

    let operator = db.enroll(Role::Operator, None, None).await?;
    let mut conn = operator.connect().await?;
    sqlx::query("INSERT INTO reference_files (name, content) VALUES ('catalog/blocks.csv', 'id,name_ru\nroads,Дороги\nhealth,Здравоохранение\n')")
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    Ok(())
}

/// What a statement did: the rows it counted or touched, or how it was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Allowed: `count(*)` for a SELECT, rows affected for a write.
    Rows(i64),
    /// Refused by privileges: the role may not run this command on this table at all.
    Denied,
    /// Refused by a row-level security policy (a row outside the scope).
    Refused,
    /// Refused by the append-only triggers.
    AppendOnly,
}

/// Runs one statement inside a savepoint of the open transaction and says what happened.
/// A successful INSERT is kept (later statements may depend on it); anything else is
/// rolled back to the savepoint.
pub async fn attempt(conn: &mut PgConnection, sql: &str) -> Outcome {
    sqlx::query("SAVEPOINT attempt").execute(&mut *conn).await.expect("savepoint");
    let result = if sql.trim_start().to_ascii_uppercase().starts_with("SELECT") {
        sqlx::query_scalar::<_, i64>(sql).fetch_one(&mut *conn).await.map(Outcome::Rows)
    } else {
        sqlx::query(sql).execute(&mut *conn).await.map(|done| Outcome::Rows(done.rows_affected() as i64))
    };
    let outcome = match result {
        Ok(outcome) => outcome,
        Err(error) => classify(&error).unwrap_or_else(|| panic!("{sql}: unexpected error {error}")),
    };
    let keep = matches!(outcome, Outcome::Rows(_)) && sql.trim_start().to_ascii_uppercase().starts_with("INSERT");
    let end = if keep { "RELEASE SAVEPOINT attempt" } else { "ROLLBACK TO SAVEPOINT attempt" };
    sqlx::query(end).execute(&mut *conn).await.expect("end of savepoint");
    outcome
}

/// The refusal an error stands for, if it is one.
pub fn classify(error: &sqlx::Error) -> Option<Outcome> {
    let db = error.as_database_error()?;
    match db.code().as_deref() {
        Some("42501") if db.message().contains("row-level security") => Some(Outcome::Refused),
        Some("42501") => Some(Outcome::Denied),
        Some("TS001") => Some(Outcome::AppendOnly),
        _ => None,
    }
}

/// A fresh test database; when none can be had, the panic says why in the harness's words
/// (install PostgreSQL, create the user, or set DATABASE_URL).
pub async fn test_db() -> TestDb {
    TestDb::new().await.unwrap_or_else(|error| panic!("{error}"))
}
