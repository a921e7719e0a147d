//! Where the page is: its path and query string — read from the request while the server renders
//! and from `window.location` in the browser — and the one way a page changes its own address
//! (`history.replaceState`, for the repository filters).
//!
//! Reposync's pages are separate documents: a link loads the next page from the server, which
//! renders it completely. A client-side router would add nothing a person sees and cost the WASM
//! bundle tens of kilobytes, so the app picks its page from [`path`] instead.

/// The path of the page being rendered (`/`, `/account`, …).
pub fn path() -> String {
    here().0
}

/// The page's query string, without the `?` (empty when there is none).
pub fn query() -> String {
    here().1
}

/// The page's path and query string, wherever the page is being rendered.
fn here() -> (String, String) {
    #[cfg(feature = "ssr")]
    {
        leptos::prelude::use_context::<http::request::Parts>()
            .map(|parts| {
                let query = parts.uri.query().unwrap_or_default().to_owned();
                (parts.uri.path().to_owned(), query)
            })
            .unwrap_or_else(|| ("/".into(), String::new()))
    }
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    {
        let location = leptos::prelude::window().location();
        let path = location.pathname().unwrap_or_else(|_| "/".into());
        let search = location.search().unwrap_or_default();
        let query = search.strip_prefix('?').unwrap_or(&search).to_owned();
        (path, query)
    }
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    {
        ("/".into(), String::new())
    }
}

/// Shows `href` as the page's address without loading it or adding a history entry (the filters
/// change as one types; Back should leave the page, not replay every keystroke).
pub fn replace(href: &str) {
    #[cfg(feature = "hydrate")]
    if let Ok(history) = leptos::prelude::window().history() {
        let _ =
            history.replace_state_with_url(&leptos::wasm_bindgen::JsValue::NULL, "", Some(href));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = href;
}
