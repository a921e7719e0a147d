//! The server's implementation of the UI's port ([`app::port::Backend`]): each method finds the
//! session's user and calls the accounts service, the store or the sync engine.

use std::sync::Arc;

use app::{
    model::{
        Account, Failure, FailureKind, RepoPage, RepoQuery, RunView, SignIn, Summary, SyncOutcome,
        SyncState, TokenView, Viewer,
    },
    port::Backend,
};
use axum::http::request::Parts;

use super::{auth::session_user, repo_list, AppState};
use crate::{
    accounts::{Accounts, MAX_LABEL},
    store::{runs::RunRecord, users::User},
    sync::{SyncError, SyncReport, Trigger},
};

/// What the dashboard's server functions call.
pub struct ServerBackend {
    state: AppState,
}

impl ServerBackend {
    pub fn shared(state: AppState) -> Arc<dyn Backend> {
        Arc::new(ServerBackend { state })
    }

    async fn user(&self, request: &Parts) -> Result<User, String> {
        session_user(&self.state, &request.headers)
            .await
            .ok_or_else(|| "Your session ended — sign in again.".to_string())
    }
}

/// How the view models are made from the engine's records; shared with the live events.
pub fn summary_of(report: &SyncReport) -> Summary {
    Summary {
        listed: report.listed,
        added: report.added,
        updated: report.updated,
        renamed: report.renamed,
        revoked: report.revoked,
    }
}

fn summary_of_run(run: &RunRecord) -> Summary {
    Summary {
        listed: run.run_listed,
        added: run.run_added,
        updated: run.run_updated,
        renamed: run.run_renamed,
        revoked: run.run_revoked,
    }
}

fn failure_kind(kind: &str, retry_at: i64) -> FailureKind {
    match kind {
        "login_expired" | "login_required" => FailureKind::LoginExpired,
        "rate_limited" => FailureKind::RateLimited { until: retry_at },
        _ => FailureKind::Other,
    }
}

/// A failed sync as the dashboard shows it.
pub fn failure_of(error: &SyncError) -> Failure {
    let (kind, retry_at) = error.kind();
    Failure {
        kind: failure_kind(kind, retry_at),
        message: error.to_string(),
        at: crate::store::now_s(),
    }
}

fn failure_of_run(run: &RunRecord) -> Option<Failure> {
    (run.run_outcome == "failed").then(|| Failure {
        kind: failure_kind(&run.run_failure, run.run_retry_at),
        message: run.run_error.clone(),
        at: run.run_finished_ms / 1000,
    })
}

fn viewer_of(user: &User) -> Viewer {
    Viewer {
        login: user.user_login.clone(),
        avatar: user.user_avatar.clone(),
        admin: user.user_admin,
    }
}

#[async_trait::async_trait]
impl Backend for ServerBackend {
    fn sign_in(&self) -> SignIn {
        let services = &self.state.services;
        SignIn {
            forge: services.signin.forge_name().into(),
            password: services.signin.uses_password(),
            demo: services.site.demo,
        }
    }

    async fn viewer(&self, request: &Parts) -> Option<Viewer> {
        session_user(&self.state, &request.headers)
            .await
            .map(|u| viewer_of(&u))
    }

    async fn sync_state(&self, request: &Parts) -> Result<SyncState, String> {
        let user = self.user(request).await?;
        let engine = &self.state.services.engine;
        let last = self
            .state
            .db
            .runs_for_user(user.user_id, 1)
            .await
            .map_err(|e| e.to_string())?;
        Ok(SyncState {
            synced: user.user_synced,
            now: crate::store::now_s(),
            stale_after: engine.settings().stale_after.as_secs() as i64,
            syncing: engine.is_syncing(user.user_id)
                || last.first().is_some_and(|r| r.run_outcome == "running"),
            failure: last.first().and_then(failure_of_run),
            forge: self.state.services.signin.forge_name().into(),
            summary: last
                .first()
                .filter(|r| r.run_outcome == "success" || r.run_outcome == "empty_ignored")
                .map(summary_of_run),
        })
    }

    async fn repos(&self, request: &Parts, query: RepoQuery) -> Result<RepoPage, String> {
        let user = self.user(request).await?;
        let list = self
            .state
            .services
            .lists
            .of(&self.state.db, user.user_id)
            .await
            .map_err(|e| e.to_string())?;
        Ok(repo_list::page(&list.rows, &query))
    }

    async fn synchronize(&self, request: &Parts) -> Result<SyncOutcome, String> {
        let user = self.user(request).await?;
        let result = self
            .state
            .services
            .engine
            .sync(user.user_id, Trigger::Manual)
            .await;
        Ok(match result {
            Ok(report) => SyncOutcome::Done {
                summary: summary_of(&report),
                synced: crate::store::now_s(),
            },
            Err(error) => SyncOutcome::Failed(failure_of(&error)),
        })
    }

    async fn account(&self, request: &Parts) -> Result<Account, String> {
        let user = self.user(request).await?;
        let db = &self.state.db;
        let tokens = db
            .api_tokens(user.user_id)
            .await
            .map_err(|e| e.to_string())?;
        let runs = db
            .runs_for_user(user.user_id, 20)
            .await
            .map_err(|e| e.to_string())?;
        Ok(Account {
            viewer: viewer_of(&user),
            tokens: tokens
                .iter()
                .map(|t| TokenView {
                    id: t.token_id,
                    prefix: t.token_prefix.clone(),
                    label: t.token_label.clone(),
                    created: t.token_created,
                    last_used: t.token_last_used,
                })
                .collect(),
            runs: runs
                .iter()
                .map(|r| RunView {
                    id: r.run_id,
                    trigger: r.run_trigger.clone(),
                    outcome: r.run_outcome.clone(),
                    error: r.run_error.clone(),
                    started: r.run_started_ms / 1000,
                    duration_ms: if r.run_finished_ms > 0 {
                        r.run_finished_ms - r.run_started_ms
                    } else {
                        0
                    },
                    summary: summary_of_run(r),
                })
                .collect(),
            server_url: self
                .state
                .services
                .site
                .server_url
                .as_str()
                .trim_end_matches('/')
                .to_string(),
        })
    }

    async fn create_token(&self, request: &Parts, label: String) -> Result<String, String> {
        let user = self.user(request).await?;
        let label = Accounts::valid_label(&label)
            .ok_or_else(|| format!("A label is at most {MAX_LABEL} printable characters."))?;
        let (token, _) = self
            .state
            .services
            .accounts
            .issue_token(user.user_id, label)
            .await
            .map_err(|e| e.to_string())?;
        Ok(token)
    }

    async fn revoke_token(&self, request: &Parts, id: i64) -> Result<(), String> {
        let user = self.user(request).await?;
        match self.state.db.revoke_api_token(user.user_id, id).await {
            Ok(true) => Ok(()),
            Ok(false) => Err("There is no such token.".into()),
            Err(e) => Err(e.to_string()),
        }
    }
}
