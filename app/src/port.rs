//! The port through which server functions reach the backend (server side only).
//!
//! `app` cannot depend on `server` (the server depends on `app`), so the operations the UI needs
//! are declared here and implemented by the server, which provides an `Arc<dyn Backend>` as
//! Leptos context. Server functions stay thin: fetch the port and the request, call one method.
//! Every user-specific method takes the request, from which the backend reads the session.

use std::sync::Arc;

use http::request::Parts;
use leptos::prelude::{use_context, ServerFnError};

use crate::model::{Account, RepoPage, RepoQuery, SignIn, SyncOutcome, SyncState, Viewer};

/// What the UI asks of the server. Errors are messages fit to show.
#[async_trait::async_trait]
pub trait Backend: Send + Sync + 'static {
    /// How visitors sign in.
    fn sign_in(&self) -> SignIn;
    /// The signed-in user of this request, if any.
    async fn viewer(&self, request: &Parts) -> Option<Viewer>;
    /// The user's sync state.
    async fn sync_state(&self, request: &Parts) -> Result<SyncState, String>;
    /// A page of the user's repositories.
    async fn repos(&self, request: &Parts, query: RepoQuery) -> Result<RepoPage, String>;
    /// Syncs the user now (or joins the running sync) and says how it ended.
    async fn synchronize(&self, request: &Parts) -> Result<SyncOutcome, String>;
    /// The account page: tokens and recent syncs.
    async fn account(&self, request: &Parts) -> Result<Account, String>;
    /// A new personal API token, shown once.
    async fn create_token(&self, request: &Parts, label: String) -> Result<String, String>;
    /// Revokes one of the user's tokens.
    async fn revoke_token(&self, request: &Parts, id: i64) -> Result<(), String>;
}

/// The backend provided by the server for this request.
pub fn backend() -> Result<Arc<dyn Backend>, ServerFnError> {
    use_context::<Arc<dyn Backend>>()
        .ok_or_else(|| ServerFnError::ServerError("the backend is not configured".into()))
}

/// This request's head (Leptos provides it to server functions and to server rendering).
pub fn request() -> Result<Parts, ServerFnError> {
    use_context::<Parts>().ok_or_else(|| ServerFnError::ServerError("no request in context".into()))
}

/// A backend message as a server function error.
pub fn failed(message: String) -> ServerFnError {
    ServerFnError::ServerError(message)
}
