//! `spawn_app()` and friends: start a real server for one test.

use std::sync::atomic::{AtomicU32, Ordering};

use server::{config::Config, startup::Application, store::Database};
use tempfile::TempDir;
use tokio::sync::oneshot;

/// A running server and what a test needs to talk to it.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db: Database,
    pub data_dir: TempDir,
    /// The running server's engine and accounts.
    pub services: std::sync::Arc<server::web::Services>,
    stop: Option<oneshot::Sender<()>>,
}

impl TestApp {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("request sent")
    }
}

/// A `Set-Cookie` header of `response` for cookie `name`, whole (`name=value; Path=…; …`).
pub fn set_cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_string)
}

/// The `name=value` part of a `Set-Cookie` header.
pub fn cookie_pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap_or_default().to_string()
}

impl TestApp {
    /// Signs in as `login` through the forge's OAuth flow, as a browser would: `/login`, the
    /// forge's consent (which the simulator grants at once), the callback. Returns the session
    /// cookie's whole `Set-Cookie` header.
    pub async fn sign_in(&self, login: &str) -> String {
        let start = self.get("/login").await;
        assert_eq!(start.status(), 303, "GET /login redirects to the forge");
        let pending =
            cookie_pair(&set_cookie(&start, "reposync_login").expect("a pending-login cookie"));
        let authorize = start.headers()["location"].to_str().unwrap().to_string();
        let consent = self
            .client
            .get(format!("{authorize}&login={login}"))
            .send()
            .await
            .unwrap();
        assert_eq!(consent.status(), 302, "the forge sends the browser back");
        let callback = consent.headers()["location"].to_str().unwrap().to_string();
        assert!(
            callback.starts_with(&format!("{}/login?", self.address)),
            "{callback}"
        );
        let done = self
            .client
            .get(callback)
            .header("cookie", pending)
            .send()
            .await
            .unwrap();
        assert_eq!(
            done.status(),
            303,
            "{}",
            done.text().await.unwrap_or_default()
        );
        assert_eq!(done.headers()["location"], "/");
        set_cookie(&done, "reposync_session").expect("a session cookie")
    }

    /// Creates an API token with a signed-in session (as the account page does).
    pub async fn token_for(&self, session_set_cookie: &str) -> String {
        let response = self
            .client
            .post(format!("{}/api/user/token", self.address))
            .header("cookie", cookie_pair(session_set_cookie))
            .header("sec-fetch-site", "same-origin")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let body: serde_json::Value = response.json().await.unwrap();
        body["token"].as_str().unwrap().to_string()
    }

    /// A request with a bearer token.
    pub fn bearer(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
    ) -> reqwest::RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.address))
            .bearer_auth(token)
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A configuration for a test: port 0, a temporary data directory, quiet logs.
pub fn test_config(data_dir: &TempDir, database_url: Option<String>) -> Config {
    Config {
        addr: "127.0.0.1:0".parse().unwrap(),
        server_url: None,
        data_dir: data_dir.path().to_path_buf(),
        database_url,
        log: "warn".parse().unwrap(),
        forge: None,
        forge_url: None,
        forge_api_url: None,
        forge_concurrency: 4,
        forge_rate_wait: std::time::Duration::from_secs(60),
        secret: None,
        oauth_client_id: None,
        oauth_client_secret: None,
        sync_stale_after: std::time::Duration::from_secs(72 * 3600),
        sync_lease_ttl: std::time::Duration::from_secs(60),
        repo_filter: None,
        user_create: None,
        session_ttl: std::time::Duration::from_secs(3600),
        demo_forge_addr: "127.0.0.1:0".parse().unwrap(),
        bench_ceiling: None,
        webhook_secret: None,
        sync_interval: server::config::Interval(None),
    }
}

/// Starts a server on SQLite in a fresh data directory (in demo mode: no forge is configured).
pub async fn spawn_app() -> TestApp {
    spawn_app_on(None).await
}

/// Starts a server on the given database URL (SQLite in the data directory when `None`).
pub async fn spawn_app_on(database_url: Option<String>) -> TestApp {
    spawn_app_with(database_url, |_| {}).await
}

/// The forge URL a server uses for `kind` on the simulator (Gogs lives under `/gogs`).
pub fn sim_forge_url(sim: &server::sim::Simulator, kind: server::config::ForgeKind) -> String {
    match kind {
        server::config::ForgeKind::Gogs => format!("{}/gogs", sim.url()),
        _ => sim.url(),
    }
}

/// Starts a server whose forge is `kind` on `sim`, registered as the simulator's OAuth client.
pub async fn spawn_forge_app(
    sim: &server::sim::Simulator,
    kind: server::config::ForgeKind,
    database_url: Option<String>,
    tweak: impl FnOnce(&mut Config),
) -> TestApp {
    let forge_url = sim_forge_url(sim, kind);
    spawn_app_with(database_url, move |config| {
        config.forge = Some(kind);
        config.forge_url = Some(forge_url.parse().unwrap());
        config.oauth_client_id = Some(server::sim::OAUTH_CLIENT_ID.into());
        config.oauth_client_secret = Some(server::config::Secret::new(
            server::sim::OAUTH_CLIENT_SECRET,
        ));
        config.forge_rate_wait = std::time::Duration::ZERO;
        tweak(config);
    })
    .await
}

/// Starts a server with a test configuration changed by `tweak`.
pub async fn spawn_app_with(
    database_url: Option<String>,
    tweak: impl FnOnce(&mut Config),
) -> TestApp {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let mut config = test_config(&data_dir, database_url);
    tweak(&mut config);
    server::telemetry::init(&config.log);
    let app = Application::build(&config)
        .await
        .expect("the server starts");
    let address = format!("http://{}", app.local_addr());
    let db = app.database().clone();
    let services = app.services().clone();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    TestApp {
        address,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        db,
        data_dir,
        services,
        stop: Some(stop),
    }
}

/// A new, empty PostgreSQL database on the test server, or `None` when there is none outside CI.
/// In CI (`CI` set) a missing server is a failure, never a silent skip.
pub async fn fresh_postgres_database() -> Option<String> {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let Ok(admin_url) = std::env::var("REPOSYNC_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "REPOSYNC_TEST_POSTGRES_URL must be set in CI (scripts/test.sh starts PostgreSQL)"
        );
        eprintln!("skipping: REPOSYNC_TEST_POSTGRES_URL is not set (make test sets it)");
        return None;
    };
    let name = format!(
        "reposync_test_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    );
    let admin = sqlx::PgPool::connect(&admin_url)
        .await
        .expect("the test PostgreSQL answers");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&admin)
        .await
        .expect("create database");
    admin.close().await;
    let (base, _) = admin_url
        .rsplit_once('/')
        .expect("the URL names a database");
    Some(format!("{base}/{name}"))
}

/// How many migration files a dialect ships.
pub fn migration_count(dialect: &str) -> u32 {
    let dir = format!("{}/../migrations/{dialect}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_dir(dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "sql")
        })
        .count() as u32
}

/// An in-memory page cache for client tests (the server keeps pages in the database).
#[derive(Default)]
pub struct MemoryCache(
    tokio::sync::Mutex<std::collections::HashMap<String, server::forge::CachedPage>>,
);

#[async_trait::async_trait]
impl server::forge::PageCache for MemoryCache {
    async fn get(&self, url: &str) -> Option<server::forge::CachedPage> {
        self.0.lock().await.get(url).cloned()
    }
    async fn put(&self, url: &str, page: server::forge::CachedPage) {
        self.0.lock().await.insert(url.to_string(), page);
    }
}

/// The refusals every client must type the same way: a 403 from a policy, a throttling proxy's
/// 429 (the client here does not wait), and — last, since it revokes `login`'s tokens — a 401.
pub async fn assert_refusals_are_typed(
    forge: &dyn server::forge::Forge,
    sim: &server::sim::Simulator,
    token: &str,
    login: &str,
) {
    use server::forge::{ForgeError, NoCache};
    let forbidden = list_meeting(forge, sim, token, |f| &mut f.forbid_next).await;
    assert!(
        matches!(forbidden, Err(ForgeError::Forbidden(_))),
        "{forbidden:?}"
    );
    let throttled = list_meeting(forge, sim, token, |f| &mut f.proxy_429_next).await;
    assert!(
        matches!(throttled, Err(ForgeError::RateLimited { .. })),
        "{throttled:?}"
    );
    sim.world().revoke_tokens(login);
    assert_eq!(
        forge.list_repos(token, &NoCache).await.unwrap_err(),
        ForgeError::Unauthorized
    );
}

/// Arms a one-shot fault (the counter `fault` picks) and lists until a listing met it. A request
/// still in flight from an earlier step — a listing that failed leaves its concurrent requests
/// behind — can reach the simulator first and take the fault, and then the listing passes; the
/// fault is armed again then. A client that ignores the fault passes every time, and its last
/// result is returned for the caller's assertion to fail on.
async fn list_meeting(
    forge: &dyn server::forge::Forge,
    sim: &server::sim::Simulator,
    token: &str,
    fault: impl Fn(&mut server::sim::Faults) -> &mut u32,
) -> Result<server::forge::Listing, server::forge::ForgeError> {
    let mut result = None;
    for _ in 0..5 {
        *fault(&mut sim.faults()) = 1;
        let listing = forge.list_repos(token, &server::forge::NoCache).await;
        let taken_elsewhere = listing.is_ok() && *fault(&mut sim.faults()) == 0;
        result = Some(listing);
        if !taken_elsewhere {
            break;
        }
    }
    *fault(&mut sim.faults()) = 0;
    result.expect("at least one listing")
}

/// The forge HTTP policy for tests that need no patience: 5 s timeout, one quick retry, and no
/// waiting for rate-limit resets (so a rate limit shows up as the typed error).
pub fn test_policy() -> server::forge::http::Policy {
    server::forge::http::Policy {
        timeout: std::time::Duration::from_secs(5),
        retries: 1,
        backoff: std::time::Duration::from_millis(10),
        max_rate_wait: std::time::Duration::ZERO,
    }
}

/// A loopback port nobody listens on (for a server process a test starts).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits until a server process answers `/healthz` on `port`, or fails after 5 s.
pub async fn until_listening(port: u16) {
    let client = reqwest::Client::new();
    for _ in 0..200 {
        let health = client
            .get(format!("http://127.0.0.1:{port}/healthz"))
            .send();
        if health.await.is_ok() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("the server on port {port} did not start");
}
