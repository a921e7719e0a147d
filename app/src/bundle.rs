//! Loading the client bundle: the `<head>` tags that fetch the JS glue and the WASM and hydrate.
//!
//! Leptos' own `HydrationScripts` finds content-hashed names by reading `hash.txt` beside the
//! executable at run time; Reposync's binary is self-contained, so the server passes the names it
//! embedded instead. The script is the one Leptos uses: import the glue, instantiate the WASM,
//! then hydrate.

use leptos::prelude::*;

/// URL paths of the client bundle, as the server serves them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bundle {
    pub js: String,
    pub wasm: String,
    pub css: String,
}

/// Preloads the bundle and hydrates the page once it is loaded.
#[component]
pub fn BundleScripts(bundle: Bundle) -> impl IntoView {
    let script = format!(
        "import({js:?}).then(m => m.default({{ module_or_path: {wasm:?} }}).then(() => m.hydrate()));",
        js = bundle.js,
        wasm = bundle.wasm,
    );
    view! {
        <link rel="stylesheet" href=bundle.css/>
        <link rel="modulepreload" href=bundle.js.clone()/>
        <link rel="preload" href=bundle.wasm.clone() r#as="fetch" r#type="application/wasm" crossorigin=""/>
        <script type="module">{script}</script>
    }
}
