//! The scheduled refresh (`REPOSYNC_SYNC_INTERVAL`): what webhooks cannot see — permission
//! changes, forges without lifecycle events (Gogs) — is caught by re-syncing every user whose
//! last success is older than the interval.
//!
//! A few users at a time, each after a random delay (so that many servers, or a restart, do not
//! hit the forge at one instant), and never while the forge is rate limiting: a scheduled sync
//! that meets a rate limit pauses the schedule until the limit resets, leaving the budget to
//! people and webhooks.

use std::{
    sync::Arc,
    time::{Duration, SystemTime},
};

use futures::StreamExt;

use super::{Engine, SyncError, Trigger};
use crate::forge::ForgeError;

/// Scheduled syncs run at once.
const CONCURRENCY: usize = 2;
/// Users taken per round.
const PER_ROUND: i64 = 100;

/// How often the schedule looks for users due: a tenth of the period, between 1 s and 5 min.
fn tick(period: Duration) -> Duration {
    (period / 10).clamp(Duration::from_secs(1), Duration::from_secs(300))
}

/// A random delay below `max`, from the clock's nanoseconds (no cryptographic need).
fn jitter(max: Duration) -> Duration {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    max.mul_f64(f64::from(nanos % 1_000) / 1_000.0)
}

/// Runs the schedule until aborted.
pub fn start(engine: Arc<Engine>, period: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut paused_until: Option<SystemTime> = None;
        loop {
            tokio::time::sleep(tick(period)).await;
            if paused_until.is_some_and(|until| until > SystemTime::now()) {
                continue;
            }
            let cutoff = crate::store::now_s() - period.as_secs() as i64;
            let due = match engine.database().users_due(cutoff, PER_ROUND).await {
                Ok(due) => due,
                Err(error) => {
                    tracing::warn!(%error, "the scheduled refresh could not read who is due");
                    continue;
                }
            };
            if due.is_empty() {
                continue;
            }
            tracing::info!(users = due.len(), "scheduled refresh");
            let spread = tick(period).min(Duration::from_secs(60));
            let limited = futures::stream::iter(due)
                .map(|user| {
                    let engine = Arc::clone(&engine);
                    async move {
                        tokio::time::sleep(jitter(spread)).await;
                        match engine.sync(user, Trigger::Scheduled).await {
                            Err(SyncError::Forge(ForgeError::RateLimited { until })) => Some(until),
                            _ => None,
                        }
                    }
                })
                .buffer_unordered(CONCURRENCY)
                .filter_map(|until| async move { until })
                .collect::<Vec<_>>()
                .await;
            paused_until = limited.into_iter().max();
            if let Some(until) = paused_until {
                tracing::info!(
                    ?until,
                    "the forge is rate limiting; the scheduled refresh waits"
                );
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_and_jitter_stay_in_bounds() {
        assert_eq!(tick(Duration::from_secs(60)), Duration::from_secs(6));
        assert_eq!(tick(Duration::from_secs(2)), Duration::from_secs(1));
        assert_eq!(tick(Duration::from_secs(3600)), Duration::from_secs(300));
        assert_eq!(
            tick(Duration::from_secs(24 * 3600)),
            Duration::from_secs(300)
        );
        for _ in 0..100 {
            assert!(jitter(Duration::from_secs(5)) < Duration::from_secs(5));
        }
    }
}
