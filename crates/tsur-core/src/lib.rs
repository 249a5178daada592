//! The domain core of `tsur`, the situation-room software of the Astrakhan ЦУР.
//!
//! Everything the centre knows about a citizen's appeal (обращение) is an append-only list
//! of immutable [`Event`]s; the appeal's current state is a pure fold of those events
//! through a state machine ([`state::AppealState::apply`]) that refuses impossible
//! transitions. Reference books (municipalities, sector blocks, topics, agencies, legal
//! regimes, settlements) are plain data parsed from text ([`reference`]), so the operator
//! can edit them without recompiling. Every read of appeals is made under a [`Scope`].
//!
//! This crate does no IO, spawns no tasks and never reads the clock: callers pass
//! instants in. That keeps it deterministic, testable with tables of cases, and usable
//! from every edge (the SQLite store, later the central PostgreSQL store, the CLI, the
//! Tauri shell, the demo generator).
#![deny(missing_docs)]

pub mod appeal;
pub mod calendar;
pub mod channel;
pub mod conflict;
pub mod deadline;
pub mod event;
pub mod fast_track;
pub mod geo_ref;
pub mod ids;
pub mod problems;
pub mod reference;
pub mod risk;
pub mod rules;
pub mod scope;
pub mod state;
pub mod time;

pub use appeal::{Appeal, Author, GeoPoint};
pub use channel::Channel;
pub use event::{Event, EventKind};
pub use ids::{AgencyId, AppealId, BlockId, EventId, MunicipalityId, ProblemId, RegimeId, SettlementId, TopicId};
pub use scope::{Role, Scope};
pub use state::{AppealState, Merged, Status, TransitionError};
