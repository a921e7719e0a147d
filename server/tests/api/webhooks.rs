//! Webhook-driven sync: each forge's real, signed deliveries from the simulator, what they do to
//! the stored state, and every refusal; replays, events out of order, a burst of 1,000, a process
//! killed after the 202, the scheduled refresh, and registering the hook.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use server::{
    config::{ForgeKind, Secret},
    sim::{
        deliver::{render, SimEvent, WebhookTarget},
        Role, Simulator,
    },
};

use crate::helpers::{spawn_forge_app, TestApp};

const SECRET: &str = "webhook-secret-for-tests";

struct Scene {
    sim: Simulator,
    app: TestApp,
    token: String,
    kind: ForgeKind,
}

impl Scene {
    async fn new(kind: ForgeKind) -> Scene {
        let sim = Simulator::start().await.unwrap();
        {
            let mut world = sim.world();
            world.add_user("octocat");
            world.add_user("hubot");
            world.add_repo(
                "acme",
                "api",
                true,
                &[("octocat", Role::Admin), ("hubot", Role::Read)],
            );
            world.add_repo("acme", "web", true, &[("octocat", Role::Write)]);
        }
        let app = spawn_forge_app(&sim, kind, None, |c| {
            c.webhook_secret = Some(Secret::new(SECRET));
        })
        .await;
        let session = app.sign_in("octocat").await;
        let token = app.token_for(&session).await;
        let scene = Scene {
            sim,
            app,
            token,
            kind,
        };
        scene.list().await; // the first list waits for the first sync
        scene.sim.state.set_webhook(Some(scene.target()));
        scene
    }

    fn target(&self) -> WebhookTarget {
        WebhookTarget {
            url: format!("{}/hook", self.app.address),
            secret: SECRET.into(),
            forge: self.kind,
        }
    }

    async fn list(&self) -> Vec<String> {
        let repos: Vec<Value> = self
            .app
            .bearer(Method::GET, "/api/user/repos", &self.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        repos
            .iter()
            .map(|r| r["slug"].as_str().unwrap().to_string())
            .collect()
    }

    /// Waits until the list satisfies `check`, or fails after 10 s.
    async fn eventually(&self, what: &str, check: impl Fn(&[String]) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let list = self.list().await;
            if check(&list) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{:?}: {what}; list is {list:?}",
                self.kind
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits until the worker has applied every stored delivery.
    async fn settled(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.app.db.delivery_counts().await.unwrap().0 > 0 {
            assert!(Instant::now() < deadline, "deliveries still pending");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn sim_call(&self, method: Method, path: &str, body: Value) -> Value {
        let response = reqwest::Client::new()
            .request(method, format!("{}{path}", self.sim.url()))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.unwrap_or(Value::Null)
    }

    async fn webhook_syncs(&self) -> usize {
        let user = self.app.db.user_by_login("octocat").await.unwrap().unwrap();
        let runs = self
            .app
            .db
            .runs_for_user(user.user_id, 10_000)
            .await
            .unwrap();
        runs.iter().filter(|r| r.run_trigger == "webhook").count()
    }

    async fn post_hook(&self, headers: &[(String, String)], body: Vec<u8>) -> reqwest::Response {
        let mut request = self
            .app
            .client
            .post(format!("{}/hook", self.app.address))
            .body(body);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        request.send().await.unwrap()
    }
}

/// Created, renamed and deleted through the simulator's admin API, which delivers each forge's
/// real webhook (where that forge sends one).
async fn lifecycle(kind: ForgeKind, sends_create: bool, sends_rename: bool) {
    let scene = Scene::new(kind).await;
    let created = scene
        .sim_call(
            Method::POST,
            "/_sim/repos",
            json!({"owner": "acme", "name": "fresh", "access": {"octocat": "admin"}}),
        )
        .await;
    let id = created["id"].as_u64().unwrap();
    if sends_create {
        scene
            .eventually("the created repository appears", |l| {
                l.contains(&"acme/fresh".into())
            })
            .await;
    }
    // Renames: the row moves at once.
    let api_id = scene
        .sim
        .world()
        .repos
        .values()
        .find(|r| r.name == "api")
        .unwrap()
        .id;
    let api_uid = scene
        .app
        .db
        .repo_by_full_name("acme/api")
        .await
        .unwrap()
        .unwrap()
        .repo_uid;
    scene
        .sim_call(
            Method::PATCH,
            &format!("/_sim/repos/{api_id}"),
            json!({"name": "api-v2"}),
        )
        .await;
    if sends_rename {
        scene
            .eventually("the renamed repository moves", |l| {
                l.contains(&"acme/api-v2".into()) && !l.contains(&"acme/api".into())
            })
            .await;
        let stored = scene
            .app
            .db
            .repo_by_full_name("acme/api-v2")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.repo_uid, api_uid, "the same row, by forge id");
    }
    if sends_create {
        let fresh = scene
            .app
            .db
            .repo_by_full_name("acme/fresh")
            .await
            .unwrap()
            .unwrap();
        scene
            .sim_call(Method::DELETE, &format!("/_sim/repos/{id}"), Value::Null)
            .await;
        scene
            .eventually("the deleted repository goes", |l| {
                !l.contains(&"acme/fresh".into())
            })
            .await;
        assert_eq!(
            scene.app.db.perm_count(fresh.repo_id).await.unwrap(),
            0,
            "nobody keeps access"
        );
    }
    assert_eq!(scene.sim.counters().failed_deliveries, 0);
    scene.settled().await;
    let (pending, done, failed) = scene.app.db.delivery_counts().await.unwrap();
    assert_eq!((pending, failed), (0, 0), "{kind:?}: {done} done");
}

#[tokio::test]
async fn github_lifecycle() {
    lifecycle(ForgeKind::Github, true, true).await;
}

#[tokio::test]
async fn gitea_lifecycle() {
    lifecycle(ForgeKind::Gitea, true, false).await;
}

#[tokio::test]
async fn forgejo_lifecycle() {
    lifecycle(ForgeKind::Forgejo, true, false).await;
}

#[tokio::test]
async fn gitlab_lifecycle() {
    lifecycle(ForgeKind::Gitlab, true, true).await;
}

#[tokio::test]
async fn bitbucket_lifecycle() {
    lifecycle(ForgeKind::Bitbucket, true, true).await;
}

#[tokio::test]
async fn bitbucket_data_center_lifecycle() {
    lifecycle(ForgeKind::BitbucketDc, false, true).await;
}

/// A transfer to another owner moves the row by forge id, on every forge whose webhooks say so.
#[tokio::test]
async fn transfers_move_the_row_by_forge_id() {
    for kind in [
        ForgeKind::Github,
        ForgeKind::Gitlab,
        ForgeKind::Bitbucket,
        ForgeKind::BitbucketDc,
    ] {
        let scene = Scene::new(kind).await;
        let web = scene
            .sim
            .world()
            .repos
            .values()
            .find(|r| r.name == "web")
            .unwrap()
            .id;
        let uid = scene
            .app
            .db
            .repo_by_full_name("acme/web")
            .await
            .unwrap()
            .unwrap()
            .repo_uid;
        // A forge too slow for the follow-up sync to be what moves it: the event itself must.
        scene.sim.faults().latency = Duration::from_secs(3);
        scene
            .sim_call(
                Method::PATCH,
                &format!("/_sim/repos/{web}"),
                json!({"owner": "octocat"}),
            )
            .await;
        let deadline = Instant::now() + Duration::from_secs(1);
        while scene
            .app
            .db
            .repo_by_full_name("octocat/web")
            .await
            .unwrap()
            .is_none()
        {
            assert!(Instant::now() < deadline, "{kind:?}: not moved at once");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        scene.sim.faults().latency = Duration::ZERO;
        scene
            .eventually("the transferred repository moves", |l| {
                l.contains(&"octocat/web".into()) && !l.contains(&"acme/web".into())
            })
            .await;
        let moved = scene
            .app
            .db
            .repo_by_full_name("octocat/web")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(moved.repo_uid, uid, "{kind:?}: the same row");
        assert_eq!(moved.repo_namespace, "octocat");
    }
}

#[tokio::test]
async fn github_archive_and_visibility_apply_at_once() {
    let scene = Scene::new(ForgeKind::Github).await;
    let web = scene
        .sim
        .world()
        .repos
        .values()
        .find(|r| r.name == "web")
        .unwrap()
        .id;
    scene
        .sim_call(
            Method::PATCH,
            &format!("/_sim/repos/{web}"),
            json!({"archived": true, "private": false}),
        )
        .await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let repo = scene
            .app
            .db
            .repo_by_uid(&web.to_string())
            .await
            .unwrap()
            .unwrap();
        if repo.repo_archived && repo.repo_visibility == "public" {
            break;
        }
        assert!(Instant::now() < deadline, "{repo:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn bad_deliveries_are_refused_and_change_nothing() {
    let scene = Scene::new(ForgeKind::Github).await;
    let repo = scene.sim.world().repos.values().next().unwrap().clone();
    let good = render(&scene.target(), &SimEvent::Created(repo.clone()), "d-1").unwrap();
    let strip = |name: &str| -> Vec<(String, String)> {
        good.headers
            .iter()
            .filter(|(k, _)| k != name)
            .cloned()
            .collect()
    };
    let resign = |secret: &str| -> Vec<(String, String)> {
        let target = WebhookTarget {
            secret: secret.into(),
            ..scene.target()
        };
        render(&target, &SimEvent::Created(repo.clone()), "d-1")
            .unwrap()
            .headers
    };
    for (headers, body, status) in [
        (
            strip("x-hub-signature-256"),
            good.body.clone(),
            StatusCode::UNAUTHORIZED,
        ),
        (
            resign("another-secret"),
            good.body.clone(),
            StatusCode::UNAUTHORIZED,
        ),
        (
            good.headers.clone(),
            [good.body.clone(), b" ".to_vec()].concat(),
            StatusCode::UNAUTHORIZED,
        ),
        (
            good.headers.clone(),
            vec![b'x'; 2 * 1024 * 1024],
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
    ] {
        let response = scene.post_hook(&headers, body).await;
        assert_eq!(response.status(), status);
        let body: Value = response.json().await.unwrap_or(Value::Null);
        assert!(body.is_null() || body["message"].is_string(), "{body}");
    }
    // Correctly signed, but not JSON.
    let target = scene.target();
    let junk = b"{not json".to_vec();
    let signature = server::forge::webhook::sign(&junk, &target.secret);
    let headers = vec![
        ("x-github-event".to_string(), "repository".to_string()),
        ("x-github-delivery".to_string(), "d-junk".to_string()),
        (
            "x-hub-signature-256".to_string(),
            format!("sha256={signature}"),
        ),
    ];
    assert_eq!(
        scene.post_hook(&headers, junk).await.status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        scene.app.db.delivery_counts().await.unwrap(),
        (0, 0, 0),
        "nothing was stored"
    );

    // A server without a webhook secret refuses every delivery.
    let unconfigured = spawn_forge_app(&scene.sim, ForgeKind::Github, None, |_| {}).await;
    let response = unconfigured
        .client
        .post(format!("{}/hook", unconfigured.address))
        .body(good.body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn replays_are_harmless_and_out_of_order_events_end_in_the_forges_state() {
    let scene = Scene::new(ForgeKind::Github).await;
    let target = scene.target();
    // A repository that was created and deleted before either event arrived; the events come
    // in the wrong order.
    let gone = {
        let mut world = scene.sim.world();
        let id = world.add_repo("acme", "short-lived", false, &[("octocat", Role::Admin)]);
        world.repos.remove(&id).unwrap()
    };
    let deleted = render(&target, &SimEvent::Deleted(gone.clone()), "d-del").unwrap();
    let created = render(&target, &SimEvent::Created(gone.clone()), "d-new").unwrap();
    for delivery in [&deleted, &created, &created, &deleted] {
        let response = scene
            .post_hook(&delivery.headers, delivery.body.clone())
            .await;
        assert_eq!(response.status(), StatusCode::ACCEPTED);
    }
    let replayed: Value = scene
        .post_hook(&created.headers, created.body.clone())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(replayed["message"], "already received");
    scene.settled().await;
    assert_eq!(
        scene.app.db.delivery_counts().await.unwrap(),
        (0, 2, 0),
        "two deliveries, stored once each"
    );
    assert!(!scene.list().await.contains(&"acme/short-lived".to_string()));
    assert_eq!(scene.list().await, ["acme/api", "acme/web"]);
}

#[tokio::test]
async fn a_burst_of_1000_creations_is_coalesced_into_few_syncs() {
    let scene = Scene::new(ForgeKind::Github).await;
    let target = scene.target();
    let mut deliveries = Vec::new();
    {
        let mut world = scene.sim.world();
        for i in 0..1000 {
            let id = world.add_repo(
                "acme",
                &format!("burst-{i:04}"),
                false,
                &[("octocat", Role::Read)],
            );
            let repo = world.repos[&id].clone();
            deliveries
                .push(render(&target, &SimEvent::Created(repo), &format!("burst-{i}")).unwrap());
        }
    }
    let before = scene.webhook_syncs().await;
    let started = Instant::now();
    let client = &scene.app.client;
    let url = format!("{}/hook", scene.app.address);
    futures::future::join_all(deliveries.into_iter().map(|d| {
        let mut request = client.post(&url).body(d.body);
        for (name, value) in d.headers {
            request = request.header(name, value);
        }
        async move {
            assert_eq!(request.send().await.unwrap().status(), StatusCode::ACCEPTED);
        }
    }))
    .await;
    scene
        .eventually("all 1,000 appear", |l| l.len() == 1002)
        .await;
    let syncs = scene.webhook_syncs().await - before;
    assert!(
        (1..=20).contains(&syncs),
        "1,000 events became {syncs} syncs"
    );
    eprintln!(
        "1,000 creations: {syncs} syncs, all visible after {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn the_scheduled_refresh_syncs_users_whose_list_is_old() {
    let scene = Scene::new(ForgeKind::Github).await;
    scene
        .sim
        .world()
        .add_repo("acme", "unannounced", false, &[("octocat", Role::Read)]);
    // No webhook says so; only a schedule finds it.
    let schedule =
        server::sync::schedule::start(scene.app.services.engine.clone(), Duration::from_secs(2));
    scene
        .eventually("the schedule syncs", |l| {
            l.contains(&"acme/unannounced".to_string())
        })
        .await;
    schedule.abort();
    let user = scene
        .app
        .db
        .user_by_login("octocat")
        .await
        .unwrap()
        .unwrap();
    let runs = scene.app.db.runs_for_user(user.user_id, 10).await.unwrap();
    assert!(runs.iter().any(|r| r.run_trigger == "scheduled"));
}

#[tokio::test]
async fn the_scheduled_refresh_pauses_while_the_forge_rate_limits() {
    let scene = Scene::new(ForgeKind::Github).await;
    scene.sim.faults().proxy_429_next = 1;
    scene.sim.faults().proxy_retry_after_s = 600;
    let schedule =
        server::sync::schedule::start(scene.app.services.engine.clone(), Duration::from_secs(2));
    let user = scene
        .app
        .db
        .user_by_login("octocat")
        .await
        .unwrap()
        .unwrap();
    let scheduled = || async {
        let runs = scene.app.db.runs_for_user(user.user_id, 100).await.unwrap();
        runs.into_iter()
            .filter(|r| r.run_trigger == "scheduled")
            .collect::<Vec<_>>()
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while scheduled().await.is_empty() {
        assert!(Instant::now() < deadline, "no scheduled sync");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The forge would answer now, and the user is still due every tick: only the pause keeps
    // the schedule away until the limit resets.
    tokio::time::sleep(Duration::from_secs(4)).await;
    schedule.abort();
    let runs = scheduled().await;
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0].run_failure, "rate_limited");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hooks_install_creates_the_org_webhook_or_explains_how() {
    let sim = Simulator::start().await.unwrap();
    let token = sim.world().add_user("octocat");
    sim.world()
        .add_repo("acme", "api", false, &[("octocat", Role::Admin)]);
    let bin = env!("CARGO_BIN_EXE_reposync");
    let data = tempfile::tempdir().unwrap();
    let run = |forge: &str, forge_url: String| {
        let mut command = std::process::Command::new(bin);
        command
            .args(["hooks", "install", "--org", "acme"])
            .env("REPOSYNC_DATA_DIR", data.path())
            .env("REPOSYNC_FORGE", forge)
            .env("REPOSYNC_FORGE_URL", forge_url)
            .env("REPOSYNC_SERVER_URL", "https://ci.example.test")
            .env("REPOSYNC_WEBHOOK_SECRET", SECRET)
            .env("REPOSYNC_FORGE_TOKEN", &token)
            .env_remove("REPOSYNC_DATABASE_URL");
        command.output().unwrap()
    };
    for forge in ["github", "gitea"] {
        sim.state.set_webhook(None);
        let output = run(forge, sim.url());
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{forge}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            stdout.contains("created the") && stdout.contains("https://ci.example.test/hook"),
            "{stdout}"
        );
    }
    for forge in ["gitlab", "bitbucket", "bitbucket-dc", "gogs"] {
        let output = run(forge, sim.url());
        assert!(output.status.success(), "{forge}");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            stdout.contains("acme") && !stdout.contains("created the"),
            "{forge}: {stdout}"
        );
    }
    // Not an owner of the organisation: the forge says no, and so does the command.
    let output = {
        let mut command = std::process::Command::new(bin);
        command
            .args(["hooks", "install", "--org", "someone-else"])
            .env("REPOSYNC_DATA_DIR", data.path())
            .env("REPOSYNC_FORGE", "github")
            .env("REPOSYNC_FORGE_URL", sim.url())
            .env("REPOSYNC_WEBHOOK_SECRET", SECRET)
            .env("REPOSYNC_FORGE_TOKEN", &token);
        command.output().unwrap()
    };
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("404"));
}
