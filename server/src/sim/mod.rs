//! The forge simulator: a real HTTP server that holds users, repositories, permissions and tokens
//! in memory and speaks a forge's API with its real paging, permissions, rate limits and ETags.
//!
//! It is part of the product (demo mode, `reposync forge-sim`) and what the tests run every
//! client and the sync engine against. [`World`] is the forge-neutral state; each forge's module
//! renders it in that forge's formats. Faults are injected through [`Faults`]; every request is
//! counted in [`Counters`], so tests can prove what a listing cost.

pub mod admin;
pub mod bitbucket;
pub mod bitbucket_dc;
pub mod deliver;
pub mod gitea;
pub mod github;
pub mod gitlab;
pub mod gogs;
pub mod oauth;
pub mod org_hooks;

use std::{
    collections::BTreeMap,
    net::SocketAddr,
    sync::{Arc, Mutex, MutexGuard},
    time::{Duration, SystemTime},
};

use axum::Router;
use tokio::{net::TcpListener, sync::oneshot};

/// A user's role on a repository, GitHub's scale (other forges map onto it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Read,
    Triage,
    Write,
    Maintain,
    Admin,
}

/// A forge account.
#[derive(Clone, Debug)]
pub struct SimUser {
    pub id: u64,
    pub login: String,
    pub email: String,
    pub tokens: Vec<String>,
    /// The password Gogs' basic-auth token API checks ([`SIM_PASSWORD`] for every user).
    pub password: String,
    /// Named tokens created through Gogs' token API: (name, token).
    pub named_tokens: Vec<(String, String)>,
}

/// Every simulated user's password (Gogs sign-in).
pub const SIM_PASSWORD: &str = "password";

/// A repository and who may reach it.
#[derive(Clone, Debug)]
pub struct SimRepo {
    pub id: u64,
    pub owner: String,
    pub name: String,
    pub private: bool,
    pub archived: bool,
    pub default_branch: String,
    /// Every user with access, and their role. Owners are listed here too (as admin).
    pub access: BTreeMap<String, Role>,
}

impl SimRepo {
    pub fn full_name(&self) -> String {
        format!("{}/{}", self.owner, self.name)
    }
}

/// The simulated forge's state.
#[derive(Debug, Default)]
pub struct World {
    pub users: Vec<SimUser>,
    pub repos: BTreeMap<u64, SimRepo>,
    /// How long issued access tokens live; `None`: forever (GitHub OAuth apps).
    pub token_lifetime: Option<Duration>,
    /// When issued access tokens expire.
    expiry: BTreeMap<String, SystemTime>,
    /// Refresh tokens and whose they are.
    refresh_tokens: BTreeMap<String, String>,
    /// Authorization codes waiting to be exchanged.
    codes: BTreeMap<String, Pending>,
    next_id: u64,
}

/// An authorization code waiting to be exchanged.
#[derive(Debug)]
struct Pending {
    login: String,
    redirect_uri: String,
    /// The PKCE S256 challenge the client sent, if any.
    challenge: Option<String>,
}

/// The OAuth application the simulator knows (Reposync's registration).
pub const OAUTH_CLIENT_ID: &str = "reposync-sim-client";
pub const OAUTH_CLIENT_SECRET: &str = "reposync-sim-secret";

impl World {
    fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Adds a user with one token and returns the token.
    pub fn add_user(&mut self, login: &str) -> String {
        let id = self.next_id();
        let token = format!("sim-{login}-{id}");
        self.users.push(SimUser {
            id,
            login: login.into(),
            email: format!("{login}@example.test"),
            tokens: vec![token.clone()],
            password: SIM_PASSWORD.into(),
            named_tokens: Vec::new(),
        });
        token
    }

    /// Creates a repository under `owner` with `access`, and returns its id.
    pub fn add_repo(
        &mut self,
        owner: &str,
        name: &str,
        private: bool,
        access: &[(&str, Role)],
    ) -> u64 {
        let id = self.next_id() + 1_000_000;
        let repo = SimRepo {
            id,
            owner: owner.into(),
            name: name.into(),
            private,
            archived: false,
            default_branch: "main".into(),
            access: access
                .iter()
                .map(|(login, role)| (login.to_string(), *role))
                .collect(),
        };
        self.repos.insert(id, repo);
        id
    }

    /// Seeds `count` repositories across `orgs` organisations, all reachable by `login` with
    /// roles cycling through read, write and admin.
    pub fn seed(&mut self, login: &str, orgs: usize, count: usize) {
        let roles = [Role::Read, Role::Write, Role::Admin];
        for i in 0..count {
            let org = format!("org{:02}", i % orgs.max(1));
            self.add_repo(
                &org,
                &format!("repo-{i:05}"),
                i % 2 == 0,
                &[(login, roles[i % 3])],
            );
        }
    }

    pub fn repo_mut(&mut self, id: u64) -> &mut SimRepo {
        self.repos
            .get_mut(&id)
            .expect("a repository the test created")
    }

    /// The user a live (unexpired) token belongs to.
    pub fn user_by_token(&self, token: &str) -> Option<&SimUser> {
        if self
            .expiry
            .get(token)
            .is_some_and(|at| *at <= SystemTime::now())
        {
            return None;
        }
        self.users
            .iter()
            .find(|u| u.tokens.iter().any(|t| t == token))
    }

    /// Issues `login` a new access token (expiring after `token_lifetime`) and refresh token.
    pub fn issue_tokens(&mut self, login: &str) -> (String, String) {
        let id = self.next_id();
        let access = format!("sim-{login}-access-{id}");
        let refresh = format!("sim-{login}-refresh-{id}");
        if let Some(lifetime) = self.token_lifetime {
            self.expiry
                .insert(access.clone(), SystemTime::now() + lifetime);
        }
        self.refresh_tokens
            .insert(refresh.clone(), login.to_string());
        if let Some(user) = self.users.iter_mut().find(|u| u.login == login) {
            user.tokens.push(access.clone());
        }
        (access, refresh)
    }

    /// Trades a refresh token for new tokens; the old refresh token stops working (rotation).
    pub fn refresh(&mut self, refresh: &str) -> Option<(String, String)> {
        let login = self.refresh_tokens.remove(refresh)?;
        Some(self.issue_tokens(&login))
    }

    /// A code for `login` to exchange once, from `redirect_uri` — with the verifier matching
    /// `challenge` when the client sent a PKCE (S256) challenge.
    pub fn issue_code(
        &mut self,
        login: &str,
        redirect_uri: &str,
        challenge: Option<&str>,
    ) -> String {
        let code = format!("code-{}", self.next_id());
        self.codes.insert(
            code.clone(),
            Pending {
                login: login.to_string(),
                redirect_uri: redirect_uri.to_string(),
                challenge: challenge.map(str::to_string),
            },
        );
        code
    }

    /// Redeems a code (once): the login it was issued for. A code issued with a PKCE challenge
    /// needs the verifier whose SHA-256 is that challenge.
    pub fn redeem_code(
        &mut self,
        code: &str,
        redirect_uri: Option<&str>,
        verifier: Option<&str>,
    ) -> Option<String> {
        use base64::Engine as _;
        use sha2::Digest as _;
        let pending = self.codes.remove(code)?;
        if let Some(challenge) = &pending.challenge {
            let verifier = verifier?;
            let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(sha2::Sha256::digest(verifier.as_bytes()));
            if &computed != challenge {
                return None;
            }
        }
        redirect_uri
            .is_none_or(|r| r == pending.redirect_uri)
            .then_some(pending.login)
    }

    /// Gogs' token API: the user whose basic-auth credentials these are.
    pub fn user_by_password(&mut self, login: &str, password: &str) -> Option<&mut SimUser> {
        self.users
            .iter_mut()
            .find(|u| u.login == login && u.password == password)
    }

    /// Revokes every access and refresh token of `login`.
    pub fn revoke_tokens(&mut self, login: &str) {
        for user in self.users.iter_mut().filter(|u| u.login == login) {
            user.tokens.clear();
            user.named_tokens.clear();
        }
        self.refresh_tokens.retain(|_, owner| owner != login);
    }

    /// The repositories `login` can reach, sorted by full name (GitHub's default order).
    pub fn visible_to(&self, login: &str) -> Vec<(&SimRepo, Role)> {
        let mut repos: Vec<_> = self
            .repos
            .values()
            .filter_map(|r| r.access.get(login).map(|role| (r, *role)))
            .collect();
        // One key per repository, not one per comparison: pages of a 10,000-repository account
        // sort the whole list on every request.
        repos.sort_by_cached_key(|(r, _)| r.full_name().to_lowercase());
        repos
    }
}

/// Faults to inject, read on every request.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    /// Added to every request.
    pub latency: Duration,
    /// This listing page answers 500.
    pub fail_page: Option<u32>,
    /// The next N requests answer 500.
    pub fail_next: u32,
    /// Listings answer an empty list.
    pub empty_listing: bool,
    /// This listing page never answers.
    pub hang_page: Option<u32>,
    /// This listing page answers malformed JSON.
    pub malformed_page: Option<u32>,
    /// The next N API requests are answered 429 by "a reverse proxy" in front of the forge (the
    /// only rate limiting Gitea, Gogs and Bitbucket Data Center deployments have).
    pub proxy_429_next: u32,
    /// The proxy's `Retry-After`, in seconds.
    pub proxy_retry_after_s: u64,
    /// The next N API requests are refused 403 (an SSO or IP allow-list policy, a missing scope):
    /// forbidden, without any rate-limit signal.
    pub forbid_next: u32,
    /// Every listing page links to a next one, even past the end (a paging bug).
    pub endless_next: bool,
    /// Changes deliver no webhooks (as a forge without a hook, or one whose hook is down).
    pub hold_webhooks: bool,
    /// Requests a token may make per window; `None` means unlimited.
    pub rate_limit: Option<u32>,
    /// When an exhausted limit resets, from the moment it ran out.
    pub rate_reset_after: Duration,
}

/// What the simulator has been asked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// Every API request, including 304s and refusals.
    pub requests: u32,
    /// Listing-page requests.
    pub list_pages: u32,
    /// Requests answered 304.
    pub not_modified: u32,
    /// Webhooks delivered (answered 2xx) and not.
    pub deliveries: u32,
    pub failed_deliveries: u32,
}

/// Rate-limit accounting for one token.
#[derive(Clone, Debug)]
struct Budget {
    used: u32,
    resets_at: SystemTime,
}

/// A user's repositories in listing order: (repository id, role).
type View = Arc<Vec<(u64, Role)>>;

/// Shared state behind the HTTP handlers.
#[derive(Clone, Default)]
pub struct SimState {
    world: Arc<Mutex<World>>,
    faults: Arc<Mutex<Faults>>,
    counters: Arc<Mutex<Counters>>,
    budgets: Arc<Mutex<BTreeMap<String, Budget>>>,
    /// Bumped whenever the world is taken for writing; cached views older than it are stale.
    generation: Arc<std::sync::atomic::AtomicU64>,
    /// Each user's sorted view (repository id, role), with the generation it was made at, so a
    /// page of a 10,000-repository account costs a page's work, not a sort of everything.
    views: Arc<Mutex<std::collections::HashMap<String, (u64, View)>>>,
    /// Repository ids by full name, with the generation they were indexed at.
    names: Arc<Mutex<(u64, std::collections::HashMap<String, u64>)>>,
    /// Where webhooks go, if anywhere.
    webhook: Arc<Mutex<Option<deliver::WebhookTarget>>>,
    deliveries: Arc<std::sync::atomic::AtomicU64>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicking test thread must not wedge the simulator for the others.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl SimState {
    /// The world, for changing it (tests, the admin side): cached views are invalidated.
    pub fn world(&self) -> MutexGuard<'_, World> {
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        lock(&self.world)
    }

    /// The repository `owner/name` and `login`'s role on it, if they can reach it; one lookup,
    /// not a scan (Gogs and Bitbucket Data Center ask per repository).
    pub(crate) fn reachable(
        &self,
        owner: &str,
        name: &str,
        login: &str,
    ) -> Option<(SimRepo, Role)> {
        let generation = self.generation.load(std::sync::atomic::Ordering::SeqCst);
        let id = {
            let mut names = lock(&self.names);
            if names.0 != generation || names.1.is_empty() {
                let world = self.world_read();
                names.1 = world
                    .repos
                    .values()
                    .map(|r| (r.full_name(), r.id))
                    .collect();
                names.0 = generation;
            }
            names.1.get(&format!("{owner}/{name}")).copied()?
        };
        let world = self.world_read();
        let repo = world.repos.get(&id)?;
        repo.access.get(login).map(|role| (repo.clone(), *role))
    }

    /// Where webhooks go.
    pub fn set_webhook(&self, target: Option<deliver::WebhookTarget>) {
        *lock(&self.webhook) = target;
    }

    pub(crate) fn webhook(&self) -> Option<deliver::WebhookTarget> {
        lock(&self.webhook).clone()
    }

    pub(crate) fn next_delivery(&self) -> u64 {
        self.deliveries
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
            + 1
    }

    /// The world, for reading it (the API handlers).
    pub(crate) fn world_read(&self) -> MutexGuard<'_, World> {
        lock(&self.world)
    }

    /// `login`'s repositories in GitHub's order, from the cache when the world has not changed.
    fn sorted_view(&self, login: &str) -> View {
        let generation = self.generation.load(std::sync::atomic::Ordering::SeqCst);
        if let Some((made, view)) = lock(&self.views).get(login) {
            if *made == generation {
                return Arc::clone(view);
            }
        }
        let view: View = Arc::new(
            self.world_read()
                .visible_to(login)
                .into_iter()
                .map(|(r, role)| (r.id, role))
                .collect(),
        );
        lock(&self.views).insert(login.to_string(), (generation, Arc::clone(&view)));
        view
    }

    pub fn faults(&self) -> MutexGuard<'_, Faults> {
        lock(&self.faults)
    }

    pub fn counters(&self) -> Counters {
        lock(&self.counters).clone()
    }

    pub fn reset_counters(&self) {
        *lock(&self.counters) = Counters::default();
    }

    fn count(&self, f: impl FnOnce(&mut Counters)) {
        f(&mut lock(&self.counters))
    }

    /// Charges one request to `token` (none when `charge` is false): `(limit, remaining, reset)`,
    /// or `Err(reset)` when its budget is exhausted.
    pub(crate) fn charge(
        &self,
        token: &str,
        charge: bool,
    ) -> Result<(u32, u32, SystemTime), SystemTime> {
        let faults = self.faults().clone();
        let Some(limit) = faults.rate_limit else {
            return Ok((5000, 5000, SystemTime::now() + Duration::from_secs(3600)));
        };
        let mut budgets = lock(&self.budgets);
        let now = SystemTime::now();
        let budget = budgets.entry(token.to_string()).or_insert_with(|| Budget {
            used: 0,
            resets_at: now + faults.rate_reset_after,
        });
        if budget.resets_at <= now {
            *budget = Budget {
                used: 0,
                resets_at: now + faults.rate_reset_after,
            };
        }
        if !charge {
            return Ok((limit, limit.saturating_sub(budget.used), budget.resets_at));
        }
        if budget.used >= limit {
            return Err(budget.resets_at);
        }
        budget.used += 1;
        Ok((limit, limit - budget.used, budget.resets_at))
    }
}

/// Why a request is refused before a forge module renders it in its own format.
pub(crate) enum Refusal {
    Unauthorized,
    ServerError,
}

/// Counts the request, applies latency and injected 500s, and finds the token's user:
/// `(login, token)`. Tokens come as `Authorization: Bearer …` or `token …`, or GitLab's
/// `PRIVATE-TOKEN`.
pub(crate) async fn admit(
    state: &SimState,
    headers: &axum::http::HeaderMap,
) -> Result<(String, String), Refusal> {
    state.count(|c| c.requests += 1);
    let latency = state.faults().latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    {
        let mut faults = state.faults();
        if faults.fail_next > 0 {
            faults.fail_next -= 1;
            return Err(Refusal::ServerError);
        }
    }
    let token = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("token "))
        })
        .or_else(|| headers.get("private-token").and_then(|v| v.to_str().ok()))
        .map(str::trim)
        .unwrap_or_default()
        .to_string();
    let login = state
        .world_read()
        .user_by_token(&token)
        .map(|u| u.login.clone());
    login
        .map(|login| (login, token))
        .ok_or(Refusal::Unauthorized)
}

/// A fault injected into one listing page.
pub(crate) enum PageFault {
    ServerError,
    Malformed,
}

/// Applies the faults aimed at listing page `page` (a hanging page never returns).
pub(crate) async fn page_fault(state: &SimState, page: u32) -> Option<PageFault> {
    state.count(|c| c.list_pages += 1);
    let faults = state.faults().clone();
    if faults.hang_page == Some(page) {
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
    if faults.fail_page == Some(page) {
        return Some(PageFault::ServerError);
    }
    (faults.malformed_page == Some(page)).then_some(PageFault::Malformed)
}

/// One page of what `login` can reach (copied out of the lock), the total count, and the page
/// count for `per_page` as the forge would announce it (`endless_next` makes it grow forever).
pub(crate) fn visible_page(
    state: &SimState,
    login: &str,
    page: u32,
    per_page: u32,
) -> (Vec<(SimRepo, Role)>, u32, u32) {
    let empty = state.faults().empty_listing;
    let endless = state.faults().endless_next;
    let view = if empty {
        Arc::new(Vec::new())
    } else {
        state.sorted_view(login)
    };
    let total = view.len() as u32;
    let start = (page.saturating_sub(1) as usize).saturating_mul(per_page as usize);
    let world = state.world_read();
    let items = view
        .iter()
        .skip(start)
        .take(per_page as usize)
        .filter_map(|(id, role)| world.repos.get(id).map(|r| (r.clone(), *role)))
        .collect();
    let last = if endless {
        page + 1
    } else {
        total.div_ceil(per_page).max(1)
    };
    (items, total, last)
}

/// The `Link` header for numbered pages: `<base&page=N>; rel="…"` joined by `separator`
/// (GitHub: ", ", Gitea: ",").
pub(crate) fn numbered_links(base: &str, page: u32, last: u32, separator: &str) -> Option<String> {
    let url = |n: u32| format!("<{base}&page={n}>");
    let mut parts = Vec::new();
    if page < last {
        parts.push(format!("{}; rel=\"next\"", url(page + 1)));
        parts.push(format!("{}; rel=\"last\"", url(last)));
    }
    if page > 1 {
        parts.push(format!("{}; rel=\"first\"", url(1)));
        parts.push(format!("{}; rel=\"prev\"", url(page - 1)));
    }
    (!parts.is_empty()).then(|| parts.join(separator))
}

/// What stands in front of the forge APIs: a throttling proxy answering 429 with `Retry-After`
/// while `proxy_429_next` lasts, and a policy refusing 403 while `forbid_next` lasts. The admin
/// API behind `/_sim/` is never affected.
async fn throttling_proxy(
    axum::extract::State(state): axum::extract::State<SimState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    if !request.uri().path().starts_with("/_sim/") {
        let mut faults = state.faults();
        if faults.forbid_next > 0 {
            faults.forbid_next -= 1;
            drop(faults);
            state.count(|c| c.requests += 1);
            let body = r#"{"message":"Resource protected by organization SAML enforcement."}"#;
            return (
                axum::http::StatusCode::FORBIDDEN,
                [("content-type", "application/json")],
                body,
            )
                .into_response();
        }
        if faults.proxy_429_next > 0 {
            faults.proxy_429_next -= 1;
            let retry_after = faults.proxy_retry_after_s.max(1);
            drop(faults);
            state.count(|c| c.requests += 1);
            return (
                axum::http::StatusCode::TOO_MANY_REQUESTS,
                [("retry-after", retry_after.to_string())],
                "Too Many Requests",
            )
                .into_response();
        }
    }
    next.run(request).await
}

/// A running simulator.
pub struct Simulator {
    pub state: SimState,
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
}

impl Simulator {
    /// Starts a simulator on a free loopback port.
    pub async fn start() -> std::io::Result<Self> {
        Self::start_on("127.0.0.1:0".parse().expect("a literal address")).await
    }

    pub async fn start_on(addr: SocketAddr) -> std::io::Result<Self> {
        let state = SimState::default();
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let router = Router::new()
            .merge(github::routes())
            .merge(gitea::routes())
            .merge(gitlab::routes())
            .merge(gogs::routes())
            .merge(bitbucket::routes())
            .merge(bitbucket_dc::routes())
            .merge(org_hooks::routes())
            .merge(admin::routes())
            .layer(axum::middleware::from_fn_with_state(
                state.clone(),
                throttling_proxy,
            ))
            .merge(oauth::routes())
            .with_state(state.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, router)
                .with_graceful_shutdown(async move {
                    let _ = stopped.await;
                })
                .await;
        });
        Ok(Simulator {
            state,
            addr,
            stop: Some(stop),
        })
    }

    /// The simulator's base URL (`http://127.0.0.1:PORT`).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn world(&self) -> MutexGuard<'_, World> {
        self.state.world()
    }

    pub fn faults(&self) -> MutexGuard<'_, Faults> {
        self.state.faults()
    }

    pub fn counters(&self) -> Counters {
        self.state.counters()
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
