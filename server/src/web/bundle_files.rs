//! Finding the client bundle's files (JS glue, WASM, stylesheet) in a `pkg` directory.
//!
//! cargo-leptos names them `<output>.<content hash>.<ext>`. This file uses only `std` because the
//! build script includes it too (`#[path]`), so the names it embeds and the names the server
//! looks up at run time come from one function.

use std::{fs, path::Path, time::SystemTime};

/// The bundle's file names inside `pkg/`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BundleFiles {
    pub js: String,
    pub wasm: String,
    pub css: String,
}

/// Looks for `output`'s files in `pkg`; where several builds left files, the newest wins.
/// Missing files fall back to the unhashed names, so a page still names what it expects.
pub fn find(pkg: &Path, output: &str) -> BundleFiles {
    let mut found: [Option<(SystemTime, String)>; 3] = [None, None, None];
    if let Ok(entries) = fs::read_dir(pkg) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(slot) = slot_of(&name, output) else {
                continue;
            };
            let modified = entry
                .metadata()
                .and_then(|m| m.modified())
                .unwrap_or(SystemTime::UNIX_EPOCH);
            if found[slot]
                .as_ref()
                .is_none_or(|(newest, _)| modified > *newest)
            {
                found[slot] = Some((modified, name));
            }
        }
    }
    let [js, wasm, css] = found.map(|f| f.map(|(_, name)| name));
    BundleFiles {
        js: js.unwrap_or_else(|| format!("{output}.js")),
        wasm: wasm.unwrap_or_else(|| format!("{output}.wasm")),
        css: css.unwrap_or_else(|| format!("{output}.css")),
    }
}

/// 0 for JS, 1 for WASM, 2 for CSS: `output.ext`, `output.HASH.ext` or wasm-bindgen's
/// `output_bg.wasm`.
fn slot_of(name: &str, output: &str) -> Option<usize> {
    let (stem, ext) = name.rsplit_once('.')?;
    let slot = match ext {
        "js" => 0,
        "wasm" => 1,
        "css" => 2,
        _ => return None,
    };
    let plain = stem == output || (slot == 1 && stem == format!("{output}_bg"));
    let hashed = stem
        .strip_prefix(output)
        .and_then(|rest| rest.strip_prefix('.'))
        .is_some_and(|hash| {
            !hash.is_empty()
                && hash
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        });
    (plain || hashed).then_some(slot)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_and_plain_names_are_recognised() {
        assert_eq!(slot_of("reposync.js", "reposync"), Some(0));
        assert_eq!(slot_of("reposync.Ab3_x-9.wasm", "reposync"), Some(1));
        assert_eq!(slot_of("reposync_bg.wasm", "reposync"), Some(1));
        assert_eq!(slot_of("reposync.k2.css", "reposync"), Some(2));
        assert_eq!(slot_of("reposync.d.ts", "reposync"), None);
        assert_eq!(slot_of("reposync_bg.wasm.d.ts", "reposync"), None);
        assert_eq!(slot_of("other.js", "reposync"), None);
        assert_eq!(slot_of("reposync.a.b.js", "reposync"), None);
    }

    #[test]
    fn the_newest_build_wins_and_missing_files_fall_back() {
        let dir = std::env::temp_dir().join(format!("bundle-files-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("reposync.old.js"), "old").unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        fs::write(dir.join("reposync.new.js"), "new").unwrap();
        fs::write(dir.join("reposync.w1.wasm"), "w").unwrap();
        let files = find(&dir, "reposync");
        fs::remove_dir_all(&dir).unwrap();
        assert_eq!(files.js, "reposync.new.js");
        assert_eq!(files.wasm, "reposync.w1.wasm");
        assert_eq!(files.css, "reposync.css");
    }
}
