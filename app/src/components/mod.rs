//! Reusable pieces of the pages.

pub mod header;
pub mod repo_list;
pub mod sign_in;
pub mod sync_panel;
