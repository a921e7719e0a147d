//! Bitbucket Data Center / Server (`rest/api/1.0`).
//!
//! Repositories carry no permissions, so the listing runs three times — `permission=REPO_ADMIN`,
//! `REPO_WRITE` and `REPO_READ`, concurrently — and the highest list a repository appears in
//! wins. Pages are `{values, isLastPage, nextPageStart}`; `start=nextPageStart` is followed until
//! `isLastPage`. The default branch is not in the listing: it costs one call per repository
//! (`…/repos/{slug}/default-branch`, concurrently), the one per-repository cost this forge
//! imposes. Who-am-I is `plugins/servlet/applinks/whoami` (plain text), then `users/{slug}`.

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

/// Repositories per page (Data Center's default maximum is 1000).
pub const PER_PAGE: u32 = 1000;

/// A Bitbucket Data Center client.
pub struct BitbucketDc {
    http: HttpClient,
    /// The server's base URL (the API is under `rest/api/1.0`).
    base: String,
    concurrency: usize,
    per_page: u32,
}

impl BitbucketDc {
    pub fn new(base: &str, http: HttpClient, concurrency: usize) -> Self {
        BitbucketDc {
            http,
            base: base.trim_end_matches('/').to_string(),
            concurrency: concurrency.max(1),
            per_page: PER_PAGE,
        }
    }

    pub fn with_per_page(mut self, per_page: u32) -> Self {
        self.per_page = per_page.clamp(1, PER_PAGE);
        self
    }

    fn headers(token: &str) -> Result<HeaderMap, ForgeError> {
        auth_headers("Bearer", token, "application/json")
    }

    /// Every repository listed with `permission`.
    async fn listing(
        &self,
        token: &str,
        permission: &str,
    ) -> Result<(Vec<DcRepo>, ListingStats), ForgeError> {
        let base = format!(
            "{}/rest/api/1.0/repos?permission={permission}&limit={}",
            self.base, self.per_page
        );
        let first = format!("{base}&start=0");
        paging::follow_next(&self.http, Self::headers(token)?, first, |reply: &Reply| {
            let page: DcPage = serde_json::from_slice(&reply.body)
                .map_err(|e| ForgeError::Malformed(format!("repository list: {e}")))?;
            let next = match (page.is_last_page, page.next_page_start) {
                (false, Some(start)) => Some(format!("{base}&start={start}")),
                (false, None) => {
                    return Err(ForgeError::Malformed(
                        "a page that is not the last names no next start".into(),
                    ))
                }
                (true, _) => None,
            };
            Ok((page.values, next))
        })
        .await
    }

    async fn default_branch(
        &self,
        token: &str,
        repo: &DcRepo,
    ) -> Result<(String, u32), ForgeError> {
        let url = format!(
            "{}/rest/api/1.0/projects/{}/repos/{}/default-branch",
            self.base,
            path_segment(&repo.project.key),
            path_segment(&repo.slug)
        );
        match self.http.get(&url, Self::headers(token)?).await {
            Ok(reply) => {
                let branch: Value = serde_json::from_slice(&reply.body).unwrap_or_default();
                Ok((
                    branch["displayId"].as_str().unwrap_or("main").to_string(),
                    reply.attempts,
                ))
            }
            // An empty repository has no default branch yet.
            Err(ForgeError::NotFound(_)) => Ok(("main".into(), 1)),
            Err(error) => Err(error),
        }
    }
}

/// Data Center's OAuth 2 endpoints (7.20+).
pub fn oauth_endpoints(forge_url: &str) -> OAuthEndpoints {
    let base = forge_url.trim_end_matches('/');
    OAuthEndpoints {
        authorize: format!("{base}/rest/oauth2/latest/authorize"),
        token: format!("{base}/rest/oauth2/latest/token"),
        scopes: vec!["REPO_READ".into()],
        pkce: true,
    }
}

#[async_trait::async_trait]
impl Forge for BitbucketDc {
    fn name(&self) -> &'static str {
        "Bitbucket Data Center"
    }

    async fn whoami(&self, token: &str) -> Result<ForgeUser, ForgeError> {
        let reply = self
            .http
            .get(
                &format!("{}/plugins/servlet/applinks/whoami", self.base),
                Self::headers(token)?,
            )
            .await?;
        let slug = String::from_utf8_lossy(&reply.body).trim().to_string();
        if slug.is_empty() {
            return Err(ForgeError::Unauthorized);
        }
        let reply = self
            .http
            .get(
                &format!("{}/rest/api/1.0/users/{}", self.base, path_segment(&slug)),
                Self::headers(token)?,
            )
            .await?;
        let user: DcUser = serde_json::from_slice(&reply.body)
            .map_err(|e| ForgeError::Malformed(format!("user: {e}")))?;
        Ok(ForgeUser {
            uid: user.id.to_string(),
            login: user.slug,
            email: user.email_address.unwrap_or_default(),
            avatar: String::new(),
        })
    }

    async fn list_repos(&self, token: &str, _cache: &dyn PageCache) -> Result<Listing, ForgeError> {
        let (admin, write, read) = futures::try_join!(
            self.listing(token, "REPO_ADMIN"),
            self.listing(token, "REPO_WRITE"),
            self.listing(token, "REPO_READ")
        )?;
        let mut stats = ListingStats::default();
        for part in [&admin.1, &write.1, &read.1] {
            stats.pages += part.pages;
            stats.calls += part.calls;
        }
        let mut rights: HashMap<i64, Perm> = HashMap::new();
        let levels = [
            (
                &read.0,
                Perm {
                    pull: true,
                    push: false,
                    admin: false,
                },
            ),
            (
                &write.0,
                Perm {
                    pull: true,
                    push: true,
                    admin: false,
                },
            ),
            (
                &admin.0,
                Perm {
                    pull: true,
                    push: true,
                    admin: true,
                },
            ),
        ];
        for (repos, perm) in levels {
            for repo in repos {
                rights.insert(repo.id, perm);
            }
        }
        let mut unique: HashMap<i64, DcRepo> = HashMap::new();
        for repo in admin.0.into_iter().chain(write.0).chain(read.0) {
            unique.entry(repo.id).or_insert(repo);
        }
        let mut repos: Vec<DcRepo> = unique.into_values().collect();
        repos.sort_by(|a, b| (&a.project.key, &a.slug).cmp(&(&b.project.key, &b.slug)));
        let with_branches: Vec<(ForgeRepo, u32)> = stream::iter(repos)
            .map(|repo| async {
                let (branch, calls) = self.default_branch(token, &repo).await?;
                let perm = rights.get(&repo.id).copied().unwrap_or_default();
                Ok::<_, ForgeError>((repo.into_forge(perm, branch), calls))
            })
            .buffered(self.concurrency)
            .try_collect()
            .await?;
        let mut out = Vec::with_capacity(with_branches.len());
        for (repo, calls) in with_branches {
            stats.calls += calls;
            out.push(repo);
        }
        Ok(Listing { repos: out, stats })
    }
}

#[derive(Deserialize)]
struct DcUser {
    id: i64,
    slug: String,
    #[serde(rename = "emailAddress")]
    email_address: Option<String>,
}

#[derive(Deserialize)]
struct DcPage {
    #[serde(default)]
    values: Vec<DcRepo>,
    #[serde(rename = "isLastPage", default = "yes")]
    is_last_page: bool,
    #[serde(rename = "nextPageStart")]
    next_page_start: Option<u64>,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
struct DcRepo {
    id: i64,
    slug: String,
    project: DcProject,
    #[serde(default)]
    public: bool,
    #[serde(default)]
    archived: bool,
    #[serde(default)]
    links: Value,
}

#[derive(Deserialize)]
struct DcProject {
    key: String,
}

impl DcRepo {
    fn link(&self, kind: &str, name: &str) -> String {
        self.links[kind]
            .as_array()
            .and_then(|links| links.iter().find(|l| name.is_empty() || l["name"] == name))
            .and_then(|l| l["href"].as_str())
            .unwrap_or_default()
            .to_string()
    }

    fn into_forge(self, perm: Perm, default_branch: String) -> ForgeRepo {
        ForgeRepo {
            clone_url: self.link("clone", "http"),
            ssh_url: self.link("clone", "ssh"),
            link: self.link("self", ""),
            uid: self.id.to_string(),
            full_name: format!("{}/{}", self.project.key, self.slug),
            namespace: self.project.key,
            name: self.slug,
            visibility: if self.public {
                Visibility::Public
            } else {
                Visibility::Private
            },
            default_branch,
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
        let body = r#"{"slug":"my-repo","id":1,"name":"My repo","scmId":"git","state":"AVAILABLE","forkable":true,
          "project":{"key":"PRJ","id":1,"name":"My Cool Project","public":true,"type":"NORMAL"},"public":true,"archived":false,
          "links":{"clone":[{"href":"ssh://git@bitbucket.example.com:7999/PRJ/my-repo.git","name":"ssh"},
                            {"href":"https://bitbucket.example.com/scm/PRJ/my-repo.git","name":"http"}],
                   "self":[{"href":"https://bitbucket.example.com/projects/PRJ/repos/my-repo/browse"}]}}"#;
        let repo: DcRepo = serde_json::from_str(body).unwrap();
        let repo = repo.into_forge(
            Perm {
                pull: true,
                push: false,
                admin: false,
            },
            "develop".into(),
        );
        assert_eq!(repo.full_name, "PRJ/my-repo");
        assert_eq!(
            repo.clone_url,
            "https://bitbucket.example.com/scm/PRJ/my-repo.git"
        );
        assert_eq!(
            repo.ssh_url,
            "ssh://git@bitbucket.example.com:7999/PRJ/my-repo.git"
        );
        assert_eq!(
            repo.link,
            "https://bitbucket.example.com/projects/PRJ/repos/my-repo/browse"
        );
        assert_eq!(repo.visibility, Visibility::Public);
        assert_eq!(repo.default_branch, "develop");
    }
}
