//! The Drone-compatible REST API: objects with Drone's field names, the sync flags, lazy sync,
//! the error statuses, and every refusal — each refused request changing nothing.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::Value;
use server::{config::ForgeKind, sim::Role, sim::Simulator};

use crate::helpers::{cookie_pair, fresh_postgres_database, spawn_forge_app, TestApp};

/// A signed-in user with a token, on a GitHub simulator with two users.
struct Scene {
    sim: Simulator,
    app: TestApp,
    session: String,
    token: String,
}

impl Scene {
    async fn new(database_url: Option<String>) -> Scene {
        Self::with(database_url, |_| {}).await
    }

    async fn with(
        database_url: Option<String>,
        tweak: impl FnOnce(&mut server::config::Config),
    ) -> Scene {
        let sim = Simulator::start().await.unwrap();
        {
            let mut world = sim.world();
            world.add_user("octocat");
            world.add_user("hubot");
            world.add_repo("acme", "api", true, &[("octocat", Role::Admin)]);
            world.add_repo("acme", "web", false, &[("octocat", Role::Write)]);
            world.add_repo(
                "foo",
                "bar",
                true,
                &[("octocat", Role::Read), ("hubot", Role::Admin)],
            );
            world.add_repo("hubot", "secret", true, &[("hubot", Role::Admin)]);
        }
        let app = spawn_forge_app(&sim, ForgeKind::Github, database_url, tweak).await;
        let session = app.sign_in("octocat").await;
        let token = app.token_for(&session).await;
        Scene {
            sim,
            app,
            session,
            token,
        }
    }

    async fn call(&self, method: Method, path: &str) -> reqwest::Response {
        self.app
            .bearer(method, path, &self.token)
            .send()
            .await
            .unwrap()
    }

    async fn json(&self, method: Method, path: &str) -> Value {
        let response = self.call(method, path).await;
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.unwrap()
    }

    async fn runs(&self) -> usize {
        let user = self.app.db.user_by_login("octocat").await.unwrap().unwrap();
        self.app
            .db
            .runs_for_user(user.user_id, 1000)
            .await
            .unwrap()
            .len()
    }
}

fn keys(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    keys
}

async fn drone_objects_and_flags(scene: Scene) {
    // The first list waits for the first sync.
    let repos = scene.json(Method::GET, "/api/user/repos").await;
    let repos = repos.as_array().unwrap();
    assert_eq!(repos.len(), 3);
    let mut expected = [
        "active",
        "archived",
        "created",
        "default_branch",
        "git_http_url",
        "git_ssh_url",
        "id",
        "link",
        "name",
        "namespace",
        "permissions",
        "private",
        "scm",
        "slug",
        "synced",
        "uid",
        "updated",
        "user_id",
        "version",
        "visibility",
    ]
    .map(String::from)
    .to_vec();
    expected.sort();
    assert_eq!(keys(&repos[0]), expected);
    let api = &repos[0];
    assert_eq!(api["slug"], "acme/api");
    assert_eq!(api["namespace"], "acme");
    assert_eq!(api["name"], "api");
    assert_eq!(api["scm"], "git");
    assert_eq!(api["private"], true);
    assert_eq!(api["visibility"], "private");
    assert_eq!(
        api["permissions"],
        serde_json::json!({"pull": true, "push": true, "admin": true})
    );
    assert!(api["uid"].as_str().unwrap().parse::<u64>().is_ok());

    let me = scene.json(Method::GET, "/api/user").await;
    let mut user_keys = [
        "active",
        "admin",
        "avatar",
        "created",
        "email",
        "id",
        "last_login",
        "login",
        "machine",
        "reauth",
        "synced",
        "syncing",
        "updated",
    ]
    .map(String::from)
    .to_vec();
    user_keys.sort();
    assert_eq!(keys(&me), user_keys);
    assert_eq!(me["login"], "octocat");
    assert_eq!(me["email"], "octocat@example.test");
    assert!(me["synced"].as_i64().unwrap() > 0);
    assert_eq!(me["syncing"], false);

    // A repository appears at the forge: a plain GET does not sync (the list is fresh)…
    scene
        .sim
        .world()
        .add_repo("acme", "new", false, &[("octocat", Role::Write)]);
    assert_eq!(
        scene
            .json(Method::GET, "/api/user/repos")
            .await
            .as_array()
            .unwrap()
            .len(),
        3
    );
    // …`flush=true` does (Drone 0.8), and so does a POST (Drone 1.x).
    assert_eq!(
        scene
            .json(Method::GET, "/api/user/repos?flush=true")
            .await
            .as_array()
            .unwrap()
            .len(),
        4
    );
    scene
        .sim
        .world()
        .add_repo("acme", "newer", false, &[("octocat", Role::Read)]);
    assert_eq!(
        scene
            .json(Method::POST, "/api/user/repos?all=true&flush=true")
            .await
            .as_array()
            .unwrap()
            .len(),
        5
    );

    // `async=true` answers at once and syncs in the background.
    scene
        .sim
        .world()
        .add_repo("acme", "newest", false, &[("octocat", Role::Read)]);
    let started = scene.call(Method::POST, "/api/user/repos?async=true").await;
    assert_eq!(started.status(), StatusCode::NO_CONTENT);
    let mut seen = 0;
    for _ in 0..100 {
        seen = scene
            .json(Method::GET, "/api/user/repos")
            .await
            .as_array()
            .unwrap()
            .len();
        if seen == 6 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(seen, 6, "the background sync landed");

    // One repository: visible, or 404 whether it exists or not.
    let bar = scene.json(Method::GET, "/api/repos/foo/bar").await;
    assert_eq!(
        bar["permissions"],
        serde_json::json!({"pull": true, "push": false, "admin": false})
    );
    for hidden in ["/api/repos/hubot/secret", "/api/repos/no/such"] {
        let response = scene.call(Method::GET, hidden).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{hidden}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["message"], "not found", "the same answer either way");
    }

    // The engine's record of every sync.
    let syncs = scene.json(Method::GET, "/api/user/syncs").await;
    let syncs = syncs.as_array().unwrap();
    let triggers: Vec<&str> = syncs
        .iter()
        .map(|s| s["trigger"].as_str().unwrap())
        .collect();
    assert_eq!(triggers, ["api_async", "api_flush", "api_flush", "lazy"]);
    assert!(syncs.iter().all(|s| s["outcome"] == "success"));
    assert_eq!(syncs[3]["added"], 3);
}

#[tokio::test]
async fn drone_objects_and_flags_sqlite() {
    drone_objects_and_flags(Scene::new(None).await).await;
}

#[tokio::test]
async fn drone_objects_and_flags_postgres() {
    if let Some(url) = fresh_postgres_database().await {
        drone_objects_and_flags(Scene::new(Some(url)).await).await;
    }
}

/// The list's `ETag` and `304`s, and the kept body following every change: one made by another
/// process on the same database, a sync, and another user's list never served for this one.
async fn the_list_is_kept_until_the_data_changes(scene: Scene, database_url: Option<String>) {
    let get = |tag: Option<&str>| {
        let mut request = scene
            .app
            .bearer(Method::GET, "/api/user/repos", &scene.token);
        if let Some(tag) = tag {
            request = request.header("if-none-match", tag);
        }
        request.send()
    };
    let first = get(None).await.unwrap();
    assert_eq!(first.status(), 200);
    assert_eq!(first.headers()["cache-control"], "private, no-cache");
    assert_eq!(first.headers()["content-type"], "application/json");
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    let repos: Value = first.json().await.unwrap();
    assert_eq!(repos.as_array().unwrap().len(), 3);
    assert_eq!(scene.app.services.lists.len(), 1, "the body is kept");

    for tag in [
        etag.clone(),
        format!("W/{etag}"),
        format!("\"other\", {etag}"),
        "*".to_owned(),
    ] {
        let response = get(Some(&tag)).await.unwrap();
        assert_eq!(response.status(), 304, "If-None-Match: {tag}");
        assert_eq!(response.headers()["etag"].to_str().unwrap(), etag);
        assert!(response.bytes().await.unwrap().is_empty());
    }
    for tag in ["\"other\"", "no quotes", ""] {
        assert_eq!(
            get(Some(tag)).await.unwrap().status(),
            200,
            "If-None-Match: {tag}"
        );
    }

    // Another process renames a repository in the same database: the next answer shows it.
    let other = server::store::Database::connect(
        &server::store::DatabaseUrl::resolve(database_url.as_deref(), scene.app.data_dir.path())
            .unwrap(),
    )
    .await
    .unwrap();
    let uid = repos[0]["uid"].as_str().unwrap();
    assert!(other.rename_repo(uid, "acme/renamed").await.unwrap());
    let after = get(Some(&etag)).await.unwrap();
    assert_eq!(after.status(), 200, "the old ETag no longer matches");
    let renamed_etag = after.headers()["etag"].to_str().unwrap().to_owned();
    assert_ne!(renamed_etag, etag);
    let after: Value = after.json().await.unwrap();
    assert!(
        after
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["slug"] == "acme/renamed"),
        "{after}"
    );

    // A sync that adds a repository.
    scene
        .sim
        .world()
        .add_repo("acme", "new", false, &[("octocat", Role::Write)]);
    let synced = scene.call(Method::POST, "/api/user/repos").await;
    let synced_etag = synced.headers()["etag"].to_str().unwrap().to_owned();
    assert_ne!(synced_etag, renamed_etag);
    assert_eq!(
        synced
            .json::<Value>()
            .await
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        4
    );
    assert_eq!(get(Some(&synced_etag)).await.unwrap().status(), 304);

    // Another user gets their own list, never this one's kept body.
    let hubot = scene.app.sign_in("hubot").await;
    let hubot = scene.app.token_for(&hubot).await;
    let theirs = scene
        .app
        .bearer(Method::GET, "/api/user/repos", &hubot)
        .header("if-none-match", &synced_etag)
        .send()
        .await
        .unwrap();
    assert_eq!(theirs.status(), 200, "an ETag is one user's");
    let slugs: Vec<Value> = theirs
        .json::<Vec<Value>>()
        .await
        .unwrap()
        .into_iter()
        .map(|r| r["slug"].clone())
        .collect();
    assert_eq!(slugs, ["foo/bar", "hubot/secret"]);
}

#[tokio::test]
async fn the_list_is_kept_until_the_data_changes_sqlite() {
    the_list_is_kept_until_the_data_changes(Scene::new(None).await, None).await;
}

#[tokio::test]
async fn the_list_is_kept_until_the_data_changes_postgres() {
    if let Some(url) = fresh_postgres_database().await {
        let scene = Scene::new(Some(url.clone())).await;
        the_list_is_kept_until_the_data_changes(scene, Some(url)).await;
    }
}

#[tokio::test]
async fn a_stale_list_is_answered_at_once_and_refreshed_behind() {
    let scene = Scene::with(None, |c| c.sync_stale_after = Duration::from_secs(1)).await;
    assert_eq!(
        scene
            .json(Method::GET, "/api/user/repos")
            .await
            .as_array()
            .unwrap()
            .len(),
        3
    );
    tokio::time::sleep(Duration::from_millis(2100)).await;
    scene
        .sim
        .world()
        .add_repo("acme", "new", false, &[("octocat", Role::Write)]);
    scene.sim.faults().latency = Duration::from_millis(300);
    let answered = std::time::Instant::now();
    let stale = scene.json(Method::GET, "/api/user/repos").await;
    assert!(
        answered.elapsed() < Duration::from_millis(300),
        "answered without waiting for the forge"
    );
    assert_eq!(
        stale.as_array().unwrap().len(),
        3,
        "the stored list, at once"
    );
    assert_eq!(scene.json(Method::GET, "/api/user").await["syncing"], true);
    let mut fresh = 0;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        fresh = scene
            .json(Method::GET, "/api/user/repos")
            .await
            .as_array()
            .unwrap()
            .len();
        if fresh == 4 {
            break;
        }
    }
    assert_eq!(fresh, 4);
}

#[tokio::test]
async fn forge_failures_have_their_own_statuses_and_change_nothing() {
    let scene = Scene::new(None).await;
    let before = scene.json(Method::GET, "/api/user/repos").await;
    scene
        .sim
        .world()
        .add_repo("acme", "new", false, &[("octocat", Role::Write)]);

    scene.sim.faults().fail_next = 10;
    let failed = scene.call(Method::POST, "/api/user/repos").await;
    assert_eq!(failed.status(), StatusCode::BAD_GATEWAY);
    let body: Value = failed.json().await.unwrap();
    assert_eq!(body["code"], "forge_error");
    scene.sim.faults().fail_next = 0;

    scene.sim.faults().proxy_429_next = 1;
    scene.sim.faults().proxy_retry_after_s = 120;
    let limited = scene.call(Method::POST, "/api/user/repos").await;
    assert_eq!(limited.status(), StatusCode::SERVICE_UNAVAILABLE);
    let retry: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((100..=122).contains(&retry), "{retry}");
    assert_eq!(
        limited.json::<Value>().await.unwrap()["code"],
        "forge_rate_limited"
    );

    scene.sim.world().revoke_tokens("octocat");
    let expired = scene.call(Method::GET, "/api/user/repos?flush=true").await;
    assert_eq!(expired.status(), StatusCode::CONFLICT);
    let body: Value = expired.json().await.unwrap();
    assert_eq!(body["code"], "forge_login_expired");
    assert!(body["message"].as_str().unwrap().contains("sign in again"));
    assert_eq!(scene.json(Method::GET, "/api/user").await["reauth"], true);

    // Nothing changed but the run records; the list is as it was.
    assert_eq!(scene.json(Method::GET, "/api/user/repos").await, before);
    // Signing in again clears it.
    scene.app.sign_in("octocat").await;
    assert_eq!(scene.json(Method::GET, "/api/user").await["reauth"], false);
    assert_eq!(
        scene
            .json(Method::POST, "/api/user/repos")
            .await
            .as_array()
            .unwrap()
            .len(),
        4
    );
}

#[tokio::test]
async fn refused_requests_change_nothing() {
    let scene = Scene::new(None).await;
    scene.json(Method::GET, "/api/user/repos").await;
    let runs = scene.runs().await;
    let tokens = scene
        .json(Method::GET, "/api/user/tokens")
        .await
        .as_array()
        .unwrap()
        .len();
    let url = |path: &str| format!("{}{path}", scene.app.address);
    let client = &scene.app.client;

    // Missing, malformed and unknown credentials.
    let attempts = [
        client.post(url("/api/user/repos")),
        client
            .post(url("/api/user/repos"))
            .header("authorization", "Bearer"),
        client
            .post(url("/api/user/repos"))
            .header("authorization", "Basic b2N0b2NhdDpwdw=="),
        client
            .post(url("/api/user/repos"))
            .header("authorization", format!("Token {}", scene.token)),
        client
            .post(url("/api/user/repos"))
            .bearer_auth("rs_not-a-token"),
        client.post(url("/api/user/repos?access_token=rs_not-a-token")),
        // A bad header is not rescued by a good cookie.
        client
            .post(url("/api/user/repos"))
            .header("authorization", "Bearer nope")
            .header("cookie", cookie_pair(&scene.session))
            .header("sec-fetch-site", "same-origin"),
    ];
    for attempt in attempts {
        let response = attempt.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "unauthorized");
    }

    // `?access_token=` works like the header.
    let via_query = client
        .get(url(&format!("/api/user?access_token={}", scene.token)))
        .send()
        .await
        .unwrap();
    assert_eq!(via_query.status(), StatusCode::OK);

    // Malformed flags: 400 naming the flag, before anything runs.
    for bad in [
        "/api/user/repos?flush=maybe",
        "/api/user/repos?all=yes",
        "/api/user/repos?async=2",
    ] {
        let response = scene.call(Method::POST, bad).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad}");
        let message = response.json::<Value>().await.unwrap()["message"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(message.contains("must be true or false"), "{message}");
    }
    let response = scene.call(Method::GET, "/api/user/repos?flush=maybe").await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let response = scene.call(Method::DELETE, "/api/user/tokens/abc").await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let response = scene
        .call(
            Method::POST,
            &format!("/api/user/token?label={}", "x".repeat(101)),
        )
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    // Cross-site requests riding on the session cookie.
    let cookie = cookie_pair(&scene.session);
    for (name, value) in [
        ("sec-fetch-site", "cross-site"),
        ("sec-fetch-site", "same-site"),
        ("origin", "https://evil.example"),
    ] {
        for path in ["/api/user/repos", "/api/user/token", "/rpc/synchronize"] {
            let response = client
                .post(url(path))
                .header("cookie", &cookie)
                .header(name, value)
                .send()
                .await
                .unwrap();
            assert_eq!(
                response.status(),
                StatusCode::FORBIDDEN,
                "{path} with {name}: {value}"
            );
        }
    }
    let bare = client
        .post(url("/api/user/token"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(
        bare.status(),
        StatusCode::FORBIDDEN,
        "no Origin and no Sec-Fetch-Site"
    );
    // The same cookie from our own pages is fine.
    let same = client
        .get(url("/api/user"))
        .header("cookie", &cookie)
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(same.status(), StatusCode::OK, "reads are not state changes");

    assert_eq!(
        scene.runs().await,
        runs,
        "no refused request started a sync"
    );
    assert_eq!(
        scene
            .json(Method::GET, "/api/user/tokens")
            .await
            .as_array()
            .unwrap()
            .len(),
        tokens
    );
}

#[tokio::test]
async fn tokens_are_several_listed_revoked_and_per_user() {
    let scene = Scene::new(None).await;
    let second: Value = scene.json(Method::POST, "/api/user/token?label=ci").await;
    let second_token = second["token"].as_str().unwrap().to_string();
    assert_ne!(second_token, scene.token);
    let listed = scene.json(Method::GET, "/api/user/tokens").await;
    let listed = listed.as_array().unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[1]["label"], "ci");
    assert_eq!(listed[1]["prefix"], &second_token[..8]);
    assert!(
        !listed.iter().any(|t| t.to_string().contains(&second_token)),
        "never shown again"
    );

    // Stored hashed: the database does not hold the token.
    let hashes: Vec<String> = match &scene.app.db {
        server::store::Database::Sqlite(pool) => {
            sqlx::query_scalar("SELECT token_hash FROM api_tokens")
                .fetch_all(pool)
                .await
                .unwrap()
        }
        server::store::Database::Postgres(_) => unreachable!(),
    };
    assert!(!hashes.iter().any(|h| h.contains(&second_token[3..])));

    // Another user's token reaches only that user; nobody can revoke another's token.
    let hubot_session = scene.app.sign_in("hubot").await;
    let hubot = scene.app.token_for(&hubot_session).await;
    let theirs: Value = scene
        .app
        .bearer(Method::GET, "/api/user", &hubot)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(theirs["login"], "hubot");
    let first_id = listed[0]["id"].as_i64().unwrap();
    let response = scene
        .app
        .bearer(
            Method::DELETE,
            &format!("/api/user/tokens/{first_id}"),
            &hubot,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        scene.call(Method::GET, "/api/user").await.status(),
        StatusCode::OK
    );

    // Revoked: refused from then on.
    let second_id = second["id"].as_i64().unwrap();
    let response = scene
        .call(Method::DELETE, &format!("/api/user/tokens/{second_id}"))
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let response = scene
        .app
        .bearer(Method::GET, "/api/user", &second_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        scene.call(Method::GET, "/api/user").await.status(),
        StatusCode::OK,
        "the other token lives"
    );
}

#[tokio::test]
async fn administrators_manage_users_and_machine_accounts() {
    let scene = Scene::with(None, |c| {
        c.user_create = Some(server::config::Secret::new(
            "login:root,admin:true,token:root-token-0123456789",
        ));
    })
    .await;
    let admin = "root-token-0123456789";
    let call = |method: Method, path: &str| scene.app.bearer(method, path, admin);

    // Not for ordinary users.
    assert_eq!(
        scene.call(Method::GET, "/api/users").await.status(),
        StatusCode::FORBIDDEN
    );
    let response = scene
        .app
        .bearer(Method::POST, "/api/users", &scene.token)
        .json(&serde_json::json!({"login": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    let users: Value = call(Method::GET, "/api/users")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let logins: Vec<&str> = users
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["login"].as_str().unwrap())
        .collect();
    assert_eq!(logins, ["octocat", "root"]);

    // A machine account comes with its token, which works at once.
    let created = call(Method::POST, "/api/users")
        .json(&serde_json::json!({"login": "ci-bot", "machine": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::OK);
    let created: Value = created.json().await.unwrap();
    assert_eq!(created["machine"], true);
    let bot_token = created["token"].as_str().unwrap();
    let me: Value = scene
        .app
        .bearer(Method::GET, "/api/user", bot_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["login"], "ci-bot");
    // It has no forge login: a sync says so plainly.
    let sync = scene
        .app
        .bearer(Method::POST, "/api/user/repos", bot_token)
        .send()
        .await
        .unwrap();
    assert_eq!(sync.status(), StatusCode::CONFLICT);
    assert_eq!(
        sync.json::<Value>().await.unwrap()["code"],
        "forge_login_required"
    );

    // Bad bodies and duplicates.
    for (body, status) in [
        (serde_json::json!({"login": "ci-bot"}), StatusCode::CONFLICT),
        (
            serde_json::json!({"login": "../x"}),
            StatusCode::BAD_REQUEST,
        ),
        (
            serde_json::json!({"login": "y", "role": "admin"}),
            StatusCode::BAD_REQUEST,
        ),
        (serde_json::json!({"name": "y"}), StatusCode::BAD_REQUEST),
    ] {
        let response = call(Method::POST, "/api/users")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), status, "{body}");
    }
    let response = call(Method::POST, "/api/users")
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    // Flags, deactivation (which locks the account out), deletion.
    let patched: Value = call(Method::PATCH, "/api/users/octocat")
        .json(&serde_json::json!({"admin": true}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(patched["admin"], true);
    let response = call(Method::PATCH, "/api/users/root")
        .json(&serde_json::json!({"admin": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::BAD_REQUEST,
        "no self-demotion"
    );
    call(Method::PATCH, "/api/users/ci-bot")
        .json(&serde_json::json!({"active": false}))
        .send()
        .await
        .unwrap();
    let locked = scene
        .app
        .bearer(Method::GET, "/api/user", bot_token)
        .send()
        .await
        .unwrap();
    assert_eq!(locked.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        call(Method::DELETE, "/api/users/ci-bot")
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        call(Method::GET, "/api/users/ci-bot")
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        call(Method::DELETE, "/api/users/root")
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::BAD_REQUEST
    );
    assert!(scene.app.db.user_by_login("root").await.unwrap().is_some());
}

#[tokio::test]
async fn the_openapi_document_describes_every_route() {
    let scene = Scene::new(None).await;
    let doc = scene.app.get("/api/openapi.json").await;
    assert_eq!(doc.status(), StatusCode::OK);
    let doc: Value = doc.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for (path, methods) in [
        ("/api/user", &["get"][..]),
        ("/api/user/repos", &["get", "post"]),
        ("/api/user/syncs", &["get"]),
        ("/api/user/token", &["post"]),
        ("/api/user/tokens", &["get"]),
        ("/api/user/tokens/{id}", &["delete"]),
        ("/api/repos/{owner}/{name}", &["get"]),
        ("/api/users", &["get", "post"]),
        ("/api/users/{login}", &["get", "patch", "delete"]),
    ] {
        for method in methods {
            assert!(
                paths[path].get(*method).is_some(),
                "{method} {path} is described"
            );
        }
    }
    assert!(doc["components"]["schemas"]["RepoJson"]["properties"]["permissions"].is_object());
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    // Unknown API paths are JSON 404s, not the app's HTML page.
    let missing = scene.call(Method::GET, "/api/nope").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(missing.json::<Value>().await.unwrap()["code"], "not_found");
}
