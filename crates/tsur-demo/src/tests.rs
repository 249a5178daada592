//! Invariants of the generator, checked on the real reference books of the project.

use super::*;
use std::collections::HashMap;
use tsur_core::reference::ReferenceTexts;
use tsur_core::{AppealState, EventKind};

fn reference() -> ReferenceData {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/reference");
    ReferenceData::parse(ReferenceTexts::load(|name| std::fs::read_to_string(dir.join(name))).unwrap()).unwrap()
}

fn generate(reference: &ReferenceData, appeals: u64, seed: u64) -> (Vec<GeneratedAppeal>, Vec<Incident>) {
    let bank = PhraseBank::bundled().unwrap();
    let g = Generator::new(reference, &bank, Params::year(appeals, seed)).unwrap();
    let all = (0..g.chunks()).flat_map(|k| g.chunk(k)).collect();
    (all, g.incidents().to_vec())
}

#[test]
fn same_seed_same_region_other_seed_other_region() {
    let r = reference();
    let (a, ia) = generate(&r, 3_000, 7);
    let (b, ib) = generate(&r, 3_000, 7);
    let (c, _) = generate(&r, 3_000, 8);
    assert_eq!(ia, ib);
    assert_eq!(a.len(), 3_000);
    for (x, y) in a.iter().zip(&b) {
        assert_eq!((&x.appeal, &x.events, &x.author), (&y.appeal, &y.events, &y.author));
    }
    assert_ne!(a[2_500].appeal, c[2_500].appeal);
}

#[test]
fn chunks_are_independent_of_the_order_they_are_made_in() {
    let r = reference();
    let bank = PhraseBank::bundled().unwrap();
    let g = Generator::new(&r, &bank, Params::year(6_000, 1)).unwrap();
    let late_first = g.chunk(2);
    let _ = g.chunk(0);
    assert_eq!(late_first.iter().map(|a| a.appeal.id).collect::<Vec<_>>(), g.chunk(2).iter().map(|a| a.appeal.id).collect::<Vec<_>>());
}

#[test]
fn every_history_passes_the_state_machine_and_ends_before_as_of() {
    let r = reference();
    let params = Params::year(20_000, 3);
    let (all, _) = generate(&r, params.appeals, params.seed);
    let mut statuses: HashMap<&'static str, usize> = HashMap::new();
    for g in &all {
        let state = AppealState::fold(&g.events).unwrap().unwrap_or_else(|e| panic!("{}: {e}", g.appeal.id));
        assert!(matches!(g.events[0].kind, EventKind::Registered));
        assert!(g.events.iter().all(|e| e.at < params.as_of() && e.at >= g.appeal.received_at));
        *statuses.entry(state.status.code()).or_default() += 1;
    }
    // Every state of the lifecycle occurs: the data exercise the whole machine.
    for s in tsur_core::Status::ALL {
        assert!(statuses.get(s.code()).copied().unwrap_or(0) > 0, "no appeal ends in {s:?}: {statuses:?}");
    }
}

#[test]
fn points_lie_in_their_municipality_and_ids_are_unique() {
    let r = reference();
    let (all, _) = generate(&r, 10_000, 5);
    let mut ids = std::collections::HashSet::new();
    let mut external = std::collections::HashSet::new();
    for g in &all {
        let p = g.appeal.point.unwrap();
        assert!(r.boundaries.point_in_municipality(&g.appeal.municipality, p), "{} at {p:?}", g.appeal.municipality);
        assert!(ids.insert(g.appeal.id));
        assert!(external.insert((g.appeal.channel, g.appeal.external_id.clone())));
        for e in &g.events {
            assert!(ids.insert(tsur_core::AppealId(e.id.0)), "event id reused");
        }
    }
}

#[test]
fn volume_follows_population_with_city_activity() {
    let r = reference();
    let (all, _) = generate(&r, 40_000, 11);
    let mut counts: HashMap<&str, f64> = HashMap::new();
    for g in &all {
        *counts.entry(g.appeal.municipality.as_str()).or_default() += 1.0;
    }
    let rate = |id: &str| counts[id] / f64::from(r.municipalities.iter().find(|m| m.id.as_str() == id).unwrap().population);
    // The city writes more per resident than the rural districts on average (activity 1.2
    // against 0.8, times each territory's temper of 0.75–1.3).
    let districts: Vec<&str> = r.municipalities.iter().filter(|m| m.kind == "municipal_district").map(|m| m.id.as_str()).collect();
    let mean_rural = districts.iter().map(|d| rate(d)).sum::<f64>() / districts.len() as f64;
    let ratio = rate("astrakhan") / mean_rural;
    assert!((0.9..2.5).contains(&ratio), "city/rural rate ratio {ratio}");
    // Rates differ between districts, but within what the tempers allow (1.3 / 0.75).
    for d in &districts {
        let relative = rate(d) / mean_rural;
        assert!((0.6..1.7).contains(&relative), "{d}: rate {relative} of the rural mean");
    }
    let spread = districts.iter().map(|d| rate(d)).fold(f64::MIN, f64::max) / districts.iter().map(|d| rate(d)).fold(f64::MAX, f64::min);
    assert!(spread > 1.15, "district rates should not be uniform: max/min {spread}");
}

#[test]
fn seasons_show_in_the_topics() {
    let r = reference();
    let (all, _) = generate(&r, 40_000, 13);
    let month_share = |topic: &str, months: &[u32]| {
        let of_topic: Vec<_> = all.iter().filter(|g| g.true_topic.as_str() == topic && g.incident.is_none()).collect();
        let inside = of_topic.iter().filter(|g| months.contains(&tsur_core::time::local_date(g.appeal.received_at).month())).count();
        inside as f64 / of_topic.len() as f64
    };
    // Heating complaints: October–April is 7 months of 12, but holds most of the volume.
    assert!(month_share("housing_heating", &[10, 11, 12, 1, 2, 3, 4]) > 0.85);
    // Snow: December–February.
    assert!(month_share("road_snow_ice", &[12, 1, 2]) > 0.6);
    // Potholes peak in spring.
    assert!(month_share("road_potholes", &[3, 4, 5]) > 0.4);
    // Water complaints peak in the summer heat.
    assert!(month_share("housing_no_water", &[6, 7, 8]) > 0.4);
}

#[test]
fn incidents_are_bursts_in_one_settlement_across_channels() {
    let r = reference();
    let (all, incidents) = generate(&r, 50_000, 17);
    assert!((4..=10).contains(&incidents.len()), "{} incidents", incidents.len());
    for (i, inc) in incidents.iter().enumerate() {
        let members: Vec<_> = all.iter().filter(|g| g.incident == Some(i)).collect();
        assert_eq!(members.len() as u64, inc.appeals);
        assert!(members.iter().all(|g| g.appeal.settlement.as_ref() == Some(&inc.settlement) && g.true_topic == inc.topic));
        assert!(members.iter().all(|g| g.appeal.received_at >= inc.started_at && g.appeal.received_at < inc.ended_at));
        let channels: std::collections::HashSet<_> = members.iter().map(|g| g.appeal.channel).collect();
        assert!(channels.len() >= 2, "incident {i} came through one channel only");
        let within_hour = members.iter().filter(|g| g.appeal.received_at < inc.started_at + Duration::hours(1)).count();
        assert!(within_hour * 2 > members.len(), "incident {i}: most appeals arrive within the first hour");
    }
}

#[test]
fn agencies_differ_and_satisfaction_follows_resolution() {
    let r = reference();
    let (all, _) = generate(&r, 30_000, 19);
    let mut by_agency: HashMap<String, (f64, f64)> = HashMap::new();
    let (mut happy_confirmed, mut n_confirmed, mut happy_reopened, mut n_reopened) = (0.0, 0.0, 0.0, 0.0);
    for g in &all {
        let s = AppealState::fold(&g.events).unwrap().unwrap();
        if let Some(a) = &s.agency {
            let e = by_agency.entry(a.0.clone()).or_default();
            e.0 += f64::from(s.rejected_answers.min(1));
            e.1 += 1.0;
        }
        if let Some(score) = s.satisfaction {
            let happy = f64::from(u8::from(score >= 4));
            if s.confirmed_at.is_some() {
                happy_confirmed += happy;
                n_confirmed += 1.0;
            } else if s.reopen_count > 0 && s.resolved_at.is_none() {
                happy_reopened += happy;
                n_reopened += 1.0;
            }
        }
    }
    let rates: Vec<f64> = by_agency.values().filter(|(_, n)| *n > 300.0).map(|(r, n)| r / n).collect();
    let (lo, hi) = rates.iter().fold((1.0f64, 0.0f64), |(lo, hi), r| (lo.min(*r), hi.max(*r)));
    assert!(hi > 3.0 * lo, "formal-reply rates of agencies should differ: {lo:.3}..{hi:.3}");
    assert!(happy_confirmed / n_confirmed > 0.7 && happy_reopened / n_reopened < 0.2);
}

#[test]
fn texts_vary_and_carry_places() {
    let r = reference();
    let (all, _) = generate(&r, 5_000, 23);
    let of_topic: Vec<&str> = all.iter().filter(|g| g.true_topic.as_str() == "road_potholes").map(|g| g.appeal.text.as_str()).collect();
    let distinct: std::collections::HashSet<_> = of_topic.iter().collect();
    assert!(distinct.len() * 10 > of_topic.len() * 9, "pothole texts should nearly all differ");
    assert!(all.iter().all(|g| !g.appeal.text.contains('{')), "unfilled slot");
    assert!(all.iter().any(|g| g.appeal.text.starts_with("<p>")), "some portal HTML");
}

#[test]
fn appeals_are_laid_out_day_by_day_with_weekly_rhythm() {
    let r = reference();
    let (all, _) = generate(&r, 20_000, 29);
    let days: Vec<NaiveDate> = all.iter().filter(|g| g.incident.is_none()).map(|g| tsur_core::time::local_date(g.appeal.received_at)).collect();
    assert!(days.windows(2).all(|w| w[0] <= w[1]), "background appeals come in day order, so ids reach the store almost sorted");
    let count = |wd: Weekday| days.iter().filter(|d| d.weekday() == wd).count() as f64;
    assert!(count(Weekday::Mon) > 1.5 * count(Weekday::Sun), "Mondays are busier than Sundays");
}
