//! The situation room's one-screen figures at scale: builds the analytics snapshot from a
//! store, optionally replicates it (10 × a million-appeal demo year = 10 million appeals
//! with the same distributions), and times `screen()` — KPIs with the previous period,
//! the 13 municipalities' choropleth values, the top-10 problems and both ratings — for four
//! typical filters. With `--export DIR` it also writes the snapshot's columns as CSV and the
//! filters as JSON, so `scripts/bench_duckdb.py` runs the same aggregates in DuckDB.
//!
//! `cargo run --release -p tsur-api --example analytics_bench -- --db STORE [--copies 10] [--runs 7] [--export DIR]`

use std::io::Write;
use std::time::Instant;
use tsur_analytics::snapshot::{Dims, Snapshot, ANSWERED, NONE16, NONE32, NONE8, NO_DUE};
use tsur_analytics::{Filter, Period, Weights};

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned())
}

fn median_ms(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn opt<T: std::fmt::Display + PartialEq>(v: T, none: T) -> String {
    if v == none {
        String::new()
    } else {
        v.to_string()
    }
}

fn export(dir: &std::path::Path, s: &Snapshot) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(dir.join("snapshot.csv"))?);
    writeln!(
        w,
        "received,municipality,settlement,channel,block,topic,agency,status,problem,reply_minutes,answer_due,answered_at,flags,answers,rejected,satisfaction"
    )?;
    for i in 0..s.len() {
        // In milliseconds, as the snapshot's lateness reads them (to the second).
        let due = (s.answer_due[i] != NO_DUE).then(|| i64::from(s.answer_due[i]) * 1000);
        let answered = due.filter(|_| s.flags[i] & ANSWERED != 0).map(|d| d + i64::from(s.answer_after[i]) * 1000);
        let ms = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
        writeln!(
            w,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            s.at_ms(i),
            s.municipality[i],
            opt(s.settlement[i], NONE16),
            s.channel[i],
            opt(s.block[i], NONE8),
            opt(s.topic[i], NONE16),
            opt(s.agency[i], NONE8),
            s.status[i],
            opt(s.problem[i], NONE32),
            opt(s.reply_minutes[i], NONE32),
            ms(due),
            ms(answered),
            s.flags[i],
            s.answers[i],
            s.rejected[i],
            s.satisfaction[i]
        )?;
    }
    w.flush()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let db = arg("--db").ok_or("нужен --db ФАЙЛ (база с демо-данными: tsur --db ФАЙЛ demo --appeals 1000000)")?;
    let copies: usize = arg("--copies").map_or(Ok(1), |v| v.parse())?;
    let runs: usize = arg("--runs").map_or(Ok(7), |v| v.parse())?;
    let api = tsur_api::Api::open(std::path::Path::new(&db)).await?;
    let t = Instant::now();
    let (dims, base): (Dims, Snapshot) = api.snapshot_copy().await?;
    let build = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let snap = if copies > 1 { base.replicated(copies) } else { base };
    let replicate = t.elapsed().as_secs_f64();
    let weights = Weights::parse(&api.reference().texts.analytics_weights)?;
    let newest = snap.at.iter().copied().max().map(|s| i64::from(s) * 1000).ok_or("в базе нет обращений")?;
    let oldest = snap.at.iter().copied().min().map(|s| i64::from(s) * 1000).ok_or("в базе нет обращений")?;
    let day = |ms: i64| chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default().with_timezone(&tsur_core::time::ZONE).date_naive();
    let year = Period { first: day(oldest), last: day(newest) };
    let month = Period::last_days(day(newest), 30);
    // "Now": the day after the newest appeal, so the figures do not drift with the clock.
    let now = newest + 86_400_000;
    let bit = |c: Option<u8>| c.map(|c| 1u128 << c);
    let filters: Vec<(&str, Period, Filter)> = vec![
        ("year", year, Filter::period(year.millis().0, year.millis().1)),
        ("month", month, Filter::period(month.millis().0, month.millis().1)),
        ("block_housing", year, Filter { blocks: bit(dims.block("housing")), ..Filter::period(year.millis().0, year.millis().1) }),
        ("municipality_astrakhan", year, Filter { municipalities: bit(dims.municipality("astrakhan")), ..Filter::period(year.millis().0, year.millis().1) }),
    ];
    println!(
        "Снимок: {} обращений ({} копий), построен из базы за {:.2} с, размножен за {:.2} с; колонки {} МиБ",
        snap.len(),
        copies,
        build,
        replicate,
        snap.column_bytes() / (1 << 20)
    );
    let mut report = Vec::new();
    for (name, period, filter) in &filters {
        let mut times = Vec::new();
        let mut last = None;
        for _ in 0..runs {
            let t = Instant::now();
            let screen = tsur_analytics::screen(&snap, &dims, &weights, filter, now, 10);
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            last = Some(screen);
        }
        let s = last.ok_or("ни одного прогона")?;
        let ms = median_ms(times);
        println!(
            "  {name:<24} {:>9.1} мс  (обращений {}, в срок {}/{}, медиана первого ответа {:?} ч, проблем в топе {})",
            ms,
            s.kpis.appeals,
            s.kpis.on_time.k,
            s.kpis.on_time.n,
            s.kpis.first_reply.median,
            s.problems.len()
        );
        report.push(serde_json::json!({
            "name": name,
            "from": filter.from, "to": filter.to, "period": period.label_ru(),
            "municipality": filter.municipalities.map(|m| m.trailing_zeros()),
            "block": filter.blocks.map(|b| b.trailing_zeros()),
            "ms": ms,
            "appeals": s.kpis.appeals,
            "previous_appeals": s.previous.appeals,
            "on_time_k": s.kpis.on_time.k, "on_time_n": s.kpis.on_time.n,
            "resolved_k": s.kpis.resolved.k, "resolved_n": s.kpis.resolved.n,
            "reply_median_minutes": s.kpis.first_reply.median.map(|h| (h * 60.0).round()),
            "top_problem_appeals": s.problems.first().map(|p| p.appeals),
        }));
    }
    if let Some(dir) = arg("--export") {
        let dir = std::path::PathBuf::from(dir);
        let t = Instant::now();
        export(&dir, &snap)?;
        let mut topics = String::from("code,severity\n");
        for (i, sev) in dims.topic_severity.iter().enumerate() {
            topics.push_str(&format!("{i},{sev}\n"));
        }
        std::fs::write(dir.join("topics.csv"), topics)?;
        let mut settlements = String::from("code,population\n");
        for (i, p) in dims.settlement_population.iter().enumerate() {
            settlements.push_str(&format!("{i},{p}\n"));
        }
        std::fs::write(dir.join("settlements.csv"), settlements)?;
        let meta = serde_json::json!({ "rows": snap.len(), "now": now, "copies": copies, "weights_min_sample": weights.min_sample, "filters": report });
        std::fs::write(dir.join("ours.json"), serde_json::to_string_pretty(&meta)?)?;
        println!("Выгружено в {} за {:.1} с", dir.display(), t.elapsed().as_secs_f64());
    }
    Ok(())
}
