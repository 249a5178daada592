//! One screen of the situation room in one pass over the snapshot: the KPI panel against the
//! previous period, the choropleth's values for every municipality, the top problems and
//! both ratings.

use crate::kpi::{Acc, Fact, Filter, Kpis};
use crate::priority::{register, ProblemAcc, ProblemPriority};
use crate::rating::{groups, rate, Rating, RatingOf};
use crate::snapshot::{Dims, Snapshot, NONE32, NONE8};
use crate::weights::Weights;
use serde::Serialize;

/// The few sums the choropleth needs per municipality.
#[derive(Debug, Clone, Copy, Default)]
pub struct AreaAcc {
    /// Appeals.
    pub n: u64,
    /// Appeals whose answer is given or due.
    pub due: u64,
    /// Of those, late or overdue.
    pub late: u64,
    /// Appeals with a satisfaction score.
    pub rated: u64,
    /// Sum of the scores.
    pub score_sum: u64,
}

/// The sums of one pass.
#[derive(Debug, Clone, Default)]
pub struct Pass {
    /// The whole slice, current period.
    pub current: Acc,
    /// By municipality code, current period.
    pub by_municipality: Vec<AreaAcc>,
    /// By agency code, current period (an appeal without an agency is in none).
    pub by_agency: Vec<Acc>,
    /// The whole slice, previous period.
    pub previous: Acc,
    /// By problem code.
    pub problems: Vec<ProblemAcc>,
    /// By map cell code ([`Snapshot::cells`]), current period: the hotspot map's counts, taken
    /// in the same pass instead of a pass of their own.
    pub cells: Vec<u32>,
}

impl Pass {
    /// Sums the rows of `filter`'s slice (current period) and of the period of equal length
    /// before it, on every core: each thread sums a contiguous part of the rows, then the
    /// parts are merged in order (so the result does not depend on the number of threads).
    pub fn run(s: &Snapshot, dims: &Dims, filter: &Filter, now: i64) -> Pass {
        const MIN_ROWS_PER_THREAD: usize = 200_000;
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(s.len() / MIN_ROWS_PER_THREAD).max(1);
        if threads == 1 {
            return Pass::run_range(s, dims, filter, now, 0..s.len());
        }
        let chunk = s.len().div_ceil(threads);
        let parts: Vec<Pass> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    let range = t * chunk..((t + 1) * chunk).min(s.len());
                    scope.spawn(move || Pass::run_range(s, dims, filter, now, range))
                })
                .collect();
            handles.into_iter().map(|h| h.join().expect("a pass thread does not panic")).collect()
        });
        let mut parts = parts.into_iter();
        let mut pass = parts.next().expect("at least one part");
        for p in parts {
            pass.merge(p);
        }
        pass
    }

    /// Adds a later part's sums.
    fn merge(&mut self, other: Pass) {
        self.current.merge(&other.current);
        self.previous.merge(&other.previous);
        for (a, b) in self.by_municipality.iter_mut().zip(&other.by_municipality) {
            a.n += b.n;
            a.due += b.due;
            a.late += b.late;
            a.rated += b.rated;
            a.score_sum += b.score_sum;
        }
        for (a, b) in self.by_agency.iter_mut().zip(&other.by_agency) {
            a.merge(b);
        }
        for (a, b) in self.problems.iter_mut().zip(other.problems) {
            a.merge(b);
        }
        for (a, b) in self.cells.iter_mut().zip(other.cells) {
            *a += b;
        }
    }

    /// The sums of the rows in `range`.
    fn run_range(s: &Snapshot, dims: &Dims, filter: &Filter, now: i64, range: std::ops::Range<usize>) -> Pass {
        let mut pass = Pass {
            current: Acc::default(),
            by_municipality: vec![AreaAcc::default(); dims.municipalities.len()],
            by_agency: vec![Acc::default(); dims.agencies.len()],
            previous: Acc::default(),
            problems: vec![ProblemAcc::default(); s.problems.len()],
            cells: vec![0; s.cells.len()],
        };
        let prev_from = filter.from - (filter.to - filter.from);
        for i in range {
            let at = s.at_ms(i);
            if at < prev_from || at >= filter.to || !filter.matches_dims(s, i) {
                continue;
            }
            let problem = s.problem[i];
            if at >= filter.from {
                let fact = Fact::of(s, i, now);
                pass.current.add_fact(&fact);
                let area = &mut pass.by_municipality[s.municipality[i] as usize];
                area.n += 1;
                if let Some(late) = fact.late {
                    area.due += 1;
                    area.late += u64::from(late);
                }
                area.rated += u64::from(fact.score != 0);
                area.score_sum += u64::from(fact.score);
                let a = s.agency[i];
                if a != NONE8 {
                    pass.by_agency[a as usize].add_fact(&fact);
                }
                if problem != NONE32 {
                    pass.problems[problem as usize].add_current(s, i, now);
                }
                let cell = s.cell[i];
                if cell != NONE32 {
                    pass.cells[cell as usize] += 1;
                }
            } else {
                pass.previous.add(s, i, now);
                if problem != NONE32 {
                    pass.problems[problem as usize].previous += 1;
                }
            }
        }
        pass
    }
}

/// A municipality's values for the choropleth.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AreaValues {
    /// Municipality id.
    pub municipality: String,
    /// Appeals in the slice.
    pub appeals: u64,
    /// Per 1,000 residents.
    pub per_1000: Option<f64>,
    /// Answered late or overdue, among those given or due.
    pub overdue_share: Option<f64>,
    /// Its place's composite score in the municipalities' rating (`None`: not enough data).
    pub rating_score: Option<f64>,
    /// Mean satisfaction score.
    pub satisfaction: Option<f64>,
}

/// Everything one screen shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Screen {
    /// KPIs of the slice.
    pub kpis: Kpis,
    /// KPIs of the same slice over the previous period of equal length.
    pub previous: Kpis,
    /// The choropleth's values, one per municipality in catalogue order.
    pub areas: Vec<AreaValues>,
    /// The top problems by priority.
    pub problems: Vec<ProblemPriority>,
    /// Rating of the agencies (ИОГВ).
    pub agencies: Rating,
    /// Rating of the municipalities.
    pub municipalities: Rating,
    /// Appeals of the slice in each hexagon of the hotspot map, by the snapshot's cell code
    /// ([`Snapshot::cells`]); not part of the screen's JSON.
    #[serde(skip)]
    pub cells: Vec<u32>,
}

/// Computes a screen: one pass, then the small aggregates.
pub fn screen(s: &Snapshot, dims: &Dims, weights: &Weights, filter: &Filter, now: i64, top: usize) -> Screen {
    let mut pass = Pass::run(s, dims, filter, now);
    let population = dims.population_of(filter.municipalities);
    let kpis = Kpis::of(&mut pass.current, population);
    let previous = Kpis::of(&mut pass.previous, population);
    let counts: Vec<u64> = pass.by_municipality.iter().map(|a| a.n).collect();
    let agencies = rate(RatingOf::Agencies, groups(RatingOf::Agencies, dims, &pass.by_agency, &counts), weights);
    let municipalities = rate(RatingOf::Municipalities, groups(RatingOf::Municipalities, dims, &pass.by_agency, &counts), weights);
    let areas = dims
        .municipalities
        .iter()
        .enumerate()
        .map(|(m, id)| {
            let a = &pass.by_municipality[m];
            let population = dims.population[m];
            AreaValues {
                municipality: id.clone(),
                appeals: a.n,
                per_1000: (population > 0).then(|| a.n as f64 * 1000.0 / f64::from(population)),
                overdue_share: (a.due > 0).then(|| a.late as f64 / a.due as f64),
                rating_score: municipalities.entities.iter().find(|e| &e.id == id && e.rank.is_some()).and_then(|e| e.score),
                satisfaction: (a.rated > 0).then(|| a.score_sum as f64 / a.rated as f64),
            }
        })
        .collect();
    let problems = register(&s.problems, &pass.problems, dims, weights, top);
    Screen { kpis, previous, areas, problems, agencies, municipalities, cells: pass.cells }
}
