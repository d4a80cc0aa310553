//! Browser tests of shareable links: a link reopens the same run at the
//! same instant (same engine trace hash), and bad parameters never panic:
//! each is a typed error, shown in the banner, with defaults in its place.

use replica_engine::scenario::FaultAction;
use replica_web::link::{b64_decode, b64_encode, Link, LinkError};
use replica_web::state::{Action, Lab};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

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

fn hash(lab: &Lab) -> (u64, u64, u64) {
    let run = lab.main.borrow();
    (
        run.sim.now_us(),
        replica_web::probe::events(&run.sim),
        run.sim.trace_hash(),
    )
}

#[wasm_bindgen_test(unsupported = test)]
fn base64url_round_trips() {
    for bytes in [&b""[..], b"a", b"ab", b"abc", b"abcd", &[0, 255, 254, 1, 2]] {
        assert_eq!(b64_decode(&b64_encode(bytes)).as_deref(), Some(bytes));
    }
    assert_eq!(b64_decode("a"), None);
    assert_eq!(b64_decode("ab+/"), None);
}

#[wasm_bindgen_test(unsupported = test)]
fn a_link_reopens_the_same_run_at_the_same_instant() {
    let mut lab = Lab::with_scenario("default", Some(7));
    lab.apply(Action::SetFollowers(3));
    play(&mut lab, 12);
    lab.apply(Action::Fault(FaultAction::KillLeader { power_loss: false }));
    play(&mut lab, 10);
    lab.apply(Action::SetRouting("leader".into()));
    play(&mut lab, 5);
    lab.apply(Action::Seek(1_700_000));
    let query = lab.link().query();
    let opened = Lab::from_link(&query);
    assert_eq!(opened.banner, None, "{query}");
    assert_eq!(hash(&opened), hash(&lab));
    assert_eq!(opened.log, lab.log);
    assert_eq!(*opened.file, *lab.file);
    assert_eq!(opened.seed, 7);
    assert_eq!(opened.base.nodes.len(), 4);
}

#[wasm_bindgen_test(unsupported = test)]
fn bad_parameters_are_typed_errors_never_panics() {
    let bad = [
        "seed=abc",
        "seed=-1",
        "seed=99999999999999999999999",
        "t=1e9",
        "speed=99",
        "scenario=nope",
        "scenario=%ZZ",
        "scenario=%E2%82",
        "start=!!!",
        "start=eyJub2RlcyI6IngifQ",
        "file=bm90IGpzb24",
        "log=W3siZXZlbnRzIjoiMSJ9XQ",
        "log=a",
        "%%%=&&=&t",
        "log=W3siZXZlbnRzIjoxLCJ0X3VzIjo1LCJjaGFuZ2UiOnsiRmF1bHQiOnsiYWN0aW9uIjoiY3Jhc2giLCJub2RlIjo5OSwicG93ZXJfbG9zcyI6ZmFsc2V9fX1d",
    ];
    for q in bad {
        let (_, errors) = Link::parse(q);
        let lab = Lab::from_link(q);
        if !q.starts_with("log=W3siZXZlbnRzIjox") {
            assert!(!errors.is_empty(), "{q} should be refused");
        }
        assert!(lab.banner.is_some(), "{q} should explain itself");
        assert_eq!(lab.main.borrow().sim.now_us(), 0, "{q}");
    }
    assert!(matches!(
        Link::parse("seed=abc").1[0],
        LinkError::NotANumber { .. }
    ));
    assert!(matches!(
        Link::parse("scenario=nope").1[0],
        LinkError::UnknownScenario(_)
    ));
    // A good part still applies next to a bad one.
    let lab = Lab::from_link("?seed=5&speed=x");
    assert_eq!(lab.seed, 5);
    assert!(lab.banner.is_some());
    // Unknown parameters (the embedding ones) are not errors.
    assert_eq!(Link::parse("?embed=1&theme=dark").1, vec![]);
}

#[wasm_bindgen_test(unsupported = test)]
fn a_time_past_the_end_is_clamped() {
    let lab = Lab::from_link("?t=999999999999");
    assert_eq!(lab.main.borrow().sim.now_us(), lab.base.duration_us);
}

#[wasm_bindgen_test(unsupported = test)]
fn every_chapter_loads_its_experiment_and_it_runs() {
    use replica_web::chapters::CHAPTERS;
    let mut lab = Lab::new();
    for (i, ch) in CHAPTERS.iter().enumerate() {
        lab.apply(Action::OpenChapter(Some(i)));
        assert_eq!(lab.chapter.as_ref().map(|c| c.index), Some(i));
        assert_eq!(lab.banner, None, "chapter {}", i + 1);
        assert_eq!(lab.scenario_name, ch.scenario);
        assert!(ch.answer < ch.options.len());
        play(&mut lab, 5);
        assert!(lab.main.borrow().sim.now_us() > 0);
    }
    lab.apply(Action::OpenChapter(None));
    assert_eq!(lab.chapter, None);
}
