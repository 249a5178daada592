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
        let at = s.at[i];
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
    /// Office minutes to the first reply, one per appeal that has one.
    pub reply: Vec<u32>,
}

impl Acc {
    /// Adds row `i` of `s`; `now` decides whether an unanswered appeal is overdue.
    #[inline]
    pub fn add(&mut self, s: &Snapshot, i: usize, now: i64) {
        self.n += 1;
        if let Some(late) = s.late(i, now) {
            self.due += 1;
            self.late += u64::from(late);
        }
        let f = s.flags[i];
        if f & ANSWERED != 0 {
            self.answered += 1;
            self.resolved += u64::from(f & RESOLVED != 0);
            self.confirmed += u64::from(f & (RESOLVED | CONFIRMED) == (RESOLVED | CONFIRMED));
            self.reopened += u64::from(f & REOPENED != 0);
        }
        self.answers += u64::from(s.answers[i]);
        self.rejected += u64::from(s.rejected[i]);
        let score = s.satisfaction[i];
        if score != 0 {
            self.rated += 1;
            self.score_sum += u64::from(score);
            self.score_good += u64::from(score >= 4);
        }
        let r = s.reply_minutes[i];
        if r != NONE32 {
            self.reply.push(r);
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
        self.reply.extend_from_slice(&other.reply);
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

impl Hours {
    /// From office minutes (reordered in place).
    pub fn of_minutes(values: &mut [u32]) -> Hours {
        let n = values.len();
        if n == 0 {
            return Hours { n: 0, median: None, lo: None, hi: None, p90: None };
        }
        let h = |m: u32| f64::from(m) / 60.0;
        let at_rank = |v: &mut [u32], rank: usize| *v.select_nth_unstable(rank - 1).1;
        let median = at_rank(values, nearest_rank(n, 0.5));
        let p90 = at_rank(values, nearest_rank(n, 0.9));
        let (lo, hi) = match median_ci_ranks(n) {
            Some((l, u)) => (Some(h(at_rank(values, l))), Some(h(at_rank(values, u)))),
            None => (None, None),
        };
        Hours { n: n as u64, median: Some(h(median)), lo, hi, p90: Some(h(p90)) }
    }
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
    /// The KPIs of a group's sums (`acc.reply` is reordered).
    pub fn of(acc: &mut Acc, population: u64) -> Kpis {
        Kpis {
            appeals: acc.n,
            population,
            per_1000: (population > 0).then(|| acc.n as f64 * 1000.0 / population as f64),
            first_reply: Hours::of_minutes(&mut acc.reply),
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
