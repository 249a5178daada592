//! `tsur login` and `tsur sync` as a person runs them, against a real PostgreSQL: a sync
//! killed (SIGKILL) in the middle of its push and of its pull resumes with nothing lost and
//! nothing twice; the password lives in the OS keyring and nowhere else.

use sqlx::Row;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use tsur_core::Role;
use tsur_store_postgres::testing::{PrivateOptions, PrivateServer, TestDb};
use tsur_store_postgres::UserGrant;

fn tsur(db: &Path, args: &[&str]) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_tsur")).arg("--db").arg(db).args(args).env_remove("TSUR_DB").output().expect("tsur runs");
    assert!(output.status.success(), "tsur {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    output
}

async fn local(db: &Path, sql: &str) -> i64 {
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(db).read_only(true);
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    let n = sqlx::query(sql).fetch_one(&pool).await.map(|r| r.get::<i64, _>(0)).unwrap_or(0);
    pool.close().await;
    n
}

/// The projection in a comparable form: every appeal's id, status and event count.
async fn local_digest(db: &Path) -> Vec<(String, String, i64)> {
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(db).read_only(true);
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    let rows = sqlx::query("SELECT lower(hex(appeal_id)), status, event_count FROM appeal_state ORDER BY 1").fetch_all(&pool).await.unwrap();
    pool.close().await;
    rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect()
}

async fn central_digest(db: &TestDb) -> Vec<(String, String, i64)> {
    let rows = sqlx::query("SELECT replace(appeal_id::text, '-', ''), status, event_count::int8 FROM appeal_state ORDER BY 1")
        .fetch_all(db.admin().pool())
        .await
        .unwrap();
    rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect()
}

/// Starts `tsur sync` and kills it with SIGKILL as soon as `started` says the work has
/// begun; returns whether it was killed before it finished.
async fn kill_when(db: &Path, mut started: impl AsyncFnMut() -> bool) -> bool {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tsur"))
        .arg("--db")
        .arg(db)
        .args(["sync", "--json"])
        .env_remove("TSUR_DB")
        // Small pages, so that the pull commits many times and can be cut between.
        .env("TSUR_SYNC_PULL_PAGE", "400")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(300);
    while Instant::now() < deadline {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        if started().await {
            child.kill().unwrap(); // SIGKILL
            child.wait().unwrap();
            return true;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("tsur sync neither started nor finished in 5 minutes");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sync_killed_mid_push_and_mid_pull_resumes_with_nothing_lost_or_doubled() {
    let db = TestDb::new().await.unwrap();
    let login = db.enroll(Role::Curator, None, None).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.db"), dir.path().join("b.db"));
    tsur(&a, &["demo", "--appeals", "12000", "--seed", "3"]);
    let total = local(&a, "SELECT count(*) FROM events").await;
    for store in [&a, &b] {
        tsur(store, &["login", "--central", &login.url(), "--user", &login.name, "--no-password"]);
    }

    // Killed after the first batch reached the server.
    let admin = db.admin().pool().clone();
    let killed = kill_when(&a, async || sqlx::query_scalar::<_, i64>("SELECT count(*) FROM events").fetch_one(&admin).await.unwrap_or(0) > 0).await;
    let after_kill: i64 = sqlx::query_scalar("SELECT count(*) FROM events").fetch_one(&admin).await.unwrap();
    assert!(killed && after_kill < total, "killed mid-push: {after_kill} of {total} events on the server");
    let report: serde_json::Value = serde_json::from_slice(&tsur(&a, &["sync", "--json"]).stdout).unwrap();
    assert_eq!(report["pending"], 0);
    let central_events: i64 = sqlx::query_scalar("SELECT count(*) FROM events").fetch_one(&admin).await.unwrap();
    assert_eq!(central_events, total, "every event once");

    // Killed after the first page reached the new laptop.
    let appeals = local(&a, "SELECT count(*) FROM appeals").await;
    let killed = kill_when(&b, async || local(&b, "SELECT count(*) FROM appeals").await > 0).await;
    let after_kill = local(&b, "SELECT count(*) FROM appeals").await;
    assert!(killed && after_kill < appeals, "killed mid-pull: {after_kill} of {appeals} appeals on the laptop");
    tsur(&b, &["sync"]);
    assert_eq!(local(&b, "SELECT count(*) FROM events").await, total);
    let central = central_digest(&db).await;
    assert_eq!(local_digest(&a).await, central);
    assert_eq!(local_digest(&b).await, central);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_password_lives_in_the_os_keyring_and_nowhere_else() {
    for tool in ["dbus-run-session", "gnome-keyring-daemon"] {
        let found = Command::new("sh").args(["-c", &format!("command -v {tool}")]).stdout(Stdio::null()).status().unwrap().success();
        assert!(found, "{tool} is missing: scripts/install-system-deps.sh installs dbus-x11 (dbus-run-session) and gnome-keyring");
    }
    let server =
        PrivateServer::start(&PrivateOptions { tcp: true, hba: vec!["host all all 127.0.0.1/32 scram-sha-256".into()], ..PrivateOptions::default() }).unwrap();
    let db = TestDb::new_on(&server).await.unwrap();
    let name = format!("{}_sekretar", db.name());
    let password = format!("Пароль-{}", uuid::Uuid::now_v7().simple());
    sqlx::query(&format!("CREATE ROLE \"{name}\" LOGIN PASSWORD '{password}'")).execute(db.admin().pool()).await.unwrap();
    let grant = UserGrant { login: name.clone(), role: Role::Operator, blocks: None, municipalities: None, note: "test".into() };
    db.admin().grant_access(&grant).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("laptop.db");
    tsur(&store, &["demo", "--appeals", "200", "--seed", "2"]);
    let url = format!("postgres://127.0.0.1:{}/{}", server.port(), db.name());

    // A session bus and an unlocked keyring of its own, as a desktop session has.
    let script = r#"
        set -e
        printf 'keyring' | gnome-keyring-daemon --unlock --components=secrets >/dev/null
        printf '%s\n' "$PW" | "$TSUR" --db "$DB" login --central "$URL" --user "$LOGIN" --password-stdin
        "$TSUR" --db "$DB" sync --json
    "#;
    let output = Command::new("dbus-run-session")
        .args(["--", "sh", "-c", script])
        .env("TSUR", env!("CARGO_BIN_EXE_tsur"))
        .env("DB", &store)
        .env("URL", &url)
        .env("LOGIN", &name)
        .env("PW", &password)
        .env_remove("TSUR_DB")
        .env("HOME", dir.path())
        .env("XDG_DATA_HOME", dir.path().join("data"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "login and sync: {stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("пароль сохранён в хранилище паролей ОС"), "{stdout}");
    let json = &stdout[stdout.find('{').unwrap()..];
    let report: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(report["pushed_appeals"], 200, "the sync connected with the password from the keyring");

    // Not in the store, nor anywhere in the laptop's files.
    for entry in std::fs::read_dir(dir.path()).unwrap().flatten().filter(|e| e.path().is_file()) {
        let bytes = std::fs::read(entry.path()).unwrap();
        assert!(!bytes.windows(password.len()).any(|w| w == password.as_bytes()), "the password is in {}", entry.path().display());
    }
    // Without the keyring the server refuses: the password really was needed.
    let refused = Command::new(env!("CARGO_BIN_EXE_tsur")).arg("--db").arg(&store).arg("sync").env_remove("TSUR_DB").output().unwrap();
    assert!(!refused.status.success());
}
