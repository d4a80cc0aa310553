//! A chapter's key event: the instant in its experiment that answers the
//! question (the first commit, the fall-back, the first anomaly, the
//! promotion, the start of split-brain, the end of the run).
//!
//! Predict, observe, explain, in that order: the answer stays hidden
//! until the simulation at the playhead has reached the key event, the
//! reducer pauses the run at the exact instant it happens
//! (`Lab::stop_at_key_event`), and the page highlights the read-out that
//! shows it. Whether it has happened is a question put to the engine
//! through [`crate::probe`], so the instant is the engine's, never a
//! figure written into the chapter.

use crate::probe;
use replica_engine::Simulation;

/// What a chapter waits for before it explains itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyEvent {
    /// Every follower has replayed the first record of the leader's WAL.
    FirstReplayed,
    /// The first write is acknowledged under the scenario's commit policy.
    FirstCommit,
    /// A semi-synchronous leader falls back to asynchronous commit.
    Fallback,
    /// The consistency checker finds the first anomaly.
    FirstAnomaly,
    /// A follower is promoted.
    Promotion,
    /// Two leaders have both accepted client writes at overlapping times.
    SplitBrain,
    /// The run reaches its end.
    RunEnd,
}

impl KeyEvent {
    /// A word for the page's data attribute (`#chapter[data-key]`).
    pub fn word(self) -> &'static str {
        match self {
            KeyEvent::FirstReplayed => "first-replayed",
            KeyEvent::FirstCommit => "first-commit",
            KeyEvent::Fallback => "fallback",
            KeyEvent::FirstAnomaly => "first-anomaly",
            KeyEvent::Promotion => "promotion",
            KeyEvent::SplitBrain => "split-brain",
            KeyEvent::RunEnd => "run-end",
        }
    }

    /// What the learner waits for, in words.
    pub fn describe(self) -> &'static str {
        match self {
            KeyEvent::FirstReplayed => "every follower has replayed the first write",
            KeyEvent::FirstCommit => "the first write is acknowledged",
            KeyEvent::Fallback => "the leader stops waiting for its standby",
            KeyEvent::FirstAnomaly => "the first anomaly",
            KeyEvent::Promotion => "a follower is promoted",
            KeyEvent::SplitBrain => "two leaders have accepted writes at the same time",
            KeyEvent::RunEnd => "the end of the run",
        }
    }

    /// The element that shows it (a CSS selector), highlighted once it
    /// has happened.
    pub fn evidence(self) -> &'static str {
        match self {
            KeyEvent::FirstReplayed => "svg.cluster",
            KeyEvent::FirstCommit => "#commit-p50",
            KeyEvent::Fallback => "#policy-state",
            KeyEvent::FirstAnomaly => "#anomalies",
            KeyEvent::Promotion => "#promotions",
            KeyEvent::SplitBrain => "#leadership",
            KeyEvent::RunEnd => "#throughput",
        }
    }

    /// Whether the simulation has reached it. Once true, it stays true as
    /// the run goes on.
    pub fn happened(self, sim: &Simulation) -> bool {
        match self {
            KeyEvent::FirstReplayed => {
                let nodes = probe::nodes(sim);
                let followers = nodes.iter().filter(|n| n.role == probe::NodeRole::Follower);
                followers.clone().count() > 0 && followers.into_iter().all(|n| n.applied >= 1)
            }
            KeyEvent::FirstCommit => probe::commit_latency_us(sim).0 > 0,
            KeyEvent::Fallback => probe::policy_changes(sim).iter().any(|c| c.degraded),
            KeyEvent::FirstAnomaly => !probe::violations(sim).is_empty(),
            KeyEvent::Promotion => probe::promotion_count(sim) > 0,
            KeyEvent::SplitBrain => probe::split_brain_us(sim) > 0,
            KeyEvent::RunEnd => sim.now_us() >= probe::scenario(sim).duration_us,
        }
    }

    /// Whether the instant is found by stepping the run event by event
    /// (the run's end needs no search: a run stops there by itself).
    pub fn needs_search(self) -> bool {
        self != KeyEvent::RunEnd
    }
}
