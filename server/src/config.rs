//! The server's configuration: every setting is a flag and a `REPOSYNC_*` environment variable.
//!
//! Values are parsed into their real types here, at the edge, so that nothing past this module
//! sees a malformed address, URL or log spec. Secrets never appear in `Debug` output.

use std::{net::SocketAddr, path::PathBuf, str::FromStr};

use clap::Args;
use url::Url;

use crate::telemetry::LogSpec;

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
    #[arg(long, env = "REPOSYNC_SERVER_URL", value_parser = parse_server_url, global = true)]
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
}

impl Config {
    /// The public base URL: the configured one, or `http://<addr>`.
    pub fn server_url(&self) -> Url {
        self.server_url.clone().unwrap_or_else(|| {
            Url::parse(&format!("http://{}", self.addr)).expect("a socket address makes a URL")
        })
    }
}

fn parse_server_url(raw: &str) -> Result<Url, String> {
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
        };
        assert_eq!(config.server_url().as_str(), "http://127.0.0.1:4000/");
    }

    #[test]
    fn server_url_must_be_http() {
        assert!(parse_server_url("https://ci.example.com").is_ok());
        assert!(parse_server_url("ftp://ci.example.com").is_err());
        assert!(parse_server_url("ci.example.com").is_err());
        assert!(parse_server_url("https://ci.example.com/?x=1").is_err());
    }
}
