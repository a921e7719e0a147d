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
                    {move || checks_label(checks.get())}
                </span>
            </div>
        </section>
    }
}

#[component]
fn StatusDetails(status: ServerStatus) -> impl IntoView {
    let database = database_summary(&status);
    view! {
        <dl class="facts">
            <dt>"Version"</dt>
            <dd data-testid="server-version">{status.version}</dd>
            <dt>"Database"</dt>
            <dd data-testid="database-status">{database}</dd>
        </dl>
    }
}

/// "Checked once", "Checked 3 times".
fn checks_label(checks: u32) -> String {
    match checks {
        1 => "Checked once".to_string(),
        n => format!("Checked {n} times"),
    }
}

/// "SQLite · reachable · 2 migrations applied", or "PostgreSQL · not reachable".
fn database_summary(status: &ServerStatus) -> String {
    if !status.database_reachable {
        return format!("{} · not reachable", status.database.label());
    }
    let plural = if status.migrations_applied == 1 {
        ""
    } else {
        "s"
    };
    format!(
        "{} · reachable · {} migration{plural} applied",
        status.database.label(),
        status.migrations_applied
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DatabaseKind;

    fn status(database: DatabaseKind, reachable: bool, migrations: u32) -> ServerStatus {
        ServerStatus {
            version: "1.2.3".into(),
            database,
            database_reachable: reachable,
            migrations_applied: migrations,
        }
    }

    #[test]
    fn the_database_line_says_engine_health_and_migrations() {
        assert_eq!(
            database_summary(&status(DatabaseKind::Sqlite, true, 1)),
            "SQLite · reachable · 1 migration applied"
        );
        assert_eq!(
            database_summary(&status(DatabaseKind::Sqlite, true, 3)),
            "SQLite · reachable · 3 migrations applied"
        );
        assert_eq!(
            database_summary(&status(DatabaseKind::Postgres, false, 3)),
            "PostgreSQL · not reachable"
        );
    }

    #[test]
    fn the_check_counter_reads_naturally() {
        assert_eq!(checks_label(1), "Checked once");
        assert_eq!(checks_label(2), "Checked 2 times");
    }
}
