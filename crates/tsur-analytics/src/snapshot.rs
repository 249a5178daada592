//! The columnar snapshot of the projection: one row per appeal, one vector per column, small
//! integer codes instead of ids. A screen's numbers are single passes over these vectors,
//! which is what makes them fast; the store stays the source of truth and the snapshot is
//! rebuilt from it or updated row by row ([`Snapshot::upsert`]) as events arrive.

use crate::AnalyticsError;
use std::collections::HashMap;
use tsur_core::calendar::CompiledCalendar;
use tsur_core::reference::{AgencyKind, ReferenceData};
use tsur_core::Status;

/// No value in a `u8` column.
pub const NONE8: u8 = u8::MAX;
/// No value in a `u16` column.
pub const NONE16: u16 = u16::MAX;
/// No value in a `u32` column.
pub const NONE32: u32 = u32::MAX;
/// No due instant in [`Snapshot::answer_due`].
pub const NO_DUE: u32 = u32::MAX;

/// Flag: the appeal has a full answer.
pub const ANSWERED: u8 = 1;
/// Flag: the agency reported it resolved (now or before a reopening).
pub const RESOLVED: u8 = 1 << 1;
/// Flag: the citizen confirmed the solution.
pub const CONFIRMED: u8 = 1 << 2;
/// Flag: the citizen reopened it at least once.
pub const REOPENED: u8 = 1 << 3;
/// Flag: the agency still owes an answer.
pub const AWAITS_ANSWER: u8 = 1 << 4;

const MAGIC: &[u8; 8] = b"TSURSNAP";
/// Version of [`Snapshot::to_bytes`]; a change of the columns bumps it. Format 1 kept the
/// instants as `i64` milliseconds, format 2 had no [`Snapshot::cell`], format 3 kept each
/// point (two `f32`) beside its cell.
pub const FORMAT: u32 = 4;

/// Runs `$body` with `$c` bound to each column of snapshot `$s` but its ids (`&mut Vec<_>` of
/// the column's own type): what is done to every column alike is written once.
macro_rules! each_column {
    ($s:expr, $c:ident => $body:expr) => {
        each_column!(@ $s, $c, $body; at municipality settlement channel block topic agency status problem fast_track
            reply_minutes answer_due answer_after flags answers rejected satisfaction cell)
    };
    (@ $s:expr, $c:ident, $body:expr; $($column:ident)*) => {{
        let s = &mut $s;
        $({
            let $c = &mut s.$column;
            $body;
        })*
    }};
}

/// The resolution of the hotspot map's hexagons (H3 7: cells of about 5 km²), at which each
/// row's cell is kept in [`Snapshot::cell`].
pub const MAP_CELLS: h3o::Resolution = h3o::Resolution::Seven;

/// The dictionaries of the codes: position = code, in catalogue order.
#[derive(Debug, Clone)]
pub struct Dims {
    /// Municipality ids.
    pub municipalities: Vec<String>,
    /// Russian names of the municipalities.
    pub municipality_names: Vec<String>,
    /// Census 2021 population of each municipality.
    pub population: Vec<u32>,
    /// Block ids.
    pub blocks: Vec<String>,
    /// Russian names of the blocks.
    pub block_names: Vec<String>,
    /// Topic ids.
    pub topics: Vec<String>,
    /// Russian names of the topics.
    pub topic_names: Vec<String>,
    /// Each topic's block code.
    pub topic_block: Vec<u8>,
    /// Each topic's severity, 1–5.
    pub topic_severity: Vec<u8>,
    /// Agency ids.
    pub agencies: Vec<String>,
    /// Short Russian names of the agencies.
    pub agency_names: Vec<String>,
    /// For a municipal administration (ОМСУ), its municipality's code; [`NONE8`] for an ИОГВ.
    pub agency_municipality: Vec<u8>,
    /// Channel codes (`pos`, `im`, …).
    pub channels: Vec<String>,
    /// Settlement ids.
    pub settlements: Vec<String>,
    /// Census population of each settlement.
    pub settlement_population: Vec<u32>,
    /// Per kind (`K_*`), id → code.
    index: [HashMap<String, u32>; 6],
}

const K_MUNI: u8 = 0;
const K_BLOCK: u8 = 1;
const K_TOPIC: u8 = 2;
const K_AGENCY: u8 = 3;
const K_CHANNEL: u8 = 4;
const K_SETTLEMENT: u8 = 5;

impl Dims {
    /// The dictionaries of a region's reference books. Municipalities, blocks, agencies and
    /// channels are limited to 128 each (they are bit masks in a [`crate::Filter`]).
    pub fn from_reference(reference: &ReferenceData) -> Result<Dims, AnalyticsError> {
        let mut dims = Dims {
            municipalities: reference.municipalities.iter().map(|m| m.id.as_str().to_owned()).collect(),
            municipality_names: reference.municipalities.iter().map(|m| m.name_ru.clone()).collect(),
            population: reference.municipalities.iter().map(|m| m.population).collect(),
            blocks: reference.blocks.iter().map(|b| b.id.as_str().to_owned()).collect(),
            block_names: reference.blocks.iter().map(|b| b.name_ru.clone()).collect(),
            topics: reference.topics.iter().map(|t| t.id.as_str().to_owned()).collect(),
            topic_names: reference.topics.iter().map(|t| t.name_ru.clone()).collect(),
            topic_block: Vec::new(),
            topic_severity: reference.topics.iter().map(|t| t.severity).collect(),
            agencies: reference.agencies.iter().map(|a| a.id.as_str().to_owned()).collect(),
            agency_names: reference.agencies.iter().map(|a| a.short_ru.clone()).collect(),
            agency_municipality: Vec::new(),
            channels: tsur_core::Channel::ALL.iter().map(|c| c.code().to_owned()).collect(),
            settlements: reference.settlements.iter().map(|s| s.id.as_str().to_owned()).collect(),
            settlement_population: reference.settlements.iter().map(|s| s.population).collect(),
            index: Default::default(),
        };
        for (kind, list, limit) in [
            (K_MUNI, &dims.municipalities, 128usize),
            (K_BLOCK, &dims.blocks, 128),
            (K_TOPIC, &dims.topics, NONE16 as usize),
            (K_AGENCY, &dims.agencies, 128),
            (K_CHANNEL, &dims.channels, 128),
            (K_SETTLEMENT, &dims.settlements, NONE16 as usize),
        ] {
            if list.len() > limit {
                return Err(AnalyticsError::TooMany { what: kind_name(kind), count: list.len(), limit });
            }
            for (i, id) in list.iter().enumerate() {
                dims.index[kind as usize].insert(id.clone(), i as u32);
            }
        }
        dims.topic_block = reference.topics.iter().map(|t| dims.code(K_BLOCK, t.block_id.as_str()).map_or(NONE8, |c| c as u8)).collect();
        dims.agency_municipality = reference
            .agencies
            .iter()
            .map(|a| match (a.kind, &a.municipality_id) {
                (AgencyKind::Omsu, Some(m)) => dims.code(K_MUNI, m.as_str()).map_or(NONE8, |c| c as u8),
                _ => NONE8,
            })
            .collect();
        Ok(dims)
    }

    fn code(&self, kind: u8, id: &str) -> Option<u32> {
        self.index[kind as usize].get(id).copied()
    }

    /// The code of a municipality id.
    pub fn municipality(&self, id: &str) -> Option<u8> {
        self.code(K_MUNI, id).map(|c| c as u8)
    }
    /// The code of a block id.
    pub fn block(&self, id: &str) -> Option<u8> {
        self.code(K_BLOCK, id).map(|c| c as u8)
    }
    /// The code of a topic id.
    pub fn topic(&self, id: &str) -> Option<u16> {
        self.code(K_TOPIC, id).map(|c| c as u16)
    }
    /// The code of an agency id.
    pub fn agency(&self, id: &str) -> Option<u8> {
        self.code(K_AGENCY, id).map(|c| c as u8)
    }
    /// The code of a channel.
    pub fn channel(&self, code: &str) -> Option<u8> {
        self.code(K_CHANNEL, code).map(|c| c as u8)
    }
    /// The code of a settlement id.
    pub fn settlement(&self, id: &str) -> Option<u16> {
        self.code(K_SETTLEMENT, id).map(|c| c as u16)
    }
    /// Population of the municipalities whose bit is set (all when `mask` is `None`).
    pub fn population_of(&self, mask: Option<u128>) -> u64 {
        self.population.iter().enumerate().filter(|(i, _)| mask.is_none_or(|m| m & (1u128 << i) != 0)).map(|(_, p)| u64::from(*p)).sum()
    }
}

fn kind_name(kind: u8) -> &'static str {
    match kind {
        K_MUNI => "муниципалитетов",
        K_BLOCK => "блоков",
        K_TOPIC => "тематик",
        K_AGENCY => "исполнителей",
        K_CHANNEL => "каналов",
        _ => "населённых пунктов",
    }
}

/// One appeal's facts and state as the store reads them (Unix milliseconds, UTC).
#[derive(Debug, Clone, Default)]
pub struct Row<'a> {
    /// Appeal id (UUID as a number).
    pub id: u128,
    /// When it was received.
    pub received_at: i64,
    /// When it was registered (the start of every term).
    pub registered_at: i64,
    /// Municipality id.
    pub municipality: &'a str,
    /// Settlement id, when known.
    pub settlement: Option<&'a str>,
    /// Channel code.
    pub channel: &'a str,
    /// Status code.
    pub status: &'a str,
    /// Block id.
    pub block: Option<&'a str>,
    /// Topic id.
    pub topic: Option<&'a str>,
    /// Responsible agency id.
    pub agency: Option<&'a str>,
    /// Linked problem.
    pub problem: Option<u128>,
    /// Fast-track id.
    pub fast_track: Option<&'a str>,
    /// First reply of any kind.
    pub first_reply_at: Option<i64>,
    /// Latest full answer.
    pub last_answer_at: Option<i64>,
    /// The answer's due instant.
    pub answer_due: Option<i64>,
    /// Reported resolved.
    pub resolved_at: Option<i64>,
    /// Confirmed by the citizen.
    pub confirmed_at: Option<i64>,
    /// Full answers given.
    pub answers: u32,
    /// Answers rejected by moderation.
    pub rejected_answers: u32,
    /// Reopenings by the citizen.
    pub reopen_count: u32,
    /// Latest satisfaction score, 1–5.
    pub satisfaction: Option<u8>,
    /// Point, when known.
    pub lon: Option<f64>,
    /// Point, when known.
    pub lat: Option<f64>,
}

/// The columns. All vectors have the same length; row `i` is one appeal.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// Appeal ids.
    pub id: Vec<u128>,
    /// Received, Unix seconds (rounded down: a period's bounds are whole seconds, so a row
    /// falls in the same periods as its instant in milliseconds); read as milliseconds by
    /// [`Snapshot::at_ms`]. Instants before 1970 are kept as 1970, after 2106 as 2106.
    pub at: Vec<u32>,
    /// Municipality code.
    pub municipality: Vec<u8>,
    /// Settlement code or [`NONE16`].
    pub settlement: Vec<u16>,
    /// Channel code.
    pub channel: Vec<u8>,
    /// Block code or [`NONE8`].
    pub block: Vec<u8>,
    /// Topic code or [`NONE16`].
    pub topic: Vec<u16>,
    /// Agency code or [`NONE8`].
    pub agency: Vec<u8>,
    /// Status as its position in [`Status::ALL`].
    pub status: Vec<u8>,
    /// Problem code (index into [`Snapshot::problems`]) or [`NONE32`].
    pub problem: Vec<u32>,
    /// Fast-track code (index into [`Snapshot::fast_tracks`]) or [`NONE8`].
    pub fast_track: Vec<u8>,
    /// Office minutes from registration to the first reply, or [`NONE32`].
    pub reply_minutes: Vec<u32>,
    /// The answer's due instant, Unix seconds rounded up (an appeal is never counted overdue
    /// before its term ends), or [`NO_DUE`].
    pub answer_due: Vec<u32>,
    /// How long after its due instant the standing answer came, seconds rounded up (an answer
    /// late by a fraction of a second is late by one), negative when before; 0 when there is
    /// no answer or no due instant. Two `i64` instants in milliseconds took 16 MiB at a
    /// million appeals, these two columns 8.
    pub answer_after: Vec<i32>,
    /// [`ANSWERED`], [`RESOLVED`], [`CONFIRMED`], [`REOPENED`], [`AWAITS_ANSWER`].
    pub flags: Vec<u8>,
    /// Full answers (saturating at 255).
    pub answers: Vec<u8>,
    /// Rejected answers (saturating at 255).
    pub rejected: Vec<u8>,
    /// Satisfaction 1–5, 0 when none.
    pub satisfaction: Vec<u8>,
    /// The hexagon of the hotspot map ([`MAP_CELLS`]) holding the point, as a code into
    /// [`Snapshot::cells`], or [`NONE32`] without a point. Finding a point's cell takes about
    /// half a microsecond, half a second at a million appeals: found as a row comes and kept
    /// with the snapshot, it is not on the way to the window's first map. The point itself is
    /// not kept (8 MiB at a million appeals): nothing here reads it but the cell, and the
    /// hotspots at other resolutions read the points from the store.
    pub cell: Vec<u32>,
    /// The distinct cells of [`Snapshot::cell`], by code.
    pub cells: Vec<h3o::CellIndex>,
    /// Problem ids by code.
    pub problems: Vec<u128>,
    /// Fast-track ids by code.
    pub fast_tracks: Vec<String>,
    /// Rows `..sorted` are in ascending order of id and are found by binary search; the rows
    /// after them, added since the snapshot was last [settled](Snapshot::settle), through
    /// `position`.
    sorted: usize,
    /// The rows after `sorted`, by id.
    position: Positions,
    problem_code: HashMap<u128, u32>,
    cell_code: HashMap<h3o::CellIndex, u32>,
}

/// The rows of a snapshot not yet in order of id, by their id: an open-addressing table of
/// row numbers (linear probing, at most half full) whose keys are read from the `id` column.
/// A `HashMap<u128, u32>` keeps each key again and pads the pair to 32 bytes: 69 MiB at a
/// million appeals; this table is 8 MiB at a million rows, and a settled snapshot needs none.
#[derive(Debug, Clone, Default)]
struct Positions {
    /// Row numbers, [`NONE32`] where empty; the length is a power of two (or zero).
    slots: Vec<u32>,
}

impl Positions {
    /// The table of every row of `ids` (the last row wins where an id comes twice).
    #[cfg(test)]
    fn of(ids: &[u128]) -> Positions {
        let mut table = Positions::default();
        table.reserve(ids, 0, ids.len());
        table
    }

    /// The first slot to look at for `id`: its halves folded and multiplied by 2⁶⁴/φ, the
    /// top bits kept (UUIDs' low bits are random, but ids made by hashing need not be).
    fn start(&self, id: u128) -> usize {
        let folded = (id as u64) ^ ((id >> 64) as u64);
        let bits = self.slots.len().trailing_zeros();
        (folded.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - bits)) as usize
    }

    /// The row of `id`.
    fn get(&self, ids: &[u128], id: u128) -> Option<u32> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut i = self.start(id);
        loop {
            match self.slots[i] {
                NONE32 => return None,
                row if ids[row as usize] == id => return Some(row),
                _ => i = (i + 1) & mask,
            }
        }
    }

    /// Makes room for `rows` rows in all, keeping the table at most half full; a larger table
    /// places the rows `from..` of `ids` (those the table holds) again.
    fn reserve(&mut self, ids: &[u128], from: usize, rows: usize) {
        let wanted = (rows.max(8) * 2).next_power_of_two();
        if wanted <= self.slots.len() {
            return;
        }
        self.slots = vec![NONE32; wanted];
        for row in from..ids.len() {
            self.set(ids, row as u32);
        }
    }

    /// Points `row`'s id (`ids[row]`) at `row`, replacing the row it pointed at before.
    fn set(&mut self, ids: &[u128], row: u32) {
        let id = ids[row as usize];
        let mask = self.slots.len() - 1;
        let mut i = self.start(id);
        loop {
            match self.slots[i] {
                NONE32 => break,
                other if ids[other as usize] == id => break,
                _ => i = (i + 1) & mask,
            }
        }
        self.slots[i] = row;
    }
}

impl Snapshot {
    /// An empty snapshot with room for `rows` upserted.
    pub fn with_capacity(rows: usize) -> Snapshot {
        let mut s = Snapshot::with_columns(rows);
        s.position.reserve(&s.id, 0, rows);
        s
    }

    /// An empty snapshot with room in its columns for `rows` (not in its table of rows by id:
    /// rows put in by other means than upserts are settled instead).
    fn with_columns(rows: usize) -> Snapshot {
        let mut s = Snapshot::default();
        s.id.reserve(rows);
        each_column!(s, c => c.reserve(rows));
        s
    }

    /// Number of appeals.
    pub fn len(&self) -> usize {
        self.id.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.id.is_empty()
    }

    /// The row of appeal `id`, if it is here.
    pub fn index_of(&self, id: u128) -> Option<usize> {
        self.id[..self.sorted].binary_search(&id).ok().or_else(|| self.position.get(&self.id, id).map(|i| i as usize))
    }

    /// Puts the rows in order of id (every column alike), so that each is found by binary
    /// search and the table of the rows added since is dropped: it takes 8 bytes a row it
    /// holds, 8 MiB after a build of a million rows. Row numbers change; the order of the rows
    /// means nothing else. The API settles the snapshot before it keeps it in the store, so a
    /// snapshot read back is settled. Returns whether any row moved.
    pub fn settle(&mut self) -> bool {
        let moved = self.sorted < self.len() && !self.id.is_sorted_by(|a, b| a < b);
        if moved {
            let mut order: Vec<u32> = (0..self.len() as u32).collect();
            order.sort_unstable_by_key(|&i| self.id[i as usize]);
            fn gather<T: Copy>(column: &mut Vec<T>, order: &[u32]) {
                let moved: Vec<T> = order.iter().map(|&i| column[i as usize]).collect();
                *column = moved;
            }
            gather(&mut self.id, &order);
            each_column!(*self, c => gather(c, &order));
        }
        self.sorted = self.len();
        self.position = Positions::default();
        moved
    }

    /// Adds an appeal or replaces the row of one already here. A row naming an id the
    /// reference books do not know is an error and changes nothing.
    pub fn upsert(&mut self, dims: &Dims, calendar: &CompiledCalendar, row: &Row<'_>) -> Result<(), AnalyticsError> {
        let unknown = |what: &'static str, id: &str| AnalyticsError::Unknown { what, id: id.to_owned() };
        let municipality = dims.municipality(row.municipality).ok_or_else(|| unknown("муниципалитет", row.municipality))?;
        let channel = dims.channel(row.channel).ok_or_else(|| unknown("канал", row.channel))?;
        let status = Status::from_code(row.status).ok_or_else(|| unknown("статус", row.status))?;
        let settlement = match row.settlement {
            Some(s) => dims.settlement(s).ok_or_else(|| unknown("населённый пункт", s))?,
            None => NONE16,
        };
        let block = match row.block {
            Some(b) => dims.block(b).ok_or_else(|| unknown("блок", b))?,
            None => NONE8,
        };
        let topic = match row.topic {
            Some(t) => dims.topic(t).ok_or_else(|| unknown("тематика", t))?,
            None => NONE16,
        };
        let agency = match row.agency {
            Some(a) => dims.agency(a).ok_or_else(|| unknown("исполнитель", a))?,
            None => NONE8,
        };
        let fast_track = match row.fast_track {
            Some(f) => match self.fast_tracks.iter().position(|x| x == f) {
                Some(p) => p as u8,
                None if self.fast_tracks.len() < NONE8 as usize => {
                    self.fast_tracks.push(f.to_owned());
                    (self.fast_tracks.len() - 1) as u8
                }
                None => return Err(AnalyticsError::TooMany { what: "фаст-треков", count: self.fast_tracks.len() + 1, limit: NONE8 as usize }),
            },
            None => NONE8,
        };
        let problem = row.problem.map_or(NONE32, |p| code_of(&mut self.problems, &mut self.problem_code, p));
        let reply_minutes = row.first_reply_at.map_or(NONE32, |r| {
            let office = calendar.working_time_between(ms(row.registered_at), ms(r));
            office.num_minutes().clamp(0, i64::from(NONE32 - 1)) as u32
        });
        let mut flags = 0;
        if row.last_answer_at.is_some() {
            flags |= ANSWERED;
        }
        if row.resolved_at.is_some() {
            flags |= RESOLVED;
        }
        if row.confirmed_at.is_some() {
            flags |= CONFIRMED;
        }
        if row.reopen_count > 0 {
            flags |= REOPENED;
        }
        if status.awaits_answer() {
            flags |= AWAITS_ANSWER;
        }
        let status = Status::ALL.iter().position(|s| *s == status).expect("listed") as u8;
        let sat = row.satisfaction.filter(|s| (1..=5).contains(s)).unwrap_or(0);
        let at = seconds_down(row.received_at);
        let answer_due = row.answer_due.map_or(NO_DUE, seconds_up);
        let answer_after = match (row.answer_due, row.last_answer_at) {
            (Some(due), Some(answered)) => seconds_after(answered.saturating_sub(due)),
            _ => 0,
        };
        let cell = cell_at(row.lon, row.lat, MAP_CELLS).map_or(NONE32, |cell| code_of(&mut self.cells, &mut self.cell_code, cell));
        match self.index_of(row.id) {
            Some(i) => {
                self.cell[i] = cell;
                self.at[i] = at;
                self.municipality[i] = municipality;
                self.settlement[i] = settlement;
                self.channel[i] = channel;
                self.block[i] = block;
                self.topic[i] = topic;
                self.agency[i] = agency;
                self.status[i] = status;
                self.problem[i] = problem;
                self.fast_track[i] = fast_track;
                self.reply_minutes[i] = reply_minutes;
                self.answer_due[i] = answer_due;
                self.answer_after[i] = answer_after;
                self.flags[i] = flags;
                self.answers[i] = row.answers.min(255) as u8;
                self.rejected[i] = row.rejected_answers.min(255) as u8;
                self.satisfaction[i] = sat;
            }
            None => {
                self.position.reserve(&self.id, self.sorted, self.id.len() + 1 - self.sorted);
                self.id.push(row.id);
                self.position.set(&self.id, (self.id.len() - 1) as u32);
                self.at.push(at);
                self.municipality.push(municipality);
                self.settlement.push(settlement);
                self.channel.push(channel);
                self.block.push(block);
                self.topic.push(topic);
                self.agency.push(agency);
                self.status.push(status);
                self.problem.push(problem);
                self.fast_track.push(fast_track);
                self.reply_minutes.push(reply_minutes);
                self.answer_due.push(answer_due);
                self.answer_after.push(answer_after);
                self.flags.push(flags);
                self.answers.push(row.answers.min(255) as u8);
                self.rejected.push(row.rejected_answers.min(255) as u8);
                self.satisfaction.push(sat);
                self.cell.push(cell);
            }
        }
        Ok(())
    }

    /// The columns as bytes (little-endian, length-prefixed), for keeping the snapshot in
    /// the store between runs.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.column_bytes() + self.problems.len() * 16 + 1024);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT.to_le_bytes());
        fn put<const N: usize, T: Copy>(out: &mut Vec<u8>, v: &[T], f: impl Fn(T) -> [u8; N]) {
            out.extend_from_slice(&(v.len() as u64).to_le_bytes());
            for x in v {
                out.extend_from_slice(&f(*x));
            }
        }
        put(&mut out, &self.id, u128::to_le_bytes);
        put(&mut out, &self.at, u32::to_le_bytes);
        put(&mut out, &self.municipality, u8::to_le_bytes);
        put(&mut out, &self.settlement, u16::to_le_bytes);
        put(&mut out, &self.channel, u8::to_le_bytes);
        put(&mut out, &self.block, u8::to_le_bytes);
        put(&mut out, &self.topic, u16::to_le_bytes);
        put(&mut out, &self.agency, u8::to_le_bytes);
        put(&mut out, &self.status, u8::to_le_bytes);
        put(&mut out, &self.problem, u32::to_le_bytes);
        put(&mut out, &self.fast_track, u8::to_le_bytes);
        put(&mut out, &self.reply_minutes, u32::to_le_bytes);
        put(&mut out, &self.answer_due, u32::to_le_bytes);
        put(&mut out, &self.answer_after, i32::to_le_bytes);
        put(&mut out, &self.flags, u8::to_le_bytes);
        put(&mut out, &self.answers, u8::to_le_bytes);
        put(&mut out, &self.rejected, u8::to_le_bytes);
        put(&mut out, &self.satisfaction, u8::to_le_bytes);
        put(&mut out, &self.cell, u32::to_le_bytes);
        put(&mut out, &self.cells, |c| u64::from(c).to_le_bytes());
        put(&mut out, &self.problems, u128::to_le_bytes);
        let tracks = self.fast_tracks.join("\n");
        put(&mut out, tracks.as_bytes(), u8::to_le_bytes);
        out
    }

    /// Reads [`Snapshot::to_bytes`], [settled](Snapshot::settle); `None` when the bytes are
    /// not a snapshot of this format or name an appeal twice (the caller then rebuilds it from
    /// the store).
    pub fn from_bytes(bytes: &[u8]) -> Option<Snapshot> {
        let mut r = bytes.strip_prefix(MAGIC.as_slice())?;
        let format = u32::from_le_bytes(r.get(..4)?.try_into().ok()?);
        if format != FORMAT {
            return None;
        }
        r = &r[4..];
        fn take<const N: usize, T>(r: &mut &[u8], f: impl Fn([u8; N]) -> T) -> Option<Vec<T>> {
            let len = u64::from_le_bytes(r.get(..8)?.try_into().ok()?) as usize;
            let body = r.get(8..8 + len.checked_mul(N)?)?;
            let v = body.chunks_exact(N).map(|c| f(c.try_into().expect("chunks of N"))).collect();
            *r = &r[8 + len * N..];
            Some(v)
        }
        let mut s = Snapshot {
            id: take(&mut r, u128::from_le_bytes)?,
            at: take(&mut r, u32::from_le_bytes)?,
            municipality: take(&mut r, u8::from_le_bytes)?,
            settlement: take(&mut r, u16::from_le_bytes)?,
            channel: take(&mut r, u8::from_le_bytes)?,
            block: take(&mut r, u8::from_le_bytes)?,
            topic: take(&mut r, u16::from_le_bytes)?,
            agency: take(&mut r, u8::from_le_bytes)?,
            status: take(&mut r, u8::from_le_bytes)?,
            problem: take(&mut r, u32::from_le_bytes)?,
            fast_track: take(&mut r, u8::from_le_bytes)?,
            reply_minutes: take(&mut r, u32::from_le_bytes)?,
            answer_due: take(&mut r, u32::from_le_bytes)?,
            answer_after: take(&mut r, i32::from_le_bytes)?,
            flags: take(&mut r, u8::from_le_bytes)?,
            answers: take(&mut r, u8::from_le_bytes)?,
            rejected: take(&mut r, u8::from_le_bytes)?,
            satisfaction: take(&mut r, u8::from_le_bytes)?,
            cell: take(&mut r, u32::from_le_bytes)?,
            cells: take(&mut r, |b| h3o::CellIndex::try_from(u64::from_le_bytes(b)).ok())?.into_iter().collect::<Option<_>>()?,
            problems: take(&mut r, u128::from_le_bytes)?,
            fast_tracks: Vec::new(),
            sorted: 0,
            position: Positions::default(),
            problem_code: HashMap::new(),
            cell_code: HashMap::new(),
        };
        let tracks = String::from_utf8(take(&mut r, u8::from_le_bytes)?).ok()?;
        s.fast_tracks = if tracks.is_empty() { Vec::new() } else { tracks.split('\n').map(str::to_owned).collect() };
        let n = s.id.len();
        let mut same = true;
        each_column!(s, c => same &= c.len() == n);
        let beyond = |codes: &[u32], known: usize| codes.iter().any(|&c| c != NONE32 && c as usize >= known);
        if !r.is_empty() || !same || beyond(&s.problem, s.problems.len()) || beyond(&s.cell, s.cells.len()) {
            return None;
        }
        s.settle();
        if s.id.windows(2).any(|w| w[0] == w[1]) {
            return None;
        }
        s.problem_code = codes(&s.problems);
        s.cell_code = codes(&s.cells);
        Some(s)
    }

    /// `copies` copies of every row, each copy with its own appeal and problem ids (the
    /// copy's number in the top bits): a snapshot of a larger region with the same
    /// distributions, for benchmarks at 10 million appeals.
    pub fn replicated(&self, copies: usize) -> Snapshot {
        let mut out = Snapshot::with_columns(self.len() * copies);
        for c in 0..copies {
            let salt = (c as u128) << 112;
            let offset = (self.problems.len() * c) as u32;
            for (i, id) in self.id.iter().enumerate() {
                out.id.push(id ^ salt);
                out.problem.push(if self.problem[i] == NONE32 { NONE32 } else { self.problem[i] + offset });
            }
            out.at.extend_from_slice(&self.at);
            out.municipality.extend_from_slice(&self.municipality);
            out.settlement.extend_from_slice(&self.settlement);
            out.channel.extend_from_slice(&self.channel);
            out.block.extend_from_slice(&self.block);
            out.topic.extend_from_slice(&self.topic);
            out.agency.extend_from_slice(&self.agency);
            out.status.extend_from_slice(&self.status);
            out.fast_track.extend_from_slice(&self.fast_track);
            out.reply_minutes.extend_from_slice(&self.reply_minutes);
            out.answer_due.extend_from_slice(&self.answer_due);
            out.answer_after.extend_from_slice(&self.answer_after);
            out.flags.extend_from_slice(&self.flags);
            out.answers.extend_from_slice(&self.answers);
            out.rejected.extend_from_slice(&self.rejected);
            out.satisfaction.extend_from_slice(&self.satisfaction);
            out.cell.extend_from_slice(&self.cell);
            for p in &self.problems {
                code_of(&mut out.problems, &mut out.problem_code, p ^ salt);
            }
        }
        out.fast_tracks = self.fast_tracks.clone();
        out.cells = self.cells.clone();
        out.cell_code = self.cell_code.clone();
        out.settle();
        out
    }

    /// Bytes held by the columns (not counting the id maps' overhead).
    pub fn column_bytes(&self) -> usize {
        self.len() * (16 + 4 + 1 + 2 + 1 + 1 + 2 + 1 + 1 + 4 + 1 + 4 + 4 + 4 + 1 + 1 + 1 + 1 + 4)
    }

    /// When row `i` was received, Unix milliseconds (a whole second, see [`Snapshot::at`]).
    #[inline]
    pub fn at_ms(&self, i: usize) -> i64 {
        i64::from(self.at[i]) * 1000
    }

    /// Where row `i`'s answer stands against its due instant at `now` (Unix ms); `None` when
    /// its answer is not due yet and not given (or it has no term). To the second: see
    /// [`Snapshot::answer_due`] and [`Snapshot::answer_after`].
    #[inline]
    pub fn lateness(&self, i: usize, now: i64) -> Option<Lateness> {
        let due = self.answer_due[i];
        if due == NO_DUE {
            return None;
        }
        let due_ms = i64::from(due) * 1000;
        if self.flags[i] & (AWAITS_ANSWER | ANSWERED) == ANSWERED {
            Some(Lateness::Answered(i64::from(self.answer_after[i]) * 1000))
        } else {
            (due_ms < now).then(|| Lateness::Overdue(now - due_ms))
        }
    }

    /// Whether row `i` was answered late or is past its due without an answer at `now`;
    /// `None` when its answer is not due yet and not given (or it has no term).
    #[inline]
    pub fn late(&self, i: usize, now: i64) -> Option<bool> {
        self.lateness(i, now).map(|l| match l {
            Lateness::Answered(after) => after > 0,
            Lateness::Overdue(_) => true,
        })
    }
}

/// An answer against its due instant (see [`Snapshot::lateness`]), in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lateness {
    /// Answered this long after the due instant (negative: before it).
    Answered(i64),
    /// Not answered, and the due instant passed this long ago.
    Overdue(i64),
}

/// The H3 cell at `res` of a point; `None` without a point (or with one not a number).
pub fn cell_at(lon: Option<f64>, lat: Option<f64>, res: h3o::Resolution) -> Option<h3o::CellIndex> {
    h3o::LatLng::new(lat?, lon?).ok().map(|ll| ll.to_cell(res))
}

/// The code of `value` among the distinct `values` (by code; `codes` by value), a new code
/// for a value not seen before.
pub fn code_of<K: Copy + Eq + std::hash::Hash>(values: &mut Vec<K>, codes: &mut HashMap<K, u32>, value: K) -> u32 {
    *codes.entry(value).or_insert_with(|| {
        values.push(value);
        (values.len() - 1) as u32
    })
}

/// The codes of distinct `values`, by value.
fn codes<K: Copy + Eq + std::hash::Hash>(values: &[K]) -> HashMap<K, u32> {
    values.iter().enumerate().map(|(i, v)| (*v, i as u32)).collect()
}

/// Unix milliseconds as seconds rounded down, within `u32`.
fn seconds_down(ms: i64) -> u32 {
    ms.div_euclid(1000).clamp(0, i64::from(u32::MAX)) as u32
}

/// Milliseconds as whole seconds, rounded up.
fn ceil_seconds(ms: i64) -> i64 {
    ms.div_euclid(1000) + i64::from(ms.rem_euclid(1000) > 0)
}

/// Unix milliseconds as seconds rounded up, within `u32` below [`NO_DUE`].
fn seconds_up(ms: i64) -> u32 {
    ceil_seconds(ms).clamp(0, i64::from(NO_DUE - 1)) as u32
}

/// Milliseconds as seconds rounded up (toward late), within `i32`.
fn seconds_after(ms: i64) -> i32 {
    ceil_seconds(ms).clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
}

fn ms(v: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(v).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ids of several shapes: UUID-like (time high, random low), counting, differing only in
    /// the high half, and repeating.
    const SHAPES: [fn(u64) -> u128; 4] =
        [|i| (u128::from(i) << 80) | u128::from(i.wrapping_mul(0x2545_F491_4F6C_DD1D)), u128::from, |i| u128::from(i) << 64, |i| u128::from(i % 700)];

    #[test]
    fn instants_outside_the_columns_range_are_clamped() {
        assert_eq!((seconds_down(-1), seconds_down(0), seconds_down(1999), seconds_down(i64::MAX)), (0, 0, 1, u32::MAX));
        assert_eq!((seconds_up(-5000), seconds_up(1), seconds_up(1000), seconds_up(i64::MAX)), (0, 1, 1, NO_DUE - 1));
        assert_eq!((seconds_after(-1500), seconds_after(-1000), seconds_after(1), seconds_after(i64::MIN)), (-1, -1, 1, i32::MIN));
    }

    #[test]
    fn the_position_table_finds_rows_as_a_hash_map_does() {
        for shape in SHAPES {
            // Upserts as `Snapshot::upsert` makes them, from an empty table.
            let mut ids: Vec<u128> = Vec::new();
            let mut table = Positions::default();
            let mut model: HashMap<u128, u32> = HashMap::new();
            for i in 0..5_000 {
                let id = shape(i);
                match table.get(&ids, id) {
                    Some(row) => assert_eq!(Some(&row), model.get(&id)),
                    None => {
                        assert!(!model.contains_key(&id));
                        table.reserve(&ids, 0, ids.len() + 1);
                        ids.push(id);
                        table.set(&ids, (ids.len() - 1) as u32);
                        model.insert(id, (ids.len() - 1) as u32);
                    }
                }
            }
            assert!(table.slots.len() >= 2 * ids.len());
            for (id, row) in &model {
                assert_eq!(table.get(&ids, *id), Some(*row));
            }
            assert_eq!(table.get(&ids, u128::MAX), None);
            // Built at once from a column, the last row of a repeated id wins, as in a
            // `HashMap` collected from (id, row) pairs.
            let column: Vec<u128> = (0..3_000).map(shape).chain((0..3_000).map(shape)).collect();
            let collected: HashMap<u128, u32> = column.iter().enumerate().map(|(i, id)| (*id, i as u32)).collect();
            let built = Positions::of(&column);
            for (id, row) in &collected {
                assert_eq!(built.get(&column, *id), Some(*row));
            }
        }
        assert_eq!(Positions::default().get(&[], 7), None);
    }
}
