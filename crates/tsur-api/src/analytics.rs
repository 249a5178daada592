//! Analytics: KPIs of any slice, ratings, the problem register's priorities, hotspots,
//! early warning and the effect of fast-tracks and roadmaps — all computed on an in-memory
//! columnar snapshot of the projection (`tsur-analytics`), built once from the store and
//! then brought up to date with the appeals whose events arrived since (by the events'
//! rowid watermark), so a screen is a pass over memory, not a query over SQLite.

use crate::{Api, ApiError};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;
use tsur_analytics::effect::{self, Effect, Roadmap};
use tsur_analytics::priority::ProblemPriority;
use tsur_analytics::rating::{groups, rate, Rating, RatingOf};
use tsur_analytics::screen::{self, Pass, Screen};
use tsur_analytics::snapshot::{Dims, Row, Snapshot};
use tsur_analytics::{Filter, Kpis, Period, Weights};
use tsur_core::calendar::CompiledCalendar;
use tsur_core::reference::ReferenceData;
use tsur_core::Scope;
use tsur_store_sqlite::SnapshotRow;

/// The snapshot and what it was built with.
pub(crate) struct Cache {
    dims: Dims,
    calendar: CompiledCalendar,
    snapshot: Snapshot,
    /// The weights of the ratings and priorities in force (parsed once with the books).
    weights: Weights,
    watermark: i64,
    /// What the kept copy in the store was built with.
    key: String,
    /// Rows updated since the copy in the store was written.
    unsaved: usize,
    /// The early-warning detector's alerts over the whole history, run once per state of the
    /// snapshot (every room view asks for them).
    alerts: std::sync::OnceLock<Vec<tsur_analytics::alerts::Alert>>,
    /// Each row's hexagon at a resolution other than the map's, once asked for (see [`RowCells`]).
    cells: Option<RowCells>,
}

/// The H3 cell of every row of the snapshot at a resolution other than the map's (the
/// snapshot keeps the map's, [`tsur_analytics::snapshot::MAP_CELLS`], and not the points), by
/// a code into the distinct cells. The points are read from the store once for a resolution
/// (about 3 s for a million appeals, most of it reading the appeals' table), and a changed
/// appeal's cell is found again from its row as the snapshot catches up. Row numbers change
/// when the snapshot is settled: the cells then go, and are read again on the next use.
struct RowCells {
    res: h3o::Resolution,
    /// The distinct cells, by code.
    cells: Vec<h3o::CellIndex>,
    code: HashMap<h3o::CellIndex, u32>,
    /// Each row's code, [`NO_CELL`] for a row without a point.
    of_row: Vec<u32>,
}

const NO_CELL: u32 = tsur_analytics::snapshot::NONE32;

impl RowCells {
    /// No cell yet for any of `rows` rows.
    fn new(res: h3o::Resolution, rows: usize) -> RowCells {
        RowCells { res, cells: Vec::new(), code: HashMap::new(), of_row: vec![NO_CELL; rows] }
    }

    /// Row `i`'s point is `(lon, lat)`.
    fn set(&mut self, i: usize, lon: Option<f64>, lat: Option<f64>) {
        use tsur_analytics::snapshot::{cell_at, code_of};
        self.of_row[i] = cell_at(lon, lat, self.res).map_or(NO_CELL, |cell| code_of(&mut self.cells, &mut self.code, cell));
    }
}

/// Counts of appeals by municipality, block, channel and status (`None`: no block, or a code
/// the books do not know).
pub(crate) struct Tallies {
    pub(crate) total: u32,
    pub(crate) municipality: HashMap<Option<String>, u32>,
    pub(crate) block: HashMap<Option<String>, u32>,
    pub(crate) channel: HashMap<Option<String>, u32>,
    pub(crate) status: HashMap<Option<String>, u32>,
}

/// The kept copy is rewritten after this many rows changed.
const RESAVE_AFTER: usize = 50_000;

/// The shared, lazily built snapshot of one open store.
pub(crate) type Shared = Arc<tokio::sync::Mutex<Option<Cache>>>;

/// Which appeals: a period and sets of ids (empty = all). Ids are the reference books'.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SliceQuery {
    /// `2026`, `2026-03`, `2026-Q1`, `2026-03-15`, `2026-01-01..2026-03-31`; by default the
    /// 30 days up to the newest appeal.
    pub period: Option<String>,
    /// Municipality ids.
    pub municipalities: Vec<String>,
    /// Block ids.
    pub blocks: Vec<String>,
    /// Agency ids.
    pub agencies: Vec<String>,
    /// Channel codes.
    pub channels: Vec<String>,
    /// Topic ids.
    pub topics: Vec<String>,
    /// Status codes.
    pub statuses: Vec<String>,
}

/// KPIs of a slice with the previous period's for comparison.
#[derive(Debug, Clone, Serialize)]
pub struct KpiReport {
    /// The period, `dd.mm.yyyy–dd.mm.yyyy`.
    pub period_ru: String,
    /// First day, ISO.
    pub from: String,
    /// Last day, ISO.
    pub to: String,
    /// The slice's KPIs.
    pub kpis: Kpis,
    /// The same slice over the period of equal length before.
    pub previous: Kpis,
}

/// A screen with its period.
#[derive(Debug, Clone, Serialize)]
pub struct ScreenReport {
    /// The period, `dd.mm.yyyy–dd.mm.yyyy`.
    pub period_ru: String,
    /// First day, ISO.
    pub from: String,
    /// Last day, ISO.
    pub to: String,
    /// Everything the screen shows.
    #[serde(flatten)]
    pub screen: Screen,
}

/// The effect of a fast-track or roadmap.
#[derive(Debug, Clone, Serialize)]
pub struct EffectReport {
    /// `fast_track` or `roadmap`.
    pub kind: &'static str,
    /// Its id.
    pub id: String,
    /// Its Russian name.
    pub name_ru: String,
    /// First day it applies.
    pub start: String,
    /// The estimates.
    #[serde(flatten)]
    pub effect: Effect,
}

fn mask(dims_codes: impl Iterator<Item = Option<u8>>, ids: &[String], what: &str) -> Result<Option<u128>, ApiError> {
    if ids.is_empty() {
        return Ok(None);
    }
    let mut m = 0u128;
    for (code, id) in dims_codes.zip(ids) {
        let c = code.ok_or_else(|| ApiError::invalid(format!("{what} «{id}» нет в справочниках")))?;
        m |= 1u128 << c;
    }
    Ok(Some(m))
}

/// Intersects a mask with a scope's allowed codes.
fn narrow(mask: Option<u128>, allowed: Option<u128>) -> Option<u128> {
    match (mask, allowed) {
        (Some(a), Some(b)) => Some(a & b),
        (a, b) => a.or(b),
    }
}

impl Cache {
    /// Brings the rows of the appeals with events after the watermark up to date.
    async fn catch_up(&mut self, store: &tsur_store_sqlite::SqliteStore) -> Result<(), ApiError> {
        let (rows, watermark) = store.snapshot_rows_since(self.watermark).await?;
        for r in &rows {
            self.snapshot.upsert(&self.dims, &self.calendar, &row(r)).map_err(|e| ApiError::internal(format!("снимок для аналитики не обновлён: {e}")))?;
        }
        self.watermark = watermark;
        self.unsaved += rows.len();
        if !rows.is_empty() {
            self.alerts = Default::default();
            // A changed appeal may have moved, and an added one has its cell found now.
            if let Some(cells) = self.cells.as_mut() {
                cells.of_row.resize(self.snapshot.len(), NO_CELL);
                for r in &rows {
                    if let Some(i) = self.snapshot.index_of(r.id.as_u128()) {
                        cells.set(i, r.lon, r.lat);
                    }
                }
            }
        }
        Ok(())
    }

    /// The cells of every row at `res` (other than the map's), read from the store's points
    /// unless they are kept already.
    async fn cells_at(&mut self, store: &tsur_store_sqlite::SqliteStore, res: h3o::Resolution) -> Result<(), ApiError> {
        if self.cells.as_ref().is_some_and(|k| k.res == res) {
            return Ok(());
        }
        let snapshot = &self.snapshot;
        let mut cells = RowCells::new(res, snapshot.len());
        store
            .appeal_points(crate::PAGE_ROWS, |page| {
                for &(id, lon, lat) in page {
                    if let Some(i) = snapshot.index_of(id.as_u128()) {
                        cells.set(i, Some(lon), Some(lat));
                    }
                }
            })
            .await?;
        self.cells = Some(cells);
        Ok(())
    }

    /// The snapshot [settled](Snapshot::settle) and as bytes, to be kept in the store. Rows
    /// that moved take their cells at other resolutions with them: those go, and are read
    /// again when next asked for.
    fn settled_bytes(&mut self) -> Vec<u8> {
        if self.snapshot.settle() {
            self.cells = None;
        }
        self.snapshot.to_bytes()
    }

    /// The screen of a slice as `scope` may see it, at `now` (Unix ms).
    fn screen(&self, q: &SliceQuery, top: usize, scope: &Scope, now: i64) -> Result<ScreenReport, ApiError> {
        let (filter, period) = self.filter(q, scope)?;
        let screen = screen::screen(&self.snapshot, &self.dims, &self.weights, &filter, now, top);
        Ok(ScreenReport { period_ru: period.label_ru(), from: period.first.to_string(), to: period.last.to_string(), screen })
    }

    /// The filter and period of a slice as `scope` may see it.
    pub(crate) fn filter(&self, q: &SliceQuery, scope: &Scope) -> Result<(Filter, Period), ApiError> {
        let d = &self.dims;
        let period = match &q.period {
            Some(p) => Period::parse(p).map_err(|e| ApiError::invalid(e.to_string()))?,
            None => {
                let newest = self.snapshot.at.iter().copied().max().map_or_else(|| chrono::Utc::now().timestamp(), i64::from);
                let day = chrono::DateTime::from_timestamp(newest, 0).unwrap_or_default().with_timezone(&tsur_core::time::ZONE).date_naive();
                Period::last_days(day, 30)
            }
        };
        let (from, to) = period.millis();
        let topics = if q.topics.is_empty() {
            None
        } else {
            let mut t = vec![false; d.topics.len()];
            for id in &q.topics {
                t[d.topic(id).ok_or_else(|| ApiError::invalid(format!("тематики «{id}» нет в справочниках")))? as usize] = true;
            }
            Some(t)
        };
        let statuses = if q.statuses.is_empty() {
            None
        } else {
            let mut m = 0u128;
            for code in &q.statuses {
                let s = tsur_core::Status::from_code(code).ok_or_else(|| ApiError::invalid(format!("статус «{code}» неизвестен")))?;
                m |= 1u128 << tsur_core::Status::ALL.iter().position(|x| *x == s).unwrap_or(0);
            }
            Some(m)
        };
        let scope_munis = scope.municipalities.as_ref().map(|l| l.iter().filter_map(|m| d.municipality(m.as_str())).fold(0u128, |a, c| a | 1u128 << c));
        let scope_blocks = scope.blocks.as_ref().map(|l| l.iter().filter_map(|b| d.block(b.as_str())).fold(0u128, |a, c| a | 1u128 << c));
        let filter = Filter {
            from,
            to,
            municipalities: narrow(mask(q.municipalities.iter().map(|m| d.municipality(m)), &q.municipalities, "муниципалитета")?, scope_munis),
            blocks: narrow(mask(q.blocks.iter().map(|b| d.block(b)), &q.blocks, "блока")?, scope_blocks),
            agencies: mask(q.agencies.iter().map(|a| d.agency(a)), &q.agencies, "исполнителя")?,
            channels: mask(q.channels.iter().map(|c| d.channel(c)), &q.channels, "канала")?,
            statuses,
            topics,
        };
        Ok((filter, period))
    }
}

fn row(r: &SnapshotRow) -> Row<'_> {
    Row {
        id: r.id.as_u128(),
        received_at: r.received_at,
        registered_at: r.registered_at,
        municipality: &r.municipality,
        settlement: r.settlement.as_deref(),
        channel: &r.channel,
        status: &r.status,
        block: r.block.as_deref(),
        topic: r.topic.as_deref(),
        agency: r.agency.as_deref(),
        problem: r.problem.map(|p| p.as_u128()),
        fast_track: r.fast_track.as_deref(),
        first_reply_at: r.first_reply_at,
        last_answer_at: r.last_answer_at,
        answer_due: r.answer_due,
        resolved_at: r.resolved_at,
        confirmed_at: r.confirmed_at,
        answers: r.answers.clamp(0, i64::from(u32::MAX)) as u32,
        rejected_answers: r.rejected_answers.clamp(0, i64::from(u32::MAX)) as u32,
        reopen_count: r.reopen_count.clamp(0, i64::from(u32::MAX)) as u32,
        satisfaction: r.satisfaction.and_then(|s| u8::try_from(s).ok()),
        lon: r.lon,
        lat: r.lat,
    }
}

/// Checks the analytics' reference files (weights, roadmaps) against the other books.
pub(crate) fn check_books(data: &ReferenceData) -> Result<(), ApiError> {
    Weights::parse(&data.texts.analytics_weights).map_err(|e| ApiError::invalid(e.to_string()))?;
    roadmaps_of(data)?;
    Ok(())
}

fn roadmaps_of(data: &ReferenceData) -> Result<Vec<Roadmap>, ApiError> {
    effect::parse_roadmaps(&data.texts.roadmaps, &data.texts.roadmap_milestones, |kind, id| match kind {
        "topic" => (!data.topics.iter().any(|t| t.id.as_str() == id)).then(|| format!("неизвестная тематика «{id}»")),
        "municipality" => (!data.municipalities.iter().any(|m| m.id.as_str() == id)).then(|| format!("неизвестный муниципалитет «{id}»")),
        _ => (!data.agencies.iter().any(|a| a.id.as_str() == id)).then(|| format!("неизвестный исполнитель «{id}»")),
    })
    .map_err(|e| ApiError::invalid(e.to_string()))
}

impl Api {
    /// The weights in force.
    pub fn weights(&self) -> Result<Weights, ApiError> {
        Weights::parse(&self.reference.texts.analytics_weights).map_err(|e| ApiError::invalid(e.to_string()))
    }

    /// The roadmaps in force.
    pub fn roadmaps(&self) -> Result<Vec<Roadmap>, ApiError> {
        roadmaps_of(&self.reference)
    }

    /// Runs `f` on the snapshot brought up to date with the store.
    pub(crate) async fn with_snapshot<T>(&self, f: impl FnOnce(&Cache) -> Result<T, ApiError>) -> Result<T, ApiError> {
        self.with_snapshot_cells(None, f).await
    }

    /// [`Api::with_snapshot`], with the rows' cells at `cells` (a resolution other than the
    /// map's) kept in the cache first.
    async fn with_snapshot_cells<T>(&self, cells: Option<h3o::Resolution>, f: impl FnOnce(&Cache) -> Result<T, ApiError>) -> Result<T, ApiError> {
        let mut guard = self.analytics.lock().await;
        match guard.as_mut() {
            None => *guard = Some(self.open_snapshot().await?),
            Some(cache) => {
                cache.catch_up(&self.store).await?;
                if cache.unsaved >= RESAVE_AFTER {
                    let bytes = cache.settled_bytes();
                    self.store.save_snapshot(&cache.key, cache.watermark, bytes).await?;
                    cache.unsaved = 0;
                }
            }
        }
        let cache = guard.as_mut().expect("filled above");
        if let Some(res) = cells {
            cache.cells_at(&self.store, res).await?;
        }
        f(cache)
    }

    /// The snapshot kept in the store when it was built with the books in force (then only
    /// the appeals with newer events are read), otherwise one built from every row and kept.
    async fn open_snapshot(&self) -> Result<Cache, ApiError> {
        let dims = Dims::from_reference(&self.reference).map_err(|e| ApiError::internal(e.to_string()))?;
        let weights = self.weights()?;
        let calendar = CompiledCalendar::new(self.reference.calendar.clone());
        let key = format!("{}:{}", tsur_analytics::snapshot::FORMAT, self.store.reference_stamp().await?);
        let current = self.store.event_watermark().await?;
        if let Some((stored_key, watermark, bytes)) = self.store.load_snapshot().await? {
            if stored_key == key && watermark <= current {
                if let Some(snapshot) = Snapshot::from_bytes(&bytes) {
                    let mut cache =
                        Cache { dims, calendar, snapshot, weights, watermark, key, unsaved: 0, alerts: Default::default(), cells: Default::default() };
                    cache.catch_up(&self.store).await?;
                    return Ok(cache);
                }
            }
        }
        let watermark = current;
        let mut snapshot = Snapshot::with_capacity(self.store.appeal_count().await?.max(0) as usize);
        let mut failed = None;
        self.store
            .snapshot_rows(crate::PAGE_ROWS, |page| {
                for r in page {
                    if let Err(e) = snapshot.upsert(&dims, &calendar, &row(r)) {
                        failed.get_or_insert(e);
                    }
                }
            })
            .await?;
        if let Some(e) = failed {
            return Err(ApiError::internal(format!("снимок для аналитики не построен: {e}")));
        }
        let mut cache = Cache { dims, calendar, snapshot, weights, watermark, key, unsaved: 0, alerts: Default::default(), cells: Default::default() };
        let bytes = cache.settled_bytes();
        self.store.save_snapshot(&cache.key, watermark, bytes).await?;
        Ok(cache)
    }

    /// A copy of the up-to-date snapshot and its dictionaries (for benchmarks and exports).
    pub async fn snapshot_copy(&self) -> Result<(Dims, Snapshot), ApiError> {
        self.with_snapshot(|c| Ok((c.dims.clone(), c.snapshot.clone()))).await
    }

    /// Forgets the snapshot (the reference books changed).
    pub(crate) async fn drop_snapshot(&self) {
        *self.analytics.lock().await = None;
    }

    /// KPIs of a slice at `now`, with the previous period's.
    pub async fn kpi(&self, q: &SliceQuery, scope: &Scope) -> Result<KpiReport, ApiError> {
        let now = chrono::Utc::now().timestamp_millis();
        self.with_snapshot(|c| {
            let (filter, period) = c.filter(q, scope)?;
            let population = c.dims.population_of(filter.municipalities);
            let kpis = tsur_analytics::kpi::kpis(&c.snapshot, &filter, population, now);
            let previous = tsur_analytics::kpi::kpis(&c.snapshot, &filter.previous(), population, now);
            Ok(KpiReport { period_ru: period.label_ru(), from: period.first.to_string(), to: period.last.to_string(), kpis, previous })
        })
        .await
    }

    /// A rating of agencies or municipalities over a slice.
    pub async fn rating(&self, of: RatingOf, q: &SliceQuery, scope: &Scope) -> Result<Rating, ApiError> {
        let now = chrono::Utc::now().timestamp_millis();
        self.with_snapshot(|c| {
            let (filter, _) = c.filter(q, scope)?;
            let pass = Pass::run(&c.snapshot, &c.dims, &filter, now);
            let counts: Vec<u64> = pass.by_municipality.iter().map(|a| a.n).collect();
            Ok(rate(of, groups(of, &c.dims, &pass.by_agency, &counts), &c.weights))
        })
        .await
    }

    /// The problem register by priority.
    pub async fn problem_register(&self, q: &SliceQuery, top: usize, scope: &Scope) -> Result<Vec<ProblemPriority>, ApiError> {
        let now = chrono::Utc::now().timestamp_millis();
        self.with_snapshot(|c| {
            let (filter, _) = c.filter(q, scope)?;
            let pass = Pass::run(&c.snapshot, &c.dims, &filter, now);
            Ok(tsur_analytics::priority::register(&c.snapshot.problems, &pass.problems, &c.dims, &c.weights, top))
        })
        .await
    }

    /// Everything one screen of the situation room shows.
    pub async fn screen(&self, q: &SliceQuery, top: usize, scope: &Scope) -> Result<ScreenReport, ApiError> {
        let now = chrono::Utc::now().timestamp_millis();
        self.with_snapshot(|c| c.screen(q, top, scope, now)).await
    }

    /// A screen, and the significant hexagons of the hotspot map for the same slice, counted in
    /// the screen's pass over the rows (a pass of their own took a third of a room view).
    pub(crate) async fn screen_and_hotspots(&self, q: &SliceQuery, top: usize, scope: &Scope) -> Result<(ScreenReport, serde_json::Value), ApiError> {
        let now = chrono::Utc::now().timestamp_millis();
        let places = self.places();
        self.with_snapshot(|c| {
            let report = c.screen(q, top, scope, now)?;
            // Only the cells the map draws (significant ones): at a million appeals the others
            // are nine tenths of a megabyte the window would receive and parse for nothing.
            let hotspots = hotspot_geojson(&report.screen.cells, &c.snapshot.cells, &places, tsur_analytics::snapshot::MAP_CELLS, true);
            Ok((report, hotspots))
        })
        .await
    }

    /// The settlements as the hotspots' population: (lon, lat, residents).
    fn places(&self) -> Vec<(f64, f64, f64)> {
        self.reference.settlements.iter().map(|s| (s.lon, s.lat, f64::from(s.population))).collect()
    }

    /// The effect of a fast-track (`kind = "fast_track"`) or a roadmap (`"roadmap"`),
    /// comparing `window_days` before and after its start.
    pub async fn effect(&self, kind: &str, id: &str, window_days: i64) -> Result<EffectReport, ApiError> {
        let (name_ru, topics, municipalities, start) = match kind {
            "fast_track" => {
                let f =
                    self.reference.fast_tracks.iter().find(|f| f.id == id).ok_or_else(|| ApiError::invalid(format!("фаст-трека «{id}» нет в справочнике")))?;
                (
                    f.name_ru.clone(),
                    f.topics.iter().map(|t| t.as_str().to_owned()).collect::<Vec<_>>(),
                    f.municipalities.iter().map(|m| m.as_str().to_owned()).collect::<Vec<_>>(),
                    f.valid_from,
                )
            }
            "roadmap" => {
                let r =
                    self.roadmaps()?.into_iter().find(|r| r.id == id).ok_or_else(|| ApiError::invalid(format!("дорожной карты «{id}» нет в справочнике")))?;
                if r.topics.is_empty() {
                    return Err(ApiError::invalid(format!("у дорожной карты «{id}» не указаны темы: эффект по одной проблеме не оценивается")));
                }
                (r.title_ru, r.topics, r.municipalities, r.started_on)
            }
            other => return Err(ApiError::invalid(format!("неизвестный вид меры «{other}»"))),
        };
        let now = chrono::Utc::now().timestamp_millis();
        let effect = self
            .with_snapshot(|c| {
                let d = &c.dims;
                let mut topic_mask = vec![false; d.topics.len()];
                let mut blocks = 0u128;
                for t in &topics {
                    let code = d.topic(t).ok_or_else(|| ApiError::invalid(format!("тематики «{t}» нет в справочниках")))? as usize;
                    topic_mask[code] = true;
                    blocks |= 1u128 << d.topic_block[code];
                }
                let municipalities = if municipalities.is_empty() {
                    None
                } else {
                    Some(municipalities.iter().filter_map(|m| d.municipality(m)).fold(0u128, |a, c| a | 1u128 << c))
                };
                let scope = effect::Scope { topics: topic_mask, municipalities, blocks, start: tsur_core::time::day_start(start).timestamp_millis() };
                effect::effect(&c.snapshot, &d.topic_block, &scope, window_days, now).map_err(|e| ApiError::invalid(e.to_string()))
            })
            .await?;
        Ok(EffectReport { kind: if kind == "roadmap" { "roadmap" } else { "fast_track" }, id: id.to_owned(), name_ru, start: start.to_string(), effect })
    }
}

/// An early-warning alert with ids and its reason.
#[derive(Debug, Clone, Serialize)]
pub struct AlertItem {
    /// Municipality id.
    pub municipality: String,
    /// Municipality's Russian name.
    pub municipality_ru: String,
    /// Topic id.
    pub topic: String,
    /// Topic's Russian name.
    pub topic_ru: String,
    /// When it was raised, RFC 3339 in Europe/Astrakhan.
    pub raised_at: String,
    /// Start of the significant window, RFC 3339 in Europe/Astrakhan.
    pub window_start: String,
    /// Appeals in the window.
    pub observed: u32,
    /// Appeals expected.
    pub expected: f64,
    /// One-test p-value.
    pub p_value: f64,
    /// Why, in Russian.
    pub reason_ru: String,
}

/// Detection figures against the demo generator's injected incidents.
#[derive(Debug, Clone, Serialize)]
pub struct AlertEval {
    /// Allowed delay, hours.
    pub within_hours: i64,
    /// The figures.
    #[serde(flatten)]
    pub detection: tsur_analytics::alerts::Detection,
}

fn local(secs: i64) -> String {
    chrono::DateTime::from_timestamp(secs, 0).unwrap_or_default().with_timezone(&tsur_core::time::ZONE).to_rfc3339()
}

impl Cache {
    /// The snapshot.
    pub(crate) fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }

    /// The dictionaries of its codes.
    pub(crate) fn dims(&self) -> &Dims {
        &self.dims
    }

    /// The early-warning detector's alerts over the whole history, oldest first (run once per
    /// state of the snapshot).
    pub(crate) fn detected_alerts(&self) -> &[tsur_analytics::alerts::Alert] {
        self.alerts.get_or_init(|| tsur_analytics::alerts::detect(&self.arrivals(), &tsur_analytics::alerts::AlertParams::default()))
    }

    /// Every classified appeal as the detector's arrival, in order of receipt.
    fn arrivals(&self) -> Vec<tsur_analytics::alerts::Arrival> {
        let s = &self.snapshot;
        let mut v: Vec<tsur_analytics::alerts::Arrival> = (0..s.len())
            .filter(|&i| s.topic[i] != tsur_analytics::snapshot::NONE16)
            .map(|i| tsur_analytics::alerts::Arrival { at: i64::from(s.at[i]), municipality: s.municipality[i], topic: s.topic[i] })
            .collect();
        v.sort_unstable_by_key(|a| a.at);
        v
    }
}

/// Whether `scope` may see an alert: its municipality, and the block of its topic.
pub(crate) fn alert_in_scope(d: &Dims, a: &tsur_analytics::alerts::Alert, scope: &Scope) -> bool {
    let block = d.topic_block.get(a.topic as usize).and_then(|b| d.blocks.get(*b as usize)).map(|b| tsur_core::BlockId(b.clone()));
    scope.allows(block.as_ref(), &tsur_core::MunicipalityId(d.municipalities[a.municipality as usize].clone()))
}

impl Api {
    /// Early-warning alerts raised since `since` (`ГГГГ-ММ-ДД`; by default the 7 days up to
    /// the newest appeal), newest first. The detector replays the whole history, so each
    /// series' baseline is its own past; appeals without a topic yet are left out.
    pub async fn alerts(&self, since: Option<&str>, scope: &Scope) -> Result<Vec<AlertItem>, ApiError> {
        let since = since
            .map(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| ApiError::invalid(format!("дата «{d}» не в виде ГГГГ-ММ-ДД"))))
            .transpose()?;
        self.with_snapshot(|c| {
            let s = &c.snapshot;
            let newest = (0..s.len()).filter(|&i| s.topic[i] != tsur_analytics::snapshot::NONE16).map(|i| i64::from(s.at[i])).max().unwrap_or(0);
            let from = match since {
                Some(d) => tsur_core::time::day_start(d).timestamp(),
                None => newest - 7 * 86_400,
            };
            let d = &c.dims;
            let mut alerts: Vec<AlertItem> = c
                .detected_alerts()
                .iter()
                .filter(|a| a.raised_at >= from)
                .filter(|a| alert_in_scope(d, a, scope))
                .map(|a| AlertItem {
                    municipality: d.municipalities[a.municipality as usize].clone(),
                    municipality_ru: d.municipality_names[a.municipality as usize].clone(),
                    topic: d.topics[a.topic as usize].clone(),
                    topic_ru: d.topic_names[a.topic as usize].clone(),
                    raised_at: local(a.raised_at),
                    window_start: local(a.window_start),
                    observed: a.observed,
                    expected: a.expected,
                    p_value: a.p_value,
                    reason_ru: a.reason_ru(),
                })
                .collect();
            alerts.reverse();
            Ok(alerts)
        })
        .await
    }

    /// Appeals received in `[from, to)` (all time where `None`) that `scope` may see, counted
    /// by municipality, block, channel and status from the snapshot (one pass in memory; the
    /// same rows as SQL over the projection, tested).
    pub(crate) async fn tallies(
        &self,
        from: Option<chrono::DateTime<chrono::Utc>>,
        to: Option<chrono::DateTime<chrono::Utc>>,
        scope: &Scope,
    ) -> Result<Tallies, ApiError> {
        self.with_snapshot(|c| {
            let (mut filter, _) = c.filter(&SliceQuery::default(), scope)?;
            filter.from = from.map_or(i64::MIN, |t| t.timestamp_millis());
            filter.to = to.map_or(i64::MAX, |t| t.timestamp_millis());
            let s = &c.snapshot;
            let d = &c.dims;
            let mut counts = [vec![0u32; d.municipalities.len() + 1], vec![0u32; d.blocks.len() + 1], vec![0u32; d.channels.len() + 1], vec![0u32; 129]];
            let mut total = 0u32;
            for i in 0..s.len() {
                if !filter.matches(s, i) {
                    continue;
                }
                total += 1;
                for (slot, code) in counts.iter_mut().zip([s.municipality[i], s.block[i], s.channel[i], s.status[i]]) {
                    let at = (code as usize).min(slot.len() - 1);
                    slot[at] += 1;
                }
            }
            let keyed = |names: &[String], counts: &[u32]| -> HashMap<Option<String>, u32> {
                let mut out: HashMap<Option<String>, u32> = HashMap::new();
                for (code, n) in counts.iter().enumerate().filter(|(_, n)| **n > 0) {
                    *out.entry(names.get(code).cloned()).or_default() += n;
                }
                out
            };
            let statuses: Vec<String> = tsur_core::Status::ALL.iter().map(|s| s.code().to_owned()).collect();
            Ok(Tallies {
                total,
                municipality: keyed(&d.municipalities, &counts[0]),
                block: keyed(&d.blocks, &counts[1]),
                channel: keyed(&d.channels, &counts[2]),
                status: keyed(&statuses, &counts[3]),
            })
        })
        .await
    }

    /// Recall within `within_hours` and false alarms per week of the detector against the
    /// demo generator's injected incidents.
    pub async fn alerts_eval(&self, within_hours: i64) -> Result<AlertEval, ApiError> {
        let incidents = self.store.demo_incidents().await?;
        if incidents.is_empty() {
            return Err(ApiError::invalid("в базе нет эталона демо-инцидентов: оценка возможна только на демо-данных (tsur demo)"));
        }
        self.with_snapshot(|c| {
            let d = &c.dims;
            let truth: Vec<tsur_analytics::alerts::Truth> = incidents
                .iter()
                .filter_map(|(m, t, at)| {
                    Some(tsur_analytics::alerts::Truth { municipality: d.municipality(m)?, topic: d.topic(t)?, started_at: at.div_euclid(1000) })
                })
                .collect();
            let arrivals = c.arrivals();
            let span = arrivals.last().map_or(0, |a| a.at) - arrivals.first().map_or(0, |a| a.at);
            let alerts = tsur_analytics::alerts::detect(&arrivals, &tsur_analytics::alerts::AlertParams::default());
            Ok(AlertEval { within_hours, detection: tsur_analytics::alerts::evaluate(&alerts, &truth, within_hours * 3600, span) })
        })
        .await
    }

    /// Hotspots of a slice: H3 hexagons at `resolution` with Getis-Ord Gi* of the excess of
    /// appeals over the settlements' population, as a GeoJSON FeatureCollection.
    /// (The room's map has its hexagons from [`Api::screen_and_hotspots`].)
    pub async fn hotspots(&self, resolution: u8, q: &SliceQuery, scope: &Scope) -> Result<serde_json::Value, ApiError> {
        let res = h3o::Resolution::try_from(resolution).map_err(|_| ApiError::invalid(format!("разрешение H3 {resolution} вне 0–15")))?;
        if !(5..=9).contains(&resolution) {
            return Err(ApiError::invalid(format!("разрешение {resolution}: для области разумны 5–9 (7 — шестиугольники около 5 км²)")));
        }
        let places = self.places();
        let map = res == tsur_analytics::snapshot::MAP_CELLS;
        self.with_snapshot_cells((!map).then_some(res), |c| {
            let (filter, _) = c.filter(q, scope)?;
            let s = &c.snapshot;
            let (of_row, cells) = match c.cells.as_ref() {
                _ if map => (&s.cell, &s.cells),
                Some(other) => (&other.of_row, &other.cells),
                None => return Err(ApiError::internal("ячейки карты не найдены")),
            };
            let mut counts = vec![0u32; cells.len()];
            for i in (0..s.len()).filter(|&i| of_row[i] != NO_CELL && filter.matches(s, i)) {
                counts[of_row[i] as usize] += 1;
            }
            Ok(hotspot_geojson(&counts, cells, &places, res, false))
        })
        .await
    }
}

/// The hexagons' Gi* statistics as GeoJSON, from the appeals counted in each cell (`counts`
/// by code into `cells`) against the settlements' population; only the significant ones when
/// `significant_only`.
fn hotspot_geojson(counts: &[u32], cells: &[h3o::CellIndex], places: &[(f64, f64, f64)], res: h3o::Resolution, significant_only: bool) -> serde_json::Value {
    let observed: HashMap<h3o::CellIndex, u32> = counts.iter().zip(cells).filter(|(n, _)| **n > 0).map(|(n, c)| (*c, *n)).collect();
    let population = tsur_analytics::hotspots::population_cells(places, res);
    let mut stats = tsur_analytics::hotspots::gi_star(&observed, &population, 1);
    if significant_only {
        stats.retain(|s| s.class != tsur_analytics::hotspots::HotClass::NotSignificant);
    }
    tsur_analytics::hotspots::to_geojson(&stats)
}
