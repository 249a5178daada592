//! Totals and the overview: counts from the analytics' snapshot, labelled from the reference books.

use crate::{Api, ApiError, CountBy, MapBase, MunicipalityMetric, Overview, Period, Stats, Town};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::HashMap;
use tsur_core::{time, Channel, Scope, Status};

/// The attribution the boundaries require (ODbL).
pub const OSM_ATTRIBUTION: &str = "© OpenStreetMap contributors";

fn parse_day(s: &str, what: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| ApiError::invalid(format!("{what}: «{s}» — не дата в виде ГГГГ-ММ-ДД")))
}

impl Period {
    /// Parses and checks the period, returning its UTC half-open interval.
    pub fn interval(&self) -> Result<(DateTime<Utc>, DateTime<Utc>), ApiError> {
        let from = parse_day(&self.from, "начало периода")?;
        let to = parse_day(&self.to, "конец периода")?;
        if to < from {
            return Err(ApiError::invalid(format!("конец периода {} раньше начала {}", self.to, self.from)));
        }
        Ok(time::days_interval(from, to))
    }

    fn of_days(from: NaiveDate, to: NaiveDate) -> Period {
        Period { from: from.to_string(), to: to.to_string() }
    }
}

impl Api {
    /// Totals of appeals registered in `period` (all time when `None`) visible to `scope`:
    /// one row per key of each reference book in book order (zeros included); appeals whose
    /// key is missing or unknown go to a last `unclassified` row.
    pub async fn stats(&self, period: Option<&Period>, scope: &Scope) -> Result<Stats, ApiError> {
        let (from, until) = match period {
            Some(p) => p.interval().map(|(a, b)| (Some(a), Some(b)))?,
            None => (None, None),
        };
        let t = self.tallies(from, until, scope).await?;
        let r = self.reference();
        let labelled = |mut counts: HashMap<Option<String>, u32>, keys: &mut dyn Iterator<Item = (&str, &str)>| {
            let mut rows: Vec<CountBy> = keys
                .map(|(key, label)| CountBy { key: key.into(), label_ru: label.into(), count: counts.remove(&Some(key.to_owned())).unwrap_or(0) })
                .collect();
            let rest: u32 = counts.values().sum();
            if rest > 0 {
                rows.push(CountBy { key: "unclassified".into(), label_ru: "Не классифицировано".into(), count: rest });
            }
            rows
        };
        Ok(Stats {
            period: period.cloned(),
            total: t.total,
            by_municipality: labelled(t.municipality, &mut r.municipalities.iter().map(|m| (m.id.as_str(), m.name_ru.as_str()))),
            by_block: labelled(t.block, &mut r.blocks.iter().map(|b| (b.id.as_str(), b.name_ru.as_str()))),
            by_channel: labelled(t.channel, &mut Channel::ALL.iter().map(|c| (c.code(), c.label_ru()))),
            by_status: labelled(t.status, &mut Status::ALL.iter().map(|s| (s.code(), s.label_ru()))),
        })
    }

    /// The first and last local day with appeals, `None` for an empty store.
    pub async fn data_range(&self) -> Result<Option<Period>, ApiError> {
        Ok(self.store().received_range().await?.map(|(a, b)| Period::of_days(time::local_date(a), time::local_date(b))))
    }

    /// What the main window shows: totals and per-municipality rates for `period` (the whole
    /// data range when `None`).
    pub async fn overview(&self, period: Option<Period>, scope: &Scope) -> Result<Overview, ApiError> {
        let data_range = self.data_range().await?;
        let period = match (period, &data_range) {
            (Some(p), _) => p,
            (None, Some(range)) => range.clone(),
            (None, None) => {
                let today = time::local_date(Utc::now());
                Period::of_days(today, today)
            }
        };
        let stats = self.stats(Some(&period), scope).await?;
        let municipalities = self
            .reference()
            .municipalities
            .iter()
            .zip(&stats.by_municipality)
            .map(|(m, c)| MunicipalityMetric {
                id: m.id.0.clone(),
                name_ru: m.name_ru.clone(),
                kind: m.kind.clone(),
                population: m.population,
                appeals: c.count,
                per_1000: if m.population == 0 { 0.0 } else { f64::from(c.count) * 1000.0 / f64::from(m.population) },
                label_lon: m.label_lon,
                label_lat: m.label_lat,
            })
            .collect();
        Ok(Overview { period, data_range, stats, municipalities })
    }

    /// The static map layers.
    pub fn map_base(&self) -> MapBase {
        let r = self.reference();
        MapBase {
            boundaries: r.texts.boundaries.clone(),
            outline: r.texts.outline.clone(),
            volga: r.texts.volga.clone(),
            towns: r.towns.iter().map(|t| Town { name_ru: t.name_ru.clone(), lon: t.lon, lat: t.lat, population: t.population }).collect(),
            attribution: OSM_ATTRIBUTION.into(),
        }
    }
}
