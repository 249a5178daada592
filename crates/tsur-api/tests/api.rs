//! The API against a real store file: bundled reference books, demo fill, totals.

use tsur_api::{Api, DeadlineQuery, DemoParams, ErrorCode, Period, Scope};

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
    assert_eq!(api.reference_export(&books).unwrap(), 17);
    // A topic pointing at a block that does not exist is refused, and nothing changes.
    let topics = books.join("catalog/topics.csv");
    let mut text = std::fs::read_to_string(&topics).unwrap();
    text.push_str("new_topic,no_such_block,Новая тема,2,flat,municipal,1.0\n");
    std::fs::write(&topics, &text).unwrap();
    let err = api.reference_import(&books).await.unwrap_err();
    assert!(err.message.contains("тема «new_topic»: неизвестный блок «no_such_block»"), "{}", err.message);
    // The analytics' books are checked too: weights and roadmaps.
    std::fs::write(&topics, text.replace("no_such_block", "roads")).unwrap();
    let weights = books.join("analytics/weights.csv");
    let good_weights = std::fs::read_to_string(&weights).unwrap();
    std::fs::write(&weights, good_weights.replace("rating,on_time,0.25", "rating,on_tme,0.25")).unwrap();
    let err = api.reference_import(&books).await.unwrap_err();
    assert!(err.message.contains("неизвестный компонент рейтинга «on_tme»"), "{}", err.message);
    std::fs::write(&weights, good_weights).unwrap();
    let roadmaps = books.join("catalog/roadmaps.csv");
    let good_roadmaps = std::fs::read_to_string(&roadmaps).unwrap();
    std::fs::write(&roadmaps, good_roadmaps.replace(",mindor,", ",no_such_agency,")).unwrap();
    let err = api.reference_import(&books).await.unwrap_err();
    assert!(err.message.contains("неизвестный исполнитель «no_such_agency»"), "{}", err.message);
    std::fs::write(&roadmaps, good_roadmaps).unwrap();
    // A valid edit is taken and survives reopening; the analytics' snapshot built before it
    // is dropped, so the new topic is known to the filters at once.
    api.kpi(&tsur_api::SliceQuery::default(), &Scope::local_curator()).await.unwrap();
    std::fs::write(&topics, text.replace("no_such_block", "roads")).unwrap();
    api.reference_import(&books).await.unwrap();
    let by_new = tsur_api::SliceQuery { topics: vec!["new_topic".into()], ..tsur_api::SliceQuery::default() };
    assert_eq!(api.kpi(&by_new, &Scope::local_curator()).await.unwrap().kpis.appeals, 0);
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
    let q = |regime: &str, received: &str, extension: u32| DeadlineQuery { extension_days: extension, ..DeadlineQuery::new(regime, received) };
    let ok = api.deadlines(&q("59fz", "2026-04-08T10:00:00+04:00", 30), now).unwrap();
    let answer = ok.iter().find(|d| d.stage == "answer").unwrap();
    assert_eq!(answer.due, "2026-06-08T18:00:00+04:00", "8 Apr + 60 days = Mon 8 Jun");
    let cases = [
        (q("telegraph", "2026-04-08T10:00:00+04:00", 0), "regime:"),
        (q("pos", "2026-04-08 10:00", 0), "received:"),
        (q("pos", "2026-12-29T10:00:00+04:00", 0), "received:"),
        (q("fz59", "2026-04-08T10:00:00+04:00", 45), "extended_days:"),
        (q("hotline", "2026-04-08T10:00:00+04:00", 3), "extended_days:"),
        (DeadlineQuery { fast_track: Some("ft-nothing".into()), ..q("pos", "2026-04-08T10:00:00+04:00", 0) }, "fast_track:"),
        (DeadlineQuery { registered: Some("2026-04-07T10:00:00+04:00".into()), ..q("fz59", "2026-04-08T10:00:00+04:00", 0) }, "registered:"),
        // An hour ahead of the clock is refused with no tolerance…
        (DeadlineQuery { future_tolerance: chrono::Duration::zero(), ..q("pos", "2026-11-29T13:00:00+04:00", 0) }, "received:"),
    ];
    for (query, field) in cases {
        let err = api.deadlines(&query, now).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidInput);
        assert!(err.message.starts_with(field), "{query:?}: {}", err.message);
    }
    // …and accepted with two hours of tolerance.
    let ahead = DeadlineQuery { future_tolerance: chrono::Duration::hours(2), ..q("pos", "2026-11-29T13:00:00+04:00", 0) };
    assert!(api.deadlines(&ahead, now).is_ok());
    // A fast-track's term replaces the answer term: 2 working days from Mon 2 Mar 2026.
    let fast = DeadlineQuery { fast_track: Some("ft-no-water".into()), ..q("pos", "2026-03-02T10:00:00+04:00", 0) };
    let answer = api.deadlines(&fast, now).unwrap().into_iter().find(|d| d.stage == "answer").unwrap();
    assert_eq!(answer.due, "2026-03-04T18:00:00+04:00");
    assert!(answer.rule.contains("фаст-трек «Отключение холодной воды»"), "{}", answer.rule);
}

/// The rows of open 59-ФЗ appeals with a pending answer.
async fn open_written(api: &Api, far: chrono::DateTime<chrono::Utc>) -> Vec<tsur_store_sqlite::DeadlineRow> {
    let rows = api.store().deadline_rows(far).await.unwrap();
    rows.into_iter().filter(|r| &*r.channel == "fz59" && r.status.awaits_answer() && r.extension_days == 0).collect()
}

#[tokio::test]
async fn the_projection_keeps_deadlines_and_an_extension_moves_them() {
    let dir = tempfile::tempdir().unwrap();
    let api = Api::open(&dir.path().join("tsur.db")).await.unwrap();
    api.seed_demo(DemoParams::year(3_000, 9), |_, _| {}).await.unwrap();
    let as_of = chrono::DateTime::parse_from_rfc3339("2026-11-01T00:00:00+04:00").unwrap().with_timezone(&chrono::Utc);
    let report = api.overdue(None, None, None, &Scope::local_curator(), as_of, None).await.unwrap();
    assert!(report.overdue > 0 && report.at_risk > 0 && report.on_time > 0, "{} / {} / {}", report.overdue, report.at_risk, report.on_time);
    assert_eq!(report.open, report.overdue + report.at_risk + report.on_time);
    assert_eq!(report.items.iter().filter(|i| i.status == "overdue").count() as u32, report.overdue);
    assert!(report.items.iter().any(|i| i.p_late.is_some() && i.risk_basis.is_some()), "some risks rest on agencies' histories");
    for i in &report.items {
        let due = chrono::DateTime::parse_from_rfc3339(&i.due).unwrap();
        assert_eq!(i.status == "overdue", due < as_of, "overdue exactly when past due: {i:?}");
        assert!(i.status != "overdue" || i.working_hours_left <= 0.0, "{i:?}");
    }

    // Every stored deadline is what the engine computes from the stored facts.
    let far = as_of + chrono::Duration::days(400);
    let rules = api.store().rules().await.unwrap();
    for row in api.store().deadline_rows(far).await.unwrap() {
        let stages = rules.assess(&row.facts(), as_of).unwrap();
        let due = |i: usize| stages[i].map(|s| s.due);
        assert_eq!((row.first_reply_due, row.answer_due, row.resolution_due), (due(2), due(3), due(4)), "{}", row.appeal_id);
    }

    // Extend a pending 59-ФЗ answer by 30 days: its stored deadline moves by about 30 days.
    let target = open_written(&api, far).await.into_iter().next().expect("an open written appeal");
    let state = api.store().state(target.appeal_id, &Scope::local_curator()).await.unwrap().unwrap();
    let extension = tsur_core::Event {
        id: tsur_core::EventId(uuid::Uuid::now_v7()),
        appeal_id: target.appeal_id,
        at: state.last_event_at + chrono::Duration::minutes(5),
        actor: "test".into(),
        node: "test".into(),
        kind: tsur_core::EventKind::DeadlineExtended { days: 30, reason: "проверка на месте".into() },
    };
    api.store().append_events(&[extension]).await.unwrap();
    let after = api.store().deadline_rows(far).await.unwrap();
    let moved = after.iter().find(|p| p.appeal_id == target.appeal_id).unwrap();
    let shift = moved.answer_due.unwrap() - target.answer_due.unwrap();
    assert!(shift >= chrono::Duration::days(28) && shift <= chrono::Duration::days(33), "moved by {shift}");
}

/// The overdue list keeps the open appeals' shared ids as codes: its items name what the store
/// holds for their appeals, and a slice lists exactly the region's items of its block and
/// municipality, in the same order.
#[tokio::test]
async fn overdue_items_name_their_appeals_as_stored_and_a_slice_is_the_regions_items_of_it() {
    let dir = tempfile::tempdir().unwrap();
    let api = Api::open(&dir.path().join("tsur.db")).await.unwrap();
    api.seed_demo(DemoParams::year(3_000, 9), |_, _| {}).await.unwrap();
    let scope = Scope::local_curator();
    let as_of = chrono::DateTime::parse_from_rfc3339("2026-11-01T00:00:00+04:00").unwrap().with_timezone(&chrono::Utc);
    let all = api.overdue(None, None, None, &scope, as_of, None).await.unwrap();
    assert!(all.items.len() > 20, "a list to slice: {}", all.items.len());
    let stored: std::collections::HashMap<String, tsur_store_sqlite::DeadlineRow> =
        api.store().deadline_rows(as_of + chrono::Duration::days(400)).await.unwrap().into_iter().map(|r| (r.appeal_id.to_string(), r)).collect();
    let owned = |x: &Option<std::sync::Arc<str>>| x.as_deref().map(str::to_owned);
    for i in &all.items {
        let r = &stored[&i.appeal_id];
        assert_eq!(
            (&*i.channel, &*i.external_id, &*i.municipality, i.block.clone(), i.topic.clone(), i.agency.clone(), i.fast_track.clone()),
            (&*r.channel, &*r.external_id, &*r.municipality_id, owned(&r.block_id), owned(&r.topic_id), owned(&r.agency_id), owned(&r.fast_track_id)),
            "{}",
            i.appeal_id
        );
    }
    let first = all.items.iter().find(|i| i.block.is_some()).expect("an item with a block");
    let (block, municipality) = (first.block.clone().unwrap(), first.municipality.clone());
    let other_block = api.reference().blocks.iter().map(|b| b.id.as_str().to_owned()).find(|b| *b != block).unwrap();
    for (b, m) in [(Some(&block), None), (None, Some(&municipality)), (Some(&block), Some(&municipality)), (Some(&other_block), Some(&municipality))] {
        let slice = api.overdue(None, b.map(String::as_str), m.map(String::as_str), &scope, as_of, None).await.unwrap();
        let want: Vec<_> = all.items.iter().filter(|i| b.is_none_or(|b| i.block.as_ref() == Some(b)) && m.is_none_or(|m| i.municipality == *m)).collect();
        assert_eq!(slice.items.iter().collect::<Vec<_>>(), want, "{b:?} {m:?}");
        assert_eq!((slice.overdue + slice.at_risk) as usize, want.len(), "{b:?} {m:?}");
    }
}

#[tokio::test]
async fn fast_tracks_route_demo_appeals_and_a_changed_regime_moves_every_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let mut api = Api::open(&dir.path().join("tsur.db")).await.unwrap();
    api.seed_demo(DemoParams::year(6_000, 4), |_, _| {}).await.unwrap();
    let far = chrono::DateTime::parse_from_rfc3339("2027-12-01T00:00:00+04:00").unwrap().with_timezone(&chrono::Utc);
    let rows = api.store().deadline_rows(far).await.unwrap();
    let tracked: Vec<_> = rows.iter().filter(|r| r.fast_track_id.is_some()).collect();
    assert!(!tracked.is_empty(), "the demo year has appeals on fast-tracked topics");
    for r in &tracked {
        let f = api.reference().fast_tracks.iter().find(|f| Some(f.id.as_str()) == r.fast_track_id.as_deref()).unwrap();
        assert!(f.covers(&r.topic_id.as_deref().unwrap().into(), &(*r.municipality_id).into(), tsur_core::time::local_date(r.received_at)));
        assert_eq!(r.agency_id.as_deref(), Some(f.agency_id.as_str()), "routed to the fast-track's agency");
    }
    let events = api.store().events(tracked[0].appeal_id, &Scope::local_curator()).await.unwrap();
    assert!(events.iter().any(|e| e.kind.code() == "fast_track_applied"), "the event log says so");

    // The operator shortens the ПОС answer term from 8 to 5 working days: every stored ПОС
    // deadline without a fast-track moves earlier.
    let export = dir.path().join("books");
    api.reference_export(&export).unwrap();
    let path = export.join("catalog/regimes.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let edited =
        text.lines().map(|l| if l.starts_with("pos,") { l.replacen(",,,8,working,", ",,,5,working,", 1) } else { l.to_owned() }).collect::<Vec<_>>().join("\n");
    assert_ne!(edited, text.trim_end());
    std::fs::write(&path, edited).unwrap();
    api.reference_import(&export).await.unwrap();
    let after = api.store().deadline_rows(far).await.unwrap();
    let pos_before: Vec<_> = rows.iter().filter(|r| &*r.regime_id == "pos" && r.fast_track_id.is_none() && r.reopened_at.is_none()).collect();
    assert!(!pos_before.is_empty());
    for b in pos_before {
        let a = after.iter().find(|a| a.appeal_id == b.appeal_id).unwrap();
        assert!(a.answer_due < b.answer_due, "{}: {:?} → {:?}", b.appeal_id, b.answer_due, a.answer_due);
    }
}

#[tokio::test]
async fn problems_link_the_demo_incidents() {
    let dir = tempfile::tempdir().unwrap();
    let api = Api::open(&dir.path().join("tsur.db")).await.unwrap();
    let demo = api.seed_demo(DemoParams::year(20_000, 11), |_, _| {}).await.unwrap();
    let r = api.link_eval(tsur_api::LinkParams::default()).await.unwrap();
    assert_eq!(r.incidents, 4);
    assert!(r.precision >= 0.9 && r.recall >= 0.8, "{r:?}");
    // The fill linked them as intake does: the register has the incidents' problems, and the
    // event log says so; a second pass changes nothing.
    assert_eq!(demo.problems, 4, "{demo:?}");
    let problems = api.problems(10, &Scope::local_curator()).await.unwrap();
    assert_eq!(problems.len(), 4);
    assert!(problems.iter().all(|p| p.appeals >= 5 && p.channels >= 2), "{problems:?}");
    let again = api.link_problems(tsur_api::LinkParams::default()).await.unwrap();
    assert_eq!((again.offered, again.linked), (0, 0));
    // Without ground truth there is nothing to score against.
    let other = Api::open(&dir.path().join("empty.db")).await.unwrap();
    assert!(other.link_eval(tsur_api::LinkParams::default()).await.unwrap_err().message.contains("эталона"));
}
