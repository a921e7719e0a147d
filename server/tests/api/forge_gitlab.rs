//! What only the GitLab client does: subgroups, and the switch to keyset paging past 10,000.

use std::time::Duration;

use server::{
    forge::{
        gitlab::{self, GitLab},
        http::{HttpClient, Policy},
        Forge, NoCache, Perm,
    },
    sim::{Role, Simulator},
};

fn client_waiting(sim: &Simulator, max_rate_wait: Duration) -> GitLab {
    let policy = Policy {
        max_rate_wait,
        ..crate::helpers::test_policy()
    };
    GitLab::new(&gitlab::api_url(&sim.url()), HttpClient::new(policy), 1)
}

#[tokio::test]
async fn a_429_with_a_near_retry_after_is_waited_for() {
    let sim = Simulator::start().await.unwrap();
    let token = sim.world().add_user("dev");
    sim.world().seed("dev", 2, 250);
    {
        let mut faults = sim.faults();
        faults.rate_limit = Some(2);
        faults.rate_reset_after = Duration::from_secs(1);
    }
    let listing = client_waiting(&sim, Duration::from_secs(5))
        .list_repos(&token, &NoCache)
        .await
        .unwrap();
    assert_eq!(listing.repos.len(), 250);
}

#[tokio::test]
async fn a_429_with_a_distant_retry_after_is_a_typed_error() {
    let sim = Simulator::start().await.unwrap();
    let token = sim.world().add_user("dev");
    sim.world().seed("dev", 2, 250);
    {
        let mut faults = sim.faults();
        faults.rate_limit = Some(1);
        faults.rate_reset_after = Duration::from_secs(600);
    }
    let error = client_waiting(&sim, Duration::from_secs(5))
        .list_repos(&token, &NoCache)
        .await
        .unwrap_err();
    assert!(
        matches!(error, server::forge::ForgeError::RateLimited { .. }),
        "{error:?}"
    );
}

fn client(sim: &Simulator) -> GitLab {
    let policy = crate::helpers::test_policy();
    GitLab::new(&gitlab::api_url(&sim.url()), HttpClient::new(policy), 4)
}

#[tokio::test]
async fn subgroups_and_archived_projects_are_listed_with_their_full_paths() {
    let sim = Simulator::start().await.unwrap();
    let token = sim.world().add_user("dev");
    let archived = {
        let mut world = sim.world();
        world.add_repo(
            "platform/backend/payments",
            "ledger",
            true,
            &[("dev", Role::Maintain)],
        );
        world.add_repo("platform", "docs", false, &[("dev", Role::Read)]);
        world.add_repo("platform/old", "legacy", true, &[("dev", Role::Write)])
    };
    sim.world().repo_mut(archived).archived = true;
    let listing = client(&sim).list_repos(&token, &NoCache).await.unwrap();
    let ledger = listing.repos.iter().find(|r| r.name == "ledger").unwrap();
    assert_eq!(ledger.namespace, "platform/backend/payments");
    assert_eq!(ledger.full_name, "platform/backend/payments/ledger");
    assert_eq!(
        ledger.perm,
        Perm {
            pull: true,
            push: true,
            admin: true
        }
    );
    let legacy = listing.repos.iter().find(|r| r.name == "legacy").unwrap();
    assert!(legacy.archived, "archived projects are listed and flagged");
    assert_eq!(listing.repos.len(), 3);
}

#[tokio::test]
async fn past_ten_thousand_projects_the_listing_walks_keyset_cursors() {
    let sim = Simulator::start().await.unwrap();
    let token = sim.world().add_user("dev");
    sim.world().seed("dev", 5, 10_001);
    let listing = client(&sim).list_repos(&token, &NoCache).await.unwrap();
    assert_eq!(listing.repos.len(), 10_001);
    assert_eq!(
        listing.stats.pages, 101,
        "the first offset page, then 100 keyset pages, none twice"
    );
    let ids: Vec<u64> = listing
        .repos
        .iter()
        .map(|r| r.uid.parse().unwrap())
        .collect();
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "in id order without gaps or repeats"
    );
}

#[tokio::test]
async fn weak_etags_make_an_unchanged_listing_cost_304s() {
    let sim = Simulator::start().await.unwrap();
    let token = sim.world().add_user("dev");
    sim.world().seed("dev", 3, 250);
    let cache = crate::helpers::MemoryCache::default();
    let first = client(&sim).list_repos(&token, &cache).await.unwrap();
    let again = client(&sim).list_repos(&token, &cache).await.unwrap();
    assert_eq!(again.stats.not_modified, 3);
    assert_eq!(again.repos, first.repos);
}
