//! The central side of the sync: taking a node's new appeals and events (push), and giving a
//! node what changed in its scope since its cursor (pull). `docs/sync.md` has the protocol;
//! the SQL here is its implementation.
//!
//! **Push** is one transaction per batch. Appeals the server already has are skipped (looked
//! up first) and events are inserted with `ON CONFLICT (id) DO NOTHING`, so a batch sent
//! twice (the node died before it recorded the first success) changes nothing the second
//! time. Every appeal that got a new event is
//! folded again from *all* its central events by [`AppealState::merge`] while its
//! `appeal_state` row is locked (`FOR UPDATE`, in id order so that two pushers never
//! deadlock): a second pusher of the same appeal waits, then reads the first one's events
//! too, and the projection is always the fold of everything committed.
//!
//! **Pull** follows `appeal_state` by its feed stamp `(feed_xid, feed_seq)` and reads only
//! rows whose transaction is below the horizon `pg_snapshot_xmin(pg_current_snapshot())`:
//! every transaction below it has finished, and any later one gets a larger id, so a cursor
//! that moves over these rows never skips one that commits late. Row-level security limits
//! every statement to the login's scope.

use crate::{CentralError, CentralStore};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::postgres::PgRow;
use sqlx::{Postgres, Row, Transaction};
use std::collections::{BTreeSet, HashMap, HashSet};
use tsur_core::rules::{Facts, Rules};
use tsur_core::{
    AgencyId, Appeal, AppealId, AppealState, Author, BlockId, Channel, Event, EventId, EventKind, GeoPoint, MunicipalityId, ProblemId, RegimeId, SettlementId,
    TopicId,
};
use uuid::Uuid;

/// A position in the central feed: the last row a node has, as (transaction id, sequence
/// number). The start is `(0, 0)`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FeedCursor {
    /// The writing transaction's id (`xid8`).
    pub xid: i64,
    /// The row's number in the feed sequence.
    pub seq: i64,
}

impl std::fmt::Display for FeedCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.xid, self.seq)
    }
}

impl std::str::FromStr for FeedCursor {
    type Err = String;
    fn from_str(s: &str) -> Result<FeedCursor, String> {
        let (xid, seq) = s.split_once(':').ok_or_else(|| format!("позиция «{s}»: нужно «xid:seq»"))?;
        Ok(FeedCursor {
            xid: xid.parse().map_err(|_| format!("позиция «{s}»: xid не число"))?,
            seq: seq.parse().map_err(|_| format!("позиция «{s}»: seq не число"))?,
        })
    }
}

/// A new appeal a node registered, with its author if known.
#[derive(Debug, Clone, Copy)]
pub struct Registration<'a> {
    /// The appeal.
    pub appeal: &'a Appeal,
    /// Its author's personal data.
    pub author: Option<&'a Author>,
}

/// What one push changed on the server.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PushOutcome {
    /// Appeals the server did not have.
    pub appeals: u64,
    /// Events the server did not have.
    pub events: u64,
    /// Events that, merged with other nodes' events, did not fit the state they met (kept,
    /// without effect).
    pub inert: u64,
}

/// An event as pulled: its ids, and the event or why it could not be read.
#[derive(Debug, Clone)]
pub struct PulledEvent {
    /// The event's id.
    pub id: Uuid,
    /// Its appeal's id.
    pub appeal_id: Uuid,
    /// The event, or what is wrong with the row.
    pub event: Result<Event, String>,
    /// The payload's JSON as the server holds it (checked: it parsed into `event`).
    pub payload: Option<String>,
}

/// One page of the pull: the appeals whose state changed, with their facts, authors (when
/// the login may read them) and every event.
#[derive(Debug, Clone, Default)]
pub struct PullPage {
    /// The cursor after this page (unchanged when the page is empty).
    pub cursor: FeedCursor,
    /// The appeals whose state changed, in feed order.
    pub changed: Vec<Uuid>,
    /// When the page is empty: whether committed changes exist beyond the horizon (a
    /// transaction that began before them is still running, anywhere on the server). The
    /// caller may wait a little and ask again.
    pub behind: bool,
    /// Their facts; a row that could not be read carries why.
    pub appeals: Vec<(Uuid, Result<Appeal, String>)>,
    /// Their authors (empty for roles that may not see personal data).
    pub authors: Vec<Author>,
    /// All their events.
    pub events: Vec<PulledEvent>,
}

/// The reference books as of a position in the feed.
#[derive(Debug, Clone)]
pub struct ReferenceUpdate {
    /// The cursor after the newest version.
    pub cursor: FeedCursor,
    /// The newest version of every book: (file name, version, text).
    pub files: Vec<(String, i32, String)>,
}

/// The horizon of the pull: rows of transactions below it are final.
const HORIZON: &str = "pg_snapshot_xmin(pg_current_snapshot())";

impl CentralStore {
    /// Sends a node's new appeals and events in one transaction (see the module's notes).
    /// `registrations` are the appeals the node registered (sent again, they are skipped);
    /// `events` must hold the whole history of every appeal the server may not have yet.
    /// `rules` give the deadline columns of the projection.
    pub async fn push(&self, registrations: &[Registration<'_>], events: &[Event], rules: &Rules) -> Result<PushOutcome, CentralError> {
        let mut tx = self.pool().begin().await?;
        let outcome = push_in(&mut tx, registrations, events, rules).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// The next page of the pull: up to `limit` appeals of the login's scope whose state
    /// changed after `after`, with their facts, events and (if `with_authors`) authors. The
    /// page's `cursor` is where the next one starts.
    pub async fn pull(&self, after: FeedCursor, limit: i64, with_authors: bool) -> Result<PullPage, CentralError> {
        // One snapshot for the whole page: the appeals, authors and events read agree with
        // the states listed.
        let mut tx = self.pool().begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *tx).await?;
        plan_for_scoped_lookups(&mut tx).await?;
        let rows = sqlx::query(&format!(
            "SELECT appeal_id, feed_xid::text::bigint AS xid, feed_seq FROM appeal_state
             WHERE (feed_xid, feed_seq) > ($1::bigint::text::xid8, $2) AND feed_xid < {HORIZON}
             ORDER BY feed_xid, feed_seq LIMIT $3"
        ))
        .bind(after.xid)
        .bind(after.seq)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await?;
        let mut page = PullPage { cursor: after, ..PullPage::default() };
        for row in &rows {
            page.changed.push(row.get("appeal_id"));
            page.cursor = FeedCursor { xid: row.get("xid"), seq: row.get("feed_seq") };
        }
        if page.changed.is_empty() {
            page.behind = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM appeal_state WHERE (feed_xid, feed_seq) > ($1::bigint::text::xid8, $2))")
                .bind(after.xid)
                .bind(after.seq)
                .fetch_one(&mut *tx)
                .await?;
            tx.commit().await?;
            return Ok(page);
        }
        page.appeals = fetch_appeals(&mut tx, &page.changed).await?;
        page.events = fetch_events(&mut tx, &page.changed).await?;
        if with_authors {
            let rows = sqlx::query("SELECT appeal_id, full_name, phone, email FROM appeal_authors WHERE appeal_id = ANY($1)")
                .bind(&page.changed)
                .fetch_all(&mut *tx)
                .await?;
            page.authors = rows
                .iter()
                .map(|r| Author { appeal_id: AppealId(r.get("appeal_id")), full_name: r.get("full_name"), phone: r.get("phone"), email: r.get("email") })
                .collect();
        }
        tx.commit().await?;
        Ok(page)
    }

    /// The reference books, if a version newer than `after` was published: the newest
    /// version of every book and the cursor after them. `None` when nothing changed.
    pub async fn reference_since(&self, after: FeedCursor) -> Result<Option<ReferenceUpdate>, CentralError> {
        let mut tx = self.pool().begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *tx).await?;
        let newest: Option<(i64, i64)> = sqlx::query_as(&format!(
            "SELECT feed_xid::text::bigint, feed_seq FROM reference_files
             WHERE (feed_xid, feed_seq) > ($1::bigint::text::xid8, $2) AND feed_xid < {HORIZON}
             ORDER BY feed_xid DESC, feed_seq DESC LIMIT 1"
        ))
        .bind(after.xid)
        .bind(after.seq)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((xid, seq)) = newest else {
            tx.commit().await?;
            return Ok(None);
        };
        let files: Vec<(String, i32, String)> = sqlx::query_as(&format!(
            "SELECT DISTINCT ON (name) name, version, content FROM reference_files
             WHERE (feed_xid, feed_seq) <= ($1::bigint::text::xid8, $2) AND feed_xid < {HORIZON}
             ORDER BY name, version DESC"
        ))
        .bind(xid)
        .bind(seq)
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Some(ReferenceUpdate { cursor: FeedCursor { xid, seq }, files }))
    }

    /// Publishes reference books (the operator's act): each file whose text differs from
    /// its newest version becomes the next version. Returns the names published.
    pub async fn publish_reference(&self, files: &[(String, String)]) -> Result<Vec<String>, CentralError> {
        let mut tx = self.pool().begin().await?;
        let mut published = Vec::new();
        for (name, content) in files {
            let current: Option<String> = sqlx::query_scalar("SELECT content FROM reference_files WHERE name = $1 ORDER BY version DESC LIMIT 1")
                .bind(name)
                .fetch_optional(&mut *tx)
                .await?;
            if current.as_deref() == Some(content.as_str()) {
                continue;
            }
            // The version is set by the server (tsur_next_reference_version).
            sqlx::query("INSERT INTO reference_files (name, version, content) VALUES ($1, 1, $2)").bind(name).bind(content).execute(&mut *tx).await?;
            published.push(name.clone());
        }
        tx.commit().await?;
        Ok(published)
    }
}

/// [`CentralStore::push`] inside a transaction the caller commits (a writer that holds
/// its transaction open, as the out-of-order test does).
pub async fn push_in(
    tx: &mut Transaction<'_, Postgres>,
    registrations: &[Registration<'_>],
    events: &[Event],
    rules: &Rules,
) -> Result<PushOutcome, CentralError> {
    let mut outcome = PushOutcome::default();
    plan_for_scoped_lookups(tx).await?;

    // 1. Appeals the server lacks, with their first projection and their authors.
    let mut inserted: HashSet<Uuid> = HashSet::new();
    if !registrations.is_empty() {
        let ids: Vec<Uuid> = registrations.iter().map(|r| r.appeal.id.0).collect();
        // Which of them the server has already (a batch sent again). Not by `ON CONFLICT …
        // RETURNING`: row-level security checks new rows against the SELECT policy too, and
        // a new appeal is not visible before its state is written.
        let present: HashSet<Uuid> =
            sqlx::query_scalar("SELECT id FROM appeals WHERE id = ANY($1)").bind(&ids).fetch_all(&mut **tx).await?.into_iter().collect();
        let new: Vec<&Registration<'_>> = registrations.iter().filter(|r| !present.contains(&r.appeal.id.0)).collect();
        if !new.is_empty() {
            let mut cols = AppealColumns::default();
            for r in &new {
                cols.push(r.appeal);
            }
            sqlx::query(
                "INSERT INTO appeals (id, channel, external_id, received_at, regime_id, text, address_text, lon, lat, municipality_id, settlement_id, node)
                 SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::text[], $7::text[],
                                      $8::float8[], $9::float8[], $10::text[], $11::text[], $12::text[])",
            )
            .bind(&cols.id)
            .bind(&cols.channel)
            .bind(&cols.external_id)
            .bind(&cols.received_at)
            .bind(&cols.regime)
            .bind(&cols.text)
            .bind(&cols.address)
            .bind(&cols.lon)
            .bind(&cols.lat)
            .bind(&cols.municipality)
            .bind(&cols.settlement)
            .bind(&cols.node)
            .execute(&mut **tx)
            .await?;
            // Their histories: every event of the batch that belongs to them.
            let mut by_appeal: HashMap<Uuid, Vec<Event>> = HashMap::new();
            for e in events {
                if !present.contains(&e.appeal_id.0) {
                    by_appeal.entry(e.appeal_id.0).or_default().push(e.clone());
                }
            }
            let mut states = StateColumns::default();
            let mut authors = AuthorColumns::default();
            for r in &new {
                let history = by_appeal.get(&r.appeal.id.0).map(Vec::as_slice).unwrap_or_default();
                let merged = merge(r.appeal.id, history)?;
                outcome.inert += merged.inert.len() as u64;
                states.push(r.appeal, &merged.state, rules);
                if let Some(a) = r.author {
                    authors.push(a);
                }
            }
            states.insert(tx).await?;
            authors.insert(tx).await?;
            outcome.appeals = new.len() as u64;
            inserted.extend(cols.id);
        }
    }

    // 2. Events the server lacks.
    let mut touched: BTreeSet<Uuid> = BTreeSet::new();
    if !events.is_empty() {
        let mut cols = EventColumns::default();
        for e in events {
            cols.push(e)?;
        }
        let rows: Vec<Uuid> = sqlx::query_scalar(
            "INSERT INTO events (id, appeal_id, at, kind, actor, node, payload)
                 SELECT id, appeal_id, at, kind, actor, node, payload::jsonb
                 FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::text[])
                      AS e(id, appeal_id, at, kind, actor, node, payload)
                 ON CONFLICT (id) DO NOTHING RETURNING appeal_id",
        )
        .bind(&cols.id)
        .bind(&cols.appeal_id)
        .bind(&cols.at)
        .bind(&cols.kind)
        .bind(&cols.actor)
        .bind(&cols.node)
        .bind(&cols.payload)
        .fetch_all(&mut **tx)
        .await?;
        outcome.events = rows.len() as u64;
        touched.extend(rows.into_iter().filter(|id| !inserted.contains(id)));
    }

    // 3. Fold again every older appeal that got a new event, under its row lock.
    if !touched.is_empty() {
        let ids: Vec<Uuid> = touched.into_iter().collect();
        sqlx::query("SELECT appeal_id FROM appeal_state WHERE appeal_id = ANY($1) ORDER BY appeal_id FOR UPDATE").bind(&ids).fetch_all(&mut **tx).await?;
        let appeals = fetch_appeals(tx, &ids).await?;
        let mut histories: HashMap<Uuid, Vec<Event>> = HashMap::new();
        for e in fetch_events(tx, &ids).await? {
            let event = e.event.map_err(|why| CentralError::Corrupt(format!("событие {} в центральной базе: {why}", e.id)))?;
            histories.entry(e.appeal_id).or_default().push(event);
        }
        let mut states = StateColumns::default();
        for (id, appeal) in appeals {
            let appeal = appeal.map_err(|why| CentralError::Corrupt(format!("обращение {id} в центральной базе: {why}")))?;
            let merged = merge(appeal.id, histories.get(&id).map(Vec::as_slice).unwrap_or_default())?;
            outcome.inert += merged.inert.len() as u64;
            states.push(&appeal, &merged.state, rules);
        }
        states.update(tx).await?;
    }
    Ok(outcome)
}

/// Settings for the sync's statements, for this transaction only. Row-level security checks
/// every event against its appeal's state (`EXISTS … appeal_state`); the planner
/// underestimates how many states a grant covers and hashes the whole `appeal_state` (a
/// sequential scan of a million rows, 3 s per page) instead of probing its primary key per
/// event (0.2 s). A small `work_mem` leaves it only the probe; JIT compilation costs more
/// than it saves on these short statements.
async fn plan_for_scoped_lookups(tx: &mut Transaction<'_, Postgres>) -> Result<(), CentralError> {
    sqlx::query("SET LOCAL work_mem = '256kB'").execute(&mut **tx).await?;
    sqlx::query("SET LOCAL jit = off").execute(&mut **tx).await?;
    Ok(())
}

fn merge(id: AppealId, history: &[Event]) -> Result<tsur_core::Merged, CentralError> {
    match AppealState::merge(history) {
        Some(Ok(merged)) => Ok(merged),
        Some(Err(error)) => Err(CentralError::Refused(format!("обращение {id}: {error}"))),
        None => Err(CentralError::Refused(format!("обращение {id}: нет ни одного события"))),
    }
}

async fn fetch_appeals(tx: &mut Transaction<'_, Postgres>, ids: &[Uuid]) -> Result<Vec<(Uuid, Result<Appeal, String>)>, CentralError> {
    let rows = sqlx::query(
        "SELECT id, channel, external_id, received_at, regime_id, text, address_text, lon, lat, municipality_id, settlement_id, node
         FROM appeals WHERE id = ANY($1)",
    )
    .bind(ids)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows.iter().map(|r| (r.get("id"), decode_appeal(r))).collect())
}

fn decode_appeal(r: &PgRow) -> Result<Appeal, String> {
    let channel: String = r.try_get("channel").map_err(|e| e.to_string())?;
    let lon: Option<f64> = r.try_get("lon").map_err(|e| e.to_string())?;
    let lat: Option<f64> = r.try_get("lat").map_err(|e| e.to_string())?;
    Ok(Appeal {
        id: AppealId(r.try_get("id").map_err(|e| e.to_string())?),
        channel: channel.parse::<Channel>().map_err(|e| e.to_string())?,
        external_id: r.try_get("external_id").map_err(|e| e.to_string())?,
        received_at: r.try_get("received_at").map_err(|e| e.to_string())?,
        regime: RegimeId(r.try_get("regime_id").map_err(|e| e.to_string())?),
        text: r.try_get("text").map_err(|e| e.to_string())?,
        address_text: r.try_get("address_text").map_err(|e| e.to_string())?,
        point: lon.zip(lat).map(|(lon, lat)| GeoPoint { lon, lat }),
        municipality: MunicipalityId(r.try_get("municipality_id").map_err(|e| e.to_string())?),
        settlement: r.try_get::<Option<String>, _>("settlement_id").map_err(|e| e.to_string())?.map(SettlementId),
        node: r.try_get("node").map_err(|e| e.to_string())?,
    })
}

async fn fetch_events(tx: &mut Transaction<'_, Postgres>, appeals: &[Uuid]) -> Result<Vec<PulledEvent>, CentralError> {
    let rows = sqlx::query("SELECT id, appeal_id, at, kind, actor, node, payload::text AS payload FROM events WHERE appeal_id = ANY($1)")
        .bind(appeals)
        .fetch_all(&mut **tx)
        .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let id: Uuid = r.get("id");
            let appeal_id: Uuid = r.get("appeal_id");
            let payload: Option<String> = r.try_get("payload").ok();
            let event = (|| {
                let payload = payload.as_deref().ok_or_else(|| "содержание не читается".to_owned())?;
                let kind: EventKind = serde_json::from_str(payload).map_err(|e| format!("содержание не читается: {e}"))?;
                let code: String = r.try_get("kind").map_err(|e| e.to_string())?;
                if code != kind.code() {
                    return Err(format!("вид «{code}» не совпадает с содержанием «{}»", kind.code()));
                }
                Ok(Event {
                    id: EventId(id),
                    appeal_id: AppealId(appeal_id),
                    at: r.try_get("at").map_err(|e| e.to_string())?,
                    actor: r.try_get("actor").map_err(|e| e.to_string())?,
                    node: r.try_get("node").map_err(|e| e.to_string())?,
                    kind,
                })
            })();
            let payload = if event.is_ok() { payload } else { None };
            PulledEvent { id, appeal_id, event, payload }
        })
        .collect())
}

/// Appeals as columns, for one `unnest` insert.
#[derive(Default)]
struct AppealColumns {
    id: Vec<Uuid>,
    channel: Vec<String>,
    external_id: Vec<String>,
    received_at: Vec<DateTime<Utc>>,
    regime: Vec<String>,
    text: Vec<String>,
    address: Vec<String>,
    lon: Vec<Option<f64>>,
    lat: Vec<Option<f64>>,
    municipality: Vec<String>,
    settlement: Vec<Option<String>>,
    node: Vec<String>,
}

impl AppealColumns {
    fn push(&mut self, a: &Appeal) {
        self.id.push(a.id.0);
        self.channel.push(a.channel.code().to_owned());
        self.external_id.push(a.external_id.clone());
        self.received_at.push(a.received_at);
        self.regime.push(a.regime.0.clone());
        self.text.push(a.text.clone());
        self.address.push(a.address_text.clone());
        self.lon.push(a.point.map(|p| p.lon));
        self.lat.push(a.point.map(|p| p.lat));
        self.municipality.push(a.municipality.0.clone());
        self.settlement.push(a.settlement.as_ref().map(|s| s.0.clone()));
        self.node.push(a.node.clone());
    }
}

/// Authors as columns.
#[derive(Default)]
struct AuthorColumns {
    appeal_id: Vec<Uuid>,
    full_name: Vec<String>,
    phone: Vec<Option<String>>,
    email: Vec<Option<String>>,
}

impl AuthorColumns {
    fn push(&mut self, a: &Author) {
        self.appeal_id.push(a.appeal_id.0);
        self.full_name.push(a.full_name.clone());
        self.phone.push(a.phone.clone());
        self.email.push(a.email.clone());
    }

    async fn insert(&self, tx: &mut Transaction<'_, Postgres>) -> Result<(), CentralError> {
        if self.appeal_id.is_empty() {
            return Ok(());
        }
        sqlx::query("INSERT INTO appeal_authors (appeal_id, full_name, phone, email) SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[])")
            .bind(&self.appeal_id)
            .bind(&self.full_name)
            .bind(&self.phone)
            .bind(&self.email)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }
}

/// Events as columns.
#[derive(Default)]
struct EventColumns {
    id: Vec<Uuid>,
    appeal_id: Vec<Uuid>,
    at: Vec<DateTime<Utc>>,
    kind: Vec<String>,
    actor: Vec<String>,
    node: Vec<String>,
    payload: Vec<String>,
}

impl EventColumns {
    fn push(&mut self, e: &Event) -> Result<(), CentralError> {
        self.id.push(e.id.0);
        self.appeal_id.push(e.appeal_id.0);
        self.at.push(e.at);
        self.kind.push(e.kind.code().to_owned());
        self.actor.push(e.actor.clone());
        self.node.push(e.node.clone());
        self.payload.push(serde_json::to_string(&e.kind).map_err(|error| CentralError::Refused(format!("событие {}: {error}", e.id.0)))?);
        Ok(())
    }
}

/// Projection rows as columns: one `unnest` for an insert or an update of many rows.
#[derive(Default)]
struct StateColumns {
    appeal_id: Vec<Uuid>,
    status: Vec<String>,
    channel: Vec<String>,
    municipality: Vec<String>,
    received_at: Vec<DateTime<Utc>>,
    block: Vec<Option<String>>,
    topic: Vec<Option<String>>,
    agency: Vec<Option<String>>,
    problem: Vec<Option<Uuid>>,
    first_reply_at: Vec<Option<DateTime<Utc>>>,
    first_answer_at: Vec<Option<DateTime<Utc>>>,
    last_answer_at: Vec<Option<DateTime<Utc>>>,
    resolved_at: Vec<Option<DateTime<Utc>>>,
    confirmed_at: Vec<Option<DateTime<Utc>>>,
    closed_at: Vec<Option<DateTime<Utc>>>,
    deferred_until: Vec<Option<NaiveDate>>,
    extension_days: Vec<i32>,
    answers: Vec<i32>,
    rejected_answers: Vec<i32>,
    reopen_count: Vec<i32>,
    redirects: Vec<i32>,
    satisfaction: Vec<Option<i16>>,
    last_event_at: Vec<DateTime<Utc>>,
    event_count: Vec<i32>,
    first_reply_due: Vec<Option<DateTime<Utc>>>,
    answer_due: Vec<Option<DateTime<Utc>>>,
    due_predicted: Vec<bool>,
    registered_at: Vec<DateTime<Utc>>,
    redirected_at: Vec<Option<DateTime<Utc>>>,
    reopened_at: Vec<Option<DateTime<Utc>>>,
    fast_track: Vec<Option<String>>,
    resolution_due: Vec<Option<DateTime<Utc>>>,
    class_confidence: Vec<Option<f32>>,
    class_by_person: Vec<bool>,
}

/// The columns of `appeal_state` the sync writes, in the order of [`StateColumns::bind`].
const STATE_COLUMNS: &str = "appeal_id, status, channel, municipality_id, received_at, block_id, topic_id, agency_id, problem_id, \
    first_reply_at, first_answer_at, last_answer_at, resolved_at, confirmed_at, closed_at, deferred_until, extension_days, answers, \
    rejected_answers, reopen_count, redirects, satisfaction, last_event_at, event_count, first_reply_due, answer_due, due_predicted, \
    registered_at, redirected_at, reopened_at, fast_track_id, resolution_due, class_confidence, class_by_person";

/// `unnest` of the bound arrays, typed, in the order of [`STATE_COLUMNS`].
const STATE_UNNEST: &str = "unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[], $7::text[], $8::text[], \
    $9::uuid[], $10::timestamptz[], $11::timestamptz[], $12::timestamptz[], $13::timestamptz[], $14::timestamptz[], $15::timestamptz[], \
    $16::date[], $17::int4[], $18::int4[], $19::int4[], $20::int4[], $21::int4[], $22::int2[], $23::timestamptz[], $24::int4[], \
    $25::timestamptz[], $26::timestamptz[], $27::bool[], $28::timestamptz[], $29::timestamptz[], $30::timestamptz[], $31::text[], \
    $32::timestamptz[], $33::float4[], $34::bool[])";

impl StateColumns {
    fn push(&mut self, a: &Appeal, s: &AppealState, rules: &Rules) {
        let d = rules.dues(&Facts::of(a, s));
        let n = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
        self.appeal_id.push(a.id.0);
        self.status.push(s.status.code().to_owned());
        self.channel.push(a.channel.code().to_owned());
        self.municipality.push(a.municipality.0.clone());
        self.received_at.push(a.received_at);
        self.block.push(s.block.as_ref().map(|b: &BlockId| b.0.clone()));
        self.topic.push(s.topic.as_ref().map(|t: &TopicId| t.0.clone()));
        self.agency.push(s.agency.as_ref().map(|x: &AgencyId| x.0.clone()));
        self.problem.push(s.problem.map(|p: ProblemId| p.0));
        self.first_reply_at.push(s.first_reply_at);
        self.first_answer_at.push(s.first_answer_at);
        self.last_answer_at.push(s.last_answer_at);
        self.resolved_at.push(s.resolved_at);
        self.confirmed_at.push(s.confirmed_at);
        self.closed_at.push(s.closed_at);
        self.deferred_until.push(s.deferred_until);
        self.extension_days.push(n(s.extension_days));
        self.answers.push(n(s.answers));
        self.rejected_answers.push(n(s.rejected_answers));
        self.reopen_count.push(n(s.reopen_count));
        self.redirects.push(n(s.redirects));
        self.satisfaction.push(s.satisfaction.map(i16::from));
        self.last_event_at.push(s.last_event_at);
        self.event_count.push(n(s.event_count));
        self.first_reply_due.push(d.first_reply);
        self.answer_due.push(d.answer);
        self.due_predicted.push(d.predicted);
        self.registered_at.push(s.registered_at);
        self.redirected_at.push(s.redirected_at);
        self.reopened_at.push(s.reopened_at);
        self.fast_track.push(s.fast_track.clone());
        self.resolution_due.push(d.resolution);
        self.class_confidence.push(s.class_confidence);
        self.class_by_person.push(s.classified_by_person);
    }

    fn bind<'q>(&'q self, q: sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments>) -> sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments> {
        q.bind(&self.appeal_id)
            .bind(&self.status)
            .bind(&self.channel)
            .bind(&self.municipality)
            .bind(&self.received_at)
            .bind(&self.block)
            .bind(&self.topic)
            .bind(&self.agency)
            .bind(&self.problem)
            .bind(&self.first_reply_at)
            .bind(&self.first_answer_at)
            .bind(&self.last_answer_at)
            .bind(&self.resolved_at)
            .bind(&self.confirmed_at)
            .bind(&self.closed_at)
            .bind(&self.deferred_until)
            .bind(&self.extension_days)
            .bind(&self.answers)
            .bind(&self.rejected_answers)
            .bind(&self.reopen_count)
            .bind(&self.redirects)
            .bind(&self.satisfaction)
            .bind(&self.last_event_at)
            .bind(&self.event_count)
            .bind(&self.first_reply_due)
            .bind(&self.answer_due)
            .bind(&self.due_predicted)
            .bind(&self.registered_at)
            .bind(&self.redirected_at)
            .bind(&self.reopened_at)
            .bind(&self.fast_track)
            .bind(&self.resolution_due)
            .bind(&self.class_confidence)
            .bind(&self.class_by_person)
    }

    async fn insert(&self, tx: &mut Transaction<'_, Postgres>) -> Result<(), CentralError> {
        if self.appeal_id.is_empty() {
            return Ok(());
        }
        let sql = format!("INSERT INTO appeal_state ({STATE_COLUMNS}) SELECT * FROM {STATE_UNNEST}");
        self.bind(sqlx::query(&sql)).execute(&mut **tx).await?;
        Ok(())
    }

    async fn update(&self, tx: &mut Transaction<'_, Postgres>) -> Result<(), CentralError> {
        if self.appeal_id.is_empty() {
            return Ok(());
        }
        let assignments: Vec<String> = STATE_COLUMNS.split(',').map(str::trim).filter(|c| *c != "appeal_id").map(|c| format!("{c} = v.{c}")).collect();
        let sql = format!("UPDATE appeal_state s SET {} FROM {STATE_UNNEST} AS v({STATE_COLUMNS}) WHERE s.appeal_id = v.appeal_id", assignments.join(", "));
        self.bind(sqlx::query(&sql)).execute(&mut **tx).await?;
        Ok(())
    }
}
