//! Reading: counts for the situation room, appeals and their events, reference texts.
//! Every read of appeals takes a [`Scope`].

use crate::open::classify;
use crate::write::uuid_of;
use crate::{SqliteStore, StoreError};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteExecutor};
use tsur_core::{
    AgencyId, Appeal, AppealId, AppealState, Author, BlockId, Channel, Event, EventId, EventKind, GeoPoint, MunicipalityId, ProblemId, RegimeId, Scope,
    SettlementId, Status, TopicId,
};

/// Which appeals a count covers: a half-open interval of registration instants and a scope.
#[derive(Debug, Clone)]
pub struct StatsFilter {
    /// Registered at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Registered before this instant.
    pub until: Option<DateTime<Utc>>,
    /// Who is asking.
    pub scope: Scope,
}

/// The dimension a count is split by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    /// By municipality id.
    Municipality,
    /// By block id (`None` for not yet classified).
    Block,
    /// By channel code.
    Channel,
    /// By status code.
    Status,
}

impl GroupBy {
    fn column(self) -> &'static str {
        match self {
            GroupBy::Municipality => "municipality_id",
            GroupBy::Block => "block_id",
            GroupBy::Channel => "channel",
            GroupBy::Status => "status",
        }
    }
}

/// One group of a count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountRow {
    /// The group's key (`None` for a missing value, e.g. an unclassified appeal).
    pub key: Option<String>,
    /// Appeals in it.
    pub count: i64,
}

pub(crate) fn at(ms: i64) -> Result<DateTime<Utc>, StoreError> {
    Utc.timestamp_millis_opt(ms).single().ok_or_else(|| StoreError::Decode(format!("время {ms}")))
}

pub(crate) fn opt_at(ms: Option<i64>) -> Result<Option<DateTime<Utc>>, StoreError> {
    ms.map(at).transpose()
}

fn push_filter(q: &mut QueryBuilder<'_, Sqlite>, filter: &StatsFilter) {
    q.push(" WHERE 1 = 1");
    if let Some(from) = filter.from {
        q.push(" AND received_at >= ").push_bind(from.timestamp_millis());
    }
    if let Some(until) = filter.until {
        q.push(" AND received_at < ").push_bind(until.timestamp_millis());
    }
    if let Some(blocks) = &filter.scope.blocks {
        push_in(q, "block_id", blocks.iter().map(|b| b.0.clone()));
    }
    if let Some(municipalities) = &filter.scope.municipalities {
        push_in(q, "municipality_id", municipalities.iter().map(|m| m.0.clone()));
    }
}

/// ` WHERE` the scope's blocks and municipalities, of any time.
pub(crate) fn push_scope(q: &mut QueryBuilder<'_, Sqlite>, scope: &Scope) {
    push_filter(q, &StatsFilter { from: None, until: None, scope: scope.clone() });
}

/// ` AND column IN (…)`; an empty list matches nothing.
fn push_in(q: &mut QueryBuilder<'_, Sqlite>, column: &str, values: impl ExactSizeIterator<Item = String>) {
    if values.len() == 0 {
        q.push(" AND 0");
        return;
    }
    q.push(format!(" AND {column} IN ("));
    let mut list = q.separated(", ");
    for v in values {
        list.push_bind(v);
    }
    list.push_unseparated(")");
}

impl SqliteStore {
    /// Appeals matching the filter.
    pub async fn count(&self, filter: &StatsFilter) -> Result<i64, StoreError> {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new("SELECT count(*) FROM appeal_state");
        push_filter(&mut q, filter);
        q.build_query_scalar().fetch_one(&self.pool).await.map_err(|e| classify(self.path(), e))
    }

    /// Appeals matching the filter, split by one dimension; groups with no appeals are absent.
    pub async fn count_by(&self, filter: &StatsFilter, group: GroupBy) -> Result<Vec<CountRow>, StoreError> {
        let column = group.column();
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(format!("SELECT {column} AS key, count(*) AS n FROM appeal_state"));
        push_filter(&mut q, filter);
        q.push(format!(" GROUP BY {column} ORDER BY {column}"));
        let rows = q.build().fetch_all(&self.pool).await.map_err(|e| classify(self.path(), e))?;
        Ok(rows.into_iter().map(|r| CountRow { key: r.get("key"), count: r.get("n") }).collect())
    }

    /// The first and last registration instants in the store, `None` when it has no appeals.
    pub async fn received_range(&self) -> Result<Option<(DateTime<Utc>, DateTime<Utc>)>, StoreError> {
        let row = sqlx::query("SELECT min(received_at), max(received_at) FROM appeal_state").fetch_one(&self.pool).await?;
        match (row.get::<Option<i64>, _>(0), row.get::<Option<i64>, _>(1)) {
            (Some(first), Some(last)) => Ok(Some((at(first)?, at(last)?))),
            _ => Ok(None),
        }
    }

    /// Number of appeals in the store, whatever their scope (for maintenance, not display).
    pub async fn appeal_count(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT count(*) FROM appeals").fetch_one(&self.pool).await?)
    }

    /// Number of events in the store.
    pub async fn event_count(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT count(*) FROM events").fetch_one(&self.pool).await?)
    }

    /// The stored reference files as (name, text); empty when none were loaded yet.
    pub async fn reference_texts(&self) -> Result<Vec<(String, String)>, StoreError> {
        Ok(sqlx::query_as("SELECT name, content FROM reference_files ORDER BY name").fetch_all(&self.pool).await?)
    }

    /// An appeal, if it exists and the scope may see it.
    pub async fn appeal(&self, id: AppealId, scope: &Scope) -> Result<Option<Appeal>, StoreError> {
        let Some(appeal) = fetch_appeal(&self.pool, id).await? else {
            return Ok(None);
        };
        let block: Option<String> = sqlx::query_scalar("SELECT block_id FROM appeal_state WHERE appeal_id = ?").bind(id.0).fetch_one(&self.pool).await?;
        Ok(scope.allows(block.map(BlockId).as_ref(), &appeal.municipality).then_some(appeal))
    }

    /// The events of an appeal in fold order (empty when the scope may not see it).
    pub async fn events(&self, id: AppealId, scope: &Scope) -> Result<Vec<Event>, StoreError> {
        if self.appeal(id, scope).await?.is_none() {
            return Ok(Vec::new());
        }
        fetch_events(&self.pool, id).await
    }

    /// The author of an appeal; `None` unless the scope may see the appeal and personal data.
    pub async fn author(&self, id: AppealId, scope: &Scope) -> Result<Option<Author>, StoreError> {
        if !scope.may_see_personal_data || self.appeal(id, scope).await?.is_none() {
            return Ok(None);
        }
        let row = sqlx::query("SELECT full_name, phone, email FROM appeal_authors WHERE appeal_id = ?").bind(id.0).fetch_optional(&self.pool).await?;
        Ok(row.map(|r| Author { appeal_id: id, full_name: r.get(0), phone: r.get(1), email: r.get(2) }))
    }

    /// The stored projection of an appeal (what the situation room reads).
    pub async fn state(&self, id: AppealId, scope: &Scope) -> Result<Option<AppealState>, StoreError> {
        if self.appeal(id, scope).await?.is_none() {
            return Ok(None);
        }
        let row = sqlx::query("SELECT * FROM appeal_state WHERE appeal_id = ?").bind(id.0).fetch_one(&self.pool).await?;
        decode_state(&row).map(Some)
    }
}

pub(crate) fn decode_state(row: &SqliteRow) -> Result<AppealState, StoreError> {
    let status: String = row.get("status");
    Ok(AppealState {
        status: Status::from_code(&status).ok_or_else(|| StoreError::Decode(format!("статус {status}")))?,
        block: row.get::<Option<String>, _>("block_id").map(BlockId),
        topic: row.get::<Option<String>, _>("topic_id").map(TopicId),
        agency: row.get::<Option<String>, _>("agency_id").map(AgencyId),
        problem: row.get::<Option<Vec<u8>>, _>("problem_id").map(|b| uuid_of(&b).map(ProblemId)).transpose()?,
        fast_track: row.get("fast_track_id"),
        class_confidence: row.get::<Option<f64>, _>("class_confidence").map(|c| c as f32),
        classified_by_person: row.get::<Option<bool>, _>("class_by_person").unwrap_or(false),
        registered_at: at(row.get::<Option<i64>, _>("registered_at").unwrap_or_else(|| row.get("received_at")))?,
        redirected_at: opt_at(row.get("redirected_at"))?,
        reopened_at: opt_at(row.get("reopened_at"))?,
        first_reply_at: opt_at(row.get("first_reply_at"))?,
        first_answer_at: opt_at(row.get("first_answer_at"))?,
        last_answer_at: opt_at(row.get("last_answer_at"))?,
        resolved_at: opt_at(row.get("resolved_at"))?,
        confirmed_at: opt_at(row.get("confirmed_at"))?,
        closed_at: opt_at(row.get("closed_at"))?,
        deferred_until: row
            .get::<Option<String>, _>("deferred_until")
            .map(|d| d.parse::<NaiveDate>().map_err(|e| StoreError::Decode(format!("дата {d}: {e}"))))
            .transpose()?,
        extension_days: row.get("extension_days"),
        answers: row.get("answers"),
        rejected_answers: row.get("rejected_answers"),
        reopen_count: row.get("reopen_count"),
        redirects: row.get("redirects"),
        satisfaction: row.get::<Option<i64>, _>("satisfaction").map(|s| s as u8),
        last_event_at: at(row.get("last_event_at"))?,
        event_count: row.get("event_count"),
    })
}

pub(crate) async fn fetch_appeal<'e>(exec: impl SqliteExecutor<'e>, id: AppealId) -> Result<Option<Appeal>, StoreError> {
    let Some(r) = sqlx::query("SELECT * FROM appeals WHERE id = ?").bind(id.0).fetch_optional(exec).await? else {
        return Ok(None);
    };
    decode_appeal(&r).map(Some)
}

/// An appeal from a row holding the columns of `appeals`.
pub(crate) fn decode_appeal(r: &SqliteRow) -> Result<Appeal, StoreError> {
    let channel: String = r.get("channel");
    let lon: Option<f64> = r.get("lon");
    let lat: Option<f64> = r.get("lat");
    Ok(Appeal {
        id: AppealId(uuid_of(&r.get::<Vec<u8>, _>("id"))?),
        channel: channel.parse::<Channel>().map_err(|e| StoreError::Decode(e.to_string()))?,
        external_id: r.get("external_id"),
        received_at: at(r.get("received_at"))?,
        regime: RegimeId(r.get("regime_id")),
        text: r.get("text"),
        address_text: r.get("address_text"),
        point: lon.zip(lat).map(|(lon, lat)| GeoPoint { lon, lat }),
        municipality: MunicipalityId(r.get("municipality_id")),
        settlement: r.get::<Option<String>, _>("settlement_id").map(SettlementId),
        node: r.get("node"),
    })
}

pub(crate) async fn fetch_events<'e>(exec: impl SqliteExecutor<'e>, id: AppealId) -> Result<Vec<Event>, StoreError> {
    let rows = sqlx::query("SELECT id, appeal_id, at, actor, node, payload FROM events WHERE appeal_id = ? ORDER BY at, id").bind(id.0).fetch_all(exec).await?;
    rows.iter().map(decode_event).collect()
}

/// Rows per `IN (…)` list.
pub(crate) const IDS_PER_STATEMENT: usize = 400;

/// `(?, ?, …)` binding each id.
pub(crate) fn push_ids(q: &mut QueryBuilder<'_, Sqlite>, ids: &[Vec<u8>]) {
    q.push("(");
    let mut list = q.separated(", ");
    for id in ids {
        list.push_bind(id.clone());
    }
    list.push_unseparated(")");
}

/// The appeals of `ids` that exist and their histories (an appeal without events has none),
/// read [`IDS_PER_STATEMENT`] at a time, two statements each. A history is in no particular
/// order: folding sorts it.
pub(crate) async fn appeals_with_histories(
    conn: &mut sqlx::SqliteConnection,
    ids: &[Vec<u8>],
) -> Result<(std::collections::HashMap<AppealId, Appeal>, std::collections::HashMap<AppealId, Vec<Event>>), StoreError> {
    let mut appeals = std::collections::HashMap::new();
    let mut histories: std::collections::HashMap<AppealId, Vec<Event>> = std::collections::HashMap::new();
    for chunk in ids.chunks(IDS_PER_STATEMENT) {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new("SELECT id, appeal_id, at, actor, node, payload FROM events WHERE appeal_id IN ");
        push_ids(&mut q, chunk);
        for r in q.build().fetch_all(&mut *conn).await? {
            let e = decode_event(&r)?;
            histories.entry(e.appeal_id).or_default().push(e);
        }
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new("SELECT * FROM appeals WHERE id IN ");
        push_ids(&mut q, chunk);
        for r in q.build().fetch_all(&mut *conn).await? {
            let a = decode_appeal(&r)?;
            appeals.insert(a.id, a);
        }
    }
    Ok((appeals, histories))
}

/// The stored projections of the appeals of `ids` that have one, [`IDS_PER_STATEMENT`] at a
/// time.
pub(crate) async fn stored_states(conn: &mut sqlx::SqliteConnection, ids: &[Vec<u8>]) -> Result<std::collections::HashMap<AppealId, AppealState>, StoreError> {
    let mut states = std::collections::HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(IDS_PER_STATEMENT) {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new("SELECT * FROM appeal_state WHERE appeal_id IN ");
        push_ids(&mut q, chunk);
        for r in q.build().fetch_all(&mut *conn).await? {
            states.insert(AppealId(uuid_of(&r.get::<Vec<u8>, _>("appeal_id"))?), decode_state(&r)?);
        }
    }
    Ok(states)
}

/// An event from a row holding `id, appeal_id, at, actor, node, payload` of `events`.
pub(crate) fn decode_event(r: &SqliteRow) -> Result<Event, StoreError> {
    let payload: String = r.get("payload");
    Ok(Event {
        id: EventId(uuid_of(&r.get::<Vec<u8>, _>("id"))?),
        appeal_id: AppealId(uuid_of(&r.get::<Vec<u8>, _>("appeal_id"))?),
        at: at(r.get("at"))?,
        actor: r.get("actor"),
        node: r.get("node"),
        kind: serde_json::from_str::<EventKind>(&payload).map_err(|e| StoreError::Decode(format!("событие: {e}")))?,
    })
}

/// An appeal as the problem linker sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkRow {
    /// The appeal.
    pub appeal_id: AppealId,
    /// Its topic (classified).
    pub topic_id: TopicId,
    /// Where.
    pub point: GeoPoint,
    /// When received.
    pub received_at: DateTime<Utc>,
    /// Its text.
    pub text: String,
    /// The problem it is linked to, if any.
    pub problem: Option<ProblemId>,
    /// When it was registered (a link comes after).
    pub registered_at: DateTime<Utc>,
}

impl SqliteStore {
    /// The linker's progress: the last appeal rowid it has seen, and the earliest receipt
    /// among the appeals inserted after it (`None` when there are none).
    pub async fn link_progress(&self) -> Result<(i64, i64, Option<DateTime<Utc>>), StoreError> {
        let last: i64 = sqlx::query_scalar("SELECT coalesce((SELECT last_rowid FROM link_state WHERE id = 1), 0)").fetch_one(&self.pool).await?;
        let (max_rowid, min_received): (Option<i64>, Option<i64>) =
            sqlx::query_as("SELECT max(rowid), min(received_at) FROM appeals WHERE rowid > ?").bind(last).fetch_one(&self.pool).await?;
        Ok((last, max_rowid.unwrap_or(last), opt_at(min_received)?))
    }

    /// Records the linker's progress.
    pub async fn set_link_progress(&self, last_rowid: i64) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO link_state (id, last_rowid) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET last_rowid = excluded.last_rowid")
            .bind(last_rowid)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Records that the linker has seen every appeal stored now (one statement: the last rowid
    /// is read from the table's end, not counted over the new appeals as
    /// [`SqliteStore::link_progress`] does).
    pub async fn set_link_progress_to_last(&self) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO link_state (id, last_rowid) VALUES (1, (SELECT coalesce(max(rowid), 0) FROM appeals)) \
             ON CONFLICT (id) DO UPDATE SET last_rowid = excluded.last_rowid",
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Problems of the register: linked appeals grouped, largest first.
    pub async fn problems(&self, limit: i64, scope: &Scope) -> Result<Vec<ProblemRow>, StoreError> {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
            "SELECT problem_id, min(topic_id), min(municipality_id), count(*), min(received_at), max(received_at), count(DISTINCT channel) FROM appeal_state",
        );
        push_filter(&mut q, &StatsFilter { from: None, until: None, scope: scope.clone() });
        q.push(" AND problem_id IS NOT NULL GROUP BY problem_id ORDER BY count(*) DESC, min(received_at) LIMIT ").push_bind(limit);
        let rows = q.build().fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                Ok(ProblemRow {
                    problem: ProblemId(uuid_of(&r.get::<Vec<u8>, _>(0))?),
                    topic_id: r.get(1),
                    municipality_id: r.get(2),
                    appeals: r.get::<i64, _>(3) as u64,
                    first_at: at(r.get(4))?,
                    last_at: at(r.get(5))?,
                    channels: r.get::<i64, _>(6) as u32,
                })
            })
            .collect()
    }

    /// The appeals of a problem that the scope may see, newest first, at most `limit`, with
    /// how many there are in all.
    pub async fn problem_appeals(&self, problem: ProblemId, limit: i64, scope: &Scope) -> Result<(u64, Vec<AppealBrief>), StoreError> {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new("SELECT count(*) FROM appeal_state");
        push_filter(&mut q, &StatsFilter { from: None, until: None, scope: scope.clone() });
        q.push(" AND problem_id = ").push_bind(problem.0);
        let total: i64 = q.build_query_scalar().fetch_one(&self.pool).await?;
        let mut q = brief_query(scope);
        q.push(" AND problem_id = ").push_bind(problem.0).push(" ORDER BY received_at DESC, appeal_id LIMIT ").push_bind(limit);
        Ok((total as u64, self.briefs(q).await?))
    }

    /// The newest appeals that the scope may see, narrowed by `only` (column, value) pairs of
    /// `appeal_state` (municipality, block, channel, status), at most `limit`.
    pub async fn latest_appeals(&self, only: &[(LatestBy, &str)], limit: i64, scope: &Scope) -> Result<Vec<AppealBrief>, StoreError> {
        let mut q = brief_query(scope);
        for (by, value) in only {
            q.push(format!(" AND {} = ", by.column())).push_bind(value.to_string());
        }
        q.push(" ORDER BY received_at DESC, appeal_id LIMIT ").push_bind(limit);
        self.briefs(q).await
    }

    pub(crate) async fn briefs(&self, mut q: QueryBuilder<'_, Sqlite>) -> Result<Vec<AppealBrief>, StoreError> {
        let rows = q.build().fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                Ok(AppealBrief {
                    id: AppealId(uuid_of(&r.get::<Vec<u8>, _>(0))?),
                    channel: r.get(1),
                    external_id: r.get(2),
                    received_at: at(r.get(3))?,
                    municipality_id: r.get(4),
                    topic_id: r.get(5),
                    agency_id: r.get(6),
                    status: r.get(7),
                    answer_due: opt_at(r.get(8))?,
                })
            })
            .collect()
    }

    /// Classified appeals with a point received at or after `since`, in order of receipt
    /// (for linking into problems).
    pub async fn link_rows(&self, since: Option<DateTime<Utc>>) -> Result<Vec<LinkRow>, StoreError> {
        use futures_util::TryStreamExt;
        // Decoded as they come: sqlx keeps each fetched row's values as SQLite's copies (about a
        // kilobyte a row here), and a pass over a million appeals with points held them all
        // (1.6 GiB at the import's peak).
        let mut stream = sqlx::query(
            "SELECT a.id, s.topic_id, a.lon, a.lat, a.received_at, a.text, s.problem_id, coalesce(s.registered_at, s.received_at) FROM appeals a JOIN appeal_state s ON s.appeal_id = a.id \
             WHERE s.topic_id IS NOT NULL AND a.lon IS NOT NULL AND a.lat IS NOT NULL AND a.received_at >= ? ORDER BY a.received_at, a.id",
        )
        .bind(since.map_or(i64::MIN, |t| t.timestamp_millis()))
        .fetch(&self.pool);
        let mut out = Vec::new();
        while let Some(r) = stream.try_next().await? {
            out.push(LinkRow {
                appeal_id: AppealId(uuid_of(&r.get::<Vec<u8>, _>(0))?),
                topic_id: TopicId(r.get(1)),
                point: GeoPoint { lon: r.get(2), lat: r.get(3) },
                received_at: at(r.get(4))?,
                text: r.get(5),
                problem: r.get::<Option<Vec<u8>>, _>(6).map(|b| uuid_of(&b).map(ProblemId)).transpose()?,
                registered_at: at(r.get(7))?,
            });
        }
        Ok(out)
    }

    /// The demo generator's ground truth: which incident each incident appeal came from.
    pub async fn demo_incident_of_appeals(&self) -> Result<std::collections::HashMap<AppealId, i64>, StoreError> {
        let rows = sqlx::query("SELECT appeal_id, incident_id FROM demo_incident_appeals").fetch_all(&self.pool).await?;
        rows.iter().map(|r| Ok((AppealId(uuid_of(&r.get::<Vec<u8>, _>(0))?), r.get::<i64, _>(1)))).collect()
    }
}

/// An appeal waiting for a person to check its classification.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewRow {
    /// The appeal.
    pub appeal_id: AppealId,
    /// Channel code.
    pub channel: String,
    /// The channel's id.
    pub external_id: String,
    /// Municipality.
    pub municipality_id: String,
    /// When received.
    pub received_at: DateTime<Utc>,
    /// The block the classifier chose, if any.
    pub block_id: Option<String>,
    /// The topic it chose, if any.
    pub topic_id: Option<String>,
    /// Its confidence.
    pub confidence: Option<f32>,
    /// The text.
    pub text: String,
}

impl SqliteStore {
    /// Appeals not classified yet, or classified by a model with confidence below
    /// `threshold` and not by a person: oldest first, within the scope.
    pub async fn review_queue(&self, threshold: f32, limit: i64, scope: &Scope) -> Result<Vec<ReviewRow>, StoreError> {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
            "SELECT s.appeal_id, a.channel, a.external_id, s.municipality_id, s.received_at, s.block_id, s.topic_id, s.class_confidence, a.text \
             FROM (SELECT * FROM appeal_state",
        );
        push_filter(&mut q, &StatsFilter { from: None, until: None, scope: scope.clone() });
        q.push(" AND class_by_person = 0 AND (topic_id IS NULL OR class_confidence < ").push_bind(f64::from(threshold));
        q.push(")) s JOIN appeals a ON a.id = s.appeal_id ORDER BY s.received_at LIMIT ").push_bind(limit);
        let rows = q.build().fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                Ok(ReviewRow {
                    appeal_id: AppealId(uuid_of(&r.get::<Vec<u8>, _>(0))?),
                    channel: r.get(1),
                    external_id: r.get(2),
                    municipality_id: r.get(3),
                    received_at: at(r.get(4))?,
                    block_id: r.get(5),
                    topic_id: r.get(6),
                    confidence: r.get::<Option<f64>, _>(7).map(|c| c as f32),
                    text: r.get(8),
                })
            })
            .collect()
    }

    /// Texts of appeals a person classified, with their block and topic (to train on).
    pub async fn person_classified(&self) -> Result<Vec<(String, String, String)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT a.text, s.block_id, s.topic_id FROM appeal_state s JOIN appeals a ON a.id = s.appeal_id WHERE s.class_by_person = 1 AND s.topic_id IS NOT NULL",
        )
        .fetch_all(&self.pool)
        .await?)
    }
}

/// An appeal as the conflict radar sees it. The author's contacts are here only to be
/// turned into a key by the caller; they are never shown.
#[derive(Debug, Clone, PartialEq)]
pub struct RadarRow {
    /// The appeal.
    pub appeal_id: AppealId,
    /// Channel code.
    pub channel: String,
    /// The channel's id.
    pub external_id: String,
    /// Municipality.
    pub municipality_id: String,
    /// Block.
    pub block_id: Option<String>,
    /// Topic.
    pub topic_id: Option<TopicId>,
    /// When received.
    pub received_at: DateTime<Utc>,
    /// Address as written.
    pub address_text: String,
    /// Text.
    pub text: String,
    /// Reopenings.
    pub reopen_count: u32,
    /// Rejected answers.
    pub rejected_answers: u32,
    /// Author's name, phone, e-mail (personal data: for the key only).
    pub author: Option<(String, Option<String>, Option<String>)>,
}

impl SqliteStore {
    /// Appeals received at or after `since`, within the scope, for the conflict radar.
    pub async fn radar_rows(&self, since: DateTime<Utc>, scope: &Scope) -> Result<Vec<RadarRow>, StoreError> {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
            "SELECT s.appeal_id, a.channel, a.external_id, s.municipality_id, s.block_id, s.topic_id, s.received_at, a.address_text, a.text, \
             s.reopen_count, s.rejected_answers, w.full_name, w.phone, w.email FROM (SELECT * FROM appeal_state",
        );
        push_filter(&mut q, &StatsFilter { from: Some(since), until: None, scope: scope.clone() });
        q.push(") s JOIN appeals a ON a.id = s.appeal_id LEFT JOIN appeal_authors w ON w.appeal_id = s.appeal_id");
        let rows = q.build().fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                let name: Option<String> = r.get(11);
                Ok(RadarRow {
                    appeal_id: AppealId(uuid_of(&r.get::<Vec<u8>, _>(0))?),
                    channel: r.get(1),
                    external_id: r.get(2),
                    municipality_id: r.get(3),
                    block_id: r.get(4),
                    topic_id: r.get::<Option<String>, _>(5).map(TopicId),
                    received_at: at(r.get(6))?,
                    address_text: r.get(7),
                    text: r.get(8),
                    reopen_count: r.get(9),
                    rejected_answers: r.get(10),
                    author: name.map(|n| (n, r.get(12), r.get(13))),
                })
            })
            .collect()
    }
}

/// A column that narrows [`SqliteStore::latest_appeals`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LatestBy {
    /// `municipality_id`.
    Municipality,
    /// `block_id`.
    Block,
    /// `channel`.
    Channel,
    /// `status`.
    Status,
}

impl LatestBy {
    fn column(self) -> &'static str {
        match self {
            LatestBy::Municipality => "municipality_id",
            LatestBy::Block => "block_id",
            LatestBy::Channel => "channel",
            LatestBy::Status => "status",
        }
    }
}

/// The list query of appeal briefs in the scope, before its own conditions and order.
pub(crate) fn brief_query(scope: &Scope) -> QueryBuilder<'static, Sqlite> {
    let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
        "SELECT appeal_id, channel, (SELECT external_id FROM appeals WHERE id = appeal_id), received_at, municipality_id, topic_id, agency_id, \
         status, answer_due FROM appeal_state",
    );
    push_filter(&mut q, &StatsFilter { from: None, until: None, scope: scope.clone() });
    q
}

/// One appeal in a list (a problem's appeals, a case's neighbours): what identifies it and
/// where it stands; no text, no author.
#[derive(Debug, Clone, PartialEq)]
pub struct AppealBrief {
    /// The appeal.
    pub id: AppealId,
    /// Its channel's code.
    pub channel: String,
    /// The channel's own identifier.
    pub external_id: String,
    /// Receipt.
    pub received_at: DateTime<Utc>,
    /// Municipality id.
    pub municipality_id: String,
    /// Topic id, once classified.
    pub topic_id: Option<String>,
    /// Responsible agency id.
    pub agency_id: Option<String>,
    /// Status code.
    pub status: String,
    /// The answer's due instant, when the regime has one.
    pub answer_due: Option<DateTime<Utc>>,
}

/// A problem of the register.
#[derive(Debug, Clone, PartialEq)]
pub struct ProblemRow {
    /// The problem.
    pub problem: ProblemId,
    /// Its topic.
    pub topic_id: Option<String>,
    /// Its municipality (the first by id when it spans several).
    pub municipality_id: String,
    /// Appeals linked.
    pub appeals: u64,
    /// First receipt.
    pub first_at: DateTime<Utc>,
    /// Latest receipt.
    pub last_at: DateTime<Utc>,
    /// Channels it came through.
    pub channels: u32,
}
