//! Demo mode: with no `REPOSYNC_FORGE`, `reposync serve` runs the forge simulator in-process and
//! points itself at it as a GitHub, so a fresh machine shows the whole product — sign-in, sync,
//! webhooks — with no forge account.
//!
//! The demo world is a person (`octocat`) in four organisations with a few dozen repositories:
//! admin, write and read access, private and public, one archived, and colleagues who share some.

use anyhow::Context;

use crate::{
    config::{Config, ForgeKind, Secret},
    sim::{Role, Simulator, World, OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET},
};

/// The account the demo signs in as.
pub const DEMO_LOGIN: &str = "octocat";

/// Fills `world` with the demo account and its organisations.
pub fn populate(world: &mut World) {
    world.add_user(DEMO_LOGIN);
    world.add_user("hubot");
    world.add_user("monalisa");
    let orgs = [
        (
            "acme",
            [
                "api", "web", "infra", "docs", "billing", "auth", "mobile", "search",
            ]
            .as_slice(),
        ),
        (
            "acme-labs",
            [
                "prototype",
                "ml-models",
                "notebooks",
                "benchmarks",
                "playground",
            ]
            .as_slice(),
        ),
        (
            "open-tools",
            [
                "cli",
                "linter",
                "formatter",
                "release-bot",
                "website",
                "plugins",
            ]
            .as_slice(),
        ),
        (
            "partners",
            [
                "integration",
                "sdk-go",
                "sdk-python",
                "sdk-rust",
                "status-page",
            ]
            .as_slice(),
        ),
    ];
    let roles = [
        Role::Admin,
        Role::Write,
        Role::Read,
        Role::Write,
        Role::Maintain,
        Role::Triage,
    ];
    let mut n = 0;
    for (org, names) in orgs {
        for name in names {
            let role = roles[n % roles.len()];
            let private = org != "open-tools" && n % 3 != 0;
            let colleague = if n % 2 == 0 { "hubot" } else { "monalisa" };
            world.add_repo(
                org,
                name,
                private,
                &[(DEMO_LOGIN, role), (colleague, Role::Admin)],
            );
            n += 1;
        }
    }
    for name in ["dotfiles", "blog", "advent-of-code", "homelab"] {
        world.add_repo(
            DEMO_LOGIN,
            name,
            name == "homelab",
            &[(DEMO_LOGIN, Role::Admin)],
        );
    }
    // Someone else's repository octocat collaborates on, and one they cannot see at all.
    world.add_repo(
        "monalisa",
        "paintings",
        true,
        &[("monalisa", Role::Admin), (DEMO_LOGIN, Role::Write)],
    );
    world.add_repo("hubot", "secret-plans", true, &[("hubot", Role::Admin)]);
    let legacy = world.add_repo(
        "acme",
        "legacy-monolith",
        true,
        &[(DEMO_LOGIN, Role::Write), ("hubot", Role::Admin)],
    );
    world.repo_mut(legacy).archived = true;
}

/// Starts the demo forge and returns it with `config` pointed at it.
pub async fn start(config: &Config) -> anyhow::Result<(Simulator, Config)> {
    let sim = match Simulator::start_on(config.demo_forge_addr).await {
        Ok(sim) => sim,
        Err(error) => {
            tracing::warn!(addr = %config.demo_forge_addr, %error, "the demo forge's address is busy; using a free port");
            Simulator::start()
                .await
                .context("cannot start the demo forge")?
        }
    };
    populate(&mut sim.world());
    let mut demo = config.clone();
    demo.forge = Some(ForgeKind::Github);
    demo.forge_url = Some(url::Url::parse(&sim.url()).context("the simulator's URL")?);
    demo.forge_api_url = None;
    demo.oauth_client_id = Some(OAUTH_CLIENT_ID.into());
    demo.oauth_client_secret = Some(Secret::new(OAUTH_CLIENT_SECRET));
    // The simulated forge signs its webhooks for this server, so repositories created in it
    // appear on open dashboards by themselves.
    let secret = demo
        .webhook_secret
        .clone()
        .unwrap_or_else(|| Secret::new(crate::accounts::secret::generate("whsec_")));
    sim.state
        .set_webhook(Some(crate::sim::deliver::WebhookTarget {
            url: format!("{}/hook", demo.server_url().as_str().trim_end_matches('/')),
            secret: secret.expose().to_string(),
            forge: ForgeKind::Github,
        }));
    demo.webhook_secret = Some(secret);
    tracing::warn!(
        forge = %sim.url(),
        login = DEMO_LOGIN,
        "DEMO MODE: REPOSYNC_FORGE is not set, so a simulated GitHub runs in this process. \
         Sign in as {DEMO_LOGIN}; add repositories with `curl -X POST {}/_sim/repos`. \
         Set REPOSYNC_FORGE to use a real forge.",
        sim.url()
    );
    Ok((sim, demo))
}
