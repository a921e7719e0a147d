//! How sync facts are put into words on the dashboard: ages ("Synced 3 minutes ago"), summaries
//! ("+2 new, 1 renamed, 1 removed"), progress ("Syncing… 4 / 12 pages") and failures ("GitHub is
//! rate limiting until 14:05 UTC"). Plain functions, so they are tested without a browser and
//! render identically on the server and in the WASM.

use crate::model::{Failure, FailureKind, Summary};

/// "just now", "3 minutes ago", "2 hours ago", "4 days ago".
pub fn ago(seconds: i64) -> String {
    let seconds = seconds.max(0);
    let (n, unit) = match seconds {
        0..45 => return "just now".into(),
        45..3_600 => ((seconds + 30) / 60, "minute"),
        3_600..86_400 => ((seconds + 1_800) / 3_600, "hour"),
        _ => ((seconds + 43_200) / 86_400, "day"),
    };
    let n = n.max(1);
    format!("{n} {unit}{} ago", if n == 1 { "" } else { "s" })
}

/// The last-sync line: "Never synced" or "Synced 3 minutes ago".
pub fn synced_line(synced: i64, now: i64) -> String {
    if synced <= 0 {
        "Never synced".into()
    } else {
        format!("Synced {}", ago(now - synced))
    }
}

/// A unix time as `YYYY-MM-DD HH:MM UTC` (the exact time on hover).
pub fn utc(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        secs / 3600,
        secs % 3600 / 60
    )
}

/// `HH:MM UTC`.
pub fn clock(unix: i64) -> String {
    let secs = unix.rem_euclid(86_400);
    format!("{:02}:{:02} UTC", secs / 3600, secs % 3600 / 60)
}

/// Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// "+2 new, 1 renamed, 1 removed", or "No changes".
pub fn summary(s: &Summary) -> String {
    let mut parts = Vec::new();
    if s.added > 0 {
        parts.push(format!("+{} new", s.added));
    }
    if s.renamed > 0 {
        parts.push(format!("{} renamed", s.renamed));
    }
    if s.updated > 0 {
        parts.push(format!("{} updated", s.updated));
    }
    if s.revoked > 0 {
        parts.push(format!("{} removed", s.revoked));
    }
    if parts.is_empty() {
        "No changes".into()
    } else {
        parts.join(", ")
    }
}

/// "Syncing…", "Syncing… 4 pages", "Syncing… 4 / 12 pages".
pub fn progress(done: Option<u32>, total: Option<u32>) -> String {
    match (done, total) {
        (Some(done), Some(total)) => format!("Syncing… {done} / {total} pages"),
        (Some(done), None) => format!("Syncing… {done} page{}", if done == 1 { "" } else { "s" }),
        _ => "Syncing…".into(),
    }
}

/// What a failure means for the person looking at it.
pub fn failure(f: &Failure, forge: &str) -> String {
    match f.kind {
        FailureKind::LoginExpired => format!("Your {forge} login expired — sign in again."),
        FailureKind::RateLimited { until } => {
            format!(
                "{forge} is rate limiting until {}; try again then.",
                clock(until)
            )
        }
        FailureKind::Other => format!("The last sync failed: {}", f.message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_naturally() {
        assert_eq!(ago(0), "just now");
        assert_eq!(ago(44), "just now");
        assert_eq!(ago(60), "1 minute ago");
        assert_eq!(ago(180), "3 minutes ago");
        assert_eq!(ago(3 * 3600), "3 hours ago");
        assert_eq!(ago(86_400), "1 day ago");
        assert_eq!(ago(4 * 86_400), "4 days ago");
        assert_eq!(ago(-5), "just now", "a clock slightly behind");
        assert_eq!(synced_line(0, 100), "Never synced");
        assert_eq!(synced_line(100, 280), "Synced 3 minutes ago");
    }

    #[test]
    fn times_are_utc() {
        assert_eq!(utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc(1_796_400_000), "2026-12-04 16:00 UTC");
        assert_eq!(clock(1_796_400_000 + 45 * 60), "16:45 UTC");
    }

    #[test]
    fn summaries_and_progress() {
        let s = Summary {
            listed: 40,
            added: 2,
            renamed: 1,
            revoked: 1,
            updated: 0,
        };
        assert_eq!(summary(&s), "+2 new, 1 renamed, 1 removed");
        assert_eq!(summary(&Summary::default()), "No changes");
        assert_eq!(progress(Some(4), Some(12)), "Syncing… 4 / 12 pages");
        assert_eq!(progress(Some(1), None), "Syncing… 1 page");
        assert_eq!(progress(None, None), "Syncing…");
    }

    #[test]
    fn failures_say_what_to_do() {
        let f = |kind| Failure {
            kind,
            message: "the forge failed (500): boom".into(),
            at: 0,
        };
        assert_eq!(
            failure(&f(FailureKind::LoginExpired), "GitHub"),
            "Your GitHub login expired — sign in again."
        );
        assert_eq!(
            failure(
                &f(FailureKind::RateLimited {
                    until: 1_796_400_000 + 45 * 60
                }),
                "GitHub"
            ),
            "GitHub is rate limiting until 16:45 UTC; try again then."
        );
        assert!(failure(&f(FailureKind::Other), "GitHub").contains("boom"));
    }
}
