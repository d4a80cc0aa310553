//! Browser tests of time travel: seeking, stepping back and rewinding
//! through checkpoints must land on exactly the state a straight run from
//! time zero reaches at the same instant, compared by the engine's trace
//! hash and by every node's positions.

use replica_engine::scenario::FaultAction;
use replica_web::state::{Action, Lab};
use std::rc::Rc;
use wasm_bindgen_test::*;

mod common;
use common::{state, straight};

wasm_bindgen_test_configure!(run_in_browser);

/// Speed index of 10× (10 ms simulated per real ms).
const FAST: usize = 5;

/// Plays `ms` of simulated time at 10×, in 10 ms frames of the page's own
/// frame action, then pauses.
fn play_ms(lab: &mut Lab, ms: u64) {
    lab.apply(Action::SetSpeed(FAST));
    common::play_frames(lab, ms / 10, 10.0);
    common::pause(lab);
}

/// A lab that ran 4 s with the leader killed at about 1.5 s.
fn lab_with_failover() -> Lab {
    let mut lab = common::lab("default");
    play_ms(&mut lab, 1_500);
    lab.apply(Action::Fault(FaultAction::KillLeader { power_loss: false }));
    play_ms(&mut lab, 2_500);
    // The page saves checkpoints in idle time, not in frames.
    lab.apply(Action::WorkAhead {
        budget_ms: f64::INFINITY,
        save_budget_ms: None,
    });
    lab
}

#[wasm_bindgen_test(unsupported = test)]
fn hashing_is_on_from_the_start() {
    let mut lab = common::lab("default");
    play_ms(&mut lab, 200);
    assert_ne!(lab.main.borrow().sim.trace_hash(), 0);
}

#[wasm_bindgen_test(unsupported = test)]
fn seeking_in_any_order_matches_a_straight_run() {
    let mut lab = lab_with_failover();
    assert!(lab.main.borrow().sim.now_us() >= 3_900_000);
    assert!(
        lab.checkpoints.borrow().saved.len() >= 4,
        "background work saved checkpoints"
    );
    let fault_t = lab.log[0].t_us;
    for t in [
        3_200_000,
        700_000,
        2_500_123,
        fault_t,
        fault_t + 1,
        3_900_000,
        1,
        0,
        1_999_999,
    ] {
        lab.apply(Action::Seek(t));
        assert!(!lab.playing);
        assert_eq!(lab.main.borrow().sim.now_us(), t);
        assert_eq!(state(&lab), straight(&lab, t), "seek to {t}");
    }
    // The log survives seeking: the failover is still ahead and replays.
    assert_eq!(lab.log.len(), 1);
}

#[wasm_bindgen_test(unsupported = test)]
fn step_back_undoes_one_event() {
    let mut lab = lab_with_failover();
    lab.apply(Action::Seek(2_000_000));
    let mut seen = vec![state(&lab)];
    for _ in 0..5 {
        lab.apply(Action::Step);
        seen.push(state(&lab));
    }
    for i in (0..5).rev() {
        lab.apply(Action::StepBack);
        let now = state(&lab);
        // Same events, trace hash and nodes; the clock is at the event's
        // own instant.
        assert_eq!(now.1, seen[i].1);
        assert_eq!(now.2, seen[i].2);
        assert_eq!(now.3, seen[i].3);
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn rewind_keeps_the_log_and_play_continues_the_same_run() {
    let mut lab = lab_with_failover();
    let end = state(&lab);
    lab.apply(Action::Rewind);
    assert_eq!(lab.main.borrow().sim.now_us(), 0);
    lab.apply(Action::Seek(end.0));
    assert_eq!(state(&lab), end);
}

#[wasm_bindgen_test(unsupported = test)]
fn a_change_after_a_seek_forks_the_run() {
    let mut lab = lab_with_failover();
    lab.apply(Action::Seek(800_000));
    lab.apply(Action::Fault(FaultAction::Crash {
        node: 1,
        power_loss: false,
    }));
    assert_eq!(lab.log.len(), 1, "the old branch's failover is dropped");
    assert!(lab
        .checkpoints
        .borrow()
        .saved
        .iter()
        .all(|c| c.now_us() <= 800_000));
    play_ms(&mut lab, 1_500);
    for t in [2_000_000, 900_000, 1_600_000] {
        lab.apply(Action::Seek(t));
        assert_eq!(state(&lab), straight(&lab, t), "seek to {t} after fork");
    }
    assert_eq!(
        replica_web::probe::is_up(&lab.main.borrow().sim, 1),
        Some(false)
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn chart_samples_follow_the_run_and_survive_seeks() {
    let mut lab = lab_with_failover();
    let n = lab.main.borrow().series.samples.len();
    assert!(n >= 30, "about one sample per 100 ms: {n}");
    lab.apply(Action::Seek(2_000_000));
    let back = lab.main.borrow().series.samples.clone();
    assert!(back.iter().all(|s| s.t_us <= 2_000_000));
    assert!(back.len() >= 15);
    assert!(back.iter().any(|s| s.p50_us.is_some()));
    let sweep = replica_web::state::capacity(3, 500_000).unwrap();
    assert!(sweep.0 > 0.0);
}

/// The page redraws only when the reducer hands out a new state, so what
/// it shows of the work ahead is the state at the last new version. A
/// change after that work finished starts it again; when the new work
/// finishes in one go, the page must be told, or it shows "computing"
/// for ever.
#[wasm_bindgen_test(unsupported = test)]
fn the_page_is_told_when_work_ahead_finishes_again_after_a_change() {
    use yew::Reducible;
    let work = || Action::WorkAhead {
        budget_ms: f64::INFINITY,
        save_budget_ms: None,
    };
    let mut lab = common::lab("default");
    play_ms(&mut lab, 500);
    let mut current = Rc::new(lab);
    let mut shown = current.ahead_state();
    let mut send = |current: &mut Rc<Lab>, action: Action| {
        let next = current.clone().reduce(action);
        if !Rc::ptr_eq(&next, current) {
            shown = next.ahead_state();
        }
        *current = next;
        shown
    };
    assert!(send(&mut current, work()).done, "first work shown done");
    let after_kill = send(
        &mut current,
        Action::Fault(FaultAction::KillLeader { power_loss: false }),
    );
    assert!(!after_kill.done, "a change starts the work again");
    let end = current.base.duration_us;
    let again = send(&mut current, work());
    assert_eq!(
        current.ahead_state().ready_us,
        end,
        "the work reached the end"
    );
    assert!(again.done, "the page shows the work done: {again:?}");
    assert_eq!(again.ready_us, end);
}
