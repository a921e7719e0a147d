//! The engine through the real binary: `reposync user add` and `reposync sync` against the
//! simulator, a process killed mid-sync, and two processes syncing one user on one database.

use std::{process::Output, time::Duration};

use server::{
    sim::{Role, Simulator},
    store::{Database, DatabaseUrl},
};
use tempfile::TempDir;
use tokio::process::Command;

use crate::helpers::{free_port, fresh_postgres_database, until_listening};

const BIN: &str = env!("CARGO_BIN_EXE_reposync");

/// One installation: a data directory (and database) pointed at a simulator.
struct Install {
    sim: Simulator,
    data: TempDir,
    database_url: Option<String>,
}

impl Install {
    async fn new(database_url: Option<String>) -> Self {
        Install {
            sim: Simulator::start().await.unwrap(),
            data: tempfile::tempdir().unwrap(),
            database_url,
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(BIN);
        command
            .args(args)
            .env("REPOSYNC_DATA_DIR", self.data.path())
            .env("REPOSYNC_FORGE", "github")
            .env("REPOSYNC_FORGE_API_URL", self.sim.url())
            .env("REPOSYNC_LOG", "warn")
            .env("REPOSYNC_SYNC_LEASE_TTL", "2s")
            .env_remove("REPOSYNC_FORGE_TOKEN")
            .kill_on_drop(true);
        match &self.database_url {
            Some(url) => command.env("REPOSYNC_DATABASE_URL", url),
            None => command.env_remove("REPOSYNC_DATABASE_URL"),
        };
        command
    }

    async fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().await.unwrap()
    }

    /// A forge user with `repos` repositories, registered in Reposync with their token.
    async fn user(&self, login: &str, repos: usize) {
        let token = self.sim.world().add_user(login);
        self.sim.world().seed(login, 3, repos);
        let output = self
            .command(&["user", "add", login])
            .env("REPOSYNC_FORGE_TOKEN", token)
            .output()
            .await
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    async fn db(&self) -> Database {
        let url = DatabaseUrl::resolve(self.database_url.as_deref(), self.data.path()).unwrap();
        Database::connect(&url).await.unwrap()
    }
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn run_id(summary: &str) -> String {
    summary
        .split("run ")
        .nth(1)
        .unwrap()
        .split(')')
        .next()
        .unwrap()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sync_command_syncs_a_user_and_says_what_changed() {
    let install = Install::new(None).await;
    install.user("octocat", 5).await;
    let summary = stdout(&install.run(&["sync", "--user", "octocat"]).await);
    assert!(
        summary.contains("synced octocat: 5 listed, +5 new, 0 updated, 0 renamed, 0 removed"),
        "{summary}"
    );
    let again = stdout(&install.run(&["sync", "--user", "octocat"]).await);
    assert!(
        again.contains("+0 new") && again.contains("1 unchanged"),
        "{again}"
    );

    let db = install.db().await;
    let user = db.user_by_login("octocat").await.unwrap().unwrap();
    assert_eq!(db.user_repos(user.user_id).await.unwrap().len(), 5);
    // The forge token is sealed at rest.
    let sealed = user.user_token.unwrap();
    let token = install.sim.world().users[0].tokens[0].clone();
    assert!(!sealed.windows(token.len()).any(|w| w == token.as_bytes()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn syncing_refuses_unknown_users_and_missing_forges_clearly() {
    let install = Install::new(None).await;
    let output = install.run(&["sync", "--user", "nobody"]).await;
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("there is no user named nobody"));
    let output = install
        .command(&["sync", "--user", "nobody"])
        .env_remove("REPOSYNC_FORGE")
        .output()
        .await
        .unwrap();
    assert!(String::from_utf8_lossy(&output.stderr).contains("no forge is configured"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn self_hosted_forges_need_their_url() {
    let install = Install::new(None).await;
    let output = install
        .command(&["sync", "--user", "x"])
        .env("REPOSYNC_FORGE", "gitea")
        .output()
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("REPOSYNC_FORGE_URL is required for gitea"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_process_killed_mid_sync_leaves_the_data_whole_and_its_lease_lapses() {
    let install = Install::new(None).await;
    install.user("octocat", 300).await;
    stdout(&install.run(&["sync", "--user", "octocat"]).await);
    let db = install.db().await;
    let user = db.user_by_login("octocat").await.unwrap().unwrap().user_id;
    let before = db.user_repos(user).await.unwrap();

    install
        .sim
        .world()
        .add_repo("late", "arrival", true, &[("octocat", Role::Admin)]);
    install.sim.faults().latency = Duration::from_millis(400);
    let pages_before = install.sim.counters().list_pages;
    let mut child = install
        .command(&["sync", "--user", "octocat"])
        .spawn()
        .unwrap();
    while install.sim.counters().list_pages < pages_before + 1 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().await.unwrap();

    assert_eq!(
        db.user_repos(user).await.unwrap(),
        before,
        "nothing of the killed sync is visible"
    );
    assert!(
        db.lease_held(user).await.unwrap(),
        "the dead process still holds the lease"
    );
    assert_eq!(
        db.runs_for_user(user, 1).await.unwrap()[0].run_outcome,
        "running"
    );

    install.sim.faults().latency = Duration::ZERO;
    let summary = stdout(&install.run(&["sync", "--user", "octocat"]).await);
    assert!(summary.contains("+1 new"), "{summary}");
    let runs = db.runs_for_user(user, 3).await.unwrap();
    assert_eq!(runs[0].run_outcome, "success");
    assert_eq!(
        runs[1].run_outcome, "failed",
        "the killed run is closed as failed"
    );
    assert!(runs[1].run_error.contains("stopped before it finished"));
}

async fn two_processes_sync_once(database_url: Option<String>) {
    let install = Install::new(database_url).await;
    install.user("octocat", 250).await;
    install.sim.faults().latency = Duration::from_millis(150);
    let (a, b) = tokio::join!(
        install.run(&["sync", "--user", "octocat"]),
        install.run(&["sync", "--user", "octocat"])
    );
    let (a, b) = (stdout(&a), stdout(&b));
    assert_eq!(
        run_id(&a),
        run_id(&b),
        "one run, reported by both:\n{a}\n{b}"
    );
    assert_eq!(
        install.sim.counters().list_pages,
        3,
        "one traversal of three pages"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_one_sqlite_file_sync_a_user_once() {
    two_processes_sync_once(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_one_postgres_sync_a_user_once() {
    if let Some(url) = fresh_postgres_database().await {
        two_processes_sync_once(Some(url)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_manage_users_and_tokens_from_the_command_line() {
    let install = Install::new(None).await;
    install.user("octocat", 3).await;
    let added = stdout(&install.run(&["user", "add", "ci-bot", "--machine"]).await);
    assert!(added.contains("created user ci-bot"), "{added}");
    let bot_token = added
        .lines()
        .find_map(|l| l.strip_prefix("API token (shown once): "))
        .unwrap()
        .to_string();
    let duplicate = install.run(&["user", "add", "ci-bot"]).await;
    assert_eq!(duplicate.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&duplicate.stderr).contains("exists already"));
    let invalid = install.run(&["user", "add", "no/slashes"]).await;
    assert_eq!(invalid.status.code(), Some(1));

    stdout(&install.run(&["sync", "--user", "octocat"]).await);
    let listing = stdout(&install.run(&["user", "ls"]).await);
    let lines: Vec<&str> = listing.lines().collect();
    assert!(lines[0].starts_with("LOGIN"), "{listing}");
    assert!(
        lines[1].starts_with("ci-bot") && lines[1].contains("never"),
        "{listing}"
    );
    assert!(
        lines[2].starts_with("octocat") && lines[2].contains("ago"),
        "{listing}"
    );

    // `token create` prints only the token, which the API accepts.
    let token = stdout(&install.run(&["token", "create", "--user", "octocat"]).await);
    let token = token.trim();
    assert!(token.starts_with("rs_") && !token.contains(' '), "{token}");
    let db = install.db().await;
    let accounts = server::accounts::Accounts::new(
        db.clone(),
        server::store::secrets::Secrets::ephemeral(),
        Duration::from_secs(60),
    );
    assert_eq!(
        accounts
            .user_for_token(token)
            .await
            .unwrap()
            .unwrap()
            .user_login,
        "octocat"
    );
    assert_eq!(
        accounts
            .user_for_token(&bot_token)
            .await
            .unwrap()
            .unwrap()
            .user_login,
        "ci-bot"
    );
    let unknown = install.run(&["token", "create", "--user", "nobody"]).await;
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("there is no user named nobody"));

    // `user rm` takes the permissions and tokens along, and leaves the repositories.
    let octocat = db.user_by_login("octocat").await.unwrap().unwrap();
    let repo = db.user_repos(octocat.user_id).await.unwrap()[0]
        .repo
        .clone();
    stdout(&install.run(&["user", "rm", "octocat"]).await);
    assert!(db.user_by_login("octocat").await.unwrap().is_none());
    assert!(accounts.user_for_token(token).await.unwrap().is_none());
    assert_eq!(db.perm_count(repo.repo_id).await.unwrap(), 0);
    assert!(db.repo_by_uid(&repo.repo_uid).await.unwrap().is_some());
    let again = install.run(&["user", "rm", "octocat"]).await;
    assert_eq!(again.status.code(), Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bootstrap_user_is_created_once_with_its_token() {
    let install = Install::new(None).await;
    let spec = "login:root,admin:true,machine:false,token:bootstrap-token-123456";
    for _ in 0..2 {
        // `migrate` does not apply it; `serve` does — run it briefly.
        let mut server = install
            .command(&["serve"])
            .env("REPOSYNC_USER_CREATE", spec)
            .env("REPOSYNC_ADDR", "127.0.0.1:0")
            .spawn()
            .unwrap();
        let db = install.db().await;
        let mut found = None;
        for _ in 0..200 {
            found = db.user_by_login("root").await.ok().flatten();
            if found.is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        server.kill().await.unwrap();
        let root = found.expect("the bootstrap user exists");
        assert!(root.user_admin && !root.user_machine);
        assert_eq!(
            db.api_tokens(root.user_id).await.unwrap().len(),
            1,
            "registered once"
        );
    }
    let bad = install
        .command(&["serve"])
        .env(
            "REPOSYNC_USER_CREATE",
            "login:root,admin:maybe,token:do-not-print-me-0123",
        )
        .output()
        .await
        .unwrap();
    assert_eq!(
        bad.status.code(),
        Some(2),
        "a malformed spec stops the server before it starts"
    );
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.contains("REPOSYNC_USER_CREATE") && stderr.contains("`admin` must be true or false"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("do-not-print-me"),
        "the token leaked: {stderr}"
    );
}

/// A webhook answered 202 and then the process died (while the sync it asked for waited on a
/// slow forge): the stored delivery is applied by the next process.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_received_before_a_crash_is_applied_after_restart() {
    use server::sim::deliver::{render, SimEvent, WebhookTarget};
    let install = Install::new(None).await;
    install.user("octocat", 3).await;
    stdout(&install.run(&["sync", "--user", "octocat"]).await);
    let port = free_port();
    let serve = || {
        install
            .command(&["serve"])
            .env("REPOSYNC_ADDR", format!("127.0.0.1:{port}"))
            .env("REPOSYNC_WEBHOOK_SECRET", "crash-test-secret")
            .spawn()
            .unwrap()
    };
    let client = reqwest::Client::new();
    let mut first = serve();
    until_listening(port).await;

    let repo = {
        let mut world = install.sim.world();
        let id = world.add_repo(
            "org00",
            "after-crash",
            false,
            &[("octocat", server::sim::Role::Admin)],
        );
        world.repos[&id].clone()
    };
    let target = WebhookTarget {
        url: format!("http://127.0.0.1:{port}/hook"),
        secret: "crash-test-secret".into(),
        forge: server::config::ForgeKind::Github,
    };
    let delivery = render(&target, &SimEvent::Created(repo), "crash-1").unwrap();
    install.sim.faults().latency = Duration::from_secs(5);
    let mut request = client.post(&target.url).body(delivery.body);
    for (name, value) in delivery.headers {
        request = request.header(name, value);
    }
    assert_eq!(request.send().await.unwrap().status(), 202);
    tokio::time::sleep(Duration::from_millis(500)).await;
    first.kill().await.unwrap();
    first.wait().await.unwrap();

    let db = install.db().await;
    let user = db.user_by_login("octocat").await.unwrap().unwrap();
    let has_it = |db: Database| async move {
        db.user_repos(user.user_id)
            .await
            .unwrap()
            .iter()
            .any(|r| r.repo.repo_full_name == "org00/after-crash")
    };
    assert!(
        !has_it(db.clone()).await,
        "killed before the sync could finish"
    );
    assert_eq!(
        db.delivery_counts().await.unwrap().0,
        1,
        "the delivery waits, stored"
    );

    install.sim.faults().latency = Duration::ZERO;
    let mut second = serve();
    until_listening(port).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !has_it(db.clone()).await {
        assert!(
            std::time::Instant::now() < deadline,
            "the delivery was not applied after the restart"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    second.kill().await.unwrap();
    let (pending, done, _) = db.delivery_counts().await.unwrap();
    assert_eq!((pending, done), (0, 1));
}

/// Even at debug level, a token in the query string never reaches the log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_in_query_strings_stay_out_of_the_log() {
    let install = Install::new(None).await;
    let port = free_port();
    let mut server = install
        .command(&["serve"])
        .env("REPOSYNC_ADDR", format!("127.0.0.1:{port}"))
        .env("REPOSYNC_LOG", "debug")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}/api/user?access_token=rs_do-not-log-this-token");
    until_listening(port).await;
    let status = client.get(&url).send().await.ok().map(|r| r.status());
    assert_eq!(status, Some(reqwest::StatusCode::UNAUTHORIZED));
    tokio::time::sleep(Duration::from_millis(200)).await;
    server.start_kill().unwrap();
    let output = server.wait_with_output().await.unwrap();
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(log.contains("/api/user"), "the request is logged: {log}");
    assert!(
        !log.contains("do-not-log-this-token"),
        "the token leaked into the log"
    );
}

/// On a terminal, `reposync sync` shows a progress bar of the pages fetched; `--quiet` (or no
/// terminal) leaves it out. `script` gives the command a pseudo-terminal, as an operator's shell.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_shows_a_progress_bar_on_a_terminal() {
    let install = Install::new(None).await;
    install.user("octocat", 250).await;
    // Slow pages, so that the bar is drawn before the sync ends.
    install.sim.faults().latency = Duration::from_millis(300);
    let on_a_terminal = |extra: &str| {
        let mut command = Command::new("script");
        command
            .args([
                "-qec",
                &format!("{BIN} sync --user octocat {extra}"),
                "/dev/null",
            ])
            .env("REPOSYNC_DATA_DIR", install.data.path())
            .env("REPOSYNC_FORGE", "github")
            .env("REPOSYNC_FORGE_API_URL", install.sim.url())
            .env("REPOSYNC_LOG", "warn")
            .env_remove("REPOSYNC_DATABASE_URL");
        command
    };
    let shown = on_a_terminal("").output().await.unwrap();
    let screen = String::from_utf8_lossy(&shown.stdout);
    assert!(shown.status.success(), "{screen}");
    assert!(
        screen.contains("listing repositories") && screen.contains("pages"),
        "{screen}"
    );
    assert!(screen.contains("synced octocat: 250 listed"), "{screen}");
    let quiet = on_a_terminal("--quiet").output().await.unwrap();
    let screen = String::from_utf8_lossy(&quiet.stdout);
    assert!(!screen.contains("listing repositories"), "{screen}");
    assert!(screen.contains("synced octocat: 250 listed"), "{screen}");
}
