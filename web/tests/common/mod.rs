//! Helpers shared by the browser tests: the state two runs must agree on
//! to be the same run at the same instant.

#![allow(dead_code)]

use replica_web::state::Lab;

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
        sim.events,
        sim.trace_hash(),
        sim.hosts()
            .iter()
            .map(|h| {
                let (n, w) = (h.node(), h.node().wal());
                (w.written, w.flushed, w.applied, n.epoch(), h.up())
            })
            .collect(),
        sim.metrics().writes_acknowledged,
        sim.metrics().violations.len(),
    )
}
