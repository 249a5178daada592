//! The API against a real store file: bundled reference books, demo fill, totals.

use tsur_api::{Api, DemoParams, ErrorCode, Period, Scope};

#[test]
fn bundled_reference_books_are_whole_and_agree() {
    let data = tsur_core::reference::ReferenceData::parse(tsur_api::bundled_reference()).expect("bundled books parse and agree");
    assert_eq!(data.municipalities.len(), 13);
    assert_eq!(data.population(), 960_142, "2021 census total of the oblast");
    assert_eq!(data.blocks.len(), 9);
    assert!((60..=120).contains(&data.topics.len()), "{} topics", data.topics.len());
    for s in &data.settlements {
        assert!(data.boundaries.point_in_municipality(&s.municipality_id, s.point()), "{} outside {}", s.name_ru, s.municipality_id);
    }
    assert!(data.integrity_problems().is_empty());
}

#[tokio::test]
async fn demo_fill_then_totals_add_up() {
    let dir = tempfile::tempdir().unwrap();
    let api = Api::open(&dir.path().join("tsur.db")).await.unwrap();
    let summary = api.seed_demo(DemoParams::year(4_000, 42), |_, _| {}).await.unwrap();
    assert_eq!(summary.appeals, 4_000);
    assert!(summary.events > 4 * 4_000, "full histories: {} events", summary.events);
    let stats = api.stats(None, &Scope::local_curator()).await.unwrap();
    assert_eq!(stats.total, 4_000);
    for list in [&stats.by_municipality, &stats.by_block, &stats.by_channel, &stats.by_status] {
        assert_eq!(list.iter().map(|c| c.count).sum::<u32>(), stats.total);
    }
    assert_eq!(stats.by_municipality.len(), 13);
    let overview = api.overview(None, &Scope::local_curator()).await.unwrap();
    assert_eq!(overview.period, Period { from: "2025-11-01".into(), to: "2026-10-31".into() });
    assert_eq!(overview.stats.total, 4_000);
    let city = overview.municipalities.iter().find(|m| m.id == "astrakhan").unwrap();
    assert!((city.per_1000 - f64::from(city.appeals) * 1000.0 / 475_629.0).abs() < 1e-9);

    // A second fill is refused: demo data never mix with other data.
    let err = api.seed_demo(DemoParams::year(10, 1), |_, _| {}).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    assert_eq!(api.store().appeal_count().await.unwrap(), 4_000);
}

#[tokio::test]
async fn a_period_narrows_totals_and_bad_dates_are_clear() {
    let dir = tempfile::tempdir().unwrap();
    let api = Api::open(&dir.path().join("tsur.db")).await.unwrap();
    api.seed_demo(DemoParams::year(3_000, 5), |_, _| {}).await.unwrap();
    let january = Period { from: "2026-01-01".into(), to: "2026-01-31".into() };
    let jan = api.stats(Some(&january), &Scope::local_curator()).await.unwrap();
    assert!(jan.total > 100 && jan.total < 600, "{} in January", jan.total);
    let bad = Period { from: "2026-13-01".into(), to: "2026-01-31".into() };
    let err = api.stats(Some(&bad), &Scope::local_curator()).await.unwrap_err();
    assert_eq!((err.code, err.message.as_str()), (ErrorCode::InvalidInput, "начало периода: «2026-13-01» — не дата в виде ГГГГ-ММ-ДД"));
    let reversed = Period { from: "2026-02-01".into(), to: "2026-01-31".into() };
    assert_eq!(api.stats(Some(&reversed), &Scope::local_curator()).await.unwrap_err().code, ErrorCode::InvalidInput);
}

#[tokio::test]
async fn edited_reference_books_are_checked_before_they_replace_the_old() {
    let dir = tempfile::tempdir().unwrap();
    let mut api = Api::open(&dir.path().join("tsur.db")).await.unwrap();
    let books = dir.path().join("books");
    assert_eq!(api.reference_export(&books).unwrap(), 10);
    // A topic pointing at a block that does not exist is refused, and nothing changes.
    let topics = books.join("catalog/topics.csv");
    let mut text = std::fs::read_to_string(&topics).unwrap();
    text.push_str("new_topic,no_such_block,Новая тема,2,flat,municipal,1.0\n");
    std::fs::write(&topics, &text).unwrap();
    let err = api.reference_import(&books).await.unwrap_err();
    assert!(err.message.contains("тема «new_topic»: неизвестный блок «no_such_block»"), "{}", err.message);
    // A valid edit is taken and survives reopening.
    std::fs::write(&topics, text.replace("no_such_block", "roads")).unwrap();
    api.reference_import(&books).await.unwrap();
    drop(api);
    let reopened = Api::open(&dir.path().join("tsur.db")).await.unwrap();
    assert!(reopened.reference().topics.iter().any(|t| t.id.as_str() == "new_topic"));
}

#[tokio::test]
async fn a_non_tsur_file_is_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.db");
    std::fs::write(&path, "это не база данных, а текстовый файл, который случайно назвали .db").unwrap();
    let err = Api::open(&path).await.err().unwrap();
    assert_eq!(err.code, ErrorCode::StoreUnavailable);
    assert!(err.message.contains("повреждён или не является базой SQLite"), "{}", err.message);
}

#[tokio::test]
async fn deadlines_name_the_bad_field() {
    let dir = tempfile::tempdir().unwrap();
    let api = Api::open(&dir.path().join("tsur.db")).await.unwrap();
    let now = chrono::DateTime::parse_from_rfc3339("2026-11-29T12:00:00+04:00").unwrap().with_timezone(&chrono::Utc);
    let ok = api.deadlines("59fz", "2026-04-08T10:00:00+04:00", None, 30, now).unwrap();
    let answer = ok.iter().find(|d| d.stage == "answer").unwrap();
    assert_eq!(answer.due, "2026-06-08T18:00:00+04:00", "8 Apr + 60 days = Mon 8 Jun");
    let cases = [
        ("telegraph", "2026-04-08T10:00:00+04:00", 0, "regime:"),
        ("pos", "2026-04-08 10:00", 0, "received:"),
        ("pos", "2026-12-29T10:00:00+04:00", 0, "received:"),
        ("fz59", "2026-04-08T10:00:00+04:00", 45, "extended_days:"),
        ("hotline", "2026-04-08T10:00:00+04:00", 3, "extended_days:"),
    ];
    for (regime, received, extension, field) in cases {
        let err = api.deadlines(regime, received, None, extension, now).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidInput);
        assert!(err.message.starts_with(field), "{regime} {received} +{extension}: {}", err.message);
    }
}

#[tokio::test]
async fn the_projection_keeps_deadlines_and_an_extension_moves_them() {
    let dir = tempfile::tempdir().unwrap();
    let api = Api::open(&dir.path().join("tsur.db")).await.unwrap();
    api.seed_demo(DemoParams::year(3_000, 9), |_, _| {}).await.unwrap();
    let as_of = chrono::DateTime::parse_from_rfc3339("2026-11-01T00:00:00+04:00").unwrap().with_timezone(&chrono::Utc);
    let report = api.overdue(None, None, None, &Scope::local_curator(), as_of).await.unwrap();
    assert!(report.overdue > 0, "a year of demo data has overdue appeals at its end");
    assert_eq!(report.items.iter().filter(|i| i.status == "overdue").count() as u32, report.overdue);

    // Extend a pending 59-ФЗ answer by 30 days: its deadline moves by about 30 days.
    let far = as_of + chrono::Duration::days(400);
    let filter = tsur_store_sqlite::StatsFilter { from: None, until: None, scope: Scope::local_curator() };
    let pending = api.store().pending_due_before(&filter, far).await.unwrap();
    let target = pending.iter().find(|p| p.channel == "fz59" && p.stage == "answer").expect("an open written appeal");
    let state = api.store().state(target.appeal_id, &Scope::local_curator()).await.unwrap().unwrap();
    assert_eq!(state.extension_days, 0);
    let extension = tsur_core::Event {
        id: tsur_core::EventId(uuid::Uuid::now_v7()),
        appeal_id: target.appeal_id,
        at: state.last_event_at + chrono::Duration::minutes(5),
        actor: "test".into(),
        node: "test".into(),
        kind: tsur_core::EventKind::DeadlineExtended { days: 30, reason: "проверка на месте".into() },
    };
    api.store().append_events(&[extension]).await.unwrap();
    let after = api.store().pending_due_before(&filter, far).await.unwrap();
    let moved = after.iter().find(|p| p.appeal_id == target.appeal_id).unwrap();
    let shift = moved.due - target.due;
    assert!(shift >= chrono::Duration::days(28) && shift <= chrono::Duration::days(33), "moved by {shift}");
}
