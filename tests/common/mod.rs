//! Helpers shared by the integration tests: build a scenario from TOML
//! text, run it, and look at its report and history.

#![allow(dead_code)]

use replica_engine::history::{OpKind, OpRecord};
use replica_engine::{Report, Scenario, ScenarioFile, Simulation};

/// Parses and validates scenario text, panicking with the error.
pub fn scenario(text: &str) -> Scenario {
    match ScenarioFile::parse(text).and_then(|f| f.validate()) {
        Ok(s) => s,
        Err(e) => panic!("test scenario is invalid: {e}"),
    }
}

/// Runs a scenario to its end with history kept.
pub fn run(text: &str) -> (Report, Simulation) {
    let mut sim = Simulation::new(scenario(text));
    sim.enable_history();
    sim.enable_checker();
    sim.run();
    sim.finish();
    (sim.report(), sim)
}

/// The acknowledged writes of a run.
pub fn acked_writes(sim: &Simulation) -> Vec<OpRecord> {
    sim.history
        .as_ref()
        .map(|h| {
            h.iter()
                .filter(|o| o.kind == OpKind::Write && o.ok())
                .copied()
                .collect()
        })
        .unwrap_or_default()
}

/// Asserts `value` lies within `lo..=hi`, naming the figure.
pub fn assert_within(what: &str, value: u64, lo: u64, hi: u64) {
    assert!(
        (lo..=hi).contains(&value),
        "{what} = {value}, expected {lo}..={hi}"
    );
}

/// Two regions 50 ms apart (one way), the lesson's cross-region example;
/// `extra` is appended (nodes, policy, …).
pub fn two_regions(extra: &str) -> String {
    format!(
        r#"
duration_ms = 5000
regions = ["near", "far"]
[network]
local_us = 500
local_jitter_us = 0
[[network.links]]
between = ["near", "far"]
one_way_us = 50000
jitter_us = 0
[defaults]
fsync_us = 1000
fsync_jitter_us = 0
disk_write_us = 20
[workload]
sessions = 2
think_time_us = 20000
read_percent = 0
request_timeout_ms = 0
{extra}
"#
    )
}
