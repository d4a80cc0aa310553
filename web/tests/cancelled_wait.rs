//! A write whose session cancels its wait for the standbys (PostgreSQL's
//! "canceling wait for synchronous replication"): the sequence diagram
//! tells its story — 1 Write, 2 Cancel, 3 OK, not replicated — and says
//! so in its caption, and the read-outs count it as acknowledged and as
//! committed unreplicated, as the engine does.
//!
//! Runs natively under `cargo test -p replica-web` and in the browser.

mod common;

use replica_engine::message::Msg;
use replica_web::probe;
use replica_web::timeline::Step;
use replica_web::view::sequence::SequenceBody;
use replica_web::view::{self, Viewer};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test(unsupported = test)]
fn a_cancelled_wait_is_drawn_as_write_cancel_and_ok_not_replicated() {
    let mut lab = common::lab("lesson-03b-cancelled-sync-wait");
    let mut stories = 0;
    for _ in 0..160 {
        common::play_ms(&mut lab, 100);
        let run = lab.main.borrow();
        let Some(t) = run.timeline.tracked.as_ref() else {
            continue;
        };
        if !t.unreplicated {
            continue;
        }
        let steps = t.steps();
        let numbered: Vec<(u8, Step)> = steps
            .iter()
            .filter(|s| s.n > 0)
            .map(|s| (s.n, s.step))
            .collect();
        assert_eq!(
            numbered,
            vec![
                (1, Step::Write),
                (2, Step::Cancel),
                (3, Step::OkUnreplicated)
            ],
            "{steps:?}"
        );
        let cancel = steps.iter().find(|s| s.step == Step::Cancel).unwrap();
        assert!(matches!(t.arrows[cancel.arrow].msg, Msg::Cancel { req } if req == t.req));
        stories += 1;
        drop(run);
        let v = view::build(&lab, Viewer::default());
        let SequenceBody::Single { caption, .. } = &v.sequence.body else {
            panic!("a single diagram")
        };
        assert!(caption.contains("cancelled the wait"), "{caption}");
        assert!(caption.contains("on the leader only"), "{caption}");
        break;
    }
    assert!(stories > 0, "a followed write was committed unreplicated");
    common::pause(&mut lab);
    let v = view::build(&lab, Viewer::default());
    let m = probe::totals(&lab.main.borrow().sim);
    assert!(m.writes_unreplicated > 0);
    assert_eq!(v.readouts.unreplicated, m.writes_unreplicated);
    assert!(v.readouts.unreplicated_text.is_some());
    // Latency covers them, as the engine's does.
    assert_eq!(v.readouts.window_count, m.writes_acked);
}
