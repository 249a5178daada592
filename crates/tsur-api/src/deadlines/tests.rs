//! The lateness model kept between runs: a restart reads it instead of every appeal, new
//! events or a later hour let it stand in while the fresh one is built in the background,
//! and nothing kept answers an explicit instant, other rules or a model a day old.

use super::*;
use crate::{DemoParams, Scope};
use std::path::{Path, PathBuf};

fn t(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

impl Api {
    /// Models built (while a request waited, in the background) by this `Api`.
    fn risk_builds(&self) -> (u64, u64) {
        (self.risk.built_in_request.load(Ordering::Relaxed), self.risk.built_in_background.load(Ordering::Relaxed))
    }

    /// Waits until no background build runs.
    async fn risk_rebuilt(&self) {
        self.risk.rebuilding.subscribe().wait_for(|running| !*running).await.unwrap();
    }

    /// What the model kept in the store was built for.
    async fn kept_risk_key(&self) -> RiskModelKey {
        self.store().load_risk_model().await.unwrap().expect("a kept model").key
    }
}

/// A demo year in a store file, whose overdue list was asked at [`NOW`]: the store keeps
/// the model of that hour.
struct Started {
    dir: tempfile::TempDir,
    path: PathBuf,
    api: Api,
    first: OverdueReport,
    kept: RiskModelKey,
}

async fn started() -> Started {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tsur.db");
    let api = Api::open(&path).await.unwrap();
    api.seed_demo(DemoParams::year(3_000, 9), |_, _| {}).await.unwrap();
    let first = overdue_now(&api, t(NOW)).await;
    assert_eq!(api.risk_builds(), (1, 0));
    let kept = api.kept_risk_key().await;
    Started { dir, path, api, first, kept }
}

/// The program stops and starts again on the same store.
async fn restart(api: Api, path: &Path) -> Api {
    api.store().clone().close().await;
    drop(api);
    Api::open(path).await.unwrap()
}

async fn overdue_now(api: &Api, now: DateTime<Utc>) -> OverdueReport {
    api.overdue(None, None, None, &Scope::local_curator(), now, None).await.unwrap()
}

/// A 30-day extension of an open appeal's answer: one event more.
async fn extend_one(api: &Api, now: DateTime<Utc>) {
    append_one(api, now, tsur_core::EventKind::DeadlineExtended { days: 30, reason: "проверка на месте".into() }).await;
}

/// Records `kind` on the first open appeal, five minutes after its last event.
async fn append_one(api: &Api, now: DateTime<Utc>, kind: tsur_core::EventKind) {
    let row = api.store().open_deadline_rows().await.unwrap().0.into_iter().find(|r| r.received_at < now).expect("an open appeal");
    let state = api.store().state(row.appeal_id, &Scope::local_curator()).await.unwrap().unwrap();
    let event = tsur_core::Event {
        id: tsur_core::EventId(uuid::Uuid::now_v7()),
        appeal_id: row.appeal_id,
        at: state.last_event_at + Duration::minutes(5),
        actor: "test".into(),
        node: "test".into(),
        kind,
    };
    api.store().append_events(&[event]).await.unwrap();
}

const NOW: &str = "2026-11-01T10:20:00+04:00";

#[tokio::test]
async fn a_restart_reads_the_kept_lateness_model_instead_of_building_it() {
    let Started { dir: _dir, path, api, first, kept } = started().await;
    assert!(first.items.iter().any(|i| i.p_late.is_some()), "some risks rest on agencies' histories");
    assert_eq!((kept.watermark, kept.instant), (api.store().event_watermark().await.unwrap(), t("2026-11-01T10:00:00+04:00").timestamp()));

    let api = restart(api, &path).await;
    assert_eq!(overdue_now(&api, t(NOW)).await, first, "the same report from the kept model");
    assert_eq!(api.risk_builds(), (0, 0), "nothing built after the restart");
    // Later in the same hour: the same model, from memory.
    overdue_now(&api, t(NOW) + Duration::minutes(30)).await;
    assert_eq!(api.risk_builds(), (0, 0));
    assert_eq!(api.kept_risk_key().await, kept);
}

#[tokio::test]
async fn new_events_let_the_kept_model_stand_in_while_the_fresh_one_is_built() {
    let Started { dir: _dir, path, api, kept, .. } = started().await;
    let now = t(NOW);
    extend_one(&api, now).await;
    let watermark = api.store().event_watermark().await.unwrap();
    assert!(watermark > kept.watermark);

    // The kept model was built for another watermark: it serves at once, and the fresh one
    // is built in the background, once, however many lists are asked meanwhile.
    overdue_now(&api, now).await;
    overdue_now(&api, now).await;
    assert_eq!(api.risk_builds().0, 1, "no request waited for a build");
    api.risk_rebuilt().await;
    assert_eq!(api.risk_builds(), (1, 1));
    assert_eq!(api.kept_risk_key().await, RiskModelKey { watermark, ..kept });
    let fresh = overdue_now(&api, now).await;
    assert_eq!(api.risk_builds(), (1, 1), "the fresh model serves from memory");

    // More events at once (a laptop syncing): the fresh model stands in, and no second
    // build starts within the pause between builds.
    append_one(&api, now, tsur_core::EventKind::Comment { text: "на контроле".into() }).await;
    assert!(api.store().event_watermark().await.unwrap() > watermark);
    overdue_now(&api, now).await;
    api.risk_rebuilt().await;
    assert_eq!(api.risk_builds(), (1, 1), "a build a pause at most");

    // The fresh model is the kept one: a restart reads it, exactly.
    let api = restart(api, &path).await;
    assert_eq!(overdue_now(&api, now).await, fresh);
    assert_eq!(api.risk_builds(), (0, 0));
}

#[tokio::test]
async fn a_background_build_waits_for_the_quiet_start_to_end() {
    let Started { dir: _dir, path, api, .. } = started().await;
    let api = restart(api, &path).await;
    let quiet = std::time::Duration::from_millis(300);
    let asked = std::time::Instant::now();
    api.quiet_until(quiet);
    overdue_now(&api, t(NOW) + Duration::hours(3)).await;
    assert_eq!(api.risk_builds(), (0, 0), "the kept model stands in; nothing built yet");
    api.risk_rebuilt().await;
    assert!(asked.elapsed() >= quiet, "built only after the quiet start");
    assert_eq!(api.risk_builds(), (0, 1));
}

#[tokio::test]
async fn a_kept_model_stands_in_for_a_later_hour_of_the_same_day_only() {
    let Started { dir: _dir, path, api, .. } = started().await;
    let api = restart(api, &path).await;
    overdue_now(&api, t(NOW) + Duration::hours(3)).await;
    assert_eq!(api.risk_builds().0, 0, "three hours old: it stands in");
    api.risk_rebuilt().await;
    assert_eq!(api.risk_builds(), (0, 1));
    assert_eq!(api.kept_risk_key().await.instant, t("2026-11-01T13:00:00+04:00").timestamp());

    // A day after the model kept (13:00), the request waits for a fresh model.
    let api = restart(api, &path).await;
    overdue_now(&api, t("2026-11-02T13:00:00+04:00")).await;
    assert_eq!(api.risk_builds(), (1, 0));
    assert_eq!(api.kept_risk_key().await.instant, t("2026-11-02T13:00:00+04:00").timestamp());
    // Nor does a model of a later hour stand in for an earlier one (a clock set back).
    let api = restart(api, &path).await;
    overdue_now(&api, t("2026-11-02T12:59:00+04:00")).await;
    assert_eq!(api.risk_builds(), (1, 0));
}

#[tokio::test]
async fn an_explicit_instant_gets_a_model_of_its_own_that_is_not_kept() {
    let Started { dir: _dir, path, api, kept, .. } = started().await;
    // Five minutes after the hour the kept model of "now" was built for: it is not asked for.
    let at = "2026-11-01T10:05:00+04:00";
    let api = restart(api, &path).await;
    let report = api.overdue(Some(at), None, None, &Scope::local_curator(), t(NOW), None).await.unwrap();
    assert_eq!(report.at, at);
    assert_eq!(api.risk_builds(), (1, 0));
    api.overdue(Some(at), None, None, &Scope::local_curator(), t(NOW), None).await.unwrap();
    assert_eq!(api.risk_builds(), (1, 0), "the same instant again: from memory");
    assert_eq!(api.kept_risk_key().await, kept, "the store keeps the model of now");
    // "Now" again: the kept model, read from the store.
    overdue_now(&api, t(NOW)).await;
    assert_eq!(api.risk_builds(), (1, 0));
}

#[tokio::test]
async fn other_deadline_rules_build_the_model_again() {
    let Started { dir, path, api, kept, .. } = started().await;
    // The operator shortens the ПОС answer term from 8 to 5 working days.
    let mut api = restart(api, &path).await;
    let books = dir.path().join("books");
    api.reference_export(&books).unwrap();
    let regimes = books.join("catalog/regimes.csv");
    let text = std::fs::read_to_string(&regimes).unwrap();
    let edited = text.lines().map(|l| if l.starts_with("pos,") { l.replacen(",,,8,working,", ",,,5,working,", 1) } else { l.to_owned() }).collect::<Vec<_>>();
    std::fs::write(&regimes, edited.join("\n")).unwrap();
    api.reference_import(&books).await.unwrap();

    overdue_now(&api, t(NOW)).await;
    assert_eq!(api.risk_builds(), (1, 0), "a model of other rules never serves");
    assert_ne!(api.kept_risk_key().await.rules, kept.rules);
}

#[tokio::test]
async fn the_open_appeals_follow_new_events_without_reading_them_all_again() {
    let Started { dir: _dir, path, api, first, .. } = started().await;
    let now = t(NOW);
    assert_eq!(api.open_rows_read_in_full(), 1);
    // The most overdue appeal is answered a minute ago: it leaves the list.
    let gone = first.items.iter().find(|i| i.status == "overdue" && i.stage == "answer").expect("an overdue answer").appeal_id.clone();
    let id = tsur_core::AppealId(gone.parse().unwrap());
    let state = api.store().state(id, &Scope::local_curator()).await.unwrap().unwrap();
    assert!(state.last_event_at < now - Duration::minutes(1));
    let event = tsur_core::Event {
        id: tsur_core::EventId(uuid::Uuid::now_v7()),
        appeal_id: id,
        at: now - Duration::minutes(1),
        actor: "test".into(),
        node: "test".into(),
        kind: tsur_core::EventKind::Answered { text: "ответ дан".into() },
    };
    api.store().append_events(&[event]).await.unwrap();
    api.risk_rebuilt().await;
    let after = overdue_now(&api, now).await;
    assert_eq!(api.open_rows_read_in_full(), 1, "only the appeal with the new event was read");
    assert_eq!((after.open, after.overdue), (first.open - 1, first.overdue - 1));
    assert!(!after.items.iter().any(|i| i.appeal_id == gone));
    // The same report as a fresh start reading every open appeal.
    let api = restart(api, &path).await;
    assert_eq!(overdue_now(&api, now).await, after);
    assert_eq!(api.open_rows_read_in_full(), 1);
}

#[tokio::test]
async fn the_most_urgent_items_are_the_head_of_the_whole_list() {
    let Started { dir: _dir, api, first, .. } = started().await;
    assert!(first.items.len() > 5, "a list long enough to cut");
    for limit in [0, 1, 5, first.items.len(), first.items.len() + 10] {
        let top = api.overdue(None, None, None, &Scope::local_curator(), t(NOW), Some(limit)).await.unwrap();
        assert_eq!((top.open, top.on_time, top.overdue, top.at_risk), (first.open, first.on_time, first.overdue, first.at_risk));
        assert_eq!(top.items[..], first.items[..limit.min(first.items.len())], "limit {limit}");
    }
}
