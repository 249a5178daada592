//! Intake: appeals from the files channels export. A [`source`] reads rows (CSV in UTF-8
//! or Windows-1251, XLSX, JSON Lines, Open311), a [`mapping::Mapping`] says which column
//! is which, [`row::convert`] turns a row into the facts of an appeal or the reason it
//! cannot be one, and [`row::plan_events`] gives the events that bring a stored appeal to
//! the status the export reports. Ids are derived from (channel, external id), so an
//! import is idempotent. Writing is the caller's (the API writes through the store).
#![deny(missing_docs)]

pub mod gazetteer;
pub mod mapping;
pub mod row;
pub mod source;

use std::path::PathBuf;

/// Why an import cannot start.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file cannot be read.
    #[error("файл {path}: {message}")]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A mapping file is wrong.
    #[error("сопоставление колонок {name}: {message}")]
    Mapping {
        /// Its name.
        name: String,
        /// What is wrong.
        message: String,
    },
    /// The file lacks required columns.
    #[error("в файле нет колонок для {missing} (сопоставление «{mapping}»); заголовок: {header}")]
    MissingColumns {
        /// The fields.
        missing: String,
        /// The mapping's name.
        mapping: String,
        /// The header found.
        header: String,
    },
}
