//! The lesson's central trade-off, measured: asynchronous commit costs the
//! leader's local fsync whatever the followers' distance; synchronous
//! commit to a follower 50 ms away adds one round trip (≈ 100 ms).

mod common;
use common::*;

const NODES: &str = r#"
[[nodes]]
name = "leader"
region = "near"
leader = true
[[nodes]]
name = "far1"
region = "far"
"#;

#[test]
fn async_commit_costs_the_local_fsync_whatever_the_distance() {
    let (r, _) = run(&two_regions(&format!(
        "{NODES}\n[policy]\nsynchronous_commit = \"local\"\n"
    )));
    assert!(r.writes_acknowledged > 100);
    // Client round trip to the leader is 1 ms; write 20 µs + fsync 1 ms.
    // Requests that queue behind an fsync in progress wait up to one more.
    assert_within("async p50 µs", r.commit_latency.p50_us, 2_000, 3_200);
    assert!(
        r.commit_latency.max_us < 5_000,
        "no async commit waits for the far follower"
    );
}

#[test]
fn sync_to_a_follower_50ms_away_adds_one_round_trip() {
    let (a, _) = run(&two_regions(&format!(
        "{NODES}\n[policy]\nsynchronous_commit = \"local\"\n"
    )));
    let (s, _) = run(&two_regions(&format!(
        "{NODES}\n[policy]\nsynchronous_standby_names = \"far1\"\nsynchronous_commit = \"on\"\n"
    )));
    let added = s.commit_latency.p50_us - a.commit_latency.p50_us;
    // 2 × 50 ms plus the follower's own write and fsync (≈1 ms).
    assert_within("added latency µs", added, 100_000, 104_000);
    println!(
        "async p50 {} µs, sync p50 {} µs, added {} µs",
        a.commit_latency.p50_us, s.commit_latency.p50_us, added
    );
}
