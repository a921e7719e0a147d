//! The real binary: exit codes and messages an operator sees.

use std::{
    process::{Command, Stdio},
    time::{Duration, Instant},
};

const BIN: &str = env!("CARGO_BIN_EXE_reposync");

fn reposync(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let data = tempfile::tempdir().unwrap();
    let mut command = Command::new(BIN);
    command
        .args(args)
        .env("REPOSYNC_DATA_DIR", data.path())
        .env_remove("REPOSYNC_DATABASE_URL");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("the binary runs")
}

fn assert_one_line_failure(output: &std::process::Output, expected: &str, secret: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "stderr: {stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "one line: {stderr}");
    assert!(stderr.starts_with("reposync: "), "{stderr}");
    assert!(stderr.contains(expected), "{stderr}");
    assert!(!stderr.contains(secret), "the password leaked: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn an_unsupported_database_url_is_one_clear_line_and_exit_1() {
    let output = reposync(
        &["migrate"],
        &[("REPOSYNC_DATABASE_URL", "mysql://root:s3cret@localhost/ci")],
    );
    assert_one_line_failure(&output, "unsupported scheme `mysql:`", "s3cret");
}

#[test]
fn an_unreachable_postgres_is_one_clear_line_and_exit_1() {
    let output = reposync(
        &["serve"],
        &[(
            "REPOSYNC_DATABASE_URL",
            "postgres://ci:s3cret@127.0.0.1:1/reposync",
        )],
    );
    assert_one_line_failure(
        &output,
        "cannot open the database (PostgreSQL ci@127.0.0.1:1/reposync)",
        "s3cret",
    );
}

#[test]
fn a_malformed_postgres_url_is_refused() {
    let output = reposync(
        &["migrate"],
        &[(
            "REPOSYNC_DATABASE_URL",
            "postgres://ci:s3cret@db:notaport/x",
        )],
    );
    assert_one_line_failure(&output, "bad PostgreSQL URL", "s3cret");
}

#[test]
fn migrate_applies_the_migrations_and_says_so() {
    let output = reposync(&["migrate"], &[]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("migrations applied"), "{stdout}");
}

#[test]
fn malformed_settings_are_refused_before_starting() {
    for (key, value, expected) in [
        ("REPOSYNC_LOG", "verbose", "is not a level"),
        ("REPOSYNC_ADDR", "localhost", "invalid socket address"),
        (
            "REPOSYNC_SERVER_URL",
            "ftp://ci.example.com",
            "must be http:// or https://",
        ),
    ] {
        let output = reposync(&["serve"], &[(key, value)]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{key}={value}: {stderr}");
        assert!(stderr.contains(expected), "{key}={value}: {stderr}");
    }
}

#[test]
fn serve_stops_cleanly_on_sigterm() {
    let data = tempfile::tempdir().unwrap();
    let port = crate::helpers::free_port();
    let mut child = Command::new(BIN)
        .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .env("REPOSYNC_DATA_DIR", data.path())
        .env_remove("REPOSYNC_DATABASE_URL")
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the server never listened"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "exit status {status}");
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the server did not stop"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn malformed_secrets_are_refused_without_being_echoed() {
    for (name, value, expected) in [
        (
            "REPOSYNC_SECRET",
            "too-short-to-be-a-key",
            "REPOSYNC_SECRET",
        ),
        (
            "REPOSYNC_USER_CREATE",
            "login:root,machine:perhaps,token:too-secret-to-print-0123",
            "`machine` must be true or false",
        ),
    ] {
        let output = reposync(&["migrate"], &[(name, value)]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(expected), "{stderr}");
        assert!(!stderr.contains("too-s"), "the value leaked: {stderr}");
    }
}
