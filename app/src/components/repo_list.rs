//! The repository list: an instant text filter, a namespace filter, archived hidden unless asked
//! for, and pages of 50 rows. The filter state lives in the URL (`?q=&ns=&archived=&page=`), so
//! it is a plain GET form without JavaScript, links can be shared, and Back works.

use leptos::prelude::*;
use leptos_router::{
    hooks::{use_navigate, use_query_map},
    params::ParamsMap,
    NavigateOptions,
};

use crate::{
    api::list_repos,
    model::{RepoPage, RepoQuery, RepoRow},
};

/// The URL of the list filtered by `query`.
pub fn href(query: &RepoQuery) -> String {
    let mut params = ParamsMap::new();
    if !query.text.is_empty() {
        params.insert("q", query.text.clone());
    }
    if !query.namespace.is_empty() {
        params.insert("ns", query.namespace.clone());
    }
    if query.archived {
        params.insert("archived", "true".into());
    }
    if query.page > 1 {
        params.insert("page", query.page.to_string());
    }
    format!("/{}", params.to_query_string())
}

fn query_of(params: &ParamsMap) -> RepoQuery {
    RepoQuery {
        text: params.get("q").unwrap_or_default(),
        namespace: params.get("ns").unwrap_or_default(),
        archived: params.get("archived").is_some_and(|v| v == "true"),
        page: params.get("page").and_then(|p| p.parse().ok()).unwrap_or(1),
    }
}

#[component]
pub fn RepoList(version: RwSignal<u32>) -> impl IntoView {
    let params = use_query_map();
    let query = Memo::new(move |_| params.with(query_of));
    let repos = crate::codec::load(move || (query.get(), version.get()), |(q, _)| list_repos(q));
    // The namespaces change only with a sync or the archived switch, so the select is not
    // re-rendered (and loses no focus) while someone picks from it.
    let namespaces = crate::codec::load(
        move || (query.with(|q| q.archived), version.get()),
        |(archived, _)| {
            list_repos(RepoQuery {
                archived,
                page: 1,
                ..RepoQuery::default()
            })
        },
    );
    let go = move |q: RepoQuery| {
        let navigate = use_navigate();
        navigate(
            &href(&q),
            NavigateOptions {
                replace: true,
                scroll: false,
                ..Default::default()
            },
        );
    };

    view! {
        <section class="card" aria-labelledby="list-title">
            <h2 id="list-title" class="sr-only">"Your repositories"</h2>
            <form
                method="get"
                action="/"
                class="filters"
                role="search"
                on:submit=move |ev| {
                    ev.prevent_default();
                }
            >
                <div class="field">
                    <label for="filter">"Filter"</label>
                    <input
                        id="filter"
                        name="q"
                        type="search"
                        placeholder="Name or namespace"
                        autocomplete="off"
                        prop:value=move || query.with(|q| q.text.clone())
                        on:input=move |ev| {
                            let mut q = query.get_untracked();
                            q.text = event_target_value(&ev);
                            q.page = 1;
                            go(q);
                        }
                    />
                </div>
                <div class="field">
                    <label for="namespace">"Namespace"</label>
                    <select
                        id="namespace"
                        name="ns"
                        on:change=move |ev| {
                            let mut q = query.get_untracked();
                            q.namespace = event_target_value(&ev);
                            q.page = 1;
                            go(q);
                        }
                    >
                        <option value="">"All namespaces"</option>
                        <Suspense fallback=|| ()>
                            {move || Suspend::new(async move {
                                let selected = query.with_untracked(|q| q.namespace.clone());
                                namespaces
                                    .await
                                    .map(|page| page.namespaces)
                                    .unwrap_or_default()
                                    .into_iter()
                                    .map(|(name, count)| {
                                        let is_selected = name == selected;
                                        view! {
                                            <option value=name.clone() selected=is_selected>
                                                {format!("{name} ({count})")}
                                            </option>
                                        }
                                    })
                                    .collect_view()
                            })}
                        </Suspense>
                    </select>
                </div>
                <label class="check">
                    <input
                        type="checkbox"
                        name="archived"
                        value="true"
                        prop:checked=move || query.with(|q| q.archived)
                        on:change=move |ev| {
                            let mut q = query.get_untracked();
                            q.archived = event_target_checked(&ev);
                            q.page = 1;
                            go(q);
                        }
                    />
                    "Show archived"
                </label>
                // The filters apply as they change; without JavaScript this submits them.
                <button type="submit" class="button secondary">"Apply"</button>
            </form>
            <Transition fallback=|| view! { <p class="muted">"Loading repositories…"</p> }>
                {move || Suspend::new(async move {
                    match repos.await {
                        Ok(page) => view! { <Rows page query=query.get_untracked()/> }.into_any(),
                        Err(error) => view! {
                            <p class="error" role="alert">{format!("The list could not be loaded: {error}")}</p>
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Rows(page: RepoPage, query: RepoQuery) -> impl IntoView {
    if page.total == 0 {
        return view! {
            <div class="empty-state" data-testid="empty-state">
                <h3>"No repositories yet"</h3>
                <p>"Press Synchronize to fetch the repositories you can reach on your forge."</p>
            </div>
        }
        .into_any();
    }
    if page.matched == 0 {
        return view! {
            <p class="empty-state" data-testid="no-match">"No repository matches this filter."</p>
        }
        .into_any();
    }
    let first = (page.page as usize - 1) * 50 + 1;
    let last = first + page.rows.len() - 1;
    let count = format!(
        "{first}–{last} of {} {}{}",
        page.matched,
        if page.matched == 1 {
            "repository"
        } else {
            "repositories"
        },
        if page.matched == page.total {
            String::new()
        } else {
            format!(" (of {} in all)", page.total)
        }
    );
    let previous = (page.page > 1).then(|| RepoQuery {
        page: page.page - 1,
        ..query.clone()
    });
    let next = (page.page < page.pages).then(|| RepoQuery {
        page: page.page + 1,
        ..query.clone()
    });
    view! {
        <p class="muted count" data-testid="repo-count">{count}</p>
        <table class="repos">
            <thead>
                <tr>
                    <th scope="col">"Repository"</th>
                    <th scope="col">"Visibility"</th>
                    <th scope="col">"Access"</th>
                    <th scope="col">"Default branch"</th>
                </tr>
            </thead>
            <tbody>
                {page.rows.into_iter().map(|row| view! { <Row row/> }).collect_view()}
            </tbody>
        </table>
        {(page.pages > 1).then(|| view! {
            <nav class="pager" aria-label="Pages">
                {previous.map(|q| view! { <a href=href(&q) rel="prev">"← Previous"</a> })}
                <span>{format!("Page {} of {}", page.page, page.pages)}</span>
                {next.map(|q| view! { <a href=href(&q) rel="next">"Next →"</a> })}
            </nav>
        })}
    }
    .into_any()
}

#[component]
fn Row(row: RepoRow) -> impl IntoView {
    let visibility_class = format!("badge visibility-{}", row.visibility);
    view! {
        <tr data-testid="repo-row">
            <td data-label="Repository">
                <a href=row.link.clone() class="repo-name" rel="external">{row.full_name.clone()}</a>
                {row.archived.then(|| view! { <span class="badge archived">"archived"</span> })}
            </td>
            <td data-label="Visibility"><span class=visibility_class>{row.visibility.clone()}</span></td>
            <td data-label="Access"><span class="access" data-testid="access">{row.access.label()}</span></td>
            <td data-label="Default branch"><code>{row.default_branch.clone()}</code></td>
        </tr>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_carries_the_filter() {
        assert_eq!(href(&RepoQuery::default()), "/");
        let q = RepoQuery {
            text: "a b&c".into(),
            namespace: "acme".into(),
            archived: true,
            page: 2,
        };
        let url = href(&q);
        assert!(
            url.starts_with("/?q=a%20b%26c&ns=acme&archived=true&page=2"),
            "{url}"
        );
        let mut params = ParamsMap::new();
        params.insert("q", "a%20b%26c".into());
        params.insert("page", "x".into());
        let back = query_of(&params);
        assert_eq!(back.text, "a b&c");
        assert_eq!(back.page, 1, "a malformed page is the first");
    }
}
