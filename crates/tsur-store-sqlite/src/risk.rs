//! The agencies' lateness model kept between runs (migration 0012): building it reads every
//! appeal's history (seconds at a million appeals), so the model last built for "now" is
//! kept in one row with what it was built for. A cache, not a record: it may be dropped at
//! any time. When a kept model may serve is the API's decision (`tsur-api`, the overdue
//! list).

use crate::{SqliteStore, StoreError};
use chrono::Duration;
use sqlx::Row;
use tsur_core::risk::{RiskModel, Thresholds};
use tsur_core::rules::Rules;

/// What a lateness model was built for.
#[derive(Debug, Clone, PartialEq)]
pub struct RiskModelKey {
    /// The events' watermark ([`SqliteStore::event_watermark`]) taken before it was built.
    pub watermark: i64,
    /// The instant it was built for, Unix seconds.
    pub instant: i64,
    /// The deadline rules it was built under ([`rules_stamp`]).
    pub rules: String,
    /// The thresholds it was built with.
    pub thresholds: Thresholds,
}

/// A kept lateness model: what it was built for, and its bytes, read by
/// [`KeptRiskModel::model`] only once the key says the model is of use.
#[derive(Debug, Clone)]
pub struct KeptRiskModel {
    /// What it was built for.
    pub key: RiskModelKey,
    bytes: Vec<u8>,
}

impl KeptRiskModel {
    /// The model; [`StoreError::Decode`] when the bytes are not a model this version reads
    /// (the caller then builds it again).
    pub fn model(&self) -> Result<RiskModel, StoreError> {
        serde_json::from_slice(&self.bytes).map_err(|e| StoreError::Decode(format!("модель вероятности просрочки: {e}")))
    }
}

/// What names the deadline rules for a kept model: the name-based UUID of their record (as
/// the project's other derived ids), the same for the same rules on every run.
pub fn rules_stamp(rules: &Rules) -> String {
    let text = serde_json::to_vec(rules.record()).expect("a rules record serialises: plain rows");
    uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_OID, &text).to_string()
}

impl SqliteStore {
    /// The kept lateness model, if any.
    pub async fn load_risk_model(&self) -> Result<Option<KeptRiskModel>, StoreError> {
        let row = sqlx::query("SELECT watermark, instant, rules, working_left_minutes, p_late, min_sample, bytes FROM risk_model WHERE id = 1")
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| KeptRiskModel {
            key: RiskModelKey {
                watermark: r.get("watermark"),
                instant: r.get("instant"),
                rules: r.get("rules"),
                thresholds: Thresholds {
                    working_left: Duration::minutes(r.get("working_left_minutes")),
                    p_late: r.get("p_late"),
                    min_sample: usize::try_from(r.get::<i64, _>("min_sample")).unwrap_or(usize::MAX),
                },
            },
            bytes: r.get("bytes"),
        }))
    }

    /// Keeps a lateness model built for `key`, replacing the one kept before.
    pub async fn save_risk_model(&self, key: &RiskModelKey, model: &RiskModel) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec(model).expect("a lateness model serialises: strings and integers");
        sqlx::query(
            "INSERT INTO risk_model (id, watermark, instant, rules, working_left_minutes, p_late, min_sample, bytes) VALUES (1, ?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (id) DO UPDATE SET watermark = excluded.watermark, instant = excluded.instant, rules = excluded.rules, \
             working_left_minutes = excluded.working_left_minutes, p_late = excluded.p_late, min_sample = excluded.min_sample, bytes = excluded.bytes",
        )
        .bind(key.watermark)
        .bind(key.instant)
        .bind(&key.rules)
        .bind(key.thresholds.working_left.num_minutes())
        .bind(key.thresholds.p_late)
        .bind(i64::try_from(key.thresholds.min_sample).unwrap_or(i64::MAX))
        .bind(bytes)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
