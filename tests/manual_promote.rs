//! An operator's promotion (`pg_ctl promote`): the only way a follower
//! leads in manual mode, and the way a two-node pair fails over without a
//! witness or a manager.

mod common;
use common::*;

fn pair(faults: &str) -> String {
    format!(
        r#"
duration_ms = 12000
[[nodes]]
name = "primary"
leader = true
[[nodes]]
name = "standby"
[policy]
synchronous_commit = "local"
[workload]
sessions = 4
think_time_us = 5000
read_percent = 0
request_timeout_ms = 1000
[failover]
mode = "manual"
discovery_delay_ms = 200
{faults}
"#
    )
}

const KILL_AT_5S: &str = "[[faults]]\nat_ms = 5000\naction = \"crash\"\nnode = \"primary\"\n";
const PROMOTE_AT_6S: &str = "[[faults]]\nat_ms = 6000\naction = \"promote\"\nnode = \"standby\"\n";

#[test]
fn without_an_operator_a_dead_primary_stays_dead() {
    let (r, sim) = run(&pair(KILL_AT_5S));
    assert!(r.promotions.is_empty());
    assert_eq!(sim.current_leader(), None);
    let after = acked_writes(&sim)
        .iter()
        .filter(|o| o.complete_us > 5_000_000)
        .count();
    assert_eq!(after, 0, "no write is acknowledged after the kill");
}

#[test]
fn a_promoted_standby_of_a_two_node_pair_takes_the_writes() {
    let (r, sim) = run(&pair(&format!("{KILL_AT_5S}{PROMOTE_AT_6S}")));
    assert_eq!(r.promotions.len(), 1);
    let p = r.promotions[0];
    assert_eq!((p.node, p.epoch, p.t_us), (1, 2, 6_000_000));
    assert!(!p.old_leader_alive);
    assert_eq!(sim.current_leader(), Some(1));
    let on_new = acked_writes(&sim).iter().filter(|o| o.epoch == 2).count();
    assert!(
        on_new > 1_000,
        "{on_new} writes acknowledged by the standby"
    );
    assert_eq!(r.lost_acknowledged_writes, 0);
}

#[test]
fn promoting_while_the_primary_is_up_makes_two_leaders() {
    // No fencing: the operator promoted a standby of a live primary, and
    // the sessions that cannot hear of it keep writing to the old one.
    let text = pair(&format!(
        "{PROMOTE_AT_6S}[[faults]]\nat_ms = 5900\naction = \"partition\"\nbetween = [[\"primary\", \"clients:0-1\"], [\"standby\", \"clients:2-3\"]]\n"
    ))
    .replace("mode = \"manual\"", "mode = \"manual\"\nfencing = \"none\"");
    let (r, _) = run(&text);
    assert_eq!(r.promotions.len(), 1);
    assert!(r.promotions[0].old_leader_alive);
    assert_eq!(r.false_failovers, 1);
    assert!(
        r.violations.split_brain > 0,
        "both leaders acknowledged writes"
    );
}
