//! The sync's figures: a store of N appeals pushed to a fresh central database, the first
//! sync of a new laptop from it, then 1,000 new events pushed by one node and pulled by the
//! other (the incremental sync). The central database is a new database on the server at
//! `DATABASE_URL` (a superuser's URL), or on a throwaway server the test harness starts.
//!
//! `cargo run --release -p tsur-api --example sync_bench -- --db STORE`

use chrono::Duration;
use std::time::Instant;
use tsur_api::Api;
use tsur_core::{AppealId, Event, EventId, EventKind, Role};
use tsur_store_postgres::testing::TestDb;

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned())
}

/// A central server runs autovacuum, which analyses the tables after a bulk load; this
/// machine's server has it off, and without statistics the pull's plans read far more (77–88 s
/// for the first sync instead of 54–66 s). So the load is analysed as it would be, untimed.
async fn analyse(conn: &mut sqlx::PgConnection) {
    let t = Instant::now();
    sqlx::query("ANALYZE").execute(conn).await.expect("ANALYZE");
    println!("the central database analysed in {:.1} s (not timed)", t.elapsed().as_secs_f64());
}

/// The app's allocator (src-tauri), so that the figures are the app's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() {
    let source = arg("--db").expect("--db STORE: a store filled by `tsur demo`");
    let mut a = Api::open(std::path::Path::new(&source)).await.expect("the store opens");
    let appeals = a.store().appeal_count().await.unwrap();
    let events = a.store().event_count().await.unwrap();
    println!("store: {appeals} appeals, {events} events");
    // `--reuse DB`: a central database loaded by an earlier `--keep` run (its curator is
    // DB_u0 on DATABASE_URL's server, trust authentication); else a fresh one, loaded now.
    let (central, kept) = match arg("--reuse") {
        Some(name) => {
            let url = std::env::var("DATABASE_URL").expect("--reuse needs DATABASE_URL");
            let options: tsur_store_postgres::PgConnectOptions = url.parse().unwrap();
            let central = tsur_store_postgres::CentralStore::connect_with(options.clone().database(&name).username(&format!("{name}_u0"))).await.unwrap();
            println!("central database {name} reused");
            use sqlx::{ConnectOptions, Connection};
            let mut admin = options.database(&name).connect().await.expect("the server at DATABASE_URL");
            analyse(&mut admin).await;
            admin.close().await.unwrap();
            (central, None)
        }
        None => {
            let db = TestDb::new().await.expect("a central database");
            let login = db.enroll(Role::Curator, None, None).await.expect("a curator");
            // Start from an unsynced store, so that the run can be repeated on the same file.
            sqlx::query("DELETE FROM sync_meta").execute(a.store().pool()).await.unwrap();
            let central = login.store().await.unwrap();
            let t = Instant::now();
            let pushed = a.sync_with(&central, &mut |_| {}).await.expect("the initial push");
            println!(
                "initial load (push of the whole store, then its pull back): {:.1} s — {} appeals, {} events",
                t.elapsed().as_secs_f64(),
                pushed.pushed_appeals,
                pushed.pushed_events
            );
            analyse(&mut db.admin().pool().acquire().await.unwrap()).await;
            if std::env::args().any(|a| a == "--keep") {
                println!("central database {} kept: rerun with --reuse {}", db.name(), db.name());
                std::mem::forget(db);
                (central, None)
            } else {
                (central, Some(db))
            }
        }
    };

    // `--laptop PATH`: a laptop synced by an earlier run (only the incremental sync is timed).
    let dir = tempfile::tempdir().unwrap();
    let laptop = arg("--laptop").map(std::path::PathBuf::from).unwrap_or_else(|| dir.path().join("laptop.db"));
    let fresh = !laptop.exists();
    let mut b = Api::open(&laptop).await.unwrap();
    if fresh {
        let t = Instant::now();
        let first = b.sync_with(&central, &mut |_| {}).await.expect("the first sync");
        let first_s = t.elapsed().as_secs_f64();
        println!(
            "first sync of a new laptop: {first_s:.1} s (writing locally {:.1} s) — {} appeals, {} events",
            first.apply_seconds, first.pulled_appeals, first.pulled_events
        );
    } else {
        b.sync_with(&central, &mut |_| {}).await.expect("catching up");
    }

    // 1,000 new events on node A (a comment on each of 1,000 appeals).
    let ids: Vec<Vec<u8>> =
        sqlx::query_scalar("SELECT appeal_id FROM appeal_state ORDER BY appeal_id DESC LIMIT 1000").fetch_all(a.store().pool()).await.unwrap();
    let mut new_events = Vec::new();
    for id in ids {
        let id = AppealId(uuid::Uuid::from_slice(&id).unwrap());
        let state = a.store().state(id, &tsur_core::Scope::local_curator()).await.unwrap().unwrap();
        new_events.push(Event {
            id: EventId(uuid::Uuid::now_v7()),
            appeal_id: id,
            at: state.last_event_at + Duration::minutes(1),
            actor: "bench".into(),
            node: "a".into(),
            kind: EventKind::Comment { text: "контроль исполнения".into() },
        });
    }
    a.store().append_events(&new_events).await.unwrap();
    let t = Instant::now();
    let push = a.sync_with(&central, &mut |_| {}).await.unwrap();
    let push_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let pull = b.sync_with(&central, &mut |_| {}).await.unwrap();
    let pull_s = t.elapsed().as_secs_f64();
    println!(
        "incremental: push of {} events {push_s:.2} s; pull of {} events {pull_s:.2} s (writing locally {:.2} s)",
        push.pushed_events, pull.pulled_events, pull.apply_seconds
    );
    assert_eq!(push.pushed_events, 1000);
    assert_eq!(pull.pulled_events, 1000);
    central.close().await;
    drop(kept);
}
