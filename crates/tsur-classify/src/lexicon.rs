//! The lexicon model: per-topic lists of words and short phrases with weights, written by
//! people, read by people, and needing no training data.
//!
//! The lexicon is a CSV text (`topic_id,term,weight`, `#` starts a comment line; the
//! shipped one is `data/reference/classify/lexicon.csv`). Terms are cleaned and stemmed
//! at load, so `ямы`, `ямой` and `Яма` are one term. A phrase matches when its stems occur
//! in order with at most [`MAX_GAP`] other words between neighbours (`нет горячей воды`
//! matches «нет у нас горячей воды»). A word of the text whose stem is not in the
//! lexicon matches a lexicon stem of at least [`FUZZY_MIN_CHARS`] letters within one
//! edit (a substitution, insertion, deletion or swap of neighbours), so «мусоравоз»
//! still finds `мусоровоз`.
//!
//! A topic scores the sum of the weights of its matched terms (each term once, however
//! often it occurs); a block scores the sum over the distinct terms matched in any of its
//! topics. The predicted block has the highest score, the predicted topic the highest
//! score inside it, and the confidence is the block's share of all block scores. Every
//! prediction lists the matches that made it.

use crate::error::{parse_rows, ClassifyError};
use crate::normalize::{clean_text, has_digit, words, Normalizer};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};
use tsur_core::reference::Topic;
use tsur_core::{BlockId, TopicId};

/// At most this many words may stand between two words of a phrase.
pub const MAX_GAP: usize = 2;
/// A lexicon stem shorter than this matches only exactly.
pub const FUZZY_MIN_CHARS: usize = 6;

#[derive(Debug, Clone)]
struct Term {
    written: String,
    stems: Vec<String>,
    topic: usize,
    weight: f32,
}

/// A lexicon, parsed and stemmed.
#[derive(Debug, Clone)]
pub struct Lexicon {
    topics: Vec<TopicId>,
    topic_block: Vec<usize>,
    blocks: Vec<BlockId>,
    terms: Vec<Term>,
    /// First stem of a term → the terms starting with it.
    by_first: HashMap<String, Vec<usize>>,
    /// Every lexicon stem (exact lookups).
    stems: BTreeSet<String>,
    /// A long lexicon stem and each of its one-letter deletions → the stem.
    deletions: HashMap<String, Vec<String>>,
    normalizer: Normalizer,
    /// The text it was parsed from.
    source: String,
}

/// One term found in a text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LexiconMatch {
    /// The term as written in the lexicon.
    pub term: String,
    /// The words of the text that matched it.
    pub words: Vec<String>,
    /// Its topic.
    pub topic: TopicId,
    /// Its weight.
    pub weight: f32,
    /// Whether a word matched only within one edit.
    pub fuzzy: bool,
}

/// The lexicon's verdict on one text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LexiconPrediction {
    /// The best block, `None` when no term matched.
    pub block: Option<BlockId>,
    /// The best topic inside that block.
    pub topic: Option<TopicId>,
    /// The block's score.
    pub score: f32,
    /// The block's share of all block scores, in [0, 1]; 0 when nothing matched.
    pub confidence: f32,
    /// Every block with a positive score, best first.
    pub block_scores: Vec<(BlockId, f32)>,
    /// What matched.
    pub matches: Vec<LexiconMatch>,
}

#[derive(serde::Deserialize)]
struct Row {
    topic_id: String,
    term: String,
    weight: f32,
}

impl Lexicon {
    /// Parses a lexicon CSV text against the topics of the rubricator.
    pub fn parse(file: &str, text: &str, topics: &[Topic]) -> Result<Lexicon, ClassifyError> {
        let pairs: Vec<(TopicId, BlockId)> = topics.iter().map(|t| (t.id.clone(), t.block_id.clone())).collect();
        Lexicon::parse_with_pairs(file, text, &pairs)
    }

    /// The topics and their blocks, and the source text (what a model stores to rebuild it).
    pub(crate) fn parts(&self) -> (Vec<(TopicId, BlockId)>, &str) {
        (self.topics.iter().zip(&self.topic_block).map(|(t, &b)| (t.clone(), self.blocks[b].clone())).collect(), &self.source)
    }

    /// [`Lexicon::parse`] with the topics given as (topic, block) pairs.
    pub(crate) fn parse_with_pairs(file: &str, text: &str, topics: &[(TopicId, BlockId)]) -> Result<Lexicon, ClassifyError> {
        let normalizer = Normalizer::russian();
        let mut blocks: Vec<BlockId> = Vec::new();
        let mut topic_block = Vec::with_capacity(topics.len());
        for (_, block) in topics {
            let b = match blocks.iter().position(|b| b == block) {
                Some(b) => b,
                None => {
                    blocks.push(block.clone());
                    blocks.len() - 1
                }
            };
            topic_block.push(b);
        }
        let topic_ids: Vec<TopicId> = topics.iter().map(|(t, _)| t.clone()).collect();
        let mut terms = Vec::new();
        let mut seen = BTreeSet::new();
        for (line, row) in parse_rows::<Row>(file, text)? {
            let err = |message: String| ClassifyError::Csv { file: file.to_owned(), line, message };
            let topic = topic_ids.iter().position(|t| t.as_str() == row.topic_id).ok_or_else(|| err(format!("неизвестная тематика «{}»", row.topic_id)))?;
            if !(row.weight.is_finite() && row.weight > 0.0 && row.weight <= 100.0) {
                return Err(err(format!("вес {} должен быть больше 0 и не больше 100", row.weight)));
            }
            let clean = clean_text(&row.term);
            let stems: Vec<String> = words(&clean).map(|w| normalizer.stem(w).into_owned()).collect();
            if stems.is_empty() {
                return Err(err(format!("в термине «{}» нет ни одного слова", row.term)));
            }
            if stems.len() > 6 {
                return Err(err(format!("термин «{}» длиннее шести слов", row.term)));
            }
            if !seen.insert((topic, stems.clone())) {
                return Err(err(format!("термин «{}» у тематики «{}» повторяется", row.term, row.topic_id)));
            }
            terms.push(Term { written: row.term, stems, topic, weight: row.weight });
        }
        let mut by_first: HashMap<String, Vec<usize>> = HashMap::new();
        let mut stems = BTreeSet::new();
        for (i, t) in terms.iter().enumerate() {
            by_first.entry(t.stems[0].clone()).or_default().push(i);
            stems.extend(t.stems.iter().cloned());
        }
        let mut deletions: HashMap<String, Vec<String>> = HashMap::new();
        for s in &stems {
            if s.chars().count() >= FUZZY_MIN_CHARS && !has_digit(s) {
                for key in std::iter::once(s.clone()).chain(one_deletions(s)) {
                    let list = deletions.entry(key).or_default();
                    if !list.contains(s) {
                        list.push(s.clone());
                    }
                }
            }
        }
        Ok(Lexicon { topics: topic_ids, topic_block, blocks, terms, by_first, stems, deletions, normalizer, source: text.to_owned() })
    }

    /// Number of terms.
    pub fn len(&self) -> usize {
        self.terms.len()
    }

    /// Whether there are no terms.
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// The topics that have no term (each deserves some, or it can never be predicted).
    pub fn topics_without_terms(&self) -> Vec<TopicId> {
        (0..self.topics.len()).filter(|&t| !self.terms.iter().any(|term| term.topic == t)).map(|t| self.topics[t].clone()).collect()
    }

    /// The lexicon stem a text stem stands for: itself, or the one lexicon stem within one edit.
    fn resolve(&self, stem: &str) -> Option<(String, bool)> {
        if self.stems.contains(stem) {
            return Some((stem.to_owned(), false));
        }
        if stem.chars().count() + 1 < FUZZY_MIN_CHARS {
            return None;
        }
        let mut candidates: Vec<&String> = Vec::new();
        for key in std::iter::once(stem.to_owned()).chain(one_deletions(stem)) {
            if let Some(list) = self.deletions.get(&key) {
                candidates.extend(list.iter().filter(|c| within_one_edit(stem, c)));
            }
        }
        // The smallest candidate, so that the choice does not depend on hashing order.
        candidates.into_iter().min().map(|c| (c.clone(), true))
    }

    /// The terms found in a raw text: (term index, the words that matched, fuzzy), in term order.
    fn find(&self, text: &str) -> Vec<(usize, Vec<String>, bool)> {
        let clean = clean_text(text);
        let mut written: Vec<&str> = Vec::new();
        let mut resolved: Vec<Option<(String, bool)>> = Vec::new();
        for w in words(&clean) {
            if has_digit(w) {
                continue;
            }
            written.push(w);
            resolved.push(self.resolve(&self.normalizer.stem(w)));
        }
        let mut found: Vec<(usize, Vec<String>, bool)> = Vec::new();
        for start in 0..resolved.len() {
            let Some((first, fuzzy)) = &resolved[start] else { continue };
            let Some(candidates) = self.by_first.get(first) else { continue };
            for &t in candidates {
                if found.iter().any(|(f, _, _)| *f == t) {
                    continue;
                }
                if let Some((positions, more_fuzzy)) = self.match_rest(&self.terms[t].stems[1..], &resolved, start) {
                    let words = std::iter::once(start).chain(positions).map(|p| written[p].to_owned()).collect();
                    found.push((t, words, *fuzzy || more_fuzzy));
                }
            }
        }
        found.sort_by_key(|(t, _, _)| *t);
        found
    }

    /// Topic scores (in the order of the topics given to [`Lexicon::parse`]) and block
    /// scores (in the order the blocks first appear among those topics) of the found terms.
    fn score(&self, found: &[(usize, Vec<String>, bool)]) -> (Vec<f32>, Vec<f32>) {
        let mut topic_score = vec![0f32; self.topics.len()];
        let mut block_terms: Vec<HashMap<&[String], f32>> = vec![HashMap::new(); self.blocks.len()];
        for (t, _, _) in found {
            let term = &self.terms[*t];
            topic_score[term.topic] += term.weight;
            let best = block_terms[self.topic_block[term.topic]].entry(&term.stems).or_insert(0.0);
            *best = best.max(term.weight);
        }
        (topic_score, block_terms.iter().map(|m| m.values().sum()).collect())
    }

    /// The score of every topic and every block for a raw text (the inputs of the
    /// lexicon features of a [`LinearModel`](crate::LinearModel)).
    pub fn scores(&self, text: &str) -> (Vec<f32>, Vec<f32>) {
        self.score(&self.find(text))
    }

    /// Classifies a raw text.
    pub fn predict(&self, text: &str) -> LexiconPrediction {
        let found = self.find(text);
        let (topic_score, block_score) = self.score(&found);
        let matches: Vec<LexiconMatch> = found
            .into_iter()
            .map(|(t, words, fuzzy)| {
                let term = &self.terms[t];
                LexiconMatch { term: term.written.clone(), words, topic: self.topics[term.topic].clone(), weight: term.weight, fuzzy }
            })
            .collect();
        let total: f32 = block_score.iter().sum();
        let mut block_scores: Vec<(BlockId, f32)> =
            block_score.iter().enumerate().filter(|(_, &s)| s > 0.0).map(|(b, &s)| (self.blocks[b].clone(), s)).collect();
        // Stable: ties keep the catalogue order.
        block_scores.sort_by(|a, b| b.1.total_cmp(&a.1));
        let Some((block, score)) = block_scores.first().cloned() else {
            return LexiconPrediction { block: None, topic: None, score: 0.0, confidence: 0.0, block_scores, matches };
        };
        let b = self.blocks.iter().position(|x| *x == block).expect("a scored block is known");
        let mut topic = None;
        let mut best = 0.0;
        for (t, &s) in topic_score.iter().enumerate() {
            if self.topic_block[t] == b && s > best {
                best = s;
                topic = Some(self.topics[t].clone());
            }
        }
        LexiconPrediction { block: Some(block), topic, score, confidence: score / total, block_scores, matches }
    }

    /// Positions of `rest` after `start`, each within `MAX_GAP` words of the previous.
    fn match_rest(&self, rest: &[String], resolved: &[Option<(String, bool)>], start: usize) -> Option<(Vec<usize>, bool)> {
        let mut at = start;
        let mut positions = Vec::with_capacity(rest.len());
        let mut fuzzy = false;
        for stem in rest {
            let found = (at + 1..resolved.len().min(at + 2 + MAX_GAP)).find(|&p| resolved[p].as_ref().is_some_and(|(s, _)| s == stem))?;
            fuzzy |= resolved[found].as_ref().is_some_and(|(_, f)| *f);
            positions.push(found);
            at = found;
        }
        Some((positions, fuzzy))
    }
}

/// Every string made by deleting one character of `s`.
fn one_deletions(s: &str) -> impl Iterator<Item = String> + '_ {
    s.char_indices().map(move |(i, c)| {
        let mut d = String::with_capacity(s.len());
        d.push_str(&s[..i]);
        d.push_str(&s[i + c.len_utf8()..]);
        d
    })
}

/// Whether `a` and `b` differ by at most one substitution, insertion, deletion or swap of
/// neighbouring characters.
pub fn within_one_edit(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let (short, long) = if a.len() <= b.len() { (&a, &b) } else { (&b, &a) };
    if long.len() - short.len() > 1 {
        return false;
    }
    let prefix = short.iter().zip(long.iter()).take_while(|(x, y)| x == y).count();
    if short.len() == long.len() {
        if prefix == short.len() {
            return true;
        }
        // One substitution: the rest after the first difference is equal.
        if short[prefix + 1..] == long[prefix + 1..] {
            return true;
        }
        // One swap of neighbours.
        prefix + 1 < short.len() && short[prefix] == long[prefix + 1] && short[prefix + 1] == long[prefix] && short[prefix + 2..] == long[prefix + 2..]
    } else {
        // One insertion into the shorter.
        short[prefix..] == long[prefix + 1..]
    }
}
