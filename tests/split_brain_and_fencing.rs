//! Split-brain and what prevents it. The leader is cut off from its
//! followers but two client sessions can still reach it (and only it);
//! the followers elect a new leader. Without fencing both leaders
//! acknowledge writes and the old one's are rolled back on heal. With epoch
//! fencing or STONITH under a synchronous policy, no acknowledged write is
//! lost. A lease protects too — unless the old leader's clock runs slow.

mod common;
use common::*;

fn setup(policy: &str, fencing: &str, extra: &str) -> String {
    format!(
        r#"
duration_ms = 20000
[[nodes]]
name = "old"
leader = true
[[nodes]]
name = "b"
[[nodes]]
name = "c"
[policy]
{policy}
[workload]
sessions = 4
think_time_us = 5000
read_percent = 0
request_timeout_ms = 1000
[failover]
mode = "election"
heartbeat_interval_ms = 200
timeout_ms = 1000
discovery_delay_ms = 200
fencing = "{fencing}"
{extra}
[[faults]]
at_ms = 5000
action = "partition"
between = [["old", "clients:0-1"], ["b", "c", "clients:2-3"]]
[[faults]]
at_ms = 10000
action = "heal_all"
"#
    )
}

const ASYNC: &str = "synchronous_commit = \"local\"";
const SYNC: &str = "synchronous_standby_names = \"ANY 1 (*)\"";

#[test]
fn without_fencing_two_leaders_acknowledge_writes_and_heal_rolls_them_back() {
    let (r, _) = run(&setup(ASYNC, "none", ""));
    assert_eq!(r.promotions.len(), 1, "the majority side elected a leader");
    assert!(
        r.violations.split_brain > 0,
        "the checker saw two leaders acknowledging"
    );
    // From the new leader's first write (about 1.5 s into the partition:
    // detection, election, discovery) until the heal at 10 s.
    assert!(
        r.split_brain_us > 2_500_000,
        "for most of the partition: {} µs",
        r.split_brain_us
    );
    let rolled: Vec<_> = r.rolled_back.iter().filter(|e| e.acknowledged).collect();
    println!(
        "rolled back on heal: {} entries, {} acknowledged",
        r.rolled_back.len(),
        rolled.len()
    );
    assert!(
        !rolled.is_empty(),
        "the old leader's acknowledged writes were rolled back"
    );
    assert!(rolled
        .iter()
        .all(|e| e.entry.epoch == 1 && e.t_us >= 10_000_000));
    assert_eq!(
        r.lost_acknowledged_writes, r.rolled_back_acknowledged,
        "each rolled-back ack is a lost write"
    );
    assert_eq!(r.two_leaders_one_epoch, 0);
}

#[test]
fn epoch_fencing_under_a_synchronous_policy_loses_nothing() {
    let (r, sim) = run(&setup(SYNC, "epoch", ""));
    assert_eq!(r.promotions.len(), 1);
    assert_eq!(r.lost_acknowledged_writes, 0);
    assert_eq!(
        r.violations.split_brain, 0,
        "the old leader could not acknowledge alone"
    );
    // On heal, the old leader's stale-epoch traffic is refused and it
    // steps down.
    assert!(sim.metrics().promotions[0].node != 0);
    assert_ne!(sim.node(0).role(), replica_engine::node::Role::Leader);
}

#[test]
fn stonith_waits_when_it_cannot_reach_the_old_leader() {
    let (r, _) = run(&setup(SYNC, "stonith", ""));
    // The old leader is alive and unreachable: nobody is promoted during
    // the partition — safe, but the majority side had no leader.
    assert!(r.promotions.iter().all(|p| p.t_us >= 10_000_000));
    assert_eq!(r.lost_acknowledged_writes, 0);
    assert_eq!(r.violations.split_brain, 0);
}

#[test]
fn stonith_powers_off_a_reachable_old_leader_before_promoting() {
    // A long latency spike on the old leader looks like death to the
    // followers; STONITH can still reach it and turns it off.
    let text = setup(SYNC, "stonith", "")
        .replace("action = \"partition\"\nbetween = [[\"old\", \"clients:0-1\"], [\"b\", \"c\", \"clients:2-3\"]]", "action = \"latency_spike\"\nnode = \"old\"\nextra_ms = 3000\nduration_ms = 4000");
    let (r, sim) = run(&text);
    assert_eq!(r.promotions.len(), 1);
    let fenced = sim.metrics().promotions[0];
    assert!(
        !fenced.old_leader_alive,
        "the old leader was off when the new one took over"
    );
    assert_eq!(r.lost_acknowledged_writes, 0);
    assert_eq!(r.violations.split_brain, 0);
}

#[test]
fn a_lease_prevents_split_brain_unless_the_old_leaders_clock_runs_slow() {
    // Lease 500 ms, failure timeout 1 s: the old leader stops accepting
    // writes before anyone can be elected.
    let lease = "lease_ms = 500";
    let (safe, sim) = run(&setup(ASYNC, "lease", lease));
    let refused = sim
        .history
        .as_ref()
        .unwrap()
        .iter()
        .filter(|o| !o.ok() && o.node == 0)
        .count();
    assert!(
        refused > 0,
        "the old leader refused writes once its lease ran out"
    );
    assert_eq!(safe.violations.split_brain, 0);
    // The same lease with the old leader's clock running at a tenth of
    // true speed: its 500 ms lease lasts 5 s of real time, far beyond the
    // 1 s after which the others elect a new leader.
    let drift = setup(ASYNC, "lease", lease).replace(
        "name = \"old\"\nleader = true",
        "name = \"old\"\nleader = true\nclock_drift_ppm = -900000",
    );
    let (unsafe_, sim) = run(&drift);
    assert!(
        unsafe_.violations.split_brain > 0,
        "clock drift broke the lease"
    );
    assert!(sim
        .metrics()
        .violations
        .iter()
        .any(|v| v.kind == replica_engine::checker::ViolationKind::SplitBrain));
}

/// The old leader's last acknowledged write and the new leader's promotion.
fn last_old_ack_and_promotion(sim: &replica_engine::Simulation) -> (u64, u64) {
    let promoted_us = sim.metrics().promotions[0].t_us;
    let last_old_ack_us = acked_writes(sim)
        .iter()
        .filter(|o| o.epoch == 1)
        .map(|o| o.complete_us)
        .max()
        .unwrap_or(0);
    (last_old_ack_us, promoted_us)
}

#[test]
fn a_lease_shorter_than_the_timeout_prevents_split_brain_at_every_length() {
    // The leader, with two sessions, is cut off from the rest at 10 s; a
    // 5 s failure timeout elects a new leader on the other side. Counted
    // from the last heartbeat a majority confirmed, every lease the
    // validator accepts (shorter than the timeout) ends before that.
    for lease_ms in [500, 2_500, 3_500, 4_500, 4_900, 4_999] {
        let text = format!(
            r#"
duration_ms = 30000
[[nodes]]
name = "old"
leader = true
[[nodes]]
name = "b"
[[nodes]]
name = "c"
[policy]
{ASYNC}
[workload]
sessions = 4
think_time_us = 5000
read_percent = 0
request_timeout_ms = 1000
[failover]
mode = "election"
heartbeat_interval_ms = 1000
timeout_ms = 5000
fencing = "lease"
lease_ms = {lease_ms}
[[faults]]
at_ms = 10000
action = "partition"
between = [["old", "clients:0-1"], ["b", "c", "clients:2-3"]]
"#
        );
        let (r, sim) = run(&text);
        assert_eq!(r.promotions.len(), 1, "lease {lease_ms} ms: a new leader");
        let (last_old_ack_us, promoted_us) = last_old_ack_and_promotion(&sim);
        assert!(
            last_old_ack_us < promoted_us,
            "lease {lease_ms} ms: the old leader acknowledged a write at {last_old_ack_us} µs, \
             after the new leader's promotion at {promoted_us} µs"
        );
        assert_eq!(r.violations.split_brain, 0, "lease {lease_ms} ms");
        assert_eq!(r.split_brain_us, 0, "lease {lease_ms} ms");
    }
}

#[test]
fn a_deposed_leaders_acknowledgements_are_counted_and_fencing_that_promises_stops_them() {
    use replica_engine::invariant::fencing_promised;
    // Without fencing the cut-off old leader keeps telling its two
    // sessions their writes succeeded after the new leader is promoted.
    let (none, sim) = run(&setup(ASYNC, "none", ""));
    assert!(none.stale_leader_acks > 100, "{}", none.stale_leader_acks);
    assert!(!fencing_promised(&sim.scenario));
    // STONITH and a lease shorter than the timeout promise it, and keep it.
    for (fencing, extra) in [("stonith", ""), ("lease", "lease_ms = 500")] {
        let (r, sim) = run(&setup(ASYNC, fencing, extra));
        assert!(fencing_promised(&sim.scenario), "{fencing}");
        assert_eq!(r.stale_leader_acks, 0, "{fencing}");
    }
    // A lease on a clock at a tenth of true speed lasts ten times longer:
    // the promise is withdrawn, and rightly, since it is broken.
    let slow = setup(ASYNC, "lease", "lease_ms = 500").replace(
        "name = \"old\"\nleader = true",
        "name = \"old\"\nleader = true\nclock_drift_ppm = -900000",
    );
    let (r, sim) = run(&slow);
    assert!(!fencing_promised(&sim.scenario));
    assert!(r.stale_leader_acks > 0);
}
