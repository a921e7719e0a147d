//! The site's static files: the WASM bundle, its JS glue, the stylesheet and public assets.
//!
//! Release binaries embed the whole site (see `build.rs`) and serve it from memory, compressed
//! with brotli or gzip as the client accepts. The bundle is referenced under
//! `/assets/<content hash>/…`, which is cached for a year as immutable; the same files under
//! their plain paths get a shorter cache. Debug builds serve the live `target/site` from disk
//! without caching, so `cargo leptos watch` picks up every rebuild.

use axum::Router;

/// The cache-busting segment: a hash of the embedded site, or `dev` in debug builds.
pub const ASSET_VERSION: &str = env!("REPOSYNC_ASSET_VERSION");

/// Where `cargo-leptos` put the site when this binary was built.
pub const BUILD_SITE_ROOT: &str = env!("REPOSYNC_SITE_ROOT");

/// The pkg directory as the pages reference it (Leptos' `site_pkg_dir`).
pub fn pkg_dir() -> String {
    if cfg!(debug_assertions) {
        "pkg".to_string()
    } else {
        format!("assets/{ASSET_VERSION}/pkg")
    }
}

/// Routes for the embedded site (release builds).
#[cfg(not(debug_assertions))]
pub fn router<S: Clone + Send + Sync + 'static>(_site_root: &str) -> Router<S> {
    use memory_serve::{load, CacheControl};

    let versioned = load!()
        .index_file(None)
        .cache_control(CacheControl::Long)
        .into_router();
    let plain = load!()
        .index_file(None)
        .cache_control(CacheControl::Medium)
        .into_router();
    if load!()
        .manifest()
        .get(&format!("/pkg/{}.wasm", app::PRODUCT.to_lowercase()))
        .is_none()
    {
        tracing::warn!("this binary was built without its WASM bundle; pages will not hydrate");
    }
    Router::new()
        .nest(&format!("/assets/{ASSET_VERSION}"), versioned)
        .merge(plain)
}

/// Routes for the live site directory (debug builds).
#[cfg(debug_assertions)]
pub fn router<S: Clone + Send + Sync + 'static>(site_root: &str) -> Router<S> {
    use axum::http::{header, HeaderValue};
    use tower_http::{services::ServeDir, set_header::SetResponseHeaderLayer};

    Router::new()
        .nest_service("/pkg", ServeDir::new(format!("{site_root}/pkg")))
        .route_service("/favicon.svg", ServeDir::new(site_root))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        ))
}
