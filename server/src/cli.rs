//! The `reposync` command line: `serve` (the default), `migrate`, `user`, `token`, `sync` and
//! `forge-sim`.
//! Each command is a thin adapter: it opens what it needs and calls the same code the server
//! uses; `sync` runs the one sync engine.

use std::{io::IsTerminal, net::SocketAddr, sync::Arc};

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use crate::{
    accounts::{Accounts, NewAccount},
    config::Config,
    sim::Simulator,
    startup::{secrets, shutdown_signal, Application},
    store::{users::User, Database, DatabaseUrl},
    sync::{Engine, Outcome, SyncEvent, Trigger},
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
    /// Manage personal API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Manage forge webhooks.
    #[command(subcommand)]
    Hooks(HooksCommand),
    /// Sync one user's repositories from the forge now, and print what changed.
    Sync(SyncArgs),
    /// Run the forge simulator: a stand-in forge for demos and tests.
    ForgeSim(SimArgs),
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user.
    Add(UserAddArgs),
    /// List users.
    Ls,
    /// Delete a user with their permissions, tokens and sessions.
    Rm(UserRmArgs),
}

#[derive(Debug, Args)]
pub struct UserAddArgs {
    /// The user's forge login.
    pub login: String,
    /// Make the user an administrator.
    #[arg(long)]
    pub admin: bool,
    /// Mark the user as a machine (bot) account; its first API token is printed.
    #[arg(long)]
    pub machine: bool,
    /// The user's email address.
    #[arg(long, default_value = "")]
    pub email: String,
    /// A forge token to sync with (normally set by signing in).
    #[arg(long, env = "REPOSYNC_FORGE_TOKEN", hide_env_values = true)]
    pub forge_token: Option<String>,
}

#[derive(Debug, Args)]
pub struct UserRmArgs {
    /// The login of the user to delete.
    pub login: String,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a personal API token for a user and print it (only this once).
    Create(TokenCreateArgs),
}

#[derive(Debug, Args)]
pub struct TokenCreateArgs {
    /// The login of the token's user.
    #[arg(long)]
    pub user: String,
    /// What the token is for.
    #[arg(long, default_value = "cli")]
    pub label: String,
}

#[derive(Debug, Subcommand)]
pub enum HooksCommand {
    /// Register the organisation webhook (repository created, renamed, deleted, …) at the forge,
    /// or print the steps to do it by hand where the forge has no API for it.
    Install(HooksInstallArgs),
}

#[derive(Debug, Args)]
pub struct HooksInstallArgs {
    /// The organisation (GitLab group, Bitbucket workspace or project).
    #[arg(long)]
    pub org: String,
    /// Use this Reposync user's forge login (an owner of the organisation).
    #[arg(long, conflicts_with = "forge_token")]
    pub user: Option<String>,
    /// Or this forge token.
    #[arg(long, env = "REPOSYNC_FORGE_TOKEN", hide_env_values = true)]
    pub forge_token: Option<String>,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// The login of the user to sync.
    #[arg(long)]
    pub user: String,
    /// No progress bar (it is also left out when stderr is not a terminal).
    #[arg(long)]
    pub quiet: bool,
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
    if let Err(message) = cli.config.validate() {
        // Exit 2, like every other malformed setting.
        clap::Error::raw(
            clap::error::ErrorKind::ValueValidation,
            format!("{message}\n"),
        )
        .exit();
    }
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
        Command::User(command) => {
            let db = open(&config).await?;
            let accounts = Accounts::new(db.clone(), secrets(&config)?, config.session_ttl);
            let result = user_command(&db, &accounts, command).await;
            db.close().await;
            result
        }
        Command::Token(TokenCommand::Create(args)) => {
            let db = open(&config).await?;
            let accounts = Accounts::new(db.clone(), secrets(&config)?, config.session_ttl);
            let user = find_user(&db, &args.user).await?;
            let (token, _) = accounts.issue_token(user.user_id, &args.label).await?;
            // Only the token on stdout, so that `TOKEN=$(reposync token create --user x)` works.
            println!("{token}");
            db.close().await;
            Ok(())
        }
        Command::Hooks(HooksCommand::Install(args)) => {
            let (kind, forge_url, api) = config
                .forge_endpoints()
                .map_err(|e| anyhow::anyhow!("the forge settings are not valid: {e}"))?
                .context("no forge is configured: set REPOSYNC_FORGE (and REPOSYNC_FORGE_URL)")?;
            let secret = config
                .webhook_secret
                .clone()
                .context("set REPOSYNC_WEBHOOK_SECRET first: the webhook is signed with it")?;
            let token = match (&args.user, &args.forge_token) {
                (Some(login), _) => {
                    let db = open(&config).await?;
                    let user = find_user(&db, login).await?;
                    db.close().await;
                    let sealed = user.user_token.with_context(|| {
                        format!("{login} has no forge login; they must sign in first")
                    })?;
                    secrets(&config)?.open(&sealed)?
                }
                (None, Some(token)) => token.clone(),
                (None, None) => anyhow::bail!(
                    "say whose forge login to use: --user LOGIN or REPOSYNC_FORGE_TOKEN"
                ),
            };
            let url = config.server_url().join("hook")?;
            let target = crate::hooks::install::Target {
                url: url.as_str(),
                secret: secret.expose(),
            };
            match crate::hooks::install::install(kind, &api, &forge_url, &token, &args.org, &target)
                .await?
            {
                crate::hooks::install::Installed::Created { id } => {
                    println!(
                        "created the {} webhook for {} (id {id}) delivering to {url}",
                        kind.as_str(),
                        args.org
                    );
                }
                crate::hooks::install::Installed::Manual(steps) => println!("{steps}"),
            }
            Ok(())
        }
        Command::Sync(args) => {
            let db = open(&config).await?;
            let engine = crate::startup::engine(&config, &db, &secrets(&config)?)?;
            let user = find_user(&db, &args.user).await?;
            let progress = (!args.quiet && std::io::stderr().is_terminal())
                .then(|| show_progress(&engine, user.user_id));
            let result = engine.sync(user.user_id, Trigger::Cli).await;
            if let Some(bar) = progress {
                bar.finish_and_clear();
            }
            let report = result?;
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

async fn find_user(db: &Database, login: &str) -> anyhow::Result<User> {
    db.user_by_login(login)
        .await?
        .with_context(|| format!("there is no user named {login}"))
}

async fn user_command(
    db: &Database,
    accounts: &Accounts,
    command: UserCommand,
) -> anyhow::Result<()> {
    match command {
        UserCommand::Add(args) => {
            let (user, token) = accounts
                .create(&NewAccount {
                    login: args.login,
                    email: args.email,
                    admin: args.admin,
                    machine: args.machine,
                    forge_token: args.forge_token,
                    ..NewAccount::default()
                })
                .await?;
            println!("created user {} (id {})", user.user_login, user.user_id);
            if let Some(token) = token {
                println!("API token (shown once): {token}");
            }
        }
        UserCommand::Ls => {
            let users = db.list_users().await?;
            let now = crate::store::now_s();
            println!(
                "{:<24} {:>6}  {:<5} {:<7} {:<6} LAST SYNC",
                "LOGIN", "ID", "ADMIN", "MACHINE", "ACTIVE"
            );
            for user in users {
                let synced = if user.user_synced > 0 {
                    let ago =
                        std::time::Duration::from_secs((now - user.user_synced).max(0) as u64);
                    format!("{} ago", humantime::format_duration(ago))
                } else {
                    "never".into()
                };
                println!(
                    "{:<24} {:>6}  {:<5} {:<7} {:<6} {synced}",
                    user.user_login,
                    user.user_id,
                    user.user_admin,
                    user.user_machine,
                    user.user_active
                );
            }
        }
        UserCommand::Rm(args) => {
            let user = find_user(db, &args.login).await?;
            db.delete_user(user.user_id).await?;
            println!("deleted user {}", user.user_login);
        }
    }
    Ok(())
}

/// A progress bar fed by the engine's events for `user_id`: pages fetched, of how many.
fn show_progress(engine: &Arc<Engine>, user_id: i64) -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {pos}/{len} pages {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner())
            .progress_chars("=> "),
    );
    bar.set_message("listing repositories");
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    let mut events = engine.subscribe();
    let handle = bar.clone();
    tokio::spawn(async move {
        while let Ok(event) = events.recv().await {
            if let SyncEvent::Progress {
                user_id: id,
                pages_done,
                pages_total,
            } = event
            {
                if id == user_id {
                    handle.set_length(u64::from(pages_total.unwrap_or(pages_done + 1)));
                    handle.set_position(u64::from(pages_done));
                }
            }
        }
    });
    bar
}
