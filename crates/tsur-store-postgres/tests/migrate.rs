//! The schema: applying it twice changes nothing, history cannot be rewritten even by the
//! owner or a superuser, the feed columns are the server's, and the store reports the scope
//! the database gives a login.

mod common;

use common::{attempt, fill, register_sql, Outcome, A1};
use sqlx::Connection;
use tsur_core::{Role, Scope};
use tsur_store_postgres::{CentralError, MIGRATOR};

/// Everything the migrations define, as text: tables, columns, policies, triggers, grants.
const SCHEMA_SNAPSHOT: &str = "
    SELECT string_agg(item, E'\\n' ORDER BY item) FROM (
        SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type AS item FROM information_schema.columns WHERE table_schema = 'public'
        UNION ALL SELECT 'policy ' || tablename || '.' || policyname || ' ' || cmd || ' ' || coalesce(qual, '') || ' ' || coalesce(with_check, '') FROM pg_policies
        UNION ALL SELECT 'trigger ' || tgrelid::regclass || '.' || tgname || ' ' || tgenabled::text FROM pg_trigger WHERE NOT tgisinternal
        UNION ALL SELECT 'grant ' || table_name || ' ' || grantee || ' ' || privilege_type FROM information_schema.role_table_grants WHERE table_schema = 'public'
    ) s";

#[tokio::test]
async fn migrating_twice_is_a_no_op() {
    let db = common::test_db().await; // migrated once by the owner
    let admin = db.admin().pool();
    let before: String = sqlx::query_scalar(SCHEMA_SNAPSHOT).fetch_one(admin).await.expect("snapshot");
    let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations").fetch_one(admin).await.expect("applied");
    assert_eq!(applied, MIGRATOR.iter().count() as i64);

    let owner = db.owner().store().await.expect("owner");
    owner.migrate().await.expect("second migration");
    let after: String = sqlx::query_scalar(SCHEMA_SNAPSHOT).fetch_one(admin).await.expect("snapshot");
    let applied_after: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations").fetch_one(admin).await.expect("applied");
    assert_eq!(applied_after, applied);
    assert_eq!(after, before);
    assert!(before.contains("policy appeal_state.in_scope SELECT"), "{before}");
}

#[tokio::test]
async fn a_database_from_a_newer_tsur_is_refused() {
    let db = common::test_db().await;
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (99990101, 'from the future', true, '\\x00', 0)",
    )
    .execute(db.admin().pool())
    .await
    .expect("future migration");
    let error = db.owner().store().await.expect("owner").migrate().await.expect_err("must refuse");
    assert!(matches!(error, CentralError::NewerSchema(99990101)), "{error:?}");
    assert!(error.to_string().contains("обновите программу"), "{error}");
}

#[tokio::test]
async fn appeals_events_and_reference_files_are_append_only_even_for_the_owner_and_a_superuser() {
    let db = common::test_db().await;
    fill(&db).await.expect("fixture");
    const TABLES: [(&str, &str); 3] = [("appeals", "node"), ("events", "node"), ("reference_files", "content")];
    let rewrites =
        |table: &str, column: &str| [format!("UPDATE {table} SET {column} = 'rewritten'"), format!("DELETE FROM {table}"), format!("TRUNCATE {table} CASCADE")];

    // The owner: no policy allows UPDATE or DELETE, so they touch no row; TRUNCATE (which
    // row-level security does not see) meets the trigger. Even after the owner lifts the
    // FORCE of row-level security from its own tables, the triggers refuse.
    let mut owner = db.owner().connect().await.expect("owner");
    let mut tx = owner.begin().await.expect("begin");
    for (table, column) in TABLES {
        let [update, delete, truncate] = rewrites(table, column);
        assert_eq!(attempt(&mut tx, &update).await, Outcome::Rows(0), "{update}");
        assert_eq!(attempt(&mut tx, &delete).await, Outcome::Rows(0), "{delete}");
        assert_eq!(attempt(&mut tx, &truncate).await, Outcome::AppendOnly, "{truncate}");
        sqlx::query(&format!("ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")).execute(&mut *tx).await.expect("the owner may alter its table");
        for sql in rewrites(table, column) {
            assert_eq!(attempt(&mut tx, &sql).await, Outcome::AppendOnly, "owner without FORCE: {sql}");
        }
    }
    tx.rollback().await.expect("rollback");

    // A superuser bypasses row-level security and privileges, not the triggers; not even in
    // replica mode, the usual way around triggers.
    let mut superuser = db.admin().pool().acquire().await.expect("superuser");
    for replica in [false, true] {
        let mut tx = superuser.begin().await.expect("begin");
        if replica {
            sqlx::query("SET LOCAL session_replication_role = replica").execute(&mut *tx).await.expect("replica mode");
        }
        for (table, column) in TABLES {
            for sql in rewrites(table, column) {
                assert_eq!(attempt(&mut tx, &sql).await, Outcome::AppendOnly, "superuser: {sql} (replica mode: {replica})");
            }
        }
        tx.rollback().await.expect("rollback");
    }
    drop(superuser);
    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM events").fetch_one(db.admin().pool()).await.expect("count");
    assert_eq!(events, 5);
    // The error reaches a caller of the store as AppendOnly, with the Russian message.
    let error: CentralError = sqlx::query("DELETE FROM events").execute(db.admin().pool()).await.expect_err("refused").into();
    assert!(matches!(&error, CentralError::AppendOnly(message) if message.contains("только для добавления")), "{error:?}");
}

#[tokio::test]
async fn the_feed_columns_are_set_by_the_server_not_the_client() {
    let db = common::test_db().await;
    fill(&db).await.expect("fixture");
    let curator = db.enroll(Role::Curator, None, None).await.expect("login");
    let mut conn = curator.connect().await.expect("connect");
    let forged = "INSERT INTO events (id, appeal_id, at, kind, actor, node, payload, stored_at, stored_by, feed_xid, feed_seq)
                  VALUES ('00000000-0000-7000-8000-500000000001', '00000000-0000-7000-8000-000000000001', now(), 'note', 'x', 'n', '{}',
                          '2000-01-01', 'somebody else', '1', 1)";
    sqlx::query(forged).execute(&mut conn).await.expect("insert");
    let (stored_by, seq, same_xid, recent): (String, i64, bool, bool) = sqlx::query_as(
        "SELECT stored_by, feed_seq, feed_xid <> '1'::xid8, stored_at > now() - interval '1 hour' FROM events WHERE id = '00000000-0000-7000-8000-500000000001'",
    )
    .fetch_one(&mut conn)
    .await
    .expect("read back");
    assert_eq!(stored_by, curator.name);
    assert!(seq > 5, "feed_seq {seq} comes from the server's sequence");
    assert!(same_xid && recent);
    // The next version of a reference file is the server's too.
    let operator = db.enroll(Role::Operator, None, None).await.expect("login");
    let mut conn = operator.connect().await.expect("connect");
    sqlx::query("INSERT INTO reference_files (name, version, content) VALUES ('catalog/blocks.csv', 77, 'id\n')").execute(&mut conn).await.expect("insert");
    let versions: Vec<i32> = sqlx::query_scalar("SELECT version FROM reference_files WHERE name = 'catalog/blocks.csv' ORDER BY version")
        .fetch_all(&mut conn)
        .await
        .expect("versions");
    assert_eq!(versions, vec![1, 2]);
}

#[tokio::test]
async fn an_appeal_cannot_be_committed_without_its_state() {
    let db = common::test_db().await;
    let curator = db.enroll(Role::Curator, None, None).await.expect("login");
    let mut conn = curator.connect().await.expect("connect");
    let [appeal, _, _] = register_sql(A1, Some("roads"), "astrakhan", "lonely");
    let mut tx = conn.begin().await.expect("begin");
    sqlx::query(&appeal).execute(&mut *tx).await.expect("insert");
    let error = tx.commit().await.expect_err("the deferred check refuses");
    assert_eq!(error.as_database_error().and_then(|e| e.code()).as_deref(), Some("TS002"), "{error}");
}

#[tokio::test]
async fn the_store_reports_the_scope_the_database_gives() {
    let db = common::test_db().await;
    let head = db.enroll(Role::BlockHead, Some(&["roads"]), None).await.expect("login");
    let scope = head.store().await.expect("store").session_scope().await.expect("scope");
    let expected = Scope { role: Role::BlockHead, blocks: Some(vec!["roads".into()]), municipalities: None, may_see_personal_data: false };
    assert_eq!(scope, Some(expected));
    let stranger = db.create_login().await.expect("login");
    assert_eq!(stranger.store().await.expect("store").session_scope().await.expect("scope"), None);
}
