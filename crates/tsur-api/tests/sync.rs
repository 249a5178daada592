//! The sync against a real PostgreSQL (the one at DATABASE_URL, or one the harness starts):
//! laptops editing the same appeals offline and syncing in every order, ten clients at once
//! with a writer committing out of order, the server restarted mid-sync, hostile rows from
//! the server, scoped pulls without personal data, TLS. Every case ends with every node's
//! projection equal to the central one, and the central event count equal to the unique
//! events created.

use chrono::Duration;
use sqlx::Row;
use std::collections::BTreeSet;
use tsur_api::{Api, DemoParams, SyncReport};
use tsur_core::{AppealId, Event, EventId, EventKind, Role};
use tsur_store_postgres::testing::{PrivateOptions, PrivateServer, TestDb, TestLogin};

/// A comparable projection row: id, status, block, topic, agency, events, answers,
/// rejected answers, closed at (ms), satisfaction, extension days.
type StateRow = (String, String, Option<String>, Option<String>, Option<String>, i64, i64, i64, Option<i64>, Option<i64>, i64);

async fn laptop(dir: &tempfile::TempDir, name: &str) -> Api {
    Api::open(&dir.path().join(format!("{name}.db"))).await.unwrap()
}

async fn sync(api: &mut Api, login: &TestLogin) -> SyncReport {
    let central = login.store().await.unwrap();
    let report = api.sync_with(&central, &mut |_| {}).await.unwrap_or_else(|e| panic!("sync: {e}"));
    central.close().await;
    report
}

async fn local_states(api: &Api) -> Vec<StateRow> {
    let rows = sqlx::query(
        "SELECT lower(hex(appeal_id)) AS id, status, block_id, topic_id, agency_id, event_count, answers, rejected_answers, closed_at, satisfaction, extension_days
         FROM appeal_state ORDER BY 1",
    )
    .fetch_all(api.store().pool())
    .await
    .unwrap();
    rows.iter()
        .map(|r| {
            (
                r.get("id"),
                r.get("status"),
                r.get("block_id"),
                r.get("topic_id"),
                r.get("agency_id"),
                r.get("event_count"),
                r.get("answers"),
                r.get("rejected_answers"),
                r.get("closed_at"),
                r.get("satisfaction"),
                r.get("extension_days"),
            )
        })
        .collect()
}

async fn central_states(db: &TestDb) -> Vec<StateRow> {
    let rows = sqlx::query(
        "SELECT replace(appeal_id::text, '-', '') AS id, status, block_id, topic_id, agency_id, event_count::int8, answers::int8,
                rejected_answers::int8, (extract(epoch FROM closed_at) * 1000)::int8 AS closed_at, satisfaction::int8, extension_days::int8
         FROM appeal_state ORDER BY 1",
    )
    .fetch_all(db.admin().pool())
    .await
    .unwrap();
    rows.iter().map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5), r.get(6), r.get(7), r.get(8), r.get(9), r.get(10))).collect()
}

async fn local_event_ids(api: &Api) -> BTreeSet<String> {
    sqlx::query_scalar::<_, String>("SELECT lower(hex(id)) FROM events").fetch_all(api.store().pool()).await.unwrap().into_iter().collect()
}

async fn central_event_count(db: &TestDb) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM events").fetch_one(db.admin().pool()).await.unwrap()
}

async fn appeal_ids(api: &Api, n: i64) -> Vec<AppealId> {
    let ids: Vec<Vec<u8>> =
        sqlx::query_scalar("SELECT appeal_id FROM appeal_state ORDER BY appeal_id LIMIT ?").bind(n).fetch_all(api.store().pool()).await.unwrap();
    ids.into_iter().map(|b| AppealId(uuid::Uuid::from_slice(&b).unwrap())).collect()
}

/// Records what a person on `node` might do to each appeal offline: re-classify, assign,
/// answer, close, comment — each only if this node's store accepts it now. Returns the
/// events accepted.
async fn offline_edits(api: &Api, node: &str, seed: usize, appeals: &[AppealId]) -> Vec<Event> {
    let reference = api.reference();
    let mut accepted = Vec::new();
    for (i, id) in appeals.iter().enumerate() {
        let state = api.store().state(*id, &tsur_core::Scope::local_curator()).await.unwrap().unwrap();
        let topic = &reference.topics[(seed * 7 + i) % reference.topics.len()];
        let agency = &reference.agencies[(seed * 3 + i) % reference.agencies.len()];
        let kinds = [
            EventKind::Classified { block: topic.block_id.clone(), topic: topic.id.clone(), confidence: None },
            EventKind::Assigned { agency: agency.id.clone() },
            EventKind::Answered { text: format!("ответ узла {node}") },
            EventKind::Closed,
            EventKind::Comment { text: format!("комментарий узла {node}") },
        ];
        for (k, kind) in kinds.into_iter().enumerate() {
            if (seed + i + k).is_multiple_of(3) {
                continue;
            }
            // Nodes act at interleaved moments after the appeal's last event.
            let at = state.last_event_at + Duration::minutes((10 * k + seed) as i64 + 1);
            let event = Event { id: EventId(uuid::Uuid::now_v7()), appeal_id: *id, at, actor: format!("оператор {node}"), node: node.to_owned(), kind };
            if api.store().append_events(std::slice::from_ref(&event)).await.is_ok() {
                accepted.push(event);
            }
        }
    }
    accepted
}

/// Every node and the central database agree, and the central database holds exactly the
/// union of the nodes' events.
async fn assert_converged(db: &TestDb, nodes: &[&Api]) {
    let central = central_states(db).await;
    assert!(!central.is_empty());
    let mut union = BTreeSet::new();
    for (i, node) in nodes.iter().enumerate() {
        let local = local_states(node).await;
        assert_eq!(local.len(), central.len(), "node {i}: appeals");
        for (l, c) in local.iter().zip(&central) {
            assert_eq!(l, c, "node {i}: projection differs from the central one");
        }
        union.extend(local_event_ids(node).await);
    }
    for node in nodes {
        assert_eq!(local_event_ids(node).await, union, "every node holds every event");
    }
    assert_eq!(central_event_count(db).await, union.len() as i64, "central events = unique events created");
}

#[tokio::test]
async fn two_laptops_and_the_centre_edit_offline_and_converge_in_every_order() {
    let orders = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
    for order in orders {
        let db = TestDb::new().await.unwrap();
        let logins = [
            db.enroll(Role::Curator, None, None).await.unwrap(),
            db.enroll(Role::Operator, None, None).await.unwrap(),
            db.enroll(Role::Deputy, None, None).await.unwrap(),
        ];
        let dir = tempfile::tempdir().unwrap();
        let mut nodes = [laptop(&dir, "a").await, laptop(&dir, "b").await, laptop(&dir, "centre").await];
        nodes[0].seed_demo(DemoParams::year(150, 5), |_, _| {}).await.unwrap();
        let base = local_event_ids(&nodes[0]).await.len();
        for (node, login) in nodes.iter_mut().zip(&logins) {
            sync(node, login).await;
        }
        assert_converged(&db, &[&nodes[0], &nodes[1], &nodes[2]]).await;

        // Offline: each node edits the same 30 appeals.
        let shared = appeal_ids(&nodes[0], 30).await;
        let mut created = 0;
        for (seed, (node, name)) in nodes.iter().zip(["a", "b", "centre"]).enumerate() {
            created += offline_edits(node, name, seed + 1, &shared).await.len();
        }
        assert!(created > 60, "the nodes recorded edits ({created})");

        // Back online, in this order; a second round brings the later ones to the earlier.
        let mut conflicts = 0;
        for round in 0..2 {
            for &i in &order {
                let report = sync(&mut nodes[i], &logins[i]).await;
                assert_eq!(report.rejected, 0);
                if round == 1 {
                    conflicts += report.conflicts;
                }
            }
        }
        assert_converged(&db, &[&nodes[0], &nodes[1], &nodes[2]]).await;
        assert_eq!(central_event_count(&db).await as usize, base + created, "order {order:?}");
        assert!(conflicts > 0, "closing the same appeal on two nodes is a conflict the merge resolves");
        for node in &nodes {
            assert_eq!(node.sync_status().await.unwrap().pending, 0);
        }
    }
}

#[tokio::test]
async fn ten_clients_and_an_out_of_order_writer_lose_nothing() {
    let db = TestDb::new().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut seed_node = laptop(&dir, "seed").await;
    let seed_login = db.enroll(Role::Curator, None, None).await.unwrap();
    seed_node.seed_demo(DemoParams::year(120, 9), |_, _| {}).await.unwrap();
    sync(&mut seed_node, &seed_login).await;
    let template = seed_node.store().appeal(appeal_ids(&seed_node, 1).await[0], &tsur_core::Scope::local_curator()).await.unwrap().unwrap();
    let rules = seed_node.store().rules().await.unwrap();

    let mut tasks = Vec::new();
    for c in 0..10 {
        let login = db.enroll(Role::Curator, None, None).await.unwrap();
        let mut api = laptop(&dir, &format!("client{c}")).await;
        tasks.push(tokio::spawn(async move {
            let mut created = 0;
            for round in 0..4 {
                sync(&mut api, &login).await;
                let ids = appeal_ids(&api, 120).await;
                let pick: Vec<AppealId> = ids.iter().skip((c * 7 + round * 13) % 100).take(3).copied().collect();
                for id in pick {
                    let state = api.store().state(id, &tsur_core::Scope::local_curator()).await.unwrap().unwrap();
                    let e = Event {
                        id: EventId(uuid::Uuid::now_v7()),
                        appeal_id: id,
                        at: state.last_event_at + Duration::seconds(1 + c as i64),
                        actor: format!("client{c}"),
                        node: format!("client{c}"),
                        kind: EventKind::Comment { text: format!("раунд {round}") },
                    };
                    api.store().append_events(&[e]).await.unwrap();
                    created += 1;
                }
            }
            (api, login, created)
        }));
    }
    // The writer: two transactions at a time, the one that began first committing last.
    let writer_login = db.enroll(Role::Operator, None, None).await.unwrap();
    let writer = writer_login.store().await.unwrap();
    let mut written = 0;
    for round in 0..6 {
        let mut txs = Vec::new();
        for k in 0..2 {
            let mut appeal = template.clone();
            appeal.id = AppealId(uuid::Uuid::now_v7());
            appeal.external_id = format!("writer-{round}-{k}");
            let registered = Event {
                id: EventId(uuid::Uuid::now_v7()),
                appeal_id: appeal.id,
                at: appeal.received_at,
                actor: "writer".into(),
                node: "writer".into(),
                kind: EventKind::Registered,
            };
            let mut tx = writer.pool().begin().await.unwrap();
            tsur_store_postgres::push_in(&mut tx, &[tsur_store_postgres::Registration { appeal: &appeal, author: None }], &[registered], &rules).await.unwrap();
            txs.push(tx);
            written += 1;
        }
        let first = txs.remove(0);
        txs.remove(0).commit().await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(150)).await;
        first.commit().await.unwrap();
    }
    writer.close().await;

    let mut clients = Vec::new();
    let mut created = 0;
    for t in tasks {
        let (api, login, n) = t.await.unwrap();
        created += n;
        clients.push((api, login));
    }
    for _ in 0..2 {
        for (api, login) in clients.iter_mut() {
            sync(api, login).await;
        }
    }
    sync(&mut seed_node, &seed_login).await;
    let mut nodes: Vec<&Api> = clients.iter().map(|(api, _)| api).collect();
    nodes.push(&seed_node);
    assert_converged(&db, &nodes).await;
    let writer_appeals: i64 = sqlx::query_scalar("SELECT count(*) FROM appeals WHERE external_id LIKE 'writer-%'").fetch_one(db.admin().pool()).await.unwrap();
    assert_eq!(writer_appeals, written);
    for (api, _) in &clients {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM appeals WHERE external_id LIKE 'writer-%'").fetch_one(api.store().pool()).await.unwrap();
        assert_eq!(n, written, "a late commit is never skipped by a client's cursor");
    }
    let comments: i64 = sqlx::query_scalar("SELECT count(*) FROM events WHERE payload->>'text' LIKE 'раунд %'").fetch_one(db.admin().pool()).await.unwrap();
    assert_eq!(comments as usize, created);
}

#[tokio::test]
async fn a_sync_cut_by_a_server_restart_completes_on_the_next() {
    let server = PrivateServer::start(&PrivateOptions { durable: true, ..PrivateOptions::default() }).unwrap();
    let db = TestDb::new_on(&server).await.unwrap();
    let login = db.enroll(Role::Curator, None, None).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut a = laptop(&dir, "a").await;
    a.seed_demo(DemoParams::year(6_000, 3), |_, _| {}).await.unwrap();
    let total = local_event_ids(&a).await.len() as i64;

    let central = login.store().await.unwrap();
    let mut api = a.clone();
    let running = tokio::spawn(async move {
        let result = api.sync_with(&central, &mut |_| {}).await;
        central.close().await;
        result
    });
    // Restart as soon as the first batch is in.
    loop {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM events").fetch_one(db.admin().pool()).await.unwrap_or(0);
        if n > 0 || running.is_finished() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    server.restart().unwrap();
    let first = running.await.unwrap();
    assert!(first.is_err() || first.as_ref().unwrap().pending == 0);
    if let Err(e) = &first {
        assert_eq!(e.code, tsur_api::ErrorCode::Offline, "{e}");
    }
    // The next sync finishes the work.
    let mut b = laptop(&dir, "b").await;
    sync(&mut a, &login).await;
    sync(&mut b, &login).await;
    assert_eq!(central_event_count(&db).await, total);
    assert_converged(&db, &[&a, &b]).await;
}

#[tokio::test]
async fn hostile_rows_from_the_server_are_refused_and_do_not_poison_the_store() {
    let db = TestDb::new().await.unwrap();
    let login = db.enroll(Role::Curator, None, None).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (mut a, mut b) = (laptop(&dir, "a").await, laptop(&dir, "b").await);
    a.seed_demo(DemoParams::year(60, 4), |_, _| {}).await.unwrap();
    sync(&mut a, &login).await;
    sync(&mut b, &login).await;
    let before = local_states(&b).await;
    let ids = appeal_ids(&a, 5).await;

    // A compromised server: rows written around every check (superuser, triggers off).
    let mut conn = db.admin().pool().acquire().await.unwrap();
    sqlx::query("SET session_replication_role = replica").execute(&mut *conn).await.unwrap();
    let evil = |appeal: AppealId, at: &str, kind: &str, payload: &str| {
        format!(
            "INSERT INTO events (id, appeal_id, at, kind, actor, node, payload) VALUES ('{}', '{}', {at}, '{kind}', 'x', 'evil', '{payload}'::jsonb)",
            uuid::Uuid::now_v7(),
            appeal.0
        )
    };
    let statements = [
        // A malformed UUID inside the event.
        evil(ids[0], "now()", "problem_linked", r#"{"type": "problem_linked", "problem": "не-uuid"}"#),
        // An impossible transition: a score of 9.
        evil(ids[1], "now()", "satisfaction", r#"{"type": "satisfaction", "score": 9}"#),
        // An event dated before the appeal was registered.
        evil(ids[2], "'2001-01-01T00:00:00Z'", "comment", r#"{"type": "comment", "text": "из прошлого"}"#),
        // The state of an appeal that does not exist.
        format!(
            "INSERT INTO appeal_state (appeal_id, status, channel, municipality_id, received_at, last_event_at, event_count) \
             VALUES ('{}', 'registered', 'pos', 'astrakhan', now(), now(), 1)",
            uuid::Uuid::now_v7()
        ),
        format!("UPDATE appeal_state SET status = status WHERE appeal_id IN ('{}', '{}', '{}')", ids[0].0, ids[1].0, ids[2].0),
    ];
    for s in &statements {
        sqlx::query(s).execute(&mut *conn).await.unwrap();
    }
    drop(conn);

    let report = sync(&mut b, &login).await;
    assert_eq!(report.rejected, 4, "{report:?}");
    assert_eq!(local_states(&b).await, before, "nothing of the hostile rows reached the store");
    let reasons: Vec<String> = b.sync_rejections(10).await.unwrap().into_iter().map(|r| r.reason).collect();
    let all = reasons.join("\n");
    assert!(all.contains("не читается"), "{all}");
    assert!(all.contains("оценка удовлетворённости"), "{all}");
    assert_eq!(all.matches("невозможная история").count(), 2, "{all}");
    assert!(all.contains("обращение неизвестно"), "{all}");

    // The store still syncs: the next sync pulls nothing bad again, and real work flows.
    assert_eq!(sync(&mut b, &login).await.rejected, 0);
    let edits = offline_edits(&a, "a", 2, &ids[3..]).await;
    assert!(!edits.is_empty());
    sync(&mut a, &login).await;
    let report = sync(&mut b, &login).await;
    assert_eq!(report.pulled_events as usize, edits.len());
}

#[tokio::test]
async fn a_block_head_pulls_only_their_block_and_no_personal_data() {
    let db = TestDb::new().await.unwrap();
    let curator = db.enroll(Role::Curator, None, None).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut a = laptop(&dir, "a").await;
    a.seed_demo(DemoParams::year(300, 8), |_, _| {}).await.unwrap();
    sync(&mut a, &curator).await;
    let block: String = sqlx::query_scalar("SELECT block_id FROM appeal_state WHERE block_id IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
        .fetch_one(a.store().pool())
        .await
        .unwrap();
    let in_block: i64 = sqlx::query_scalar("SELECT count(*) FROM appeal_state WHERE block_id = ?").bind(&block).fetch_one(a.store().pool()).await.unwrap();

    let head = db.enroll(Role::BlockHead, Some(&[block.as_str()]), None).await.unwrap();
    let mut h = laptop(&dir, "head").await;
    let report = sync(&mut h, &head).await;
    assert_eq!(report.pulled_appeals as i64, in_block);
    let other: i64 = sqlx::query_scalar("SELECT count(*) FROM appeal_state WHERE block_id IS NOT ?").bind(&block).fetch_one(h.store().pool()).await.unwrap();
    assert_eq!(other, 0);
    let authors: i64 = sqlx::query_scalar("SELECT count(*) FROM appeal_authors").fetch_one(h.store().pool()).await.unwrap();
    assert_eq!(authors, 0, "a block head's laptop never receives personal data");

    let operator = db.enroll(Role::Operator, None, None).await.unwrap();
    let mut o = laptop(&dir, "operator").await;
    sync(&mut o, &operator).await;
    let a_authors: i64 = sqlx::query_scalar("SELECT count(*) FROM appeal_authors").fetch_one(a.store().pool()).await.unwrap();
    let o_authors: i64 = sqlx::query_scalar("SELECT count(*) FROM appeal_authors").fetch_one(o.store().pool()).await.unwrap();
    assert!(a_authors > 0);
    assert_eq!(o_authors, a_authors);

    // The wall does not sync appeals at all.
    let wall = db.enroll(Role::Wall, None, None).await.unwrap();
    let mut w = laptop(&dir, "wall").await;
    let central = wall.store().await.unwrap();
    assert!(w.sync_with(&central, &mut |_| {}).await.is_err());
}

#[tokio::test]
async fn reference_books_published_centrally_reach_every_node() {
    let db = TestDb::new().await.unwrap();
    let operator = db.enroll(Role::Operator, None, None).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut a = laptop(&dir, "a").await;
    let files: Vec<(String, String)> = a.reference().texts.files().iter().map(|(n, t)| (n.to_string(), t.to_string())).collect();
    let central = operator.store().await.unwrap();
    assert_eq!(central.publish_reference(&files).await.unwrap().len(), files.len());
    assert!(central.publish_reference(&files).await.unwrap().is_empty(), "an unchanged book is not a new version");
    // The operator renames a topic.
    let (name, topics) = files.iter().find(|(n, _)| n.ends_with("topics.csv")).unwrap().clone();
    let first = a.reference().topics[0].name_ru.clone();
    let renamed = topics.replacen(&first, "Переименованная тема", 1);
    assert_eq!(central.publish_reference(&[(name, renamed)]).await.unwrap().len(), 1);
    central.close().await;
    let report = sync(&mut a, &operator).await;
    assert!(report.reference_updated);
    assert_eq!(a.reference().topics[0].name_ru, "Переименованная тема");
    assert!(!sync(&mut a, &operator).await.reference_updated, "pulled once");
}

#[tokio::test]
async fn tls_to_the_server_is_verified() {
    let dir = tempfile::tempdir().unwrap();
    // A test CA, a server certificate it signs (for "localhost"), and an unrelated CA.
    let openssl = |args: &[&str]| {
        let status =
            std::process::Command::new("openssl").args(args).current_dir(dir.path()).stderr(std::process::Stdio::null()).status().expect("openssl runs");
        assert!(status.success(), "openssl {args:?}");
    };
    for ca in ["ca", "other"] {
        openssl(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            &format!("/CN=tsur test {ca}"),
            "-keyout",
            &format!("{ca}.key"),
            "-out",
            &format!("{ca}.crt"),
        ]);
    }
    openssl(&["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", "server.key", "-out", "server.csr"]);
    std::fs::write(dir.path().join("server.ext"), "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n").unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "server.ext",
        "-out",
        "server.crt",
    ]);
    let server_cert = (dir.path().join("server.crt"), dir.path().join("server.key"));
    let (ca, other_ca) = (dir.path().join("ca.crt"), dir.path().join("other.crt"));
    let server = PrivateServer::start(&PrivateOptions {
        tcp: true,
        tls: Some(server_cert.clone()),
        hba: vec!["hostssl all all 127.0.0.1/32 trust".into(), "hostnossl all all 127.0.0.1/32 reject".into()],
        durable: false,
    })
    .unwrap();
    let db = TestDb::new_on(&server).await.unwrap();
    let login = db.enroll(Role::Curator, None, None).await.unwrap();
    let api = laptop(&dir, "a").await;
    let url = |mode: &str, ca: &std::path::Path| format!("postgres://localhost:{}/{}?sslmode={mode}&sslrootcert={}", server.port(), db.name(), ca.display());

    let ok = api.login(&url("verify-full", &ca), &login.name, None).await.unwrap();
    assert_eq!(ok.role, "curator");
    let wrong = api.login(&url("verify-full", &other_ca), &login.name, None).await.unwrap_err();
    assert_eq!(wrong.code, tsur_api::ErrorCode::Offline, "{wrong}");
    let plain = api.login(&format!("postgres://localhost:{}/{}?sslmode=disable", server.port(), db.name()), &login.name, None).await.unwrap_err();
    assert!(plain.message.contains("pg_hba") || plain.message.contains("reject"), "{plain}");
    // A password inside the URL is refused before any connection.
    let leaked = api.login(&format!("postgres://u:secret@localhost:{}/x", server.port()), "u", None).await.unwrap_err();
    assert_eq!(leaked.code, tsur_api::ErrorCode::InvalidInput);
}

#[tokio::test]
async fn a_node_without_a_central_database_counts_nothing_it_would_send() {
    // Every event of a node that never synced waits; without a central database nothing is
    // sent, so the status (asked every 30 s by the window) does not read them.
    let dir = tempfile::tempdir().unwrap();
    let api = laptop(&dir, "alone").await;
    api.seed_demo(DemoParams::year(300, 3), |_, _| {}).await.unwrap();
    let status = api.sync_status().await.unwrap();
    assert!(!status.configured);
    assert_eq!((status.pending, status.pending_more), (0, false));
}
