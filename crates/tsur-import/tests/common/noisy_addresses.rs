//! Generated addresses with realistic noise, and the gazetteer's accuracy on them. Used by
//! the test below (a floor on accuracy) and by `examples/geocode_accuracy.rs` (the report).

#![allow(dead_code)]

use tsur_core::reference::ReferenceData;
use tsur_import::gazetteer::{Found, Gazetteer};

/// A small deterministic generator (xorshift): the same addresses on every machine.
pub struct Rng(pub u64);

impl Rng {
    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const STREETS: &[&str] = &["ул. Ленина", "ул. Советская", "ул. Набережная", "ул. Кирова", "пер. Школьный", "ул. Молодёжная", "ул. Садовая", "пр. Победы"];

/// The place names of one settlement as people write them, with the true municipality.
fn place(reference: &ReferenceData, rng: &mut Rng) -> (String, String, String) {
    let s = &reference.settlements[rng.below(reference.settlements.len())];
    let m = reference.municipality(&s.municipality_id).expect("known");
    // What a person writes for the place: the settlement as in the census list, or the
    // district, or both.
    let place = s.place_ru.clone();
    let text = match rng.below(4) {
        0 => place,
        1 => format!("{}, {place}", m.name_ru),
        2 => format!("Астраханская обл., {}, {place}", m.name_ru.replace("район", "р-н")),
        _ => strip_prefix(&place),
    };
    (text, s.municipality_id.0.clone(), s.id.0.clone())
}

/// «с. Болхуны» → «Болхуны» (people often drop the kind).
fn strip_prefix(place: &str) -> String {
    for p in ["г. ", "с. ", "п. ", "пгт ", "рп ", "х. ", "пос. "] {
        if let Some(rest) = place.strip_prefix(p) {
            return rest.to_owned();
        }
    }
    place.to_owned()
}

/// Letter noise: lower case, a dropped letter, a doubled letter (in one word of four or more).
fn noise(text: &str, rng: &mut Rng) -> String {
    let mut out = if rng.chance(30) { text.to_lowercase() } else { text.to_owned() };
    if rng.chance(15) {
        let words: Vec<&str> = out.split(' ').collect();
        let long: Vec<usize> = (0..words.len()).filter(|&i| words[i].chars().count() >= 6 && !words[i].contains('.')).collect();
        if !long.is_empty() {
            let i = long[rng.below(long.len())];
            let chars: Vec<char> = words[i].chars().collect();
            let k = 1 + rng.below(chars.len() - 2);
            let changed: String = if rng.chance(50) {
                chars.iter().enumerate().filter(|(j, _)| *j != k).map(|(_, c)| *c).collect()
            } else {
                chars.iter().enumerate().flat_map(|(j, c)| if j == k { vec![*c, *c] } else { vec![*c] }).collect()
            };
            let mut words: Vec<String> = words.iter().map(|w| w.to_string()).collect();
            words[i] = changed;
            out = words.join(" ");
        }
    }
    out
}

/// Accuracy figures.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub n: usize,
    pub right: usize,
    pub wrong: usize,
    pub ambiguous: usize,
    pub nothing: usize,
    pub clean_right: usize,
    pub clean_n: usize,
    /// Right settlement, among the addresses whose municipality was right.
    pub settlement_right: usize,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        let pct = |x: usize, n: usize| 100.0 * x as f64 / n.max(1) as f64;
        writeln!(f, "addresses: {}", self.n)?;
        writeln!(f, "right municipality: {:.1} %", pct(self.right, self.n))?;
        writeln!(f, "wrong municipality: {:.1} %", pct(self.wrong, self.n))?;
        writeln!(f, "ambiguous (to review): {:.1} %", pct(self.ambiguous, self.n))?;
        writeln!(f, "not found (to quarantine): {:.1} %", pct(self.nothing, self.n))?;
        writeln!(f, "right without letter noise: {:.1} % of {}", pct(self.clean_right, self.clean_n), self.clean_n)?;
        write!(f, "right settlement, of the right municipalities: {:.1} %", pct(self.settlement_right, self.right))
    }
}

/// Generates `n` addresses from `seed` and measures the gazetteer on them.
pub fn measure(reference: &ReferenceData, n: usize, seed: u64) -> Report {
    let g = Gazetteer::new(reference);
    let mut rng = Rng(seed | 1);
    let mut r = Report { n, right: 0, wrong: 0, ambiguous: 0, nothing: 0, clean_right: 0, clean_n: 0, settlement_right: 0 };
    for _ in 0..n {
        let (place, truth, settlement) = place(reference, &mut rng);
        let street = STREETS[rng.below(STREETS.len())];
        let full = if rng.chance(80) { format!("{place}, {street}, д. {}", 1 + rng.below(120)) } else { place.clone() };
        let noisy = noise(&full, &mut rng);
        let clean = noisy == full;
        match g.find(&noisy) {
            Found::One(m) if m.0 == truth => {
                r.right += 1;
                if g.settlement(&noisy, &m).is_some_and(|s| s.0 == settlement) {
                    r.settlement_right += 1;
                }
                if clean {
                    r.clean_right += 1;
                }
            }
            Found::One(_) => r.wrong += 1,
            Found::Ambiguous(_) => r.ambiguous += 1,
            Found::Nothing => r.nothing += 1,
        }
        if clean {
            r.clean_n += 1;
        }
    }
    r
}
