//! The failure detector as the page draws it (`Simulation::failure_detector`):
//! a follower's silence against its limit, and the moment it suspects the
//! leader, in election and manager mode; nothing in manual mode.

mod common;
use common::*;
use replica_engine::detector::DetectorKind;
use replica_engine::node::Role;
use replica_engine::Simulation;

fn three(failover: &str) -> String {
    format!(
        r#"
duration_ms = 30000
[[nodes]]
name = "leader"
leader = true
[[nodes]]
name = "a"
[[nodes]]
name = "b"
[policy]
synchronous_commit = "local"
[workload]
sessions = 2
think_time_us = 5000
read_percent = 0
[failover]
{failover}
[[faults]]
at_ms = 10000
action = "crash"
node = "leader"
"#
    )
}

/// Runs to `t_us` and returns each follower's detector then.
fn at(sim: &mut Simulation, t_us: u64) -> Vec<Option<replica_engine::detector::Detector>> {
    sim.run_until(t_us);
    (0..3).map(|i| sim.failure_detector(i)).collect()
}

#[test]
fn election_timers_run_from_the_last_heartbeat_and_suspect_at_their_limit() {
    let mut sim = Simulation::new(scenario(&three(
        "mode = \"election\"\nheartbeat_interval_ms = 200\ntimeout_ms = 2000",
    )));
    // Steady state: the leader has no timer; the followers' silence is
    // never more than a heartbeat interval and a network hop or two.
    let before = at(&mut sim, 9_900_000);
    assert_eq!(before[0], None, "the leader watches nobody");
    for d in before[1..].iter().map(|d| d.expect("a follower's timer")) {
        assert_eq!(d.kind, DetectorKind::ElectionTimeout);
        assert!(d.elapsed_us < 400_000, "silence {} µs", d.elapsed_us);
        assert!(
            d.limit_us >= 2_000_000 && d.limit_us < 4_100_000,
            "limit {}",
            d.limit_us
        );
        assert!(!d.suspects);
    }
    // The leader crashes at 10 s: from then on the silence grows with the
    // clock, the limit stays, and nobody suspects yet.
    let early = at(&mut sim, 10_500_000);
    assert_eq!(early[0], None, "a crashed node shows no timer");
    let quiet = at(&mut sim, 11_500_000);
    for ((b, e), q) in before[1..].iter().zip(&early[1..]).zip(&quiet[1..]) {
        let (b, e, q) = (b.unwrap(), e.unwrap(), q.unwrap());
        assert_eq!(q.limit_us, b.limit_us);
        assert!(e.elapsed_us >= 500_000);
        assert_eq!(
            q.elapsed_us - e.elapsed_us,
            1_000_000,
            "silence grows with the clock"
        );
        assert!(!q.suspects);
    }
    // Step until the first follower suspects: it does once its silence has
    // reached its own limit, and not before.
    let mut suspected = None;
    while sim.now_us() < 20_000_000 && sim.step() {
        if let Some(i) = (1..3).find(|&i| sim.failure_detector(i).is_some_and(|d| d.suspects)) {
            suspected = Some((i, sim.failure_detector(i).unwrap()));
            break;
        }
    }
    let (_, d) = suspected.expect("a follower suspects the leader");
    assert!(
        d.elapsed_us >= d.limit_us,
        "{} of {}",
        d.elapsed_us,
        d.limit_us
    );
    // A new leader is elected; the other follower's timer restarts.
    sim.run_until(20_000_000);
    let leader = sim.current_leader().expect("a new leader");
    assert_ne!(leader, 0);
    assert_eq!(sim.failure_detector(leader), None);
    let other = 3 - leader;
    let d = sim
        .failure_detector(other)
        .expect("the other follower's timer");
    assert!(!d.suspects && d.elapsed_us < 400_000, "{d:?}");
    assert_eq!(sim.node(other).role(), Role::Follower);
}

#[test]
fn manager_followers_watch_the_leader_key_and_suspect_when_it_expires() {
    let mut sim = Simulation::new(scenario(&three(
        "mode = \"manager\"\nttl_ms = 3000\nloop_wait_ms = 1000\nretry_timeout_ms = 1000",
    )));
    let before = at(&mut sim, 9_900_000);
    assert_eq!(before[0], None);
    for d in before[1..]
        .iter()
        .map(|d| d.expect("the key as a follower sees it"))
    {
        assert_eq!(d.kind, DetectorKind::LeaderKeyTtl);
        assert_eq!(d.limit_us, 3_000_000);
        assert!(d.elapsed_us <= 1_100_000, "renewed every loop: {d:?}");
        assert!(!d.suspects);
    }
    // No renewal after the crash: the key ages until the TTL runs out.
    let d = at(&mut sim, 11_500_000)[1].unwrap();
    assert!(!d.suspects && d.elapsed_us >= 1_500_000, "{d:?}");
    let renewed_us = 11_500_000 - d.elapsed_us;
    // Both followers see the same key, still valid just before the TTL.
    sim.run_until(renewed_us + 2_900_000);
    assert_eq!(sim.failure_detector(1), sim.failure_detector(2));
    assert!(!sim.failure_detector(1).unwrap().suspects);
    // At the TTL it has expired: suspected, until an agent takes the key.
    let expired = at(&mut sim, renewed_us + 3_000_000)[1].expect("a follower");
    assert!(
        expired.suspects && expired.elapsed_us >= expired.limit_us,
        "{expired:?}"
    );
    sim.run_until(20_000_000);
    let leader = sim.current_leader().expect("the manager promotes");
    let other = 3 - leader;
    let d = sim.failure_detector(other).expect("the other follower");
    assert!(!d.suspects, "the new holder renews the key: {d:?}");
}

#[test]
fn manual_mode_has_no_detector() {
    let mut sim = Simulation::new(scenario(&three("mode = \"manual\"")));
    for t in [5_000_000, 15_000_000, 29_000_000] {
        assert!(at(&mut sim, t).iter().all(Option::is_none));
    }
}
