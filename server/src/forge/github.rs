//! GitHub and GitHub Enterprise: `GET /user/repos` with `Link` paging, 100 per page.
//!
//! The first page announces the page count (`rel="last"`); the rest are then fetched
//! concurrently and assembled in order. Each page is requested with the ETag of its last answer,
//! and a 304 reuses the stored page (GitHub does not count authorised 304s against the limit).
//! Permissions come with each repository, so a listing costs one call per page and nothing per
//! repository.

use reqwest::header::{HeaderMap, HeaderValue};
use serde::Deserialize;

use super::{
    http::{HttpClient, Reply},
    link,
    paging::{self, auth_headers, last_page, NumberedPages},
    CachedPage, Forge, ForgeError, ForgeRepo, ForgeUser, Listing, PageCache, Perm, Visibility,
};

/// The most repositories GitHub returns on one page.
pub const PER_PAGE: u32 = 100;

/// A GitHub (or GitHub Enterprise) API client.
pub struct GitHub {
    http: HttpClient,
    api: String,
    concurrency: usize,
    per_page: u32,
}

impl GitHub {
    /// A client for the API at `api` (see [`api_url`]), fetching up to `concurrency` pages at once.
    pub fn new(api: &str, http: HttpClient, concurrency: usize) -> Self {
        GitHub {
            http,
            api: api.trim_end_matches('/').to_string(),
            concurrency: concurrency.max(1),
            per_page: PER_PAGE,
        }
    }

    /// Uses smaller pages (tests that need many pages from few repositories).
    pub fn with_per_page(mut self, per_page: u32) -> Self {
        self.per_page = per_page.clamp(1, PER_PAGE);
        self
    }
}

impl NumberedPages for GitHub {
    fn http(&self) -> &HttpClient {
        &self.http
    }

    fn concurrency(&self) -> usize {
        self.concurrency
    }

    fn page_url(&self, page: u32) -> String {
        format!(
            "{}/user/repos?per_page={}&page={page}",
            self.api, self.per_page
        )
    }

    fn headers(&self, token: &str) -> Result<HeaderMap, ForgeError> {
        let mut headers = auth_headers("Bearer", token, "application/vnd.github+json")?;
        headers.insert(
            "x-github-api-version",
            HeaderValue::from_static("2022-11-28"),
        );
        Ok(headers)
    }

    fn parse_page(&self, reply: &Reply) -> Result<CachedPage, ForgeError> {
        let items: Vec<GhRepo> = serde_json::from_slice(&reply.body)
            .map_err(|e| ForgeError::Malformed(format!("repository list: {e}")))?;
        let links = reply.header("link").map(link::parse).unwrap_or_default();
        Ok(CachedPage {
            etag: reply.header("etag").unwrap_or_default().to_string(),
            last_page: last_page(&links),
            has_next: links.next.is_some(),
            repos: items.into_iter().map(GhRepo::into_forge).collect(),
        })
    }
}

/// The API base for a forge URL: `https://github.com` → `https://api.github.com`, anything else
/// (GitHub Enterprise Server) → `<url>/api/v3`.
pub fn api_url(forge_url: &str) -> String {
    let trimmed = forge_url.trim_end_matches('/');
    match url::Url::parse(trimmed) {
        Ok(url) if url.host_str() == Some("github.com") => "https://api.github.com".to_string(),
        _ => format!("{trimmed}/api/v3"),
    }
}

/// GitHub's OAuth endpoints, on the forge URL (not the API URL); PKCE is not used.
pub fn oauth_endpoints(forge_url: &str) -> super::oauth::OAuthEndpoints {
    let base = forge_url.trim_end_matches('/');
    super::oauth::OAuthEndpoints {
        authorize: format!("{base}/login/oauth/authorize"),
        token: format!("{base}/login/oauth/access_token"),
        scopes: ["repo", "repo:status", "user:email", "read:org"]
            .map(String::from)
            .to_vec(),
        pkce: false,
    }
}

#[async_trait::async_trait]
impl Forge for GitHub {
    fn name(&self) -> &'static str {
        "GitHub"
    }

    async fn whoami(&self, token: &str) -> Result<ForgeUser, ForgeError> {
        let reply = self
            .http
            .get(&format!("{}/user", self.api), self.headers(token)?)
            .await?;
        let user: GhUser = serde_json::from_slice(&reply.body)
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
struct GhUser {
    id: i64,
    login: String,
    email: Option<String>,
    avatar_url: Option<String>,
}

#[derive(Deserialize)]
struct GhRepo {
    id: i64,
    name: String,
    full_name: String,
    owner: GhOwner,
    private: bool,
    visibility: Option<String>,
    default_branch: Option<String>,
    clone_url: Option<String>,
    ssh_url: Option<String>,
    html_url: Option<String>,
    #[serde(default)]
    archived: bool,
    permissions: Option<GhPermissions>,
}

#[derive(Deserialize)]
struct GhOwner {
    login: String,
}

/// Roles imply lower flags (admin ⇒ maintain ⇒ push ⇒ triage ⇒ pull); a CI needs three.
#[derive(Deserialize)]
struct GhPermissions {
    #[serde(default)]
    admin: bool,
    #[serde(default)]
    maintain: bool,
    #[serde(default)]
    push: bool,
    #[serde(default)]
    triage: bool,
    #[serde(default)]
    pull: bool,
}

impl GhRepo {
    fn into_forge(self) -> ForgeRepo {
        let visibility = match self.visibility.as_deref() {
            Some("public") => Visibility::Public,
            Some("internal") => Visibility::Internal,
            Some(_) => Visibility::Private,
            None if self.private => Visibility::Private,
            None => Visibility::Public,
        };
        let perm = match self.permissions {
            Some(p) => {
                let push = p.push || p.maintain || p.admin;
                Perm {
                    pull: p.pull || p.triage || push,
                    push,
                    admin: p.admin,
                }
            }
            // Listed without permissions: the user can see it, nothing more.
            None => Perm {
                pull: true,
                push: false,
                admin: false,
            },
        };
        ForgeRepo {
            uid: self.id.to_string(),
            namespace: self.owner.login,
            name: self.name,
            full_name: self.full_name,
            visibility,
            default_branch: self.default_branch.unwrap_or_else(|| "main".into()),
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
    fn api_url_for_github_com_and_enterprise() {
        assert_eq!(api_url("https://github.com"), "https://api.github.com");
        assert_eq!(api_url("https://github.com/"), "https://api.github.com");
        assert_eq!(
            api_url("https://ghe.corp.example"),
            "https://ghe.corp.example/api/v3"
        );
    }

    #[test]
    fn documented_repository_shape_maps_exactly() {
        // Trimmed from GitHub's documented `GET /user/repos` example.
        let body = r#"[{"id":1296269,"node_id":"MDEwOlJlcG9zaXRvcnkxMjk2MjY5","name":"Hello-World",
          "full_name":"octocat/Hello-World","owner":{"login":"octocat","id":1,"type":"User"},
          "private":false,"html_url":"https://github.com/octocat/Hello-World",
          "clone_url":"https://github.com/octocat/Hello-World.git","ssh_url":"git@github.com:octocat/Hello-World.git",
          "default_branch":"master","archived":false,"visibility":"public",
          "permissions":{"admin":false,"maintain":false,"push":false,"triage":true,"pull":true}}]"#;
        let repos: Vec<GhRepo> = serde_json::from_str(body).unwrap();
        let repo = repos.into_iter().next().unwrap().into_forge();
        assert_eq!(repo.uid, "1296269");
        assert_eq!(repo.namespace, "octocat");
        assert_eq!(repo.full_name, "octocat/Hello-World");
        assert_eq!(repo.visibility, Visibility::Public);
        assert_eq!(repo.default_branch, "master");
        assert_eq!(
            repo.perm,
            Perm {
                pull: true,
                push: false,
                admin: false
            }
        );
    }

    #[test]
    fn roles_imply_the_lower_flags() {
        let perm = |json: &str| {
            let p: GhPermissions = serde_json::from_str(json).unwrap();
            let repo = GhRepo {
                id: 1,
                name: "r".into(),
                full_name: "o/r".into(),
                owner: GhOwner { login: "o".into() },
                private: true,
                visibility: None,
                default_branch: None,
                clone_url: None,
                ssh_url: None,
                html_url: None,
                archived: false,
                permissions: Some(p),
            };
            repo.into_forge().perm
        };
        assert_eq!(
            perm(r#"{"admin":true}"#),
            Perm {
                pull: true,
                push: true,
                admin: true
            }
        );
        assert_eq!(
            perm(r#"{"maintain":true}"#),
            Perm {
                pull: true,
                push: true,
                admin: false
            }
        );
        assert_eq!(
            perm(r#"{"push":true,"pull":true}"#),
            Perm {
                pull: true,
                push: true,
                admin: false
            }
        );
        assert_eq!(
            perm(r#"{"pull":true}"#),
            Perm {
                pull: true,
                push: false,
                admin: false
            }
        );
    }
}
