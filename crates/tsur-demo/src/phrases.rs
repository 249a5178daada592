//! The phrase bank: the Russian material texts are composed from, kept as data
//! (`data/phrases.toml`) so that writers, not programmers, extend it.

use rand::Rng;
use serde::Deserialize;
use std::collections::HashMap;
use tsur_core::reference::ReferenceData;

/// Bodies of one topic.
#[derive(Debug, Clone, Deserialize)]
struct TopicPhrases {
    id: String,
    formal: Vec<String>,
    colloquial: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct Raw {
    streets: Vec<String>,
    formal_openers: Vec<String>,
    formal_closings: Vec<String>,
    colloquial_openers: Vec<String>,
    colloquial_closings: Vec<String>,
    durations: Vec<String>,
    topic: Vec<TopicPhrases>,
}

/// Why a phrase bank cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PhraseError {
    /// Not valid TOML of the expected shape.
    #[error("банк фраз: {0}")]
    Parse(String),
    /// A list is empty.
    #[error("банк фраз: пустой список «{0}»")]
    Empty(String),
    /// A topic of the rubricator has no phrases.
    #[error("банк фраз: нет текстов для темы «{0}»")]
    MissingTopic(String),
}

/// The parsed phrase bank.
#[derive(Debug, Clone)]
pub struct PhraseBank {
    streets: Vec<String>,
    pub(crate) formal_openers: Vec<String>,
    pub(crate) formal_closings: Vec<String>,
    pub(crate) colloquial_openers: Vec<String>,
    pub(crate) colloquial_closings: Vec<String>,
    pub(crate) durations: Vec<String>,
    topics: HashMap<String, (Vec<String>, Vec<String>)>,
}

/// The phrase bank shipped with the generator.
pub const BUNDLED: &str = include_str!("../data/phrases.toml");

impl PhraseBank {
    /// The bank shipped with the generator.
    pub fn bundled() -> Result<PhraseBank, PhraseError> {
        PhraseBank::parse(BUNDLED)
    }

    /// Parses a bank from TOML text.
    pub fn parse(text: &str) -> Result<PhraseBank, PhraseError> {
        let raw: Raw = toml::from_str(text).map_err(|e| PhraseError::Parse(e.to_string()))?;
        for (name, list) in [
            ("streets", &raw.streets),
            ("formal_openers", &raw.formal_openers),
            ("formal_closings", &raw.formal_closings),
            ("colloquial_openers", &raw.colloquial_openers),
            ("colloquial_closings", &raw.colloquial_closings),
            ("durations", &raw.durations),
        ] {
            if list.is_empty() {
                return Err(PhraseError::Empty(name.into()));
            }
        }
        let mut topics = HashMap::new();
        for t in raw.topic {
            if t.formal.is_empty() || t.colloquial.is_empty() {
                return Err(PhraseError::Empty(format!("topic {}", t.id)));
            }
            topics.insert(t.id, (t.formal, t.colloquial));
        }
        Ok(PhraseBank {
            streets: raw.streets,
            formal_openers: raw.formal_openers,
            formal_closings: raw.formal_closings,
            colloquial_openers: raw.colloquial_openers,
            colloquial_closings: raw.colloquial_closings,
            durations: raw.durations,
            topics,
        })
    }

    /// Checks that every topic of the rubricator has phrases.
    pub fn check_covers(&self, reference: &ReferenceData) -> Result<(), PhraseError> {
        match reference.topics.iter().find(|t| !self.topics.contains_key(t.id.as_str())) {
            Some(t) => Err(PhraseError::MissingTopic(t.id.0.clone())),
            None => Ok(()),
        }
    }

    /// A random street name.
    pub fn street(&self, rng: &mut impl Rng) -> String {
        pick(&self.streets, rng).to_owned()
    }

    /// A random body of a topic, formal or colloquial.
    pub(crate) fn body(&self, topic: &str, formal: bool, rng: &mut impl Rng) -> &str {
        let (f, c) = self.topics.get(topic).expect("checked by check_covers");
        pick(if formal { f } else { c }, rng)
    }
}

/// A random element of a non-empty list.
pub(crate) fn pick<'a>(list: &'a [String], rng: &mut impl Rng) -> &'a str {
    &list[rng.random_range(0..list.len())]
}
