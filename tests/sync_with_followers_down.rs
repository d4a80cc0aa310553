//! What synchronous commit does when a synchronous follower is gone:
//! `FIRST 1` to a single standby blocks until it returns; a priority list
//! hands over to the next standby; `ANY 1` follows the faster follower.

mod common;
use common::*;

fn cluster(policy: &str, faults: &str) -> String {
    two_regions(&format!(
        r#"
[[nodes]]
name = "leader"
region = "near"
leader = true
[[nodes]]
name = "s1"
region = "near"
[[nodes]]
name = "s2"
region = "far"
[policy]
{policy}
{faults}
"#
    ))
}

const S1_DOWN_1S_TO_3S: &str = r#"
[[faults]]
at_ms = 1000
action = "crash"
node = "s1"
[[faults]]
at_ms = 3000
action = "restart"
node = "s1"
"#;

#[test]
fn first_1_with_its_only_standby_down_blocks_commits_until_it_returns() {
    let (r, sim) = run(&cluster(
        "synchronous_standby_names = \"FIRST 1 (s1)\"",
        S1_DOWN_1S_TO_3S,
    ));
    let writes = acked_writes(&sim);
    let during: Vec<_> = writes
        .iter()
        .filter(|w| w.invoke_us > 1_010_000 && w.invoke_us < 3_000_000)
        .collect();
    assert!(!during.is_empty(), "writes were issued while s1 was down");
    for w in &during {
        assert!(
            w.complete_us >= 3_000_000,
            "write {} committed at {} µs while s1 was down",
            w.id,
            w.complete_us
        );
    }
    // Sessions are stuck: nothing else was acknowledged during the outage.
    let acked_in_outage = writes
        .iter()
        .filter(|w| w.complete_us > 1_010_000 && w.complete_us < 3_000_000)
        .count();
    assert_eq!(acked_in_outage, 0);
    assert!(
        r.commit_latency.max_us >= 1_900_000,
        "the longest commit spans the outage"
    );
}

#[test]
fn first_1_of_a_list_hands_over_to_the_next_standby() {
    let (_, sim) = run(&cluster(
        "synchronous_standby_names = \"FIRST 1 (s1, s2)\"",
        S1_DOWN_1S_TO_3S,
    ));
    let writes = acked_writes(&sim);
    let during: Vec<_> = writes
        .iter()
        .filter(|w| w.invoke_us > 1_100_000 && w.complete_us < 2_900_000)
        .collect();
    assert!(
        during.len() > 10,
        "commits continue while s1 is down ({} seen)",
        during.len()
    );
    for w in &during {
        // s2 is 50 ms away: each commit pays its round trip, not the outage.
        assert_within(
            "commit latency µs with s2 as sync standby",
            w.latency_us(),
            100_000,
            110_000,
        );
    }
    let before: Vec<_> = writes
        .iter()
        .filter(|w| w.complete_us < 1_000_000)
        .collect();
    assert!(
        before.iter().all(|w| w.latency_us() < 5_000),
        "s1 (near) was the sync standby before"
    );
}

#[test]
fn any_1_commit_latency_follows_the_faster_follower() {
    let (r, _) = run(&cluster(
        "synchronous_standby_names = \"ANY 1 (s1, s2)\"",
        "",
    ));
    assert_within("ANY 1 p99 µs", r.commit_latency.p99_us, 2_000, 5_000);
    let (r, _) = run(&cluster(
        "synchronous_standby_names = \"ANY 1 (s1, s2)\"",
        S1_DOWN_1S_TO_3S,
    ));
    assert!(
        r.commit_latency.max_us < 150_000,
        "losing one standby of ANY 1 does not stall commits"
    );
}
