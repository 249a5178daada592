//! The channels through which appeals reach the centre.

use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// Where an appeal came from; each channel has its own legal regime by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// The federal feedback platform (ПОС, «Решаем вместе» on Госуслуги).
    Pos,
    /// Инцидент Менеджмент: public social-media posts and comments found by monitoring.
    Im,
    /// A formal written appeal under Federal Law 59-ФЗ.
    Fz59,
    /// Regional or municipal systems: hotlines, portals, reception desks.
    Regional,
    /// Anything else.
    Other,
}

impl Channel {
    /// All channels, in display order.
    pub const ALL: [Channel; 5] = [Channel::Pos, Channel::Im, Channel::Fz59, Channel::Regional, Channel::Other];

    /// The stable code used in storage, JSON and files.
    pub fn code(self) -> &'static str {
        match self {
            Channel::Pos => "pos",
            Channel::Im => "im",
            Channel::Fz59 => "fz59",
            Channel::Regional => "regional",
            Channel::Other => "other",
        }
    }

    /// The Russian name shown to users.
    pub fn label_ru(self) -> &'static str {
        match self {
            Channel::Pos => "ПОС",
            Channel::Im => "Инцидент Менеджмент",
            Channel::Fz59 => "Письменные (59-ФЗ)",
            Channel::Regional => "Региональные системы",
            Channel::Other => "Прочие",
        }
    }
}

/// A channel code that is not one of [`Channel::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("неизвестный канал «{0}» (ожидается pos, im, fz59, regional или other)")]
pub struct UnknownChannel(pub String);

impl FromStr for Channel {
    type Err = UnknownChannel;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Channel::ALL.into_iter().find(|c| c.code() == s).ok_or_else(|| UnknownChannel(s.to_owned()))
    }
}
