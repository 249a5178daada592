//! Recomputes the deadline state of 1,000,000 open appeals on one core: every stage's due
//! instant, whether it is met, the office time left, and on time / at risk / overdue with
//! the lateness probability from the agencies' histories.
//!
//! `cargo bench -p tsur-core --bench deadlines [-- N]` (release; prints the figures).

use chrono::{DateTime, Duration, TimeZone, Utc};
use std::hint::black_box;
use std::time::Instant;
use tsur_core::reference::ReferenceTexts;
use tsur_core::risk::{self, Observation, RiskModel, Standing, Thresholds};
use tsur_core::rules::{Facts, Rules, RulesRecord};
use tsur_core::Status;

macro_rules! file {
    ($name:literal) => {
        include_str!(concat!("../../../data/reference/", $name)).to_owned()
    };
}

const AGENCIES: [&str; 8] = ["minstroy", "mindor", "minzdrav", "minenergo", "omsu-astrakhan", "omsu-limansky", "omsu-kamyzyaksky", "agov"];
const TOPICS: [&str; 6] = ["road_potholes", "housing_no_water", "health_ambulance", "energy_power_outage", "waste_overflowing_bins", "other_mfc"];

/// A small deterministic generator (xorshift), so the figures are reproducible.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

struct Row {
    regime: &'static str,
    agency: &'static str,
    topic: &'static str,
    received: DateTime<Utc>,
    registered: DateTime<Utc>,
    first_reply: Option<DateTime<Utc>>,
    extension: u32,
    fast_track: Option<&'static str>,
}

fn main() {
    let n: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(1_000_000);
    let texts = ReferenceTexts {
        regimes: file!("catalog/regimes.csv"),
        fast_tracks: file!("catalog/fast_tracks.csv"),
        office_hours: file!("calendar/office_hours.csv"),
        calendar_overrides: file!("calendar/overrides.csv"),
        ..ReferenceTexts::default()
    };
    let t = Instant::now();
    let rules = Rules::from_record(RulesRecord::parse(&texts).expect("bundled rules parse")).expect("bundled rules agree");
    let compile = t.elapsed();

    // Open appeals received over the 45 days before `now`, in the channel mix of the region.
    let now = Utc.with_ymd_and_hms(2026, 11, 20, 8, 0, 0).unwrap();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let rows: Vec<Row> = (0..n)
        .map(|_| {
            let received = now - Duration::minutes(rng.below(45 * 24 * 60) as i64);
            let regime = ["pos", "pos", "pos", "im", "im", "fz59", "regional"][rng.below(7) as usize];
            let written = regime == "fz59";
            let registered = received + Duration::minutes(if written { rng.below(3 * 24 * 60) } else { rng.below(40) } as i64);
            let first_reply = (regime == "im" && rng.below(2) == 0).then(|| registered + Duration::minutes(rng.below(600) as i64));
            Row {
                regime,
                agency: AGENCIES[rng.below(AGENCIES.len() as u64) as usize],
                topic: TOPICS[rng.below(TOPICS.len() as u64) as usize],
                received,
                registered,
                first_reply,
                extension: if written && rng.below(10) == 0 { 30 } else { 0 },
                fast_track: (rng.below(20) == 0).then_some("ft-no-water"),
            }
        })
        .collect();
    let facts = |r: &'_ Row| Facts {
        regime: r.regime,
        status: if r.first_reply.is_some() { Status::InterimAnswered } else { Status::Assigned },
        received: r.received,
        registered: r.registered,
        redirected: None,
        first_reply: r.first_reply,
        last_answer: None,
        resolved: None,
        reopened: None,
        extension_days: r.extension,
        fast_track: r.fast_track,
        deferred_until: None,
    };
    // The agencies' histories: 300,000 answered appeals, later agencies slower.
    let history: Vec<Observation> = (0..300_000)
        .map(|i| {
            let a = i % AGENCIES.len();
            Observation {
                agency: AGENCIES[a],
                topic: TOPICS[i % TOPICS.len()],
                share: (rng.below(1000) as f64 / 1000.0) * (0.6 + a as f64 * 0.15),
                answered: true,
            }
        })
        .collect();
    let thresholds = Thresholds::default();
    let t = Instant::now();
    let model = RiskModel::build(history.iter().copied(), &thresholds);
    let model_time = t.elapsed();

    let t = Instant::now();
    let mut counts = [0usize; 3];
    for r in &rows {
        let stages = rules.assess(&facts(r), now).expect("valid extensions");
        let pending = stages.iter().flatten().filter(|s| s.pending() && s.stage >= tsur_core::deadline::Stage::FirstReply).min_by_key(|s| s.due);
        let standing = match pending {
            None => Standing::OnTime,
            Some(s) => {
                let risk = (s.left >= Duration::zero()).then(|| model.risk(Some(r.agency), Some(r.topic), risk::share(s.start, s.due, now))).flatten();
                risk::standing(s, risk.as_ref(), &thresholds)
            }
        };
        counts[standing as usize] += 1;
        black_box(&stages);
    }
    let full = t.elapsed();

    let t = Instant::now();
    for r in &rows {
        black_box(rules.assess(&facts(r), now).expect("valid extensions"));
    }
    let stages_only = t.elapsed();

    let per = |d: std::time::Duration| d.as_nanos() as f64 / n as f64;
    println!("appeals: {n}");
    println!("compile rules (calendar {:?}): {:.1} ms", rules.calendar.range(), compile.as_secs_f64() * 1e3);
    println!("risk model from {} histories: {:.1} ms", history.len(), model_time.as_secs_f64() * 1e3);
    println!("stage deadlines, met, office time left: {:.3} s ({:.0} ns per appeal)", stages_only.as_secs_f64(), per(stages_only));
    println!("…plus on time / at risk / overdue with lateness probability: {:.3} s ({:.0} ns per appeal)", full.as_secs_f64(), per(full));
    println!("on time {}, at risk {}, overdue {}", counts[0], counts[1], counts[2]);
}
