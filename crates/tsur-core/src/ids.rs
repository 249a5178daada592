//! Typed identifiers, so that a topic id can never be passed where a municipality id is due.

use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

macro_rules! slug_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }
    };
}

uuid_id!(
    /// An appeal's identity: a UUID v7 made wherever the appeal was first recorded.
    AppealId
);
uuid_id!(
    /// An event's identity: a UUID v7; events merge as a set keyed by it.
    EventId
);
uuid_id!(
    /// A regional problem (a cluster of appeals with one cause).
    ProblemId
);
slug_id!(
    /// A municipality (ОМСУ territory), e.g. `kamyzyaksky`.
    MunicipalityId
);
slug_id!(
    /// A settlement (поселение or a city district) inside a municipality.
    SettlementId
);
slug_id!(
    /// A sector block (отраслевой блок), e.g. `roads`.
    BlockId
);
slug_id!(
    /// A topic of the rubricator, e.g. `road_potholes`.
    TopicId
);
slug_id!(
    /// A responsible agency: a regional executive body (ИОГВ) or a municipal administration.
    AgencyId
);
slug_id!(
    /// A legal regime of processing (59-ФЗ, ПОС, ИМ, …).
    RegimeId
);
