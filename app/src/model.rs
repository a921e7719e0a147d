//! View types shared by the server and the WASM client.
//!
//! These are plain serialisable values: what the server functions return and the pages render.
//! They carry no behaviour that needs the server.

use serde::{Deserialize, Serialize};

/// Which database engine the server runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DatabaseKind {
    Sqlite,
    Postgres,
}

impl DatabaseKind {
    /// The name an operator knows the engine by.
    pub fn label(self) -> &'static str {
        match self {
            DatabaseKind::Sqlite => "SQLite",
            DatabaseKind::Postgres => "PostgreSQL",
        }
    }
}

/// The signed-in person, as the header shows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Viewer {
    pub login: String,
    pub avatar: String,
    pub admin: bool,
}

/// How a visitor signs in here.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignIn {
    /// The forge's name ("GitHub").
    pub forge: String,
    /// The forge signs in with a username and password (Gogs), not a redirect.
    pub password: bool,
    /// The server runs its demo forge.
    pub demo: bool,
}

/// Why a sync failed, as the dashboard explains it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FailureKind {
    /// The forge refused the login: sign in again.
    LoginExpired,
    /// The forge is rate limiting until this unix time.
    RateLimited { until: i64 },
    /// Anything else (the message says what).
    Other,
}

/// A failed sync.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    pub kind: FailureKind,
    /// The engine's own words.
    pub message: String,
    /// When it failed (unix seconds).
    pub at: i64,
}

/// What a finished sync changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub listed: i64,
    pub added: i64,
    pub updated: i64,
    pub renamed: i64,
    pub revoked: i64,
}

/// The user's sync state: when the list was last synced, whether a sync runs, how the last one
/// ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncState {
    /// The last successful sync (unix seconds; 0: never).
    pub synced: i64,
    /// The server's clock when this was read (unix seconds), so ages render the same on both sides.
    pub now: i64,
    /// A list older than this many seconds is stale.
    pub stale_after: i64,
    pub syncing: bool,
    /// The latest run's failure, if the latest run failed.
    pub failure: Option<Failure>,
    /// The forge's name, for messages.
    pub forge: String,
    /// What the latest run changed, if it succeeded.
    pub summary: Option<Summary>,
}

/// The user's rights on a repository, the highest that applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Access {
    Admin,
    Push,
    Pull,
}

impl Access {
    pub fn label(self) -> &'static str {
        match self {
            Access::Admin => "admin",
            Access::Push => "push",
            Access::Pull => "pull",
        }
    }
}

/// One repository row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepoRow {
    pub full_name: String,
    pub link: String,
    /// `private`, `internal` or `public`.
    pub visibility: String,
    pub archived: bool,
    pub access: Access,
    pub default_branch: String,
}

/// What the list shows: a text filter, one namespace, archived or not, which page.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepoQuery {
    pub text: String,
    pub namespace: String,
    pub archived: bool,
    /// From 1.
    pub page: u32,
}

/// One page of the filtered list.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepoPage {
    pub rows: Vec<RepoRow>,
    /// Repositories the user has, in all.
    pub total: usize,
    /// Repositories matching the query.
    pub matched: usize,
    pub page: u32,
    pub pages: u32,
    /// Every namespace with its repository count, for the namespace filter.
    pub namespaces: Vec<(String, usize)>,
}

/// A personal API token as the account page lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenView {
    pub id: i64,
    pub prefix: String,
    pub label: String,
    pub created: i64,
    pub last_used: i64,
}

/// One sync run as the account page lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunView {
    pub id: i64,
    pub trigger: String,
    pub outcome: String,
    pub error: String,
    pub started: i64,
    pub duration_ms: i64,
    pub summary: Summary,
}

/// The account page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub viewer: Viewer,
    pub tokens: Vec<TokenView>,
    pub runs: Vec<RunView>,
    /// The server's public URL, for the usage example.
    pub server_url: String,
}

/// What an open dashboard hears about its user's syncs (server-sent events). Events only say
/// *that* something happened (and how far a listing got); the page then reads the state it
/// shows through the same server function it rendered with. One short line each — `started`,
/// `progress 4 12` (`-` for an unknown total), `finished`, `failed`, `changed`, `idle` — so the
/// WASM needs no JSON decoder of its own for them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LiveEvent {
    /// Sent when the page connects while no sync runs: re-read the state (a sync may have ended
    /// between the page's render and its connection).
    Idle,
    Started,
    Progress {
        done: u32,
        total: Option<u32>,
    },
    Finished,
    Failed,
    /// Repositories changed without a sync (a webhook renamed or removed one): reload the list.
    Changed,
}

impl LiveEvent {
    /// The event's line.
    pub fn to_line(self) -> String {
        match self {
            LiveEvent::Idle => "idle".into(),
            LiveEvent::Started => "started".into(),
            LiveEvent::Progress { done, total } => match total {
                Some(total) => format!("progress {done} {total}"),
                None => format!("progress {done} -"),
            },
            LiveEvent::Finished => "finished".into(),
            LiveEvent::Failed => "failed".into(),
            LiveEvent::Changed => "changed".into(),
        }
    }

    /// Reads a line written by [`LiveEvent::to_line`].
    pub fn parse(line: &str) -> Option<LiveEvent> {
        let mut words = line.split_whitespace();
        let event = match words.next()? {
            "idle" => LiveEvent::Idle,
            "started" => LiveEvent::Started,
            "progress" => LiveEvent::Progress {
                done: words.next()?.parse().ok()?,
                total: words.next()?.parse().ok(),
            },
            "finished" => LiveEvent::Finished,
            "failed" => LiveEvent::Failed,
            "changed" => LiveEvent::Changed,
            _ => return None,
        };
        Some(event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_events_round_trip_as_lines() {
        for event in [
            LiveEvent::Idle,
            LiveEvent::Started,
            LiveEvent::Progress {
                done: 4,
                total: Some(12),
            },
            LiveEvent::Progress {
                done: 1,
                total: None,
            },
            LiveEvent::Finished,
            LiveEvent::Failed,
            LiveEvent::Changed,
        ] {
            assert_eq!(LiveEvent::parse(&event.to_line()), Some(event));
        }
        assert_eq!(LiveEvent::parse("progress x 1"), None);
        assert_eq!(LiveEvent::parse("reboot"), None);
        assert_eq!(LiveEvent::parse(""), None);
    }
}

/// How the Synchronize button's call ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SyncOutcome {
    Done { summary: Summary, synced: i64 },
    Failed(Failure),
}
