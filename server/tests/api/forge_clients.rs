//! What every forge client must do, run against the simulator once per forge: complete and
//! ordered listings, exact permissions, and typed errors instead of wrong answers.

use std::time::Duration;

use server::{
    forge::{
        gitea::{self, Gitea},
        github::{self, GitHub},
        gitlab::{self, GitLab},
        http::{HttpClient, Policy},
        Forge, ForgeError, NoCache, Perm,
    },
    sim::{Role, Simulator},
};

/// The forges whose clients are under test.
#[derive(Clone, Copy)]
enum Kind {
    GitHub,
    Gitea,
    GitLab,
}

fn quick_policy() -> Policy {
    Policy {
        timeout: Duration::from_secs(2),
        retries: 2,
        backoff: Duration::from_millis(10),
        max_rate_wait: Duration::ZERO,
    }
}

impl Kind {
    fn client_with(self, sim: &Simulator, policy: Policy, concurrency: usize) -> Box<dyn Forge> {
        let http = HttpClient::new(policy);
        match self {
            Kind::GitHub => Box::new(GitHub::new(&github::api_url(&sim.url()), http, concurrency)),
            Kind::Gitea => Box::new(Gitea::new(
                &gitea::api_url(&sim.url()),
                http,
                concurrency,
                "Gitea",
            )),
            Kind::GitLab => Box::new(GitLab::new(&gitlab::api_url(&sim.url()), http, concurrency)),
        }
    }

    fn client(self, sim: &Simulator) -> Box<dyn Forge> {
        self.client_with(sim, quick_policy(), 4)
    }

    fn per_page(self) -> usize {
        match self {
            Kind::GitHub => github::PER_PAGE as usize,
            Kind::Gitea => gitea::PER_PAGE as usize,
            Kind::GitLab => gitlab::PER_PAGE as usize,
        }
    }

    /// The order the forge lists in: by full name, or (GitLab, `order_by=id`) by id.
    fn order_key(self, repo: &server::forge::ForgeRepo) -> String {
        match self {
            Kind::GitLab => format!("{:020}", repo.uid.parse::<u64>().unwrap()),
            _ => repo.full_name.to_lowercase(),
        }
    }
}

/// A simulator with one user who reaches `count` seeded repositories; returns it and the token.
async fn seeded(count: usize) -> (Simulator, String) {
    let sim = Simulator::start().await.unwrap();
    let token = sim.world().add_user("octocat");
    sim.world().seed("octocat", 4, count);
    (sim, token)
}

macro_rules! for_each_forge {
    ($name:ident, |$kind:ident| $body:block) => {
        mod $name {
            use super::*;

            async fn check($kind: Kind) $body

            #[tokio::test]
            async fn github() {
                check(Kind::GitHub).await;
            }

            #[tokio::test]
            async fn gitea() {
                check(Kind::Gitea).await;
            }

            #[tokio::test]
            async fn gitlab() {
                check(Kind::GitLab).await;
            }
        }
    };
}

for_each_forge!(whoami_and_exact_permissions, |kind| {
    let sim = Simulator::start().await.unwrap();
    let token = {
        let mut world = sim.world();
        let token = world.add_user("octocat");
        world.add_repo("octocat", "hello", false, &[("octocat", Role::Admin)]);
        world.add_repo("acme", "api", true, &[("octocat", Role::Write)]);
        world.add_repo("acme", "docs", true, &[("octocat", Role::Read)]);
        world.add_repo("acme", "secret", true, &[("someone", Role::Admin)]);
        token
    };
    let forge = kind.client(&sim);
    assert_eq!(forge.whoami(&token).await.unwrap().login, "octocat");
    let listing = forge.list_repos(&token, &NoCache).await.unwrap();
    let mut names: Vec<_> = listing.repos.iter().map(|r| r.full_name.as_str()).collect();
    names.sort();
    assert_eq!(names, ["acme/api", "acme/docs", "octocat/hello"]);
    let perm = |name: &str| {
        listing
            .repos
            .iter()
            .find(|r| r.full_name == name)
            .unwrap()
            .perm
    };
    assert_eq!(
        perm("octocat/hello"),
        Perm {
            pull: true,
            push: true,
            admin: true
        }
    );
    assert_eq!(
        perm("acme/api"),
        Perm {
            pull: true,
            push: true,
            admin: false
        }
    );
    assert_eq!(
        perm("acme/docs"),
        Perm {
            pull: true,
            push: false,
            admin: false
        }
    );
    let hello = listing
        .repos
        .iter()
        .find(|r| r.full_name == "octocat/hello")
        .unwrap();
    assert_eq!(hello.namespace, "octocat");
    assert!(
        hello.clone_url.ends_with("/octocat/hello.git") && hello.ssh_url.contains("octocat/hello")
    );
    assert_eq!(listing.stats.pages, 1);
});

for_each_forge!(an_exact_multiple_of_the_page_size_ends_cleanly, |kind| {
    let (sim, token) = seeded(2 * kind.per_page()).await;
    let listing = kind
        .client(&sim)
        .list_repos(&token, &NoCache)
        .await
        .unwrap();
    assert_eq!(listing.repos.len(), 2 * kind.per_page());
    assert_eq!(listing.stats.pages, 2);
    assert_eq!(
        sim.counters().list_pages,
        2,
        "no request for an empty third page"
    );
});

for_each_forge!(
    ten_thousand_repositories_are_listed_completely_and_in_order,
    |kind| {
        let (sim, token) = seeded(10_050).await;
        let listing = kind
            .client(&sim)
            .list_repos(&token, &NoCache)
            .await
            .unwrap();
        assert_eq!(listing.repos.len(), 10_050);
        assert_eq!(
            listing.stats.pages as usize,
            10_050usize.div_ceil(kind.per_page())
        );
        let in_order: Vec<_> = listing.repos.iter().map(|r| kind.order_key(r)).collect();
        let mut sorted = in_order.clone();
        sorted.sort();
        assert_eq!(in_order, sorted, "pages are assembled in order");
    }
);

for_each_forge!(an_empty_account_is_an_empty_listing, |kind| {
    let (sim, token) = seeded(0).await;
    let listing = kind
        .client(&sim)
        .list_repos(&token, &NoCache)
        .await
        .unwrap();
    assert!(listing.repos.is_empty());
});

for_each_forge!(a_revoked_token_is_unauthorized_not_empty, |kind| {
    let (sim, token) = seeded(3).await;
    sim.world().revoke_tokens("octocat");
    assert_eq!(
        kind.client(&sim)
            .list_repos(&token, &NoCache)
            .await
            .unwrap_err(),
        ForgeError::Unauthorized
    );
});

for_each_forge!(transient_server_errors_are_retried, |kind| {
    let (sim, token) = seeded(3).await;
    sim.faults().fail_next = 2;
    let listing = kind
        .client(&sim)
        .list_repos(&token, &NoCache)
        .await
        .unwrap();
    assert_eq!(listing.repos.len(), 3);
    assert_eq!(listing.stats.calls, 3, "two failures and the success");
});

for_each_forge!(a_failing_page_fails_the_whole_listing, |kind| {
    let (sim, token) = seeded(4 * kind.per_page() + 10).await;
    sim.faults().fail_page = Some(3);
    let error = kind
        .client(&sim)
        .list_repos(&token, &NoCache)
        .await
        .unwrap_err();
    assert!(
        matches!(error, ForgeError::Server { status: 500, .. }),
        "{error:?}"
    );
});

for_each_forge!(malformed_json_is_a_typed_error, |kind| {
    let (sim, token) = seeded(3).await;
    sim.faults().malformed_page = Some(1);
    let error = kind
        .client(&sim)
        .list_repos(&token, &NoCache)
        .await
        .unwrap_err();
    assert!(matches!(error, ForgeError::Malformed(_)), "{error:?}");
});

for_each_forge!(a_hanging_forge_times_out, |kind| {
    let (sim, token) = seeded(3).await;
    sim.faults().hang_page = Some(1);
    let policy = Policy {
        timeout: Duration::from_millis(300),
        retries: 1,
        ..quick_policy()
    };
    let error = kind
        .client_with(&sim, policy, 4)
        .list_repos(&token, &NoCache)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, ForgeError::Transport(m) if m.contains("timed out")),
        "{error:?}"
    );
});

for_each_forge!(paging_that_never_ends_is_stopped, |kind| {
    let (sim, token) = seeded(3).await;
    sim.faults().endless_next = true;
    let error = kind
        .client(&sim)
        .list_repos(&token, &NoCache)
        .await
        .unwrap_err();
    assert!(matches!(error, ForgeError::PagingLoop(_)), "{error:?}");
});

for_each_forge!(pages_are_fetched_concurrently, |kind| {
    let (sim, token) = seeded(10 * kind.per_page()).await;
    sim.faults().latency = Duration::from_millis(50);
    let started = std::time::Instant::now();
    let listing = kind
        .client_with(&sim, quick_policy(), 5)
        .list_repos(&token, &NoCache)
        .await
        .unwrap();
    let elapsed = started.elapsed();
    assert_eq!(listing.repos.len(), 10 * kind.per_page());
    // Sequential would be 10 × 50 ms; with 5 at once it is 1 + 2 rounds.
    assert!(elapsed < Duration::from_millis(400), "took {elapsed:?}");
});

for_each_forge!(a_throttling_proxys_retry_after_is_waited_out, |kind| {
    let (sim, token) = seeded(3).await;
    {
        let mut faults = sim.faults();
        faults.proxy_429_next = 1;
        faults.proxy_retry_after_s = 1;
    }
    let patient = Policy {
        max_rate_wait: Duration::from_secs(5),
        ..quick_policy()
    };
    let listing = kind
        .client_with(&sim, patient, 4)
        .list_repos(&token, &NoCache)
        .await
        .unwrap();
    assert_eq!(listing.repos.len(), 3);
    // Impatient: the same 429 is a typed "rate limited" error, not an empty listing.
    sim.faults().proxy_429_next = 1;
    let error = kind
        .client(&sim)
        .list_repos(&token, &NoCache)
        .await
        .unwrap_err();
    assert!(matches!(error, ForgeError::RateLimited { .. }), "{error:?}");
});

for_each_forge!(a_plain_403_is_forbidden_not_rate_limited, |kind| {
    let (sim, token) = seeded(3).await;
    sim.faults().forbid_next = 1;
    let error = kind
        .client(&sim)
        .list_repos(&token, &NoCache)
        .await
        .unwrap_err();
    assert!(
        matches!(&error, ForgeError::Forbidden(m) if m.contains("SAML")),
        "{error:?}"
    );
});
