//! Cross-validates the classifiers on a labelled CSV file and prints the report.
//!
//! `cargo run --release -p tsur-classify --example eval -- FILE TEXT_COL LABEL_COL MAP.csv [FOLDS] [--json | --grid | --variants | --seeds=S1,S2,…] [--vectors PATH]`
//!
//! Prints the macro-F1 over blocks of the trained model (default configuration, trained on
//! the blocks), of the same trained on the file's own labels and answering in blocks through
//! the map, with the lexicon's scores as extra features, of the plain baseline (stem-unigram
//! TF-IDF with the same regression, no NB scaling) and of the lexicon model alone (no
//! training: it predicts every text; a text it finds nothing in counts as `other`), then
//! the per-class tables and the confusion matrix of the trained model. `--json` prints the trained model's cross-validation as JSON instead of the
//! table; `--grid` prints the macro-F1 of the small fixed grid of configurations reported
//! in docs/classification.md, `--variants` the variants of the labels-to-blocks change,
//! `--seeds=…` the default on blocks and on labels with other fold seeds (fold figures too).
//! `--vectors PATH` (navec's tar, `scripts/fetch-vectors.sh`) adds the model with word
//! vectors: a line in the default report, and with `--seeds` a column, the mean over the
//! seeds and the per-block F1 averaged over the seeds without and with the vectors, and
//! the size and speed of a model with vectors trained on the whole file. With `--seeds`,
//! `--vector-scale=X`, `--c=X` and `--tf-idf` change the configuration of every column.
//! `--train-share=S` with `--vectors` cuts each training part to the share `S` of its
//! texts (a region with fewer labelled texts) and compares the model without and with the
//! vectors on those folds.

use std::process::ExitCode;
use tsur_classify::{
    cross_validate, cross_validate_folds, cross_validate_mapped, evaluate, label_folds, parse_labeled, Balance, CrossValidation, EvalReport, LabelMap, Lexicon,
    TrainConfig, Vectors,
};
use tsur_core::reference::Topic;

const TOPICS: &str = include_str!("../../../data/reference/catalog/topics.csv");
const LEXICON: &str = include_str!("../../../data/reference/classify/lexicon.csv");

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ошибка: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let vectors_path = match args.iter().position(|a| a == "--vectors") {
        Some(i) if i + 1 < args.len() => Some(args.drain(i..i + 2).nth(1).expect("two")),
        Some(_) => return Err("--vectors: нужен путь к архиву векторов".into()),
        None => args.iter().find_map(|a| a.strip_prefix("--vectors=")).map(str::to_owned),
    };
    let vectors = match &vectors_path {
        Some(path) => {
            let started = std::time::Instant::now();
            let bytes = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
            let v = Vectors::from_navec_tar(path, &bytes)?;
            eprintln!("vectors: {} words, {} dimensions, read in {:.1} s", v.len(), v.dim(), started.elapsed().as_secs_f64());
            Some(v)
        }
        None => None,
    };
    let json = args.iter().any(|a| a == "--json");
    let grid = args.iter().any(|a| a == "--grid");
    let variants = args.iter().any(|a| a == "--variants");
    // The sensitivity checks of the word vectors (docs/classification.md): the dense
    // group's relative length, and the TF-IDF model with another C.
    let flag = |name: &str| args.iter().find_map(|a| a.strip_prefix(name)).map(str::parse::<f32>).transpose();
    let mut base = TrainConfig::DEFAULT;
    if let Some(v) = flag("--vector-scale=")? {
        base.vector_scale = v;
    }
    if let Some(c) = flag("--c=")? {
        base.c = c;
    }
    if args.iter().any(|a| a == "--tf-idf") {
        base.nb_scaling = false;
    }
    let seeds: Option<Vec<u64>> = args.iter().find_map(|a| a.strip_prefix("--seeds=")).map(|s| s.split(',').map(str::parse).collect()).transpose()?;
    let args: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    if args.len() < 4 {
        return Err("использование: eval FILE TEXT_COL LABEL_COL MAP.csv [FOLDS] [--json]".into());
    }
    let folds: usize = args.get(4).map(|f| f.parse()).transpose()?.unwrap_or(5);
    let text = std::fs::read_to_string(args[0])?;
    let rows = parse_labeled(args[0], &text, args[1], args[2])?;
    let map = LabelMap::parse(args[3], &std::fs::read_to_string(args[3])?, None)?;
    let data = map.apply(args[0], &rows)?;
    let texts: Vec<&str> = data.iter().map(|m| m.text.as_str()).collect();
    let fine: Vec<&str> = data.iter().map(|m| m.label.as_str()).collect();
    let labels: Vec<&str> = data.iter().map(|m| m.block.as_str()).collect();

    let topics: Vec<Topic> = csv::Reader::from_reader(TOPICS.as_bytes()).deserialize().collect::<Result<_, _>>()?;
    let lexicon = Lexicon::parse("lexicon.csv", LEXICON, &topics)?;
    if grid {
        return run_grid(&texts, &labels, folds, &lexicon);
    }
    if variants {
        return run_variants(&texts, &fine, &labels, folds);
    }
    if let (Some(share), Some(v)) = (flag("--train-share=")?, &vectors) {
        return run_train_share(&texts, &fine, &labels, folds, seeds.as_deref().unwrap_or(&[TrainConfig::DEFAULT.seed]), v, share as f64);
    }
    if let Some(seeds) = seeds {
        return run_seeds(&texts, &fine, &labels, folds, &seeds, vectors.as_ref(), &base);
    }
    let started = std::time::Instant::now();
    let model = cross_validate(&texts, &labels, folds, &TrainConfig::DEFAULT, None)?;
    let model_seconds = started.elapsed().as_secs_f64();
    if json {
        println!("{}", serde_json::to_string_pretty(&model)?);
        return Ok(());
    }
    let mapped = cross_validate_mapped(&texts, &fine, &labels, folds, &TrainConfig::DEFAULT, None)?;
    let with_lexicon = cross_validate(&texts, &labels, folds, &TrainConfig::DEFAULT, Some(&lexicon))?;
    let baseline = cross_validate(&texts, &labels, folds, &TrainConfig::BASELINE, None)?;
    let with_vectors = match &vectors {
        Some(v) => Some(cross_validate_folds(
            &texts,
            &labels,
            &labels,
            &label_folds(&labels, &labels, folds, TrainConfig::DEFAULT.seed)?,
            &TrainConfig::DEFAULT,
            None,
            Some(v),
        )?),
        None => None,
    };
    let classes = &model.report.classes;
    let other = classes.iter().position(|c| c == "other");
    let mut truth = Vec::new();
    let mut predicted = Vec::new();
    let mut unmatched = 0;
    let mut outside = 0;
    for (text, label) in texts.iter().zip(&labels) {
        let p = lexicon.predict(text);
        let guess = match &p.block {
            Some(b) => classes.iter().position(|c| c == b.as_str()),
            None => {
                unmatched += 1;
                other
            }
        };
        // A block absent from the labels (e.g. energy when the data have none) is wrong for every text.
        let guess = guess.unwrap_or_else(|| {
            outside += 1;
            usize::MAX
        });
        truth.push(classes.iter().position(|c| c == label).expect("label is a class"));
        predicted.push(guess);
    }
    let lexicon_report = evaluate_with_outside(classes, &truth, &predicted);

    let mut distinct = fine.clone();
    distinct.sort_unstable();
    distinct.dedup();
    println!(
        "texts: {} ({} rows, {} dropped by the map), labels: {}, classes: {}, folds: {folds}",
        texts.len(),
        rows.len(),
        rows.len() - texts.len(),
        distinct.len(),
        classes.len()
    );
    println!();
    println!("{:<52} {:>9} {:>9}", "model", "macro-F1", "accuracy");
    let line = |name: &str, r: &EvalReport| println!("{name:<52} {:>9.4} {:>9.4}", r.macro_f1, r.accuracy);
    line("trained (stems + char 3-5, NB-scaled LR)", &model.report);
    line("trained on labels → blocks (folds of the labels)", &mapped.report);
    line("trained + lexicon features", &with_lexicon.report);
    line("baseline (stem unigrams, TF-IDF, LR)", &baseline.report);
    line("lexicon alone (no training)", &lexicon_report);
    if let Some(cv) = &with_vectors {
        line("trained + word vectors", &cv.report);
        println!("trained + word vectors per fold: {}", fold_figures(cv));
        for v in [None, vectors.as_ref()] {
            let model = tsur_classify::LinearModel::train_with_vectors(&texts, &labels, &labels, &TrainConfig::DEFAULT, None, v)?;
            let bytes = model.to_bytes().len();
            let started = std::time::Instant::now();
            let mut checksum = 0usize;
            for _ in 0..20 {
                for t in &texts {
                    checksum += model.predict(t).class;
                }
            }
            let per_second = (20 * texts.len()) as f64 / started.elapsed().as_secs_f64();
            let words = model.vectors().map_or(0, |v| v.len());
            println!("model on the whole file, vectors: {words} words: {bytes} bytes, {per_second:.0} predictions/s on one thread (checksum {checksum})");
        }
    }
    println!("trained per fold: {}   ({model_seconds:.1} s for {folds} folds)", fold_figures(&model));
    println!("labels → blocks per fold: {}", fold_figures(&mapped));
    println!("lexicon: {unmatched} texts without any match (counted as other), {outside} predicted a block absent from the labels");
    for (name, r) in [
        ("trained", &model.report),
        ("trained on labels → blocks", &mapped.report),
        ("trained + lexicon features", &with_lexicon.report),
        ("baseline", &baseline.report),
        ("lexicon", &lexicon_report),
    ]
    .into_iter()
    .chain(with_vectors.as_ref().map(|cv| ("trained + word vectors", &cv.report)))
    {
        println!();
        println!("{name}: per class");
        println!("{:<12} {:>7} {:>9} {:>9} {:>9} {:>7}", "class", "support", "precision", "recall", "F1", "pred");
        for m in &r.per_class {
            println!("{:<12} {:>7} {:>9.3} {:>9.3} {:>9.3} {:>7}", m.label, m.support, m.precision, m.recall, m.f1, m.predicted);
        }
    }
    println!();
    println!("trained: confusion (rows: truth, columns: predicted)");
    print!("{:<12}", "");
    for c in classes {
        print!(" {:>9}", c);
    }
    println!();
    for (c, row) in classes.iter().zip(&model.report.confusion) {
        print!("{c:<12}");
        for n in row {
            print!(" {n:>9}");
        }
        println!();
    }
    Ok(())
}

fn fold_figures(cv: &CrossValidation) -> String {
    cv.fold_macro_f1.iter().map(|f| format!("{f:.3}")).collect::<Vec<_>>().join(" ")
}

/// The default configuration on blocks and on labels → blocks, cross-validated on the
/// same folds (those of the labels) with each seed of `seeds`.
fn run_seeds(
    texts: &[&str],
    fine: &[&str],
    blocks: &[&str],
    folds: usize,
    seeds: &[u64],
    vectors: Option<&Vectors>,
    base: &TrainConfig,
) -> Result<(), Box<dyn std::error::Error>> {
    match vectors {
        None => println!("{:<12} {:>10} {:>10}   folds: on blocks | labels → blocks", "seed", "on blocks", "labels"),
        Some(_) => println!("{:<12} {:>10} {:>10} {:>10}   folds: on blocks | + vectors", "seed", "on blocks", "labels", "+ vectors"),
    }
    // Without and with the vectors, per seed.
    let mut reports: Vec<[EvalReport; 2]> = Vec::new();
    for &seed in seeds {
        let config = TrainConfig { seed, ..*base };
        let fold_of = label_folds(fine, blocks, folds, seed)?;
        let flat = cross_validate_folds(texts, blocks, blocks, &fold_of, &config, None, None)?;
        let mapped = cross_validate_folds(texts, fine, blocks, &fold_of, &config, None, None)?;
        match vectors {
            None => {
                println!("{seed:<12} {:>10.4} {:>10.4}   {} | {}", flat.report.macro_f1, mapped.report.macro_f1, fold_figures(&flat), fold_figures(&mapped))
            }
            Some(v) => {
                let dense = cross_validate_folds(texts, blocks, blocks, &fold_of, &config, None, Some(v))?;
                println!(
                    "{seed:<12} {:>10.4} {:>10.4} {:>10.4}   {} | {}",
                    flat.report.macro_f1,
                    mapped.report.macro_f1,
                    dense.report.macro_f1,
                    fold_figures(&flat),
                    fold_figures(&dense)
                );
                reports.push([flat.report, dense.report]);
            }
        }
    }
    if reports.is_empty() {
        return Ok(());
    }
    let n = reports.len() as f64;
    let mean = |which: usize, class: Option<usize>| reports.iter().map(|r| class.map_or(r[which].macro_f1, |k| r[which].per_class[k].f1)).sum::<f64>() / n;
    println!("{:<12} {:>10.4} {:>10} {:>10.4}", "mean", mean(0, None), "", mean(1, None));
    println!();
    println!("per block, F1 averaged over the seeds");
    println!("{:<12} {:>7} {:>10} {:>10}", "class", "support", "on blocks", "+ vectors");
    for (k, m) in reports[0][0].per_class.iter().enumerate() {
        println!("{:<12} {:>7} {:>10.3} {:>10.3}", m.label, m.support, mean(0, Some(k)), mean(1, Some(k)));
    }
    Ok(())
}

/// A region with fewer labelled texts: on the folds of each seed, each training part is cut
/// to `share` of its texts (every block to `share` of its texts, at least 2, in a fixed
/// pseudo-random order), and the model is trained without and with the vectors on the same
/// texts; the held-out fold is predicted whole.
fn run_train_share(
    texts: &[&str],
    fine: &[&str],
    blocks: &[&str],
    folds: usize,
    seeds: &[u64],
    vectors: &Vectors,
    share: f64,
) -> Result<(), Box<dyn std::error::Error>> {
    use tsur_classify::LinearModel;
    let mut classes: Vec<&str> = blocks.to_vec();
    classes.sort_unstable();
    classes.dedup();
    let class_of = |b: &str| classes.iter().position(|c| *c == b).expect("a class");
    println!("training parts cut to {:.0} % of their texts", share * 100.0);
    println!("{:<12} {:>10} {:>10} {:>10}", "seed", "texts", "on blocks", "+ vectors");
    let mut sums = [0.0; 2];
    for &seed in seeds {
        let fold_of = label_folds(fine, blocks, folds, seed)?;
        let mut predicted = [vec![0usize; texts.len()], vec![0usize; texts.len()]];
        let mut used = 0;
        for f in 0..folds {
            let mut train: Vec<usize> = (0..texts.len()).filter(|&i| fold_of[i] != f).collect();
            train.sort_by_key(|&i| ((i as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ seed).wrapping_mul(0xbf58_476d_1ce4_e5b9));
            let mut kept = Vec::new();
            for class in &classes {
                let of_class: Vec<usize> = train.iter().copied().filter(|&i| blocks[i] == *class).collect();
                let n = ((of_class.len() as f64 * share).ceil() as usize).max(2).min(of_class.len());
                kept.extend_from_slice(&of_class[..n]);
            }
            used += kept.len();
            let train_texts: Vec<&str> = kept.iter().map(|&i| texts[i]).collect();
            let train_blocks: Vec<&str> = kept.iter().map(|&i| blocks[i]).collect();
            for (which, v) in [None, Some(vectors)].into_iter().enumerate() {
                let config = TrainConfig { seed, ..TrainConfig::DEFAULT };
                let model = LinearModel::train_with_vectors(&train_texts, &train_blocks, &train_blocks, &config, None, v)?;
                for i in (0..texts.len()).filter(|&i| fold_of[i] == f) {
                    predicted[which][i] = class_of(&model.predict(texts[i]).label);
                }
            }
        }
        let truth: Vec<usize> = blocks.iter().map(|b| class_of(b)).collect();
        let names: Vec<String> = classes.iter().map(|c| c.to_string()).collect();
        let f1 = [evaluate(&names, &truth, &predicted[0]).macro_f1, evaluate(&names, &truth, &predicted[1]).macro_f1];
        sums[0] += f1[0];
        sums[1] += f1[1];
        println!("{seed:<12} {:>10} {:>10.4} {:>10.4}", used / folds, f1[0], f1[1]);
    }
    println!("{:<12} {:>10} {:>10.4} {:>10.4}", "mean", "", sums[0] / seeds.len() as f64, sums[1] / seeds.len() as f64);
    Ok(())
}

/// The variants of the labels-to-blocks change, each cross-validated once on the folds of
/// the labels (docs/classification.md).
fn run_variants(texts: &[&str], fine: &[&str], blocks: &[&str], folds: usize) -> Result<(), Box<dyn std::error::Error>> {
    let d = TrainConfig::DEFAULT;
    let fold_of = label_folds(fine, blocks, folds, d.seed)?;
    let variants: Vec<(&str, TrainConfig, bool)> = vec![
        ("on blocks (the previous default)", d, false),
        ("labels → blocks, blocks balanced", d, true),
        ("labels → blocks, labels balanced", TrainConfig { balance: Balance::Labels, ..d }, true),
        ("labels → blocks, NB ratios of the blocks", TrainConfig { nb_of_classes: true, ..d }, true),
        ("baseline on blocks", TrainConfig::BASELINE, false),
        ("baseline, labels → blocks", TrainConfig::BASELINE, true),
    ];
    println!("{:<44} {:>9} {:>9}   folds", "variant", "macro-F1", "accuracy");
    for (name, config, mapped) in variants {
        let labels = if mapped { fine } else { blocks };
        let cv = cross_validate_folds(texts, labels, blocks, &fold_of, &config, None, None)?;
        println!("{name:<44} {:>9.4} {:>9.4}   {}", cv.report.macro_f1, cv.report.accuracy, fold_figures(&cv));
    }
    Ok(())
}

/// [`evaluate`] where `usize::MAX` is a prediction outside the classes (always wrong).
fn evaluate_with_outside(classes: &[String], truth: &[usize], predicted: &[usize]) -> EvalReport {
    let mut extended = classes.to_vec();
    extended.push("(outside)".to_owned());
    let outside = classes.len();
    let predicted: Vec<usize> = predicted.iter().map(|&p| if p == usize::MAX { outside } else { p }).collect();
    let mut r = evaluate(&extended, truth, &predicted);
    // The extra class has no support, so it does not enter the macro-F1; drop it from the table.
    r.per_class.pop();
    r
}

/// The whole hyper-parameter search that was made, kept runnable so that it is reported honestly.
fn run_grid(texts: &[&str], labels: &[&str], folds: usize, lexicon: &Lexicon) -> Result<(), Box<dyn std::error::Error>> {
    use tsur_classify::FeatureConfig;
    let d = TrainConfig::DEFAULT;
    let variants: Vec<(&str, TrainConfig)> = vec![
        ("default (NB-scaled, L-BFGS)", d),
        ("default, C = 0.3", TrainConfig { c: 0.3, ..d }),
        ("default, C = 3", TrainConfig { c: 3.0, ..d }),
        ("default, min_df 1", TrainConfig { min_df: 1, ..d }),
        ("default, not balanced", TrainConfig { balance: Balance::Off, ..d }),
        ("default + bigrams", TrainConfig { features: FeatureConfig { word_bigrams: true, ..d.features }, ..d }),
        ("no NB scaling (TF-IDF, L-BFGS)", TrainConfig { nb_scaling: false, ..d }),
        ("unigrams, NB-scaled", TrainConfig { features: FeatureConfig::UNIGRAMS, ..d }),
        ("baseline (unigrams, TF-IDF)", TrainConfig::BASELINE),
    ];
    println!("{:<34} {:>16} {:>16}", "variant", "macro-F1 no lex", "macro-F1 + lex");
    for (name, config) in variants {
        let plain = cross_validate(texts, labels, folds, &config, None)?.report;
        let with = cross_validate(texts, labels, folds, &config, Some(lexicon))?.report;
        println!("{name:<34} {:>16.4} {:>16.4}", plain.macro_f1, with.macro_f1);
    }
    Ok(())
}
