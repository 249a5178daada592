//! KPIs of any slice: period × municipality × block × agency × channel × topic × status.
//! Every figure carries the number of appeals it is computed over (`n`), and every share its
//! Wilson 95 % interval.

use crate::snapshot::{Snapshot, ANSWERED, CONFIRMED, NONE16, NONE32, NONE8, REOPENED, RESOLVED};
use crate::stats::{median_ci_ranks, nearest_rank, Share};
use serde::Serialize;

/// Which appeals a figure counts. Sets are bit masks over the codes of [`crate::Dims`]
/// (`None` = all); the period is `[from, to)` in Unix ms over the received instant.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    /// Start of the period (inclusive), Unix ms.
    pub from: i64,
    /// End of the period (exclusive), Unix ms.
    pub to: i64,
    /// Municipalities.
    pub municipalities: Option<u128>,
    /// Blocks (an appeal not yet classified matches no block set).
    pub blocks: Option<u128>,
    /// Agencies.
    pub agencies: Option<u128>,
    /// Channels.
    pub channels: Option<u128>,
    /// Statuses (positions in `Status::ALL`).
    pub statuses: Option<u128>,
    /// Topics: `topics[code]` is true when the topic is chosen.
    pub topics: Option<Vec<bool>>,
}

impl Filter {
    /// Every appeal received in `[from, to)`.
    pub fn period(from: i64, to: i64) -> Filter {
        Filter { from, to, ..Filter::default() }
    }

    /// The same slice over the period of equal length just before.
    pub fn previous(&self) -> Filter {
        let len = self.to - self.from;
        Filter { from: self.from - len, to: self.from, ..self.clone() }
    }

    /// Whether row `i` is in the slice, ignoring the period.
    #[inline]
    pub fn matches_dims(&self, s: &Snapshot, i: usize) -> bool {
        fn bit(mask: Option<u128>, code: u8) -> bool {
            match mask {
                None => true,
                Some(m) => code != NONE8 && code < 128 && m & (1u128 << code) != 0,
            }
        }
        bit(self.municipalities, s.municipality[i])
            && bit(self.blocks, s.block[i])
            && bit(self.agencies, s.agency[i])
            && bit(self.channels, s.channel[i])
            && bit(self.statuses, s.status[i])
            && self.topics.as_ref().is_none_or(|t| {
                let c = s.topic[i];
                c != NONE16 && t.get(c as usize).copied().unwrap_or(false)
            })
    }

    /// Whether row `i` is in the slice.
    #[inline]
    pub fn matches(&self, s: &Snapshot, i: usize) -> bool {
        let at = s.at_ms(i);
        at >= self.from && at < self.to && self.matches_dims(s, i)
    }
}

/// Running sums of one group of appeals.
#[derive(Debug, Clone, Default)]
pub struct Acc {
    /// Appeals.
    pub n: u64,
    /// Appeals whose answer is given or overdue.
    pub due: u64,
    /// Of those, answered late or overdue.
    pub late: u64,
    /// Appeals with a full answer.
    pub answered: u64,
    /// Of the answered, reported resolved.
    pub resolved: u64,
    /// Of the resolved, confirmed by the citizen.
    pub confirmed: u64,
    /// Of the answered, reopened by the citizen.
    pub reopened: u64,
    /// Full answers given.
    pub answers: u64,
    /// Answers rejected by moderation.
    pub rejected: u64,
    /// Appeals with a satisfaction score.
    pub rated: u64,
    /// Sum of the scores.
    pub score_sum: u64,
    /// Scores of 4 or 5.
    pub score_good: u64,
    /// Office minutes to the first reply of the appeals that have one.
    pub reply: Minutes,
}

/// What one row adds to the sums, read from the columns once (a pass adds a row to two
/// groups).
#[derive(Debug, Clone, Copy)]
pub struct Fact {
    /// Answered late or overdue; `None` when not due yet.
    pub late: Option<bool>,
    /// The row's flags.
    pub flags: u8,
    /// Answers given.
    pub answers: u8,
    /// Answers rejected.
    pub rejected: u8,
    /// Satisfaction, 0 when none.
    pub score: u8,
    /// Office minutes to the first reply, or [`NONE32`].
    pub reply: u32,
}

impl Fact {
    /// Row `i` of `s` at `now`.
    #[inline]
    pub fn of(s: &Snapshot, i: usize, now: i64) -> Fact {
        Fact { late: s.late(i, now), flags: s.flags[i], answers: s.answers[i], rejected: s.rejected[i], score: s.satisfaction[i], reply: s.reply_minutes[i] }
    }
}

impl Acc {
    /// Adds row `i` of `s`; `now` decides whether an unanswered appeal is overdue.
    #[inline]
    pub fn add(&mut self, s: &Snapshot, i: usize, now: i64) {
        self.add_fact(&Fact::of(s, i, now));
    }

    /// Adds one row's fact.
    #[inline]
    pub fn add_fact(&mut self, x: &Fact) {
        self.n += 1;
        if let Some(late) = x.late {
            self.due += 1;
            self.late += u64::from(late);
        }
        let f = x.flags;
        if f & ANSWERED != 0 {
            self.answered += 1;
            self.resolved += u64::from(f & RESOLVED != 0);
            self.confirmed += u64::from(f & (RESOLVED | CONFIRMED) == (RESOLVED | CONFIRMED));
            self.reopened += u64::from(f & REOPENED != 0);
        }
        self.answers += u64::from(x.answers);
        self.rejected += u64::from(x.rejected);
        if x.score != 0 {
            self.rated += 1;
            self.score_sum += u64::from(x.score);
            self.score_good += u64::from(x.score >= 4);
        }
        if x.reply != NONE32 {
            self.reply.add(x.reply);
        }
    }

    /// Adds another group's sums.
    pub fn merge(&mut self, other: &Acc) {
        self.n += other.n;
        self.due += other.due;
        self.late += other.late;
        self.answered += other.answered;
        self.resolved += other.resolved;
        self.confirmed += other.confirmed;
        self.reopened += other.reopened;
        self.answers += other.answers;
        self.rejected += other.rejected;
        self.rated += other.rated;
        self.score_sum += other.score_sum;
        self.score_good += other.score_good;
        self.reply.merge(&other.reply);
    }
}

/// A distribution of office minutes: exact counts per minute up to [`Minutes::BINS`]
/// (34 office days at 8 h), the rare longer values kept as they are. Adding is an increment,
/// merging an addition, and any quantile is exact.
#[derive(Debug, Clone, Default)]
pub struct Minutes {
    bins: Vec<u32>,
    over: Vec<u32>,
    n: u64,
}

impl Minutes {
    /// Minutes counted per bin.
    pub const BINS: usize = 1 << 12;

    /// Adds one value.
    #[inline]
    pub fn add(&mut self, m: u32) {
        self.n += 1;
        if (m as usize) < Self::BINS {
            if self.bins.is_empty() {
                self.bins = vec![0; Self::BINS];
            }
            self.bins[m as usize] += 1;
        } else {
            self.over.push(m);
        }
    }

    /// Adds another distribution.
    pub fn merge(&mut self, other: &Minutes) {
        if !other.bins.is_empty() {
            if self.bins.is_empty() {
                self.bins = other.bins.clone();
            } else {
                for (a, b) in self.bins.iter_mut().zip(&other.bins) {
                    *a += b;
                }
            }
        }
        self.over.extend_from_slice(&other.over);
        self.n += other.n;
    }

    /// Values counted.
    pub fn len(&self) -> u64 {
        self.n
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// The values at 1-based `ranks` in ascending order.
    pub fn at_ranks(&mut self, ranks: &[usize]) -> Vec<u32> {
        let in_bins = (self.n as usize) - self.over.len();
        let mut order: Vec<(usize, usize)> = ranks.iter().copied().enumerate().map(|(i, r)| (r, i)).collect();
        order.sort_unstable();
        self.over.sort_unstable();
        let mut out = vec![0; ranks.len()];
        let (mut seen, mut value) = (0usize, 0usize);
        for (rank, i) in order {
            if rank > in_bins {
                out[i] = self.over[rank - in_bins - 1];
                continue;
            }
            while seen + (self.bins[value] as usize) < rank {
                seen += self.bins[value] as usize;
                value += 1;
            }
            out[i] = value as u32;
        }
        out
    }

    /// Median with its interval and the 90th percentile, in office hours.
    pub fn hours(&mut self) -> Hours {
        let n = self.n as usize;
        if n == 0 {
            return Hours { n: 0, median: None, lo: None, hi: None, p90: None };
        }
        let h = |m: u32| f64::from(m) / 60.0;
        let ci = median_ci_ranks(n);
        let mut ranks = vec![nearest_rank(n, 0.5), nearest_rank(n, 0.9)];
        if let Some((l, u)) = ci {
            ranks.extend([l, u]);
        }
        let at = self.at_ranks(&ranks);
        let (lo, hi) = if ci.is_some() { (Some(h(at[2])), Some(h(at[3]))) } else { (None, None) };
        Hours { n: n as u64, median: Some(h(at[0])), lo, hi, p90: Some(h(at[1])) }
    }
}

/// A duration statistic in office hours: median with its distribution-free 95 % interval,
/// and the 90th percentile.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Hours {
    /// Appeals it is computed over.
    pub n: u64,
    /// Median (nearest rank), office hours.
    pub median: Option<f64>,
    /// Lower end of the median's 95 % interval.
    pub lo: Option<f64>,
    /// Upper end of the median's 95 % interval.
    pub hi: Option<f64>,
    /// 90th percentile (nearest rank), office hours.
    pub p90: Option<f64>,
}

/// The KPIs of one slice.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Kpis {
    /// Appeals.
    pub appeals: u64,
    /// Residents of the slice's municipalities (census 2021).
    pub population: u64,
    /// Appeals per 1,000 residents over the period.
    pub per_1000: Option<f64>,
    /// Office time from registration to the first reply (interim or full).
    pub first_reply: Hours,
    /// Answers given by their due, among appeals whose answer is given or overdue.
    pub on_time: Share,
    /// Reported resolved, among answered appeals (an answer is not a solution).
    pub resolved: Share,
    /// Confirmed by the citizen, among resolved appeals.
    pub confirmed: Share,
    /// Reopened by the citizen, among answered appeals.
    pub reopened: Share,
    /// Answers rejected by moderation as formal replies, among all answers given.
    pub rejected: Share,
    /// Mean satisfaction score, 1–5.
    pub satisfaction_mean: Option<f64>,
    /// Scores of 4–5 among the scored.
    pub satisfaction_good: Share,
}

impl Kpis {
    /// The KPIs of a group's sums.
    pub fn of(acc: &mut Acc, population: u64) -> Kpis {
        Kpis {
            appeals: acc.n,
            population,
            per_1000: (population > 0).then(|| acc.n as f64 * 1000.0 / population as f64),
            first_reply: acc.reply.hours(),
            on_time: Share::new(acc.due - acc.late, acc.due),
            resolved: Share::new(acc.resolved, acc.answered),
            confirmed: Share::new(acc.confirmed, acc.resolved),
            reopened: Share::new(acc.reopened, acc.answered),
            rejected: Share::new(acc.rejected, acc.answers),
            satisfaction_mean: (acc.rated > 0).then(|| acc.score_sum as f64 / acc.rated as f64),
            satisfaction_good: Share::new(acc.score_good, acc.rated),
        }
    }
}

/// The KPIs of one slice of the snapshot at `now`.
pub fn kpis(s: &Snapshot, filter: &Filter, population: u64, now: i64) -> Kpis {
    let mut acc = Acc::default();
    for i in 0..s.len() {
        if filter.matches(s, i) {
            acc.add(s, i, now);
        }
    }
    Kpis::of(&mut acc, population)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The counts give the sorted values' ranks.
        #[test]
        fn counting_equals_sorting(mut values in proptest::collection::vec(0u32..3_000, 4_096..6_000), picks in proptest::collection::vec(0.0f64..1.0, 1..5)) {
            let n = values.len();
            let ranks: Vec<usize> = picks.iter().map(|q| nearest_rank(n, *q)).collect();
            let mut sorted = values.clone();
            sorted.sort_unstable();
            let want: Vec<u32> = ranks.iter().map(|r| sorted[r - 1]).collect();
            prop_assert_eq!(Minutes::at_ranks(&mut values.iter().fold(Minutes::default(), |mut m, v| { m.add(*v); m }), &ranks), want);
            // Values past the bins, and a merge of two halves.
            let (left, right) = values.split_at_mut(n / 2);
            let mut a = Minutes::default();
            let mut b = Minutes::default();
            left.iter().for_each(|&v| a.add(v * 7));
            right.iter().for_each(|&v| b.add(v * 7));
            a.merge(&b);
            let mut scaled: Vec<u32> = values.iter().map(|v| v * 7).collect();
            scaled.sort_unstable();
            let want: Vec<u32> = ranks.iter().map(|r| scaled[r - 1]).collect();
            prop_assert_eq!(a.at_ranks(&ranks), want);
        }
    }
}
