//! The Bitbucket Cloud client against the simulator: workspaces, repositories and bulk
//! permissions, `next` cursors, and typed errors.

use server::{
    forge::{
        bitbucket::{self, Bitbucket},
        http::HttpClient,
        Forge, ForgeError, NoCache, Perm,
    },
    sim::{Role, Simulator},
};

fn client(sim: &Simulator) -> Bitbucket {
    let policy = crate::helpers::test_policy();
    Bitbucket::new(&bitbucket::api_url(&sim.url()), HttpClient::new(policy), 4)
}

#[tokio::test]
async fn workspaces_repositories_and_bulk_permissions() {
    let sim = Simulator::start().await.unwrap();
    let token = {
        let mut world = sim.world();
        let token = world.add_user("ada");
        world.add_repo("ada", "notes", true, &[("ada", Role::Admin)]);
        world.add_repo("team", "api", true, &[("ada", Role::Write)]);
        world.add_repo("team", "docs", false, &[("ada", Role::Read)]);
        world.add_repo("team", "hidden", true, &[("someone", Role::Admin)]);
        token
    };
    let bitbucket = client(&sim);
    assert_eq!(bitbucket.whoami(&token).await.unwrap().login, "ada");
    let listing = bitbucket.list_repos(&token, &NoCache).await.unwrap();
    let mut names: Vec<_> = listing.repos.iter().map(|r| r.full_name.as_str()).collect();
    names.sort();
    assert_eq!(names, ["ada/notes", "team/api", "team/docs"]);
    let perm = |name: &str| {
        listing
            .repos
            .iter()
            .find(|r| r.full_name == name)
            .unwrap()
            .perm
    };
    assert_eq!(
        perm("ada/notes"),
        Perm {
            pull: true,
            push: true,
            admin: true
        }
    );
    assert_eq!(
        perm("team/api"),
        Perm {
            pull: true,
            push: true,
            admin: false
        }
    );
    assert_eq!(
        perm("team/docs"),
        Perm {
            pull: true,
            push: false,
            admin: false
        }
    );
    // One workspaces page, then a repositories and a permissions page per workspace: no call
    // per repository.
    assert_eq!(listing.stats.pages, 5);
    assert!(listing
        .repos
        .iter()
        .all(|r| r.uid.starts_with('{') && !r.clone_url.contains('@')));
}

#[tokio::test]
async fn many_repositories_across_many_pages_are_complete() {
    let sim = Simulator::start().await.unwrap();
    let token = sim.world().add_user("ada");
    sim.world().seed("ada", 3, 1_234);
    let listing = client(&sim).list_repos(&token, &NoCache).await.unwrap();
    assert_eq!(listing.repos.len(), 1_234);
    // 3 workspaces of 411–412 repositories: 5 pages of each collection, and one workspaces page.
    assert_eq!(listing.stats.pages, 1 + 3 * (5 + 5));
}

#[tokio::test]
async fn failures_are_typed_and_paging_loops_stop() {
    let sim = Simulator::start().await.unwrap();
    let token = sim.world().add_user("ada");
    sim.world().seed("ada", 1, 250);
    sim.faults().fail_page = Some(2);
    assert!(matches!(
        client(&sim).list_repos(&token, &NoCache).await,
        Err(ForgeError::Server { status: 500, .. })
    ));
    sim.faults().fail_page = None;
    sim.faults().malformed_page = Some(1);
    assert!(matches!(
        client(&sim).list_repos(&token, &NoCache).await,
        Err(ForgeError::Malformed(_))
    ));
    sim.faults().malformed_page = None;
    sim.faults().endless_next = true;
    assert!(matches!(
        client(&sim).list_repos(&token, &NoCache).await,
        Err(ForgeError::PagingLoop(_))
    ));
    sim.faults().endless_next = false;
    crate::helpers::assert_refusals_are_typed(&client(&sim), &sim, &token, "ada").await;
}

#[tokio::test]
async fn the_retired_cross_workspace_listing_is_gone() {
    let sim = Simulator::start().await.unwrap();
    let token = sim.world().add_user("ada");
    let response = reqwest::Client::new()
        .get(format!("{}/2.0/repositories?role=member", sim.url()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 410);
}

#[tokio::test]
async fn ten_thousand_repositories_across_workspaces() {
    let sim = Simulator::start().await.unwrap();
    let token = sim.world().add_user("ada");
    sim.world().seed("ada", 7, 10_001);
    let listing = client(&sim).list_repos(&token, &NoCache).await.unwrap();
    assert_eq!(listing.repos.len(), 10_001);
    let writers = listing.repos.iter().filter(|r| r.perm.push).count();
    assert!((6_600..=6_700).contains(&writers), "{writers}");
}

#[tokio::test]
async fn an_exact_multiple_of_the_page_length_ends_without_an_empty_page() {
    let sim = Simulator::start().await.unwrap();
    let token = sim.world().add_user("ada");
    sim.world().seed("ada", 1, 200);
    let listing = client(&sim).list_repos(&token, &NoCache).await.unwrap();
    assert_eq!(listing.repos.len(), 200);
    // One workspaces page, and exactly two pages of each collection: no trailing empty page.
    assert_eq!(listing.stats.pages, 1 + 2 + 2);
}
