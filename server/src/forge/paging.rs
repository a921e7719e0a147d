//! Listing in numbered pages (`?page=N`), the style GitHub, Gitea/Forgejo and GitLab share.
//!
//! The first page tells how many there are (`rel="last"` or a total-count header); the rest are
//! then fetched `concurrency` at a time and assembled in order. Without a count — or if the list
//! grew while it was read — `next` links are followed one page at a time. Every page is asked
//! for with the ETag of its last answer, and a 304 reuses the stored page. A page that is empty
//! yet links to another, or more pages than any account has, is an error, never a loop.

use futures::{stream, StreamExt, TryStreamExt};
use reqwest::header::{HeaderMap, HeaderValue, IF_NONE_MATCH};

use super::{
    http::{HttpClient, Reply},
    CachedPage, ForgeError, ForgeRepo, Listing, ListingStats, PageCache,
};

/// More pages than this is a broken forge, not a big account (10 million repositories at 100).
const MAX_PAGES: u32 = 100_000;

/// What a forge client tells the pager.
pub trait NumberedPages: Send + Sync {
    fn http(&self) -> &HttpClient;
    /// Pages fetched at once once the count is known.
    fn concurrency(&self) -> usize;
    fn page_url(&self, page: u32) -> String;
    fn headers(&self, token: &str) -> Result<HeaderMap, ForgeError>;
    /// The repositories of one page, its ETag, the page count it announces and whether it links
    /// to a next page.
    fn parse_page(&self, reply: &Reply) -> Result<CachedPage, ForgeError>;
}

/// One page, conditionally when the cache has it.
pub async fn page<P: NumberedPages + ?Sized>(
    api: &P,
    token: &str,
    number: u32,
    cache: &dyn PageCache,
) -> Result<(CachedPage, ListingStats), ForgeError> {
    let url = api.page_url(number);
    let mut headers = api.headers(token)?;
    let cached = cache.get(&url).await;
    if let Some(etag) = cached
        .as_ref()
        .and_then(|c| HeaderValue::from_str(&c.etag).ok())
    {
        headers.insert(IF_NONE_MATCH, etag);
    }
    let reply = api.http().get(&url, headers).await?;
    let mut stats = ListingStats {
        pages: 1,
        calls: reply.attempts,
        not_modified: 0,
    };
    if reply.status == reqwest::StatusCode::NOT_MODIFIED {
        let page =
            cached.ok_or_else(|| ForgeError::Malformed("304 for a page never fetched".into()))?;
        stats.not_modified = 1;
        return Ok((page, stats));
    }
    let page = api.parse_page(&reply)?;
    if !page.etag.is_empty() {
        cache.put(&url, page.clone()).await;
    }
    Ok((page, stats))
}

/// Every page, complete or an error.
pub async fn list_all<P: NumberedPages + ?Sized>(
    api: &P,
    token: &str,
    cache: &dyn PageCache,
) -> Result<Listing, ForgeError> {
    let (first, stats) = page(api, token, 1, cache).await?;
    list_rest(api, token, cache, first, stats).await
}

/// The pages after an already fetched first one.
pub async fn list_rest<P: NumberedPages + ?Sized>(
    api: &P,
    token: &str,
    cache: &dyn PageCache,
    first: CachedPage,
    mut stats: ListingStats,
) -> Result<Listing, ForgeError> {
    let announced = first.last_page.unwrap_or(1).min(MAX_PAGES);
    let counted = (first.has_next && announced > 1).then_some(announced);
    cache.progress(1, counted.or((!first.has_next).then_some(1)));
    let mut pages = vec![first];
    if let Some(announced) = counted {
        let done = std::sync::atomic::AtomicU32::new(1);
        let rest: Vec<(CachedPage, ListingStats)> = stream::iter(2..=announced)
            .map(|n| page(api, token, n, cache))
            .buffered(api.concurrency().max(1))
            .inspect_ok(|_| {
                let done = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                cache.progress(done, Some(announced));
            })
            .try_collect()
            .await?;
        for (next, next_stats) in rest {
            add(&mut stats, next_stats);
            pages.push(next);
        }
    }
    let mut number = pages.len() as u32;
    while pages.last().is_some_and(|p| p.has_next) {
        number += 1;
        if number > MAX_PAGES {
            return Err(ForgeError::PagingLoop(format!(
                "more than {MAX_PAGES} pages"
            )));
        }
        let (next, next_stats) = page(api, token, number, cache).await?;
        cache.progress(number, (!next.has_next).then_some(number));
        add(&mut stats, next_stats);
        if next.repos.is_empty() && next.has_next {
            return Err(ForgeError::PagingLoop(format!(
                "page {number} is empty but links to a next page"
            )));
        }
        pages.push(next);
    }
    Ok(Listing {
        repos: dedupe(pages.into_iter().flat_map(|p| p.repos)),
        stats,
    })
}

/// Follows opaque `next` URLs (cursors) from `first_url` until a page has none, collecting what
/// `parse` finds on each page. Such pages cannot be fetched ahead, so they come one at a time; a
/// URL seen twice, or an empty page that links on, is a loop.
pub async fn follow_next<T, F>(
    http: &HttpClient,
    headers: HeaderMap,
    first_url: String,
    parse: F,
) -> Result<(Vec<T>, ListingStats), ForgeError>
where
    F: Fn(&Reply) -> Result<(Vec<T>, Option<String>), ForgeError>,
{
    let mut seen = std::collections::HashSet::new();
    let mut stats = ListingStats::default();
    let mut items = Vec::new();
    let mut url = first_url;
    loop {
        if !seen.insert(url.clone()) {
            return Err(ForgeError::PagingLoop(format!(
                "the next page is one already read ({})",
                path_only(&url)
            )));
        }
        if stats.pages >= MAX_PAGES {
            return Err(ForgeError::PagingLoop(format!(
                "more than {MAX_PAGES} pages"
            )));
        }
        let reply = http.get(&url, headers.clone()).await?;
        add(
            &mut stats,
            ListingStats {
                pages: 1,
                calls: reply.attempts,
                not_modified: 0,
            },
        );
        let (page, next) = parse(&reply)?;
        let empty = page.is_empty();
        items.extend(page);
        match next {
            Some(_) if empty => {
                return Err(ForgeError::PagingLoop(format!(
                    "page {} is empty but links to a next page",
                    stats.pages
                )));
            }
            Some(next) => url = next,
            None => break,
        }
    }
    Ok((items, stats))
}

fn path_only(url: &str) -> String {
    url::Url::parse(url)
        .map(|u| u.path().to_string())
        .unwrap_or_default()
}

fn add(total: &mut ListingStats, page: ListingStats) {
    total.pages += page.pages;
    total.calls += page.calls;
    total.not_modified += page.not_modified;
}

/// Keeps the first appearance of each id: a repository can move between pages while they are read.
pub fn dedupe(repos: impl Iterator<Item = ForgeRepo>) -> Vec<ForgeRepo> {
    let mut seen = std::collections::HashSet::new();
    repos.filter(|r| seen.insert(r.uid.clone())).collect()
}

/// The page count a `Link` header's `rel="last"` URL announces.
pub fn last_page(links: &super::link::Links) -> Option<u32> {
    links
        .last
        .as_deref()
        .and_then(|u| super::link::query_param(u, "page"))
        .and_then(|p| p.parse().ok())
}

/// `Authorization: <scheme> <token>` plus a JSON `Accept`; a token that cannot be a header value
/// is one the forge would refuse anyway.
pub fn auth_headers(
    scheme: &str,
    token: &str,
    accept: &'static str,
) -> Result<HeaderMap, ForgeError> {
    let mut headers = HeaderMap::new();
    let value = HeaderValue::from_str(&format!("{scheme} {token}"))
        .map_err(|_| ForgeError::Unauthorized)?;
    headers.insert(reqwest::header::AUTHORIZATION, value);
    headers.insert(reqwest::header::ACCEPT, HeaderValue::from_static(accept));
    Ok(headers)
}
