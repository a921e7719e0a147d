//! `REPOSYNC_DATABASE_URL`, parsed: which engine, and where, printable without its password.

use std::{fmt, path::Path, str::FromStr};

use sqlx::{postgres::PgConnectOptions, sqlite::SqliteConnectOptions};

use super::StoreError;

/// The SQLite file used when no database URL is configured.
pub const DEFAULT_SQLITE_FILE: &str = "reposync.db";

/// Where the database lives.
#[derive(Clone)]
pub enum DatabaseUrl {
    Sqlite(SqliteConnectOptions),
    Postgres(PgConnectOptions),
}

impl DatabaseUrl {
    /// Parses the configured URL, or picks the SQLite file in `data_dir` when there is none.
    pub fn resolve(raw: Option<&str>, data_dir: &Path) -> Result<Self, StoreError> {
        let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else {
            let path = data_dir.join(DEFAULT_SQLITE_FILE);
            return Ok(DatabaseUrl::Sqlite(
                SqliteConnectOptions::new().filename(path),
            ));
        };
        let scheme = raw.split_once(':').map(|(s, _)| s.to_ascii_lowercase());
        match scheme.as_deref() {
            Some("sqlite") => SqliteConnectOptions::from_str(raw)
                .map(DatabaseUrl::Sqlite)
                .map_err(|e| StoreError::InvalidUrl(format!("bad SQLite URL: {}", redact(&e)))),
            Some("postgres" | "postgresql") => PgConnectOptions::from_str(raw)
                .map(DatabaseUrl::Postgres)
                .map_err(|e| StoreError::InvalidUrl(format!("bad PostgreSQL URL: {}", redact(&e)))),
            Some(other) => Err(StoreError::InvalidUrl(format!(
                "unsupported scheme `{other}:`; use `sqlite:PATH` or `postgres://USER@HOST/DB`"
            ))),
            None => Err(StoreError::InvalidUrl(
                "expected `sqlite:PATH` or `postgres://USER@HOST/DB`".into(),
            )),
        }
    }
}

/// sqlx's URL errors can quote the URL; keep only the error's kind.
fn redact(error: &sqlx::Error) -> String {
    match error {
        sqlx::Error::Configuration(inner) => {
            let text = inner.to_string();
            if text.contains('@') {
                "malformed URL".to_string()
            } else {
                text
            }
        }
        _ => "malformed URL".to_string(),
    }
}

impl fmt::Display for DatabaseUrl {
    /// Names the database for messages and logs; never includes a password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite(options) => {
                write!(f, "SQLite file {}", options.get_filename().display())
            }
            DatabaseUrl::Postgres(options) => write!(
                f,
                "PostgreSQL {}@{}:{}/{}",
                options.get_username(),
                options.get_host(),
                options.get_port(),
                options.get_database().unwrap_or(options.get_username()),
            ),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_url_means_sqlite_in_the_data_dir() {
        let url = DatabaseUrl::resolve(None, Path::new("/var/lib/reposync")).unwrap();
        assert_eq!(url.to_string(), "SQLite file /var/lib/reposync/reposync.db");
    }

    #[test]
    fn postgres_urls_print_without_password() {
        let url = DatabaseUrl::resolve(
            Some("postgres://ci:hunter2@db.internal:5433/reposync"),
            Path::new("."),
        )
        .unwrap();
        let shown = url.to_string();
        assert_eq!(shown, "PostgreSQL ci@db.internal:5433/reposync");
        assert!(!format!("{url:?}").contains("hunter2"));
    }

    #[test]
    fn unknown_schemes_are_refused_clearly() {
        let error = DatabaseUrl::resolve(Some("mysql://root:pw@localhost/x"), Path::new("."))
            .unwrap_err()
            .to_string();
        assert!(error.contains("unsupported scheme `mysql:`"), "{error}");
        assert!(!error.contains("pw"), "{error}");
    }

    #[test]
    fn text_without_a_scheme_is_refused() {
        assert!(DatabaseUrl::resolve(Some("reposync.db"), Path::new(".")).is_err());
    }
}
