//! Importing channel exports, and the quarantine of rows that could not be imported.
//!
//! Each batch of rows is one transaction: its new appeals, the events of known appeals,
//! its quarantined rows and its counts commit together. A run killed in the middle leaves
//! whole batches only, and a rerun finds the imported appeals by (channel, external id):
//! nothing is duplicated, and the counts of every run add up to the rows it read.

use crate::{Api, ApiError};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use tsur_core::problems::{LinkParams, Register};
use tsur_core::{Appeal, AppealId, AppealState, Channel};
use tsur_import::gazetteer::Gazetteer;
use tsur_import::mapping::Mapping;
use tsur_import::row::{self, Context, Incoming};
use tsur_import::source::{self, Format, RawRow};
use tsur_store_sqlite::{ImportCounts, LinkRow, NewAppeal, QuarantineRow};

/// Rows per transaction.
const BATCH: usize = 5_000;

/// Rows per transaction in a file of at least [`BULK_ROWS`] rows. Each commit writes the
/// pages its batch changed to the WAL, and the checkpoint after it copies them into the
/// store, each with a sync: an index page that every batch touches is written once per
/// batch. In a million-row file with a point on every row (a link found after an appeal's
/// own batch is appended to it in the next), 5,000-row batches spent 8–10 s waiting for commits
/// (0.7 s on a disk in memory); four times fewer batches write the file in 64 s instead of
/// 72 s. The price is memory: a few batches are in memory at once, read ahead or kept for
/// the next (peak 381–408 MiB instead of 245–258).
const LARGE_BATCH: usize = 20_000;

/// Bytes of a file per appeal, for guessing its rows from its size (a CSV row of an appeal
/// takes 100–200 bytes; an XLSX, compressed, fewer: a guess on the low side).
const BYTES_PER_ROW: u64 = 100;

/// The fewest rows an import must bring to be a bulk load ([`Api::import`]).
const BULK_ROWS: u64 = 50_000;

/// What to import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRequest {
    /// The file.
    pub path: PathBuf,
    /// `csv`, `xlsx`, `jsonl` or `open311`; guessed from the file name when absent.
    pub format: Option<String>,
    /// The channel of every row (overrides the mapping).
    pub channel: Option<String>,
    /// A preset (`generic`, `pos`, `im`, `open311`) or the path of a mapping file; by
    /// default the preset of the format or channel.
    pub mapping: Option<String>,
}

/// The outcome of an import: the counts add up to the rows read.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct ImportSummary {
    /// Number of the import run.
    pub import_id: i64,
    /// The file.
    pub file: String,
    /// The format read.
    pub format: String,
    /// The text encoding found.
    pub encoding: String,
    /// The mapping used.
    pub mapping: String,
    /// Rows read.
    pub rows_read: u64,
    /// New appeals.
    pub accepted: u64,
    /// Known appeals that got new events (a later status).
    pub updated: u64,
    /// Known appeals with nothing new.
    pub duplicate: u64,
    /// Rows put in quarantine (see `tsur quarantine list`).
    pub quarantined: u64,
    /// Appeals newly linked to problems of the register after the import.
    pub linked_to_problems: u64,
    /// Wall time, seconds.
    pub seconds: f64,
}

/// A quarantined row as shown to an operator (no personal data: the whole row stays in
/// the store for the retry, only the column at fault is shown).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct QuarantineItem {
    /// Its number.
    pub id: i64,
    /// The import run that put it there.
    pub import_id: i64,
    /// The file.
    pub file: String,
    /// Line, sheet row or element.
    pub line: u64,
    /// The column at fault.
    pub column: String,
    /// Its raw value (withheld for the author's columns).
    pub raw_value: String,
    /// Why.
    pub reason: String,
    /// Whether a retry can re-read it (an unreadable piece of a file cannot be).
    pub retryable: bool,
}

fn mapping_for(req: &ImportRequest, format: Format) -> Result<Mapping, ApiError> {
    let name = match (&req.mapping, format, req.channel.as_deref()) {
        (Some(m), _, _) => m.clone(),
        (None, Format::Open311, _) => "open311".into(),
        (None, _, Some("pos")) => "pos".into(),
        (None, _, Some("im")) => "im".into(),
        (None, _, _) => "generic".into(),
    };
    let mut mapping = match Mapping::preset(&name) {
        Some(m) => m,
        None => {
            let path = Path::new(&name);
            let text = std::fs::read_to_string(path)
                .map_err(|e| ApiError::invalid(format!("mapping: «{name}» — не пресет (generic, pos, im, open311) и не читается как файл: {e}")))?;
            Mapping::parse(&name, &text).map_err(|e| ApiError::invalid(format!("mapping: {e}")))?
        }
    };
    if let Some(c) = &req.channel {
        c.parse::<Channel>().map_err(|_| ApiError::invalid(format!("channel: неизвестный канал «{c}»; известны: fz59, pos, im, regional, other")))?;
        mapping.channel = Some(c.clone());
        mapping.columns.channel.clear();
    }
    Ok(mapping)
}

/// One row's fate within a batch.
enum Fate {
    New,
    Updated,
    Duplicate,
    Quarantined,
}

/// A row read, converted and classified: the work that needs no store, done on a thread
/// of its own while the previous batch is written. A retried row carries its quarantine
/// entry id.
enum Prepared {
    /// Not a row at all.
    Unreadable(source::Unreadable),
    /// A row that cannot be an appeal (a retried one keeps its old quarantine entry).
    Rejected(RawRow, row::Rejected),
    /// A row ready to plan, with the classification found for it.
    Ready(RawRow, Box<Incoming>, Option<tsur_core::EventKind>, Option<i64>),
}

/// Converts and classifies rows.
struct Preparer {
    converter: row::Converter,
    gazetteer: Gazetteer,
    classifier: crate::classify::Classifier,
    reference: std::sync::Arc<tsur_core::reference::ReferenceData>,
    now: DateTime<Utc>,
}

impl Preparer {
    fn prepare(&mut self, raw: Result<RawRow, source::Unreadable>, retry_of: Option<i64>) -> Prepared {
        let raw = match raw {
            Ok(raw) => raw,
            Err(u) => return Prepared::Unreadable(u),
        };
        let ctx = Context { reference: &self.reference, gazetteer: &self.gazetteer, now: self.now, future_tolerance: Duration::minutes(10) };
        let inc = match self.converter.convert(&raw, &ctx) {
            Ok(inc) => inc,
            Err(r) => return Prepared::Rejected(raw, r),
        };
        // The channel's own category helps the classifier (it is words about the topic).
        let text = match &inc.category {
            Some(c) => format!("{} {c}", inc.text),
            None => inc.text.clone(),
        };
        let classification = self.classifier.classify(&text).map(|(block, topic, confidence)| tsur_core::EventKind::Classified {
            block,
            topic,
            confidence: Some((confidence * 100.0).round() / 100.0),
        });
        Prepared::Ready(raw, Box::new(inc), classification, retry_of)
    }
}

/// Plans and writes batches; keeps what earlier rows of the run did to appeals.
struct Batcher<'a> {
    api: &'a Api,
    mapping: &'a Mapping,
    now: DateTime<Utc>,
    import_id: i64,
    file: String,
    actor: String,
    /// The previous batch's commit, which runs while this batch is looked up and planned
    /// (it writes the batch to the WAL and checkpoints it: a tenth of an import's CPU).
    committing: Option<tokio::task::JoinHandle<Result<(), tsur_store_sqlite::StoreError>>>,
    /// What the previous batch wrote, for the rows of this one whose appeals the store may
    /// not show yet.
    recent: Recent,
    /// Linking the new appeals into problems as they come.
    linking: Linking,
    /// Appeals the batches linked to problems.
    linked: u64,
}

/// Linking an import's new appeals into problems batch by batch, each link written with its
/// appeal's own events, instead of in a pass after the import that reads every new appeal
/// back and appends to it: in a file where every appeal joins a problem, that pass took
/// longer than the batches themselves. It gives what the pass gives, on the condition the
/// pass itself has (the register takes appeals in order of receipt): the store has no
/// appeals left unlinked when the import starts, none of its appeals lies among the file's
/// in time, and each batch's new appeals come after the previous batch's. Otherwise the
/// import links in the pass after its batches, as it always did.
enum Linking {
    /// No new appeal yet.
    Waiting,
    /// The register, the last appeal offered to it (receipt, id), and the appeals waiting
    /// for the next batch.
    On { register: Box<Register>, offered: Option<(DateTime<Utc>, AppealId)>, held: Vec<LinkRow> },
    /// In the pass after the batches.
    Off,
}

/// What a batch wrote: its new appeals, and the known appeals it looked up with their
/// states after it.
#[derive(Default)]
struct Recent {
    known: HashMap<(Channel, String), (Appeal, AppealState)>,
    new: NewAppeals,
}

impl Recent {
    /// The appeal under `key` and its state after the batch, if the batch wrote or read it.
    fn get(&self, key: &(Channel, String)) -> Option<(Appeal, AppealState)> {
        match self.new.index.get(key) {
            Some(&i) => Some((self.new.appeals[i].appeal.clone(), self.new.states[i].clone())),
            None => self.known.get(key).cloned(),
        }
    }
}

/// A batch's new appeals, the state of each after its events (kept as they are planned and
/// linked, so that no step folds an appeal's events again), and where each is by (channel,
/// external id).
#[derive(Default)]
struct NewAppeals {
    appeals: Vec<NewAppeal>,
    states: Vec<AppealState>,
    index: HashMap<(Channel, String), usize>,
}

impl Batcher<'_> {
    /// `link`: whether the batches link the new appeals into problems ([`Linking`]).
    fn new<'a>(api: &'a Api, mapping: &'a Mapping, now: DateTime<Utc>, import_id: i64, file: String, actor: String, link: bool) -> Batcher<'a> {
        let linking = if link { Linking::Waiting } else { Linking::Off };
        Batcher { api, mapping, now, import_id, file, actor, committing: None, recent: Recent::default(), linking, linked: 0 }
    }

    /// Whether linking is left to a pass after the batches.
    fn links_left_to_pass(&self) -> bool {
        matches!(self.linking, Linking::Off)
    }

    /// Offers the batch's new appeals to the register in order of receipt, and adds the
    /// links that become known to the appeals' events (of this batch) or to `appended` (of
    /// earlier ones). The appeals received at the batch's last instant wait for the next
    /// batch: it may bring more of that instant, which come between them by id.
    async fn link(&mut self, new: &mut NewAppeals, appended: &mut Vec<tsur_core::Event>) -> Result<(), ApiError> {
        let new_appeals = &mut new.appeals;
        if matches!(self.linking, Linking::Off) || new_appeals.is_empty() {
            return Ok(());
        }
        let mut order: Vec<(DateTime<Utc>, AppealId, usize)> = new_appeals.iter().enumerate().map(|(i, n)| (n.appeal.received_at, n.appeal.id, i)).collect();
        order.sort_unstable();
        let first = (order[0].0, order[0].1);
        let last_at = order[order.len() - 1].0;
        let params = LinkParams::default();
        if matches!(self.linking, Linking::Waiting) {
            // A file newest first (its first batch ends earlier than it starts) is linked in
            // the pass.
            if new_appeals.last().is_some_and(|last| last.appeal.received_at < new_appeals[0].appeal.received_at) {
                self.linking = Linking::Off;
                return Ok(());
            }
            // The stored appeals of the window before the first new one are offered first, as
            // the pass would; one after it would have to come between the file's.
            let seed = self.api.store().link_rows(Some(first.0 - params.window)).await?;
            if seed.iter().any(|r| (r.received_at, r.appeal_id) > first) {
                self.linking = Linking::Off;
                return Ok(());
            }
            let mut register = Register::new(params);
            let links = crate::problems::offer(&mut register, &seed)?;
            register.forget_closed();
            self.linked += links.len() as u64;
            appended.extend(links.into_iter().map(crate::problems::link_event));
            self.linking = Linking::On { register: Box::new(register), offered: None, held: Vec::new() };
        }
        let Linking::On { register, offered, held } = &mut self.linking else {
            return Ok(());
        };
        if offered.is_some_and(|offered| first <= offered) {
            self.linking = Linking::Off;
            return Ok(());
        }
        let mut queue = std::mem::take(held);
        for &(at, id, i) in &order {
            let (item, state) = (&new_appeals[i], &new.states[i]);
            let Some(point) = item.appeal.point else { continue };
            let Some(topic) = state.topic.clone() else { continue };
            queue.push(LinkRow {
                appeal_id: id,
                topic_id: topic,
                point,
                received_at: at,
                text: item.appeal.text.clone(),
                problem: None,
                registered_at: state.registered_at,
            });
        }
        queue.sort_unstable_by_key(|r| (r.received_at, r.appeal_id));
        let ready = queue.partition_point(|r| r.received_at < last_at);
        let links = crate::problems::offer(register, &queue[..ready])?;
        register.forget_closed();
        if let Some(r) = queue[..ready].last() {
            *offered = Some((r.received_at, r.appeal_id));
        }
        *held = queue.split_off(ready);
        self.linked += links.len() as u64;
        let slot: HashMap<AppealId, usize> = order.iter().map(|&(_, id, i)| (id, i)).collect();
        for link in links {
            let event = crate::problems::link_event(link);
            match slot.get(&link.appeal) {
                Some(&i) => {
                    new.states[i] = new.states[i].apply(&event).map_err(|e| ApiError::internal(format!("связь с проблемой: {e}")))?;
                    new_appeals[i].events.push(event);
                }
                None => appended.push(event),
            }
        }
        Ok(())
    }

    /// After the last batch: offers the appeals that waited for a next one, and records
    /// their links.
    async fn link_the_rest(&mut self) -> Result<(), ApiError> {
        let Linking::On { register, held, .. } = &mut self.linking else {
            return Ok(());
        };
        let links = crate::problems::offer(register, &std::mem::take(held))?;
        self.linked += links.len() as u64;
        let events: Vec<_> = links.into_iter().map(crate::problems::link_event).collect();
        if !events.is_empty() {
            let mut bulk = self.api.store().bulk().await?;
            bulk.append_events(&events).await?;
            bulk.commit().await?;
        }
        Ok(())
    }

    /// Waits for the last batch's commit; its error, if it failed.
    async fn finish(&mut self) -> Result<(), ApiError> {
        self.recent = Recent::default();
        match self.committing.take() {
            Some(commit) => Ok(commit.await.map_err(|_| ApiError::internal("запись пакета импорта прервана"))??),
            None => Ok(()),
        }
    }

    /// Imports a batch of prepared rows (a retried row carries its quarantine entry id).
    /// Its commit is left running; the next batch, or [`Batcher::finish`], waits for it.
    async fn write(&mut self, rows: Vec<Prepared>) -> Result<ImportCounts, ApiError> {
        let mut counts = ImportCounts { rows_read: rows.len() as u64, ..ImportCounts::default() };
        let mut quarantine = Vec::new();
        let mut resolved = Vec::new();
        let channel_code = self.mapping.channel.clone();
        let mut converted = Vec::with_capacity(rows.len());
        for p in rows {
            match p {
                Prepared::Unreadable(u) => quarantine.push(QuarantineRow {
                    file: self.file.clone(),
                    line: u.line,
                    column: String::new(),
                    raw_value: u.raw,
                    reason: u.reason,
                    raw_row: None,
                    channel: channel_code.clone(),
                }),
                Prepared::Ready(raw, inc, classification, retry_of) => converted.push((raw, *inc, classification, retry_of)),
                Prepared::Rejected(raw, r) => quarantine.push(QuarantineRow {
                    file: self.file.clone(),
                    line: raw.line,
                    column: r.column,
                    raw_value: r.raw,
                    reason: r.reason,
                    raw_row: Some(raw.to_json()),
                    channel: channel_code.clone(),
                }),
            }
        }
        counts.quarantined = quarantine.len() as u64;
        // What the store already has of these appeals, per channel.
        let mut known: HashMap<(Channel, String), (Appeal, AppealState)> = HashMap::new();
        let mut by_channel: HashMap<Channel, Vec<&str>> = HashMap::new();
        for (_, inc, _, _) in &converted {
            by_channel.entry(inc.channel).or_default().push(&inc.external_id);
        }
        for (channel, ids) in by_channel {
            for (ext, found) in self.api.store().appeals_by_external_id(channel, &ids).await? {
                known.insert((channel, ext), found);
            }
        }
        // The previous batch may still be committing: what it wrote is taken from it.
        if !self.recent.new.index.is_empty() || !self.recent.known.is_empty() {
            for (_, inc, _, _) in &converted {
                let key = (inc.channel, inc.external_id.clone());
                if let Some(found) = self.recent.get(&key) {
                    known.insert(key, found);
                }
            }
        }
        let mut new = NewAppeals::default();
        let mut appended = Vec::new();
        for (raw, inc, classification, retry_of) in converted {
            let fate = self.plan(&raw, &inc, classification, &mut known, &mut new, &mut appended, &mut quarantine);
            match fate {
                Fate::New => counts.accepted += 1,
                Fate::Updated => counts.updated += 1,
                Fate::Duplicate => counts.duplicate += 1,
                Fate::Quarantined => counts.quarantined += 1,
            }
            if let (Some(id), false) = (retry_of, matches!(fate, Fate::Quarantined)) {
                resolved.push(id);
            }
        }
        self.link(&mut new, &mut appended).await?;
        // This batch's transaction starts once the previous one has committed.
        self.finish().await?;
        let mut bulk = self.api.store().bulk().await?;
        bulk.insert_appeals(&new.appeals).await?;
        bulk.append_events(&appended).await?;
        bulk.quarantine(self.import_id, &quarantine, &resolved, self.now).await?;
        bulk.count_import(self.import_id, counts).await?;
        self.committing = Some(tokio::spawn(bulk.commit()));
        self.recent = Recent { known, new };
        Ok(counts)
    }

    #[allow(clippy::too_many_arguments)]
    fn plan(
        &self,
        raw: &RawRow,
        inc: &Incoming,
        classification: Option<tsur_core::EventKind>,
        known: &mut HashMap<(Channel, String), (Appeal, AppealState)>,
        new: &mut NewAppeals,
        appended: &mut Vec<tsur_core::Event>,
        quarantine: &mut Vec<QuarantineRow>,
    ) -> Fate {
        let reference = self.api.reference();
        let key = (inc.channel, inc.external_id.clone());
        let node = "import";
        let quarantined = |reason: String| QuarantineRow {
            file: self.file.clone(),
            line: raw.line,
            column: "status".into(),
            raw_value: String::new(),
            reason,
            raw_row: Some(raw.to_json()),
            channel: self.mapping.channel.clone(),
        };
        if let Some(i) = new.index.get(&key).copied() {
            // The same appeal again in this run: its later status becomes events.
            let (item, state) = (&mut new.appeals[i], &mut new.states[i]);
            let more = row::plan_events(inc, &item.appeal, Some(state), None, reference, &self.actor, node);
            return match more.iter().try_fold(state.clone(), |s, e| s.apply(e)) {
                Ok(_) if more.is_empty() => Fate::Duplicate,
                Ok(next) => {
                    item.events.extend(more);
                    *state = next;
                    Fate::Updated
                }
                Err(e) => {
                    quarantine.push(quarantined(format!("статус не согласуется с историей обращения: {e}")));
                    Fate::Quarantined
                }
            };
        }
        if let Some((appeal, state)) = known.get(&key) {
            let more = row::plan_events(inc, appeal, Some(state), None, reference, &self.actor, node);
            return match more.iter().try_fold(state.clone(), |s, e| s.apply(e)) {
                Ok(_) if more.is_empty() => Fate::Duplicate,
                Ok(next) => {
                    appended.extend(more);
                    known.insert(key, (appeal.clone(), next));
                    Fate::Updated
                }
                Err(e) => {
                    quarantine.push(quarantined(format!("статус не согласуется с историей обращения: {e}")));
                    Fate::Quarantined
                }
            };
        }
        let (appeal, author) = row::new_appeal(inc, reference, node);
        let events = row::plan_events(inc, &appeal, None, classification, reference, &self.actor, node);
        match tsur_core::AppealState::fold(&events).expect("starts with the registration") {
            Ok(state) => {
                new.index.insert(key, new.appeals.len());
                new.appeals.push(NewAppeal { appeal, author, events });
                new.states.push(state);
                Fate::New
            }
            Err(e) => {
                quarantine.push(quarantined(format!("история по статусу не строится: {e}")));
                Fate::Quarantined
            }
        }
    }
}

impl Api {
    /// Imports a file. `progress(bytes_read, total_bytes)` is called after each batch.
    pub async fn import(&self, req: &ImportRequest, now: DateTime<Utc>, mut progress: impl FnMut(u64, u64)) -> Result<ImportSummary, ApiError> {
        let started = std::time::Instant::now();
        let format = match &req.format {
            Some(f) => Format::parse(f).ok_or_else(|| ApiError::invalid(format!("format: «{f}» — нужен csv, xlsx, jsonl или open311")))?,
            None => Format::guess(&req.path)
                .ok_or_else(|| ApiError::invalid(format!("format: не определяется по имени файла {}; укажите --format", req.path.display())))?,
        };
        let mapping = mapping_for(req, format)?;
        let mut rows = source::open(&req.path, format).map_err(|e| ApiError::invalid(e.to_string()))?;
        let file = req.path.file_name().map_or_else(|| req.path.display().to_string(), |n| n.to_string_lossy().into_owned());
        let encoding = rows.encoding.to_owned();
        let size_hint = rows.total_bytes;
        let rows_hint = size_hint / BYTES_PER_ROW;
        let batch_rows = if rows_hint >= BULK_ROWS { LARGE_BATCH } else { BATCH };
        let mut preparer = Preparer {
            converter: row::Converter::new(mapping.clone()),
            gazetteer: Gazetteer::new(self.reference()),
            classifier: self.classifier().await?,
            reference: self.reference.clone(),
            now,
        };
        let import_id = self.store().start_import(&req.path.display().to_string(), format.code(), &mapping.name, now).await?;
        // The batches link the new appeals into problems unless appeals of an earlier import
        // still wait for the linker (one killed before its end): then the pass after them does.
        let link_at_intake = self.store().link_progress().await?.2.is_none();
        let mut batcher = Batcher::new(self, &mapping, now, import_id, file.clone(), format!("импорт {file}"), link_at_intake);
        // Reading, converting and classifying run on their own thread, a batch ahead of the
        // writes; the file's header is checked on its first readable row.
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<(Vec<Prepared>, u64, u64), String>>(2);
        let reader = std::thread::spawn(move || {
            let mut checked = false;
            loop {
                let batch: Vec<_> = rows.by_ref().take(batch_rows).collect();
                if batch.is_empty() {
                    return;
                }
                if !checked {
                    if let Some(Ok(first)) = batch.iter().find(|r| r.is_ok()) {
                        let header: Vec<String> = first.cells.iter().map(|(n, _)| n.clone()).collect();
                        let missing = row::missing_columns(preparer.converter.mapping(), &header);
                        if !missing.is_empty() {
                            let e = tsur_import::ImportError::MissingColumns {
                                missing: missing.join(", "),
                                mapping: preparer.converter.mapping().name.clone(),
                                header: header.join(" | "),
                            };
                            let _ = tx.blocking_send(Err(e.to_string()));
                            return;
                        }
                        checked = true;
                    }
                }
                let prepared: Vec<Prepared> = batch.into_iter().map(|r| preparer.prepare(r, None)).collect();
                if tx.blocking_send(Ok((prepared, rows.bytes_read(), rows.total_bytes))).is_err() {
                    return;
                }
            }
        });
        // A file that at least doubles the store is a bulk load: the projection's secondary
        // indexes (and the events' by appeal, into an empty store) are dropped for it and
        // built once at its end, sorted, whether it ends well or not (an import killed
        // meanwhile has them built when the store is next opened).
        // (The store is counted only for a file that large: a count reads every appeal.)
        let bulk = rows_hint >= BULK_ROWS && rows_hint >= self.store().appeal_count().await?.unsigned_abs();
        if bulk {
            self.store().defer_indexes().await?;
        }
        let written = async {
            let mut total = ImportCounts::default();
            while let Some(message) = rx.recv().await {
                match message {
                    Ok((batch, read, size)) => {
                        total += batcher.write(batch).await?;
                        progress(read, size);
                    }
                    Err(e) => return Err(ApiError::invalid(e)),
                }
            }
            Ok(total)
        }
        .await;
        drop(rx);
        // The last batch's commit, also after an error (a batch commits whole or not at all).
        let committed = batcher.finish().await;
        let links = LinkParams::default();
        // Linked in the batches, or else in a pass now. The deferred indexes are built on one
        // of the store's connections (one core, for seconds) while that pass reads the new
        // appeals and works out their problems here, on the other; its links are written once
        // the indexes are there (appending an event reads the appeal's history by the events'
        // index).
        let rest = if written.is_ok() && committed.is_ok() { batcher.link_the_rest().await } else { Ok(()) };
        let pass_needed = batcher.links_left_to_pass();
        let (restored, planned) = if bulk && written.is_ok() && committed.is_ok() && pass_needed {
            let (restored, planned) = tokio::join!(self.store().restore_indexes(), self.plan_links(links));
            (restored, Some(planned))
        } else if bulk {
            (self.store().restore_indexes().await, None)
        } else {
            (Ok(0), None)
        };
        let joined = reader.join();
        self.store().finish_import(import_id, now).await?;
        let total = written?;
        committed?;
        rest?;
        restored?;
        joined.map_err(|_| ApiError::internal("поток чтения файла завершился с ошибкой"))?;
        let linked = batcher.linked
            + match (pass_needed, planned) {
                (false, _) => {
                    self.store().set_link_progress_to_last().await?;
                    0
                }
                (true, Some(pass)) => self.write_links(pass?).await?.linked,
                (true, None) => self.link_problems(links).await?.linked,
            };
        Ok(ImportSummary { linked_to_problems: linked, ..summary(import_id, file, format.code(), encoding, &mapping.name, total, started) })
    }

    /// Open quarantine entries (at most `limit`).
    pub async fn quarantine_list(&self, limit: i64) -> Result<Vec<QuarantineItem>, ApiError> {
        Ok(self
            .store()
            .quarantine(limit)
            .await?
            .into_iter()
            .map(|q| {
                let personal = q.row.column.starts_with("author");
                QuarantineItem {
                    id: q.id,
                    import_id: q.import_id,
                    file: q.row.file,
                    line: q.row.line,
                    column: q.row.column,
                    raw_value: if personal { "(персональные данные скрыты)".into() } else { q.row.raw_value },
                    reason: q.row.reason,
                    retryable: q.row.raw_row.is_some(),
                }
            })
            .collect())
    }

    /// Re-imports the quarantined rows under `mapping` (by default the preset of each
    /// row's channel). Rows that import are marked resolved; the rest stay.
    pub async fn quarantine_retry(&self, mapping: Option<&str>, now: DateTime<Utc>) -> Result<ImportSummary, ApiError> {
        let started = std::time::Instant::now();
        let entries = self.store().quarantine(i64::MAX).await?;
        let retryable: Vec<_> = entries.into_iter().filter(|q| q.row.raw_row.is_some()).collect();
        let import_id = self.store().start_import("карантин", "quarantine", mapping.unwrap_or("по каналу"), now).await?;
        let mut total = ImportCounts::default();
        // By channel (its mapping) and file (the name new quarantine entries keep).
        let mut by_channel: std::collections::BTreeMap<(Option<String>, String), Vec<_>> = std::collections::BTreeMap::new();
        for q in retryable {
            by_channel.entry((q.row.channel.clone(), q.row.file.clone())).or_default().push(q);
        }
        let mut names = Vec::new();
        for ((channel, _), entries) in by_channel {
            let req = ImportRequest { path: PathBuf::new(), format: None, channel: channel.clone(), mapping: mapping.map(str::to_owned) };
            let m = mapping_for(&req, Format::Csv)?;
            let mut preparer = Preparer {
                converter: row::Converter::new(m.clone()),
                gazetteer: Gazetteer::new(self.reference()),
                classifier: self.classifier().await?,
                reference: self.reference.clone(),
                now,
            };
            if !names.contains(&m.name) {
                names.push(m.name.clone());
            }
            for chunk in entries.chunks(BATCH) {
                let mut rows = Vec::with_capacity(chunk.len());
                for q in chunk {
                    let raw = RawRow::from_json(q.row.line, q.row.raw_row.as_deref().unwrap_or("{}"))
                        .ok_or_else(|| ApiError::internal(format!("карантин: запись {} повреждена", q.id)))?;
                    rows.push(preparer.prepare(Ok(raw), Some(q.id)));
                }
                let mut batcher = Batcher::new(self, &m, now, import_id, chunk[0].row.file.clone(), "повтор из карантина".into(), false);
                // A row that fails again is counted, and its old entry stays (the new one is
                // the same file and line, so it is not added twice).
                total += batcher.write(rows).await?;
                batcher.finish().await?;
            }
        }
        self.store().finish_import(import_id, now).await?;
        let linked = self.link_problems(tsur_core::problems::LinkParams::default()).await?.linked;
        Ok(ImportSummary {
            linked_to_problems: linked,
            ..summary(import_id, "карантин".into(), "quarantine", String::new(), &names.join(", "), total, started)
        })
    }
}

fn summary(import_id: i64, file: String, format: &str, encoding: String, mapping: &str, c: ImportCounts, started: std::time::Instant) -> ImportSummary {
    ImportSummary {
        import_id,
        file,
        format: format.into(),
        encoding,
        mapping: mapping.into(),
        rows_read: c.rows_read,
        accepted: c.accepted,
        updated: c.updated,
        duplicate: c.duplicate,
        quarantined: c.quarantined,
        linked_to_problems: 0,
        seconds: (started.elapsed().as_secs_f64() * 100.0).round() / 100.0,
    }
}
