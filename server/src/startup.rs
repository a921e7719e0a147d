//! Building and running the HTTP server: open the database, migrate, assemble the router, bind,
//! serve until a shutdown signal, then drain in-flight requests.

use std::{future::Future, net::SocketAddr, sync::Arc};

use anyhow::Context;
use axum::{routing::get, Router};
use leptos::prelude::LeptosOptions;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

use crate::{
    accounts::{signin::SignIn, Accounts},
    config::Config,
    sim::Simulator,
    store::{secrets::Secrets, Database, DatabaseUrl},
    sync::Engine,
    web::{self, AppState, Services, Site},
};

/// A server that is bound to its port and ready to run.
pub struct Application {
    listener: TcpListener,
    router: Router,
    db: Database,
    services: Arc<Services>,
    /// Demo mode's in-process forge; it lives as long as the server.
    demo_forge: Option<Simulator>,
}

impl Application {
    /// Opens and migrates the database, sets up the forge (or demo mode's simulated one), the
    /// engine and the accounts, and binds the listener (port 0 picks a free port).
    pub async fn build(config: &Config) -> anyhow::Result<Self> {
        let url = DatabaseUrl::resolve(config.database_url.as_deref(), &config.data_dir)?;
        let db = Database::connect(&url).await?;
        db.migrate().await?;
        tracing::info!(database = %url, "database ready");

        let listener = TcpListener::bind(config.addr)
            .await
            .with_context(|| format!("cannot listen on {}", config.addr))?;
        let addr = listener.local_addr()?;
        let mut config = config.clone();
        if config.server_url.is_none() {
            // With port 0 only the bound address says where browsers and forges reach us.
            config.server_url = Some(url::Url::parse(&format!("http://{addr}"))?);
        }
        let (demo_forge, config) = if config.forge.is_none() {
            let (sim, demo) = crate::demo::start(&config).await?;
            (Some(sim), demo)
        } else {
            (None, config)
        };
        let services = Arc::new(services(&config, &db, demo_forge.is_some()).await?);
        let state = AppState {
            leptos: leptos_options(addr),
            db: db.clone(),
            services: services.clone(),
        };
        let ceiling = match &config.bench_ceiling {
            Some(path) => Some(bytes::Bytes::from(std::fs::read(path).with_context(
                || format!("REPOSYNC_BENCH_CEILING: cannot read {}", path.display()),
            )?)),
            None => None,
        };
        let router = router(state, ceiling);
        Ok(Application {
            listener,
            router,
            db,
            services,
            demo_forge,
        })
    }

    /// The engine, accounts and sign-in this server runs with.
    pub fn services(&self) -> &Arc<Services> {
        &self.services
    }

    /// Demo mode's simulated forge, if the server runs in demo mode.
    pub fn demo_forge(&self) -> Option<&Simulator> {
        self.demo_forge.as_ref()
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
        let worker = self.services.hooks.start();
        let schedule = self
            .services
            .schedule
            .map(|period| crate::sync::schedule::start(self.services.engine.clone(), period));
        axum::serve(self.listener, self.router)
            .with_graceful_shutdown(shutdown)
            .await?;
        worker.abort();
        if let Some(schedule) = schedule {
            schedule.abort();
        }
        self.db.close().await;
        drop(self.demo_forge);
        tracing::info!("stopped");
        Ok(())
    }
}

fn invalid(what: &str, error: String) -> anyhow::Error {
    anyhow::anyhow!("the {what} settings are not valid: {error}")
}

/// The sync engine for a configuration with a forge (the server's, and `reposync sync`'s).
pub fn engine(config: &Config, db: &Database, secrets: &Secrets) -> anyhow::Result<Arc<Engine>> {
    let forge = config
        .forge_client()
        .map_err(|e| invalid("forge", e))?
        .context("no forge is configured: set REPOSYNC_FORGE (and REPOSYNC_FORGE_URL)")?;
    Ok(Engine::new(
        db.clone(),
        forge,
        config.oauth_client().map_err(|e| invalid("OAuth", e))?,
        secrets.clone(),
        config.sync_settings(),
    ))
}

/// The server key, from `REPOSYNC_SECRET` or the data directory.
pub fn secrets(config: &Config) -> anyhow::Result<Secrets> {
    Ok(Secrets::load(
        config.secret.as_ref().map(|s| s.expose()),
        &config.data_dir,
    )?)
}

/// The engine, accounts and sign-in for a configuration with a forge.
async fn services(config: &Config, db: &Database, demo: bool) -> anyhow::Result<Services> {
    let secrets = secrets(config)?;
    let engine = engine(config, db, &secrets)?;
    let forge = engine.forge();
    let accounts = Accounts::new(db.clone(), secrets.clone(), config.session_ttl);
    if let Some(spec) = &config
        .user_spec()
        .map_err(|e| invalid("REPOSYNC_USER_CREATE", e))?
    {
        accounts
            .bootstrap(spec)
            .await
            .context("REPOSYNC_USER_CREATE")?;
    }
    let oauth = config
        .oauth_client()
        .map_err(|e| invalid("OAuth", e))?
        .map(Arc::new);
    if oauth.is_none() && !forge.signs_in_with_password() {
        tracing::warn!(
            "REPOSYNC_OAUTH_CLIENT_ID and REPOSYNC_OAUTH_CLIENT_SECRET are not set: nobody can sign in \
             (API tokens from REPOSYNC_USER_CREATE or `reposync token create` still work)"
        );
    }
    let signin = SignIn::new(forge, oauth, secrets, accounts.clone());
    let (kind, _, _) = config
        .forge_endpoints()
        .map_err(|e| invalid("forge", e))?
        .context("no forge is configured")?;
    let hooks = crate::hooks::Hooks::new(
        db.clone(),
        engine.clone(),
        kind,
        config.webhook_secret.clone(),
    );
    Ok(Services {
        hooks,
        engine,
        accounts,
        lists: crate::web::lists::Lists::new(crate::web::lists::BUDGET),
        signin,
        site: Site {
            server_url: config.server_url(),
            demo,
        },
        schedule: config.sync_interval.0,
    })
}

/// The whole HTTP surface; `ceiling` is the benchmark's fixed body (REPOSYNC_BENCH_CEILING).
fn router(state: AppState, ceiling: Option<bytes::Bytes>) -> Router {
    let backend = web::backend::ServerBackend::shared(state.clone());
    let site_root = state.leptos.site_root.to_string();
    let router = Router::<AppState>::new()
        .route("/healthz", get(web::health::healthz))
        .route(
            "/login",
            get(web::login::get_login).post(web::login::post_login),
        )
        .route("/logout", get(web::login::logout))
        .route("/events", get(web::events::events))
        // The body limit is the parser's own (1 MiB), plus room for the refusal to say so.
        .route(
            "/hook",
            axum::routing::post(web::hook::receive).layer(axum::extract::DefaultBodyLimit::max(
                crate::forge::webhook::MAX_BODY + 1,
            )),
        )
        .merge(web::api::router());
    let router = match ceiling {
        Some(body) => {
            tracing::warn!(
                bytes = body.len(),
                "benchmark ceiling served at /_bench/ceiling"
            );
            router.route(
                "/_bench/ceiling",
                get(move || async move {
                    (
                        [(axum::http::header::CONTENT_TYPE, "application/json")],
                        body,
                    )
                }),
            )
        }
        None => router,
    };
    web::pages::mount(router, &state, backend)
        .merge(web::assets::router(&site_root))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            web::auth::same_origin,
        ))
        // Spans name the path, never the query: `?access_token=` must not reach a log.
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &axum::extract::Request| {
                tracing::debug_span!("request", method = %request.method(), path = %request.uri().path())
            }),
        )
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
