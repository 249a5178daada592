//! Errors of the embedded store, each with a message a person can act on.

use std::path::PathBuf;

/// Why the store could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another process holds the database locked.
    #[error("база{} занята другим процессом (заблокирована); закройте другие копии tsur и повторите", named(path))]
    Locked {
        /// The database file.
        path: PathBuf,
    },
    /// The file is not a readable SQLite database.
    #[error("файл{} повреждён или не является базой SQLite: {detail}", named(path))]
    Corrupt {
        /// The database file.
        path: PathBuf,
        /// SQLite's words.
        detail: String,
    },
    /// A SQLite database of some other program.
    #[error("файл {path} — база другой программы, а не tsur; укажите другой путь (--db)")]
    Foreign {
        /// The database file.
        path: PathBuf,
    },
    /// Made by a newer tsur.
    #[error("база {path} создана более новой версией tsur (схема {found}, эта версия знает до {supported}); обновите программу")]
    NewerSchema {
        /// The database file.
        path: PathBuf,
        /// The newest migration in the file.
        found: i64,
        /// The newest migration this build knows.
        supported: i64,
    },
    /// The folder for the database cannot be created or the file cannot be opened.
    #[error("не удалось открыть базу {path}: {detail}")]
    Unavailable {
        /// The database file.
        path: PathBuf,
        /// The cause.
        detail: String,
    },
    /// An event refused by the state machine.
    #[error("обращение {appeal}: {source}")]
    Transition {
        /// The appeal.
        appeal: uuid::Uuid,
        /// Why.
        source: tsur_core::TransitionError,
    },
    /// An appeal with the same channel and external id exists already.
    #[error("обращение канала {channel} с внешним номером {external_id} уже есть в базе")]
    DuplicateAppeal {
        /// Channel code.
        channel: String,
        /// The channel's id.
        external_id: String,
    },
    /// Data in the store that this build cannot read.
    #[error("нечитаемые данные в базе: {0}")]
    Decode(String),
    /// Any other database failure.
    #[error("ошибка базы данных: {0}")]
    Sqlx(sqlx::Error),
    /// Any other failure of a bulk write (see `raw.rs`).
    #[error("ошибка базы данных: {0}")]
    Sqlite(rusqlite::Error),
    /// A migration failure.
    #[error("ошибка обновления схемы базы: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

fn named(path: &std::path::Path) -> String {
    if path.as_os_str().is_empty() {
        String::new()
    } else {
        format!(" {}", path.display())
    }
}

impl From<sqlx::Error> for StoreError {
    /// Classifies by SQLite's result code, so that a lock met in the middle of a write is
    /// reported as a lock and not as a generic failure.
    fn from(error: sqlx::Error) -> Self {
        crate::open::classify(std::path::Path::new(""), error)
    }
}
