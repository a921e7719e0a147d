//! `REPOSYNC_REPO_FILTER`: which repositories Reposync keeps (Drone's "limiter").
//!
//! A comma-separated list of globs. A glob without `/` matches the namespace (`acme`, `acme-*`,
//! `team/*` for GitLab subgroups needs the slash form); a glob with `/` matches the full name
//! (`acme/api-*`). No filter keeps everything. Repositories a filter drops count as not listed.

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::forge::ForgeRepo;

/// A parsed filter.
#[derive(Clone, Debug)]
pub struct RepoFilter {
    namespaces: GlobSet,
    full_names: GlobSet,
    source: String,
}

impl RepoFilter {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let mut namespaces = GlobSetBuilder::new();
        let mut full_names = GlobSetBuilder::new();
        let mut any = false;
        for pattern in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let glob = Glob::new(pattern).map_err(|e| format!("`{pattern}` is not a glob: {e}"))?;
            if pattern.contains('/') {
                full_names.add(glob);
            } else {
                namespaces.add(glob);
            }
            any = true;
        }
        if !any {
            return Err("the filter lists no patterns".into());
        }
        let build = |b: GlobSetBuilder| b.build().map_err(|e| e.to_string());
        Ok(RepoFilter {
            namespaces: build(namespaces)?,
            full_names: build(full_names)?,
            source: raw.to_string(),
        })
    }

    pub fn keeps(&self, repo: &ForgeRepo) -> bool {
        self.namespaces.is_match(&repo.namespace) || self.full_names.is_match(&repo.full_name)
    }

    pub fn as_str(&self) -> &str {
        &self.source
    }
}

impl std::str::FromStr for RepoFilter {
    type Err = String;
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        Self::parse(raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forge::{Perm, Visibility};

    fn repo(full_name: &str) -> ForgeRepo {
        let (namespace, name) = full_name.rsplit_once('/').unwrap();
        ForgeRepo {
            uid: full_name.into(),
            namespace: namespace.into(),
            name: name.into(),
            full_name: full_name.into(),
            visibility: Visibility::Private,
            default_branch: "main".into(),
            clone_url: String::new(),
            ssh_url: String::new(),
            link: String::new(),
            archived: false,
            perm: Perm::default(),
        }
    }

    #[test]
    fn namespace_and_full_name_globs() {
        let filter = RepoFilter::parse("acme, team-*, other/api-*").unwrap();
        assert!(filter.keeps(&repo("acme/x")));
        assert!(filter.keeps(&repo("team-red/x")));
        assert!(filter.keeps(&repo("other/api-gateway")));
        assert!(!filter.keeps(&repo("other/web")));
        assert!(!filter.keeps(&repo("acme-corp/x")));
    }

    #[test]
    fn bad_filters_are_refused() {
        assert!(RepoFilter::parse("").is_err());
        assert!(RepoFilter::parse(" , ").is_err());
        assert!(RepoFilter::parse("a[").is_err());
    }
}
