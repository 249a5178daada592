//! Classification through the API: the lexicon from the first day, a model trained on a
//! labelled history (our own sentences here), saved in the store and used to predict.

use tsur_api::Api;

const LABELLED: &[(&str, &str)] = &[
    ("Яма на дороге возле остановки", "дороги"),
    ("Разбитый асфальт на проезжей части", "дороги"),
    ("Глубокие ямы во дворе, машины бьют колёса", "дороги"),
    ("Дорогу не ремонтировали десять лет, сплошные выбоины", "дороги"),
    ("После зимы асфальт разрушен, ямы по всей улице", "дороги"),
    ("Просим отремонтировать дорогу на улице Садовой", "дороги"),
    ("Нет холодной воды второй день", "жкх"),
    ("Из крана течёт ржавая вода", "жкх"),
    ("В квартире холодные батареи, отопление не работает", "жкх"),
    ("Управляющая компания не убирает подъезд", "жкх"),
    ("Протекает крыша дома после дождя", "жкх"),
    ("Опять отключили воду без предупреждения", "жкх"),
    ("Автобус не пришёл по расписанию", "транспорт"),
    ("Маршрутку отменили, не на чем доехать до работы", "транспорт"),
    ("Водитель автобуса грубит пассажирам", "транспорт"),
    ("Большие интервалы движения автобусов вечером", "транспорт"),
    ("Переполненный автобус утром, невозможно сесть", "транспорт"),
    ("Нет остановочного павильона, стоим под дождём", "транспорт"),
];

fn write_labelled(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let mut csv = String::from("Текст;Рубрика\n");
    for (t, l) in LABELLED {
        csv.push_str(&format!("{t};{l}\n"));
    }
    // The labelled file as Russian Excel saves it: Windows-1251, semicolons.
    let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(&csv);
    let file = dir.join("history.csv");
    std::fs::write(&file, bytes).unwrap();
    let map = dir.join("map.csv");
    std::fs::write(&map, "label,block\nдороги,roads\nжкх,housing\nтранспорт,transport\n").unwrap();
    (file, map)
}

#[tokio::test]
async fn train_on_a_labelled_history_then_predict() {
    let dir = tempfile::tempdir().unwrap();
    let api = Api::open(&dir.path().join("tsur.db")).await.unwrap();
    let input = dir.path().join("in.csv");
    std::fs::write(&input, "id,text\na,\"Яма на дороге у школы, асфальт разбит\"\nb,Третий день нет воды в доме\nc,Автобус не ходит по расписанию\n").unwrap();

    // Before any training: the lexicon.
    let before = api.classify_predict(&input, "text", Some("id")).await.unwrap();
    assert!(before.iter().all(|r| r.model == "lexicon"));
    let blocks: Vec<Option<&str>> = before.iter().map(|r| r.block.as_deref()).collect();
    assert_eq!(blocks, vec![Some("roads"), Some("housing"), Some("transport")]);

    let (file, map) = write_labelled(dir.path());
    let summary = api.classify_train(&file, "Текст", "Рубрика", Some(&map), false, None, chrono::Utc::now()).await.unwrap();
    assert_eq!(summary.texts, 18);
    assert_eq!(summary.classes, vec![("housing".into(), 6), ("roads".into(), 6), ("transport".into(), 6)]);
    let after = api.classify_predict(&input, "text", Some("id")).await.unwrap();
    assert!(after.iter().all(|r| r.model == "trained" && (0.0..=1.0).contains(&r.confidence)));
    let blocks: Vec<Option<&str>> = after.iter().map(|r| r.block.as_deref()).collect();
    assert_eq!(blocks, vec![Some("roads"), Some("housing"), Some("transport")]);

    let cv = api.classify_eval(&file, "Текст", "Рубрика", Some(&map), false, 3, None).unwrap();
    assert_eq!(cv.report.n, 18);
    assert!((0.0..=1.0).contains(&cv.report.macro_f1));

    // Trained on the source's labels, the model keeps them and still answers in blocks.
    let summary = api.classify_train(&file, "Текст", "Рубрика", Some(&map), true, None, chrono::Utc::now()).await.unwrap();
    assert_eq!(summary.classes, vec![("housing".into(), 6), ("roads".into(), 6), ("transport".into(), 6)]);
    assert_eq!(summary.labels, vec![("жкх".into(), 6), ("дороги".into(), 6), ("транспорт".into(), 6)], "sorted by block");
    let kept = api.classify_predict(&input, "text", Some("id")).await.unwrap();
    assert_eq!(kept.iter().map(|r| r.block.as_deref()).collect::<Vec<_>>(), vec![Some("roads"), Some("housing"), Some("transport")]);
    let cv = api.classify_eval(&file, "Текст", "Рубрика", Some(&map), true, 3, None).unwrap();
    assert_eq!(cv.report.classes, ["housing", "roads", "transport"]);

    // Labels that are not blocks, without a map, are refused with the line named.
    let err = api.classify_eval(&file, "Текст", "Рубрика", None, false, 3, None).unwrap_err();
    assert!(err.message.contains("строка 2") && err.message.contains("не блок"), "{}", err.message);
    let err = api.classify_predict(&input, "body", None).await.unwrap_err();
    assert!(err.message.starts_with("text_col:"), "{}", err.message);
}

/// With word vectors (a tiny archive in navec's layout, written here): the model is trained,
/// kept in the store with its table and used; an unreadable archive is refused in Russian
/// with its file name.
#[tokio::test]
async fn train_and_eval_with_word_vectors() {
    let dir = tempfile::tempdir().unwrap();
    let api = Api::open(&dir.path().join("tsur.db")).await.unwrap();
    let (file, map) = write_labelled(dir.path());
    let axis = |a: usize| -> Vec<f32> { (0..6).map(|d| if d / 2 == a { 1.0 } else { 0.0 }).collect() };
    let entries = [("яма", 90, axis(0)), ("асфальт", 80, axis(0)), ("вода", 70, axis(1)), ("отопление", 60, axis(1)), ("автобус", 50, axis(2))];
    let vectors = dir.path().join("navec.tar");
    std::fs::write(&vectors, tsur_classify::vectors::navec_tar_for_tests(&entries, 3)).unwrap();

    let summary = api.classify_train(&file, "Текст", "Рубрика", Some(&map), false, Some(&vectors), chrono::Utc::now()).await.unwrap();
    assert_eq!(summary.texts, 18);
    let input = dir.path().join("in.csv");
    std::fs::write(&input, "id,text\na,Яма и асфальт\nb,Нет воды\nc,Автобус\n").unwrap();
    let rows = api.classify_predict(&input, "text", Some("id")).await.unwrap();
    assert!(rows.iter().all(|r| r.model == "trained"));
    assert_eq!(rows.iter().map(|r| r.block.as_deref()).collect::<Vec<_>>(), vec![Some("roads"), Some("housing"), Some("transport")]);
    let cv = api.classify_eval(&file, "Текст", "Рубрика", Some(&map), false, 3, Some(&vectors)).unwrap();
    assert_eq!(cv.report.n, 18);

    let missing = dir.path().join("нет.tar");
    let err = api.classify_eval(&file, "Текст", "Рубрика", Some(&map), false, 3, Some(&missing)).unwrap_err();
    assert!(err.message.contains("нет.tar: файл векторов слов не читается"), "{}", err.message);
    let err = api.classify_train(&file, "Текст", "Рубрика", Some(&map), false, Some(&map), chrono::Utc::now()).await.unwrap_err();
    assert!(err.message.contains("map.csv: векторы слов не читаются: это не архив tar"), "{}", err.message);
}

#[tokio::test]
async fn imports_are_classified_and_doubtful_ones_wait_for_a_person() {
    let dir = tempfile::tempdir().unwrap();
    let api = Api::open(&dir.path().join("tsur.db")).await.unwrap();
    let file = dir.path().join("in.csv");
    std::fs::write(
        &file,
        "id,received_at,text,address\n\
         1,2026-05-04 09:00,\"Яма на дороге у школы, асфальт разбит\",г. Астрахань\n\
         2,2026-05-04 09:30,Третий день нет холодной воды в доме,г. Камызяк\n\
         3,2026-05-04 10:00,Прошу разобраться и принять меры,г. Ахтубинск\n",
    )
    .unwrap();
    let req = tsur_api::ImportRequest { path: file, format: None, channel: None, mapping: None };
    let s = api.import(&req, chrono::Utc::now(), |_, _| {}).await.unwrap();
    assert_eq!(s.accepted, 3);
    let scope = tsur_api::Scope::local_curator();
    let stats = api.stats(None, &scope).await.unwrap();
    let unclassified = stats.by_block.iter().find(|b| b.key == "unclassified").map_or(0, |b| b.count);
    assert_eq!(unclassified, 1, "the vague one has no topic");
    let queue = api.review_list(10, &scope).await.unwrap();
    let vague = queue.iter().find(|q| q.external_id == "3").expect("the vague appeal waits for a person");
    assert_eq!(vague.topic, None);

    // A person decides; the appeal leaves the queue and counts as a person's decision.
    api.review_set(&vague.appeal_id, "other_mfc", "оператор Иванова", &scope, chrono::Utc::now()).await.unwrap();
    assert!(api.review_list(10, &scope).await.unwrap().iter().all(|q| q.external_id != "3"));
    let err = api.classify_train_from_store(chrono::Utc::now()).await.unwrap_err();
    assert!(err.message.contains("хотя бы двух блоков"), "{}", err.message);
    let roads = api.store().deadline_rows(chrono::Utc::now()).await.unwrap().into_iter().find(|r| r.external_id == "1").unwrap();
    assert_eq!(roads.topic_id.as_deref(), Some("road_potholes"));
    api.review_set(&roads.appeal_id.to_string(), "road_potholes", "оператор Иванова", &scope, chrono::Utc::now()).await.unwrap();
    let trained = api.classify_train_from_store(chrono::Utc::now()).await.unwrap();
    assert_eq!(trained.texts, 2);
    // Bad input names the field.
    assert!(api.review_set("нет", "other_mfc", "x", &scope, chrono::Utc::now()).await.unwrap_err().message.starts_with("appeal:"));
    assert!(api.review_set(&roads.appeal_id.to_string(), "ufo", "x", &scope, chrono::Utc::now()).await.unwrap_err().message.starts_with("topic:"));
}
