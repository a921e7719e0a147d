//! Live updates in the browser: the dashboard subscribes to `/events` (server-sent events,
//! through gloo-net's `EventSource`) and hears about every sync of its user, whoever started it.
//! The browser reconnects by itself when the connection drops.

use crate::model::LiveEvent;

/// Calls `on_event` with each event for the signed-in user, for as long as the page lives.
#[cfg(feature = "hydrate")]
pub fn listen(on_event: impl Fn(LiveEvent) + 'static) {
    use futures::StreamExt;
    use gloo_net::eventsource::futures::EventSource;

    let Ok(mut source) = EventSource::new("/events") else {
        return;
    };
    let Ok(mut messages) = source.subscribe("message") else {
        return;
    };
    leptos::task::spawn_local(async move {
        // The source lives in the task: dropping it would close the connection.
        let _source = source;
        while let Some(message) = messages.next().await {
            let Ok((_, event)) = message else {
                continue;
            };
            if let Some(event) = event
                .data()
                .as_string()
                .and_then(|data| LiveEvent::parse(&data))
            {
                on_event(event);
            }
        }
    });
}

/// On the server there is nothing to listen to: pages are rendered once.
#[cfg(not(feature = "hydrate"))]
pub fn listen(_on_event: impl Fn(LiveEvent) + 'static) {}
