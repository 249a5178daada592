//! The trainable model and its evaluation: learning, determinism, serialisation,
//! stratified folds, metrics, label maps, models trained on labels that answer in classes.

use proptest::prelude::*;
use tsur_classify::{
    cross_validate, cross_validate_mapped, evaluate, label_folds, parse_labeled, stratified_folds, ClassifyError, LabelMap, Lexicon, LinearModel, TrainConfig,
};
use tsur_core::reference::Topic;

/// A small labelled history, written for this test: three blocks, varied wording.
fn history() -> (Vec<String>, Vec<&'static str>) {
    let roads = [
        "яма на дороге у дома",
        "огромные ямы на проезжей части",
        "разбитый асфальт на улице",
        "выбоины на дороге повредили колесо",
        "дорогу не ремонтировали десять лет",
        "асфальт провалился возле остановки",
        "ямы во дворе заливает водой",
        "ремонт дороги сделан плохо",
    ];
    let waste = [
        "мусор не вывозят неделю",
        "контейнеры переполнены мусором",
        "мусоровоз не приезжает",
        "свалка мусора за гаражами",
        "баки с мусором стоят полные",
        "вывоз мусора сорван",
        "мусорная площадка завалена",
        "мешки с мусором никто не забирает",
    ];
    let health = [
        "не могу записаться к врачу",
        "в поликлинике нет талонов",
        "скорая ехала два часа",
        "нет лекарств по рецепту",
        "врач не принимает больных",
        "очередь в поликлинике огромная",
        "терапевт в отпуске, приема нет",
        "больница без врачей",
    ];
    let mut texts = Vec::new();
    let mut labels = Vec::new();
    for (label, list) in [("roads", roads), ("waste", waste), ("health", health)] {
        for t in list {
            texts.push(format!("<p>Здравствуйте!&nbsp;{t}. Прошу принять меры.</p>"));
            labels.push(label);
        }
    }
    (texts, labels)
}

fn trained() -> LinearModel {
    let (texts, labels) = history();
    LinearModel::train(&texts, &labels, &TrainConfig::DEFAULT, None).expect("trains")
}

#[test]
fn learns_and_generalises_to_new_wording_and_typos() {
    let model = trained();
    assert_eq!(model.classes(), ["health", "roads", "waste"]);
    for (text, label) in [
        ("Во дворе глубокая яма, асфальта нет", "roads"),
        ("МУСОР НЕ ВЫВОЗЯТ!!! контейнеры полные", "waste"),
        ("талонов к врачу нет уже месяц", "health"),
        ("мусаровоз не приехал", "waste"),
    ] {
        let p = model.predict(text);
        assert_eq!(p.label, label, "{text}: {:?}", p.probabilities);
        assert!(p.confidence > 1.0 / 3.0);
        assert_eq!(p.confidence, p.probabilities[p.class]);
    }
}

#[test]
fn training_is_deterministic() {
    assert_eq!(trained().to_bytes(), trained().to_bytes());
}

#[test]
fn bytes_round_trip() {
    let model = trained();
    let bytes = model.to_bytes();
    let back = LinearModel::from_bytes(&bytes).expect("reads");
    assert_eq!(back.to_bytes(), bytes);
    assert_eq!(back.classes(), model.classes());
    for text in ["яма на дороге", "мусор", "врач", ""] {
        assert_eq!(back.predict(text), model.predict(text));
    }
}

#[test]
fn bytes_round_trip_with_lexicon() {
    let topics: Vec<Topic> = csv::Reader::from_reader(include_str!("../../../data/reference/catalog/topics.csv").as_bytes())
        .deserialize()
        .collect::<Result<_, _>>()
        .expect("topics");
    let lexicon = Lexicon::parse("lexicon.csv", include_str!("../../../data/reference/classify/lexicon.csv"), &topics).expect("lexicon");
    let (texts, labels) = history();
    let model = LinearModel::train(&texts, &labels, &TrainConfig::DEFAULT, Some(&lexicon)).expect("trains");
    assert!(model.has_lexicon());
    let back = LinearModel::from_bytes(&model.to_bytes()).expect("reads");
    assert!(back.has_lexicon());
    for text in ["яма на дороге", "мусоровоз", "нет талонов к терапевту"] {
        assert_eq!(back.predict(text), model.predict(text));
    }
}

#[test]
fn damaged_bytes_are_refused_in_russian() {
    let bytes = trained().to_bytes();
    let check = |b: &[u8], needle: &str| match LinearModel::from_bytes(b) {
        Err(e @ ClassifyError::Model(_)) => assert!(e.to_string().contains(needle), "{e}"),
        other => panic!("expected a model error, got {:?}", other.map(|m| m.classes().to_vec())),
    };
    check(b"not a model at all", "это не модель");
    check(&bytes[..bytes.len() - 1], "длина данных");
    check(&bytes[..10], "обрываются");
    let mut newer = bytes.clone();
    newer[8] = 4;
    check(&newer, "версия 4 не поддерживается");
    let mut nan = bytes.clone();
    let at = bytes.len() - 4;
    nan[at..].copy_from_slice(&f32::NAN.to_le_bytes());
    check(&nan, "нечисловой");
}

#[test]
fn training_refuses_bad_input() {
    let err = |r: Result<LinearModel, ClassifyError>| r.expect_err("an error").to_string();
    assert!(err(LinearModel::train(&["a"], &["x", "y"], &TrainConfig::DEFAULT, None)).contains("текстов 1, а меток 2"));
    assert!(err(LinearModel::train(&["a", "b"], &["x", "x"], &TrainConfig::DEFAULT, None)).contains("два разных класса"));
    let empty: [&str; 0] = [];
    assert!(err(LinearModel::train(&empty, &empty, &TrainConfig::DEFAULT, None)).contains("нет ни одного"));
}

#[test]
fn folds_are_stratified_deterministic_and_balanced() {
    let labels: Vec<usize> = (0..103)
        .map(|i| {
            if i < 60 {
                0
            } else if i < 95 {
                1
            } else {
                2
            }
        })
        .collect();
    let folds = stratified_folds(&labels, 5, 7);
    assert_eq!(folds, stratified_folds(&labels, 5, 7));
    assert_ne!(folds, stratified_folds(&labels, 5, 8), "another seed, another split");
    for class in 0..3 {
        let per_fold: Vec<usize> = (0..5).map(|f| (0..labels.len()).filter(|&i| labels[i] == class && folds[i] == f).count()).collect();
        let (min, max) = (per_fold.iter().min().unwrap(), per_fold.iter().max().unwrap());
        assert!(max - min <= 1, "class {class}: {per_fold:?}");
    }
    let sizes: Vec<usize> = (0..5).map(|f| folds.iter().filter(|&&x| x == f).count()).collect();
    assert!(sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1, "{sizes:?}");
}

#[test]
fn metrics_by_hand() {
    let classes = ["a".to_owned(), "b".to_owned(), "c".to_owned()];
    // truth a a a b b, predicted a a b b c; c never true.
    let r = evaluate(&classes, &[0, 0, 0, 1, 1], &[0, 0, 1, 1, 2]);
    assert_eq!(r.confusion, vec![vec![2, 1, 0], vec![0, 1, 1], vec![0, 0, 0]]);
    let a = &r.per_class[0];
    assert_eq!((a.precision, a.recall), (1.0, 2.0 / 3.0));
    assert!((a.f1 - 0.8).abs() < 1e-12);
    let b = &r.per_class[1];
    assert_eq!((b.precision, b.recall, b.f1), (0.5, 0.5, 0.5));
    // Macro-F1 over the classes with support (a, b): c is left out.
    assert!((r.macro_f1 - 0.65).abs() < 1e-12);
    assert!((r.accuracy - 0.6).abs() < 1e-12);
}

#[test]
fn cross_validation_predicts_every_text_once() {
    let (texts, labels) = history();
    let cv = cross_validate(&texts, &labels, 4, &TrainConfig::DEFAULT, None).expect("runs");
    assert_eq!(cv.report.n, texts.len());
    assert_eq!(cv.report.confusion.iter().flatten().sum::<u32>() as usize, texts.len());
    assert_eq!(cv.fold_macro_f1.len(), 4);
    assert!(cv.report.macro_f1 > 0.6, "{}", cv.report.macro_f1);
    assert_eq!(cv, cross_validate(&texts, &labels, 4, &TrainConfig::DEFAULT, None).expect("runs"), "deterministic");
}

#[test]
fn label_map_and_labelled_csv() {
    let map = LabelMap::parse("map.csv", "# comment\nlabel,block\n0,roads\n1,other\n12,\n", None).expect("parses");
    assert_eq!(map.block("0").map(|b| b.map(|b| b.as_str())), Some(Some("roads")));
    assert_eq!(map.block("12"), Some(None));
    assert_eq!(map.block("7"), None);
    let rows = parse_labeled("in.csv", "id,Текст,Категория\n1,\"<p>яма</p>\",0\n2,тест,12\n3,собаки,1\n", "Текст", "Категория").expect("parses");
    assert_eq!(rows.len(), 3);
    let data = map.apply("in.csv", &rows).expect("maps");
    assert_eq!(
        data.iter().map(|m| (m.text.as_str(), m.label.as_str(), m.block.as_str())).collect::<Vec<_>>(),
        [("<p>яма</p>", "0", "roads"), ("собаки", "1", "other")]
    );
    let unknown = parse_labeled("in.csv", "t,l\nx,5\n", "t", "l").expect("parses");
    assert_eq!(map.apply("in.csv", &unknown).unwrap_err().to_string(), "in.csv: строка 2: метки «5» нет в таблице соответствия");
    assert!(parse_labeled("in.csv", "t,l\n", "текст", "l").unwrap_err().to_string().contains("нет столбца «текст»"));
    let blocks = [tsur_core::BlockId::from("roads")];
    assert_eq!(
        LabelMap::parse("map.csv", "label,block\n0,roads\n1,dogs\n", Some(&blocks)).unwrap_err().to_string(),
        "map.csv: строка 3: неизвестный блок «dogs»"
    );
    assert!(LabelMap::parse("map.csv", "label,block\n0,roads\n0,roads\n", None)
        .unwrap_err()
        .to_string()
        .contains("строка 3: метка «0» встречается второй раз"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever the text: probabilities are finite, in [0, 1], sum to 1, and the same
    /// text always gets the same answer.
    #[test]
    fn probabilities_are_a_distribution_and_deterministic(text in "\\PC{0,200}") {
        let model = trained();
        let p = model.predict(&text);
        let sum: f32 = p.probabilities.iter().sum();
        prop_assert!((sum - 1.0).abs() < 1e-4, "sum {}", sum);
        prop_assert!(p.probabilities.iter().all(|&x| x.is_finite() && (0.0..=1.0).contains(&x)));
        prop_assert_eq!(model.predict(&text), p);
    }

    /// HTML wrapping and entity spaces do not change a prediction.
    #[test]
    fn html_wrapping_does_not_change_the_prediction(words in proptest::collection::vec("[а-я]{2,9}", 1..12)) {
        let model = trained();
        let plain = words.join(" ");
        let html = format!("<p><span style=\"color:red\">{}</span></p>", words.join("&nbsp;"));
        prop_assert_eq!(model.predict(&plain), model.predict(&html));
    }
}

/// The per-thread word cache remembers one model's rows per word: two models used in turn
/// on one thread must each give what they give on a fresh thread.
#[test]
fn models_used_in_turn_do_not_disturb_each_other() {
    let first = trained();
    let (texts, labels) = history();
    let reversed: Vec<&str> = labels.iter().rev().copied().collect();
    let second = LinearModel::train(&texts, &reversed, &TrainConfig::DEFAULT, None).expect("trains");
    let probe = ["яма на дороге", "мусор не вывозят", "врач", "мусоровоз и яма"];
    let fresh = |model: &LinearModel| {
        let bytes = model.to_bytes();
        std::thread::spawn(move || {
            let model = LinearModel::from_bytes(&bytes).expect("reads");
            probe.iter().map(|t| model.probabilities(t)).collect::<Vec<_>>()
        })
        .join()
        .expect("thread")
    };
    let (first_fresh, second_fresh) = (fresh(&first), fresh(&second));
    for _ in 0..2 {
        for (i, text) in probe.iter().enumerate() {
            assert_eq!(first.probabilities(text), first_fresh[i], "{text}");
            assert_eq!(second.probabilities(text), second_fresh[i], "{text}");
        }
    }
}

/// A model written by version 1 of the format (before labels and classes were told apart;
/// `tests/data/model_v1.bin`, trained on [`history`] by that version) still reads, and
/// answers exactly as the same model trained today.
#[test]
fn a_version_1_model_still_reads() {
    let old = LinearModel::from_bytes(include_bytes!("data/model_v1.bin")).expect("reads");
    let new = trained();
    assert_eq!(old.classes(), new.classes());
    assert_eq!(old.labels(), old.classes());
    for text in ["яма на дороге", "мусор не вывозят", "нет талонов к врачу", "", "мусаровоз и яма"] {
        assert_eq!(old.predict(text), new.predict(text), "{text}");
    }
    assert_eq!(old.to_bytes(), new.to_bytes(), "rewritten in today's version, it is today's model");
}

/// A model without vectors is written as version 2, which a tsur from before the vectors
/// reads; the same model in version 3 (the vectors' flag byte, off, after the lexicon's
/// flag) reads too and answers the same.
#[test]
fn a_model_without_vectors_is_version_2_and_reads_as_version_3_too() {
    let model = trained();
    let v2 = model.to_bytes();
    assert_eq!(&v2[8..12], &2u32.to_le_bytes());
    let mut at = 16;
    let step_over_str = |at: &mut usize| *at += 4 + u32::from_le_bytes(v2[*at..*at + 4].try_into().unwrap()) as usize;
    let classes = u32::from_le_bytes(v2[at..at + 4].try_into().unwrap());
    at += 4;
    for _ in 0..classes {
        step_over_str(&mut at);
    }
    let labels = u32::from_le_bytes(v2[at..at + 4].try_into().unwrap());
    at += 4;
    for _ in 0..labels {
        step_over_str(&mut at);
        at += 4;
    }
    assert_eq!(v2[at], 0, "no lexicon");
    let mut v3 = v2.clone();
    v3[8..12].copy_from_slice(&3u32.to_le_bytes());
    v3.insert(at + 1, 0);
    let read = LinearModel::from_bytes(&v3).expect("reads");
    assert_eq!(read.to_bytes(), v2);
    for text in ["яма на дороге", "мусор не вывозят", ""] {
        assert_eq!(read.predict(text), model.predict(text), "{text}");
    }
}

/// [`history`] with the source's finer labels: roads split in two (potholes; surface and
/// repairs), each label mapped to its block.
fn mapped_history() -> (Vec<String>, Vec<&'static str>, Vec<&'static str>) {
    let (texts, blocks) = history();
    let labels = blocks
        .iter()
        .enumerate()
        .map(|(i, &b)| match b {
            "roads" if [0, 1, 3, 6].contains(&i) => "ямы",
            "roads" => "ремонт дорог",
            "waste" => "отходы",
            _ => "здравоохранение",
        })
        .collect();
    (texts, labels, blocks)
}

fn trained_mapped() -> LinearModel {
    let (texts, labels, blocks) = mapped_history();
    LinearModel::train_mapped(&texts, &labels, &blocks, &TrainConfig::DEFAULT, None).expect("trains")
}

#[test]
fn a_model_trained_on_labels_answers_in_classes() {
    let model = trained_mapped();
    assert_eq!(model.classes(), ["health", "roads", "waste"]);
    assert_eq!(model.labels(), ["здравоохранение", "ремонт дорог", "ямы", "отходы"], "sorted by (class, label)");
    assert_eq!(model.class_of_label().collect::<Vec<_>>(), [0, 1, 1, 2]);
    for (text, block) in
        [("Во дворе глубокая яма, асфальта нет", "roads"), ("МУСОР НЕ ВЫВОЗЯТ!!! контейнеры полные", "waste"), ("талонов к врачу нет уже месяц", "health")]
    {
        let p = model.predict(text);
        assert_eq!(p.label, block, "{text}: {:?}", p.probabilities);
        assert_eq!(p.confidence, p.probabilities[p.class]);
        let fine = model.label_probabilities(text);
        assert!((p.probabilities[1] - (fine[1] + fine[2])).abs() < 1e-6, "roads is the sum of its labels");
    }
    let bytes = model.to_bytes();
    let back = LinearModel::from_bytes(&bytes).expect("reads");
    assert_eq!(back.to_bytes(), bytes);
    assert_eq!((back.classes(), back.labels()), (model.classes(), model.labels()));
    for text in ["яма на дороге", "мусор", "врач", ""] {
        assert_eq!(back.predict(text), model.predict(text));
        assert_eq!(back.label_probabilities(text), model.label_probabilities(text));
    }
    assert_eq!(model.to_bytes(), trained_mapped().to_bytes(), "deterministic");
}

#[test]
fn a_label_has_one_class() {
    let err = LinearModel::train_mapped(&["a", "b", "c"], &["x", "x", "y"], &["roads", "waste", "waste"], &TrainConfig::DEFAULT, None).unwrap_err();
    assert_eq!(err.to_string(), "обучение классификатора невозможно: метка «x» отнесена к двум классам: «roads» и «waste»");
    let err = LinearModel::train_mapped(&["a", "b"], &["x", "y"], &["roads"], &TrainConfig::DEFAULT, None).unwrap_err();
    assert!(err.to_string().contains("текстов 2, а классов 1"), "{err}");
    let err = LinearModel::train_mapped(&["a", "b"], &["x", "y"], &["roads", "roads"], &TrainConfig::DEFAULT, None).unwrap_err();
    assert!(err.to_string().contains("два разных класса"), "two labels of one class are one class: {err}");
}

/// The labels section of a version-2 model must fit its classes.
#[test]
fn labels_that_do_not_fit_the_classes_are_refused() {
    let bytes = trained_mapped().to_bytes();
    // Header: magic 8, version 4, features 4, classes count 4 and three classes, labels count 4,
    // then the first label (length, UTF-8) and its class index.
    let classes_end = 20 + ["health", "roads", "waste"].iter().map(|c| 4 + c.len()).sum::<usize>();
    let first_class_at = classes_end + 4 + 4 + "здравоохранение".len();
    assert_eq!(&bytes[first_class_at..first_class_at + 4], &0u32.to_le_bytes());
    let mut damaged = bytes.clone();
    damaged[first_class_at] = 2;
    match LinearModel::from_bytes(&damaged) {
        Err(e) => assert!(e.to_string().contains("метки не соответствуют классам"), "{e}"),
        Ok(_) => panic!("a label of the wrong class was read"),
    }
}

#[test]
fn cross_validation_on_labels_reports_classes() {
    let (texts, labels, blocks) = mapped_history();
    let cv = cross_validate_mapped(&texts, &labels, &blocks, 4, &TrainConfig::DEFAULT, None).expect("runs");
    assert_eq!(cv.report.classes, ["health", "roads", "waste"]);
    assert_eq!(cv.report.confusion.iter().flatten().sum::<u32>() as usize, texts.len());
    assert!(cv.report.macro_f1 > 0.6, "{}", cv.report.macro_f1);
    // Each label its own class: the plain cross-validation, fold for fold.
    assert_eq!(
        cross_validate_mapped(&texts, &blocks, &blocks, 4, &TrainConfig::DEFAULT, None).unwrap(),
        cross_validate(&texts, &blocks, 4, &TrainConfig::DEFAULT, None).unwrap()
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// A model trained on labels: its class probabilities form a distribution, each the sum
    /// of its labels' probabilities, whatever the text.
    #[test]
    fn class_probabilities_are_sums_of_label_probabilities(text in "\\PC{0,200}") {
        let model = trained_mapped();
        let p = model.probabilities(&text);
        let fine = model.label_probabilities(&text);
        prop_assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-4);
        prop_assert!((fine.iter().sum::<f32>() - 1.0).abs() < 1e-4);
        let mut summed = vec![0f32; p.len()];
        for (v, k) in fine.iter().zip(model.class_of_label()) {
            summed[k] += v;
        }
        for (a, b) in p.iter().zip(&summed) {
            prop_assert!((a - b).abs() < 1e-6 && a.is_finite());
        }
    }

    /// Folds on labels spread every label and every class over the folds within ±1, and
    /// fold sizes differ by at most 1.
    #[test]
    fn label_folds_spread_labels_and_classes(assignment in proptest::collection::vec((0usize..3, 0usize..4), 10..120), folds in 2usize..6, seed: u64) {
        let labels: Vec<String> = assignment.iter().map(|(c, l)| format!("{c}.{l}")).collect();
        let classes: Vec<String> = assignment.iter().map(|(c, _)| c.to_string()).collect();
        let fold_of = label_folds(&labels, &classes, folds, seed).unwrap();
        let spread = |key: &[String]| {
            let mut distinct = key.to_vec();
            distinct.sort();
            distinct.dedup();
            distinct.iter().all(|k| {
                let per: Vec<usize> = (0..folds).map(|f| (0..key.len()).filter(|&i| &key[i] == k && fold_of[i] == f).count()).collect();
                per.iter().max().unwrap() - per.iter().min().unwrap() <= 1
            })
        };
        prop_assert!(spread(&labels));
        prop_assert!(spread(&classes));
        let sizes: Vec<usize> = (0..folds).map(|f| fold_of.iter().filter(|&&x| x == f).count()).collect();
        prop_assert!(sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1);
    }
}
