//! The sync engine: the one place that brings a user's stored repositories and permissions in
//! line with their forge. The dashboard, the REST API, webhooks, the scheduler and the CLI all
//! call [`Engine::sync`]; none of them holds sync logic.
//!
//! One sync: claim the user (in this process, then across processes with a database lease) →
//! list everything from the forge (complete, or an error) → plan against the store → write in
//! one transaction, with the run record. A second request for the same user while a sync runs
//! joins it and gets its result. A failed sync changes nothing but its run record: the last
//! success time stays, and a refused token marks the user as needing to log in again.
//! Nothing here knows about Leptos or HTTP handlers.

pub mod cache;
pub mod filter;
pub mod plan;
pub mod schedule;

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex, OnceLock},
    time::{Duration, Instant},
};

use serde::Serialize;
use tokio::sync::{broadcast, watch};

use crate::{
    forge::{oauth::OAuthClient, Forge, ForgeError, ForgeRepo},
    store::{repos::Repo, runs::RunFinish, secrets::Secrets, users::User, Database, StoreError},
};
use filter::RepoFilter;

/// What started a sync.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// The dashboard's Synchronize button.
    Manual,
    /// `GET/POST /api/user/repos?flush=true`.
    ApiFlush,
    /// `POST /api/user/repos?async=true`.
    ApiAsync,
    /// A list older than the stale threshold was asked for.
    Lazy,
    /// A forge webhook.
    Webhook,
    /// The scheduled refresh.
    Scheduled,
    /// `reposync sync`.
    Cli,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Manual => "manual",
            Trigger::ApiFlush => "api_flush",
            Trigger::ApiAsync => "api_async",
            Trigger::Lazy => "lazy",
            Trigger::Webhook => "webhook",
            Trigger::Scheduled => "scheduled",
            Trigger::Cli => "cli",
        }
    }

    /// Whether the caller asks for the forge as it is now — someone pressed a button, ran a
    /// command or sent a webhook because something changed — so that a sync already listing
    /// when it arrived cannot answer it. A lazy or scheduled sync only wants a recent list.
    pub fn wants_current(self) -> bool {
        !matches!(self, Trigger::Lazy | Trigger::Scheduled)
    }
}

/// How a successful sync ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Success,
    /// The forge listed nothing for a user who had repositories; nothing was revoked.
    EmptyIgnored,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::EmptyIgnored => "empty_ignored",
        }
    }
}

/// What a successful sync did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SyncReport {
    pub run_id: i64,
    pub outcome: Outcome,
    pub listed: i64,
    pub added: i64,
    pub updated: i64,
    pub renamed: i64,
    pub revoked: i64,
    pub pages: i64,
    pub calls: i64,
    pub not_modified: i64,
    /// Time spent listing at the forge (0 when the sync ran in another process).
    pub list_ms: u64,
    /// Time spent planning and writing.
    pub write_ms: u64,
}

impl SyncReport {
    /// The report of run `run_id`, from the very record the run was completed with.
    fn of(run_id: i64, outcome: Outcome, finish: &RunFinish, list_ms: u64, write_ms: u64) -> Self {
        SyncReport {
            run_id,
            outcome,
            listed: finish.listed,
            added: finish.added,
            updated: finish.updated,
            renamed: finish.renamed,
            revoked: finish.revoked,
            pages: finish.pages,
            calls: finish.calls,
            not_modified: finish.not_modified,
            list_ms,
            write_ms,
        }
    }
}

/// Why a sync failed. Cloneable: every request that joined the sync gets it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SyncError {
    #[error("there is no such user")]
    UnknownUser,
    #[error("{0} has no forge login; they must sign in")]
    NoToken(String),
    #[error(transparent)]
    Forge(#[from] ForgeError),
    #[error("the database failed: {0}")]
    Store(String),
    #[error("the sync on another server failed: {0}")]
    Elsewhere(String),
}

impl From<StoreError> for SyncError {
    fn from(error: StoreError) -> Self {
        let mut message = error.to_string();
        let mut source = std::error::Error::source(&error);
        while let Some(inner) = source {
            message.push_str(": ");
            message.push_str(&inner.to_string());
            source = inner.source();
        }
        SyncError::Store(message)
    }
}

impl SyncError {
    /// The failure's kind as stored with the run and shown by the dashboard, and for a rate
    /// limit when it resets (unix seconds; 0 otherwise).
    pub fn kind(&self) -> (&'static str, i64) {
        match self {
            SyncError::Forge(ForgeError::Unauthorized) => ("login_expired", 0),
            SyncError::NoToken(_) => ("login_required", 0),
            SyncError::Forge(ForgeError::RateLimited { until }) => {
                let at = until
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs() as i64)
                    .unwrap_or(0);
                ("rate_limited", at)
            }
            SyncError::Forge(_) | SyncError::Elsewhere(_) => ("forge", 0),
            SyncError::UnknownUser | SyncError::Store(_) => ("internal", 0),
        }
    }
}

/// The result every joined request receives.
pub type SyncResult = Result<SyncReport, SyncError>;

/// What open dashboards hear about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyncEvent {
    Started {
        user_id: i64,
        trigger: Trigger,
    },
    /// Listing pages fetched so far, of how many when the forge announced a count.
    Progress {
        user_id: i64,
        pages_done: u32,
        pages_total: Option<u32>,
    },
    Finished {
        user_id: i64,
        report: SyncReport,
    },
    Failed {
        user_id: i64,
        error: SyncError,
    },
    /// The user's rows changed outside a sync (a webhook renamed or removed a repository).
    Changed {
        user_id: i64,
    },
}

/// What [`Engine::freshen`] did.
#[derive(Debug)]
pub enum Freshness {
    /// Nothing: the list is recent (or cannot be synced).
    Fresh,
    /// A sync runs in the background; the stored list is stale until it ends.
    Refreshing,
    /// The list had never been synced; this is the sync's result.
    Synced(SyncResult),
}

impl SyncEvent {
    /// Whose sync this is about.
    pub fn user_id(&self) -> i64 {
        match self {
            SyncEvent::Started { user_id, .. }
            | SyncEvent::Progress { user_id, .. }
            | SyncEvent::Finished { user_id, .. }
            | SyncEvent::Failed { user_id, .. }
            | SyncEvent::Changed { user_id } => *user_id,
        }
    }
}

/// Engine settings.
#[derive(Clone, Debug)]
pub struct Settings {
    /// A list older than this is synced when asked for (Drone: 72 hours).
    pub stale_after: Duration,
    /// How long a claim on a user lasts without renewal; a crashed process's claim lapses then.
    pub lease_ttl: Duration,
    /// Which repositories to keep.
    pub filter: Option<RepoFilter>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            stale_after: Duration::from_secs(72 * 3600),
            lease_ttl: Duration::from_secs(60),
            filter: None,
        }
    }
}

/// The sync engine.
pub struct Engine {
    db: Database,
    forge: Arc<dyn Forge>,
    /// Renews expiring forge tokens; without it a token is used until the forge refuses it.
    oauth: Option<OAuthClient>,
    secrets: Secrets,
    settings: Settings,
    /// This process's name in leases.
    owner: String,
    running: Mutex<HashMap<i64, Flight>>,
    events: broadcast::Sender<SyncEvent>,
}

/// A sync running in this process, which callers for the same user join.
struct Flight {
    result: watch::Receiver<Option<SyncResult>>,
    /// When it began asking the forge (unset while it waits for the lease). A caller that
    /// arrives later must not take its result: the listing may predate what the caller wants
    /// to see (the repository a webhook just announced, the one created before Synchronize).
    listing: Arc<OnceLock<Instant>>,
}

impl Engine {
    pub fn new(
        db: Database,
        forge: Arc<dyn Forge>,
        oauth: Option<OAuthClient>,
        secrets: Secrets,
        settings: Settings,
    ) -> Arc<Self> {
        let owner = format!(
            "{}-{}-{:x}",
            hostname(),
            std::process::id(),
            crate::store::now_ms()
        );
        Arc::new(Engine {
            db,
            forge,
            oauth,
            secrets,
            settings,
            owner,
            running: Mutex::new(HashMap::new()),
            events: broadcast::channel(256).0,
        })
    }

    pub fn database(&self) -> &Database {
        &self.db
    }

    /// The forge this engine syncs from.
    pub fn forge(&self) -> Arc<dyn Forge> {
        Arc::clone(&self.forge)
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Events of every sync this process runs or joins.
    pub fn subscribe(&self) -> broadcast::Receiver<SyncEvent> {
        self.events.subscribe()
    }

    /// Tells open dashboards that `user_id`'s rows changed outside a sync.
    pub fn announce_change(&self, user_id: i64) {
        let _ = self.events.send(SyncEvent::Changed { user_id });
    }

    /// Whether a sync of `user_id` is running in this process.
    pub fn is_syncing(&self, user_id: i64) -> bool {
        self.running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains_key(&user_id)
    }

    /// Whether `user_synced` (a unix time) is older than the stale threshold.
    pub fn is_stale(&self, user_synced: i64) -> bool {
        is_stale(
            user_synced,
            crate::store::now_s(),
            self.settings.stale_after,
        )
    }

    /// Syncs `user_id`, or joins the sync already running for them, and returns its result.
    ///
    /// One sync per user at a time: a caller joins the running sync — unless it
    /// [wants the forge as it is now](Trigger::wants_current) and that sync began listing before
    /// it arrived; then it waits for that sync to end and syncs again (or joins whoever did), so
    /// that its result reflects the forge as it was when it asked.
    /// The work runs in its own task, so a caller that goes away (a closed browser tab) does not
    /// cancel a sync that others are waiting for.
    pub async fn sync(self: &Arc<Self>, user_id: i64, trigger: Trigger) -> SyncResult {
        let arrived = Instant::now();
        loop {
            let (receiver, current) = self.join_or_start(user_id, trigger, arrived);
            let result = Self::outcome(receiver).await;
            if current {
                return result;
            }
        }
    }

    /// The running sync's result channel, and whether it is recent enough for a caller that
    /// arrived at `arrived`; starts a sync when none runs.
    fn join_or_start(
        self: &Arc<Self>,
        user_id: i64,
        trigger: Trigger,
        arrived: Instant,
    ) -> (watch::Receiver<Option<SyncResult>>, bool) {
        let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(flight) = running.get(&user_id) {
            let current = !trigger.wants_current()
                || flight.listing.get().is_none_or(|began| *began >= arrived);
            return (flight.result.clone(), current);
        }
        let (sender, receiver) = watch::channel(None);
        let listing = Arc::new(OnceLock::new());
        running.insert(
            user_id,
            Flight {
                result: receiver.clone(),
                listing: Arc::clone(&listing),
            },
        );
        let engine = Arc::clone(self);
        tokio::spawn(async move {
            let result = engine.claim_and_sync(user_id, trigger, &listing).await;
            engine
                .running
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&user_id);
            let _ = sender.send(Some(result));
        });
        (receiver, true)
    }

    /// Waits for a sync's result.
    async fn outcome(mut receiver: watch::Receiver<Option<SyncResult>>) -> SyncResult {
        loop {
            if let Some(result) = receiver.borrow_and_update().clone() {
                return result;
            }
            if receiver.changed().await.is_err() {
                return Err(SyncError::Store(
                    "the sync task stopped unexpectedly".into(),
                ));
            }
        }
    }

    /// Starts a sync of `user_id` (or joins the running one) without waiting for it.
    pub fn sync_in_background(self: &Arc<Self>, user_id: i64, trigger: Trigger) {
        let engine = Arc::clone(self);
        tokio::spawn(async move {
            // The outcome is in the run record and the events; nobody waits here.
            let _ = engine.sync(user_id, trigger).await;
        });
    }

    /// The lazy sync Drone does when a list is asked for: a list never synced is synced first
    /// (the caller waits), a stale one is re-synced in the background (the caller gets the stored
    /// list at once). Users with no forge login, or whose login must be renewed, are not synced:
    /// that could only fail again.
    pub async fn freshen(self: &Arc<Self>, user: &User) -> Freshness {
        if !self.wants_lazy_sync(user) {
            return Freshness::Fresh;
        }
        if user.user_synced <= 0 {
            return Freshness::Synced(self.sync(user.user_id, Trigger::Lazy).await);
        }
        self.sync_in_background(user.user_id, Trigger::Lazy);
        Freshness::Refreshing
    }

    /// The same rule without waiting (a sign-in: the dashboard shows the sync as it runs).
    /// Whether a sync was started.
    pub fn freshen_in_background(self: &Arc<Self>, user: &User) -> bool {
        let wanted = self.wants_lazy_sync(user);
        if wanted {
            self.sync_in_background(user.user_id, Trigger::Lazy);
        }
        wanted
    }

    /// A user with a usable forge login whose list is missing or stale.
    fn wants_lazy_sync(&self, user: &User) -> bool {
        user.user_token.is_some() && !user.user_reauth && self.is_stale(user.user_synced)
    }

    /// Claims the user across processes, then syncs; or, while another process syncs them,
    /// waits for that sync and returns its result.
    async fn claim_and_sync(
        self: &Arc<Self>,
        user_id: i64,
        trigger: Trigger,
        listing: &OnceLock<Instant>,
    ) -> SyncResult {
        let ttl = self.settings.lease_ttl.as_millis() as i64;
        let asked_at = crate::store::now_ms();
        let deadline = Instant::now() + self.settings.lease_ttl * 2 + Duration::from_secs(5);
        while !self.db.try_acquire_lease(user_id, &self.owner, ttl).await? {
            if let Some(result) = self
                .wait_for_other_process(user_id, trigger, asked_at, deadline)
                .await?
            {
                return result;
            }
        }
        // Holding the lease, any run still marked running belongs to a process that died.
        self.db.abandon_runs(user_id).await?;
        let renewal = {
            let engine = Arc::clone(self);
            tokio::spawn(async move {
                let period = engine.settings.lease_ttl / 3;
                loop {
                    tokio::time::sleep(period).await;
                    if !matches!(
                        engine.db.renew_lease(user_id, &engine.owner, ttl).await,
                        Ok(true)
                    ) {
                        tracing::warn!(user_id, "lost the sync lease while syncing");
                    }
                }
            })
        };
        let _ = listing.set(Instant::now());
        let _ = self.events.send(SyncEvent::Started { user_id, trigger });
        let result = self.run(user_id, trigger).await;
        renewal.abort();
        if let Err(error) = self.db.release_lease(user_id, &self.owner).await {
            tracing::warn!(%error, user_id, "could not release the sync lease; it will expire");
        }
        let event = match &result {
            Ok(report) => SyncEvent::Finished {
                user_id,
                report: report.clone(),
            },
            Err(error) => SyncEvent::Failed {
                user_id,
                error: error.clone(),
            },
        };
        let _ = self.events.send(event);
        result
    }

    /// Waits until the other process lets the lease go, then returns its run's result if that
    /// run finished after we asked — for a webhook, only if it *started* after: an event must
    /// not be answered by a listing older than it. `None` means "try to claim the user again".
    async fn wait_for_other_process(
        &self,
        user_id: i64,
        trigger: Trigger,
        asked_at: i64,
        deadline: Instant,
    ) -> Result<Option<SyncResult>, SyncError> {
        while self.db.lease_held(user_id).await? {
            if Instant::now() > deadline {
                return Err(SyncError::Elsewhere(
                    "another server holds this user's sync and does not finish".into(),
                ));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let Some(run) = self.db.runs_for_user(user_id, 1).await?.into_iter().next() else {
            return Ok(None);
        };
        let since = if trigger == Trigger::Webhook {
            run.run_started_ms
        } else {
            run.run_finished_ms
        };
        if since < asked_at {
            return Ok(None);
        }
        let outcome = match run.run_outcome.as_str() {
            "success" => Outcome::Success,
            "empty_ignored" => Outcome::EmptyIgnored,
            _ => return Ok(Some(Err(SyncError::Elsewhere(run.run_error)))),
        };
        Ok(Some(Ok(SyncReport {
            run_id: run.run_id,
            outcome,
            listed: run.run_listed,
            added: run.run_added,
            updated: run.run_updated,
            renamed: run.run_renamed,
            revoked: run.run_revoked,
            pages: run.run_pages,
            calls: run.run_calls,
            not_modified: run.run_not_modified,
            list_ms: 0,
            write_ms: (run.run_finished_ms - run.run_started_ms).max(0) as u64,
        })))
    }

    /// The sync itself, with the lease held.
    async fn run(&self, user_id: i64, trigger: Trigger) -> SyncResult {
        let started = Instant::now();
        let user = self
            .db
            .user_by_id(user_id)
            .await?
            .ok_or(SyncError::UnknownUser)?;
        let run_id = self.db.start_run(user_id, trigger.as_str()).await?;
        let token = match self.usable_token(&user).await {
            Ok(token) => token,
            Err(error) => return self.fail(&user, run_id, error).await,
        };

        let cache = cache::UserPages {
            db: self.db.clone(),
            user_id,
            events: self.events.clone(),
        };
        let listing = match self.forge.list_repos(&token, &cache).await {
            Ok(listing) => listing,
            Err(error) => return self.fail(&user, run_id, error.into()).await,
        };
        let list_ms = started.elapsed().as_millis() as u64;
        let writing = Instant::now();
        let repos: Vec<ForgeRepo> = match &self.settings.filter {
            Some(filter) => listing
                .repos
                .into_iter()
                .filter(|r| filter.keeps(r))
                .collect(),
            None => listing.repos,
        };

        // A listing identical to the last one applied needs no plan: only the run is recorded.
        let fingerprint = plan::fingerprint(
            &repos,
            self.settings.filter.as_ref().map(RepoFilter::as_str),
        );
        if fingerprint == user.user_listing_hash {
            return self
                .record_unchanged(
                    user_id,
                    run_id,
                    repos.len() as i64,
                    listing.stats,
                    list_ms,
                    writing,
                )
                .await;
        }

        // The user's own rows already carry most listed repositories; only the rest are looked up.
        let current = self.db.user_repos(user_id).await?;
        let known: HashSet<&str> = current.iter().map(|r| r.repo.repo_uid.as_str()).collect();
        let unknown: Vec<&str> = repos
            .iter()
            .map(|r| r.uid.as_str())
            .filter(|uid| !known.contains(uid))
            .collect();
        let others = self.db.repos_by_uids(&unknown).await?;
        let listed: HashSet<&str> = repos.iter().map(|r| r.uid.as_str()).collect();
        let by_uid: HashMap<&str, &Repo> = current
            .iter()
            .map(|r| &r.repo)
            .chain(others.iter())
            .filter(|r| listed.contains(r.repo_uid.as_str()))
            .map(|r| (r.repo_uid.as_str(), r))
            .collect();
        // Names that listed repositories take anew, and whoever holds them now.
        let wanted_names: Vec<&str> = repos
            .iter()
            .filter(|r| {
                by_uid
                    .get(r.uid.as_str())
                    .is_none_or(|row| row.repo_full_name != r.full_name)
            })
            .map(|r| r.full_name.as_str())
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let holders = self.db.repos_by_full_names(&wanted_names).await?;
        let by_name: HashMap<&str, &Repo> = holders
            .iter()
            .map(|r| (r.repo_full_name.as_str(), r))
            .collect();

        let stored = plan::Stored {
            current: &current,
            by_uid: &by_uid,
            by_name: &by_name,
        };
        let mut plan = plan::plan(user_id, &repos, &stored);
        let outcome = if plan.empty_ignored {
            Outcome::EmptyIgnored
        } else {
            Outcome::Success
        };
        if plan.empty_ignored {
            tracing::warn!(
                user = %user.user_login,
                kept = current.len(),
                "the forge listed no repositories for a user who had some; revoking nothing"
            );
        }
        let counts = plan.counts;
        let stats = listing.stats;
        plan.changes.run_id = run_id;
        plan.changes.mark_synced = true;
        // An ignored empty listing was not applied, so it must not become the reference.
        plan.changes.listing_hash = (!plan.empty_ignored).then_some(fingerprint);
        plan.changes.finish = RunFinish {
            outcome: outcome.as_str().into(),
            error: if plan.empty_ignored {
                format!(
                    "{} listed no repositories; kept the {} known",
                    self.forge.name(),
                    current.len()
                )
            } else {
                String::new()
            },
            pages: stats.pages.into(),
            calls: stats.calls.into(),
            not_modified: stats.not_modified.into(),
            listed: counts.listed,
            added: counts.added,
            updated: counts.updated,
            renamed: counts.renamed,
            revoked: counts.revoked,
            ..RunFinish::default()
        };
        self.db.apply(&plan.changes).await?;
        let write_ms = writing.elapsed().as_millis() as u64;
        tracing::info!(
            user = %user.user_login,
            trigger = trigger.as_str(),
            listed = counts.listed,
            added = counts.added,
            updated = counts.updated,
            renamed = counts.renamed,
            revoked = counts.revoked,
            pages = stats.pages,
            not_modified = stats.not_modified,
            list_ms,
            write_ms,
            "sync finished"
        );
        Ok(SyncReport::of(
            run_id,
            outcome,
            &plan.changes.finish,
            list_ms,
            write_ms,
        ))
    }
}

/// Whether a list last synced at `synced` (unix seconds; 0 = never) needs a lazy sync at `now`.
/// A time in the future (a clock moved back) counts as stale rather than fresh forever.
pub fn is_stale(synced: i64, now: i64, stale_after: Duration) -> bool {
    synced <= 0 || synced > now || (now - synced) as u64 >= stale_after.as_secs()
}

/// Renew a forge token this long before it expires.
const REFRESH_MARGIN_S: i64 = 300;

impl Engine {
    /// The user's forge token, renewed first if it is about to expire.
    async fn usable_token(&self, user: &User) -> Result<String, SyncError> {
        let no_token = || SyncError::NoToken(user.user_login.clone());
        let sealed = user.user_token.as_deref().ok_or_else(no_token)?;
        let token = self.secrets.open(sealed).map_err(|_| no_token())?;
        let expiring =
            user.user_expiry > 0 && user.user_expiry - crate::store::now_s() < REFRESH_MARGIN_S;
        // Without a way to renew it, the forge decides whether the token still works.
        let (true, Some(oauth), Some(sealed_refresh)) =
            (expiring, &self.oauth, user.user_refresh.as_deref())
        else {
            return Ok(token);
        };
        let refresh = self.secrets.open(sealed_refresh).map_err(|_| no_token())?;
        let renewed = oauth.refresh(&refresh).await?;
        let next_refresh = renewed.refresh.as_deref().unwrap_or(&refresh);
        self.db
            .set_user_token(
                user.user_id,
                &self.secrets.seal(&renewed.access),
                Some(&self.secrets.seal(next_refresh)),
                renewed.expires_at.unwrap_or(0),
            )
            .await?;
        tracing::info!(user = %user.user_login, "renewed the forge token before syncing");
        Ok(renewed.access)
    }

    /// Records a failed sync; a refused token marks the user as needing to log in again.
    async fn fail(&self, user: &User, run_id: i64, error: SyncError) -> SyncResult {
        if error == SyncError::Forge(ForgeError::Unauthorized) {
            self.db.mark_user_reauth(user.user_id).await?;
        }
        let (failure, retry_at) = error.kind();
        let finish = RunFinish {
            outcome: "failed".into(),
            error: error.to_string(),
            failure: failure.into(),
            retry_at,
            ..RunFinish::default()
        };
        self.db.finish_run(run_id, &finish).await?;
        tracing::info!(user = %user.user_login, %error, "sync failed");
        Err(error)
    }

    /// Completes a sync whose listing matched the last applied one: nothing but the run record
    /// and the user's last-success time are written.
    async fn record_unchanged(
        &self,
        user_id: i64,
        run_id: i64,
        listed: i64,
        stats: crate::forge::ListingStats,
        list_ms: u64,
        writing: Instant,
    ) -> SyncResult {
        let finish = RunFinish {
            outcome: Outcome::Success.as_str().into(),
            pages: stats.pages.into(),
            calls: stats.calls.into(),
            not_modified: stats.not_modified.into(),
            listed,
            ..RunFinish::default()
        };
        let changes = crate::store::apply::Changes {
            user_id,
            run_id,
            finish,
            mark_synced: true,
            ..Default::default()
        };
        self.db.apply(&changes).await?;
        let write_ms = writing.elapsed().as_millis() as u64;
        Ok(SyncReport::of(
            run_id,
            Outcome::Success,
            &changes.finish,
            list_ms,
            write_ms,
        ))
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "host".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_go_stale_after_the_threshold() {
        let day = Duration::from_secs(24 * 3600);
        let now = 1_800_000_000;
        assert!(is_stale(0, now, 3 * day), "never synced");
        assert!(!is_stale(now - 3600, now, 3 * day));
        assert!(!is_stale(now - 3 * 86_400 + 1, now, 3 * day));
        assert!(is_stale(now - 3 * 86_400, now, 3 * day), "exactly 72 hours");
        assert!(
            is_stale(now + 60, now, 3 * day),
            "a sync time in the future"
        );
    }
}
