//! The Reposync user interface: the HTML shell, the routes, the pages and the server functions.
//!
//! This crate is compiled twice: with `ssr` into the server (where server functions run and reach
//! the backend through [`port::Backend`]) and with `hydrate` into the WASM bundle. It must never
//! depend on the database or HTTP-client crates, so that the WASM build stays small; everything
//! the UI needs from the server goes through the port.

pub mod api;
mod bundle;
pub mod codec;
pub mod components;
mod live;
pub mod location;
pub mod model;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod port;
pub mod session;
pub mod wording;

use leptos::prelude::*;

pub use crate::bundle::Bundle;
use crate::{
    bundle::BundleScripts,
    pages::{account::AccountPage, dashboard::Dashboard, not_found::NotFound},
};

/// The product name, shown in the header and the page titles.
pub const PRODUCT: &str = "Reposync";

/// The HTML document around the app; rendered on the server only.
///
/// The bundle's URLs carry content hashes that only the server knows, so they come in as
/// `bundle` rather than from [`App`].
pub fn shell(options: LeptosOptions, bundle: Bundle) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <AutoReload options/>
                <BundleScripts bundle/>
                // `inner_html`: a text child would carry a hydration marker, which a browser
                // reads as part of the title (the shell is never hydrated).
                <title inner_html=Page::at(&location::path()).title()/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The root component: the header and the page the path names.
///
/// Pages are separate documents (see [`location`]): the server renders the whole page, with every
/// resource resolved, before it sends it, so each page is complete without JavaScript.
#[component]
pub fn App() -> impl IntoView {
    session::provide_session();
    view! {
        <components::header::Header/>
        <main id="main" class="main">{Page::at(&location::path()).view()}</main>
    }
}

/// Reposync's pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Page {
    Dashboard,
    Account,
    NotFound,
}

impl Page {
    /// The page at `path` (a trailing slash names the same page).
    pub fn at(path: &str) -> Page {
        match path.trim_end_matches('/') {
            "" => Page::Dashboard,
            "/account" => Page::Account,
            _ => Page::NotFound,
        }
    }

    /// The document's title (rendered into the shell by the server; pages never change it).
    pub fn title(self) -> &'static str {
        match self {
            Page::Dashboard => "Repositories · Reposync",
            Page::Account => "Account · Reposync",
            Page::NotFound => "Not found · Reposync",
        }
    }

    fn view(self) -> AnyView {
        match self {
            Page::Dashboard => view! { <Dashboard/> }.into_any(),
            Page::Account => view! { <AccountPage/> }.into_any(),
            Page::NotFound => view! { <NotFound/> }.into_any(),
        }
    }
}
