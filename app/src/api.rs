//! Server functions: the dashboard's calls to the server. Each one is a thin adapter over
//! [`crate::port::Backend`]; none holds logic of its own.
//!
//! They live under `/rpc/` so that they never collide with the Drone-compatible REST API under
//! `/api/`, which has its own authentication rules.

use leptos::prelude::*;

use crate::model::{Account, RepoPage, RepoQuery, SignIn, SyncOutcome, SyncState, Viewer};

/// Who is signed in (if anyone), and how one signs in.
#[server(prefix = "/rpc", endpoint = "session")]
pub async fn get_session() -> Result<(Option<Viewer>, SignIn), ServerFnError> {
    let backend = crate::port::backend()?;
    let viewer = backend.viewer(&crate::port::request()?).await;
    Ok((viewer, backend.sign_in()))
}

/// The signed-in user's sync state.
#[server(prefix = "/rpc", endpoint = "sync_state")]
pub async fn get_sync_state() -> Result<SyncState, ServerFnError> {
    let backend = crate::port::backend()?;
    backend
        .sync_state(&crate::port::request()?)
        .await
        .map_err(crate::port::failed)
}

/// A page of the signed-in user's repositories.
#[server(prefix = "/rpc", endpoint = "repos", input = server_fn::codec::Json)]
pub async fn list_repos(query: RepoQuery) -> Result<RepoPage, ServerFnError> {
    let backend = crate::port::backend()?;
    backend
        .repos(&crate::port::request()?, query)
        .await
        .map_err(crate::port::failed)
}

/// The Synchronize button: sync now and say how it ended. Without JavaScript it is a plain form
/// POST, answered with a redirect back to the page.
#[server(prefix = "/rpc", endpoint = "synchronize")]
pub async fn synchronize() -> Result<SyncOutcome, ServerFnError> {
    let backend = crate::port::backend()?;
    backend
        .synchronize(&crate::port::request()?)
        .await
        .map_err(crate::port::failed)
}

/// The account page's data.
#[server(prefix = "/rpc", endpoint = "account")]
pub async fn get_account() -> Result<Account, ServerFnError> {
    let backend = crate::port::backend()?;
    backend
        .account(&crate::port::request()?)
        .await
        .map_err(crate::port::failed)
}

/// A new personal API token.
#[server(prefix = "/rpc", endpoint = "create_token")]
pub async fn create_token(label: String) -> Result<String, ServerFnError> {
    let backend = crate::port::backend()?;
    backend
        .create_token(&crate::port::request()?, label)
        .await
        .map_err(crate::port::failed)
}

/// Revokes a token.
#[server(prefix = "/rpc", endpoint = "revoke_token")]
pub async fn revoke_token(id: i64) -> Result<(), ServerFnError> {
    let backend = crate::port::backend()?;
    backend
        .revoke_token(&crate::port::request()?, id)
        .await
        .map_err(crate::port::failed)
}
