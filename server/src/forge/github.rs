//! GitHub and GitHub Enterprise: `GET /user/repos` with `Link` paging, 100 per page.
//!
//! The first page announces the page count (`rel="last"`); the rest are then fetched
//! concurrently and assembled in order. Each page is requested with the ETag of its last answer,
//! and a 304 reuses the stored page (GitHub does not count authorised 304s against the limit).
//! Permissions come with each repository, so a listing costs one call per page and nothing per
//! repository.

use futures::{stream, StreamExt, TryStreamExt};
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, IF_NONE_MATCH};
use serde::Deserialize;

use super::{
    http::{HttpClient, Reply},
    link, CachedPage, Forge, ForgeError, ForgeRepo, ForgeUser, Listing, ListingStats, PageCache,
    Perm, Visibility,
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

    fn page_url(&self, page: u32) -> String {
        format!(
            "{}/user/repos?per_page={}&page={page}",
            self.api, self.per_page
        )
    }

    fn headers(token: &str) -> Result<HeaderMap, ForgeError> {
        let mut headers = HeaderMap::new();
        let bearer = HeaderValue::from_str(&format!("Bearer {token}"))
            .map_err(|_| ForgeError::Unauthorized)?;
        headers.insert(AUTHORIZATION, bearer);
        headers.insert(
            ACCEPT,
            HeaderValue::from_static("application/vnd.github+json"),
        );
        headers.insert(
            "x-github-api-version",
            HeaderValue::from_static("2022-11-28"),
        );
        Ok(headers)
    }

    /// One page, conditionally when the cache has it.
    async fn page(
        &self,
        token: &str,
        number: u32,
        cache: &dyn PageCache,
    ) -> Result<(CachedPage, ListingStats), ForgeError> {
        let url = self.page_url(number);
        let mut headers = Self::headers(token)?;
        let cached = cache.get(&url).await;
        if let Some(etag) = cached
            .as_ref()
            .and_then(|c| HeaderValue::from_str(&c.etag).ok())
        {
            headers.insert(IF_NONE_MATCH, etag);
        }
        let reply = self.http.get(&url, headers).await?;
        let mut stats = ListingStats {
            pages: 1,
            calls: reply.attempts,
            not_modified: 0,
        };
        if reply.status == reqwest::StatusCode::NOT_MODIFIED {
            let page = cached
                .ok_or_else(|| ForgeError::Malformed("304 for a page never fetched".into()))?;
            stats.not_modified = 1;
            return Ok((page, stats));
        }
        let page = parse_page(&reply)?;
        if !page.etag.is_empty() {
            cache.put(&url, page.clone()).await;
        }
        Ok((page, stats))
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

fn parse_page(reply: &Reply) -> Result<CachedPage, ForgeError> {
    let items: Vec<GhRepo> = serde_json::from_slice(&reply.body)
        .map_err(|e| ForgeError::Malformed(format!("repository list: {e}")))?;
    let links = reply.header("link").map(link::parse).unwrap_or_default();
    let last_page = links
        .last
        .as_deref()
        .and_then(|u| link::query_param(u, "page"))
        .and_then(|p| p.parse().ok());
    Ok(CachedPage {
        etag: reply.header("etag").unwrap_or_default().to_string(),
        last_page,
        has_next: links.next.is_some(),
        repos: items.into_iter().map(GhRepo::into_forge).collect(),
    })
}

#[async_trait::async_trait]
impl Forge for GitHub {
    fn name(&self) -> &'static str {
        "GitHub"
    }

    async fn whoami(&self, token: &str) -> Result<ForgeUser, ForgeError> {
        let reply = self
            .http
            .get(&format!("{}/user", self.api), Self::headers(token)?)
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
        let (first, mut stats) = self.page(token, 1, cache).await?;
        let mut pages = vec![first];
        let announced = pages[0].last_page.unwrap_or(1);
        if pages[0].has_next && announced > 1 {
            let rest: Vec<(CachedPage, ListingStats)> = stream::iter(2..=announced)
                .map(|n| self.page(token, n, cache))
                .buffered(self.concurrency)
                .try_collect()
                .await?;
            for (page, page_stats) in rest {
                add(&mut stats, page_stats);
                pages.push(page);
            }
        }
        // Without `last`, or if the list grew while we read it: follow `next` one page at a time.
        let mut number = pages.len() as u32;
        while pages.last().is_some_and(|p| p.has_next) {
            number += 1;
            if number > 100_000 {
                return Err(ForgeError::PagingLoop(format!(
                    "more than {} pages",
                    number - 1
                )));
            }
            let (page, page_stats) = self.page(token, number, cache).await?;
            add(&mut stats, page_stats);
            if page.repos.is_empty() && page.has_next {
                return Err(ForgeError::PagingLoop(format!(
                    "page {number} is empty but links to a next page"
                )));
            }
            pages.push(page);
        }
        Ok(Listing {
            repos: dedupe(pages.into_iter().flat_map(|p| p.repos)),
            stats,
        })
    }
}

fn add(total: &mut ListingStats, page: ListingStats) {
    total.pages += page.pages;
    total.calls += page.calls;
    total.not_modified += page.not_modified;
}

/// Keeps the first appearance of each id: a repository can move between pages while they are read.
pub(crate) fn dedupe(repos: impl Iterator<Item = ForgeRepo>) -> Vec<ForgeRepo> {
    let mut seen = std::collections::HashSet::new();
    repos.filter(|r| seen.insert(r.uid.clone())).collect()
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
