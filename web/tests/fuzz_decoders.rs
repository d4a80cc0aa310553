//! Randomised inputs for the page's decoders of outside input — URL query
//! strings (links and embedding parameters) and postMessage commands —
//! run in the browser. Thousands of generated inputs, mixing known keys,
//! hostile values and garbage, must never panic: a link always yields a
//! lab (with a banner when something was refused) and a command is either
//! understood or ignored. The generator is the engine's seeded RNG, so a
//! failure reproduces exactly.

use replica_engine::rng::Rng;
use replica_web::embed::{Command, Embed};
use replica_web::link::{b64_encode, Link};
use replica_web::state::Lab;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const KEYS: &[&str] = &[
    "scenario", "seed", "t", "speed", "compare", "start", "file", "log", "embed", "controls",
    "autoplay", "theme", "chapter", "origins", "x", "",
];

fn word(rng: &mut Rng) -> String {
    let pieces = [
        "",
        "0",
        "-1",
        "1e309",
        "NaN",
        "18446744073709551616",
        "default",
        "%",
        "%zz",
        "%00",
        "&&",
        "==",
        "<script>",
        "\u{1F600}",
        "null",
        "{}",
        "[]",
        "{\"nodes\":[]}",
        "lesson-07a-split-brain-no-fencing",
        "true",
        "999999999999",
    ];
    match rng.below(4) {
        0 => pieces[rng.below(pieces.len() as u64) as usize].to_string(),
        1 => {
            // Base64url of random bytes or of JSON-ish text.
            let len = rng.below(40) as usize;
            let bytes: Vec<u8> = (0..len).map(|_| rng.below(256) as u8).collect();
            b64_encode(&bytes)
        }
        2 => b64_encode(pieces[rng.below(pieces.len() as u64) as usize].as_bytes()),
        _ => (0..rng.below(12))
            .map(|_| char::from(32 + rng.below(95) as u8))
            .collect(),
    }
}

fn query(rng: &mut Rng) -> String {
    (0..rng.below(6))
        .map(|_| {
            let key = KEYS[rng.below(KEYS.len() as u64) as usize];
            format!("{key}={}", word(rng))
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[wasm_bindgen_test(unsupported = test)]
fn random_query_strings_never_panic() {
    let mut rng = Rng::new(2026);
    for i in 0..3_000 {
        let q = query(&mut rng);
        let _ = Link::parse(&q);
        let _ = Embed::parse(&q, "http://127.0.0.1");
        if i % 30 == 0 {
            // Building a whole lab is slower: a tenth of the inputs.
            let lab = Lab::from_link(&q);
            assert!(
                replica_web::probe::node_count(&lab.main.borrow().sim) >= 2,
                "{q}"
            );
        }
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn random_post_message_commands_never_panic() {
    let mut rng = Rng::new(7);
    let commands = [
        "play", "pause", "seek", "load", "chapter", "crash", "", "PLAY", "eval", "<img>",
    ];
    let times = [f64::NAN, f64::INFINITY, -1.0, 0.0, 1e30, 123.5];
    let mut lab = Lab::new();
    for _ in 0..2_000 {
        let c = commands[rng.below(commands.len() as u64) as usize];
        let t = if rng.below(2) == 0 {
            None
        } else {
            Some(times[rng.below(times.len() as u64) as usize])
        };
        let text = word(&mut rng);
        let cmd = Command::read(c, t, |_| (!text.is_empty()).then(|| text.clone()));
        if let Some(action) = cmd.and_then(|c| c.action(lab.playing)) {
            lab.apply(action);
        }
    }
}
