//! The Reposync server: configuration, the database, the HTTP adapters and the commands of the
//! `reposync` binary. `main.rs` only parses the command line and calls [`cli::run`].

pub mod accounts;
pub mod cli;
pub mod config;
pub mod demo;
pub mod forge;
pub mod hooks;
pub mod sim;
pub mod startup;
pub mod store;
pub mod sync;
pub mod telemetry;
pub mod web;
