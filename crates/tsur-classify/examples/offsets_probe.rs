//! Probe (not the product): per-class offsets on the logits fitted for macro-F1 on the
//! training part's own out-of-fold predictions (nested CV), measured on the outer folds.
//! `cargo run --release -p tsur-classify --example offsets_probe -- FILE TEXT_COL LABEL_COL MAP.csv SEEDS`
use tsur_classify::{evaluate, label_folds, parse_labeled, stratified_folds, LabelMap, LinearModel, TrainConfig};

fn macro_f1(classes: &[String], truth: &[usize], pred: &[usize]) -> f64 {
    evaluate(classes, truth, pred).macro_f1
}

fn argmax(v: &[f64]) -> usize {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate() {
        if x > v[best] {
            best = i;
        }
    }
    best
}

/// The model's log-probabilities of a text, in the order of `classes` (a class the model never
/// saw: a very low value).
fn log_probs(model: &LinearModel, text: &str, classes: &[String]) -> Vec<f64> {
    let p = model.probabilities(text);
    let mut l = vec![-30.0; classes.len()];
    for (j, c) in model.classes().iter().enumerate() {
        let k = classes.iter().position(|x| x == c).expect("a class");
        l[k] = f64::from(p[j].max(1e-12)).ln();
    }
    l
}

fn fit_offsets(classes: &[String], logp: &[Vec<f64>], truth: &[usize]) -> Vec<f64> {
    let k = classes.len();
    let mut b = vec![0.0; k];
    let score = |b: &[f64]| {
        let pred: Vec<usize> = logp.iter().map(|l| argmax(&l.iter().zip(b).map(|(x, y)| x + y).collect::<Vec<_>>())).collect();
        macro_f1(classes, truth, &pred)
    };
    let mut best = score(&b);
    for _ in 0..3 {
        for c in 0..k {
            for step in -20..=20 {
                let mut t = b.clone();
                t[c] = f64::from(step) / 10.0;
                let s = score(&t);
                if s > best + 1e-9 {
                    best = s;
                    b = t;
                }
            }
        }
    }
    b
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let text = std::fs::read_to_string(&args[0])?;
    let rows = parse_labeled(&args[0], &text, &args[1], &args[2])?;
    let map = LabelMap::parse(&args[3], &std::fs::read_to_string(&args[3])?, None)?;
    let data = map.apply(&args[0], &rows)?;
    let texts: Vec<&str> = data.iter().map(|m| m.text.as_str()).collect();
    let labels: Vec<&str> = data.iter().map(|m| m.block.as_str()).collect();
    let seeds: Vec<u64> = args[4].split(',').map(str::parse).collect::<Result<_, _>>()?;
    let config = TrainConfig::DEFAULT;
    for seed in seeds {
        let fold_of = label_folds(&labels, &labels, 5, seed)?;
        let mut classes: Vec<String> = labels.iter().map(|s| s.to_string()).collect();
        classes.sort();
        classes.dedup();
        let idx = |l: &str| classes.iter().position(|c| c == l).expect("a class");
        let truth: Vec<usize> = labels.iter().map(|l| idx(l)).collect();
        let (mut plain, mut shifted) = (vec![0; texts.len()], vec![0; texts.len()]);
        for f in 0..5 {
            let train: Vec<usize> = (0..texts.len()).filter(|&i| fold_of[i] != f).collect();
            let tt: Vec<&str> = train.iter().map(|&i| texts[i]).collect();
            let tl: Vec<&str> = train.iter().map(|&i| labels[i]).collect();
            // Inner out-of-fold log-probabilities on the training part.
            let inner_truth: Vec<usize> = tl.iter().map(|l| idx(l)).collect();
            let inner = stratified_folds(&inner_truth, 5, 7);
            let mut oof = vec![Vec::new(); train.len()];
            for g in 0..5 {
                let it: Vec<usize> = (0..train.len()).filter(|&i| inner[i] != g).collect();
                let m = LinearModel::train(&it.iter().map(|&i| tt[i]).collect::<Vec<_>>(), &it.iter().map(|&i| tl[i]).collect::<Vec<_>>(), &config, None)?;
                for i in (0..train.len()).filter(|&i| inner[i] == g) {
                    oof[i] = log_probs(&m, tt[i], &classes);
                }
            }
            let b = fit_offsets(&classes, &oof, &inner_truth);
            let m = LinearModel::train(&tt, &tl, &config, None)?;
            for i in (0..texts.len()).filter(|&i| fold_of[i] == f) {
                let l = log_probs(&m, texts[i], &classes);
                plain[i] = argmax(&l);
                shifted[i] = argmax(&l.iter().zip(&b).map(|(x, y)| x + y).collect::<Vec<_>>());
            }
            eprintln!("seed {seed} fold {f}: offsets {:?}", b.iter().map(|x| (x * 10.0).round() / 10.0).collect::<Vec<_>>());
        }
        println!("{seed}: plain {:.3}, with offsets {:.3}", macro_f1(&classes, &truth, &plain), macro_f1(&classes, &truth, &shifted));
    }
    Ok(())
}
