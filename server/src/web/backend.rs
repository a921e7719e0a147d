//! The server's implementation of the UI's port ([`app::port::Backend`]).

use std::sync::Arc;

use app::{model::ServerStatus, port::Backend};

use super::AppState;

/// What the dashboard's server functions call.
pub struct ServerBackend {
    state: AppState,
}

impl ServerBackend {
    pub fn shared(state: AppState) -> Arc<dyn Backend> {
        Arc::new(ServerBackend { state })
    }
}

#[async_trait::async_trait]
impl Backend for ServerBackend {
    async fn server_status(&self) -> ServerStatus {
        let database_reachable = self.state.db.is_reachable().await;
        let migrations_applied = if database_reachable {
            self.state.db.migrations_applied().await.unwrap_or(0)
        } else {
            0
        };
        ServerStatus {
            version: env!("CARGO_PKG_VERSION").to_string(),
            database: self.state.db.kind(),
            database_reachable,
            migrations_applied,
        }
    }
}
