//! Any body, correctly signed, for every forge and a chosen event name: verification passes, so
//! each forge's payload parser sees arbitrary input. It must answer, never panic.
#![no_main]

use http::HeaderMap;
use libfuzzer_sys::fuzz_target;
use server::forge::{webhook, ForgeKind};

const SECRET: &str = "fuzz";
const EVENTS: [&str; 9] =
    ["repository", "installation_repositories", "fork", "System Hook", "Project Hook", "repo:created", "repo:updated", "repo:transfer", "repo:modified"];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else { return };
    let event = EVENTS[selector as usize % EVENTS.len()];
    let hmac = webhook::sign(body, SECRET);
    let mut headers = HeaderMap::new();
    for (name, value) in [
        ("x-github-event", event.to_string()),
        ("x-gitea-event", event.to_string()),
        ("x-gogs-event", event.to_string()),
        ("x-gitlab-event", event.to_string()),
        ("x-event-key", event.to_string()),
        ("x-gitlab-token", SECRET.to_string()),
        ("x-hub-signature-256", format!("sha256={hmac}")),
        ("x-hub-signature", format!("sha256={hmac}")),
        ("x-gitea-signature", hmac.clone()),
        ("x-gogs-signature", hmac.clone()),
    ] {
        headers.insert(name, value.parse().expect("ASCII header values"));
    }
    for forge in ForgeKind::ALL {
        let _ = webhook::receive(forge, &headers, body, SECRET);
    }
});
