//! The row-level security matrix of docs/central.md, as data: every role against every
//! table, SELECT / UPDATE / DELETE / INSERT, each as the role's own login on a connection of
//! its own, with hand-written SQL. Then the cases that cross a scope's border.

mod common;

use common::{attempt, author_sql, event_sql, fill, register_sql, Outcome, A1, A2, A3, A4, A5};
use sqlx::Connection;
use tsur_core::Role;
use tsur_store_postgres::testing::TestLogin;

use Outcome::{Denied as D, Refused as P, Rows as R};

/// The tables, in the order of the matrix's columns.
const TABLES: [&str; 6] = ["appeals", "appeal_authors", "events", "appeal_state", "reference_files", "user_grants"];

/// A column each table's `UPDATE … SET c = c` rewrites (to itself).
const UPDATE_COLUMN: [&str; 6] = ["text", "full_name", "kind", "status", "content", "note"];

/// One role's row of the matrix: its grant, where it registers and writes (a block and
/// municipality in its scope, and an existing appeal there), and per table what SELECT
/// count(*), UPDATE of every row, DELETE of every row and one INSERT in scope give.
struct RoleRow {
    role: Role,
    blocks: Option<&'static [&'static str]>,
    municipalities: Option<&'static [&'static str]>,
    home: (&'static str, &'static str, &'static str),
    select: [Outcome; 6],
    update: [Outcome; 6],
    delete: [Outcome; 6],
    insert: [Outcome; 6],
}

const ROADS: &[&str] = &["roads"];
const ASTRAKHAN: &[&str] = &["astrakhan"];
const LIMANSKY: &[&str] = &["limansky"];
const ROADS_IN_ASTRAKHAN: (&str, &str, &str) = ("roads", "astrakhan", A1);
const NOTHING: [Outcome; 6] = [D, D, D, D, D, D];

fn matrix() -> Vec<RoleRow> {
    //                          appeals  authors  events  state  reference  grants
    vec![
        RoleRow {
            role: Role::Curator,
            blocks: None,
            municipalities: None,
            home: ROADS_IN_ASTRAKHAN,
            select: [R(5), R(4), R(5), R(5), R(1), R(1)],
            update: [D, D, D, R(5), D, D],
            delete: NOTHING,
            insert: [R(1), R(1), R(1), R(1), D, D],
        },
        RoleRow {
            role: Role::Deputy,
            blocks: None,
            municipalities: None,
            home: ROADS_IN_ASTRAKHAN,
            select: [R(5), R(4), R(5), R(5), R(1), R(1)],
            update: [D, D, D, R(5), D, D],
            delete: NOTHING,
            insert: [R(1), R(1), R(1), R(1), D, D],
        },
        RoleRow {
            role: Role::Operator,
            blocks: None,
            municipalities: Some(ASTRAKHAN),
            home: ROADS_IN_ASTRAKHAN,
            select: [R(2), R(2), R(2), R(2), R(1), R(1)],
            update: [D, D, D, R(2), D, D],
            delete: NOTHING,
            insert: [R(1), R(1), R(1), R(1), R(1), D],
        },
        RoleRow {
            role: Role::BlockResponsible,
            blocks: Some(ROADS),
            municipalities: None,
            home: ROADS_IN_ASTRAKHAN,
            select: [R(2), R(2), R(2), R(2), R(1), R(1)],
            update: [D, D, D, R(2), D, D],
            delete: NOTHING,
            insert: [D, D, R(1), D, D, D],
        },
        RoleRow {
            role: Role::BlockHead,
            blocks: Some(ROADS),
            municipalities: None,
            home: ROADS_IN_ASTRAKHAN,
            select: [R(2), D, R(2), R(2), R(1), R(1)],
            update: NOTHING,
            delete: NOTHING,
            insert: NOTHING,
        },
        RoleRow {
            role: Role::Media,
            blocks: None,
            municipalities: None,
            home: ROADS_IN_ASTRAKHAN,
            select: [R(5), D, R(5), R(5), R(1), R(1)],
            update: NOTHING,
            delete: NOTHING,
            insert: NOTHING,
        },
        RoleRow {
            role: Role::MunicipalOfficer,
            blocks: None,
            municipalities: Some(LIMANSKY),
            home: ("health", "limansky", A4),
            select: [R(3), R(2), R(3), R(3), R(1), R(1)],
            update: [D, D, D, R(3), D, D],
            delete: NOTHING,
            insert: [D, D, R(1), D, D, D],
        },
        RoleRow {
            role: Role::Wall,
            blocks: None,
            municipalities: None,
            home: ROADS_IN_ASTRAKHAN,
            select: [D, D, D, R(5), R(1), R(1)],
            update: NOTHING,
            delete: NOTHING,
            insert: NOTHING,
        },
    ]
}

/// The INSERT of each table that a role in `home` would make, in an order where each may
/// rely on the ones before (appeal → its state → an event → its author).
fn inserts(home: (&str, &str, &str), n: usize) -> Vec<(usize, String)> {
    let (block, municipality, existing) = home;
    let new_appeal = format!("00000000-0000-7000-8000-1000000000{n:02}");
    let [appeal, state, _] = register_sql(&new_appeal, Some(block), municipality, &format!("matrix-{n}"));
    vec![
        (0, appeal),
        (3, state),
        (2, event_sql(&uuid::Uuid::now_v7().to_string(), existing)),
        (1, author_sql(&new_appeal)),
        (4, "INSERT INTO reference_files (name, content) VALUES ('catalog/blocks.csv', 'id,name_ru\nroads,Дороги\n')".to_owned()),
        (5, "INSERT INTO user_grants (login, role) VALUES ('intruder', 'curator')".to_owned()),
    ]
}

#[tokio::test]
async fn every_role_against_every_table() {
    let db = common::test_db().await;
    fill(&db).await.expect("fixture");
    let mut failures = Vec::new();
    for (n, row) in matrix().into_iter().enumerate() {
        let login = db.enroll(row.role, row.blocks, row.municipalities).await.expect("login");
        let mut conn = login.connect().await.expect("connect as the role");
        let mut tx = conn.begin().await.expect("begin");
        let mut check = |what: String, got: Outcome, expected: Outcome| {
            if got != expected {
                failures.push(format!("{:?} {what}: expected {expected:?}, got {got:?}", row.role));
            }
        };
        for (t, table) in TABLES.iter().enumerate() {
            let got = attempt(&mut tx, &format!("SELECT count(*) FROM {table}")).await;
            check(format!("SELECT {table}"), got, row.select[t]);
            let got = attempt(&mut tx, &format!("UPDATE {table} SET {c} = {c}", c = UPDATE_COLUMN[t])).await;
            check(format!("UPDATE {table}"), got, row.update[t]);
            let got = attempt(&mut tx, &format!("DELETE FROM {table}")).await;
            check(format!("DELETE {table}"), got, row.delete[t]);
        }
        for (t, sql) in inserts(row.home, n) {
            let got = attempt(&mut tx, &sql).await;
            check(format!("INSERT {}", TABLES[t]), got, row.insert[t]);
        }
        tx.rollback().await.expect("rollback");
    }
    assert!(failures.is_empty(), "the matrix differs from docs/central.md:\n{}", failures.join("\n"));
}

/// One statement as one login, in a transaction that is rolled back.
async fn outcome(login: &TestLogin, sql: &str) -> Outcome {
    let mut conn = login.connect().await.expect("connect");
    let mut tx = conn.begin().await.expect("begin");
    let got = attempt(&mut tx, sql).await;
    tx.rollback().await.expect("rollback");
    got
}

#[tokio::test]
async fn a_block_head_of_roads_cannot_read_health_appeals_with_hand_written_sql() {
    let db = common::test_db().await;
    fill(&db).await.expect("fixture");
    let head = db.enroll(Role::BlockHead, Some(ROADS), None).await.expect("login");
    let cases = [
        (format!("SELECT count(*) FROM appeals WHERE id = '{A2}'"), R(0)),
        (format!("SELECT count(*) FROM events WHERE appeal_id IN ('{A2}', '{A4}')"), R(0)),
        ("SELECT count(*) FROM appeal_state WHERE block_id = 'health' OR block_id IS NULL".to_owned(), R(0)),
        ("SELECT count(*) FROM appeals a LEFT JOIN appeal_state s ON s.appeal_id = a.id WHERE s.block_id IS DISTINCT FROM 'roads'".to_owned(), R(0)),
        ("SELECT count(*) FROM appeal_state WHERE block_id = 'roads'".to_owned(), R(2)),
        // The scope comes from the login, not from anything the session can set.
        ("SELECT count(*) FROM user_grants".to_owned(), R(1)),
        ("SELECT count(*) FROM (SELECT tsur_session_grant()) g".to_owned(), R(1)),
    ];
    for (sql, expected) in cases {
        assert_eq!(outcome(&head, &sql).await, expected, "{sql}");
    }
    // Nor can the head step around the policies.
    let mut conn = head.connect().await.expect("connect");
    for sql in ["SET ROLE tsur_curator", "SET row_security = off; SELECT 1 FROM appeals", "ALTER TABLE appeals DISABLE ROW LEVEL SECURITY"] {
        let error = sqlx::raw_sql(sql).execute(&mut conn).await.expect_err(sql);
        assert!(error.as_database_error().is_some(), "{sql}: {error}");
    }
}

#[tokio::test]
async fn media_and_wall_cannot_read_appeal_authors() {
    let db = common::test_db().await;
    fill(&db).await.expect("fixture");
    let media = db.enroll(Role::Media, None, None).await.expect("login");
    let wall = db.enroll(Role::Wall, None, None).await.expect("login");
    let join = "SELECT count(*) FROM appeals a JOIN appeal_authors au ON au.appeal_id = a.id";
    assert_eq!(outcome(&media, "SELECT count(*) FROM appeal_authors").await, D);
    assert_eq!(outcome(&media, join).await, D);
    assert_eq!(outcome(&media, "SELECT count(*) FROM appeals").await, R(5));
    assert_eq!(outcome(&wall, "SELECT count(*) FROM appeal_authors").await, D);
    assert_eq!(outcome(&wall, "SELECT count(*) FROM appeals").await, D, "the wall shows aggregates, never the text");
    assert_eq!(outcome(&wall, "SELECT count(*) FROM appeal_state").await, R(5));
}

#[tokio::test]
async fn writes_cannot_cross_the_border_of_a_scope() {
    let db = common::test_db().await;
    fill(&db).await.expect("fixture");
    let operator = db.enroll(Role::Operator, None, Some(ASTRAKHAN)).await.expect("login");
    let responsible = db.enroll(Role::BlockResponsible, Some(ROADS), None).await.expect("login");
    let officer = db.enroll(Role::MunicipalOfficer, None, Some(LIMANSKY)).await.expect("login");
    let curator = db.enroll(Role::Curator, None, None).await.expect("login");
    let foreign_appeal = register_sql("00000000-0000-7000-8000-200000000001", Some("roads"), "limansky", "border-1");
    let event = |appeal: &str| event_sql(&uuid::Uuid::now_v7().to_string(), appeal);
    let cases = [
        (&operator, foreign_appeal[0].clone(), P),
        (&operator, event(A3), P),
        (&responsible, event(A2), P),
        (&responsible, event(A5), P),
        (&officer, event(A1), P),
        (&responsible, format!("UPDATE appeal_state SET status = status WHERE appeal_id = '{A2}'"), R(0)),
        (&responsible, format!("UPDATE appeal_state SET block_id = 'health' WHERE appeal_id = '{A1}'"), P),
        (&officer, format!("UPDATE appeal_state SET municipality_id = 'astrakhan' WHERE appeal_id = '{A4}'"), P),
        (&officer, format!("UPDATE appeal_state SET block_id = 'roads' WHERE appeal_id = '{A4}'"), R(1)),
        // Personal data are written with their appeal, never attached to one later.
        (&curator, author_sql(A5), P),
    ];
    for (login, sql, expected) in cases {
        assert_eq!(outcome(login, &sql).await, expected, "{}: {sql}", login.name);
    }
}

#[tokio::test]
async fn a_grant_needs_both_the_row_and_the_membership_of_exactly_one_role() {
    let db = common::test_db().await;
    fill(&db).await.expect("fixture");
    let admin = db.admin().pool();

    // Member of tsur_block_head, no row in user_grants: privileges but no rows.
    let no_row = db.create_login().await.expect("login");
    sqlx::query(&format!("GRANT tsur_block_head TO \"{}\"", no_row.name)).execute(admin).await.expect("grant");
    // A row saying curator, no membership: no privileges at all.
    let no_membership = db.create_login().await.expect("login");
    sqlx::query("INSERT INTO user_grants (login, role) VALUES ($1, 'curator')").bind(&no_membership.name).execute(admin).await.expect("row");
    // A curator who is also in tsur_media: ambiguous, so nothing.
    let two_roles = db.enroll(Role::Curator, None, None).await.expect("login");
    sqlx::query(&format!("GRANT tsur_media TO \"{}\"", two_roles.name)).execute(admin).await.expect("grant");

    assert_eq!(outcome(&no_row, "SELECT count(*) FROM appeal_state").await, R(0));
    assert_eq!(outcome(&no_row, "SELECT count(*) FROM reference_files").await, R(0));
    assert_eq!(outcome(&no_membership, "SELECT count(*) FROM appeal_state").await, D);
    assert_eq!(outcome(&two_roles, "SELECT count(*) FROM appeals").await, R(0));
    assert_eq!(outcome(&two_roles, "SELECT count(*) FROM appeal_authors").await, R(0));
    assert_eq!(outcome(&two_roles, &register_sql("00000000-0000-7000-8000-300000000001", Some("roads"), "astrakhan", "two")[0]).await, P);
}

#[tokio::test]
async fn the_owner_is_bound_by_row_level_security_too() {
    let db = common::test_db().await;
    fill(&db).await.expect("fixture");
    let owner = db.owner();
    for table in ["appeals", "appeal_authors", "events", "appeal_state", "reference_files"] {
        assert_eq!(outcome(owner, &format!("SELECT count(*) FROM {table}")).await, R(0), "owner reads {table}");
    }
    assert_eq!(outcome(owner, &register_sql("00000000-0000-7000-8000-400000000001", Some("roads"), "astrakhan", "owner")[0]).await, P);
    // It administers the grants (that table is not forced): it sees every row.
    assert!(matches!(outcome(owner, "SELECT count(*) FROM user_grants").await, R(n) if n >= 2));
}
