//! The `sync_runs` table: one row per sync, written when it starts and completed when it ends.

use sqlx::FromRow;

use super::{now_ms, Database, StoreError};

/// A sync's record.
#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct RunRecord {
    pub run_id: i64,
    pub run_user_id: i64,
    pub run_trigger: String,
    pub run_outcome: String,
    pub run_error: String,
    pub run_started_ms: i64,
    pub run_finished_ms: i64,
    pub run_pages: i64,
    pub run_calls: i64,
    pub run_not_modified: i64,
    pub run_listed: i64,
    pub run_added: i64,
    pub run_updated: i64,
    pub run_renamed: i64,
    pub run_revoked: i64,
    /// Why a failed run failed ([`crate::sync::SyncError::kind`]); '' otherwise.
    pub run_failure: String,
    pub run_retry_at: i64,
}

/// How a finished run ended and what it did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunFinish {
    pub outcome: String,
    pub error: String,
    pub pages: i64,
    pub calls: i64,
    pub not_modified: i64,
    pub listed: i64,
    pub added: i64,
    pub updated: i64,
    pub renamed: i64,
    pub revoked: i64,
    pub failure: String,
    pub retry_at: i64,
}

const COLUMNS: &str = "run_id, run_user_id, run_trigger, run_outcome, run_error, run_started_ms, run_finished_ms, \
     run_pages, run_calls, run_not_modified, run_listed, run_added, run_updated, run_renamed, run_revoked, \
     run_failure, run_retry_at";

/// The statement that completes a run; shared by [`Database::finish_run`] and the sync's
/// transaction (`apply`), which completes the run together with the data it wrote.
macro_rules! finish_run_query {
    ($run_id:expr, $finish:expr) => {{
        let finish: &$crate::store::runs::RunFinish = $finish;
        sqlx::query(
            "UPDATE sync_runs SET run_outcome = $1, run_error = $2, run_finished_ms = $3, run_pages = $4, \
             run_calls = $5, run_not_modified = $6, run_listed = $7, run_added = $8, run_updated = $9, \
             run_renamed = $10, run_revoked = $11, run_failure = $12, run_retry_at = $13 WHERE run_id = $14",
        )
        .bind(finish.outcome.clone())
        .bind(finish.error.clone())
        .bind($crate::store::now_ms())
        .bind(finish.pages)
        .bind(finish.calls)
        .bind(finish.not_modified)
        .bind(finish.listed)
        .bind(finish.added)
        .bind(finish.updated)
        .bind(finish.renamed)
        .bind(finish.revoked)
        .bind(finish.failure.clone())
        .bind(finish.retry_at)
        .bind($run_id)
    }};
}
pub(crate) use finish_run_query;

impl Database {
    /// Records that a sync started; returns its id.
    pub async fn start_run(&self, user_id: i64, trigger: &str) -> Result<i64, StoreError> {
        let sql = "INSERT INTO sync_runs (run_user_id, run_trigger, run_outcome, run_started_ms) \
                   VALUES ($1, $2, 'running', $3) RETURNING run_id";
        Ok(
            with_pool!(self, pool => sqlx::query_scalar(sql).bind(user_id).bind(trigger).bind(now_ms()).fetch_one(pool).await?),
        )
    }

    /// Completes a run outside a sync's transaction (a failed sync).
    pub async fn finish_run(&self, run_id: i64, finish: &RunFinish) -> Result<(), StoreError> {
        with_pool!(self, pool => finish_run_query!(run_id, finish).execute(pool).await.map(drop)?);
        Ok(())
    }

    pub async fn run_by_id(&self, run_id: i64) -> Result<Option<RunRecord>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM sync_runs WHERE run_id = $1");
        Ok(
            with_pool!(self, pool => sqlx::query_as::<_, RunRecord>(&sql).bind(run_id).fetch_optional(pool).await?),
        )
    }

    /// A user's most recent runs, newest first.
    pub async fn runs_for_user(
        &self,
        user_id: i64,
        limit: i64,
    ) -> Result<Vec<RunRecord>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM sync_runs WHERE run_user_id = $1 ORDER BY run_id DESC LIMIT $2"
        );
        Ok(
            with_pool!(self, pool => sqlx::query_as::<_, RunRecord>(&sql).bind(user_id).bind(limit).fetch_all(pool).await?),
        )
    }

    /// Marks runs of `user_id` still "running" as failed: their process died mid-sync.
    pub async fn abandon_runs(&self, user_id: i64) -> Result<u64, StoreError> {
        let sql = "UPDATE sync_runs SET run_outcome = 'failed', run_failure = 'internal', \
                   run_error = 'the syncing process stopped before it finished', \
                   run_finished_ms = $1 WHERE run_user_id = $2 AND run_outcome = 'running'";
        Ok(
            with_pool!(self, pool => sqlx::query(sql).bind(now_ms()).bind(user_id).execute(pool).await?.rows_affected()),
        )
    }
}
