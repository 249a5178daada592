//! The lexicon model on the demo phrase bank, used only as a test set (the lexicon was
//! written without it): block and topic accuracy, per block.
//!
//! `cargo run --release -p tsur-classify --example phrases [-- PATH/TO/phrases.toml]`

use std::collections::BTreeMap;
use tsur_classify::{evaluate, Lexicon};
use tsur_core::reference::Topic;

const TOPICS: &str = include_str!("../../../data/reference/catalog/topics.csv");
const LEXICON: &str = include_str!("../../../data/reference/classify/lexicon.csv");

#[derive(serde::Deserialize)]
struct Bank {
    topic: Vec<Entry>,
}

#[derive(serde::Deserialize)]
struct Entry {
    id: String,
    #[serde(default)]
    formal: Vec<String>,
    #[serde(default)]
    colloquial: Vec<String>,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/../tsur-demo/data/phrases.toml").to_owned());
    let bank: Bank = toml::from_str(&std::fs::read_to_string(&path)?)?;
    let topics: Vec<Topic> = csv::Reader::from_reader(TOPICS.as_bytes()).deserialize().collect::<Result<_, _>>()?;
    let lexicon = Lexicon::parse("lexicon.csv", LEXICON, &topics)?;
    let mut blocks: Vec<String> = Vec::new();
    for t in &topics {
        if !blocks.contains(&t.block_id.0) {
            blocks.push(t.block_id.0.clone());
        }
    }
    let mut truth = Vec::new();
    let mut predicted = Vec::new();
    let mut topic_right = 0;
    let mut by_style: BTreeMap<&str, (u32, u32)> = BTreeMap::new();
    let other = blocks.iter().position(|b| b == "other").expect("an other block");
    for entry in &bank.topic {
        let topic = topics.iter().find(|t| t.id.0 == entry.id).ok_or_else(|| format!("unknown topic {}", entry.id))?;
        let block = blocks.iter().position(|b| *b == topic.block_id.0).expect("known block");
        for (style, phrases) in [("formal", &entry.formal), ("colloquial", &entry.colloquial)] {
            for phrase in phrases {
                let text = phrase.replace("{addr}", "ул. Ленина, д. 12").replace("{place}", "с. Икряное").replace("{duration}", "третью неделю");
                let p = lexicon.predict(&text);
                let guess = p.block.as_ref().map_or(other, |b| blocks.iter().position(|x| x == b.as_str()).expect("known block"));
                truth.push(block);
                predicted.push(guess);
                topic_right += (p.topic.as_ref() == Some(&topic.id)) as u32;
                let s = by_style.entry(style).or_default();
                s.0 += (guess == block) as u32;
                s.1 += 1;
            }
        }
    }
    let report = evaluate(&blocks, &truth, &predicted);
    println!(
        "{} phrases; block accuracy {:.4}, block macro-F1 {:.4}, topic accuracy {:.4}",
        truth.len(),
        report.accuracy,
        report.macro_f1,
        topic_right as f64 / truth.len() as f64
    );
    for (style, (right, n)) in &by_style {
        println!("  {style:<11} block accuracy {:.4} ({right}/{n})", *right as f64 / *n as f64);
    }
    println!("{:<12} {:>7} {:>9} {:>9} {:>9}", "block", "support", "precision", "recall", "F1");
    for m in &report.per_class {
        println!("{:<12} {:>7} {:>9.3} {:>9.3} {:>9.3}", m.label, m.support, m.precision, m.recall, m.f1);
    }
    Ok(())
}
