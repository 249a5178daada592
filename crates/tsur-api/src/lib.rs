//! The one API of `tsur`: every capability as an async method on [`Api`], called alike by
//! the `tsur` command line and by the Tauri commands of `tsur-app`.
//!
//! Types that cross the boundary to the UI or to JSON output live in [`dto`]; they derive
//! `Serialize` and `specta::Type`, so the TypeScript bindings are generated from them and
//! the CLI's `--json` output has the same, documented shape. Errors cross as
//! [`ApiError`]`{ code, message }` with a closed set of codes.
#![deny(missing_docs)]

pub mod analytics;
pub mod case;
mod central;
pub mod charts;
pub mod classify;
pub mod deadlines;
pub mod demo;
pub mod dto;
mod error;
pub mod import;
mod memory;
mod paths;
pub mod problems;
pub mod radar;
mod reference;
pub mod room;
pub mod search;
mod stats;
pub mod sync;

pub use analytics::{AlertEval, AlertItem, EffectReport, KpiReport, ScreenReport, SliceQuery};
pub use case::{AnswerEntry, AppealBriefDto, CaseAuthor, CaseDeadline, CaseView, CoverDto, ProblemAppeals, TimelineEntry};
pub use central::central_migrate;
pub use charts::{ChartFrame, ChartSeries, ChartTheme, Charts};
pub use classify::{PredictRow, ReviewItem, TrainSummary, REVIEW_THRESHOLD};
pub use deadlines::{DeadlineQuery, FastTrackDto, OverdueItem, OverdueReport, SkippedDayDto, StageDeadlineDto};
pub use demo::DemoParams;
pub use dto::*;
pub use error::{ApiError, ErrorCode};
pub use import::{ImportRequest, ImportSummary, QuarantineItem};
pub use memory::{give_back_while_idle, resident_and_peak_mib, PURGE_EVERY};
pub use paths::{db_path, DB_ENV};
pub use problems::{LinkReport, LinkSummary, ProblemItem};
pub use radar::RadarItem;
pub use reference::bundled as bundled_reference;
pub use room::{AlertRow, AreaMetric, FeedItem, KpiTile, ProblemRow, RatingRow, RoomFilter, RoomScreen};
pub use search::SearchResult;
pub use sync::{LoginReport, SyncReport, SyncStatus, SyncStep};
pub use tsur_analytics as analytics_types;
pub use tsur_analytics::RatingOf;
pub use tsur_core::problems::LinkParams;
pub use tsur_core::Scope;
/// SQLite allocates through the binary's allocator: see [`tsur_store_sqlite::use_global_allocator`].
pub use tsur_store_sqlite::use_global_allocator as sqlite_use_global_allocator;

use std::path::Path;
use std::sync::Arc;
use tsur_core::reference::ReferenceData;
use tsur_store_sqlite::SqliteStore;

/// Rows per page of the passes over every appeal (the analytics' snapshot, the lateness
/// model). sqlx holds a page's values as SQLite's copies, a few KiB per row, allocated by the
/// connection's thread with the system allocator; pages of 50,000 rows held some 150 MiB
/// each, and glibc kept that much per connection thread resident after the pass.
pub(crate) const PAGE_ROWS: i64 = 5_000;

/// An open node: its store and its reference books.
#[derive(Clone)]
pub struct Api {
    store: SqliteStore,
    reference: Arc<ReferenceData>,
    lexicon: Arc<tsur_classify::Lexicon>,
    analytics: analytics::Shared,
    risk: Arc<deadlines::RiskCache>,
}

impl Api {
    /// Opens (creating if needed) the store at `path`. A new store gets the bundled reference
    /// books; an existing one keeps the books its operator loaded.
    pub async fn open(path: &Path) -> Result<Api, ApiError> {
        let store = SqliteStore::open(path).await?;
        // The stored books over the bundled ones: a store made by an older version lacks the
        // newer files, which then come from the bundle and are written back.
        let stored = store.reference_texts().await?;
        let mut texts = reference::bundled();
        let complete = stored.len() == texts.files().len();
        for (name, text) in stored {
            if !texts.set(&name, text) {
                return Err(ApiError::new(ErrorCode::StoreUnavailable, format!("справочники в базе повреждены: неизвестный файл {name}")));
            }
        }
        let reference = ReferenceData::parse(texts).map_err(|e| ApiError::new(ErrorCode::StoreUnavailable, format!("справочники в базе повреждены: {e}")))?;
        let lexicon =
            classify::lexicon(&reference).map_err(|e| ApiError::new(ErrorCode::StoreUnavailable, format!("справочники в базе повреждены: {}", e.message)))?;
        if !complete {
            store.replace_reference(&reference, chrono::Utc::now()).await?;
        }
        Ok(Api { store, reference: Arc::new(reference), lexicon: Arc::new(lexicon), analytics: analytics::Shared::default(), risk: Arc::default() })
    }

    /// The reference books in force.
    pub fn reference(&self) -> &ReferenceData {
        &self.reference
    }

    /// The underlying store (for tests and maintenance commands).
    pub fn store(&self) -> &SqliteStore {
        &self.store
    }
}
