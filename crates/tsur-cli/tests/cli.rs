//! The `tsur` binary as a user runs it: output shapes, exit codes, one-line errors.

use std::process::Command;

fn tsur(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_tsur")).args(args).env_remove("TSUR_DB").output().expect("tsur runs")
}

/// `tsur --db DB ARGS` fails, saying `want` first, on one line.
fn fails_with_one_line(db: &str, args: &[&str], want: &str) {
    let mut all = vec!["--db", db];
    all.extend_from_slice(args);
    let out = tsur(&all);
    assert!(!out.status.success(), "{args:?}");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.starts_with(want), "{args:?}: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}: {stderr}");
}

#[test]
fn demo_then_stats_json_has_the_documented_shape() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let db = db.to_str().unwrap();
    let out = tsur(&["--db", db, "demo", "--appeals", "2500", "--seed", "3", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["appeals"], 2500);

    let out = tsur(&["--db", db, "stats", "--json"]);
    assert!(out.status.success());
    let stats: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(stats["total"], 2500);
    assert!(stats["period"].is_null());
    for (list, len) in [("by_municipality", 13), ("by_channel", 5), ("by_status", 10)] {
        let items = stats[list].as_array().unwrap();
        assert_eq!(items.len(), len, "{list}");
        assert_eq!(items.iter().map(|i| i["count"].as_u64().unwrap()).sum::<u64>(), 2500, "{list}");
        assert!(items.iter().all(|i| i["key"].is_string() && i["label_ru"].is_string()));
    }
}

#[test]
fn errors_are_one_line_and_a_failure_exit() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.db");
    std::fs::write(&bad, "не база").unwrap();
    let ok = dir.path().join("ok.db");
    let ok = ok.to_str().unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--db", bad.to_str().unwrap(), "stats"], "ошибка: файл"),
        (vec!["--db", ok, "stats", "--from", "2026-02-30", "--to", "2026-03-01"], "ошибка: начало периода"),
        (vec!["--db", ok, "deadline", "--regime", "pos", "--received", "вчера"], "ошибка: received:"),
        (vec!["--db", ok, "deadline", "--regime", "telegraph", "--received", "2026-03-02T10:00:00+04:00"], "ошибка: regime:"),
        (vec!["--db", ok, "deadline", "--regime", "pos", "--received", "2026-03-02T10:00:00"], "ошибка: received:"),
        (vec!["--db", ok, "deadline", "--regime", "pos", "--received", "2099-03-02T10:00:00+04:00"], "ошибка: received:"),
        (vec!["--db", ok, "deadline", "--regime", "59fz", "--received", "2026-03-02T10:00:00+04:00", "--extended-days", "31"], "ошибка: extended_days:"),
        (vec!["--db", ok, "overdue", "--block", "potholes"], "ошибка: block:"),
        (vec!["central", "migrate", "--url", "nonsense"], "ошибка: неверный адрес центральной базы"),
    ];
    for (args, start) in cases {
        let out = tsur(&args);
        assert!(!out.status.success(), "{args:?}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(stderr.starts_with(start), "{args:?}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}: {stderr}");
    }
}

#[test]
fn deadline_explains_and_overdue_lists() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let db = db.to_str().unwrap();
    // 59-ФЗ received Wed 8 Apr 2026: registration by Sat 11 → Mon 13 Apr; the answer 30 days
    // from registration (9 Apr) = 9 May, a holiday, then 10 May Sun, 11 May transferred → 12 May.
    let out = tsur(&["--db", db, "deadline", "--regime", "59fz", "--received", "2026-04-08T10:00:00+04:00", "--registered", "2026-04-09T10:00:00+04:00"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("ответ по существу: до 2026-05-12T18:00:00+04:00"), "{text}");
    assert!(text.contains("не считается 2026-05-09: нерабочий праздничный день: День Победы"), "{text}");

    let out = tsur(&["--db", db, "deadline", "--regime", "pos", "--received", "2026-03-02T10:00:00+04:00", "--fast-track", "ft-no-water", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stages: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(stages[0]["stage"], "answer");
    assert_eq!(stages[0]["due"], "2026-03-04T18:00:00+04:00");

    let out = tsur(&["--db", db, "demo", "--appeals", "2500", "--seed", "5", "--json"]);
    assert!(out.status.success());
    let out = tsur(&["--db", db, "overdue", "--at", "2026-11-01T00:00:00+04:00", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let n = |k: &str| report[k].as_u64().unwrap();
    assert_eq!(n("open"), n("on_time") + n("at_risk") + n("overdue"));
    assert_eq!(report["items"].as_array().unwrap().len() as u64, n("at_risk") + n("overdue"));
    let out = tsur(&["--db", db, "fast-tracks"]);
    assert!(String::from_utf8(out.stdout).unwrap().contains("ft-no-water — Отключение холодной воды: 2 рабочих дн. → Минстрой ЖКХ"));
}

/// A kill in the middle of an import leaves whole batches only; the rerun completes the
/// file without duplicates.
#[test]
fn an_import_killed_midway_completes_on_rerun() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let db = db.to_str().unwrap();
    let csv = dir.path().join("big.csv");
    let places = ["г. Астрахань, ул. Савушкина", "г. Камызяк", "г. Ахтубинск", "в Нариманове", "пгт Верхний Баскунчак", "г. Знаменск"];
    let mut text = String::from("id;received_at;text;address;status\n");
    let rows = 60_000;
    for i in 0..rows {
        let day = 1 + i % 28;
        text.push_str(&format!("r-{i};{day:02}.03.2026 10:{:02};Обращение номер {i}: не вывозят мусор;{};Новое\n", i % 60, places[i % places.len()]));
    }
    std::fs::write(&csv, text).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tsur")).args(["--db", db, "import", csv.to_str().unwrap()]).env_remove("TSUR_DB").spawn().unwrap();
    // Kill it once the first batches are in (or let it be, if it was quicker than us).
    let started = std::time::Instant::now();
    loop {
        let out = tsur(&["--db", db, "stats", "--json"]);
        let total = serde_json::from_slice::<serde_json::Value>(&out.stdout).ok().and_then(|v| v["total"].as_u64()).unwrap_or(0);
        if total > 0 || started.elapsed() > std::time::Duration::from_secs(60) || child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    let out = tsur(&["--db", db, "import", csv.to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["rows_read"], rows as u64);
    assert_eq!(s["quarantined"], 0);
    assert_eq!(s["accepted"].as_u64().unwrap() + s["duplicate"].as_u64().unwrap(), rows as u64, "{s}");
    eprintln!("after the kill: {} already in, {} imported by the rerun", s["duplicate"], s["accepted"]);
    let out = tsur(&["--db", db, "stats", "--json"]);
    let stats: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(stats["total"], rows as u64, "every row once");
    // The file is a bulk load for an empty store: the projection's indexes, dropped for it,
    // are all back, whether the kill came before the first import restored them or not.
    let indexes = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{db}")).await.unwrap();
        let names: Vec<String> =
            sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'appeal_state_%'").fetch_all(&pool).await.unwrap();
        let kept: i64 = sqlx::query_scalar("SELECT count(*) FROM sync_meta WHERE key LIKE 'deferred_index:%'").fetch_one(&pool).await.unwrap();
        (names, kept)
    });
    // Six since migration 0014 (no index of the fast-track).
    assert!(indexes.0.len() >= 6 && indexes.1 == 0, "{indexes:?}");
}

#[test]
fn analytics_commands_print_what_they_promise() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let db = db.to_str().unwrap();
    assert!(tsur(&["--db", db, "demo", "--appeals", "6000", "--seed", "5"]).status.success());
    let json = |args: &[&str]| -> serde_json::Value {
        let mut all = vec!["--db", db];
        all.extend_from_slice(args);
        let out = tsur(&all);
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}"))
    };
    let kpi = json(&["kpi", "--period", "2025-11-01..2026-10-31", "--json"]);
    assert_eq!(kpi["kpis"]["appeals"], 6000);
    assert_eq!(kpi["from"], "2025-11-01");
    assert!(kpi["kpis"]["on_time"]["lo"].as_f64().unwrap() <= kpi["kpis"]["on_time"]["value"].as_f64().unwrap());
    let by_block = json(&["kpi", "--period", "2026", "--block", "roads,transport", "--json"]);
    assert!(by_block["kpis"]["appeals"].as_u64().unwrap() < 6000);
    let rating = json(&["rating", "--of", "municipalities", "--period", "2025-11-01..2026-10-31", "--json"]);
    assert_eq!(rating["entities"].as_array().unwrap().len(), 13);
    let explained = json(&["rating", "--of", "agencies", "--period", "2025-11-01..2026-10-31", "--explain", "minzdrav", "--json"]);
    assert_eq!(explained["id"], "minzdrav");
    assert_eq!(explained["components"].as_array().unwrap().len(), 8);
    let register = json(&["problems", "--period", "2025-11-01..2026-10-31", "--top", "3", "--json"]);
    assert!(register.as_array().unwrap().len() <= 3);
    let screen = json(&["screen", "--period", "2025-11-01..2026-10-31"]);
    assert_eq!(screen["areas"].as_array().unwrap().len(), 13);
    let hot = json(&["hotspots", "--period", "2025-11-01..2026-10-31", "--geojson"]);
    assert_eq!(hot["type"], "FeatureCollection");
    let effect = json(&["effect", "--fast-track", "ft-no-water", "--json"]);
    assert_eq!(effect["estimates"].as_array().unwrap().len(), 3);
    let roadmaps = json(&["roadmaps", "--json"]);
    assert!(!roadmaps.as_array().unwrap().is_empty());
    let eval = json(&["alerts", "--eval", "--json"]);
    assert!(eval["incidents"].as_u64().unwrap() > 0);
    let found = json(&["search", "нет воды", "--limit", "3", "--json"]);
    assert_eq!(found["stems"], serde_json::json!(["нет", "вод"]));
    assert!(found["total"].as_u64().unwrap() > 3 && found["appeals"].as_array().unwrap().len() == 3, "{found}");
    let out = tsur(&["--db", db, "search", "нет воды"]);
    assert!(String::from_utf8(out.stdout).unwrap().contains("найдено"));
    // Human output is Russian; bad input is one line and a failure exit.
    let out = tsur(&["--db", db, "rating", "--of", "agencies", "--period", "2025-11-01..2026-10-31"]);
    assert!(String::from_utf8(out.stdout).unwrap().contains("место"));
    for (args, want) in [
        (vec!["kpi", "--period", "2026-13"], "ошибка: период «2026-13» не распознан"),
        (vec!["kpi", "--municipality", "atlantis"], "ошибка: муниципалитета «atlantis» нет в справочниках"),
        (vec!["effect", "--roadmap", "nope"], "ошибка: дорожной карты «nope» нет в справочнике"),
        (vec!["hotspots", "--resolution", "12"], "ошибка: разрешение 12"),
        (vec!["search", "!?"], "ошибка: введите слова для поиска"),
    ] {
        fails_with_one_line(db, &args, want);
    }
}

#[test]
fn chart_writes_the_windows_svg_for_reports() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let db = db.to_str().unwrap();
    assert!(tsur(&["--db", db, "demo", "--appeals", "3000", "--seed", "5"]).status.success());
    let file = |name: &str| dir.path().join(name).to_str().unwrap().to_owned();
    // (arguments, file, SVG's start, what the SVG says, what stdout says)
    type Case<'a> = (Vec<&'a str>, &'a str, &'a str, Vec<&'a str>, &'a str);
    let (timeline, replies, empty) = (file("timeline.svg"), file("replies.svg"), file("empty.svg"));
    let cases: Vec<Case> = vec![
        (
            vec!["chart", "timeline", "--period", "2025-11-01..2026-10-31", "--out", &timeline],
            &timeline,
            "<svg width=\"840\" height=\"420\"",
            vec!["Обращения по неделям", "01.11.2025–31.10.2026 · всего 3\u{a0}000", "#FFFFFF"],
            "обращений 3000",
        ),
        (
            vec!["chart", "replies", "--period", "2026-Q1", "--block", "roads", "--dark", "--width", "420", "--height", "240", "--out", &replies],
            &replies,
            "<svg width=\"420\" height=\"240\"",
            vec!["Сроки ответов", "срок", "#111A2E"],
            "ответов в срок",
        ),
        (vec!["chart", "replies", "--period", "2020-01", "--out", &empty], &empty, "<svg", vec!["нет данных"], "ответов в срок 0"),
    ];
    for (args, path, start, says, stdout) in cases {
        let mut all = vec!["--db", db];
        all.extend_from_slice(&args);
        let out = tsur(&all);
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8(out.stdout).unwrap().contains(stdout), "{args:?}");
        let svg = std::fs::read_to_string(path).unwrap();
        assert!(svg.starts_with(start), "{args:?}: {}", &svg[..60]);
        for s in says {
            assert!(svg.contains(s), "{args:?}: no «{s}»");
        }
    }
    for (args, want) in [
        (vec!["chart", "timeline", "--out", "/nonexistent/dir/x.svg"], "ошибка: не записан файл /nonexistent/dir/x.svg"),
        (vec!["chart", "replies", "--period", "вчера", "--out", &empty], "ошибка: период «вчера» не распознан"),
    ] {
        fails_with_one_line(db, &args, want);
    }
}
