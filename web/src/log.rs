//! The user's interventions and exactly where in a run each happened.
//!
//! A run is deterministic given its starting settings, its seed and these
//! interventions, so the lab records each one (a fault, a live policy or
//! routing change) with the number of events the main simulation had
//! processed and its simulated time. The reducer replays them, a shared
//! link carries them, and the settings in effect at any instant are the
//! starting settings with the changes applied up to it.

use replica_engine::policy::CommitPolicy;
use replica_engine::routing::ReadRouting;
use replica_engine::scenario::FaultAction;

/// A change the user made while the run was going.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Change {
    /// A fault.
    Fault(FaultAction),
    /// A new commit policy; the twin gets its counterpart.
    Policy {
        /// For the main run.
        main: CommitPolicy,
        /// For the twin.
        twin: CommitPolicy,
    },
    /// A new read routing policy.
    Routing(ReadRouting),
}

/// A change and exactly where in the run it happened.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Intervention {
    /// Events the main simulation had processed.
    pub events: u64,
    /// Its simulated time.
    pub t_us: u64,
    /// What changed.
    pub change: Change,
}

/// Why a log cannot be replayed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadLog(pub String);

/// Checks that a log can be replayed on a cluster of `nodes` nodes:
/// in order, and naming only nodes that exist.
pub fn check(log: &[Intervention], nodes: usize) -> Result<(), BadLog> {
    let mut last = (0, 0);
    for (i, iv) in log.iter().enumerate() {
        if (iv.events, iv.t_us) < last || iv.t_us < last.1 {
            return Err(BadLog(format!("change {} is out of order", i + 1)));
        }
        last = (iv.events, iv.t_us);
        if let Change::Fault(f) = &iv.change {
            let node = match *f {
                FaultAction::Crash { node, .. }
                | FaultAction::Restart { node }
                | FaultAction::Promote { node }
                | FaultAction::Isolate { node }
                | FaultAction::SlowDisk { node, .. }
                | FaultAction::LatencySpike { node, .. } => Some(node),
                _ => None,
            };
            if node.is_some_and(|n| n as usize >= nodes) {
                return Err(BadLog(format!(
                    "change {} names a node the cluster does not have",
                    i + 1
                )));
            }
        }
    }
    Ok(())
}
