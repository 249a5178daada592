//! Text → municipality: a gazetteer of the region's municipalities, towns and settlements,
//! matched by Snowball stems so that inflected forms («в Камызяке», «из Нариманова»,
//! «Ахтубинского района») find their place. A word that names places in several
//! municipalities decides nothing; an address whose words point to different
//! municipalities is ambiguous and goes to review.

use rust_stemmers::{Algorithm, Stemmer};
use std::collections::{BTreeSet, HashMap};
use tsur_core::reference::ReferenceData;
use tsur_core::{MunicipalityId, SettlementId};

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

/// Words after which comes a street's name.
const STREET: &[&str] = &[
    "ул",
    "улица",
    "пер",
    "переулок",
    "пр",
    "пр-т",
    "проспект",
    "пл",
    "площадь",
    "б-р",
    "бульвар",
    "наб",
    "набережная",
    "ш",
    "шоссе",
    "проезд",
    "туп",
    "тупик",
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
    /// «<adjective> район»: municipal districts and the city's districts, which decide
    /// before the adjective alone («Кировский район» of Astrakhan, not рп Кировский).
    districts: HashMap<String, BTreeSet<MunicipalityId>>,
    /// Keys of settlements (their census names and places, and «<adjective> район» of the
    /// city's districts) → the settlements.
    settlements: HashMap<String, BTreeSet<SettlementId>>,
    settlement_of: HashMap<SettlementId, MunicipalityId>,
}

/// A word of an address that may name a place: its keys (stem and base forms), and the
/// key of «<word> район» when «район» follows it.
struct PlaceWord {
    keys: Vec<String>,
    district: Option<String>,
}

/// Words that mean «district».
const DISTRICT: &[&str] = &["район", "р-н", "рн", "р", "района", "районе"];

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
        let mut districts: HashMap<String, BTreeSet<MunicipalityId>> = HashMap::new();
        let mut add_district = |name: &str, m: &MunicipalityId| {
            let ws: Vec<String> = words(name).collect();
            for pair in ws.windows(2) {
                if DISTRICT.contains(&pair[1].as_str()) {
                    districts.entry(format!("{}|район", stemmer.stem(&pair[0]))).or_default().insert(m.clone());
                }
            }
        };
        for m in &reference.municipalities {
            add(&mut strong, &m.name_ru, &m.id);
            add_district(&m.name_ru, &m.id);
        }
        for s in reference.settlements.iter().filter(|s| s.kind == "city_district") {
            add_district(&s.name_ru, &s.municipality_id);
        }
        let mut settlements: HashMap<String, BTreeSet<SettlementId>> = HashMap::new();
        for s in &reference.settlements {
            for name in [&s.place_ru, &s.name_ru] {
                for k in keys(&stemmer, name) {
                    settlements.entry(k).or_default().insert(s.id.clone());
                }
                let ws: Vec<String> = words(name).collect();
                for pair in ws.windows(2).filter(|p| DISTRICT.contains(&p[1].as_str())) {
                    settlements.entry(format!("{}|район", stemmer.stem(&pair[0]))).or_default().insert(s.id.clone());
                }
            }
        }
        let settlement_of = reference.settlements.iter().map(|s| (s.id.clone(), s.municipality_id.clone())).collect();
        for t in &reference.towns {
            add(&mut strong, &t.name_ru, &t.municipality_id);
        }
        for s in &reference.settlements {
            // City districts are named like streets («Советский», «Кировский»): weak too.
            let map = if s.kind == "urban" { &mut strong } else { &mut weak };
            add(map, &s.place_ru, &s.municipality_id);
            add(map, &s.name_ru, &s.municipality_id);
        }
        Gazetteer { stemmer: Stemmer::create(Algorithm::Russian), strong, weak, districts, settlements, settlement_of }
    }

    /// The settlement of `municipality` a text names, if it names exactly one (a street's
    /// name does not count).
    pub fn settlement(&self, text: &str, municipality: &MunicipalityId) -> Option<SettlementId> {
        self.place(text).settlement(municipality)
    }

    /// The municipality a text names, if it names exactly one.
    pub fn find(&self, text: &str) -> Found {
        self.place(text).municipality()
    }

    /// The words of a text that may name a place, read once for both questions an import
    /// asks of an address (its municipality, then its settlement there).
    pub fn place(&self, text: &str) -> Place<'_> {
        Place { gazetteer: self, words: self.place_words(text) }
    }

    /// The words of a text that may name a place, with their lookup keys: the word after
    /// «ул.», «пер.», «пр.» … names a street, not a place («ул. Советская»), and generic or
    /// short words name nothing.
    fn place_words(&self, text: &str) -> Vec<PlaceWord> {
        let all: Vec<String> = words(text).collect();
        let mut street = false;
        let mut out = Vec::new();
        for (i, w) in all.iter().enumerate() {
            if STREET.contains(&w.as_str()) {
                street = true;
                continue;
            }
            if std::mem::take(&mut street) || GENERIC.contains(&w.as_str()) || w.chars().count() < 4 {
                continue;
            }
            let stem = self.stemmer.stem(w).into_owned();
            let district = all.get(i + 1).filter(|n| DISTRICT.contains(&n.as_str())).map(|_| format!("{stem}|район"));
            let mut keys = vec![stem];
            keys.extend(forms(w));
            out.push(PlaceWord { keys, district });
        }
        out
    }
}

/// A text read by the gazetteer ([`Gazetteer::place`]): the words that may name a place.
pub struct Place<'g> {
    gazetteer: &'g Gazetteer,
    words: Vec<PlaceWord>,
}

impl Place<'_> {
    /// The municipality the text names, if it names exactly one.
    pub fn municipality(&self) -> Found {
        let g = self.gazetteer;
        let mut found: BTreeSet<MunicipalityId> = BTreeSet::new();
        for word in &self.words {
            // «<прилагательное> район» decides before the adjective alone.
            if let Some(ms) = word.district.as_ref().and_then(|k| g.districts.get(k)).filter(|ms| ms.len() == 1) {
                found.extend(ms.iter().cloned());
                continue;
            }
            // A strong key decides (if it names one municipality); a weak key only when no
            // strong key knows the word.
            let hit = word.keys.iter().find_map(|k| g.strong.get(k)).or_else(|| word.keys.iter().find_map(|k| g.weak.get(k)));
            if let Some(ms) = hit.filter(|ms| ms.len() == 1) {
                found.extend(ms.iter().cloned());
            }
        }
        match found.len() {
            0 => Found::Nothing,
            1 => Found::One(found.into_iter().next().expect("one")),
            _ => Found::Ambiguous(found.into_iter().collect()),
        }
    }

    /// The settlement of `municipality` the text names, if it names exactly one (a street's
    /// name does not count).
    pub fn settlement(&self, municipality: &MunicipalityId) -> Option<SettlementId> {
        let g = self.gazetteer;
        let mut found: BTreeSet<&SettlementId> = BTreeSet::new();
        for word in &self.words {
            let here = |k: &String| -> Option<Vec<&SettlementId>> {
                let ids: Vec<&SettlementId> = g.settlements.get(k)?.iter().filter(|s| g.settlement_of.get(*s) == Some(municipality)).collect();
                (!ids.is_empty()).then_some(ids)
            };
            if let Some(ids) = word.district.iter().chain(&word.keys).find_map(here) {
                if ids.len() == 1 {
                    found.insert(ids[0]);
                }
            }
        }
        (found.len() == 1).then(|| found.into_iter().next().expect("one").clone())
    }
}
