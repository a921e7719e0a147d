//! What only the GitHub client does: Enterprise paths, ETags and free 304s, rate limits, OAuth.
//! The behaviour every forge shares is in `forge_clients`.

use std::time::Duration;

use crate::helpers::MemoryCache;
use server::{
    forge::{
        github::GitHub,
        http::{HttpClient, Policy},
        Forge, ForgeError, NoCache,
    },
    sim::Simulator,
};

fn quick_policy() -> Policy {
    Policy {
        timeout: Duration::from_secs(2),
        retries: 2,
        backoff: Duration::from_millis(10),
        max_rate_wait: Duration::from_secs(4),
    }
}

/// A simulator with one user who reaches `count` seeded repositories; returns it and the token.
async fn seeded(count: usize) -> (Simulator, String) {
    let sim = Simulator::start().await.unwrap();
    let token = sim.world().add_user("octocat");
    sim.world().seed("octocat", 4, count);
    (sim, token)
}

fn client(sim: &Simulator) -> GitHub {
    GitHub::new(&sim.url(), HttpClient::new(quick_policy()), 4)
}

#[tokio::test]
async fn enterprise_paths_work_too() {
    let (sim, token) = seeded(3).await;
    let github = GitHub::new(
        &format!("{}/api/v3", sim.url()),
        HttpClient::new(quick_policy()),
        4,
    );
    assert_eq!(
        github
            .list_repos(&token, &NoCache)
            .await
            .unwrap()
            .repos
            .len(),
        3
    );
}

#[tokio::test]
async fn unchanged_pages_come_back_as_304s_and_cost_nothing() {
    let (sim, token) = seeded(250).await;
    let cache = MemoryCache::default();
    let github = client(&sim);
    let first = github.list_repos(&token, &cache).await.unwrap();
    assert_eq!(first.stats.not_modified, 0);
    let second = github.list_repos(&token, &cache).await.unwrap();
    assert_eq!(second.stats.not_modified, 3, "all three pages unchanged");
    assert_eq!(second.repos, first.repos);
    assert_eq!(sim.counters().not_modified, 3);

    // One repository changes: only its page is fetched again.
    let id = *sim.world().repos.keys().next().unwrap();
    sim.world().repo_mut(id).archived = true;
    let third = github.list_repos(&token, &cache).await.unwrap();
    assert_eq!(third.stats.not_modified, 2);
    assert!(third.repos.iter().any(|r| r.archived));
}

#[tokio::test]
async fn a_near_rate_limit_reset_is_waited_for() {
    let (sim, token) = seeded(250).await;
    {
        let mut faults = sim.faults();
        faults.rate_limit = Some(2);
        faults.rate_reset_after = Duration::from_secs(1);
    }
    let github = GitHub::new(&sim.url(), HttpClient::new(quick_policy()), 1);
    let listing = github.list_repos(&token, &NoCache).await.unwrap();
    assert_eq!(listing.repos.len(), 250);
}

#[tokio::test]
async fn a_distant_rate_limit_reset_is_a_typed_error() {
    let (sim, token) = seeded(250).await;
    {
        let mut faults = sim.faults();
        faults.rate_limit = Some(1);
        faults.rate_reset_after = Duration::from_secs(3600);
    }
    let github = GitHub::new(&sim.url(), HttpClient::new(quick_policy()), 1);
    let error = github.list_repos(&token, &NoCache).await.unwrap_err();
    assert!(matches!(error, ForgeError::RateLimited { .. }), "{error:?}");
}

mod oauth {
    use server::{
        forge::{github, oauth::OAuthClient, Forge, ForgeError},
        sim::{Simulator, OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET},
    };

    fn oauth_client(sim: &Simulator, secret: &str) -> OAuthClient {
        let endpoints = github::oauth_endpoints(&sim.url());
        OAuthClient::new(
            endpoints,
            OAUTH_CLIENT_ID,
            secret,
            "http://127.0.0.1:9/login",
        )
        .unwrap()
    }

    /// Follows the authorize URL as a browser would, without following the redirect back.
    async fn approve(url: &str) -> (String, String) {
        let browser = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let response = browser.get(url).send().await.unwrap();
        assert_eq!(response.status(), 302, "the simulator approves at once");
        let location = url::Url::parse(response.headers()["location"].to_str().unwrap()).unwrap();
        assert!(location.as_str().starts_with("http://127.0.0.1:9/login?"));
        let param = |name: &str| {
            location
                .query_pairs()
                .find(|(k, _)| k == name)
                .unwrap()
                .1
                .into_owned()
        };
        (param("code"), param("state"))
    }

    #[tokio::test]
    async fn a_login_exchanges_its_code_once_and_refresh_tokens_rotate() {
        let sim = Simulator::start().await.unwrap();
        sim.world().add_user("octocat");
        sim.world().token_lifetime = Some(std::time::Duration::from_secs(3600));
        let oauth = oauth_client(&sim, OAUTH_CLIENT_SECRET);
        let login = oauth.authorize();
        assert!(
            login
                .url
                .contains("scope=repo+repo%3Astatus+user%3Aemail+read%3Aorg"),
            "{}",
            login.url
        );
        let (code, state) = approve(&login.url).await;
        assert_eq!(state, login.state, "the state comes back unchanged");

        let tokens = oauth.exchange(&code, None).await.unwrap();
        assert!(tokens.expires_at.unwrap() > server::store::now_s() + 3000);
        let api = super::client(&sim);
        assert_eq!(api.whoami(&tokens.access).await.unwrap().login, "octocat");
        assert_eq!(
            oauth.exchange(&code, None).await.unwrap_err(),
            ForgeError::Unauthorized,
            "a code works once"
        );

        let renewed = oauth
            .refresh(tokens.refresh.as_deref().unwrap())
            .await
            .unwrap();
        assert_ne!(renewed.access, tokens.access);
        assert_eq!(api.whoami(&renewed.access).await.unwrap().login, "octocat");
        let reused = oauth
            .refresh(tokens.refresh.as_deref().unwrap())
            .await
            .unwrap_err();
        assert_eq!(
            reused,
            ForgeError::Unauthorized,
            "a used refresh token is refused"
        );
    }

    #[tokio::test]
    async fn a_wrong_client_secret_is_refused() {
        let sim = Simulator::start().await.unwrap();
        sim.world().add_user("octocat");
        let oauth = oauth_client(&sim, "not-the-secret");
        let (code, _) = approve(&oauth.authorize().url).await;
        assert_eq!(
            oauth.exchange(&code, None).await.unwrap_err(),
            ForgeError::Unauthorized
        );
    }

    #[tokio::test]
    async fn expired_access_tokens_are_refused_by_the_api() {
        let sim = Simulator::start().await.unwrap();
        sim.world().add_user("octocat");
        sim.world().token_lifetime = Some(std::time::Duration::ZERO);
        let (access, _) = sim.world().issue_tokens("octocat");
        assert_eq!(
            super::client(&sim).whoami(&access).await.unwrap_err(),
            ForgeError::Unauthorized
        );
    }
}

/// Every forge with OAuth: the login and renewal flow against the simulator, at that forge's
/// endpoints.
mod oauth_per_forge {
    use server::{
        forge::{bitbucket, bitbucket_dc, gitea, github, gitlab, oauth::OAuthClient},
        sim::{Simulator, OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET},
    };

    #[tokio::test]
    async fn each_forges_endpoints_exchange_and_refresh() {
        let sim = Simulator::start().await.unwrap();
        sim.world().add_user("octocat");
        let url = sim.url();
        let browser = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        for endpoints in [
            github::oauth_endpoints(&url),
            gitea::oauth_endpoints(&url),
            gitlab::oauth_endpoints(&url),
            bitbucket::oauth_endpoints(&url),
            bitbucket_dc::oauth_endpoints(&url),
        ] {
            let label = endpoints.token.clone();
            let pkce = endpoints.pkce;
            let oauth = OAuthClient::new(
                endpoints,
                OAUTH_CLIENT_ID,
                OAUTH_CLIENT_SECRET,
                "http://127.0.0.1:9/login",
            )
            .unwrap();
            let login = oauth.authorize();
            assert_eq!(login.pkce_verifier.is_some(), pkce, "{label}");
            let response = browser.get(&login.url).send().await.unwrap();
            let location =
                url::Url::parse(response.headers()["location"].to_str().unwrap()).unwrap();
            let code = location
                .query_pairs()
                .find(|(k, _)| k == "code")
                .unwrap()
                .1
                .into_owned();
            let tokens = oauth
                .exchange(&code, login.pkce_verifier.as_deref())
                .await
                .unwrap();
            let renewed = oauth
                .refresh(tokens.refresh.as_deref().unwrap())
                .await
                .unwrap();
            assert_ne!(renewed.access, tokens.access, "{label}");
        }
    }
}
