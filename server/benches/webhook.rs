//! The time from a forge's webhook delivery to the new repository being visible in
//! `GET /api/user/repos`: the real server (in this process, on SQLite) and the simulator over
//! loopback, the simulator delivering its signed GitHub `repository` event as it creates the
//! repository, and the API polled every 2 ms until the repository is listed.
//!
//! `cargo bench -p server --bench webhook` prints p50, p90 and the maximum over 30 deliveries, for
//! accounts of 100 and 1,000 repositories. Results are recorded in BENCHMARKS.md.

use std::time::{Duration, Instant};

use server::{
    config::{Config, ForgeKind, Interval, Secret},
    sim::{deliver::WebhookTarget, Simulator},
    startup::Application,
    store::{secrets::Secrets, users::NewUser},
    sync::Trigger,
};

const DELIVERIES: usize = 30;
const SECRET: &str = "bench-webhook-secret";
const SERVER_KEY: &str = "bench-server-key-0123456789abcdef0123";

fn config(data_dir: &std::path::Path, sim: &Simulator) -> Config {
    Config {
        addr: "127.0.0.1:0".parse().unwrap(),
        server_url: None,
        data_dir: data_dir.to_path_buf(),
        database_url: None,
        log: "warn".parse().unwrap(),
        forge: Some(ForgeKind::Github),
        forge_url: Some(sim.url().parse().unwrap()),
        forge_api_url: None,
        forge_concurrency: 4,
        forge_rate_wait: Duration::from_secs(60),
        secret: Some(Secret::new(SERVER_KEY)),
        oauth_client_id: None,
        oauth_client_secret: None,
        sync_stale_after: Duration::from_secs(72 * 3600),
        sync_lease_ttl: Duration::from_secs(60),
        repo_filter: None,
        user_create: None,
        session_ttl: Duration::from_secs(3600),
        demo_forge_addr: "127.0.0.1:0".parse().unwrap(),
        bench_ceiling: None,
        webhook_secret: Some(Secret::new(SECRET)),
        sync_interval: Interval(None),
    }
}

async fn run(repos: usize) {
    let sim = Simulator::start().await.unwrap();
    let forge_token = sim.world().add_user("bench");
    sim.world().seed("bench", 10, repos);
    let data = tempfile::tempdir().unwrap();
    let app = Application::build(&config(data.path(), &sim))
        .await
        .unwrap();
    let address = format!("http://{}", app.local_addr());
    let services = app.services().clone();
    let db = app.database().clone();
    tokio::spawn(app.run_until(std::future::pending()));

    let sealed = Secrets::load(Some(SERVER_KEY), data.path())
        .unwrap()
        .seal(&forge_token);
    let user = db
        .create_user(&NewUser {
            login: "bench".into(),
            token: Some(sealed),
            ..NewUser::default()
        })
        .await
        .unwrap();
    services
        .engine
        .sync(user.user_id, Trigger::Cli)
        .await
        .unwrap();
    let (token, _) = services
        .accounts
        .issue_token(user.user_id, "bench")
        .await
        .unwrap();
    sim.state.set_webhook(Some(WebhookTarget {
        url: format!("{address}/hook"),
        secret: SECRET.into(),
        forge: ForgeKind::Github,
    }));

    let client = reqwest::Client::new();
    let mut samples = Vec::new();
    for i in 0..DELIVERIES {
        let name = format!("hooked-{i}");
        let started = Instant::now();
        let created = client
            .post(format!("{}/_sim/repos", sim.url()))
            .json(
                &serde_json::json!({"owner": "org00", "name": name, "access": {"bench": "admin"}}),
            )
            .send()
            .await
            .unwrap();
        assert!(created.status().is_success());
        let slug = format!("org00/{name}");
        loop {
            let listed: Vec<serde_json::Value> = client
                .get(format!("{address}/api/user/repos"))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if listed.iter().any(|r| r["slug"] == slug.as_str()) {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "{slug} never appeared"
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        samples.push(started.elapsed());
    }
    assert_eq!(sim.counters().failed_deliveries, 0);
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "webhook delivery -> visible in GET /api/user/repos, account of {repos:>5} repositories: p50 {:6.1} ms, p90 {:6.1} ms, max {:6.1} ms ({DELIVERIES} deliveries)",
        ms(samples[samples.len() / 2]),
        ms(samples[samples.len() * 9 / 10]),
        ms(*samples.last().unwrap()),
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        run(100).await;
        run(1_000).await;
    });
}
