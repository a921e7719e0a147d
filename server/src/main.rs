//! The `reposync` binary: parse the command line, run the chosen command, turn errors into a
//! one-line message and exit code 1.

use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = server::cli::Cli::parse();
    match server::cli::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("reposync: {error:#}");
            ExitCode::FAILURE
        }
    }
}
