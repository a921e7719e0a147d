//! Any bytes as a `Link` header: parsing never panics, and every URL it finds was in the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use server::forge::link;

fuzz_target!(|data: &[u8]| {
    if let Ok(header) = std::str::from_utf8(data) {
        let links = link::parse(header);
        for url in [links.next, links.last, links.prev, links.first].into_iter().flatten() {
            assert!(header.contains(&url));
            let _ = link::query_param(&url, "page");
        }
    }
});
