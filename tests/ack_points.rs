//! The ack point decides how far a follower must get before a synchronous
//! commit returns: written (`remote_write`) < flushed (`on`) < applied
//! (`remote_apply`) when replay is slower than fsync.

mod common;
use common::*;

fn p50(ack: &str) -> u64 {
    let text = two_regions(&format!(
        r#"
[[nodes]]
name = "leader"
region = "near"
leader = true
[[nodes]]
name = "s1"
region = "near"
fsync_us = 2000
apply_us = 5000
[policy]
synchronous_standby_names = "s1"
synchronous_commit = "{ack}"
"#
    ));
    run(&text).0.commit_latency.p50_us
}

#[test]
fn remote_write_is_faster_than_on_which_is_faster_than_remote_apply() {
    let (w, f, a) = (p50("remote_write"), p50("on"), p50("remote_apply"));
    println!("remote_write {w} µs < on {f} µs < remote_apply {a} µs");
    assert!(w < f && f < a);
    // The gaps are the follower's fsync (2 ms) and its replay (5 ms).
    assert_within("on − remote_write", f - w, 1_500, 3_000);
    assert_within("remote_apply − on", a - f, 4_500, 6_500);
}

#[test]
fn remote_apply_waits_for_an_apply_delay() {
    let text = two_regions(
        r#"
[[nodes]]
name = "leader"
region = "near"
leader = true
[[nodes]]
name = "s1"
region = "near"
apply_delay_ms = 300
[policy]
synchronous_standby_names = "s1"
synchronous_commit = "remote_apply"
"#,
    );
    let (r, _) = run(&text);
    assert!(
        r.commit_latency.p50_us >= 300_000,
        "recovery_min_apply_delay holds every remote_apply commit"
    );
}
