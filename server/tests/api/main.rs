//! Black-box tests of the server: real HTTP on a random port, a fresh data directory (and, for
//! PostgreSQL, a fresh database) per test, and the real `reposync` binary for the CLI.

mod api_drone;
mod api_login;
mod cli;
mod cli_sync;
mod dashboard;
mod database;
mod demo;
mod forge_bitbucket;
mod forge_bitbucket_dc;
mod forge_clients;
mod forge_github;
mod forge_gitlab;
mod forge_gogs;
mod health;
mod helpers;
mod pages;
mod sim_admin;
mod store_conformance;
mod sync_engine;
mod webhooks;
