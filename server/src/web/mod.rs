//! HTTP adapters: everything that turns requests into calls on the server's parts. Handlers here
//! parse, call and format; they hold no domain logic.

pub mod assets;
pub mod backend;
// Release builds use the names `build.rs` found with this module at compile time.
#[cfg_attr(not(debug_assertions), allow(dead_code))]
mod bundle_files;
pub mod health;
pub mod pages;

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;

use crate::store::Database;

/// State shared by all handlers.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos: LeptosOptions,
    pub db: Database,
}
