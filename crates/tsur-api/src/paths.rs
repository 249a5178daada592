//! Where the store lives: `--db PATH`, else `$TSUR_DB`, else the OS's data directory.

use std::path::PathBuf;

/// The environment variable that names the store file.
pub const DB_ENV: &str = "TSUR_DB";

/// The store file to use: the explicit path if given, then `$TSUR_DB`, then
/// `<data dir>/tsur/tsur.db` (on Linux `~/.local/share/tsur/tsur.db`).
pub fn db_path(explicit: Option<PathBuf>) -> PathBuf {
    explicit
        .or_else(|| std::env::var_os(DB_ENV).filter(|v| !v.is_empty()).map(PathBuf::from))
        .or_else(|| directories::ProjectDirs::from("ru", "", "tsur").map(|d| d.data_dir().join("tsur.db")))
        .unwrap_or_else(|| PathBuf::from("tsur.db"))
}
