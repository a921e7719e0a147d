//! RFC 8288 `Link` headers as forges send them: `<url>; rel="next", <url>; rel="last"`.
//!
//! GitHub separates entries with ", ", Gitea with ","; URLs may contain commas in their query, so
//! entries are split on `<…>` boundaries, not on commas.

/// The links of one response, by relation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Links {
    pub next: Option<String>,
    pub last: Option<String>,
    pub prev: Option<String>,
    pub first: Option<String>,
}

/// Parses a `Link` header; malformed entries are skipped.
pub fn parse(header: &str) -> Links {
    let mut links = Links::default();
    let mut rest = header;
    while let Some(start) = rest.find('<') {
        let Some(end) = rest[start..].find('>') else {
            break;
        };
        let url = &rest[start + 1..start + end];
        let after = &rest[start + end + 1..];
        let params_end = after.find('<').unwrap_or(after.len());
        let params = &after[..params_end];
        rest = &after[params_end..];
        for param in params.split(';') {
            let Some((key, value)) = param.split_once('=') else {
                continue;
            };
            if !key.trim().eq_ignore_ascii_case("rel") {
                continue;
            }
            let value = value.trim().trim_end_matches(',').trim().trim_matches('"');
            for rel in value.split_ascii_whitespace() {
                let slot = match rel.to_ascii_lowercase().as_str() {
                    "next" => &mut links.next,
                    "last" => &mut links.last,
                    "prev" => &mut links.prev,
                    "first" => &mut links.first,
                    _ => continue,
                };
                *slot = Some(url.to_string());
            }
        }
    }
    links
}

/// The value of `name` in a URL's query (`page` in `…?per_page=100&page=3`).
pub fn query_param(url: &str, name: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    parsed
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_style_with_spaces() {
        let header = r#"<https://api.github.com/user/repos?per_page=100&page=2>; rel="next", <https://api.github.com/user/repos?per_page=100&page=50>; rel="last""#;
        let links = parse(header);
        assert_eq!(
            links.next.as_deref(),
            Some("https://api.github.com/user/repos?per_page=100&page=2")
        );
        assert_eq!(
            links.last.as_deref(),
            Some("https://api.github.com/user/repos?per_page=100&page=50")
        );
        assert_eq!(links.prev, None);
    }

    #[test]
    fn gitea_style_without_spaces() {
        let header = r#"<https://git.example.com/api/v1/user/repos?limit=50&page=3>; rel="next",<https://git.example.com/api/v1/user/repos?limit=50&page=9>; rel="last",<https://git.example.com/api/v1/user/repos?limit=50&page=1>; rel="first",<https://git.example.com/api/v1/user/repos?limit=50&page=1>; rel="prev""#;
        let links = parse(header);
        assert_eq!(
            query_param(links.next.as_deref().unwrap(), "page").as_deref(),
            Some("3")
        );
        assert_eq!(
            query_param(links.last.as_deref().unwrap(), "page").as_deref(),
            Some("9")
        );
        assert!(links.first.is_some() && links.prev.is_some());
    }

    #[test]
    fn commas_inside_urls_do_not_split_entries() {
        let header = r#"<https://x.test/r?affiliation=owner,collaborator&page=2>; rel="next""#;
        assert_eq!(
            parse(header).next.as_deref(),
            Some("https://x.test/r?affiliation=owner,collaborator&page=2")
        );
    }

    #[test]
    fn unquoted_and_multiple_relations() {
        let links = parse(
            "<https://x.test/?page=4>; rel=last, <https://x.test/?page=2>; rel=\"next prev\"",
        );
        assert_eq!(links.last.as_deref(), Some("https://x.test/?page=4"));
        assert_eq!(links.next.as_deref(), Some("https://x.test/?page=2"));
        assert_eq!(links.prev.as_deref(), Some("https://x.test/?page=2"));
    }

    proptest::proptest! {
        /// Any header at all parses without panicking, and every URL found was in the header.
        #[test]
        fn any_header_parses_without_panicking(header in ".{0,300}") {
            let links = parse(&header);
            for url in [links.next, links.last, links.prev, links.first].into_iter().flatten() {
                proptest::prop_assert!(header.contains(&url));
            }
        }

        /// Well-formed headers with any URLs and separators keep every relation.
        #[test]
        fn generated_headers_round_trip(
            next in "https://[a-z]{1,8}\\.test/[a-z0-9?=&,;]{0,20}",
            last in "https://[a-z]{1,8}\\.test/[a-z0-9?=&,;]{0,20}",
            separator in proptest::sample::select(vec![",", ", ", " ,  "]),
        ) {
            let header = format!("<{next}>; rel=\"next\"{separator}<{last}>; rel=\"last\"");
            let links = parse(&header);
            proptest::prop_assert_eq!(links.next.as_deref(), Some(next.as_str()));
            proptest::prop_assert_eq!(links.last.as_deref(), Some(last.as_str()));
        }
    }

    #[test]
    fn garbage_yields_nothing_and_never_panics() {
        for header in [
            "",
            "<",
            ">",
            "<<>>",
            "rel=next",
            "<a>;",
            "<a>; rel",
            "<a>; rel=",
            "\u{0}<\u{1}>",
        ] {
            let _ = parse(header);
        }
        assert_eq!(parse("nonsense"), Links::default());
    }
}
