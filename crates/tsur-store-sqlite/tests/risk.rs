//! The agencies' lateness model kept between runs (migration 0012): written, read back to
//! the bit, replaced, and refused without a panic when its bytes are not a model.

use chrono::Duration;
use tsur_core::calendar::OfficeHoursRow;
use tsur_core::risk::{Observation, RiskModel, Thresholds};
use tsur_core::rules::{Rules, RulesRecord};
use tsur_store_sqlite::{rules_stamp, RiskModelKey, SqliteStore, StoreError};

/// A slow agency (answers from `slow` of the term on) and a quick one, on one topic.
fn model(slow: f64) -> RiskModel {
    let history = (0..60).map(|i| Observation {
        agency: if i % 2 == 0 { "slow" } else { "quick" },
        topic: "road_potholes",
        share: if i % 2 == 0 { slow + f64::from(i) / 97.0 } else { f64::from(i) / 131.0 },
        answered: i % 7 != 0,
    });
    RiskModel::build(history, &Thresholds { min_sample: 5, ..Thresholds::default() })
}

#[tokio::test]
async fn a_kept_lateness_model_round_trips_and_a_newer_one_replaces_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tsur.db");
    let store = SqliteStore::open(&path).await.unwrap();
    assert!(store.load_risk_model().await.unwrap().is_none(), "a new store keeps no model");
    let rules = store.rules().await.unwrap();
    let key = RiskModelKey {
        watermark: 42,
        instant: 1_790_000_000 / 3600 * 3600,
        rules: rules_stamp(&rules),
        thresholds: Thresholds { working_left: Duration::minutes(450), p_late: 0.35, min_sample: 5 },
    };
    let first = model(1.1);
    store.save_risk_model(&key, &first).await.unwrap();
    store.close().await;

    // Another run of the program reads the same key and the same model, to the bit.
    let store = SqliteStore::open(&path).await.unwrap();
    let kept = store.load_risk_model().await.unwrap().expect("kept");
    assert_eq!(kept.key, key);
    let read = kept.model().unwrap();
    assert_eq!(read, first);
    let risk = read.risk(Some("slow"), Some("road_potholes"), 0.3);
    assert!(risk.is_some_and(|r| r.p_late > 0.5), "{risk:?}");
    assert_eq!(risk, first.risk(Some("slow"), Some("road_potholes"), 0.3));

    // One row: a newer model replaces the old one.
    let newer = RiskModelKey { watermark: 43, ..key.clone() };
    store.save_risk_model(&newer, &model(0.2)).await.unwrap();
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM risk_model").fetch_one(store.pool()).await.unwrap();
    assert_eq!(rows, 1);
    let kept = store.load_risk_model().await.unwrap().expect("kept");
    assert_eq!((kept.model().unwrap(), kept.key), (model(0.2), newer));

    // Bytes that are not a model (another version's, a damaged row) are an error the caller
    // answers by building the model again, never a panic.
    sqlx::query("UPDATE risk_model SET bytes = x'00'").execute(store.pool()).await.unwrap();
    let err = store.load_risk_model().await.unwrap().expect("kept").model().unwrap_err();
    assert!(matches!(err, StoreError::Decode(_)), "{err}");
}

fn office_hours(closes: &str) -> Rules {
    let row = |day: &str| OfficeHoursRow { weekday: day.into(), opens: "09:00".into(), closes: closes.into(), pre_holiday_cut_minutes: 60 };
    let record = RulesRecord { office_hours: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map(row).to_vec(), ..RulesRecord::default() };
    Rules::from_record(record).unwrap()
}

#[test]
fn the_rules_stamp_tells_rules_apart_and_not_their_copies() {
    assert_eq!(rules_stamp(&office_hours("18:00")), rules_stamp(&office_hours("18:00")));
    assert_ne!(rules_stamp(&office_hours("18:00")), rules_stamp(&office_hours("17:00")));
    assert_ne!(rules_stamp(&office_hours("18:00")), rules_stamp(&Rules::with_regimes(Vec::new())));
}
