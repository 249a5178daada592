//! The analytics through the API on a demo store: the snapshot's figures against SQL over
//! the projection, the incremental update, scope, ratings, screen, alerts, effect, hotspots,
//! and the charts (their series against the KPIs and alerts, no personal data in the SVG).

mod common;

use sqlx::Row;
use tsur_api::{Api, ChartFrame, ChartTheme, DemoParams, RatingOf, RoomFilter, Scope, SliceQuery};
use tsur_core::reference::AgencyKind;

const YEAR: &str = "2025-11-01..2026-10-31";

async fn demo(n: u64, seed: u64) -> (tempfile::TempDir, Api) {
    let dir = tempfile::tempdir().unwrap();
    let api = Api::open(&dir.path().join("tsur.db")).await.unwrap();
    api.seed_demo(DemoParams::year(n, seed), |_, _| {}).await.unwrap();
    (dir, api)
}

fn year() -> SliceQuery {
    SliceQuery { period: Some(YEAR.to_owned()), ..SliceQuery::default() }
}

async fn scalar(api: &Api, sql: &str) -> i64 {
    sqlx::query(sql).fetch_one(api.store().pool()).await.unwrap().get::<i64, _>(0)
}

#[tokio::test]
async fn kpis_equal_sql_over_the_projection_and_follow_new_events() {
    let (dir, api) = demo(8_000, 7).await;
    let r = api.kpi(&year(), &Scope::local_curator()).await.unwrap();
    let k = &r.kpis;
    assert_eq!(k.appeals as i64, scalar(&api, "SELECT count(*) FROM appeal_state").await);
    let answered = scalar(&api, "SELECT count(*) FROM appeal_state WHERE last_answer_at IS NOT NULL").await;
    assert_eq!(k.resolved.n as i64, answered);
    assert_eq!(k.resolved.k as i64, scalar(&api, "SELECT count(*) FROM appeal_state WHERE last_answer_at IS NOT NULL AND resolved_at IS NOT NULL").await);
    assert_eq!(k.reopened.k as i64, scalar(&api, "SELECT count(*) FROM appeal_state WHERE last_answer_at IS NOT NULL AND reopen_count > 0").await);
    assert_eq!(k.rejected.n as i64, scalar(&api, "SELECT sum(answers) FROM appeal_state").await);
    assert_eq!(k.rejected.k as i64, scalar(&api, "SELECT sum(rejected_answers) FROM appeal_state").await);
    assert_eq!(k.satisfaction_good.n as i64, scalar(&api, "SELECT count(*) FROM appeal_state WHERE satisfaction IS NOT NULL").await);
    assert_eq!(k.satisfaction_good.k as i64, scalar(&api, "SELECT count(*) FROM appeal_state WHERE satisfaction >= 4").await);
    assert_eq!(k.first_reply.n as i64, scalar(&api, "SELECT count(*) FROM appeal_state WHERE first_reply_at IS NOT NULL").await);
    // Answers on time: the answer standing by its due, or the due passed without one.
    let on_time_sql = "SELECT count(*) FROM appeal_state WHERE status IN ('answered','resolved','confirmed','deferred','closed') \
                       AND last_answer_at IS NOT NULL AND answer_due IS NOT NULL AND last_answer_at <= answer_due";
    assert_eq!(k.on_time.k as i64, scalar(&api, on_time_sql).await);
    assert!(k.first_reply.median.unwrap() > 0.0 && k.first_reply.p90.unwrap() >= k.first_reply.median.unwrap());
    assert!(k.first_reply.lo.unwrap() <= k.first_reply.median.unwrap() && k.first_reply.median.unwrap() <= k.first_reply.hi.unwrap());
    assert_eq!(r.period_ru, "01.11.2025–31.10.2026");

    // A person's classification is an event: the snapshot follows it without a rebuild.
    let topic = "other_stray_dogs";
    let by_topic = SliceQuery { topics: vec![topic.to_owned()], ..year() };
    let before = api.kpi(&by_topic, &Scope::local_curator()).await.unwrap().kpis.appeals;
    let id: uuid::Uuid =
        sqlx::query_scalar("SELECT appeal_id FROM appeal_state WHERE topic_id IS NOT NULL AND topic_id <> ? AND status IN ('registered', 'assigned') LIMIT 1")
            .bind(topic)
            .fetch_one(api.store().pool())
            .await
            .unwrap();
    api.review_set(&id.to_string(), topic, "тест", &Scope::local_curator(), chrono::Utc::now()).await.unwrap();
    let after = api.kpi(&by_topic, &Scope::local_curator()).await.unwrap().kpis.appeals;
    assert_eq!(after, before + 1);
    // Reopened, the store's kept snapshot (written before that event) is caught up by the
    // events' watermark; a damaged kept copy is rebuilt from the rows.
    let path = dir.path().join("tsur.db");
    drop(api);
    let api = Api::open(&path).await.unwrap();
    assert_eq!(api.kpi(&by_topic, &Scope::local_curator()).await.unwrap().kpis.appeals, after);
    sqlx::query("UPDATE analytics_snapshot SET bytes = x'00'").execute(api.store().pool()).await.unwrap();
    drop(api);
    let api = Api::open(&path).await.unwrap();
    assert_eq!(api.kpi(&by_topic, &Scope::local_curator()).await.unwrap().kpis.appeals, after);

    // A block head sees only the block.
    let head = Scope { role: tsur_core::Role::BlockHead, blocks: Some(vec!["roads".into()]), municipalities: None, may_see_personal_data: false };
    let roads = api.kpi(&year(), &head).await.unwrap().kpis.appeals as i64;
    assert_eq!(roads, scalar(&api, "SELECT count(*) FROM appeal_state WHERE block_id = 'roads'").await);
    // Bad input is an InvalidInput error naming the value.
    let err = api.kpi(&SliceQuery { period: Some("2026-13".into()), ..SliceQuery::default() }, &Scope::local_curator()).await.unwrap_err();
    assert!(err.message.contains("2026-13"), "{}", err.message);
    let err = api.kpi(&SliceQuery { blocks: vec!["no_such".into()], ..year() }, &Scope::local_curator()).await.unwrap_err();
    assert!(err.message.contains("no_such"), "{}", err.message);
}

#[tokio::test]
async fn ratings_screen_effect_hotspots_and_alerts_on_a_demo_year() {
    let (_dir, api) = demo(12_000, 3).await;
    let weights = api.weights().unwrap();
    let agencies = api.rating(RatingOf::Agencies, &year(), &Scope::local_curator()).await.unwrap();
    let iogv = api.reference().agencies.iter().filter(|a| a.kind == AgencyKind::Iogv).count();
    assert_eq!(agencies.entities.len(), iogv);
    for e in &agencies.entities {
        assert_eq!(e.rank.is_some(), e.appeals >= weights.min_sample && e.score.is_some(), "{}", e.id);
    }
    let ranks: Vec<u32> = agencies.entities.iter().filter_map(|e| e.rank).collect();
    assert_eq!(ranks, (1..=ranks.len() as u32).collect::<Vec<_>>());
    let municipalities = api.rating(RatingOf::Municipalities, &year(), &Scope::local_curator()).await.unwrap();
    assert_eq!(municipalities.entities.len(), 13);

    let screen = api.screen(&year(), 10, &Scope::local_curator()).await.unwrap().screen;
    assert_eq!(screen.areas.iter().map(|a| a.appeals).sum::<u64>(), screen.kpis.appeals);
    assert_eq!(screen.kpis.appeals, 12_000);
    assert!(!screen.problems.is_empty(), "the demo's incidents make problems");
    assert!(screen.problems.windows(2).all(|w| w[0].priority >= w[1].priority));

    let effect = api.effect("fast_track", "ft-no-water", 90).await.unwrap();
    assert_eq!(effect.effect.estimates.len(), 3);
    assert!(effect.effect.estimates.iter().all(|e| e.treated_before.n > 0 && e.treated_after.n > 0), "{effect:?}");
    assert!(api.effect("fast_track", "no-such", 90).await.unwrap_err().message.contains("no-such"));
    let roadmap = api.effect("roadmap", "rm-street-lighting", 60).await.unwrap();
    assert_eq!(roadmap.effect.control_ru, "другие темы тех же отраслевых блоков");

    let fc = api.hotspots(7, &year(), &Scope::local_curator()).await.unwrap();
    assert_eq!(fc["type"], "FeatureCollection");
    let features = fc["features"].as_array().unwrap();
    let observed: u64 = features.iter().map(|f| f["properties"]["observed"].as_u64().unwrap()).sum();
    assert_eq!(observed as i64, scalar(&api, "SELECT count(*) FROM appeals WHERE lon IS NOT NULL").await);
    assert!(api.hotspots(12, &year(), &Scope::local_curator()).await.is_err());

    let eval = api.alerts_eval(2).await.unwrap();
    assert!(eval.detection.incidents >= 4);
    assert!(eval.detection.recall >= 0.75, "{:?}", eval.detection);
    assert!(eval.detection.false_alarms_per_week <= 1.0, "{:?}", eval.detection);
    let alerts = api.alerts(Some("2025-11-01"), &Scope::local_curator()).await.unwrap();
    assert!(alerts.len() >= eval.detection.detected);
    assert!(alerts.iter().all(|a| !a.reason_ru.is_empty()));
}

#[tokio::test]
async fn the_series_equal_the_kpis_of_the_same_slice() {
    let (_dir, api) = demo(6_000, 11).await;
    let scope = Scope::local_curator();
    let slice = |period: &str, municipalities: &[&str], channels: &[&str]| SliceQuery {
        period: Some(period.to_owned()),
        municipalities: municipalities.iter().map(|m| m.to_string()).collect(),
        channels: channels.iter().map(|c| c.to_string()).collect(),
        ..SliceQuery::default()
    };
    // (slice, days of the period)
    let cases = [
        (slice(YEAR, &[], &[]), 365),
        (slice("2026-03", &[], &[]), 31),
        (slice("2026-Q2", &["astrakhan"], &[]), 91),
        (slice("2026-06-15", &[], &["pos"]), 1),
        (slice(YEAR, &["kamyzyaksky"], &["fz59"]), 365),
    ];
    for (q, days) in cases {
        let now = chrono::Utc::now();
        let s = api.chart_series(&q, &scope, now).await.unwrap();
        let k = api.kpi(&q, &scope).await.unwrap();
        assert_eq!(s.timeline.daily.len(), days, "{q:?}");
        assert_eq!(s.timeline.daily.iter().map(|&n| u64::from(n)).sum::<u64>(), k.kpis.appeals, "{q:?}");
        assert_eq!(s.period_ru, k.period_ru);
        // Answers on time are the KPI's share; its cases are every answer that was due and
        // every appeal past its due without one.
        let r = &s.replies;
        assert_eq!(r.on_time(), k.kpis.on_time.k, "{q:?}");
        assert_eq!(r.on_time() + r.late() + r.unanswered(), k.kpis.on_time.n, "{q:?}");
        assert!(s.timeline.incidents.iter().all(|i| s.timeline.first <= i.day && i.day < s.timeline.first + chrono::Duration::days(days as i64)));
    }
    // The year has appeals every day, and answers on both sides of the deadline.
    let year = api.chart_series(&slice(YEAR, &[], &[]), &scope, chrono::Utc::now()).await.unwrap();
    assert!(year.timeline.daily.iter().all(|&n| n > 0));
    assert!(year.replies.on_time() > 0 && year.replies.late() > 0);
}

#[tokio::test]
async fn incidents_are_the_alerts_of_the_period_and_follow_the_filter() {
    let (_dir, api) = demo(6_000, 11).await;
    let scope = Scope::local_curator();
    let year = SliceQuery { period: Some(YEAR.to_owned()), ..SliceQuery::default() };
    let alerts = api.alerts(Some("2025-11-01"), &scope).await.unwrap();
    let in_year: Vec<_> = alerts.iter().filter(|a| a.raised_at.as_str() < "2026-11-01").collect();
    assert!(!in_year.is_empty(), "the demo injects incidents");
    let s = api.chart_series(&year, &scope, chrono::Utc::now()).await.unwrap();
    assert_eq!(s.timeline.incidents.len(), in_year.len());
    for a in &in_year {
        let label = format!("{} — {}", a.municipality_ru, a.topic_ru);
        let day = chrono::NaiveDate::parse_from_str(&a.raised_at[..10], "%Y-%m-%d").unwrap();
        assert!(s.timeline.incidents.iter().any(|i| i.label == label && i.day == day), "{label} on {day}");
    }
    // One municipality's chart marks only its own alerts.
    let m = in_year[0].municipality.clone();
    let one = SliceQuery { municipalities: vec![m.clone()], ..year.clone() };
    let s = api.chart_series(&one, &scope, chrono::Utc::now()).await.unwrap();
    assert_eq!(s.timeline.incidents.len(), in_year.iter().filter(|a| a.municipality == m).count());
}

#[tokio::test]
async fn the_room_charts_are_svg_without_personal_data() {
    let (_dir, api) = demo(3_000, 5).await;
    let filter = RoomFilter { period: Some(YEAR.to_owned()), ..RoomFilter::default() };
    let wall = Scope { role: tsur_core::Role::Wall, blocks: None, municipalities: None, may_see_personal_data: false };
    // (scope, dark, background)
    let cases = [(Scope::local_curator(), false, "#FFFFFF"), (wall, true, "#111A2E")];
    let names: Vec<String> = sqlx::query_scalar("SELECT full_name FROM appeal_authors LIMIT 300").fetch_all(api.store().pool()).await.unwrap();
    let texts: Vec<String> = sqlx::query_scalar("SELECT substr(text, 1, 24) FROM appeals LIMIT 300").fetch_all(api.store().pool()).await.unwrap();
    assert!(!names.is_empty() && !texts.is_empty());
    for (scope, dark, background) in cases {
        let c = api.room_charts(&filter, dark, &scope).await.unwrap();
        assert_eq!(c.period_ru, "01.11.2025–31.10.2026");
        assert_eq!(c.appeals, 3_000.0);
        assert!(c.incidents > 0);
        assert!(c.answers_on_time > 0.0 && c.answers_late > 0.0);
        for svg in [&c.timeline_svg, &c.replies_svg] {
            assert!(svg.starts_with("<svg width=\"420\" height=\"240\""), "{}", &svg[..80]);
            assert!(svg.contains(&format!("fill=\"{background}\"")));
            for secret in names.iter().chain(&texts) {
                assert!(!svg.contains(secret.as_str()), "«{secret}» is in a chart");
            }
        }
        assert!(c.timeline_svg.contains("Обращения по неделям") && c.timeline_svg.contains("сигналы раннего предупреждения"));
        assert!(c.replies_svg.contains("Сроки ответов") && c.replies_svg.contains("срок"));
    }
    // A report's size, and a slice with nothing in it.
    let frame = ChartFrame { width: 900, height: 420, theme: ChartTheme::Light };
    let empty = SliceQuery { period: Some("2020-01".to_owned()), ..SliceQuery::default() };
    let c = api.charts(&empty, &frame, &Scope::local_curator()).await.unwrap();
    assert!(c.timeline_svg.starts_with("<svg width=\"900\" height=\"420\""));
    assert!(c.timeline_svg.contains("нет данных") && c.replies_svg.contains("нет данных"));
    assert_eq!((c.appeals, c.incidents), (0.0, 0));
    // A filter naming what the books do not know is refused, as in the room.
    let bad = RoomFilter { block: Some("potholes".into()), ..RoomFilter::default() };
    let e = api.room_charts(&bad, false, &Scope::local_curator()).await.unwrap_err();
    assert_eq!(e.code, tsur_api::ErrorCode::InvalidInput, "{e:?}");
}

/// The room asks for the hotspots at every step, so each row's cell is found once and kept;
/// what the kept cells give equals what a fresh start finds, also after new events and a
/// change of resolution.
#[tokio::test]
async fn kept_hexagons_give_what_a_fresh_start_finds() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tsur.db");
    let api = Api::open(&path).await.unwrap();
    api.seed_demo(DemoParams::year(3_000, 5), |_, _| {}).await.unwrap();
    let scope = Scope::local_curator();
    let municipality = SliceQuery { municipalities: vec!["kamyzyaksky".into()], ..year() };
    let fresh = |res: u8, q: SliceQuery| {
        let path = path.clone();
        async move { Api::open(&path).await.unwrap().hotspots(res, &q, &Scope::local_curator()).await.unwrap() }
    };
    assert_eq!(api.hotspots(7, &year(), &scope).await.unwrap(), fresh(7, year()).await);
    // A new event: its appeal's row is read again.
    let id: Vec<u8> = sqlx::query_scalar("SELECT appeal_id FROM appeal_state LIMIT 1").fetch_one(api.store().pool()).await.unwrap();
    let id = tsur_core::AppealId(uuid::Uuid::from_slice(&id).unwrap());
    let state = api.store().state(id, &scope).await.unwrap().unwrap();
    let event = tsur_core::Event {
        id: tsur_core::EventId(uuid::Uuid::now_v7()),
        appeal_id: id,
        at: state.last_event_at + chrono::Duration::minutes(5),
        actor: "test".into(),
        node: "test".into(),
        kind: tsur_core::EventKind::Comment { text: "на контроле".into() },
    };
    api.store().append_events(&[event]).await.unwrap();
    for (res, q) in [(7, municipality.clone()), (8, year()), (7, year())] {
        assert_eq!(api.hotspots(res, &q, &scope).await.unwrap(), fresh(res, q).await, "resolution {res}");
    }
    // New appeals while the cells at 8 are kept: the rows added get theirs as the snapshot
    // catches up (the snapshot keeps no points; those cells were read from the store).
    let before = api.hotspots(8, &year(), &scope).await.unwrap();
    let with_points: Vec<Vec<u8>> =
        sqlx::query_scalar("SELECT id FROM appeals WHERE lon IS NOT NULL ORDER BY rowid LIMIT 200").fetch_all(api.store().pool()).await.unwrap();
    let mut copies = Vec::new();
    for (n, id) in with_points.iter().enumerate() {
        let mut appeal = api.store().appeal(tsur_core::AppealId(uuid::Uuid::from_slice(id).unwrap()), &scope).await.unwrap().unwrap();
        appeal.id = tsur_core::AppealId(uuid::Uuid::from_u128((n as u128 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835)));
        appeal.external_id = format!("hexagons-{n}");
        copies.push(common::registered(appeal));
    }
    api.store().insert_appeals(&copies).await.unwrap();
    let after = api.hotspots(8, &year(), &scope).await.unwrap();
    assert_ne!(after, before, "the new appeals are counted");
    assert_eq!(after, fresh(8, year()).await, "after new appeals");
}

/// The room's hexagons are counted in its screen's pass over the rows: they are the significant
/// ones of the hotspots of the same slice, counted on their own, whatever the filter and scope.
#[tokio::test]
async fn the_rooms_hexagons_are_the_significant_hotspots_of_its_slice() {
    let (_dir, api) = demo(3_000, 5).await;
    let municipal =
        Scope { role: tsur_core::Role::MunicipalOfficer, blocks: None, municipalities: Some(vec!["astrakhan".into()]), may_see_personal_data: false };
    let one = |v: &str| Some(v.to_owned());
    // (room filter, the same slice, scope)
    let cases = [
        (RoomFilter { period: one(YEAR), ..RoomFilter::default() }, year(), Scope::local_curator()),
        (RoomFilter::default(), SliceQuery::default(), Scope::local_curator()),
        (
            RoomFilter { period: one(YEAR), municipality: one("astrakhan"), ..RoomFilter::default() },
            SliceQuery { municipalities: vec!["astrakhan".into()], ..year() },
            Scope::local_curator(),
        ),
        (
            RoomFilter { period: one(YEAR), block: one("roads"), ..RoomFilter::default() },
            SliceQuery { blocks: vec!["roads".into()], ..year() },
            Scope::local_curator(),
        ),
        (
            RoomFilter { period: one(YEAR), channel: one("pos"), ..RoomFilter::default() },
            SliceQuery { channels: vec!["pos".into()], ..year() },
            Scope::local_curator(),
        ),
        (RoomFilter { period: one(YEAR), ..RoomFilter::default() }, year(), municipal),
    ];
    let mut drawn = 0;
    for (filter, slice, scope) in cases {
        let room = api.room(&filter, &scope).await.unwrap();
        let shown: serde_json::Value = serde_json::from_str(&room.hotspots_geojson).unwrap();
        let all = api.hotspots(7, &slice, &scope).await.unwrap();
        // Each hexagon as its cell, class, count and z-score (the rest follows from them).
        let cells = |v: &serde_json::Value| -> Vec<String> {
            v["features"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| &f["properties"])
                .map(|p| format!("{} {} {} {}", p["cell"], p["class"], p["observed"], p["z"]))
                .collect()
        };
        let significant: Vec<String> = cells(&all).into_iter().filter(|c| !c.contains("not_significant")).collect();
        let shown = cells(&shown);
        assert_eq!(shown, significant, "{filter:?} as {:?}", scope.role);
        drawn += shown.len();
    }
    assert!(drawn > 0, "no case had a significant hexagon: the comparison says nothing");
}
