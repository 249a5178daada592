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
    pub fn deadlines(
        &self,
        regime: &str,
        received: &str,
        registered: Option<&str>,
        extension_days: u32,
        now: DateTime<Utc>,
    ) -> Result<Vec<StageDeadlineDto>, ApiError> {
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

/// How long before its deadline an open appeal counts as at risk (interim rule, see
/// docs/deadlines.md: the probability from the agency's own history is still to come).
pub const AT_RISK_WINDOW: Duration = Duration::hours(24);

/// An open appeal that is overdue or at risk.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct OverdueItem {
    /// Appeal id.
    pub appeal_id: String,
    /// Channel code.
    pub channel: String,
    /// The channel's id.
    pub external_id: String,
    /// Municipality id.
    pub municipality: String,
    /// Block id, once classified.
    pub block: Option<String>,
    /// Topic id, once classified.
    pub topic: Option<String>,
    /// Responsible agency id.
    pub agency: Option<String>,
    /// The pending stage: `first_reply` or `answer`.
    pub stage: String,
    /// When it is (was) due, RFC 3339 in Europe/Astrakhan.
    pub due: String,
    /// `overdue` or `at_risk`.
    pub status: String,
    /// Hours past the deadline (overdue) or left until it (at risk).
    pub hours: f64,
}

/// Overdue and at-risk appeals at an instant.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct OverdueReport {
    /// The instant, RFC 3339 in Europe/Astrakhan.
    pub at: String,
    /// Number overdue.
    pub overdue: u32,
    /// Number at risk.
    pub at_risk: u32,
    /// The appeals, most overdue first.
    pub items: Vec<OverdueItem>,
}

impl Api {
    /// Open appeals overdue or at risk at `at` (now when `None`), optionally in one block or
    /// municipality, within `scope`.
    pub async fn overdue(
        &self,
        at: Option<&str>,
        block: Option<&str>,
        municipality: Option<&str>,
        scope: &tsur_core::Scope,
        now: DateTime<Utc>,
    ) -> Result<OverdueReport, ApiError> {
        let at = at.map(|a| parse_instant("at", a)).transpose()?.unwrap_or(now);
        let mut scope = scope.clone();
        if let Some(b) = block {
            if !self.reference().blocks.iter().any(|x| x.id.as_str() == b) {
                return Err(ApiError::invalid(format!("block: неизвестный блок «{b}»")));
            }
            scope.blocks = Some(vec![b.into()]);
        }
        if let Some(m) = municipality {
            if !self.reference().municipalities.iter().any(|x| x.id.as_str() == m) {
                return Err(ApiError::invalid(format!("municipality: неизвестный муниципалитет «{m}»")));
            }
            scope.municipalities = Some(vec![m.into()]);
        }
        let filter = tsur_store_sqlite::StatsFilter { from: None, until: Some(at), scope };
        let rows = self.store().pending_due_before(&filter, at + AT_RISK_WINDOW).await?;
        let items: Vec<OverdueItem> = rows
            .into_iter()
            .map(|r| {
                let late = r.due < at;
                let hours = ((if late { at - r.due } else { r.due - at }).num_minutes() as f64 / 60.0 * 10.0).round() / 10.0;
                OverdueItem {
                    appeal_id: r.appeal_id.to_string(),
                    channel: r.channel,
                    external_id: r.external_id,
                    municipality: r.municipality_id,
                    block: r.block_id,
                    topic: r.topic_id,
                    agency: r.agency_id,
                    stage: r.stage,
                    due: r.due.with_timezone(&ZONE).to_rfc3339(),
                    status: if late { "overdue" } else { "at_risk" }.into(),
                    hours,
                }
            })
            .collect();
        let overdue = items.iter().filter(|i| i.status == "overdue").count() as u32;
        Ok(OverdueReport {
            at: at.with_timezone(&ZONE).to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
            overdue,
            at_risk: items.len() as u32 - overdue,
            items,
        })
    }
}
