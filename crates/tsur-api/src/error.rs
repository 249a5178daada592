//! The error that crosses the API boundary: a closed code the UI may branch on, and a
//! Russian message for people. A code is added only when a caller branches on it.

use serde::Serialize;

/// What kind of failure, for callers that react differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The caller's input is wrong (a bad date, an unknown id): fix and retry.
    InvalidInput,
    /// The store cannot be used (locked, corrupt, foreign, newer): the user must act.
    StoreUnavailable,
    /// The central database cannot be reached (no network, server down): retry later; the
    /// node keeps working offline.
    Offline,
    /// Anything else: a bug or an unexpected failure.
    Internal,
}

/// An error of the API: `{ code, message }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    /// The closed code.
    pub code: ErrorCode,
    /// What happened, in Russian.
    pub message: String,
}

impl ApiError {
    /// An error with a code and a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError { code, message: message.into() }
    }

    /// Wrong input.
    pub fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::InvalidInput, message)
    }

    /// An unexpected failure.
    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::Internal, message)
    }
}

impl From<tsur_store_sqlite::StoreError> for ApiError {
    fn from(e: tsur_store_sqlite::StoreError) -> ApiError {
        use tsur_store_sqlite::StoreError as S;
        let code = match e {
            S::Locked { .. } | S::Corrupt { .. } | S::Foreign { .. } | S::NewerSchema { .. } | S::Unavailable { .. } => ErrorCode::StoreUnavailable,
            S::Transition { .. } | S::DuplicateAppeal { .. } => ErrorCode::InvalidInput,
            _ => ErrorCode::Internal,
        };
        ApiError::new(code, e.to_string())
    }
}
