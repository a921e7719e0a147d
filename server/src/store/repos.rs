//! Reading the `repos` table and a user's permission rows.

use sqlx::{FromRow, QueryBuilder};

use super::{Database, StoreError};

/// Rows per `IN (…)` list: far below both engines' bind-parameter limits.
pub(crate) const IN_CHUNK: usize = 1000;

/// A stored repository.
#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct Repo {
    pub repo_id: i64,
    pub repo_uid: String,
    pub repo_namespace: String,
    pub repo_name: String,
    pub repo_full_name: String,
    pub repo_private: bool,
    pub repo_visibility: String,
    pub repo_branch: String,
    pub repo_clone_url: String,
    pub repo_ssh_url: String,
    pub repo_link: String,
    pub repo_archived: bool,
    pub repo_synced: i64,
    pub repo_created: i64,
    pub repo_updated: i64,
}

/// A repository with one user's permission row on it.
#[derive(Clone, Debug, PartialEq, Eq, FromRow)]
pub struct UserRepo {
    #[sqlx(flatten)]
    pub repo: Repo,
    pub perm_pull: bool,
    pub perm_push: bool,
    pub perm_admin: bool,
    pub perm_synced: i64,
}

pub(crate) const REPO_COLUMNS: &str = "repos.repo_id, repo_uid, repo_namespace, repo_name, repo_full_name, \
     repo_private, repo_visibility, repo_branch, repo_clone_url, repo_ssh_url, repo_link, repo_archived, \
     repo_synced, repo_created, repo_updated";

impl Database {
    /// The repositories `user_id` has a permission row for, by full name.
    pub async fn user_repos(&self, user_id: i64) -> Result<Vec<UserRepo>, StoreError> {
        let sql = format!(
            "SELECT {REPO_COLUMNS}, perm_pull, perm_push, perm_admin, perm_synced FROM perms \
             JOIN repos ON repos.repo_id = perms.perm_repo_id WHERE perm_user_id = $1 ORDER BY repo_full_name"
        );
        Ok(
            with_pool!(self, pool => sqlx::query_as::<_, UserRepo>(&sql).bind(user_id).fetch_all(pool).await?),
        )
    }

    /// The list generation: a number every committed change to `repos` or `perms` has
    /// increased (kept by triggers; migration 0007). Read it *before* the rows it is to stand
    /// for: rows read afterwards are at least that new.
    pub async fn list_generation(&self) -> Result<i64, StoreError> {
        let sql = "SELECT n FROM list_generation WHERE id = 1";
        Ok(with_pool!(self, pool => sqlx::query_scalar(sql).fetch_one(pool).await?))
    }

    pub async fn repo_by_full_name(&self, full_name: &str) -> Result<Option<Repo>, StoreError> {
        let sql = format!("SELECT {REPO_COLUMNS} FROM repos WHERE repo_full_name = $1");
        Ok(
            with_pool!(self, pool => sqlx::query_as::<_, Repo>(&sql).bind(full_name).fetch_optional(pool).await?),
        )
    }

    pub async fn repo_by_uid(&self, uid: &str) -> Result<Option<Repo>, StoreError> {
        let sql = format!("SELECT {REPO_COLUMNS} FROM repos WHERE repo_uid = $1");
        Ok(
            with_pool!(self, pool => sqlx::query_as::<_, Repo>(&sql).bind(uid).fetch_optional(pool).await?),
        )
    }

    /// The stored repositories with these forge ids.
    pub async fn repos_by_uids(&self, uids: &[&str]) -> Result<Vec<Repo>, StoreError> {
        self.repos_where_in("repo_uid", uids).await
    }

    /// The stored repositories with these full names.
    pub async fn repos_by_full_names(&self, names: &[&str]) -> Result<Vec<Repo>, StoreError> {
        self.repos_where_in("repo_full_name", names).await
    }

    async fn repos_where_in(&self, column: &str, values: &[&str]) -> Result<Vec<Repo>, StoreError> {
        let mut found = Vec::with_capacity(values.len());
        for chunk in values.chunks(IN_CHUNK) {
            let rows: Vec<Repo> = with_pool!(self, pool => {
                let mut query = QueryBuilder::new(format!("SELECT {REPO_COLUMNS} FROM repos WHERE {column} IN ("));
                let mut list = query.separated(", ");
                for value in chunk {
                    list.push_bind(*value);
                }
                query.push(")");
                query.build_query_as::<Repo>().fetch_all(pool).await?
            });
            found.extend(rows);
        }
        Ok(found)
    }

    /// How many users can pull each of these repositories (for tests and the admin view).
    pub async fn perm_count(&self, repo_id: i64) -> Result<i64, StoreError> {
        let sql = "SELECT COUNT(*) FROM perms WHERE perm_repo_id = $1";
        Ok(with_pool!(self, pool => sqlx::query_scalar(sql).bind(repo_id).fetch_one(pool).await?))
    }

    /// `user_id`'s row on the repository named `full_name`, if they have one.
    pub async fn user_repo(
        &self,
        user_id: i64,
        full_name: &str,
    ) -> Result<Option<UserRepo>, StoreError> {
        let sql = format!(
            "SELECT {REPO_COLUMNS}, perm_pull, perm_push, perm_admin, perm_synced FROM perms \
             JOIN repos ON repos.repo_id = perms.perm_repo_id WHERE perm_user_id = $1 AND repo_full_name = $2"
        );
        Ok(
            with_pool!(self, pool => sqlx::query_as::<_, UserRepo>(&sql).bind(user_id).bind(full_name).fetch_optional(pool).await?),
        )
    }
}
