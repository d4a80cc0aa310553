//! A guided chapter reveals its answer at its key event: the run, played
//! through the page's own frame action, pauses at the event's instant;
//! the paused run is the same run a straight replay to that instant gives
//! (same events, trace hash and node state); one microsecond earlier the
//! event has not happened and the answer is hidden.

use replica_web::chapters::CHAPTERS;
use replica_web::state::{Action, Lab};
use replica_web::view::{self, Viewer};
use std::rc::Rc;
use wasm_bindgen_test::*;

mod common;
use common::{play_frames, state};

wasm_bindgen_test_configure!(run_in_browser);

fn revealed(lab: &Lab) -> bool {
    view::build(lab, Viewer::default())
        .chapter
        .is_some_and(|c| c.revealed)
}

fn straight(scenario: &str, t_us: u64) -> Lab {
    Lab::from_link(&format!("scenario={scenario}&t={t_us}"))
        .with_clock(Rc::new(replica_web::clock::ManualClock::stepping(0.0)))
}

#[wasm_bindgen_test(unsupported = test)]
fn every_chapter_pauses_at_its_key_event_and_reveals_only_then() {
    for (i, ch) in CHAPTERS.iter().enumerate() {
        let mut lab = common::lab("default");
        lab.apply(Action::OpenChapter(Some(i)));
        lab.apply(Action::Predict(ch.answer));
        lab.apply(Action::CommitGuess);
        assert!(!revealed(&lab), "chapter {}: hidden before the run", i + 1);
        let mut frames = 0;
        while lab.playing || frames == 0 {
            play_frames(&mut lab, 100, 100.0);
            frames += 1;
            assert!(frames < 2_000, "chapter {}: never paused", i + 1);
            if lab.playing {
                assert!(!revealed(&lab), "chapter {}: hidden while it runs", i + 1);
            }
        }
        let key_us = lab
            .chapter
            .as_ref()
            .and_then(|c| c.key_us)
            .unwrap_or_else(|| panic!("chapter {}: paused at no key event", i + 1));
        assert_eq!(lab.now_us(), key_us, "chapter {}", i + 1);
        assert!(revealed(&lab), "chapter {}: revealed at {key_us}", i + 1);
        assert!(ch.key.happened(&lab.main.borrow().sim), "chapter {}", i + 1);
        // The same run as a straight replay to the instant.
        assert_eq!(
            state(&lab),
            state(&straight(ch.scenario, key_us)),
            "chapter {}: the paused run is the straight run at {key_us}",
            i + 1
        );
        // One microsecond earlier the engine has not reached it.
        let before = straight(ch.scenario, key_us - 1);
        assert!(
            !ch.key.happened(&before.main.borrow().sim),
            "chapter {}: {} already at {}",
            i + 1,
            ch.key.word(),
            key_us - 1
        );
        lab.apply(Action::Seek(key_us - 1));
        assert!(
            !revealed(&lab),
            "chapter {}: hidden at {}",
            i + 1,
            key_us - 1
        );
        lab.apply(Action::Seek(key_us));
        assert!(
            revealed(&lab),
            "chapter {}: revealed again at {key_us}",
            i + 1
        );
    }
}
