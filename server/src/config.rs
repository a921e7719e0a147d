//! The server's configuration: every setting is a flag and a `REPOSYNC_*` environment variable.
//!
//! Values are parsed into their real types here, at the edge, so that nothing past this module
//! sees a malformed address, URL or log spec. Secrets never appear in `Debug` output.

use std::{fmt, net::SocketAddr, path::PathBuf, str::FromStr, time::Duration};

use clap::Args;
use url::Url;

pub use crate::forge::ForgeKind;
use crate::{accounts::bootstrap::UserSpec, sync::filter::RepoFilter, telemetry::LogSpec};

/// A secret setting: usable, never printed.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(…)")
    }
}

impl FromStr for Secret {
    type Err = String;
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        if raw.is_empty() {
            return Err("must not be empty".into());
        }
        Ok(Secret(raw.to_string()))
    }
}

fn parse_server_key(raw: &str) -> Result<Secret, String> {
    if raw.chars().count() < 32 {
        return Err("must be at least 32 characters (e.g. `openssl rand -hex 32`)".into());
    }
    raw.parse()
}

fn parse_duration(raw: &str) -> Result<Duration, String> {
    humantime::parse_duration(raw.trim())
        .map_err(|e| format!("not a duration like `72h` or `90s`: {e}"))
}

/// A schedule's period, or none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interval(pub Option<Duration>);

fn parse_interval(raw: &str) -> Result<Interval, String> {
    match raw.trim() {
        "off" | "" => Ok(Interval(None)),
        other => {
            let period = parse_duration(other)?;
            if period < Duration::from_secs(60) {
                return Err("must be `off` or at least `1m`".into());
            }
            Ok(Interval(Some(period)))
        }
    }
}

fn parse_concurrency(raw: &str) -> Result<usize, String> {
    match raw.trim().parse::<usize>() {
        Ok(n) if (1..=32).contains(&n) => Ok(n),
        _ => Err("must be a whole number from 1 to 32".into()),
    }
}

/// Settings shared by every command.
#[derive(Args, Clone, Debug)]
pub struct Config {
    /// Address to listen on.
    #[arg(
        long,
        env = "REPOSYNC_ADDR",
        default_value = "127.0.0.1:3000",
        global = true
    )]
    pub addr: SocketAddr,

    /// Public base URL of this server, as browsers and forges reach it [default: http://<addr>].
    #[arg(long, env = "REPOSYNC_SERVER_URL", value_parser = parse_http_url, global = true)]
    pub server_url: Option<Url>,

    /// Directory for the SQLite database and generated keys.
    #[arg(
        long,
        env = "REPOSYNC_DATA_DIR",
        default_value = "./data",
        global = true
    )]
    pub data_dir: PathBuf,

    /// Database URL: `sqlite:PATH` or `postgres://…` [default: SQLite file in the data directory].
    #[arg(
        long,
        env = "REPOSYNC_DATABASE_URL",
        hide_env_values = true,
        global = true
    )]
    pub database_url: Option<String>,

    /// Log filter (`info`, `debug`, `reposync=debug,sqlx=warn`, …); add `json` for JSON lines.
    #[arg(long, env = "REPOSYNC_LOG", default_value = "info", value_parser = LogSpec::from_str, global = true)]
    pub log: LogSpec,

    /// Which forge users sign in with and repositories come from [unset: no forge].
    #[arg(long, env = "REPOSYNC_FORGE", value_parser = ForgeKind::from_str, global = true)]
    pub forge: Option<ForgeKind>,

    /// The forge's public URL [default: the forge's own, e.g. https://github.com].
    #[arg(long, env = "REPOSYNC_FORGE_URL", value_parser = parse_http_url, global = true)]
    pub forge_url: Option<Url>,

    /// The forge's API base URL, when it is not the usual one for the forge URL.
    #[arg(long, env = "REPOSYNC_FORGE_API_URL", value_parser = parse_http_url, global = true)]
    pub forge_api_url: Option<Url>,

    /// Listing pages fetched at once from the forge.
    #[arg(long, env = "REPOSYNC_FORGE_CONCURRENCY", default_value = "4", value_parser = parse_concurrency, global = true)]
    pub forge_concurrency: usize,

    /// The longest wait for a forge rate-limit reset before a sync fails with "rate limited".
    #[arg(long, env = "REPOSYNC_FORGE_RATE_WAIT", default_value = "60s", value_parser = parse_duration, global = true)]
    pub forge_rate_wait: Duration,

    /// Key that seals forge tokens at rest (32+ characters) [default: generated into the data dir].
    // Checked by `Config::validate`: a parser's error would echo the value.
    #[arg(long, env = "REPOSYNC_SECRET", hide_env_values = true, global = true)]
    pub secret: Option<Secret>,

    /// The OAuth application's client id at the forge (for sign-in and token renewal).
    #[arg(long, env = "REPOSYNC_OAUTH_CLIENT_ID", global = true)]
    pub oauth_client_id: Option<String>,

    /// The OAuth application's client secret.
    #[arg(
        long,
        env = "REPOSYNC_OAUTH_CLIENT_SECRET",
        hide_env_values = true,
        global = true
    )]
    pub oauth_client_secret: Option<Secret>,

    /// A user's list older than this is synced when they ask for it.
    #[arg(long, env = "REPOSYNC_SYNC_STALE_AFTER", default_value = "72h", value_parser = parse_duration, global = true)]
    pub sync_stale_after: Duration,

    /// How long a server's claim on a user's sync lasts unless renewed (how long a crashed
    /// server can delay that user's next sync).
    #[arg(long, env = "REPOSYNC_SYNC_LEASE_TTL", default_value = "60s", value_parser = parse_duration, global = true)]
    pub sync_lease_ttl: Duration,

    /// Keep only repositories whose namespace (or, with a `/`, full name) matches one of these
    /// comma-separated globs, e.g. `acme,acme-*,other/api-*` [default: keep all].
    #[arg(long, env = "REPOSYNC_REPO_FILTER", global = true)]
    pub repo_filter: Option<RepoFilter>,

    /// A user to create at start, Drone-style: `login:octocat,admin:true,machine:false,token:<value>`.
    // Read raw and checked by `Config::validate`, so that a malformed value — which may hold a
    // token — is never echoed in an error.
    #[arg(
        long,
        env = "REPOSYNC_USER_CREATE",
        hide_env_values = true,
        global = true
    )]
    pub user_create: Option<Secret>,

    /// How long a browser session lasts.
    #[arg(long, env = "REPOSYNC_SESSION_TTL", default_value = "720h", value_parser = parse_duration, global = true)]
    pub session_ttl: Duration,

    /// Demo mode (no REPOSYNC_FORGE): where the built-in forge simulator listens; a free port is
    /// taken when this one is busy.
    #[arg(
        long,
        env = "REPOSYNC_DEMO_FORGE_ADDR",
        default_value = "127.0.0.1:3080",
        global = true
    )]
    pub demo_forge_addr: SocketAddr,

    /// The secret forge webhooks are signed with (HMAC; GitLab: the token) [unset: `/hook` refuses
    /// deliveries; demo mode generates one].
    #[arg(
        long,
        env = "REPOSYNC_WEBHOOK_SECRET",
        hide_env_values = true,
        global = true
    )]
    pub webhook_secret: Option<Secret>,

    /// Re-sync users whose last success is older than this, on a schedule (`off`, or e.g. `24h`).
    #[arg(long, env = "REPOSYNC_SYNC_INTERVAL", default_value = "off", value_parser = parse_interval, global = true)]
    pub sync_interval: Interval,

    /// Benchmarking only: serve this file's bytes at `/_bench/ceiling`, through the same stack,
    /// as the ceiling a real endpoint is measured against (BENCHMARKS.md).
    #[arg(long, env = "REPOSYNC_BENCH_CEILING", hide = true, global = true)]
    pub bench_ceiling: Option<PathBuf>,
}

impl Config {
    /// Checks what the flags' parsers cannot check without echoing a secret.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(secret) = &self.secret {
            parse_server_key(secret.expose())
                .map_err(|e| format!("REPOSYNC_SECRET (--secret) is not valid: {e}"))?;
        }
        self.user_spec()
            .map(drop)
            .map_err(|e| format!("REPOSYNC_USER_CREATE (--user-create) is not valid: {e}"))
    }

    /// The parsed `REPOSYNC_USER_CREATE`.
    pub fn user_spec(&self) -> Result<Option<UserSpec>, String> {
        self.user_create
            .as_ref()
            .map(|raw| raw.expose().parse())
            .transpose()
    }

    /// The configured forge and its public URL, if a forge is configured.
    fn forge_and_url(&self) -> Result<Option<(ForgeKind, String)>, String> {
        let Some(kind) = self.forge else {
            return Ok(None);
        };
        let url = match (&self.forge_url, kind.default_url()) {
            (Some(url), _) => url.as_str().trim_end_matches('/').to_string(),
            (None, Some(default)) => default.to_string(),
            (None, None) => {
                return Err(format!(
                    "REPOSYNC_FORGE_URL is required for {}",
                    kind.as_str()
                ))
            }
        };
        Ok(Some((kind, url)))
    }

    /// The forge client this configuration describes, if a forge is configured.
    pub fn forge_client(&self) -> Result<Option<std::sync::Arc<dyn crate::forge::Forge>>, String> {
        use std::sync::Arc;

        use crate::forge::{bitbucket, bitbucket_dc, gitea, github, gitlab, gogs, http, Forge};
        let Some((kind, _, api)) = self.forge_endpoints()? else {
            return Ok(None);
        };
        let policy = http::Policy {
            max_rate_wait: self.forge_rate_wait,
            ..http::Policy::default()
        };
        let client = http::HttpClient::new(policy);
        let n = self.forge_concurrency;
        let forge: Arc<dyn Forge> = match kind {
            ForgeKind::Github => Arc::new(github::GitHub::new(&api, client, n)),
            ForgeKind::Gitea => Arc::new(gitea::Gitea::new(&api, client, n, "Gitea")),
            ForgeKind::Forgejo => Arc::new(gitea::Gitea::new(&api, client, n, "Forgejo")),
            ForgeKind::Gitlab => Arc::new(gitlab::GitLab::new(&api, client, n)),
            ForgeKind::Bitbucket => Arc::new(bitbucket::Bitbucket::new(&api, client, n)),
            ForgeKind::BitbucketDc => Arc::new(bitbucket_dc::BitbucketDc::new(&api, client, n)),
            ForgeKind::Gogs => Arc::new(gogs::Gogs::new(&api, client, n)),
        };
        Ok(Some(forge))
    }

    /// The forge's OAuth client, when a forge and its application are configured.
    pub fn oauth_client(&self) -> Result<Option<crate::forge::oauth::OAuthClient>, String> {
        use crate::forge::{bitbucket, bitbucket_dc, gitea, github, gitlab};
        let (Some(id), Some(secret)) = (&self.oauth_client_id, &self.oauth_client_secret) else {
            return Ok(None);
        };
        let Some((kind, forge_url)) = self.forge_and_url()? else {
            return Ok(None);
        };
        let endpoints = match kind {
            ForgeKind::Github => github::oauth_endpoints(&forge_url),
            ForgeKind::Gitea | ForgeKind::Forgejo => gitea::oauth_endpoints(&forge_url),
            ForgeKind::Gitlab => gitlab::oauth_endpoints(&forge_url),
            ForgeKind::Bitbucket => bitbucket::oauth_endpoints(&forge_url),
            ForgeKind::BitbucketDc => bitbucket_dc::oauth_endpoints(&forge_url),
            // Gogs has no OAuth provider: users sign in with a password and a token is created.
            ForgeKind::Gogs => return Ok(None),
        };
        let redirect = self.server_url().join("login").map_err(|e| e.to_string())?;
        crate::forge::oauth::OAuthClient::new(endpoints, id, secret.expose(), redirect.as_str())
            .map(Some)
    }

    /// The configured forge, its public URL and its API base, if a forge is configured.
    pub fn forge_endpoints(&self) -> Result<Option<(ForgeKind, String, String)>, String> {
        use crate::forge::{bitbucket, gitea, github, gitlab, gogs};
        let Some((kind, forge_url)) = self.forge_and_url()? else {
            return Ok(None);
        };
        let default = match kind {
            ForgeKind::Github => github::api_url(&forge_url),
            ForgeKind::Gitea | ForgeKind::Forgejo => gitea::api_url(&forge_url),
            ForgeKind::Gitlab => gitlab::api_url(&forge_url),
            ForgeKind::Bitbucket => bitbucket::api_url(&forge_url),
            ForgeKind::BitbucketDc => forge_url.clone(),
            ForgeKind::Gogs => gogs::api_url(&forge_url),
        };
        let api = self
            .forge_api_url
            .as_ref()
            .map(|u| u.as_str().to_string())
            .unwrap_or(default);
        Ok(Some((kind, forge_url, api)))
    }

    /// The sync engine's settings.
    pub fn sync_settings(&self) -> crate::sync::Settings {
        crate::sync::Settings {
            stale_after: self.sync_stale_after,
            lease_ttl: self.sync_lease_ttl,
            filter: self.repo_filter.clone(),
        }
    }

    /// The public base URL: the configured one, or `http://<addr>`.
    pub fn server_url(&self) -> Url {
        self.server_url.clone().unwrap_or_else(|| {
            Url::parse(&format!("http://{}", self.addr)).expect("a socket address makes a URL")
        })
    }
}

fn parse_http_url(raw: &str) -> Result<Url, String> {
    let url = Url::parse(raw).map_err(|e| format!("not a URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "must be http:// or https://, not {}://",
            url.scheme()
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("must not carry a query or fragment".into());
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_url_defaults_to_the_listen_address() {
        let config = Config {
            addr: "127.0.0.1:4000".parse().unwrap(),
            server_url: None,
            data_dir: "./data".into(),
            database_url: None,
            log: "info".parse().unwrap(),
            forge: None,
            forge_url: None,
            forge_api_url: None,
            forge_concurrency: 4,
            forge_rate_wait: Duration::from_secs(60),
            secret: None,
            oauth_client_id: None,
            oauth_client_secret: None,
            sync_stale_after: Duration::from_secs(72 * 3600),
            sync_lease_ttl: Duration::from_secs(60),
            repo_filter: None,
            user_create: None,
            session_ttl: Duration::from_secs(3600),
            demo_forge_addr: "127.0.0.1:0".parse().unwrap(),
            bench_ceiling: None,
            webhook_secret: None,
            sync_interval: Interval(None),
        };
        assert_eq!(config.server_url().as_str(), "http://127.0.0.1:4000/");
    }

    #[test]
    fn durations_concurrency_and_secrets_are_checked() {
        assert_eq!(
            parse_duration("72h").unwrap(),
            Duration::from_secs(72 * 3600)
        );
        assert!(parse_duration("soon").is_err());
        assert!(parse_concurrency("0").is_err() && parse_concurrency("33").is_err());
        assert_eq!(parse_interval("off").unwrap(), Interval(None));
        assert_eq!(
            parse_interval("24h").unwrap(),
            Interval(Some(Duration::from_secs(86_400)))
        );
        assert!(parse_interval("10s").is_err() && parse_interval("often").is_err());
        assert_eq!(parse_concurrency("8").unwrap(), 8);
        assert!(parse_server_key("short").is_err());
        let secret = parse_server_key("0123456789abcdef0123456789abcdef").unwrap();
        assert!(!format!("{secret:?}").contains("0123"));
    }

    #[test]
    fn server_url_must_be_http() {
        assert!(parse_http_url("https://ci.example.com").is_ok());
        assert!(parse_http_url("ftp://ci.example.com").is_err());
        assert!(parse_http_url("ci.example.com").is_err());
        assert!(parse_http_url("https://ci.example.com/?x=1").is_err());
    }
}
