//! The `reposync` command line: `serve` (the default) and `migrate`.

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::{
    config::Config,
    startup::{shutdown_signal, Application},
    store::{Database, DatabaseUrl},
    telemetry,
};

/// Keeps a CI's list of a user's repositories and permissions in step with their forge.
#[derive(Debug, Parser)]
#[command(name = "reposync", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub config: Config,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
}

/// Runs the chosen command.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    telemetry::init(&cli.config.log);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let app = Application::build(&cli.config).await?;
            tracing::info!(url = %cli.config.server_url(), "Reposync {} is up", env!("CARGO_PKG_VERSION"));
            app.run_until(shutdown_signal()).await
        }
        Command::Migrate => {
            let url =
                DatabaseUrl::resolve(cli.config.database_url.as_deref(), &cli.config.data_dir)?;
            let db = Database::connect(&url).await?;
            db.migrate().await?;
            let applied = db
                .migrations_applied()
                .await
                .context("reading the migration table")?;
            println!("{url}: {applied} migrations applied");
            db.close().await;
            Ok(())
        }
    }
}
