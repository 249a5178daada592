//! The situation room's steps at scale, as the window asks for them: opening the store and the
//! first room view (the cold start's Rust side), then each step of the drill-down — region,
//! a municipality, a block, the top problem's appeals, a case — and the overdue list, each
//! timed over several runs (median and worst). With the app's allocator, it prints the
//! process's resident memory after each stage and after 8 s idle, and its peak (Linux), and
//! with `--index` it also brings the search index up to date as the app does 20 s after a start.
//!
//! `cargo run --release -p tsur-api --example room_bench -- --db STORE [--runs 7] [--index]`

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

fn report_memory(stage: &str) {
    let (rss, peak) = tsur_api::resident_and_peak_mib();
    println!("{:<44} resident {rss:>5.0} MiB   peak {peak:>5.0} MiB", format!("memory after {stage}"));
}

/// The app's allocator (src-tauri), so that the memory figures are the app's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    // SAFETY: nothing has used SQLite yet in this process.
    unsafe { tsur_api::sqlite_use_global_allocator() };
    // As the app does: freed memory is given back once idle.
    tsur_api::give_back_while_idle(tsur_api::PURGE_EVERY).expect("the purging thread");
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
    let t = Instant::now();
    api.overview(None, &scope).await.expect("the overview");
    api.room_charts(&RoomFilter::default(), false, &scope).await.expect("the charts");
    println!("cold: the panel's overview and the two charts {:.0} ms", t.elapsed().as_secs_f64() * 1000.0);
    report_memory("the cold start");

    let municipality = region.areas.iter().max_by(|a, b| a.appeals.total_cmp(&b.appeals)).expect("areas").municipality.clone();
    let by_municipality = RoomFilter { municipality: Some(municipality.clone()), ..RoomFilter::default() };
    let block = "roads".to_owned();
    let by_block = RoomFilter { block: Some(block.clone()), ..by_municipality.clone() };

    let everything = RoomFilter::default();
    let ov = api.overview(None, &scope).await.expect("the overview");
    let year = RoomFilter { period: Some(format!("{}..{}", ov.period.from, ov.period.to)), ..RoomFilter::default() };
    let (ms, _) = timed(runs, || api.room(&year, &scope)).await;
    report("room: region, the whole data range", ms);
    let year_m = RoomFilter { municipality: Some(municipality.clone()), ..year.clone() };
    let (ms, _) = timed(runs, || api.room(&year_m, &scope)).await;
    report("room: a municipality, the whole data range", ms);
    let (ms, _) = timed(runs, || api.room(&everything, &scope)).await;
    report("room: region", ms);
    let (ms, _) = timed(runs, || api.room(&by_municipality, &scope)).await;
    report(&format!("room: municipality {municipality}"), ms);
    let (ms, room) = timed(runs, || api.room(&by_block, &scope)).await;
    report(&format!("room: municipality {municipality} + block {block}"), ms);
    let room = room.expect("the view");
    let (ms, _) = timed(runs, || api.overdue(None, None, None, &scope, now, Some(15))).await;
    report("overdue list (15 most urgent): region", ms);
    let (ms, _) = timed(runs, || api.overdue(None, None, Some(&municipality), &scope, now, Some(15))).await;
    report("overdue list: municipality", ms);
    let (ms, _) = timed(runs, || api.overdue(None, Some(&block), Some(&municipality), &scope, now, Some(15))).await;
    report("overdue list: municipality + block", ms);
    report_memory("the overdue list");
    let problem = room.problems.first().or(region.problems.first()).expect("a problem").problem_id.clone();
    let (ms, list) = timed(runs, || api.problem_appeals(&problem, 50, &scope, now)).await;
    report("problem's appeals (50 newest)", ms);
    let appeal = list.expect("the list").appeals.first().expect("an appeal").id.clone();
    let (ms, case) = timed(runs, || api.case(&appeal, &scope, now)).await;
    report("case view", ms);
    let case = case.expect("the case");
    println!("  (case of {} events, {} deadlines, {} linked)", case.timeline.len(), case.deadlines.len(), case.linked_total);
    report_memory("the drill-down");
    // The pooled connections close after 5 s idle, their threads' memory with them.
    tokio::time::sleep(std::time::Duration::from_secs(8)).await;
    report_memory("8 s idle");
    let t = Instant::now();
    api.case(&appeal, &scope, now).await.expect("the case");
    println!("{:<44} {:>7.1} ms", "case view after the pause (a new connection)", t.elapsed().as_secs_f64() * 1000.0);
    if std::env::args().any(|a| a == "--index") {
        let t = Instant::now();
        let added = api.store().index_texts().await.expect("the search index");
        println!("search index: {added} appeals added in {:.1} s", t.elapsed().as_secs_f64());
        report_memory("the search index");
    }
}
