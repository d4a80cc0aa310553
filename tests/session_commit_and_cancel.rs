//! A session's own `synchronous_commit`, and a cancelled synchronous wait.
//!
//! PostgreSQL lets each session choose what its commits wait for (`SET
//! synchronous_commit`), so payments can wait for the standby while page
//! views do not. And a client that cancels a commit still waiting for its
//! standby is told the commit succeeded, with a warning: the row is on the
//! primary only, `committed_unreplicated`, the hole in "synchronous means
//! safe". `statement_timeout` does not bound that wait.

mod common;
use common::*;
use replica_engine::history::{OpKind, Outcome};
use replica_engine::invariant;
use replica_engine::{ScenarioFile, Simulation};

fn library(name: &str) -> String {
    std::fs::read_to_string(format!("scenarios/{name}.toml")).unwrap()
}

fn error_of(text: &str) -> String {
    match ScenarioFile::parse(text).and_then(|f| f.validate()) {
        Ok(_) => panic!("accepted: {text}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn payments_wait_for_the_standby_page_views_do_not() {
    let (r, sim) = run(&library("postgres-per-session-synchronous-commit"));
    let (pay, views) = (&r.classes[0], &r.classes[1]);
    let (p, v) = (pay.commit_latency.p50_us, views.commit_latency.p50_us);
    println!(
        "payments p50 {p} µs ({} writes), page views p50 {v} µs ({} writes)",
        pay.writes_acknowledged, views.writes_acknowledged
    );
    assert!(pay.writes_acknowledged > 200 && views.writes_acknowledged > 1_000);
    // The standby is 50 ms away: the payments' medians differ from the
    // page views' by its 100 ms round trip (plus its fsync and jitter).
    assert_within("p50 difference, µs", p - v, 100_000, 104_000);
    // No page view ever waited for the standby; every payment did.
    let latencies = |first: u16, last: u16| {
        let h = sim.history.as_ref().unwrap();
        h.iter()
            .filter(|o| o.kind == OpKind::Write && (first..=last).contains(&o.session))
            .map(|o| o.latency_us())
            .collect::<Vec<u64>>()
    };
    assert!(latencies(4, 11).iter().all(|l| *l < 10_000));
    assert!(latencies(0, 3).iter().all(|l| *l > 100_000));
}

#[test]
fn a_cancelled_wait_commits_on_the_primary_only_and_the_failover_loses_it() {
    let text = library("lesson-03b-cancelled-sync-wait");
    let (r, sim) = run(&text);
    let unreplicated: Vec<_> = sim
        .history
        .as_ref()
        .unwrap()
        .iter()
        .filter(|o| o.outcome == Outcome::CommittedUnreplicated)
        .copied()
        .collect();
    println!(
        "{} committed unreplicated, {} lost acknowledged writes",
        unreplicated.len(),
        r.lost_acknowledged_writes
    );
    // s1 stops at 2 s; each of the 2 sessions cancels after 3 s, thinks
    // 200 ms and waits again: 2 rounds each before the primary dies.
    assert_eq!(unreplicated.len(), 4);
    for o in &unreplicated {
        // Told at the cancel, one client round trip after 3 s.
        assert_within(
            "latency of a cancelled write, µs",
            o.latency_us(),
            3_000_000,
            3_003_000,
        );
        assert!(o.lsn > 0 && o.epoch == 1, "committed on the primary: {o:?}");
    }
    assert_eq!(r.writes_committed_unreplicated, 4);
    assert_eq!(r.classes[0].writes_committed_unreplicated, 4);
    // They count as acknowledged: the client was told success.
    assert_eq!(r.writes_acknowledged, r.writes_attempted - 2);
    // s1, promoted after the primary died, never received them.
    assert_eq!(r.lost_acknowledged_writes, 4);
    assert_eq!(r.lost_committed_unreplicated, 4);
    assert_eq!(r.promotions[0].lost_acknowledged_writes, 4);
    // The checker flags them, and counts them among the lost.
    assert_eq!(r.violations.committed_unreplicated, 4);
    assert_eq!(r.violations.lost_committed_unreplicated, 4);
    assert_eq!(r.violations.lost_acknowledged_writes, 4);
    assert!(r.passed(), "{:?}", r.expectations);
}

#[test]
fn the_safety_oracle_excludes_exactly_the_writes_committed_unreplicated() {
    // Three nodes, FIRST 1 (n2, n3), elections and epoch fencing: the
    // configuration promises that no write acknowledged under the policy
    // is lost, and the oracle checks that after every event. At 2 s the
    // leader is cut off from both standbys (clients still reach it): its
    // commits block, each session cancels after 1 s and is told success,
    // and the followers elect a new leader that never had those rows.
    let text = r#"
duration_ms = 8000
[[nodes]]
name = "n1"
[[nodes]]
name = "n2"
[[nodes]]
name = "n3"
[policy]
synchronous_standby_names = "FIRST 1 (n2, n3)"
[workload]
sessions = 3
read_percent = 0
request_timeout_ms = 2000
cancel_after_ms = 1000
[failover]
mode = "election"
timeout_ms = 1500
heartbeat_interval_ms = 300
discovery_delay_ms = 200
[[faults]]
at_ms = 2000
action = "partition_leader"
[[faults]]
at_ms = 6000
action = "heal_all"
"#;
    let scenario = scenario(text);
    assert!(invariant::loss_free_by_construction(&scenario));
    let end_us = scenario.duration_us;
    let mut sim = Simulation::new(scenario);
    sim.enable_history();
    invariant::run_checked(&mut sim, end_us).expect("the oracle holds");
    let unreplicated = sim
        .history
        .as_ref()
        .unwrap()
        .iter()
        .filter(|o| o.outcome == Outcome::CommittedUnreplicated)
        .count() as u64;
    let lost = sim.lost_acknowledged_writes();
    println!("{unreplicated} committed unreplicated, {lost} acknowledged writes lost");
    // Each of the 3 sessions cancels once a second from the cut until it
    // learns of the new leader (about 2 s of election, then discovery).
    assert_within("committed unreplicated", unreplicated, 6, 12);
    // The lost writes are cancelled ones, and nothing else: had the
    // oracle counted them, run_checked would have failed. A write whose
    // record reached the standbys just before the cut (their answers did
    // not get back) was cancelled too, but the new leader has it.
    let r = sim.report();
    assert!(lost + 3 >= unreplicated && lost <= unreplicated, "{lost}");
    assert_eq!(r.lost_committed_unreplicated, lost);
    assert_eq!(sim.lost_policy_committed_writes(), 0);
    // At the heal the old leader rolls them back.
    assert_eq!(r.rolled_back_acknowledged, lost);
}

#[test]
fn the_oracle_does_not_cover_a_class_that_commits_locally() {
    // Three nodes, FIRST 1 with elections and epoch fencing: loss-free by
    // construction for writes that wait for the standby. The `fast` class
    // commits locally; when the leader is cut off it keeps acknowledging
    // them, and the new leader never has them.
    let text = r#"
duration_ms = 8000
[[nodes]]
name = "n1"
[[nodes]]
name = "n2"
[[nodes]]
name = "n3"
[policy]
synchronous_standby_names = "FIRST 1 (n2, n3)"
[workload]
read_percent = 0
request_timeout_ms = 1000
[[workload.classes]]
name = "safe"
sessions = 2
[[workload.classes]]
name = "fast"
sessions = 2
synchronous_commit = "local"
[failover]
mode = "election"
timeout_ms = 1000
heartbeat_interval_ms = 200
discovery_delay_ms = 100
[[faults]]
at_ms = 2000
action = "partition_leader"
"#;
    let s = scenario(text);
    assert!(invariant::loss_free_by_construction(&s));
    let end_us = s.duration_us;
    let mut sim = Simulation::new(s);
    invariant::run_checked(&mut sim, end_us).expect("the oracle holds");
    let lost = sim.lost_acknowledged_writes();
    println!(
        "lost {lost}, of which under the policy {}",
        sim.lost_policy_committed_writes()
    );
    assert!(lost >= 50, "the cut-off leader acknowledged local writes");
    assert_eq!(sim.lost_policy_committed_writes(), 0);
}

#[test]
fn without_a_cancel_the_commit_waits_for_the_standby_however_long() {
    // postgres-sync-standby-down: s1 is down from 3 s to 9 s. PostgreSQL's
    // statement_timeout does not end that wait, and nothing here does: the
    // longest commit is the outage. With a 2 s cancel, no commit takes
    // longer than 2 s, and those cancelled are committed unreplicated.
    let text = library("postgres-sync-standby-down");
    let (blocked, _) = run(&text);
    let cancelling = text.replace(
        "request_timeout_ms = 0",
        "request_timeout_ms = 0\ncancel_after_ms = 2000",
    );
    let (cancelled, _) = run(&cancelling);
    println!(
        "longest commit without cancel {} µs, with a 2 s cancel {} µs ({} unreplicated)",
        blocked.commit_latency.max_us,
        cancelled.commit_latency.max_us,
        cancelled.writes_committed_unreplicated
    );
    assert!(blocked.commit_latency.max_us > 5_500_000);
    assert_eq!(blocked.writes_committed_unreplicated, 0);
    assert_within(
        "longest commit with the cancel, µs",
        cancelled.commit_latency.max_us,
        2_000_000,
        2_003_000,
    );
    // 4 sessions, each cancelling every ~2.02 s for the 6 s outage.
    assert_within(
        "committed unreplicated",
        cancelled.writes_committed_unreplicated,
        8,
        12,
    );
}

#[test]
fn a_cancel_changes_nothing_for_a_write_that_does_not_wait_for_standbys() {
    // A class committing locally cancels 1 ms after each write, before its
    // fsync is done: the leader holds the cancel until the flush, and the
    // write is then simply committed.
    let text = two_regions(
        r#"
[[nodes]]
name = "n1"
region = "near"
[[nodes]]
name = "n2"
region = "far"
[policy]
synchronous_standby_names = "n2"
[[workload.classes]]
name = "local"
synchronous_commit = "local"
cancel_after_ms = 1
[[workload.classes]]
name = "waiting"
cancel_after_ms = 1
"#,
    );
    let (r, _) = run(&text);
    let (local, waiting) = (&r.classes[0], &r.classes[1]);
    println!(
        "local: {} ok, {} unreplicated; waiting: {} ok, {} unreplicated",
        local.writes_acknowledged,
        local.writes_committed_unreplicated,
        waiting.writes_acknowledged,
        waiting.writes_committed_unreplicated
    );
    assert!(local.writes_acknowledged > 100);
    assert_eq!(local.writes_committed_unreplicated, 0);
    // The waiting class's cancel reaches the leader before any standby
    // could answer (a 100 ms round trip): every write is unreplicated.
    assert!(waiting.writes_acknowledged > 100);
    assert_eq!(
        waiting.writes_committed_unreplicated,
        waiting.writes_acknowledged
    );
}

#[test]
fn bad_commit_and_cancel_settings_are_refused_naming_the_key() {
    let cases = [
        (
            "[workload]\nrequest_timeout_ms = 1000\ncancel_after_ms = 1000\n",
            "`workload.cancel_after_ms`: the session gives up after 1000 ms (request_timeout_ms), before it would cancel at 1000 ms",
        ),
        (
            "[workload]\nrequest_timeout_ms = 500\n[[workload.classes]]\nname = \"a\"\ncancel_after_ms = 800\n",
            "`workload.classes[0].cancel_after_ms`: the session gives up after 500 ms",
        ),
        (
            "[policy]\nsynchronous_commit = \"local\"\nsynchronous_standby_names = \"n2\"\n[[workload.classes]]\nname = \"pay\"\nsynchronous_commit = \"on\"\n",
            "`workload.classes[0].synchronous_commit`: `on` waits for standbys, but [policy] synchronous_commit = \"local\" keeps no standby list",
        ),
    ];
    for (text, want) in cases {
        let e = error_of(text);
        assert!(e.contains(want), "for {text:?} expected {want:?} in: {e}");
        assert!(e.contains("Fix:"), "{e}");
    }
    // A word the key does not take names the key where it was written.
    let e = error_of("[[workload.classes]]\nname = \"a\"\nsynchronous_commit = \"sometimes\"\n");
    assert!(
        e.contains("line 3")
            && e.contains("`workload.classes[].synchronous_commit`: unknown value `sometimes`. Fix: use one of: local, remote_write, on, remote_apply."),
        "{e}"
    );
    let e = error_of("[workload]\nsynchronous_commit = \"off\"\n");
    assert!(
        e.contains("`workload.synchronous_commit`: `off` (acknowledging before the local fsync) is not modelled"),
        "{e}"
    );
    // With no standby named, a session's `on` is simply local, as in
    // PostgreSQL: accepted.
    assert!(
        ScenarioFile::parse("[workload]\nsynchronous_commit = \"on\"\n")
            .unwrap()
            .validate()
            .is_ok()
    );
}
