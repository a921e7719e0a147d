//! The port through which server functions reach the backend (server side only).
//!
//! `app` cannot depend on `server` (the server depends on `app`), so the operations the UI needs
//! are declared here and implemented by the server, which provides an `Arc<dyn Backend>` as
//! Leptos context. Server functions stay thin: fetch the port, call one method.

use std::sync::Arc;

use leptos::prelude::{use_context, ServerFnError};

use crate::model::ServerStatus;

/// What the UI asks of the server.
#[async_trait::async_trait]
pub trait Backend: Send + Sync + 'static {
    /// The server's version and database health.
    async fn server_status(&self) -> ServerStatus;
}

/// The backend provided by the server for this request.
pub fn backend() -> Result<Arc<dyn Backend>, ServerFnError> {
    use_context::<Arc<dyn Backend>>()
        .ok_or_else(|| ServerFnError::ServerError("the backend is not configured".into()))
}
