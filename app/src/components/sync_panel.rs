//! The sync panel: how long ago the list was synced (ticking on its own), whether that is stale,
//! how the last sync failed, and the Synchronize button — disabled with progress while any sync
//! of this user runs, wherever it was started, and a summary when it ends.

use std::time::Duration;

use leptos::{prelude::*, server_fn::ServerFn};

use crate::{
    api::{get_sync_state, Synchronize},
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

    /// Takes the state as the server has it now (after an event said it changed).
    fn refresh(self, show_summary: bool) {
        leptos::task::spawn_local(async move {
            let Ok(state) = get_sync_state().await else {
                return;
            };
            self.now.update(|now| *now = (*now).max(state.now));
            self.syncing.set(state.syncing);
            if !state.syncing {
                self.progress.set(None);
            }
            // A finished sync may have changed the list even within the same second.
            if show_summary || state.synced != self.synced.get_untracked() {
                self.synced.set(state.synced);
                self.version.update(|v| *v += 1);
            }
            self.failure.set(state.failure);
            if show_summary {
                self.summary.set(state.summary);
            }
        });
    }

    fn hear(self, event: LiveEvent) {
        match event {
            LiveEvent::Idle => {
                if self.syncing.get_untracked() {
                    self.refresh(false);
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
            LiveEvent::Finished => self.refresh(true),
            LiveEvent::Failed => self.refresh(false),
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
    // Whether this page's own Synchronize call is in flight (a plain signal and a spawned call:
    // an action's machinery would cost the bundle more than it gives here).
    let pending = RwSignal::new(false);

    // Effects run only in the browser: the clock ticks and events arrive after hydration.
    Effect::new(move |_| {
        set_interval(move || live.now.update(|n| *n += 5), Duration::from_secs(5));
        live::listen(move |event| live.hear(event));
    });
    let synchronize = move || {
        pending.set(true);
        leptos::task::spawn_local(async move {
            let result = crate::api::synchronize().await;
            pending.set(false);
            match result {
                Ok(SyncOutcome::Done { summary, synced }) => live.finished(summary, synced),
                Ok(SyncOutcome::Failed(failure)) => live.failed(failure),
                Err(error) => live.failed(Failure {
                    kind: FailureKind::Other,
                    message: error.to_string(),
                    at: live.now.get_untracked(),
                }),
            }
        });
    };

    let busy = move || live.syncing.get() || pending.get();
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
                // A plain form: without JavaScript it posts to the server function, which syncs
                // and redirects back; with it, the submit is taken over and the page stays.
                <form
                    method="post"
                    action={<Synchronize as ServerFn>::PATH}
                    on:submit=move |ev| {
                        ev.prevent_default();
                        if !busy() {
                            synchronize();
                        }
                    }
                >
                    <button
                        type="submit"
                        class="button"
                        data-testid="synchronize"
                        disabled=busy
                        aria-disabled=move || busy().to_string()
                    >
                        {move || if busy() { "Syncing…" } else { "Synchronize" }}
                    </button>
                </form>
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
