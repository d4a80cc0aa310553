//! Read scaling: with 95 % reads and a per-node capacity, read throughput
//! grows about linearly with the number of followers; write throughput,
//! bound by the single leader, does not.

mod common;
use common::*;

fn cluster(followers: usize, read_percent: u8) -> String {
    let mut nodes = String::from("[[nodes]]\nname = \"leader\"\nleader = true\n");
    for i in 1..=followers {
        nodes.push_str(&format!("[[nodes]]\nname = \"f{i}\"\n"));
    }
    format!(
        r#"
duration_ms = 4000
[defaults]
capacity_ops = 1000
{nodes}
[policy]
synchronous_commit = "local"
[routing]
reads = "any_follower"
pick = "round_robin"
[workload]
sessions = 64
think_time_us = 0
think_jitter_us = 0
read_percent = {read_percent}
request_timeout_ms = 0
"#
    )
}

#[test]
fn read_throughput_grows_with_followers_write_throughput_does_not() {
    let reads: Vec<u64> = [1, 2, 4]
        .iter()
        .map(|&f| run(&cluster(f, 95)).0.read_throughput_per_s)
        .collect();
    let writes: Vec<u64> = [1, 2, 4]
        .iter()
        .map(|&f| run(&cluster(f, 0)).0.write_throughput_per_s)
        .collect();
    println!("reads/s with 1, 2, 4 followers: {reads:?}; writes/s: {writes:?}");
    // Each follower serves ≤ 1,000 ops/s.
    assert_within("reads/s, 1 follower", reads[0], 850, 1_000);
    assert_within(
        "reads/s ratio 2:1 ×100",
        reads[1] * 100 / reads[0],
        180,
        210,
    );
    assert_within(
        "reads/s ratio 4:1 ×100",
        reads[2] * 100 / reads[0],
        350,
        420,
    );
    // All writes funnel through the leader's 1,000 ops/s.
    for w in &writes {
        assert_within("writes/s", *w, 850, 1_000);
    }
}
