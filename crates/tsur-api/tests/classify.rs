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
    let summary = api.classify_train(&file, "Текст", "Рубрика", Some(&map), chrono::Utc::now()).await.unwrap();
    assert_eq!(summary.texts, 18);
    assert_eq!(summary.classes, vec![("housing".into(), 6), ("roads".into(), 6), ("transport".into(), 6)]);
    let after = api.classify_predict(&input, "text", Some("id")).await.unwrap();
    assert!(after.iter().all(|r| r.model == "trained" && (0.0..=1.0).contains(&r.confidence)));
    let blocks: Vec<Option<&str>> = after.iter().map(|r| r.block.as_deref()).collect();
    assert_eq!(blocks, vec![Some("roads"), Some("housing"), Some("transport")]);

    let cv = api.classify_eval(&file, "Текст", "Рубрика", Some(&map), 3).unwrap();
    assert_eq!(cv.report.n, 18);
    assert!((0.0..=1.0).contains(&cv.report.macro_f1));

    // Labels that are not blocks, without a map, are refused with the line named.
    let err = api.classify_eval(&file, "Текст", "Рубрика", None, 3).unwrap_err();
    assert!(err.message.contains("строка 2") && err.message.contains("не блок"), "{}", err.message);
    let err = api.classify_predict(&input, "body", None).await.unwrap_err();
    assert!(err.message.starts_with("text_col:"), "{}", err.message);
}
