//! Reference books (справочники) as plain data: parsed from the CSV and GeoJSON texts that
//! the project ships and the operator edits, and checked for integrity before use.

use crate::calendar::{OfficeHoursRow, OverrideRow, ProductionCalendar};
use crate::fast_track::FastTrack;
use crate::geo_ref::{Boundaries, GeoError};
use crate::{AgencyId, BlockId, Channel, GeoPoint, MunicipalityId, RegimeId, SettlementId, TopicId};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// A municipality (one of the 13 ОМСУ territories) with its 2021 census population.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Municipality {
    /// Slug, e.g. `kamyzyaksky`.
    pub id: MunicipalityId,
    /// Russian name, e.g. «Камызякский район».
    pub name_ru: String,
    /// `urban_okrug`, `urban_okrug_zato` or `municipal_district`.
    pub kind: String,
    /// 2021 census population.
    pub population: u32,
    /// Urban part of it.
    pub urban: u32,
    /// Rural part of it.
    pub rural: u32,
    /// Longitude of the label point.
    pub label_lon: f64,
    /// Latitude of the label point.
    pub label_lat: f64,
}

/// A sector block (отраслевой блок) of the centre.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    /// Slug, e.g. `roads`.
    pub id: BlockId,
    /// Russian name.
    pub name_ru: String,
    /// Short Russian name for tight places.
    pub short_ru: String,
    /// Display colour, `#rrggbb`.
    pub color: String,
}

/// When in the year a topic's appeals peak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Season {
    /// All year round.
    Flat,
    /// Heating season, October to April.
    Heating,
    /// December to February.
    Winter,
    /// March to May.
    Spring,
    /// June to August.
    Summer,
    /// September to November.
    Autumn,
    /// School year, peaking in August and September.
    School,
}

/// Who normally answers a topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// The municipal administration of the territory.
    Municipal,
    /// The regional executive body of the block.
    Regional,
}

/// A topic of the rubricator (тематика) under a block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Topic {
    /// Slug, e.g. `water_outage`.
    pub id: TopicId,
    /// Its block.
    pub block_id: BlockId,
    /// Russian name.
    pub name_ru: String,
    /// 1 (minor) … 5 (life, health, a basic utility out).
    pub severity: u8,
    /// Seasonal profile.
    pub season: Season,
    /// Who answers.
    pub level: Level,
    /// Relative base frequency (used by the demo generator and as a prior).
    pub weight: f64,
}

/// Kind of a responsible agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgencyKind {
    /// A regional executive body (ИОГВ).
    Iogv,
    /// A municipal administration (ОМСУ).
    Omsu,
}

/// A responsible agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agency {
    /// Slug, e.g. `minzdrav`, `omsu-kamyzyaksky`.
    pub id: AgencyId,
    /// Full Russian name.
    pub name_ru: String,
    /// Short Russian name.
    pub short_ru: String,
    /// ИОГВ or ОМСУ.
    pub kind: AgencyKind,
    /// The block an ИОГВ serves.
    pub block_id: Option<BlockId>,
    /// The territory of an ОМСУ.
    pub municipality_id: Option<MunicipalityId>,
}

/// Whether a term counts calendar or working days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// Calendar days.
    Calendar,
    /// Working days of the production calendar.
    Working,
}

/// What the answer term of a regime counts from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerFrom {
    /// From the registration (59-ФЗ, ПОС).
    #[default]
    Registration,
    /// From the first (interim) reply, or from the registration while there is none (ИМ).
    FirstReply,
}

/// A legal regime of processing, with its terms as data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Regime {
    /// Slug, e.g. `fz59`.
    pub id: RegimeId,
    /// The channel it applies to by default.
    pub channel: Channel,
    /// Russian name.
    pub name_ru: String,
    /// Registration term, days.
    pub register_days: Option<u32>,
    /// Redirection term after registration, days.
    pub redirect_days: Option<u32>,
    /// Answer term, days.
    pub answer_days: Option<u32>,
    /// Whether `answer_days` are calendar or working days.
    pub answer_day_kind: DayKind,
    /// What the answer term counts from.
    #[serde(default)]
    pub answer_from: AnswerFrom,
    /// First reply term in working hours (ИМ).
    pub first_reply_working_hours: Option<u32>,
    /// Maximum extension, days.
    pub extension_days: Option<u32>,
    /// How many extensions are allowed.
    pub max_extensions: Option<u32>,
    /// The legal source of these terms.
    pub source: String,
}

/// A settlement (поселение) or a city district, with its census population and a point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settlement {
    /// Slug.
    pub id: SettlementId,
    /// Its municipality.
    pub municipality_id: MunicipalityId,
    /// Official name from the census table.
    pub name_ru: String,
    /// Short name for use in a sentence, e.g. «с. Икряное».
    pub place_ru: String,
    /// `city_district`, `urban` or `rural`.
    pub kind: String,
    /// 2021 census population.
    pub population: u32,
    /// Longitude.
    pub lon: f64,
    /// Latitude.
    pub lat: f64,
    /// `hflabs` (a real town coordinate) or `placed` (synthetic, inside the municipality).
    pub coord_source: String,
}

impl Settlement {
    /// The settlement's point.
    pub fn point(&self) -> GeoPoint {
        GeoPoint { lon: self.lon, lat: self.lat }
    }
}

/// A town for map orientation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Town {
    /// Russian name.
    pub name_ru: String,
    /// Its municipality.
    pub municipality_id: MunicipalityId,
    /// Longitude.
    pub lon: f64,
    /// Latitude.
    pub lat: f64,
    /// Population (source's figure).
    pub population: u32,
}

/// The texts of the reference files, as shipped in `data/reference/` or edited by the operator.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReferenceTexts {
    /// `geo/municipalities.csv`
    pub municipalities: String,
    /// `geo/boundaries.geojson`
    pub boundaries: String,
    /// `geo/oblast_outline.geojson`
    pub outline: String,
    /// `geo/volga.geojson`
    pub volga: String,
    /// `geo/settlements.csv`
    pub settlements: String,
    /// `geo/towns.csv`
    pub towns: String,
    /// `catalog/blocks.csv`
    pub blocks: String,
    /// `catalog/topics.csv`
    pub topics: String,
    /// `catalog/agencies.csv`
    pub agencies: String,
    /// `catalog/regimes.csv`
    pub regimes: String,
    /// `catalog/fast_tracks.csv`
    pub fast_tracks: String,
    /// `calendar/office_hours.csv`
    pub office_hours: String,
    /// `calendar/overrides.csv`
    pub calendar_overrides: String,
    /// `classify/lexicon.csv` (parsed by the classifier, which knows its form)
    pub lexicon: String,
    /// `analytics/weights.csv` (parsed by the analytics, which know its form)
    pub analytics_weights: String,
    /// `catalog/roadmaps.csv` (parsed by the analytics)
    pub roadmaps: String,
    /// `catalog/roadmap_milestones.csv` (parsed by the analytics)
    pub roadmap_milestones: String,
}

impl ReferenceTexts {
    /// The file names relative to the reference folder, paired with the texts.
    pub fn files(&self) -> [(&'static str, &str); 17] {
        [
            ("geo/municipalities.csv", &self.municipalities),
            ("geo/boundaries.geojson", &self.boundaries),
            ("geo/oblast_outline.geojson", &self.outline),
            ("geo/volga.geojson", &self.volga),
            ("geo/settlements.csv", &self.settlements),
            ("geo/towns.csv", &self.towns),
            ("catalog/blocks.csv", &self.blocks),
            ("catalog/topics.csv", &self.topics),
            ("catalog/agencies.csv", &self.agencies),
            ("catalog/regimes.csv", &self.regimes),
            ("catalog/fast_tracks.csv", &self.fast_tracks),
            ("calendar/office_hours.csv", &self.office_hours),
            ("calendar/overrides.csv", &self.calendar_overrides),
            ("classify/lexicon.csv", &self.lexicon),
            ("analytics/weights.csv", &self.analytics_weights),
            ("catalog/roadmaps.csv", &self.roadmaps),
            ("catalog/roadmap_milestones.csv", &self.roadmap_milestones),
        ]
    }

    /// Every file's text from `read(name)`, with names as in [`ReferenceTexts::files`] (the
    /// caller does the IO: a folder, a bundle, a store).
    pub fn load<E>(mut read: impl FnMut(&'static str) -> Result<String, E>) -> Result<ReferenceTexts, E> {
        let mut texts = ReferenceTexts::default();
        let names: Vec<&'static str> = ReferenceTexts::default().files().iter().map(|(n, _)| *n).collect();
        for name in names {
            let text = read(name)?;
            texts.set(name, text);
        }
        Ok(texts)
    }

    /// Sets the text of a file named as in [`ReferenceTexts::files`]; false for an unknown name.
    pub fn set(&mut self, name: &str, text: String) -> bool {
        let slot = match name {
            "geo/municipalities.csv" => &mut self.municipalities,
            "geo/boundaries.geojson" => &mut self.boundaries,
            "geo/oblast_outline.geojson" => &mut self.outline,
            "geo/volga.geojson" => &mut self.volga,
            "geo/settlements.csv" => &mut self.settlements,
            "geo/towns.csv" => &mut self.towns,
            "catalog/blocks.csv" => &mut self.blocks,
            "catalog/topics.csv" => &mut self.topics,
            "catalog/agencies.csv" => &mut self.agencies,
            "catalog/regimes.csv" => &mut self.regimes,
            "catalog/fast_tracks.csv" => &mut self.fast_tracks,
            "calendar/office_hours.csv" => &mut self.office_hours,
            "calendar/overrides.csv" => &mut self.calendar_overrides,
            "classify/lexicon.csv" => &mut self.lexicon,
            "analytics/weights.csv" => &mut self.analytics_weights,
            "catalog/roadmaps.csv" => &mut self.roadmaps,
            "catalog/roadmap_milestones.csv" => &mut self.roadmap_milestones,
            _ => return false,
        };
        *slot = text;
        true
    }
}

/// Why reference data cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ReferenceError {
    /// A CSV file does not parse.
    #[error("справочник {file}: строка {line}: {message}")]
    Csv {
        /// File name.
        file: &'static str,
        /// 1-based line number (0 when unknown).
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// A GeoJSON file does not parse.
    #[error("справочник {file}: {source}")]
    Geo {
        /// File name.
        file: &'static str,
        /// What is wrong.
        source: GeoError,
    },
    /// The data parse but contradict each other.
    #[error("справочники не согласованы:\n  - {}", .0.join("\n  - "))]
    Integrity(Vec<String>),
}

/// All reference books, parsed and checked.
#[derive(Debug, Clone)]
pub struct ReferenceData {
    /// The municipalities, in file order.
    pub municipalities: Vec<Municipality>,
    /// Their boundaries.
    pub boundaries: Boundaries,
    /// The sector blocks, in file order.
    pub blocks: Vec<Block>,
    /// The topics.
    pub topics: Vec<Topic>,
    /// The agencies.
    pub agencies: Vec<Agency>,
    /// The legal regimes.
    pub regimes: Vec<Regime>,
    /// The settlements.
    pub settlements: Vec<Settlement>,
    /// Towns for the map.
    pub towns: Vec<Town>,
    /// The fast-tracks.
    pub fast_tracks: Vec<FastTrack>,
    /// Office hours by weekday, as in the file.
    pub office_hours: Vec<OfficeHoursRow>,
    /// Regional changes to the federal calendar, as in the file.
    pub calendar_overrides: Vec<OverrideRow>,
    /// The production calendar they make.
    pub calendar: ProductionCalendar,
    /// The texts they were parsed from (GeoJSON goes to the map as is).
    pub texts: ReferenceTexts,
}

pub(crate) fn parse_csv<T: for<'de> Deserialize<'de>>(file: &'static str, text: &str) -> Result<Vec<T>, ReferenceError> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).comment(Some(b'#')).from_reader(text.as_bytes());
    reader
        .deserialize()
        .map(|row| {
            row.map_err(|e| ReferenceError::Csv {
                file,
                line: e.position().map_or(0, |p| p.line()),
                message: match e.kind() {
                    csv::ErrorKind::Deserialize { err, .. } => err.to_string(),
                    _ => e.to_string(),
                },
            })
        })
        .collect()
}

impl ReferenceData {
    /// Parses and checks the reference texts.
    pub fn parse(texts: ReferenceTexts) -> Result<ReferenceData, ReferenceError> {
        let data = ReferenceData {
            municipalities: parse_csv("geo/municipalities.csv", &texts.municipalities)?,
            boundaries: Boundaries::parse(&texts.boundaries).map_err(|source| ReferenceError::Geo { file: "geo/boundaries.geojson", source })?,
            blocks: parse_csv("catalog/blocks.csv", &texts.blocks)?,
            topics: parse_csv("catalog/topics.csv", &texts.topics)?,
            agencies: parse_csv("catalog/agencies.csv", &texts.agencies)?,
            regimes: parse_csv("catalog/regimes.csv", &texts.regimes)?,
            settlements: parse_csv("geo/settlements.csv", &texts.settlements)?,
            towns: parse_csv("geo/towns.csv", &texts.towns)?,
            fast_tracks: parse_csv("catalog/fast_tracks.csv", &texts.fast_tracks)?,
            office_hours: parse_csv("calendar/office_hours.csv", &texts.office_hours)?,
            calendar_overrides: parse_csv("calendar/overrides.csv", &texts.calendar_overrides)?,
            calendar: ProductionCalendar::default(),
            texts,
        };
        let mut data = data;
        let mut problems = Vec::new();
        match ProductionCalendar::from_rows(&data.office_hours, &data.calendar_overrides) {
            Ok(calendar) => data.calendar = calendar,
            Err(p) => problems.extend(p),
        }
        problems.extend(data.integrity_problems());
        if problems.is_empty() {
            Ok(data)
        } else {
            Err(ReferenceError::Integrity(problems))
        }
    }

    /// Every contradiction in the data, in Russian; empty when the books agree.
    pub fn integrity_problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let mut unique = |what: &str, ids: Vec<&str>| {
            let mut seen = BTreeSet::new();
            for id in ids {
                if !seen.insert(id) {
                    problems.push(format!("{what}: повторяется идентификатор «{id}»"));
                }
            }
            seen.into_iter().map(str::to_owned).collect::<BTreeSet<String>>()
        };
        let municipalities = unique("муниципалитеты", self.municipalities.iter().map(|m| m.id.as_str()).collect());
        let blocks = unique("блоки", self.blocks.iter().map(|b| b.id.as_str()).collect());
        let topics = unique("темы", self.topics.iter().map(|t| t.id.as_str()).collect());
        let agencies = unique("ведомства", self.agencies.iter().map(|a| a.id.as_str()).collect());
        let _fast_tracks = unique("фаст-треки", self.fast_tracks.iter().map(|f| f.id.as_str()).collect());
        let _regimes = unique("режимы", self.regimes.iter().map(|r| r.id.as_str()).collect());
        let _settlements = unique("поселения", self.settlements.iter().map(|s| s.id.as_str()).collect());

        if self.municipalities.len() != 13 {
            problems.push(format!("муниципалитетов должно быть 13, а не {}", self.municipalities.len()));
        }
        for m in &self.municipalities {
            if m.urban + m.rural != m.population {
                problems.push(format!("{}: городское {} + сельское {} ≠ всего {}", m.name_ru, m.urban, m.rural, m.population));
            }
            if !self.boundaries.contains_municipality(&m.id) {
                problems.push(format!("{}: нет границы в boundaries.geojson", m.name_ru));
            }
        }
        for id in self.boundaries.ids() {
            if !municipalities.contains(id.as_str()) {
                problems.push(format!("boundaries.geojson: граница неизвестного муниципалитета «{id}»"));
            }
        }
        for t in &self.topics {
            if !blocks.contains(t.block_id.as_str()) {
                problems.push(format!("тема «{}»: неизвестный блок «{}»", t.id, t.block_id));
            }
            if !(1..=5).contains(&t.severity) {
                problems.push(format!("тема «{}»: тяжесть {} вне 1–5", t.id, t.severity));
            }
            if !(t.weight > 0.0 && t.weight.is_finite()) {
                problems.push(format!("тема «{}»: вес должен быть положительным", t.id));
            }
        }
        for b in &self.blocks {
            if !self.topics.iter().any(|t| t.block_id == b.id) {
                problems.push(format!("блок «{}»: нет ни одной темы", b.id));
            }
            if !self.agencies.iter().any(|a| a.kind == AgencyKind::Iogv && a.block_id.as_ref() == Some(&b.id)) {
                problems.push(format!("блок «{}»: нет ответственного ИОГВ", b.id));
            }
        }
        for a in &self.agencies {
            match a.kind {
                AgencyKind::Iogv => match &a.block_id {
                    Some(b) if blocks.contains(b.as_str()) => {}
                    _ => problems.push(format!("ведомство «{}»: ИОГВ без известного блока", a.id)),
                },
                AgencyKind::Omsu => match &a.municipality_id {
                    Some(m) if municipalities.contains(m.as_str()) => {}
                    _ => problems.push(format!("ведомство «{}»: ОМСУ без известного муниципалитета", a.id)),
                },
            }
        }
        for m in &self.municipalities {
            if !self.agencies.iter().any(|a| a.kind == AgencyKind::Omsu && a.municipality_id.as_ref() == Some(&m.id)) {
                problems.push(format!("{}: нет администрации (ОМСУ) в ведомствах", m.name_ru));
            }
        }
        for c in Channel::ALL {
            if !self.regimes.iter().any(|r| r.channel == c) {
                problems.push(format!("нет режима для канала «{}»", c.label_ru()));
            }
        }
        for r in &self.regimes {
            if r.first_reply_working_hours == Some(0) || r.answer_days == Some(0) {
                problems.push(format!("режим «{}»: срок не может быть нулевым", r.id));
            }
        }
        for f in &self.fast_tracks {
            problems.extend(f.problems());
            for t in f.topics.iter().filter(|t| !topics.contains(t.as_str())) {
                problems.push(format!("фаст-трек «{}»: неизвестная тема «{t}»", f.id));
            }
            for m in f.municipalities.iter().filter(|m| !municipalities.contains(m.as_str())) {
                problems.push(format!("фаст-трек «{}»: неизвестный муниципалитет «{m}»", f.id));
            }
            if !agencies.contains(f.agency_id.as_str()) {
                problems.push(format!("фаст-трек «{}»: неизвестное ведомство «{}»", f.id, f.agency_id));
            }
        }
        let mut settled: BTreeMap<&str, u64> = BTreeMap::new();
        for s in &self.settlements {
            if !municipalities.contains(s.municipality_id.as_str()) {
                problems.push(format!("поселение «{}»: неизвестный муниципалитет «{}»", s.id, s.municipality_id));
                continue;
            }
            *settled.entry(s.municipality_id.as_str()).or_default() += u64::from(s.population);
            if !self.boundaries.point_in_municipality(&s.municipality_id, s.point()) {
                problems.push(format!("поселение «{}» ({}, {}) лежит вне своего муниципалитета «{}»", s.name_ru, s.lon, s.lat, s.municipality_id));
            }
        }
        for m in &self.municipalities {
            let sum = settled.get(m.id.as_str()).copied().unwrap_or(0);
            if sum != u64::from(m.population) {
                problems.push(format!("{}: сумма населения поселений {} ≠ населению муниципалитета {}", m.name_ru, sum, m.population));
            }
        }
        problems
    }

    /// The municipality with this id.
    pub fn municipality(&self, id: &MunicipalityId) -> Option<&Municipality> {
        self.municipalities.iter().find(|m| &m.id == id)
    }

    /// Total census population of the region.
    pub fn population(&self) -> u64 {
        self.municipalities.iter().map(|m| u64::from(m.population)).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_errors_name_file_and_line() {
        let err = parse_csv::<Block>("catalog/blocks.csv", "id,name_ru,short_ru,color\nroads,Дороги,Дороги\n").unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("справочник catalog/blocks.csv: строка 2:"), "{text}");
    }

    #[test]
    fn topic_enums_parse_from_snake_case() {
        let topics: Vec<Topic> =
            parse_csv("catalog/topics.csv", "id,block_id,name_ru,severity,season,level,weight\nwater_outage,housing,Нет воды,5,summer,municipal,3.5\n")
                .unwrap();
        assert_eq!(topics[0].season, Season::Summer);
        assert_eq!(topics[0].level, Level::Municipal);
    }
}
