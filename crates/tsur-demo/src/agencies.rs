//! Agencies of different speed and quality: the differences the ratings must later find.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;
use tsur_core::reference::{Agency, AgencyKind, Level, ReferenceData, Topic};
use tsur_core::MunicipalityId;

/// How one agency works.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// Multiplier of answer delays (below 1 is faster than typical).
    pub slowness: f64,
    /// Probability that an answer is a formal reply that moderation rejects.
    pub formal_reply: f64,
    /// Probability that an answered problem is really solved.
    pub solves: f64,
}

/// Profiles of all agencies and who answers what.
pub struct Profiles {
    profiles: HashMap<String, Profile>,
    omsu: HashMap<MunicipalityId, Agency>,
    iogv: HashMap<String, Agency>,
}

impl Profiles {
    pub fn new(reference: &ReferenceData, seed: u64) -> Profiles {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xA6E1_C1E5);
        let mut profiles = HashMap::new();
        let mut omsu = HashMap::new();
        let mut iogv = HashMap::new();
        for a in &reference.agencies {
            // A few are notably slow or formal; most are ordinary.
            let slowness = if rng.random_bool(0.2) { rng.random_range(1.4..2.2) } else { rng.random_range(0.6..1.2) };
            let formal_reply = if rng.random_bool(0.25) { rng.random_range(0.15..0.3) } else { rng.random_range(0.02..0.08) };
            let solves = rng.random_range(0.45..0.9);
            profiles.insert(a.id.0.clone(), Profile { slowness, formal_reply, solves });
            match (a.kind, &a.municipality_id, &a.block_id) {
                (AgencyKind::Omsu, Some(m), _) => {
                    omsu.entry(m.clone()).or_insert_with(|| a.clone());
                }
                (AgencyKind::Iogv, _, Some(b)) => {
                    iogv.entry(b.0.clone()).or_insert_with(|| a.clone());
                }
                _ => {}
            }
        }
        Profiles { profiles, omsu, iogv }
    }

    /// The agency that answers a topic in a municipality.
    pub fn responsible(&self, topic: &Topic, municipality: &MunicipalityId) -> &Agency {
        let regional = || self.iogv.get(topic.block_id.as_str()).expect("reference integrity: every block has an ИОГВ");
        match topic.level {
            Level::Municipal => self.omsu.get(municipality).unwrap_or_else(regional),
            Level::Regional => regional(),
        }
    }

    /// Another competent body to redirect to: the regional one for a municipal topic and
    /// the other way round.
    pub fn redirect_target(&self, topic: &Topic, municipality: &MunicipalityId, from: &Agency) -> Option<&Agency> {
        let regional = self.iogv.get(topic.block_id.as_str());
        let local = self.omsu.get(municipality);
        [regional, local].into_iter().flatten().find(|a| a.id != from.id)
    }

    /// An agency by id.
    pub fn agency(&self, id: &tsur_core::AgencyId) -> Option<&Agency> {
        self.omsu.values().chain(self.iogv.values()).find(|a| &a.id == id)
    }

    /// How an agency works.
    pub fn profile(&self, agency: &Agency) -> &Profile {
        self.profiles.get(agency.id.as_str()).expect("every agency has a profile")
    }
}
