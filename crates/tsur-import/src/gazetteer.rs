//! Text → municipality: a gazetteer of the region's municipalities, towns and settlements,
//! matched by Snowball stems so that inflected forms («в Камызяке», «из Нариманова»,
//! «Ахтубинского района») find their place. A word that names places in several
//! municipalities decides nothing; an address whose words point to different
//! municipalities is ambiguous and goes to review.

use rust_stemmers::{Algorithm, Stemmer};
use std::collections::{BTreeSet, HashMap};
use tsur_core::reference::ReferenceData;
use tsur_core::MunicipalityId;

/// Words that say what kind of place follows, not which.
const GENERIC: &[&str] = &[
    "г",
    "город",
    "гор",
    "с",
    "село",
    "п",
    "пос",
    "поселок",
    "посёлок",
    "пгт",
    "х",
    "хутор",
    "д",
    "дер",
    "деревня",
    "ст",
    "станция",
    "район",
    "р",
    "рн",
    "р-н",
    "муниципальный",
    "муниципального",
    "образование",
    "мо",
    "городской",
    "городское",
    "сельское",
    "поселение",
    "сельсовет",
    "округ",
    "зато",
    "область",
    "обл",
    "астраханская",
    "астраханской",
    "ул",
    "улица",
    "дом",
    "кв",
    "пер",
    "переулок",
    "пр",
    "проспект",
    "мкр",
    "микрорайон",
];

/// Keys to index for one place name: each distinctive word of at least four letters,
/// stemmed, and as written (`=нариманов`): Snowball stems possessive place names
/// (Нариманов, Камызяк) differently from their inflected forms, which [`forms`] undoes.
fn keys(stemmer: &Stemmer, name: &str) -> Vec<String> {
    words(name).filter(|w| !GENERIC.contains(&w.as_str()) && w.chars().count() >= 4).flat_map(|w| [stemmer.stem(&w).into_owned(), format!("={w}")]).collect()
}

/// The base forms an inflected place name may come from: «нариманове», «нариманова» →
/// «нариманов»; «камызяке» → «камызяк»; «ахтубинском» → «ахтубинск».
fn forms(word: &str) -> Vec<String> {
    let mut out = vec![format!("={word}")];
    for ending in ["ом", "ем", "ой", "ей", "ым", "им", "а", "е", "у", "ы", "и", "о"] {
        if let Some(base) = word.strip_suffix(ending).filter(|b| b.chars().count() >= 4) {
            out.push(format!("={base}"));
        }
    }
    out
}

fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !(c.is_alphanumeric() || c == '-')).filter(|w| !w.is_empty()).map(|w| w.to_lowercase().replace('ё', "е"))
}

/// The gazetteer: names of municipalities, towns and urban settlements are strong keys;
/// names of rural settlements (often adjectives shared across districts, «Покровский
/// сельсовет») are weak keys, consulted only when no strong key decides.
pub struct Gazetteer {
    stemmer: Stemmer,
    strong: HashMap<String, BTreeSet<MunicipalityId>>,
    weak: HashMap<String, BTreeSet<MunicipalityId>>,
}

/// What an address says about its municipality.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// One municipality.
    One(MunicipalityId),
    /// Words of several municipalities.
    Ambiguous(Vec<MunicipalityId>),
    /// Nothing known.
    Nothing,
}

impl Gazetteer {
    /// Builds the index from the reference books.
    pub fn new(reference: &ReferenceData) -> Gazetteer {
        let stemmer = Stemmer::create(Algorithm::Russian);
        let mut strong: HashMap<String, BTreeSet<MunicipalityId>> = HashMap::new();
        let mut weak: HashMap<String, BTreeSet<MunicipalityId>> = HashMap::new();
        let add = |map: &mut HashMap<String, BTreeSet<MunicipalityId>>, name: &str, m: &MunicipalityId| {
            for k in keys(&stemmer, name) {
                map.entry(k).or_default().insert(m.clone());
            }
        };
        for m in &reference.municipalities {
            add(&mut strong, &m.name_ru, &m.id);
        }
        for t in &reference.towns {
            add(&mut strong, &t.name_ru, &t.municipality_id);
        }
        for s in &reference.settlements {
            let map = if s.kind == "rural" { &mut weak } else { &mut strong };
            add(map, &s.place_ru, &s.municipality_id);
            add(map, &s.name_ru, &s.municipality_id);
        }
        Gazetteer { stemmer: Stemmer::create(Algorithm::Russian), strong, weak }
    }

    /// The gazetteer's own copy of an id (to hold references while collecting).
    fn owned(&self, m: &MunicipalityId) -> Option<&MunicipalityId> {
        self.strong.values().chain(self.weak.values()).find_map(|ms| ms.get(m))
    }

    /// The municipality a text names, if it names exactly one.
    pub fn find(&self, text: &str) -> Found {
        let mut found: BTreeSet<&MunicipalityId> = BTreeSet::new();
        for w in words(text) {
            if GENERIC.contains(&w.as_str()) || w.chars().count() < 4 {
                continue;
            }
            let mut candidates = vec![self.stemmer.stem(&w).into_owned()];
            candidates.extend(forms(&w));
            // A strong key decides (if it names one municipality); a weak key only when no
            // strong key knows the word.
            let hit = candidates.iter().find_map(|k| self.strong.get(k)).or_else(|| candidates.iter().find_map(|k| self.weak.get(k)));
            if let Some(ms) = hit.filter(|ms| ms.len() == 1) {
                found.extend(ms.iter().filter_map(|m| self.owned(m)));
            }
        }
        match found.len() {
            0 => Found::Nothing,
            1 => Found::One(found.into_iter().next().expect("one").clone()),
            _ => Found::Ambiguous(found.into_iter().cloned().collect()),
        }
    }
}
