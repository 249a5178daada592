//! One row of an export → the facts of an appeal (or the reason it cannot be one), and the
//! events that bring a stored appeal to the status the export reports.

use crate::gazetteer::{Found, Gazetteer};
use crate::mapping::{Mapping, Step};
use crate::source::RawRow;
use chrono::format::{Item, Parsed, StrftimeItems};
use chrono::{DateTime, Duration, TimeZone, Utc};
use tsur_core::reference::ReferenceData;
use tsur_core::{AgencyId, Appeal, AppealId, AppealState, Author, Channel, Event, EventId, EventKind, GeoPoint, MunicipalityId, RegimeId, Status};
use uuid::Uuid;

/// What the row says.
#[derive(Debug, Clone, PartialEq)]
pub struct Incoming {
    /// Channel.
    pub channel: Channel,
    /// The channel's id.
    pub external_id: String,
    /// Receipt.
    pub received_at: DateTime<Utc>,
    /// Last status change, if given.
    pub updated_at: Option<DateTime<Utc>>,
    /// Text.
    pub text: String,
    /// Address as written.
    pub address: String,
    /// Point, if given and inside the region.
    pub point: Option<GeoPoint>,
    /// Municipality.
    pub municipality: MunicipalityId,
    /// Settlement, when the address names one.
    pub settlement: Option<tsur_core::SettlementId>,
    /// Status step.
    pub step: Step,
    /// Responsible agency, if recognised.
    pub agency: Option<AgencyId>,
    /// The channel's category, as text.
    pub category: Option<String>,
    /// Answer text.
    pub answer: Option<String>,
    /// Author: name, phone, e-mail.
    pub author: Option<(String, Option<String>, Option<String>)>,
}

/// Why a row cannot become an appeal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// The column at fault (the mapping's field name).
    pub column: String,
    /// Its raw value.
    pub raw: String,
    /// Why, in Russian.
    pub reason: String,
}

fn reject(column: &str, raw: &str, reason: impl Into<String>) -> Rejected {
    Rejected { column: column.into(), raw: raw.chars().take(500).collect(), reason: reason.into() }
}

/// What converting rows needs besides the mapping.
pub struct Context<'a> {
    /// Reference books.
    pub reference: &'a ReferenceData,
    /// The gazetteer made from them.
    pub gazetteer: &'a Gazetteer,
    /// The clock, read by the caller.
    pub now: DateTime<Utc>,
    /// How far in the future a receipt may be.
    pub future_tolerance: Duration,
}

/// A row with its column names in lowercase, for matching the mapping's candidates.
struct Cells<'a> {
    names: &'a [String],
    row: &'a RawRow,
}

impl<'a> Cells<'a> {
    /// The first non-empty cell among a field's candidate columns (lowercase).
    fn get(&self, candidates: &[String]) -> Option<&'a str> {
        candidates
            .iter()
            .find_map(|c| self.names.iter().zip(&self.row.cells).find(|(name, (_, value))| *name == c && !value.trim().is_empty()).map(|(_, (_, v))| v.trim()))
    }
}

/// Which required fields have no column in a header.
pub fn missing_columns(mapping: &Mapping, header: &[String]) -> Vec<&'static str> {
    let has = |candidates: &[String]| candidates.iter().any(|c| header.iter().any(|h| h.trim().to_lowercase() == *c));
    let mut out = Vec::new();
    for (name, candidates) in [("external_id", &mapping.columns.external_id), ("received_at", &mapping.columns.received_at), ("text", &mapping.columns.text)] {
        if !has(candidates) {
            out.push(name);
        }
    }
    out
}

/// Parses an instant: RFC 3339 with an offset, or a local time in Europe/Astrakhan.
pub fn parse_time(text: &str, formats: &[String]) -> Option<DateTime<Utc>> {
    TimeFormats::new(formats).parse(text)
}

/// A mapping's time formats, each read once into chrono's items: a row's dates are then
/// parsed without reading the format strings again (that was most of a date's cost).
#[derive(Debug, Clone)]
pub struct TimeFormats(Vec<Vec<Item<'static>>>);

impl TimeFormats {
    /// Compiles `formats` (strftime patterns); a pattern chrono cannot read matches nothing.
    pub fn new(formats: &[String]) -> TimeFormats {
        TimeFormats(formats.iter().filter_map(|f| StrftimeItems::new(f).parse_to_owned().ok()).collect())
    }

    /// Parses an instant: RFC 3339 with an offset, or a local time in Europe/Astrakhan in
    /// the first format that reads the whole text (a date alone is its midnight).
    pub fn parse(&self, text: &str) -> Option<DateTime<Utc>> {
        let text = text.trim();
        if let Ok(t) = DateTime::parse_from_rfc3339(text) {
            return Some(t.with_timezone(&Utc));
        }
        for items in &self.0 {
            let mut parsed = Parsed::new();
            if chrono::format::parse(&mut parsed, text, items.iter()).is_err() {
                continue;
            }
            let local = parsed.to_naive_datetime_with_offset(0).ok().or_else(|| parsed.to_naive_date().ok().and_then(|d| d.and_hms_opt(0, 0, 0)));
            if let Some(local) = local {
                return tsur_core::time::ZONE.from_local_datetime(&local).earliest().map(|t| t.with_timezone(&Utc));
            }
        }
        None
    }
}

fn number(text: &str) -> Option<f64> {
    text.trim().replace(',', ".").parse().ok()
}

/// A crude key for names: lowercase letters only, «ё» as «е».
fn squash(text: &str) -> String {
    text.to_lowercase().replace('ё', "е").chars().filter(|c| c.is_alphanumeric()).collect()
}

fn municipality_by_name<'a>(reference: &'a ReferenceData, gazetteer: &Gazetteer, text: &str) -> Option<&'a MunicipalityId> {
    let key = squash(text);
    if let Some(m) = reference.municipalities.iter().find(|m| m.id.as_str() == text.trim() || squash(&m.name_ru) == key) {
        return Some(&m.id);
    }
    match gazetteer.find(text) {
        Found::One(id) => reference.municipalities.iter().find(|m| m.id == id).map(|m| &m.id),
        _ => None,
    }
}

/// Converts a row under a mapping (for many rows, [`Converter`] does the same faster).
pub fn convert(row: &RawRow, mapping: &Mapping, ctx: &Context<'_>) -> Result<Incoming, Rejected> {
    Converter::new(mapping.clone()).convert(row, ctx)
}

/// [`convert`] for the rows of a file: the mapping's time formats are compiled once, and
/// the lowercase column names of a header are kept for the next row with the same header.
#[derive(Debug, Clone)]
pub struct Converter {
    mapping: Mapping,
    times: TimeFormats,
    /// The column names of the last row, as read and in lowercase.
    header: Vec<String>,
    names: Vec<String>,
}

impl Converter {
    /// A converter for `mapping`.
    pub fn new(mapping: Mapping) -> Converter {
        let times = TimeFormats::new(&mapping.time_formats);
        Converter { mapping, times, header: Vec::new(), names: Vec::new() }
    }

    /// The mapping.
    pub fn mapping(&self) -> &Mapping {
        &self.mapping
    }

    /// Converts a row (see [`convert`]).
    pub fn convert(&mut self, row: &RawRow, ctx: &Context<'_>) -> Result<Incoming, Rejected> {
        let same = self.header.len() == row.cells.len() && self.header.iter().zip(&row.cells).all(|(h, (n, _))| h == n);
        if !same {
            self.header = row.cells.iter().map(|(n, _)| n.clone()).collect();
            self.names = row.cells.iter().map(|(n, _)| n.trim().to_lowercase()).collect();
        }
        convert_with(row, &self.mapping, &self.times, &self.names, ctx)
    }
}

/// Converts a row whose column names in lowercase are `names`.
fn convert_with(row: &RawRow, mapping: &Mapping, times: &TimeFormats, names: &[String], ctx: &Context<'_>) -> Result<Incoming, Rejected> {
    let c = &mapping.columns;
    let cells = Cells { names, row };
    let cell = |_: &RawRow, candidates: &[String]| cells.get(candidates);
    let external_id = cell(row, &c.external_id).unwrap_or("");
    if external_id.is_empty() {
        return Err(reject("external_id", "", "нет идентификатора обращения"));
    }
    let channel = match cell(row, &c.channel).filter(|v| !v.is_empty()) {
        Some(v) => {
            let code = mapping.channels.get(&v.to_lowercase()).map(String::as_str).unwrap_or(v);
            code.parse::<Channel>().map_err(|_| reject("channel", v, format!("неизвестный канал «{v}»")))?
        }
        None => mapping.channel.as_deref().unwrap_or("regional").parse::<Channel>().map_err(|_| reject("channel", "", "в пресете неизвестный канал"))?,
    };
    let raw_received = cell(row, &c.received_at).unwrap_or("");
    let received_at = times
        .parse(raw_received)
        .ok_or_else(|| reject("received_at", raw_received, "дата поступления не распознана (нужно ДД.ММ.ГГГГ ЧЧ:ММ, ГГГГ-ММ-ДД ЧЧ:ММ или RFC 3339)"))?;
    if received_at > ctx.now + ctx.future_tolerance {
        return Err(reject("received_at", raw_received, "дата поступления в будущем"));
    }
    let updated_at = match cell(row, &c.updated_at).filter(|v| !v.is_empty()) {
        Some(v) => Some(times.parse(v).ok_or_else(|| reject("updated_at", v, "дата изменения статуса не распознана"))?),
        None => None,
    }
    .map(|u| u.max(received_at));
    let text = cell(row, &c.text).unwrap_or("").to_owned();
    if text.trim().is_empty() {
        return Err(reject("text", "", "пустой текст обращения"));
    }
    let address = cell(row, &c.address).unwrap_or("").to_owned();
    let point = match (cell(row, &c.lat).filter(|v| !v.is_empty()), cell(row, &c.lon).filter(|v| !v.is_empty())) {
        (Some(lat), Some(lon)) => {
            let (Some(lat), Some(lon)) = (number(lat), number(lon)) else {
                return Err(reject("lat", &format!("{lat}, {lon}"), "координаты не числа"));
            };
            Some(GeoPoint { lon, lat })
        }
        _ => None,
    };
    let point_municipality = point.and_then(|p| ctx.reference.boundaries.locate(p));
    let named = cell(row, &c.municipality).filter(|v| !v.is_empty());
    // The words of the address (or, without one, of the text), read once for the
    // municipality and the settlement.
    let mut address_place = None;
    let municipality = match (named, point_municipality) {
        (Some(name), _) => municipality_by_name(ctx.reference, ctx.gazetteer, name)
            .cloned()
            .ok_or_else(|| reject("municipality", name, format!("неизвестный муниципалитет «{name}»")))?,
        (None, Some(m)) => m.clone(),
        (None, None) => match address_place.insert(ctx.gazetteer.place(if address.is_empty() { &text } else { &address })).municipality() {
            Found::One(m) => m,
            Found::Ambiguous(ms) => {
                let names: Vec<&str> = ms.iter().map(|m| m.as_str()).collect();
                return Err(reject("address", &address, format!("адрес указывает на разные муниципалитеты: {}", names.join(", "))));
            }
            Found::Nothing => {
                let why = if point.is_some() {
                    "точка вне области, а по адресу муниципалитет не определён"
                } else {
                    "не удалось определить муниципалитет по адресу"
                };
                return Err(reject("address", &address, why));
            }
        },
    };
    // A point outside the region is dropped, not trusted.
    let point = point.filter(|_| point_municipality.is_some());
    let settlement = match address_place {
        Some(place) if !address.is_empty() => place.settlement(&municipality),
        _ => ctx.gazetteer.settlement(&address, &municipality),
    };
    let raw_status = cell(row, &c.status).unwrap_or("");
    let step = if raw_status.is_empty() {
        Step::Registered
    } else {
        *mapping.statuses.get(&raw_status.to_lowercase()).ok_or_else(|| {
            let known: Vec<&str> = mapping.statuses.keys().map(String::as_str).collect();
            reject("status", raw_status, format!("неизвестный статус «{raw_status}»; в сопоставлении есть: {}", known.join(", ")))
        })?
    };
    let agency = cell(row, &c.agency).filter(|v| !v.is_empty()).and_then(|a| {
        let key = squash(a);
        ctx.reference.agencies.iter().find(|x| x.id.as_str() == a || squash(&x.name_ru) == key || squash(&x.short_ru) == key).map(|x| x.id.clone())
    });
    let name = cell(row, &c.author_name).filter(|v| !v.is_empty());
    let phone = cell(row, &c.author_phone).filter(|v| !v.is_empty()).map(str::to_owned);
    let email = cell(row, &c.author_email).filter(|v| !v.is_empty()).map(str::to_owned);
    let author = (name.is_some() || phone.is_some() || email.is_some()).then(|| (name.unwrap_or("").to_owned(), phone, email));
    Ok(Incoming {
        channel,
        external_id: external_id.to_owned(),
        received_at,
        updated_at,
        text,
        address,
        point,
        municipality,
        settlement,
        step,
        agency,
        category: cell(row, &c.category).filter(|v| !v.is_empty()).map(str::to_owned),
        answer: cell(row, &c.answer).filter(|v| !v.is_empty()).map(str::to_owned),
        author,
    })
}

/// The namespace of the ids this importer makes (a fixed random UUID).
const NAMESPACE: Uuid = Uuid::from_u128(0x6f1c_2a4e_93d1_4b7a_8c55_0e2d_71b9_a3f4);

/// The appeal's id: time-ordered by its receipt (UUID v7) with the rest derived from
/// (channel, external id), so a re-import makes the same id.
pub fn appeal_id(channel: Channel, external_id: &str, received_at: DateTime<Utc>) -> AppealId {
    let h = Uuid::new_v5(&NAMESPACE, format!("appeal:{}:{external_id}", channel.code()).as_bytes());
    AppealId(
        uuid::Builder::from_unix_timestamp_millis(received_at.timestamp_millis().max(0) as u64, h.as_bytes()[..10].try_into().expect("10 bytes")).into_uuid(),
    )
}

/// An event's id: time-ordered by its instant (UUID v7, so the events' index grows at its
/// right edge as in real time) with the rest derived from (appeal, kind, instant).
fn event_id(appeal: AppealId, kind: &str, at: DateTime<Utc>) -> EventId {
    // The name hashed is «event:<appeal, hyphenated>:<kind>:<Unix ms>», written without the
    // formatting machinery (an import hashes millions of them).
    let mut name = Vec::with_capacity(80);
    name.extend_from_slice(b"event:");
    name.extend_from_slice(appeal.0.hyphenated().encode_lower(&mut Uuid::encode_buffer()).as_bytes());
    name.push(b':');
    name.extend_from_slice(kind.as_bytes());
    name.push(b':');
    name.extend_from_slice(at.timestamp_millis().to_string().as_bytes());
    let h = Uuid::new_v5(&NAMESPACE, &name);
    EventId(uuid::Builder::from_unix_timestamp_millis(at.timestamp_millis().max(0) as u64, h.as_bytes()[..10].try_into().expect("10 bytes")).into_uuid())
}

/// The new appeal a row makes, with its author.
pub fn new_appeal(inc: &Incoming, reference: &ReferenceData, node: &str) -> (Appeal, Option<Author>) {
    let id = appeal_id(inc.channel, &inc.external_id, inc.received_at);
    let regime = reference.regimes.iter().find(|r| r.channel == inc.channel).map_or_else(|| RegimeId(inc.channel.code().into()), |r| r.id.clone());
    let settlement = inc.settlement.clone().or_else(|| {
        inc.point.and_then(|p| {
            reference
                .settlements
                .iter()
                .filter(|s| s.municipality_id == inc.municipality)
                .min_by(|a, b| dist2(a.point(), p).total_cmp(&dist2(b.point(), p)))
                .map(|s| s.id.clone())
        })
    });
    let appeal = Appeal {
        id,
        channel: inc.channel,
        external_id: inc.external_id.clone(),
        received_at: inc.received_at,
        regime,
        text: inc.text.clone(),
        address_text: inc.address.clone(),
        point: inc.point,
        municipality: inc.municipality.clone(),
        settlement,
        node: node.to_owned(),
    };
    let author =
        inc.author.as_ref().map(|(full_name, phone, email)| Author { appeal_id: id, full_name: full_name.clone(), phone: phone.clone(), email: email.clone() });
    (appeal, author)
}

fn dist2(a: GeoPoint, b: GeoPoint) -> f64 {
    let dx = (a.lon - b.lon) * (a.lat.to_radians().cos());
    let dy = a.lat - b.lat;
    dx * dx + dy * dy
}

fn step_of(status: Status) -> Step {
    match status {
        Status::Registered => Step::Registered,
        Status::Assigned | Status::Rework | Status::Reopened => Step::Assigned,
        Status::InterimAnswered => Step::InterimAnswered,
        Status::Answered | Status::Deferred => Step::Answered,
        Status::Resolved | Status::Confirmed => Step::Resolved,
        Status::Closed => Step::Closed,
    }
}

/// The fast-track routing of a new appeal: the `fast_track_applied` event when a
/// fast-track of the reference books covers the classified topic in the appeal's
/// municipality on the local date of its receipt (`tsur_core::fast_track::select`), else
/// nothing. Only the classification found at intake counts: a person's later
/// reclassification does not re-route.
fn fast_track_for(appeal: &Appeal, classification: Option<&EventKind>, reference: &ReferenceData) -> Option<EventKind> {
    let Some(EventKind::Classified { topic, .. }) = classification else {
        return None;
    };
    let on = tsur_core::time::local_date(appeal.received_at);
    tsur_core::fast_track::select(&reference.fast_tracks, topic, &appeal.municipality, on)
        .map(|f| EventKind::FastTrackApplied { fast_track: f.id.clone(), agency: f.agency_id.clone() })
}

/// The events that bring an appeal from `state` (or from nothing: then the registration
/// comes first, the `classification` found at intake right after it, and the fast-track
/// that covers it, if any, right after that) to what the row reports. Ids are derived
/// from the appeal, the kind and the instant, so importing the same row twice adds
/// nothing. A row that reports less than the appeal has reached adds nothing either
/// (exports lag behind).
pub fn plan_events(
    inc: &Incoming,
    appeal: &Appeal,
    state: Option<&AppealState>,
    classification: Option<EventKind>,
    reference: &ReferenceData,
    actor: &str,
    node: &str,
) -> Vec<Event> {
    let mut out = Vec::new();
    let at = inc.updated_at.unwrap_or(inc.received_at);
    let mut push = |kind: EventKind, when: DateTime<Utc>| {
        out.push(Event { id: event_id(appeal.id, kind.code(), when), appeal_id: appeal.id, at: when, actor: actor.to_owned(), node: node.to_owned(), kind });
    };
    // Where the appeal stands, whether it is with an agency, and the last instant recorded.
    let (current, has_agency, floor) = match state {
        Some(s) => (step_of(s.status), s.agency.is_some(), s.last_event_at),
        None => {
            push(EventKind::Registered, inc.received_at);
            // A new appeal is classified at intake, right after its registration, and a
            // fast-track that covers it routes it right after that.
            let fast_track = fast_track_for(appeal, classification.as_ref(), reference);
            if let Some(kind) = classification {
                push(kind, inc.received_at + Duration::milliseconds(1));
            }
            let mut floor = inc.received_at + Duration::milliseconds(1);
            let routed = fast_track.is_some();
            if let Some(kind) = fast_track {
                floor += Duration::milliseconds(1);
                push(kind, floor);
            }
            (Step::Registered, routed, floor)
        }
    };
    if inc.step <= current {
        return out;
    }
    // The agency: as the row names it, else the municipality's administration. An appeal
    // already with an agency (a fast-track routed it) is not reassigned.
    let agency = inc.agency.clone().or_else(|| {
        reference
            .agencies
            .iter()
            .find(|a| a.kind == tsur_core::reference::AgencyKind::Omsu && a.municipality_id.as_ref() == Some(&appeal.municipality))
            .map(|a| a.id.clone())
    });
    // Strictly increasing instants after everything already recorded, so the fold applies
    // the new steps in order.
    let mut when = at.max(floor + Duration::milliseconds(1));
    let mut tick = || {
        let w = when;
        when += Duration::milliseconds(1);
        w
    };
    if current < Step::Assigned && !has_agency {
        if let Some(a) = agency {
            push(EventKind::Assigned { agency: a }, tick());
        }
    }
    let reply = || inc.answer.clone().unwrap_or_else(|| "Ответ дан в канале (текст в выгрузке отсутствует)".into());
    if inc.step == Step::InterimAnswered && current < Step::InterimAnswered {
        push(EventKind::InterimAnswer { text: reply() }, tick());
    }
    if inc.step >= Step::Answered && current < Step::Answered {
        push(EventKind::Answered { text: reply() }, tick());
    }
    if inc.step == Step::Resolved && current < Step::Resolved {
        push(EventKind::Resolved { note: "Решено по данным канала".into() }, tick());
    }
    if inc.step == Step::Closed && current < Step::Closed {
        push(EventKind::Closed, tick());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The derivation event ids had when they were made with `format!`: a re-import must
    /// find the events an earlier version stored, so the bytes hashed must not change.
    fn formatted_event_id(appeal: AppealId, kind: &str, at: DateTime<Utc>) -> EventId {
        let h = Uuid::new_v5(&NAMESPACE, format!("event:{appeal}:{kind}:{}", at.timestamp_millis()).as_bytes());
        EventId(uuid::Builder::from_unix_timestamp_millis(at.timestamp_millis().max(0) as u64, h.as_bytes()[..10].try_into().expect("10 bytes")).into_uuid())
    }

    #[test]
    fn event_ids_are_derived_from_the_same_bytes_as_before() {
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let kinds = ["registered", "classified", "fast_track_applied", "assigned", "interim_answer", "answered", "resolved", "closed", ""];
        for i in 0..2_000 {
            let appeal = AppealId(Uuid::from_u64_pair(next(), next()));
            // Instants from before 1970 to far ahead, and the edges.
            let ms = match i {
                0 => 0,
                1 => -1,
                2 => 253_402_300_799_000,
                _ => (next() % 4_000_000_000_000) as i64 - 1_000_000_000_000,
            };
            let at = DateTime::from_timestamp_millis(ms).expect("in range");
            let kind = kinds[i % kinds.len()];
            assert_eq!(event_id(appeal, kind, at), formatted_event_id(appeal, kind, at), "{appeal} {kind} {ms}");
        }
    }
}
