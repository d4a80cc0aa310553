//! Replication lag: small under light load in one data centre, and growing
//! without bound when writes outpace a follower's replay.

mod common;
use common::*;
use replica_engine::Simulation;

#[test]
fn light_load_same_region_lag_stays_below_10ms() {
    let (r, _) = run(&std::fs::read_to_string("scenarios/default.toml").unwrap());
    for f in &r.followers {
        assert!(f.max_lag_us < 10_000, "{}: {} µs", f.node, f.max_lag_us);
    }
}

#[test]
fn writes_faster_than_replay_make_lag_grow() {
    // 8 sessions writing back to back: about 4,000 writes/s. The slow
    // follower replays one entry per 1 ms: 1,000/s.
    let text = r#"
duration_ms = 6000
[[nodes]]
name = "leader"
leader = true
[[nodes]]
name = "fast"
[[nodes]]
name = "slow"
apply_us = 1000
[policy]
synchronous_commit = "local"
[workload]
sessions = 8
think_time_us = 0
think_jitter_us = 0
read_percent = 0
"#;
    let mut sim = Simulation::new(scenario(text));
    let mut lags = Vec::new();
    for t in [2_000_000, 4_000_000, 6_000_000] {
        sim.run_until(t);
        lags.push((
            sim.metrics().lag[1].last_entries,
            sim.metrics().lag[2].last_entries,
            sim.metrics().lag[2].last_us,
        ));
    }
    println!("(fast, slow entries, slow µs) at 2/4/6 s: {lags:?}");
    assert!(lags.iter().all(|l| l.0 < 50), "the fast follower keeps up");
    assert!(lags[0].1 > 1_000 && lags[1].1 > lags[0].1 + 1_000 && lags[2].1 > lags[1].1 + 1_000);
    assert!(lags[2].2 > lags[0].2 + 1_000_000, "lag in time grows too");
}
