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
//!
//! Building the model reads every appeal's history, so it serialises (serde) for a store
//! to keep it between runs; see [`RiskModel`] for the form.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
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

/// The grid on which shares are counted: 1/1024 of the term (42 minutes of a 30-day term,
/// 1.4 minutes of a day's). Answers within one cell are ties, as days are in a life table:
/// a curve then has at most a few thousand steps however many appeals it counts, where one
/// step per answer kept four levels of curves over every appeal (94 MiB at a million).
pub const CELLS_PER_TERM: f64 = 1024.0;

/// The cell of the grid that share `x` falls in (shares beyond ±2 million terms share the
/// last cell: `as` saturates).
fn cell(x: f64) -> i32 {
    (x * CELLS_PER_TERM).floor() as i32
}

/// The one cell a curve keeps past the term's end (the cell of share 1 and those before it are
/// kept as they are): every appeal answered later, or still open later, is counted there. What
/// the model is asked reads no further: P(late) from within the term needs the curve up to the
/// term's end, and the appeals at risk there are all those that got that far, however much
/// further. Past its term an appeal is overdue whatever the odds. The cells past the term were
/// nearly half of a million appeals' curves (5 of 10.7 MiB: open appeals waiting many terms,
/// each at a cell of its own).
const BEYOND: i32 = CELLS_PER_TERM as i32 + 1;

/// One observation as counts `(cell, answered, still open)`; `None` for a share that is not a
/// number.
fn counted_one(share: f64, answered: bool) -> Option<(i32, u32, u32)> {
    share.is_finite().then(|| (cell(share), u32::from(answered), u32::from(!answered)))
}

/// A Kaplan–Meier survival curve over shares of the term, counted by cells of the grid.
#[derive(Debug, Clone, Default, PartialEq)]
struct Survival {
    /// The cells where some appeal was answered or, still open, has got to; ascending.
    cells: Vec<i32>,
    /// How many appeals were answered in each cell.
    answered: Vec<u32>,
    /// How many appeals got to each cell or beyond (answered in it or later, or still open
    /// in it or later): those at risk there.
    at_least: Vec<u32>,
    /// Survival just after each cell.
    survival: Vec<f64>,
}

impl Survival {
    /// The curve of observations `(share, answered)`.
    #[cfg(test)]
    fn build(obs: Vec<(f64, bool)>) -> Survival {
        Survival::counted(obs.into_iter().filter_map(|(x, answered)| counted_one(x, answered)).collect())
    }

    /// The curve of `(cell, answered, still open)` counts, in any order and with any cell
    /// more than once (the counts add up); the cells past [`BEYOND`] are counted in it.
    fn counted(mut counts: Counts) -> Survival {
        for c in &mut counts {
            c.0 = c.0.min(BEYOND);
        }
        counts.sort_unstable_by_key(|c| c.0);
        counts.dedup_by(|next, kept| {
            let same = next.0 == kept.0;
            if same {
                kept.1 += next.1;
                kept.2 += next.2;
            }
            same
        });
        counts.retain(|c| c.1 + c.2 > 0);
        let n = counts.len();
        let mut out =
            Survival { cells: Vec::with_capacity(n), answered: Vec::with_capacity(n), at_least: Vec::with_capacity(n), survival: Vec::with_capacity(n) };
        let mut at_risk: u32 = counts.iter().map(|c| c.1 + c.2).sum();
        let mut s = 1.0;
        for (c, answered, open) in counts {
            if answered > 0 {
                s *= 1.0 - f64::from(answered) / f64::from(at_risk);
            }
            out.cells.push(c);
            out.answered.push(answered);
            out.at_least.push(at_risk);
            out.survival.push(s);
            at_risk -= answered + open;
        }
        out
    }

    /// The counts the curve was made of: `(cell, answered, still open)`.
    fn counts(&self) -> impl Iterator<Item = (i32, u32, u32)> + '_ {
        (0..self.cells.len()).map(|i| {
            let after = self.at_least.get(i + 1).copied().unwrap_or(0);
            (self.cells[i], self.answered[i], self.at_least[i] - after - self.answered[i])
        })
    }

    /// The steps of the curve: each cell with an answer and the survival just after it.
    #[cfg(test)]
    fn steps(&self) -> (Vec<i32>, Vec<f64>) {
        (0..self.cells.len()).filter(|&i| self.answered[i] > 0).map(|i| (self.cells[i], self.survival[i])).unzip()
    }

    /// P(not answered by share `x`).
    fn at(&self, x: f64) -> f64 {
        let x = cell(x);
        let k = self.cells.partition_point(|&c| c <= x);
        if k == 0 {
            1.0
        } else {
            self.survival[k - 1]
        }
    }

    /// How many appeals waited at least share `x` (to its cell).
    fn waited(&self, x: f64) -> usize {
        let x = cell(x);
        let k = self.cells.partition_point(|&c| c < x);
        self.at_least.get(k).map_or(0, |&n| n as usize)
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
///
/// It serialises so that a store can keep it between runs (building it reads every
/// appeal): as its agency × topic curves only, each the cells of its grid with how many
/// appeals were answered in them and how many are still open there. Reading rebuilds the
/// coarser curves (unions of those) and the survivals: the same model from a quarter of the
/// numbers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RiskModel {
    by_pair: HashMap<String, HashMap<String, Survival>>,
    by_agency: HashMap<String, Survival>,
    by_topic: HashMap<String, Survival>,
    region: Survival,
    min_sample: usize,
}

/// The version of [`RiskModel`]'s serialised form; another version is refused on reading
/// (the caller builds the model again). Format 1 kept every share as the bits of its `f64`.
pub const MODEL_FORMAT: u32 = 2;

/// Counts of appeals `(cell, answered, still open)`, a cell possibly more than once.
type Counts = Vec<(i32, u32, u32)>;

/// The unions of the agency × topic curves grouped by `key` of (agency, topic), each from
/// its parts' counts.
fn unions<'a>(by_pair: &'a HashMap<String, HashMap<String, Survival>>, key: impl Fn(&'a str, &'a str) -> &'a str) -> HashMap<&'a str, Survival> {
    let mut counts: HashMap<&str, Counts> = HashMap::new();
    for (a, topics) in by_pair {
        for (t, c) in topics {
            counts.entry(key(a, t)).or_default().extend(c.counts());
        }
    }
    counts.into_iter().map(|(k, c)| (k, Survival::counted(c))).collect()
}

impl RiskModel {
    /// Builds the curves from the history.
    pub fn build<'a>(history: impl IntoIterator<Item = Observation<'a>>, thresholds: &Thresholds) -> RiskModel {
        let mut pairs: HashMap<&str, HashMap<&str, Counts>> = HashMap::new();
        for o in history {
            if let Some(c) = counted_one(o.share, o.answered) {
                pairs.entry(o.agency).or_default().entry(o.topic).or_default().push(c);
            }
        }
        let by_pair =
            pairs.into_iter().map(|(a, topics)| (a.to_owned(), topics.into_iter().map(|(t, c)| (t.to_owned(), Survival::counted(c))).collect())).collect();
        RiskModel::from_pairs(by_pair, thresholds.min_sample)
    }

    /// The model of its agency × topic curves: every coarser curve is a union of them.
    fn from_pairs(by_pair: HashMap<String, HashMap<String, Survival>>, min_sample: usize) -> RiskModel {
        let owned = |m: HashMap<&str, Survival>| m.into_iter().map(|(k, c)| (k.to_owned(), c)).collect::<HashMap<_, _>>();
        let by_agency = owned(unions(&by_pair, |a, _| a));
        let by_topic = owned(unions(&by_pair, |_, t| t));
        let region = unions(&by_pair, |_, _| "").remove("").unwrap_or_default();
        RiskModel { by_agency, by_topic, region, by_pair, min_sample }
    }

    /// The probability that an appeal of `agency` on `topic` that has waited share `f` of
    /// its term will be answered late; `None` when no history is large enough. Past the term's
    /// end by more than a cell of the grid, the curves keep no detail ([`BEYOND`]) and no
    /// history is large enough: such an appeal is overdue, not at risk.
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

impl Serialize for RiskModel {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        /// One agency × topic curve as kept: its cells, and in each how many appeals were
        /// answered and how many are still open.
        #[derive(Serialize)]
        struct Pair<'a> {
            agency: &'a str,
            topic: &'a str,
            cells: Vec<i32>,
            answered: Vec<u32>,
            open: Vec<u32>,
        }
        #[derive(Serialize)]
        struct Kept<'a> {
            format: u32,
            min_sample: usize,
            pairs: Vec<Pair<'a>>,
        }
        let pairs = self
            .by_pair
            .iter()
            .flat_map(|(a, topics)| {
                topics.iter().map(move |(t, c)| {
                    let (cells, (answered, open)): (Vec<i32>, (Vec<u32>, Vec<u32>)) = c.counts().map(|(cell, a, o)| (cell, (a, o))).unzip();
                    Pair { agency: a, topic: t, cells, answered, open }
                })
            })
            .collect();
        Kept { format: MODEL_FORMAT, min_sample: self.min_sample, pairs }.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for RiskModel {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<RiskModel, D::Error> {
        // The counts are read wide and `cells` may be missing, so that a model of another
        // format still reads this far and is refused by its format, not by a field.
        #[derive(Deserialize)]
        struct Pair {
            agency: String,
            topic: String,
            #[serde(default)]
            cells: Vec<i32>,
            answered: Vec<u64>,
            open: Vec<u64>,
        }
        #[derive(Deserialize)]
        struct Kept {
            format: u32,
            min_sample: usize,
            pairs: Vec<Pair>,
        }
        use serde::de::Error;
        let kept = Kept::deserialize(deserializer)?;
        if kept.format != MODEL_FORMAT {
            return Err(D::Error::custom(format!("lateness model of format {}, this version reads {MODEL_FORMAT}", kept.format)));
        }
        let mut by_pair: HashMap<String, HashMap<String, Survival>> = HashMap::new();
        for p in kept.pairs {
            if p.answered.len() != p.cells.len() || p.open.len() != p.cells.len() {
                return Err(D::Error::custom(format!(
                    "lateness model: a curve of {} cells with {} and {} counts",
                    p.cells.len(),
                    p.answered.len(),
                    p.open.len()
                )));
            }
            let narrow = |n: u64| u32::try_from(n).map_err(|_| D::Error::custom(format!("lateness model: a count of {n} appeals")));
            let counts = p.cells.iter().zip(&p.answered).zip(&p.open).map(|((&c, &a), &o)| Ok((c, narrow(a)?, narrow(o)?))).collect::<Result<_, D::Error>>()?;
            by_pair.entry(p.agency).or_default().insert(p.topic, Survival::counted(counts));
        }
        Ok(RiskModel::from_pairs(by_pair, kept.min_sample))
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

    fn observations(raw: &[(u8, u8, f64, bool)]) -> Vec<Observation<'static>> {
        const NAMES: [&str; 3] = ["a", "b", "c"];
        raw.iter().map(|&(a, t, share, answered)| Observation { agency: NAMES[a as usize % 3], topic: NAMES[t as usize % 3], share, answered }).collect()
    }

    #[test]
    fn a_model_of_another_format_is_refused() {
        let model = RiskModel::build(observations(&[(0, 0, 0.5, true), (1, 2, 1.5, false)]), &Thresholds::default());
        let json = serde_json::to_string(&model).unwrap();
        assert_eq!(serde_json::from_str::<RiskModel>(&json).unwrap(), model);
        let other = json.replace(&format!("\"format\":{MODEL_FORMAT}"), "\"format\":999");
        assert_ne!(other, json);
        assert!(serde_json::from_str::<RiskModel>(&other).unwrap_err().to_string().contains("format 999"));
    }

    #[test]
    fn a_model_of_the_first_format_is_refused_by_its_format() {
        // Format 1 kept every share as the bits of its f64, and had no cells.
        let first = format!(r#"{{"format":1,"min_sample":30,"pairs":[{{"agency":"a","topic":"b","answered":[{}],"open":[]}}]}}"#, 0.5f64.to_bits());
        let err = serde_json::from_str::<RiskModel>(&first).unwrap_err().to_string();
        assert!(err.contains("format 1"), "{err}");
        // Counts that do not fit the cells are refused, not read into a wrong curve.
        let bad = format!(r#"{{"format":{MODEL_FORMAT},"min_sample":30,"pairs":[{{"agency":"a","topic":"b","cells":[1,2],"answered":[1],"open":[0,0]}}]}}"#);
        assert!(serde_json::from_str::<RiskModel>(&bad).unwrap_err().to_string().contains("2 cells"));
    }

    #[test]
    fn a_curve_has_at_most_a_step_per_cell_however_many_appeals_it_counts() {
        // (appeals, shares spread over this many terms): cells in use ≤ the grid's cells up to
        // the term's end, and one past it.
        for (n, terms) in [(10, 1.0), (1_000, 1.0), (100_000, 1.0), (100_000, 3.0), (100_000, 40.0), (300_000, 0.25)] {
            let obs: Vec<(f64, bool)> = (0..n).map(|i| (terms * f64::from(i) / f64::from(n), i % 5 != 0)).collect();
            let curve = Survival::build(obs);
            let grid = ((terms * CELLS_PER_TERM) as usize).min(BEYOND as usize + 1);
            assert_eq!(curve.at_least[0] as usize, n as usize);
            assert!(curve.cells.len() == grid.min(n as usize), "{n} appeals over {terms} terms: {} cells", curve.cells.len());
        }
    }

    proptest! {
        /// A model written and read back is the same model, to the bit, and answers alike.
        #[test]
        fn a_model_round_trips_exactly(raw in prop::collection::vec((0u8..3, 0u8..3, -0.5f64..3.0, any::<bool>()), 0..300), f in 0.0f64..3.0) {
            let model = RiskModel::build(observations(&raw), &Thresholds { min_sample: 5, ..Thresholds::default() });
            let read: RiskModel = serde_json::from_slice(&serde_json::to_vec(&model).unwrap()).unwrap();
            prop_assert_eq!(&read, &model);
            for (a, t) in [(Some("a"), Some("b")), (Some("c"), None), (None, Some("a")), (None, None)] {
                prop_assert_eq!(read.risk(a, t, f), model.risk(a, t, f));
            }
        }

        /// The curve kept as answered and open shares is the textbook estimate over the
        /// observations sorted together (ties between answered and open included) up to the
        /// term's end, with one step at most past it; those at risk at a share within the term
        /// are all that got that far, however much further.
        #[test]
        fn the_curve_is_the_plain_kaplan_meier_to_the_terms_end(obs in prop::collection::vec((0u8..40, any::<bool>()), 0..200), x in 0u8..=10) {
            let obs: Vec<(f64, bool)> = obs.into_iter().map(|(s, a)| (f64::from(s) / 10.0, a)).collect();
            let x = f64::from(x) / 10.0;
            let waited = obs.iter().filter(|o| cell(o.0) >= cell(x)).count();
            let mut sorted: Vec<(i32, bool)> = obs.iter().map(|&(x, a)| (cell(x), a)).collect();
            sorted.sort_by_key(|o| o.0);
            let (mut times, mut survival, mut s, mut i) = (vec![], vec![], 1.0, 0);
            while i < sorted.len() {
                let t = sorted[i].0;
                let (at_risk, mut events) = (sorted.len() - i, 0);
                while i < sorted.len() && sorted[i].0 == t {
                    events += usize::from(sorted[i].1);
                    i += 1;
                }
                if events > 0 {
                    s *= 1.0 - events as f64 / at_risk as f64;
                    times.push(t);
                    survival.push(s);
                }
            }
            let curve = Survival::build(obs);
            let within = |(times, survival): (Vec<i32>, Vec<f64>)| -> (Vec<i32>, Vec<f64>) {
                times.into_iter().zip(survival).filter(|(t, _)| *t <= cell(1.0)).unzip()
            };
            prop_assert_eq!(within(curve.steps()), within((times, survival)));
            prop_assert!(curve.steps().0.iter().filter(|&&t| t > cell(1.0)).count() <= 1);
            prop_assert_eq!(curve.waited(x), waited);
        }

        /// Every coarser curve is the curve of its appeals counted together: the unions of the
        /// agency × topic counts lose nothing.
        #[test]
        fn the_coarser_curves_are_the_curves_of_their_appeals(raw in prop::collection::vec((0u8..3, 0u8..3, -0.5f64..3.0, any::<bool>()), 0..300)) {
            let obs = observations(&raw);
            let model = RiskModel::build(obs.clone(), &Thresholds::default());
            let of = |keep: &dyn Fn(&Observation) -> bool| Survival::build(obs.iter().filter(|o| keep(o)).map(|o| (o.share, o.answered)).collect());
            prop_assert_eq!(&model.region, &of(&|_| true));
            for (name, curve) in &model.by_agency {
                prop_assert_eq!(curve, &of(&|o| o.agency == name));
            }
            for (name, curve) in &model.by_topic {
                prop_assert_eq!(curve, &of(&|o| o.topic == name));
            }
            let pairs: usize = model.by_pair.values().map(HashMap::len).sum();
            prop_assert_eq!(pairs, obs.iter().map(|o| (o.agency, o.topic)).collect::<std::collections::HashSet<_>>().len());
        }

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
