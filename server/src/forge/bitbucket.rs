//! Bitbucket Cloud (API 2.0). The cross-workspace listings are gone (CHANGE-2770), so a listing
//! is: `GET /2.0/user/workspaces`, then for each workspace (concurrently) its repositories
//! (`/2.0/repositories/{ws}?role=member`) and the user's permissions on them in bulk
//! (`/2.0/user/workspaces/{ws}/permissions/repositories`) — no call per repository. Pages are
//! JSON bodies whose `next` URL is followed as an opaque cursor until there is none.

use std::collections::HashMap;

use futures::{stream, StreamExt, TryStreamExt};
use reqwest::header::HeaderMap;
use serde::Deserialize;
use serde_json::Value;

use super::{
    http::path_segment,
    http::{HttpClient, Reply},
    oauth::OAuthEndpoints,
    paging::{self, auth_headers},
    Forge, ForgeError, ForgeRepo, ForgeUser, Listing, ListingStats, PageCache, Perm, Visibility,
};

pub const PER_PAGE: u32 = 100;

/// A Bitbucket Cloud API client.
pub struct Bitbucket {
    http: HttpClient,
    api: String,
    concurrency: usize,
}

impl Bitbucket {
    /// A client for the API at `api` (`https://api.bitbucket.org`).
    pub fn new(api: &str, http: HttpClient, concurrency: usize) -> Self {
        Bitbucket {
            http,
            api: api.trim_end_matches('/').to_string(),
            concurrency: concurrency.max(1),
        }
    }

    fn headers(token: &str) -> Result<HeaderMap, ForgeError> {
        auth_headers("Bearer", token, "application/json")
    }

    /// Every item of a paged collection.
    async fn collect<T>(
        &self,
        token: &str,
        first: String,
    ) -> Result<(Vec<T>, ListingStats), ForgeError>
    where
        T: for<'de> Deserialize<'de>,
    {
        paging::follow_next(&self.http, Self::headers(token)?, first, |reply: &Reply| {
            let page: BbPage<T> = serde_json::from_slice(&reply.body)
                .map_err(|e| ForgeError::Malformed(format!("page: {e}")))?;
            Ok((page.values, page.next))
        })
        .await
    }

    async fn workspace(
        &self,
        token: &str,
        slug: &str,
    ) -> Result<(Vec<ForgeRepo>, ListingStats), ForgeError> {
        let ws = path_segment(slug);
        let repos_url = format!(
            "{}/2.0/repositories/{ws}?role=member&pagelen={PER_PAGE}",
            self.api
        );
        let perms_url = format!(
            "{}/2.0/user/workspaces/{ws}/permissions/repositories?pagelen={PER_PAGE}",
            self.api
        );
        let ((repos, mut stats), (perms, perm_stats)) = futures::try_join!(
            self.collect::<BbRepo>(token, repos_url),
            self.collect::<BbPermission>(token, perms_url)
        )?;
        stats.pages += perm_stats.pages;
        stats.calls += perm_stats.calls;
        let rights: HashMap<String, &str> = perms
            .iter()
            .map(|p| (p.repository.uuid.clone(), p.permission.as_str()))
            .collect();
        let repos = repos
            .into_iter()
            .map(|repo| {
                let perm = match rights.get(&repo.uuid).copied() {
                    Some("admin") => Perm {
                        pull: true,
                        push: true,
                        admin: true,
                    },
                    Some("write") => Perm {
                        pull: true,
                        push: true,
                        admin: false,
                    },
                    _ => Perm {
                        pull: true,
                        push: false,
                        admin: false,
                    },
                };
                repo.into_forge(perm)
            })
            .collect();
        Ok((repos, stats))
    }
}

/// Bitbucket Cloud's OAuth endpoints, on `https://bitbucket.org` (or on another forge URL,
/// such as the simulator's).
pub fn oauth_endpoints(forge_url: &str) -> OAuthEndpoints {
    let base = forge_url.trim_end_matches('/');
    OAuthEndpoints {
        authorize: format!("{base}/site/oauth2/authorize"),
        token: format!("{base}/site/oauth2/access_token"),
        scopes: Vec::new(),
        pkce: false,
    }
}

/// The API base for a Bitbucket Cloud URL: bitbucket.org's is `https://api.bitbucket.org`.
pub fn api_url(forge_url: &str) -> String {
    match url::Url::parse(forge_url) {
        Ok(url) if url.host_str() == Some("bitbucket.org") => "https://api.bitbucket.org".into(),
        _ => forge_url.trim_end_matches('/').to_string(),
    }
}

#[async_trait::async_trait]
impl Forge for Bitbucket {
    fn name(&self) -> &'static str {
        "Bitbucket"
    }

    async fn whoami(&self, token: &str) -> Result<ForgeUser, ForgeError> {
        let reply = self
            .http
            .get(&format!("{}/2.0/user", self.api), Self::headers(token)?)
            .await?;
        let user: BbUser = serde_json::from_slice(&reply.body)
            .map_err(|e| ForgeError::Malformed(format!("user: {e}")))?;
        Ok(ForgeUser {
            uid: user.uuid,
            login: user.username.or(user.nickname).unwrap_or_default(),
            email: String::new(),
            avatar: user
                .links
                .pointer("/avatar/href")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
        })
    }

    async fn list_repos(&self, token: &str, _cache: &dyn PageCache) -> Result<Listing, ForgeError> {
        let first = format!("{}/2.0/user/workspaces?pagelen={PER_PAGE}", self.api);
        let (workspaces, mut stats) = self.collect::<BbWorkspaceAccess>(token, first).await?;
        let slugs: Vec<String> = workspaces.into_iter().filter_map(|w| w.slug()).collect();
        let each: Vec<(Vec<ForgeRepo>, ListingStats)> = stream::iter(slugs)
            .map(|slug| async move { self.workspace(token, &slug).await })
            .buffered(self.concurrency)
            .try_collect()
            .await?;
        let mut repos = Vec::new();
        for (found, found_stats) in each {
            stats.pages += found_stats.pages;
            stats.calls += found_stats.calls;
            repos.extend(found);
        }
        Ok(Listing {
            repos: paging::dedupe(repos.into_iter()),
            stats,
        })
    }
}

/// A page of a collection: `values`, and the `next` page's URL unless this is the last.
#[derive(Deserialize)]
struct BbPage<T> {
    #[serde(default = "Vec::new")]
    values: Vec<T>,
    next: Option<String>,
}

#[derive(Deserialize)]
struct BbUser {
    uuid: String,
    username: Option<String>,
    nickname: Option<String>,
    #[serde(default)]
    links: Value,
}

/// `/2.0/user/workspaces` items come as `{workspace: {slug}}` with either `administrator` or
/// `permission` beside it, depending on the source; some show the slug at the top level.
#[derive(Deserialize)]
struct BbWorkspaceAccess {
    workspace: Option<BbSlug>,
    slug: Option<String>,
}

impl BbWorkspaceAccess {
    fn slug(self) -> Option<String> {
        self.workspace.map(|w| w.slug).or(self.slug)
    }
}

#[derive(Deserialize)]
struct BbSlug {
    slug: String,
}

#[derive(Deserialize)]
struct BbPermission {
    permission: String,
    repository: BbRepoRef,
}

#[derive(Deserialize)]
struct BbRepoRef {
    uuid: String,
}

#[derive(Deserialize)]
struct BbRepo {
    uuid: String,
    slug: String,
    full_name: String,
    #[serde(default)]
    is_private: bool,
    mainbranch: Option<BbBranch>,
    workspace: Option<BbSlug>,
    #[serde(default)]
    links: Value,
}

#[derive(Deserialize)]
struct BbBranch {
    name: String,
}

impl BbRepo {
    fn clone_link(&self, name: &str) -> String {
        let href = self.links["clone"]
            .as_array()
            .and_then(|links| links.iter().find(|l| l["name"] == name))
            .and_then(|l| l["href"].as_str())
            .unwrap_or_default();
        // Bitbucket puts the user in https clone URLs (`https://user@bitbucket.org/…`).
        match url::Url::parse(href) {
            Ok(mut url) if url.scheme() == "https" => {
                let _ = url.set_username("");
                url.to_string()
            }
            _ => href.to_string(),
        }
    }

    fn into_forge(self, perm: Perm) -> ForgeRepo {
        let namespace = self
            .workspace
            .as_ref()
            .map(|w| w.slug.clone())
            .unwrap_or_else(|| {
                self.full_name
                    .split('/')
                    .next()
                    .unwrap_or_default()
                    .to_string()
            });
        ForgeRepo {
            clone_url: self.clone_link("https"),
            ssh_url: self.clone_link("ssh"),
            link: self
                .links
                .pointer("/html/href")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            uid: self.uuid,
            name: self.slug,
            full_name: self.full_name,
            namespace,
            visibility: if self.is_private {
                Visibility::Private
            } else {
                Visibility::Public
            },
            default_branch: self
                .mainbranch
                .map(|b| b.name)
                .unwrap_or_else(|| "main".into()),
            archived: false,
            perm,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_repository_shape_maps_exactly() {
        let body = r#"{"uuid":"{21fa9bf8-b5b2-4891-97ed-d590bad0f871}","slug":"blog","name":"Blog",
          "full_name":"tutorials/blog","is_private":true,"mainbranch":{"type":"branch","name":"main"},
          "workspace":{"slug":"tutorials"},"links":{"html":{"href":"https://bitbucket.org/tutorials/blog"},
          "clone":[{"name":"https","href":"https://someone@bitbucket.org/tutorials/blog.git"},
                   {"name":"ssh","href":"git@bitbucket.org:tutorials/blog.git"}]}}"#;
        let repo: BbRepo = serde_json::from_str(body).unwrap();
        let repo = repo.into_forge(Perm {
            pull: true,
            push: true,
            admin: false,
        });
        assert_eq!(repo.uid, "{21fa9bf8-b5b2-4891-97ed-d590bad0f871}");
        assert_eq!(repo.namespace, "tutorials");
        assert_eq!(repo.name, "blog", "the slug, not the display name");
        assert_eq!(
            repo.clone_url, "https://bitbucket.org/tutorials/blog.git",
            "no user in the clone URL"
        );
        assert_eq!(repo.ssh_url, "git@bitbucket.org:tutorials/blog.git");
        assert_eq!(repo.visibility, Visibility::Private);
    }

    #[test]
    fn both_workspace_item_shapes_are_accepted() {
        let a: BbWorkspaceAccess = serde_json::from_str(
            r#"{"type":"workspace_access","administrator":false,"workspace":{"slug":"acme"}}"#,
        )
        .unwrap();
        let b: BbWorkspaceAccess = serde_json::from_str(
            r#"{"permission":"member","last_accessed":"2024","workspace":{"slug":"acme"}}"#,
        )
        .unwrap();
        assert_eq!(a.slug().as_deref(), Some("acme"));
        assert_eq!(b.slug().as_deref(), Some("acme"));
        assert_eq!(
            api_url("https://bitbucket.org"),
            "https://api.bitbucket.org"
        );
    }
}
