//! Any text as the page's query string (a shared link or an embed's
//! parameters): decoding must never panic, and whatever settings or
//! interventions it yields must validate or be refused with an error.
#![no_main]
use replica_web::embed::Embed;
use replica_web::link::{check_log, Link};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(query) = std::str::from_utf8(data) else {
        return;
    };
    let (link, errors) = Link::parse(query);
    for e in &errors {
        assert!(!e.to_string().is_empty());
    }
    for file in [link.start, link.file].into_iter().flatten() {
        let _ = file.validate();
    }
    for nodes in [1, 3, 9] {
        let _ = check_log(&link.log, nodes);
    }
    let embed = Embed::parse(query, "http://127.0.0.1:8080");
    let _ = embed.allows("https://course.example");
});
