//! The `reposync` command line: `serve` (the default), `migrate`, `user`, `sync` and `forge-sim`.
//! Each command is a thin adapter: it opens what it needs and calls the same code the server
//! uses; `sync` runs the one sync engine.

use std::net::SocketAddr;

use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand};

use crate::{
    config::Config,
    sim::Simulator,
    startup::{shutdown_signal, Application},
    store::{secrets::Secrets, users::NewUser, Database, DatabaseUrl},
    sync::{Engine, Outcome, Trigger},
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
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Sync one user's repositories from the forge now, and print what changed.
    Sync(SyncArgs),
    /// Run the forge simulator: a stand-in forge for demos and tests.
    ForgeSim(SimArgs),
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user.
    Add(UserAddArgs),
}

#[derive(Debug, Args)]
pub struct UserAddArgs {
    /// The user's forge login.
    pub login: String,
    /// Make the user an administrator.
    #[arg(long)]
    pub admin: bool,
    /// Mark the user as a machine (bot) account.
    #[arg(long)]
    pub machine: bool,
    /// A forge token to sync with (normally set by signing in).
    #[arg(long, env = "REPOSYNC_FORGE_TOKEN", hide_env_values = true)]
    pub forge_token: Option<String>,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// The login of the user to sync.
    #[arg(long)]
    pub user: String,
}

#[derive(Debug, Args)]
pub struct SimArgs {
    /// Address the simulator listens on.
    #[arg(long, env = "REPOSYNC_SIM_ADDR", default_value = "127.0.0.1:3080")]
    pub sim_addr: SocketAddr,
    /// A user to create, with repositories.
    #[arg(long, default_value = "octocat")]
    pub seed_user: String,
    /// How many repositories the user reaches.
    #[arg(long, default_value = "40")]
    pub seed_repos: usize,
    /// Across how many organisations.
    #[arg(long, default_value = "4")]
    pub seed_orgs: usize,
}

/// Runs the chosen command.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    telemetry::init(&cli.config.log);
    let config = cli.config;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let app = Application::build(&config).await?;
            tracing::info!(url = %config.server_url(), "Reposync {} is up", env!("CARGO_PKG_VERSION"));
            app.run_until(shutdown_signal()).await
        }
        Command::Migrate => {
            let db = open(&config).await?;
            let applied = db
                .migrations_applied()
                .await
                .context("reading the migration table")?;
            println!(
                "{}: {applied} migrations applied",
                DatabaseUrl::resolve(config.database_url.as_deref(), &config.data_dir)?
            );
            db.close().await;
            Ok(())
        }
        Command::User(UserCommand::Add(args)) => {
            let db = open(&config).await?;
            if db.user_by_login(&args.login).await?.is_some() {
                bail!("a user named {} exists already", args.login);
            }
            let token = match &args.forge_token {
                Some(token) => Some(secrets(&config)?.seal(token)),
                None => None,
            };
            let new = NewUser {
                login: args.login.clone(),
                admin: args.admin,
                machine: args.machine,
                token,
                ..NewUser::default()
            };
            let user = db.create_user(&new).await?;
            println!("created user {} (id {})", user.user_login, user.user_id);
            db.close().await;
            Ok(())
        }
        Command::Sync(args) => {
            let db = open(&config).await?;
            let forge = config
                .forge_client()
                .map_err(|e| anyhow::anyhow!("the forge settings are not valid: {e}"))?;
            let Some(forge) = forge else {
                bail!("no forge is configured: set REPOSYNC_FORGE (and REPOSYNC_FORGE_URL)");
            };
            let user = db
                .user_by_login(&args.user)
                .await?
                .with_context(|| format!("there is no user named {}", args.user))?;
            let oauth = config
                .oauth_client()
                .map_err(|e| anyhow::anyhow!("the OAuth settings are not valid: {e}"))?;
            let engine = Engine::new(
                db.clone(),
                forge,
                oauth,
                secrets(&config)?,
                config.sync_settings(),
            );
            let report = engine.sync(user.user_id, Trigger::Cli).await?;
            let note = match report.outcome {
                Outcome::Success => String::new(),
                Outcome::EmptyIgnored => " — the forge listed nothing; nothing was revoked".into(),
            };
            println!(
                "synced {}: {} listed, +{} new, {} updated, {} renamed, {} removed ({} pages, {} unchanged; run {}){note}",
                user.user_login,
                report.listed,
                report.added,
                report.updated,
                report.renamed,
                report.revoked,
                report.pages,
                report.not_modified,
                report.run_id,
            );
            db.close().await;
            Ok(())
        }
        Command::ForgeSim(args) => {
            let sim = Simulator::start_on(args.sim_addr)
                .await
                .with_context(|| format!("cannot listen on {}", args.sim_addr))?;
            let token = {
                let mut world = sim.world();
                let token = world.add_user(&args.seed_user);
                world.seed(&args.seed_user, args.seed_orgs, args.seed_repos);
                token
            };
            println!("forge simulator (GitHub API) at {}", sim.url());
            println!(
                "user {} with {} repositories; token: {token}",
                args.seed_user, args.seed_repos
            );
            shutdown_signal().await;
            Ok(())
        }
    }
}

/// Opens and migrates the configured database.
async fn open(config: &Config) -> anyhow::Result<Database> {
    let url = DatabaseUrl::resolve(config.database_url.as_deref(), &config.data_dir)?;
    let db = Database::connect(&url).await?;
    db.migrate().await?;
    Ok(db)
}

/// The server key.
fn secrets(config: &Config) -> anyhow::Result<Secrets> {
    Ok(Secrets::load(
        config.secret.as_ref().map(|s| s.expose()),
        &config.data_dir,
    )?)
}
