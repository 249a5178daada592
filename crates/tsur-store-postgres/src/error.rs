//! Errors of the central store, with messages in Russian for the person at the console.

use sqlx::migrate::MigrateError;

/// SQLSTATE of the schema's append-only triggers (`tsur_refuse_rewrite`).
pub const SQLSTATE_APPEND_ONLY: &str = "TS001";
/// SQLSTATE of `insufficient_privilege`: no privilege, or a row refused by a policy.
pub const SQLSTATE_INSUFFICIENT_PRIVILEGE: &str = "42501";

/// What went wrong with the central database.
#[derive(Debug, thiserror::Error)]
pub enum CentralError {
    /// The connection string could not be read.
    #[error("неверный адрес центральной базы: {0}")]
    BadUrl(String),
    /// The server could not be reached or refused the login.
    #[error("не удалось подключиться к центральной базе: {0}")]
    Connect(#[source] sqlx::Error),
    /// The server is older than the schema needs.
    #[error("сервер PostgreSQL слишком старый (server_version_num {0}); нужна версия 13 или новее")]
    ServerTooOld(i32),
    /// The database was migrated by a newer version of tsur.
    #[error("центральная база обновлена более новой версией tsur (миграция {0} этой программе неизвестна); обновите программу")]
    NewerSchema(i64),
    /// An applied migration differs from the one compiled in.
    #[error("миграция {0} центральной базы отличается от встроенной в программу; применённые миграции не меняются")]
    ChangedMigration(i64),
    /// Any other failure while migrating.
    #[error("не удалось обновить схему центральной базы: {0}")]
    Migrate(#[source] MigrateError),
    /// The schema refused to rewrite history (UPDATE, DELETE or TRUNCATE of an append-only table).
    #[error("история не переписывается: {0}")]
    AppendOnly(String),
    /// The login's role or scope does not allow this.
    #[error("недостаточно прав: {0}")]
    Forbidden(String),
    /// `user_grants` names a role this version does not know.
    #[error("неизвестная роль в user_grants: {0}")]
    UnknownRole(String),
    /// The sync refused data as impossible (a history no merge can fold).
    #[error("данные отклонены: {0}")]
    Refused(String),
    /// A row of the central database could not be read.
    #[error("данные центральной базы повреждены: {0}")]
    Corrupt(String),
    /// Any other database error.
    #[error("ошибка центральной базы: {0}")]
    Database(#[source] sqlx::Error),
}

impl CentralError {
    /// Whether the server could not be reached or the connection broke (the node is
    /// offline, or the server restarts): a later retry may succeed.
    pub fn is_connection_lost(&self) -> bool {
        let inner = match self {
            CentralError::Connect(_) => return true,
            CentralError::Database(inner) => inner,
            _ => return false,
        };
        match inner {
            sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed | sqlx::Error::Tls(_) => true,
            // admin_shutdown, crash_shutdown, cannot_connect_now
            sqlx::Error::Database(db) => matches!(db.code().as_deref(), Some("57P01" | "57P02" | "57P03")),
            _ => false,
        }
    }

    pub(crate) fn from_migrate(error: MigrateError) -> CentralError {
        match error {
            MigrateError::VersionMissing(version) => CentralError::NewerSchema(version),
            MigrateError::VersionMismatch(version) => CentralError::ChangedMigration(version),
            other => CentralError::Migrate(other),
        }
    }
}

impl From<sqlx::Error> for CentralError {
    fn from(error: sqlx::Error) -> CentralError {
        if let Some(db) = error.as_database_error() {
            match db.code().as_deref() {
                Some(SQLSTATE_APPEND_ONLY) => return CentralError::AppendOnly(db.message().to_owned()),
                Some(SQLSTATE_INSUFFICIENT_PRIVILEGE) => return CentralError::Forbidden(db.message().to_owned()),
                _ => {}
            }
        }
        CentralError::Database(error)
    }
}
