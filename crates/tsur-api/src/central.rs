//! The central PostgreSQL database (`crates/tsur-store-postgres`): applying its schema. The
//! sync engine will live here too.

use crate::{ApiError, ErrorCode};
use tsur_store_postgres::{CentralError, CentralStore};

fn api_error(e: CentralError) -> ApiError {
    let code = match e {
        CentralError::BadUrl(_) => ErrorCode::InvalidInput,
        _ => ErrorCode::StoreUnavailable,
    };
    ApiError::new(code, e.to_string())
}

/// Connects to the central database at `url` (`postgres://login@host/db`; the password from
/// `PGPASSWORD` or the URL) and applies the schema's migrations; applying them again changes
/// nothing, and a database migrated by a newer tsur is refused, never downgraded.
pub async fn central_migrate(url: &str) -> Result<(), ApiError> {
    let store = CentralStore::connect(url).await.map_err(api_error)?;
    let result = store.migrate().await.map_err(api_error);
    store.close().await;
    result
}
