//! Safety invariants, checked against the whole cluster after any event.
//!
//! These are the properties a replication system must never break, and the
//! simulator must never break while modelling one:
//!
//! * on every node, `applied ≤ flushed ≤ written ≤ last LSN`;
//! * at most one leader per epoch (over the whole run, not just now);
//! * within the current leader's epoch, every node's entries of that epoch
//!   agree with the leader's (a follower's log is a prefix of the
//!   leader's within an epoch);
//! * under a synchronous or quorum policy with fencing, no acknowledged
//!   write is ever missing from the authoritative log.

use crate::network::NodeId;
use crate::scenario::Fencing;
use crate::sim::Simulation;
use alloc::format;
use alloc::string::String;

/// The first invariant found broken, described.
pub fn check(sim: &Simulation) -> Result<(), String> {
    for (i, n) in sim.nodes.iter().enumerate() {
        let w = &n.wal;
        if !(w.applied <= w.flushed && w.flushed <= w.written && w.written <= w.last_lsn()) {
            return Err(format!(
                "node {i}: positions out of order: applied {} flushed {} written {} last {}",
                w.applied,
                w.flushed,
                w.written,
                w.last_lsn()
            ));
        }
    }
    if sim.metrics.two_leaders_one_epoch > 0 {
        return Err(String::from("two different nodes led the same epoch"));
    }
    for (i, a) in sim.nodes.iter().enumerate() {
        for b in &sim.nodes[i + 1..] {
            if sim.up[i]
                && a.role == crate::node::Role::Leader
                && b.role == crate::node::Role::Leader
                && a.epoch == b.epoch
            {
                return Err(format!("two leaders in epoch {}", a.epoch));
            }
        }
    }
    if let Some(l) = sim.current_leader() {
        let leader = &sim.nodes[l as usize];
        let epoch = leader.epoch;
        for (i, n) in sim.nodes.iter().enumerate() {
            if i as NodeId == l {
                continue;
            }
            let lo = n
                .wal
                .first_retained_lsn()
                .max(leader.wal.first_retained_lsn());
            let hi = n.wal.last_lsn().min(leader.wal.last_lsn());
            for lsn in lo..=hi {
                if let (Some(x), Some(y)) = (n.wal.get(lsn), leader.wal.get(lsn)) {
                    if x.epoch == epoch && x != y {
                        return Err(format!(
                            "node {i} holds a different entry {lsn} of the leader's epoch {epoch}"
                        ));
                    }
                }
            }
        }
    }
    let fenced = sim.scenario.failover.fencing != Fencing::None;
    // Judged against a leader's log; mid-election there is none to judge.
    if !sim.scenario.policy.is_async()
        && fenced
        && !sim.policy_ever_degraded()
        && sim.current_leader().is_some()
    {
        let lost = sim.lost_acknowledged_writes();
        if lost > 0 {
            return Err(format!(
                "{lost} acknowledged writes lost under a synchronous policy with fencing"
            ));
        }
    }
    Ok(())
}
