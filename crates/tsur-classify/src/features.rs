//! Hashed features of a text: word stems, stem bigrams and character n-grams of words.
//!
//! Every feature is hashed into `2^bits` buckets (the "hashing trick"), so there is no
//! vocabulary to store and a new word costs nothing. Two groups are kept apart, because
//! they are weighted and normalised separately by the model: *word* features (stems and
//! stem bigrams) and *char* features (n-grams of the lowercased word between boundary
//! marks, `<яма>` → `<ям`, `ям`, `ма>`, …), which make a misspelt word share most of its
//! features with the right one.

use crate::normalize::{clean_text_into, has_digit, words, Normalizer};

/// Which features to extract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeatureConfig {
    /// Number of hash buckets as a power of two (10..=24).
    pub bits: u8,
    /// Add stem bigrams to stem unigrams.
    pub word_bigrams: bool,
    /// Shortest character n-gram; 0 turns character n-grams off.
    pub char_min: u8,
    /// Longest character n-gram.
    pub char_max: u8,
}

impl FeatureConfig {
    /// The default: 2^18 buckets, stems + character 3- to 5-grams. Stem bigrams are off:
    /// with the ~1,000 labelled texts a region has at first they are too rare to learn
    /// from and cost 0.02–0.05 of macro-F1 (docs/classification.md).
    pub const DEFAULT: FeatureConfig = FeatureConfig { bits: 18, word_bigrams: false, char_min: 3, char_max: 5 };

    /// The plain baseline: stem unigrams only.
    pub const UNIGRAMS: FeatureConfig = FeatureConfig { bits: 18, word_bigrams: false, char_min: 0, char_max: 0 };

    /// Whether character n-grams are on.
    pub fn has_chars(&self) -> bool {
        self.char_min > 0 && self.char_max >= self.char_min
    }

    pub(crate) fn mask(&self) -> u32 {
        ((1u64 << self.bits) - 1) as u32
    }
}

impl Default for FeatureConfig {
    fn default() -> Self {
        FeatureConfig::DEFAULT
    }
}

/// Raw term counts of one text, by bucket, each group sorted by bucket.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counts {
    /// Word-group features: (bucket, count).
    pub word: Vec<(u32, u32)>,
    /// Char-group features: (bucket, count).
    pub char: Vec<(u32, u32)>,
    /// Lexicon-group features: (bucket, value), filled by a model trained with a lexicon.
    pub lexicon: Vec<(u32, f32)>,
    /// The dense group: the text's unit mean word vector, filled by a model with word
    /// vectors (empty when no word of the text has a vector).
    pub dense: Vec<f32>,
}

const K: u64 = 0x9e37_79b9_7f4a_7c15;
const SEED_UNIGRAM: u64 = 0x5157;
const SEED_BIGRAM: u64 = 0xb16a;
const SEED_CHAR: u64 = 0xc4a2;
const MARK_BEGIN: u64 = 0x11_0001;
const MARK_END: u64 = 0x11_0002;

#[inline]
fn step(h: u64, x: u64) -> u64 {
    (h.rotate_left(23) ^ x).wrapping_mul(K)
}

#[inline]
fn finish(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h
}

pub(crate) fn hash_str(seed: u64, s: &str) -> u64 {
    let mut h = seed;
    for chunk in s.as_bytes().chunks(8) {
        let mut word = [0u8; 8];
        word[..chunk.len()].copy_from_slice(chunk);
        h = step(h, u64::from_le_bytes(word));
    }
    finish(step(h, s.len() as u64))
}

/// The hashes of one word: its stem (word group) and its character n-grams (char group),
/// before reduction to buckets.
struct WordHashes {
    stem: u64,
    chars: Box<[u64]>,
    /// What one model made of these hashes (see [`for_each_word_rows`]): the model's key
    /// and its rows, the stem's first.
    rows: Option<(u64, Box<[u32]>)>,
}

/// Words repeat across appeals, and stemming plus n-gram hashing is most of the cost of a
/// prediction, so each thread remembers the hashes of the words it has seen (a pure cache:
/// the result is the same with or without it). It is emptied when it grows past
/// [`CACHE_WORDS`] or when asked for another n-gram range.
const CACHE_WORDS: usize = 200_000;

/// A fast multiplicative hasher for the cache, keyed per thread by the standard library's
/// random state (so that crafted texts cannot aim at its buckets). Only the cache's speed
/// depends on it, never a result.
#[derive(Clone, Copy)]
struct CacheHasher(u64);

impl std::hash::Hasher for CacheHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut h = self.0;
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            h = step(h, u64::from_le_bytes(chunk.try_into().expect("8 bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            h = step(h, u64::from_le_bytes(word));
        }
        self.0 = h;
    }
    fn write_u8(&mut self, i: u8) {
        self.0 = step(self.0, i as u64);
    }
    fn write_usize(&mut self, i: usize) {
        self.0 = step(self.0, i as u64);
    }
    fn finish(&self) -> u64 {
        finish(self.0)
    }
}

#[derive(Clone, Copy)]
struct CacheHasherBuilder(u64);

impl std::hash::BuildHasher for CacheHasherBuilder {
    type Hasher = CacheHasher;
    fn build_hasher(&self) -> CacheHasher {
        CacheHasher(self.0)
    }
}

struct WordCache {
    range: (u8, u8),
    words: std::collections::HashMap<Box<str>, WordHashes, CacheHasherBuilder>,
    /// The cleaned text of the current call (reused, so a text costs no allocation).
    clean: String,
}

impl WordCache {
    /// Forgets the words when the n-gram range changed or the cache is full, and cleans `raw`
    /// into the reused buffer.
    fn prepare(&mut self, config: &FeatureConfig, raw: &str) {
        let range = if config.has_chars() { (config.char_min, config.char_max) } else { (0, 0) };
        if self.range != range || self.words.len() > CACHE_WORDS {
            self.words.clear();
            self.range = range;
        }
        clean_text_into(raw, &mut self.clean);
    }
}

impl WordCache {
    fn new() -> WordCache {
        use std::hash::{BuildHasher, Hasher};
        let key = std::collections::hash_map::RandomState::new().build_hasher().finish();
        WordCache { range: (0, 0), words: std::collections::HashMap::with_hasher(CacheHasherBuilder(key)), clean: String::new() }
    }
}

thread_local! {
    static CACHE: std::cell::RefCell<WordCache> = std::cell::RefCell::new(WordCache::new());
}

fn word_hashes(config: &FeatureConfig, normalizer: &Normalizer, w: &str) -> WordHashes {
    let stem = hash_str(SEED_UNIGRAM, &normalizer.stem(w));
    let mut chars = Vec::new();
    if config.has_chars() {
        let mut codes: Vec<u64> = Vec::with_capacity(w.len() + 2);
        codes.push(MARK_BEGIN);
        codes.extend(w.chars().map(|c| c as u64));
        codes.push(MARK_END);
        let (lo, hi) = (config.char_min as usize, config.char_max as usize);
        for start in 0..codes.len() {
            let mut h = SEED_CHAR;
            for (n, &code) in codes[start..].iter().take(hi).enumerate() {
                h = step(h, code);
                if n + 1 >= lo {
                    chars.push(finish(step(h, n as u64)));
                }
            }
        }
    }
    WordHashes { stem, chars: chars.into_boxed_slice(), rows: None }
}

/// The feature groups a bucket belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Group {
    Word,
    Char,
}

/// Calls `f(group, bucket)` for every feature occurrence of `raw` under `config`, in text
/// order (a word's stem, then its n-grams). No allocation once the thread's cache is warm.
pub(crate) fn for_each_feature(config: &FeatureConfig, normalizer: &Normalizer, raw: &str, mut f: impl FnMut(Group, u32)) {
    let mask = config.mask() as u64;
    CACHE.with_borrow_mut(|cache| {
        cache.prepare(config, raw);
        let WordCache { words: cache, clean, .. } = cache;
        let mut previous: Option<u64> = None;
        for w in words(clean) {
            if has_digit(w) {
                // A number breaks a phrase: no bigram across it.
                previous = None;
                continue;
            }
            let hashes = match cache.get(w) {
                Some(h) => h,
                None => cache.entry(w.into()).or_insert_with(|| word_hashes(config, normalizer, w)),
            };
            let h = hashes.stem;
            f(Group::Word, (h & mask) as u32);
            if config.word_bigrams {
                if let Some(p) = previous {
                    f(Group::Word, (finish(step(step(SEED_BIGRAM, p), h)) & mask) as u32);
                }
                previous = Some(h);
            }
            for &c in hashes.chars.iter() {
                f(Group::Char, (c & mask) as u32);
            }
        }
    });
}

/// Calls `f(rows)` for every word of `raw` (not for numbers), where `rows` is what
/// `to_rows(word, stem bucket, char buckets)` returned for that word: the per-thread cache keeps
/// it for the model `key`, so a model maps each distinct word to its weight rows once
/// instead of looking up every n-gram of every text. Not for stem bigrams (they depend on
/// the previous word).
pub(crate) fn for_each_word_rows(
    config: &FeatureConfig,
    normalizer: &Normalizer,
    raw: &str,
    key: u64,
    to_rows: impl Fn(&str, u32, &mut dyn Iterator<Item = u32>) -> Box<[u32]>,
    mut f: impl FnMut(&[u32]),
) {
    debug_assert!(!config.word_bigrams);
    let mask = config.mask() as u64;
    CACHE.with_borrow_mut(|cache| {
        cache.prepare(config, raw);
        let WordCache { words: cache, clean, .. } = cache;
        for w in words(clean) {
            if has_digit(w) {
                continue;
            }
            let hashes = match cache.get_mut(w) {
                Some(h) => h,
                None => cache.entry(w.into()).or_insert_with(|| word_hashes(config, normalizer, w)),
            };
            match &hashes.rows {
                Some((k, rows)) if *k == key => f(rows),
                _ => {
                    let rows = to_rows(w, (hashes.stem & mask) as u32, &mut hashes.chars.iter().map(|&c| (c & mask) as u32));
                    f(&rows);
                    hashes.rows = Some((key, rows));
                }
            }
        }
    });
}

/// Extracts the counts of `raw` (an unprocessed appeal text) under `config`.
pub fn extract(config: &FeatureConfig, normalizer: &Normalizer, raw: &str) -> Counts {
    let mut word = Vec::with_capacity(64);
    let mut char = Vec::with_capacity(if config.has_chars() { 1024 } else { 0 });
    for_each_feature(config, normalizer, raw, |group, bucket| match group {
        Group::Word => word.push(bucket),
        Group::Char => char.push(bucket),
    });
    Counts { word: count_sorted(word), char: count_sorted(char), lexicon: Vec::new(), dense: Vec::new() }
}

fn count_sorted(mut buckets: Vec<u32>) -> Vec<(u32, u32)> {
    buckets.sort_unstable();
    let mut out: Vec<(u32, u32)> = Vec::with_capacity(buckets.len());
    for b in buckets {
        match out.last_mut() {
            Some((last, n)) if *last == b => *n += 1,
            _ => out.push((b, 1)),
        }
    }
    out
}
