//! Early warning: bursts of appeals per municipality × topic, in near real time.
//!
//! An outage makes dozens of people write within an hour; the situation room should know
//! before the tenth appeal is read. The detector ([`Detector`], or [`detect`] over a whole
//! history) watches every series *municipality × topic* and, at each arrival, asks: is the
//! number of appeals of this series in the last 30 min, 1 h or 2 h improbably high given
//! the series' own past? It is online: an alert is raised *at the arrival* that makes the
//! count significant, and only the past is used.
//!
//! The model of a series' count in a window:
//! - **rate**: the series' own appeals in the trailing [`AlertParams::baseline_weeks`]
//!   (ending where the longest window starts), per hour of *profile exposure*;
//! - **weekly seasonality**: an hour-of-week profile (168 values, mean 1) per municipality,
//!   shared by its topics (per-series profiles are far too sparse), shrunk towards the
//!   region's profile, from all the past; a window's exposure is the integral of the
//!   profile over it, so a Monday-morning peak is expected, not alarming;
//! - **sparse histories**: most series get a few appeals a month, so the rate is uncertain.
//!   A Gamma prior (mean [`AlertParams::floor_per_day`], weight
//!   [`AlertParams::prior_hours`]) updated with the history gives a Gamma posterior, and the
//!   count in a window is then negative binomial (the Gamma–Poisson predictive): it
//!   accounts for how little we know about a quiet series and tends to Poisson for a busy
//!   one. The p-value is its upper tail `P(N ≥ observed)`;
//! - **the topic's level**: how the topic's appeals in the *other* municipalities over the
//!   last [`AlertParams::topic_lookback_secs`] compare with their baselines (a Gamma
//!   posterior with prior mean 1) multiplies the expectation, so a region-wide seasonal
//!   switch-over (snow on 1 December) is followed within hours, while a burst in one
//!   municipality cannot mask itself.
//!
//! An arrival is significant when, in some window, `observed ≥ min_count`, and
//! `p < alpha`. The series then is *in alarm* (refractory rule): it is not re-alerted while
//! arrivals stay significant; the alarm ends [`AlertParams::calm_secs`] after the last
//! significant arrival, and afterwards windows count only arrivals after the alarm's end
//! (a new alert needs new evidence). Arrivals during an alarm are kept out of the
//! baseline, so a burst does not blunt the detector for the next four weeks.
//!
//! The method, the choice of the numbers and the figures measured on the demo year are in
//! `docs/hotspots-alerts.md`.

use std::borrow::Cow;

use serde::Serialize;

/// One appeal as the detector sees it; indices are small integers the caller maps from ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Arrival {
    /// Instant of receipt, Unix seconds (UTC).
    pub at: i64,
    /// Municipality index.
    pub municipality: u8,
    /// Topic index (the classifier's topic; give "unclassified" its own index).
    pub topic: u16,
}

/// Parameters of the detector. The defaults and why they are what they are are in
/// `docs/hotspots-alerts.md`.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertParams {
    /// Lengths of the sliding windows, seconds (each arrival tests all of them).
    pub windows_secs: Vec<i64>,
    /// Length of the trailing baseline, in whole weeks (so every hour of the week is
    /// represented equally).
    pub baseline_weeks: u32,
    /// Significance of one test (one series, one window, one arrival).
    pub alpha: f64,
    /// Fewest appeals in a window that can raise an alert.
    pub min_count: u32,
    /// Prior mean rate of a series, appeals per day: the floor for an empty history.
    pub floor_per_day: f64,
    /// Weight of the prior, hours of pseudo-exposure.
    pub prior_hours: f64,
    /// Weight of the region's hour-of-week profile in a municipality's, pseudo-appeals.
    pub profile_prior: f64,
    /// An alarm ends this long after the series' last significant arrival, seconds.
    pub calm_secs: i64,
    /// No alert during the first days after the first arrival (the baseline is empty).
    pub warmup_days: u32,
    /// Offset of local time from UTC, seconds (Europe/Astrakhan: +4 h all year).
    pub utc_offset_secs: i64,
    /// Look-back of the topic's region-wide level, seconds (0 turns the level off): how the
    /// topic's appeals in the *other* municipalities compare with their baselines lately.
    pub topic_lookback_secs: i64,
    /// Weight of the prior "the topic is at its usual level", pseudo-appeals.
    pub topic_prior: f64,
}

impl Default for AlertParams {
    /// Windows of 30 min, 1 h and 2 h; a baseline of 4 weeks; `alpha = 1e-7`; at least 5
    /// appeals; a floor of one appeal per 28 days with the weight of one day; a profile prior
    /// of 1,000 appeals; calm after 2 h; a warm-up of 7 days; UTC+4; the topic's level over
    /// the last 6 h with a prior of 10 appeals.
    fn default() -> Self {
        AlertParams {
            windows_secs: vec![1800, 3600, 7200],
            baseline_weeks: 4,
            alpha: 1e-7,
            min_count: 5,
            floor_per_day: 1.0 / 28.0,
            prior_hours: 24.0,
            profile_prior: 1000.0,
            calm_secs: 7200,
            warmup_days: 7,
            utc_offset_secs: 4 * 3600,
            topic_lookback_secs: 6 * 3600,
            topic_prior: 10.0,
        }
    }
}

/// A burst: a series whose count in a window is improbably high.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    /// Municipality index.
    pub municipality: u8,
    /// Topic index.
    pub topic: u16,
    /// Start of the window that was significant, Unix seconds.
    pub window_start: i64,
    /// Instant of the arrival that made the count significant, Unix seconds.
    pub raised_at: i64,
    /// Appeals in the window, the triggering one included.
    pub observed: u32,
    /// Appeals expected in the window.
    pub expected: f64,
    /// `P(N ≥ observed)` under the series' model (one test, not adjusted).
    pub p_value: f64,
}

impl Alert {
    /// Why the alert was raised, in Russian:
    /// «за 2 ч поступило 14 обращений при ожидаемых 0,3; p < 1e-9».
    pub fn reason_ru(&self) -> String {
        let span = self.raised_at - self.window_start;
        let window = if span % 3600 == 0 { format!("{} ч", span / 3600) } else { format!("{} мин", (span + 30) / 60) };
        let expected = match self.expected {
            e if e >= 0.095 => format!("{e:.1}"),
            e if e >= 0.01 => format!("{e:.2}"),
            _ => "менее 0.01".to_owned(),
        }
        .replace('.', ",");
        let p = if self.p_value < 1e-9 {
            "p < 1e-9".to_owned()
        } else {
            let text = format!("{:.1e}", self.p_value).replace('.', ",");
            format!("p = {text}")
        };
        format!("за {window} поступило {} {} при ожидаемых {expected}; {p}", self.observed, appeals_word(self.observed))
    }
}

/// «обращение / обращения / обращений» for a count.
fn appeals_word(n: u32) -> &'static str {
    match (n % 10, n % 100) {
        (_, 11..=14) => "обращений",
        (1, _) => "обращение",
        (2..=4, _) => "обращения",
        _ => "обращений",
    }
}

/// Finds the bursts in a whole history: feeds every arrival to a [`Detector`] in order of
/// time. The arrivals should be sorted by `at`; if they are not, a sorted copy is used
/// (ties keep their order). The alerts come in order of `raised_at`.
pub fn detect(arrivals: &[Arrival], params: &AlertParams) -> Vec<Alert> {
    let sorted: Cow<[Arrival]> = if arrivals.windows(2).all(|w| w[0].at <= w[1].at) {
        Cow::Borrowed(arrivals)
    } else {
        let mut v = arrivals.to_vec();
        v.sort_by_key(|a| a.at);
        Cow::Owned(v)
    };
    let mut detector = Detector::new(params.clone());
    sorted.iter().filter_map(|&a| detector.push(a)).collect()
}

const WEEK: i64 = 7 * 86_400;
const NONE: u32 = u32::MAX;
const HOURS_PER_WEEK: usize = 168;
/// Unix day 0 was a Thursday: shifting by 3 days makes weeks start on Monday 00:00.
const MONDAY_SHIFT: i64 = 3 * 86_400;

/// The streaming detector: feed arrivals in order of time with [`Detector::push`]; each
/// call returns the alert that arrival raises, if any. Memory is bounded by the arrivals of
/// the baseline period.
#[derive(Debug, Clone)]
pub struct Detector {
    params: AlertParams,
    windows: Vec<i64>,
    longest: i64,
    baseline_secs: i64,
    first: Option<i64>,
    last: i64,
    day: i64,
    region_counts: [f64; HOURS_PER_WEEK],
    municipality_counts: Vec<[f64; HOURS_PER_WEEK]>,
    profiles: Vec<Profile>,
    /// Series index per municipality and topic (`NONE` where there is none yet).
    index: Vec<Vec<u32>>,
    series: Vec<Series>,
    /// Per topic index.
    topics: Vec<TopicLevel>,
    /// Per municipality: profile hours of the topic look-back ending at `lookback_at`.
    lookback_exposure: Vec<f64>,
    lookback_at: i64,
    prior_shape: f64,
}

/// A topic's recent arrivals region-wide, for its level.
#[derive(Debug, Clone, Default)]
struct TopicLevel {
    /// Arrivals within the look-back: (instant, municipality).
    recent: std::collections::VecDeque<(i64, u8)>,
    /// Of those, per municipality.
    by_municipality: Vec<u32>,
    /// The topic's series (indices into `Detector::series`).
    members: Vec<usize>,
}

/// A municipality's hour-of-week profile (mean 1) and its running integral.
#[derive(Debug, Clone)]
struct Profile {
    value: [f64; HOURS_PER_WEEK],
    prefix: [f64; HOURS_PER_WEEK + 1],
}

impl Profile {
    fn flat() -> Profile {
        let mut prefix = [0.0; HOURS_PER_WEEK + 1];
        for (h, p) in prefix.iter_mut().enumerate() {
            *p = h as f64;
        }
        Profile { value: [1.0; HOURS_PER_WEEK], prefix }
    }

    /// Profile hours from an arbitrary origin to local instant `local` (seconds, already
    /// shifted to start weeks on Monday).
    fn integral(&self, local: i64) -> f64 {
        let week = local.div_euclid(WEEK);
        let within = local.rem_euclid(WEEK);
        let hour = (within / 3600) as usize;
        let frac = (within % 3600) as f64 / 3600.0;
        week as f64 * HOURS_PER_WEEK as f64 + self.prefix[hour] + frac * self.value[hour]
    }
}

/// One municipality × topic series.
#[derive(Debug, Clone)]
struct Series {
    municipality: u8,
    topic: u16,
    /// Arrivals within the longest window; `recent_first` is the sequence number of the front.
    recent: std::collections::VecDeque<i64>,
    recent_first: usize,
    /// Per window: sequence number of the first arrival inside it.
    window_first: Vec<usize>,
    /// Arrivals outside alarms within the baseline period and the longest window.
    baseline: std::collections::VecDeque<i64>,
    baseline_first: usize,
    /// Sequence number of the first baseline arrival after the baseline's end.
    baseline_end: usize,
    alarm_until: i64,
    evidence_from: i64,
    /// The rate (appeals per profile hour) at the latest arrival.
    rate: f64,
}

impl Detector {
    /// A detector with no history.
    pub fn new(params: AlertParams) -> Detector {
        let mut windows: Vec<i64> = params.windows_secs.iter().copied().filter(|&w| w > 0).collect();
        windows.sort_unstable();
        windows.dedup();
        let longest = windows.last().copied().unwrap_or(3600);
        let baseline_secs = i64::from(params.baseline_weeks.max(1)) * WEEK;
        let prior_shape = params.floor_per_day.max(0.0) / 24.0 * params.prior_hours.max(0.0);
        Detector {
            windows,
            longest,
            baseline_secs,
            first: None,
            last: i64::MIN,
            day: i64::MIN,
            region_counts: [0.0; HOURS_PER_WEEK],
            municipality_counts: Vec::new(),
            profiles: Vec::new(),
            index: Vec::new(),
            series: Vec::new(),
            topics: Vec::new(),
            lookback_exposure: Vec::new(),
            lookback_at: i64::MIN,
            prior_shape,
            params,
        }
    }

    fn local(&self, at: i64) -> i64 {
        at + self.params.utc_offset_secs + MONDAY_SHIFT
    }

    /// Re-estimates every municipality's profile from the counts so far (once a day, at
    /// local midnight `now`). A slot's rate is its count over the number of times that
    /// hour of the week has elapsed since the first arrival; a municipality's normalised
    /// rates are blended with the region's with weight `n / (n + profile_prior)`, and the
    /// region's with the flat profile in the same way.
    fn refresh_profiles(&mut self, now: i64) {
        let Some(first) = self.first else { return };
        let elapsed = ((now - first).max(0) / 3600) as usize;
        let first_slot = (self.local(first).rem_euclid(WEEK) / 3600) as usize;
        let mut seen = [0.0; HOURS_PER_WEEK];
        for (h, s) in seen.iter_mut().enumerate() {
            let offset = (h + HOURS_PER_WEEK - first_slot) % HOURS_PER_WEEK;
            *s = (elapsed / HOURS_PER_WEEK + usize::from(offset < elapsed % HOURS_PER_WEEK)) as f64;
        }
        let region_raw = normalised_rates(&self.region_counts, &seen);
        let region_n: f64 = self.region_counts.iter().sum();
        let region_weight = region_n / (region_n + self.params.profile_prior.max(0.0));
        let region: Vec<f64> = region_raw.iter().map(|r| region_weight * r + (1.0 - region_weight)).collect();
        for (m, counts) in self.municipality_counts.iter().enumerate() {
            let own = normalised_rates(counts, &seen);
            let n: f64 = counts.iter().sum();
            let weight = n / (n + self.params.profile_prior.max(0.0));
            let profile = &mut self.profiles[m];
            let mut running = 0.0;
            for h in 0..HOURS_PER_WEEK {
                let v = weight * own[h] + (1.0 - weight) * region[h];
                profile.value[h] = v;
                profile.prefix[h] = running;
                running += v;
            }
            profile.prefix[HOURS_PER_WEEK] = running;
        }
    }

    /// Offers one arrival (instants must not decrease; an earlier one is treated as
    /// arriving now) and returns the alert it raises, if any.
    pub fn push(&mut self, arrival: Arrival) -> Option<Alert> {
        let t = arrival.at.max(self.last);
        self.last = t;
        let first = *self.first.get_or_insert(t);
        let local = self.local(t);
        let m = usize::from(arrival.municipality);
        if self.municipality_counts.len() <= m {
            self.municipality_counts.resize(m + 1, [0.0; HOURS_PER_WEEK]);
            self.profiles.resize(m + 1, Profile::flat());
            self.day = i64::MIN;
        }
        let day = local.div_euclid(86_400);
        if day != self.day {
            self.refresh_profiles(t);
            self.day = day;
        }
        let s = self.series_index(arrival);
        self.advance_windows(s, t);
        let (shape, scale) = self.advance_baseline(s, t, first);
        self.advance_topic(arrival.topic, t);

        let series = &mut self.series[s];
        if series.alarm_until != i64::MIN && t >= series.alarm_until && series.evidence_from < series.alarm_until {
            series.evidence_from = series.alarm_until;
        }
        let warm = t - first >= i64::from(self.params.warmup_days) * 86_400;
        let best = if warm { self.most_significant_window(s, t, shape, scale) } else { None };

        let params = &self.params;
        let series = &mut self.series[s];
        let in_alarm = t < series.alarm_until;
        let mut alert = None;
        if let Some(b) = best.filter(|b| b.p < params.alpha) {
            series.alarm_until = t + params.calm_secs.max(0);
            if !in_alarm {
                alert = Some(Alert {
                    municipality: series.municipality,
                    topic: series.topic,
                    window_start: b.window_start,
                    raised_at: t,
                    observed: b.observed,
                    expected: b.expected,
                    p_value: b.p,
                });
            }
        }
        if t >= series.alarm_until {
            series.baseline.push_back(t);
        }
        let level = &mut self.topics[usize::from(arrival.topic)];
        if level.by_municipality.len() <= m {
            level.by_municipality.resize(m + 1, 0);
        }
        level.recent.push_back((t, arrival.municipality));
        level.by_municipality[m] += 1;
        let how = (local.rem_euclid(WEEK) / 3600) as usize;
        self.region_counts[how] += 1.0;
        self.municipality_counts[m][how] += 1.0;
        alert
    }

    fn series_index(&mut self, arrival: Arrival) -> usize {
        let (m, topic) = (usize::from(arrival.municipality), usize::from(arrival.topic));
        if self.index.len() <= m {
            self.index.resize(m + 1, Vec::new());
        }
        if self.index[m].len() <= topic {
            self.index[m].resize(topic + 1, NONE);
        }
        if self.index[m][topic] != NONE {
            return self.index[m][topic] as usize;
        }
        self.series.push(Series {
            municipality: arrival.municipality,
            topic: arrival.topic,
            recent: Default::default(),
            recent_first: 0,
            window_first: vec![0; self.windows.len()],
            baseline: Default::default(),
            baseline_first: 0,
            baseline_end: 0,
            alarm_until: i64::MIN,
            evidence_from: i64::MIN,
            rate: 0.0,
        });
        let s = self.series.len() - 1;
        self.index[m][topic] = u32::try_from(s).expect("fewer than 2³² series");
        if self.topics.len() <= topic {
            self.topics.resize(topic + 1, TopicLevel::default());
        }
        self.topics[topic].members.push(s);
        s
    }

    /// Adds the arrival at `t` to its series' windows `(t − w, t]` and forgets what is older
    /// than the longest.
    fn advance_windows(&mut self, s: usize, t: i64) {
        let series = &mut self.series[s];
        series.recent.push_back(t);
        let total = series.recent_first + series.recent.len();
        for (k, &w) in self.windows.iter().enumerate() {
            let mut seq = series.window_first[k];
            while seq < total && series.recent[seq - series.recent_first] <= t - w {
                seq += 1;
            }
            series.window_first[k] = seq;
        }
        let keep_from = series.window_first.iter().copied().min().unwrap_or(total);
        while series.recent_first < keep_from {
            series.recent.pop_front();
            series.recent_first += 1;
        }
    }

    /// Moves the series' baseline `[t − longest − baseline, t − longest)` to `t` and returns
    /// the Gamma posterior of its rate per profile hour, `(shape, scale)`.
    fn advance_baseline(&mut self, s: usize, t: i64, first: i64) -> (f64, f64) {
        let series = &mut self.series[s];
        let end = t - self.longest;
        let start = (end - self.baseline_secs).max(first);
        let total = series.baseline_first + series.baseline.len();
        while series.baseline_end < total && series.baseline[series.baseline_end - series.baseline_first] < end {
            series.baseline_end += 1;
        }
        while series.baseline.front().is_some_and(|&b| b < start) {
            series.baseline.pop_front();
            series.baseline_first += 1;
        }
        let history = (series.baseline_end - series.baseline_first) as f64;
        let profile = &self.profiles[usize::from(series.municipality)];
        let shift = self.params.utc_offset_secs + MONDAY_SHIFT;
        let exposure = if end > start { profile.integral(end + shift) - profile.integral(start + shift) } else { 0.0 };
        let shape = self.prior_shape + history;
        let scale = self.params.prior_hours.max(1e-9) + exposure;
        series.rate = shape / scale;
        (shape, scale)
    }

    /// Forgets the topic's arrivals older than the look-back.
    fn advance_topic(&mut self, topic: u16, t: i64) {
        let lookback = self.params.topic_lookback_secs.max(0);
        let level = &mut self.topics[usize::from(topic)];
        while level.recent.front().is_some_and(|&(at, _)| at <= t - lookback) {
            let (_, gone) = level.recent.pop_front().expect("checked");
            level.by_municipality[usize::from(gone)] -= 1;
        }
    }

    /// The topic's current level outside `municipality`: appeals of the topic in the other
    /// municipalities over the look-back against what their baselines expect, as a Gamma
    /// posterior (prior mean 1, weight `topic_prior`): `(mean, shape)`.
    fn topic_level(&mut self, topic: u16, municipality: u8, t: i64) -> (f64, f64) {
        let lookback = self.params.topic_lookback_secs.max(0);
        if lookback == 0 {
            return (1.0, f64::INFINITY);
        }
        if self.lookback_at != t || self.lookback_exposure.len() != self.profiles.len() {
            let (now, then) = (self.local(t), self.local(t - lookback));
            self.lookback_exposure = self.profiles.iter().map(|p| p.integral(now) - p.integral(then)).collect();
            self.lookback_at = t;
        }
        let level = &self.topics[usize::from(topic)];
        let own = level.by_municipality.get(usize::from(municipality)).copied().unwrap_or(0);
        let observed = (level.recent.len() - own as usize) as f64;
        let expected: f64 = level
            .members
            .iter()
            .map(|&i| &self.series[i])
            .filter(|other| other.municipality != municipality)
            .map(|other| other.rate * self.lookback_exposure[usize::from(other.municipality)])
            .sum();
        let prior = self.params.topic_prior.max(1e-9);
        ((observed + prior) / (expected + prior), observed + prior)
    }

    /// The window with the smallest p-value among those with at least `min_count` appeals
    /// above their expectation.
    fn most_significant_window(&mut self, s: usize, t: i64, shape: f64, scale: f64) -> Option<Window> {
        let min_count = self.params.min_count.max(1);
        let series = &self.series[s];
        let total = series.recent_first + series.recent.len();
        if total - series.recent_first.max(series.window_first.last().copied().unwrap_or(total)) < min_count as usize {
            return None; // even the longest window has too few
        }
        // Counts per window: arrivals in (t − w, t] and not before the end of the last alarm.
        let counts: Vec<(i64, u32)> = self
            .windows
            .iter()
            .enumerate()
            .map(|(k, &w)| {
                let mut seq = series.window_first[k];
                while seq < total && series.recent[seq - series.recent_first] < series.evidence_from {
                    seq += 1;
                }
                (w, (total - seq) as u32)
            })
            .filter(|&(_, n)| n >= min_count)
            .collect();
        if counts.is_empty() {
            return None;
        }
        let (municipality, topic, evidence_from) = (series.municipality, series.topic, series.evidence_from);
        let (factor, level_shape) = self.topic_level(topic, municipality, t);
        let profile = &self.profiles[usize::from(municipality)];
        let local = self.local(t);
        let now = profile.integral(local);
        let last_minute = now - profile.integral(local - 60);
        // The rate is Gamma(shape) and the level Gamma(level_shape); their product is taken
        // as a Gamma with the same squared coefficient of variation.
        let combined = 1.0 / (1.0 / shape + 1.0 / level_shape);
        let mut best: Option<Window> = None;
        for (w, observed) in counts {
            let from = (t - w).max(evidence_from);
            let exposure = (now - profile.integral(self.local(from))).max(last_minute);
            let mean = shape / scale * factor * exposure;
            let n = f64::from(observed);
            // Under the model p > 1e-3 here (the negative binomial's tail is at least the
            // Poisson's, and the Poisson's 3-sigma tail is above 1e-3): skip the sum.
            if n <= mean || (self.params.alpha < 1e-3 && n <= mean + 3.0 * mean.sqrt()) {
                continue;
            }
            let p = negative_binomial_upper_tail(observed, combined, mean / (combined + mean));
            if best.as_ref().is_none_or(|b| p < b.p) {
                best = Some(Window { p, observed, expected: mean, window_start: t - w });
            }
        }
        best
    }
}

/// The most significant window of an arrival.
#[derive(Debug, Clone, Copy)]
struct Window {
    p: f64,
    observed: u32,
    expected: f64,
    window_start: i64,
}

/// Per-slot rates `count / times seen`, scaled to mean 1; slots not seen yet get the mean,
/// and an empty history gives the flat profile.
fn normalised_rates(counts: &[f64; HOURS_PER_WEEK], seen: &[f64; HOURS_PER_WEEK]) -> [f64; HOURS_PER_WEEK] {
    let rates: Vec<Option<f64>> = counts.iter().zip(seen).map(|(c, s)| (*s > 0.0).then(|| c / s)).collect();
    let known: Vec<f64> = rates.iter().flatten().copied().collect();
    let mean = known.iter().sum::<f64>() / known.len().max(1) as f64;
    let mut out = [1.0; HOURS_PER_WEEK];
    if mean > 0.0 {
        for (o, r) in out.iter_mut().zip(&rates) {
            *o = r.map_or(1.0, |r| r / mean);
        }
    }
    out
}

/// `ln Γ(x)` for `x > 0`: shifted above 10 by `Γ(x+1) = xΓ(x)`, then Stirling's series
/// (absolute error below 1e-12).
fn ln_gamma(mut x: f64) -> f64 {
    let mut shift = 0.0;
    while x < 10.0 {
        shift -= x.ln();
        x += 1.0;
    }
    let inv = 1.0 / x;
    let inv2 = inv * inv;
    let series = inv * (1.0 / 12.0 - inv2 * (1.0 / 360.0 - inv2 * (1.0 / 1260.0 - inv2 / 1680.0)));
    shift + (x - 0.5) * x.ln() - x + 0.5 * (2.0 * std::f64::consts::PI).ln() + series
}

/// `P(N ≥ n)` for the negative binomial with shape `a > 0` and success probability `q`:
/// `P(N = k) = Γ(k + a) / (Γ(a) k!) · (1 − q)^a · q^k`, mean `a q / (1 − q)`. It is the
/// count in a window of exposure `e` when the rate is Gamma(a, b): `q = e / (b + e)`.
/// Summed upwards from `n` (accurate for tiny tails); meant for `n` above the mean.
pub fn negative_binomial_upper_tail(n: u32, a: f64, q: f64) -> f64 {
    if n == 0 {
        return 1.0;
    }
    if q.is_nan() || a.is_nan() || q <= 0.0 || a <= 0.0 {
        return 0.0;
    }
    if q >= 1.0 {
        return 1.0;
    }
    let nf = f64::from(n);
    let mut term = (ln_gamma(nf + a) - ln_gamma(a) - ln_gamma(nf + 1.0) + a * (1.0 - q).ln() + nf * q.ln()).exp();
    let mut sum = term;
    let mut k = nf;
    for _ in 0..100_000 {
        term *= (k + a) / (k + 1.0) * q;
        k += 1.0;
        sum += term;
        if term <= sum * 1e-15 {
            break;
        }
    }
    sum.min(1.0)
}

/// An injected incident: the ground truth of an evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Truth {
    /// Municipality index.
    pub municipality: u8,
    /// Topic index.
    pub topic: u16,
    /// Start of the incident, Unix seconds.
    pub started_at: i64,
}

/// How well the alerts found the incidents.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Detection {
    /// Incidents in the ground truth.
    pub incidents: usize,
    /// Incidents with an alert of their series within the allowed delay.
    pub detected: usize,
    /// `detected / incidents` (1 when there are none).
    pub recall: f64,
    /// Median delay from an incident's start to its first alert, minutes.
    pub median_delay_minutes: Option<f64>,
    /// Longest such delay, minutes.
    pub max_delay_minutes: Option<f64>,
    /// All alerts.
    pub alerts: usize,
    /// Alerts that match no incident.
    pub false_alarms: usize,
    /// Length of the evaluated span, weeks.
    pub weeks: f64,
    /// `false_alarms / weeks`.
    pub false_alarms_per_week: f64,
    /// The incidents that were not detected in time.
    pub missed: Vec<Truth>,
}

/// An alert belongs to an incident of its series when raised within this long of its start.
pub const MATCH_HORIZON_SECS: i64 = 6 * 3600;

/// Scores alerts against the ground truth. An incident is *detected* when an alert of its
/// series is raised in `[started_at, started_at + within_secs]`; an alert of no incident's
/// series raised in `[started_at, started_at + MATCH_HORIZON_SECS]` is a *false alarm*.
/// `span_secs` is the length of the evaluated history.
pub fn evaluate(alerts: &[Alert], truth: &[Truth], within_secs: i64, span_secs: i64) -> Detection {
    let mut delays = Vec::new();
    let mut missed = Vec::new();
    for inc in truth {
        let first = alerts
            .iter()
            .filter(|a| a.municipality == inc.municipality && a.topic == inc.topic && (inc.started_at..=inc.started_at + within_secs).contains(&a.raised_at))
            .map(|a| a.raised_at - inc.started_at)
            .min();
        match first {
            Some(delay) => delays.push(delay as f64 / 60.0),
            None => missed.push(*inc),
        }
    }
    let false_alarms = alerts
        .iter()
        .filter(|a| {
            !truth.iter().any(|inc| {
                a.municipality == inc.municipality && a.topic == inc.topic && (inc.started_at..=inc.started_at + MATCH_HORIZON_SECS).contains(&a.raised_at)
            })
        })
        .count();
    delays.sort_by(f64::total_cmp);
    let median = match delays.len() {
        0 => None,
        n if n % 2 == 1 => Some(delays[n / 2]),
        n => Some((delays[n / 2 - 1] + delays[n / 2]) / 2.0),
    };
    let weeks = span_secs.max(0) as f64 / WEEK as f64;
    Detection {
        incidents: truth.len(),
        detected: delays.len(),
        recall: if truth.is_empty() { 1.0 } else { delays.len() as f64 / truth.len() as f64 },
        median_delay_minutes: median,
        max_delay_minutes: delays.last().copied(),
        alerts: alerts.len(),
        false_alarms,
        weeks,
        false_alarms_per_week: if weeks > 0.0 { false_alarms as f64 / weeks } else { 0.0 },
        missed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator (SplitMix64) so the tests need no outside crate.
    struct Rng(u64);

    impl Rng {
        fn next_u64(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        fn uniform(&mut self) -> f64 {
            (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
        }

        fn poisson(&mut self, mean: f64) -> u32 {
            // Inversion: fine for the small means of one hour of one series.
            let mut k = 0;
            let mut p = (-mean).exp();
            let mut cdf = p;
            let u = self.uniform();
            while u > cdf && k < 10_000 {
                k += 1;
                p *= mean / f64::from(k);
                cdf += p;
            }
            k
        }
    }

    /// Monday 2 March 2026 00:00 local (UTC+4).
    const START: i64 = 1_772_395_200;

    /// Hour-of-week shape: office hours, quiet nights, calmer weekends.
    fn office_shape(hour_of_week: i64) -> f64 {
        let (day, hour) = (hour_of_week / 24, hour_of_week % 24);
        let daily = if (8..20).contains(&hour) { 2.0 } else { 0.3 };
        daily * if day >= 5 { 0.6 } else { 1.0 }
    }

    /// Poisson arrivals of several series over `weeks`, hourly mean = rate × shape(hour).
    fn background(rng: &mut Rng, weeks: i64, series: &[(u8, u16, f64)], shape: impl Fn(i64) -> f64) -> Vec<Arrival> {
        let mut out = Vec::new();
        for h in 0..weeks * 168 {
            let factor = shape(h % 168);
            for &(municipality, topic, rate) in series {
                for _ in 0..rng.poisson(rate * factor) {
                    out.push(Arrival { at: START + h * 3600 + (rng.uniform() * 3600.0) as i64, municipality, topic });
                }
            }
        }
        out.sort_by_key(|a| a.at);
        out
    }

    /// An incident: `n` appeals with exponential delays (mean 30 min) after `at`.
    fn burst(rng: &mut Rng, at: i64, municipality: u8, topic: u16, n: u32) -> Vec<Arrival> {
        (0..n).map(|_| Arrival { at: at + (-(rng.uniform().max(1e-12)).ln() * 1800.0).min(10_000.0) as i64, municipality, topic }).collect()
    }

    /// Rates per hour from a few a month to a couple an hour, as in the demo.
    fn mixed_series() -> Vec<(u8, u16, f64)> {
        let rates = [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.3, 1.0, 2.0];
        (0..4u8).flat_map(|m| rates.iter().enumerate().map(move |(t, &r)| (m, t as u16, r))).collect()
    }

    #[test]
    fn a_flat_poisson_background_raises_no_alerts() {
        let mut rng = Rng(1);
        let arrivals = background(&mut rng, 26, &mixed_series(), office_shape);
        let alerts = detect(&arrivals, &AlertParams::default());
        assert!(alerts.len() <= 1, "{} alerts: {alerts:?}", alerts.len());
    }

    #[test]
    fn injected_bursts_are_detected_within_two_hours() {
        let mut rng = Rng(2);
        let mut arrivals = background(&mut rng, 26, &mixed_series(), office_shape);
        let mut truth = Vec::new();
        // One burst every two weeks, in turn in quiet and busy series: 15 appeals, or 30 in
        // the busiest series (4 an hour at midday), where 15 would not reach p < 1e-7.
        for (i, week) in (2..26).step_by(2).enumerate() {
            let (m, topic, n) = [(0u8, 0u16, 15), (1, 4, 15), (2, 7, 15), (3, 8, 30)][i % 4];
            let at = START + week * WEEK + (i as i64 % 5) * 86_400 + (9 + i as i64 % 8) * 3600;
            arrivals.extend(burst(&mut rng, at, m, topic, n));
            truth.push(Truth { municipality: m, topic, started_at: at });
        }
        let alerts = detect(&arrivals, &AlertParams::default());
        let d = evaluate(&alerts, &truth, 7200, 26 * WEEK);
        assert_eq!(d.detected, d.incidents, "{d:?}");
        assert!(d.false_alarms <= 1, "{d:?}");
        assert!(d.median_delay_minutes.expect("detected") < 40.0, "{d:?}");
        for a in &alerts {
            assert!(a.observed >= 5 && a.expected < f64::from(a.observed) && a.p_value < 1e-7);
            assert!(a.window_start < a.raised_at);
        }
    }

    #[test]
    fn a_monday_morning_peak_is_seasonality_not_an_alert() {
        // Every Monday 9–11 the rate is ten times the usual one, in every series of the
        // municipality. A flat model would see ~20 appeals in 2 h against ~2 expected
        // (p ≈ 1e-13) in each busy series every week; the hour-of-week profile expects it.
        let mut rng = Rng(3);
        let series: Vec<(u8, u16, f64)> = (0..6u16).map(|t| (0u8, t, [0.05, 0.2, 0.5, 1.0, 1.0, 2.0][t as usize])).collect();
        let shape = |h: i64| if (9..11).contains(&h) { 10.0 } else { 1.0 };
        let arrivals = background(&mut rng, 20, &series, shape);
        let alerts = detect(&arrivals, &AlertParams::default());
        assert!(alerts.is_empty(), "{alerts:?}");
    }

    #[test]
    fn unsorted_input_gives_the_sorted_result() {
        let mut rng = Rng(4);
        let mut arrivals = background(&mut rng, 10, &mixed_series(), office_shape);
        arrivals.extend(burst(&mut rng, START + 9 * WEEK + 10 * 3600, 1, 3, 20));
        let mut shuffled = arrivals.clone();
        shuffled.reverse();
        arrivals.sort_by_key(|a| a.at);
        let a = detect(&arrivals, &AlertParams::default());
        assert!(!a.is_empty());
        assert_eq!(a, detect(&shuffled, &AlertParams::default()));
    }

    #[test]
    fn a_series_in_alarm_is_not_re_alerted_and_stays_out_of_the_baseline() {
        let mut rng = Rng(5);
        let mut arrivals = background(&mut rng, 6, &[(0, 0, 0.05)], |_| 1.0);
        // A long burst: 60 appeals over 5 hours, one every 5 minutes.
        let at = START + 5 * WEEK;
        arrivals.extend((0..60).map(|i| Arrival { at: at + i * 300, municipality: 0, topic: 0 }));
        let alerts = detect(&arrivals, &AlertParams::default());
        assert_eq!(alerts.len(), 1, "{alerts:?}");
        assert_eq!(alerts[0].raised_at, at + 4 * 300, "the fifth appeal in 20 min raises it");
    }

    #[test]
    fn nothing_is_raised_during_the_warm_up() {
        let arrivals: Vec<Arrival> = (0..40).map(|i| Arrival { at: START + 86_400 + i * 60, municipality: 0, topic: 0 }).collect();
        assert!(detect(&arrivals, &AlertParams::default()).is_empty());
    }

    #[test]
    fn negative_binomial_tail_matches_direct_sums() {
        // Direct: 1 − Σ_{k<n} pmf(k), with the pmf from its recurrence.
        let direct = |n: u32, a: f64, q: f64| {
            let mut p = (1.0 - q).powf(a);
            let mut below = 0.0;
            for k in 0..n {
                below += p;
                p *= (f64::from(k) + a) / (f64::from(k) + 1.0) * q;
            }
            1.0 - below
        };
        for (n, a, q) in [(1, 1.0, 0.5), (3, 2.5, 0.2), (5, 0.25, 0.1), (10, 40.0, 0.05), (4, 100.0, 0.01)] {
            let got = negative_binomial_upper_tail(n, a, q);
            let want = direct(n, a, q);
            assert!((got - want).abs() < 1e-10 * want.max(1e-6), "n={n} a={a} q={q}: {got} vs {want}");
        }
        // Geometric (a = 1): P(N ≥ n) = qⁿ exactly, even far in the tail.
        let got = negative_binomial_upper_tail(12, 1.0, 0.01);
        assert!((got / 1e-24 - 1.0).abs() < 1e-9, "{got}");
        // Large shape: close to Poisson(2): P(N ≥ 10) = 4.6498e-5.
        let got = negative_binomial_upper_tail(10, 1e7, 2.0 / (1e7 + 2.0));
        assert!((got / 4.649_807_501_5e-5 - 1.0).abs() < 1e-5, "{got}");
        assert_eq!(negative_binomial_upper_tail(0, 1.0, 0.5), 1.0);
    }

    #[test]
    fn ln_gamma_matches_factorials() {
        let mut fact = 1.0f64;
        for n in 1..30 {
            fact *= f64::from(n);
            assert!((ln_gamma(f64::from(n) + 1.0) - fact.ln()).abs() < 1e-11, "{n}");
        }
        assert!((ln_gamma(0.5) - std::f64::consts::PI.sqrt().ln()).abs() < 1e-12);
    }

    fn alert(municipality: u8, topic: u16, raised_at: i64) -> Alert {
        Alert { municipality, topic, window_start: raised_at - 3600, raised_at, observed: 9, expected: 0.5, p_value: 1e-9 }
    }

    #[test]
    fn evaluate_counts_detections_delays_and_false_alarms() {
        let truth = [
            Truth { municipality: 0, topic: 1, started_at: 10_000 },
            Truth { municipality: 2, topic: 3, started_at: 50_000 },
            Truth { municipality: 4, topic: 5, started_at: 90_000 },
        ];
        let alerts = [
            alert(0, 1, 10_600),            // incident 0 after 10 min
            alert(0, 1, 10_000 + 5 * 3600), // a late repeat of incident 0: not false
            alert(2, 3, 50_000 + 3 * 3600), // incident 1, but after 3 h: not in time, not false
            alert(4, 9, 90_100),            // wrong topic: false
            alert(4, 5, 89_000),            // before the start: false
            alert(4, 5, 90_000 + 1800),     // incident 2 after 30 min
            alert(7, 7, 500_000),           // nothing there: false
        ];
        let d = evaluate(&alerts, &truth, 7200, 2 * WEEK);
        assert_eq!((d.incidents, d.detected, d.alerts, d.false_alarms), (3, 2, 7, 3));
        assert!((d.recall - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(d.median_delay_minutes, Some(20.0));
        assert_eq!(d.max_delay_minutes, Some(30.0));
        assert_eq!(d.weeks, 2.0);
        assert_eq!(d.false_alarms_per_week, 1.5);
        assert_eq!(d.missed, vec![truth[1]]);
        let empty = evaluate(&[], &[], 7200, 0);
        assert_eq!((empty.recall, empty.false_alarms_per_week, empty.median_delay_minutes), (1.0, 0.0, None));
    }

    #[test]
    fn reasons_read_as_russian() {
        let a = Alert { municipality: 0, topic: 0, window_start: 0, raised_at: 7200, observed: 14, expected: 0.31, p_value: 1e-12 };
        assert_eq!(a.reason_ru(), "за 2 ч поступило 14 обращений при ожидаемых 0,3; p < 1e-9");
        let b = Alert { window_start: 0, raised_at: 1800, observed: 21, expected: 2.24, p_value: 3.2e-8, ..a.clone() };
        assert_eq!(b.reason_ru(), "за 30 мин поступило 21 обращение при ожидаемых 2,2; p = 3,2e-8");
        let c = Alert { observed: 3, expected: 0.042, ..a.clone() };
        assert!(c.reason_ru().contains("3 обращения при ожидаемых 0,04;"), "{}", c.reason_ru());
        let d = Alert { observed: 11, expected: 0.002, ..a };
        assert!(d.reason_ru().contains("11 обращений при ожидаемых менее 0,01;"), "{}", d.reason_ru());
    }
}
