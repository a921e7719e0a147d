//! The dashboard's repository list: a user's rows filtered by text, namespace and archived
//! state, counted per namespace, and cut into pages — so a browser never receives 10,000 rows.

use app::model::{Access, RepoPage, RepoQuery, RepoRow};

use crate::store::repos::UserRepo;

/// Rows per page.
pub const PAGE_SIZE: usize = 50;

fn access(row: &UserRepo) -> Access {
    if row.perm_admin {
        Access::Admin
    } else if row.perm_push {
        Access::Push
    } else {
        Access::Pull
    }
}

/// The page of `rows` (ordered by full name) that `query` asks for.
pub fn page(rows: &[UserRepo], query: &RepoQuery) -> RepoPage {
    let text = query.text.trim().to_lowercase();
    let shown = |r: &&UserRepo| query.archived || !r.repo.repo_archived;
    let mut namespaces: Vec<(String, usize)> = Vec::new();
    for row in rows.iter().filter(shown) {
        match namespaces.last_mut() {
            Some((name, count)) if *name == row.repo.repo_namespace => *count += 1,
            _ => namespaces.push((row.repo.repo_namespace.clone(), 1)),
        }
    }
    // Rows come ordered by full name, so one namespace's rows are adjacent — except where a
    // namespace is a prefix of another's name; merge those.
    namespaces.sort_by(|a, b| a.0.cmp(&b.0));
    namespaces.dedup_by(|next, kept| {
        if next.0 == kept.0 {
            kept.1 += next.1;
            true
        } else {
            false
        }
    });
    let matching: Vec<&UserRepo> = rows
        .iter()
        .filter(shown)
        .filter(|r| query.namespace.is_empty() || r.repo.repo_namespace == query.namespace)
        .filter(|r| text.is_empty() || r.repo.repo_full_name.to_lowercase().contains(&text))
        .collect();
    let pages = matching.len().div_ceil(PAGE_SIZE).max(1) as u32;
    let page = query.page.clamp(1, pages);
    let rows_out = matching
        .iter()
        .skip((page as usize - 1) * PAGE_SIZE)
        .take(PAGE_SIZE)
        .map(|r| RepoRow {
            full_name: r.repo.repo_full_name.clone(),
            link: r.repo.repo_link.clone(),
            visibility: r.repo.repo_visibility.clone(),
            archived: r.repo.repo_archived,
            access: access(r),
            default_branch: r.repo.repo_branch.clone(),
        })
        .collect();
    RepoPage {
        rows: rows_out,
        total: rows.len(),
        matched: matching.len(),
        page,
        pages,
        namespaces,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::repos::Repo;

    fn row(namespace: &str, name: &str, archived: bool, admin: bool, push: bool) -> UserRepo {
        UserRepo {
            repo: Repo {
                repo_id: 1,
                repo_uid: format!("{namespace}/{name}"),
                repo_namespace: namespace.into(),
                repo_name: name.into(),
                repo_full_name: format!("{namespace}/{name}"),
                repo_private: true,
                repo_visibility: "private".into(),
                repo_branch: "main".into(),
                repo_clone_url: String::new(),
                repo_ssh_url: String::new(),
                repo_link: String::new(),
                repo_archived: archived,
                repo_synced: 0,
                repo_created: 0,
                repo_updated: 0,
            },
            perm_pull: true,
            perm_push: push,
            perm_admin: admin,
            perm_synced: 0,
        }
    }

    #[test]
    fn filters_count_and_pages() {
        let mut rows: Vec<UserRepo> = (0..120)
            .map(|i| row("acme", &format!("r{i:03}"), false, i == 0, i < 10))
            .collect();
        rows.push(row("acme", "zz-old", true, false, false));
        rows.push(row("acme-labs", "x", false, false, false));
        rows.push(row("zed", "api", false, false, false));
        rows.sort_by(|a, b| a.repo.repo_full_name.cmp(&b.repo.repo_full_name));

        let all = page(
            &rows,
            &RepoQuery {
                page: 1,
                ..RepoQuery::default()
            },
        );
        assert_eq!(
            (all.total, all.matched, all.pages, all.rows.len()),
            (123, 122, 3, 50)
        );
        assert_eq!(
            all.namespaces,
            [
                ("acme".to_string(), 120),
                ("acme-labs".into(), 1),
                ("zed".into(), 1)
            ]
        );
        let access = |name: &str| {
            all.rows
                .iter()
                .find(|r| r.full_name == name)
                .unwrap()
                .access
        };
        assert_eq!(access("acme/r000"), Access::Admin);
        assert_eq!(access("acme/r001"), Access::Push);
        assert_eq!(access("acme/r020"), Access::Pull);

        let last = page(
            &rows,
            &RepoQuery {
                page: 99,
                ..RepoQuery::default()
            },
        );
        assert_eq!(
            (last.page, last.rows.len()),
            (3, 22),
            "a page past the end shows the last"
        );
        let text = page(
            &rows,
            &RepoQuery {
                text: " API ".into(),
                ..RepoQuery::default()
            },
        );
        assert_eq!(
            text.rows
                .iter()
                .map(|r| r.full_name.as_str())
                .collect::<Vec<_>>(),
            ["zed/api"]
        );
        let ns = page(
            &rows,
            &RepoQuery {
                namespace: "acme-labs".into(),
                ..RepoQuery::default()
            },
        );
        assert_eq!(ns.matched, 1);
        let archived = page(
            &rows,
            &RepoQuery {
                text: "old".into(),
                archived: true,
                ..RepoQuery::default()
            },
        );
        assert_eq!(archived.matched, 1);
        assert!(archived.rows[0].archived);
        let empty = page(&[], &RepoQuery::default());
        assert_eq!((empty.pages, empty.page, empty.rows.len()), (1, 1, 0));
    }
}
