//! The safety invariants hold after every single event of runs full of
//! crashes, partitions, elections and rejoins (see `invariant.rs`).

mod common;
use common::*;
use replica_engine::invariant;
use replica_engine::Simulation;

fn chaos(policy: &str, fencing: &str, mode: &str) -> String {
    format!(
        r#"
duration_ms = 8000
[network]
loss_ppm = 1000
[[nodes]]
name = "a"
leader = true
[[nodes]]
name = "b"
[[nodes]]
name = "c"
[[nodes]]
name = "d"
[[nodes]]
name = "e"
[policy]
{policy}
[workload]
sessions = 6
think_time_us = 2000
read_percent = 30
request_timeout_ms = 500
[replication]
status_interval_ms = 100
sender_timeout_ms = 500
[failover]
mode = "{mode}"
heartbeat_interval_ms = 50
timeout_ms = 400
discovery_delay_ms = 50
fencing = "{fencing}"
ttl_ms = 600
loop_wait_ms = 150
retry_timeout_ms = 200
[[faults]]
at_ms = 1000
action = "kill_leader"
power_loss = true
[[faults]]
at_ms = 2000
action = "restart"
node = "a"
[[faults]]
at_ms = 3000
action = "partition_leader"
[[faults]]
at_ms = 4200
action = "heal_all"
[[faults]]
at_ms = 5000
action = "partition"
between = [["a", "b"], ["c", "d", "e"]]
[[faults]]
at_ms = 6000
action = "heal_all"
[[faults]]
at_ms = 6500
action = "kill_leader"
[[faults]]
at_ms = 7000
action = "restart"
node = "a"
"#
    )
}

fn check_every_event(text: &str) -> Simulation {
    let mut sim = Simulation::new(scenario(text));
    sim.enable_checker();
    if let Err(e) = invariant::run_checked(&mut sim, 8_000_000) {
        let roles: Vec<_> = sim
            .hosts()
            .iter()
            .map(|h| {
                let n = h.node();
                (
                    n.role(),
                    n.epoch(),
                    n.wal().last_lsn(),
                    n.wal().flushed,
                    h.up(),
                )
            })
            .collect();
        panic!(
            "invariant broken {e}\nmode {:?}, promotions {:#?}\nnodes {roles:?}",
            sim.scenario.failover.mode,
            sim.metrics().promotions
        );
    }
    sim.finish();
    sim
}

#[test]
fn invariants_hold_under_quorum_with_epoch_fencing_across_failovers() {
    for mode in ["election", "manager"] {
        let sim = check_every_event(&chaos(
            "synchronous_standby_names = \"ANY 2 (*)\"",
            "epoch",
            mode,
        ));
        assert!(
            sim.metrics().promotions.len() >= 2,
            "{mode}: several failovers happened"
        );
        assert_eq!(sim.lost_acknowledged_writes(), 0);
    }
}

#[test]
fn invariants_hold_under_async_without_fencing_too() {
    // Loss is allowed here; the structural invariants are not negotiable.
    let sim = check_every_event(&chaos("synchronous_commit = \"local\"", "none", "election"));
    assert!(sim.metrics().promotions.len() >= 2);
}
