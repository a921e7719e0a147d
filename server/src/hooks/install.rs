//! `reposync hooks install --org NAME`: registers the organisation webhook that tells Reposync
//! about new, renamed and deleted repositories — through the forge's API where it has one for
//! it (GitHub, Gitea, Forgejo), or as the exact steps to take by hand where it does not.

use reqwest::header::HeaderMap;
use serde_json::json;

use crate::forge::{
    http::{path_segment, HttpClient},
    paging::auth_headers,
    ForgeError, ForgeKind,
};

/// What `install` did.
#[derive(Debug, PartialEq, Eq)]
pub enum Installed {
    /// The forge created the webhook; its id there.
    Created { id: String },
    /// The forge has no API for it (or none Reposync can use): do this.
    Manual(String),
}

/// Where the webhook goes and how it is signed.
pub struct Target<'a> {
    pub url: &'a str,
    pub secret: &'a str,
}

fn headers(kind: ForgeKind, token: &str) -> Result<HeaderMap, ForgeError> {
    match kind {
        ForgeKind::Github => auth_headers("Bearer", token, "application/vnd.github+json"),
        _ => auth_headers("token", token, "application/json"),
    }
}

/// Registers the webhook for organisation (group, workspace, project) `org`.
pub async fn install(
    kind: ForgeKind,
    api: &str,
    forge_url: &str,
    token: &str,
    org: &str,
    target: &Target<'_>,
) -> Result<Installed, ForgeError> {
    let api = api.trim_end_matches('/');
    let (url, body) = match kind {
        ForgeKind::Github => (
            format!("{api}/orgs/{}/hooks", path_segment(org)),
            json!({
                "name": "web",
                "active": true,
                "events": ["repository"],
                "config": { "url": target.url, "content_type": "json", "secret": target.secret, "insecure_ssl": "0" },
            }),
        ),
        ForgeKind::Gitea | ForgeKind::Forgejo => (
            format!("{api}/orgs/{}/hooks", path_segment(org)),
            json!({
                "type": if kind == ForgeKind::Gitea { "gitea" } else { "forgejo" },
                "active": true,
                "events": ["repository"],
                "config": { "url": target.url, "content_type": "json", "secret": target.secret },
            }),
        ),
        other => {
            return Ok(Installed::Manual(manual_steps(
                other, forge_url, org, target,
            )))
        }
    };
    let http = HttpClient::new(crate::forge::http::Policy::default());
    let reply = http.post_json(&url, headers(kind, token)?, &body).await?;
    let created: serde_json::Value = serde_json::from_slice(&reply.body)
        .map_err(|e| ForgeError::Malformed(format!("the created webhook: {e}")))?;
    let id = created
        .get("id")
        .map(|id| id.to_string().trim_matches('"').to_string())
        .ok_or_else(|| ForgeError::Malformed("the created webhook has no id".into()))?;
    Ok(Installed::Created { id })
}

/// The steps for forges whose organisation webhooks Reposync cannot create itself.
fn manual_steps(kind: ForgeKind, forge_url: &str, org: &str, target: &Target<'_>) -> String {
    let base = forge_url.trim_end_matches('/');
    let common = format!(
        "URL {}\n  Secret: the value of REPOSYNC_WEBHOOK_SECRET",
        target.url
    );
    match kind {
        ForgeKind::Gitlab => format!(
            "GitLab has no group webhook for project lifecycle events on every tier; use a system hook (administrators):\n\
             1. Open {base}/admin/hooks and add a webhook.\n\
             2. {common} (as the \"Secret token\").\n\
             3. Tick \"Repository update events\" off and keep the system events (project create, destroy, rename, transfer) on.\n\
             With GitLab Premium, a group webhook on {base}/groups/{org}/-/hooks with \"Subgroup events\" and project events works too."
        ),
        ForgeKind::Bitbucket => format!(
            "Bitbucket Cloud: open https://bitbucket.org/{org}/workspace/settings/webhooks and add a webhook:\n\
             1. {common}.\n\
             2. Triggers: Repository created, deleted, transferred, imported and updated."
        ),
        ForgeKind::BitbucketDc => format!(
            "Bitbucket Data Center: open {base}/plugins/servlet/webhooks/projects/{org} and create a webhook:\n\
             1. {common}.\n\
             2. Events: Repository modified and Repository forked."
        ),
        ForgeKind::Gogs => format!(
            "Gogs sends no repository lifecycle events (create, rename, delete), so no webhook can report them.\n\
             Keep {org}'s lists current with REPOSYNC_SYNC_INTERVAL (e.g. 1h) instead."
        ),
        ForgeKind::Github | ForgeKind::Gitea | ForgeKind::Forgejo => unreachable!("created through the API"),
    }
}
