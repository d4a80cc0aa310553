//! Helpers shared by the lab's tests: the state two runs must agree on to
//! be the same run at the same instant, and a frame driver that uses the
//! page's own frame action with an injected clock.

#![allow(dead_code)]

pub mod truth;

use replica_web::clock::ManualClock;
use replica_web::probe;
use replica_web::state::{Action, Checkpoints, Lab};
use std::cell::RefCell;
use std::rc::Rc;

/// Per node: written, flushed, applied, epoch, up.
pub type NodePrint = (u64, u64, u64, u32, bool);

/// Time, events, trace hash, every node, acknowledged writes and anomalies
/// found: equal for two runs only if they are in the same state.
pub type State = (u64, u64, u64, Vec<NodePrint>, u64, usize);

/// The main run's [`State`].
pub fn state(lab: &Lab) -> State {
    let run = lab.main.borrow();
    let sim = &run.sim;
    (
        sim.now_us(),
        probe::events(sim),
        sim.trace_hash(),
        probe::nodes(sim)
            .iter()
            .map(|n| (n.written, n.flushed, n.applied, n.epoch, n.up))
            .collect(),
        probe::totals(sim).writes_acked,
        probe::violations(sim).len(),
    )
}

/// The state of a straight run to `t`: the same settings, seed and log,
/// but no checkpoints, so the seek replays from time zero.
pub fn straight(lab: &Lab, t: u64) -> State {
    let mut fresh = lab.clone();
    fresh.checkpoints = Rc::new(RefCell::new(Checkpoints::default()));
    fresh.apply(Action::Seek(t));
    state(&fresh)
}

/// A lab on a library scenario whose wall clock never moves, so frame
/// budgets never run out and what a test drives does not depend on the
/// machine's speed.
pub fn lab(scenario: &str) -> Lab {
    Lab::with_scenario(scenario, None).with_clock(Rc::new(ManualClock::stepping(0.0)))
}

/// Plays `ms` of real time at the lab's speed, in frames of `frame_ms`,
/// through the page's own frame action (a 4 ms engine budget).
pub fn play_frames(lab: &mut Lab, ms: u64, frame_ms: f64) {
    if !lab.playing {
        lab.apply(Action::SetPlaying(true));
    }
    let mut ts = lab.last_frame_ms.unwrap_or(0.0);
    lab.apply(Action::FrameWithin { ts, budget_ms: 4.0 });
    let frames = (ms as f64 / frame_ms).ceil() as u64;
    for _ in 0..frames {
        ts += frame_ms;
        lab.apply(Action::FrameWithin { ts, budget_ms: 4.0 });
    }
}

/// Plays `ms` of simulated time at 1× (real time), in 100 ms frames.
pub fn play_ms(lab: &mut Lab, ms: u64) {
    lab.apply(Action::SetSpeed(4));
    play_frames(lab, ms, 100.0);
}

/// Pauses.
pub fn pause(lab: &mut Lab) {
    lab.apply(Action::SetPlaying(false));
}
