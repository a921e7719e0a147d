//! Planning a sync: compare a complete listing with what is stored, and decide the smallest set
//! of writes. Pure: no I/O, so every rule of the contract is tested here directly.
//!
//! The rules: a repository is identified by its forge id; its metadata is rewritten only when it
//! changed; a permission row is written only when it is new or different; a repository the user
//! no longer reaches loses this user's permission row; and an empty listing never revokes
//! anything when the user had repositories (the forge may have failed silently).

use std::collections::{HashMap, HashSet};

use crate::{
    forge::{ForgeRepo, Perm, Visibility},
    store::{
        apply::{Changes, PermTarget, PermWrite, RepoWrite},
        repos::{Repo, UserRepo},
    },
};

/// What a plan does, in the numbers a person reads ("+2 new, 1 renamed, 1 removed").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PlanCounts {
    /// Repositories listed.
    pub listed: i64,
    /// Repositories this user reaches now and did not before.
    pub added: i64,
    /// Repositories whose metadata or whose permission for this user changed.
    pub updated: i64,
    /// Of those, repositories whose full name changed.
    pub renamed: i64,
    /// Repositories this user no longer reaches.
    pub revoked: i64,
}

/// A plan: the writes, and whether the listing was a suspicious empty one.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    pub changes: Changes,
    pub counts: PlanCounts,
    /// An empty listing for a user who had repositories: nothing revoked.
    pub empty_ignored: bool,
}

/// The stored state a plan compares against.
pub struct Stored<'a> {
    /// This user's permission rows, with their repositories.
    pub current: &'a [UserRepo],
    /// Stored repositories with the listed forge ids (any user's).
    pub by_uid: &'a HashMap<&'a str, &'a Repo>,
    /// Stored repositories holding the listed full names.
    pub by_name: &'a HashMap<&'a str, &'a Repo>,
}

/// A fingerprint of a listing as it would be applied: every field a plan compares, in order, and
/// the repository filter. Two listings with one fingerprint produce the same stored state.
pub fn fingerprint(listing: &[ForgeRepo], filter: Option<&str>) -> String {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    hash.update(filter.unwrap_or("").as_bytes());
    for repo in listing {
        for field in [
            repo.uid.as_str(),
            &repo.namespace,
            &repo.name,
            &repo.full_name,
            repo.visibility.as_str(),
            &repo.default_branch,
            &repo.clone_url,
            &repo.ssh_url,
            &repo.link,
        ] {
            hash.update([0x1f]);
            hash.update(field.as_bytes());
        }
        hash.update([
            0x1e,
            repo.archived as u8,
            repo.perm.pull as u8,
            repo.perm.push as u8,
            repo.perm.admin as u8,
        ]);
    }
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The metadata a sync writes for a listed repository.
pub fn repo_write(repo: &ForgeRepo) -> RepoWrite {
    RepoWrite {
        uid: repo.uid.clone(),
        namespace: repo.namespace.clone(),
        name: repo.name.clone(),
        full_name: repo.full_name.clone(),
        private: repo.visibility != Visibility::Public,
        visibility: repo.visibility.as_str().to_string(),
        branch: repo.default_branch.clone(),
        clone_url: repo.clone_url.clone(),
        ssh_url: repo.ssh_url.clone(),
        link: repo.link.clone(),
        archived: repo.archived,
    }
}

/// Whether the stored row already says what the forge says (compared without copying).
fn unchanged(stored: &Repo, repo: &ForgeRepo) -> bool {
    stored.repo_namespace == repo.namespace
        && stored.repo_name == repo.name
        && stored.repo_full_name == repo.full_name
        && stored.repo_private == (repo.visibility != Visibility::Public)
        && stored.repo_visibility == repo.visibility.as_str()
        && stored.repo_branch == repo.default_branch
        && stored.repo_clone_url == repo.clone_url
        && stored.repo_ssh_url == repo.ssh_url
        && stored.repo_link == repo.link
        && stored.repo_archived == repo.archived
}

/// Plans the writes that bring `user_id`'s stored state in line with `listing`.
pub fn plan(user_id: i64, listing: &[ForgeRepo], stored: &Stored<'_>) -> Plan {
    let mut changes = Changes {
        user_id,
        ..Changes::default()
    };
    let mut counts = PlanCounts {
        listed: listing.len() as i64,
        ..PlanCounts::default()
    };

    if listing.is_empty() && !stored.current.is_empty() {
        return Plan {
            changes,
            counts,
            empty_ignored: true,
        };
    }

    let current: HashMap<i64, &UserRepo> =
        stored.current.iter().map(|r| (r.repo.repo_id, r)).collect();
    let listed_uids: HashSet<&str> = listing.iter().map(|r| r.uid.as_str()).collect();
    let mut reached: HashSet<i64> = HashSet::new();

    for repo in listing {
        let existing = stored.by_uid.get(repo.uid.as_str()).copied();
        // A name held by another forge id that this listing does not rename away: detach it.
        if let Some(holder) = stored.by_name.get(repo.full_name.as_str()) {
            if holder.repo_uid != repo.uid && !listed_uids.contains(holder.repo_uid.as_str()) {
                changes.detach.push(holder.repo_id);
            }
        }
        let (target, metadata_changed) = match existing {
            None => {
                changes.repos.push(repo_write(repo));
                (PermTarget::Inserted(repo.uid.clone()), true)
            }
            Some(row) => {
                reached.insert(row.repo_id);
                let changed = !unchanged(row, repo);
                if row.repo_full_name != repo.full_name {
                    changes.move_aside.push(row.repo_id);
                    counts.renamed += 1;
                }
                if changed {
                    changes.repos.push(repo_write(repo));
                }
                (PermTarget::Stored(row.repo_id), changed)
            }
        };
        let previous = existing.and_then(|row| current.get(&row.repo_id));
        let perm = repo.perm;
        let perm_changed = match previous {
            None => {
                counts.added += 1;
                true
            }
            Some(prev) => {
                Perm {
                    pull: prev.perm_pull,
                    push: prev.perm_push,
                    admin: prev.perm_admin,
                } != perm
            }
        };
        if previous.is_some() && (metadata_changed || perm_changed) {
            counts.updated += 1;
        }
        if perm_changed {
            changes.perms.push(PermWrite {
                target,
                pull: perm.pull,
                push: perm.push,
                admin: perm.admin,
            });
        }
    }

    changes.revoke = stored
        .current
        .iter()
        .map(|r| r.repo.repo_id)
        .filter(|id| !reached.contains(id))
        .collect();
    counts.revoked = changes.revoke.len() as i64;
    changes.detach.sort_unstable();
    changes.detach.dedup();
    Plan {
        changes,
        counts,
        empty_ignored: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forge_repo(uid: &str, full_name: &str, perm: Perm) -> ForgeRepo {
        let (namespace, name) = full_name.split_once('/').unwrap();
        ForgeRepo {
            uid: uid.into(),
            namespace: namespace.into(),
            name: name.into(),
            full_name: full_name.into(),
            visibility: Visibility::Private,
            default_branch: "main".into(),
            clone_url: format!("https://f.test/{full_name}.git"),
            ssh_url: format!("git@f.test:{full_name}.git"),
            link: format!("https://f.test/{full_name}"),
            archived: false,
            perm,
        }
    }

    fn stored_repo(id: i64, repo: &ForgeRepo) -> Repo {
        let w = repo_write(repo);
        Repo {
            repo_id: id,
            repo_uid: w.uid,
            repo_namespace: w.namespace,
            repo_name: w.name,
            repo_full_name: w.full_name,
            repo_private: w.private,
            repo_visibility: w.visibility,
            repo_branch: w.branch,
            repo_clone_url: w.clone_url,
            repo_ssh_url: w.ssh_url,
            repo_link: w.link,
            repo_archived: w.archived,
            repo_synced: 0,
            repo_created: 0,
            repo_updated: 0,
        }
    }

    fn user_repo(repo: Repo, perm: Perm) -> UserRepo {
        UserRepo {
            repo,
            perm_pull: perm.pull,
            perm_push: perm.push,
            perm_admin: perm.admin,
            perm_synced: 0,
        }
    }

    const READ: Perm = Perm {
        pull: true,
        push: false,
        admin: false,
    };
    const WRITE: Perm = Perm {
        pull: true,
        push: true,
        admin: false,
    };

    struct Fixture {
        current: Vec<UserRepo>,
        rows: Vec<Repo>,
    }

    impl Fixture {
        /// Stored rows (id, repo) of which `perm` ones belong to the user.
        fn new(rows: &[(i64, &ForgeRepo, Option<Perm>)]) -> Self {
            let mut f = Fixture {
                current: vec![],
                rows: vec![],
            };
            for (id, repo, perm) in rows {
                let row = stored_repo(*id, repo);
                if let Some(perm) = perm {
                    f.current.push(user_repo(row.clone(), *perm));
                }
                f.rows.push(row);
            }
            f
        }

        fn plan(&self, listing: &[ForgeRepo]) -> Plan {
            let by_uid = self.rows.iter().map(|r| (r.repo_uid.as_str(), r)).collect();
            let by_name = self
                .rows
                .iter()
                .map(|r| (r.repo_full_name.as_str(), r))
                .collect();
            let stored = Stored {
                current: &self.current,
                by_uid: &by_uid,
                by_name: &by_name,
            };
            plan(7, listing, &stored)
        }
    }

    #[test]
    fn first_sync_inserts_everything() {
        let listing = vec![forge_repo("1", "o/a", READ), forge_repo("2", "o/b", WRITE)];
        let plan = Fixture::new(&[]).plan(&listing);
        assert_eq!(plan.changes.repos.len(), 2);
        assert_eq!(plan.changes.perms.len(), 2);
        assert_eq!(
            plan.counts,
            PlanCounts {
                listed: 2,
                added: 2,
                ..Default::default()
            }
        );
    }

    #[test]
    fn an_unchanged_listing_writes_nothing() {
        let a = forge_repo("1", "o/a", READ);
        let plan = Fixture::new(&[(10, &a, Some(READ))]).plan(std::slice::from_ref(&a));
        assert!(
            plan.changes.repos.is_empty()
                && plan.changes.perms.is_empty()
                && plan.changes.revoke.is_empty()
        );
        assert_eq!(
            plan.counts,
            PlanCounts {
                listed: 1,
                ..Default::default()
            }
        );
    }

    #[test]
    fn a_rename_keeps_the_row_and_counts_as_renamed() {
        let old = forge_repo("1", "o/a", READ);
        let new = forge_repo("1", "o/renamed", READ);
        let plan = Fixture::new(&[(10, &old, Some(READ))]).plan(std::slice::from_ref(&new));
        assert_eq!(plan.changes.move_aside, vec![10]);
        assert_eq!(plan.changes.repos[0].full_name, "o/renamed");
        assert!(
            plan.changes.perms.is_empty(),
            "the permission did not change"
        );
        assert_eq!(plan.counts.renamed, 1);
        assert_eq!(plan.counts.updated, 1);
    }

    #[test]
    fn a_name_taken_over_by_a_new_id_detaches_the_old_row() {
        let deleted = forge_repo("1", "o/a", READ);
        let recreated = forge_repo("2", "o/a", READ);
        let plan =
            Fixture::new(&[(10, &deleted, Some(READ))]).plan(std::slice::from_ref(&recreated));
        assert_eq!(plan.changes.detach, vec![10]);
        assert_eq!(plan.changes.revoke, vec![10]);
        assert_eq!(
            plan.changes.perms[0].target,
            PermTarget::Inserted("2".into())
        );
    }

    #[test]
    fn swapped_names_move_aside_without_detaching() {
        let a = forge_repo("1", "o/a", READ);
        let b = forge_repo("2", "o/b", READ);
        let fixture = Fixture::new(&[(10, &a, Some(READ)), (11, &b, Some(READ))]);
        let plan = fixture.plan(&[forge_repo("1", "o/b", READ), forge_repo("2", "o/a", READ)]);
        assert!(plan.changes.detach.is_empty());
        assert_eq!(plan.changes.move_aside, vec![10, 11]);
        assert_eq!(plan.counts.renamed, 2);
    }

    #[test]
    fn permission_changes_are_written_and_unlisted_repos_revoked() {
        let a = forge_repo("1", "o/a", READ);
        let b = forge_repo("2", "o/b", READ);
        let plan = Fixture::new(&[(10, &a, Some(READ)), (11, &b, Some(READ))])
            .plan(&[forge_repo("1", "o/a", WRITE)]);
        assert_eq!(
            plan.changes.perms,
            vec![PermWrite {
                target: PermTarget::Stored(10),
                pull: true,
                push: true,
                admin: false
            }]
        );
        assert_eq!(plan.changes.revoke, vec![11]);
        assert_eq!(
            plan.counts,
            PlanCounts {
                listed: 1,
                updated: 1,
                revoked: 1,
                ..Default::default()
            }
        );
    }

    #[test]
    fn a_repository_known_from_another_user_is_added_without_rewriting_it() {
        let shared = forge_repo("1", "o/shared", READ);
        let plan = Fixture::new(&[(10, &shared, None)]).plan(std::slice::from_ref(&shared));
        assert!(plan.changes.repos.is_empty());
        assert_eq!(plan.changes.perms[0].target, PermTarget::Stored(10));
        assert_eq!(plan.counts.added, 1);
    }

    #[test]
    fn empty_listing_revokes_nothing() {
        let a = forge_repo("1", "o/a", READ);
        let plan = Fixture::new(&[(10, &a, Some(READ))]).plan(&[]);
        assert!(plan.empty_ignored);
        assert!(plan.changes.revoke.is_empty());
    }

    #[test]
    fn an_empty_listing_for_a_user_with_nothing_is_just_empty() {
        let plan = Fixture::new(&[]).plan(&[]);
        assert!(!plan.empty_ignored);
    }

    #[test]
    fn the_fingerprint_sees_every_field_the_plan_compares() {
        let base = vec![forge_repo("1", "o/a", READ), forge_repo("2", "o/b", WRITE)];
        let print = fingerprint(&base, None);
        assert_eq!(print, fingerprint(&base.clone(), None));
        let changed: [fn(&mut ForgeRepo); 6] = [
            |r| r.perm.push = true,
            |r| r.archived = true,
            |r| r.default_branch = "dev".into(),
            |r| r.full_name = "o/z".into(),
            |r| r.visibility = Visibility::Public,
            |r| r.link.push('/'),
        ];
        for change in changed {
            let mut other = base.clone();
            change(&mut other[0]);
            assert_ne!(fingerprint(&other, None), print);
        }
        assert_ne!(
            fingerprint(&base, Some("acme*")),
            print,
            "a new filter means a new plan"
        );
        assert_ne!(fingerprint(&base[..1], None), print);
        // Field boundaries matter: moving a character between fields changes the print.
        let mut shifted = base.clone();
        shifted[0].namespace = "o/".into();
        shifted[0].full_name = "a".into();
        let mut plain = base.clone();
        plain[0].namespace = "o".into();
        plain[0].full_name = "/a".into();
        assert_ne!(fingerprint(&shifted, None), fingerprint(&plain, None));
    }

    #[test]
    fn archiving_is_a_metadata_change() {
        let a = forge_repo("1", "o/a", READ);
        let mut archived = a.clone();
        archived.archived = true;
        let plan = Fixture::new(&[(10, &a, Some(READ))]).plan(&[archived]);
        assert_eq!(plan.changes.repos.len(), 1);
        assert!(plan.changes.repos[0].archived);
        assert_eq!(plan.counts.updated, 1);
    }
}
