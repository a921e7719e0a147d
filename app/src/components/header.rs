//! The page header: product name and navigation.

use leptos::prelude::*;

use crate::PRODUCT;

/// The header shown on every page.
#[component]
pub fn Header() -> impl IntoView {
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="header">
            <a class="brand" href="/">
                <span class="brand-mark" aria-hidden="true">"⟳"</span>
                {PRODUCT}
            </a>
        </header>
    }
}
