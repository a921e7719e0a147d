//! Reusable pieces of the pages.

pub mod header;
pub mod server_status;
