//! The problem register's priorities.
//!
//! Each component is a score in [0, 1]:
//! - volume: `ln(1 + n) / ln(1 + V)`, capped at 1 (`V` = the file's param: at `V` appeals the
//!   volume counts fully; the logarithm keeps one big problem from drowning the others);
//! - growth: `max(0, (n − p) / (n + p))` against the previous period of equal length (`p`
//!   appeals): 1 for a new problem, 0 for a steady or shrinking one;
//! - severity: `(s − 1) / 4` of the topic's severity `s` ∈ 1..5 (`catalog/topics.csv`);
//! - recurrence: reopened by citizens among the answered;
//! - overdue: answered late or overdue among those whose answer is given or due;
//! - population: `ln(1 + P) / ln(1 + Q)`, capped at 1, of the residents `P` of the distinct
//!   settlements the appeals come from (a municipality's residents when no settlement is
//!   known), `Q` = the file's param.
//!
//! The priority is the weighted mean of the six, weights from `analytics/weights.csv`.

use crate::snapshot::{Dims, Snapshot, ANSWERED, NONE16, NONE8, REOPENED};
use crate::weights::{PriorityComponent, Weights};
use serde::Serialize;

/// Running sums of one problem.
#[derive(Debug, Clone, Default)]
pub struct ProblemAcc {
    /// Appeals in the period.
    pub current: u32,
    /// Appeals in the previous period.
    pub previous: u32,
    /// Answered appeals (period).
    pub answered: u32,
    /// Of those, reopened.
    pub reopened: u32,
    /// Appeals whose answer is given or due (period).
    pub due: u32,
    /// Of those, late or overdue.
    pub late: u32,
    /// Distinct settlements (codes), period.
    pub settlements: Vec<u16>,
    /// Municipalities (bit mask), period.
    pub municipalities: u128,
    /// Topic of the first appeal seen in the period.
    pub topic: u16,
    /// First receipt in the period, Unix ms.
    pub first_at: i64,
    /// Latest receipt in the period, Unix ms.
    pub last_at: i64,
    /// Channels (bit mask), period.
    pub channels: u128,
}

impl ProblemAcc {
    /// Adds row `i` of the current period.
    #[inline]
    pub fn add_current(&mut self, s: &Snapshot, i: usize, now: i64) {
        if self.current == 0 {
            self.topic = s.topic[i];
            self.first_at = s.at_ms(i);
            self.last_at = s.at_ms(i);
        }
        self.current += 1;
        self.first_at = self.first_at.min(s.at_ms(i));
        self.last_at = self.last_at.max(s.at_ms(i));
        let f = s.flags[i];
        if f & ANSWERED != 0 {
            self.answered += 1;
            self.reopened += u32::from(f & REOPENED != 0);
        }
        if let Some(late) = s.late(i, now) {
            self.due += 1;
            self.late += u32::from(late);
        }
        let st = s.settlement[i];
        if st != NONE16 && !self.settlements.contains(&st) {
            self.settlements.push(st);
        }
        if s.municipality[i] != NONE8 {
            self.municipalities |= 1u128 << s.municipality[i];
        }
        self.channels |= 1u128 << s.channel[i];
    }
}

impl ProblemAcc {
    /// Adds the sums of the same problem over later rows.
    pub fn merge(&mut self, other: ProblemAcc) {
        if other.current > 0 {
            if self.current == 0 {
                self.topic = other.topic;
                self.first_at = other.first_at;
                self.last_at = other.last_at;
            }
            self.first_at = self.first_at.min(other.first_at);
            self.last_at = self.last_at.max(other.last_at);
        }
        self.current += other.current;
        self.previous += other.previous;
        self.answered += other.answered;
        self.reopened += other.reopened;
        self.due += other.due;
        self.late += other.late;
        for st in other.settlements {
            if !self.settlements.contains(&st) {
                self.settlements.push(st);
            }
        }
        self.municipalities |= other.municipalities;
        self.channels |= other.channels;
    }
}

/// One component of a problem's priority.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PriorityPart {
    /// Which component.
    pub component: PriorityComponent,
    /// Russian name.
    pub name_ru: String,
    /// Its weight.
    pub weight: f64,
    /// The measured value (appeals, growth ratio, severity, share, residents).
    pub value: f64,
    /// Score in [0, 1].
    pub score: f64,
}

/// A problem of the register with its priority.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProblemPriority {
    /// Problem id (UUID).
    pub problem_id: String,
    /// Topic id.
    pub topic: Option<String>,
    /// Topic's Russian name.
    pub topic_ru: Option<String>,
    /// Block id.
    pub block: Option<String>,
    /// Municipality ids it spans.
    pub municipalities: Vec<String>,
    /// Appeals in the period.
    pub appeals: u32,
    /// Appeals in the previous period.
    pub previous: u32,
    /// Channels they came through.
    pub channels: u32,
    /// Residents of the settlements concerned.
    pub population: u64,
    /// First receipt in the period, Unix ms.
    pub first_at: i64,
    /// Latest receipt in the period, Unix ms.
    pub last_at: i64,
    /// Priority in [0, 1].
    pub priority: f64,
    /// The components.
    pub parts: Vec<PriorityPart>,
}

fn log_ratio(x: f64, full: f64) -> f64 {
    ((1.0 + x).ln() / (1.0 + full).ln()).clamp(0.0, 1.0)
}

/// The priority of one problem's sums.
pub fn prioritise(problem_id: u128, acc: &ProblemAcc, dims: &Dims, weights: &Weights) -> ProblemPriority {
    let topic = (acc.topic != NONE16).then_some(acc.topic as usize).filter(|t| *t < dims.topics.len());
    let severity = topic.map_or(1, |t| dims.topic_severity[t]);
    let population: u64 = if acc.settlements.is_empty() {
        dims.population_of(Some(acc.municipalities).filter(|m| *m != 0))
    } else {
        acc.settlements.iter().map(|s| u64::from(dims.settlement_population.get(*s as usize).copied().unwrap_or(0))).sum()
    };
    let (n, p) = (f64::from(acc.current), f64::from(acc.previous));
    let share = |k: u32, of: u32| if of == 0 { 0.0 } else { f64::from(k) / f64::from(of) };
    let parts: Vec<PriorityPart> = PriorityComponent::ALL
        .into_iter()
        .map(|c| {
            let w = weights.priority(c);
            let (value, score) = match c {
                PriorityComponent::Volume => (n, log_ratio(n, w.param.unwrap_or(100.0))),
                PriorityComponent::Growth => {
                    let g = if n + p > 0.0 { ((n - p) / (n + p)).max(0.0) } else { 0.0 };
                    (g, g)
                }
                PriorityComponent::Severity => (f64::from(severity), (f64::from(severity.clamp(1, 5)) - 1.0) / 4.0),
                PriorityComponent::Recurrence => {
                    let r = share(acc.reopened, acc.answered);
                    (r, r)
                }
                PriorityComponent::Overdue => {
                    let r = share(acc.late, acc.due);
                    (r, r)
                }
                PriorityComponent::Population => (population as f64, log_ratio(population as f64, w.param.unwrap_or(100_000.0))),
            };
            PriorityPart { component: c, name_ru: w.name_ru.clone(), weight: w.weight, value, score }
        })
        .collect();
    let total: f64 = parts.iter().map(|p| p.weight).sum();
    let priority = if total > 0.0 { parts.iter().map(|p| p.weight * p.score).sum::<f64>() / total } else { 0.0 };
    ProblemPriority {
        problem_id: uuid::Uuid::from_u128(problem_id).to_string(),
        topic: topic.map(|t| dims.topics[t].clone()),
        topic_ru: topic.map(|t| dims.topic_names[t].clone()),
        block: topic.and_then(|t| dims.blocks.get(dims.topic_block[t] as usize).cloned()),
        municipalities: dims.municipalities.iter().enumerate().filter(|(i, _)| acc.municipalities & (1u128 << i) != 0).map(|(_, id)| id.clone()).collect(),
        appeals: acc.current,
        previous: acc.previous,
        channels: acc.channels.count_ones(),
        population,
        first_at: acc.first_at,
        last_at: acc.last_at,
        priority,
        parts,
    }
}

/// The top `top` problems by priority (ties: more appeals, then the id), among those with
/// appeals in the period.
pub fn register(problems: &[u128], accs: &[ProblemAcc], dims: &Dims, weights: &Weights, top: usize) -> Vec<ProblemPriority> {
    let mut list: Vec<ProblemPriority> =
        accs.iter().enumerate().filter(|(_, a)| a.current > 0).map(|(code, a)| prioritise(problems[code], a, dims, weights)).collect();
    list.sort_by(|a, b| b.priority.total_cmp(&a.priority).then(b.appeals.cmp(&a.appeals)).then_with(|| a.problem_id.cmp(&b.problem_id)));
    list.truncate(top);
    list
}
