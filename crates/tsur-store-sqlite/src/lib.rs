//! The embedded store of one node: SQLite through sqlx.
//!
//! What it keeps: the reference books (verbatim texts and parsed tables), appeals (facts
//! fixed at registration), their authors apart (personal data), the append-only event log,
//! and `appeal_state`, the projection of each appeal's current state. The projection is
//! the fold of the appeal's events by [`tsur_core::AppealState`] and is written in the same
//! transaction as the events, so the two never disagree.
//!
//! Opening is careful: a locked, corrupt, foreign or newer-schema file is reported as a
//! [`StoreError`] with a clear message, never a panic and never a silent reset.
//!
//! Bulk writes go through SQLite's prepared statements on the same connection (`raw.rs`).
//!
//! Only this crate speaks SQLite; the central PostgreSQL store will be a crate of its own.
#![deny(missing_docs)]

mod analytics;
mod deadlines;
mod error;
mod intake;
mod memory;
mod open;
mod queries;
mod raw;
mod risk;
mod search;
mod sync;
mod write;

pub use analytics::SnapshotRow;
pub use deadlines::DeadlineRow;
pub use error::StoreError;
pub use intake::{ImportCounts, QuarantineEntry, QuarantineRow};
pub use memory::use_global_allocator;
pub use open::{SqliteStore, APPLICATION_ID};
pub use queries::{AppealBrief, CountRow, GroupBy, LatestBy, LinkRow, ProblemRow, RadarRow, ReviewRow, StatsFilter};
pub use risk::{rules_stamp, KeptRiskModel, RiskModelKey};
pub use sync::{prepare, Applied, Outbox, Prepared, PullWriter, PulledAppeal, Rejection};
pub use write::{BulkWriter, DemoIncidentRecord, NewAppeal};
