//! Labelled history: reading a labelled CSV text and mapping its labels to our blocks.
//!
//! Another system's rubricator (a category code, a theme name) is mapped to our blocks by
//! a two-column CSV `label,block`; a label mapped to an empty block is dropped (test
//! entries, junk). A label the map does not know is an error, never a silent drop, so a
//! new category in an export is noticed.

use crate::error::{csv_error, parse_rows, ClassifyError};
use std::collections::HashMap;
use tsur_core::BlockId;

/// One labelled text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabeledText {
    /// 1-based line of the record in its file.
    pub line: u64,
    /// The text.
    pub text: String,
    /// Its label as written.
    pub label: String,
}

/// Reads the columns `text_col` and `label_col` of a CSV text with a header row; the
/// delimiter is a semicolon when the header has more semicolons than commas (as Russian
/// Excel saves), else a comma.
pub fn parse_labeled(file: &str, text: &str, text_col: &str, label_col: &str) -> Result<Vec<LabeledText>, ClassifyError> {
    let header = text.lines().next().unwrap_or("");
    let delimiter = if header.matches(';').count() > header.matches(',').count() { b';' } else { b',' };
    let mut reader = csv::ReaderBuilder::new().flexible(false).delimiter(delimiter).from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| csv_error(file, &e))?.clone();
    let column = |name: &str| {
        headers.iter().position(|h| h.trim() == name).ok_or_else(|| ClassifyError::Csv {
            file: file.to_owned(),
            line: 1,
            message: format!("нет столбца «{name}» (есть: {})", headers.iter().collect::<Vec<_>>().join(", ")),
        })
    };
    let (t, l) = (column(text_col)?, column(label_col)?);
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(file, &e))?;
        let line = record.position().map_or(0, |p| p.line());
        rows.push(LabeledText { line, text: record[t].to_owned(), label: record[l].trim().to_owned() });
    }
    Ok(rows)
}

/// A labelled text with its label's block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappedText {
    /// The text.
    pub text: String,
    /// Its label as written (the source's category).
    pub label: String,
    /// The label's block.
    pub block: BlockId,
}

/// A mapping of foreign labels to our blocks.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LabelMap {
    map: HashMap<String, Option<BlockId>>,
}

#[derive(serde::Deserialize)]
struct MapRow {
    label: String,
    block: String,
}

impl LabelMap {
    /// Parses a `label,block` CSV text (header row required, `#` starts a comment line).
    /// When `blocks` is given, every non-empty block must be among them.
    pub fn parse(file: &str, text: &str, blocks: Option<&[BlockId]>) -> Result<LabelMap, ClassifyError> {
        let mut map = HashMap::new();
        for (line, row) in parse_rows::<MapRow>(file, text)? {
            let err = |message: String| ClassifyError::Csv { file: file.to_owned(), line, message };
            if row.label.is_empty() {
                return Err(err("пустая метка".to_owned()));
            }
            let block = if row.block.is_empty() { None } else { Some(BlockId(row.block.clone())) };
            if let (Some(b), Some(known)) = (&block, blocks) {
                if !known.contains(b) {
                    return Err(err(format!("неизвестный блок «{b}»")));
                }
            }
            if map.insert(row.label.clone(), block).is_some() {
                return Err(err(format!("метка «{}» встречается второй раз", row.label)));
            }
        }
        Ok(LabelMap { map })
    }

    /// The block of a label: `Some(Some)` mapped, `Some(None)` dropped, `None` unknown label.
    pub fn block(&self, label: &str) -> Option<Option<&BlockId>> {
        self.map.get(label).map(Option::as_ref)
    }

    /// Maps labelled texts to blocks, dropping those whose label maps to nothing; each text
    /// keeps its label, so that a model can learn the source's categories and answer in blocks.
    pub fn apply(&self, file: &str, rows: &[LabeledText]) -> Result<Vec<MappedText>, ClassifyError> {
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            match self.block(&row.label) {
                Some(Some(block)) => out.push(MappedText { text: row.text.clone(), label: row.label.clone(), block: block.clone() }),
                Some(None) => {}
                None => {
                    return Err(ClassifyError::Csv {
                        file: file.to_owned(),
                        line: row.line,
                        message: format!("метки «{}» нет в таблице соответствия", row.label),
                    })
                }
            }
        }
        Ok(out)
    }
}
