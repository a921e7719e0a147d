//! The REST API's errors: JSON `{"message": …, "code": …}` with the status a client can act on.
//!
//! Every failure a handler meets is turned into an [`ApiError`] here, in one place, so the same
//! sync failure reads the same from every endpoint. Internal details (database errors) are logged,
//! never sent.

use std::time::SystemTime;

use axum::{
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde_json::json;

use crate::{accounts::AccountError, forge::ForgeError, store::StoreError, sync::SyncError};

/// A refused or failed API request.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    /// A stable, machine-readable name for the failure.
    pub code: &'static str,
    pub message: String,
    /// Seconds until a retry can succeed (`Retry-After`).
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "a valid API token (Authorization: Bearer …) or session is required",
        )
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "not found")
    }

    pub fn internal(error: &dyn std::error::Error) -> Self {
        tracing::error!(error = %error_chain(error), "request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the server failed; see its log",
        )
    }
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Json(json!({ "message": self.message, "code": self.code }));
        match self.retry_after {
            Some(seconds) => (
                self.status,
                [(header::RETRY_AFTER, seconds.to_string())],
                body,
            )
                .into_response(),
            None => (self.status, body).into_response(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        ApiError::internal(&error)
    }
}

impl From<AccountError> for ApiError {
    fn from(error: AccountError) -> Self {
        match error {
            AccountError::Exists(_) => Self::new(StatusCode::CONFLICT, "exists", error.to_string()),
            AccountError::InvalidLogin(_) => Self::bad_request(error.to_string()),
            AccountError::Store(error) => error.into(),
        }
    }
}

impl From<SyncError> for ApiError {
    fn from(error: SyncError) -> Self {
        let message = error.to_string();
        match error {
            // 409: the request cannot succeed until the user signs in at the forge again —
            // distinct from 401, which means Reposync did not accept the caller's own token.
            SyncError::NoToken(_) => {
                Self::new(StatusCode::CONFLICT, "forge_login_required", message)
            }
            SyncError::Forge(ForgeError::Unauthorized) => Self::new(
                StatusCode::CONFLICT,
                "forge_login_expired",
                "the forge refused this user's login; sign in again to renew it",
            ),
            SyncError::Forge(ForgeError::RateLimited { until }) => {
                let wait = until
                    .duration_since(SystemTime::now())
                    .map(|d| d.as_secs() + 1)
                    .unwrap_or(1);
                ApiError {
                    retry_after: Some(wait),
                    ..Self::new(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "forge_rate_limited",
                        message,
                    )
                }
            }
            SyncError::Forge(_) | SyncError::Elsewhere(_) => {
                Self::new(StatusCode::BAD_GATEWAY, "forge_error", message)
            }
            SyncError::UnknownUser => Self::not_found(),
            SyncError::Store(detail) => {
                tracing::error!(error = %detail, "sync failed in the database");
                Self::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "the server failed; see its log",
                )
            }
        }
    }
}
