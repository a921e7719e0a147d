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
use leptos_meta::{provide_meta_context, MetaTags, Title};

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
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The root component: meta context, header and the page the path names.
///
/// Pages are separate documents (see [`location`]): the server renders the whole page, with every
/// resource resolved, before it sends it, so each page is complete without JavaScript.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    session::provide_session();
    view! {
        // The product's title first: a page's own title, set later, replaces it.
        <Title text=PRODUCT/>
        <components::header::Header/>
        <main id="main" class="main">{page(&location::path())}</main>
    }
}

/// The page at `path` (a trailing slash names the same page).
fn page(path: &str) -> AnyView {
    match path.trim_end_matches('/') {
        "" => view! { <Dashboard/> }.into_any(),
        "/account" => view! { <AccountPage/> }.into_any(),
        _ => view! { <NotFound/> }.into_any(),
    }
}
