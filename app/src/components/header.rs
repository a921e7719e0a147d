//! The page header: product name, navigation, and who is signed in.

use leptos::prelude::*;

use crate::{session::use_session, PRODUCT};

/// The header shown on every page.
#[component]
pub fn Header() -> impl IntoView {
    let session = use_session();
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="header">
            <a class="brand" href="/">
                <span class="brand-mark" aria-hidden="true">"⟳"</span>
                {PRODUCT}
            </a>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match session.await {
                        Ok((Some(viewer), _)) => {
                            view! {
                                <nav class="nav" aria-label="Main">
                                    <a href="/">"Repositories"</a>
                                    <a href="/account">"Account"</a>
                                    <span class="muted viewer" data-testid="viewer">{viewer.login}</span>
                                    <a href="/logout" rel="external">"Sign out"</a>
                                </nav>
                            }
                                .into_any()
                        }
                        _ => ().into_any(),
                    }
                })}
            </Suspense>
        </header>
    }
}
