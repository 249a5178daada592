//! Analytics of the situation room.
//!
//! Everything here works on plain values in memory: a columnar [`snapshot::Snapshot`] of the
//! projection (one row per appeal, a few bytes per column), built by the caller from the
//! store and kept up to date as events arrive. The screens' numbers are single passes over
//! those columns. No IO, no clock: instants and reference data are passed in.
#![deny(missing_docs)]

pub mod alerts;
pub mod hotspots;
