//! Measures the early-warning detector against the demo's injected incidents.
//!
//! ```sh
//! sqlite3 -csv /tmp/demo/d1m.db "select received_at/1000, municipality_id, coalesce(topic_id,'') from appeal_state order by received_at" > arrivals.csv
//! sqlite3 -csv /tmp/demo/d1m.db "select municipality_id, topic_id, started_at/1000 from demo_incidents" > truth.csv
//! cargo run --release -p tsur-analytics --example alerts_eval -- arrivals.csv truth.csv [--alerts] [--skip-unclassified]
//! ```
//!
//! Prints the [`Detection`] (alerts within 2 h of an incident's start) as JSON, with the
//! number of arrivals and series and the time `detect` took; `--alerts` also lists every
//! alert (false ones marked «FA») on stderr. Appeals without a topic form a series
//! "(unclassified)" per municipality, unless `--skip-unclassified` leaves them out.

use std::collections::HashMap;
use std::time::Instant;

use tsur_analytics::alerts::{detect, evaluate, AlertParams, Arrival, Detection, Truth, MATCH_HORIZON_SECS};

/// Ids → small indices, in order of first appearance.
struct Ids(HashMap<String, usize>);

impl Ids {
    fn index(&mut self, id: &str) -> usize {
        let next = self.0.len();
        *self.0.entry(id.to_owned()).or_insert(next)
    }
}

/// The fields of one line of `sqlite3 -csv` output (ids and numbers: no embedded commas).
fn fields(line: &str) -> Vec<&str> {
    line.split(',').map(|f| f.trim().trim_matches('"')).collect()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(arrivals_path), Some(truth_path)) = (args.first(), args.get(1)) else {
        return Err("usage: alerts_eval ARRIVALS.csv TRUTH.csv [--alerts] [--skip-unclassified]".into());
    };
    let list_alerts = args.iter().any(|a| a == "--alerts");
    let skip_unclassified = args.iter().any(|a| a == "--skip-unclassified");
    let mut municipalities = Ids(HashMap::new());
    let mut topics = Ids(HashMap::new());
    let mut arrivals = Vec::new();
    for line in std::fs::read_to_string(arrivals_path)?.lines().filter(|l| !l.trim().is_empty()) {
        let f = fields(line);
        let [at, municipality, topic] = f[..] else { return Err(format!("bad line: {line}").into()) };
        if skip_unclassified && topic.is_empty() {
            continue;
        }
        arrivals.push(Arrival {
            at: at.parse()?,
            municipality: u8::try_from(municipalities.index(municipality))?,
            topic: u16::try_from(topics.index(if topic.is_empty() { "(unclassified)" } else { topic }))?,
        });
    }
    let mut truth = Vec::new();
    for line in std::fs::read_to_string(truth_path)?.lines().filter(|l| !l.trim().is_empty()) {
        let f = fields(line);
        let [municipality, topic, started_at] = f[..] else { return Err(format!("bad line: {line}").into()) };
        truth.push(Truth {
            municipality: u8::try_from(municipalities.index(municipality))?,
            topic: u16::try_from(topics.index(topic))?,
            started_at: started_at.parse()?,
        });
    }
    let series = arrivals.iter().map(|a| (a.municipality, a.topic)).collect::<std::collections::HashSet<_>>().len();
    let span = match (arrivals.iter().map(|a| a.at).min(), arrivals.iter().map(|a| a.at).max()) {
        (Some(first), Some(last)) => last - first,
        _ => 0,
    };

    let params = AlertParams::default();
    let started = Instant::now();
    let alerts = detect(&arrivals, &params);
    let detect_ms = started.elapsed().as_secs_f64() * 1000.0;
    let detection: Detection = evaluate(&alerts, &truth, 2 * 3600, span);

    if list_alerts {
        let municipality_names: HashMap<usize, &str> = municipalities.0.iter().map(|(k, &v)| (v, k.as_str())).collect();
        let topic_names: HashMap<usize, &str> = topics.0.iter().map(|(k, &v)| (v, k.as_str())).collect();
        for a in &alerts {
            let matched = truth
                .iter()
                .any(|t| t.municipality == a.municipality && t.topic == a.topic && (t.started_at..=t.started_at + MATCH_HORIZON_SECS).contains(&a.raised_at));
            eprintln!(
                "{} {} {} {}: {}",
                if matched { "   " } else { "FA " },
                a.raised_at,
                municipality_names[&usize::from(a.municipality)],
                topic_names[&usize::from(a.topic)],
                a.reason_ru()
            );
        }
    }
    let report = serde_json::json!({
        "arrivals": arrivals.len(),
        "series": series,
        "detect_ms": (detect_ms * 10.0).round() / 10.0,
        "detection": detection,
    });
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(())
}
