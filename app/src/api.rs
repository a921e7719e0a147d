//! Server functions: the dashboard's calls to the server. Each one is a thin adapter over
//! [`crate::port::Backend`]; none holds logic of its own.
//!
//! They live under `/rpc/` so that they never collide with the Drone-compatible REST API under
//! `/api/`, which has its own authentication rules.

use leptos::prelude::*;

use crate::model::ServerStatus;

/// The server's version and database health.
#[server(prefix = "/rpc", endpoint = "server_status")]
pub async fn get_server_status() -> Result<ServerStatus, ServerFnError> {
    Ok(crate::port::backend()?.server_status().await)
}
