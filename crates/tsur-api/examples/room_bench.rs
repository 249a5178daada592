//! The situation room's steps at scale, as the window asks for them: opening the store and the
//! first room view (the cold start's Rust side), then each step of the drill-down — region,
//! a municipality, a block, the top problem's appeals, a case — and the overdue list, each
//! timed over several runs (median and worst).
//!
//! `cargo run --release -p tsur-api --example room_bench -- --db STORE [--runs 7]`

use std::time::Instant;
use tsur_api::{Api, RoomFilter, Scope};

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned())
}

fn report(label: &str, mut ms: Vec<f64>) {
    ms.sort_by(f64::total_cmp);
    println!("{label:<44} median {:>7.1} ms   worst {:>7.1} ms", ms[ms.len() / 2], ms[ms.len() - 1]);
}

async fn timed<T, F: std::future::Future<Output = T>>(runs: usize, mut f: impl FnMut() -> F) -> (Vec<f64>, T) {
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        last = Some(f().await);
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    (times, last.expect("at least one run"))
}

#[tokio::main]
async fn main() {
    let db = arg("--db").expect("--db STORE: a store filled by `tsur demo`");
    let runs: usize = arg("--runs").map_or(7, |r| r.parse().expect("--runs N"));
    let scope = Scope::local_curator();
    let now = chrono::Utc::now();

    let t = Instant::now();
    let api = Api::open(std::path::Path::new(&db)).await.expect("the store opens");
    let opened = t.elapsed().as_secs_f64() * 1000.0;
    let t = Instant::now();
    let region = api.room(&RoomFilter::default(), &scope).await.expect("the first view");
    let first = t.elapsed().as_secs_f64() * 1000.0;
    println!("store: {} appeals", api.store().appeal_count().await.unwrap());
    println!("cold: open {opened:.0} ms, first room view {first:.0} ms (snapshot loaded from the store)");

    let municipality = region.areas.iter().max_by(|a, b| a.appeals.total_cmp(&b.appeals)).expect("areas").municipality.clone();
    let by_municipality = RoomFilter { municipality: Some(municipality.clone()), ..RoomFilter::default() };
    let block = "roads".to_owned();
    let by_block = RoomFilter { block: Some(block.clone()), ..by_municipality.clone() };

    let everything = RoomFilter::default();
    let (ms, _) = timed(runs, || api.room(&everything, &scope)).await;
    report("room: region", ms);
    let (ms, _) = timed(runs, || api.room(&by_municipality, &scope)).await;
    report(&format!("room: municipality {municipality}"), ms);
    let (ms, room) = timed(runs, || api.room(&by_block, &scope)).await;
    report(&format!("room: municipality {municipality} + block {block}"), ms);
    let room = room.expect("the view");
    let (ms, _) = timed(runs, || api.overdue(None, Some(&block), Some(&municipality), &scope, now)).await;
    report("overdue list: municipality + block", ms);
    let problem = room.problems.first().or(region.problems.first()).expect("a problem").problem_id.clone();
    let (ms, list) = timed(runs, || api.problem_appeals(&problem, 50, &scope, now)).await;
    report("problem's appeals (50 newest)", ms);
    let appeal = list.expect("the list").appeals.first().expect("an appeal").id.clone();
    let (ms, case) = timed(runs, || api.case(&appeal, &scope, now)).await;
    report("case view", ms);
    let case = case.expect("the case");
    println!("  (case of {} events, {} deadlines, {} linked)", case.timeline.len(), case.deadlines.len(), case.linked_total);
}
