//! Deadlines of an appeal's stages under a legal regime, explained.

use crate::{Api, ApiError};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use tsur_core::calendar::ProductionCalendar;
use tsur_core::deadline;
use tsur_core::time::ZONE;

/// How far in the future a received instant may be (clock skew between systems).
pub const FUTURE_TOLERANCE: Duration = Duration::minutes(10);

/// A non-working day a term passed over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct SkippedDayDto {
    /// Local date, `YYYY-MM-DD`.
    pub date: String,
    /// Why it did not count.
    pub reason: String,
}

/// The deadline of one stage with its explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct StageDeadlineDto {
    /// `registration`, `redirection`, `first_reply` or `answer`.
    pub stage: String,
    /// Russian name of the stage.
    pub stage_ru: String,
    /// Due instant, RFC 3339 in Europe/Astrakhan (+04:00).
    pub due: String,
    /// The instant the term starts from, RFC 3339 in Europe/Astrakhan.
    pub start: String,
    /// The regime's name.
    pub regime_ru: String,
    /// The rule in words.
    pub rule: String,
    /// Non-working days passed over.
    pub skipped: Vec<SkippedDayDto>,
    /// Days added by an extension.
    pub extension_days: u32,
    /// True when the answer rests on a predicted (not yet official) production calendar.
    pub predicted: bool,
}

fn parse_instant(field: &str, text: &str) -> Result<DateTime<Utc>, ApiError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| ApiError::invalid(format!("{field}: «{text}» — нужен момент времени RFC 3339 с часовым поясом, например 2026-03-02T10:00:00+04:00")))
}

impl Api {
    /// The deadlines of every stage of `regime` for an appeal received at `received`
    /// (registered at `registered`, if given), with `extension_days` added to the answer.
    /// `regime` accepts the ids of the reference book and the aliases `59fz` and `hotline`.
    pub fn deadlines(&self, regime: &str, received: &str, registered: Option<&str>, extension_days: u32, now: DateTime<Utc>) -> Result<Vec<StageDeadlineDto>, ApiError> {
        let id = match regime {
            "59fz" | "59-фз" => "fz59",
            "hotline" => "regional",
            other => other,
        };
        let known: Vec<&str> = self.reference().regimes.iter().map(|r| r.id.as_str()).collect();
        let regime = self
            .reference()
            .regimes
            .iter()
            .find(|r| r.id.as_str() == id)
            .ok_or_else(|| ApiError::invalid(format!("regime: неизвестный режим «{regime}»; известны: {}", known.join(", "))))?;
        let received_at = parse_instant("received", received)?;
        if received_at > now + FUTURE_TOLERANCE {
            return Err(ApiError::invalid(format!("received: {received} — в будущем (допускается не более {} мин вперёд)", FUTURE_TOLERANCE.num_minutes())));
        }
        let registered_at = registered.map(|r| parse_instant("registered", r)).transpose()?;
        if let Some(r) = registered_at {
            if r < received_at {
                return Err(ApiError::invalid("registered: регистрация раньше поступления"));
            }
        }
        let calendar = ProductionCalendar::default();
        let all = deadline::deadlines(regime, &calendar, received_at, registered_at, extension_days).map_err(|e| ApiError::invalid(e.to_string()))?;
        Ok(all
            .into_iter()
            .map(|d| StageDeadlineDto {
                stage: d.stage.code().into(),
                stage_ru: d.stage.label_ru().into(),
                due: d.due.with_timezone(&ZONE).to_rfc3339(),
                start: d.explanation.start.with_timezone(&ZONE).to_rfc3339(),
                regime_ru: d.explanation.regime,
                rule: d.explanation.rule,
                skipped: d.explanation.skipped.into_iter().map(|s| SkippedDayDto { date: s.date.to_string(), reason: s.reason }).collect(),
                extension_days: d.explanation.extension_days,
                predicted: d.explanation.predicted,
            })
            .collect())
    }
}
