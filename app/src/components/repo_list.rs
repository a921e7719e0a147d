//! The repository list: an instant text filter, a namespace filter, archived hidden unless asked
//! for, and pages of 50 rows. The filter state lives in the URL (`?q=&ns=&archived=&page=`), so
//! it is a plain GET form without JavaScript, links can be shared, and Back works.

use crate::{
    api::list_repos,
    location,
    model::{RepoPage, RepoQuery, RepoRow},
};
use leptos::prelude::*;

/// The URL of the list filtered by `query`.
pub fn href(query: &RepoQuery) -> String {
    let mut params = form_urlencoded::Serializer::new(String::new());
    if !query.text.is_empty() {
        params.append_pair("q", &query.text);
    }
    if !query.namespace.is_empty() {
        params.append_pair("ns", &query.namespace);
    }
    if query.archived {
        params.append_pair("archived", "true");
    }
    if query.page > 1 {
        params.append_pair("page", &query.page.to_string());
    }
    let params = params.finish();
    if params.is_empty() {
        "/".into()
    } else {
        format!("/?{params}")
    }
}

/// The query a URL's query string asks for (what [`href`] wrote, or what the GET form sent);
/// anything unknown or malformed is left at its default.
fn query_of(query_string: &str) -> RepoQuery {
    let mut query = RepoQuery {
        page: 1,
        ..RepoQuery::default()
    };
    for (key, value) in form_urlencoded::parse(query_string.as_bytes()) {
        match &*key {
            "q" => query.text = value.into_owned(),
            "ns" => query.namespace = value.into_owned(),
            "archived" => query.archived = value == "true",
            "page" => query.page = value.parse().ok().filter(|&p| p > 0).unwrap_or(1),
            _ => {}
        }
    }
    query
}

#[component]
pub fn RepoList(version: RwSignal<u32>) -> impl IntoView {
    let query = RwSignal::new(query_of(&location::query()));
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
        location::replace(&href(&q));
        query.set(q);
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
        assert_eq!(url, "/?q=a+b%26c&ns=acme&archived=true&page=2");
        let back = query_of("q=a+b%26c&ns=acme&page=x&archived=yes&other=1");
        assert_eq!(back.text, "a b&c");
        assert_eq!(back.namespace, "acme");
        assert_eq!(back.page, 1, "a malformed page is the first");
        assert!(!back.archived, "only `true` shows archived repositories");
        assert_eq!(query_of(&url[2..]), q, "what href writes reads back");
        assert_eq!(query_of("page=0").page, 1);
    }
}
