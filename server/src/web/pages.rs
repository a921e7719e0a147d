//! The Leptos pages and server functions, mounted on the axum router with the backend port in
//! their context.

use std::sync::Arc;

use app::{port::Backend, shell};
use axum::{
    body::Body,
    extract::Request,
    routing::{on, MethodFilter},
    Router,
};
use leptos::prelude::*;
use leptos_axum::{handle_server_fns_with_context, render_app_async_with_context};

use super::{assets, AppState};

/// Adds the server functions and the pages to `router`: every path no other route takes renders
/// the app, which picks its page from the path (an unknown one is the 404 page, with a 404
/// status). Pages are rendered completely — every resource resolved — before they are sent, so
/// they work without JavaScript.
pub fn mount(
    router: Router<AppState>,
    state: &AppState,
    backend: Arc<dyn Backend>,
) -> Router<AppState> {
    // Server functions and resources spawn their futures on Leptos' executor.
    let _ = any_spawner::Executor::init_tokio();
    let context = move || provide_context(backend.clone());
    let options = state.leptos.clone();
    let page = move || {
        let bundle = assets::bundle(&options.site_root);
        shell(options.clone(), bundle)
    };
    let mut router = router;
    for (path, method) in leptos::server_fn::axum::server_fn_paths() {
        let context = context.clone();
        let handler = move |req: Request<Body>| handle_server_fns_with_context(context, req);
        // Server functions declare standard methods only, each of which axum routes.
        let filter = MethodFilter::try_from(method).expect("a server function's method");
        router = router.route(path, on(filter, handler));
    }
    router.fallback(render_app_async_with_context(context, page))
}
