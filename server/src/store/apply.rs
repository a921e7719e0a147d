//! Writing one sync's result: every change in one transaction, in batches.
//!
//! Only what changed is sent (the engine's plan leaves unchanged rows out), repositories and
//! permissions go in multi-row upserts, revocations in `IN (…)` deletes, and the run record and
//! the user's last-success time are completed in the same transaction — so a sync is either
//! entirely visible or not at all.
//!
//! Names are unique, and a sync can swap or chain them (`a` → `b` while `b` → `a`), so rows
//! being renamed are first moved aside to a name only they can hold (`~<forge id>`). A name still
//! held by a repository the forge no longer lists under it (deleted and re-created elsewhere) is
//! detached by suffixing `~<forge id>` to the old row, which keeps its history.

use std::collections::HashMap;

use sqlx::QueryBuilder;

use super::{
    now_s,
    repos::IN_CHUNK,
    runs::{finish_run_query, RunFinish},
    Database, StoreError,
};

/// Rows per multi-row `INSERT`: 11 to 13 parameters a row keeps a batch well under the limits.
const ROW_CHUNK: usize = 500;

/// A repository's metadata as a sync writes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RepoWrite {
    pub uid: String,
    pub namespace: String,
    pub name: String,
    pub full_name: String,
    pub private: bool,
    pub visibility: String,
    pub branch: String,
    pub clone_url: String,
    pub ssh_url: String,
    pub link: String,
    pub archived: bool,
}

/// Which repository a permission row is for: a stored one, or one this sync inserts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PermTarget {
    Stored(i64),
    Inserted(String),
}

/// A permission row to write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PermWrite {
    pub target: PermTarget,
    pub pull: bool,
    pub push: bool,
    pub admin: bool,
}

/// Everything one sync writes.
#[derive(Clone, Debug, Default)]
pub struct Changes {
    pub user_id: i64,
    pub run_id: i64,
    /// Rows that lose their name to another forge id.
    pub detach: Vec<i64>,
    /// Rows that are renamed by this sync.
    pub move_aside: Vec<i64>,
    /// New or changed repositories.
    pub repos: Vec<RepoWrite>,
    /// New or changed permission rows of this user.
    pub perms: Vec<PermWrite>,
    /// Repositories this user no longer reaches.
    pub revoke: Vec<i64>,
    pub finish: RunFinish,
    /// Whether this counts as a successful sync (moves `user_synced`).
    pub mark_synced: bool,
    /// The fingerprint of the listing these changes apply in full, if they do.
    pub listing_hash: Option<String>,
}

impl Database {
    /// Applies `changes` in one transaction.
    pub async fn apply(&self, changes: &Changes) -> Result<(), StoreError> {
        let now = now_s();
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            for chunk in changes.detach.chunks(IN_CHUNK) {
                let mut query = QueryBuilder::new("UPDATE repos SET repo_full_name = repo_full_name || '~' || repo_uid, repo_updated = ");
                query.push_bind(now).push(" WHERE repo_id IN (");
                let mut list = query.separated(", ");
                for id in chunk {
                    list.push_bind(*id);
                }
                query.push(")");
                query.build().execute(&mut *tx).await?;
            }
            for chunk in changes.move_aside.chunks(IN_CHUNK) {
                let mut query = QueryBuilder::new("UPDATE repos SET repo_full_name = '~' || repo_uid WHERE repo_id IN (");
                let mut list = query.separated(", ");
                for id in chunk {
                    list.push_bind(*id);
                }
                query.push(")");
                query.build().execute(&mut *tx).await?;
            }
            let mut inserted: HashMap<String, i64> = HashMap::new();
            for chunk in changes.repos.chunks(ROW_CHUNK) {
                let mut query = QueryBuilder::new(
                    "INSERT INTO repos (repo_uid, repo_namespace, repo_name, repo_full_name, repo_private, \
                     repo_visibility, repo_branch, repo_clone_url, repo_ssh_url, repo_link, repo_archived, \
                     repo_synced, repo_created, repo_updated) ",
                );
                query.push_values(chunk, |mut row, repo| {
                    row.push_bind(repo.uid.as_str())
                        .push_bind(repo.namespace.as_str())
                        .push_bind(repo.name.as_str())
                        .push_bind(repo.full_name.as_str())
                        .push_bind(repo.private)
                        .push_bind(repo.visibility.as_str())
                        .push_bind(repo.branch.as_str())
                        .push_bind(repo.clone_url.as_str())
                        .push_bind(repo.ssh_url.as_str())
                        .push_bind(repo.link.as_str())
                        .push_bind(repo.archived)
                        .push_bind(now)
                        .push_bind(now)
                        .push_bind(now);
                });
                query.push(
                    " ON CONFLICT (repo_uid) DO UPDATE SET repo_namespace = excluded.repo_namespace, \
                     repo_name = excluded.repo_name, repo_full_name = excluded.repo_full_name, \
                     repo_private = excluded.repo_private, repo_visibility = excluded.repo_visibility, \
                     repo_branch = excluded.repo_branch, repo_clone_url = excluded.repo_clone_url, \
                     repo_ssh_url = excluded.repo_ssh_url, repo_link = excluded.repo_link, \
                     repo_archived = excluded.repo_archived, repo_synced = excluded.repo_synced, \
                     repo_updated = excluded.repo_updated RETURNING repo_id, repo_uid",
                );
                let rows: Vec<(i64, String)> = query.build_query_as().fetch_all(&mut *tx).await?;
                inserted.extend(rows.into_iter().map(|(id, uid)| (uid, id)));
            }
            let resolved: Vec<(i64, &PermWrite)> = changes
                .perms
                .iter()
                .filter_map(|perm| match &perm.target {
                    PermTarget::Stored(id) => Some((*id, perm)),
                    PermTarget::Inserted(uid) => inserted.get(uid).map(|id| (*id, perm)),
                })
                .collect();
            for chunk in resolved.chunks(ROW_CHUNK) {
                let mut query = QueryBuilder::new(
                    "INSERT INTO perms (perm_user_id, perm_repo_id, perm_pull, perm_push, perm_admin, perm_synced, \
                     perm_created, perm_updated) ",
                );
                query.push_values(chunk, |mut row, (repo_id, perm)| {
                    row.push_bind(changes.user_id)
                        .push_bind(*repo_id)
                        .push_bind(perm.pull)
                        .push_bind(perm.push)
                        .push_bind(perm.admin)
                        .push_bind(now)
                        .push_bind(now)
                        .push_bind(now);
                });
                query.push(
                    " ON CONFLICT (perm_user_id, perm_repo_id) DO UPDATE SET perm_pull = excluded.perm_pull, \
                     perm_push = excluded.perm_push, perm_admin = excluded.perm_admin, \
                     perm_synced = excluded.perm_synced, perm_updated = excluded.perm_updated",
                );
                query.build().execute(&mut *tx).await?;
            }
            for chunk in changes.revoke.chunks(IN_CHUNK) {
                let mut query = QueryBuilder::new("DELETE FROM perms WHERE perm_user_id = ");
                query.push_bind(changes.user_id).push(" AND perm_repo_id IN (");
                let mut list = query.separated(", ");
                for id in chunk {
                    list.push_bind(*id);
                }
                query.push(")");
                query.build().execute(&mut *tx).await?;
            }
            finish_run_query!(changes.run_id, &changes.finish).execute(&mut *tx).await?;
            if changes.mark_synced {
                sqlx::query("UPDATE users SET user_synced = $1, user_reauth = FALSE WHERE user_id = $2")
                    .bind(now)
                    .bind(changes.user_id)
                    .execute(&mut *tx)
                    .await?;
            }
            if let Some(hash) = &changes.listing_hash {
                sqlx::query("UPDATE users SET user_listing_hash = $1 WHERE user_id = $2")
                    .bind(hash.as_str())
                    .bind(changes.user_id)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }
}
