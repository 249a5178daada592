//! The trainable model: hashed features, NB-scaled, and multinomial logistic regression.
//!
//! A text becomes the [`Counts`](crate::features::Counts) of its hashed features; each
//! count `n` becomes `(1 + ln n) · idf` (a bucket no training text had is dropped, as a
//! word out of a vocabulary would be). The word group and the char group are each scaled
//! to unit length and then by `1/√2`, so that neither drowns the other whatever the text
//! length. With [`TrainConfig::nb_scaling`] (the default) the idf is 1 and each class
//! weighs each feature by its naive-Bayes log-count ratio instead (NBSVM, Wang & Manning
//! 2012, written as a softmax): the penalty then makes telling features cheap to use,
//! which is what a few hundred texts need.
//!
//! The classifier is a softmax over `C` classes; its objective is the usual
//! `½‖V‖² + C · Σ sᵢ · cross-entropyᵢ` with class-balanced sample weights
//! (`sᵢ = N / (K · N_k)`, so a rare block counts as much as a common one), minimised to
//! convergence by L-BFGS (`optimize.rs`): full-batch and in a fixed order, so the
//! same data and configuration give the same model bit for bit.
//!
//! Only the buckets seen in training get a weight row, so the model stays small enough
//! for a BLOB even with a hundred topics; [`LinearModel::to_bytes`] writes those rows (the
//! NB ratios are folded into them, so prediction is one sparse dot product).
//!
//! A model may be trained on finer **labels** than the **classes** it answers in
//! ([`LinearModel::train_mapped`]): the source rubricator's categories, each mapped to one
//! of our blocks. A block that gathers unrelated categories (stray animals, e-services and
//! retail all in `other`) is then a sum of coherent linear classes instead of one class
//! that must fit them all: the softmax runs over the labels, and a block's probability is
//! the sum of its labels' probabilities. Class balancing weighs the classes, not the
//! labels, because the classes are what is measured (macro-F1 over blocks) and a label's
//! share of its block is part of what the block looks like.

use crate::error::ClassifyError;
use crate::features::{extract, for_each_feature, for_each_word_rows, hash_str, Counts, FeatureConfig, Group};
use crate::lexicon::Lexicon;
use crate::normalize::Normalizer;
use crate::optimize::{minimize, Stop};
use crate::vectors::{normalize, Vectors};
use serde::Serialize;
use tsur_core::{BlockId, TopicId};

/// How to train a [`LinearModel`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainConfig {
    /// The features.
    pub features: FeatureConfig,
    /// At most this many iterations of the L-BFGS minimiser (it stops earlier at the minimum).
    pub max_iterations: u32,
    /// Scale each feature, for each class, by its NB log-count ratio (Wang & Manning 2012).
    pub nb_scaling: bool,
    /// With a map, each label takes the NB ratios of its class (one class against the
    /// others) instead of its own: the ratios then say what tells a block apart, estimated
    /// on all the block's texts, and the labels only share out the block's weights.
    pub nb_of_classes: bool,
    /// Inverse strength of the L2 penalty, as usually written: the objective is
    /// `½‖W‖² + C · Σ weighted cross-entropy`, so each sample's step carries a penalty
    /// `W / (C · N)` on the weights it touches.
    pub c: f32,
    /// How samples are weighed.
    pub balance: Balance,
    /// Seed of the cross-validation folds (training itself draws nothing at random).
    pub seed: u64,
    /// A feature bucket must occur in at least this many training texts to get a weight:
    /// a feature of one text only lets the model memorise that text instead of learning.
    pub min_df: u32,
    /// With word vectors ([`LinearModel::train_with_vectors`]), the model keeps this many
    /// of the most frequent words of the table, plus every word of its training texts.
    pub vector_words: u32,
    /// The dense group's length relative to the other groups' (1: scaled like them).
    /// Folded into its weights after training, so the model does not store it.
    pub vector_scale: f32,
}

impl TrainConfig {
    /// The configuration of the shipped model (see docs/classification.md for how it was chosen).
    pub const DEFAULT: TrainConfig = TrainConfig {
        features: FeatureConfig::DEFAULT,
        max_iterations: 500,
        nb_scaling: true,
        nb_of_classes: false,
        c: 1.0,
        balance: Balance::Classes,
        seed: 20_240_601,
        min_df: 2,
        vector_words: 50_000,
        vector_scale: 1.0,
    };

    /// The plain baseline: stem-unigram TF-IDF with the same regression, without NB scaling.
    pub const BASELINE: TrainConfig = TrainConfig { features: FeatureConfig::UNIGRAMS, nb_scaling: false, ..TrainConfig::DEFAULT };
}

/// How training weighs its samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Balance {
    /// Every text weighs 1: a class counts by its share of the texts.
    Off,
    /// Every class (block) has the same total weight, its texts sharing it equally, whatever
    /// their labels (`sᵢ = N / (K · N_k)`): what macro-F1 over classes measures.
    Classes,
    /// Every label has the same total weight (with a map: a category of 2 texts weighs as
    /// much as one of 400). Kept to measure the alternative.
    Labels,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig::DEFAULT
    }
}

/// One prediction of a [`LinearModel`], in its classes (blocks for a model trained with a map).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Prediction {
    /// Index of the most probable class in [`LinearModel::classes`].
    pub class: usize,
    /// Its label.
    pub label: String,
    /// Its probability, in (0, 1]: the softmax probability, or for a model trained with a
    /// map the sum of its labels' softmax probabilities.
    pub confidence: f32,
    /// The probability of every class, in the order of [`LinearModel::classes`]; sums to 1.
    pub probabilities: Vec<f32>,
}

const NO_ROW: u32 = u32::MAX;
const MAGIC: &[u8; 8] = b"TSURLIN\0";
/// Version 3 added the word vectors, version 2 the labels and their classes; versions 1
/// (labels = classes) and 2 are still read. A model without vectors is written as version
/// 2, so that a tsur from before the vectors still reads every model it could use.
const VERSION: u32 = 3;
const VERSION_WITHOUT_VECTORS: u32 = 2;

/// A trained linear classifier. Immutable; `Send + Sync`, so one model serves many threads.
#[derive(Debug, Clone)]
pub struct LinearModel {
    features: FeatureConfig,
    /// What predictions answer in, sorted.
    classes: Vec<String>,
    /// What the softmax was trained on, sorted by (class, label); the same as `classes`
    /// for a model trained without a map.
    labels: Vec<String>,
    /// For each label, its index in `classes`.
    class_of_label: Vec<u32>,
    normalizer: Normalizer,
    /// The lexicon whose scores are features, frozen with the model.
    lexicon: Option<Lexicon>,
    /// The word vectors whose weighted mean is the dense group, pruned to what the model
    /// needs; their weights are the `dim` rows after the buckets' rows.
    vectors: Option<Vectors>,
    /// For each bucket, its weight row or `NO_ROW`.
    row_of_bucket: Vec<u32>,
    /// For each row, its bucket (for serialisation).
    bucket_of_row: Vec<u32>,
    /// For each row, the idf of its bucket.
    idf: Vec<f32>,
    /// Row-major: `weights[row * L + label]`; the buckets' rows, then the dense group's.
    weights: Vec<f32>,
    /// One per label.
    bias: Vec<f32>,
    /// Distinct per model in this process (see [`next_model_key`]); not serialised.
    key: u64,
}

/// A sparse, weighted vector of rows.
type Sparse = Vec<(u32, f32)>;

/// Per-thread buffers of [`LinearModel::probabilities`]: counts by row (all zero between
/// calls), the rows each text touched, and per-class sums.
#[derive(Default)]
struct Scratch {
    word_count: Vec<u32>,
    char_count: Vec<u32>,
    word_rows: Vec<u32>,
    char_rows: Vec<u32>,
    sums: Vec<f32>,
    dense: Vec<f32>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// Counts one occurrence of `row`, remembering the rows seen.
#[inline]
fn count_row(count: &mut [u32], seen: &mut Vec<u32>, row: u32) {
    let n = &mut count[row as usize];
    if *n == 0 {
        seen.push(row);
    }
    *n += 1;
}

/// A process-wide distinct key for each model built or read, so that the per-thread word
/// cache can remember one model's rows of a word (a clone shares the key: it has the same rows).
fn next_model_key() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// Sublinear term frequency: `1 + ln n`.
#[inline]
fn tf(n: u32) -> f32 {
    match TF_TABLE.get(n as usize) {
        Some(&v) => v,
        None => 1.0 + (n as f32).ln(),
    }
}

/// `1 + ln n` for small `n` (a logarithm per feature is a noticeable part of a prediction).
static TF_TABLE: std::sync::LazyLock<[f32; 64]> = std::sync::LazyLock::new(|| std::array::from_fn(|n| if n == 0 { 0.0 } else { 1.0 + (n as f32).ln() }));

impl LinearModel {
    /// Trains a model on texts and their labels; the classes are the distinct labels, sorted.
    ///
    /// With a lexicon, its topic and block scores of each text are a third group of
    /// features, and the model learns how far to trust each of them for each class; the
    /// lexicon is stored inside the model, so later edits of the lexicon file do not
    /// silently change a trained model.
    pub fn train<T: AsRef<str>, L: AsRef<str>>(
        texts: &[T],
        labels: &[L],
        config: &TrainConfig,
        lexicon: Option<&Lexicon>,
    ) -> Result<LinearModel, ClassifyError> {
        LinearModel::train_mapped(texts, labels, labels, config, lexicon)
    }

    /// Trains on each text's label (the source's category) and answers in its class (our
    /// block): the softmax runs over the labels, sorted by class, and a class's probability
    /// is the sum of its labels'. A label must have the same class in every text.
    pub fn train_mapped<T: AsRef<str>, L: AsRef<str>, C: AsRef<str>>(
        texts: &[T],
        labels: &[L],
        classes: &[C],
        config: &TrainConfig,
        lexicon: Option<&Lexicon>,
    ) -> Result<LinearModel, ClassifyError> {
        LinearModel::train_with_vectors(texts, labels, classes, config, lexicon, None)
    }

    /// [`Self::train_mapped`] with the weighted mean of the texts' word vectors as a dense
    /// feature group; the model keeps the table pruned to [`TrainConfig::vector_words`]
    /// most frequent words plus the training texts' words, to predict unseen texts.
    pub fn train_with_vectors<T: AsRef<str>, L: AsRef<str>, C: AsRef<str>>(
        texts: &[T],
        labels: &[L],
        classes: &[C],
        config: &TrainConfig,
        lexicon: Option<&Lexicon>,
        vectors: Option<&Vectors>,
    ) -> Result<LinearModel, ClassifyError> {
        check_lengths(texts.len(), labels.len(), classes.len())?;
        let grouping = Grouping::new(labels, classes)?;
        let normalizer = Normalizer::russian();
        let pruned = vectors.map(|v| prune_for(v, config, texts.iter().map(|t| t.as_ref())));
        let counts: Vec<Counts> = texts.iter().map(|t| extract_all(&config.features, &normalizer, lexicon, pruned.as_ref(), t.as_ref())).collect();
        let refs: Vec<&Counts> = counts.iter().collect();
        fit(&refs, &grouping, config, lexicon, pruned)
    }

    /// The model's word vectors, if it has the dense group.
    pub fn vectors(&self) -> Option<&Vectors> {
        self.vectors.as_ref()
    }

    /// Rows of the dense group (the vectors' dimensions, or 0).
    fn dense_rows(&self) -> usize {
        self.vectors.as_ref().map_or(0, Vectors::dim)
    }

    /// Whether the model uses lexicon features.
    pub fn has_lexicon(&self) -> bool {
        self.lexicon.is_some()
    }

    /// The class labels, in the order of [`Prediction::probabilities`].
    pub fn classes(&self) -> &[String] {
        &self.classes
    }

    /// The labels the model was trained on, sorted by class (the classes themselves for a
    /// model trained without a map), in the order of [`Self::label_probabilities`].
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// The index in [`Self::classes`] of each of [`Self::labels`].
    pub fn class_of_label(&self) -> impl Iterator<Item = usize> + '_ {
        self.class_of_label.iter().map(|&k| k as usize)
    }

    /// The feature configuration the model was trained with.
    pub fn features(&self) -> &FeatureConfig {
        &self.features
    }

    /// Number of weight rows (distinct feature buckets seen in training).
    pub fn rows(&self) -> usize {
        self.bucket_of_row.len()
    }

    /// Classifies a raw text (HTML and all).
    pub fn predict(&self, text: &str) -> Prediction {
        let probabilities = self.probabilities(text);
        let class = argmax(&probabilities);
        Prediction { class, label: self.classes[class].clone(), confidence: probabilities[class], probabilities }
    }

    /// The probability of each class for a raw text (with a map: the sum of its labels').
    pub fn probabilities(&self, text: &str) -> Vec<f32> {
        self.to_classes(self.label_probabilities(text))
    }

    /// The softmax probability of each label for a raw text.
    pub fn label_probabilities(&self, text: &str) -> Vec<f32> {
        let mut p = vec![0.0; self.labels.len()];
        if self.lexicon.is_some() || (self.vectors.is_some() && self.features.word_bigrams) {
            let counts = extract_all(&self.features, &self.normalizer, self.lexicon.as_ref(), self.vectors.as_ref(), text);
            self.label_logits_of_counts(&counts, &mut p);
        } else {
            SCRATCH.with_borrow_mut(|scratch| self.logits_of_text(text, scratch, &mut p));
        }
        softmax(&mut p);
        p
    }

    /// Sums labels' probabilities into their classes (labels are sorted by class, so equal
    /// counts mean each class is its one label).
    fn to_classes(&self, p: Vec<f32>) -> Vec<f32> {
        if self.labels.len() == self.classes.len() {
            return p;
        }
        let mut out = vec![0.0; self.classes.len()];
        for (v, &k) in p.iter().zip(&self.class_of_label) {
            out[k as usize] += v;
        }
        out
    }

    /// The logits of a raw text, without building its counts: each feature is mapped to its
    /// row as it is produced and counted in the thread's scratch arrays (indexed by row, so
    /// no sorting), then each group's TF-IDF entries are dotted with the weights and scaled
    /// by the group's norm at the end. The same figures as [`Self::probabilities_of_counts`]
    /// up to the order of float additions.
    fn logits_of_text(&self, text: &str, scratch: &mut Scratch, out: &mut [f32]) {
        let c = self.labels.len();
        let rows = self.rows();
        let Scratch { word_count, char_count, word_rows, char_rows, sums, dense } = scratch;
        let dense_rows = self.dense_rows();
        dense.clear();
        dense.resize(dense_rows, 0.0);
        let mut dense_found = false;
        if word_count.len() < rows {
            word_count.resize(rows, 0);
            char_count.resize(rows, 0);
        }
        word_rows.clear();
        char_rows.clear();
        if self.features.word_bigrams {
            for_each_feature(&self.features, &self.normalizer, text, |group, bucket| {
                let row = self.row_of_bucket[bucket as usize];
                if row == NO_ROW {
                    return;
                }
                match group {
                    Group::Word => count_row(word_count, word_rows, row),
                    Group::Char => count_row(char_count, char_rows, row),
                }
            });
        } else {
            // With vectors, a word's rows start with its index in the table (or NO_ROW).
            let vectors = self.vectors.as_ref();
            let to_rows = |word: &str, stem: u32, chars: &mut dyn Iterator<Item = u32>| -> Box<[u32]> {
                let lead = vectors.map(|v| v.index_of(word).unwrap_or(NO_ROW));
                lead.into_iter()
                    .chain(std::iter::once(self.row_of_bucket[stem as usize]))
                    .chain(chars.map(|b| self.row_of_bucket[b as usize]).filter(|&r| r != NO_ROW))
                    .collect()
            };
            for_each_word_rows(&self.features, &self.normalizer, text, self.key, to_rows, |rows| {
                let rows = match vectors {
                    Some(v) => {
                        if rows[0] != NO_ROW {
                            v.add_weighted(rows[0], 1.0, dense);
                            dense_found = true;
                        }
                        &rows[1..]
                    }
                    None => rows,
                };
                if rows[0] != NO_ROW {
                    count_row(word_count, word_rows, rows[0]);
                }
                for &row in &rows[1..] {
                    count_row(char_count, char_rows, row);
                }
            });
        }
        out.copy_from_slice(&self.bias);
        let scale = 1.0 / ((1 + self.features.has_chars() as usize + (dense_rows > 0) as usize) as f32).sqrt();
        if dense_found && normalize(dense) {
            let first = rows;
            for (d, &v) in dense.iter().enumerate() {
                let w = &self.weights[(first + d) * c..(first + d) * c + c];
                for (o, wi) in out.iter_mut().zip(w) {
                    *o += scale * v * wi;
                }
            }
        }
        for (count, seen) in [(&mut *word_count, &*word_rows), (&mut *char_count, &*char_rows)] {
            if seen.is_empty() {
                continue;
            }
            sums.clear();
            sums.resize(c, 0.0);
            let mut norm2 = 0.0;
            for &row in seen {
                let n = std::mem::take(&mut count[row as usize]);
                let v = tf(n) * self.idf[row as usize];
                norm2 += v * v;
                let w = &self.weights[row as usize * c..row as usize * c + c];
                for (s, wi) in sums.iter_mut().zip(w) {
                    *s += v * wi;
                }
            }
            let k = scale / norm2.sqrt();
            for (o, s) in out.iter_mut().zip(sums.iter()) {
                *o += k * s;
            }
        }
    }

    /// The class probabilities of extracted counts (the plain path: training and cross-validation).
    pub(crate) fn probabilities_of_counts(&self, counts: &Counts) -> Vec<f32> {
        let mut p = vec![0.0; self.labels.len()];
        self.label_logits_of_counts(counts, &mut p);
        softmax(&mut p);
        self.to_classes(p)
    }

    fn label_logits_of_counts(&self, counts: &Counts, out: &mut [f32]) {
        let mut x = Vec::with_capacity(counts.word.len() + counts.char.len());
        vectorize(
            &self.features,
            self.lexicon.is_some(),
            self.vectors.as_ref().map(|_| (self.rows() as u32, 1.0)),
            &self.row_of_bucket,
            &self.idf,
            counts,
            &mut x,
        );
        self.logits(&x, out);
    }

    fn logits(&self, x: &[(u32, f32)], out: &mut [f32]) {
        let c = self.labels.len();
        out.copy_from_slice(&self.bias);
        for &(row, v) in x {
            let w = &self.weights[row as usize * c..row as usize * c + c];
            for (o, wi) in out.iter_mut().zip(w) {
                *o += v * wi;
            }
        }
    }

    /// Serialises the model: versioned, little-endian, only the rows seen in training.
    ///
    /// Layout (version 3): magic, version, features (4 bytes), the classes (count, then
    /// each as length + UTF-8), the labels (count, then each as length + UTF-8 + its class
    /// index), the lexicon flag (and lexicon), the vectors flag (and the vectors' table,
    /// `Vectors::write`), the row count, a bias per label, each row as bucket, idf and a
    /// weight per label, then the dense group's rows (a weight per label each). Version 2
    /// has no vectors flag and no dense rows (a model without vectors is written so),
    /// version 1 no labels section either.
    pub fn to_bytes(&self) -> Vec<u8> {
        let c = self.labels.len();
        let mut out = Vec::with_capacity(32 + self.rows() * (8 + 4 * c));
        out.extend_from_slice(MAGIC);
        let version = if self.vectors.is_some() { VERSION } else { VERSION_WITHOUT_VECTORS };
        out.extend_from_slice(&version.to_le_bytes());
        let f = &self.features;
        out.extend_from_slice(&[f.bits, f.word_bigrams as u8, f.char_min, f.char_max]);
        let put_str = |out: &mut Vec<u8>, s: &str| {
            out.extend_from_slice(&(s.len() as u32).to_le_bytes());
            out.extend_from_slice(s.as_bytes());
        };
        out.extend_from_slice(&(self.classes.len() as u32).to_le_bytes());
        for class in &self.classes {
            put_str(&mut out, class);
        }
        out.extend_from_slice(&(c as u32).to_le_bytes());
        for (label, &class) in self.labels.iter().zip(&self.class_of_label) {
            put_str(&mut out, label);
            out.extend_from_slice(&class.to_le_bytes());
        }
        match &self.lexicon {
            None => out.push(0),
            Some(lexicon) => {
                out.push(1);
                let (pairs, source) = lexicon.parts();
                out.extend_from_slice(&(pairs.len() as u32).to_le_bytes());
                for (topic, block) in &pairs {
                    put_str(&mut out, topic.as_str());
                    put_str(&mut out, block.as_str());
                }
                put_str(&mut out, source);
            }
        }
        if let Some(vectors) = &self.vectors {
            out.push(1);
            vectors.write(&mut out);
        }
        out.extend_from_slice(&(self.rows() as u32).to_le_bytes());
        for b in &self.bias {
            out.extend_from_slice(&b.to_le_bytes());
        }
        for (row, &bucket) in self.bucket_of_row.iter().enumerate() {
            out.extend_from_slice(&bucket.to_le_bytes());
            out.extend_from_slice(&self.idf[row].to_le_bytes());
            for w in &self.weights[row * c..row * c + c] {
                out.extend_from_slice(&w.to_le_bytes());
            }
        }
        for w in &self.weights[self.rows() * c..] {
            out.extend_from_slice(&w.to_le_bytes());
        }
        out
    }

    /// Reads a model written by [`LinearModel::to_bytes`], checking everything.
    pub fn from_bytes(bytes: &[u8]) -> Result<LinearModel, ClassifyError> {
        let bad = |m: &str| ClassifyError::Model(m.to_owned());
        let mut r = Reader { bytes, at: 0 };
        if r.take(8)? != MAGIC {
            return Err(bad("это не модель классификатора tsur"));
        }
        let version = r.u32()?;
        if !(1..=VERSION).contains(&version) {
            return Err(ClassifyError::Model(format!("версия {version} не поддерживается (ожидается 1–{VERSION})")));
        }
        let head = r.take(4)?;
        let features = FeatureConfig { bits: head[0], word_bigrams: head[1] != 0, char_min: head[2], char_max: head[3] };
        if !(10..=24).contains(&features.bits) || head[1] > 1 || features.char_max > 16 || (features.char_min > 0 && features.char_min > features.char_max) {
            return Err(bad("неверные параметры признаков"));
        }
        let count = r.u32()? as usize;
        if !(2..=10_000).contains(&count) {
            return Err(bad("неверное число классов"));
        }
        let mut classes = Vec::with_capacity(count);
        for _ in 0..count {
            classes.push(r.str()?);
        }
        let (labels, class_of_label) = if version == 1 {
            (classes.clone(), (0..count as u32).collect())
        } else {
            let c = r.u32()? as usize;
            if !(count..=10_000).contains(&c) {
                return Err(bad("неверное число меток"));
            }
            let mut labels = Vec::with_capacity(c);
            let mut class_of_label = Vec::with_capacity(c);
            for _ in 0..c {
                labels.push(r.str()?);
                class_of_label.push(r.u32()?);
            }
            // Labels sorted by class, every class with a label: what `Grouping` builds.
            let steps = class_of_label.windows(2).all(|w| w[1] == w[0] || w[1] == w[0] + 1);
            if !steps || class_of_label[0] != 0 || class_of_label[c - 1] as usize != count - 1 {
                return Err(bad("метки не соответствуют классам"));
            }
            (labels, class_of_label)
        };
        let c = labels.len();
        let lexicon = match r.take(1)?[0] {
            0 => None,
            1 => {
                let n = r.u32()? as usize;
                let mut pairs = Vec::with_capacity(n.min(100_000));
                for _ in 0..n {
                    let topic = r.str()?;
                    let block = r.str()?;
                    pairs.push((TopicId(topic), BlockId(block)));
                }
                let source = r.str()?;
                Some(Lexicon::parse_with_pairs("(словарь модели)", &source, &pairs).map_err(|e| ClassifyError::Model(e.to_string()))?)
            }
            _ => return Err(bad("неверный признак словаря")),
        };
        let vectors = match if version >= 3 { r.take(1)?[0] } else { 0 } {
            0 => None,
            1 => Some(Vectors::read(&mut r)?),
            _ => return Err(bad("неверный признак векторов слов")),
        };
        let dense_rows = vectors.as_ref().map_or(0, Vectors::dim);
        let rows = r.u32()? as usize;
        let buckets = 1usize << features.bits;
        if rows > buckets || r.remaining() != 4 * c + rows * (8 + 4 * c) + dense_rows * 4 * c {
            return Err(bad("длина данных не совпадает с заголовком"));
        }
        let bias = (0..c).map(|_| r.f32()).collect::<Result<Vec<_>, _>>()?;
        let mut row_of_bucket = vec![NO_ROW; buckets];
        let mut bucket_of_row = Vec::with_capacity(rows);
        let mut idf = Vec::with_capacity(rows);
        let mut weights = Vec::with_capacity(rows * c);
        for row in 0..rows {
            let bucket = r.u32()?;
            if bucket as usize >= buckets || row_of_bucket[bucket as usize] != NO_ROW {
                return Err(bad("неверный номер признака"));
            }
            row_of_bucket[bucket as usize] = row as u32;
            bucket_of_row.push(bucket);
            idf.push(r.f32()?);
            for _ in 0..c {
                weights.push(r.f32()?);
            }
        }
        for _ in 0..dense_rows * c {
            weights.push(r.f32()?);
        }
        Ok(LinearModel {
            features,
            classes,
            labels,
            class_of_label,
            normalizer: Normalizer::russian(),
            lexicon,
            vectors,
            row_of_bucket,
            bucket_of_row,
            idf,
            weights,
            bias,
            key: next_model_key(),
        })
    }
}

pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], ClassifyError> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len()).ok_or_else(|| ClassifyError::Model("данные обрываются".to_owned()))?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }
    pub(crate) fn u32(&mut self) -> Result<u32, ClassifyError> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().expect("4 bytes")))
    }
    pub(crate) fn f32(&mut self) -> Result<f32, ClassifyError> {
        let v = f32::from_le_bytes(self.take(4)?.try_into().expect("4 bytes"));
        if v.is_finite() {
            Ok(v)
        } else {
            Err(ClassifyError::Model("нечисловой вес".to_owned()))
        }
    }
    pub(crate) fn str(&mut self) -> Result<String, ClassifyError> {
        let len = self.u32()? as usize;
        let bytes = self.take(len)?;
        std::str::from_utf8(bytes).map(str::to_owned).map_err(|_| ClassifyError::Model("текст не в UTF-8".to_owned()))
    }
    pub(crate) fn remaining(&self) -> usize {
        self.bytes.len() - self.at
    }
}

/// Distinct labels, sorted, and each label's index among them.
pub(crate) fn index_labels<L: AsRef<str>>(labels: &[L]) -> (Vec<String>, Vec<usize>) {
    let mut classes: Vec<String> = labels.iter().map(|l| l.as_ref().to_owned()).collect();
    classes.sort();
    classes.dedup();
    let indices = labels.iter().map(|l| classes.binary_search_by(|c| c.as_str().cmp(l.as_ref())).expect("label is among the classes")).collect();
    (classes, indices)
}

/// Texts' labels and the classes they answer in, indexed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Grouping {
    /// The distinct labels, sorted by (class, label): a class's labels are neighbours.
    pub(crate) labels: Vec<String>,
    /// The distinct classes, sorted.
    pub(crate) classes: Vec<String>,
    /// For each label, its index in `classes`.
    pub(crate) class_of_label: Vec<usize>,
    /// For each text, its index in `labels`.
    pub(crate) label_of_text: Vec<usize>,
}

impl Grouping {
    /// Indexes each text's label and class; a label given two classes is an error. With
    /// `labels == classes` the labels are the sorted classes and each is its own class.
    pub(crate) fn new<L: AsRef<str>, C: AsRef<str>>(labels: &[L], classes: &[C]) -> Result<Grouping, ClassifyError> {
        assert_eq!(labels.len(), classes.len(), "one class per label");
        let (class_names, class_of_text) = index_labels(classes);
        let mut pairs: Vec<(usize, &str)> = class_of_text.iter().zip(labels).map(|(&k, l)| (k, l.as_ref())).collect();
        pairs.sort_unstable();
        pairs.dedup();
        let mut by_label: Vec<(&str, usize)> = pairs.iter().map(|&(k, l)| (l, k)).collect();
        by_label.sort_unstable();
        if let Some(w) = by_label.windows(2).find(|w| w[0].0 == w[1].0) {
            return Err(ClassifyError::Training(format!("метка «{}» отнесена к двум классам: «{}» и «{}»", w[0].0, class_names[w[0].1], class_names[w[1].1])));
        }
        let label_of_text =
            class_of_text.iter().zip(labels).map(|(&k, l)| pairs.binary_search(&(k, l.as_ref())).expect("the pair is among the labels")).collect();
        Ok(Grouping {
            labels: pairs.iter().map(|p| p.1.to_owned()).collect(),
            class_of_label: pairs.iter().map(|p| p.0).collect(),
            classes: class_names,
            label_of_text,
        })
    }

    /// The grouping of a subset of the texts (a training part), with only the labels and
    /// classes that occur in it.
    pub(crate) fn subset(&self, texts: &[usize]) -> Grouping {
        let labels: Vec<&str> = texts.iter().map(|&i| self.labels[self.label_of_text[i]].as_str()).collect();
        let classes: Vec<&str> = texts.iter().map(|&i| self.classes[self.class_of_label[self.label_of_text[i]]].as_str()).collect();
        Grouping::new(&labels, &classes).expect("a subset of a grouping is one")
    }
}

/// One label and one class per text.
pub(crate) fn check_lengths(texts: usize, labels: usize, classes: usize) -> Result<(), ClassifyError> {
    if texts != labels {
        return Err(ClassifyError::Training(format!("текстов {texts}, а меток {labels}")));
    }
    if texts != classes {
        return Err(ClassifyError::Training(format!("текстов {texts}, а классов {classes}")));
    }
    Ok(())
}

/// Trains on pre-extracted counts (cross-validation extracts each text once).
/// With `vectors` (already pruned: the model keeps them), each count's `dense` is the
/// text's mean vector under that table.
pub(crate) fn fit(
    counts: &[&Counts],
    grouping: &Grouping,
    config: &TrainConfig,
    lexicon: Option<&Lexicon>,
    vectors: Option<Vectors>,
) -> Result<LinearModel, ClassifyError> {
    let n = counts.len();
    let labels = &grouping.label_of_text;
    let c = grouping.labels.len();
    if n == 0 {
        return Err(ClassifyError::Training("нет ни одного размеченного текста".to_owned()));
    }
    if !(config.c > 0.0 && config.c.is_finite()) {
        return Err(ClassifyError::Training("параметр регуляризации C должен быть положительным".to_owned()));
    }
    if grouping.classes.len() < 2 {
        return Err(ClassifyError::Training("нужно хотя бы два разных класса".to_owned()));
    }
    if counts.len() != labels.len() || labels.iter().any(|&l| l >= c) {
        return Err(ClassifyError::Training("метки не соответствуют текстам".to_owned()));
    }
    let features = config.features;
    let buckets = 1usize << features.bits;

    // Document frequencies; a bucket counts once per text even if both groups hit it.
    let mut df = vec![0u32; buckets];
    let mut last_doc = vec![u32::MAX; buckets];
    for (d, counts) in counts.iter().enumerate() {
        for b in counts.word.iter().chain(&counts.char).map(|e| e.0).chain(counts.lexicon.iter().map(|e| e.0)) {
            if last_doc[b as usize] != d as u32 {
                last_doc[b as usize] = d as u32;
                df[b as usize] += 1;
            }
        }
    }
    drop(last_doc);
    let mut row_of_bucket = vec![NO_ROW; buckets];
    let mut bucket_of_row = Vec::new();
    let mut idf = Vec::new();
    for (b, &f) in df.iter().enumerate() {
        if f >= config.min_df.max(1) {
            row_of_bucket[b] = bucket_of_row.len() as u32;
            bucket_of_row.push(b as u32);
            // With NB scaling the class-wise log-count ratios measure how telling a feature
            // is, and the idf (a class-blind measure of the same) is left out, as in NBSVM.
            idf.push(if config.nb_scaling { 1.0 } else { (((1 + n) as f32) / ((1 + f) as f32)).ln() + 1.0 });
        }
    }
    let sparse_rows = bucket_of_row.len();
    let dense_rows = vectors.as_ref().map_or(0, Vectors::dim);
    let rows = sparse_rows + dense_rows;
    let xs: Vec<Sparse> = counts
        .iter()
        .map(|counts| {
            let mut x = Vec::new();
            vectorize(&features, lexicon.is_some(), vectors.as_ref().map(|_| (sparse_rows as u32, config.vector_scale)), &row_of_bucket, &idf, counts, &mut x);
            x
        })
        .collect();

    let sample_weight = label_weights(grouping, config.balance);
    let mut scale = match (config.nb_scaling, config.nb_of_classes) {
        (false, _) => vec![1.0; rows * c],
        (true, false) => nb_ratios(&xs, labels, rows, c),
        (true, true) => {
            let k = grouping.classes.len();
            let class_of_text: Vec<usize> = labels.iter().map(|&l| grouping.class_of_label[l]).collect();
            let of_classes = nb_ratios(&xs, &class_of_text, rows, k);
            (0..rows * c).map(|i| of_classes[i / c * k + grouping.class_of_label[i % c]]).collect()
        }
    };
    // NB ratios count texts that have a feature; every text has every dimension of the
    // dense group, so its rows are not scaled.
    scale[sparse_rows * c..].fill(1.0);
    let (mut weights, bias) = solve(&xs, labels, &sample_weight, &scale, rows, c, config);
    weights[sparse_rows * c..].iter_mut().for_each(|w| *w *= config.vector_scale);
    Ok(LinearModel {
        features,
        classes: grouping.classes.clone(),
        labels: grouping.labels.clone(),
        class_of_label: grouping.class_of_label.iter().map(|&k| k as u32).collect(),
        normalizer: Normalizer::russian(),
        lexicon: lexicon.cloned(),
        vectors,
        row_of_bucket,
        bucket_of_row,
        idf,
        weights,
        bias,
        key: next_model_key(),
    })
}

/// The weight of a text of each label under `balance`: `N / (K · N_k)` for the `K` classes
/// (or labels) with `N_k` texts each, or 1.
fn label_weights(grouping: &Grouping, balance: Balance) -> Vec<f64> {
    let n = grouping.label_of_text.len() as f64;
    let mut per_label = vec![0usize; grouping.labels.len()];
    let mut per_class = vec![0usize; grouping.classes.len()];
    for &l in &grouping.label_of_text {
        per_label[l] += 1;
        per_class[grouping.class_of_label[l]] += 1;
    }
    (0..grouping.labels.len())
        .map(|l| match balance {
            Balance::Off => 1.0,
            Balance::Classes => n / (grouping.classes.len() as f64 * per_class[grouping.class_of_label[l]] as f64),
            Balance::Labels => n / (grouping.labels.len() as f64 * per_label[l] as f64),
        })
        .collect()
}

/// The features of a raw text, with the lexicon group when there is a lexicon.
pub(crate) fn extract_all(features: &FeatureConfig, normalizer: &Normalizer, lexicon: Option<&Lexicon>, vectors: Option<&Vectors>, text: &str) -> Counts {
    let mut counts = extract(features, normalizer, text);
    if let Some(vectors) = vectors {
        set_dense(&mut counts, vectors, text);
    }
    if let Some(lexicon) = lexicon {
        let mask = features.mask() as u64;
        let (topics, blocks) = lexicon.scores(text);
        for (seed, scores) in [(SEED_LEXICON_TOPIC, topics), (SEED_LEXICON_BLOCK, blocks)] {
            for (i, s) in scores.into_iter().enumerate() {
                if s > 0.0 {
                    counts.lexicon.push(((hash_str(seed, &i.to_string()) & mask) as u32, (1.0 + s).ln()));
                }
            }
        }
    }
    counts
}

/// Sets the counts' dense group to the text's mean vector under `vectors` (empty when no
/// word of the text is in the table).
pub(crate) fn set_dense(counts: &mut Counts, vectors: &Vectors, text: &str) {
    counts.dense.clear();
    counts.dense.resize(vectors.dim(), 0.0);
    if !vectors.text_vector(&crate::normalize::clean_text(text), &mut counts.dense) {
        counts.dense.clear();
    }
}

/// The table a model keeps: the `config.vector_words` most frequent words and those of its
/// training texts.
pub(crate) fn prune_for<'a>(vectors: &Vectors, config: &TrainConfig, texts: impl Iterator<Item = &'a str>) -> Vectors {
    let cleaned: Vec<String> = texts.map(crate::normalize::clean_text).collect();
    vectors.pruned(config.vector_words as usize, cleaned.iter().flat_map(|t| crate::normalize::words(t)))
}

const SEED_LEXICON_TOPIC: u64 = 0x1e71_c0de;
const SEED_LEXICON_BLOCK: u64 = 0x1e7b_10c4;

/// The model's input vector: the word group and the char group as TF-IDF, the lexicon
/// group as `ln(1 + score)`, the dense group (its rows from `dense_at`, the buckets' row
/// count, in a model with vectors) as the unit mean vector, each group scaled to length
/// `1/√groups`.
fn vectorize(
    features: &FeatureConfig,
    with_lexicon: bool,
    dense_at: Option<(u32, f32)>,
    row_of_bucket: &[u32],
    idf: &[f32],
    counts: &Counts,
    out: &mut Sparse,
) {
    out.clear();
    let groups = 1 + features.has_chars() as usize + with_lexicon as usize + dense_at.is_some() as usize;
    let scale = 1.0 / (groups as f32).sqrt();
    let tf_idf = |&(bucket, n): &(u32, u32)| {
        let row = row_of_bucket[bucket as usize];
        (row != NO_ROW).then(|| (row, tf(n) * idf[row as usize]))
    };
    let lexicon = |&(bucket, v): &(u32, f32)| {
        let row = row_of_bucket[bucket as usize];
        (row != NO_ROW).then_some((row, v))
    };
    push_scaled(out, counts.word.iter().filter_map(tf_idf), scale);
    push_scaled(out, counts.char.iter().filter_map(tf_idf), scale);
    if with_lexicon {
        push_scaled(out, counts.lexicon.iter().filter_map(lexicon), scale);
    }
    if let Some((first, times)) = dense_at {
        push_scaled(out, counts.dense.iter().enumerate().map(|(d, &v)| (first + d as u32, v)), scale * times);
    }
}

/// Appends a group of entries scaled to length `scale` (an empty or zero group adds nothing).
fn push_scaled(out: &mut Sparse, entries: impl Iterator<Item = (u32, f32)>, scale: f32) {
    let start = out.len();
    out.extend(entries);
    let norm2: f32 = out[start..].iter().map(|e| e.1 * e.1).sum();
    if norm2 > 0.0 {
        let k = scale / norm2.sqrt();
        for e in &mut out[start..] {
            e.1 *= k;
        }
    }
}

pub(crate) fn softmax(z: &mut [f32]) {
    let max = z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for v in z.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    for v in z.iter_mut() {
        *v /= sum;
    }
}

pub(crate) fn argmax(v: &[f32]) -> usize {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate() {
        if x > v[best] {
            best = i;
        }
    }
    best
}

/// SplitMix64: a tiny, portable, seedable generator for shuffles.
pub(crate) struct SplitMix(pub(crate) u64);

impl SplitMix {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// Fisher–Yates with [`SplitMix`].
pub(crate) fn shuffle<T>(v: &mut [T], rng: &mut SplitMix) {
    for i in (1..v.len()).rev() {
        let j = (rng.next() % (i as u64 + 1)) as usize;
        v.swap(i, j);
    }
}

/// The NB log-count ratios of every row for every class (one class against the rest):
/// `r = ln(p / |p|₁) − ln(q / |q|₁)`, where `p` counts the texts of the class that have
/// the feature and `q` the other texts that have it, each plus one (Wang & Manning 2012).
/// Layout `[row * C + class]`.
fn nb_ratios(xs: &[Sparse], labels: &[usize], rows: usize, c: usize) -> Vec<f64> {
    let mut present = vec![0f64; rows * c];
    let mut total_in_class = vec![0f64; c];
    for (x, &l) in xs.iter().zip(labels) {
        for &(row, _) in x {
            present[row as usize * c + l] += 1.0;
        }
    }
    let mut total_present = vec![0f64; rows];
    for row in 0..rows {
        total_present[row] = present[row * c..row * c + c].iter().sum();
        for k in 0..c {
            total_in_class[k] += present[row * c + k];
        }
    }
    let all: f64 = total_in_class.iter().sum();
    let mut r = vec![0f64; rows * c];
    for row in 0..rows {
        for k in 0..c {
            let p = 1.0 + present[row * c + k];
            let q = 1.0 + total_present[row] - present[row * c + k];
            let p_norm = rows as f64 + total_in_class[k];
            let q_norm = rows as f64 + all - total_in_class[k];
            r[row * c + k] = (p / p_norm).ln() - (q / q_norm).ln();
        }
    }
    r
}

/// Minimises `½λ‖V‖² + (1/S) Σ sᵢ · cross-entropyᵢ` with `λ = 1 / (C · S)`, `S = Σ sᵢ`
/// (the usual `½‖V‖² + C · Σ sᵢ · CE`, divided by `C · S`), where the logits are
/// `b + Σ x_f · (scale_f ∘ V_f)`. Returns the effective weights `scale ∘ V` and the bias.
fn solve(xs: &[Sparse], labels: &[usize], class_weight: &[f64], scale: &[f64], rows: usize, c: usize, config: &TrainConfig) -> (Vec<f32>, Vec<f32>) {
    let total: f64 = labels.iter().map(|&l| class_weight[l]).sum();
    let lambda = 1.0 / (config.c as f64 * total);
    let nw = rows * c;
    let mut theta = vec![0f64; nw + c];
    let mut w = vec![0f64; nw];
    let mut grad_w = vec![0f64; nw];
    let mut p = vec![0f64; c];
    let stop = Stop { max_iterations: config.max_iterations, tolerance: 1e-6 };
    minimize(&mut theta, stop, |theta, grad| {
        let (v, b) = theta.split_at(nw);
        for ((wi, vi), si) in w.iter_mut().zip(v).zip(scale) {
            *wi = vi * si;
        }
        grad_w.fill(0.0);
        let mut grad_b = vec![0f64; c];
        let mut loss = 0.0;
        for (x, &l) in xs.iter().zip(labels) {
            p.copy_from_slice(b);
            for &(row, value) in x {
                let value = value as f64;
                for (o, wi) in p.iter_mut().zip(&w[row as usize * c..row as usize * c + c]) {
                    *o += value * wi;
                }
            }
            let max = p.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let mut sum = 0.0;
            for o in p.iter_mut() {
                *o = (*o - max).exp();
                sum += *o;
            }
            let sw = class_weight[l] / total;
            loss -= sw * (p[l] / sum).ln();
            for (k, o) in p.iter_mut().enumerate() {
                *o = sw * (*o / sum - if k == l { 1.0 } else { 0.0 });
            }
            for (gb, o) in grad_b.iter_mut().zip(&p) {
                *gb += o;
            }
            for &(row, value) in x {
                let value = value as f64;
                for (gw, o) in grad_w[row as usize * c..row as usize * c + c].iter_mut().zip(&p) {
                    *gw += value * o;
                }
            }
        }
        let (gv, gb) = grad.split_at_mut(nw);
        let mut penalty = 0.0;
        for (((g, vi), gw), si) in gv.iter_mut().zip(v).zip(&grad_w).zip(scale) {
            penalty += vi * vi;
            *g = lambda * vi + si * gw;
        }
        gb.copy_from_slice(&grad_b);
        loss + 0.5 * lambda * penalty
    });
    let (v, b) = theta.split_at(nw);
    let weights = v.iter().zip(scale).map(|(vi, si)| (vi * si) as f32).collect();
    (weights, b.iter().map(|&x| x as f32).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(config: &TrainConfig) -> LinearModel {
        let texts = [
            "яма на дороге у дома",
            "разбитый асфальт на улице, ямы",
            "мусор не вывозят, контейнеры полные",
            "мусоровоз не приезжает неделю",
            "нет талонов к врачу в поликлинике",
            "врач не принимает, очередь",
        ];
        let labels = ["roads", "roads", "waste", "waste", "health", "health"];
        LinearModel::train(&texts, &labels, config, None).expect("trains")
    }

    /// The fast path of a prediction (rows counted as they come, the word cache remembering
    /// each word's rows) gives the figures of the plain path (sorted counts, a sparse vector).
    #[test]
    fn the_fast_path_agrees_with_the_counts_path() {
        for config in [
            TrainConfig::DEFAULT,
            TrainConfig::BASELINE,
            TrainConfig { features: FeatureConfig { word_bigrams: true, ..FeatureConfig::DEFAULT }, ..TrainConfig::DEFAULT },
        ] {
            let model = model(&config);
            for text in ["", "яма", "<p>Яма&nbsp;на дороге, мусор не вывозят</p> яма яма яма", "врач врач 12 мусоровоз мусаровоз", "x<5 &laquo;ёлка&raquo;"]
            {
                let fast = model.probabilities(text);
                let plain = model.probabilities_of_counts(&extract(&config.features, &model.normalizer, text));
                for (f, p) in fast.iter().zip(&plain) {
                    assert!((f - p).abs() < 1e-5, "{text:?}: {fast:?} vs {plain:?}");
                }
            }
        }
    }

    /// The same with word vectors: the fast path's dense group (accumulated word by word
    /// from the cache) is the counts path's.
    #[test]
    fn the_fast_path_agrees_with_the_counts_path_with_vectors() {
        let near = |axis: usize| -> Vec<f32> { (0..6).map(|d| if d / 2 == axis { 1.0 } else { 0.1 * d as f32 }).collect() };
        let entries = [("яма", 50, near(0)), ("дорога", 40, near(0)), ("мусор", 30, near(1)), ("врач", 20, near(2)), ("ёлка", 5, near(2))];
        let vectors = crate::vectors::Vectors::from_navec_tar("t.tar", &crate::vectors::navec_tar_for_tests(&entries, 3)).expect("reads");
        let texts = [
            "яма на дороге у дома",
            "разбитый асфальт на улице, ямы",
            "мусор не вывозят",
            "мусоровоз не приезжает",
            "нет талонов к врачу",
            "врач не принимает",
        ];
        let labels = ["roads", "roads", "waste", "waste", "health", "health"];
        for config in [TrainConfig::DEFAULT, TrainConfig { features: FeatureConfig { word_bigrams: true, ..FeatureConfig::DEFAULT }, ..TrainConfig::DEFAULT }] {
            let model = LinearModel::train_with_vectors(&texts, &labels, &labels, &config, None, Some(&vectors)).expect("trains");
            for text in ["", "яма", "<p>Яма&nbsp;на дороге, мусор не вывозят</p> яма яма", "врач 12 ёлка ЕЛКА", "x<5 &laquo;ёлка&raquo;"]
            {
                let fast = model.probabilities(text);
                let mut counts = extract(&config.features, &model.normalizer, text);
                set_dense(&mut counts, &vectors, text);
                let plain = model.probabilities_of_counts(&counts);
                for (f, p) in fast.iter().zip(&plain) {
                    assert!((f - p).abs() < 1e-5, "{text:?}: {fast:?} vs {plain:?}");
                }
            }
        }
    }
}
