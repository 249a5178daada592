//! Reading rows from the files channels export: CSV (UTF-8 or Windows-1251, comma,
//! semicolon or tab, with or without a BOM), XLSX, JSON Lines and Open311 GeoReport v2
//! `requests.json`. Every reader streams (XLSX excepted: the format is a zip of XML that
//! must be read whole) and yields either a row or an unreadable piece with its position,
//! so that nothing read is ever silently dropped.

use crate::ImportError;
use encoding_rs::{UTF_8, WINDOWS_1251};
use encoding_rs_io::DecodeReaderBytesBuilder;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// A file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Delimited text.
    Csv,
    /// Excel 2007+ workbook (first sheet).
    Xlsx,
    /// One JSON object per line.
    Jsonl,
    /// Open311 GeoReport v2: a JSON array of service requests.
    Open311,
}

impl Format {
    /// Parses `csv`, `xlsx`, `jsonl` or `open311`.
    pub fn parse(text: &str) -> Option<Format> {
        match text {
            "csv" => Some(Format::Csv),
            "xlsx" => Some(Format::Xlsx),
            "jsonl" | "ndjson" => Some(Format::Jsonl),
            "open311" => Some(Format::Open311),
            _ => None,
        }
    }

    /// Guesses the format from the file name.
    pub fn guess(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_lowercase();
        match ext.as_str() {
            "csv" | "txt" | "tsv" => Some(Format::Csv),
            "xlsx" | "xlsm" => Some(Format::Xlsx),
            "jsonl" | "ndjson" => Some(Format::Jsonl),
            "json" => Some(Format::Open311),
            _ => None,
        }
    }

    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Jsonl => "jsonl",
            Format::Open311 => "open311",
        }
    }
}

/// A row as read: where it was, and its cells by column name, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRow {
    /// Line in the file (CSV, JSON Lines), row of the sheet (XLSX), element (Open311), 1-based.
    pub line: u64,
    /// Column name and raw value.
    pub cells: Vec<(String, String)>,
}

impl RawRow {
    /// The row as one line of JSON, for the quarantine (it is re-read from there on retry).
    pub fn to_json(&self) -> String {
        let map: serde_json::Map<String, serde_json::Value> = self.cells.iter().map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))).collect();
        serde_json::Value::Object(map).to_string()
    }

    /// A row from its quarantine JSON.
    pub fn from_json(line: u64, json: &str) -> Option<RawRow> {
        let serde_json::Value::Object(map) = serde_json::from_str(json).ok()? else {
            return None;
        };
        Some(RawRow { line, cells: map.into_iter().map(|(k, v)| (k, v.as_str().map_or_else(|| v.to_string(), str::to_owned))).collect() })
    }
}

/// A piece of the file that is not a row at all (a broken JSON line, a truncated CSV row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    /// Where.
    pub line: u64,
    /// The raw text (cut to 2,000 characters).
    pub raw: String,
    /// Why, in Russian.
    pub reason: String,
}

/// What a reader yields.
pub type Item = Result<RawRow, Unreadable>;

/// An open file: its rows, how big it is and how much has been read.
pub struct Source {
    rows: Box<dyn Iterator<Item = Item> + Send>,
    /// Size of the file, bytes.
    pub total_bytes: u64,
    read: Arc<AtomicU64>,
    /// The text encoding found (CSV): `UTF-8` or `windows-1251`.
    pub encoding: &'static str,
}

impl Source {
    /// Bytes read so far (for a progress bar).
    pub fn bytes_read(&self) -> u64 {
        self.read.load(Ordering::Relaxed).min(self.total_bytes)
    }
}

impl Iterator for Source {
    type Item = Item;
    fn next(&mut self) -> Option<Item> {
        self.rows.next()
    }
}

/// Counts the bytes that pass through.
struct Counting<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Records where the newlines are in the text passing through, so that a record's byte
/// offset gives its line as an editor shows it (the csv crate counts lines differently
/// when they end in CRLF). Only the newlines read ahead of the parser are kept.
struct Newlines<R> {
    inner: R,
    offset: u64,
    seen: Arc<std::sync::Mutex<std::collections::VecDeque<u64>>>,
}

impl<R: Read> Read for Newlines<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut seen = self.seen.lock().expect("newline queue");
        for (i, b) in buf[..n].iter().enumerate() {
            if *b == b'\n' {
                seen.push_back(self.offset + i as u64);
            }
        }
        self.offset += n as u64;
        Ok(n)
    }
}

fn cut(text: &str) -> String {
    text.chars().take(2000).collect()
}

fn io_error(path: &Path, e: std::io::Error) -> ImportError {
    ImportError::File { path: path.to_owned(), message: e.to_string() }
}

/// Opens `path` in `format`.
pub fn open(path: &Path, format: Format) -> Result<Source, ImportError> {
    let total_bytes = std::fs::metadata(path).map_err(|e| io_error(path, e))?.len();
    let read = Arc::new(AtomicU64::new(0));
    let file = File::open(path).map_err(|e| io_error(path, e))?;
    let counting = Counting { inner: file, read: read.clone() };
    let (rows, encoding): (Box<dyn Iterator<Item = Item> + Send>, _) = match format {
        Format::Csv => {
            let (rows, encoding) = csv_rows(path, counting)?;
            (rows, encoding)
        }
        Format::Jsonl => (Box::new(jsonl_rows(counting)), "UTF-8"),
        Format::Open311 => (Box::new(open311_rows(counting)), "UTF-8"),
        Format::Xlsx => {
            let rows = xlsx_rows(path)?;
            read.store(total_bytes, Ordering::Relaxed);
            (Box::new(rows.into_iter()), "UTF-8")
        }
    };
    Ok(Source { rows, total_bytes, read, encoding })
}

/// Whether `bytes` (the start of a file) are UTF-8, allowing a sequence cut at the end.
fn looks_utf8(bytes: &[u8]) -> bool {
    match std::str::from_utf8(bytes) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none(),
    }
}

/// The delimiter of the header line: the most frequent of `;`, `,` and tab outside quotes.
fn sniff_delimiter(header: &str) -> u8 {
    let mut quoted = false;
    let mut counts = [0usize; 3];
    for c in header.chars() {
        match c {
            '"' => quoted = !quoted,
            ';' if !quoted => counts[0] += 1,
            ',' if !quoted => counts[1] += 1,
            '\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let best = (0..3).max_by_key(|&i| (counts[i], 3 - i)).unwrap_or(0);
    [b';', b',', b'\t'][best]
}

fn csv_rows<R: Read + Send + 'static>(path: &Path, reader: R) -> Result<(Box<dyn Iterator<Item = Item> + Send>, &'static str), ImportError> {
    let mut buffered = BufReader::with_capacity(1 << 16, reader);
    let head = buffered.fill_buf().map_err(|e| io_error(path, e))?.to_vec();
    let utf8 = head.starts_with(&[0xEF, 0xBB, 0xBF]) || looks_utf8(&head);
    let encoding = if utf8 { UTF_8 } else { WINDOWS_1251 };
    let (first_line, _, _) = encoding.decode(&head[..head.iter().position(|&b| b == b'\n').unwrap_or(head.len())]);
    let delimiter = sniff_delimiter(first_line.trim_start_matches('\u{feff}'));
    let decoded = DecodeReaderBytesBuilder::new().encoding(Some(encoding)).bom_override(true).build(buffered);
    let seen = Arc::new(std::sync::Mutex::new(std::collections::VecDeque::new()));
    let decoded = Newlines { inner: decoded, offset: 0, seen: seen.clone() };
    let mut passed = 0u64;
    let mut line_at = move |byte: u64| {
        let mut seen = seen.lock().expect("newline queue");
        while seen.front().is_some_and(|&n| n <= byte) {
            seen.pop_front();
            passed += 1;
        }
        passed + 1
    };
    let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).has_headers(true).from_reader(decoded);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| ImportError::File { path: path.to_owned(), message: format!("заголовок CSV: {e}") })?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_owned())
        .collect();
    if headers.iter().all(String::is_empty) {
        return Err(ImportError::File { path: path.to_owned(), message: "файл пуст или без заголовка".into() });
    }
    let sep = (delimiter as char).to_string();
    let mut records = reader.into_records();
    let rows = std::iter::from_fn(move || {
        let record = records.next()?;
        Some(match record {
            Err(e) => {
                let line = e.position().map_or(0, |p| line_at(p.byte()));
                Err(Unreadable { line, raw: String::new(), reason: format!("строка не читается: {e}") })
            }
            Ok(r) => {
                let line = r.position().map_or(0, |p| line_at(p.byte()));
                if r.len() == headers.len() {
                    Ok(RawRow { line, cells: headers.iter().cloned().zip(r.iter().map(str::to_owned)).collect() })
                } else {
                    let raw = cut(&r.iter().collect::<Vec<_>>().join(&sep));
                    let reason = if r.len() < headers.len() {
                        format!("в строке {} полей из {}: строка обрезана или повреждена", r.len(), headers.len())
                    } else {
                        format!("в строке {} полей, а в заголовке {}: лишний разделитель вне кавычек", r.len(), headers.len())
                    };
                    Err(Unreadable { line, raw, reason })
                }
            }
        })
    });
    Ok((Box::new(rows), encoding.name()))
}

/// Flattens a JSON object into cells: nested objects as `a.b`, other values as text.
fn flatten(prefix: &str, value: &serde_json::Value, out: &mut Vec<(String, String)>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                flatten(&key, v, out);
            }
        }
        serde_json::Value::Null => out.push((prefix.to_owned(), String::new())),
        serde_json::Value::String(s) => out.push((prefix.to_owned(), s.clone())),
        other => out.push((prefix.to_owned(), other.to_string())),
    }
}

fn object_row(line: u64, value: &serde_json::Value, raw: &str) -> Item {
    if !value.is_object() {
        return Err(Unreadable { line, raw: cut(raw), reason: "ожидался объект JSON".into() });
    }
    let mut cells = Vec::new();
    flatten("", value, &mut cells);
    Ok(RawRow { line, cells })
}

fn jsonl_rows<R: Read + Send + 'static>(reader: R) -> impl Iterator<Item = Item> + Send {
    let mut lines = BufReader::with_capacity(1 << 16, reader).lines();
    let mut line = 0u64;
    std::iter::from_fn(move || loop {
        line += 1;
        let text = match lines.next()? {
            Ok(t) => t,
            Err(e) => return Some(Err(Unreadable { line, raw: String::new(), reason: format!("строка не читается: {e}") })),
        };
        let text = text.trim_start_matches('\u{feff}');
        if text.trim().is_empty() {
            continue;
        }
        return Some(match serde_json::from_str::<serde_json::Value>(text) {
            Ok(v) => object_row(line, &v, text),
            Err(e) => Err(Unreadable { line, raw: cut(text), reason: format!("не JSON: {e}") }),
        });
    })
}

/// Streams the elements of a top-level JSON array without holding the array: a thread
/// walks the array with serde and hands each element over a bounded channel.
fn open311_rows<R: Read + Send + 'static>(reader: R) -> impl Iterator<Item = Item> + Send {
    use serde::de::{Deserializer, SeqAccess, Visitor};
    let (tx, rx) = std::sync::mpsc::sync_channel::<Item>(1024);
    std::thread::spawn(move || {
        struct Elements(std::sync::mpsc::SyncSender<Item>);
        impl<'de> Visitor<'de> for Elements {
            type Value = u64;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON array of service requests")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<u64, A::Error> {
                let mut n = 0;
                while let Some(v) = seq.next_element::<serde_json::Value>()? {
                    n += 1;
                    if self.0.send(object_row(n, &v, &v.to_string())).is_err() {
                        break;
                    }
                }
                Ok(n)
            }
        }
        let mut de = serde_json::Deserializer::from_reader(BufReader::with_capacity(1 << 16, reader));
        if let Err(e) = de.deserialize_seq(Elements(tx.clone())) {
            let _ = tx.send(Err(Unreadable {
                line: e.line() as u64,
                raw: String::new(),
                reason: format!("файл Open311 повреждён или обрезан (строка {}, позиция {}): {e}", e.line(), e.column()),
            }));
        }
    });
    rx.into_iter()
}

/// The first sheet of a workbook. A header of two rows (groups merged across columns over
/// their sub-columns, as report templates do) gives names like «Заявитель / Телефон».
fn xlsx_rows(path: &Path) -> Result<Vec<Item>, ImportError> {
    use calamine::{open_workbook, Data, Reader, Xlsx};
    let err = |m: String| ImportError::File { path: path.to_owned(), message: m };
    let mut book: Xlsx<_> = open_workbook(path).map_err(|e| err(format!("книга XLSX не читается: {e}")))?;
    let range = book.worksheet_range_at(0).ok_or_else(|| err("в книге нет листов".into()))?.map_err(|e| err(format!("лист не читается: {e}")))?;
    let text = |c: &Data| -> String {
        match c {
            Data::Empty => String::new(),
            Data::String(s) => s.trim().to_owned(),
            Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
            Data::DateTime(d) => d.as_datetime().map_or_else(|| d.to_string(), |t| t.format("%Y-%m-%d %H:%M:%S").to_string()),
            other => other.to_string(),
        }
    };
    let rows: Vec<Vec<String>> = range.rows().map(|r| r.iter().map(text).collect()).collect();
    let start = range.start().map_or(0, |(r, _)| r as u64);
    let Some(first) = rows.first() else {
        return Err(err("лист пуст".into()));
    };
    // Fill merged group names to the right.
    let mut top = Vec::with_capacity(first.len());
    let mut last = String::new();
    let mut gaps = false;
    for cell in first {
        if cell.is_empty() {
            gaps = true;
            top.push(last.clone());
        } else {
            last = cell.clone();
            top.push(cell.clone());
        }
    }
    let second = rows.get(1).cloned().unwrap_or_default();
    let two_rows = gaps && first.iter().zip(&second).any(|(a, b)| a.is_empty() && !b.is_empty() && b.parse::<f64>().is_err());
    let headers: Vec<String> = if two_rows {
        top.iter()
            .enumerate()
            .map(|(i, group)| match second.get(i).filter(|s| !s.is_empty()) {
                Some(sub) if !group.is_empty() => format!("{group} / {sub}"),
                Some(sub) => sub.clone(),
                None => group.clone(),
            })
            .collect()
    } else {
        first.clone()
    };
    let skip = if two_rows { 2 } else { 1 };
    Ok(rows
        .into_iter()
        .enumerate()
        .skip(skip)
        .filter(|(_, r)| r.iter().any(|c| !c.is_empty()))
        .map(|(i, r)| Ok(RawRow { line: start + i as u64 + 1, cells: headers.iter().cloned().zip(r).collect() }))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters_are_sniffed_outside_quotes() {
        let cases = [("a;b;c", b';'), ("a,b,c", b','), ("\"x;y\",b,c", b','), ("a\tb", b'\t'), ("одно", b';')];
        for (header, expected) in cases {
            assert_eq!(sniff_delimiter(header), expected, "{header}");
        }
    }

    #[test]
    fn utf8_is_told_from_windows_1251() {
        assert!(looks_utf8("Номер;Текст".as_bytes()));
        let (cp, _, _) = WINDOWS_1251.encode("Номер;Текст");
        assert!(!looks_utf8(&cp));
        // A multi-byte letter cut at the end of the sniffed block is still UTF-8.
        let bytes = "Номер".as_bytes();
        assert!(looks_utf8(&bytes[..bytes.len() - 1]));
    }
}

#[cfg(test)]
mod line_tests {
    use super::*;

    /// Lines are the file's own, 1-based, as a text editor shows them — also after a field
    /// that spans lines.
    #[test]
    fn csv_rows_know_their_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.csv");
        std::fs::write(&path, "id,text\n1,a\n2,\"b\nc\"\n3,d\n").unwrap();
        let lines: Vec<u64> = open(&path, Format::Csv).unwrap().map(|r| r.unwrap().line).collect();
        assert_eq!(lines, vec![2, 3, 5]);
        std::fs::write(&path, "id;text\r\n1;a\r\n2;\"b\r\nc\"\r\n3;d\r\n").unwrap();
        let lines: Vec<u64> = open(&path, Format::Csv).unwrap().map(|r| r.unwrap().line).collect();
        assert_eq!(lines, vec![2, 3, 5], "CRLF");
    }
}

/// A whole text file in UTF-8 (with or without a BOM) or Windows-1251, told apart by its
/// bytes — for the small files an operator hands over (labelled histories, mappings).
pub fn read_text(path: &Path) -> Result<String, ImportError> {
    let bytes = std::fs::read(path).map_err(|e| io_error(path, e))?;
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(&bytes);
    Ok(match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => WINDOWS_1251.decode(bytes).0.into_owned(),
    })
}
