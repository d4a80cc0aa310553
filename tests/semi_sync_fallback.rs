//! MySQL-style semi-synchronous commit: when the only follower dies, one
//! commit waits out the timeout, the leader falls back to asynchronous, and
//! semi-sync resumes once the follower is back and caught up.

mod common;
use common::*;

#[test]
fn one_commit_waits_the_timeout_then_async_then_semi_sync_resumes() {
    let text = two_regions(
        r#"
[[nodes]]
name = "leader"
region = "near"
leader = true
[[nodes]]
name = "replica"
region = "near"
[policy]
synchronous_standby_names = "ANY 1 (replica)"
on_quorum_unmet = "degrade_to_async"
quorum_timeout_ms = 1000
[[faults]]
at_ms = 2000
action = "crash"
node = "replica"
power_loss = true
[[faults]]
at_ms = 5000
action = "restart"
node = "replica"
"#,
    )
    .replace("duration_ms = 5000", "duration_ms = 8000");
    let (r, sim) = run(&text);
    let changes = &r.policy_changes;
    assert_eq!(changes.len(), 2, "{changes:?}");
    assert!(changes[0].degraded && !changes[1].degraded);
    assert_within("fallback time µs", changes[0].t_us, 3_000_000, 3_030_000);
    assert_within("restored time µs", changes[1].t_us, 5_000_000, 5_100_000);
    let writes = acked_writes(&sim);
    let slow: Vec<_> = writes.iter().filter(|w| w.latency_us() > 900_000).collect();
    assert!(
        !slow.is_empty() && slow.len() <= 2,
        "only the writes caught at the crash wait the timeout: {}",
        slow.len()
    );
    let async_phase: Vec<_> = writes
        .iter()
        .filter(|w| w.invoke_us > 3_100_000 && w.complete_us < 4_900_000)
        .collect();
    assert!(async_phase.len() > 50);
    assert!(
        async_phase.iter().all(|w| w.latency_us() < 5_000),
        "after the fallback commits are asynchronous"
    );
}
