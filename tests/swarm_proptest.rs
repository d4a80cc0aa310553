//! The swarm's safety and liveness checks as a property test: proptest
//! draws a fault schedule for a five-node cluster (majority quorum, epoch
//! fencing, elections) and, when a schedule breaks an invariant, shrinks it
//! to a minimal one before reporting.

use proptest::prelude::*;
use replica_engine::invariant;
use replica_engine::scenario::{FaultAction, Group, ScheduledFault};
use replica_engine::{ScenarioFile, Simulation};

const CLUSTER: &str = r#"
duration_ms = 5000
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
synchronous_standby_names = "ANY 2 (*)"
[workload]
sessions = 4
think_time_us = 2000
read_percent = 30
request_timeout_ms = 300
stop_ms = 3500
[replication]
status_interval_ms = 50
sender_timeout_ms = 300
[failover]
mode = "election"
heartbeat_interval_ms = 40
timeout_ms = 200
discovery_delay_ms = 20
fencing = "epoch"
"#;

fn fault() -> impl Strategy<Value = FaultAction> {
    let node = 0u8..5;
    prop_oneof![
        (node.clone(), any::<bool>())
            .prop_map(|(node, power_loss)| FaultAction::Crash { node, power_loss }),
        node.clone().prop_map(|node| FaultAction::Restart { node }),
        any::<bool>().prop_map(|power_loss| FaultAction::KillLeader { power_loss }),
        (1u64..31, any::<bool>()).prop_map(|(mask, one_way)| FaultAction::Partition {
            a: Group::of_nodes(mask),
            b: Group::of_nodes(!mask & 31),
            one_way,
        }),
        Just(FaultAction::PartitionLeader),
        node.clone().prop_map(|node| FaultAction::Isolate { node }),
        (node, 1u64..500).prop_map(|(node, ms)| FaultAction::LatencySpike {
            node,
            extra_us: ms * 1000,
            duration_us: 300_000
        }),
    ]
}

fn run(schedule: &[(u64, FaultAction)]) -> Result<(), String> {
    let mut s = ScenarioFile::parse(CLUSTER)
        .and_then(|f| f.validate())
        .map_err(|e| e.to_string())?;
    s.faults = schedule
        .iter()
        .map(|(at_ms, action)| ScheduledFault {
            at_us: at_ms * 1000,
            action: *action,
        })
        .collect();
    // Liveness phase: heal and restart everything at 2.5 s.
    s.faults.push(ScheduledFault {
        at_us: 2_500_000,
        action: FaultAction::HealAll,
    });
    for node in 0..5 {
        s.faults.push(ScheduledFault {
            at_us: 2_500_000,
            action: FaultAction::Restart { node },
        });
    }
    s.faults.sort_by_key(|f| f.at_us);
    let mut sim = Simulation::new(s);
    invariant::run_to_convergence(&mut sim, 5_000_000).map(|_| ())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn any_fault_schedule_keeps_the_invariants(schedule in proptest::collection::vec((100u64..2400, fault()), 0..8)) {
        let r = run(&schedule);
        prop_assert!(r.is_ok(), "{:?}\nschedule: {schedule:?}", r.err());
    }
}
