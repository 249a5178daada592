//! Search of appeals by the words of their text and address (migration 0011): an FTS5 index
//! over the appeals table, caught up on demand.

use crate::queries::{brief_query, push_scope};
use crate::{AppealBrief, SqliteStore, StoreError};
use sqlx::{QueryBuilder, Sqlite};
use tsur_core::Scope;

/// Appeals indexed per transaction while catching up (a first search over a million
/// appeals commits every so often instead of holding one huge transaction).
const INDEX_CHUNK: i64 = 100_000;

impl SqliteStore {
    /// Brings the text index up to the newest appeal; returns how many appeals it added.
    pub async fn index_texts(&self) -> Result<u64, StoreError> {
        let mut added = 0u64;
        loop {
            let mut tx = self.pool.begin().await?;
            let upto: i64 = sqlx::query_scalar("SELECT upto FROM appeal_search_mark WHERE id = 1").fetch_one(&mut *tx).await?;
            let last: Option<i64> = sqlx::query_scalar("SELECT max(rowid) FROM (SELECT rowid FROM appeals WHERE rowid > ? ORDER BY rowid LIMIT ?)")
                .bind(upto)
                .bind(INDEX_CHUNK)
                .fetch_one(&mut *tx)
                .await?;
            let Some(last) = last else { return Ok(added) };
            let done = sqlx::query(
                "INSERT INTO appeal_search (rowid, text, address_text) SELECT rowid, text, address_text FROM appeals WHERE rowid > ? AND rowid <= ?",
            )
            .bind(upto)
            .bind(last)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            sqlx::query("UPDATE appeal_search_mark SET upto = ? WHERE id = 1").bind(last).execute(&mut *tx).await?;
            tx.commit().await?;
            added += done;
        }
    }

    /// Appeals the scope may see whose text or address holds a word starting with each of
    /// `prefixes` (all of them), newest first, at most `limit`, with how many match in all.
    /// Catches the index up first. No prefixes: nothing matches.
    pub async fn search_appeals(&self, prefixes: &[String], limit: i64, scope: &Scope) -> Result<(u64, Vec<AppealBrief>), StoreError> {
        let expression = match_expression(prefixes);
        if expression.is_empty() {
            return Ok((0, Vec::new()));
        }
        self.index_texts().await?;
        let matching = |q: &mut QueryBuilder<'_, Sqlite>| {
            q.push(" AND appeal_id IN (SELECT id FROM appeals WHERE rowid IN (SELECT rowid FROM appeal_search WHERE appeal_search MATCH ")
                .push_bind(expression.clone())
                .push("))");
        };
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new("SELECT count(*) FROM appeal_state");
        push_scope(&mut q, scope);
        matching(&mut q);
        let total: i64 = q.build_query_scalar().fetch_one(&self.pool).await?;
        let mut q = brief_query(scope);
        matching(&mut q);
        q.push(" ORDER BY received_at DESC, appeal_id LIMIT ").push_bind(limit);
        Ok((total as u64, self.briefs(q).await?))
    }
}

/// FTS5's query for "every one of these prefixes": each quoted (a quote inside doubled),
/// starred, separated by spaces (FTS5's AND). Empty prefixes are left out.
fn match_expression(prefixes: &[String]) -> String {
    prefixes.iter().filter(|p| !p.trim().is_empty()).map(|p| format!("\"{}\"*", p.trim().replace('"', "\"\""))).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_expression_quotes_and_stars_every_prefix() {
        let cases: &[(&[&str], &str)] =
            &[(&[], ""), (&["труб"], "\"труб\"*"), (&["нет", "вод"], "\"нет\"* \"вод\"*"), (&["a\"b", " "], "\"a\"\"b\"*"), (&["OR"], "\"OR\"*")];
        for (prefixes, want) in cases {
            let prefixes: Vec<String> = prefixes.iter().map(|s| s.to_string()).collect();
            assert_eq!(match_expression(&prefixes), *want, "{prefixes:?}");
        }
    }
}
