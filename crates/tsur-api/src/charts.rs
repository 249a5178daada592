//! The situation room's charts and the reports' (`tsur chart`): appeals per day of a slice
//! with the early-warning incidents of its period, and its answers against their deadlines,
//! counted in one pass over the analytics' snapshot and drawn as SVG by `tsur-charts`.
//!
//! A chart carries counts, dates, and incidents named by municipality and topic: no person,
//! no contact and no appeal text, so the wall may show it.

use crate::room::RoomFilter;
use crate::{Api, ApiError, SliceQuery};
use serde::Serialize;
use tsur_analytics::snapshot::Lateness;
use tsur_analytics::{Dims, Filter, Snapshot};
use tsur_charts::{Incident, ReplyTimes, Timeline};
use tsur_core::Scope;

pub use tsur_charts::{Frame as ChartFrame, Theme as ChartTheme};

/// The two charts of a slice, with the figures they show (for a text alternative).
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct Charts {
    /// The period, `dd.mm.yyyy–dd.mm.yyyy`.
    pub period_ru: String,
    /// Appeals over time with the incidents, SVG.
    pub timeline_svg: String,
    /// Reply times against the deadline, SVG.
    pub replies_svg: String,
    /// Appeals in the slice.
    pub appeals: f64,
    /// Early-warning incidents marked on the timeline.
    pub incidents: u32,
    /// Answers given by their deadline.
    pub answers_on_time: f64,
    /// Answers given after it.
    pub answers_late: f64,
    /// Appeals without an answer whose deadline has passed.
    pub unanswered_overdue: f64,
}

/// What the charts of a slice are drawn from.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartSeries {
    /// The period, `dd.mm.yyyy–dd.mm.yyyy`.
    pub period_ru: String,
    /// Appeals per local day and the incidents.
    pub timeline: Timeline,
    /// Answers and overdue appeals by day against their deadlines.
    pub replies: ReplyTimes,
}

/// Appeals of the slice per local day of `days` (each day's first instant, and the end).
fn daily(s: &Snapshot, filter: &Filter, days: &[i64], now: i64, replies: &mut ReplyTimes) -> Vec<u32> {
    let mut daily = vec![0u32; days.len().saturating_sub(1)];
    for i in 0..s.len() {
        if !filter.matches(s, i) {
            continue;
        }
        // The day that starts last at or before the receipt (the filter keeps it in the period).
        if let Some(d) = days.partition_point(|&start| start <= s.at_ms(i)).checked_sub(1).filter(|&d| d < daily.len()) {
            daily[d] += 1;
        }
        // Late as the KPIs count it (the same `Snapshot::lateness`).
        match s.lateness(i, now) {
            Some(Lateness::Answered(after)) => replies.add_answer(after),
            Some(Lateness::Overdue(past)) => replies.add_unanswered(past),
            None => {}
        }
    }
    daily
}

/// The early-warning alerts raised in `[filter.from, filter.to)` in the slice's
/// municipalities, blocks and topics (alerts are by municipality and topic, so the channel
/// and status of a slice do not narrow them), named by municipality and topic.
fn incidents(alerts: &[tsur_analytics::alerts::Alert], d: &Dims, filter: &Filter, scope: &Scope) -> Vec<Incident> {
    let bit = |mask: Option<u128>, code: u8| mask.is_none_or(|m| code < 128 && m & (1u128 << code) != 0);
    alerts
        .iter()
        .filter(|a| (filter.from..filter.to).contains(&a.raised_at.saturating_mul(1000)))
        .filter(|a| {
            let block = d.topic_block.get(a.topic as usize).copied().unwrap_or(tsur_analytics::snapshot::NONE8);
            bit(filter.municipalities, a.municipality)
                && bit(filter.blocks, block)
                && filter.topics.as_ref().is_none_or(|t| t.get(a.topic as usize).copied().unwrap_or(false))
                && crate::analytics::alert_in_scope(d, a, scope)
        })
        .map(|a| Incident {
            day: tsur_core::time::local_date(chrono::DateTime::from_timestamp(a.raised_at, 0).unwrap_or_default()),
            label: format!("{} — {}", d.municipality_names[a.municipality as usize], d.topic_names[a.topic as usize]),
            weight: f64::from(a.observed) / a.expected.max(0.01),
        })
        .collect()
}

impl Api {
    /// The series the charts of a slice are drawn from, at `now`.
    pub async fn chart_series(&self, q: &SliceQuery, scope: &Scope, now: chrono::DateTime<chrono::Utc>) -> Result<ChartSeries, ApiError> {
        self.with_snapshot(|c| {
            let (filter, period) = c.filter(q, scope)?;
            let days: Vec<i64> = period.first.iter_days().take(period.days() as usize + 1).map(|d| tsur_core::time::day_start(d).timestamp_millis()).collect();
            let mut replies = ReplyTimes::new();
            let daily = daily(c.snapshot(), &filter, &days, now.timestamp_millis(), &mut replies);
            let incidents = incidents(c.detected_alerts(), c.dims(), &filter, scope);
            Ok(ChartSeries { period_ru: period.label_ru(), timeline: Timeline { first: period.first, daily, incidents }, replies })
        })
        .await
    }

    /// Both charts of a slice drawn in `frame` (the CLI's `tsur chart`, for reports).
    pub async fn charts(&self, q: &SliceQuery, frame: &ChartFrame, scope: &Scope) -> Result<Charts, ApiError> {
        let series = self.chart_series(q, scope, chrono::Utc::now()).await?;
        let draw_error = |e: tsur_charts::ChartError| ApiError::internal(e.to_string());
        let t = &series.timeline;
        Ok(Charts {
            timeline_svg: tsur_charts::timeline_svg(t, frame).map_err(draw_error)?,
            replies_svg: tsur_charts::replies_svg(&series.replies, frame).map_err(draw_error)?,
            appeals: t.daily.iter().map(|&n| f64::from(n)).sum(),
            incidents: t.incidents.len() as u32,
            answers_on_time: series.replies.on_time() as f64,
            answers_late: series.replies.late() as f64,
            unanswered_overdue: series.replies.unanswered() as f64,
            period_ru: series.period_ru,
        })
    }

    /// The room's charts for `filter` at the panel's width, dark for the wall.
    pub async fn room_charts(&self, filter: &RoomFilter, dark: bool, scope: &Scope) -> Result<Charts, ApiError> {
        let theme = if dark { ChartTheme::Dark } else { ChartTheme::Light };
        self.charts(&filter.slice(), &ChartFrame::panel(theme), scope).await
    }
}
