//! The Gogs client against the simulator: personal and organisation repositories, with the
//! organisation list's false permissions re-checked per repository.

use server::{
    forge::{
        gogs::{self, Gogs},
        http::{HttpClient, Policy},
        Forge, ForgeError, NoCache, Perm,
    },
    sim::{Role, Simulator},
};

fn client(sim: &Simulator) -> Gogs {
    let policy = crate::helpers::test_policy();
    Gogs::new(
        &gogs::api_url(&format!("{}/gogs", sim.url())),
        HttpClient::new(policy),
        4,
    )
}

#[tokio::test]
async fn personal_and_organisation_repositories_with_exact_permissions() {
    let sim = Simulator::start().await.unwrap();
    let token = {
        let mut world = sim.world();
        let token = world.add_user("alice");
        world.add_user("bob");
        world.add_repo("alice", "dotfiles", true, &[("alice", Role::Admin)]);
        world.add_repo(
            "bob",
            "shared",
            true,
            &[("bob", Role::Admin), ("alice", Role::Write)],
        );
        world.add_repo("acme", "api", true, &[("alice", Role::Read)]);
        world.add_repo("acme", "ops", true, &[("alice", Role::Admin)]);
        world.add_repo("acme", "secret", true, &[("bob", Role::Admin)]);
        token
    };
    let gogs = client(&sim);
    assert_eq!(gogs.whoami(&token).await.unwrap().login, "alice");
    let listing = gogs.list_repos(&token, &NoCache).await.unwrap();
    let mut names: Vec<_> = listing.repos.iter().map(|r| r.full_name.as_str()).collect();
    names.sort();
    assert_eq!(
        names,
        ["acme/api", "acme/ops", "alice/dotfiles", "bob/shared"]
    );
    let perm = |name: &str| {
        listing
            .repos
            .iter()
            .find(|r| r.full_name == name)
            .unwrap()
            .perm
    };
    assert_eq!(
        perm("acme/api"),
        Perm {
            pull: true,
            push: false,
            admin: false
        },
        "not the org list's `true`s"
    );
    assert_eq!(
        perm("acme/ops"),
        Perm {
            pull: true,
            push: true,
            admin: true
        }
    );
    assert_eq!(
        perm("bob/shared"),
        Perm {
            pull: true,
            push: true,
            admin: false
        }
    );
    // user/repos, user/orgs, orgs/acme/repos, then one check per organisation repository.
    assert_eq!(listing.stats.pages, 5);
}

#[tokio::test]
async fn failures_are_typed() {
    let sim = Simulator::start().await.unwrap();
    let token = sim.world().add_user("alice");
    sim.world().seed("alice", 2, 3);
    sim.faults().fail_page = Some(1);
    assert!(matches!(
        client(&sim).list_repos(&token, &NoCache).await,
        Err(ForgeError::Server { status: 500, .. })
    ));
    sim.faults().fail_page = None;
    crate::helpers::assert_refusals_are_typed(&client(&sim), &sim, &token, "alice").await;
}

#[tokio::test]
async fn ten_thousand_organisation_repositories_are_listed_and_rechecked() {
    let sim = Simulator::start().await.unwrap();
    let token = sim.world().add_user("alice");
    sim.world().seed("alice", 4, 10_000);
    let listing = client(&sim).list_repos(&token, &NoCache).await.unwrap();
    assert_eq!(listing.repos.len(), 10_000);
    let admins = listing.repos.iter().filter(|r| r.perm.admin).count();
    assert!(
        (3_300..=3_400).contains(&admins),
        "a third are admin, not all ({admins})"
    );
}

#[tokio::test]
async fn an_unknown_repository_is_not_found() {
    let sim = Simulator::start().await.unwrap();
    let token = sim.world().add_user("alice");
    let http = HttpClient::new(Policy::default());
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("authorization", format!("token {token}").parse().unwrap());
    let error = http
        .get(
            &format!("{}/gogs/api/v1/repos/nobody/nothing", sim.url()),
            headers,
        )
        .await
        .unwrap_err();
    assert_eq!(
        error,
        ForgeError::NotFound("/gogs/api/v1/repos/nobody/nothing".into())
    );
}
