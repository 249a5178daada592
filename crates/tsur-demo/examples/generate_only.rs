//! Times the generator alone, without a store: `cargo run --release -p tsur-demo --example generate_only -- 100000`.
use std::time::Instant;
use tsur_core::reference::{ReferenceData, ReferenceTexts};
use tsur_demo::{Generator, Params, PhraseBank};

fn main() {
    let n: u64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/reference");
    let texts = ReferenceTexts::load(|name| std::fs::read_to_string(dir.join(name))).expect("reference files");
    let reference = ReferenceData::parse(texts).expect("reference books");
    let bank = PhraseBank::bundled().expect("phrase bank");
    let started = Instant::now();
    let g = Generator::new(&reference, &bank, Params::year(n, 2020)).expect("generator");
    let mut events = 0usize;
    for k in 0..g.chunks() {
        events += g.chunk(k).iter().map(|a| a.events.len()).sum::<usize>();
    }
    println!("{n} appeals, {events} events generated in {:.2} s", started.elapsed().as_secs_f64());
}
