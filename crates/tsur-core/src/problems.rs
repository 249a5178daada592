//! Problems across channels (реестр проблем): appeals about the same problem — the same
//! topic, close in space and time, similar in words — are linked into one problem as they
//! arrive, whatever their channel. Incremental: each appeal is offered once, in order of
//! receipt, and joins the best open problem or starts a new one; a problem stays open
//! while appeals keep coming within the time window.
//!
//! The score of an appeal against a problem (both of the same topic, within the radius
//! and the window) is `0.4·(1 − distance/radius) + 0.3·(1 − gap/window) + 0.3·similarity`,
//! where similarity is the Dice overlap of the hashed words and word pairs of the appeal's
//! text and of the problem's first texts; the appeal joins the best problem whose
//! score reaches the threshold.

use crate::{AppealId, GeoPoint, ProblemId, TopicId};
use chrono::{DateTime, Duration, Utc};
use std::collections::HashSet;

/// The linking thresholds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LinkParams {
    /// Farthest an appeal may be from a problem's centre, km.
    pub radius_km: f64,
    /// Longest gap after a problem's latest appeal.
    pub window: Duration,
    /// Least score to join.
    pub threshold: f64,
    /// Least number of appeals for a group to be a problem of the register (smaller groups
    /// stay linked to each other but are not reported as a problem).
    pub min_size: u32,
    /// … and they must come within this span of each other: a burst, not a slow chain of
    /// ordinary appeals that happen to be near each other.
    pub burst: Duration,
}

impl LinkParams {
    /// When a group with these receipt instants (in order) became a problem: the instant
    /// its first `min_size` appeals within `burst` were complete; `None` if never.
    pub fn problem_since(&self, times: &[DateTime<Utc>]) -> Option<DateTime<Utc>> {
        let k = self.min_size.max(1) as usize;
        times.windows(k).find(|w| w[k - 1] - w[0] <= self.burst).map(|w| w[k - 1])
    }
}

impl Default for LinkParams {
    fn default() -> LinkParams {
        LinkParams { radius_km: 4.0, window: Duration::hours(2), threshold: 0.2, min_size: 6, burst: Duration::hours(1) }
    }
}

/// An appeal offered to the linker.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate<'a> {
    /// The appeal.
    pub id: AppealId,
    /// Its topic.
    pub topic: &'a TopicId,
    /// Where.
    pub point: GeoPoint,
    /// When received.
    pub at: DateTime<Utc>,
    /// Its text.
    pub text: &'a str,
}

/// What happened to an offered appeal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// It joined an open problem.
    Joined(ProblemId),
    /// It started a new problem (of one appeal, so far).
    Started(ProblemId),
}

impl Link {
    /// The problem either way.
    pub fn problem(self) -> ProblemId {
        match self {
            Link::Joined(p) | Link::Started(p) => p,
        }
    }
}

#[derive(Debug, Clone)]
struct Open {
    id: ProblemId,
    topic: TopicId,
    lon: f64,
    lat: f64,
    count: u32,
    last_at: DateTime<Utc>,
    words: HashSet<u64>,
}

/// The linker: the problems still open.
#[derive(Debug, Clone, Default)]
pub struct Linker {
    params: LinkParams,
    open: Vec<Open>,
}

/// Distance in km between two points (equirectangular: exact enough within a few km).
pub fn distance_km(a: GeoPoint, b: GeoPoint) -> f64 {
    let lat = ((a.lat + b.lat) / 2.0).to_radians();
    let dx = (a.lon - b.lon).to_radians() * lat.cos();
    let dy = (a.lat - b.lat).to_radians();
    6371.0 * (dx * dx + dy * dy).sqrt()
}

/// Hashes of the text's words and word pairs (lowercase, cut to six letters as a crude
/// stem; words of two letters or fewer dropped).
fn shingles(text: &str) -> HashSet<u64> {
    use std::hash::{Hash, Hasher};
    let words: Vec<String> =
        text.split(|c: char| !c.is_alphanumeric()).filter(|w| w.chars().count() > 2).map(|w| w.to_lowercase().chars().take(6).collect()).collect();
    let mut out = HashSet::new();
    for w in words.windows(2).map(|p| format!("{} {}", p[0], p[1])).chain(words.iter().cloned()) {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        w.hash(&mut h);
        out.insert(h.finish());
    }
    out
}

fn dice(a: &HashSet<u64>, b: &HashSet<u64>) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let inter = a.intersection(b).count() as f64;
    inter / (a.len() + b.len()) as f64 * 2.0
}

impl Linker {
    /// A linker with these thresholds.
    pub fn new(params: LinkParams) -> Linker {
        Linker { params, open: Vec::new() }
    }

    /// Offers the next appeal (appeals must come in order of receipt); `new_id` makes the
    /// id of a problem it starts.
    pub fn offer(&mut self, c: &Candidate<'_>, new_id: impl FnOnce() -> ProblemId) -> Link {
        let p = self.params;
        self.open.retain(|o| c.at - o.last_at <= p.window);
        let words = shingles(c.text);
        let best = self
            .open
            .iter_mut()
            .filter(|o| &o.topic == c.topic)
            .filter_map(|o| {
                let d = distance_km(GeoPoint { lon: o.lon, lat: o.lat }, c.point);
                if d > p.radius_km {
                    return None;
                }
                let gap = (c.at - o.last_at).num_seconds().max(0) as f64 / p.window.num_seconds().max(1) as f64;
                let score = 0.4 * (1.0 - d / p.radius_km) + 0.3 * (1.0 - gap) + 0.3 * dice(&words, &o.words);
                (score >= p.threshold).then_some((score, o))
            })
            .max_by(|a, b| a.0.total_cmp(&b.0));
        match best {
            Some((_, o)) => {
                let n = f64::from(o.count);
                o.lon = (o.lon * n + c.point.lon) / (n + 1.0);
                o.lat = (o.lat * n + c.point.lat) / (n + 1.0);
                o.count += 1;
                o.last_at = o.last_at.max(c.at);
                if o.words.len() < 400 {
                    o.words.extend(words);
                }
                Link::Joined(o.id)
            }
            None => {
                let id = new_id();
                self.open.push(Open { id, topic: c.topic.clone(), lon: c.point.lon, lat: c.point.lat, count: 1, last_at: c.at, words });
                Link::Started(id)
            }
        }
    }
}

/// An appeal offered to the register: what the linker weighs, when it was registered (its link
/// comes after), and the problem it is stored with, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct Offered<'a> {
    /// What the linker weighs.
    pub candidate: Candidate<'a>,
    /// When it was registered.
    pub registered_at: DateTime<Utc>,
    /// The problem it is already linked to.
    pub problem: Option<ProblemId>,
}

/// A link to record: the appeal joins the problem at this instant (just after the problem
/// became one of the register, or after the appeal's registration if that came later).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewLink {
    /// The appeal.
    pub appeal: AppealId,
    /// Its problem.
    pub problem: ProblemId,
    /// The instant of the link.
    pub at: DateTime<Utc>,
}

/// The appeals came out of order of receipt: the register cannot take them one by one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutOfOrder;

/// The problem register fed one appeal at a time, in order of receipt: it groups them with a
/// [`Linker`] and says, as soon as it is known, which appeals join a problem of the register —
/// the group's own, once it has had `min_size` appeals within `burst`
/// ([`LinkParams::problem_since`]): then its earlier appeals at once, and each later one as
/// it comes. Offering a whole ordered list gives the links a pass over the list would give.
#[derive(Debug, Clone)]
pub struct Register {
    params: LinkParams,
    linker: Linker,
    last: Option<(DateTime<Utc>, AppealId)>,
    groups: std::collections::HashMap<ProblemId, Group>,
}

/// What the register keeps of a group of the linker.
#[derive(Debug, Clone, Default)]
struct Group {
    /// Receipt instants of its latest appeals (at most `min_size`).
    recent: std::collections::VecDeque<DateTime<Utc>>,
    /// When it became a problem of the register.
    reached: Option<DateTime<Utc>>,
    /// Before that, its appeals that will need a link: (appeal, registration).
    waiting: Vec<(AppealId, DateTime<Utc>)>,
}

impl Register {
    /// An empty register.
    pub fn new(params: LinkParams) -> Register {
        Register { params, linker: Linker::new(params), last: None, groups: std::collections::HashMap::new() }
    }

    /// Offers the next appeal (after every appeal offered before it in order of receipt and
    /// id); `new_id` names the problem if it starts one. Returns the links now known: this
    /// appeal's, and its group's earlier appeals' when this one makes the group a problem.
    /// An appeal already stored with that problem gets no link.
    pub fn offer(&mut self, a: &Offered<'_>, new_id: impl FnOnce() -> ProblemId) -> Result<Vec<NewLink>, OutOfOrder> {
        let key = (a.candidate.at, a.candidate.id);
        if self.last.is_some_and(|last| key <= last) {
            return Err(OutOfOrder);
        }
        self.last = Some(key);
        let problem = self.linker.offer(&a.candidate, new_id).problem();
        let k = self.params.min_size.max(1) as usize;
        let group = self.groups.entry(problem).or_default();
        let link = |appeal, registered_at: DateTime<Utc>, reached: DateTime<Utc>| NewLink {
            appeal,
            problem,
            at: reached.max(registered_at) + Duration::milliseconds(1),
        };
        let mut links = Vec::new();
        if group.reached.is_none() {
            group.recent.push_back(a.candidate.at);
            if group.recent.len() > k {
                group.recent.pop_front();
            }
            // The group's windows of `min_size` end one by one: this is the only new one.
            if let Some(reached) = self.params.problem_since(group.recent.make_contiguous()) {
                group.reached = Some(reached);
                group.recent.clear();
                links.extend(std::mem::take(&mut group.waiting).into_iter().map(|(appeal, registered)| link(appeal, registered, reached)));
            }
        }
        if a.problem != Some(problem) {
            match group.reached {
                Some(reached) => links.push(link(a.candidate.id, a.registered_at, reached)),
                None => group.waiting.push((a.candidate.id, a.registered_at)),
            }
        }
        Ok(links)
    }

    /// Forgets the groups no later appeal can join (the linker has closed them), for a caller
    /// that will offer no appeal stored with a problem any more (a new one never is): such an
    /// appeal would reopen a closed group of that problem's name.
    pub fn forget_closed(&mut self) {
        if let Some((now, _)) = self.last {
            let window = self.params.window;
            let open: HashSet<ProblemId> = self.linker.open.iter().filter(|o| now - o.last_at <= window).map(|o| o.id).collect();
            self.groups.retain(|id, _| open.contains(id));
        }
    }
}

/// Precision and recall of a clustering against the truth, over pairs of appeals: a pair
/// predicted together is right when the truth has them in one group; a pair the truth has
/// together is found when predicted together. Appeals with no true group are singletons.
pub fn pair_scores(predicted: &[(AppealId, ProblemId)], truth: &std::collections::HashMap<AppealId, i64>) -> (f64, f64, u64, u64) {
    use std::collections::HashMap;
    let mut clusters: HashMap<ProblemId, Vec<AppealId>> = HashMap::new();
    for (a, p) in predicted {
        clusters.entry(*p).or_default().push(*a);
    }
    let (mut predicted_pairs, mut right) = (0u64, 0u64);
    let mut found_by_group: HashMap<i64, u64> = HashMap::new();
    for members in clusters.values() {
        let mut by_group: HashMap<Option<i64>, u64> = HashMap::new();
        for a in members {
            *by_group.entry(truth.get(a).copied()).or_default() += 1;
        }
        let n = members.len() as u64;
        predicted_pairs += n * n.saturating_sub(1) / 2;
        for (g, k) in by_group {
            if let Some(g) = g {
                right += k * (k - 1) / 2;
                *found_by_group.entry(g).or_default() += k * (k - 1) / 2;
            }
        }
    }
    let mut group_sizes: HashMap<i64, u64> = HashMap::new();
    for g in truth.values() {
        *group_sizes.entry(*g).or_default() += 1;
    }
    let true_pairs: u64 = group_sizes.values().map(|n| n * n.saturating_sub(1) / 2).sum();
    let found: u64 = found_by_group.values().sum();
    let precision = if predicted_pairs == 0 { 1.0 } else { right as f64 / predicted_pairs as f64 };
    let recall = if true_pairs == 0 { 1.0 } else { found as f64 / true_pairs as f64 };
    (precision, recall, predicted_pairs, true_pairs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use uuid::Uuid;

    fn id(n: u128) -> AppealId {
        AppealId(Uuid::from_u128(n))
    }

    #[test]
    fn bursts_link_and_strangers_do_not() {
        let t0 = Utc.with_ymd_and_hms(2026, 3, 2, 6, 0, 0).unwrap();
        let water: TopicId = "housing_no_water".into();
        let roads: TopicId = "road_potholes".into();
        let here = GeoPoint { lon: 48.03, lat: 46.35 };
        let near = GeoPoint { lon: 48.04, lat: 46.355 };
        let far = GeoPoint { lon: 48.3, lat: 46.6 };
        let mut linker = Linker::new(LinkParams::default());
        let mut next = 0u128;
        let mut offer = |linker: &mut Linker, n, topic, point, minutes, text| {
            let c = Candidate { id: id(n), topic, point, at: t0 + Duration::minutes(minutes), text };
            linker.offer(&c, || {
                next += 1;
                ProblemId(Uuid::from_u128(1000 + next))
            })
        };
        let a = offer(&mut linker, 1, &water, here, 0, "Нет воды с утра во всём доме");
        let b = offer(&mut linker, 2, &water, near, 20, "С утра нет воды, когда дадут воду?");
        let c = offer(&mut linker, 3, &roads, here, 25, "Яма на дороге");
        let d = offer(&mut linker, 4, &water, far, 30, "Нет воды");
        let e = offer(&mut linker, 5, &water, here, 60 * 24, "Опять нет воды");
        assert!(matches!(a, Link::Started(_)));
        assert_eq!(b, Link::Joined(a.problem()), "same topic, 1 km, 20 min, similar words");
        assert!(matches!(c, Link::Started(_)), "another topic");
        assert!(matches!(d, Link::Started(_)), "30 km away");
        assert!(matches!(e, Link::Started(_)), "a day later");
    }

    #[test]
    fn a_problem_is_a_burst() {
        let t0 = Utc.with_ymd_and_hms(2026, 3, 2, 6, 0, 0).unwrap();
        let p = LinkParams { min_size: 3, burst: Duration::hours(3), ..LinkParams::default() };
        let at = |minutes: &[i64]| minutes.iter().map(|m| t0 + Duration::minutes(*m)).collect::<Vec<_>>();
        assert_eq!(p.problem_since(&at(&[0, 60, 120])), Some(t0 + Duration::minutes(120)));
        assert_eq!(p.problem_since(&at(&[0, 100, 200, 300])), None, "a slow chain");
        assert_eq!(p.problem_since(&at(&[0, 300, 320, 340])), Some(t0 + Duration::minutes(340)));
        assert_eq!(p.problem_since(&at(&[0, 10])), None, "too few");
    }

    #[test]
    fn pair_scores_by_hand() {
        let p = |n| ProblemId(Uuid::from_u128(n));
        // Truth: {1,2,3} one incident, 4 and 5 background. Predicted: {1,2}, {3,4}, {5}.
        let predicted = [(id(1), p(1)), (id(2), p(1)), (id(3), p(2)), (id(4), p(2)), (id(5), p(3))];
        let truth = [(id(1), 7), (id(2), 7), (id(3), 7)].into_iter().collect();
        let (precision, recall, predicted_pairs, true_pairs) = pair_scores(&predicted, &truth);
        // Predicted pairs: (1,2) right, (3,4) wrong → 1/2. True pairs (1,2),(1,3),(2,3): found 1 → 1/3.
        assert_eq!((predicted_pairs, true_pairs), (2, 3));
        assert!((precision - 0.5).abs() < 1e-12 && (recall - 1.0 / 3.0).abs() < 1e-12);
    }

    /// What a pass over a whole ordered list gives: the groups the linker makes, each a
    /// problem from `problem_since`, every member not stored with it linked.
    fn links_of_a_pass(p: LinkParams, rows: &[(Candidate<'_>, DateTime<Utc>, Option<ProblemId>)]) -> Vec<NewLink> {
        let mut linker = Linker::new(p);
        let mut groups: std::collections::HashMap<ProblemId, Vec<usize>> = std::collections::HashMap::new();
        for (i, (c, _, stored)) in rows.iter().enumerate() {
            let link = linker.offer(c, || stored.unwrap_or(ProblemId(c.id.0)));
            groups.entry(link.problem()).or_default().push(i);
        }
        let mut links = Vec::new();
        for (problem, members) in groups {
            let Some(reached) = p.problem_since(&members.iter().map(|&i| rows[i].0.at).collect::<Vec<_>>()) else { continue };
            for i in members.into_iter().filter(|&i| rows[i].2 != Some(problem)) {
                links.push(NewLink { appeal: rows[i].0.id, problem, at: reached.max(rows[i].1) + Duration::milliseconds(1) });
            }
        }
        links.sort_by_key(|l| l.appeal);
        links
    }

    proptest::proptest! {
        /// Offered one by one, the register links what a pass over the whole list links, at
        /// the same instants; forgetting closed groups changes nothing when no appeal comes
        /// stored with a problem; and an appeal out of order is refused.
        #[test]
        fn the_register_links_what_a_pass_links(
            rows in proptest::collection::vec((0i64..600, 0u8..2, 0u8..3, 0u8..3, 0i64..90, 0u8..8), 0..120),
            min_size in 1u32..5,
        ) {
            let t0 = Utc.with_ymd_and_hms(2026, 3, 2, 6, 0, 0).unwrap();
            let topics: [TopicId; 2] = ["housing_no_water".into(), "road_potholes".into()];
            let points = [GeoPoint { lon: 48.03, lat: 46.35 }, GeoPoint { lon: 48.05, lat: 46.36 }, GeoPoint { lon: 48.3, lat: 46.6 }];
            let texts = ["Нет воды в доме", "Яма на дороге", "Нет воды, когда дадут воду"];
            let p = LinkParams { min_size, burst: Duration::minutes(40), window: Duration::minutes(90), ..LinkParams::default() };
            let mut sorted = rows.clone();
            sorted.sort_by_key(|r| r.0);
            let build = |stored: bool| -> Vec<(Candidate<'_>, DateTime<Utc>, Option<ProblemId>)> {
                sorted
                    .iter()
                    .enumerate()
                    .map(|(i, &(minute, topic, point, text, late, problem))| {
                        let c = Candidate { id: id(i as u128 + 1), topic: &topics[topic as usize], point: points[point as usize], at: t0 + Duration::minutes(minute), text: texts[text as usize] };
                        let stored = (stored && problem < 3).then(|| ProblemId(Uuid::from_u128(900 + u128::from(problem))));
                        (c, t0 + Duration::minutes(minute + late), stored)
                    })
                    .collect()
            };
            for stored in [false, true] {
                let rows = build(stored);
                let offer_all = |forget: bool| {
                    let mut register = Register::new(p);
                    let mut links = Vec::new();
                    for (c, registered_at, problem) in &rows {
                        let offered = Offered { candidate: c.clone(), registered_at: *registered_at, problem: *problem };
                        links.extend(register.offer(&offered, || problem.unwrap_or(ProblemId(c.id.0))).unwrap());
                        if forget {
                            register.forget_closed();
                        }
                        let again = Offered { candidate: Candidate { id: id(0), ..c.clone() }, registered_at: *registered_at, problem: None };
                        proptest::prop_assert_eq!(register.clone().offer(&again, || ProblemId(Uuid::nil())), Err(OutOfOrder));
                    }
                    links.sort_by_key(|l| l.appeal);
                    Ok(links)
                };
                let expected = links_of_a_pass(p, &rows);
                proptest::prop_assert_eq!(&offer_all(false)?, &expected);
                if !stored {
                    proptest::prop_assert_eq!(&offer_all(true)?, &expected);
                }
            }
        }
    }
}
