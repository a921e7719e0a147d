//! `GET /events`: server-sent events telling an open dashboard about its user's syncs — started
//! anywhere (this tab, another tab, the API, a webhook), their progress, and how they ended — so
//! the page updates itself without polling.

use std::{convert::Infallible, time::Duration};

use app::model::LiveEvent;
use axum::{
    extract::State,
    response::sse::{Event, KeepAlive, Sse},
};
use futures::{stream, Stream, StreamExt};
use tokio::sync::broadcast::error::RecvError;

use super::{auth::Caller, AppState};
use crate::sync::SyncEvent;

fn live(event: &SyncEvent) -> LiveEvent {
    match event {
        SyncEvent::Started { .. } => LiveEvent::Started,
        SyncEvent::Progress {
            pages_done,
            pages_total,
            ..
        } => LiveEvent::Progress {
            done: *pages_done,
            total: *pages_total,
        },
        SyncEvent::Finished { .. } => LiveEvent::Finished,
        SyncEvent::Failed { .. } => LiveEvent::Failed,
        SyncEvent::Changed { .. } => LiveEvent::Changed,
    }
}

fn message(event: LiveEvent) -> Event {
    Event::default().data(event.to_line())
}

/// The caller's sync events, as long as the connection lasts.
pub async fn events(
    State(state): State<AppState>,
    caller: Caller,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let user_id = caller.user.user_id;
    let engine = &state.services.engine;
    // Subscribe first, then read the state: nothing can fall between the two.
    let receiver = engine.subscribe();
    let idle = (!engine.is_syncing(user_id)).then_some(LiveEvent::Idle);
    let first = stream::iter(idle.map(|event| Ok(message(event))));
    let stream = stream::unfold(receiver, move |mut receiver| async move {
        loop {
            match receiver.recv().await {
                Ok(event) if event.user_id() == user_id => {
                    return Some((Ok(message(live(&event))), receiver));
                }
                Ok(_) => continue,
                // A slow reader missed some progress; the next event carries the state on.
                Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => return None,
            }
        }
    });
    Sse::new(first.chain(stream)).keep_alive(KeepAlive::new().interval(Duration::from_secs(20)))
}
