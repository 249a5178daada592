//! Classification of citizens' appeals into sector blocks (отраслевые блоки) and topics
//! (тематики) from their Russian text.
//!
//! Appeals arrive as whatever a web form or an operator pasted: HTML with `&nbsp;` and
//! inline styles, no punctuation, typos, addresses and phone numbers. This crate turns
//! such a text into a block (and a topic) with two models that complement each other:
//!
//! - [`Lexicon`]: operator-editable lists of words and phrases per topic
//!   (`data/reference/classify/lexicon.csv`). It needs no training data, works on the
//!   first day in a new region, and every prediction says which terms made it.
//! - [`LinearModel`]: hashed stems and character n-grams (optionally stem bigrams and the
//!   lexicon's scores), weighted by their naive-Bayes log-count ratios, with a softmax
//!   regression trained to convergence on the region's own labelled history. It learns
//!   the region's vocabulary and gives a calibrated-ish confidence (the softmax
//!   probability); it serialises to bytes ([`LinearModel::to_bytes`]) for a BLOB in the store.
//!   Trained on the source's own categories with a map to our blocks
//!   ([`LinearModel::train_mapped`]), it keeps one class per category and answers in blocks.
//!
//! [`Vectors`] reads pretrained Russian word vectors (navec) for an optional dense feature
//! group of the linear model ([`LinearModel::train_with_vectors`]); it is off by default,
//! because on the measured data it did not help (docs/classification.md).
//!
//! [`eval`] measures either on labelled data (stratified k-fold cross-validation,
//! per-class precision / recall / F1, macro-F1, confusion), and [`labels`] reads labelled
//! CSV texts and maps another system's categories to our blocks.
//!
//! The crate does no IO: it takes texts and returns values, and the CLI or the store read
//! and write files. Training is deterministic: the same data and [`TrainConfig`] give the
//! same model bit for bit. The design, the figures and how to reproduce them are in
//! `docs/classification.md`.

#![deny(missing_docs)]

mod error;
pub mod eval;
pub mod features;
pub mod labels;
pub mod lexicon;
pub mod linear;
pub mod normalize;
mod optimize;
pub mod vectors;

pub use error::ClassifyError;
pub use eval::{
    cross_validate, cross_validate_folds, cross_validate_mapped, cross_validate_with_vectors, evaluate, label_folds, stratified_folds, ClassMetrics,
    CrossValidation, EvalReport,
};
pub use features::FeatureConfig;
pub use labels::{parse_labeled, LabelMap, LabeledText, MappedText};
pub use lexicon::{Lexicon, LexiconMatch, LexiconPrediction};
pub use linear::{Balance, LinearModel, Prediction, TrainConfig};
pub use normalize::{clean_text, words, Normalizer};
pub use vectors::Vectors;
