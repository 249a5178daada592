//! The analytics through the API on a demo store: the snapshot's figures against SQL over
//! the projection, the incremental update, scope, ratings, screen, alerts, effect, hotspots.

use sqlx::Row;
use tsur_api::{Api, DemoParams, RatingOf, Scope, SliceQuery};
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
