//! Hotspots: hexagonal bins and Getis-Ord Gi* against population.
//!
//! The heat layer of the map must show where there are *more appeals than expected given
//! the population*, not where many people live. The pipeline is:
//!
//! 1. [`bin_points`]: appeals' points into H3 cells (observed counts `O`);
//! 2. [`population_cells`]: settlements' census population into the same cells, each
//!    settlement spread evenly over a disk of about 3 km ([`spread_k`]), because appeals
//!    are scattered within a few km of their settlement;
//! 3. [`gi_star`]: expected counts `E = total O × population share`, the excess
//!    `x = O − E`, and the local Getis-Ord Gi* z-score of `x` over the k-ring of every
//!    cell ([`gi_star_values`] is the statistic itself, over any adjacency list);
//! 4. [`to_geojson`]: hexagons with their figures, ready for MapLibre.
//!
//! Why the excess and not the rate `O / population`: a rate explodes in cells with a
//! handful of residents (or none, where appeals still fall), and a local *sum* of excess
//! is directly "how many more appeals than expected in this neighbourhood", which is what a
//! dispatcher acts on. Gi* centres and scales `x` itself, so the result does not depend on
//! the level of `x`, only on how its local sums stand out.
//!
//! Multiple testing: a map has thousands of cells, so about one in ten would be classed
//! "90 %" by chance alone. [`gi_star`] therefore applies the Benjamini–Hochberg false
//! discovery rate to each confidence level (as ArcGIS's "FDR correction" does);
//! [`gi_star_with`] with [`Correction::None`] gives the classic uncorrected classes.
//! The method and the figures are in `docs/hotspots-alerts.md`.

use std::collections::{HashMap, HashSet};

use h3o::{CellIndex, LatLng, Resolution};
use serde::Serialize;
use serde_json::{json, Value};

/// Bins `(lon, lat)` points (degrees, WGS 84) into H3 cells at `res`; non-finite or
/// out-of-range points are skipped.
pub fn bin_points(points: impl IntoIterator<Item = (f64, f64)>, res: Resolution) -> HashMap<CellIndex, u32> {
    let mut counts = HashMap::new();
    for (lon, lat) in points {
        if let Some(cell) = cell_of(lon, lat, res) {
            *counts.entry(cell).or_insert(0) += 1;
        }
    }
    counts
}

fn cell_of(lon: f64, lat: f64, res: Resolution) -> Option<CellIndex> {
    if !lon.is_finite() || !lat.is_finite() {
        return None;
    }
    LatLng::new(lat, lon).ok().map(|ll| ll.to_cell(res))
}

/// Radius of the population spread around a settlement's point, in km: appeals are placed
/// within a few km of their settlement (a town's streets, a village's outskirts).
pub const POPULATION_SPREAD_KM: f64 = 3.0;

/// The k of the disk over which [`population_cells`] spreads a settlement at `res`: the
/// number of rings whose centres reach about [`POPULATION_SPREAD_KM`]. Neighbouring H3
/// centres are `√3 × edge` apart, so `k = round(3 km / (√3 × edge))`, at most 30.
/// Resolution 7 (edge 1.4 km) gives k = 1 (7 cells, ≈ 2.4 km to the ring's centres);
/// resolution 8 (edge 0.53 km) gives k = 3; resolution 6 and coarser give 0.
pub fn spread_k(res: Resolution) -> u32 {
    let spacing = 3f64.sqrt() * res.edge_length_km();
    ((POPULATION_SPREAD_KM / spacing).round() as u32).min(30)
}

/// Population per H3 cell from `(lon, lat, population)` of settlements: each settlement's
/// population is spread evenly over the disk of [`spread_k`] rings around its cell.
/// Places with a non-finite point or a non-positive population are skipped.
pub fn population_cells(places: &[(f64, f64, f64)], res: Resolution) -> HashMap<CellIndex, f64> {
    let k = spread_k(res);
    let mut population = HashMap::new();
    for &(lon, lat, people) in places {
        if !(people.is_finite() && people > 0.0) {
            continue;
        }
        let Some(cell) = cell_of(lon, lat, res) else { continue };
        let disk: Vec<CellIndex> = cell.grid_disk(k);
        let share = people / disk.len() as f64;
        for c in disk {
            *population.entry(c).or_insert(0.0) += share;
        }
    }
    population
}

/// Class of a cell by the sign and significance of its Gi* z-score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HotClass {
    /// More appeals than expected, 99 % confidence (|z| ≥ 2.576).
    Hot99,
    /// More appeals than expected, 95 % confidence (|z| ≥ 1.960).
    Hot95,
    /// More appeals than expected, 90 % confidence (|z| ≥ 1.645).
    Hot90,
    /// Not significant.
    NotSignificant,
    /// Fewer appeals than expected, 90 % confidence.
    Cold90,
    /// Fewer appeals than expected, 95 % confidence.
    Cold95,
    /// Fewer appeals than expected, 99 % confidence.
    Cold99,
}

impl HotClass {
    /// The Russian label for the legend and the popup.
    pub fn label_ru(self) -> &'static str {
        match self {
            HotClass::Hot99 => "Горячая точка (99 %)",
            HotClass::Hot95 => "Горячая точка (95 %)",
            HotClass::Hot90 => "Горячая точка (90 %)",
            HotClass::NotSignificant => "Не значимо",
            HotClass::Cold90 => "Холодная точка (90 %)",
            HotClass::Cold95 => "Холодная точка (95 %)",
            HotClass::Cold99 => "Холодная точка (99 %)",
        }
    }

    /// The snake_case code, as serialised.
    pub fn code(self) -> &'static str {
        match self {
            HotClass::Hot99 => "hot99",
            HotClass::Hot95 => "hot95",
            HotClass::Hot90 => "hot90",
            HotClass::NotSignificant => "not_significant",
            HotClass::Cold90 => "cold90",
            HotClass::Cold95 => "cold95",
            HotClass::Cold99 => "cold99",
        }
    }
}

/// The figures of one hexagon.
#[derive(Debug, Clone, PartialEq)]
pub struct HexStat {
    /// The H3 cell.
    pub cell: CellIndex,
    /// Appeals in the cell.
    pub observed: u32,
    /// Appeals expected from the cell's share of the population.
    pub expected: f64,
    /// The Gi* z-score of the excess `observed − expected` around the cell.
    pub z: f64,
    /// Two-sided p-value of `z` under the standard normal.
    pub p: f64,
    /// The class, after the multiple-testing correction in force.
    pub class: HotClass,
}

/// Multiple-testing correction of the classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Correction {
    /// Classes straight from |z| (1.645 / 1.960 / 2.576).
    None,
    /// Benjamini–Hochberg: at each confidence level `1 − q`, a cell is significant only if
    /// its p-value is within the BH cut-off of all study cells at rate `q`.
    BenjaminiHochberg,
}

/// The variable whose local sums Gi* tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variable {
    /// The excess `O − E`: extra appeals, dominated by populous cells.
    Excess,
    /// The Pearson residual `(O − E) / √max(E, 1)`: the excess in units of its Poisson
    /// noise, so a village with three times its share weighs like a town district with a
    /// few per cent more.
    PearsonResidual,
}

/// Parameters of [`gi_star_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GiParams {
    /// Rings of neighbours (binary weights over the k-ring, the cell itself included).
    pub k: u32,
    /// Multiple-testing correction.
    pub correction: Correction,
    /// The variable.
    pub variable: Variable,
}

impl Default for GiParams {
    /// k = 1 (a cell and its six neighbours), Benjamini–Hochberg.
    fn default() -> Self {
        GiParams { k: 1, correction: Correction::BenjaminiHochberg, variable: Variable::Excess }
    }
}

/// Gi* of the excess of appeals over population with binary weights over the k-ring and
/// the Benjamini–Hochberg correction; see [`gi_star_with`].
pub fn gi_star(observed: &HashMap<CellIndex, u32>, population: &HashMap<CellIndex, f64>, k: u32) -> Vec<HexStat> {
    gi_star_with(observed, population, &GiParams { k, ..GiParams::default() })
}

/// Gi* of `x = observed − expected` per cell, where `expected = total observed ×
/// population share`. The study cells are those with appeals or population plus their
/// k-rings (so the edge of the populated area has zero-excess neighbours); the result is
/// ordered by cell index. Cells with appeals but no population get `expected = 0`. When
/// the population is empty or zero, every cell's expected count is the mean count
/// (plain clustering of appeals).
pub fn gi_star_with(observed: &HashMap<CellIndex, u32>, population: &HashMap<CellIndex, f64>, params: &GiParams) -> Vec<HexStat> {
    let seeds: HashSet<CellIndex> = observed.keys().chain(population.keys()).copied().collect();
    let mut set = seeds.clone();
    for cell in &seeds {
        set.extend(cell.grid_disk::<Vec<_>>(params.k));
    }
    let mut cells: Vec<CellIndex> = set.into_iter().collect();
    cells.sort_unstable();
    let index: HashMap<CellIndex, usize> = cells.iter().enumerate().map(|(i, &c)| (c, i)).collect();

    let total: f64 = observed.values().map(|&o| f64::from(o)).sum();
    let people: f64 = population.values().filter(|p| p.is_finite() && **p > 0.0).sum();
    let expected: Vec<f64> = cells
        .iter()
        .map(|c| {
            if people > 0.0 {
                population.get(c).copied().filter(|p| p.is_finite() && *p > 0.0).map_or(0.0, |p| total * p / people)
            } else {
                total / cells.len() as f64
            }
        })
        .collect();
    let counts: Vec<u32> = cells.iter().map(|c| observed.get(c).copied().unwrap_or(0)).collect();
    let x: Vec<f64> = counts
        .iter()
        .zip(&expected)
        .map(|(&o, &e)| match params.variable {
            Variable::Excess => f64::from(o) - e,
            Variable::PearsonResidual => (f64::from(o) - e) / e.max(1.0).sqrt(),
        })
        .collect();
    let neighbours: Vec<Vec<usize>> =
        cells.iter().map(|c| c.grid_disk::<Vec<_>>(params.k).into_iter().filter_map(|n| index.get(&n).copied()).collect()).collect();
    let z = gi_star_values(&x, &neighbours);
    let p: Vec<f64> = z.iter().map(|&z| two_sided_p(z)).collect();
    let cut = Cutoffs::new(&p, params.correction);
    cells
        .iter()
        .enumerate()
        .map(|(i, &cell)| HexStat { cell, observed: counts[i], expected: expected[i], z: z[i], p: p[i], class: cut.class(z[i], p[i]) })
        .collect()
}

/// The three confidence levels: (two-sided rate q, |z| threshold).
const LEVELS: [(f64, f64); 3] = [(0.01, 2.576), (0.05, 1.960), (0.10, 1.645)];

/// p-value cut-offs per level (only used with Benjamini–Hochberg).
struct Cutoffs {
    p: Option<[f64; 3]>,
}

impl Cutoffs {
    fn new(p: &[f64], correction: Correction) -> Cutoffs {
        match correction {
            Correction::None => Cutoffs { p: None },
            Correction::BenjaminiHochberg => {
                let mut sorted: Vec<f64> = p.to_vec();
                sorted.sort_by(f64::total_cmp);
                let m = sorted.len() as f64;
                let cutoff = |q: f64| {
                    // The largest rank r with p_(r) ≤ r·q/m; every p ≤ p_(r) is a discovery.
                    sorted.iter().enumerate().rev().find(|(r, &pr)| pr <= (*r as f64 + 1.0) * q / m).map_or(-1.0, |(_, &pr)| pr)
                };
                Cutoffs { p: Some([cutoff(LEVELS[0].0), cutoff(LEVELS[1].0), cutoff(LEVELS[2].0)]) }
            }
        }
    }

    fn class(&self, z: f64, p: f64) -> HotClass {
        let level = (0..3).find(|&l| z.abs() >= LEVELS[l].1 && self.p.is_none_or(|cut| p <= cut[l]));
        match (level, z > 0.0) {
            (Some(0), true) => HotClass::Hot99,
            (Some(1), true) => HotClass::Hot95,
            (Some(_), true) => HotClass::Hot90,
            (Some(0), false) => HotClass::Cold99,
            (Some(1), false) => HotClass::Cold95,
            (Some(_), false) => HotClass::Cold90,
            (None, _) => HotClass::NotSignificant,
        }
    }
}

/// The Getis-Ord Gi* z-score of every location (Ord & Getis 1995, eq. 14) with binary
/// weights: `neighbours[i]` lists the locations adjacent to `i`; `i` itself is always
/// included (the "star"), whether listed or not, and duplicates are not expected.
///
/// With `n` locations, mean `x̄`, `S = sqrt(Σx²/n − x̄²)`, and `W_i` = the number of
/// locations in `i`'s neighbourhood (itself included):
///
/// ```text
/// Gi*_i = (Σ_{j∈N(i)} x_j − x̄·W_i) / (S · sqrt((n·W_i − W_i²) / (n − 1)))
/// ```
///
/// A uniform field (`S = 0`) or a neighbourhood that is the whole study area (zero
/// variance of the local sum) gives 0, never NaN; so do fewer than two locations.
pub fn gi_star_values(x: &[f64], neighbours: &[Vec<usize>]) -> Vec<f64> {
    let n = x.len();
    if n < 2 {
        return vec![0.0; n];
    }
    let nf = n as f64;
    let mean = x.iter().sum::<f64>() / nf;
    // Centred second moment: numerically safer than Σx²/n − x̄² and equal to it.
    let var = x.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / nf;
    let scale = 1e-12 * (mean.abs().max(x.iter().fold(0.0f64, |a, v| a.max(v.abs()))));
    let s = var.sqrt();
    (0..n)
        .map(|i| {
            let mut sum = x[i];
            let mut w = 1.0;
            for &j in neighbours.get(i).map_or(&[][..], Vec::as_slice) {
                if j != i && j < n {
                    sum += x[j];
                    w += 1.0;
                }
            }
            let spread = ((nf * w - w * w) / (nf - 1.0)).max(0.0).sqrt();
            if s <= scale || spread == 0.0 {
                return 0.0;
            }
            (sum - mean * w) / (s * spread)
        })
        .collect()
}

/// Two-sided p-value of a standard normal z: `erfc(|z| / √2)`.
pub fn two_sided_p(z: f64) -> f64 {
    if z.is_nan() {
        return 1.0;
    }
    erfc(z.abs() / std::f64::consts::SQRT_2)
}

/// The complementary error function for `x ≥ 0` (relative error about 1e-13): below 2.5
/// the everywhere-positive series `erf(x) = 2/√π · e^(−x²) · Σ 2ⁿ x^(2n+1) / (2n+1)!!`,
/// above it the continued fraction `erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + (2/2)/(x + …)))`.
pub(crate) fn erfc(x: f64) -> f64 {
    let x = x.abs();
    let inv_sqrt_pi = 1.0 / std::f64::consts::PI.sqrt();
    if x < 2.5 {
        let x2 = x * x;
        let mut term = x;
        let mut sum = x;
        let mut n = 0.0;
        while term > sum * 1e-17 {
            n += 1.0;
            term *= 2.0 * x2 / (2.0 * n + 1.0);
            sum += term;
        }
        1.0 - 2.0 * inv_sqrt_pi * (-x2).exp() * sum
    } else {
        let mut f = x;
        for n in (1..=80).rev() {
            f = x + (f64::from(n) / 2.0) / f;
        }
        (-x * x).exp() * inv_sqrt_pi / f
    }
}

fn round_to(v: f64, decimals: i32) -> f64 {
    let m = 10f64.powi(decimals);
    (v * m).round() / m
}

/// Rounds to four significant digits (p-values span many orders of magnitude).
fn round_significant(v: f64) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    format!("{v:.3e}").parse().unwrap_or(v)
}

/// A GeoJSON FeatureCollection of the hexagons for MapLibre: one Polygon per cell (its
/// boundary as a closed ring of `[lon, lat]` with 6 decimals) with the properties `cell`
/// (hex index), `observed`, `expected` (2 decimals), `z` (3 decimals), `p` (4 significant
/// digits), `class` (snake_case) and `class_ru`.
pub fn to_geojson(stats: &[HexStat]) -> Value {
    let features: Vec<Value> = stats
        .iter()
        .map(|s| {
            let mut ring: Vec<[f64; 2]> = s.cell.boundary().iter().map(|ll| [round_to(ll.lng(), 6), round_to(ll.lat(), 6)]).collect();
            if let Some(&first) = ring.first() {
                ring.push(first);
            }
            json!({
                "type": "Feature",
                "geometry": { "type": "Polygon", "coordinates": [ring] },
                "properties": {
                    "cell": s.cell.to_string(),
                    "observed": s.observed,
                    "expected": round_to(s.expected, 2),
                    "z": round_to(s.z, 3),
                    "p": round_significant(s.p),
                    "class": s.class.code(),
                    "class_ru": s.class.label_ru(),
                },
            })
        })
        .collect();
    json!({ "type": "FeatureCollection", "features": features })
}

/// A compact form for large maps (the UI draws the hexagons itself, e.g. with h3-js):
/// parallel arrays `cell`, `observed`, `expected`, `z`, `class`, only of the cells that
/// are not [`HotClass::NotSignificant`] or have appeals.
pub fn to_compact(stats: &[HexStat]) -> Value {
    let kept: Vec<&HexStat> = stats.iter().filter(|s| s.observed > 0 || s.class != HotClass::NotSignificant).collect();
    json!({
        "cell": kept.iter().map(|s| s.cell.to_string()).collect::<Vec<_>>(),
        "observed": kept.iter().map(|s| s.observed).collect::<Vec<_>>(),
        "expected": kept.iter().map(|s| round_to(s.expected, 2)).collect::<Vec<_>>(),
        "z": kept.iter().map(|s| round_to(s.z, 3)).collect::<Vec<_>>(),
        "class": kept.iter().map(|s| s.class.code()).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn line(n: usize) -> Vec<Vec<usize>> {
        (0..n).map(|i| [i.checked_sub(1), (i + 1 < n).then_some(i + 1)].into_iter().flatten().collect()).collect()
    }

    fn check_gi(x: &[f64], neighbours: &[Vec<usize>], expected: &[f64]) {
        let got = gi_star_values(x, neighbours);
        assert_eq!(got.len(), expected.len());
        for (i, (g, e)) in got.iter().zip(expected).enumerate() {
            assert!((g - e).abs() < 1e-9, "location {i}: got {g}, expected {e} (all: {got:?})");
        }
    }

    #[test]
    fn gi_star_on_a_line_of_five_by_hand() {
        // x = [0, 0, 0, 0, 5], rook neighbours on a line, the star includes the location.
        // n = 5, x̄ = 1, Σx²/n = 25/5 = 5, S² = 5 − 1 = 4, S = 2.
        // End locations have W = 2: spread = sqrt((5·2 − 4)/4) = sqrt(1.5);
        // inner ones W = 3: spread = sqrt((15 − 9)/4) = sqrt(1.5) too, so every
        // denominator is 2·sqrt(1.5) = 2.449 49.
        // 0: {0,1}   sum 0, 0 − 1·2 = −2  → −2/(2√1.5) = −√(2/3) = −0.816 50
        // 1: {0,1,2} sum 0, 0 − 3    = −3  → −3/(2√1.5) = −√1.5   = −1.224 74
        // 2: {1,2,3} sum 0            = −3  → −1.224 74
        // 3: {2,3,4} sum 5, 5 − 3    =  2  →  √(2/3)  =  0.816 50
        // 4: {3,4}   sum 5, 5 − 2    =  3  →  √1.5    =  1.224 74
        let a = (2.0f64 / 3.0).sqrt();
        let b = 1.5f64.sqrt();
        check_gi(&[0.0, 0.0, 0.0, 0.0, 5.0], &line(5), &[-a, -b, -b, a, b]);
    }

    #[test]
    fn gi_star_on_a_three_by_three_grid_with_queen_neighbours_by_hand() {
        // 3×3 grid, queen contiguity, x = 9 at the centre, 0 elsewhere.
        // n = 9, x̄ = 1, Σx²/n = 81/9 = 9, S² = 8, S = 2√2.
        // Centre: W = 9 = n → the local sum is the whole area, spread 0 → z = 0.
        // Corner (W = 4, includes the centre): sum 9, 9 − 4 = 5;
        //   spread = sqrt((9·4 − 16)/8) = sqrt(2.5); z = 5/(2√2·√2.5) = 5/√20 = √1.25 = 1.118 03
        // Edge (W = 6, includes the centre): sum 9, 9 − 6 = 3;
        //   spread = sqrt((54 − 36)/8) = 1.5; z = 3/(2√2·1.5) = 1/√2 = 0.707 11
        let mut nb = vec![Vec::new(); 9];
        for r in 0..3i32 {
            for c in 0..3i32 {
                for dr in -1..=1 {
                    for dc in -1..=1 {
                        let (rr, cc) = (r + dr, c + dc);
                        if (dr, dc) != (0, 0) && (0..3).contains(&rr) && (0..3).contains(&cc) {
                            nb[(r * 3 + c) as usize].push((rr * 3 + cc) as usize);
                        }
                    }
                }
            }
        }
        let mut x = [0.0; 9];
        x[4] = 9.0;
        let corner = 1.25f64.sqrt();
        let edge = 0.5f64.sqrt();
        check_gi(&x, &nb, &[corner, edge, corner, edge, 0.0, edge, corner, edge, corner]);
    }

    #[test]
    fn gi_star_listing_the_location_itself_changes_nothing() {
        let x = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0];
        let plain = line(6);
        let with_self: Vec<Vec<usize>> = plain.iter().enumerate().map(|(i, v)| v.iter().copied().chain([i]).collect()).collect();
        assert_eq!(gi_star_values(&x, &plain), gi_star_values(&x, &with_self));
    }

    #[test]
    fn gi_star_of_a_uniform_field_is_zero() {
        check_gi(&[7.5; 5], &line(5), &[0.0; 5]);
        check_gi(&[], &[], &[]);
        check_gi(&[3.0], &[vec![]], &[0.0]);
    }

    proptest! {
        #[test]
        fn gi_star_ignores_a_constant_shift(x in proptest::collection::vec(-50.0f64..50.0, 2..30), c in -1e3f64..1e3) {
            let nb = line(x.len());
            let shifted: Vec<f64> = x.iter().map(|v| v + c).collect();
            let a = gi_star_values(&x, &nb);
            let b = gi_star_values(&shifted, &nb);
            for (u, v) in a.iter().zip(&b) {
                prop_assert!((u - v).abs() < 1e-6, "{u} vs {v}");
            }
        }

        #[test]
        fn gi_star_flips_sign_with_x(x in proptest::collection::vec(-50.0f64..50.0, 2..30)) {
            let nb = line(x.len());
            let neg: Vec<f64> = x.iter().map(|v| -v).collect();
            for (u, v) in gi_star_values(&x, &nb).iter().zip(&gi_star_values(&neg, &nb)) {
                prop_assert!((u + v).abs() < 1e-9);
                prop_assert!(u.is_finite());
            }
        }

        #[test]
        fn gi_star_is_symmetric_under_mirroring(x in proptest::collection::vec(-50.0f64..50.0, 2..30)) {
            let nb = line(x.len());
            let mirrored: Vec<f64> = x.iter().rev().copied().collect();
            let a = gi_star_values(&x, &nb);
            let mut b = gi_star_values(&mirrored, &nb);
            b.reverse();
            for (u, v) in a.iter().zip(&b) {
                prop_assert!((u - v).abs() < 1e-9);
            }
        }
    }

    #[test]
    fn erfc_matches_reference_values() {
        for (x, want) in [
            (0.0, 1.0),
            (0.5, 0.479_500_122_186_953_5),
            (1.0, 0.157_299_207_050_285_1),
            (2.0, 0.004_677_734_981_047_266),
            (3.0, 2.209_049_699_858_544e-5),
            (5.0, 1.537_459_794_428_035e-12),
        ] {
            assert!(((erfc(x) - want) / want).abs() < 1e-10, "erfc({x}) = {}, want {want}", erfc(x));
        }
        assert!((two_sided_p(1.959_963_984_540_054) - 0.05).abs() < 1e-12);
        assert!((two_sided_p(-2.575_829_303_548_901) - 0.01).abs() < 1e-12);
    }

    const ASTRAKHAN: (f64, f64) = (48.0336, 46.3497);

    #[test]
    fn points_fall_into_h3_cells_and_bad_points_are_skipped() {
        let res = Resolution::Eight;
        let (lon, lat) = ASTRAKHAN;
        let binned = bin_points([(lon, lat), (lon + 0.00001, lat), (lon + 0.2, lat), (f64::NAN, lat), (lon, f64::INFINITY)], res);
        assert_eq!(binned.values().sum::<u32>(), 3);
        let centre = LatLng::new(lat, lon).expect("valid").to_cell(res);
        assert_eq!(binned[&centre], 2);
        assert_eq!(binned.len(), 2);
    }

    #[test]
    fn spread_k_reaches_about_three_km() {
        assert_eq!(spread_k(Resolution::Six), 0);
        assert_eq!(spread_k(Resolution::Seven), 1);
        assert_eq!(spread_k(Resolution::Eight), 3);
        for res in [Resolution::Seven, Resolution::Eight, Resolution::Nine] {
            let reach = f64::from(spread_k(res)) * 3f64.sqrt() * res.edge_length_km();
            assert!((1.5..=4.5).contains(&reach), "{res:?}: {reach} km");
        }
    }

    #[test]
    fn population_is_spread_over_the_disk_and_conserved() {
        let res = Resolution::Eight;
        let pop = population_cells(&[(ASTRAKHAN.0, ASTRAKHAN.1, 3700.0), (46.0, 47.0, 0.0), (f64::NAN, 1.0, 5.0)], res);
        assert_eq!(pop.len(), 37, "k = 3 disk: 1 + 6 + 12 + 18 cells");
        assert!((pop.values().sum::<f64>() - 3700.0).abs() < 1e-9);
        assert!(pop.values().all(|&p| (p - 100.0).abs() < 1e-9));
    }

    #[test]
    fn a_cluster_beyond_population_is_hot_and_proportional_appeals_are_not() {
        let res = Resolution::Seven;
        let places = [(48.0336, 46.3497, 100_000.0), (47.5, 46.6, 100_000.0), (48.5, 47.0, 100_000.0)];
        let population = population_cells(&places, res);
        // Appeals proportional to population: nothing significant.
        let mut observed: HashMap<CellIndex, u32> = population.iter().map(|(&c, &p)| (c, (p / 1000.0).round() as u32)).collect();
        let flat = gi_star(&observed, &population, 1);
        assert!(flat.iter().all(|s| s.class == HotClass::NotSignificant), "{flat:?}");
        assert!(flat.windows(2).all(|w| w[0].cell < w[1].cell), "ordered by cell");
        // Triple the second place's appeals: its cells are hot.
        let second = LatLng::new(46.6, 47.5).expect("valid").to_cell(res);
        for c in second.grid_disk::<Vec<_>>(1) {
            *observed.get_mut(&c).expect("populated") *= 3;
        }
        let stats = gi_star(&observed, &population, 1);
        let at = stats.iter().find(|s| s.cell == second).expect("in the study");
        assert_eq!(at.class, HotClass::Hot99, "{at:?}");
        assert!(at.expected > 0.0 && f64::from(at.observed) > 1.5 * at.expected);
        let total_expected: f64 = stats.iter().map(|s| s.expected).sum();
        assert!((total_expected - f64::from(stats.iter().map(|s| s.observed).sum::<u32>())).abs() < 1e-6);
    }

    #[test]
    fn benjamini_hochberg_is_stricter_than_no_correction() {
        // Many cells of noise around one real cluster.
        let res = Resolution::Seven;
        let origin = LatLng::new(46.35, 48.03).expect("valid").to_cell(res);
        let disk: Vec<CellIndex> = origin.grid_disk(8);
        let population: HashMap<CellIndex, f64> = disk.iter().map(|&c| (c, 1000.0)).collect();
        let observed: HashMap<CellIndex, u32> =
            disk.iter().enumerate().map(|(i, &c)| (c, 10 + (i * 7919 % 7) as u32 + if c == origin { 40 } else { 0 })).collect();
        let raw = gi_star_with(&observed, &population, &GiParams { correction: Correction::None, ..GiParams::default() });
        let bh = gi_star_with(&observed, &population, &GiParams { correction: Correction::BenjaminiHochberg, ..GiParams::default() });
        let significant = |v: &[HexStat]| v.iter().filter(|s| s.class != HotClass::NotSignificant).count();
        assert!(significant(&bh) <= significant(&raw));
        assert!(bh.iter().any(|s| s.cell == origin && s.class == HotClass::Hot99));
        for (r, b) in raw.iter().zip(&bh) {
            assert_eq!((r.cell, r.z), (b.cell, b.z));
        }
    }

    #[test]
    fn geojson_has_closed_hexagons_and_the_properties() {
        let cell = LatLng::new(ASTRAKHAN.1, ASTRAKHAN.0).expect("valid").to_cell(Resolution::Eight);
        let stat = HexStat { cell, observed: 12, expected: 3.456, z: 2.3456, p: 0.006_563_2, class: HotClass::Hot99 };
        let v = to_geojson(&[stat]);
        assert_eq!(v["type"], "FeatureCollection");
        let f = &v["features"][0];
        assert_eq!(f["geometry"]["type"], "Polygon");
        let ring = f["geometry"]["coordinates"][0].as_array().expect("ring");
        assert_eq!(ring.len(), 7, "six vertices and the closing one");
        assert_eq!(ring[0], ring[6]);
        let (lon, lat) = (ring[0][0].as_f64().expect("lon"), ring[0][1].as_f64().expect("lat"));
        assert!((lon - ASTRAKHAN.0).abs() < 0.02 && (lat - ASTRAKHAN.1).abs() < 0.02, "[lon, lat] order");
        assert_eq!((lon * 1e6).round() / 1e6, lon);
        let p = &f["properties"];
        assert_eq!(p["cell"], cell.to_string());
        assert_eq!(p["observed"], 12);
        assert_eq!(p["expected"], 3.46);
        assert_eq!(p["z"], 2.346);
        assert_eq!(p["class"], "hot99");
        assert_eq!(p["class_ru"], "Горячая точка (99 %)");
        assert_eq!(serde_json::to_value(HotClass::NotSignificant).expect("serialises"), "not_significant");
        let compact = to_compact(&[HexStat { cell, observed: 1, expected: 1.0, z: 0.0, p: 1.0, class: HotClass::NotSignificant }]);
        assert_eq!(compact["cell"][0], cell.to_string());
    }
}
