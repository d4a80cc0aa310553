//! Short links (issue 18, budget 5): a link to a library scenario with
//! changed settings and ten interventions fits in 500 characters and still
//! reproduces the run exactly. The link is decoded, re-encoded and decoded
//! again; every lab is then run to the end and their trace hashes compared.
//!
//! Runs natively (`cargo test -p replica-web --test short_links --
//! --nocapture`, which the `bench` layer runs to print the link's length
//! as `link_chars=N`) and in the browser with the `wasm` layer.

use replica_engine::scenario::FaultAction;
use replica_web::link::compact::{Reader, Writer};
use replica_web::link::Link;
use replica_web::state::{Action, Lab};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The longest link the budget allows.
const MAX_LINK_CHARS: usize = 500;

fn play(lab: &mut Lab, frames: u32) {
    lab.apply(Action::SetSpeed(5));
    lab.apply(Action::TogglePlay);
    let mut ts = 0.0;
    lab.apply(Action::Frame(ts));
    for _ in 0..frames {
        ts += 10.0;
        lab.apply(Action::Frame(ts));
    }
    lab.apply(Action::TogglePlay);
}

/// Time, events and trace hash at the playhead.
fn state(lab: &Lab) -> (u64, u64, u64) {
    let run = lab.main.borrow();
    (
        run.sim.now_us(),
        replica_web::probe::events(&run.sim),
        run.sim.trace_hash(),
    )
}

/// The default scenario with a fourth node, then ten interventions of
/// every kind the page offers, with play between them.
fn lab_with_ten_interventions() -> Lab {
    let mut lab = Lab::with_scenario("default", Some(7));
    lab.apply(Action::SetFollowers(3));
    let changes = [
        Action::Fault(FaultAction::Crash {
            node: 2,
            power_loss: true,
        }),
        Action::SetRouting("leader".into()),
        Action::Fault(FaultAction::Restart { node: 2 }),
        Action::Fault(FaultAction::SlowDisk {
            node: 1,
            factor: 8,
            duration_us: 2_000_000,
        }),
        Action::Fault(FaultAction::LatencySpike {
            node: 3,
            extra_us: 40_000,
            duration_us: 1_500_000,
        }),
        Action::Fault(FaultAction::Isolate { node: 3 }),
        Action::Fault(FaultAction::HealAll),
        Action::SetRouting("nearest".into()),
        Action::Fault(FaultAction::KillLeader { power_loss: false }),
        Action::Fault(FaultAction::PartitionLeader),
    ];
    for change in changes {
        play(&mut lab, 6);
        lab.apply(change);
    }
    play(&mut lab, 6);
    lab
}

#[wasm_bindgen_test(unsupported = test)]
fn a_link_with_ten_interventions_is_short_and_reproduces_the_run() {
    let mut lab = lab_with_ten_interventions();
    assert_eq!(lab.log.len(), 10, "every change was taken: {:?}", lab.log);
    assert!(
        lab.link().start.is_some(),
        "the settings differ from the file"
    );
    let query = lab.link().query();
    let url = format!("https://example.org/lab/{query}");
    println!("link_chars={}", url.len());
    println!("link {url}");
    assert!(
        url.len() <= MAX_LINK_CHARS,
        "{} characters: {url}",
        url.len()
    );

    // Decode, re-encode, decode again.
    let mut opened = Lab::from_link(&query);
    assert_eq!(opened.banner, None, "{query}");
    assert_eq!(state(&opened), state(&lab));
    let again = opened.link().query();
    assert_eq!(again, query, "re-encoding gives the same link");
    let mut reopened = Lab::from_link(&again);

    // The same run to its end.
    let end = lab.base.duration_us;
    for l in [&mut lab, &mut opened, &mut reopened] {
        l.apply(Action::Seek(end));
    }
    assert_eq!(state(&lab).0, end);
    assert_eq!(state(&opened), state(&lab));
    assert_eq!(state(&reopened), state(&lab));
}

#[wasm_bindgen_test(unsupported = test)]
fn links_in_the_former_long_form_still_open() {
    let lab = lab_with_ten_interventions();
    let link = lab.link();
    let b64json = |v: &dyn erased::Json| replica_web::link::b64_encode(v.json().as_bytes());
    let long = format!(
        "?scenario=default&seed=7&t={}&start={}&log={}",
        lab.now_us(),
        b64json(&link.start.clone().expect("settings changed")),
        b64json(&link.log),
    );
    let opened = Lab::from_link(&long);
    assert_eq!(opened.banner, None);
    assert_eq!(state(&opened), state(&lab));
}

/// `serde_json::to_string` behind a trait object.
mod erased {
    pub trait Json {
        fn json(&self) -> String;
    }
    impl<T: serde::Serialize> Json for T {
        fn json(&self) -> String {
            serde_json::to_string(self).expect("serialisable")
        }
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn malformed_compact_values_are_errors_never_panics() {
    let mut w = Writer::new();
    w.value(&serde_json::json!({"a": [1, -2, 3.5, "x", "x", null, true], "b": {"c": 70000}}));
    let good = w.finish();
    let mut r = Reader::new(&good).expect("version");
    assert_eq!(
        r.value(0),
        Some(serde_json::json!({"a": [1, -2, 3.5, "x", "x", null, true], "b": {"c": 70000}}))
    );
    // Every truncation and every single-byte change is refused or read
    // as some value, never a panic.
    let bytes = replica_web::link::b64_decode(&good).expect("base64url");
    for cut in 0..bytes.len() {
        let text = replica_web::link::b64_encode(&bytes[..cut]);
        let _ = Reader::new(&text).and_then(|mut r| r.value(0));
    }
    for i in 0..bytes.len() {
        for b in [0u8, 7, 8, 9, 10, 11, 0x1f, 0x3f, 0x7f, 0x80, 0xff] {
            let mut v = bytes.clone();
            v[i] = b;
            let text = replica_web::link::b64_encode(&v);
            let _ = Reader::new(&text).and_then(|mut r| r.value(0));
        }
    }
    for q in [
        "?start=AQ",
        "?start=AQoB",
        "?file=AQoBAAF4BQ",
        "?log=AQU",
        "?log=AQH_____",
        "?start=",
        "?log=!!",
    ] {
        let (_, errors) = Link::parse(q);
        assert!(!errors.is_empty(), "{q} should be refused");
        assert!(Lab::from_link(q).banner.is_some(), "{q}");
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn a_difference_round_trips_additions_removals_and_array_growth() {
    let base = serde_json::json!({"keep": 1, "gone": "x", "nest": {"a": 1, "b": [1, 2]}, "list": [{"n": 1}]});
    let now = serde_json::json!({"keep": 1, "new": false, "nest": {"a": 2, "b": [1]}, "list": [{"n": 1}, {"n": 2, "m": null}]});
    let mut w = Writer::new();
    w.difference(&base, &now);
    let mut r = Reader::new(&w.finish()).expect("version");
    let mut json = base.clone();
    assert_eq!(r.apply(&mut json, 0), Some(()));
    assert!(r.done());
    assert_eq!(json, now);
}
