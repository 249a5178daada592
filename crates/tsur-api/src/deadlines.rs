//! Deadlines of an appeal's stages under a legal regime, explained.

use crate::{Api, ApiError};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tsur_core::deadline::{self, Basis, Stage, StageStatus};
use tsur_core::risk::{self, Observation, RiskModel, Standing, Thresholds};
use tsur_core::rules::Rules;
use tsur_core::time::ZONE;
use tsur_store_sqlite::{rules_stamp, DeadlineRow, RiskModelKey};

/// How far in the future a received instant may be by default (clock skew between systems).
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

/// What `tsur deadline` asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadlineQuery {
    /// Regime id or alias (`59fz`, `hotline`).
    pub regime: String,
    /// Receipt instant, RFC 3339.
    pub received: String,
    /// Registration instant, RFC 3339, when it differs from the receipt.
    pub registered: Option<String>,
    /// Days of extension of the answer term.
    pub extension_days: u32,
    /// A fast-track id whose term replaces the answer term.
    pub fast_track: Option<String>,
    /// How far in the future the receipt may be (clock skew between systems).
    pub future_tolerance: Duration,
}

impl DeadlineQuery {
    /// A query with no registration, extension or fast-track and the default tolerance.
    pub fn new(regime: &str, received: &str) -> DeadlineQuery {
        DeadlineQuery {
            regime: regime.into(),
            received: received.into(),
            registered: None,
            extension_days: 0,
            fast_track: None,
            future_tolerance: FUTURE_TOLERANCE,
        }
    }
}

impl Api {
    /// The deadlines of every stage of a regime for an appeal received (and registered) at
    /// the instants asked, each with its explanation. Nothing is written. The regime accepts
    /// the ids of the reference book and the aliases `59fz` and `hotline`.
    pub fn deadlines(&self, q: &DeadlineQuery, now: DateTime<Utc>) -> Result<Vec<StageDeadlineDto>, ApiError> {
        let id = match q.regime.as_str() {
            "59fz" | "59-фз" => "fz59",
            "hotline" => "regional",
            other => other,
        };
        let reference = self.reference();
        let known: Vec<&str> = reference.regimes.iter().map(|r| r.id.as_str()).collect();
        let regime = reference
            .regimes
            .iter()
            .find(|r| r.id.as_str() == id)
            .ok_or_else(|| ApiError::invalid(format!("regime: неизвестный режим «{}»; известны: {}", q.regime, known.join(", "))))?;
        let received_at = parse_instant("received", &q.received)?;
        if received_at > now + q.future_tolerance {
            return Err(ApiError::invalid(format!(
                "received: {} — в будущем (допускается не более {} мин вперёд)",
                q.received,
                q.future_tolerance.num_minutes()
            )));
        }
        let registered_at = q.registered.as_deref().map(|r| parse_instant("registered", r)).transpose()?;
        if let Some(r) = registered_at {
            if r < received_at {
                return Err(ApiError::invalid("registered: регистрация раньше поступления"));
            }
        }
        let fast_track = match &q.fast_track {
            None => None,
            Some(id) => Some(reference.fast_tracks.iter().find(|f| &f.id == id).ok_or_else(|| {
                let known: Vec<&str> = reference.fast_tracks.iter().map(|f| f.id.as_str()).collect();
                ApiError::invalid(format!("fast_track: неизвестный фаст-трек «{id}»; известны: {}", known.join(", ")))
            })?),
        };
        let basis = Basis { registered: registered_at, extension_days: q.extension_days, fast_track, ..Basis::new(regime, received_at) };
        let all = deadline::explain(&basis, &reference.calendar).map_err(|e| ApiError::invalid(e.to_string()))?;
        Ok(all.into_iter().map(StageDeadlineDto::from).collect())
    }
}

impl From<deadline::StageDeadline> for StageDeadlineDto {
    fn from(d: deadline::StageDeadline) -> StageDeadlineDto {
        StageDeadlineDto {
            stage: d.stage.code().into(),
            stage_ru: d.stage.label_ru().into(),
            due: d.due.with_timezone(&ZONE).to_rfc3339(),
            start: d.explanation.start.with_timezone(&ZONE).to_rfc3339(),
            regime_ru: d.explanation.regime,
            rule: d.explanation.rule,
            skipped: d.explanation.skipped.into_iter().map(|s| SkippedDayDto { date: s.date.to_string(), reason: s.reason }).collect(),
            extension_days: d.explanation.extension_days,
            predicted: d.explanation.predicted,
        }
    }
}

/// A fast-track as the operator sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct FastTrackDto {
    /// Id.
    pub id: String,
    /// Russian name.
    pub name_ru: String,
    /// Topic ids.
    pub topics: Vec<String>,
    /// Municipality ids; empty for the whole region.
    pub municipalities: Vec<String>,
    /// The term in words, e.g. «2 рабочих дн.».
    pub term_ru: String,
    /// The agency it routes to.
    pub agency: String,
    /// Its short Russian name.
    pub agency_ru: String,
    /// Who approved it.
    pub approved_by: String,
    /// When, `YYYY-MM-DD`.
    pub approved_at: String,
    /// First day, `YYYY-MM-DD`.
    pub valid_from: String,
    /// Last day, `YYYY-MM-DD`; open-ended when absent.
    pub valid_until: Option<String>,
}

impl Api {
    /// The fast-tracks of the reference books.
    pub fn fast_tracks(&self) -> Vec<FastTrackDto> {
        let reference = self.reference();
        reference
            .fast_tracks
            .iter()
            .map(|f| FastTrackDto {
                id: f.id.clone(),
                name_ru: f.name_ru.clone(),
                topics: f.topics.iter().map(|t| t.0.clone()).collect(),
                municipalities: f.municipalities.iter().map(|m| m.0.clone()).collect(),
                term_ru: f.answer_unit.phrase_ru(f.answer_term),
                agency: f.agency_id.0.clone(),
                agency_ru: reference.agencies.iter().find(|a| a.id == f.agency_id).map_or_else(|| f.agency_id.0.clone(), |a| a.short_ru.clone()),
                approved_by: f.approved_by.clone(),
                approved_at: f.approved_at.to_string(),
                valid_from: f.valid_from.to_string(),
                valid_until: f.valid_until.map(|d| d.to_string()),
            })
            .collect()
    }
}

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
    /// The responsible agency's short Russian name.
    pub agency_ru: Option<String>,
    /// The fast-track applied, if any.
    pub fast_track: Option<String>,
    /// The most urgent pending stage: `first_reply`, `answer` or `resolution`.
    pub stage: String,
    /// When it is (was) due, RFC 3339 in Europe/Astrakhan.
    pub due: String,
    /// `overdue` or `at_risk`.
    pub status: String,
    /// Hours past the deadline (overdue) or left until it (at risk), by the clock.
    pub hours: f64,
    /// Office hours left until the deadline; negative when overdue.
    pub working_hours_left: f64,
    /// Probability of answering late given how long it has waited (answer stage, when the
    /// history is large enough).
    pub p_late: Option<f64>,
    /// The history the probability rests on: `agency_topic`, `agency`, `topic`, `region`.
    pub risk_basis: Option<String>,
    /// How many comparable appeals that history holds.
    pub risk_sample: Option<u32>,
    /// Why it is listed, in Russian.
    pub reason_ru: String,
}

/// Overdue and at-risk appeals at an instant.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct OverdueReport {
    /// The instant, RFC 3339 in Europe/Astrakhan.
    pub at: String,
    /// Open appeals in the scope at that instant.
    pub open: u32,
    /// Number on time.
    pub on_time: u32,
    /// Number overdue.
    pub overdue: u32,
    /// Number at risk.
    pub at_risk: u32,
    /// The overdue appeals (most overdue first), then those at risk (most likely late first).
    pub items: Vec<OverdueItem>,
}

/// A probability of lateness as the list shows it (three decimals).
fn p_late_shown(r: &risk::Risk) -> f64 {
    (r.p_late * 1000.0).round() / 1000.0
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Ids kept once each, by code (the agencies and topics of the lateness model's history, the
/// names the open appeals share).
#[derive(Clone, Default)]
struct Interned {
    ids: Vec<String>,
    codes: std::collections::HashMap<String, u32>,
}

impl Interned {
    /// The code of `id`, given on its first sight.
    fn code(&mut self, id: &str) -> u32 {
        if let Some(&code) = self.codes.get(id) {
            return code;
        }
        let code = self.ids.len() as u32;
        self.ids.push(id.to_owned());
        self.codes.insert(id.to_owned(), code);
        code
    }

    /// The id of `code`.
    fn id(&self, code: u32) -> &str {
        &self.ids[code as usize]
    }

    /// The code of `id`, if it was seen.
    fn find(&self, id: &str) -> Option<u32> {
        self.codes.get(id).copied()
    }

    /// The code of an id that may be missing ([`NO_ID`] then).
    fn optional(&mut self, id: Option<&str>) -> u32 {
        id.map_or(NO_ID, |id| self.code(id))
    }

    /// The id of a code that may be [`NO_ID`].
    fn get(&self, code: u32) -> Option<&str> {
        (code != NO_ID).then(|| self.id(code))
    }
}

/// No id, in a code of [`Interned`].
const NO_ID: u32 = u32::MAX;

/// An open appeal as the overdue list keeps it: a [`DeadlineRow`] without its stored due
/// instants (the list works them out under the rules in force), the ids many appeals share as
/// codes into the set's [`Interned`]. 160 bytes against 288: at a million appeals' 48,000 open
/// ones, 7.3 MiB against 13.1.
#[derive(Clone)]
struct OpenRow {
    appeal_id: tsur_core::AppealId,
    external_id: Box<str>,
    channel: u32,
    municipality: u32,
    block: u32,
    topic: u32,
    agency: u32,
    regime: u32,
    fast_track: u32,
    status: tsur_core::Status,
    received_at: DateTime<Utc>,
    registered_at: DateTime<Utc>,
    redirected_at: Option<DateTime<Utc>>,
    first_reply_at: Option<DateTime<Utc>>,
    last_answer_at: Option<DateTime<Utc>>,
    resolved_at: Option<DateTime<Utc>>,
    reopened_at: Option<DateTime<Utc>>,
    extension_days: u32,
    deferred_until: Option<chrono::NaiveDate>,
}

impl OpenRow {
    fn new(r: DeadlineRow, ids: &mut Interned) -> OpenRow {
        OpenRow {
            appeal_id: r.appeal_id,
            external_id: r.external_id.into_boxed_str(),
            channel: ids.code(&r.channel),
            municipality: ids.code(&r.municipality_id),
            block: ids.optional(r.block_id.as_deref()),
            topic: ids.optional(r.topic_id.as_deref()),
            agency: ids.optional(r.agency_id.as_deref()),
            regime: ids.code(&r.regime_id),
            fast_track: ids.optional(r.fast_track_id.as_deref()),
            status: r.status,
            received_at: r.received_at,
            registered_at: r.registered_at,
            redirected_at: r.redirected_at,
            first_reply_at: r.first_reply_at,
            last_answer_at: r.last_answer_at,
            resolved_at: r.resolved_at,
            reopened_at: r.reopened_at,
            extension_days: r.extension_days,
            deferred_until: r.deferred_until,
        }
    }

    /// The facts the engine needs (as [`DeadlineRow::facts`]), the ids read from `ids`.
    fn facts<'a>(&self, ids: &'a Interned) -> tsur_core::rules::Facts<'a> {
        tsur_core::rules::Facts {
            regime: ids.id(self.regime),
            status: self.status,
            received: self.received_at,
            registered: self.registered_at,
            redirected: self.redirected_at,
            first_reply: self.first_reply_at,
            last_answer: self.last_answer_at,
            resolved: self.resolved_at,
            reopened: self.reopened_at,
            extension_days: self.extension_days,
            fast_track: ids.get(self.fast_track),
            deferred_until: self.deferred_until,
        }
    }
}

/// The open appeals' rows and the ids they name by code.
#[derive(Clone, Default)]
struct OpenSet {
    rows: Vec<OpenRow>,
    ids: Interned,
}

impl OpenSet {
    /// Keeps the open ones of `rows`.
    fn extend(&mut self, rows: Vec<DeadlineRow>) {
        for r in rows.into_iter().filter(DeadlineRow::open_today) {
            let row = OpenRow::new(r, &mut self.ids);
            self.rows.push(row);
        }
    }
}

/// How much older than the hour asked a kept model of "now" may be and still serve at once
/// while the fresh one is built in the background: a lateness model over a whole region's
/// history barely moves in a day.
pub const RISK_MODEL_STAND_IN: Duration = Duration::hours(24);

/// The least time between two background builds of the model: a laptop syncing every few
/// minutes changes the events' watermark each time, and a build takes a core for 15–28 s at
/// a million appeals; the model standing in meanwhile is at most this much older.
const RISK_REBUILD_PAUSE: std::time::Duration = std::time::Duration::from_secs(600);

/// The agencies' lateness model of the overdue list, built from every appeal's history (15–28 s
/// at a million appeals), and how it is kept so that it is built rarely:
/// - in memory, while the events (their watermark), the rules, the thresholds and the instant
///   stay — "now" counts as the same instant within its hour;
/// - for "now", also in the store (`risk_model`, migration 0012), so that the first list
///   after a start reads the model instead of every appeal, when it was built for the same
///   watermark, hour, rules and thresholds;
/// - a model of "now" built under the same rules and thresholds less than
///   [`RISK_MODEL_STAND_IN`] before the hour asked (events came since, or the hour moved on)
///   stands in at once while one background task builds the fresh model (at most one every
///   [`RISK_REBUILD_PAUSE`]), which then replaces it in memory and in the store (a process that exits first, like one run of the
///   command line, leaves the kept model as it was);
/// - with no model that may serve, the request builds one and waits for it, as an explicit
///   `at` always does: a model of another instant never answers an explicit `at`, and such
///   models are kept in memory only.
#[derive(Default)]
pub(crate) struct RiskCache {
    entry: tokio::sync::Mutex<Option<RiskEntry>>,
    /// True while a background build runs: there is at most one.
    rebuilding: tokio::sync::watch::Sender<bool>,
    /// When the last background build started ([`RISK_REBUILD_PAUSE`]).
    last_rebuild: std::sync::Mutex<Option<std::time::Instant>>,
    /// Models built while a request waited.
    built_in_request: AtomicU64,
    /// Models built in the background.
    built_in_background: AtomicU64,
    /// The open appeals' rows ([`OpenRows`]).
    open: tokio::sync::Mutex<Option<OpenRows>>,
    /// Times the open appeals' rows were read in full.
    open_read_in_full: AtomicU64,
    /// Background builds wait until then ([`Api::quiet_until`]).
    quiet_until: std::sync::Mutex<Option<tokio::time::Instant>>,
}

/// The rows of every appeal open today, kept while the rules stay and brought up to the
/// events' watermark by reading only the appeals with new events: the overdue list of any
/// slice is then computed in memory (a million appeals' store has some 48,000 open; reading
/// them takes about a second, a slice's list from memory a few milliseconds).
struct OpenRows {
    watermark: i64,
    rules: Arc<Rules>,
    rows: Arc<OpenSet>,
}

struct RiskEntry {
    key: RiskModelKey,
    /// Built for "now" (not for an explicit `at`).
    live: bool,
    rules: Arc<Rules>,
    model: Arc<RiskModel>,
}

/// Whether a model of "now" built for `kept` may stand in for one asked for `key`.
fn may_stand_in(kept: &RiskModelKey, key: &RiskModelKey) -> bool {
    kept.rules == key.rules && kept.thresholds == key.thresholds && (0..RISK_MODEL_STAND_IN.num_seconds()).contains(&(key.instant - kept.instant))
}

/// Marks the background build as over when dropped: finished, failed or cancelled.
struct Rebuilding(Arc<RiskCache>);

impl Drop for Rebuilding {
    fn drop(&mut self) {
        self.0.rebuilding.send_replace(false);
    }
}

fn hours(d: Duration) -> f64 {
    d.num_minutes() as f64 / 60.0
}

impl Api {
    /// Holds the background builds of the lateness model back for `quiet` from now: the
    /// window's first minute (its first map and figures, the user's first steps) keeps both
    /// cores, and a kept model stands in meanwhile (a build takes a core for 15–28 s at a
    /// million appeals). A build asked meanwhile starts when the quiet ends.
    pub fn quiet_until(&self, quiet: std::time::Duration) {
        *self.risk.quiet_until.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(tokio::time::Instant::now() + quiet);
    }

    /// The agencies' lateness model at `at`, "now" when `at == now` (see [`RiskCache`]).
    async fn risk_model(&self, rules: &Arc<Rules>, at: DateTime<Utc>, now: DateTime<Utc>, thresholds: &Thresholds) -> Result<Arc<RiskModel>, ApiError> {
        let live = at == now;
        let watermark = self.store().event_watermark().await?;
        let instant = if live { at.timestamp().div_euclid(3600) * 3600 } else { at.timestamp() };
        let mut entry = self.risk.entry.lock().await;
        let stamp = match entry.as_ref() {
            Some(e) if Arc::ptr_eq(&e.rules, rules) => e.key.rules.clone(),
            _ => rules_stamp(rules),
        };
        let key = RiskModelKey { watermark, instant, rules: stamp, thresholds: *thresholds };
        if let Some(e) = entry.as_mut().filter(|e| e.live == live && e.key == key) {
            e.rules = rules.clone();
            return Ok(e.model.clone());
        }
        if live {
            if let Some((model, exact)) = self.kept_risk_model(&mut entry, &key, rules).await? {
                if !exact {
                    self.rebuild_risk_model(key, rules.clone(), at);
                }
                return Ok(model);
            }
        }
        let model = Arc::new(self.build_risk_model(rules, at, thresholds).await?);
        self.risk.built_in_request.fetch_add(1, Ordering::Relaxed);
        if live {
            // A cache: failing to keep it costs the next start a build, not this list.
            let _ = self.store().save_risk_model(&key, &model).await;
        }
        *entry = Some(RiskEntry { key, live, rules: rules.clone(), model: model.clone() });
        Ok(model)
    }

    /// A model of "now" that may serve `key` — the one in memory, or else the one kept in
    /// the store (then also put in memory) — and whether it was built for `key` exactly.
    async fn kept_risk_model(&self, entry: &mut Option<RiskEntry>, key: &RiskModelKey, rules: &Arc<Rules>) -> Result<Option<(Arc<RiskModel>, bool)>, ApiError> {
        if let Some(e) = entry.as_ref().filter(|e| e.live && may_stand_in(&e.key, key)) {
            return Ok(Some((e.model.clone(), false)));
        }
        let Some(kept) = self.store().load_risk_model().await?.filter(|k| may_stand_in(&k.key, key)) else { return Ok(None) };
        // Bytes this version cannot read: the caller builds the model.
        let Ok(model) = kept.model() else { return Ok(None) };
        let model = Arc::new(model);
        let exact = kept.key == *key;
        *entry = Some(RiskEntry { key: kept.key, live: true, rules: rules.clone(), model: model.clone() });
        Ok(Some((model, exact)))
    }

    /// Builds the model of "now" for `key` in a background task, unless one runs already; it
    /// then replaces the model in memory and in the store, unless a newer one got there
    /// first. A failed build leaves things as they were, for the next request to try again.
    fn rebuild_risk_model(&self, key: RiskModelKey, rules: Arc<Rules>, at: DateTime<Utc>) {
        {
            let mut last = self.risk.last_rebuild.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            if last.is_some_and(|t| t.elapsed() < RISK_REBUILD_PAUSE) || self.risk.rebuilding.send_replace(true) {
                return;
            }
            *last = Some(std::time::Instant::now());
        }
        let api = self.clone();
        let quiet = *self.risk.quiet_until.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        tokio::spawn(async move {
            let _over = Rebuilding(api.risk.clone());
            if let Some(quiet) = quiet {
                tokio::time::sleep_until(quiet).await;
            }
            let Ok(model) = api.build_risk_model(&rules, at, &key.thresholds).await else { return };
            api.risk.built_in_background.fetch_add(1, Ordering::Relaxed);
            let mut entry = api.risk.entry.lock().await;
            if entry.as_ref().is_some_and(|e| e.live && (e.key.instant, e.key.watermark) > (key.instant, key.watermark)) {
                return;
            }
            let model = Arc::new(model);
            let _ = api.store().save_risk_model(&key, &model).await;
            *entry = Some(RiskEntry { key, live: true, rules, model });
        });
    }

    /// Builds the model at `at` from every appeal's answer stage, read a page at a time.
    /// The agency and topic ids are kept once each, the history by their codes: two
    /// `String`s per appeal held about 120 MiB at a million appeals.
    async fn build_risk_model(&self, rules: &Rules, at: DateTime<Utc>, thresholds: &Thresholds) -> Result<RiskModel, ApiError> {
        let mut ids = Interned::default();
        let mut history: Vec<(u32, u32, f64, bool)> = Vec::new();
        self.store()
            .deadline_rows_paged(at, crate::PAGE_ROWS, |page| {
                history.extend(page.iter().filter_map(|r| {
                    let answer = rules.assess(&r.facts_as_of(at), at).ok()?[3]?;
                    let (agency, topic) = (r.agency_id.as_deref()?, r.topic_id.as_deref()?);
                    Some((ids.code(agency), ids.code(topic), risk::share(answer.start, answer.due, answer.done.unwrap_or(at)), answer.done.is_some()))
                }));
            })
            .await?;
        let observations =
            history.iter().map(|&(agency, topic, share, answered)| Observation { agency: ids.id(agency), topic: ids.id(topic), share, answered });
        Ok(RiskModel::build(observations, thresholds))
    }

    /// The rows of the appeals open today, as of the events now in the store (see [`OpenRows`]).
    async fn open_rows(&self, rules: &Arc<Rules>) -> Result<Arc<OpenSet>, ApiError> {
        let mut open = self.risk.open.lock().await;
        let watermark = self.store().event_watermark().await?;
        if let Some(kept) = open.as_mut().filter(|k| Arc::ptr_eq(&k.rules, rules) && k.watermark <= watermark) {
            if kept.watermark < watermark {
                let (changed, now_at) = self.store().deadline_rows_since(kept.watermark).await?;
                let ids: std::collections::HashSet<tsur_core::AppealId> = changed.iter().map(|r| r.appeal_id).collect();
                let set = Arc::make_mut(&mut kept.rows);
                set.rows.retain(|r| !ids.contains(&r.appeal_id));
                set.extend(changed);
                kept.watermark = now_at;
            }
            return Ok(kept.rows.clone());
        }
        let (rows, watermark) = self.store().open_deadline_rows().await?;
        self.risk.open_read_in_full.fetch_add(1, Ordering::Relaxed);
        let mut set = OpenSet { rows: Vec::with_capacity(rows.len()), ids: Interned::default() };
        set.extend(rows);
        let rows = Arc::new(set);
        *open = Some(OpenRows { watermark, rules: rules.clone(), rows: rows.clone() });
        Ok(rows)
    }

    /// How many times the open appeals' rows were read in full (tests).
    #[doc(hidden)]
    pub fn open_rows_read_in_full(&self) -> u64 {
        self.risk.open_read_in_full.load(Ordering::Relaxed)
    }

    /// Where every open appeal stands at `at` (now when `None`), optionally in one block
    /// or municipality, within `scope`: on time, at risk or overdue (see the rule in
    /// `tsur_core::risk`, documented in docs/deadlines.md). The items are the `limit` most
    /// urgent (all when `None`); the counts cover all.
    pub async fn overdue(
        &self,
        at: Option<&str>,
        block: Option<&str>,
        municipality: Option<&str>,
        scope: &tsur_core::Scope,
        now: DateTime<Utc>,
        limit: Option<usize>,
    ) -> Result<OverdueReport, ApiError> {
        let at = at.map(|a| parse_instant("at", a)).transpose()?.unwrap_or(now);
        let reference = self.reference();
        if let Some(b) = block.filter(|b| !reference.blocks.iter().any(|x| x.id.as_str() == *b)) {
            return Err(ApiError::invalid(format!("block: неизвестный блок «{b}»")));
        }
        if let Some(m) = municipality.filter(|m| !reference.municipalities.iter().any(|x| x.id.as_str() == *m)) {
            return Err(ApiError::invalid(format!("municipality: неизвестный муниципалитет «{m}»")));
        }
        let rules = self.store().rules().await?;
        let thresholds = Thresholds::default();
        let model = self.risk_model(&rules, at, now, &thresholds).await?;
        // Only open appeals are listed (a row's status is today's, see Facts::as_of).
        let open = self.open_rows(&rules).await?;
        let ids = &open.ids;
        // A block or municipality no open appeal names has none to list.
        let (block_code, municipality_code) = (block.map(|b| ids.find(b).unwrap_or(NO_ID)), municipality.map(|m| ids.find(m).unwrap_or(NO_ID)));
        let visible = |r: &OpenRow| {
            r.received_at < at
                && block_code.is_none_or(|c| c != NO_ID && c == r.block)
                && municipality_code.is_none_or(|c| c != NO_ID && c == r.municipality)
                && scope.allows_ids(ids.get(r.block), ids.id(r.municipality))
        };
        let mut report = OverdueReport {
            at: at.with_timezone(&ZONE).to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
            open: 0,
            on_time: 0,
            overdue: 0,
            at_risk: 0,
            items: Vec::new(),
        };
        // Every overdue or at-risk appeal is weighed; only the `limit` most urgent become items.
        let mut urgent: Vec<Urgent> = Vec::new();
        for r in open.rows.iter().filter(|r| visible(r)) {
            let facts = r.facts(ids).as_of(at);
            if !facts.open() {
                continue;
            }
            report.open += 1;
            let stages = rules.assess(&facts, at).unwrap_or([None; 5]);
            // The most urgent pending stage (registration and redirection are done by the time
            // an appeal is in the store).
            let Some(stage) = stages.into_iter().flatten().filter(|s| s.pending() && s.stage >= Stage::FirstReply).min_by_key(|s| s.due) else {
                report.on_time += 1;
                continue;
            };
            let risk = (stage.stage == Stage::Answer && stage.left >= Duration::zero())
                .then(|| model.risk(ids.get(r.agency), ids.get(r.topic), risk::share(stage.start, stage.due, at)))
                .flatten();
            let standing = risk::standing(&stage, risk.as_ref(), &thresholds);
            match standing {
                Standing::OnTime => report.on_time += 1,
                Standing::Overdue => report.overdue += 1,
                Standing::AtRisk => report.at_risk += 1,
            }
            if standing != Standing::OnTime {
                let clock = if at > stage.due { at - stage.due } else { stage.due - at };
                urgent.push(Urgent { row: r, stage, standing, risk, hours: round1(hours(clock)) });
            }
        }
        urgent.sort_by(Urgent::before);
        urgent.truncate(limit.unwrap_or(usize::MAX));
        let agency_ru = |id: &str| reference.agencies.iter().find(|a| a.id.as_str() == id).map(|a| a.short_ru.clone());
        report.items = urgent
            .into_iter()
            .map(|u| {
                let (r, stage, risk) = (u.row, u.stage, u.risk);
                let reason_ru = match (u.standing, risk.filter(|x| x.p_late >= thresholds.p_late)) {
                    (Standing::AtRisk, Some(x)) => format!("вероятность просрочки {:.0} % ({}, {} обращ.)", x.p_late * 100.0, x.basis.label_ru(), x.sample),
                    (Standing::AtRisk, None) => format!("осталось не больше {} рабочих ч", thresholds.working_left.num_hours()),
                    _ => format!("срок «{}» истёк", stage.stage.label_ru()),
                };
                OverdueItem {
                    appeal_id: r.appeal_id.to_string(),
                    channel: ids.id(r.channel).to_owned(),
                    external_id: r.external_id.to_string(),
                    municipality: ids.id(r.municipality).to_owned(),
                    block: ids.get(r.block).map(str::to_owned),
                    topic: ids.get(r.topic).map(str::to_owned),
                    agency: ids.get(r.agency).map(str::to_owned),
                    agency_ru: ids.get(r.agency).and_then(agency_ru),
                    fast_track: ids.get(r.fast_track).map(str::to_owned),
                    stage: stage.stage.code().into(),
                    due: stage.due.with_timezone(&ZONE).to_rfc3339(),
                    status: u.standing.code().into(),
                    hours: u.hours,
                    working_hours_left: round1(hours(stage.left)),
                    p_late: risk.map(|x| p_late_shown(&x)),
                    risk_basis: risk.map(|x| x.basis.code().into()),
                    risk_sample: risk.map(|x| x.sample as u32),
                    reason_ru,
                }
            })
            .collect();
        Ok(report)
    }
}

/// An overdue or at-risk appeal before it becomes an [`OverdueItem`].
struct Urgent<'a> {
    row: &'a OpenRow,
    stage: StageStatus,
    standing: Standing,
    risk: Option<risk::Risk>,
    /// Hours past the due instant (overdue) or left to it, rounded as the item shows them.
    hours: f64,
}

impl Urgent<'_> {
    /// The list's order: overdue first, the longest overdue first; then at risk, the most
    /// likely late first, the nearest due first among equals; then by id.
    fn before(a: &Self, b: &Self) -> std::cmp::Ordering {
        let (a_over, b_over) = (a.standing == Standing::Overdue, b.standing == Standing::Overdue);
        b_over
            .cmp(&a_over)
            .then_with(|| {
                if a_over {
                    b.hours.total_cmp(&a.hours)
                } else {
                    // As the item shows it, so that the order reads true.
                    let p = |u: &Self| u.risk.as_ref().map_or(0.0, p_late_shown);
                    p(b).total_cmp(&p(a)).then(a.hours.total_cmp(&b.hours))
                }
            })
            .then_with(|| a.row.appeal_id.0.cmp(&b.row.appeal_id.0))
    }
}

#[cfg(test)]
mod tests;
