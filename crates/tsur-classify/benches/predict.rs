//! Prediction throughput on one core: appeals per second for the trained model (default
//! and baseline features, and trained on the 98 topics answering in blocks) and the lexicon model.
//!
//! `cargo bench -p tsur-classify --bench predict [-- N]` (release; prints the figures).
//! With `TSUR_VECTORS=PATH` (navec's tar, `scripts/fetch-vectors.sh`) a line is added for
//! the default model with word vectors.
//!
//! The texts are synthetic but shaped like real appeals (about 400 characters, HTML
//! paragraphs with `&nbsp;`, an address and a phone number, words of several topics): each
//! is built from the shipped lexicon's terms and common filler words by a seeded
//! generator. A model is trained on 4,000 of them, then N (default 100,000) others are
//! classified on this thread.

use std::hint::black_box;
use std::time::Instant;
use tsur_classify::{Lexicon, LinearModel, TrainConfig, Vectors};
use tsur_core::reference::Topic;

const TOPICS: &str = include_str!("../../../data/reference/catalog/topics.csv");
const LEXICON: &str = include_str!("../../../data/reference/classify/lexicon.csv");

const FILLER: [&str; 40] = [
    "здравствуйте",
    "прошу",
    "принять",
    "меры",
    "уже",
    "который",
    "месяц",
    "никто",
    "не",
    "реагирует",
    "на",
    "наши",
    "жалобы",
    "в",
    "администрацию",
    "жители",
    "дома",
    "улицы",
    "просим",
    "разобраться",
    "ситуацией",
    "и",
    "сообщить",
    "сроки",
    "уважаемые",
    "сотрудники",
    "обращаемся",
    "повторно",
    "так",
    "как",
    "проблема",
    "до",
    "сих",
    "пор",
    "решена",
    "спасибо",
    "заранее",
    "очень",
    "срочно",
    "помогите",
];

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn main() {
    let n: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(100_000);
    let topics: Vec<Topic> = csv::Reader::from_reader(TOPICS.as_bytes()).deserialize().collect::<Result<_, _>>().expect("topics parse");
    let lexicon = Lexicon::parse("lexicon.csv", LEXICON, &topics).expect("lexicon parses");
    let mut terms: Vec<Vec<String>> = vec![Vec::new(); topics.len()];
    let mut rows = csv::ReaderBuilder::new().comment(Some(b'#')).from_reader(LEXICON.as_bytes());
    for row in rows.records() {
        let row = row.expect("lexicon row");
        let t = topics.iter().position(|t| t.id.as_str() == &row[0]).expect("known topic");
        terms[t].push(row[1].to_owned());
    }
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let make = |rng: &mut Rng| -> (String, String, String) {
        let t = rng.below(topics.len());
        let mut words: Vec<String> = Vec::new();
        for _ in 0..45 {
            words.push(FILLER[rng.below(FILLER.len())].to_owned());
        }
        for _ in 0..4 {
            let at = rng.below(words.len());
            words.insert(at, terms[t][rng.below(terms[t].len())].clone());
        }
        let other = rng.below(topics.len());
        words.insert(rng.below(words.len()), terms[other][rng.below(terms[other].len())].clone());
        let split = words.len() / 2;
        let text = format!(
            "<p>{}&nbsp;по адресу ул. Ленина, д. {}</p><p><span style=\"color:rgb(51,51,51);\">{}</span> тел. +7 (927) {}-{:02}-{:02}</p>",
            words[..split].join(" "),
            1 + rng.below(120),
            words[split..].join(" "),
            100 + rng.below(900),
            rng.below(100),
            rng.below(100)
        );
        (text, topics[t].id.as_str().to_owned(), topics[t].block_id.as_str().to_owned())
    };
    let train: Vec<(String, String, String)> = (0..4_000).map(|_| make(&mut rng)).collect();
    let texts: Vec<String> = (0..n).map(|_| make(&mut rng).0).collect();
    let mean_len = texts.iter().map(|t| t.chars().count()).sum::<usize>() / n;
    println!("{n} synthetic appeals, mean length {mean_len} characters, one thread");

    let train_texts: Vec<&str> = train.iter().map(|(t, _, _)| t.as_str()).collect();
    let train_topics: Vec<&str> = train.iter().map(|(_, t, _)| t.as_str()).collect();
    let train_blocks: Vec<&str> = train.iter().map(|(_, _, b)| b.as_str()).collect();
    let vectors = std::env::var("TSUR_VECTORS").ok().map(|path| {
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        Vectors::from_navec_tar(&path, &bytes).unwrap_or_else(|e| panic!("{e}"))
    });
    let mut runs = vec![
        ("trained, default + lexicon", TrainConfig::DEFAULT, Some(&lexicon), &train_blocks, None),
        ("trained, default features", TrainConfig::DEFAULT, None, &train_blocks, None),
        ("trained, baseline features", TrainConfig::BASELINE, None, &train_blocks, None),
        ("trained, topics → blocks", TrainConfig::DEFAULT, None, &train_topics, None),
    ];
    if let Some(v) = &vectors {
        runs.push(("trained, default + vectors", TrainConfig::DEFAULT, None, &train_blocks, Some(v)));
    }
    for (name, config, lex, labels, vectors) in runs {
        let started = Instant::now();
        let model = LinearModel::train_with_vectors(&train_texts, labels, &train_blocks, &config, lex, vectors).expect("trains");
        let trained = started.elapsed();
        let bytes = model.to_bytes().len();
        let started = Instant::now();
        let mut checksum = 0usize;
        for t in &texts {
            checksum += black_box(model.predict(black_box(t))).class;
        }
        let secs = started.elapsed().as_secs_f64();
        println!(
            "{name:<28} {:>9.0} appeals/s   ({:.2} µs each; training on 4,000: {:.2} s; {} labels, {} rows, {:.1} MB serialised; checksum {checksum})",
            n as f64 / secs,
            secs * 1e6 / n as f64,
            trained.as_secs_f64(),
            model.labels().len(),
            model.rows(),
            bytes as f64 / 1e6
        );
    }
    let started = Instant::now();
    let mut checksum = 0usize;
    for t in &texts {
        checksum += black_box(lexicon.predict(black_box(t))).matches.len();
    }
    let secs = started.elapsed().as_secs_f64();
    println!("{:<28} {:>9.0} appeals/s   ({:.2} µs each; {} terms; checksum {checksum})", "lexicon", n as f64 / secs, secs * 1e6 / n as f64, lexicon.len());
}
