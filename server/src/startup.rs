//! Building and running the HTTP server: open the database, migrate, assemble the router, bind,
//! serve until a shutdown signal, then drain in-flight requests.

use std::{future::Future, net::SocketAddr};

use anyhow::Context;
use axum::{routing::get, Router};
use leptos::prelude::LeptosOptions;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

use crate::{
    config::Config,
    store::{Database, DatabaseUrl},
    web::{self, AppState},
};

/// A server that is bound to its port and ready to run.
pub struct Application {
    listener: TcpListener,
    router: Router,
    db: Database,
}

impl Application {
    /// Opens and migrates the database and binds the listener (port 0 picks a free port).
    pub async fn build(config: &Config) -> anyhow::Result<Self> {
        let url = DatabaseUrl::resolve(config.database_url.as_deref(), &config.data_dir)?;
        let db = Database::connect(&url).await?;
        db.migrate().await?;
        tracing::info!(database = %url, "database ready");

        let listener = TcpListener::bind(config.addr)
            .await
            .with_context(|| format!("cannot listen on {}", config.addr))?;
        let addr = listener.local_addr()?;
        let state = AppState {
            leptos: leptos_options(addr),
            db: db.clone(),
        };
        let router = router(state);
        Ok(Application {
            listener,
            router,
            db,
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// The database this server uses.
    pub fn database(&self) -> &Database {
        &self.db
    }

    /// Serves until `shutdown` completes, then finishes in-flight requests and closes the pool.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        tracing::info!(addr = %self.local_addr(), "listening");
        axum::serve(self.listener, self.router)
            .with_graceful_shutdown(shutdown)
            .await?;
        self.db.close().await;
        tracing::info!("stopped");
        Ok(())
    }
}

/// The whole HTTP surface.
fn router(state: AppState) -> Router {
    let backend = web::backend::ServerBackend::shared(state.db.clone());
    let site_root = state.leptos.site_root.to_string();
    let router = Router::<AppState>::new().route("/healthz", get(web::health::healthz));
    web::pages::mount(router, &state, backend)
        .merge(web::assets::router(&site_root))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Leptos' options, built in code so that a copied binary needs no `Cargo.toml` or environment.
/// `cargo leptos watch` still steers the site root and live-reload port through its variables.
fn leptos_options(addr: SocketAddr) -> LeptosOptions {
    let site_root = std::env::var("LEPTOS_SITE_ROOT")
        .ok()
        .filter(|_| cfg!(debug_assertions))
        .unwrap_or_else(|| web::assets::BUILD_SITE_ROOT.to_string());
    let reload_port = std::env::var("LEPTOS_RELOAD_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3001);
    LeptosOptions::builder()
        .output_name(app::PRODUCT.to_lowercase())
        .site_root(site_root)
        .site_addr(addr)
        .reload_port(reload_port)
        .env(if cfg!(debug_assertions) {
            leptos::config::Env::DEV
        } else {
            leptos::config::Env::PROD
        })
        .build()
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received; finishing in-flight requests");
}
