//! Evaluation: stratified k-fold cross-validation, per-class precision / recall / F1,
//! macro-F1 and the confusion matrix.
//!
//! Macro-F1 is the mean F1 over the classes that occur in the truth (a class nobody
//! labelled has no recall to speak of; a class predicted but never true still costs
//! precision to the true classes it took texts from). Under cross-validation every text is
//! predicted once, by the model that did not see it, and the report is computed on all
//! those predictions pooled; the macro-F1 of each fold is given too, to show the spread.

use crate::error::ClassifyError;
use crate::features::Counts;
use crate::lexicon::Lexicon;
use crate::linear::{argmax, check_lengths, extract_all, fit, prune_for, set_dense, shuffle, Grouping, SplitMix, TrainConfig};
use crate::normalize::Normalizer;
use crate::vectors::Vectors;
use serde::Serialize;

/// Precision, recall and F1 of one class.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClassMetrics {
    /// The class label.
    pub label: String,
    /// Texts truly of this class.
    pub support: u32,
    /// Texts predicted as this class.
    pub predicted: u32,
    /// Texts of this class predicted as it.
    pub correct: u32,
    /// `correct / predicted` (0 when nothing was predicted).
    pub precision: f64,
    /// `correct / support` (0 when there is no support).
    pub recall: f64,
    /// Harmonic mean of precision and recall (0 when both are 0).
    pub f1: f64,
}

/// How well predictions match the truth.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvalReport {
    /// Number of texts.
    pub n: usize,
    /// The class labels, in the order of `per_class` and of the confusion matrix.
    pub classes: Vec<String>,
    /// Per-class figures.
    pub per_class: Vec<ClassMetrics>,
    /// Mean F1 over the classes with support.
    pub macro_f1: f64,
    /// Share of texts predicted right.
    pub accuracy: f64,
    /// `confusion[truth][predicted]`: counts of texts.
    pub confusion: Vec<Vec<u32>>,
}

/// The result of a cross-validation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CrossValidation {
    /// Number of folds.
    pub folds: usize,
    /// The report on the pooled out-of-fold predictions.
    pub report: EvalReport,
    /// Macro-F1 of each fold on its own.
    pub fold_macro_f1: Vec<f64>,
}

/// Compares predicted class indices to true ones.
pub fn evaluate(classes: &[String], truth: &[usize], predicted: &[usize]) -> EvalReport {
    assert_eq!(truth.len(), predicted.len(), "one prediction per text");
    let c = classes.len();
    let mut confusion = vec![vec![0u32; c]; c];
    for (&t, &p) in truth.iter().zip(predicted) {
        confusion[t][p] += 1;
    }
    let per_class: Vec<ClassMetrics> = (0..c)
        .map(|k| {
            let support: u32 = confusion[k].iter().sum();
            let predicted: u32 = confusion.iter().map(|row| row[k]).sum();
            let correct = confusion[k][k];
            let precision = ratio(correct, predicted);
            let recall = ratio(correct, support);
            let f1 = if precision + recall > 0.0 { 2.0 * precision * recall / (precision + recall) } else { 0.0 };
            ClassMetrics { label: classes[k].clone(), support, predicted, correct, precision, recall, f1 }
        })
        .collect();
    let with_support: Vec<&ClassMetrics> = per_class.iter().filter(|m| m.support > 0).collect();
    let macro_f1 = if with_support.is_empty() { 0.0 } else { with_support.iter().map(|m| m.f1).sum::<f64>() / with_support.len() as f64 };
    let correct: u32 = (0..c).map(|k| confusion[k][k]).sum();
    EvalReport { n: truth.len(), classes: classes.to_vec(), per_class, macro_f1, accuracy: ratio(correct, truth.len() as u32), confusion }
}

fn ratio(a: u32, b: u32) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// Assigns each sample a fold in `0..k`, stratified by label and deterministic in `seed`.
///
/// Each class's samples are shuffled and dealt round-robin; the dealing of each class
/// starts where the previous class stopped, so folds differ in size by at most one.
pub fn stratified_folds(labels: &[usize], k: usize, seed: u64) -> Vec<usize> {
    assert!(k >= 2, "at least two folds");
    let classes = labels.iter().copied().max().map_or(0, |m| m + 1);
    let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); classes];
    for (i, &l) in labels.iter().enumerate() {
        by_class[l].push(i);
    }
    let mut rng = SplitMix(seed);
    let mut fold = vec![0; labels.len()];
    let mut next = 0;
    for members in &mut by_class {
        shuffle(members, &mut rng);
        for &i in members.iter() {
            fold[i] = next;
            next = (next + 1) % k;
        }
    }
    fold
}

/// Cross-validates a [`LinearModel`](crate::LinearModel) configuration (with or without
/// lexicon features) on labelled texts: [`cross_validate_mapped`] with each label its own class.
pub fn cross_validate<T: AsRef<str>, L: AsRef<str>>(
    texts: &[T],
    labels: &[L],
    folds: usize,
    config: &TrainConfig,
    lexicon: Option<&Lexicon>,
) -> Result<CrossValidation, ClassifyError> {
    cross_validate_mapped(texts, labels, labels, folds, config, lexicon)
}

/// Cross-validates a model trained on each text's label and answering in its class
/// ([`LinearModel::train_mapped`](crate::LinearModel::train_mapped)) on the folds of
/// [`label_folds`]; the report is over the classes.
pub fn cross_validate_mapped<T: AsRef<str>, L: AsRef<str>, C: AsRef<str>>(
    texts: &[T],
    labels: &[L],
    classes: &[C],
    folds: usize,
    config: &TrainConfig,
    lexicon: Option<&Lexicon>,
) -> Result<CrossValidation, ClassifyError> {
    cross_validate_with_vectors(texts, labels, classes, folds, config, lexicon, None)
}

/// [`cross_validate_mapped`] of models with the word vectors' dense group
/// ([`LinearModel::train_with_vectors`](crate::LinearModel::train_with_vectors)).
pub fn cross_validate_with_vectors<T: AsRef<str>, L: AsRef<str>, C: AsRef<str>>(
    texts: &[T],
    labels: &[L],
    classes: &[C],
    folds: usize,
    config: &TrainConfig,
    lexicon: Option<&Lexicon>,
    vectors: Option<&Vectors>,
) -> Result<CrossValidation, ClassifyError> {
    let fold_of = label_folds(labels, classes, folds, config.seed)?;
    cross_validate_folds(texts, labels, classes, &fold_of, config, lexicon, vectors)
}

/// Stratified folds of texts with labels and classes, deterministic in `seed`: the labels
/// are numbered by (class, label) and dealt by [`stratified_folds`], so a class's labels
/// are dealt one after the other and every class, as well as every label, is spread over
/// the folds within ±1. With each label its own class, the folds of [`stratified_folds`]
/// on the classes.
pub fn label_folds<L: AsRef<str>, C: AsRef<str>>(labels: &[L], classes: &[C], folds: usize, seed: u64) -> Result<Vec<usize>, ClassifyError> {
    check_lengths(labels.len(), labels.len(), classes.len())?;
    if folds < 2 || folds > labels.len() {
        return Err(ClassifyError::Training(format!("число блоков проверки {folds} должно быть от 2 до числа текстов")));
    }
    Ok(stratified_folds(&Grouping::new(labels, classes)?.label_of_text, folds, seed))
}

/// Cross-validates a model trained on labels and answering in classes on given folds
/// (`fold_of[i]` in `0..k` for each text). Each text's features are extracted once; the
/// rows and the weights are learned on each training part only, on the labels and classes
/// that occur in it. With word vectors, each fold's model keeps the table pruned as a
/// trained model would (the most frequent words and its training part's), and the dense
/// group of every text is computed with that table.
pub fn cross_validate_folds<T: AsRef<str>, L: AsRef<str>, C: AsRef<str>>(
    texts: &[T],
    labels: &[L],
    classes: &[C],
    fold_of: &[usize],
    config: &TrainConfig,
    lexicon: Option<&Lexicon>,
    vectors: Option<&Vectors>,
) -> Result<CrossValidation, ClassifyError> {
    check_lengths(texts.len(), labels.len(), classes.len())?;
    let folds = fold_of.iter().max().map_or(0, |&f| f + 1);
    if fold_of.len() != texts.len() || folds < 2 {
        return Err(ClassifyError::Training("нужно хотя бы два блока проверки и по блоку на текст".to_owned()));
    }
    let grouping = Grouping::new(labels, classes)?;
    let truth: Vec<usize> = grouping.label_of_text.iter().map(|&l| grouping.class_of_label[l]).collect();
    let normalizer = Normalizer::russian();
    let mut counts: Vec<Counts> = texts.iter().map(|t| extract_all(&config.features, &normalizer, lexicon, None, t.as_ref())).collect();
    let mut predicted = vec![0usize; texts.len()];
    let mut fold_macro_f1 = Vec::with_capacity(folds);
    for f in 0..folds {
        let train: Vec<usize> = (0..texts.len()).filter(|&i| fold_of[i] != f).collect();
        let test: Vec<usize> = (0..texts.len()).filter(|&i| fold_of[i] == f).collect();
        // Train on the labels and classes present in the training part; map its classes back to the global indices.
        let local = grouping.subset(&train);
        let pruned = vectors.map(|v| prune_for(v, config, train.iter().map(|&i| texts[i].as_ref())));
        if let Some(pruned) = &pruned {
            for (c, t) in counts.iter_mut().zip(texts) {
                set_dense(c, pruned, t.as_ref());
            }
        }
        let train_counts: Vec<&Counts> = train.iter().map(|&i| &counts[i]).collect();
        let model = fit(&train_counts, &local, config, lexicon, pruned)?;
        let global: Vec<usize> = local.classes.iter().map(|l| grouping.classes.binary_search(l).expect("a training class is a class")).collect();
        for &i in &test {
            predicted[i] = global[argmax(&model.probabilities_of_counts(&counts[i]))];
        }
        let t: Vec<usize> = test.iter().map(|&i| truth[i]).collect();
        let p: Vec<usize> = test.iter().map(|&i| predicted[i]).collect();
        fold_macro_f1.push(evaluate(&grouping.classes, &t, &p).macro_f1);
    }
    Ok(CrossValidation { folds, report: evaluate(&grouping.classes, &truth, &predicted), fold_macro_f1 })
}
