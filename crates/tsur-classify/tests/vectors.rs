//! Word vectors: reading navec's archive (built here, in its layout, from a few words), the
//! dense feature group, the model's pruned table and its bytes (format version 3).

use proptest::prelude::*;
use tsur_classify::vectors::navec_tar_for_tests;
use tsur_classify::{ClassifyError, LinearModel, TrainConfig, Vectors};

/// Eight dimensions in four sub-vectors; three directions of meaning (roads, waste,
/// health) and words that only the vectors relate to the training texts.
fn entries() -> Vec<(&'static str, u32, Vec<f32>)> {
    let near = |axis: usize, wobble: f32| -> Vec<f32> { (0..8).map(|d| if d / 2 == axis { 1.0 } else { wobble * (d as f32 - 3.5) / 10.0 }).collect() };
    vec![
        ("прошу", 9_000, near(3, 0.5)),
        ("яма", 500, near(0, 0.1)),
        ("асфальт", 400, near(0, 0.2)),
        ("ухабы", 30, near(0, 0.3)),
        ("мусор", 600, near(1, 0.1)),
        ("контейнер", 300, near(1, 0.2)),
        ("отбросы", 20, near(1, 0.3)),
        ("врач", 700, near(2, 0.1)),
        ("поликлиника", 350, near(2, 0.2)),
        ("терапевт", 25, near(2, 0.3)),
        ("ёлка", 40, near(3, 0.1)),
        ("елка", 10, near(3, 0.9)),
        ("a-gps", 50, near(3, 0.2)),
        ("covid19", 50, near(3, 0.2)),
        ("<unk>", 0, near(3, 0.0)),
        ("<pad>", 0, near(3, 0.0)),
    ]
}

fn tiny() -> Vectors {
    Vectors::from_navec_tar("tiny.tar", &navec_tar_for_tests(&entries(), 4)).expect("reads")
}

#[test]
fn the_archive_reads_words_and_vectors() {
    let v = tiny();
    assert_eq!(v.dim(), 8);
    for (word, _, vector) in entries().iter().filter(|e| ["яма", "ухабы", "поликлиника", "прошу"].contains(&e.0)) {
        assert_eq!(v.vector(word).as_ref(), Some(vector), "{word}");
    }
    // ё is folded as the normaliser folds it; of «ёлка» and «елка» the more frequent wins.
    assert_eq!(v.vector("елка"), Some(entries()[10].2.clone()));
    assert_eq!(v.vector("ёлка"), None, "looked up by the folded form only");
    // What the tokeniser never yields is dropped.
    for word in ["a-gps", "covid19", "<unk>", "<pad>", "a"] {
        assert_eq!(v.vector(word), None, "{word}");
    }
    assert_eq!(v.len(), 11);
}

fn check_refused(bytes: &[u8], expected: &str) {
    match Vectors::from_navec_tar("/data/navec.tar", bytes) {
        Err(e @ ClassifyError::Vectors { .. }) => {
            let message = e.to_string();
            assert!(message.starts_with("/data/navec.tar: векторы слов не читаются"), "{message}");
            assert!(message.contains(expected), "{message}");
        }
        other => panic!("{expected}: {other:?}"),
    }
}

#[test]
fn damaged_archives_are_refused_in_russian_with_the_file_name() {
    let good = navec_tar_for_tests(&entries(), 4);
    check_refused(&[7u8; 2048], "это не архив tar");
    check_refused(b"label,block\n", "это не архив tar");
    check_refused(&good[..700], "обрывается");
    check_refused(&[0u8; 1024], "в архиве нет файла meta.json");
    // The archive of another layout: meta.json of another protocol.
    let mut other = good.clone();
    let at = other.windows(12).position(|w| w == b"\"protocol\": ").expect("meta") + 12;
    other[at] = b'2';
    check_refused(&other, "протокол 2 не поддерживается");
}

/// The training texts: what a region labelled, without the rare words.
fn history() -> (Vec<&'static str>, Vec<&'static str>) {
    let texts = vec![
        "прошу засыпать яму",
        "яма на дороге, асфальт разбит",
        "асфальт провалился",
        "яма у дома",
        "прошу вывезти мусор",
        "контейнер переполнен мусором",
        "мусор не вывозят",
        "контейнер сломан",
        "прошу записать к врачу",
        "в поликлинике нет врача",
        "поликлиника закрыта",
        "врач не принимает",
    ];
    let labels = [["roads"; 4], ["waste"; 4], ["health"; 4]].concat();
    (texts, labels)
}

fn trained(vectors: Option<&Vectors>, config: &TrainConfig) -> LinearModel {
    let (texts, labels) = history();
    LinearModel::train_with_vectors(&texts, &labels, &labels, config, None, vectors).expect("trains")
}

/// A word the training texts never had, whose only link to a block is its vector.
#[test]
fn the_vectors_carry_unseen_words_to_their_block() {
    let v = tiny();
    let with = trained(Some(&v), &TrainConfig::DEFAULT);
    for (text, block) in [("ухабы", "roads"), ("отбросы", "waste"), ("терапевт", "health")] {
        assert_eq!(with.predict(text).label, block, "{text}");
    }
    // Without vectors the same words have only their n-grams, which name no block.
    let without = trained(None, &TrainConfig::DEFAULT);
    for (text, block) in [("ухабы", 1), ("отбросы", 2), ("терапевт", 0)] {
        assert!(with.probabilities(text)[block] > without.probabilities(text)[block] + 0.05, "{text}");
    }
}

#[test]
fn the_model_keeps_the_most_frequent_words_and_its_training_words() {
    let v = tiny();
    let model = trained(Some(&v), &TrainConfig { vector_words: 2, ..TrainConfig::DEFAULT });
    let kept = model.vectors().expect("has vectors");
    // The two most frequent (прошу, врач) and every word of the training texts in the table.
    for word in ["прошу", "врач", "яма", "асфальт", "мусор", "контейнер", "поликлиника"] {
        assert!(kept.vector(word).is_some(), "{word}");
    }
    for word in ["ухабы", "отбросы", "терапевт", "елка"] {
        assert!(kept.vector(word).is_none(), "{word}");
    }
    assert_eq!(kept.len(), 7);
}

#[test]
fn a_model_with_vectors_round_trips_through_its_bytes() {
    let v = tiny();
    let model = trained(Some(&v), &TrainConfig::DEFAULT);
    let bytes = model.to_bytes();
    assert_eq!(&bytes[8..12], &3u32.to_le_bytes(), "version 3");
    let read = LinearModel::from_bytes(&bytes).expect("reads");
    assert_eq!(read.to_bytes(), bytes);
    assert_eq!(read.vectors(), model.vectors());
    for text in ["ухабы", "<p>яма&nbsp;и мусор</p>", "", "фельдшер врач 12"] {
        assert_eq!(read.predict(text), model.predict(text), "{text}");
    }
    // Cut anywhere, the bytes are refused.
    for cut in [13, bytes.len() / 2, bytes.len() - 1] {
        assert!(LinearModel::from_bytes(&bytes[..cut]).is_err(), "cut at {cut}");
    }
}

/// A model without vectors is written as version 2, and reads back.
#[test]
fn a_model_without_vectors_round_trips_too() {
    let model = trained(None, &TrainConfig::DEFAULT);
    assert_eq!(&model.to_bytes()[8..12], &2u32.to_le_bytes());
    let read = LinearModel::from_bytes(&model.to_bytes()).expect("reads");
    assert!(read.vectors().is_none());
    assert_eq!(read.to_bytes(), model.to_bytes());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever the text, a model with vectors gives a distribution, the same each time.
    #[test]
    fn probabilities_with_vectors_are_a_distribution(text in "\\PC{0,200}|(ухабы|яма|мусор|врач|ёлка|прошу| ){0,30}") {
        let v = tiny();
        let model = trained(Some(&v), &TrainConfig::DEFAULT);
        let p = model.predict(&text);
        let sum: f32 = p.probabilities.iter().sum();
        prop_assert!((sum - 1.0).abs() < 1e-4, "sum {}", sum);
        prop_assert!(p.probabilities.iter().all(|&x| x.is_finite() && (0.0..=1.0).contains(&x)));
        prop_assert_eq!(model.predict(&text), p);
    }
}
