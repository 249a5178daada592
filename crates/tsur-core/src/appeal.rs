//! The appeal itself: the facts fixed at registration. What happens later is in events.

use crate::{AppealId, Channel, MunicipalityId, RegimeId, SettlementId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A WGS-84 point (longitude, latitude in degrees).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GeoPoint {
    /// Longitude, degrees east.
    pub lon: f64,
    /// Latitude, degrees north.
    pub lat: f64,
}

/// An appeal (обращение или сообщение) as registered. Immutable: reclassification,
/// assignment and answers are events, so this record never changes after it is written.
///
/// The author's name and contacts are deliberately not here: they are personal data and
/// live in [`Author`], which reads may withhold by [`crate::Scope`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Appeal {
    /// UUID v7 made where the appeal was first recorded.
    pub id: AppealId,
    /// The channel it came through.
    pub channel: Channel,
    /// The channel's own identifier; unique per channel.
    pub external_id: String,
    /// When the citizen sent it (UTC; shown in Europe/Astrakhan).
    pub received_at: DateTime<Utc>,
    /// The legal regime that governs its deadlines.
    pub regime: RegimeId,
    /// The appeal's text as received.
    pub text: String,
    /// The address as written by the citizen or the channel.
    pub address_text: String,
    /// The located point, when known.
    pub point: Option<GeoPoint>,
    /// The municipality it concerns.
    pub municipality: MunicipalityId,
    /// The settlement it concerns, when known.
    pub settlement: Option<SettlementId>,
    /// The node (laptop or central server) that recorded it.
    pub node: String,
}

/// The author of an appeal: personal data under 152-ФЗ, stored apart from the appeal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Author {
    /// The appeal this author wrote.
    pub appeal_id: AppealId,
    /// Full name as given.
    pub full_name: String,
    /// Phone, if given.
    pub phone: Option<String>,
    /// E-mail, if given.
    pub email: Option<String>,
}
