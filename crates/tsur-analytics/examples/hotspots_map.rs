//! Builds the hotspot layer (Gi* of appeals against population) from two CSV files.
//!
//! ```sh
//! sqlite3 -csv /tmp/demo/d1m.db "select lon, lat from appeals where lon is not null" > points.csv
//! sqlite3 -csv /tmp/demo/d1m.db "select lon, lat, population from settlements" > places.csv
//! cargo run --release -p tsur-analytics --example hotspots_map -- points.csv places.csv [RESOLUTION] [--pearson] > hotspots.geojson
//! ```
//!
//! Writes the GeoJSON FeatureCollection to stdout and a summary (cells per class, the
//! hottest cells, the time taken) to stderr. RESOLUTION is the H3 resolution, 7 by default
//! (hexagons of about 5 km²). The variable is the excess `O − E` unless `--pearson` asks
//! for Pearson residuals.

use std::collections::BTreeMap;
use std::time::Instant;

use tsur_analytics::hotspots::{bin_points, gi_star_with, population_cells, spread_k, to_geojson, GiParams, HotClass, Variable};

/// Rows of numbers from `sqlite3 -csv` output.
fn rows(path: &str) -> Result<Vec<Vec<f64>>, Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(path)?;
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        out.push(line.split(',').map(|f| f.trim().trim_matches('"').parse::<f64>()).collect::<Result<Vec<_>, _>>()?);
    }
    Ok(out)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(points_path), Some(places_path)) = (args.first(), args.get(1)) else {
        return Err("usage: hotspots_map POINTS.csv PLACES.csv [RESOLUTION]".into());
    };
    let res = h3o::Resolution::try_from(args.get(2).filter(|a| !a.starts_with("--")).map_or(Ok(7), |r| r.parse::<u8>())?)?;
    let variable = if args.iter().any(|a| a == "--pearson") { Variable::PearsonResidual } else { Variable::Excess };
    let points: Vec<(f64, f64)> = rows(points_path)?.into_iter().filter(|r| r.len() >= 2).map(|r| (r[0], r[1])).collect();
    let places: Vec<(f64, f64, f64)> = rows(places_path)?.into_iter().filter(|r| r.len() >= 3).map(|r| (r[0], r[1], r[2])).collect();

    let started = Instant::now();
    let observed = bin_points(points.iter().copied(), res);
    let binned = started.elapsed();
    let population = population_cells(&places, res);
    let stats = gi_star_with(&observed, &population, &GiParams { variable, ..GiParams::default() });
    let total = started.elapsed();
    let geojson = to_geojson(&stats);
    println!("{geojson}");

    let mut classes: BTreeMap<&str, usize> = BTreeMap::new();
    for s in &stats {
        *classes.entry(s.class.label_ru()).or_default() += 1;
    }
    eprintln!(
        "{} points, {} places, resolution {}, population spread k = {}: {} cells with appeals, {} study cells",
        points.len(),
        places.len(),
        u8::from(res),
        spread_k(res),
        observed.len(),
        stats.len()
    );
    let unpopulated: u32 = stats.iter().filter(|s| s.expected == 0.0).map(|s| s.observed).sum();
    eprintln!("  appeals in cells without population: {unpopulated} ({:.1} %)", 100.0 * f64::from(unpopulated) / points.len().max(1) as f64);
    for (class, n) in &classes {
        eprintln!("  {class}: {n}");
    }
    let mut hot: Vec<_> = stats.iter().filter(|s| s.class == HotClass::Hot99).collect();
    hot.sort_by(|a, b| b.z.total_cmp(&a.z));
    for s in hot.iter().take(5) {
        eprintln!("  {}: observed {}, expected {:.1}, z {:.2}", s.cell, s.observed, s.expected, s.z);
    }
    eprintln!("binning {:.0} ms, all {:.0} ms", binned.as_secs_f64() * 1000.0, total.as_secs_f64() * 1000.0);
    Ok(())
}
