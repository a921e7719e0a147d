//! View types shared by the server and the WASM client.
//!
//! These are plain serialisable values: what the server functions return and the pages render.
//! They carry no behaviour that needs the server.

use serde::{Deserialize, Serialize};

/// Which database engine the server runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DatabaseKind {
    Sqlite,
    Postgres,
}

impl DatabaseKind {
    /// The name an operator knows the engine by.
    pub fn label(self) -> &'static str {
        match self {
            DatabaseKind::Sqlite => "SQLite",
            DatabaseKind::Postgres => "PostgreSQL",
        }
    }
}

/// The server's own health, as the dashboard shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerStatus {
    /// The server's version (the workspace version).
    pub version: String,
    /// The database engine in use.
    pub database: DatabaseKind,
    /// Whether the database answered just now.
    pub database_reachable: bool,
    /// How many schema migrations the database has applied.
    pub migrations_applied: u32,
}
