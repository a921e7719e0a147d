//! The server-status card: version and database health, fetched through a server function and
//! re-checked on demand.

use leptos::prelude::*;

use crate::{api::get_server_status, model::ServerStatus};

/// Shows the server's version and database health, with a button to check again.
///
/// The first answer is rendered on the server; each press of "Check again" calls the server
/// function from the browser, so the count only moves once the page has hydrated.
#[component]
pub fn ServerStatusCard() -> impl IntoView {
    let checks = RwSignal::new(1u32);
    let status = Resource::new(move || checks.get(), |_| get_server_status());

    view! {
        <section class="card status-card" aria-labelledby="status-title">
            <h2 id="status-title">"Server"</h2>
            <Suspense fallback=|| view! { <p class="muted">"Checking…"</p> }>
                {move || Suspend::new(async move {
                    match status.await {
                        Ok(status) => view! { <StatusDetails status/> }.into_any(),
                        Err(error) => {
                            view! {
                                <p class="error" role="alert">
                                    "The server did not answer: "
                                    {error.to_string()}
                                </p>
                            }
                                .into_any()
                        }
                    }
                })}
            </Suspense>
            <div class="card-actions">
                <button type="button" class="button" on:click=move |_| checks.update(|n| *n += 1)>
                    "Check again"
                </button>
                <span class="muted" data-testid="check-count" aria-live="polite">
                    {move || match checks.get() {
                        1 => "Checked once".to_string(),
                        n => format!("Checked {n} times"),
                    }}
                </span>
            </div>
        </section>
    }
}

#[component]
fn StatusDetails(status: ServerStatus) -> impl IntoView {
    let database = if status.database_reachable {
        format!(
            "{} · reachable · {} migration{} applied",
            status.database.label(),
            status.migrations_applied,
            if status.migrations_applied == 1 {
                ""
            } else {
                "s"
            },
        )
    } else {
        format!("{} · not reachable", status.database.label())
    };
    view! {
        <dl class="facts">
            <dt>"Version"</dt>
            <dd data-testid="server-version">{status.version}</dd>
            <dt>"Database"</dt>
            <dd data-testid="database-status">{database}</dd>
        </dl>
    }
}
