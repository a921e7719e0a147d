//! GitLab: `GET /api/v4/projects?membership=true&min_access_level=20`, 100 per page, with
//! subgroups (namespaces that contain `/`).
//!
//! Up to 10,000 projects GitLab announces `x-total-pages`, and the pages are fetched
//! concurrently. Past that it announces no totals and offset paging slows down (and stops at
//! 50,000), so the client switches to keyset pagination (`order_by=id`, `id_after=` cursors in
//! `Link: rel="next"`) and follows it page by page. Access levels come with each project:
//! effective = max(project, group); pull ≥ 20 (Reporter), push ≥ 30, admin ≥ 40. Listing with
//! `min_access_level=20` leaves out projects a user cannot read code in, and vouches for
//! Reporter where shared-group access leaves both levels empty.

use reqwest::header::HeaderMap;
use serde::Deserialize;

use super::{
    http::{HttpClient, Reply},
    link,
    oauth::OAuthEndpoints,
    paging::{self, auth_headers, last_page, NumberedPages},
    CachedPage, Forge, ForgeError, ForgeRepo, ForgeUser, Listing, PageCache, Perm, Visibility,
};

pub const PER_PAGE: u32 = 100;
/// Reporter: the lowest level that can read code in a private project.
const MIN_ACCESS_LEVEL: u8 = 20;
const QUERY: &str = "membership=true&min_access_level=20&archived=";

/// A GitLab API client.
pub struct GitLab {
    http: HttpClient,
    api: String,
    concurrency: usize,
    per_page: u32,
}

impl GitLab {
    /// A client for the API at `api` (`<forge url>/api/v4`).
    pub fn new(api: &str, http: HttpClient, concurrency: usize) -> Self {
        GitLab {
            http,
            api: api.trim_end_matches('/').to_string(),
            concurrency: concurrency.max(1),
            per_page: PER_PAGE,
        }
    }

    pub fn with_per_page(mut self, per_page: u32) -> Self {
        self.per_page = per_page.clamp(1, PER_PAGE);
        self
    }

    fn keyset_url(&self) -> String {
        // `archived=` (empty) keeps archived and active projects alike.
        format!(
            "{}/projects?{QUERY}&pagination=keyset&order_by=id&sort=asc&per_page={}",
            self.api, self.per_page
        )
    }

    fn parse_items(reply: &Reply) -> Result<Vec<ForgeRepo>, ForgeError> {
        let items: Vec<GlProject> = serde_json::from_slice(&reply.body)
            .map_err(|e| ForgeError::Malformed(format!("project list: {e}")))?;
        Ok(items.into_iter().map(GlProject::into_forge).collect())
    }
}

/// The API base for a GitLab URL.
pub fn api_url(forge_url: &str) -> String {
    format!("{}/api/v4", forge_url.trim_end_matches('/'))
}

/// GitLab's OAuth endpoints; it supports PKCE, and `read_api read_user` is enough to list.
pub fn oauth_endpoints(forge_url: &str) -> OAuthEndpoints {
    let base = forge_url.trim_end_matches('/');
    OAuthEndpoints {
        authorize: format!("{base}/oauth/authorize"),
        token: format!("{base}/oauth/token"),
        scopes: vec!["read_api".into(), "read_user".into()],
        pkce: true,
    }
}

impl NumberedPages for GitLab {
    fn http(&self) -> &HttpClient {
        &self.http
    }

    fn concurrency(&self) -> usize {
        self.concurrency
    }

    fn page_url(&self, page: u32) -> String {
        format!(
            "{}/projects?{QUERY}&order_by=id&sort=asc&per_page={}&page={page}",
            self.api, self.per_page
        )
    }

    fn headers(&self, token: &str) -> Result<HeaderMap, ForgeError> {
        auth_headers("Bearer", token, "application/json")
    }

    fn parse_page(&self, reply: &Reply) -> Result<CachedPage, ForgeError> {
        let links = reply.header("link").map(link::parse).unwrap_or_default();
        let total_pages = reply
            .header("x-total-pages")
            .and_then(|t| t.trim().parse().ok());
        let next_page = reply
            .header("x-next-page")
            .map(str::trim)
            .filter(|n| !n.is_empty());
        Ok(CachedPage {
            etag: reply.header("etag").unwrap_or_default().to_string(),
            last_page: total_pages.or_else(|| last_page(&links)),
            has_next: next_page.is_some() || links.next.is_some(),
            repos: Self::parse_items(reply)?,
        })
    }
}

#[async_trait::async_trait]
impl Forge for GitLab {
    fn name(&self) -> &'static str {
        "GitLab"
    }

    async fn whoami(&self, token: &str) -> Result<ForgeUser, ForgeError> {
        let reply = self
            .http
            .get(&format!("{}/user", self.api), self.headers(token)?)
            .await?;
        let user: GlUser = serde_json::from_slice(&reply.body)
            .map_err(|e| ForgeError::Malformed(format!("user: {e}")))?;
        Ok(ForgeUser {
            uid: user.id.to_string(),
            login: user.username,
            email: user.email.or(user.public_email).unwrap_or_default(),
            avatar: user.avatar_url.unwrap_or_default(),
        })
    }

    async fn list_repos(&self, token: &str, cache: &dyn PageCache) -> Result<Listing, ForgeError> {
        let (first, stats) = paging::page(self, token, 1, cache).await?;
        if first.last_page.is_some() || !first.has_next {
            return paging::list_rest(self, token, cache, first, stats).await;
        }
        // More than 10,000 projects: no page count. The first page is in id order too, so the
        // keyset cursor resumes right after it.
        let after = first
            .repos
            .iter()
            .filter_map(|r| r.uid.parse::<u64>().ok())
            .max()
            .unwrap_or(0);
        let start = format!("{}&id_after={after}", self.keyset_url());
        let (rest, rest_stats) =
            paging::follow_next(&self.http, self.headers(token)?, start, |reply| {
                let next = reply.header("link").map(link::parse).and_then(|l| l.next);
                Ok((Self::parse_items(reply)?, next))
            })
            .await?;
        let mut listing = Listing {
            repos: paging::dedupe(first.repos.into_iter().chain(rest)),
            stats: rest_stats,
        };
        listing.stats.pages += stats.pages;
        listing.stats.calls += stats.calls;
        Ok(listing)
    }
}

#[derive(Deserialize)]
struct GlUser {
    id: i64,
    username: String,
    email: Option<String>,
    public_email: Option<String>,
    avatar_url: Option<String>,
}

#[derive(Deserialize)]
struct GlProject {
    id: i64,
    path: String,
    path_with_namespace: String,
    namespace: GlNamespace,
    visibility: Option<String>,
    default_branch: Option<String>,
    http_url_to_repo: Option<String>,
    ssh_url_to_repo: Option<String>,
    web_url: Option<String>,
    #[serde(default)]
    archived: bool,
    permissions: Option<GlPermissions>,
}

#[derive(Deserialize)]
struct GlNamespace {
    full_path: String,
}

#[derive(Deserialize)]
struct GlPermissions {
    project_access: Option<GlAccess>,
    group_access: Option<GlAccess>,
}

#[derive(Deserialize)]
struct GlAccess {
    access_level: u8,
}

impl GlProject {
    fn into_forge(self) -> ForgeRepo {
        let level = self
            .permissions
            .map(|p| {
                let project = p.project_access.map_or(0, |a| a.access_level);
                let group = p.group_access.map_or(0, |a| a.access_level);
                project.max(group)
            })
            .unwrap_or(0)
            .max(MIN_ACCESS_LEVEL);
        let visibility = match self.visibility.as_deref() {
            Some("public") => Visibility::Public,
            Some("internal") => Visibility::Internal,
            _ => Visibility::Private,
        };
        ForgeRepo {
            uid: self.id.to_string(),
            namespace: self.namespace.full_path,
            name: self.path,
            full_name: self.path_with_namespace,
            visibility,
            default_branch: self
                .default_branch
                .filter(|b| !b.is_empty())
                .unwrap_or_else(|| "main".into()),
            clone_url: self.http_url_to_repo.unwrap_or_default(),
            ssh_url: self.ssh_url_to_repo.unwrap_or_default(),
            link: self.web_url.unwrap_or_default(),
            archived: self.archived,
            perm: Perm {
                pull: level >= 20,
                push: level >= 30,
                admin: level >= 40,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(permissions: &str) -> ForgeRepo {
        let body = format!(
            r#"{{"id":3,"name":"Diaspora Client","path":"diaspora-client","path_with_namespace":"diaspora/team/diaspora-client",
            "namespace":{{"id":2,"name":"team","path":"team","kind":"group","full_path":"diaspora/team"}},
            "visibility":"internal","default_branch":"main","archived":false,
            "http_url_to_repo":"https://gitlab.example.com/diaspora/team/diaspora-client.git",
            "ssh_url_to_repo":"git@gitlab.example.com:diaspora/team/diaspora-client.git",
            "web_url":"https://gitlab.example.com/diaspora/team/diaspora-client","permissions":{permissions}}}"#
        );
        serde_json::from_str::<GlProject>(&body)
            .unwrap()
            .into_forge()
    }

    #[test]
    fn documented_project_shape_with_a_subgroup() {
        let repo = project(
            r#"{"project_access":{"access_level":30,"notification_level":3},"group_access":null}"#,
        );
        assert_eq!(repo.namespace, "diaspora/team");
        assert_eq!(
            repo.name, "diaspora-client",
            "the path, not the display name"
        );
        assert_eq!(repo.full_name, "diaspora/team/diaspora-client");
        assert_eq!(repo.visibility, Visibility::Internal);
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
    fn the_higher_of_project_and_group_access_wins() {
        let maintainer =
            project(r#"{"project_access":{"access_level":20},"group_access":{"access_level":40}}"#);
        assert_eq!(
            maintainer.perm,
            Perm {
                pull: true,
                push: true,
                admin: true
            }
        );
        let reporter = project(r#"{"project_access":null,"group_access":{"access_level":20}}"#);
        assert_eq!(
            reporter.perm,
            Perm {
                pull: true,
                push: false,
                admin: false
            }
        );
        // Listed with min_access_level=20 but no level shown (shared-group access): Reporter.
        let shared = project(r#"{"project_access":null,"group_access":null}"#);
        assert_eq!(
            shared.perm,
            Perm {
                pull: true,
                push: false,
                admin: false
            }
        );
    }
}
