//! Stages the site that cargo-leptos built (`target/site`) for embedding into release binaries.
//!
//! In release builds cargo-leptos finishes the WASM bundle before it compiles the server (the
//! project sets `precompress`), so the site is complete when this runs. The staged copy leaves out
//! cargo-leptos' own `.br`/`.gz` files, because memory-serve compresses the assets itself. A
//! content hash of the staged files becomes `REPOSYNC_ASSET_VERSION`, the cache-busting segment in
//! asset URLs. Debug builds serve the live `target/site` from disk and embed nothing.

use std::{
    collections::hash_map::DefaultHasher,
    fs,
    hash::Hasher,
    path::{Path, PathBuf},
};

fn main() {
    println!("cargo::rerun-if-env-changed=LEPTOS_SITE_ROOT");
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let workspace = manifest_dir
        .parent()
        .expect("server/ sits in the workspace")
        .to_path_buf();
    let site = match std::env::var("LEPTOS_SITE_ROOT") {
        Ok(root) => workspace.join(root),
        Err(_) => workspace.join("target/site"),
    };
    println!("cargo::rustc-env=REPOSYNC_SITE_ROOT={}", site.display());

    let release = std::env::var_os("CARGO_CFG_DEBUG_ASSERTIONS").is_none();
    if !release {
        println!("cargo::rustc-env=REPOSYNC_ASSET_VERSION=dev");
        return;
    }

    println!("cargo::rerun-if-changed={}", site.display());
    let staged = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo")).join("site");
    let _ = fs::remove_dir_all(&staged);
    fs::create_dir_all(&staged).expect("create the staging directory");

    let mut files = Vec::new();
    if site.is_dir() {
        collect_files(&site, &mut files);
    }
    files.sort();
    let mut hasher = DefaultHasher::new();
    let mut staged_any = false;
    for file in &files {
        let relative = file
            .strip_prefix(&site)
            .expect("collected below the site root");
        if matches!(file.extension().and_then(|e| e.to_str()), Some("br" | "gz")) {
            continue;
        }
        let bytes = fs::read(file).expect("read a site file");
        hasher.write(relative.to_string_lossy().as_bytes());
        hasher.write(&bytes);
        let target = staged.join(relative);
        fs::create_dir_all(target.parent().expect("a file has a parent")).expect("mkdir");
        fs::write(&target, &bytes).expect("stage a site file");
        staged_any = true;
    }
    if !staged_any {
        // A plain `cargo build --release` without cargo-leptos: the binary still starts, serves
        // HTML without client code, and says so in its log.
        println!(
            "cargo::warning=no site at {}: build with `cargo leptos build --release` to embed the WASM bundle",
            site.display()
        );
        fs::write(staged.join("site-missing.txt"), "built without the site\n").expect("write");
    }
    println!(
        "cargo::rustc-env=REPOSYNC_ASSET_VERSION={:016x}",
        hasher.finish()
    );
    // memory-serve reports every file as a cargo warning unless told to be quiet.
    std::env::set_var("MEMORY_SERVE_QUIET", "1");
    memory_serve::load_directory_with_embed(&staged, true);
}

fn collect_files(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("read a site directory") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            collect_files(&path, files);
        } else {
            files.push(path);
        }
    }
}
