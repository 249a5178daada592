//! On time, at risk or overdue: where an open appeal stands, using both the office time
//! left and the responsible agency's own history on the topic.
//!
//! The rule (also in `docs/deadlines.md`):
//! - **Overdue**: a pending stage is past its due instant.
//! - **At risk**: not overdue, and either at most [`Thresholds::working_left`] of office
//!   time is left, or the probability of answering late, given how long the appeal has
//!   already waited, is at least [`Thresholds::p_late`].
//! - **On time**: otherwise.
//!
//! The probability comes from the agency's history measured in *shares of the term*
//! (0.5 = answered halfway through its term, 1.2 = 20 % late), so that terms of different
//! regimes and fast-tracks compare. Over the appeals the agency has had on the topic, a
//! Kaplan–Meier estimate of the survival `S(x) = P(not answered by share x)` counts the
//! answered ones as events and the still-open ones as censored at the share they have
//! reached; then `P(late | waited f) = S(1) / S(f)`. When fewer than
//! [`Thresholds::min_sample`] appeals of the agency on the topic had waited as long, the
//! estimate falls back to the agency on all topics, then to all agencies on the topic,
//! then to the whole region; the basis used is reported.

use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;

use crate::deadline::StageStatus;

/// One appeal of the history: whose, on what, how far through its answer term it got.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Observation<'a> {
    /// Responsible agency.
    pub agency: &'a str,
    /// Topic.
    pub topic: &'a str,
    /// Time from the term's start to the answer (or to now, when open), divided by the term.
    pub share: f64,
    /// True when answered; false when still open (censored).
    pub answered: bool,
}

/// The share of a term `[start, due]` reached at `t`.
pub fn share(start: DateTime<Utc>, due: DateTime<Utc>, t: DateTime<Utc>) -> f64 {
    let term = (due - start).num_milliseconds().max(1) as f64;
    (t - start).num_milliseconds() as f64 / term
}

/// A Kaplan–Meier survival curve over shares of the term.
#[derive(Debug, Clone, Default)]
struct Survival {
    /// Distinct shares at which answers happened, ascending.
    times: Vec<f64>,
    /// Survival just after each of `times`.
    survival: Vec<f64>,
    /// Every observed share, ascending (for the number still waiting at a share).
    shares: Vec<f64>,
}

impl Survival {
    fn build(mut obs: Vec<(f64, bool)>) -> Survival {
        obs.retain(|(s, _)| s.is_finite());
        obs.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut out = Survival { shares: obs.iter().map(|o| o.0).collect(), ..Survival::default() };
        let mut s = 1.0;
        let mut i = 0;
        while i < obs.len() {
            let t = obs[i].0;
            let at_risk = obs.len() - i;
            let mut events = 0;
            while i < obs.len() && obs[i].0 == t {
                events += usize::from(obs[i].1);
                i += 1;
            }
            if events > 0 {
                s *= 1.0 - events as f64 / at_risk as f64;
                out.times.push(t);
                out.survival.push(s);
            }
        }
        out
    }

    /// P(not answered by share `x`).
    fn at(&self, x: f64) -> f64 {
        let k = self.times.partition_point(|&t| t <= x);
        if k == 0 {
            1.0
        } else {
            self.survival[k - 1]
        }
    }

    /// How many appeals waited at least share `x`.
    fn waited(&self, x: f64) -> usize {
        self.shares.len() - self.shares.partition_point(|&s| s < x)
    }

    fn p_late(&self, f: f64) -> f64 {
        let s_f = self.at(f);
        if s_f <= 0.0 {
            return 1.0;
        }
        (self.at(1.0) / s_f).clamp(0.0, 1.0)
    }
}

/// Which part of the history the probability came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RiskBasis {
    /// The agency on this topic.
    AgencyTopic,
    /// The agency on all topics.
    Agency,
    /// All agencies on this topic.
    Topic,
    /// The whole region.
    Region,
}

impl RiskBasis {
    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            RiskBasis::AgencyTopic => "agency_topic",
            RiskBasis::Agency => "agency",
            RiskBasis::Topic => "topic",
            RiskBasis::Region => "region",
        }
    }

    /// Russian words.
    pub fn label_ru(self) -> &'static str {
        match self {
            RiskBasis::AgencyTopic => "история ведомства по теме",
            RiskBasis::Agency => "история ведомства по всем темам",
            RiskBasis::Topic => "история всех ведомств по теме",
            RiskBasis::Region => "история всего региона",
        }
    }
}

/// A probability of lateness and where it came from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Risk {
    /// P(answered late | not answered yet at this share of the term).
    pub p_late: f64,
    /// The history it rests on.
    pub basis: RiskBasis,
    /// How many appeals of that history had waited at least as long.
    pub sample: usize,
}

/// The thresholds of the rule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// At most this much office time left: at risk.
    pub working_left: Duration,
    /// At least this probability of lateness: at risk.
    pub p_late: f64,
    /// The least number of comparable appeals a probability may rest on.
    pub min_sample: usize,
}

impl Default for Thresholds {
    fn default() -> Thresholds {
        Thresholds { working_left: Duration::hours(8), p_late: 0.5, min_sample: 30 }
    }
}

/// Survival curves of every agency × topic, agency, topic and the region.
#[derive(Debug, Clone, Default)]
pub struct RiskModel {
    by_pair: HashMap<String, HashMap<String, Survival>>,
    by_agency: HashMap<String, Survival>,
    by_topic: HashMap<String, Survival>,
    region: Survival,
    min_sample: usize,
}

impl RiskModel {
    /// Builds the curves from the history.
    pub fn build<'a>(history: impl IntoIterator<Item = Observation<'a>>, thresholds: &Thresholds) -> RiskModel {
        type Samples<'k> = HashMap<&'k str, Vec<(f64, bool)>>;
        let mut pair: HashMap<&str, Samples> = HashMap::new();
        let mut agency: Samples = HashMap::new();
        let mut topic: Samples = HashMap::new();
        let mut region = Vec::new();
        for o in history {
            let x = (o.share, o.answered);
            pair.entry(o.agency).or_default().entry(o.topic).or_default().push(x);
            agency.entry(o.agency).or_default().push(x);
            topic.entry(o.topic).or_default().push(x);
            region.push(x);
        }
        let curves = |m: Samples| m.into_iter().map(|(k, v)| (k.to_owned(), Survival::build(v))).collect::<HashMap<_, _>>();
        RiskModel {
            by_pair: pair.into_iter().map(|(a, topics)| (a.to_owned(), curves(topics))).collect(),
            by_agency: curves(agency),
            by_topic: curves(topic),
            region: Survival::build(region),
            min_sample: thresholds.min_sample,
        }
    }

    /// The probability that an appeal of `agency` on `topic` that has waited share `f` of
    /// its term will be answered late; `None` when no history is large enough.
    pub fn risk(&self, agency: Option<&str>, topic: Option<&str>, f: f64) -> Option<Risk> {
        let pair = agency.zip(topic).and_then(|(a, t)| self.by_pair.get(a)?.get(t));
        let candidates = [
            (RiskBasis::AgencyTopic, pair),
            (RiskBasis::Agency, agency.and_then(|a| self.by_agency.get(a))),
            (RiskBasis::Topic, topic.and_then(|t| self.by_topic.get(t))),
            (RiskBasis::Region, Some(&self.region)),
        ];
        candidates.into_iter().find_map(|(basis, curve)| {
            let curve = curve?;
            let sample = curve.waited(f);
            (sample >= self.min_sample.max(1)).then(|| Risk { p_late: curve.p_late(f), basis, sample })
        })
    }
}

/// Where an open appeal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Standing {
    /// In time.
    OnTime,
    /// Likely to be late, or little time left.
    AtRisk,
    /// Past its due instant.
    Overdue,
}

impl Standing {
    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            Standing::OnTime => "on_time",
            Standing::AtRisk => "at_risk",
            Standing::Overdue => "overdue",
        }
    }

    /// Russian words.
    pub fn label_ru(self) -> &'static str {
        match self {
            Standing::OnTime => "в срок",
            Standing::AtRisk => "под угрозой",
            Standing::Overdue => "просрочено",
        }
    }
}

/// Where a pending stage stands, given its lateness risk (if known).
pub fn standing(stage: &StageStatus, risk: Option<&Risk>, thresholds: &Thresholds) -> Standing {
    if stage.done.is_some() {
        return Standing::OnTime;
    }
    if stage.left < Duration::zero() {
        Standing::Overdue
    } else if stage.left <= thresholds.working_left || risk.is_some_and(|r| r.p_late >= thresholds.p_late) {
        Standing::AtRisk
    } else {
        Standing::OnTime
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn kaplan_meier_by_hand() {
        // Shares: answered at 0.2, 0.5, 0.9, 1.5; one still open at 0.7 (censored).
        // S(0.2) = 4/5; S(0.5) = 4/5·3/4 = 3/5; the open one leaves at 0.7; at 0.9 two
        // remain (0.9 and 1.5) → S(0.9) = 3/5·1/2 = 3/10; S(1.5) = 0.
        let s = Survival::build(vec![(0.2, true), (0.5, true), (0.7, false), (0.9, true), (1.5, true)]);
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
        assert!(close(s.at(0.1), 1.0));
        assert!(close(s.at(0.2), 0.8));
        assert!(close(s.at(0.6), 0.6));
        assert!(close(s.at(1.0), 0.3));
        assert!(close(s.at(2.0), 0.0));
        // Having waited 0.6 of the term: P(late) = S(1)/S(0.6) = 0.3/0.6 = 0.5; from the start 0.3.
        assert!(close(s.p_late(0.6), 0.5));
        assert!(close(s.p_late(0.0), 0.3));
        assert_eq!(s.waited(0.6), 3);
    }

    #[test]
    fn falls_back_when_the_history_is_thin() {
        let thresholds = Thresholds { min_sample: 3, ..Thresholds::default() };
        let mut history = vec![];
        // A slow agency on potholes: 4 of 4 late.
        for s in [1.2, 1.4, 1.6, 2.0] {
            history.push(Observation { agency: "slow", topic: "potholes", share: s, answered: true });
        }
        // Only two appeals on lighting: too few for the pair.
        for s in [0.3, 0.4] {
            history.push(Observation { agency: "slow", topic: "lighting", share: s, answered: true });
        }
        // A quick agency: all early.
        for s in [0.1, 0.2, 0.3, 0.4] {
            history.push(Observation { agency: "quick", topic: "potholes", share: s, answered: true });
        }
        let model = RiskModel::build(history, &thresholds);
        let r = model.risk(Some("slow"), Some("potholes"), 0.5).unwrap();
        assert_eq!((r.basis, r.p_late, r.sample), (RiskBasis::AgencyTopic, 1.0, 4));
        let r = model.risk(Some("slow"), Some("lighting"), 0.1).unwrap();
        assert_eq!(r.basis, RiskBasis::Agency);
        let r = model.risk(Some("quick"), Some("potholes"), 0.05).unwrap();
        assert_eq!((r.basis, r.p_late), (RiskBasis::AgencyTopic, 0.0));
        let r = model.risk(None, Some("potholes"), 0.05).unwrap();
        assert_eq!(r.basis, RiskBasis::Topic);
        let r = model.risk(Some("nobody"), None, 0.05).unwrap();
        assert_eq!(r.basis, RiskBasis::Region);
        assert_eq!(model.risk(Some("slow"), Some("potholes"), 5.0), None, "no one ever waited that long");
    }

    proptest! {
        /// Survival is a non-increasing probability, and P(late) a probability.
        #[test]
        fn survival_is_a_monotone_probability(obs in prop::collection::vec((0.0f64..3.0, any::<bool>()), 1..200), x in 0.0f64..3.0, y in 0.0f64..3.0) {
            let s = Survival::build(obs);
            let (lo, hi) = if x <= y { (x, y) } else { (y, x) };
            prop_assert!((0.0..=1.0).contains(&s.at(lo)));
            prop_assert!(s.at(hi) <= s.at(lo));
            prop_assert!((0.0..=1.0).contains(&s.p_late(lo)));
        }
    }
}
