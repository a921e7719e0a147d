//! The Bitbucket Data Center client against the simulator: three listings for permissions,
//! `nextPageStart` paging, default branches, who-am-I, typed errors.

use server::{
    forge::{bitbucket_dc::BitbucketDc, http::HttpClient, Forge, ForgeError, NoCache, Perm},
    sim::{Role, Simulator},
};

fn client(sim: &Simulator) -> BitbucketDc {
    let policy = crate::helpers::test_policy();
    BitbucketDc::new(&sim.url(), HttpClient::new(policy), 4)
}

#[tokio::test]
async fn the_highest_listing_wins_and_branches_are_looked_up() {
    let sim = Simulator::start().await.unwrap();
    let token = {
        let mut world = sim.world();
        let token = world.add_user("grace");
        world.add_repo("PRJ", "admin", true, &[("grace", Role::Admin)]);
        world.add_repo("PRJ", "write", true, &[("grace", Role::Write)]);
        world.add_repo("~GRACE", "read", false, &[("grace", Role::Read)]);
        world.add_repo("PRJ", "hidden", true, &[("other", Role::Admin)]);
        token
    };
    let dev = sim
        .world()
        .repos
        .values()
        .find(|r| r.name == "write")
        .unwrap()
        .id;
    sim.world().repo_mut(dev).default_branch = "develop".into();
    let dc = client(&sim);
    assert_eq!(dc.whoami(&token).await.unwrap().login, "grace");
    let listing = dc.list_repos(&token, &NoCache).await.unwrap();
    let perm = |name: &str| listing.repos.iter().find(|r| r.name == name).unwrap().perm;
    assert_eq!(
        perm("admin"),
        Perm {
            pull: true,
            push: true,
            admin: true
        }
    );
    assert_eq!(
        perm("write"),
        Perm {
            pull: true,
            push: true,
            admin: false
        }
    );
    assert_eq!(
        perm("read"),
        Perm {
            pull: true,
            push: false,
            admin: false
        }
    );
    assert_eq!(listing.repos.len(), 3);
    let write = listing.repos.iter().find(|r| r.name == "write").unwrap();
    assert_eq!(write.full_name, "PRJ/write");
    assert_eq!(write.default_branch, "develop");
    assert!(
        listing.repos.iter().any(|r| r.full_name == "~GRACE/read"),
        "personal projects keep their ~ key"
    );
}

#[tokio::test]
async fn next_page_start_is_followed_to_the_end() {
    let sim = Simulator::start().await.unwrap();
    let token = sim.world().add_user("grace");
    sim.world().seed("grace", 2, 95);
    let listing = client(&sim)
        .with_per_page(10)
        .list_repos(&token, &NoCache)
        .await
        .unwrap();
    assert_eq!(listing.repos.len(), 95);
}

#[tokio::test]
async fn failures_are_typed() {
    let sim = Simulator::start().await.unwrap();
    let token = sim.world().add_user("grace");
    sim.world().seed("grace", 1, 30);
    sim.faults().endless_next = true;
    assert!(matches!(
        client(&sim)
            .with_per_page(10)
            .list_repos(&token, &NoCache)
            .await,
        Err(ForgeError::PagingLoop(_))
    ));
    sim.faults().endless_next = false;
    sim.faults().fail_page = Some(2);
    assert!(matches!(
        client(&sim)
            .with_per_page(10)
            .list_repos(&token, &NoCache)
            .await,
        Err(ForgeError::Server { status: 500, .. })
    ));
    sim.faults().fail_page = None;
    crate::helpers::assert_refusals_are_typed(&client(&sim), &sim, &token, "grace").await;
}

#[tokio::test]
async fn ten_thousand_repositories_with_their_default_branches() {
    let sim = Simulator::start().await.unwrap();
    let token = sim.world().add_user("grace");
    sim.world().seed("grace", 5, 10_000);
    let listing = client(&sim).list_repos(&token, &NoCache).await.unwrap();
    assert_eq!(listing.repos.len(), 10_000);
    assert!(listing.repos.iter().all(|r| r.default_branch == "main"));
    let admins = listing.repos.iter().filter(|r| r.perm.admin).count();
    assert!((3_300..=3_400).contains(&admins), "{admins}");
}

#[tokio::test]
async fn exact_multiples_of_the_limit_end_on_is_last_page() {
    let sim = Simulator::start().await.unwrap();
    let token = sim.world().add_user("grace");
    // Roles cycle read, write, admin: 10 admin, 20 write or more, 30 read or more.
    sim.world().seed("grace", 1, 30);
    let listing = client(&sim)
        .with_per_page(10)
        .list_repos(&token, &NoCache)
        .await
        .unwrap();
    assert_eq!(listing.repos.len(), 30);
    assert_eq!(
        listing.stats.pages,
        1 + 2 + 3,
        "each listing ends on isLastPage, no empty page"
    );
}
