//! Importing channel exports into a real store: every format, broken and truncated files,
//! quarantine and retry, idempotence.

use std::path::{Path, PathBuf};
use tsur_api::{Api, DeadlineQuery, ImportRequest, ImportSummary, Scope};

fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339("2026-11-29T12:00:00+04:00").unwrap().with_timezone(&chrono::Utc)
}

async fn import(api: &Api, path: &Path, format: Option<&str>, channel: Option<&str>, mapping: Option<&str>) -> ImportSummary {
    let req = ImportRequest { path: path.to_owned(), format: format.map(Into::into), channel: channel.map(Into::into), mapping: mapping.map(Into::into) };
    let s = api.import(&req, now(), |_, _| {}).await.unwrap();
    assert_eq!(s.rows_read, s.accepted + s.updated + s.duplicate + s.quarantined, "the counts add up: {s:?}");
    s
}

fn counts(s: &ImportSummary) -> (u64, u64, u64, u64, u64) {
    (s.rows_read, s.accepted, s.updated, s.duplicate, s.quarantined)
}

/// A ПОС-like export as Russian Excel saves it: Windows-1251, semicolons, CRLF, a quoted
/// field with a semicolon, and broken rows.
const CP1251_ROWS: &[&str] = &[
    "Номер;Дата поступления;Текст обращения;Адрес;Статус;Дата изменения;ФИО;Телефон",
    "1001;02.03.2026 10:15;Яма на дороге, невозможно проехать;Астраханская обл., Камызякский р-н, г. Камызяк, ул. Ленина, 5;В работе;03.03.2026 09:00;Иванов И. И.;+79990000000",
    "1002;02.03.2026 11:00;Нет воды третий день;г. Астрахань, ул. Савушкина 1;Дан ответ;05.03.2026 12:00;;",
    "1003;когда-то;Мусор не вывозят;г. Астрахань, ул. Ленина;Новое;;;",
    "1004;03.03.2026 08:00;\"Темно на улице; фонари не горят\";в Нариманове;Закрыто;10.03.2026 12:00;;",
    "1005;03.03.2026 09:00;Текст без адреса;;Новое;;;",
    "1006;03.03.2026 09:30;Стая собак у школы;г. Ахтубинск;Передано в прокуратуру;;;",
];

fn write_cp1251(path: &Path, rows: &[&str], truncated_tail: Option<&str>) {
    let mut text = rows.join("\r\n") + "\r\n";
    if let Some(tail) = truncated_tail {
        text.push_str(tail);
    }
    let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(&text);
    std::fs::write(path, bytes).unwrap();
}

async fn open() -> (tempfile::TempDir, Api) {
    let dir = tempfile::tempdir().unwrap();
    let api = Api::open(&dir.path().join("tsur.db")).await.unwrap();
    (dir, api)
}

#[tokio::test]
async fn windows_1251_semicolons_quarantine_and_retry() {
    let (dir, api) = open().await;
    let file = dir.path().join("pos.csv");
    // The file ends in the middle of a row, as a copy cut short does.
    write_cp1251(&file, CP1251_ROWS, Some("1007;03.03.2026"));
    let s = import(&api, &file, None, None, None).await;
    assert_eq!(s.encoding, "windows-1251");
    // Read 7: 3 appeals; quarantined: the date «когда-то», no address, an unknown status, the cut row.
    assert_eq!(counts(&s), (7, 3, 0, 0, 4), "{s:?}");
    let q = api.quarantine_list(100).await.unwrap();
    let reasons: Vec<(u64, &str, bool)> = q.iter().map(|q| (q.line, q.column.as_str(), q.retryable)).collect();
    assert_eq!(reasons, vec![(4, "received_at", true), (6, "address", true), (7, "status", true), (8, "", false)]);
    assert!(q[2].reason.contains("неизвестный статус «Передано в прокуратуру»"), "{}", q[2].reason);

    // The quoted semicolon stayed inside the text; the point-less address found Нариманов.
    let stored = api.store().deadline_rows(now()).await.unwrap();
    assert!(stored.iter().any(|r| r.external_id == "1004" && &*r.municipality_id == "narimanovsky" && r.status == tsur_core::Status::Closed));
    let author = stored.iter().find(|r| r.external_id == "1001").unwrap();
    assert_eq!(&*author.municipality_id, "kamyzyaksky");
    let person = api.store().author(author.appeal_id, &Scope::local_curator()).await.unwrap();
    assert!(person.is_some_and(|p| p.full_name == "Иванов И. И."), "the author is kept apart");

    // The operator adds the status to a mapping of their own and retries: that row imports.
    let mapping = dir.path().join("my.toml");
    let preset = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/import/generic.toml")).unwrap();
    std::fs::write(&mapping, preset.replace("[statuses]", "[statuses]\n\"передано в прокуратуру\" = \"assigned\"")).unwrap();
    let retry = api.quarantine_retry(Some(mapping.to_str().unwrap()), now()).await.unwrap();
    assert_eq!(counts(&retry), (3, 1, 0, 0, 2), "{retry:?}");
    let left: Vec<u64> = api.quarantine_list(100).await.unwrap().iter().map(|q| q.line).collect();
    assert_eq!(left, vec![4, 6, 8]);
}

#[tokio::test]
async fn importing_twice_adds_nothing_and_a_later_export_adds_events() {
    let (dir, api) = open().await;
    let file = dir.path().join("a.csv");
    write_cp1251(&file, CP1251_ROWS, None);
    let first = import(&api, &file, None, None, None).await;
    let events = api.store().event_count().await.unwrap();
    let again = import(&api, &file, None, None, None).await;
    assert_eq!(counts(&again), (6, 0, 0, 3, 3), "{again:?}");
    assert_eq!(api.store().event_count().await.unwrap(), events, "no event twice");
    assert_eq!(api.store().appeal_count().await.unwrap(), first.accepted as i64);
    assert_eq!(api.quarantine_list(100).await.unwrap().len(), 3, "a row waits in quarantine once");

    // A later export: 1001 answered, 1002 closed, 1004 unchanged.
    let later = [
        CP1251_ROWS[0],
        "1001;02.03.2026 10:15;Яма на дороге, невозможно проехать;г. Камызяк;Дан ответ;12.03.2026 15:00;;",
        "1002;02.03.2026 11:00;Нет воды третий день;г. Астрахань;Закрыто;13.03.2026 10:00;;",
        "1004;03.03.2026 08:00;Темно;в Нариманове;Закрыто;10.03.2026 12:00;;",
    ];
    write_cp1251(&file, &later, None);
    let update = import(&api, &file, None, None, None).await;
    assert_eq!(counts(&update), (3, 0, 2, 1, 0), "{update:?}");
    assert_eq!(api.store().appeal_count().await.unwrap(), first.accepted as i64, "statuses become events, not appeals");
    let rows = api.store().deadline_rows(now()).await.unwrap();
    let status = |id: &str| rows.iter().find(|r| r.external_id == id).unwrap().status;
    assert_eq!((status("1001"), status("1002")), (tsur_core::Status::Answered, tsur_core::Status::Closed));
}

#[tokio::test]
async fn utf8_with_bom_and_commas() {
    let (dir, api) = open().await;
    let file = dir.path().join("hotline.csv");
    let text = "\u{feff}id,received_at,text,address,lat,lon,status\n\
                h-1,2026-05-04T09:00:00+04:00,\"Порыв водопровода, течёт по улице\",,46.3497,48.0408,new\n\
                h-2,2026-05-04 10:30,Не вывозят мусор,\"Ахтубинск, ул. Крупской\",,,closed\n\
                h-3,2026-05-04 11:00,Точка в море,,40.0,40.0,new\n";
    std::fs::write(&file, text).unwrap();
    let s = import(&api, &file, None, Some("regional"), None).await;
    assert_eq!(s.encoding, "UTF-8");
    assert_eq!(counts(&s), (3, 2, 0, 0, 1), "{s:?}");
    let rows = api.store().deadline_rows(now()).await.unwrap();
    assert_eq!(&*rows.iter().find(|r| r.external_id == "h-1").unwrap().municipality_id, "astrakhan", "located by its point");
    let q = api.quarantine_list(10).await.unwrap();
    assert!(q[0].reason.contains("точка вне области"), "{}", q[0].reason);
}

#[tokio::test]
async fn xlsx_with_a_merged_two_row_header() {
    use rust_xlsxwriter::{Format, Workbook};
    let (dir, api) = open().await;
    let file = dir.path().join("im.xlsx");
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let f = Format::new();
    // Row 1: «ID инцидента» and «Дата публикации» span two rows; «Сообщение» spans two columns.
    sheet.merge_range(0, 0, 1, 0, "ID инцидента", &f).unwrap();
    sheet.merge_range(0, 1, 1, 1, "Дата публикации", &f).unwrap();
    sheet.merge_range(0, 2, 0, 3, "Сообщение", &f).unwrap();
    sheet.write_string(1, 2, "Текст").unwrap();
    sheet.write_string(1, 3, "Адрес").unwrap();
    sheet.merge_range(0, 4, 1, 4, "Статус", &f).unwrap();
    let rows = [
        ["im-1", "2026-06-01 12:00", "Нет света с утра", "Енотаевка, ул. Чернышевского", "Новый"],
        ["im-2", "2026-06-02 08:00", "Не убран мусор во дворе", "г. Астрахань", "Дан ответ"],
    ];
    for (i, r) in rows.iter().enumerate() {
        for (j, v) in r.iter().enumerate() {
            sheet.write_string(i as u32 + 2, j as u16, *v).unwrap();
        }
    }
    book.save(&file).unwrap();
    let mapping = dir.path().join("im.toml");
    let preset = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/import/im.toml")).unwrap();
    std::fs::write(&mapping, preset.replace("text = [", "text = [\"сообщение / текст\", ").replace("address = [", "address = [\"сообщение / адрес\", "))
        .unwrap();
    let s = import(&api, &file, None, None, Some(mapping.to_str().unwrap())).await;
    assert_eq!(counts(&s), (2, 2, 0, 0, 0), "{s:?}");
    let rows = api.store().deadline_rows(now()).await.unwrap();
    assert_eq!(&*rows.iter().find(|r| r.external_id == "im-1").unwrap().municipality_id, "enotaevsky");
    assert_eq!(&*rows.iter().find(|r| r.external_id == "im-2").unwrap().channel, "im");
}

#[tokio::test]
async fn json_lines_with_a_broken_line() {
    let (dir, api) = open().await;
    let file = dir.path().join("feed.jsonl");
    let text = r#"{"id": "j-1", "received_at": "2026-07-01T10:00:00+04:00", "text": "Яма у остановки", "address": "г. Астрахань"}
{"id": "j-2", "received_at": "2026-07-01T11:00:00+04:00", "text": "Нет воды", "address": "г. Знаменск", "author": {"name": "Петров"}}
{"id": "j-3", "received_at": "2026-07-01T12:00
[1, 2, 3]
"#;
    std::fs::write(&file, text).unwrap();
    let s = import(&api, &file, None, None, None).await;
    assert_eq!(counts(&s), (4, 2, 0, 0, 2), "{s:?}");
    let q = api.quarantine_list(10).await.unwrap();
    assert!(q[0].reason.starts_with("не JSON") && q[1].reason == "ожидался объект JSON", "{q:?}");
}

fn open311(path: &PathBuf, truncated: bool) {
    let mut text = String::from(
        r#"[
 {"service_request_id": "638344", "status": "closed", "status_notes": "Яма заделана", "service_name": "Ямы", "service_code": "001",
  "description": "Глубокая яма на проезжей части", "agency_responsible": "Администрация г. Астрахани",
  "requested_datetime": "2026-04-14T06:37:38+04:00", "updated_datetime": "2026-04-20T10:00:00+04:00",
  "address": "ул. Боевая, 30", "lat": 46.3317, "long": 48.0254},
 {"service_request_id": "638349", "status": "open", "service_name": "Освещение", "service_code": "002",
  "description": "Не горят фонари во дворе", "requested_datetime": "2026-04-15T21:10:00+04:00",
  "address": "г. Харабали", "lat": null, "long": null}"#,
    );
    if !truncated {
        text.push_str("\n]\n");
    } else {
        text.push_str(",\n {\"service_request_id\": \"63835");
    }
    std::fs::write(path, text).unwrap();
}

#[tokio::test]
async fn open311_requests_and_a_truncated_file() {
    let (dir, api) = open().await;
    let file = dir.path().join("requests.json");
    open311(&file, false);
    let s = import(&api, &file, None, None, None).await;
    assert_eq!(counts(&s), (2, 2, 0, 0, 0), "{s:?}");
    let rows = api.store().deadline_rows(now()).await.unwrap();
    let closed = rows.iter().find(|r| r.external_id == "638344").unwrap();
    assert_eq!((closed.status, closed.agency_id.as_deref()), (tsur_core::Status::Closed, Some("omsu-astrakhan")));
    assert_eq!(&*rows.iter().find(|r| r.external_id == "638349").unwrap().municipality_id, "kharabalinsky");

    let cut = dir.path().join("cut.json");
    open311(&cut, true);
    let s = import(&api, &cut, Some("open311"), None, None).await;
    assert_eq!(counts(&s), (3, 0, 0, 2, 1), "{s:?}");
    let q = api.quarantine_list(10).await.unwrap();
    assert!(q[0].reason.contains("обрезан"), "{q:?}");
}

#[tokio::test]
async fn a_file_without_the_required_columns_is_refused_whole() {
    let (dir, api) = open().await;
    let file = dir.path().join("x.csv");
    std::fs::write(&file, "a;b;c\n1;2;3\n").unwrap();
    let req = ImportRequest { path: file, format: None, channel: None, mapping: None };
    let err = api.import(&req, now(), |_, _| {}).await.unwrap_err();
    assert!(err.message.contains("нет колонок для external_id, received_at, text"), "{}", err.message);
    assert_eq!(api.store().appeal_count().await.unwrap(), 0);
    let req = ImportRequest { path: dir.path().join("x.csv"), format: Some("pdf".into()), channel: None, mapping: None };
    assert!(api.import(&req, now(), |_, _| {}).await.unwrap_err().message.starts_with("format:"));
    let req = ImportRequest { path: dir.path().join("x.csv"), format: None, channel: Some("fax".into()), mapping: None };
    assert!(api.import(&req, now(), |_, _| {}).await.unwrap_err().message.starts_with("channel:"));
}

#[tokio::test]
async fn the_radar_flags_returns_and_escalation_without_naming_the_author() {
    let (dir, api) = open().await;
    let file = dir.path().join("r.csv");
    let text = "id;received_at;text;address;author;phone\n\
                1;01.03.2026 10:00;Яма на дороге у дома;г. Астрахань, ул. Ленина, 5;Иванов Иван Иванович;+7 (999) 123-45-67\n\
                2;20.03.2026 10:00;Яма на дороге так и не заделана, сколько можно;г. Астрахань, ул. Ленина, 5;Иванов И.;8 999 123 45 67\n\
                3;25.03.2026 10:00;Яма на дороге, обращусь в прокуратуру;г. Астрахань, ул. Ленина, 5;Иванов;\n\
                4;25.03.2026 11:00;Не работает фонарь;г. Камызяк;Петров Пётр Петрович;+79990000001\n";
    std::fs::write(&file, text).unwrap();
    let s = import(&api, &file, None, None, None).await;
    assert_eq!(s.accepted, 4);
    let flags = api.radar(Some("2026-01-01"), 10, &Scope::local_curator(), now()).await.unwrap();
    let of = |id: &str| flags.iter().find(|f| f.external_id == id).map(|f| f.reasons.join("; ")).unwrap_or_default();
    assert_eq!(of("1"), "");
    assert!(of("2").contains("тот же заявитель обращается по этой теме 2-й раз") && of("2").contains("повторная жалоба"), "{}", of("2"));
    assert!(of("3").contains("по этому адресу и этой теме уже 2 обращения") && of("3").contains("прокуратура"), "{}", of("3"));
    assert_eq!(of("4"), "");
    let json = serde_json::to_string(&flags).unwrap();
    assert!(!json.contains("Иванов") && !json.contains("999"), "no personal data in the radar: {json}");
    assert!(api.radar(Some("вчера"), 10, &Scope::local_curator(), now()).await.unwrap_err().message.starts_with("since:"));
}

/// The answer's due instant the engine gives for an appeal registered when received, under
/// its regime and, if named, a fast-track.
fn answer_due(api: &Api, row: &tsur_store_sqlite::DeadlineRow, fast_track: Option<&str>) -> chrono::DateTime<chrono::Utc> {
    let q = DeadlineQuery {
        registered: Some(row.registered_at.to_rfc3339()),
        fast_track: fast_track.map(Into::into),
        ..DeadlineQuery::new(&row.regime_id, &row.received_at.to_rfc3339())
    };
    let all = api.deadlines(&q, now()).unwrap();
    let due = &all.iter().find(|d| d.stage == "answer").expect("an answer stage").due;
    chrono::DateTime::parse_from_rfc3339(due).unwrap().with_timezone(&chrono::Utc)
}

/// A row of the fast-track test: what is imported, and the route expected.
struct Routing {
    id: &'static str,
    received: &'static str,
    text: &'static str,
    address: &'static str,
    status: &'static str,
    fast_track: Option<&'static str>,
    agency: Option<&'static str>,
}

#[tokio::test]
async fn a_fast_tracked_topic_is_routed_at_intake_once() {
    let (dir, api) = open().await;
    let file = dir.path().join("ft.csv");
    // ft-no-water: the whole region from 2026-02-02; ft-potholes-astrakhan: only the city,
    // local dates of receipt 2026-05-04 to 2026-10-31 (data/reference/catalog/fast_tracks.csv).
    let pothole = "Яма на дороге, невозможно проехать";
    #[rustfmt::skip]
    let cases = [
        Routing { id: "w-1", received: "2026-03-02 10:00", text: "Нет воды третий день", address: "г. Астрахань, ул. Савушкина 1", status: "", fast_track: Some("ft-no-water"), agency: Some("minstroy") },
        Routing { id: "w-2", received: "2026-03-03 10:00", text: "Нет воды во всём доме с утра", address: "г. Ахтубинск", status: "дан ответ", fast_track: Some("ft-no-water"), agency: Some("minstroy") },
        Routing { id: "p-1", received: "2026-06-01 10:00", text: pothole, address: "г. Астрахань, ул. Ленина 5", status: "", fast_track: Some("ft-potholes-astrakhan"), agency: Some("omsu-astrakhan") },
        // Its first local day, still 3 May in UTC.
        Routing { id: "p-2", received: "2026-05-04 00:30", text: pothole, address: "г. Астрахань, ул. Ленина 7", status: "", fast_track: Some("ft-potholes-astrakhan"), agency: Some("omsu-astrakhan") },
        // The day before it starts; the day after it ends; not its municipality.
        Routing { id: "p-3", received: "2026-05-03 23:30", text: pothole, address: "г. Астрахань, ул. Ленина 9", status: "", fast_track: None, agency: None },
        Routing { id: "p-4", received: "2026-11-01 10:00", text: pothole, address: "г. Астрахань, ул. Ленина 11", status: "", fast_track: None, agency: None },
        Routing { id: "p-5", received: "2026-06-01 10:00", text: pothole, address: "г. Камызяк, ул. Ленина 5", status: "", fast_track: None, agency: None },
        Routing { id: "p-6", received: "2026-06-01 11:00", text: pothole, address: "г. Камызяк, ул. Ленина 6", status: "в работе", fast_track: None, agency: Some("omsu-kamyzyaksky") },
    ];
    let mut text = String::from("id;received_at;text;address;status;updated_at\n");
    for c in &cases {
        let updated = if c.status.is_empty() { "" } else { "05.06.2026 12:00" };
        text.push_str(&format!("{};{};{};{};{};{updated}\n", c.id, c.received, c.text, c.address, c.status));
    }
    std::fs::write(&file, text).unwrap();
    let s = import(&api, &file, None, Some("regional"), None).await;
    assert_eq!(counts(&s), (8, 8, 0, 0, 0), "{s:?}");

    let rows = api.store().deadline_rows(now()).await.unwrap();
    for Routing { id, fast_track, agency, .. } in &cases {
        let row = rows.iter().find(|r| r.external_id == *id).unwrap();
        assert_eq!((row.fast_track_id.as_deref(), row.agency_id.as_deref()), (*fast_track, *agency), "{id}");
        let events = api.store().events(row.appeal_id, &Scope::local_curator()).await.unwrap();
        let kinds: Vec<&str> = events.iter().map(|e| e.kind.code()).collect();
        match fast_track {
            // Routed right after the classification, by the import, instead of an assignment.
            Some(_) => {
                assert_eq!(kinds[..3], ["registered", "classified", "fast_track_applied"], "{id}");
                assert!(!kinds.contains(&"assigned"), "{id}: {kinds:?}");
                let routed = &events[2];
                assert_eq!((routed.at - events[1].at, routed.actor.as_str()), (chrono::Duration::milliseconds(1), "импорт ft.csv"), "{id}");
            }
            None => assert!(!kinds.contains(&"fast_track_applied"), "{id}: {kinds:?}"),
        }
        // The stored deadline follows the fast-track.
        assert_eq!(row.answer_due, Some(answer_due(&api, row, *fast_track)), "{id}");
    }
    let w1 = rows.iter().find(|r| r.external_id == "w-1").unwrap();
    assert!(answer_due(&api, w1, Some("ft-no-water")) < answer_due(&api, w1, None), "the fast-track is shorter");
    let w2 = rows.iter().find(|r| r.external_id == "w-2").unwrap();
    assert_eq!(w2.status, tsur_core::Status::Answered);

    // The same file again: nothing new, no event twice.
    let events = api.store().event_count().await.unwrap();
    let again = import(&api, &file, None, Some("regional"), None).await;
    assert_eq!(counts(&again), (8, 0, 0, 8, 0), "{again:?}");
    assert_eq!(api.store().event_count().await.unwrap(), events, "no event twice");
}

/// A batch commits while the next one is looked up and planned: an appeal that comes again
/// in the next batches (a later status in the same export) must be found in the batch that
/// wrote it, not registered twice — whether or not that batch's commit has ended. Both sizes
/// of batch: 5,000 rows, and 20,000 in a file of at least 5 MB (50,000 rows by its size).
#[tokio::test]
async fn an_appeal_in_consecutive_batches_is_updated_not_registered_again() {
    for (batch, padding) in [(5_000, 0), (20_000, 130)] {
        let (dir, api) = open().await;
        let file = dir.path().join("batches.csv");
        // A column no mapping reads makes the file as large as it must be.
        let pad = "з".repeat(padding);
        let mut rows = vec![format!("{};Примечание", CP1251_ROWS[0])];
        // `batch` rows make a batch: 1 and 2 are registered in the first one.
        for i in 1..=batch {
            rows.push(format!("{i};02.03.2026 10:15;Яма на дороге;г. Камызяк, ул. Ленина, {i};Новое;;;;{pad}"));
        }
        // The second batch moves 1 to work and answers 2; the third answers 1, closes 2 and
        // says nothing new of 3 (an export lagging behind).
        rows.push("1;02.03.2026 10:15;Яма на дороге;г. Камызяк;В работе;03.03.2026 09:00;;;".into());
        rows.push("2;02.03.2026 10:15;Яма на дороге;г. Камызяк;Дан ответ;04.03.2026 09:00;;;".into());
        for i in batch + 1..=2 * batch - 2 {
            rows.push(format!("{i};02.03.2026 11:00;Нет воды;г. Ахтубинск, ул. Жуковского, {i};Новое;;;;{pad}"));
        }
        rows.push("1;02.03.2026 10:15;Яма на дороге;г. Камызяк;Дан ответ;05.03.2026 09:00;;;".into());
        rows.push("2;02.03.2026 10:15;Яма на дороге;г. Камызяк;Закрыто;06.03.2026 09:00;;;".into());
        rows.push("3;02.03.2026 10:15;Яма на дороге;г. Камызяк;Новое;;;;".into());
        let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
        write_cp1251(&file, &rows, None);
        let size = std::fs::metadata(&file).unwrap().len();
        assert_eq!(size >= 5_000_000, batch > 5_000, "{size} bytes for batches of {batch}");
        let (total, new) = (2 * batch as u64 + 3, 2 * batch as u64 - 2);
        let s = import(&api, &file, None, None, None).await;
        assert_eq!(counts(&s), (total, new, 4, 1, 0), "{s:?}");
        assert_eq!(api.store().appeal_count().await.unwrap(), new as i64);
        let states = api.store().deadline_rows(now()).await.unwrap();
        let status = |id: &str| states.iter().find(|r| r.external_id == id).unwrap().status;
        assert_eq!((status("1"), status("2"), status("3")), (tsur_core::Status::Answered, tsur_core::Status::Closed, tsur_core::Status::Registered));
        // Imported again, the file adds nothing.
        let events = api.store().event_count().await.unwrap();
        let again = import(&api, &file, None, None, None).await;
        assert_eq!(counts(&again), (total, 0, 0, total, 0), "{again:?}");
        assert_eq!(api.store().event_count().await.unwrap(), events);
    }
}

/// A file of `rows` appeals in which ten at one point within two hours report no water (a
/// problem), the others are scattered; each row padded by `padding` bytes in a column no
/// mapping reads.
fn water_burst(path: &Path, rows: usize, padding: usize) {
    let mut text = String::from("Номер;Дата поступления;Текст обращения;Адрес;Широта;Долгота;Статус;Примечание\n");
    let pad = "з".repeat(padding / 2);
    for i in 0..rows {
        let (h, m) = (8 + i / 60 % 12, i % 60);
        if i < 10 {
            text.push_str(&format!("{i};02.03.2026 {h:02}:{m:02};Нет воды в доме третий день;г. Астрахань, ул. Савушкина, 5;46.3497;48.0408;Новое;{pad}\n"));
        } else {
            let day = 3 + i % 20;
            text.push_str(&format!("{i};{day:02}.03.2026 {h:02}:{m:02};Яма на дороге у дома номер {i};г. Камызяк, ул. Ленина, {i};;;В работе;{pad}\n"));
        }
    }
    std::fs::write(path, text).unwrap();
}

/// Issue 4: a file large enough to be a bulk load (its indexes deferred, the problems worked out
/// while they are built) links the same problems as a small one, and indexes nothing less.
#[tokio::test]
async fn a_bulk_import_links_problems_as_a_small_one_does() {
    let (dir, small) = open().await;
    let file = dir.path().join("small.csv");
    water_burst(&file, 2_000, 0);
    let expected = import(&small, &file, None, None, None).await;
    assert_eq!(expected.linked_to_problems, 10, "{expected:?}");

    let bulk = Api::open(&dir.path().join("bulk.db")).await.unwrap();
    let file = dir.path().join("bulk.csv");
    // At least 100 bytes a row for 50,000 rows: a bulk load into an empty store.
    water_burst(&file, 2_000, 2_600);
    assert!(std::fs::metadata(&file).unwrap().len() >= 5_000_000);
    let s = import(&bulk, &file, None, None, None).await;
    assert_eq!(counts(&s), counts(&expected));
    assert_eq!(s.linked_to_problems, 10, "{s:?}");
    let problems = |api: &Api| {
        let api = api.clone();
        async move { api.problems(10, &Scope::local_curator()).await.unwrap().into_iter().map(|p| (p.problem_id, p.appeals)).collect::<Vec<_>>() }
    };
    assert_eq!(problems(&bulk).await, problems(&small).await);
    let again = bulk.link_problems(tsur_api::LinkParams::default()).await.unwrap();
    assert_eq!(again.linked, 0);
    let indexes = |api: &Api| {
        let api = api.clone();
        async move {
            let names: Vec<String> =
                sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'index' ORDER BY name").fetch_all(api.store().pool()).await.unwrap();
            names
        }
    };
    assert_eq!(indexes(&bulk).await, indexes(&small).await);
    let kept: i64 = sqlx::query_scalar("SELECT count(*) FROM sync_meta WHERE key LIKE 'deferred_index:%'").fetch_one(bulk.store().pool()).await.unwrap();
    assert_eq!(kept, 0);
}

/// A file of `rows` appeals over three towns and three topics, six a minute, each a few
/// kilometres from its town: nearly every appeal joins a problem, and a batch of 5,000 rows
/// ends in the middle of a minute.
fn dense_rows(rows: usize) -> Vec<String> {
    let towns = [
        ("г. Астрахань, ул. Савушкина, 5", 46.349, 48.040),
        ("г. Камызяк, ул. Ленина, 7", 46.110, 48.073),
        ("г. Ахтубинск, ул. Жуковского, 3", 48.280, 46.170),
    ];
    let texts = ["Нет воды второй день", "Яма на дороге у дома", "Не вывозят мусор, контейнеры переполнены"];
    let mut x: u64 = 7;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    (0..rows)
        .map(|i| {
            let minute = i / 6;
            let (day, h, m) = (2 + minute / 1440, minute / 60 % 24, minute % 60);
            let (address, lat, lon) = towns[(next() % 3) as usize];
            let text = texts[(next() % 3) as usize];
            let (dlat, dlon) = ((next() % 400) as f64 / 10_000.0 - 0.02, (next() % 400) as f64 / 10_000.0 - 0.02);
            format!("{i};{day:02}.03.2026 {h:02}:{m:02};{text} ({i});{address};{:.5};{:.5};Новое;", lat + dlat, lon + dlon)
        })
        .collect()
}

/// Issue 4: the batches of an import link its appeals into problems as they come, and that
/// gives what the pass after an import gives — which is what links a file newest first, or
/// one whose order breaks in its last batch (the batches link until then, the pass the rest).
#[tokio::test]
async fn linking_in_the_batches_gives_what_the_pass_gives() {
    const HEADER: &str = "Номер;Дата поступления;Текст обращения;Адрес;Широта;Долгота;Статус;Примечание";
    let rows = dense_rows(12_000);
    let mut newest_first = rows.clone();
    newest_first.reverse();
    let mut broken = rows.clone();
    let early = broken.remove(3_000);
    broken.push(early);
    let dir = tempfile::tempdir().unwrap();
    let mut results = Vec::new();
    for (name, rows) in [("in_order", &rows), ("newest_first", &newest_first), ("broken", &broken)] {
        let api = Api::open(&dir.path().join(format!("{name}.db"))).await.unwrap();
        let file = dir.path().join(format!("{name}.csv"));
        std::fs::write(&file, format!("{HEADER}\n{}\n", rows.join("\n"))).unwrap();
        let s = import(&api, &file, None, None, None).await;
        assert_eq!(s.accepted, 12_000, "{s:?}");
        // Links written in the batches come before the last batch's last registration (a batch
        // writes its events in order of their ids); a pass writes its links after them all.
        let in_batches: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM events WHERE kind = 'problem_linked' AND rowid < (SELECT max(rowid) FROM events WHERE kind = 'registered')",
        )
        .fetch_one(api.store().pool())
        .await
        .unwrap();
        let links: Vec<(String, i64, String)> = sqlx::query_as(
            "SELECT a.external_id, e.at, e.payload FROM events e JOIN appeals a ON a.id = e.appeal_id WHERE e.kind = 'problem_linked' ORDER BY a.external_id",
        )
        .fetch_all(api.store().pool())
        .await
        .unwrap();
        assert_eq!(api.link_problems(tsur_api::LinkParams::default()).await.unwrap().linked, 0, "{name}: nothing left to link");
        results.push((name, s.linked_to_problems, in_batches, links));
    }
    let (_, linked, in_batches, links) = &results[0];
    assert!(*linked > 10_000 && links.len() as u64 == *linked, "{linked} of 12,000 linked, {} events", links.len());
    assert!(*in_batches > *linked as i64 * 4 / 5, "the links are written in the batches: {in_batches} of {linked}");
    assert_eq!(results[1].2, 0, "a file newest first is linked after its batches");
    assert!(results[2].2 > 0 && results[2].2 < results[0].2, "a file out of order in its last batch: {}", results[2].2);
    for (name, linked_here, _, links_here) in &results[1..] {
        assert_eq!(linked_here, linked, "{name}");
        assert!(links_here == links, "{name}: the links differ");
    }
}
