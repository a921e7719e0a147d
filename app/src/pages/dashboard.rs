//! The dashboard: sign in, or the user's sync state and repositories.

use leptos::prelude::*;

use crate::{
    api::get_sync_state,
    components::{repo_list::RepoList, sign_in::SignInPanel, sync_panel::SyncPanel},
    session::use_session,
};

/// The dashboard page.
#[component]
pub fn Dashboard() -> impl IntoView {
    // Effects run only in the browser, so this attribute proves the page hydrated.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let session = use_session();

    view! {
        <div class="page" data-hydrated=move || hydrated.get().to_string()>
            <h1>"Repositories"</h1>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match session.await {
                        Ok((Some(_), _)) => view! { <Workspace/> }.into_any(),
                        Ok((None, sign_in)) => view! { <SignInPanel sign_in/> }.into_any(),
                        Err(error) => view! {
                            <p class="error" role="alert">{format!("The server did not answer: {error}")}</p>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}

/// A signed-in user's sync panel and repository list.
#[component]
fn Workspace() -> impl IntoView {
    let state = crate::codec::load(|| (), |_| get_sync_state());
    let version = RwSignal::new(0u32);
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match state.await {
                    Ok(state) => view! { <SyncPanel state version/> }.into_any(),
                    Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
        <RepoList version/>
    }
}
