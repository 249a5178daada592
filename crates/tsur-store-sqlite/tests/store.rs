//! Store round-trips and the refusals that protect the data, against real SQLite files.

use chrono::{Duration, TimeZone, Utc};
use sqlx::Row;
use std::path::Path;
use tsur_core::{Appeal, AppealId, AppealState, Author, Channel, Event, EventId, EventKind, GeoPoint, Scope, Status};
use tsur_store_sqlite::{GroupBy, NewAppeal, SqliteStore, StatsFilter, StoreError};
use uuid::Uuid;

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn event(appeal: u128, n: u128, hours: i64, kind: EventKind) -> Event {
    Event {
        id: EventId(id(appeal * 1000 + n)),
        appeal_id: AppealId(id(appeal)),
        at: Utc.with_ymd_and_hms(2026, 5, 4, 6, 0, 0).unwrap() + Duration::hours(hours),
        actor: "test".into(),
        node: "laptop-1".into(),
        kind,
    }
}

fn sample(n: u128, municipality: &str, block: &str) -> NewAppeal {
    NewAppeal {
        appeal: Appeal {
            id: AppealId(id(n)),
            channel: Channel::Pos,
            external_id: format!("POS-{n}"),
            received_at: Utc.with_ymd_and_hms(2026, 5, 4, 6, 0, 0).unwrap(),
            regime: "pos".into(),
            text: "Яма на дороге по ул. Ленина".into(),
            address_text: "ул. Ленина, д. 5".into(),
            point: Some(GeoPoint { lon: 48.05, lat: 46.35 }),
            municipality: municipality.into(),
            settlement: None,
            node: "laptop-1".into(),
        },
        author: Some(Author {
            appeal_id: AppealId(id(n)), full_name: "Петрова Анна Сергеевна".into(), phone: Some("+7 900 000-00-00".into()), email: None
        }),
        events: vec![
            event(n, 1, 0, EventKind::Registered),
            event(n, 2, 1, EventKind::Classified { block: block.into(), topic: "road_potholes".into(), confidence: Some(0.9) }),
            event(n, 3, 2, EventKind::Assigned { agency: "omsu-astrakhan".into() }),
            event(n, 4, 30, EventKind::Answered { text: "Ремонт запланирован".into() }),
        ],
    }
}

async fn open(dir: &Path) -> SqliteStore {
    SqliteStore::open(&dir.join("tsur.db")).await.unwrap()
}

#[tokio::test]
async fn appeal_events_and_projection_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let item = sample(1, "astrakhan", "roads");
    store.insert_appeals(std::slice::from_ref(&item)).await.unwrap();
    let scope = Scope::local_curator();
    assert_eq!(store.appeal(item.appeal.id, &scope).await.unwrap(), Some(item.appeal.clone()));
    assert_eq!(store.events(item.appeal.id, &scope).await.unwrap(), item.events);
    let state = store.state(item.appeal.id, &scope).await.unwrap().unwrap();
    assert_eq!(state, AppealState::fold(&item.events).unwrap().unwrap());
    assert_eq!(state.status, Status::Answered);
    assert_eq!(store.author(item.appeal.id, &scope).await.unwrap(), item.author);
}

#[tokio::test]
async fn personal_data_and_foreign_blocks_are_withheld_by_scope() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    store.insert_appeals(&[sample(1, "astrakhan", "roads")]).await.unwrap();
    let a = AppealId(id(1));
    assert_eq!(store.author(a, &Scope::wall()).await.unwrap(), None);
    let health_head = Scope { blocks: Some(vec!["health".into()]), ..Scope::wall() };
    assert_eq!(store.appeal(a, &health_head).await.unwrap(), None);
    assert!(store.events(a, &health_head).await.unwrap().is_empty());
    let filter = StatsFilter { from: None, until: None, scope: health_head };
    assert_eq!(store.count(&filter).await.unwrap(), 0);
}

#[tokio::test]
async fn append_is_idempotent_and_refolds_the_projection() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    store.insert_appeals(&[sample(1, "astrakhan", "roads")]).await.unwrap();
    let later = vec![
        event(1, 5, 40, EventKind::AnswerRejected { reason: "формальная отписка".into() }),
        event(1, 6, 60, EventKind::Answered { text: "Отремонтировано".into() }),
    ];
    assert_eq!(store.append_events(&later).await.unwrap(), 2);
    assert_eq!(store.append_events(&later).await.unwrap(), 0, "a retry adds nothing");
    let state = store.state(AppealId(id(1)), &Scope::local_curator()).await.unwrap().unwrap();
    assert_eq!((state.status, state.answers, state.rejected_answers), (Status::Answered, 2, 1));
    assert_eq!(store.event_count().await.unwrap(), 6);
}

/// Appends read and write a chunk of appeals at once (400, as the sync's pull reads them): a
/// call over more appeals than a chunk, in any order, with an event given twice and events
/// already stored, leaves every appeal as appending its events one call at a time does; an
/// event of an unknown appeal refuses the whole call.
#[tokio::test]
async fn appending_many_appeals_at_once_equals_appending_them_one_by_one() {
    const N: u128 = 1_203;
    let (one_dir, many_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (one, many) = (open(one_dir.path()).await, open(many_dir.path()).await);
    let items: Vec<NewAppeal> = (1..=N).map(|n| sample(n, "astrakhan", "roads")).collect();
    for store in [&one, &many] {
        store.insert_appeals(&items).await.unwrap();
    }
    // Appeals interleaved and in no particular order; some get two events, some one; the
    // appeals divisible by 7 get an event already stored too.
    let mut later: Vec<Event> = Vec::new();
    for n in (1..=N).rev() {
        later.push(event(n, 5, 40, EventKind::AnswerRejected { reason: "формальная отписка".into() }));
        if n % 7 == 0 {
            later.push(event(n, 4, 30, EventKind::Answered { text: "Ремонт запланирован".into() }));
        }
    }
    for n in (1..=N).filter(|n| n % 3 == 0) {
        later.push(event(n, 6, 60, EventKind::Answered { text: "Отремонтировано".into() }));
        later.push(event(n, 6, 60, EventKind::Answered { text: "Отремонтировано".into() }));
    }
    let mut added = 0;
    for e in &later {
        added += one.append_events(std::slice::from_ref(e)).await.unwrap();
    }
    assert_eq!(many.append_events(&later).await.unwrap(), added);
    assert_eq!(added as u128, N + N / 3);
    let scope = Scope::local_curator();
    for n in 1..=N {
        let a = AppealId(id(n));
        assert_eq!(many.events(a, &scope).await.unwrap(), one.events(a, &scope).await.unwrap(), "appeal {n}");
        assert_eq!(many.state(a, &scope).await.unwrap(), one.state(a, &scope).await.unwrap(), "appeal {n}");
    }
    let stranger = [event(1, 7, 70, EventKind::Comment { text: "своё".into() }), event(N + 1, 1, 70, EventKind::Comment { text: "чужое".into() })];
    let err = many.append_events(&stranger).await.unwrap_err();
    assert!(matches!(err, StoreError::Decode(_)), "{err}");
    assert_eq!(many.event_count().await.unwrap(), one.event_count().await.unwrap(), "the refused call wrote nothing");
}

/// A first link to a problem and a comment take their effect on the stored state (the
/// history is not read back); a second link, one given twice, and a mix with other events are
/// folded again. Whichever way, the projection is what folding the stored history gives.
#[tokio::test]
async fn links_and_comments_leave_the_projection_a_refold_would() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let items: Vec<NewAppeal> = (1..=6).map(|n| sample(n, "astrakhan", "roads")).collect();
    store.insert_appeals(&items).await.unwrap();
    let link = |appeal, n, hours, p| event(appeal, n, hours, EventKind::ProblemLinked { problem: tsur_core::ProblemId(id(p)) });
    let comment = |appeal, n, hours| event(appeal, n, hours, EventKind::Comment { text: "уточнение".into() });
    let calls: Vec<Vec<Event>> = vec![
        // Placed before the answer in the history, and after it.
        vec![link(1, 5, 3, 900), link(2, 5, 50, 900), comment(3, 5, 10), comment(3, 6, 70)],
        // A repeated call, a second link (earlier than the first: the later one wins), a link
        // with another kind of event.
        vec![link(1, 5, 3, 900), link(2, 6, 20, 901), link(4, 5, 35, 902), event(4, 6, 40, EventKind::AnswerRejected { reason: "отписка".into() })],
        // A link and a comment together; a link before the registration is refused.
        vec![link(5, 5, 12, 903), comment(5, 6, 13)],
    ];
    let added: Vec<usize> = append_each(&store, &calls).await;
    assert_eq!(added, vec![4, 3, 2]);
    let refused = store.append_events(&[link(6, 5, -1, 904)]).await.unwrap_err();
    assert!(matches!(refused, StoreError::Transition { .. }), "{refused}");
    let scope = Scope::local_curator();
    for n in 1..=6 {
        let a = AppealId(id(n));
        let folded = AppealState::fold(&store.events(a, &scope).await.unwrap()).unwrap().unwrap();
        assert_eq!(store.state(a, &scope).await.unwrap(), Some(folded), "appeal {n}");
    }
    let mut problems = Vec::new();
    for n in [1, 2, 6] {
        problems.push(store.state(AppealId(id(n)), &scope).await.unwrap().unwrap().problem.map(|p| p.0));
    }
    assert_eq!(problems, vec![Some(id(900)), Some(id(900)), None]);
    assert_eq!(store.event_count().await.unwrap(), 6 * 4 + 9);
}

/// Each call's count of new events.
async fn append_each(store: &SqliteStore, calls: &[Vec<Event>]) -> Vec<usize> {
    let mut added = Vec::new();
    for call in calls {
        added.push(store.append_events(call).await.unwrap());
    }
    added
}

#[tokio::test]
async fn an_impossible_event_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    store.insert_appeals(&[sample(1, "astrakhan", "roads")]).await.unwrap();
    let bad = [event(1, 5, 40, EventKind::CitizenConfirmed)];
    let err = store.append_events(&bad).await.unwrap_err();
    assert!(matches!(err, StoreError::Transition { .. }), "{err}");
    assert_eq!(store.event_count().await.unwrap(), 4);
    let mut broken = sample(2, "astrakhan", "roads");
    broken.events.remove(0);
    assert!(store.insert_appeals(&[broken]).await.is_err());
    assert_eq!(store.appeal_count().await.unwrap(), 1);
    // Another appeal's event or author inside an appeal's history (the bulk writer does not
    // lean on foreign keys: it refuses them itself, before writing anything).
    let mut stray_event = sample(3, "astrakhan", "roads");
    stray_event.events.push(event(7, 5, 40, EventKind::Comment { text: "чужое".into() }));
    let mut stray_author = sample(4, "astrakhan", "roads");
    stray_author.author.as_mut().unwrap().appeal_id = AppealId(id(7));
    for stray in [stray_event, stray_author] {
        let err = store.insert_appeals(&[sample(5, "astrakhan", "roads"), stray]).await.unwrap_err();
        assert!(matches!(err, StoreError::Decode(_)), "{err}");
    }
    assert_eq!((store.appeal_count().await.unwrap(), store.event_count().await.unwrap()), (1, 4));
}

#[tokio::test]
async fn events_and_appeals_cannot_be_changed_or_deleted_even_by_sql() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    store.insert_appeals(&[sample(1, "astrakhan", "roads")]).await.unwrap();
    drop(store);
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", dir.path().join("tsur.db").display())).await.unwrap();
    for sql in ["UPDATE events SET actor = 'x'", "DELETE FROM events", "UPDATE appeals SET text = 'x'", "DELETE FROM appeals"] {
        let err = sqlx::query(sql).execute(&pool).await.unwrap_err().to_string();
        assert!(err.contains("immutable") || err.contains("never deleted"), "{sql}: {err}");
    }
}

#[tokio::test]
async fn duplicate_channel_id_is_refused_with_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    store.insert_appeals(&[sample(1, "astrakhan", "roads")]).await.unwrap();
    let mut again = sample(2, "astrakhan", "roads");
    again.appeal.external_id = "POS-1".into();
    let err = store.insert_appeals(&[again]).await.unwrap_err();
    assert_eq!(err.to_string(), "обращение канала pos с внешним номером POS-1 уже есть в базе");
}

#[tokio::test]
async fn counts_group_and_filter_by_period() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let mut late = sample(3, "limansky", "health");
    for e in &mut late.events {
        e.at += Duration::days(40);
    }
    late.appeal.received_at += Duration::days(40);
    store.insert_appeals(&[sample(1, "astrakhan", "roads"), sample(2, "astrakhan", "roads"), late]).await.unwrap();
    let all = StatsFilter { from: None, until: None, scope: Scope::local_curator() };
    let by = store.count_by(&all, GroupBy::Municipality).await.unwrap();
    let pairs: Vec<(Option<String>, i64)> = by.into_iter().map(|r| (r.key, r.count)).collect();
    assert_eq!(pairs, vec![(Some("astrakhan".into()), 2), (Some("limansky".into()), 1)]);
    let may = StatsFilter { until: Some(Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap()), ..all };
    assert_eq!(store.count(&may).await.unwrap(), 2);
}

#[tokio::test]
async fn refuses_foreign_corrupt_newer_and_locked_files() {
    let dir = tempfile::tempdir().unwrap();

    let foreign = dir.path().join("foreign.db");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=rwc", foreign.display())).await.unwrap();
    sqlx::query("CREATE TABLE customers (id INTEGER)").execute(&pool).await.unwrap();
    pool.close().await;
    assert!(matches!(SqliteStore::open(&foreign).await, Err(StoreError::Foreign { .. })));

    let corrupt = dir.path().join("corrupt.db");
    std::fs::write(&corrupt, vec![0x42u8; 8192]).unwrap();
    let err = SqliteStore::open(&corrupt).await.unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
    assert_eq!(std::fs::read(&corrupt).unwrap(), vec![0x42u8; 8192], "a corrupt file is never reset");

    let newer = dir.path().join("newer.db");
    SqliteStore::open(&newer).await.unwrap().close().await;
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", newer.display())).await.unwrap();
    sqlx::query("INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time) VALUES (99990101000000, 'future', '2030-01-01', 1, x'00', 0)")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let err = SqliteStore::open(&newer).await.unwrap_err();
    assert!(matches!(err, StoreError::NewerSchema { found: 99990101000000, .. }), "{err}");

    let locked = dir.path().join("tsur.db");
    open(dir.path()).await.close().await;
    let mut holder = sqlx::SqliteConnection::connect_with(&sqlx::sqlite::SqliteConnectOptions::new().filename(&locked)).await.unwrap();
    use sqlx::Connection;
    sqlx::query("BEGIN EXCLUSIVE").execute(&mut holder).await.unwrap();
    // WAL lets readers in while a writer holds the lock; the write itself must wait, then
    // fail with a clear "locked" error and leave the store as it was.
    let store = SqliteStore::open_with_timeout(&locked, std::time::Duration::from_millis(200)).await.unwrap();
    let err = store.insert_appeals(&[sample(7, "astrakhan", "roads")]).await.unwrap_err();
    assert!(matches!(err, StoreError::Locked { .. }), "{err}");
    assert!(err.to_string().contains("заблокирована"));
}

async fn index_names(store: &SqliteStore) -> Vec<String> {
    sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name").fetch_all(store.pool()).await.unwrap()
}

async fn has_index(store: &SqliteStore, name: &str) -> bool {
    index_names(store).await.iter().any(|n| n == name)
}

#[tokio::test]
async fn a_bulk_pull_defers_the_projection_indexes_and_never_loses_one() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    store.insert_appeals(&[sample(1, "astrakhan", "roads"), sample(2, "kamyzyaksky", "housing")]).await.unwrap();
    let all = index_names(&store).await;
    assert!(all.iter().any(|n| n == "appeal_state_block"));

    // Dropped for the load: the projection's secondary indexes only; the definitions kept.
    let dropped = store.defer_indexes().await.unwrap();
    assert!(dropped >= 6, "{dropped}");
    let during = index_names(&store).await;
    assert_eq!(all.len() - during.len(), dropped);
    assert!(during.iter().all(|n| !n.starts_with("appeal_state_")), "{during:?}");
    assert!(during.iter().any(|n| n == "events_by_appeal"), "kept: the store has events");
    // Reads still work without them, by scope.
    let head =
        Scope { role: tsur_core::Role::BlockHead, blocks: Some(vec![tsur_core::BlockId("roads".into())]), municipalities: None, may_see_personal_data: false };
    assert_eq!(store.count(&StatsFilter { from: None, until: None, scope: head.clone() }).await.unwrap(), 1);

    // A pull killed here: the next open builds them again, exactly as they were.
    store.close().await;
    let store = open(dir.path()).await;
    assert_eq!(index_names(&store).await, all);
    assert_eq!(store.sync_meta("deferred_index:appeal_state_block").await.unwrap(), None);
    assert_eq!(store.count(&StatsFilter { from: None, until: None, scope: head }).await.unwrap(), 1);

    // The ordinary end: restored by the pull itself; a second restore has nothing to do.
    assert!(store.defer_indexes().await.unwrap() >= 6);
    assert_eq!(store.restore_indexes().await.unwrap(), dropped);
    assert_eq!(store.restore_indexes().await.unwrap(), 0);
    assert_eq!(index_names(&store).await, all);
}

/// A pulled appeal as the sync hands it to the writer: `events` of `item`, with their JSON.
fn pulled(item: &NewAppeal, events: &[Event]) -> tsur_store_sqlite::PulledAppeal {
    tsur_store_sqlite::PulledAppeal {
        id: item.appeal.id,
        appeal: Some(Ok(item.appeal.clone())),
        author: item.author.clone(),
        events: events.iter().cloned().map(Ok).collect(),
        payloads: events.iter().map(|e| Some(serde_json::to_string(&e.kind).unwrap())).collect(),
        prepared: None,
    }
}

#[tokio::test]
async fn a_first_pull_into_an_empty_store_defers_the_events_index_until_an_appeal_comes_twice() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let (a, b) = (sample(1, "astrakhan", "roads"), sample(2, "kamyzyaksky", "housing"));
    let rules = store.rules().await.unwrap();
    let now = Utc.with_ymd_and_hms(2026, 6, 1, 6, 0, 0).unwrap();
    store.defer_indexes().await.unwrap();
    assert!(store.sync_meta("deferred_index:events_by_appeal").await.unwrap().is_some(), "no events yet: deferred too");

    // Two appeals, the first with half its history; new appeals need no index.
    let mut page = vec![pulled(&a, &a.events[..2]), pulled(&b, &b.events)];
    page.iter_mut().for_each(|p| tsur_store_sqlite::prepare(p, &rules));
    let mut w = store.bulk_pull_writer().await.unwrap();
    assert_eq!(w.apply(&page, now).await.unwrap().events, 6);
    w.commit(&[]).await.unwrap();
    assert!(!has_index(&store, "events_by_appeal").await);

    // The first comes again with the rest (changed on the server meanwhile): its history
    // is read by appeal, so the index is built there and then, in the writer's transaction.
    let mut again = vec![pulled(&a, &a.events)];
    again.iter_mut().for_each(|p| tsur_store_sqlite::prepare(p, &rules));
    let mut w = store.bulk_pull_writer().await.unwrap();
    assert_eq!(w.apply(&again, now).await.unwrap().events, 2);
    w.commit(&[]).await.unwrap();
    assert!(has_index(&store, "events_by_appeal").await);
    assert_eq!(store.sync_meta("deferred_index:events_by_appeal").await.unwrap(), None);
    let scope = Scope::local_curator();
    assert_eq!(store.events(a.appeal.id, &scope).await.unwrap(), a.events);
    assert_eq!(store.state(a.appeal.id, &scope).await.unwrap().unwrap().status, Status::Answered);

    // The rest come back at the end, and the pool's connections still check foreign keys.
    store.restore_indexes().await.unwrap();
    assert!(has_index(&store, "appeal_state_block").await);
    let orphan = sqlx::query("INSERT INTO events (id, appeal_id, at, kind, actor, node, payload) VALUES (x'09', x'09', 0, 'registered', 't', 'n', '{}')")
        .execute(store.pool())
        .await
        .unwrap_err();
    assert!(orphan.to_string().contains("FOREIGN KEY"), "{orphan}");
}

#[tokio::test]
async fn a_bulk_import_builds_the_deferred_events_index_before_it_appends_to_an_appeal() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    store.defer_indexes().await.unwrap();
    let mut a = sample(1, "astrakhan", "roads");
    let later = a.events.split_off(3);
    let mut bulk = store.bulk().await.unwrap();
    bulk.insert_appeals(std::slice::from_ref(&a)).await.unwrap();
    bulk.commit().await.unwrap();
    assert!(!has_index(&store, "events_by_appeal").await);
    // A later batch of the same file brings the appeal's answer.
    let mut bulk = store.bulk().await.unwrap();
    assert_eq!(bulk.append_events(&later).await.unwrap(), 1);
    bulk.commit().await.unwrap();
    assert!(has_index(&store, "events_by_appeal").await);
    let scope = Scope::local_curator();
    assert_eq!(store.events(a.appeal.id, &scope).await.unwrap().len(), 4);
    assert_eq!(store.state(a.appeal.id, &scope).await.unwrap().unwrap().status, Status::Answered);
}

async fn page_size(store: &SqliteStore) -> i64 {
    sqlx::query_scalar("PRAGMA page_size").fetch_one(store.pool()).await.unwrap()
}

/// Issue 4: new stores get larger pages (a tenth less CPU for an import); older ones keep theirs.
#[tokio::test]
async fn a_new_store_has_16_kib_pages_and_an_older_one_keeps_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    assert_eq!(page_size(&store).await, 16_384);
    store.close().await;
    assert_eq!(page_size(&open(dir.path()).await).await, 16_384);

    // A store made before (SQLite's 4 KiB pages, in WAL) opens as it is and takes writes.
    let old = dir.path().join("old.db");
    let conn = sqlx::sqlite::SqliteConnectOptions::new().filename(&old).create_if_missing(true).journal_mode(sqlx::sqlite::SqliteJournalMode::Wal);
    // Switching to WAL writes the file's header, with SQLite's default page size.
    drop(sqlx::ConnectOptions::connect(&conn).await.unwrap());
    let store = SqliteStore::open(&old).await.unwrap();
    assert_eq!(page_size(&store).await, 4096);
    store.insert_appeals(&[sample(1, "astrakhan", "roads")]).await.unwrap();
    assert_eq!(store.appeal_count().await.unwrap(), 1);
}

/// Issue 4: the open appeals and every list narrowed by status are served by the index that
/// begins with the status, since the index of the status alone is gone (migration 0013).
#[tokio::test]
async fn queries_by_status_use_the_index_that_begins_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    assert!(!index_names(&store).await.iter().any(|n| n == "appeal_state_status" || n == "events_unpushed"));
    for sql in ["SELECT appeal_id FROM appeal_state WHERE status IN ('registered', 'assigned')", "SELECT count(*) FROM appeal_state WHERE status = 'answered'"]
    {
        let plan: Vec<String> =
            sqlx::query(&format!("EXPLAIN QUERY PLAN {sql}")).fetch_all(store.pool()).await.unwrap().iter().map(|r| r.get::<String, _>("detail")).collect();
        assert!(plan.iter().any(|d| d.contains("appeal_state_answer_due")), "{sql}: {plan:?}");
    }
}

/// Issue 4: no index of the fast-track (migration 0014): no query reads by it, and a bulk
/// load killed while it had it dropped does not build it again at the next open.
#[tokio::test]
async fn the_fast_track_has_no_index_and_a_killed_load_does_not_build_it_again() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    assert!(!has_index(&store, "appeal_state_fast_track").await);
    // As a store at migration 0013 was, killed during a bulk load that had dropped it.
    for sql in [
        "INSERT INTO sync_meta (key, value) VALUES ('deferred_index:appeal_state_fast_track', \
         'CREATE INDEX appeal_state_fast_track ON appeal_state (fast_track_id) WHERE fast_track_id IS NOT NULL')",
        "DELETE FROM _sqlx_migrations WHERE version = 14",
    ] {
        sqlx::query(sql).execute(store.pool()).await.unwrap();
    }
    store.close().await;
    let store = open(dir.path()).await;
    assert!(!has_index(&store, "appeal_state_fast_track").await);
    assert_eq!(store.sync_meta("deferred_index:appeal_state_fast_track").await.unwrap(), None);
    // A deferral and its restore leave it out too.
    store.defer_indexes().await.unwrap();
    store.restore_indexes().await.unwrap();
    assert!(!has_index(&store, "appeal_state_fast_track").await);
}

async fn max_event_rowid(store: &SqliteStore) -> i64 {
    sqlx::query_scalar("SELECT max(rowid) FROM events").fetch_one(store.pool()).await.unwrap()
}

/// Issue 4: without an index of the unsent events, the push watermark steps over pulled
/// events whenever nothing of this node's waits before them, and never over one that waits.
#[tokio::test]
async fn the_push_watermark_steps_over_pulled_events_and_never_over_a_waiting_one() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path()).await;
    let now = Utc.with_ymd_and_hms(2026, 6, 1, 6, 0, 0).unwrap();
    let (a, b, c) = (sample(1, "astrakhan", "roads"), sample(2, "kamyzyaksky", "housing"), sample(3, "astrakhan", "roads"));

    // A first pull into an empty store: nothing waits, the mark goes past everything pulled.
    let mut w = store.pull_writer().await.unwrap();
    w.apply(&[pulled(&a, &a.events)], now).await.unwrap();
    w.commit(&[]).await.unwrap();
    assert_eq!(store.pending_events(i64::MAX).await.unwrap(), 0);
    assert_eq!(store.sync_meta("push_mark").await.unwrap(), Some(max_event_rowid(&store).await.to_string()));
    assert!(store.outbox(100).await.unwrap().events.is_empty());

    // This node registers an appeal; a pull then comes before the push: the mark stays.
    store.insert_appeals(std::slice::from_ref(&b)).await.unwrap();
    let mark_before = store.sync_meta("push_mark").await.unwrap();
    let mut w = store.pull_writer().await.unwrap();
    w.apply(&[pulled(&c, &c.events)], now).await.unwrap();
    w.commit(&[]).await.unwrap();
    assert_eq!(store.sync_meta("push_mark").await.unwrap(), mark_before);
    assert_eq!(store.pending_events(i64::MAX).await.unwrap(), 4);
    // Counted up to a limit: the pulled events beside them are never counted.
    for (limit, counted) in [(0, 0), (1, 1), (3, 3), (4, 4), (5, 4)] {
        assert_eq!(store.pending_events(limit).await.unwrap(), counted, "limit {limit}");
    }

    // In batches smaller than what waits, the mark is the last event sent.
    let first = store.outbox(3).await.unwrap();
    assert_eq!(first.events.len(), 4, "the whole local history of the appeal travels");
    assert!(first.mark < max_event_rowid(&store).await);
    // The last batch holds everything waiting: the mark goes past the pulled events after it.
    let all = store.outbox(100).await.unwrap();
    assert_eq!(all.events.len(), 4);
    assert_eq!(all.mark, max_event_rowid(&store).await);
    store.mark_pushed(all.mark, now).await.unwrap();
    assert_eq!(store.pending_events(i64::MAX).await.unwrap(), 0);
    assert!(store.outbox(100).await.unwrap().events.is_empty());

    // What this node records afterwards waits again.
    let later = event(2, 5, 40, EventKind::Closed);
    store.append_events(std::slice::from_ref(&later)).await.unwrap();
    assert_eq!(store.pending_events(i64::MAX).await.unwrap(), 1);
    assert!(store.outbox(100).await.unwrap().events.iter().any(|e| e.id == later.id));
}

/// Migration 0013 moves the push watermark past the pulled events while the old index of the
/// unsent ones still finds them, then drops it; a store whose own events wait keeps its mark.
#[tokio::test]
async fn migration_0013_moves_the_push_watermark_only_past_pulled_events() {
    for waiting in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let store = open(dir.path()).await;
        let now = Utc.with_ymd_and_hms(2026, 6, 1, 6, 0, 0).unwrap();
        let (a, b) = (sample(1, "astrakhan", "roads"), sample(2, "kamyzyaksky", "housing"));
        if waiting {
            store.insert_appeals(std::slice::from_ref(&b)).await.unwrap();
        }
        let mut w = store.pull_writer().await.unwrap();
        w.apply(&[pulled(&a, &a.events)], now).await.unwrap();
        w.commit(&[]).await.unwrap();
        // As a store at migration 0012 was: the index, and a mark that pulls never moved.
        for sql in [
            "CREATE INDEX events_unpushed ON events (pulled) WHERE pulled = 0",
            "CREATE INDEX appeal_state_status ON appeal_state (status)",
            "DELETE FROM sync_meta WHERE key = 'push_mark'",
            "DELETE FROM _sqlx_migrations WHERE version = 13",
        ] {
            sqlx::query(sql).execute(store.pool()).await.unwrap();
        }
        store.close().await;
        let store = open(dir.path()).await;
        assert!(!index_names(&store).await.iter().any(|n| n == "appeal_state_status" || n == "events_unpushed"));
        let mark = store.sync_meta("push_mark").await.unwrap();
        if waiting {
            assert_eq!(mark, None);
            assert_eq!(store.pending_events(i64::MAX).await.unwrap(), 4);
        } else {
            assert_eq!(mark, Some(max_event_rowid(&store).await.to_string()));
            assert_eq!(store.pending_events(i64::MAX).await.unwrap(), 0);
        }
    }
}

#[tokio::test]
async fn idle_connections_close_and_the_next_one_has_the_same_settings() {
    // A pooled connection's thread keeps what its reads allocated until it is closed: idle
    // connections close after a few seconds (open.rs), and the one opened after the pause must
    // be configured as the first was.
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("tsur.db")).await.unwrap();
    store.insert_appeals(&[sample(1, "astrakhan", "roads")]).await.unwrap();
    let settings = || async {
        let row = sqlx::query(
            "SELECT (SELECT cache_size FROM pragma_cache_size), (SELECT foreign_keys FROM pragma_foreign_keys), (SELECT journal_mode FROM pragma_journal_mode)",
        )
        .fetch_one(store.pool())
        .await
        .unwrap();
        (row.get::<i64, _>(0), row.get::<i64, _>(1), row.get::<String, _>(2))
    };
    let before = settings().await;
    assert!(store.pool().num_idle() > 0, "the connection used stays in the pool meanwhile");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while store.pool().size() > 0 && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(store.pool().size(), 0, "idle connections were closed");
    assert_eq!(settings().await, before, "a new connection has the same settings");
    assert_eq!(before, (-8192, 1, "wal".to_owned()));
    assert_eq!(store.appeal_count().await.unwrap(), 1);
}
