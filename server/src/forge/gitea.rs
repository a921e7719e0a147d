//! Gitea and Forgejo: `GET /api/v1/user/repos` (owned, collaborator, team and organisation
//! repositories), 50 per page at most, `Link` headers joined without spaces and `X-Total-Count`.
//!
//! Permissions come with each repository (`{admin, push, pull}`, taken as they are), so a listing
//! costs one call per page. Gitea documents no ETags for API JSON; when a server sends one anyway
//! the pager uses it.

use reqwest::header::HeaderMap;
use serde::Deserialize;

use super::{
    http::{HttpClient, Reply},
    link,
    oauth::OAuthEndpoints,
    paging::{self, auth_headers, last_page, NumberedPages},
    CachedPage, Forge, ForgeError, ForgeRepo, ForgeUser, Listing, PageCache, Perm, Visibility,
};

/// Gitea's `MAX_RESPONSE_ITEMS` default: larger `limit`s are cut to it.
pub const PER_PAGE: u32 = 50;

/// A Gitea or Forgejo API client.
pub struct Gitea {
    http: HttpClient,
    api: String,
    concurrency: usize,
    per_page: u32,
    name: &'static str,
}

impl Gitea {
    /// A client for the API at `api` (`<forge url>/api/v1`); `name` is "Gitea" or "Forgejo".
    pub fn new(api: &str, http: HttpClient, concurrency: usize, name: &'static str) -> Self {
        Gitea {
            http,
            api: api.trim_end_matches('/').to_string(),
            concurrency: concurrency.max(1),
            per_page: PER_PAGE,
            name,
        }
    }

    /// Uses smaller pages (tests that need many pages from few repositories).
    pub fn with_per_page(mut self, per_page: u32) -> Self {
        self.per_page = per_page.clamp(1, PER_PAGE);
        self
    }
}

/// The API base for a Gitea or Forgejo URL.
pub fn api_url(forge_url: &str) -> String {
    format!("{}/api/v1", forge_url.trim_end_matches('/'))
}

/// Gitea's OAuth endpoints; it supports PKCE.
pub fn oauth_endpoints(forge_url: &str) -> OAuthEndpoints {
    let base = forge_url.trim_end_matches('/');
    OAuthEndpoints {
        authorize: format!("{base}/login/oauth/authorize"),
        token: format!("{base}/login/oauth/access_token"),
        scopes: Vec::new(),
        pkce: true,
    }
}

impl NumberedPages for Gitea {
    fn http(&self) -> &HttpClient {
        &self.http
    }

    fn concurrency(&self) -> usize {
        self.concurrency
    }

    fn page_url(&self, page: u32) -> String {
        format!(
            "{}/user/repos?page={page}&limit={}",
            self.api, self.per_page
        )
    }

    fn headers(&self, token: &str) -> Result<HeaderMap, ForgeError> {
        auth_headers("token", token, "application/json")
    }

    fn parse_page(&self, reply: &Reply) -> Result<CachedPage, ForgeError> {
        let items: Vec<GtRepo> = serde_json::from_slice(&reply.body)
            .map_err(|e| ForgeError::Malformed(format!("repository list: {e}")))?;
        let links = reply.header("link").map(link::parse).unwrap_or_default();
        // The total count also gives the page count when a proxy strips `Link`.
        let from_total = reply
            .header("x-total-count")
            .and_then(|t| t.trim().parse::<u32>().ok())
            .map(|total| total.div_ceil(self.per_page).max(1));
        Ok(CachedPage {
            etag: reply.header("etag").unwrap_or_default().to_string(),
            last_page: last_page(&links).or(from_total),
            has_next: links.next.is_some(),
            repos: items.into_iter().map(GtRepo::into_forge).collect(),
        })
    }
}

#[async_trait::async_trait]
impl Forge for Gitea {
    fn name(&self) -> &'static str {
        self.name
    }

    async fn whoami(&self, token: &str) -> Result<ForgeUser, ForgeError> {
        let reply = self
            .http
            .get(&format!("{}/user", self.api), self.headers(token)?)
            .await?;
        let user: GtUser = serde_json::from_slice(&reply.body)
            .map_err(|e| ForgeError::Malformed(format!("user: {e}")))?;
        Ok(ForgeUser {
            uid: user.id.to_string(),
            login: user.login,
            email: user.email.unwrap_or_default(),
            avatar: user.avatar_url.unwrap_or_default(),
        })
    }

    async fn list_repos(&self, token: &str, cache: &dyn PageCache) -> Result<Listing, ForgeError> {
        paging::list_all(self, token, cache).await
    }
}

#[derive(Deserialize)]
struct GtUser {
    id: i64,
    login: String,
    email: Option<String>,
    avatar_url: Option<String>,
}

#[derive(Deserialize)]
struct GtRepo {
    id: i64,
    name: String,
    full_name: String,
    owner: GtOwner,
    #[serde(default)]
    private: bool,
    #[serde(default)]
    internal: bool,
    default_branch: Option<String>,
    clone_url: Option<String>,
    ssh_url: Option<String>,
    html_url: Option<String>,
    #[serde(default)]
    archived: bool,
    permissions: Option<GtPermissions>,
}

#[derive(Deserialize)]
struct GtOwner {
    login: Option<String>,
    username: Option<String>,
}

#[derive(Deserialize)]
struct GtPermissions {
    #[serde(default)]
    admin: bool,
    #[serde(default)]
    push: bool,
    #[serde(default)]
    pull: bool,
}

impl GtRepo {
    fn into_forge(self) -> ForgeRepo {
        let visibility = match (self.private, self.internal) {
            (true, _) => Visibility::Private,
            (false, true) => Visibility::Internal,
            (false, false) => Visibility::Public,
        };
        let perm = match self.permissions {
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
        let namespace = self.owner.login.or(self.owner.username).unwrap_or_else(|| {
            self.full_name
                .rsplit_once('/')
                .map(|(ns, _)| ns.to_string())
                .unwrap_or_default()
        });
        ForgeRepo {
            uid: self.id.to_string(),
            namespace,
            name: self.name,
            full_name: self.full_name,
            visibility,
            default_branch: self
                .default_branch
                .filter(|b| !b.is_empty())
                .unwrap_or_else(|| "main".into()),
            clone_url: self.clone_url.unwrap_or_default(),
            ssh_url: self.ssh_url.unwrap_or_default(),
            link: self.html_url.unwrap_or_default(),
            archived: self.archived,
            perm,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_repository_shape_maps_exactly() {
        // Shaped like Gitea's `Repository` struct (modules/structs/repo.go).
        let body = r#"[{"id":42,"owner":{"id":3,"login":"acme","username":"acme"},"name":"infra",
          "full_name":"acme/infra","private":false,"internal":true,"fork":false,
          "html_url":"https://git.example.com/acme/infra","ssh_url":"git@git.example.com:acme/infra.git",
          "clone_url":"https://git.example.com/acme/infra.git","default_branch":"trunk","archived":true,
          "archived_at":"2024-01-01T00:00:00Z","permissions":{"admin":false,"push":true,"pull":true}}]"#;
        let repos: Vec<GtRepo> = serde_json::from_str(body).unwrap();
        let repo = repos.into_iter().next().unwrap().into_forge();
        assert_eq!(repo.uid, "42");
        assert_eq!(repo.namespace, "acme");
        assert_eq!(repo.visibility, Visibility::Internal);
        assert_eq!(repo.default_branch, "trunk");
        assert!(repo.archived);
        assert_eq!(
            repo.perm,
            Perm {
                pull: true,
                push: true,
                admin: false
            }
        );
    }

    #[test]
    fn api_and_oauth_urls() {
        assert_eq!(
            api_url("https://codeberg.org/"),
            "https://codeberg.org/api/v1"
        );
        let oauth = oauth_endpoints("https://git.example.com");
        assert_eq!(
            oauth.token,
            "https://git.example.com/login/oauth/access_token"
        );
        assert!(oauth.pkce);
    }
}
