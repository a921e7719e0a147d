//! The site's static files: the WASM bundle, its JS glue, the stylesheet and public assets.
//!
//! Release binaries embed the whole site (see `build.rs`) and serve it from memory, compressed
//! with brotli or gzip as the client accepts. The bundle's names carry cargo-leptos' content
//! hashes, so `/pkg/*` is cached for a year as immutable; public files get a one-week cache.
//! Debug builds serve the live `target/site` from disk without caching, and look the bundle's
//! names up on every page, so `cargo leptos watch` picks up every rebuild.

use app::Bundle;
use axum::Router;

pub use super::bundle_files::BundleFiles;

/// Where cargo-leptos put the site when this binary was built.
pub const BUILD_SITE_ROOT: &str = env!("REPOSYNC_SITE_ROOT");

/// The URLs of the client bundle that pages must load.
pub fn bundle(site_root: &str) -> Bundle {
    let files = bundle_files(site_root);
    Bundle {
        js: format!("/pkg/{}", files.js),
        wasm: format!("/pkg/{}", files.wasm),
        css: format!("/pkg/{}", files.css),
    }
}

#[cfg(not(debug_assertions))]
fn bundle_files(_site_root: &str) -> BundleFiles {
    BundleFiles {
        js: env!("REPOSYNC_BUNDLE_JS").into(),
        wasm: env!("REPOSYNC_BUNDLE_WASM").into(),
        css: env!("REPOSYNC_BUNDLE_CSS").into(),
    }
}

#[cfg(debug_assertions)]
fn bundle_files(site_root: &str) -> BundleFiles {
    super::bundle_files::find(
        &std::path::Path::new(site_root).join("pkg"),
        &app::PRODUCT.to_lowercase(),
    )
}

/// Routes for the embedded site (release builds).
#[cfg(not(debug_assertions))]
pub fn router<S: Clone + Send + Sync + 'static>(_site_root: &str) -> Router<S> {
    use memory_serve::{load, CacheControl};

    let pkg = load!("pkg");
    if pkg
        .manifest()
        .get(&format!("/{}", env!("REPOSYNC_BUNDLE_WASM")))
        .is_none()
    {
        tracing::warn!("this binary was built without its WASM bundle; pages will not hydrate");
    }
    let pkg = pkg
        .index_file(None)
        .cache_control(CacheControl::Long)
        .into_router();
    let public = load!("public")
        .index_file(None)
        .cache_control(CacheControl::Medium)
        .into_router();
    Router::new().nest("/pkg", pkg).merge(public)
}

/// Routes for the live site directory (debug builds).
#[cfg(debug_assertions)]
pub fn router<S: Clone + Send + Sync + 'static>(site_root: &str) -> Router<S> {
    use axum::http::{header, HeaderValue};
    use tower_http::{services::ServeDir, set_header::SetResponseHeaderLayer};

    let root = std::path::Path::new(site_root);
    Router::new()
        .nest_service("/pkg", ServeDir::new(root.join("pkg")))
        .route_service("/favicon.svg", ServeDir::new(root))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        ))
}
