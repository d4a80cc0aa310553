//! One seed, one trace: the trace hash of a run must be the same on every
//! target. The hashes in `golden_trace_hashes.txt` were computed natively;
//! this test runs natively *and* in headless Chromium (wasm32), so passing
//! on both proves the byte-identical trace across targets. After an
//! intended change to the engine's behaviour, regenerate the file with
//! `UPDATE_GOLDEN=1 cargo test -p replica-engine --test determinism`.

use replica_engine::{ScenarioFile, Simulation};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

const GOLDEN: &str = include_str!("golden_trace_hashes.txt");

/// A busy scenario that exercises most of the engine: two regions, message
/// loss, a semi-synchronous policy, elections, crashes, partitions, slow
/// disks and latency spikes.
const CHAOS: &str = r#"
name = "determinism-chaos"
duration_ms = 4000
regions = ["dc1", "dc2"]
[network]
loss_ppm = 2000
[[network.links]]
between = ["dc1", "dc2"]
one_way_us = 20000
jitter_us = 3000
[[nodes]]
name = "a"
leader = true
[[nodes]]
name = "b"
[[nodes]]
name = "c"
region = "dc2"
priority = 2
[policy]
synchronous_standby_names = "ANY 1 (*)"
on_quorum_unmet = "degrade_to_async"
quorum_timeout_ms = 200
[routing]
reads = "position_token"
token_wait_ms = 20
[workload]
sessions = 6
think_time_us = 3000
read_percent = 60
keys = 20
request_timeout_ms = 500
[replication]
status_interval_ms = 100
sender_timeout_ms = 400
[failover]
mode = "election"
heartbeat_interval_ms = 50
timeout_ms = 300
discovery_delay_ms = 100
[[faults]]
at_ms = 800
action = "slow_disk"
node = "b"
factor = 20
duration_ms = 300
[[faults]]
at_ms = 1200
action = "kill_leader"
power_loss = true
[[faults]]
at_ms = 2000
action = "restart"
node = "a"
[[faults]]
at_ms = 2500
action = "partition_leader"
[[faults]]
at_ms = 2900
action = "latency_spike"
node = "b"
extra_ms = 50
duration_ms = 200
[[faults]]
at_ms = 3300
action = "heal_all"
"#;

fn hashes() -> Vec<(String, u64, u64)> {
    let default = include_str!("../../scenarios/default.toml");
    let mut out = Vec::new();
    for (name, text, seeds) in [("default", default, 1..=20u64), ("chaos", CHAOS, 1..=10u64)] {
        let scenario = ScenarioFile::parse(text)
            .and_then(|f| f.validate())
            .expect("valid");
        for seed in seeds {
            let mut sim = Simulation::with_seed(scenario.clone(), seed);
            sim.enable_trace_hash();
            sim.run();
            out.push((name.to_string(), seed, sim.trace_hash()));
        }
    }
    out
}

fn render(h: &[(String, u64, u64)]) -> String {
    h.iter()
        .map(|(n, s, x)| format!("{n} {s} {x:016x}\n"))
        .collect()
}

#[test]
fn trace_hashes_match_the_natively_computed_golden_file() {
    let got = render(&hashes());
    #[cfg(not(target_arch = "wasm32"))]
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(
            concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden_trace_hashes.txt"),
            &got,
        )
        .unwrap();
        return;
    }
    assert_eq!(
        got, GOLDEN,
        "trace hashes differ from the golden file (see the module doc)"
    );
}

#[test]
fn same_seed_twice_same_trace_and_different_seeds_differ() {
    let h = hashes();
    let again = hashes();
    assert_eq!(h, again);
    let distinct: std::collections::BTreeSet<u64> = h.iter().map(|x| x.2).collect();
    assert_eq!(
        distinct.len(),
        h.len(),
        "every seed should give its own trace"
    );
}
