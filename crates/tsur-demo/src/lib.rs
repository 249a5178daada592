//! A deterministic, realistic year of appeals for the Astrakhan oblast.
//!
//! The generator is pure: given the reference books, a phrase bank, a seed and a size, it
//! yields the same appeals, authors and event histories on every machine. It works in
//! chunks ([`Generator::chunk`]) that each draw from their own random stream, so a caller
//! can write 10,000,000 appeals with bounded memory and show progress, and chunks can be
//! made in any order or in parallel.
//!
//! What makes it realistic (each point is a tested invariant):
//! - volume by municipality follows the 2021 census, with a higher online activity in the
//!   city of Astrakhan than in rural districts; points lie near real settlements inside
//!   the right polygon;
//! - seasonality by topic (heating in October–April, potholes in spring, water in summer
//!   heat, snow in winter), weekly and daily rhythms, a channel mix that differs in town
//!   and country;
//! - a handful of injected incidents (an outage in one settlement that makes a burst of
//!   appeals within hours across channels), returned as ground truth;
//! - agencies of different speed and quality: some give formal replies that moderation
//!   rejects, some get reopened; satisfaction follows real resolution;
//! - every history passes the state machine of `tsur-core`;
//! - Russian texts vary: formal letters and colloquial posts, several phrasings per topic,
//!   typos, addresses in the text, sometimes HTML from a portal.
#![deny(missing_docs)]

mod agencies;
mod history;
mod phrases;
mod text;

pub use phrases::{PhraseBank, PhraseError};

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};
use rand::distr::weighted::WeightedIndex;
use rand::distr::Distribution;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tsur_core::reference::{Level, ReferenceData, Season, Settlement, Topic};
use tsur_core::{Appeal, AppealId, Author, Channel, Event, GeoPoint, MunicipalityId, RegimeId, SettlementId, TopicId};

/// Appeals per chunk: small enough for bounded memory, large enough for fast inserts.
pub const CHUNK: u64 = 2_000;

/// What to generate.
#[derive(Debug, Clone)]
pub struct Params {
    /// Number of appeals.
    pub appeals: u64,
    /// Seed of every random choice.
    pub seed: u64,
    /// First local day of the year of data.
    pub from: NaiveDate,
    /// Number of days.
    pub days: u32,
}

impl Params {
    /// The default demo: a year of appeals from 1 November 2025 to 31 October 2026.
    pub fn year(appeals: u64, seed: u64) -> Params {
        Params { appeals, seed, from: NaiveDate::from_ymd_opt(2025, 11, 1).expect("valid date"), days: 365 }
    }

    /// The instant the data are "as of": the end of the last day. Events after it do not
    /// exist yet, so appeals near the end are still open.
    pub fn as_of(&self) -> DateTime<Utc> {
        tsur_core::time::day_start(self.from + Duration::days(i64::from(self.days)))
    }
}

/// One generated appeal with its author and history.
#[derive(Debug, Clone)]
pub struct GeneratedAppeal {
    /// The registered facts.
    pub appeal: Appeal,
    /// Its author (synthetic personal data).
    pub author: Author,
    /// Its events, in order, the registration first.
    pub events: Vec<Event>,
    /// Topic the generator meant (the truth a classifier should find).
    pub true_topic: TopicId,
    /// Index into [`Generator::incidents`] when the appeal belongs to an injected incident.
    pub incident: Option<usize>,
}

/// An injected incident: ground truth for early-warning tests.
#[derive(Debug, Clone, PartialEq)]
pub struct Incident {
    /// Municipality.
    pub municipality: MunicipalityId,
    /// Settlement where it happens.
    pub settlement: SettlementId,
    /// Topic of the appeals it causes.
    pub topic: TopicId,
    /// Start.
    pub started_at: DateTime<Utc>,
    /// End of the burst of appeals.
    pub ended_at: DateTime<Utc>,
    /// Number of appeals it causes.
    pub appeals: u64,
    /// What happened, in Russian.
    pub description: String,
}

/// Why generation cannot start.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// The phrase bank lacks a topic of the rubricator, or similar.
    #[error(transparent)]
    Phrases(#[from] PhraseError),
    /// Nothing to generate from.
    #[error("справочники неполны для генерации: {0}")]
    Reference(String),
}

/// The deterministic generator of a demo region.
pub struct Generator<'a> {
    reference: &'a ReferenceData,
    phrases: &'a PhraseBank,
    params: Params,
    municipality_pick: WeightedIndex<f64>,
    settlements_by_municipality: Vec<(Vec<&'a Settlement>, WeightedIndex<f64>)>,
    /// Topic choice by month (0–11) and settlement kind (0 urban, 1 rural): base weight
    /// times the topic's seasonal factor in that month.
    topics_by_month: Vec<[WeightedIndex<f64>; 2]>,
    /// For each day of the period, how many background appeals fall on it or before it.
    /// Appeals are laid out day by day, so consecutive chunks cover consecutive days and
    /// ids (UUID v7 of the receipt) reach the store almost in order.
    day_ends: Vec<u64>,
    agencies: agencies::Profiles,
    /// The deadline rules of the reference books: answers are drawn against real terms.
    rules: tsur_core::rules::Rules,
    incidents: Vec<Incident>,
    incident_appeals: u64,
}

const INCIDENT_TOPICS: [(&str, &str); 5] = [
    ("housing_no_water", "авария на водоводе: нет воды"),
    ("energy_power_outage", "авария на подстанции: нет электроэнергии"),
    ("housing_heating", "авария на теплотрассе: нет отопления"),
    ("energy_gas_pressure", "падение давления газа"),
    ("waste_overflowing_bins", "сбой вывоза ТКО: переполнены контейнеры"),
];

/// Relative online activity: the city writes more per resident than the countryside.
fn activity(kind: &str) -> f64 {
    match kind {
        "urban_okrug" => 1.2,
        "urban_okrug_zato" => 1.0,
        _ => 0.8,
    }
}

/// Seasonal weight of a topic in a month (1–12); the mean over the year is about 1.
pub fn season_factor(season: Season, month: u32) -> f64 {
    let peak = |months: &[u32], high: f64, low: f64| if months.contains(&month) { high } else { low };
    match season {
        Season::Flat => 1.0,
        Season::Heating => peak(&[10, 11, 12, 1, 2, 3, 4], 1.55, 0.25),
        Season::Winter => peak(&[12, 1, 2], 2.6, 0.45),
        Season::Spring => peak(&[3, 4, 5], 2.2, 0.6),
        Season::Summer => peak(&[6, 7, 8], 2.3, 0.55),
        Season::Autumn => peak(&[9, 10, 11], 1.9, 0.7),
        Season::School => match month {
            8 | 9 => 2.0,
            6 | 7 => 0.35,
            _ => 1.0,
        },
    }
}

fn weekday_factor(day: Weekday) -> f64 {
    match day {
        Weekday::Mon => 1.2,
        Weekday::Tue => 1.1,
        Weekday::Wed => 1.05,
        Weekday::Thu => 1.0,
        Weekday::Fri => 0.95,
        Weekday::Sat => 0.7,
        Weekday::Sun => 0.65,
    }
}

/// Share of a day's appeals by local hour (0–23); social media stay up late.
fn hour_weights(channel: Channel) -> [f64; 24] {
    let office = [0.2, 0.1, 0.1, 0.1, 0.1, 0.3, 0.8, 1.8, 3.5, 5.0, 5.5, 5.4, 4.8, 4.6, 5.0, 4.8, 4.3, 3.6, 2.6, 2.2, 2.0, 1.6, 1.0, 0.5];
    let social = [1.2, 0.7, 0.4, 0.3, 0.3, 0.5, 1.2, 2.4, 3.4, 4.0, 4.2, 4.1, 4.0, 3.9, 4.0, 4.1, 4.3, 4.6, 5.0, 5.4, 5.6, 5.2, 4.0, 2.4];
    match channel {
        Channel::Im => social,
        _ => office,
    }
}

impl<'a> Generator<'a> {
    /// Prepares a generator; plans the incidents.
    pub fn new(reference: &'a ReferenceData, phrases: &'a PhraseBank, params: Params) -> Result<Generator<'a>, GenerateError> {
        phrases.check_covers(reference)?;
        if reference.settlements.is_empty() || reference.topics.is_empty() {
            return Err(GenerateError::Reference("нет поселений или тем".into()));
        }
        // Each territory also has its own temper (how well its services work, how used its
        // people are to writing online): a seeded factor, so the map is not uniform.
        let mut temper = ChaCha8Rng::seed_from_u64(params.seed ^ 0x7E3A_9E12);
        let weights: Vec<f64> = reference.municipalities.iter().map(|m| f64::from(m.population) * activity(&m.kind) * temper.random_range(0.75..1.3)).collect();
        let municipality_pick = WeightedIndex::new(&weights).map_err(|e| GenerateError::Reference(e.to_string()))?;
        let mut settlements_by_municipality = Vec::new();
        for m in &reference.municipalities {
            let list: Vec<&Settlement> = reference.settlements.iter().filter(|s| s.municipality_id == m.id).collect();
            let w: Vec<f64> = list.iter().map(|s| f64::from(s.population.max(1))).collect();
            let pick = WeightedIndex::new(&w).map_err(|_| GenerateError::Reference(format!("у {} нет поселений", m.name_ru)))?;
            settlements_by_municipality.push((list, pick));
        }
        let topic_weight = |t: &Topic, rural: bool| {
            let b = t.block_id.as_str();
            let modifier = match (rural, b) {
                (true, "transport") => 0.5,
                (true, "energy") => 1.5,
                (true, "roads") => 1.2,
                (false, "transport") => 1.3,
                _ => 1.0,
            };
            t.weight * modifier
        };
        let mut topics_by_month = Vec::with_capacity(12);
        let mut month_weight = [0.0f64; 12];
        for month in 1..=12u32 {
            let pick = |rural: bool| {
                WeightedIndex::new(reference.topics.iter().map(|t| topic_weight(t, rural) * season_factor(t.season, month)))
                    .map_err(|e| GenerateError::Reference(e.to_string()))
            };
            month_weight[month as usize - 1] =
                reference.topics.iter().map(|t| (topic_weight(t, false) + topic_weight(t, true)) * season_factor(t.season, month)).sum();
            topics_by_month.push([pick(false)?, pick(true)?]);
        }
        let agencies = agencies::Profiles::new(reference, params.seed);
        let mut generator = Generator {
            reference,
            phrases,
            params,
            municipality_pick,
            settlements_by_municipality,
            topics_by_month,
            day_ends: Vec::new(),
            agencies,
            incidents: Vec::new(),
            incident_appeals: 0,
            rules: tsur_core::rules::Rules::from_reference(reference),
        };
        generator.plan_incidents();
        generator.lay_out_days(&month_weight);
        Ok(generator)
    }

    fn plan_incidents(&mut self) {
        let p = &self.params;
        let mut rng = ChaCha8Rng::seed_from_u64(p.seed ^ 0x1AC1_DE47);
        let count = (p.appeals / 10_000).clamp(if p.appeals >= 2_000 { 4 } else { 0 }, 40);
        let per_incident = (p.appeals / 5_000).max(12);
        let available: Vec<&str> = INCIDENT_TOPICS.iter().map(|(t, _)| *t).filter(|t| self.reference.topics.iter().any(|x| x.id.as_str() == *t)).collect();
        if available.is_empty() {
            return;
        }
        for i in 0..count {
            let (topic, what) = INCIDENT_TOPICS.iter().find(|(t, _)| *t == available[(i as usize) % available.len()]).expect("filtered above");
            let m = self.municipality_pick.sample(&mut rng);
            let (list, pick) = &self.settlements_by_municipality[m];
            let s = list[pick.sample(&mut rng)];
            // Spread incidents over the year, away from its very edges.
            let slot = (u64::from(p.days) - 20) * (2 * i + 1) / (2 * count);
            let day = p.from + Duration::days((10 + slot) as i64 + rng.random_range(-5..=5));
            let hour = rng.random_range(6..20);
            let started_at = tsur_core::time::day_start(day) + Duration::hours(hour) + Duration::minutes(rng.random_range(0..60));
            let appeals = (per_incident as f64 * rng.random_range(0.7..1.4)).round() as u64;
            self.incidents.push(Incident {
                municipality: self.reference.municipalities[m].id.clone(),
                settlement: s.id.clone(),
                topic: TopicId::from(*topic),
                started_at,
                ended_at: started_at + Duration::hours(3),
                appeals,
                description: format!("{what}, {}", s.place_ru),
            });
            self.incident_appeals += appeals;
        }
    }

    /// Spreads the background appeals over the days in proportion to each day's expected
    /// volume: the weekday rhythm times the seasonal mix of all topics in its month.
    fn lay_out_days(&mut self, month_weight: &[f64; 12]) {
        let p = &self.params;
        let weights: Vec<f64> = (0..p.days)
            .map(|i| {
                let d = p.from + Duration::days(i64::from(i));
                weekday_factor(d.weekday()) * month_weight[d.month0() as usize]
            })
            .collect();
        let total_weight: f64 = weights.iter().sum();
        let background = p.appeals - self.incident_appeals;
        let mut running = 0.0;
        self.day_ends = weights
            .iter()
            .map(|w| {
                running += w;
                ((running / total_weight) * background as f64).round() as u64
            })
            .collect();
        if let Some(last) = self.day_ends.last_mut() {
            *last = background;
        }
    }

    /// The injected incidents (ground truth).
    pub fn incidents(&self) -> &[Incident] {
        &self.incidents
    }

    /// Number of chunks of [`CHUNK`] appeals.
    pub fn chunks(&self) -> u64 {
        self.params.appeals.div_ceil(CHUNK)
    }

    /// The parameters.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// Generates chunk `k`: appeals `k * CHUNK ..` up to the total. Deterministic.
    pub fn chunk(&self, k: u64) -> Vec<GeneratedAppeal> {
        let mut rng = ChaCha8Rng::seed_from_u64(self.params.seed);
        rng.set_stream(k + 1);
        let start = k * CHUNK;
        let end = (start + CHUNK).min(self.params.appeals);
        (start..end).map(|i| self.appeal(i, &mut rng)).collect()
    }

    fn appeal(&self, index: u64, rng: &mut ChaCha8Rng) -> GeneratedAppeal {
        let (municipality, settlement, topic, received_at, channel, incident) =
            if index < self.incident_appeals { self.incident_draw(index, rng) } else { self.background_draw(index - self.incident_appeals, rng) };
        let point = self.point_near(settlement, rng);
        let street = self.phrases.street(rng);
        let house = rng.random_range(1..120);
        let address_text = if settlement.kind == "city_district" {
            format!("г. Астрахань, {street}, д. {house}")
        } else {
            format!("{}, {street}, д. {house}", settlement.place_ru)
        };
        let text = text::compose(self.phrases, topic, channel, settlement, &street, house, rng);
        let regime = RegimeId(self.reference.regimes.iter().find(|r| r.channel == channel).map_or_else(|| channel.code().to_owned(), |r| r.id.0.clone()));
        let id = AppealId(history::uuid_v7(received_at, rng));
        let appeal = Appeal {
            id,
            channel,
            external_id: external_id(channel, index, received_at),
            received_at,
            regime,
            text,
            address_text,
            point: Some(point),
            municipality: municipality.clone(),
            settlement: Some(settlement.id.clone()),
            node: "demo".into(),
        };
        let author = text::author(id, channel, rng);
        let agency = self.agencies.responsible(topic, municipality);
        let events = history::events(&appeal, topic, agency, &self.agencies, &self.rules, self.params.as_of(), rng);
        GeneratedAppeal { appeal, author, events, true_topic: topic.id.clone(), incident }
    }

    fn background_draw(&self, j: u64, rng: &mut ChaCha8Rng) -> (&'a MunicipalityId, &'a Settlement, &'a Topic, DateTime<Utc>, Channel, Option<usize>) {
        let m = self.municipality_pick.sample(rng);
        let (list, pick) = &self.settlements_by_municipality[m];
        let settlement = list[pick.sample(rng)];
        let rural = settlement.kind == "rural";
        // The day is fixed by the appeal's place in the layout; the topic follows that
        // month's seasonal mix.
        let day_index = self.day_ends.partition_point(|&end| end <= j);
        let day = self.params.from + Duration::days(day_index as i64);
        let topic = &self.reference.topics[self.topics_by_month[day.month0() as usize][usize::from(rural)].sample(rng)];
        let channel = pick_channel(topic, rural, rng);
        let hours = WeightedIndex::new(hour_weights(channel)).expect("positive weights");
        let local = day.and_hms_opt(hours.sample(rng) as u32, rng.random_range(0..60), rng.random_range(0..60)).expect("valid time");
        let received_at = tsur_core::time::ZONE.from_local_datetime(&local).earliest().expect("no gaps").with_timezone(&Utc);
        (&self.reference.municipalities[m].id, settlement, topic, received_at, channel, None)
    }

    fn incident_draw(&self, index: u64, rng: &mut ChaCha8Rng) -> (&'a MunicipalityId, &'a Settlement, &'a Topic, DateTime<Utc>, Channel, Option<usize>) {
        let mut first = 0;
        let (n, incident) = self
            .incidents
            .iter()
            .enumerate()
            .find(|(_, inc)| {
                first += inc.appeals;
                index < first
            })
            .expect("index below the incidents' total");
        let reference: &'a ReferenceData = self.reference;
        let settlement = reference.settlements.iter().find(|s| s.id == incident.settlement).expect("planned from the list");
        let topic = reference.topics.iter().find(|t| t.id == incident.topic).expect("planned from the list");
        // A burst: most appeals in the first hour, nearly all within three.
        let minutes = (-rng.random::<f64>().max(1e-9).ln() * 30.0).min(179.0);
        let received_at = incident.started_at + Duration::seconds((minutes * 60.0) as i64);
        let channel = *[Channel::Im, Channel::Im, Channel::Pos, Channel::Regional, Channel::Im, Channel::Pos].get(rng.random_range(0..6)).expect("in range");
        let reference: &'a ReferenceData = self.reference;
        let municipality = &reference.municipalities.iter().find(|m| m.id == incident.municipality).expect("planned from the list").id;
        (municipality, settlement, topic, received_at, channel, Some(n))
    }

    fn point_near(&self, settlement: &Settlement, rng: &mut ChaCha8Rng) -> GeoPoint {
        let spread = match settlement.kind.as_str() {
            "city_district" => 0.025,
            "urban" => 0.02,
            _ => 0.03,
        };
        for _ in 0..12 {
            let lon = settlement.lon + rng.random_range(-spread..spread);
            let lat = settlement.lat + rng.random_range(-spread..spread) * 0.7;
            let p = GeoPoint { lon: (lon * 1e5).round() / 1e5, lat: (lat * 1e5).round() / 1e5 };
            if self.reference.boundaries.point_in_municipality(&settlement.municipality_id, p) {
                return p;
            }
        }
        settlement.point()
    }
}

fn pick_channel(topic: &Topic, rural: bool, rng: &mut impl Rng) -> Channel {
    // pos, im, fz59, regional, other
    let mut w = if rural { [0.36, 0.20, 0.24, 0.16, 0.04] } else { [0.42, 0.33, 0.12, 0.10, 0.03] };
    if topic.level == Level::Regional {
        w[2] += 0.05;
    }
    if topic.severity >= 5 {
        w[1] += 0.08;
        w[3] += 0.04;
    }
    let i = WeightedIndex::new(w).expect("positive weights").sample(rng);
    Channel::ALL[i]
}

fn external_id(channel: Channel, index: u64, at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&tsur_core::time::ZONE);
    match channel {
        Channel::Pos => format!("{}", 70_000_000 + index),
        Channel::Im => format!("IM-{}-{:08}", local.year(), index),
        Channel::Fz59 => format!("АО-{:02}/{index:07}", local.month()),
        Channel::Regional => format!("ГЛ-{index:07}"),
        Channel::Other => format!("ИН-{index:07}"),
    }
}

#[cfg(test)]
mod tests;
