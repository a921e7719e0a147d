//! Forge webhooks: verify a delivery's signature, then turn it into a typed repository event
//! keyed by the forge's repository id.
//!
//! Verification comes first and is constant-time: GitHub, Gitea/Forgejo, Gogs and both
//! Bitbucket products sign the body with HMAC-SHA256 (`X-Hub-Signature-256`, `X-Gitea-Signature`,
//! `X-Forgejo-Signature`, `X-Gogs-Signature`, `X-Hub-Signature`); GitLab echoes a shared token
//! (`X-Gitlab-Token`). Unsigned, wrongly signed, oversized and malformed deliveries are refused
//! with a reason; well-formed deliveries of events that say nothing about repositories'
//! existence, names or visibility are [`Parsed::Ignored`].

use hmac::{Hmac, Mac};
use reqwest::header::HeaderMap;
use serde::Deserialize;
use serde_json::Value;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use super::{ForgeKind, Visibility};

/// The largest delivery accepted.
pub const MAX_BODY: usize = 1024 * 1024;

/// A repository as an event names it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, Deserialize)]
pub struct EventRepo {
    pub uid: String,
    pub full_name: String,
}

/// What happened to a repository.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum RepoEvent {
    Created {
        repo: EventRepo,
    },
    Deleted {
        repo: EventRepo,
    },
    Renamed {
        repo: EventRepo,
        from: String,
    },
    Transferred {
        repo: EventRepo,
        from: String,
    },
    Archived {
        repo: EventRepo,
        archived: bool,
    },
    VisibilityChanged {
        repo: EventRepo,
        visibility: Visibility,
    },
    /// A GitHub App lost access to it: nobody can be synced to it through this forge any more.
    AccessRemoved {
        repo: EventRepo,
    },
}

/// A verified delivery.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Parsed {
    /// Repository events, with the forge's delivery id (for deduplication) where it sends one.
    Events {
        delivery: Option<String>,
        events: Vec<RepoEvent>,
    },
    /// A genuine delivery of something else (pushes, pings, issues, …).
    Ignored { reason: String },
}

/// Why a delivery is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error("the delivery is larger than 1 MiB")]
    TooLarge,
    #[error("the delivery is not signed ({0} is missing)")]
    Unsigned(&'static str),
    #[error("the delivery's signature does not match the webhook secret")]
    BadSignature,
    #[error("the delivery is malformed: {0}")]
    Malformed(String),
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

/// Checks `signature` (hex, optionally behind `prefix`) against HMAC-SHA256(`secret`, `body`).
fn verify_hmac(
    body: &[u8],
    secret: &str,
    signature: &str,
    prefix: &str,
) -> Result<(), WebhookError> {
    let hex = signature
        .strip_prefix(prefix)
        .ok_or(WebhookError::BadSignature)?;
    let expected = hex::decode(hex).map_err(|_| WebhookError::BadSignature)?;
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(body);
    mac.verify_slice(&expected)
        .map_err(|_| WebhookError::BadSignature)
}

/// Verifies a delivery from `forge` and parses it.
pub fn receive(
    forge: ForgeKind,
    headers: &HeaderMap,
    body: &[u8],
    secret: &str,
) -> Result<Parsed, WebhookError> {
    if body.len() > MAX_BODY {
        return Err(WebhookError::TooLarge);
    }
    let value = |names: &[&str]| names.iter().find_map(|name| header(headers, name));
    // HMAC-SHA256 of the body in the first of `names` present, hex behind `prefix`.
    let signed = |names: &[&'static str], prefix: &str| {
        let signature = value(names).ok_or(WebhookError::Unsigned(names[0]))?;
        verify_hmac(body, secret, signature, prefix)
    };
    match forge {
        ForgeKind::Github => {
            signed(&["x-hub-signature-256"], "sha256=")?;
            github(
                value(&["x-github-event"]).unwrap_or(""),
                value(&["x-github-delivery"]),
                body,
            )
        }
        ForgeKind::Gitea | ForgeKind::Forgejo => {
            signed(&["x-forgejo-signature", "x-gitea-signature"], "")?;
            let event = value(&["x-forgejo-event", "x-gitea-event"]).unwrap_or("");
            gitea(
                event,
                value(&["x-forgejo-delivery", "x-gitea-delivery"]),
                body,
            )
        }
        ForgeKind::Bitbucket => {
            signed(&["x-hub-signature"], "sha256=")?;
            bitbucket(
                value(&["x-event-key"]).unwrap_or(""),
                value(&["x-request-uuid"]),
                body,
            )
        }
        ForgeKind::BitbucketDc => {
            signed(&["x-hub-signature"], "sha256=")?;
            bitbucket_dc(
                value(&["x-event-key"]).unwrap_or(""),
                value(&["x-request-id"]),
                body,
            )
        }
        ForgeKind::Gogs => {
            signed(&["x-gogs-signature"], "")?;
            gogs(
                value(&["x-gogs-event"]).unwrap_or(""),
                value(&["x-gogs-delivery"]),
                body,
            )
        }
        ForgeKind::Gitlab => {
            let token =
                value(&["x-gitlab-token"]).ok_or(WebhookError::Unsigned("x-gitlab-token"))?;
            if !token_matches(token, secret) {
                return Err(WebhookError::BadSignature);
            }
            let delivery = value(&["x-gitlab-event-uuid", "idempotency-key"]);
            gitlab(value(&["x-gitlab-event"]).unwrap_or(""), delivery, body)
        }
    }
}

fn json<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, WebhookError> {
    serde_json::from_slice(body).map_err(|e| WebhookError::Malformed(e.to_string()))
}

fn events(delivery: Option<&str>, events: Vec<RepoEvent>) -> Result<Parsed, WebhookError> {
    Ok(Parsed::Events {
        delivery: delivery.map(str::to_string),
        events,
    })
}

fn ignored(reason: impl Into<String>) -> Result<Parsed, WebhookError> {
    Ok(Parsed::Ignored {
        reason: reason.into(),
    })
}

#[derive(Deserialize)]
struct IdName {
    id: Value,
    full_name: String,
}

impl IdName {
    fn event_repo(&self) -> Result<EventRepo, WebhookError> {
        let uid = match &self.id {
            Value::Number(n) => n.to_string(),
            Value::String(s) if !s.is_empty() => s.clone(),
            _ => return Err(WebhookError::Malformed("the repository has no id".into())),
        };
        Ok(EventRepo {
            uid,
            full_name: self.full_name.clone(),
        })
    }
}

/// GitHub organisation `repository` events and App `installation_repositories` events.
fn github(event: &str, delivery: Option<&str>, body: &[u8]) -> Result<Parsed, WebhookError> {
    #[derive(Deserialize)]
    struct Repository {
        action: String,
        repository: IdName,
        #[serde(default)]
        changes: Value,
    }
    #[derive(Deserialize)]
    struct Installation {
        action: String,
        #[serde(default)]
        repositories_added: Vec<IdName>,
        #[serde(default)]
        repositories_removed: Vec<IdName>,
    }
    match event {
        "repository" => {
            let payload: Repository = json(body)?;
            let repo = payload.repository.event_repo()?;
            let from_name = || {
                payload
                    .changes
                    .pointer("/repository/name/from")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            };
            let from_owner = || {
                let owner = payload.changes.pointer("/owner/from");
                owner
                    .and_then(|o| {
                        o.pointer("/user/login")
                            .or_else(|| o.pointer("/organization/login"))
                    })
                    .and_then(Value::as_str)
                    .map(str::to_string)
            };
            let name = repo
                .full_name
                .rsplit_once('/')
                .map(|(_, n)| n.to_string())
                .unwrap_or_default();
            let namespace = repo
                .full_name
                .rsplit_once('/')
                .map(|(o, _)| o.to_string())
                .unwrap_or_default();
            let event = match payload.action.as_str() {
                "created" => RepoEvent::Created { repo },
                "deleted" => RepoEvent::Deleted { repo },
                "archived" => RepoEvent::Archived {
                    repo,
                    archived: true,
                },
                "unarchived" => RepoEvent::Archived {
                    repo,
                    archived: false,
                },
                "publicized" => RepoEvent::VisibilityChanged {
                    repo,
                    visibility: Visibility::Public,
                },
                "privatized" => RepoEvent::VisibilityChanged {
                    repo,
                    visibility: Visibility::Private,
                },
                "renamed" => {
                    let old = from_name().ok_or_else(|| {
                        WebhookError::Malformed(
                            "a rename without changes.repository.name.from".into(),
                        )
                    })?;
                    RepoEvent::Renamed {
                        repo,
                        from: format!("{namespace}/{old}"),
                    }
                }
                "transferred" => {
                    let old = from_owner().ok_or_else(|| {
                        WebhookError::Malformed("a transfer without changes.owner.from".into())
                    })?;
                    RepoEvent::Transferred {
                        repo,
                        from: format!("{old}/{name}"),
                    }
                }
                other => return ignored(format!("repository {other}")),
            };
            events(delivery, vec![event])
        }
        "installation_repositories" => {
            let payload: Installation = json(body)?;
            let mut out = Vec::new();
            for repo in &payload.repositories_added {
                out.push(RepoEvent::Created {
                    repo: repo.event_repo()?,
                });
            }
            for repo in &payload.repositories_removed {
                out.push(RepoEvent::AccessRemoved {
                    repo: repo.event_repo()?,
                });
            }
            if out.is_empty() {
                return ignored(format!("installation_repositories {}", payload.action));
            }
            events(delivery, out)
        }
        "" => Err(WebhookError::Malformed("no X-GitHub-Event header".into())),
        other => ignored(other.to_string()),
    }
}

/// Gitea/Forgejo `repository` events: created and deleted are all they send.
fn gitea(event: &str, delivery: Option<&str>, body: &[u8]) -> Result<Parsed, WebhookError> {
    #[derive(Deserialize)]
    struct Repository {
        action: String,
        repository: IdName,
    }
    match event {
        "repository" => {
            let payload: Repository = json(body)?;
            let repo = payload.repository.event_repo()?;
            match payload.action.as_str() {
                "created" => events(delivery, vec![RepoEvent::Created { repo }]),
                "deleted" => events(delivery, vec![RepoEvent::Deleted { repo }]),
                other => ignored(format!("repository {other}")),
            }
        }
        "" => Err(WebhookError::Malformed("no X-Gitea-Event header".into())),
        other => ignored(other.to_string()),
    }
}

/// Bitbucket Cloud workspace `repo:*` events, identified by the repository's `uuid`.
fn bitbucket(event: &str, delivery: Option<&str>, body: &[u8]) -> Result<Parsed, WebhookError> {
    #[derive(Deserialize)]
    struct Repo {
        uuid: String,
        full_name: String,
    }
    #[derive(Deserialize)]
    struct Payload {
        repository: Repo,
        #[serde(default)]
        changes: Value,
    }
    if !event.starts_with("repo:") {
        return if event.is_empty() {
            Err(WebhookError::Malformed("no X-Event-Key header".into()))
        } else {
            ignored(event.to_string())
        };
    }
    let payload: Payload = json(body)?;
    if payload.repository.uuid.is_empty() {
        return Err(WebhookError::Malformed("the repository has no uuid".into()));
    }
    let repo = EventRepo {
        uid: payload.repository.uuid,
        full_name: payload.repository.full_name,
    };
    let old_full_name = payload
        .changes
        .pointer("/full_name/old")
        .and_then(Value::as_str)
        .map(str::to_string);
    let event = match event {
        "repo:created" | "repo:imported" => RepoEvent::Created { repo },
        "repo:deleted" => RepoEvent::Deleted { repo },
        "repo:transfer" => match old_full_name {
            Some(from) => RepoEvent::Transferred { repo, from },
            // The payload names only the new owner: a transfer into a workspace we watch.
            None => RepoEvent::Created { repo },
        },
        "repo:updated" => match old_full_name {
            Some(from) if from != repo.full_name => RepoEvent::Renamed { repo, from },
            _ => return ignored("repo:updated without a new name"),
        },
        other => return ignored(other.to_string()),
    };
    events(delivery, vec![event])
}

/// Bitbucket Data Center: `repo:modified` (renamed or moved, `{old, new}`) and `repo:forked`.
fn bitbucket_dc(event: &str, delivery: Option<&str>, body: &[u8]) -> Result<Parsed, WebhookError> {
    #[derive(Deserialize)]
    struct Project {
        key: String,
    }
    #[derive(Deserialize)]
    struct Repo {
        id: i64,
        slug: String,
        project: Project,
    }
    impl Repo {
        fn event_repo(&self) -> EventRepo {
            EventRepo {
                uid: self.id.to_string(),
                full_name: format!("{}/{}", self.project.key, self.slug),
            }
        }
    }
    #[derive(Deserialize)]
    struct Modified {
        old: Repo,
        new: Repo,
    }
    #[derive(Deserialize)]
    struct Forked {
        repository: Repo,
    }
    let event = match event {
        "repo:modified" => {
            let payload: Modified = json(body)?;
            let (old, repo) = (payload.old.event_repo(), payload.new.event_repo());
            if old.full_name == repo.full_name {
                return ignored("repo:modified without a new name");
            }
            if payload.old.project.key != payload.new.project.key {
                RepoEvent::Transferred {
                    repo,
                    from: old.full_name,
                }
            } else {
                RepoEvent::Renamed {
                    repo,
                    from: old.full_name,
                }
            }
        }
        "repo:forked" => RepoEvent::Created {
            repo: json::<Forked>(body)?.repository.event_repo(),
        },
        "" => return Err(WebhookError::Malformed("no X-Event-Key header".into())),
        other => return ignored(other.to_string()),
    };
    events(delivery, vec![event])
}

/// Gogs sends no repository lifecycle events; a fork is the nearest (a repository appears).
fn gogs(event: &str, delivery: Option<&str>, body: &[u8]) -> Result<Parsed, WebhookError> {
    #[derive(Deserialize)]
    struct Fork {
        forkee: IdName,
    }
    match event {
        "fork" => {
            let payload: Fork = json(body)?;
            events(
                delivery,
                vec![RepoEvent::Created {
                    repo: payload.forkee.event_repo()?,
                }],
            )
        }
        "" => Err(WebhookError::Malformed("no X-Gogs-Event header".into())),
        other => ignored(other.to_string()),
    }
}

/// GitLab system hooks and group "project events": create, destroy, rename, transfer.
fn gitlab(event: &str, delivery: Option<&str>, body: &[u8]) -> Result<Parsed, WebhookError> {
    #[derive(Deserialize)]
    struct ProjectEvent {
        event_name: Option<String>,
        project_id: Option<i64>,
        path_with_namespace: Option<String>,
        old_path_with_namespace: Option<String>,
    }
    if !matches!(event, "System Hook" | "Project Hook") {
        return if event.is_empty() {
            Err(WebhookError::Malformed("no X-Gitlab-Event header".into()))
        } else {
            ignored(event.to_string())
        };
    }
    let payload: ProjectEvent = json(body)?;
    let name = payload.event_name.unwrap_or_default();
    if !name.starts_with("project_") {
        return ignored(name);
    }
    let (Some(id), Some(full_name)) = (payload.project_id, payload.path_with_namespace) else {
        return Err(WebhookError::Malformed(format!(
            "{name} without project_id or path_with_namespace"
        )));
    };
    let repo = EventRepo {
        uid: id.to_string(),
        full_name,
    };
    let old = || {
        payload.old_path_with_namespace.clone().ok_or_else(|| {
            WebhookError::Malformed(format!("{name} without old_path_with_namespace"))
        })
    };
    let event = match name.as_str() {
        "project_create" => RepoEvent::Created { repo },
        "project_destroy" => RepoEvent::Deleted { repo },
        "project_rename" => RepoEvent::Renamed { from: old()?, repo },
        "project_transfer" => RepoEvent::Transferred { from: old()?, repo },
        other => return ignored(other.to_string()),
    };
    events(delivery, vec![event])
}

/// The signature header value a forge would send for `body` (the simulator's deliveries, tests).
pub fn sign(body: &[u8], secret: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

/// Compares GitLab's echoed token without leaking where it differs.
pub fn token_matches(given: &str, secret: &str) -> bool {
    given.as_bytes().ct_eq(secret.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "It's a Secret to Everybody";

    fn signed(pairs: &[(&'static str, String)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(*name, value.parse().unwrap());
        }
        headers
    }

    fn github_headers(event: &str, body: &[u8]) -> HeaderMap {
        signed(&[
            ("x-github-event", event.into()),
            (
                "x-github-delivery",
                "72d3162e-cc78-11e3-81ab-4c9367dc0958".into(),
            ),
            (
                "x-hub-signature-256",
                format!("sha256={}", sign(body, SECRET)),
            ),
        ])
    }

    #[test]
    fn githubs_documented_signature_example_verifies() {
        // From GitHub's "Validating webhook deliveries" documentation.
        let body = b"Hello, World!";
        let expected = "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
        assert_eq!(sign(body, SECRET), expected);
        assert!(verify_hmac(body, SECRET, &format!("sha256={expected}"), "sha256=").is_ok());
    }

    #[test]
    fn unsigned_wrongly_signed_and_oversized_deliveries_are_refused() {
        let body = br#"{"action":"created","repository":{"id":1,"full_name":"o/r"}}"#;
        let mut headers = github_headers("repository", body);
        assert!(receive(ForgeKind::Github, &headers, body, SECRET).is_ok());
        assert_eq!(
            receive(ForgeKind::Github, &headers, body, "other secret"),
            Err(WebhookError::BadSignature)
        );
        let tampered = br#"{"action":"deleted","repository":{"id":1,"full_name":"o/r"}}"#;
        assert_eq!(
            receive(ForgeKind::Github, &headers, tampered, SECRET),
            Err(WebhookError::BadSignature)
        );
        headers.insert("x-hub-signature-256", "sha256=zz".parse().unwrap());
        assert_eq!(
            receive(ForgeKind::Github, &headers, body, SECRET),
            Err(WebhookError::BadSignature)
        );
        headers.remove("x-hub-signature-256");
        assert!(matches!(
            receive(ForgeKind::Github, &headers, body, SECRET),
            Err(WebhookError::Unsigned(_))
        ));
        let big = vec![b' '; MAX_BODY + 1];
        assert_eq!(
            receive(
                ForgeKind::Github,
                &github_headers("repository", &big),
                &big,
                SECRET
            ),
            Err(WebhookError::TooLarge)
        );
    }

    #[test]
    fn github_repository_events_parse() {
        let cases = [
            (
                r#"{"action":"created","repository":{"id":7,"full_name":"acme/new"}}"#,
                RepoEvent::Created {
                    repo: EventRepo {
                        uid: "7".into(),
                        full_name: "acme/new".into(),
                    },
                },
            ),
            (
                r#"{"action":"renamed","changes":{"repository":{"name":{"from":"old"}}},"repository":{"id":7,"full_name":"acme/new"}}"#,
                RepoEvent::Renamed {
                    repo: EventRepo {
                        uid: "7".into(),
                        full_name: "acme/new".into(),
                    },
                    from: "acme/old".into(),
                },
            ),
            (
                r#"{"action":"transferred","changes":{"owner":{"from":{"organization":{"login":"before"}}}},"repository":{"id":7,"full_name":"acme/new"}}"#,
                RepoEvent::Transferred {
                    repo: EventRepo {
                        uid: "7".into(),
                        full_name: "acme/new".into(),
                    },
                    from: "before/new".into(),
                },
            ),
            (
                r#"{"action":"archived","repository":{"id":7,"full_name":"acme/new"}}"#,
                RepoEvent::Archived {
                    repo: EventRepo {
                        uid: "7".into(),
                        full_name: "acme/new".into(),
                    },
                    archived: true,
                },
            ),
            (
                r#"{"action":"privatized","repository":{"id":7,"full_name":"acme/new"}}"#,
                RepoEvent::VisibilityChanged {
                    repo: EventRepo {
                        uid: "7".into(),
                        full_name: "acme/new".into(),
                    },
                    visibility: Visibility::Private,
                },
            ),
            (
                r#"{"action":"deleted","repository":{"id":7,"full_name":"acme/new"}}"#,
                RepoEvent::Deleted {
                    repo: EventRepo {
                        uid: "7".into(),
                        full_name: "acme/new".into(),
                    },
                },
            ),
        ];
        for (body, expected) in cases {
            let parsed = receive(
                ForgeKind::Github,
                &github_headers("repository", body.as_bytes()),
                body.as_bytes(),
                SECRET,
            )
            .unwrap();
            assert_eq!(
                parsed,
                Parsed::Events {
                    delivery: Some("72d3162e-cc78-11e3-81ab-4c9367dc0958".into()),
                    events: vec![expected]
                }
            );
        }
    }

    #[test]
    fn github_app_installation_changes_parse() {
        let body = br#"{"action":"added","repositories_added":[{"id":1,"full_name":"o/a"}],"repositories_removed":[{"id":2,"full_name":"o/b"}]}"#;
        let Parsed::Events { events, .. } = receive(
            ForgeKind::Github,
            &github_headers("installation_repositories", body),
            body,
            SECRET,
        )
        .unwrap() else {
            panic!("events expected")
        };
        assert_eq!(events.len(), 2);
        assert!(matches!(&events[1], RepoEvent::AccessRemoved { repo } if repo.uid == "2"));
    }

    #[test]
    fn other_events_are_ignored_and_broken_ones_refused() {
        let body = br#"{"zen":"Keep it logically awesome."}"#;
        assert!(matches!(
            receive(
                ForgeKind::Github,
                &github_headers("ping", body),
                body,
                SECRET
            ),
            Ok(Parsed::Ignored { .. })
        ));
        let body = br#"{"action":"renamed","repository":{"id":7,"full_name":"acme/new"}}"#;
        assert!(matches!(
            receive(
                ForgeKind::Github,
                &github_headers("repository", body),
                body,
                SECRET
            ),
            Err(WebhookError::Malformed(_))
        ));
        let body = b"not json";
        assert!(matches!(
            receive(
                ForgeKind::Github,
                &github_headers("repository", body),
                body,
                SECRET
            ),
            Err(WebhookError::Malformed(_))
        ));
        let body = br#"{"action":"created","repository":{"id":null,"full_name":"o/r"}}"#;
        assert!(matches!(
            receive(
                ForgeKind::Github,
                &github_headers("repository", body),
                body,
                SECRET
            ),
            Err(WebhookError::Malformed(_))
        ));
    }

    #[test]
    fn gitea_and_forgejo_sign_without_a_prefix() {
        let body = br#"{"action":"created","repository":{"id":12,"full_name":"team/tool"},"sender":{"login":"x"}}"#;
        let gitea = signed(&[
            ("x-gitea-event", "repository".into()),
            ("x-gitea-delivery", "d-1".into()),
            ("x-gitea-signature", sign(body, SECRET)),
        ]);
        let parsed = receive(ForgeKind::Gitea, &gitea, body, SECRET).unwrap();
        assert!(
            matches!(parsed, Parsed::Events { delivery: Some(ref d), ref events } if d == "d-1" && matches!(events[0], RepoEvent::Created { .. }))
        );
        let forgejo = signed(&[
            ("x-forgejo-event", "repository".into()),
            ("x-forgejo-signature", sign(body, SECRET)),
        ]);
        assert!(receive(ForgeKind::Forgejo, &forgejo, body, SECRET).is_ok());
        let prefixed = signed(&[
            ("x-gitea-event", "repository".into()),
            (
                "x-gitea-signature",
                format!("sha256={}", sign(body, SECRET)),
            ),
        ]);
        assert_eq!(
            receive(ForgeKind::Gitea, &prefixed, body, SECRET),
            Err(WebhookError::BadSignature)
        );
    }

    #[test]
    fn gitlab_system_hooks_parse_and_check_the_token() {
        // Shaped like GitLab's documented system hook payloads.
        let body = br#"{"created_at":"2012-07-21T07:30:58Z","event_name":"project_transfer","name":"StoreCloud",
          "path":"storecloud","path_with_namespace":"scores/storecloud","project_id":74,
          "old_path_with_namespace":"jsmith/storecloud","project_visibility":"private"}"#;
        let headers = signed(&[
            ("x-gitlab-event", "System Hook".into()),
            ("x-gitlab-token", SECRET.into()),
            ("x-gitlab-event-uuid", "u-1".into()),
        ]);
        let parsed = receive(ForgeKind::Gitlab, &headers, body, SECRET).unwrap();
        let expected = RepoEvent::Transferred {
            repo: EventRepo {
                uid: "74".into(),
                full_name: "scores/storecloud".into(),
            },
            from: "jsmith/storecloud".into(),
        };
        assert_eq!(
            parsed,
            Parsed::Events {
                delivery: Some("u-1".into()),
                events: vec![expected]
            }
        );
        let wrong = signed(&[
            ("x-gitlab-event", "System Hook".into()),
            ("x-gitlab-token", "guess".into()),
        ]);
        assert_eq!(
            receive(ForgeKind::Gitlab, &wrong, body, SECRET),
            Err(WebhookError::BadSignature)
        );
        let user_event = br#"{"event_name":"user_create","user_id":41}"#;
        assert!(matches!(
            receive(ForgeKind::Gitlab, &headers, user_event, SECRET),
            Ok(Parsed::Ignored { .. })
        ));
    }

    #[test]
    fn gogs_forks_are_the_only_lifecycle_event() {
        let body = br#"{"forkee":{"id":88,"full_name":"me/fork"},"repository":{"id":1,"full_name":"up/stream"}}"#;
        let headers = signed(&[
            ("x-gogs-event", "fork".into()),
            ("x-gogs-signature", sign(body, SECRET)),
        ]);
        let parsed = receive(ForgeKind::Gogs, &headers, body, SECRET).unwrap();
        assert!(
            matches!(parsed, Parsed::Events { ref events, .. } if events == &vec![RepoEvent::Created { repo: EventRepo { uid: "88".into(), full_name: "me/fork".into() } }])
        );
        let push = signed(&[
            ("x-gogs-event", "push".into()),
            ("x-gogs-signature", sign(body, SECRET)),
        ]);
        assert!(matches!(
            receive(ForgeKind::Gogs, &push, body, SECRET),
            Ok(Parsed::Ignored { .. })
        ));
    }

    #[test]
    fn bitbucket_cloud_events_use_the_uuid() {
        let body = br#"{"repository":{"uuid":"{abc}","full_name":"ws/new-name"},"actor":{},"changes":{"name":{"old":"old","new":"new-name"},"full_name":{"old":"ws/old","new":"ws/new-name"}}}"#;
        let headers = signed(&[
            ("x-event-key", "repo:updated".into()),
            ("x-request-uuid", "r-1".into()),
            ("x-hub-signature", format!("sha256={}", sign(body, SECRET))),
        ]);
        let parsed = receive(ForgeKind::Bitbucket, &headers, body, SECRET).unwrap();
        let expected = RepoEvent::Renamed {
            repo: EventRepo {
                uid: "{abc}".into(),
                full_name: "ws/new-name".into(),
            },
            from: "ws/old".into(),
        };
        assert_eq!(
            parsed,
            Parsed::Events {
                delivery: Some("r-1".into()),
                events: vec![expected]
            }
        );
        let unsigned = signed(&[("x-event-key", "repo:updated".into())]);
        assert!(matches!(
            receive(ForgeKind::Bitbucket, &unsigned, body, SECRET),
            Err(WebhookError::Unsigned(_))
        ));
    }

    #[test]
    fn bitbucket_dc_moves_and_renames() {
        let body = br#"{"eventKey":"repo:modified","old":{"id":84,"slug":"repo","project":{"key":"OLD"}},"new":{"id":84,"slug":"repo","project":{"key":"NEW"}}}"#;
        let headers = signed(&[
            ("x-event-key", "repo:modified".into()),
            ("x-request-id", "q".into()),
            ("x-hub-signature", format!("sha256={}", sign(body, SECRET))),
        ]);
        let parsed = receive(ForgeKind::BitbucketDc, &headers, body, SECRET).unwrap();
        let expected = RepoEvent::Transferred {
            repo: EventRepo {
                uid: "84".into(),
                full_name: "NEW/repo".into(),
            },
            from: "OLD/repo".into(),
        };
        assert_eq!(
            parsed,
            Parsed::Events {
                delivery: Some("q".into()),
                events: vec![expected]
            }
        );
    }

    proptest::proptest! {
        /// Correctly signed deliveries with any body and any event name never panic: every
        /// forge's parser answers events, "ignored" or a reason.
        #[test]
        fn signed_garbage_never_panics(
            body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400),
            event in proptest::sample::select(vec!["repository", "installation_repositories", "fork", "System Hook", "repo:created", "repo:updated", "repo:modified", "repo:forked", "push", ""]),
        ) {
            let hmac = sign(&body, SECRET);
            for forge in ForgeKind::ALL {
                let headers = signed(&[
                    ("x-github-event", event.into()), ("x-gitea-event", event.into()), ("x-gogs-event", event.into()),
                    ("x-gitlab-event", event.into()), ("x-event-key", event.into()), ("x-gitlab-token", SECRET.into()),
                    ("x-hub-signature-256", format!("sha256={hmac}")), ("x-hub-signature", format!("sha256={hmac}")),
                    ("x-gitea-signature", hmac.clone()), ("x-gogs-signature", hmac.clone()),
                ]);
                let _ = receive(forge, &headers, &body, SECRET);
            }
        }

        /// Structured payloads with random ids and names parse or are refused, never panic.
        #[test]
        fn shaped_payloads_never_panic(id in proptest::prelude::any::<i64>(), name in ".{0,40}", action in "[a-z_]{0,12}") {
            let body = serde_json::to_vec(&serde_json::json!({
                "action": action, "event_name": action, "project_id": id, "path_with_namespace": name,
                "repository": { "id": id, "uuid": name, "full_name": name, "slug": name, "project": { "key": name } },
                "forkee": { "id": id, "full_name": name },
                "old": { "id": id, "slug": name, "project": { "key": "A" } }, "new": { "id": id, "slug": name, "project": { "key": "B" } },
            })).unwrap();
            let hmac = sign(&body, SECRET);
            for (forge, event) in [(ForgeKind::Github, "repository"), (ForgeKind::Gitea, "repository"), (ForgeKind::Gogs, "fork"), (ForgeKind::Gitlab, "System Hook"), (ForgeKind::Bitbucket, "repo:updated"), (ForgeKind::BitbucketDc, "repo:modified")] {
                let headers = signed(&[
                    ("x-github-event", event.into()), ("x-gitea-event", event.into()), ("x-gogs-event", event.into()),
                    ("x-gitlab-event", event.into()), ("x-event-key", event.into()), ("x-gitlab-token", SECRET.into()),
                    ("x-hub-signature-256", format!("sha256={hmac}")), ("x-hub-signature", format!("sha256={hmac}")),
                    ("x-gitea-signature", hmac.clone()), ("x-gogs-signature", hmac.clone()),
                ]);
                let _ = receive(forge, &headers, &body, SECRET);
            }
        }
    }

    #[test]
    fn gitlab_tokens_compare_exactly() {
        assert!(token_matches("s3cret", "s3cret"));
        assert!(!token_matches("s3cre", "s3cret"));
        assert!(!token_matches("", "s3cret"));
    }
}
