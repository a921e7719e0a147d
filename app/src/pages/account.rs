//! The account page: personal API tokens (create one, see how to use it, revoke) and the recent
//! sync runs with what they did or why they failed.

use leptos::{prelude::*, server_fn::ServerFn};

use crate::{
    api::{create_token, get_account, revoke_token, CreateToken, RevokeToken},
    components::sign_in::SignInPanel,
    model::{Account, RunView},
    session::use_session,
    wording,
};

#[component]
pub fn AccountPage() -> impl IntoView {
    let session = use_session();
    view! {
        <div class="page">
            <h1>"Account"</h1>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match session.await {
                        Ok((Some(_), _)) => view! { <AccountDetails/> }.into_any(),
                        Ok((None, sign_in)) => view! { <SignInPanel sign_in/> }.into_any(),
                        Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}

#[component]
fn AccountDetails() -> impl IntoView {
    // Bumped after a token is created or revoked: the account reloads.
    let version = RwSignal::new(0u32);
    // The token just created (shown once), or why it could not be.
    let created = RwSignal::new(None::<Result<String, String>>);
    let account = crate::codec::load(move || version.get(), |_| get_account());
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match account.await {
                    Ok(account) => view! { <Details account version created/> }.into_any(),
                    Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Details(
    account: Account,
    version: RwSignal<u32>,
    created: RwSignal<Option<Result<String, String>>>,
) -> impl IntoView {
    let server = account.server_url.clone();
    let label = NodeRef::<leptos::html::Input>::new();
    let new_token = move || created.get().and_then(Result::ok);
    let create_error = move || created.get().and_then(Result::err);
    let create = move |label: String| {
        leptos::task::spawn_local(async move {
            let result = create_token(label).await.map_err(|e| e.to_string());
            created.set(Some(result));
            version.update(|v| *v += 1);
        });
    };
    let revoke = move |id: i64| {
        leptos::task::spawn_local(async move {
            let _ = revoke_token(id).await;
            version.update(|v| *v += 1);
        });
    };
    view! {
        <section class="card" aria-labelledby="tokens-title">
            <h2 id="tokens-title">"API tokens"</h2>
            <p>
                "Scripts, bots and Drone clients use a personal token with the REST API. "
                "A token acts as you; revoke any you no longer use."
            </p>
            <form
                method="post"
                action={<CreateToken as ServerFn>::PATH}
                class="inline-form"
                on:submit=move |ev| {
                    ev.prevent_default();
                    let label = label.get().map(|input| input.value()).unwrap_or_default();
                    create(label);
                }
            >
                <label for="token-label">"Label"</label>
                <input id="token-label" name="label" placeholder="e.g. hook runner" maxlength="100" node_ref=label/>
                <button type="submit" class="button">"Create token"</button>
            </form>
            {move || create_error().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            {move || new_token().map(|token| {
                let usage = format!(
                    "curl -X POST -H \"Authorization: Bearer {token}\" \"{server}/api/user/repos?all=true&flush=true\""
                );
                view! {
                    <div class="new-token" data-testid="new-token" role="status">
                        <p><strong>"Your new token"</strong> " — copy it now, it is not shown again:"</p>
                        <CopyField id="token-value" label="Token" value=token.clone()/>
                        <p>"Sync your repositories from a script:"</p>
                        <CopyField id="token-usage" label="Example" value=usage/>
                    </div>
                }
            })}
            {if account.tokens.is_empty() {
                view! { <p class="muted" data-testid="no-tokens">"No tokens yet."</p> }.into_any()
            } else {
                view! {
                    <table class="tokens">
                        <thead><tr><th scope="col">"Token"</th><th scope="col">"Label"</th><th scope="col">"Created"</th><th scope="col">"Last used"</th><th scope="col"><span class="sr-only">"Revoke"</span></th></tr></thead>
                        <tbody>
                            {account.tokens.into_iter().map(|t| view! {
                                <tr data-testid="token-row">
                                    <td><code>{format!("{}…", t.prefix)}</code></td>
                                    <td>{t.label.clone()}</td>
                                    <td>{wording::utc(t.created)}</td>
                                    <td>{if t.last_used > 0 { wording::utc(t.last_used) } else { "never".into() }}</td>
                                    <td>
                                        <form
                                            method="post"
                                            action={<RevokeToken as ServerFn>::PATH}
                                            on:submit=move |ev| {
                                                ev.prevent_default();
                                                revoke(t.id);
                                            }
                                        >
                                            <input type="hidden" name="id" value=t.id.to_string()/>
                                            <button type="submit" class="button secondary" aria-label=format!("Revoke token {}…", t.prefix)>"Revoke"</button>
                                        </form>
                                    </td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
        <section class="card" aria-labelledby="runs-title">
            <h2 id="runs-title">"Recent syncs"</h2>
            {if account.runs.is_empty() {
                view! { <p class="muted">"No syncs yet."</p> }.into_any()
            } else {
                view! {
                    <table class="runs">
                        <thead><tr><th scope="col">"Started"</th><th scope="col">"Trigger"</th><th scope="col">"Outcome"</th><th scope="col">"Changes"</th><th scope="col">"Took"</th></tr></thead>
                        <tbody>{account.runs.into_iter().map(|run| view! { <Run run/> }).collect_view()}</tbody>
                    </table>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn Run(run: RunView) -> impl IntoView {
    let changes = if run.outcome == "failed" {
        run.error.clone()
    } else {
        wording::summary(&run.summary)
    };
    view! {
        <tr data-testid="run-row">
            <td>{wording::utc(run.started)}</td>
            <td>{run.trigger.replace('_', " ")}</td>
            <td><span class=format!("badge outcome-{}", run.outcome)>{run.outcome.replace('_', " ")}</span></td>
            <td>{changes}</td>
            <td>{if run.duration_ms > 0 { format!("{} ms", run.duration_ms) } else { "—".into() }}</td>
        </tr>
    }
}

/// A read-only field with a Copy button (the field is selectable without JavaScript too).
#[component]
fn CopyField(id: &'static str, label: &'static str, value: String) -> impl IntoView {
    let copied = RwSignal::new(false);
    let text = StoredValue::new(value.clone());
    view! {
        <div class="copy-field">
            <label for=id class="sr-only">{label}</label>
            <input id=id readonly value=value on:focus=move |ev| {
                #[cfg(feature = "hydrate")]
                {
                    use leptos::wasm_bindgen::JsCast;
                    if let Some(input) = ev.target().and_then(|t| t.dyn_into::<leptos::web_sys::HtmlInputElement>().ok()) {
                        input.select();
                    }
                }
                #[cfg(not(feature = "hydrate"))]
                let _ = ev;
            }/>
            <button type="button" class="button secondary" on:click=move |_| {
                #[cfg(feature = "hydrate")]
                if let Some(window) = leptos::web_sys::window() {
                    let _ = window.navigator().clipboard().write_text(&text.get_value());
                }
                #[cfg(not(feature = "hydrate"))]
                let _ = text;
                copied.set(true);
            }>{move || if copied.get() { "Copied" } else { "Copy" }}</button>
        </div>
    }
}
