//! Analytics of the situation room.
//!
//! Everything here works on plain values in memory: a columnar [`snapshot::Snapshot`] of the
//! projection (one row per appeal, a few bytes per column), built by the caller from the
//! store and kept up to date as events arrive. The screens' numbers are single passes over
//! those columns. No IO, no clock: instants and reference data are passed in.
#![deny(missing_docs)]

pub mod alerts;
pub mod effect;
pub mod hotspots;
pub mod kpi;
pub mod period;
pub mod priority;
pub mod rating;
pub mod screen;
pub mod snapshot;
pub mod stats;
pub mod weights;

pub use effect::Cell;
pub use kpi::{Acc, Filter, Hours, Kpis};
pub use period::Period;
pub use rating::{Rating, RatingOf};
pub use screen::{screen, Screen};
pub use snapshot::{Dims, Row, Snapshot};
pub use stats::Share;
pub use weights::{PriorityComponent, RatingComponent, Weights};

/// Why an analysis cannot be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AnalyticsError {
    /// A row names an id the reference books do not know.
    #[error("нет в справочниках: {what} «{id}»")]
    Unknown {
        /// What kind of id.
        what: &'static str,
        /// The id.
        id: String,
    },
    /// More entries of a kind than the snapshot's codes hold.
    #[error("слишком много {what}: {count}, не больше {limit}")]
    TooMany {
        /// What kind.
        what: &'static str,
        /// How many.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// The weights file is wrong.
    #[error("справочник analytics/weights.csv: строка {line}: {message}")]
    Weights {
        /// 1-based line (0 when about the whole file).
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// A period cannot be read.
    #[error("период «{0}» не распознан: ожидается ГГГГ, ГГГГ-ММ, ГГГГ-QN, ГГГГ-ММ-ДД или ГГГГ-ММ-ДД..ГГГГ-ММ-ДД")]
    Period(String),
    /// The roadmaps file is wrong.
    #[error("справочник {file}: строка {line}: {message}")]
    Roadmaps {
        /// File name.
        file: &'static str,
        /// 1-based line.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// An effect cannot be estimated.
    #[error("{0}")]
    Effect(String),
}
