//! The `tsur` binary as a user runs it: output shapes, exit codes, one-line errors.

use std::process::Command;

fn tsur(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_tsur")).args(args).env_remove("TSUR_DB").output().expect("tsur runs")
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
    ];
    for (args, start) in cases {
        let out = tsur(&args);
        assert!(!out.status.success(), "{args:?}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(stderr.starts_with(start), "{args:?}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}: {stderr}");
    }
}
