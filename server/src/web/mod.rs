//! HTTP adapters: everything that turns requests into calls on the server's parts. Handlers here
//! parse, call and format; they hold no domain logic.

pub mod api;
pub mod assets;
pub mod auth;
pub mod backend;
// Release builds use the names `build.rs` found with this module at compile time.
#[cfg_attr(not(debug_assertions), allow(dead_code))]
mod bundle_files;
pub mod error;
pub mod events;
pub mod health;
pub mod hook;
pub mod lists;
pub mod login;
pub mod pages;
pub mod repo_list;

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;
use url::Url;

use crate::{
    accounts::{signin::SignIn, Accounts},
    store::Database,
    sync::Engine,
};

/// State shared by all handlers.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos: LeptosOptions,
    pub db: Database,
    pub services: Arc<Services>,
}

/// The server's parts that handlers call.
pub struct Services {
    pub engine: Arc<Engine>,
    pub hooks: Arc<crate::hooks::Hooks>,
    pub accounts: Accounts,
    /// Users' repository lists, kept while the data under them has not changed.
    pub lists: lists::Lists,
    pub signin: SignIn,
    pub site: Site,
    /// `REPOSYNC_SYNC_INTERVAL`: the scheduled refresh's period, if on.
    pub schedule: Option<std::time::Duration>,
}

/// Facts about this deployment that requests are checked against.
#[derive(Clone, Debug)]
pub struct Site {
    /// The public base URL (`REPOSYNC_SERVER_URL`, or the listen address).
    pub server_url: Url,
    /// Whether the built-in demo forge is in use.
    pub demo: bool,
}

impl Site {
    /// Cookies get `Secure` when the server is reached over https.
    pub fn secure_cookies(&self) -> bool {
        self.server_url.scheme() == "https"
    }

    /// The server's origin, as browsers send it in `Origin` (`http://host:port`).
    pub fn origin(&self) -> String {
        self.server_url.origin().ascii_serialization()
    }
}
