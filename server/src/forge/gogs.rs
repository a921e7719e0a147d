//! Gogs: unpaginated lists, and organisation repositories fetched separately.
//!
//! `GET /api/v1/user/repos` returns owned and direct-collaborator repositories with correct
//! permissions, in one answer. Organisation repositories need `GET /api/v1/user/orgs` and then
//! `GET /api/v1/orgs/{org}/repos` — which reports every permission as `true` — so each one not
//! already known from the first list is re-checked with `GET /api/v1/repos/{owner}/{name}`. That
//! makes Gogs the one forge where a listing costs calls per repository; they run concurrently.

use futures::{stream, StreamExt, TryStreamExt};
use reqwest::header::HeaderMap;
use serde::Deserialize;

use super::{
    http::path_segment, http::HttpClient, paging::auth_headers, Forge, ForgeError, ForgeRepo,
    ForgeUser, Listing, ListingStats, PageCache, Perm, Visibility,
};

/// A Gogs API client.
pub struct Gogs {
    http: HttpClient,
    api: String,
    concurrency: usize,
}

impl Gogs {
    /// A client for the API at `api` (`<forge url>/api/v1`).
    pub fn new(api: &str, http: HttpClient, concurrency: usize) -> Self {
        Gogs {
            http,
            api: api.trim_end_matches('/').to_string(),
            concurrency: concurrency.max(1),
        }
    }

    fn headers(token: &str) -> Result<HeaderMap, ForgeError> {
        auth_headers("token", token, "application/json")
    }

    async fn get<T: for<'de> Deserialize<'de>>(
        &self,
        path: &str,
        token: &str,
        stats: &mut ListingStats,
    ) -> Result<T, ForgeError> {
        let reply = self
            .http
            .get(&format!("{}{path}", self.api), Self::headers(token)?)
            .await?;
        stats.pages += 1;
        stats.calls += reply.attempts;
        serde_json::from_slice(&reply.body)
            .map_err(|e| ForgeError::Malformed(format!("{path}: {e}")))
    }
}

/// The API base for a Gogs URL.
pub fn api_url(forge_url: &str) -> String {
    format!("{}/api/v1", forge_url.trim_end_matches('/'))
}

#[async_trait::async_trait]
impl Forge for Gogs {
    fn name(&self) -> &'static str {
        "Gogs"
    }

    async fn whoami(&self, token: &str) -> Result<ForgeUser, ForgeError> {
        let user: GgUser = self
            .get("/user", token, &mut ListingStats::default())
            .await?;
        Ok(ForgeUser {
            uid: user.id.to_string(),
            login: user.username.or(user.login).unwrap_or_default(),
            email: user.email.unwrap_or_default(),
            avatar: user.avatar_url.unwrap_or_default(),
        })
    }

    fn signs_in_with_password(&self) -> bool {
        true
    }

    /// Reuses the account's `reposync` token when it has one, as Drone reused `drone`: Gogs
    /// refuses a second token of the same name, and every sign-in would otherwise add one.
    async fn password_login(&self, username: &str, password: &str) -> Result<String, ForgeError> {
        use base64::Engine as _;
        let basic =
            base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
        let headers = auth_headers("Basic", &basic, "application/json")?;
        let url = format!("{}/users/{}/tokens", self.api, path_segment(username));
        let reply = self.http.get(&url, headers.clone()).await?;
        let tokens: Vec<GgToken> = serde_json::from_slice(&reply.body)
            .map_err(|e| ForgeError::Malformed(format!("token list: {e}")))?;
        if let Some(token) = tokens
            .into_iter()
            .find(|t| t.name == TOKEN_NAME && !t.sha1.is_empty())
        {
            return Ok(token.sha1);
        }
        let reply = self
            .http
            .post_json(&url, headers, &serde_json::json!({ "name": TOKEN_NAME }))
            .await?;
        let token: GgToken = serde_json::from_slice(&reply.body)
            .map_err(|e| ForgeError::Malformed(format!("new token: {e}")))?;
        Ok(token.sha1)
    }

    async fn list_repos(&self, token: &str, _cache: &dyn PageCache) -> Result<Listing, ForgeError> {
        let mut stats = ListingStats::default();
        let own: Vec<GgRepo> = self.get("/user/repos", token, &mut stats).await?;
        let mut repos: Vec<ForgeRepo> = own.into_iter().map(GgRepo::into_forge).collect();
        let known: std::collections::HashSet<String> =
            repos.iter().map(|r| r.uid.clone()).collect();

        let orgs: Vec<GgOrg> = self.get("/user/orgs", token, &mut stats).await?;
        let mut org_stats = ListingStats::default();
        let mut unknown = Vec::new();
        for org in &orgs {
            let listed: Vec<GgRepo> = self
                .get(
                    &format!("/orgs/{}/repos", path_segment(&org.username)),
                    token,
                    &mut org_stats,
                )
                .await?;
            unknown.extend(
                listed
                    .into_iter()
                    .filter(|r| !known.contains(&r.id.to_string())),
            );
        }
        // The organisation list claims full rights on everything: ask each repository instead.
        let checked: Vec<(GgRepo, ListingStats)> = stream::iter(unknown)
            .map(|repo| async move {
                let mut one = ListingStats::default();
                let path = format!(
                    "/repos/{}/{}",
                    path_segment(&repo.owner_login()),
                    path_segment(&repo.name)
                );
                let exact: GgRepo = self.get(&path, token, &mut one).await?;
                Ok::<_, ForgeError>((exact, one))
            })
            .buffered(self.concurrency)
            .try_collect()
            .await?;
        for (repo, one) in checked {
            org_stats.pages += one.pages;
            org_stats.calls += one.calls;
            repos.push(repo.into_forge());
        }
        stats.pages += org_stats.pages;
        stats.calls += org_stats.calls;
        Ok(Listing {
            repos: super::paging::dedupe(repos.into_iter()),
            stats,
        })
    }
}

#[derive(Deserialize)]
struct GgUser {
    id: i64,
    username: Option<String>,
    login: Option<String>,
    email: Option<String>,
    avatar_url: Option<String>,
}

/// The name of the token Reposync creates at sign-in.
const TOKEN_NAME: &str = "reposync";

#[derive(Deserialize)]
struct GgToken {
    name: String,
    #[serde(default)]
    sha1: String,
}

#[derive(Deserialize)]
struct GgOrg {
    username: String,
}

#[derive(Deserialize)]
struct GgRepo {
    id: i64,
    name: String,
    full_name: String,
    owner: GgOwner,
    #[serde(default)]
    private: bool,
    default_branch: Option<String>,
    clone_url: Option<String>,
    ssh_url: Option<String>,
    html_url: Option<String>,
    permissions: Option<GgPermissions>,
}

#[derive(Deserialize)]
struct GgOwner {
    username: Option<String>,
    login: Option<String>,
}

#[derive(Deserialize)]
struct GgPermissions {
    #[serde(default)]
    admin: bool,
    #[serde(default)]
    push: bool,
    #[serde(default)]
    pull: bool,
}

impl GgRepo {
    fn owner_login(&self) -> String {
        self.owner
            .username
            .clone()
            .or_else(|| self.owner.login.clone())
            .unwrap_or_else(|| {
                self.full_name
                    .rsplit_once('/')
                    .map(|(o, _)| o.to_string())
                    .unwrap_or_default()
            })
    }

    fn into_forge(self) -> ForgeRepo {
        let perm = match &self.permissions {
            Some(p) => Perm {
                pull: p.pull || p.push || p.admin,
                push: p.push || p.admin,
                admin: p.admin,
            },
            None => Perm {
                pull: true,
                push: false,
                admin: false,
            },
        };
        ForgeRepo {
            uid: self.id.to_string(),
            namespace: self.owner_login(),
            name: self.name,
            full_name: self.full_name,
            visibility: if self.private {
                Visibility::Private
            } else {
                Visibility::Public
            },
            default_branch: self
                .default_branch
                .filter(|b| !b.is_empty())
                .unwrap_or_else(|| "master".into()),
            clone_url: self.clone_url.unwrap_or_default(),
            ssh_url: self.ssh_url.unwrap_or_default(),
            link: self.html_url.unwrap_or_default(),
            // Gogs has no archiving.
            archived: false,
            perm,
        }
    }
}
