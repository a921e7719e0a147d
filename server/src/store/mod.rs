//! The database: connecting to SQLite or PostgreSQL, applying the embedded migrations, and
//! health checks.
//!
//! Both engines sit behind [`Database`]; each has its own migration folder under `migrations/`
//! because their dialects differ. Connection errors are turned into [`StoreError`]s that name
//! the database without ever printing its password.

/// Runs `$body` with `$pool` bound to the concrete pool of whichever engine is configured.
///
/// The body is written once and compiled twice, once per engine, so every query text must be
/// valid on both SQLite and PostgreSQL; `sqlx::QueryBuilder` takes care of placeholders.
macro_rules! with_pool {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::store::Database::Sqlite($pool) => $body,
            $crate::store::Database::Postgres($pool) => $body,
        }
    };
}

pub mod apply;
pub mod credentials;
pub mod hooks;

pub mod leases;
pub mod pages;
pub mod repos;
pub mod runs;
pub mod secrets;
mod url;
pub mod users;

use std::time::Duration;

use sqlx::{
    migrate::Migrator,
    postgres::{PgPool, PgPoolOptions},
    sqlite::{SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous},
};

pub use self::url::DatabaseUrl;
use app::model::DatabaseKind;

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../migrations/postgres");

/// How long a connection attempt may take before the database counts as unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a health check may take.
const PING_TIMEOUT: Duration = Duration::from_secs(2);
/// How long SQLite waits for a lock held by another connection before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// A failure to open or prepare the database. The underlying error is the `source`, so a
/// report with its chain (`{:#}`) reads "cannot open the database (…): connection refused".
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("REPOSYNC_DATABASE_URL is not valid: {0}")]
    InvalidUrl(String),
    #[error("cannot open the database ({target})")]
    Connect { target: String, source: sqlx::Error },
    #[error("cannot create the data directory {path}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("applying migrations to {target} failed")]
    Migrate {
        target: String,
        source: sqlx::migrate::MigrateError,
    },
    #[error("database query failed")]
    Query(#[from] sqlx::Error),
}

/// A connection pool to the configured database.
#[derive(Clone, Debug)]
pub enum Database {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl Database {
    /// Opens the database (creating the SQLite file and its directory on first start).
    pub async fn connect(url: &DatabaseUrl) -> Result<Self, StoreError> {
        let target = url.to_string();
        match url {
            DatabaseUrl::Sqlite(options) => {
                if let Some(dir) = options.get_filename().parent() {
                    std::fs::create_dir_all(dir).map_err(|source| StoreError::DataDir {
                        path: dir.display().to_string(),
                        source,
                    })?;
                }
                let options = options
                    .clone()
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(SQLITE_BUSY_TIMEOUT)
                    // sqlx hands SQLite's rows from its worker thread over a channel of this
                    // many; its default of 50 costs a wake-up per 50 rows of a 10,000-row list
                    // (about 15 % of reading one).
                    .row_buffer_size(1024);
                let pool = SqlitePoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(CONNECT_TIMEOUT)
                    .connect_with(options)
                    .await
                    .map_err(|source| StoreError::Connect { target, source })?;
                Ok(Database::Sqlite(pool))
            }
            DatabaseUrl::Postgres(options) => {
                let pool = PgPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(CONNECT_TIMEOUT)
                    .connect_with(options.clone())
                    .await
                    .map_err(|source| StoreError::Connect { target, source })?;
                Ok(Database::Postgres(pool))
            }
        }
    }

    /// Applies every embedded migration not yet applied.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let result = match self {
            Database::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await,
            Database::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await,
        };
        result.map_err(|source| StoreError::Migrate {
            target: self.kind().label().into(),
            source,
        })
    }

    /// Which engine this is.
    pub fn kind(&self) -> DatabaseKind {
        match self {
            Database::Sqlite(_) => DatabaseKind::Sqlite,
            Database::Postgres(_) => DatabaseKind::Postgres,
        }
    }

    /// Whether the database answers a trivial query within [`PING_TIMEOUT`].
    pub async fn is_reachable(&self) -> bool {
        let ping = async {
            with_pool!(self, pool => sqlx::query("SELECT 1").execute(pool).await.map(drop))
        };
        matches!(tokio::time::timeout(PING_TIMEOUT, ping).await, Ok(Ok(())))
    }

    /// How many migrations the database has applied successfully.
    pub async fn migrations_applied(&self) -> Result<u32, StoreError> {
        const QUERY: &str = "SELECT COUNT(*) FROM _sqlx_migrations WHERE success = TRUE";
        let count: i64 = with_pool!(self, pool => sqlx::query_scalar(QUERY).fetch_one(pool).await?);
        Ok(u32::try_from(count).unwrap_or(u32::MAX))
    }

    /// Closes every connection; later queries fail (used at shutdown, and by tests).
    pub async fn close(&self) {
        with_pool!(self, pool => pool.close().await)
    }
}

/// The current time in unix seconds.
pub fn now_s() -> i64 {
    now_ms() / 1000
}

/// The current time in unix milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
