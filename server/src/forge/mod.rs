//! The forge boundary: what the sync engine asks of a forge, in the engine's own types.
//!
//! Each forge's client turns its API's repositories, permissions, pages and errors into
//! [`ForgeRepo`]s and [`ForgeError`]s. The engine never sees a forge's JSON, and a client never
//! touches the database: the page cache it uses for conditional requests is a trait the store
//! implements.

pub mod bitbucket;
pub mod bitbucket_dc;
pub mod gitea;
pub mod github;
pub mod gitlab;
pub mod gogs;
pub mod http;
pub mod link;
pub mod oauth;
pub mod paging;
pub mod webhook;

use std::{fmt, time::SystemTime};

use serde::{Deserialize, Serialize};

/// The forges Reposync has a client for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ForgeKind {
    /// GitHub or GitHub Enterprise Server.
    Github,
    /// Gitea.
    Gitea,
    /// Forgejo (Gitea's API, its own header names).
    Forgejo,
    /// GitLab (gitlab.com or self-managed).
    Gitlab,
    /// Gogs.
    Gogs,
    /// Bitbucket Cloud.
    Bitbucket,
    /// Bitbucket Data Center / Server.
    BitbucketDc,
}

impl ForgeKind {
    pub const ALL: [ForgeKind; 7] = [
        ForgeKind::Github,
        ForgeKind::Gitea,
        ForgeKind::Forgejo,
        ForgeKind::Gitlab,
        ForgeKind::Gogs,
        ForgeKind::Bitbucket,
        ForgeKind::BitbucketDc,
    ];

    /// The name `REPOSYNC_FORGE` takes.
    pub fn as_str(self) -> &'static str {
        match self {
            ForgeKind::Github => "github",
            ForgeKind::Gitea => "gitea",
            ForgeKind::Forgejo => "forgejo",
            ForgeKind::Gitlab => "gitlab",
            ForgeKind::Gogs => "gogs",
            ForgeKind::Bitbucket => "bitbucket",
            ForgeKind::BitbucketDc => "bitbucket-dc",
        }
    }

    /// The forge's public URL when none is configured; self-hosted-only forges have none.
    pub fn default_url(self) -> Option<&'static str> {
        match self {
            ForgeKind::Github => Some("https://github.com"),
            ForgeKind::Gitlab => Some("https://gitlab.com"),
            ForgeKind::Bitbucket => Some("https://bitbucket.org"),
            ForgeKind::Gitea | ForgeKind::Forgejo | ForgeKind::Gogs | ForgeKind::BitbucketDc => {
                None
            }
        }
    }
}

impl std::str::FromStr for ForgeKind {
    type Err = String;
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let raw = raw.trim().to_ascii_lowercase();
        ForgeKind::ALL
            .into_iter()
            .find(|k| k.as_str() == raw)
            .ok_or_else(|| {
                let names: Vec<_> = ForgeKind::ALL.iter().map(|k| k.as_str()).collect();
                format!("unknown forge `{raw}`; use one of {}", names.join(", "))
            })
    }
}

/// A repository as the forge lists it for one user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForgeRepo {
    /// The forge's stable id: survives renames and transfers.
    pub uid: String,
    pub namespace: String,
    pub name: String,
    pub full_name: String,
    pub visibility: Visibility,
    pub default_branch: String,
    pub clone_url: String,
    pub ssh_url: String,
    pub link: String,
    pub archived: bool,
    /// This user's rights on it.
    pub perm: Perm,
}

/// Who can see a repository.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    Private,
    Internal,
    Public,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Private => "private",
            Visibility::Internal => "internal",
            Visibility::Public => "public",
        }
    }

    /// Parses the stored form; unknown values are treated as private, the safe reading.
    pub fn parse(raw: &str) -> Self {
        match raw {
            "public" => Visibility::Public,
            "internal" => Visibility::Internal,
            _ => Visibility::Private,
        }
    }
}

/// A user's rights on a repository, as a CI needs them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Perm {
    pub pull: bool,
    pub push: bool,
    pub admin: bool,
}

/// The forge's account behind a token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForgeUser {
    pub uid: String,
    pub login: String,
    pub email: String,
    pub avatar: String,
}

/// A complete listing and what it cost.
#[derive(Clone, Debug, Default)]
pub struct Listing {
    pub repos: Vec<ForgeRepo>,
    pub stats: ListingStats,
}

/// What one listing cost: pages and calls, and how many calls a 304 answered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingStats {
    pub pages: u32,
    pub calls: u32,
    pub not_modified: u32,
}

/// Why a forge call failed. The engine relies on these kinds: only a complete listing is ever
/// applied, and [`ForgeError::Unauthorized`] means "log in again", never "no repositories".
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ForgeError {
    #[error("the forge refused the token (401): the login must be renewed")]
    Unauthorized,
    #[error("the forge refused access (403): {0}")]
    Forbidden(String),
    #[error("the forge has no such resource (404): {0}")]
    NotFound(String),
    #[error("the forge is rate limiting until {}", fmt_time(*until))]
    RateLimited { until: SystemTime },
    #[error("cannot reach the forge: {0}")]
    Transport(String),
    #[error("the forge failed ({status}): {message}")]
    Server { status: u16, message: String },
    #[error("the forge sent a malformed response: {0}")]
    Malformed(String),
    #[error("the forge's paging did not advance ({0}); stopped instead of looping")]
    PagingLoop(String),
}

fn fmt_time(time: SystemTime) -> String {
    let secs = time
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    format!("unix time {secs}")
}

/// A stored page for conditional requests: the forge's ETag and the page it answered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedPage {
    pub etag: String,
    /// The page count the first page announced (`rel="last"`), if any.
    pub last_page: Option<u32>,
    /// Whether the page linked to a next one.
    pub has_next: bool,
    pub repos: Vec<ForgeRepo>,
}

/// Where a client keeps pages between listings (the store implements it per user), and whom it
/// tells how far a listing has got.
#[async_trait::async_trait]
pub trait PageCache: Send + Sync {
    async fn get(&self, url: &str) -> Option<CachedPage>;
    async fn put(&self, url: &str, page: CachedPage);
    /// `done` pages of a listing are in, of `total` when the forge announced a count.
    fn progress(&self, _done: u32, _total: Option<u32>) {}
}

/// A cache that remembers nothing: every request is unconditional.
pub struct NoCache;

#[async_trait::async_trait]
impl PageCache for NoCache {
    async fn get(&self, _url: &str) -> Option<CachedPage> {
        None
    }
    async fn put(&self, _url: &str, _page: CachedPage) {}
}

/// A forge, as the engine uses it.
#[async_trait::async_trait]
pub trait Forge: Send + Sync {
    /// The forge's name for messages ("GitHub").
    fn name(&self) -> &'static str;
    /// The account behind `token`.
    async fn whoami(&self, token: &str) -> Result<ForgeUser, ForgeError>;
    /// Every repository `token`'s user can reach, with permissions; complete or an error.
    async fn list_repos(&self, token: &str, cache: &dyn PageCache) -> Result<Listing, ForgeError>;
    /// Whether users sign in with a forge password ([`Forge::password_login`]) instead of OAuth.
    fn signs_in_with_password(&self) -> bool {
        false
    }
    /// Trades a username and password for an API token (Gogs, which has no OAuth provider).
    /// Wrong credentials are [`ForgeError::Unauthorized`].
    async fn password_login(&self, _username: &str, _password: &str) -> Result<String, ForgeError> {
        Err(ForgeError::Forbidden(format!(
            "{} signs in with OAuth, not a password",
            self.name()
        )))
    }
}

impl fmt::Debug for dyn Forge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Forge({})", self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_forge_is_listed_and_parses_from_its_name() {
        // An exhaustive match: adding a variant without listing it here fails to compile.
        let listed = |kind: ForgeKind| match kind {
            ForgeKind::Github
            | ForgeKind::Gitea
            | ForgeKind::Forgejo
            | ForgeKind::Gitlab
            | ForgeKind::Gogs
            | ForgeKind::Bitbucket
            | ForgeKind::BitbucketDc => ForgeKind::ALL.contains(&kind),
        };
        for kind in [
            ForgeKind::Github,
            ForgeKind::Gitea,
            ForgeKind::Forgejo,
            ForgeKind::Gitlab,
            ForgeKind::Gogs,
            ForgeKind::Bitbucket,
            ForgeKind::BitbucketDc,
        ] {
            assert!(listed(kind), "{kind:?} is missing from ForgeKind::ALL");
            assert_eq!(kind.as_str().parse::<ForgeKind>(), Ok(kind));
        }
        assert_eq!(" GitLab ".parse::<ForgeKind>(), Ok(ForgeKind::Gitlab));
        assert!("svn".parse::<ForgeKind>().is_err());
    }
}
