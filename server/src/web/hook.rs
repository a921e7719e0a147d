//! `POST /hook`: forge webhook deliveries. Verified and stored before the `202 Accepted`, so a
//! crash after the answer loses nothing; a worker applies them ([`crate::hooks`]).

use axum::{
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde_json::json;

use super::{error::ApiError, AppState};
use crate::{
    forge::webhook::WebhookError,
    hooks::{HookError, Received},
};

pub async fn receive(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    match state.services.hooks.receive(&headers, &body).await {
        Ok(Received::Queued { new }) => (
            StatusCode::ACCEPTED,
            Json(json!({ "message": if new { "accepted" } else { "already received" } })),
        )
            .into_response(),
        Ok(Received::Ignored { reason }) => (
            StatusCode::ACCEPTED,
            Json(json!({ "message": format!("ignored: {reason}") })),
        )
            .into_response(),
        Err(HookError::NotConfigured) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "not_configured",
            HookError::NotConfigured.to_string(),
        )
        .into_response(),
        Err(HookError::Refused(error)) => {
            let status = match error {
                WebhookError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
                WebhookError::Unsigned(_) | WebhookError::BadSignature => StatusCode::UNAUTHORIZED,
                WebhookError::Malformed(_) => StatusCode::BAD_REQUEST,
            };
            tracing::info!(%error, "refused a webhook delivery");
            ApiError::new(status, "refused", error.to_string()).into_response()
        }
        Err(HookError::Store(error)) => ApiError::from(error).into_response(),
    }
}
