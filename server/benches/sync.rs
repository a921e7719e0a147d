//! Benchmarks for the forge listing and the sync engine, against the simulator on loopback.
//!
//! `cargo bench -p server --bench sync` prints one line per measurement (median of the runs);
//! set `REPOSYNC_BENCH_POSTGRES_URL` to an empty PostgreSQL database to measure it as well.
//! Results are recorded in BENCHMARKS.md.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use server::{
    forge::{
        github::GitHub,
        http::{HttpClient, Policy},
        Forge, NoCache,
    },
    sim::{Role, Simulator},
    store::{secrets::Secrets, users::NewUser, Database, DatabaseUrl},
    sync::{Engine, Settings, SyncReport, Trigger},
};

const RUNS: usize = 5;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn listing(sim: &Simulator, token: &str, concurrency: usize) -> Duration {
    let github = GitHub::new(&sim.url(), HttpClient::new(Policy::default()), concurrency);
    let mut samples = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        let listing = github.list_repos(token, &NoCache).await.expect("listing");
        assert_eq!(listing.repos.len(), 10_000);
        samples.push(started.elapsed());
    }
    median(samples)
}

async fn bench_listing() {
    let sim = Simulator::start().await.unwrap();
    let token = sim.world().add_user("bench");
    sim.world().seed("bench", 50, 10_000);
    sim.faults().latency = Duration::from_millis(20);
    let sequential = listing(&sim, &token, 1).await;
    println!(
        "list 10,000 repos (100/page, +20 ms/request), sequential:   {:8.1} ms",
        ms(sequential)
    );
    for concurrency in [4u64, 8] {
        let took = listing(&sim, &token, concurrency as usize).await;
        let ideal = Duration::from_millis(20 * (1 + 99u64.div_ceil(concurrency)));
        println!(
            "list 10,000 repos (100/page, +20 ms/request), concurrency {concurrency}: {:8.1} ms  (ideal {:.0} ms, {:.2}x ideal, {:.1}x faster than sequential)",
            ms(took),
            ms(ideal),
            took.as_secs_f64() / ideal.as_secs_f64(),
            sequential.as_secs_f64() / took.as_secs_f64()
        );
    }
}

struct Setup {
    sim: Simulator,
    db: Database,
    engine: Arc<Engine>,
    secrets: Secrets,
}

async fn setup(db: Database) -> Setup {
    let sim = Simulator::start().await.unwrap();
    let secrets = Secrets::ephemeral();
    let forge = Arc::new(GitHub::new(
        &sim.url(),
        HttpClient::new(Policy::default()),
        4,
    ));
    let engine = Engine::new(
        db.clone(),
        forge,
        None,
        secrets.clone(),
        Settings::default(),
    );
    Setup {
        sim,
        db,
        engine,
        secrets,
    }
}

async fn user(s: &Setup, login: &str) -> i64 {
    let token = s.sim.world().add_user(login);
    let new = NewUser {
        login: login.into(),
        token: Some(s.secrets.seal(&token)),
        ..NewUser::default()
    };
    s.db.create_user(&new).await.unwrap().user_id
}

async fn sync(s: &Setup, user_id: i64) -> SyncReport {
    s.engine.sync(user_id, Trigger::Cli).await.expect("sync")
}

async fn bench_engine(label: &str, db: Database) {
    // One user with 10,000 repositories: the first sync, then a sync with nothing changed.
    let s = setup(db.clone()).await;
    let one = user(&s, "big").await;
    s.sim.world().seed("big", 50, 10_000);
    let first = sync(&s, one).await;
    assert_eq!(first.added, 10_000);
    let mut again = Vec::new();
    let mut again_total = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        let report = sync(&s, one).await;
        again_total.push(started.elapsed());
        assert_eq!(report.not_modified, 100);
        again.push(Duration::from_millis(report.write_ms));
    }
    println!(
        "{label}: first sync of 10,000 repos, written in          {:8.1} ms (listing {} ms)",
        first.write_ms as f64, first.list_ms
    );
    println!(
        "{label}: no-change re-sync of 10,000 repos, after listing {:8.1} ms (whole sync {:.1} ms, 100 pages all 304)",
        ms(median(again)),
        ms(median(again_total))
    );

    // 100 users sharing 1,000 repositories.
    let s = setup(db).await;
    let mut users = Vec::new();
    for i in 0..100 {
        users.push(user(&s, &format!("member{i:03}")).await);
    }
    {
        let mut world = s.sim.world();
        let roles = [Role::Read, Role::Write, Role::Admin];
        for r in 0..1000 {
            let access: Vec<(String, Role)> = (0..100)
                .map(|i| (format!("member{i:03}"), roles[(r + i) % 3]))
                .collect();
            let access: Vec<(&str, Role)> =
                access.iter().map(|(l, role)| (l.as_str(), *role)).collect();
            world.add_repo(
                &format!("team{:02}", r % 10),
                &format!("svc-{r:04}"),
                true,
                &access,
            );
        }
    }
    let started = Instant::now();
    let mut written = Duration::ZERO;
    for &u in &users {
        written += Duration::from_millis(sync(&s, u).await.write_ms);
    }
    let total = started.elapsed();
    println!(
        "{label}: 100 users sharing 1,000 repos, first syncs:      {:8.1} ms in all ({:.1} ms writing, {:.1} ms per user)",
        ms(total),
        ms(written),
        ms(total) / 100.0
    );
}

#[tokio::main]
async fn main() {
    bench_listing().await;
    let dir = tempfile::tempdir().unwrap();
    let sqlite = Database::connect(&DatabaseUrl::resolve(None, dir.path()).unwrap())
        .await
        .unwrap();
    sqlite.migrate().await.unwrap();
    bench_engine("SQLite    ", sqlite).await;
    if let Ok(url) = std::env::var("REPOSYNC_BENCH_POSTGRES_URL") {
        let pg = Database::connect(&DatabaseUrl::resolve(Some(&url), dir.path()).unwrap())
            .await
            .unwrap();
        pg.migrate().await.unwrap();
        bench_engine("PostgreSQL", pg).await;
    } else {
        println!("PostgreSQL: skipped (set REPOSYNC_BENCH_POSTGRES_URL to an empty database)");
    }
}
