//! Column mappings: which column of an export holds which fact, how its statuses read, how
//! its times are written. Presets ship in `data/import/` (generic, ПОС, ИМ, Open311); an
//! operator writes their own in the same TOML form (documented in `docs/import.md`).

use serde::Deserialize;
use std::collections::BTreeMap;

/// A step of the lifecycle an external status stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Received and registered.
    Registered,
    /// A responsible agency works on it.
    Assigned,
    /// An interim reply was given.
    InterimAnswered,
    /// Answered.
    Answered,
    /// Reported solved.
    Resolved,
    /// Closed.
    Closed,
}

/// Candidate column names for each fact (compared case-insensitively).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Columns {
    /// The channel's id of the appeal (required).
    pub external_id: Vec<String>,
    /// When it was received (required).
    pub received_at: Vec<String>,
    /// Its text (required).
    pub text: Vec<String>,
    /// The address as written.
    #[serde(default)]
    pub address: Vec<String>,
    /// Latitude.
    #[serde(default)]
    pub lat: Vec<String>,
    /// Longitude.
    #[serde(default)]
    pub lon: Vec<String>,
    /// The municipality (id or name).
    #[serde(default)]
    pub municipality: Vec<String>,
    /// The channel's status.
    #[serde(default)]
    pub status: Vec<String>,
    /// When the status last changed.
    #[serde(default)]
    pub updated_at: Vec<String>,
    /// The channel's own category (kept as text for classification).
    #[serde(default)]
    pub category: Vec<String>,
    /// The responsible agency (id or name).
    #[serde(default)]
    pub agency: Vec<String>,
    /// The answer's text.
    #[serde(default)]
    pub answer: Vec<String>,
    /// The channel, when one file mixes channels.
    #[serde(default)]
    pub channel: Vec<String>,
    /// Author's name (personal data).
    #[serde(default)]
    pub author_name: Vec<String>,
    /// Author's phone (personal data).
    #[serde(default)]
    pub author_phone: Vec<String>,
    /// Author's e-mail (personal data).
    #[serde(default)]
    pub author_email: Vec<String>,
}

/// A mapping.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mapping {
    /// Its name.
    pub name: String,
    /// The channel of every row (code: fz59, pos, im, regional, other), unless a column says.
    #[serde(default)]
    pub channel: Option<String>,
    /// Columns.
    pub columns: Columns,
    /// External status (lowercase) → lifecycle step.
    #[serde(default)]
    pub statuses: BTreeMap<String, Step>,
    /// Values of the channel column (lowercase) → channel code.
    #[serde(default)]
    pub channels: BTreeMap<String, String>,
    /// `chrono` formats of local times tried in order (RFC 3339 with an offset is always
    /// accepted); local times are Europe/Astrakhan.
    #[serde(default = "default_time_formats")]
    pub time_formats: Vec<String>,
}

fn default_time_formats() -> Vec<String> {
    ["%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"].map(String::from).to_vec()
}

/// The mapping presets shipped with the program.
pub const PRESETS: [(&str, &str); 4] = [
    ("generic", include_str!("../../../data/import/generic.toml")),
    ("pos", include_str!("../../../data/import/pos.toml")),
    ("im", include_str!("../../../data/import/im.toml")),
    ("open311", include_str!("../../../data/import/open311.toml")),
];

impl Mapping {
    /// Parses a mapping file's text; `name` is used in the error.
    pub fn parse(name: &str, text: &str) -> Result<Mapping, crate::ImportError> {
        let mut m: Mapping = toml::from_str(text).map_err(|e| crate::ImportError::Mapping { name: name.to_owned(), message: e.to_string() })?;
        m.statuses = m.statuses.into_iter().map(|(k, v)| (k.trim().to_lowercase(), v)).collect();
        let c = &mut m.columns;
        for list in [
            &mut c.external_id,
            &mut c.received_at,
            &mut c.text,
            &mut c.address,
            &mut c.lat,
            &mut c.lon,
            &mut c.municipality,
            &mut c.status,
            &mut c.updated_at,
            &mut c.category,
            &mut c.agency,
            &mut c.answer,
            &mut c.channel,
            &mut c.author_name,
            &mut c.author_phone,
            &mut c.author_email,
        ] {
            for name in list.iter_mut() {
                *name = name.trim().to_lowercase();
            }
        }
        m.channels = m.channels.into_iter().map(|(k, v)| (k.trim().to_lowercase(), v)).collect();
        Ok(m)
    }

    /// A preset by name.
    pub fn preset(name: &str) -> Option<Mapping> {
        PRESETS.iter().find(|(n, _)| *n == name).map(|(n, text)| Mapping::parse(n, text).expect("presets parse (tested)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_parse_and_name_the_required_columns() {
        for (name, _) in PRESETS {
            let m = Mapping::preset(name).unwrap();
            assert!(!m.columns.external_id.is_empty() && !m.columns.received_at.is_empty() && !m.columns.text.is_empty(), "{name}");
        }
    }

    #[test]
    fn an_unknown_key_is_an_error_naming_it() {
        let err =
            Mapping::parse("my.toml", "name = \"x\"\n[columns]\nexternal_id = [\"id\"]\nreceived_at = [\"d\"]\ntext = [\"t\"]\ntexts = [\"z\"]\n").unwrap_err();
        assert!(err.to_string().contains("texts"), "{err}");
    }
}
