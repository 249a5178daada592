//! The shapes that cross the API boundary (IPC to the UI, `--json` output). They are part
//! of a contract: the TypeScript bindings are generated from them, and `docs/stats-json.md`
//! documents the JSON. Field names are snake_case in both.

use serde::{Deserialize, Serialize};

/// A period of local (Europe/Astrakhan) days, both ends included, as `YYYY-MM-DD`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Period {
    /// First day.
    pub from: String,
    /// Last day.
    pub to: String,
}

/// One group of a count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct CountBy {
    /// Stable key: a municipality, block, channel or status code.
    pub key: String,
    /// Russian label.
    pub label_ru: String,
    /// Appeals in the group.
    pub count: u32,
}

/// Totals of appeals registered in a period, split four ways. Every list holds every key
/// of its reference book (zeros included) in reference order; each list sums to `total`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct Stats {
    /// The period counted; `null` for all time.
    pub period: Option<Period>,
    /// Appeals in the period.
    pub total: u32,
    /// By municipality.
    pub by_municipality: Vec<CountBy>,
    /// By sector block; `unclassified` appears when some appeals have no block yet.
    pub by_block: Vec<CountBy>,
    /// By channel.
    pub by_channel: Vec<CountBy>,
    /// By current status.
    pub by_status: Vec<CountBy>,
}

/// A municipality's figures for the choropleth.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct MunicipalityMetric {
    /// Id (matches the boundaries' `id` property).
    pub id: String,
    /// Russian name.
    pub name_ru: String,
    /// Kind.
    pub kind: String,
    /// 2021 census population.
    pub population: u32,
    /// Appeals in the period.
    pub appeals: u32,
    /// Appeals per 1,000 residents.
    pub per_1000: f64,
    /// Label point, longitude.
    pub label_lon: f64,
    /// Label point, latitude.
    pub label_lat: f64,
}

/// What the main window shows for a period.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct Overview {
    /// The effective period (the whole data range when none was asked for).
    pub period: Period,
    /// First and last day with appeals; `null` when the store is empty.
    pub data_range: Option<Period>,
    /// Totals.
    pub stats: Stats,
    /// Figures per municipality, in reference order.
    pub municipalities: Vec<MunicipalityMetric>,
}

/// A town for orientation on the map.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct Town {
    /// Russian name.
    pub name_ru: String,
    /// Longitude.
    pub lon: f64,
    /// Latitude.
    pub lat: f64,
    /// Population.
    pub population: u32,
}

/// The static layers of the map, sent once.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct MapBase {
    /// Municipal boundaries, GeoJSON FeatureCollection text (`id`, `name_ru` properties).
    pub boundaries: String,
    /// The oblast outline, GeoJSON text.
    pub outline: String,
    /// The Volga, GeoJSON text.
    pub volga: String,
    /// Towns.
    pub towns: Vec<Town>,
    /// Attribution to show wherever the boundaries are drawn.
    pub attribution: String,
}

/// What a demo fill produced.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct DemoSummary {
    /// Appeals written.
    pub appeals: u32,
    /// Events written.
    pub events: u32,
    /// Incidents injected.
    pub incidents: u32,
    /// Problems the linker found (groups of appeals about one problem).
    pub problems: u32,
    /// Seed used.
    pub seed: u32,
    /// Seconds taken.
    pub seconds: f64,
}
