//! The trainable model: hashed TF-IDF features and multinomial logistic regression.
//!
//! A text becomes the [`Counts`](crate::features::Counts) of its hashed features; each
//! count `n` becomes `(1 + ln n) · idf`, where the idf comes from the training texts
//! (`ln((1 + N) / (1 + df)) + 1`; a bucket no training text had is dropped, as a word out
//! of a vocabulary would be). The word group and the char group are each scaled to unit
//! length and then by `1/√2`, so that neither drowns the other whatever the text length.
//!
//! The classifier is a softmax over `C` classes, trained by AdaGrad on the cross-entropy
//! with class-balanced sample weights (`N / (C · N_c)`, so a rare block counts as much as
//! a common one) and a small L2 penalty, visiting the texts in an order drawn from a seeded
//! generator: the same data and configuration give the same model bit for bit.
//!
//! Only the buckets seen in training get a weight row, so the model stays small enough
//! for a BLOB even with a hundred topics; [`LinearModel::to_bytes`] writes those rows.

use crate::error::ClassifyError;
use crate::features::{extract, hash_str, Counts, FeatureConfig};
use crate::lexicon::Lexicon;
use crate::normalize::Normalizer;
use serde::Serialize;
use tsur_core::{BlockId, TopicId};

/// How to train a [`LinearModel`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainConfig {
    /// The features.
    pub features: FeatureConfig,
    /// Passes over the training texts.
    pub epochs: u32,
    /// The first step of the descent; it shrinks as `1 / (1 + epochs done)`.
    pub learning_rate: f32,
    /// Inverse strength of the L2 penalty, as usually written: the objective is
    /// `½‖W‖² + C · Σ weighted cross-entropy`, so each sample's step carries a penalty
    /// `W / (C · N)` on the weights it touches.
    pub c: f32,
    /// Weigh samples so that every class has the same total weight.
    pub class_balanced: bool,
    /// Seed of the visiting order.
    pub seed: u64,
    /// A feature bucket must occur in at least this many training texts to get a weight:
    /// a feature of one text only lets the model memorise that text instead of learning.
    pub min_df: u32,
}

impl TrainConfig {
    /// The configuration of the shipped model (chosen a priori; see docs/classification.md).
    pub const DEFAULT: TrainConfig =
        TrainConfig { features: FeatureConfig::DEFAULT, epochs: 12, learning_rate: 1.0, c: 1.0, class_balanced: true, seed: 20_240_601, min_df: 2 };

    /// The plain baseline: stem-unigram TF-IDF with the same regression.
    pub const BASELINE: TrainConfig = TrainConfig { features: FeatureConfig::UNIGRAMS, ..TrainConfig::DEFAULT };
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig::DEFAULT
    }
}

/// One prediction of a [`LinearModel`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Prediction {
    /// Index of the most probable class in [`LinearModel::classes`].
    pub class: usize,
    /// Its label.
    pub label: String,
    /// Its softmax probability, in (0, 1].
    pub confidence: f32,
    /// The probability of every class, in the order of [`LinearModel::classes`]; sums to 1.
    pub probabilities: Vec<f32>,
}

const NO_ROW: u32 = u32::MAX;
const MAGIC: &[u8; 8] = b"TSURLIN\0";
const VERSION: u32 = 1;

/// A trained linear classifier. Immutable; `Send + Sync`, so one model serves many threads.
#[derive(Debug, Clone)]
pub struct LinearModel {
    features: FeatureConfig,
    classes: Vec<String>,
    normalizer: Normalizer,
    /// The lexicon whose scores are features, frozen with the model.
    lexicon: Option<Lexicon>,
    /// For each bucket, its weight row or `NO_ROW`.
    row_of_bucket: Vec<u32>,
    /// For each row, its bucket (for serialisation).
    bucket_of_row: Vec<u32>,
    /// For each row, the idf of its bucket.
    idf: Vec<f32>,
    /// Row-major: `weights[row * C + class]`.
    weights: Vec<f32>,
    bias: Vec<f32>,
}

/// A sparse, weighted vector of rows.
type Sparse = Vec<(u32, f32)>;

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
        if texts.len() != labels.len() {
            return Err(ClassifyError::Training(format!("текстов {}, а меток {}", texts.len(), labels.len())));
        }
        let (classes, indices) = index_labels(labels);
        let normalizer = Normalizer::russian();
        let counts: Vec<Counts> = texts.iter().map(|t| extract_all(&config.features, &normalizer, lexicon, t.as_ref())).collect();
        let refs: Vec<&Counts> = counts.iter().collect();
        fit(&refs, &indices, classes, config, lexicon)
    }

    /// Whether the model uses lexicon features.
    pub fn has_lexicon(&self) -> bool {
        self.lexicon.is_some()
    }

    /// The class labels, in the order of [`Prediction::probabilities`].
    pub fn classes(&self) -> &[String] {
        &self.classes
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

    /// The probability of each class for a raw text.
    pub fn probabilities(&self, text: &str) -> Vec<f32> {
        let counts = extract_all(&self.features, &self.normalizer, self.lexicon.as_ref(), text);
        self.probabilities_of_counts(&counts)
    }

    pub(crate) fn probabilities_of_counts(&self, counts: &Counts) -> Vec<f32> {
        let mut x = Vec::with_capacity(counts.word.len() + counts.char.len());
        vectorize(&self.features, self.lexicon.is_some(), &self.row_of_bucket, &self.idf, counts, &mut x);
        let mut p = vec![0.0; self.classes.len()];
        self.logits(&x, &mut p);
        softmax(&mut p);
        p
    }

    fn logits(&self, x: &[(u32, f32)], out: &mut [f32]) {
        let c = self.classes.len();
        out.copy_from_slice(&self.bias);
        for &(row, v) in x {
            let w = &self.weights[row as usize * c..row as usize * c + c];
            for (o, wi) in out.iter_mut().zip(w) {
                *o += v * wi;
            }
        }
    }

    /// Serialises the model: versioned, little-endian, only the rows seen in training.
    pub fn to_bytes(&self) -> Vec<u8> {
        let c = self.classes.len();
        let mut out = Vec::with_capacity(32 + self.rows() * (8 + 4 * c));
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&VERSION.to_le_bytes());
        let f = &self.features;
        out.extend_from_slice(&[f.bits, f.word_bigrams as u8, f.char_min, f.char_max]);
        out.extend_from_slice(&(c as u32).to_le_bytes());
        for label in &self.classes {
            out.extend_from_slice(&(label.len() as u32).to_le_bytes());
            out.extend_from_slice(label.as_bytes());
        }
        match &self.lexicon {
            None => out.push(0),
            Some(lexicon) => {
                out.push(1);
                let (pairs, source) = lexicon.parts();
                out.extend_from_slice(&(pairs.len() as u32).to_le_bytes());
                for (topic, block) in &pairs {
                    for s in [topic.as_str(), block.as_str()] {
                        out.extend_from_slice(&(s.len() as u32).to_le_bytes());
                        out.extend_from_slice(s.as_bytes());
                    }
                }
                out.extend_from_slice(&(source.len() as u32).to_le_bytes());
                out.extend_from_slice(source.as_bytes());
            }
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
        if version != VERSION {
            return Err(ClassifyError::Model(format!("версия {version} не поддерживается (ожидается {VERSION})")));
        }
        let head = r.take(4)?;
        let features = FeatureConfig { bits: head[0], word_bigrams: head[1] != 0, char_min: head[2], char_max: head[3] };
        if !(10..=24).contains(&features.bits) || head[1] > 1 || features.char_max > 16 || (features.char_min > 0 && features.char_min > features.char_max) {
            return Err(bad("неверные параметры признаков"));
        }
        let c = r.u32()? as usize;
        if !(2..=10_000).contains(&c) {
            return Err(bad("неверное число классов"));
        }
        let mut classes = Vec::with_capacity(c);
        for _ in 0..c {
            classes.push(r.str()?);
        }
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
        let rows = r.u32()? as usize;
        let buckets = 1usize << features.bits;
        if rows > buckets || r.remaining() != 4 * c + rows * (8 + 4 * c) {
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
        Ok(LinearModel { features, classes, normalizer: Normalizer::russian(), lexicon, row_of_bucket, bucket_of_row, idf, weights, bias })
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ClassifyError> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len()).ok_or_else(|| ClassifyError::Model("данные обрываются".to_owned()))?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }
    fn u32(&mut self) -> Result<u32, ClassifyError> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().expect("4 bytes")))
    }
    fn f32(&mut self) -> Result<f32, ClassifyError> {
        let v = f32::from_le_bytes(self.take(4)?.try_into().expect("4 bytes"));
        if v.is_finite() {
            Ok(v)
        } else {
            Err(ClassifyError::Model("нечисловой вес".to_owned()))
        }
    }
    fn str(&mut self) -> Result<String, ClassifyError> {
        let len = self.u32()? as usize;
        let bytes = self.take(len)?;
        std::str::from_utf8(bytes).map(str::to_owned).map_err(|_| ClassifyError::Model("текст не в UTF-8".to_owned()))
    }
    fn remaining(&self) -> usize {
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

/// Trains on pre-extracted counts (cross-validation extracts each text once).
pub(crate) fn fit(
    counts: &[&Counts],
    labels: &[usize],
    classes: Vec<String>,
    config: &TrainConfig,
    lexicon: Option<&Lexicon>,
) -> Result<LinearModel, ClassifyError> {
    let n = counts.len();
    let c = classes.len();
    if n == 0 {
        return Err(ClassifyError::Training("нет ни одного размеченного текста".to_owned()));
    }
    if !(config.c > 0.0 && config.c.is_finite()) {
        return Err(ClassifyError::Training("параметр регуляризации C должен быть положительным".to_owned()));
    }
    if c < 2 {
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
            idf.push((((1 + n) as f32) / ((1 + f) as f32)).ln() + 1.0);
        }
    }
    let rows = bucket_of_row.len();
    let xs: Vec<Sparse> = counts
        .iter()
        .map(|counts| {
            let mut x = Vec::new();
            vectorize(&features, lexicon.is_some(), &row_of_bucket, &idf, counts, &mut x);
            x
        })
        .collect();

    let mut per_class = vec![0usize; c];
    for &l in labels {
        per_class[l] += 1;
    }
    let sample_weight: Vec<f32> = per_class.iter().map(|&k| if config.class_balanced && k > 0 { n as f32 / (c as f32 * k as f32) } else { 1.0 }).collect();

    let mut weights = vec![0f32; rows * c];
    let mut bias = vec![0f32; c];
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = SplitMix(config.seed);
    let mut p = vec![0f32; c];
    let l2 = 1.0 / (config.c * n as f32);
    let mut step = 0u64;
    for _ in 0..config.epochs {
        shuffle(&mut order, &mut rng);
        for &i in &order {
            // The step shrinks as 1 / (1 + epochs done), so late passes refine instead of jumping.
            let lr = config.learning_rate / (1.0 + step as f32 / n as f32);
            step += 1;
            let x = &xs[i];
            p.copy_from_slice(&bias);
            for &(row, v) in x {
                for (o, w) in p.iter_mut().zip(&weights[row as usize * c..row as usize * c + c]) {
                    *o += v * w;
                }
            }
            softmax(&mut p);
            let sw = sample_weight[labels[i]];
            for (k, pk) in p.iter_mut().enumerate() {
                *pk = sw * (*pk - if k == labels[i] { 1.0 } else { 0.0 });
            }
            for (b, &gk) in bias.iter_mut().zip(&p) {
                *b -= lr * gk;
            }
            for &(row, v) in x {
                let base = row as usize * c;
                for (w, &gk) in weights[base..base + c].iter_mut().zip(&p) {
                    *w -= lr * (gk * v + l2 * *w);
                }
            }
        }
    }
    Ok(LinearModel { features, classes, normalizer: Normalizer::russian(), lexicon: lexicon.cloned(), row_of_bucket, bucket_of_row, idf, weights, bias })
}

/// The features of a raw text, with the lexicon group when there is a lexicon.
pub(crate) fn extract_all(features: &FeatureConfig, normalizer: &Normalizer, lexicon: Option<&Lexicon>, text: &str) -> Counts {
    let mut counts = extract(features, normalizer, text);
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

const SEED_LEXICON_TOPIC: u64 = 0x1e71_c0de;
const SEED_LEXICON_BLOCK: u64 = 0x1e7b_10c4;

/// The model's input vector: the word group and the char group as TF-IDF, the lexicon
/// group as `ln(1 + score)`, each group scaled to length `1/√groups`.
fn vectorize(features: &FeatureConfig, with_lexicon: bool, row_of_bucket: &[u32], idf: &[f32], counts: &Counts, out: &mut Sparse) {
    out.clear();
    let groups = 1 + features.has_chars() as usize + with_lexicon as usize;
    let scale = 1.0 / (groups as f32).sqrt();
    let tf_idf = |&(bucket, n): &(u32, u32)| {
        let row = row_of_bucket[bucket as usize];
        (row != NO_ROW).then(|| (row, (1.0 + (n as f32).ln()) * idf[row as usize]))
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
