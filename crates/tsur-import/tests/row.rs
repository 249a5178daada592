//! Rows → appeals: the converter for many rows gives what converting each row alone gives,
//! and compiled time formats read dates as the format strings do.

mod common;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use tsur_import::gazetteer::Gazetteer;
use tsur_import::mapping::Mapping;
use tsur_import::row::{self, Context, Converter, TimeFormats};
use tsur_import::source::RawRow;

fn raw(line: u64, cells: &[(&str, &str)]) -> RawRow {
    RawRow { line, cells: cells.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect() }
}

#[test]
fn one_converter_over_changing_headers_converts_as_each_row_alone() {
    let reference = common::reference();
    let gazetteer = Gazetteer::new(&reference);
    let now = Utc.with_ymd_and_hms(2026, 5, 1, 0, 0, 0).unwrap();
    let ctx = Context { reference: &reference, gazetteer: &gazetteer, now, future_tolerance: chrono::Duration::minutes(10) };
    let mapping = Mapping::preset("generic").unwrap();
    #[rustfmt::skip]
    let rows = [
        raw(2, &[("Номер", "1"), ("Дата поступления", "01.03.2026 10:00"), ("Текст обращения", "Нет воды"), ("Адрес", "г. Камызяк, ул. Ленина, 5"), ("Статус", "В работе")]),
        raw(3, &[("Номер", "2"), ("Дата поступления", "01.03.2026 10:05"), ("Текст обращения", "Яма"), ("Адрес", "г. Ахтубинск, ул. Жуковского, 3"), ("Статус", "Новое")]),
        // The same names in another order, and in other cases.
        raw(4, &[("АДРЕС", "ЗАТО Знаменск"), ("номер", "3"), ("ТЕКСТ ОБРАЩЕНИЯ", "Мусор"), ("Дата поступления", "2026-03-02 08:00")]),
        // Another set of columns: the address is missing, the text names the place.
        raw(5, &[("id", "4"), ("received_at", "2026-03-02T09:00:00+04:00"), ("text", "В Нариманове не горят фонари")]),
        // A municipality column, and a date alone.
        raw(6, &[("id", "5"), ("received_at", "03.03.2026"), ("text", "Нет отопления"), ("Адрес", "ул. Советская, 1"), ("МО", "Харабалинский район")]),
        // Rows that go to the quarantine, each for its own reason.
        raw(7, &[("Номер", "6"), ("Дата поступления", "вчера"), ("Текст обращения", "Нет воды"), ("Адрес", "г. Камызяк")]),
        raw(8, &[("Номер", "7"), ("Дата поступления", "01.03.2026 10:00"), ("Текст обращения", "Нет воды"), ("Адрес", "улица без города")]),
        raw(9, &[("Номер", "8"), ("Дата поступления", "01.03.2026 10:00"), ("Текст обращения", "Нет воды"), ("Адрес", "г. Камызяк"), ("Статус", "непонятно")]),
        // Back to the first header.
        raw(10, &[("Номер", "9"), ("Дата поступления", "01.03.2026 10:00"), ("Текст обращения", "Нет воды"), ("Адрес", "с. Енотаевка, ул. Чернышевского, 2"), ("Статус", "Закрыто")]),
    ];
    let mut converter = Converter::new(mapping.clone());
    for r in &rows {
        assert_eq!(converter.convert(r, &ctx), row::convert(r, &mapping, &ctx), "line {}", r.line);
    }
    let accepted = rows.iter().filter(|r| row::convert(r, &mapping, &ctx).is_ok()).count();
    assert_eq!(accepted, 6, "the table covers accepted and rejected rows");
}

/// How dates were read before the formats were compiled: each format string parsed for
/// every text, as a date and time, then as a date.
fn by_format_strings(text: &str, formats: &[String]) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    for f in formats {
        let local = NaiveDateTime::parse_from_str(text, f).ok().or_else(|| NaiveDate::parse_from_str(text, f).ok().and_then(|d| d.and_hms_opt(0, 0, 0)));
        if let Some(local) = local {
            return tsur_core::time::ZONE.from_local_datetime(&local).earliest().map(|t| t.with_timezone(&Utc));
        }
    }
    None
}

#[test]
fn compiled_time_formats_read_dates_as_the_format_strings_do() {
    let generic = Mapping::preset("generic").unwrap().time_formats;
    let strings = |fs: &[&str]| fs.iter().map(|f| f.to_string()).collect::<Vec<_>>();
    #[rustfmt::skip]
    let cases: Vec<(&str, Vec<String>, Option<&str>)> = vec![
        ("01.03.2026 10:00", generic.clone(), Some("2026-03-01T06:00:00Z")),
        (" 01.03.2026 10:00:30 ", generic.clone(), Some("2026-03-01T06:00:30Z")),
        ("01.03.2026", generic.clone(), Some("2026-02-28T20:00:00Z")),
        ("2026-03-01 10:00", generic.clone(), Some("2026-03-01T06:00:00Z")),
        ("2026-03-01T10:00:00", generic.clone(), Some("2026-03-01T06:00:00Z")),
        ("2026-03-01T10:00:00+03:00", generic.clone(), Some("2026-03-01T07:00:00Z")),
        ("2026-03-01", generic.clone(), Some("2026-02-28T20:00:00Z")),
        ("31.02.2026 10:00", generic.clone(), None),
        ("01.03.2026 25:00", generic.clone(), None),
        ("вчера", generic.clone(), None),
        ("", generic.clone(), None),
        // The first format that reads the whole text wins, as before.
        ("02/03/2026", strings(&["%m/%d/%Y", "%d/%m/%Y"]), Some("2026-02-02T20:00:00Z")),
        ("02/03/2026", strings(&["%d/%m/%Y", "%m/%d/%Y"]), Some("2026-03-01T20:00:00Z")),
        ("13/03/2026", strings(&["%m/%d/%Y", "%d/%m/%Y"]), Some("2026-03-12T20:00:00Z")),
        // A format chrono cannot read matches nothing; the next one still does.
        ("01.03.2026", strings(&["%Q", "%d.%m.%Y"]), Some("2026-02-28T20:00:00Z")),
        ("01.03.2026", strings(&[]), None),
    ];
    for (text, formats, expected) in cases {
        let got = TimeFormats::new(&formats).parse(text);
        assert_eq!(got.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)).as_deref(), expected, "{text:?} under {formats:?}");
        assert_eq!(got, by_format_strings(text, &formats), "{text:?} under {formats:?}");
        assert_eq!(got, row::parse_time(text, &formats), "{text:?} under {formats:?}");
    }
}
