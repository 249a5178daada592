//! Ratings of the regional agencies (ИОГВ) and of the municipalities (their administrations,
//! ОМСУ) by the decree's criteria: speed of response, completeness and quality of the
//! resolution, with the number of appeals alongside.
//!
//! Each component is a score in [0, 1], higher is better: a share (answers on time, resolved,
//! confirmed, not reopened, not rejected, scores of 4–5) or, for speed, `min(1, norm /
//! median office hours to the first reply)`. The composite is the weighted mean of the
//! components that have data, weights from `analytics/weights.csv`. Its 95 % interval
//! combines the components' intervals by the delta method as if they were independent
//! (`var = Σ (wᵢ/W)² varᵢ`, `varᵢ` from the interval's half-width / 1.96): an honest
//! width for "are these two really different", not an exact coverage. An entity with fewer
//! appeals than `min_sample` is listed as "not enough data" and not ranked — a council with
//! one fixed report never heads the table.

use crate::kpi::{Acc, Hours, Kpis};
use crate::snapshot::Dims;
use crate::stats::{Share, Z95};
use crate::weights::{RatingComponent, Weights};
use serde::Serialize;

/// Whom a rating ranks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RatingOf {
    /// Regional executive bodies (ИОГВ).
    Agencies,
    /// Municipalities, by the appeals their administrations (ОМСУ) handle.
    Municipalities,
}

/// One component of one entity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComponentScore {
    /// Which component.
    pub component: RatingComponent,
    /// Russian name.
    pub name_ru: String,
    /// Its weight in the file.
    pub weight: f64,
    /// The measured value: a share, office hours for speed, appeals per 1,000 for volume.
    pub value: Option<f64>,
    /// Appeals (or answers) it is computed over.
    pub n: u64,
    /// Score in [0, 1] (`None` without data, or for volume).
    pub score: Option<f64>,
    /// 95 % interval of the score.
    pub lo: Option<f64>,
    /// 95 % interval of the score.
    pub hi: Option<f64>,
    /// The median of this score over the ranked entities.
    pub regional_median: Option<f64>,
    /// What this component adds to the composite against an entity at the median:
    /// `wᵢ/W · (score − median)`.
    pub contribution: Option<f64>,
}

/// One rated entity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RatedEntity {
    /// Agency or municipality id.
    pub id: String,
    /// Russian name.
    pub name_ru: String,
    /// Place, 1 = best; `None` when not ranked.
    pub rank: Option<u32>,
    /// Appeals in the slice.
    pub appeals: u64,
    /// Whether there are enough appeals to rank it.
    pub enough_data: bool,
    /// Composite score in [0, 1].
    pub score: Option<f64>,
    /// 95 % interval of the composite.
    pub lo: Option<f64>,
    /// 95 % interval of the composite.
    pub hi: Option<f64>,
    /// The breakdown: "explain my rank".
    pub components: Vec<ComponentScore>,
}

/// A rating.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rating {
    /// Whom it ranks.
    pub of: RatingOf,
    /// Appeals an entity needs to be ranked.
    pub min_sample: u64,
    /// Ranked entities first (best first), then the others by name.
    pub entities: Vec<RatedEntity>,
}

/// One group's score components before the regional medians are known.
fn components(kpis: &Kpis, weights: &Weights, volume: Option<f64>) -> Vec<ComponentScore> {
    let share = |s: Share| (s.value, s.n, s.value, s.lo, s.hi);
    RatingComponent::ALL
        .into_iter()
        .map(|c| {
            let w = weights.rating(c);
            let (value, n, score, lo, hi) = match c {
                RatingComponent::OnTime => share(kpis.on_time),
                RatingComponent::Speed => speed(&kpis.first_reply, w.param.unwrap_or(8.0)),
                RatingComponent::Resolved => share(kpis.resolved),
                RatingComponent::Confirmed => share(kpis.confirmed),
                RatingComponent::NotReopened => share(kpis.reopened.complement()),
                RatingComponent::NotRejected => share(kpis.rejected.complement()),
                RatingComponent::Satisfaction => share(kpis.satisfaction_good),
                RatingComponent::Volume => (volume, kpis.appeals, None, None, None),
            };
            ComponentScore { component: c, name_ru: w.name_ru.clone(), weight: w.weight, value, n, score, lo, hi, regional_median: None, contribution: None }
        })
        .collect()
}

/// Speed: `min(1, norm / median)`; the median's interval maps through the same decreasing
/// function (its upper end gives the score's lower end).
fn speed(h: &Hours, norm: f64) -> (Option<f64>, u64, Option<f64>, Option<f64>, Option<f64>) {
    let f = |hours: f64| if hours <= norm { 1.0 } else { norm / hours };
    (h.median, h.n, h.median.map(f), h.hi.map(f), h.lo.map(f))
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 })
}

/// Ranks entities from their groups' sums.
pub fn rate(of: RatingOf, groups: Vec<Group>, weights: &Weights) -> Rating {
    let mut entities: Vec<RatedEntity> = groups
        .into_iter()
        .map(|Group { id, name_ru, mut acc, per_1000 }| {
            let kpis = Kpis::of(&mut acc, 0);
            let components = components(&kpis, weights, per_1000);
            let enough_data = kpis.appeals >= weights.min_sample.max(1);
            let (score, lo, hi) = composite(&components);
            RatedEntity { id, name_ru, rank: None, appeals: kpis.appeals, enough_data, score, lo, hi, components }
        })
        .collect();
    // Regional medians over the ranked entities, then each one's contributions.
    let total_weight = |e: &RatedEntity| e.components.iter().filter(|c| c.score.is_some()).map(|c| c.weight).sum::<f64>();
    for k in 0..RatingComponent::ALL.len() {
        let m = median(entities.iter().filter(|e| e.enough_data && e.score.is_some()).filter_map(|e| e.components[k].score).collect());
        for e in &mut entities {
            let w = total_weight(e);
            let c = &mut e.components[k];
            c.regional_median = m;
            c.contribution = match (c.score, m) {
                (Some(s), Some(m)) if w > 0.0 => Some(c.weight / w * (s - m)),
                _ => None,
            };
        }
    }
    entities.sort_by(|a, b| {
        let key = |e: &RatedEntity| (e.enough_data && e.score.is_some(), e.score.unwrap_or(f64::NEG_INFINITY));
        let (ra, sa) = key(a);
        let (rb, sb) = key(b);
        rb.cmp(&ra).then(sb.total_cmp(&sa)).then_with(|| a.name_ru.cmp(&b.name_ru))
    });
    let mut place = 0;
    for e in &mut entities {
        if e.enough_data && e.score.is_some() {
            place += 1;
            e.rank = Some(place);
        }
    }
    Rating { of, min_sample: weights.min_sample, entities }
}

/// The weighted mean of the components with data and its delta-method interval.
fn composite(components: &[ComponentScore]) -> (Option<f64>, Option<f64>, Option<f64>) {
    let used: Vec<&ComponentScore> = components.iter().filter(|c| c.weight > 0.0 && c.score.is_some()).collect();
    let w: f64 = used.iter().map(|c| c.weight).sum();
    if w <= 0.0 {
        return (None, None, None);
    }
    let score: f64 = used.iter().map(|c| c.weight * c.score.unwrap_or(0.0)).sum::<f64>() / w;
    let var: f64 = used
        .iter()
        .map(|c| {
            let sd = match (c.lo, c.hi) {
                (Some(lo), Some(hi)) => (hi - lo) / (2.0 * Z95),
                // No interval (too few values for a median's): the widest a score can be.
                _ => 0.5,
            };
            (c.weight / w).powi(2) * sd * sd
        })
        .sum();
    let half = Z95 * var.sqrt();
    (Some(score), Some((score - half).max(0.0)), Some((score + half).min(1.0)))
}

/// One entity's sums before rating.
#[derive(Debug, Clone, Default)]
pub struct Group {
    /// Agency or municipality id.
    pub id: String,
    /// Russian name.
    pub name_ru: String,
    /// The sums of the appeals it is rated on.
    pub acc: Acc,
    /// Appeals per 1,000 residents of its territory (municipalities only).
    pub per_1000: Option<f64>,
}

/// The groups of a rating from per-agency sums and per-municipality counts (indexed by
/// code): agencies are the ИОГВ; a municipality is rated on the appeals its administration
/// (ОМСУ) handles, and its volume counts every appeal from its territory, whoever answers.
pub fn groups(of: RatingOf, dims: &Dims, by_agency: &[Acc], by_municipality: &[u64]) -> Vec<Group> {
    match of {
        RatingOf::Agencies => dims
            .agencies
            .iter()
            .enumerate()
            .filter(|(a, _)| dims.agency_municipality[*a] == crate::snapshot::NONE8)
            .map(|(a, id)| Group { id: id.clone(), name_ru: dims.agency_names[a].clone(), acc: by_agency.get(a).cloned().unwrap_or_default(), per_1000: None })
            .collect(),
        RatingOf::Municipalities => dims
            .municipalities
            .iter()
            .enumerate()
            .map(|(m, id)| {
                let mut acc = Acc::default();
                for (a, &am) in dims.agency_municipality.iter().enumerate() {
                    if am as usize == m {
                        if let Some(x) = by_agency.get(a) {
                            acc.merge(x);
                        }
                    }
                }
                let population = dims.population[m];
                let count = by_municipality.get(m).copied().unwrap_or(0);
                let per_1000 = (population > 0).then(|| count as f64 * 1000.0 / f64::from(population));
                Group { id: id.clone(), name_ru: dims.municipality_names[m].clone(), acc, per_1000 }
            })
            .collect(),
    }
}
