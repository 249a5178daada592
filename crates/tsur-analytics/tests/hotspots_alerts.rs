//! The hotspot layer and the early warning through the public API, as the API crate uses them.

use std::collections::HashMap;

use tsur_analytics::alerts::{detect, evaluate, AlertParams, Arrival, Detector, Truth};
use tsur_analytics::hotspots::{bin_points, gi_star, population_cells, to_geojson, HotClass};

/// `n` points on a lattice of about 4 × 4 km around `(lon, lat)`.
fn around(lon: f64, lat: f64, n: usize) -> impl Iterator<Item = (f64, f64)> {
    (0..n).map(move |i| (lon + ((i % 17) as f64 - 8.0) * 0.003, lat + ((i / 17 % 13) as f64 - 6.0) * 0.0025))
}

#[test]
fn a_town_writing_five_times_its_share_is_a_hotspot_on_the_map() {
    let res = h3o::Resolution::Seven;
    // Twelve towns of equal population, 30 km apart; one writes five times its share.
    let places: Vec<(f64, f64, f64)> = (0..12).map(|i| (46.0 + f64::from(i % 4) * 0.4, 46.5 + f64::from(i / 4) * 0.3, 20_000.0)).collect();
    let points: Vec<(f64, f64)> = places.iter().enumerate().flat_map(|(i, &(lon, lat, _))| around(lon, lat, if i == 5 { 1000 } else { 200 })).collect();
    let stats = gi_star(&bin_points(points, res), &population_cells(&places, res), 1);
    let centre = h3o::LatLng::new(places[5].1, places[5].0).expect("valid").to_cell(res);
    let at_centre = stats.iter().find(|s| s.cell == centre).expect("in the study");
    assert!(matches!(at_centre.class, HotClass::Hot99 | HotClass::Hot95), "{at_centre:?}");
    for s in stats.iter().filter(|s| matches!(s.class, HotClass::Hot99 | HotClass::Hot95 | HotClass::Hot90)) {
        assert!(s.cell.grid_distance(centre).expect("near") <= 2, "only the writing town is hot: {s:?}");
    }
    let map = to_geojson(&stats);
    let features = map["features"].as_array().expect("features");
    assert_eq!(features.len(), stats.len());
    let hot = features.iter().find(|f| f["properties"]["cell"] == centre.to_string()).expect("on the map");
    assert_eq!(hot["properties"]["class_ru"], at_centre.class.label_ru());
}

#[test]
fn the_streaming_detector_and_detect_agree_and_an_outage_is_caught_within_minutes() {
    // Four weeks of a steady trickle in 20 series (one appeal every ~5 hours each), then an
    // outage: 20 appeals in 40 minutes in one series.
    let start = 1_767_225_600; // 1 January 2026 00:00 UTC
    let mut arrivals: Vec<Arrival> =
        (0..20 * 4 * 7 * 5).map(|i: i64| Arrival { at: start + i * 720 + (i * 7919) % 600, municipality: (i % 4) as u8, topic: (i % 5) as u16 }).collect();
    let outage = start + 25 * 86_400 + 10 * 3600;
    arrivals.extend((0..20).map(|i| Arrival { at: outage + i * 120, municipality: 2, topic: 3 }));
    arrivals.sort_by_key(|a| a.at);

    let params = AlertParams::default();
    let alerts = detect(&arrivals, &params);
    let mut detector = Detector::new(params);
    let streamed: Vec<_> = arrivals.iter().filter_map(|&a| detector.push(a)).collect();
    assert_eq!(alerts, streamed);

    let truth = [Truth { municipality: 2, topic: 3, started_at: outage }];
    let d = evaluate(&alerts, &truth, 2 * 3600, 4 * 7 * 86_400);
    assert_eq!((d.detected, d.false_alarms), (1, 0), "{d:?}");
    assert!(d.median_delay_minutes.expect("detected") <= 15.0, "{d:?}");
    let json = serde_json::to_value(&d).expect("serialises");
    assert_eq!(json["recall"], 1.0);
    let reason = alerts[0].reason_ru();
    assert!(reason.starts_with("за ") && reason.contains("обращений при ожидаемых"), "{reason}");
    let by_series: HashMap<(u8, u16), usize> = alerts.iter().fold(HashMap::new(), |mut m, a| {
        *m.entry((a.municipality, a.topic)).or_default() += 1;
        m
    });
    assert_eq!(by_series.len(), 1);
}
