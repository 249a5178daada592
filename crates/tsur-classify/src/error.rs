//! Why classification data cannot be used. Messages are Russian: they reach the operator.

/// An error of this crate.
#[derive(Debug, thiserror::Error)]
pub enum ClassifyError {
    /// A CSV text (lexicon, label map, labelled appeals) does not parse.
    #[error("{file}: строка {line}: {message}")]
    Csv {
        /// File name as the caller knows it.
        file: String,
        /// 1-based line number (0 when unknown).
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// Stored model bytes are damaged, foreign or of a newer version.
    #[error("модель классификатора не читается: {0}")]
    Model(String),
    /// A word-vector archive (navec's tar) cannot be read.
    #[error("{file}: векторы слов не читаются: {message}")]
    Vectors {
        /// File name as the caller knows it.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// The training data cannot make a model.
    #[error("обучение классификатора невозможно: {0}")]
    Training(String),
}

pub(crate) fn csv_error(file: &str, e: &csv::Error) -> ClassifyError {
    ClassifyError::Csv {
        file: file.to_owned(),
        line: e.position().map_or(0, |p| p.line()),
        message: match e.kind() {
            csv::ErrorKind::Deserialize { err, .. } => err.to_string(),
            _ => e.to_string(),
        },
    }
}

/// Deserialises the rows of a CSV text with a header (`#` comments, trimmed fields), each
/// with its 1-based line number.
pub(crate) fn parse_rows<T: serde::de::DeserializeOwned>(file: &str, text: &str) -> Result<Vec<(u64, T)>, ClassifyError> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).comment(Some(b'#')).from_reader(text.as_bytes());
    let headers = reader.byte_headers().map_err(|e| csv_error(file, &e))?.clone();
    let mut rows = Vec::new();
    for record in reader.byte_records() {
        let record = record.map_err(|e| csv_error(file, &e))?;
        let line = record.position().map_or(0, |p| p.line());
        rows.push((line, record.deserialize(Some(&headers)).map_err(|e| csv_error(file, &e))?));
    }
    Ok(rows)
}
