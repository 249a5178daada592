//! The conflict radar (decree 2.1.4) over the stored appeals.

use crate::{Api, ApiError};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::hash::{Hash, Hasher};
use tsur_core::conflict::{address_key, radar, RadarInput};

/// A flagged appeal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
pub struct RadarItem {
    /// The appeal.
    pub appeal_id: String,
    /// Channel.
    pub channel: String,
    /// The channel's id.
    pub external_id: String,
    /// Municipality.
    pub municipality: String,
    /// Block.
    pub block: Option<String>,
    /// Topic.
    pub topic: Option<String>,
    /// Received, RFC 3339 in Europe/Astrakhan.
    pub received_at: String,
    /// How strong the signal is.
    pub score: u32,
    /// Why, in Russian (the author is never named).
    pub reasons: Vec<String>,
}

/// A key of an author from normalised contacts: the phone's last ten digits, else the
/// e-mail. A name alone is no identity (namesakes are many). Only compared, never shown
/// or stored.
fn author_key(author: &(String, Option<String>, Option<String>)) -> Option<u64> {
    let (_, phone, email) = author;
    let digits: String = phone.as_deref().unwrap_or("").chars().filter(char::is_ascii_digit).collect();
    let key = if digits.len() >= 10 {
        format!("tel:{}", &digits[digits.len() - 10..])
    } else if let Some(e) = email.as_deref().filter(|e| e.contains('@')) {
        format!("mail:{}", e.trim().to_lowercase())
    } else {
        return None;
    };
    let mut h = std::collections::hash_map::DefaultHasher::new();
    key.hash(&mut h);
    Some(h.finish())
}

impl Api {
    /// Appeals received since `since` (`YYYY-MM-DD`; by default 90 days before the latest
    /// receipt) that signal conflict, strongest first (at most `limit`).
    pub async fn radar(&self, since: Option<&str>, limit: usize, scope: &tsur_core::Scope, now: DateTime<Utc>) -> Result<Vec<RadarItem>, ApiError> {
        let since = match since {
            Some(d) => {
                let day: chrono::NaiveDate = d.parse().map_err(|_| ApiError::invalid(format!("since: «{d}» — нужна дата ГГГГ-ММ-ДД")))?;
                tsur_core::time::day_start(day)
            }
            None => self.store().received_range().await?.map_or(now, |(_, last)| last) - chrono::Duration::days(90),
        };
        let rows = self.store().radar_rows(since, scope).await?;
        let inputs: Vec<RadarInput<'_>> = rows
            .iter()
            .map(|r| RadarInput {
                id: r.appeal_id,
                topic: r.topic_id.as_ref(),
                at: r.received_at,
                author_key: r.author.as_ref().and_then(author_key),
                address_key: Some(address_key(&r.address_text)),
                text: &r.text,
                reopened: r.reopen_count,
                rejected_answers: r.rejected_answers,
            })
            .collect();
        let flags = radar(&inputs);
        let by_id: std::collections::HashMap<_, _> = rows.iter().map(|r| (r.appeal_id, r)).collect();
        Ok(flags
            .into_iter()
            .take(limit)
            .map(|f| {
                let r = by_id[&f.id];
                RadarItem {
                    appeal_id: r.appeal_id.to_string(),
                    channel: r.channel.clone(),
                    external_id: r.external_id.clone(),
                    municipality: r.municipality_id.clone(),
                    block: r.block_id.clone(),
                    topic: r.topic_id.as_ref().map(|t| t.0.clone()),
                    received_at: r.received_at.with_timezone(&tsur_core::time::ZONE).to_rfc3339(),
                    score: f.score,
                    reasons: f.reasons,
                }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn author_keys_ignore_formatting() {
        let k = |n: &str, p: Option<&str>, e: Option<&str>| author_key(&(n.into(), p.map(Into::into), e.map(Into::into)));
        assert_eq!(k("Иванов И.", Some("+7 (999) 123-45-67"), None), k("Петров", Some("89991234567"), None), "the phone decides");
        assert_eq!(k("Анна", None, Some(" Anna@Mail.ru")), k("Анна", None, Some("anna@mail.ru")));
        assert_eq!(k("Иванов Иван Иванович", None, None), None, "a name alone is no identity");
        assert_eq!(k("Анна", Some("12-34"), None), None, "nor a short number");
    }
}
