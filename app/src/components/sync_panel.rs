//! The sync panel: how long ago the list was synced (ticking on its own), whether that is stale,
//! how the last sync failed, and the Synchronize button — disabled with progress while any sync
//! of this user runs, wherever it was started, and a summary when it ends.

use std::time::Duration;

use leptos::prelude::*;

use crate::{
    api::Synchronize,
    live,
    model::{Failure, FailureKind, LiveEvent, Summary, SyncOutcome, SyncState},
    wording,
};

/// The panel's live state, updated by the button's result and by server-sent events.
#[derive(Clone, Copy)]
struct Live {
    synced: RwSignal<i64>,
    now: RwSignal<i64>,
    syncing: RwSignal<bool>,
    progress: RwSignal<Option<(u32, Option<u32>)>>,
    failure: RwSignal<Option<Failure>>,
    summary: RwSignal<Option<Summary>>,
    /// Bumped when a sync ended: the repository list reloads.
    version: RwSignal<u32>,
}

impl Live {
    fn finished(self, summary: Summary, synced: i64) {
        self.synced.set(synced);
        self.now.update(|now| *now = (*now).max(synced));
        self.syncing.set(false);
        self.progress.set(None);
        self.failure.set(None);
        self.summary.set(Some(summary));
        self.version.update(|v| *v += 1);
    }

    fn failed(self, failure: Failure) {
        self.syncing.set(false);
        self.progress.set(None);
        self.summary.set(None);
        self.failure.set(Some(failure));
    }

    fn hear(self, event: LiveEvent) {
        match event {
            LiveEvent::Idle { synced } => {
                if self.syncing.get_untracked() || synced != self.synced.get_untracked() {
                    self.syncing.set(false);
                    self.progress.set(None);
                    self.synced.set(synced);
                    self.now.update(|now| *now = (*now).max(synced));
                    self.version.update(|v| *v += 1);
                }
            }
            LiveEvent::Started => {
                self.syncing.set(true);
                self.progress.set(None);
            }
            LiveEvent::Progress { done, total } => {
                self.syncing.set(true);
                self.progress.set(Some((done, total)));
            }
            LiveEvent::Finished { summary, synced } => self.finished(summary, synced),
            LiveEvent::Failed { failure } => self.failed(failure),
            LiveEvent::Changed => self.version.update(|v| *v += 1),
        }
    }
}

#[component]
pub fn SyncPanel(state: SyncState, version: RwSignal<u32>) -> impl IntoView {
    let live = Live {
        synced: RwSignal::new(state.synced),
        now: RwSignal::new(state.now),
        syncing: RwSignal::new(state.syncing),
        progress: RwSignal::new(None),
        failure: RwSignal::new(state.failure.clone()),
        summary: RwSignal::new(None),
        version,
    };
    let forge = StoredValue::new(state.forge.clone());
    let stale_after = state.stale_after;
    let action = ServerAction::<Synchronize>::new();

    // Effects run only in the browser: the clock ticks and events arrive after hydration.
    Effect::new(move |_| {
        set_interval(move || live.now.update(|n| *n += 5), Duration::from_secs(5));
        live::listen(move |event| live.hear(event));
    });
    Effect::new(move |_| {
        if let Some(result) = action.value().get() {
            match result {
                Ok(SyncOutcome::Done { summary, synced }) => live.finished(summary, synced),
                Ok(SyncOutcome::Failed(failure)) => live.failed(failure),
                Err(error) => live.failed(Failure {
                    kind: FailureKind::Other,
                    message: error.to_string(),
                    at: live.now.get_untracked(),
                }),
            }
        }
    });

    let busy = move || live.syncing.get() || action.pending().get();
    let stale = move || {
        let synced = live.synced.get();
        synced > 0 && live.now.get() - synced >= stale_after
    };
    let status = move || {
        if busy() {
            let progress = live.progress.get();
            wording::progress(progress.map(|p| p.0), progress.and_then(|p| p.1))
        } else if let Some(summary) = live.summary.get() {
            format!("Synchronized: {}.", wording::summary(&summary))
        } else {
            String::new()
        }
    };

    view! {
        <section class="card sync-panel" aria-labelledby="sync-title">
            <h2 id="sync-title" class="sr-only">"Synchronization"</h2>
            <div class="sync-row">
                <p
                    class="sync-age"
                    class:stale=stale
                    data-testid="sync-age"
                    title=move || {
                        let synced = live.synced.get();
                        if synced > 0 { format!("Last synced {}", wording::utc(synced)) } else { String::new() }
                    }
                >
                    {move || wording::synced_line(live.synced.get(), live.now.get())}
                    {move || stale().then(|| view! { <span class="badge stale-badge">" stale"</span> })}
                </p>
                <ActionForm action>
                    <button
                        type="submit"
                        class="button"
                        data-testid="synchronize"
                        disabled=busy
                        aria-disabled=move || busy().to_string()
                    >
                        {move || if busy() { "Syncing…" } else { "Synchronize" }}
                    </button>
                </ActionForm>
            </div>
            <p class="sync-status" role="status" aria-live="polite" data-testid="sync-status">
                {status}
            </p>
            {move || {
                live.failure.get().map(|failure| {
                    let expired = failure.kind == FailureKind::LoginExpired;
                    let message = forge.with_value(|forge| wording::failure(&failure, forge));
                    view! {
                        <div class="alert" role="alert" data-testid="sync-failure">
                            <p>{message}</p>
                            {expired.then(|| view! { <a class="button" href="/login" rel="external">"Sign in again"</a> })}
                            <p class="muted">{format!("At {}.", wording::utc(failure.at))}</p>
                        </div>
                    }
                })
            }}
        </section>
    }
}
