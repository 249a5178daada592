//! Search of appeals by the words of their text and address (the laptop's search box).
//!
//! Each word of the query is cleaned and stemmed as the classifier does (Snowball, Russian)
//! and searched as a prefix, so «трубой» finds «трубы» and «трубу»; all words must occur.
//! The texts and addresses may hold personal data, so only a scope that may read it may
//! search them; the wall and the meeting may not.

use crate::case::{brief, Names};
use crate::{Api, ApiError, AppealBriefDto};
use chrono::{DateTime, Utc};
use serde::Serialize;
use tsur_core::Scope;

/// Words of a query at most (a pasted paragraph is cut, not refused).
const MAX_WORDS: usize = 8;

/// What a search found.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
pub struct SearchResult {
    /// The query as typed.
    pub query: String,
    /// The stems searched for (each as a word's beginning).
    pub stems: Vec<String>,
    /// How many appeals of the scope match.
    pub total: u32,
    /// The newest of them, at most the limit asked.
    pub appeals: Vec<AppealBriefDto>,
}

/// The stems a query searches for: its words cleaned and stemmed, in order, without
/// repeats, at most [`MAX_WORDS`]. A stem is never shorter than two letters (a one-letter
/// prefix would match half the store), unless the word itself is that short.
pub fn query_stems(query: &str) -> Vec<String> {
    let normalizer = tsur_classify::normalize::Normalizer::russian();
    let clean = tsur_classify::normalize::clean_text(query);
    let mut stems: Vec<String> = Vec::new();
    for word in tsur_classify::normalize::words(&clean) {
        let stem = normalizer.stem(word);
        let stem = if stem.chars().count() < 2 { word.to_owned() } else { stem.into_owned() };
        if !stems.contains(&stem) {
            stems.push(stem);
        }
        if stems.len() == MAX_WORDS {
            break;
        }
    }
    stems
}

impl Api {
    /// Appeals of the scope whose text or address holds every word of `query` (in any
    /// form), newest first, at most `limit`.
    pub async fn search(&self, query: &str, limit: i64, scope: &Scope, now: DateTime<Utc>) -> Result<SearchResult, ApiError> {
        if !scope.may_see_personal_data {
            return Err(ApiError::invalid(
                "поиск по тексту обращений доступен только тем, кому разрешено видеть персональные данные: текст и адрес могут их содержать",
            ));
        }
        let stems = query_stems(query);
        if stems.is_empty() {
            return Err(ApiError::invalid("введите слова для поиска: в запросе нет ни одного слова"));
        }
        let (total, list) = self.store().search_appeals(&stems, limit.max(1), scope).await?;
        let names = Names(self.reference());
        Ok(SearchResult {
            query: query.to_owned(),
            stems,
            total: total.min(u64::from(u32::MAX)) as u32,
            appeals: list.iter().map(|b| brief(b, &names, now)).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_becomes_the_stems_of_its_words() {
        let cases: &[(&str, &[&str])] = &[
            ("трубой", &["труб"]),
            ("Прорвало ТРУБУ!", &["прорва", "труб"]),
            ("нет воды, нет воды", &["нет", "вод"]),
            ("ул. Ленина 12", &["ул", "ленин", "12"]),
            ("ёлка", &["елк"]),
            ("   ", &[]),
            ("<b>мусор</b>", &["мусор"]),
        ];
        for (query, want) in cases {
            assert_eq!(query_stems(query), want.iter().map(|s| s.to_string()).collect::<Vec<_>>(), "{query}");
        }
    }

    #[test]
    fn a_long_query_is_cut_to_its_first_words() {
        let query = (1..=20).map(|i| format!("слово{i}")).collect::<Vec<_>>().join(" ");
        assert_eq!(query_stems(&query).len(), MAX_WORDS);
    }
}
