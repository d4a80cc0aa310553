//! The report's latency percentiles agree with the exact nearest-rank
//! figures of the run's own history to within 1 %.

mod common;
use common::*;

fn exact(sorted: &[u64], per_mille: u64) -> u64 {
    let rank = (sorted.len() as u64 * per_mille).div_ceil(1000).max(1);
    sorted[rank as usize - 1]
}

#[test]
fn commit_percentiles_are_within_one_percent_of_the_history() {
    for file in [
        "scenarios/lesson-02b-sync-cross-region.toml",
        "scenarios/default.toml",
        "scenarios/postgres-any1-faster-standby.toml",
    ] {
        let (r, sim) = run(&std::fs::read_to_string(file).unwrap());
        let mut latencies: Vec<u64> = acked_writes(&sim).iter().map(|w| w.latency_us()).collect();
        latencies.sort_unstable();
        let c = r.commit_latency;
        for (name, reported, per_mille) in [
            ("p50", c.p50_us, 500),
            ("p95", c.p95_us, 950),
            ("p99", c.p99_us, 990),
            ("max", c.max_us, 1000),
        ] {
            let want = exact(&latencies, per_mille);
            assert!(
                reported.abs_diff(want) * 100 <= want,
                "{file} {name}: report {reported} µs, history {want} µs"
            );
        }
    }
}
