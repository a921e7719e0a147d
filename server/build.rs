//! Stages the site that cargo-leptos built (`target/site`) for embedding into release binaries.
//!
//! The project sets `hash-files`, which makes cargo-leptos finish the WASM bundle before it
//! compiles the server, so the site is complete when this runs. The bundle (`pkg/`) and the
//! public files are staged as two directories, because they are cached differently; any `.br` or
//! `.gz` files are left out, since memory-serve compresses the assets itself. The bundle's file
//! names are passed to the server as `REPOSYNC_BUNDLE_*`. Debug builds serve the live
//! `target/site` from disk and embed nothing.

#[path = "src/web/bundle_files.rs"]
#[allow(dead_code)]
mod bundle_files;

use std::{
    fs,
    path::{Path, PathBuf},
};

/// The `output-name` in the workspace's `[[workspace.metadata.leptos]]`.
const OUTPUT_NAME: &str = "reposync";

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
        return;
    }

    println!("cargo::rerun-if-changed={}", site.display());
    let staged = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo")).join("site");
    let _ = fs::remove_dir_all(&staged);
    let (pkg, public) = (staged.join("pkg"), staged.join("public"));
    stage(&site.join("pkg"), &pkg, None);
    stage(&site, &public, Some("pkg"));

    let bundle = bundle_files::find(&pkg, OUTPUT_NAME);
    if !pkg.join(&bundle.wasm).is_file() {
        println!(
            "cargo::warning=no WASM bundle in {}: build with `cargo leptos build --release` to embed it",
            site.display()
        );
    }
    println!("cargo::rustc-env=REPOSYNC_BUNDLE_JS={}", bundle.js);
    println!("cargo::rustc-env=REPOSYNC_BUNDLE_WASM={}", bundle.wasm);
    println!("cargo::rustc-env=REPOSYNC_BUNDLE_CSS={}", bundle.css);

    // memory-serve refuses an empty directory, and reports every file unless told to be quiet.
    for dir in [&pkg, &public] {
        if fs::read_dir(dir)
            .map(|mut d| d.next().is_none())
            .unwrap_or(true)
        {
            fs::create_dir_all(dir).expect("mkdir");
            fs::write(
                dir.join("built-without-site.txt"),
                "built without the site\n",
            )
            .expect("write");
        }
    }
    std::env::set_var("MEMORY_SERVE_QUIET", "1");
    memory_serve::load_names_directories([("pkg", &pkg), ("public", &public)], true);
}

/// Copies `from` into `to`, recursively, leaving out precompressed files and `skip_dir`.
fn stage(from: &Path, to: &Path, skip_dir: Option<&str>) {
    fs::create_dir_all(to).expect("create a staging directory");
    let Ok(entries) = fs::read_dir(from) else {
        return;
    };
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        let name = path
            .file_name()
            .expect("an entry has a name")
            .to_string_lossy()
            .into_owned();
        if path.is_dir() {
            if skip_dir != Some(name.as_str()) {
                stage(&path, &to.join(&name), None);
            }
        } else if !name.ends_with(".br") && !name.ends_with(".gz") {
            fs::copy(&path, to.join(&name)).expect("stage a site file");
        }
    }
}
