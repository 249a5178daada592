//! Opening a store file safely: create, recognise, refuse what is not ours, migrate.

use crate::StoreError;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::Row;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// `PRAGMA application_id` of every tsur store: the bytes "TSUR".
pub const APPLICATION_ID: i32 = 0x5453_5552;

static MIGRATOR: Migrator = sqlx::migrate!("../../migrations/sqlite");

/// A node's embedded store.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pub(crate) pool: SqlitePool,
    /// The bulk writers' connection (see [`SqliteStore::unchecked`]): one, opened when first
    /// needed and closed after a while idle, so its wide cache is not kept for nothing.
    bulk: SqlitePool,
    path: PathBuf,
    pub(crate) rules: crate::deadlines::RulesCache,
}

/// What SQLite's result `code` means for the person who opened the file, when it means more
/// than a generic failure: busy or locked, corrupt or not a database, cannot open.
pub(crate) fn by_code(code: i32, path: &Path, detail: &str) -> Option<StoreError> {
    match code & 0xff {
        5 | 6 => Some(StoreError::Locked { path: path.to_owned() }),
        11 | 26 => Some(StoreError::Corrupt { path: path.to_owned(), detail: detail.to_owned() }),
        14 => Some(StoreError::Unavailable { path: path.to_owned(), detail: detail.to_owned() }),
        _ => None,
    }
}

/// Maps an error of SQLite to what it means for the person who opened the file.
pub(crate) fn classify(path: &Path, error: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &error {
        if let Some(e) = by_code(db.code().and_then(|c| c.parse::<i32>().ok()).unwrap_or(0), path, db.message()) {
            return e;
        }
    }
    if let sqlx::Error::Io(io) = &error {
        return StoreError::Unavailable { path: path.to_owned(), detail: io.to_string() };
    }
    StoreError::Sqlx(error)
}

/// SQLite's page cache of each pooled connection (KiB, negative as the pragma wants): four
/// connections of 128 MiB each held half a gigabyte once a million rows had been read, and
/// of 32 MiB still 125 MiB once the search index had been caught up. The system's file cache
/// serves the room's queries nearly as fast (room_bench: the overdue list, a problem's
/// appeals and a case view took the same time with 8 MiB as with 32).
const READ_CACHE: &str = "-8192";

/// How long a pooled connection may stand idle before it is closed. Each connection runs on a
/// thread of its own, and the rows it reads are allocated there: the memory those rows took
/// stays with that thread's heap after the rows were dropped elsewhere, until the thread
/// allocates again. After the first overdue list of a million-appeal store the Rust side held
/// 316–334 MiB for as long as it stood idle (sqlx's default keeps a connection 10 minutes);
/// with idle connections closed, 158–183 MiB, and their page caches went too (room_bench,
/// docs/benchmarks.md). A query after the pause opens a connection again: a case view took
/// 7.5–9.9 ms instead of 2–4 ms.
const READ_IDLE: Duration = Duration::from_secs(5);

/// The page cache of a bulk writer's connection (a demo fill, a first sync): index pages
/// rewritten by every batch stay in memory until the commit.
const WRITE_CACHE: &str = "-131072";

/// SQLite's page size for a new store (bytes; an existing store keeps the size it was made
/// with, SQLite cannot change it under WAL). 16 KiB rather than SQLite's 4 KiB: a B-tree of a
/// million rows is a level shallower, a page split moves four times as many rows at once, and
/// the WAL and the checkpoint write a quarter of the frames (each with its header and
/// checksum); the import of 200,000 rows took a tenth less CPU (docs/import.md).
const PAGE_SIZE: u32 = 16_384;

/// Gives a bulk writer's connection the larger cache for its transaction.
pub(crate) async fn widen_cache(conn: &mut sqlx::SqliteConnection) -> Result<(), StoreError> {
    sqlx::query(&format!("PRAGMA cache_size = {WRITE_CACHE}")).execute(conn).await?;
    Ok(())
}

/// Gives the connection back its ordinary cache (before it returns to the pool).
pub(crate) async fn narrow_cache(conn: &mut sqlx::SqliteConnection) -> Result<(), StoreError> {
    sqlx::query(&format!("PRAGMA cache_size = {READ_CACHE}")).execute(conn).await?;
    Ok(())
}

impl SqliteStore {
    /// A transaction for a bulk writer (a load, an import, a first pull), on the store's
    /// bulk connection, which does not check foreign keys and keeps the writers' wider
    /// cache warm from one batch to the next. The bulk writers check themselves that every
    /// row they write belongs to an appeal written in the same call or already stored,
    /// before writing anything; SQLite's check would find nothing, and costs a lookup in
    /// `appeals` and a statement journal for each of millions of rows. The connection is
    /// its own pool's only one, so the shared pool's connections, which do check, are never
    /// touched, and two bulk writers take turns.
    pub(crate) async fn unchecked(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, StoreError> {
        self.bulk.begin().await.map_err(|e| classify(self.path(), e))
    }

    /// Opens (creating if needed) the store at `path`, waiting up to 5 s for a lock.
    pub async fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        SqliteStore::open_with_timeout(path, Duration::from_secs(5)).await
    }

    /// Opens the store, waiting at most `busy_timeout` for another writer's lock.
    pub async fn open_with_timeout(path: &Path, busy_timeout: Duration) -> Result<SqliteStore, StoreError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| StoreError::Unavailable {
                    path: path.to_owned(), detail: format!("не удалось создать папку {}: {e}", parent.display())
                })?;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .page_size(PAGE_SIZE)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(busy_timeout)
            .pragma("cache_size", READ_CACHE);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .idle_timeout(READ_IDLE)
            .acquire_timeout(busy_timeout + Duration::from_secs(5))
            .connect_with(options.clone())
            .await
            .map_err(|e| classify(path, e))?;
        let bulk = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(0)
            .idle_timeout(Duration::from_secs(30))
            .acquire_timeout(busy_timeout + Duration::from_secs(5))
            .connect_lazy_with(options.foreign_keys(false).pragma("cache_size", WRITE_CACHE));
        let store = SqliteStore { pool, bulk, path: path.to_owned(), rules: Default::default() };
        store.recognise_and_migrate().await?;
        // A bulk pull killed before its end left its indexes to be built (`defer_indexes`).
        store.restore_indexes().await?;
        Ok(store)
    }

    async fn recognise_and_migrate(&self) -> Result<(), StoreError> {
        let path = &self.path;
        let app_id: i32 = sqlx::query_scalar("PRAGMA application_id").fetch_one(&self.pool).await.map_err(|e| classify(path, e))?;
        let tables: i64 =
            sqlx::query_scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetch_one(&self.pool).await.map_err(|e| classify(path, e))?;
        if app_id != APPLICATION_ID {
            if tables > 0 || app_id != 0 {
                return Err(StoreError::Foreign { path: path.clone() });
            }
            sqlx::query(&format!("PRAGMA application_id = {APPLICATION_ID}")).execute(&self.pool).await.map_err(|e| classify(path, e))?;
        } else {
            let has_migrations: i64 = sqlx::query_scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'")
                .fetch_one(&self.pool)
                .await
                .map_err(|e| classify(path, e))?;
            if has_migrations > 0 {
                let found: Option<i64> =
                    sqlx::query("SELECT max(version) FROM _sqlx_migrations").fetch_one(&self.pool).await.map_err(|e| classify(path, e))?.get(0);
                let supported = MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0);
                if let Some(found) = found.filter(|f| *f > supported) {
                    return Err(StoreError::NewerSchema { path: path.clone(), found, supported });
                }
            }
        }
        MIGRATOR.run(&self.pool).await.map_err(|e| match e {
            sqlx::migrate::MigrateError::Execute(inner) => classify(path, inner),
            other => StoreError::Migrate(other),
        })?;
        Ok(())
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Closes the pool, checkpointing the WAL.
    pub async fn close(self) {
        self.bulk.close().await;
        self.pool.close().await;
    }
}
