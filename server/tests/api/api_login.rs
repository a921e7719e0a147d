//! Signing in through each forge against the simulator, then using the API with the token the
//! session creates — the path a new user and their scripts take.

use reqwest::Method;
use server::{config::ForgeKind, sim::Simulator};

use crate::helpers::{cookie_pair, set_cookie, spawn_forge_app};

/// A forge user with three repositories, one of them read-only.
fn populate(sim: &Simulator) {
    use server::sim::Role;
    let mut world = sim.world();
    world.add_user("octocat");
    world.add_user("hubot");
    world.add_repo("acme", "api", true, &[("octocat", Role::Admin)]);
    world.add_repo(
        "acme",
        "web",
        false,
        &[("octocat", Role::Write), ("hubot", Role::Admin)],
    );
    world.add_repo("foo", "bar", true, &[("octocat", Role::Read)]);
    world.add_repo("hubot", "secret", true, &[("hubot", Role::Admin)]);
}

async fn sign_in_and_use_the_api(kind: ForgeKind) {
    let sim = Simulator::start().await.unwrap();
    populate(&sim);
    let app = spawn_forge_app(&sim, kind, None, |_| {}).await;
    let session = app.sign_in("octocat").await;
    assert!(session.contains("HttpOnly"), "{session}");
    assert!(session.contains("SameSite=Lax"), "{session}");
    assert!(
        !session.contains("Secure"),
        "plain http: no Secure flag ({session})"
    );
    let token = app.token_for(&session).await;
    assert!(token.starts_with("rs_"), "{token}");

    let me: serde_json::Value = app
        .bearer(Method::GET, "/api/user", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["login"], "octocat", "{kind:?}: {me}");
    assert!(me["last_login"].as_i64().unwrap() > 0);

    // The seed's line, as written, with curl.
    let output = tokio::process::Command::new("curl")
        .args([
            "-s",
            "-X",
            "POST",
            "-H",
            &format!("Authorization: Bearer {token}"),
        ])
        .arg(format!(
            "{}/api/user/repos?all=true&flush=true",
            app.address
        ))
        .output()
        .await
        .expect("curl runs");
    assert!(output.status.success());
    let repos: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{kind:?}: {e}: {}", String::from_utf8_lossy(&output.stdout)));
    let names: Vec<&str> = repos.iter().map(|r| r["slug"].as_str().unwrap()).collect();
    assert_eq!(names, ["acme/api", "acme/web", "foo/bar"], "{kind:?}");
    let bar = &repos[2];
    assert_eq!(
        bar["permissions"],
        serde_json::json!({"pull": true, "push": false, "admin": false}),
        "{kind:?}"
    );

    // The seed's check, on the database the server wrote.
    let found: Vec<(i64, String)> = match &app.db {
        server::store::Database::Sqlite(pool) => sqlx::query_as(
            "select repo_id, repo_full_name from repos where repo_full_name = 'foo/bar'",
        )
        .fetch_all(pool)
        .await
        .unwrap(),
        server::store::Database::Postgres(_) => unreachable!(),
    };
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].1, "foo/bar");
}

#[tokio::test]
async fn github_sign_in_then_the_api() {
    sign_in_and_use_the_api(ForgeKind::Github).await;
}

#[tokio::test]
async fn gitea_sign_in_then_the_api() {
    sign_in_and_use_the_api(ForgeKind::Gitea).await;
}

#[tokio::test]
async fn forgejo_sign_in_then_the_api() {
    sign_in_and_use_the_api(ForgeKind::Forgejo).await;
}

#[tokio::test]
async fn gitlab_sign_in_then_the_api() {
    sign_in_and_use_the_api(ForgeKind::Gitlab).await;
}

#[tokio::test]
async fn bitbucket_sign_in_then_the_api() {
    sign_in_and_use_the_api(ForgeKind::Bitbucket).await;
}

#[tokio::test]
async fn bitbucket_data_center_sign_in_then_the_api() {
    sign_in_and_use_the_api(ForgeKind::BitbucketDc).await;
}

/// Gogs has no OAuth: a username and password become a `reposync` token at the forge, reused
/// at the next sign-in.
#[tokio::test]
async fn gogs_signs_in_with_a_password_and_reuses_its_token() {
    let sim = Simulator::start().await.unwrap();
    populate(&sim);
    let app = spawn_forge_app(&sim, ForgeKind::Gogs, None, |_| {}).await;
    let form = app.get("/login").await;
    assert_eq!(form.status(), 200);
    assert!(form.text().await.unwrap().contains("name=\"password\""));

    let post = |password: &'static str| {
        app.client
            .post(format!("{}/login", app.address))
            .header("origin", app.address.clone())
            .form(&[("username", "octocat"), ("password", password)])
            .send()
    };
    let wrong = post("guess").await.unwrap();
    assert_eq!(wrong.status(), 401);
    assert!(set_cookie(&wrong, "reposync_session").is_none());
    assert!(
        app.db.user_by_login("octocat").await.unwrap().is_none(),
        "a failed sign-in creates nobody"
    );

    let ok = post(server::sim::SIM_PASSWORD).await.unwrap();
    assert_eq!(ok.status(), 303);
    let session = set_cookie(&ok, "reposync_session").unwrap();
    let again = post(server::sim::SIM_PASSWORD).await.unwrap();
    assert_eq!(again.status(), 303);
    let named = sim.world().users[0].named_tokens.clone();
    assert_eq!(named.len(), 1, "one reposync token at the forge: {named:?}");

    let token = app.token_for(&session).await;
    let repos: Vec<serde_json::Value> = app
        .bearer(Method::POST, "/api/user/repos", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(repos.len(), 3);

    // A cross-site password form is refused before the forge is asked.
    let forged = app
        .client
        .post(format!("{}/login", app.address))
        .header("origin", "https://evil.example")
        .form(&[
            ("username", "octocat"),
            ("password", server::sim::SIM_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
}

#[tokio::test]
async fn a_callback_that_did_not_start_here_is_refused() {
    let sim = Simulator::start().await.unwrap();
    populate(&sim);
    let app = spawn_forge_app(&sim, ForgeKind::Github, None, |_| {}).await;
    let start = app.get("/login").await;
    let pending = cookie_pair(&set_cookie(&start, "reposync_login").unwrap());
    let authorize = start.headers()["location"].to_str().unwrap().to_string();
    assert!(authorize.contains("state="), "{authorize}");
    let consent = app.client.get(&authorize).send().await.unwrap();
    let callback = consent.headers()["location"].to_str().unwrap().to_string();

    // No pending cookie (another browser), or a state that is not ours: refused, nobody created.
    let without_cookie = app.client.get(&callback).send().await.unwrap();
    assert_eq!(without_cookie.status(), 400);
    let tampered = callback.replace("state=", "state=x");
    let wrong_state = app
        .client
        .get(&tampered)
        .header("cookie", &pending)
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_state.status(), 400);
    let forged_cookie = app
        .client
        .get(&callback)
        .header("cookie", "reposync_login=bm90LXNlYWxlZA")
        .send()
        .await
        .unwrap();
    assert_eq!(forged_cookie.status(), 400);
    // The forge saying no.
    let denied = app
        .get("/login?error=access_denied&error_description=The+user+said+no")
        .await;
    assert_eq!(denied.status(), 400);
    assert!(denied.text().await.unwrap().contains("The user said no"));
    assert!(app.db.list_users().await.unwrap().is_empty());

    // The genuine callback still works once.
    let ok = app
        .client
        .get(&callback)
        .header("cookie", &pending)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 303);
    let replay = app
        .client
        .get(&callback)
        .header("cookie", &pending)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 400, "a code is exchanged once");
}

#[tokio::test]
async fn https_servers_set_secure_cookies_and_logout_ends_the_session() {
    let sim = Simulator::start().await.unwrap();
    populate(&sim);
    let app = spawn_forge_app(&sim, ForgeKind::Github, None, |c| {
        c.server_url = Some("https://ci.example.test".parse().unwrap());
    })
    .await;
    let start = app
        .client
        .get(format!("{}/login", app.address))
        .header("host", "ci.example.test")
        .send()
        .await
        .unwrap();
    assert_eq!(start.status(), 303);
    let pending = set_cookie(&start, "reposync_login").unwrap();
    assert!(
        pending.contains("Secure") && pending.contains("HttpOnly"),
        "{pending}"
    );
    assert!(start.headers()["location"]
        .to_str()
        .unwrap()
        .contains("redirect_uri=https%3A%2F%2Fci.example.test%2Flogin"));

    // Reached under another host name, /login first moves to the configured one.
    let moved = app.get("/login").await;
    assert_eq!(moved.status(), 303);
    assert_eq!(moved.headers()["location"], "https://ci.example.test/login");

    let plain = spawn_forge_app(&sim, ForgeKind::Github, None, |_| {}).await;
    let session = plain.sign_in("octocat").await;
    let cookie = cookie_pair(&session);
    let me = plain
        .client
        .get(format!("{}/api/user", plain.address))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    let out = plain
        .client
        .get(format!("{}/logout", plain.address))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 303);
    let after = plain
        .client
        .get(format!("{}/api/user", plain.address))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(
        after.status(),
        401,
        "the session ended at the server, not just in the browser"
    );
}

/// PKCE where the forge supports it: the challenge goes out, and the simulator (like the forge)
/// refuses a code presented without the matching verifier.
#[tokio::test]
async fn pkce_is_used_where_the_forge_supports_it() {
    let sim = Simulator::start().await.unwrap();
    populate(&sim);
    for (kind, pkce) in [
        (ForgeKind::Github, false),
        (ForgeKind::Gitea, true),
        (ForgeKind::Forgejo, true),
        (ForgeKind::Gitlab, true),
        (ForgeKind::Bitbucket, false),
        (ForgeKind::BitbucketDc, true),
    ] {
        let app = spawn_forge_app(&sim, kind, None, |_| {}).await;
        let start = app.get("/login").await;
        let location = start.headers()["location"].to_str().unwrap().to_string();
        assert_eq!(
            location.contains("code_challenge_method=S256"),
            pkce,
            "{kind:?}: {location}"
        );
    }
    let mut world = sim.world();
    let code = world.issue_code(
        "octocat",
        "http://x/login",
        Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"),
    );
    assert_eq!(world.redeem_code(&code, None, Some("wrong")), None);
    let code = world.issue_code(
        "octocat",
        "http://x/login",
        Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"),
    );
    assert_eq!(
        world
            .redeem_code(
                &code,
                None,
                Some("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
            )
            .as_deref(),
        Some("octocat"),
        "RFC 7636's example verifier"
    );
}
