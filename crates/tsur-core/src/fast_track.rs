//! Fast-tracks (фаст-треки): an accelerated answer term and a fixed route for appeals on
//! chosen topics (optionally in chosen municipalities), approved by a block's head for a
//! period. They are reference data (`catalog/fast_tracks.csv`).
//!
//! An appeal that matches an active fast-track when it is classified gets a
//! [`EventKind::FastTrackApplied`] event: the log says which fast-track, and the agency it
//! routes to; the deadline engine then uses the fast-track's term. The approval and
//! validity dates stay in the record, so analytics can compare the same topics before and
//! after a fast-track began.

use crate::{AgencyId, MunicipalityId, TopicId};
use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The unit of a fast-track's term.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TermUnit {
    /// Office hours.
    WorkingHours,
    /// Working days of the production calendar.
    WorkingDays,
    /// Calendar days (a last day off moves to the next working day).
    CalendarDays,
}

impl TermUnit {
    /// Russian words for `n` of the unit, for rules in explanations.
    pub fn phrase_ru(self, n: u32) -> String {
        match self {
            TermUnit::WorkingHours => format!("{n} рабочих ч"),
            TermUnit::WorkingDays => format!("{n} рабочих дн."),
            TermUnit::CalendarDays => format!("{n} календарн. дн."),
        }
    }
}

/// One fast-track.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FastTrack {
    /// Slug, e.g. `ft-no-water`.
    pub id: String,
    /// Russian name.
    pub name_ru: String,
    /// Topics it covers (`;`-separated in the file).
    #[serde(serialize_with = "join", deserialize_with = "split")]
    pub topics: Vec<TopicId>,
    /// Municipalities it covers; empty means the whole region.
    #[serde(serialize_with = "join", deserialize_with = "split")]
    pub municipalities: Vec<MunicipalityId>,
    /// The accelerated answer term.
    pub answer_term: u32,
    /// Its unit.
    pub answer_unit: TermUnit,
    /// The agency it routes to.
    pub agency_id: AgencyId,
    /// Who approved it (the responsible of a block).
    pub approved_by: String,
    /// When it was approved.
    pub approved_at: NaiveDate,
    /// First day it applies (local date of receipt).
    pub valid_from: NaiveDate,
    /// Last day it applies; open-ended when absent.
    #[serde(default)]
    pub valid_until: Option<NaiveDate>,
    /// The decision it rests on.
    pub source: String,
}

fn join<S: Serializer, T: AsRef<str>>(items: &[T], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&items.iter().map(AsRef::as_ref).collect::<Vec<_>>().join(";"))
}

fn split<'de, D: Deserializer<'de>, T: for<'a> From<&'a str>>(d: D) -> Result<Vec<T>, D::Error> {
    let text = String::deserialize(d)?;
    Ok(text.split(';').map(str::trim).filter(|s| !s.is_empty()).map(T::from).collect())
}

impl FastTrack {
    /// Whether it covers an appeal on `topic` in `municipality` received on local date `on`.
    pub fn covers(&self, topic: &TopicId, municipality: &MunicipalityId, on: NaiveDate) -> bool {
        self.topics.contains(topic)
            && (self.municipalities.is_empty() || self.municipalities.contains(municipality))
            && self.valid_from <= on
            && self.valid_until.is_none_or(|until| on <= until)
    }

    /// Contradictions within the record, in Russian.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let name = format!("фаст-трек «{}»", self.id);
        if self.topics.is_empty() {
            out.push(format!("{name}: не указана ни одна тема"));
        }
        if self.answer_term == 0 {
            out.push(format!("{name}: срок ответа должен быть больше нуля"));
        }
        if self.approved_by.trim().is_empty() {
            out.push(format!("{name}: не указано, кто утвердил"));
        }
        if self.approved_at > self.valid_from {
            out.push(format!("{name}: утверждён {} — позже начала действия {}", self.approved_at, self.valid_from));
        }
        if let Some(until) = self.valid_until.filter(|u| *u < self.valid_from) {
            out.push(format!("{name}: окончание действия {until} раньше начала {}", self.valid_from));
        }
        out
    }
}

/// The fast-track that applies to an appeal, if any: among those covering it, the one
/// limited to its municipality before a region-wide one, then the shortest term (hours
/// before days), then the first by id.
pub fn select<'a>(tracks: &'a [FastTrack], topic: &TopicId, municipality: &MunicipalityId, on: NaiveDate) -> Option<&'a FastTrack> {
    tracks.iter().filter(|t| t.covers(topic, municipality, on)).min_by(|a, b| {
        let key = |t: &FastTrack| {
            let unit_rank = match t.answer_unit {
                TermUnit::WorkingHours => 0,
                TermUnit::WorkingDays | TermUnit::CalendarDays => 1,
            };
            (t.municipalities.is_empty(), unit_rank, t.answer_term)
        };
        key(a).cmp(&key(b)).then_with(|| a.id.cmp(&b.id))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike;

    fn track(id: &str, municipalities: &[&str], term: u32, unit: TermUnit) -> FastTrack {
        FastTrack {
            id: id.into(),
            name_ru: id.into(),
            topics: vec!["housing_no_water".into()],
            municipalities: municipalities.iter().map(|m| MunicipalityId::from(*m)).collect(),
            answer_term: term,
            answer_unit: unit,
            agency_id: "minstroy".into(),
            approved_by: "руководитель блока ЖКХ".into(),
            approved_at: NaiveDate::from_ymd_opt(2026, 2, 1).unwrap(),
            valid_from: NaiveDate::from_ymd_opt(2026, 2, 9).unwrap(),
            valid_until: Some(NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()),
            source: String::new(),
        }
    }

    #[test]
    fn selection_prefers_local_then_shorter() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap();
        let tracks = [
            track("region-2d", &[], 2, TermUnit::WorkingDays),
            track("region-8h", &[], 8, TermUnit::WorkingHours),
            track("local-3d", &["limansky"], 3, TermUnit::WorkingDays),
        ];
        let topic = TopicId::from("housing_no_water");
        let pick = |m: &str, on| select(&tracks, &topic, &MunicipalityId::from(m), on).map(|t| t.id.as_str());
        #[rustfmt::skip]
        let cases = [
            ("limansky", d(3, 1), Some("local-3d")),   // a local one wins over region-wide ones
            ("astrakhan", d(3, 1), Some("region-8h")), // hours before days
            ("astrakhan", d(2, 8), None),              // the day before it starts
            ("astrakhan", d(2, 9), Some("region-8h")), // its first day
            ("astrakhan", d(12, 31), Some("region-8h")), // its last day
            ("astrakhan", d(1, 1).with_year(2027).unwrap(), None),
        ];
        for (m, on, want) in cases {
            assert_eq!(pick(m, on), want, "{m} {on}");
        }
        assert_eq!(select(&tracks, &TopicId::from("road_potholes"), &MunicipalityId::from("limansky"), d(3, 1)), None);
    }

    #[test]
    fn csv_lists_round_trip() {
        let t = track("x", &["limansky", "astrakhan"], 1, TermUnit::WorkingDays);
        let json = serde_json::to_string(&t).unwrap();
        assert!(json.contains(r#""municipalities":"limansky;astrakhan""#), "{json}");
        assert_eq!(serde_json::from_str::<FastTrack>(&json).unwrap(), t);
    }

    #[test]
    fn contradictions_are_named() {
        let mut t = track("x", &[], 0, TermUnit::WorkingDays);
        t.approved_at = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        t.valid_until = Some(NaiveDate::from_ymd_opt(2026, 1, 1).unwrap());
        let p = t.problems().join("\n");
        assert!(p.contains("больше нуля") && p.contains("позже начала") && p.contains("раньше начала"), "{p}");
    }
}
