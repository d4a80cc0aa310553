//! The checkpoints' memory stays within its budget of records however
//! large the run's state grows, and seeking from the thinned checkpoints
//! still lands on exactly the state of a straight run.
//!
//! The page's 9-node benchmark shows why (see `docs/performance.md`): once
//! each copy held its nodes' full WAL retention, 128 copies filled the
//! wasm memory and the page stopped. This test gives the default scenario
//! a budget that a few of its checkpoints fill, so that the same thinning
//! happens in a second of simulated work.

use replica_web::state::checkpoints::CHECKPOINT_US;
use replica_web::state::{Action, Lab};
use wasm_bindgen_test::*;

mod common;
use common::{state, straight};

wasm_bindgen_test_configure!(run_in_browser);

/// Records the checkpoints may hold together in this test: the default
/// scenario's copies hold about 260 records per simulated second, so a
/// run of 10 s needs about 25,000 for its 20 checkpoints.
const BUDGET: u64 = 6_000;

/// A lab whose checkpoints were computed ahead to the run's end within
/// [`BUDGET`].
fn lab_within_budget() -> Lab {
    let mut lab = common::lab("default");
    lab.checkpoints.borrow_mut().max_records = BUDGET;
    lab.apply(Action::WorkAhead {
        budget_ms: f64::INFINITY,
        save_budget_ms: None,
    });
    assert!(lab.ahead_state().done);
    lab
}

#[wasm_bindgen_test(unsupported = test)]
fn checkpoints_hold_at_most_their_budget_of_records() {
    let lab = lab_within_budget();
    let cps = lab.checkpoints.borrow();
    assert!(
        cps.records() <= BUDGET,
        "{} records in {} checkpoints",
        cps.records(),
        cps.saved.len()
    );
    assert!(cps.saved.len() >= 2, "thinned, not emptied");
    assert!(cps.every_us > CHECKPOINT_US, "the spacing doubled");
    // The newest survives thinning: the checkpoints reach the run's end.
    let end = lab.base.duration_us;
    assert!(cps.latest_us() + cps.every_us >= end);
    for c in &cps.saved {
        assert_eq!(c.records, replica_web::state::checkpoints::records(&c.sim));
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn seeks_from_thinned_checkpoints_match_a_straight_run() {
    let mut lab = lab_within_budget();
    for t in [9_700_000, 1_250_000, 6_000_001, 3_333_333, 0, 10_000_000] {
        lab.apply(Action::Seek(t));
        assert_eq!(lab.main.borrow().sim.now_us(), t);
        assert_eq!(state(&lab), straight(&lab, t), "seek to {t}");
        let records = lab.checkpoints.borrow().records();
        assert!(records <= BUDGET, "{records} records after seeking to {t}");
    }
}
