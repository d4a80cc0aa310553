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
//! * under a synchronous or quorum policy with fencing whose quorum every
//!   possible new leader overlaps ([`loss_free_by_construction`]), no
//!   write acknowledged as committed under that policy is ever missing
//!   from the authoritative log (a write committed unreplicated after a
//!   cancel, or by a class whose own `synchronous_commit` is `local`, is
//!   not covered).

use crate::network::NodeId;
use crate::policy::Quorum;
use crate::scenario::{FailoverMode, FaultAction, Fencing, Scenario};
use crate::sim::Simulation;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// Whether the configuration promises that no acknowledged write is ever
/// lost: a synchronous policy, fencing, and a quorum every possible new
/// leader must overlap — a majority (leader plus `k` acknowledgements)
/// under elections, the manager's synchronous mode with a `FIRST` list, or
/// no automatic promotion at all. An operator's promotion (`promote`) is
/// outside every promise: nothing fences the old primary or checks that
/// the promoted standby has every acknowledged write.
pub fn loss_free_by_construction(s: &Scenario) -> bool {
    if s.faults
        .iter()
        .any(|f| matches!(f.action, FaultAction::Promote { .. }))
    {
        return false;
    }
    let k = match &s.policy.quorum {
        Quorum::None => return false,
        Quorum::First { k, .. } | Quorum::Any { k, .. } => *k as usize,
    };
    if s.failover.fencing == Fencing::None {
        return false;
    }
    match s.failover.mode {
        FailoverMode::Manual => true,
        FailoverMode::Election => (k + 1) * 2 > s.nodes.len(),
        FailoverMode::Manager => {
            s.failover.synchronous_mode && matches!(s.policy.quorum, Quorum::First { .. })
        }
    }
}

/// Whether the configuration promises that no deposed leader tells a
/// client its write succeeded once a newer leader exists: lease fencing
/// whose lease, stretched by the slowest node clock, is still shorter than
/// the failure timeout (the old lease has run out before anyone can be
/// elected, and a write committed after it is answered `fenced`), or
/// STONITH (the old leader is off first). Epoch fencing promises it about
/// data, not about time: under a synchronous policy whose quorum every new
/// leader overlaps ([`loss_free_by_construction`]) no acknowledged write
/// is lost, but a deposed leader may still report a commit its quorum
/// completed before the promotion, which the new leader holds; under
/// asynchronous commit a cut-off old leader acknowledges writes until it
/// hears of the newer epoch (the split-brain lesson shows it). An
/// operator's promotion fences nothing.
pub fn fencing_promised(s: &Scenario) -> bool {
    if s.faults
        .iter()
        .any(|f| matches!(f.action, FaultAction::Promote { .. }))
    {
        return false;
    }
    match s.failover.fencing {
        Fencing::None | Fencing::Epoch => false,
        Fencing::Stonith => true,
        Fencing::Lease => s.nodes.iter().all(|n| {
            // lease / (1 + drift) < timeout, in integers.
            (s.failover.lease_us as i128) * 1_000_000
                < (s.failover.election_timeout_us as i128) * (1_000_000 + n.clock_drift_ppm as i128)
        }),
    }
}

/// How many entries at the end of each log the prefix check compares.
const TAIL: u64 = 32;

/// The first invariant found broken, described.
pub fn check(sim: &Simulation) -> Result<(), String> {
    for (i, n) in sim.nodes().enumerate() {
        let w = n.wal();
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
    if sim.metrics().two_leaders_one_epoch > 0 {
        return Err(String::from("two different nodes led the same epoch"));
    }
    for (i, a) in sim.nodes().enumerate() {
        for b in sim.nodes().skip(i + 1) {
            if sim.is_up(i as NodeId)
                && a.role() == crate::node::Role::Leader
                && b.role() == crate::node::Role::Leader
                && a.epoch() == b.epoch()
            {
                return Err(format!("two leaders in epoch {}", a.epoch()));
            }
        }
    }
    if let Some(l) = sim.current_leader() {
        let leader = sim.node(l);
        let epoch = leader.epoch();
        for (i, n) in sim.nodes().enumerate() {
            if i as NodeId == l {
                continue;
            }
            // The tail is where divergence appears; checking it after
            // every event covers every entry as the log grows.
            let (nw, lw) = (n.wal(), leader.wal());
            let hi = nw.last_lsn().min(lw.last_lsn());
            let lo = nw
                .first_retained_lsn()
                .max(lw.first_retained_lsn())
                .max(hi.saturating_sub(TAIL));
            for lsn in lo..=hi {
                if let (Some(x), Some(y)) = (nw.get(lsn), lw.get(lsn)) {
                    if x.epoch == epoch && x != y {
                        return Err(format!(
                            "node {i} holds a different entry {lsn} of the leader's epoch {epoch}"
                        ));
                    }
                }
            }
        }
    }
    if fencing_promised(&sim.scenario) && sim.metrics().stale_leader_acks > 0 {
        return Err(format!(
            "a deposed leader acknowledged {} writes after a newer leader was promoted, under {:?} fencing",
            sim.metrics().stale_leader_acks,
            sim.scenario.failover.fencing
        ));
    }
    // Judged against a leader's log; mid-election there is none to judge.
    // A write committed unreplicated after its session's cancel, or written
    // by a class whose own synchronous_commit is `local`, was acknowledged
    // without the policy's promise, so it may be lost (and is still
    // counted as lost in the report).
    if loss_free_by_construction(&sim.scenario)
        && !sim.policy_ever_degraded()
        && sim.current_leader().is_some()
    {
        let lost = sim.lost_policy_committed_writes();
        if lost > 0 {
            return Err(format!(
                "{lost} acknowledged writes lost under a synchronous policy with fencing"
            ));
        }
    }
    Ok(())
}

/// Runs `sim` to `end_us`, checking every invariant after every event.
/// The error names the instant and the event count of the first breach.
pub fn run_checked(sim: &mut Simulation, end_us: u64) -> Result<(), String> {
    while sim.next_event_us().is_some_and(|t| t <= end_us) {
        sim.step();
        check(sim).map_err(|e| format!("at {} µs (event {}): {e}", sim.now_us(), sim.events))?;
    }
    sim.run_until(end_us);
    Ok(())
}

/// How long past its end a run may take to converge once faults and
/// clients have stopped. Convergence is eventual: a follower cut off for a
/// while catches up at its stream's pace (its window of unacknowledged
/// entries per round trip), which a generated cluster can make slow, but
/// never stalls.
pub const CONVERGENCE_GRACE_US: u64 = 60_000_000;

/// Runs `sim` to `end_us` with every invariant checked after every event,
/// then [`settle`]s it. Returns how long past `end_us` convergence took.
pub fn run_to_convergence(sim: &mut Simulation, end_us: u64) -> Result<u64, String> {
    run_checked(sim, end_us)?;
    settle(sim)
}

/// Runs `sim` on from where it is, half a second at a time and with every
/// invariant still checked, until every live node has converged
/// ([`converged`]) or [`CONVERGENCE_GRACE_US`] has passed. Returns how long
/// that took.
pub fn settle(sim: &mut Simulation) -> Result<u64, String> {
    let start_us = sim.now_us();
    let deadline_us = start_us + CONVERGENCE_GRACE_US;
    loop {
        match converged(sim) {
            Ok(()) => return Ok(sim.now_us() - start_us),
            Err(e) if sim.now_us() >= deadline_us => {
                return Err(format!(
                    "not converged {} s after the end: {e}",
                    CONVERGENCE_GRACE_US / 1_000_000
                ))
            }
            Err(_) => {
                let next = (sim.now_us() + 500_000).min(deadline_us);
                run_checked(sim, next)?;
            }
        }
    }
}

/// Liveness: once faults and clients have stopped, a leader exists and
/// every live node holds exactly its log (applied up to the leader's
/// flushed position, same last entry and epoch).
pub fn converged(sim: &Simulation) -> Result<(), String> {
    let leader = sim.current_leader().ok_or_else(|| {
        let nodes: Vec<String> = sim
            .nodes()
            .enumerate()
            .map(|(i, n)| {
                format!(
                    "{i}:{:?}/e{}/log e{}:{}/up {}",
                    n.role(),
                    n.epoch(),
                    n.wal().last_epoch(),
                    n.wal().last_lsn(),
                    sim.is_up(i as NodeId)
                )
            })
            .collect();
        format!(
            "no leader at the end of the liveness phase ({:?}, {:?}): {}",
            sim.scenario.failover.mode,
            sim.scenario.failover.fencing,
            nodes.join(", ")
        )
    })?;
    let l = sim.node(leader);
    let lw = l.wal();
    for (i, node) in sim.nodes().enumerate() {
        if !sim.is_up(i as NodeId) || i as u8 == leader {
            continue;
        }
        let w = node.wal();
        if w.applied != lw.flushed
            || w.last_lsn() != lw.last_lsn()
            || w.last_epoch() != lw.last_epoch()
        {
            return Err(format!(
                "node {i} did not converge: written {} flushed {} applied {} / last {} (epoch {}, {:?} of {:?}, epoch {}) vs leader {} flushed {} / last {} (epoch {}), which sees it as {:?}",
                w.written,
                w.flushed,
                w.applied,
                w.last_lsn(),
                w.last_epoch(),
                node.role(),
                node.leader(),
                node.epoch(),
                leader,
                lw.flushed,
                lw.last_lsn(),
                lw.last_epoch(),
                l.peers().get(i).map(|p| p.state)
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::ScenarioFile;

    #[test]
    fn an_invariant_breach_is_detected() {
        // The check itself must be able to fail: corrupt a position.
        let file = ScenarioFile::parse(
            "[[nodes]]\nname = \"a\"\nleader = true\n[[nodes]]\nname = \"b\"\n[[nodes]]\nname = \"c\"\n",
        )
        .unwrap();
        let mut sim = Simulation::new(file.validate().unwrap());
        sim.run_until(500_000);
        assert!(check(&sim).is_ok());
        sim.corrupt_applied_position_for_test(1);
        assert!(check(&sim)
            .unwrap_err()
            .contains("node 1: positions out of order"));
    }
}
