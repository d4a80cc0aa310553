//! What a failover costs in acknowledged writes, by commit policy:
//! asynchronous loses exactly the acknowledged writes the new leader never
//! received; synchronous `FIRST 1` loses none; semi-synchronous, once it
//! has fallen back to asynchronous, can lose some.

mod common;
use common::*;
use replica_engine::history::OpKind;
use replica_engine::node::{Note, Role};
use replica_engine::trace::TraceEvent;
use replica_engine::Simulation;

/// Leader and a near follower in one region, a far follower 50 ms away;
/// the leader loses power at 3 s and an election picks a successor.
fn cluster(policy: &str, extra: &str) -> String {
    format!(
        r#"
duration_ms = 12000
regions = ["dc1", "far"]
[network]
local_jitter_us = 0
[[network.links]]
between = ["dc1", "far"]
one_way_us = 50000
[[nodes]]
name = "leader"
leader = true
[[nodes]]
name = "near"
[[nodes]]
name = "far"
region = "far"
[workload]
sessions = 8
think_time_us = 2000
read_percent = 0
request_timeout_ms = 1000
[failover]
mode = "election"
heartbeat_interval_ms = 100
timeout_ms = 1000
discovery_delay_ms = 100
[policy]
{policy}
{extra}
"#
    )
}

/// The leader is cut off from both followers at 2 s (clients still reach
/// it), then loses power at 3 s.
const KILL_AT_3S: &str = r#"
[[faults]]
at_ms = 2000
action = "partition"
between = [["leader"], ["near", "far"]]
[[faults]]
at_ms = 3000
action = "crash"
node = "leader"
power_loss = true
"#;

#[test]
fn async_loses_exactly_the_acknowledged_writes_the_new_leader_lacks() {
    // Writes acknowledged while the leader was cut off never reached a
    // follower; when it dies, exactly those are gone.
    let text = cluster("synchronous_commit = \"local\"", KILL_AT_3S);
    let mut sim = Simulation::new(scenario(&text));
    sim.enable_history();
    sim.enable_checker();
    sim.enable_trace_buffer();
    // Run until the promotion and note what the new leader holds then.
    let mut promoted = None;
    while sim.step() && sim.now_us() < 12_000_000 {
        for ev in sim.drain_trace() {
            if let TraceEvent::Node {
                node,
                note:
                    Note::RoleChanged {
                        role: Role::Leader, ..
                    },
                ..
            } = ev
            {
                if promoted.is_none() {
                    promoted = Some((node, sim.node(node).wal().last_lsn()));
                }
            }
        }
    }
    sim.finish();
    let (new_leader, held) = promoted.expect("a follower was promoted");
    // Messages already on the wire when the link was cut still arrive,
    // so both followers may hold the same log; the winner holds the most.
    let best = (1..3)
        .map(|i| sim.node(i).wal().last_lsn().min(held))
        .max()
        .unwrap();
    assert_eq!(
        held, best,
        "{} won with the most up-to-date log",
        sim.scenario.nodes[new_leader as usize].name
    );
    let expected = sim
        .history
        .as_ref()
        .unwrap()
        .iter()
        .filter(|o| o.kind == OpKind::Write && o.ok() && o.epoch == 1 && o.lsn > held)
        .count() as u64;
    let r = sim.report();
    println!(
        "acknowledged by the old leader beyond LSN {held}: {expected}; reported lost: {}",
        r.lost_acknowledged_writes
    );
    assert!(
        expected > 0,
        "the scenario must leave acknowledged writes unreplicated"
    );
    assert_eq!(r.lost_acknowledged_writes, expected);
    assert_eq!(
        r.violations.lost_acknowledged_writes, expected,
        "the checker agrees"
    );
    assert_eq!(r.promotions[0].lost_acknowledged_writes, expected);
}

#[test]
fn synchronous_first_1_loses_nothing() {
    let (r, _) = run(&cluster(
        "synchronous_standby_names = \"FIRST 1 (near)\"",
        KILL_AT_3S,
    ));
    assert_eq!(r.promotions.len(), 1);
    assert!(r.writes_acknowledged > 500);
    assert_eq!(r.lost_acknowledged_writes, 0);
    assert_eq!(r.violations.lost_acknowledged_writes, 0);
}

#[test]
fn semi_sync_after_falling_back_can_lose_writes() {
    // Cut off from its standby, the leader waits 200 ms, falls back to
    // asynchronous commit and acknowledges writes nobody else has; then it
    // loses power.
    let (r, _) = run(&cluster(
        "synchronous_standby_names = \"ANY 1 (near)\"\non_quorum_unmet = \"degrade_to_async\"\nquorum_timeout_ms = 200",
        KILL_AT_3S,
    ));
    println!(
        "policy changes {:?}; lost {}",
        r.policy_changes, r.lost_acknowledged_writes
    );
    assert!(
        r.policy_changes.iter().any(|c| c.degraded),
        "semi-sync fell back"
    );
    assert_eq!(r.promotions.len(), 1);
    assert!(
        r.lost_acknowledged_writes > 0,
        "after the fallback, acknowledged writes were lost"
    );
}

#[test]
fn the_report_counts_failovers() {
    let (r, _) = run(&cluster("synchronous_commit = \"local\"", KILL_AT_3S));
    let p = &r.promotions[0];
    // The leader was lost to its followers when the partition began.
    assert_eq!(p.leader_lost_us, Some(2_000_000));
    let detect = p.suspected_us.unwrap() - 2_000_000;
    assert_within("detection after the crash µs", detect, 1_000_000, 1_300_000);
    assert!(p.unavailable_us().unwrap() >= detect);
}
