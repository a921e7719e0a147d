//! The REST API's JSON objects, with Drone's field names so that Drone clients read them
//! unchanged. Times are unix seconds, as in Drone.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::store::{credentials::ApiToken, repos::UserRepo, runs::RunRecord, users::User};

/// A user (Drone's user object).
#[derive(Serialize, Deserialize, ToSchema)]
pub struct UserJson {
    pub id: i64,
    pub login: String,
    pub email: String,
    pub avatar: String,
    pub active: bool,
    pub admin: bool,
    pub machine: bool,
    /// Whether a sync of this user is running now.
    pub syncing: bool,
    /// The last successful sync (0: never).
    pub synced: i64,
    pub created: i64,
    pub updated: i64,
    pub last_login: i64,
    /// The forge refused this user's login: they must sign in again before the next sync.
    pub reauth: bool,
}

impl UserJson {
    pub fn of(user: &User, syncing: bool) -> Self {
        UserJson {
            id: user.user_id,
            login: user.user_login.clone(),
            email: user.user_email.clone(),
            avatar: user.user_avatar.clone(),
            active: user.user_active,
            admin: user.user_admin,
            machine: user.user_machine,
            syncing,
            synced: user.user_synced,
            created: user.user_created,
            updated: user.user_updated,
            last_login: user.user_last_login,
            reauth: user.user_reauth,
        }
    }
}

/// The caller's rights on a repository.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct PermissionsJson {
    pub pull: bool,
    pub push: bool,
    pub admin: bool,
}

/// A repository with the caller's permissions (Drone's repository object).
#[derive(Serialize, Deserialize, ToSchema)]
pub struct RepoJson {
    pub id: i64,
    /// The forge's id for the repository; stable across renames and transfers.
    pub uid: String,
    /// The id of the user who activated it in a CI (Reposync activates nothing: 0).
    pub user_id: i64,
    pub namespace: String,
    pub name: String,
    /// `namespace/name`.
    pub slug: String,
    pub scm: String,
    pub git_http_url: String,
    pub git_ssh_url: String,
    pub link: String,
    pub default_branch: String,
    pub private: bool,
    /// `public`, `internal` or `private`.
    pub visibility: String,
    /// Activated in a CI (Reposync activates nothing: false).
    pub active: bool,
    pub archived: bool,
    /// When the repository's row was last written by a sync.
    pub synced: i64,
    pub created: i64,
    pub updated: i64,
    /// Changes whenever the row does (the last update time).
    pub version: i64,
    pub permissions: PermissionsJson,
}

impl RepoJson {
    pub fn of(row: &UserRepo) -> Self {
        let repo = &row.repo;
        RepoJson {
            id: repo.repo_id,
            uid: repo.repo_uid.clone(),
            user_id: 0,
            namespace: repo.repo_namespace.clone(),
            name: repo.repo_name.clone(),
            slug: repo.repo_full_name.clone(),
            scm: "git".into(),
            git_http_url: repo.repo_clone_url.clone(),
            git_ssh_url: repo.repo_ssh_url.clone(),
            link: repo.repo_link.clone(),
            default_branch: repo.repo_branch.clone(),
            private: repo.repo_private,
            visibility: repo.repo_visibility.clone(),
            active: false,
            archived: repo.repo_archived,
            synced: repo.repo_synced,
            created: repo.repo_created,
            updated: repo.repo_updated,
            version: repo.repo_updated,
            permissions: PermissionsJson {
                pull: row.perm_pull,
                push: row.perm_push,
                admin: row.perm_admin,
            },
        }
    }
}

/// One sync run (the engine's record).
#[derive(Serialize, Deserialize, ToSchema)]
pub struct SyncJson {
    pub id: i64,
    /// `manual`, `api_flush`, `api_async`, `lazy`, `webhook`, `scheduled` or `cli`.
    pub trigger: String,
    /// `running`, `success`, `empty_ignored` or `failed`.
    pub outcome: String,
    pub error: String,
    pub started: i64,
    /// 0 while running.
    pub finished: i64,
    pub duration_ms: i64,
    pub pages: i64,
    pub calls: i64,
    pub not_modified: i64,
    pub listed: i64,
    pub added: i64,
    pub updated: i64,
    pub renamed: i64,
    pub revoked: i64,
}

impl SyncJson {
    pub fn of(run: &RunRecord) -> Self {
        SyncJson {
            id: run.run_id,
            trigger: run.run_trigger.clone(),
            outcome: run.run_outcome.clone(),
            error: run.run_error.clone(),
            started: run.run_started_ms / 1000,
            finished: run.run_finished_ms / 1000,
            duration_ms: if run.run_finished_ms > 0 {
                run.run_finished_ms - run.run_started_ms
            } else {
                0
            },
            pages: run.run_pages,
            calls: run.run_calls,
            not_modified: run.run_not_modified,
            listed: run.run_listed,
            added: run.run_added,
            updated: run.run_updated,
            renamed: run.run_renamed,
            revoked: run.run_revoked,
        }
    }
}

/// A personal API token as listed (the token itself is shown only when created).
#[derive(Serialize, Deserialize, ToSchema)]
pub struct TokenJson {
    pub id: i64,
    /// The token's first characters, to recognise it.
    pub prefix: String,
    pub label: String,
    pub created: i64,
    /// 0: never used (updated at most once a minute).
    pub last_used: i64,
}

impl TokenJson {
    pub fn of(token: &ApiToken) -> Self {
        TokenJson {
            id: token.token_id,
            prefix: token.token_prefix.clone(),
            label: token.token_label.clone(),
            created: token.token_created,
            last_used: token.token_last_used,
        }
    }
}

/// A new token: the only time it is shown.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct NewTokenJson {
    pub token: String,
    #[serde(flatten)]
    pub record: TokenJson,
}

/// An account to create (admin API).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserJson {
    pub login: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub avatar_url: String,
    #[serde(default)]
    pub admin: bool,
    /// A bot account: it gets an API token in the answer.
    #[serde(default)]
    pub machine: bool,
}

/// A created account; `token` only for machine accounts.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct CreatedUserJson {
    #[serde(flatten)]
    pub user: UserJson,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

/// Changes to an account (admin API); absent fields stay as they are.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserJson {
    pub admin: Option<bool>,
    pub active: Option<bool>,
}

/// An error.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct ErrorJson {
    pub message: String,
    /// A stable name: `bad_request`, `unauthorized`, `forbidden`, `not_found`, `exists`,
    /// `forge_login_required`, `forge_login_expired`, `forge_rate_limited`, `forge_error`, `internal`.
    pub code: String,
}
