//! The Leptos pages and server functions, mounted on the axum router with the backend port in
//! their context.

use std::sync::Arc;

use app::{port::Backend, shell, App};
use axum::Router;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};

use super::{assets, AppState};

/// Adds the app's routes, its server functions and the 404 fallback to `router`.
pub fn mount(
    router: Router<AppState>,
    state: &AppState,
    backend: Arc<dyn Backend>,
) -> Router<AppState> {
    let context = move || provide_context(backend.clone());
    let options = state.leptos.clone();
    let page = move || {
        let bundle = assets::bundle(&options.site_root);
        shell(options.clone(), bundle)
    };
    let routes = generate_route_list(App);
    let router = router.leptos_routes_with_context(state, routes, context.clone(), page.clone());
    // Unknown paths render the app too, whose router shows the 404 page with a 404 status.
    router.fallback(leptos_axum::render_app_to_stream_with_context(
        context, page,
    ))
}
