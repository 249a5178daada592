//! The situation room's screen for the window: everything one view of the wall, the laptop
//! or the meeting shows, in one call and in the shapes the UI draws — KPI tiles against the
//! previous period, the choropleth's four metrics per municipality, both ratings with their
//! intervals, the top problems, the active alerts and the hotspots' hexagons. Figures come
//! from the analytics' snapshot (`tsur screen` gives the same numbers); nothing here names a
//! person or quotes an appeal, so the wall may show all of it.

use crate::analytics::SliceQuery;
use crate::{Api, ApiError};
use serde::{Deserialize, Serialize};
use tsur_analytics::rating::{RatedEntity, Rating};
use tsur_analytics::{Kpis, Share};
use tsur_core::Scope;

/// The filters of the room (empty = all). The same for every mode.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct RoomFilter {
    /// `2026`, `2026-03`, `2026-Q1`, `2026-03-15`, `2026-01-01..2026-03-31`; by default the
    /// 30 days up to the newest appeal.
    pub period: Option<String>,
    /// A municipality id.
    pub municipality: Option<String>,
    /// A block id.
    pub block: Option<String>,
    /// A channel code.
    pub channel: Option<String>,
    /// A status code.
    pub status: Option<String>,
}

impl RoomFilter {
    /// The slice of the analytics this filter selects.
    pub(crate) fn slice(&self) -> SliceQuery {
        let one = |v: &Option<String>| v.iter().filter(|s| !s.is_empty()).cloned().collect::<Vec<_>>();
        SliceQuery {
            period: self.period.clone().filter(|p| !p.is_empty()),
            municipalities: one(&self.municipality),
            blocks: one(&self.block),
            channels: one(&self.channel),
            statuses: one(&self.status),
            ..SliceQuery::default()
        }
    }
}

/// One KPI tile: the value, the previous period's, and which way is better.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct KpiTile {
    /// `appeals`, `per_1000`, `first_reply_h`, `on_time`, `resolved`, `reopened`, `rejected`, `satisfaction`.
    pub id: String,
    /// The tile's title.
    pub label_ru: String,
    /// The value (a share as 0–1), `None` without data.
    pub value: Option<f64>,
    /// The same over the previous period of equal length.
    pub previous: Option<f64>,
    /// `count`, `per_1000`, `hours`, `share`, `score`.
    pub unit: String,
    /// Whether a larger value is better (colours the change).
    pub higher_is_better: bool,
    /// How many cases the value rests on (appeals, answers, scores).
    pub n: f64,
}

/// The choropleth's metrics of one municipality.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct AreaMetric {
    /// Municipality id.
    pub municipality: String,
    /// Its name.
    pub name_ru: String,
    /// Appeals in the slice.
    pub appeals: f64,
    /// Appeals per 1,000 residents.
    pub per_1000: Option<f64>,
    /// Share of answers due in the slice that came late or not at all (0–1).
    pub overdue_share: Option<f64>,
    /// The municipality's rating score (0–100), when it has enough data.
    pub rating_score: Option<f64>,
    /// Mean satisfaction score (1–5).
    pub satisfaction: Option<f64>,
}

/// One row of a rating.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct RatingRow {
    /// Agency or municipality id.
    pub id: String,
    /// Its name.
    pub name_ru: String,
    /// Place, `None` when there is not enough data to rank.
    pub rank: Option<u32>,
    /// Appeals it answered for in the slice.
    pub appeals: f64,
    /// Whether there are enough appeals to rate.
    pub enough_data: bool,
    /// Score 0–100.
    pub score: Option<f64>,
    /// Lower end of its 95 % interval.
    pub lo: Option<f64>,
    /// Upper end of its 95 % interval.
    pub hi: Option<f64>,
}

/// One problem of the top list.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct ProblemRow {
    /// The problem's id.
    pub problem_id: String,
    /// Its topic's name.
    pub topic_ru: Option<String>,
    /// Its block id.
    pub block: Option<String>,
    /// Names of the municipalities it spans.
    pub municipalities_ru: Vec<String>,
    /// Appeals in the slice.
    pub appeals: u32,
    /// Appeals in the previous period.
    pub previous: u32,
    /// Priority score.
    pub priority: f64,
}

/// An active early-warning alert, for a marker and the feed.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct AlertRow {
    /// Municipality id.
    pub municipality: String,
    /// Its name.
    pub municipality_ru: String,
    /// Topic's name.
    pub topic_ru: String,
    /// When raised, `dd.mm.yyyy HH:MM` in Europe/Astrakhan.
    pub raised_ru: String,
    /// Appeals seen in the window.
    pub observed: u32,
    /// Appeals expected.
    pub expected: f64,
    /// Why, in Russian.
    pub reason_ru: String,
    /// Where to put the marker: the municipality's label point.
    pub lon: f64,
    /// See `lon`.
    pub lat: f64,
}

/// One line of the live feed: a new appeal or a raised alert. It names no person and quotes
/// no appeal text (the wall shows it as is).
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct FeedItem {
    /// `dd.mm.yyyy HH:MM` in Europe/Astrakhan.
    pub at: String,
    /// `appeal` or `alert`.
    pub kind: String,
    /// What happened: channel, municipality and topic of an appeal; municipality, topic and
    /// counts of an alert.
    pub text_ru: String,
    /// The appeal, for its case view; never on the wall.
    pub appeal_id: Option<String>,
    /// Whether the appeal's answer is late now.
    pub overdue: bool,
}

/// How many lines the live feed shows.
pub const FEED_LINES: i64 = 12;

/// Everything one view of the room shows.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct RoomScreen {
    /// The period, `dd.mm.yyyy–dd.mm.yyyy`.
    pub period_ru: String,
    /// KPI tiles.
    pub tiles: Vec<KpiTile>,
    /// The 13 municipalities' metrics, in catalogue order.
    pub areas: Vec<AreaMetric>,
    /// Rating of the agencies (ИОГВ).
    pub agencies: Vec<RatingRow>,
    /// Rating of the municipalities.
    pub municipalities: Vec<RatingRow>,
    /// Top problems by priority.
    pub problems: Vec<ProblemRow>,
    /// Active alerts (raised in the last 7 days of the period).
    pub alerts: Vec<AlertRow>,
    /// The hotspots: H3 hexagons with Gi* z-scores and their significance, a GeoJSON
    /// FeatureCollection as text (drawn by MapLibre as is).
    pub hotspots_geojson: String,
    /// The live feed: the newest appeals of the filter and the alerts, newest first.
    pub feed: Vec<FeedItem>,
}

/// A score in [0, 1] as points 0–100, as people read ratings.
fn points(score: f64) -> f64 {
    score * 100.0
}

fn share(s: &Share) -> Option<f64> {
    s.value
}

fn tiles(k: &Kpis, p: &Kpis) -> Vec<KpiTile> {
    let tile = |id: &str, label: &str, unit: &str, higher: bool, value: Option<f64>, previous: Option<f64>, n: u64| KpiTile {
        id: id.into(),
        label_ru: label.into(),
        value,
        previous,
        unit: unit.into(),
        higher_is_better: higher,
        n: n as f64,
    };
    vec![
        tile("appeals", "Обращений", "count", false, Some(k.appeals as f64), Some(p.appeals as f64), k.appeals),
        tile("per_1000", "На 1000 жителей", "per_1000", false, k.per_1000, p.per_1000, k.appeals),
        tile("first_reply_h", "Первый ответ, медиана", "hours", false, k.first_reply.median, p.first_reply.median, k.first_reply.n),
        tile("on_time", "Ответы в срок", "share", true, share(&k.on_time), share(&p.on_time), k.on_time.n),
        tile("resolved", "Решено", "share", true, share(&k.resolved), share(&p.resolved), k.resolved.n),
        tile("reopened", "Возвращены заявителем", "share", false, share(&k.reopened), share(&p.reopened), k.reopened.n),
        tile("rejected", "Ответы отклонены модерацией", "share", false, share(&k.rejected), share(&p.rejected), k.rejected.n),
        tile("satisfaction", "Удовлетворённость", "score", true, k.satisfaction_mean, p.satisfaction_mean, k.satisfaction_good.n),
    ]
}

fn rating_rows(r: &Rating) -> Vec<RatingRow> {
    r.entities
        .iter()
        .map(|e: &RatedEntity| RatingRow {
            id: e.id.clone(),
            name_ru: e.name_ru.clone(),
            rank: e.rank,
            appeals: e.appeals as f64,
            enough_data: e.enough_data,
            score: e.score.map(points),
            lo: e.lo.map(points),
            hi: e.hi.map(points),
        })
        .collect()
}

/// `dd.mm.yyyy HH:MM` of an RFC 3339 instant (already in Europe/Astrakhan), as the API's
/// instants are shown to people; text that is not an instant is returned as is.
pub fn instant_ru(rfc3339: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc3339).map(|t| t.format("%d.%m.%Y %H:%M").to_string()).unwrap_or_else(|_| rfc3339.to_owned())
}

impl Api {
    /// One view of the situation room for `filter`, as `scope` may see it.
    pub async fn room(&self, filter: &RoomFilter, scope: &Scope) -> Result<RoomScreen, ApiError> {
        let q = filter.slice();
        let (report, hotspots) = self.screen_and_hotspots(&q, 10, scope).await?;
        let s = &report.screen;
        let reference = self.reference();
        let names = crate::case::Names(reference);
        let name_of = |id: &str| names.municipality(id);
        let areas = s
            .areas
            .iter()
            .map(|a| AreaMetric {
                municipality: a.municipality.clone(),
                name_ru: name_of(&a.municipality),
                appeals: a.appeals as f64,
                per_1000: a.per_1000,
                overdue_share: a.overdue_share,
                rating_score: a.rating_score.map(points),
                satisfaction: a.satisfaction,
            })
            .collect();
        let problems = s
            .problems
            .iter()
            .map(|p| ProblemRow {
                problem_id: p.problem_id.clone(),
                topic_ru: p.topic_ru.clone(),
                block: p.block.clone(),
                municipalities_ru: p.municipalities.iter().map(|m| name_of(m)).collect(),
                appeals: p.appeals,
                previous: p.previous,
                priority: p.priority,
            })
            .collect();
        // Alerts raised in the last week of the period.
        let to = chrono::NaiveDate::parse_from_str(&report.to, "%Y-%m-%d").map_err(|e| ApiError::internal(format!("конец периода: {e}")))?;
        let since = (to - chrono::Duration::days(6)).to_string();
        let alerts: Vec<AlertRow> = self
            .alerts(Some(&since), scope)
            .await?
            .into_iter()
            .filter(|a| filter.municipality.as_deref().is_none_or(|m| m == a.municipality))
            .map(|a| {
                let m = reference.municipality(&tsur_core::MunicipalityId::from(a.municipality.as_str()));
                AlertRow {
                    raised_ru: instant_ru(&a.raised_at),
                    lon: m.map(|m| m.label_lon).unwrap_or(f64::NAN),
                    lat: m.map(|m| m.label_lat).unwrap_or(f64::NAN),
                    municipality: a.municipality,
                    municipality_ru: a.municipality_ru,
                    topic_ru: a.topic_ru,
                    observed: a.observed,
                    expected: a.expected,
                    reason_ru: a.reason_ru,
                }
            })
            .collect();
        let feed = self.feed(filter, &alerts, scope).await?;
        Ok(RoomScreen {
            period_ru: report.period_ru.clone(),
            tiles: tiles(&s.kpis, &s.previous),
            areas,
            agencies: rating_rows(&s.agencies),
            municipalities: rating_rows(&s.municipalities),
            problems,
            alerts,
            hotspots_geojson: hotspots.to_string(),
            feed,
        })
    }

    /// The live feed of a view: the newest appeals of the filter (whatever the period: the
    /// feed is the present) merged with the view's alerts, newest first.
    async fn feed(&self, filter: &RoomFilter, alerts: &[AlertRow], scope: &Scope) -> Result<Vec<FeedItem>, ApiError> {
        use tsur_store_sqlite::LatestBy;
        let only: Vec<(LatestBy, &str)> = [
            (LatestBy::Municipality, &filter.municipality),
            (LatestBy::Block, &filter.block),
            (LatestBy::Channel, &filter.channel),
            (LatestBy::Status, &filter.status),
        ]
        .into_iter()
        .filter_map(|(by, v)| v.as_deref().filter(|v| !v.is_empty()).map(|v| (by, v)))
        .collect();
        let now = chrono::Utc::now();
        let names = crate::case::Names(self.reference());
        let wall = scope.role == tsur_core::Role::Wall;
        let mut lines: Vec<(chrono::NaiveDateTime, FeedItem)> = Vec::new();
        for b in self.store().latest_appeals(&only, FEED_LINES, scope).await? {
            let brief = crate::case::brief(&b, &names, now);
            let topic = brief.topic_ru.clone().unwrap_or_else(|| "тема не определена".into());
            lines.push((
                b.received_at.with_timezone(&tsur_core::time::ZONE).naive_local(),
                FeedItem {
                    at: brief.received,
                    kind: "appeal".into(),
                    text_ru: format!("{} · {} · {topic}", brief.channel_ru, brief.municipality_ru),
                    appeal_id: (!wall).then_some(brief.id),
                    overdue: brief.overdue,
                },
            ));
        }
        for a in alerts {
            let Ok(at) = chrono::NaiveDateTime::parse_from_str(&a.raised_ru, "%d.%m.%Y %H:%M") else { continue };
            lines.push((
                at,
                FeedItem {
                    at: a.raised_ru.clone(),
                    kind: "alert".into(),
                    text_ru: format!(
                        "Сигнал: {} — {}, {} обр. при ожидаемых {}",
                        a.municipality_ru,
                        a.topic_ru,
                        a.observed,
                        format!("{:.1}", a.expected).replace('.', ",")
                    ),
                    appeal_id: None,
                    overdue: false,
                },
            ));
        }
        lines.sort_by_key(|x| std::cmp::Reverse(x.0));
        Ok(lines.into_iter().take(FEED_LINES as usize).map(|(_, item)| item).collect())
    }
}
