//! The simulator's webhook deliveries: each repository change rendered in the configured forge's
//! real payload format, with its real headers and signature, POSTed to the configured URL.
//!
//! What each forge sends follows the forges' own limits: Gitea and Forgejo send only created
//! and deleted, Bitbucket Data Center only renames and moves, Gogs nothing at all.

use serde_json::{json, Value};

use super::SimRepo;
use crate::forge::{webhook::sign, ForgeKind};

/// Where deliveries go.
#[derive(Clone, Debug)]
pub struct WebhookTarget {
    pub url: String,
    pub secret: String,
    pub forge: ForgeKind,
}

/// A change the admin API made.
#[derive(Clone, Debug)]
pub enum SimEvent {
    Created(SimRepo),
    Deleted(SimRepo),
    Renamed { repo: SimRepo, from_name: String },
    Transferred { repo: SimRepo, from_owner: String },
    Archived { repo: SimRepo, archived: bool },
    Visibility { repo: SimRepo },
}

/// One delivery's headers and body.
pub struct Delivery {
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// A forge's event headers and JSON body, before signing.
type Rendered = (Vec<(&'static str, String)>, Value);

/// Headers and body of one delivery, or `None` when the forge sends nothing for this change.
pub fn render(target: &WebhookTarget, event: &SimEvent, delivery: &str) -> Option<Delivery> {
    let (headers, body): (Vec<(&str, String)>, Value) = match target.forge {
        ForgeKind::Github => github(event)?,
        ForgeKind::Gitea | ForgeKind::Forgejo => gitea(event)?,
        ForgeKind::Gitlab => gitlab(event)?,
        ForgeKind::Bitbucket => bitbucket(event)?,
        ForgeKind::BitbucketDc => bitbucket_dc(event)?,
        ForgeKind::Gogs => return None,
    };
    let body = serde_json::to_vec(&body).expect("JSON values serialise");
    let hmac = sign(&body, &target.secret);
    let mut all: Vec<(String, String)> = headers
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    all.push(("content-type".into(), "application/json".into()));
    let signed: Vec<(&str, String)> = match target.forge {
        ForgeKind::Github => vec![
            ("x-github-delivery", delivery.into()),
            ("x-hub-signature-256", format!("sha256={hmac}")),
            ("user-agent", "GitHub-Hookshot/sim".into()),
        ],
        ForgeKind::Gitea => vec![
            ("x-gitea-delivery", delivery.into()),
            ("x-gitea-signature", hmac.clone()),
            ("x-gogs-signature", hmac.clone()),
            ("x-hub-signature-256", format!("sha256={hmac}")),
        ],
        ForgeKind::Forgejo => vec![
            ("x-forgejo-delivery", delivery.into()),
            ("x-forgejo-signature", hmac.clone()),
            ("x-gitea-delivery", delivery.into()),
            ("x-gitea-signature", hmac),
        ],
        ForgeKind::Gitlab => vec![
            ("x-gitlab-token", target.secret.clone()),
            ("x-gitlab-event-uuid", delivery.into()),
            ("user-agent", "GitLab/sim".into()),
        ],
        ForgeKind::Bitbucket => vec![
            ("x-request-uuid", delivery.into()),
            ("x-hub-signature", format!("sha256={hmac}")),
            ("user-agent", "Bitbucket-Webhooks/2.0".into()),
        ],
        ForgeKind::BitbucketDc => {
            vec![
                ("x-request-id", delivery.into()),
                ("x-hub-signature", format!("sha256={hmac}")),
            ]
        }
        ForgeKind::Gogs => unreachable!("Gogs sends no lifecycle events"),
    };
    all.extend(signed.into_iter().map(|(k, v)| (k.to_string(), v)));
    Some(Delivery { headers: all, body })
}

fn github(event: &SimEvent) -> Option<Rendered> {
    let repo_json = |r: &SimRepo| {
        json!({ "id": r.id, "node_id": format!("R_{}", r.id), "name": r.name, "full_name": r.full_name(),
                "private": r.private, "archived": r.archived, "owner": { "login": r.owner } })
    };
    let (action, repo, changes) = match event {
        SimEvent::Created(r) => ("created", r, json!({})),
        SimEvent::Deleted(r) => ("deleted", r, json!({})),
        SimEvent::Renamed { repo, from_name } => (
            "renamed",
            repo,
            json!({ "repository": { "name": { "from": from_name } } }),
        ),
        SimEvent::Transferred { repo, from_owner } => (
            "transferred",
            repo,
            json!({ "owner": { "from": { "organization": { "login": from_owner } } } }),
        ),
        SimEvent::Archived { repo, archived } => (
            if *archived { "archived" } else { "unarchived" },
            repo,
            json!({}),
        ),
        SimEvent::Visibility { repo } => (
            if repo.private {
                "privatized"
            } else {
                "publicized"
            },
            repo,
            json!({}),
        ),
    };
    let body = json!({ "action": action, "repository": repo_json(repo), "changes": changes, "sender": { "login": "sim" } });
    Some((vec![("x-github-event", "repository".into())], body))
}

fn gitea(event: &SimEvent) -> Option<Rendered> {
    let (action, repo) = match event {
        SimEvent::Created(r) => ("created", r),
        SimEvent::Deleted(r) => ("deleted", r),
        _ => return None,
    };
    let body = json!({ "action": action, "repository": { "id": repo.id, "name": repo.name, "full_name": repo.full_name(),
                       "owner": { "login": repo.owner } }, "sender": { "login": "sim" } });
    Some((
        vec![
            ("x-gitea-event", "repository".into()),
            ("x-forgejo-event", "repository".into()),
        ],
        body,
    ))
}

fn gitlab(event: &SimEvent) -> Option<Rendered> {
    let (name, repo, old) = match event {
        SimEvent::Created(r) => ("project_create", r, None),
        SimEvent::Deleted(r) => ("project_destroy", r, None),
        SimEvent::Renamed { repo, from_name } => (
            "project_rename",
            repo,
            Some(format!("{}/{from_name}", repo.owner)),
        ),
        SimEvent::Transferred { repo, from_owner } => (
            "project_transfer",
            repo,
            Some(format!("{from_owner}/{}", repo.name)),
        ),
        SimEvent::Archived { repo, .. } | SimEvent::Visibility { repo } => {
            ("project_update", repo, None)
        }
    };
    let body = json!({ "event_name": name, "project_id": repo.id, "name": repo.name, "path": repo.name,
                       "path_with_namespace": repo.full_name(), "old_path_with_namespace": old,
                       "project_visibility": if repo.private { "private" } else { "public" } });
    Some((vec![("x-gitlab-event", "System Hook".into())], body))
}

fn bitbucket(event: &SimEvent) -> Option<Rendered> {
    let repo_json = |r: &SimRepo| json!({ "uuid": format!("{{repo-{}}}", r.id), "full_name": r.full_name(), "name": r.name, "is_private": r.private });
    let (key, repo, changes) = match event {
        SimEvent::Created(r) => ("repo:created", r, Value::Null),
        SimEvent::Deleted(r) => ("repo:deleted", r, Value::Null),
        SimEvent::Renamed { repo, from_name } => (
            "repo:updated",
            repo,
            json!({ "name": { "old": from_name, "new": repo.name }, "full_name": { "old": format!("{}/{from_name}", repo.owner), "new": repo.full_name() } }),
        ),
        SimEvent::Transferred { repo, from_owner } => (
            "repo:transfer",
            repo,
            json!({ "full_name": { "old": format!("{from_owner}/{}", repo.name), "new": repo.full_name() } }),
        ),
        SimEvent::Archived { .. } => return None,
        SimEvent::Visibility { repo } => (
            "repo:updated",
            repo,
            json!({ "is_private": { "new": repo.private } }),
        ),
    };
    let mut body = json!({ "repository": repo_json(repo), "actor": { "nickname": "sim" } });
    if !changes.is_null() {
        body["changes"] = changes;
    }
    Some((vec![("x-event-key", key.into())], body))
}

fn bitbucket_dc(event: &SimEvent) -> Option<Rendered> {
    let repo_json = |id: u64, slug: &str, key: &str| json!({ "id": id, "slug": slug, "name": slug, "project": { "key": key } });
    let (old, new) = match event {
        SimEvent::Renamed { repo, from_name } => (
            repo_json(repo.id, from_name, &repo.owner),
            repo_json(repo.id, &repo.name, &repo.owner),
        ),
        SimEvent::Transferred { repo, from_owner } => (
            repo_json(repo.id, &repo.name, from_owner),
            repo_json(repo.id, &repo.name, &repo.owner),
        ),
        _ => return None,
    };
    Some((
        vec![("x-event-key", "repo:modified".into())],
        json!({ "eventKey": "repo:modified", "old": old, "new": new }),
    ))
}
