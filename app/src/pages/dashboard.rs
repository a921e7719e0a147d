//! The dashboard: the user's repositories and the server's state.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::server_status::ServerStatusCard;

/// The dashboard page.
#[component]
pub fn Dashboard() -> impl IntoView {
    // Effects run only in the browser, so this attribute proves the page hydrated.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));

    view! {
        <Title text="Dashboard · Reposync"/>
        <div class="page" data-hydrated=move || hydrated.get().to_string()>
            <h1>"Repositories"</h1>
            <section class="card empty-state" aria-labelledby="empty-title">
                <h2 id="empty-title">"No repositories yet"</h2>
                <p>
                    "Reposync keeps the list of repositories you can reach on your forge, "
                    "with your exact permissions. Once you sign in and synchronize, they appear here."
                </p>
            </section>
            <ServerStatusCard/>
        </div>
    }
}
