//! Webhook-driven sync: deliveries are verified and stored at once (the sender gets its 202 only
//! after the delivery is durable), then a worker applies them in batches.
//!
//! What an event does: a rename or transfer updates the row by forge id at once; a deletion (or
//! lost access) revokes every user's permission at once; a creation or transfer in asks for a
//! sync of the users who can plausibly see it — those with permissions in its namespace, and the
//! user whose namespace it is. A batch's syncs are coalesced (one per user however many events
//! named them) and run a few at a time through the one engine; a batch is marked done only after
//! its syncs ended, so a crash at any point leaves it to be applied again. Every step is
//! idempotent, so replays and re-applied batches are harmless, and because creations are
//! resolved by asking the forge, events that arrive out of order still end in the forge's state.

pub mod install;

use std::{collections::BTreeSet, sync::Arc, time::Duration};

use axum::http::HeaderMap;
use futures::StreamExt;
use tokio::sync::Notify;

use crate::{
    config::Secret,
    forge::{
        webhook::{self, Parsed, RepoEvent, WebhookError},
        ForgeKind,
    },
    store::{hooks::Delivery, Database, StoreError},
    sync::{Engine, Trigger},
};

/// Deliveries applied together (their syncs coalesced).
const BATCH: usize = 500;
/// Targeted syncs run at once: the forge's rate limit is shared by everyone.
const SYNC_CONCURRENCY: usize = 4;
/// A delivery that failed this often is set aside as failed.
const MAX_ATTEMPTS: i64 = 5;

/// Why a delivery was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum HookError {
    #[error("webhooks are not configured: set REPOSYNC_WEBHOOK_SECRET")]
    NotConfigured,
    #[error(transparent)]
    Refused(#[from] WebhookError),
    #[error("the delivery could not be stored: {0}")]
    Store(#[from] StoreError),
}

/// What happened to an accepted delivery.
#[derive(Debug, PartialEq, Eq)]
pub enum Received {
    /// Stored for the worker (`new: false` for a delivery seen before).
    Queued { new: bool },
    /// Genuine, but nothing Reposync acts on.
    Ignored { reason: String },
}

/// The webhook receiver and its worker.
pub struct Hooks {
    db: Database,
    engine: Arc<Engine>,
    forge: ForgeKind,
    secret: Option<Secret>,
    wake: Notify,
}

impl Hooks {
    pub fn new(
        db: Database,
        engine: Arc<Engine>,
        forge: ForgeKind,
        secret: Option<Secret>,
    ) -> Arc<Self> {
        Arc::new(Hooks {
            db,
            engine,
            forge,
            secret,
            wake: Notify::new(),
        })
    }

    /// Verifies, parses and stores one delivery.
    pub async fn receive(&self, headers: &HeaderMap, body: &[u8]) -> Result<Received, HookError> {
        let secret = self.secret.as_ref().ok_or(HookError::NotConfigured)?;
        let (delivery, events) = match webhook::receive(self.forge, headers, body, secret.expose())?
        {
            Parsed::Events { delivery, events } => (delivery, events),
            Parsed::Ignored { reason } => return Ok(Received::Ignored { reason }),
        };
        let key = match delivery {
            Some(id) => format!("{}:{id}", self.forge.as_str()),
            // Without a delivery id, identical bodies are the same delivery.
            None => format!(
                "{}:sha256:{}",
                self.forge.as_str(),
                crate::accounts::secret::digest_bytes(body)
            ),
        };
        let json = serde_json::to_string(&events).expect("events serialise");
        let new = self
            .db
            .enqueue_delivery(&key, self.forge.as_str(), &json)
            .await?;
        if new {
            self.wake.notify_one();
        }
        Ok(Received::Queued { new })
    }

    /// Runs the worker until the process stops.
    pub fn start(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let hooks = Arc::clone(self);
        tokio::spawn(async move {
            loop {
                match hooks.drain().await {
                    Ok(0) => {
                        // Woken by a new delivery, or every second for claims other processes left.
                        let _ = tokio::time::timeout(Duration::from_secs(1), hooks.wake.notified())
                            .await;
                    }
                    Ok(_) => {}
                    Err(error) => {
                        tracing::warn!(%error, "applying webhook deliveries failed; retrying");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
        })
    }

    /// Applies one batch of waiting deliveries; how many it took.
    pub async fn drain(&self) -> Result<usize, StoreError> {
        let ttl = self.engine.settings().lease_ttl.as_millis() as i64;
        let mut batch: Vec<Delivery> = Vec::new();
        while batch.len() < BATCH {
            match self.db.claim_delivery(ttl).await {
                Ok(Some(delivery)) => batch.push(delivery),
                Ok(None) => break,
                // What is claimed is applied now: left claimed, it would wait out the claim.
                Err(error) if !batch.is_empty() => {
                    tracing::warn!(%error, "claiming more webhook deliveries failed");
                    break;
                }
                Err(error) => return Err(error),
            }
        }
        if batch.is_empty() {
            return Ok(0);
        }
        let mut to_sync = BTreeSet::new();
        let mut applied = Vec::new();
        for delivery in &batch {
            match self.apply(delivery, &mut to_sync).await {
                Ok(()) => applied.push(delivery.hook_id),
                Err(error) if delivery.hook_attempts + 1 >= MAX_ATTEMPTS => {
                    tracing::warn!(key = %delivery.hook_key, %error, "a webhook delivery failed for good");
                    self.db
                        .finish_delivery(delivery.hook_id, "failed", &error)
                        .await?;
                }
                Err(error) => self.db.release_delivery(delivery.hook_id, &error).await?,
            }
        }
        self.sync_users(&to_sync).await;
        for hook_id in applied {
            self.db.finish_delivery(hook_id, "done", "").await?;
        }
        tracing::info!(
            deliveries = batch.len(),
            syncs = to_sync.len(),
            "applied webhook deliveries"
        );
        Ok(batch.len())
    }

    /// Applies one delivery's immediate changes and collects whom to sync.
    async fn apply(&self, delivery: &Delivery, to_sync: &mut BTreeSet<i64>) -> Result<(), String> {
        let events: Vec<RepoEvent> = serde_json::from_str(&delivery.hook_events)
            .map_err(|e| format!("stored events: {e}"))?;
        for event in events {
            self.apply_event(event, to_sync)
                .await
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    async fn apply_event(
        &self,
        event: RepoEvent,
        to_sync: &mut BTreeSet<i64>,
    ) -> Result<(), StoreError> {
        let db = &self.db;
        match event {
            RepoEvent::Created { repo } => {
                to_sync.extend(db.users_of_namespace(namespace(&repo.full_name)).await?);
            }
            RepoEvent::Deleted { repo } | RepoEvent::AccessRemoved { repo } => {
                let users = db.revoke_repo(&repo.uid).await?;
                self.changed(&users).await?;
            }
            RepoEvent::Renamed { repo, .. } | RepoEvent::Transferred { repo, .. } => {
                let holders = db.users_of_repo(&repo.uid).await?;
                if db.rename_repo(&repo.uid, &repo.full_name).await? {
                    self.changed(&holders).await?;
                }
                // Its links moved too, and a transfer can change who may see it: ask the forge.
                to_sync.extend(holders);
                to_sync.extend(db.users_of_namespace(namespace(&repo.full_name)).await?);
            }
            RepoEvent::Archived { repo, archived } => {
                if db.set_repo_archived(&repo.uid, archived).await? {
                    self.changed(&db.users_of_repo(&repo.uid).await?).await?;
                }
            }
            RepoEvent::VisibilityChanged { repo, visibility } => {
                if db
                    .set_repo_visibility(&repo.uid, visibility.as_str())
                    .await?
                {
                    let users = db.users_of_repo(&repo.uid).await?;
                    self.changed(&users).await?;
                    to_sync.extend(users);
                }
            }
        }
        Ok(())
    }

    /// Users whose rows changed outside a sync: their next sync must plan in full, and their
    /// open dashboards reload.
    async fn changed(&self, users: &[i64]) -> Result<(), StoreError> {
        for user in users {
            self.db.forget_listing(*user).await?;
            self.engine.announce_change(*user);
        }
        Ok(())
    }

    /// One sync per user, a few at a time.
    async fn sync_users(&self, users: &BTreeSet<i64>) {
        futures::stream::iter(users.iter().copied())
            .for_each_concurrent(SYNC_CONCURRENCY, |user| async move {
                if let Err(error) = self.engine.sync(user, Trigger::Webhook).await {
                    tracing::info!(user, %error, "a webhook's sync failed");
                }
            })
            .await;
    }
}

/// The namespace part of `owner/name` (GitLab: `group/subgroup/name`).
fn namespace(full_name: &str) -> &str {
    full_name
        .rsplit_once('/')
        .map(|(ns, _)| ns)
        .unwrap_or(full_name)
}
