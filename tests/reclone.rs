//! A follower cut off for longer than the leader's retained log cannot
//! resume streaming: it gets a full copy (snapshot size / bandwidth),
//! serves no reads meanwhile, and then catches up.

mod common;
use common::*;
use replica_engine::history::{OpKind, Outcome};
use replica_engine::message::ReadError;
use replica_engine::node::Note;
use replica_engine::trace::TraceEvent;
use replica_engine::Simulation;

#[test]
fn a_follower_beyond_the_retained_window_is_recloned_then_catches_up() {
    let text = r#"
duration_ms = 12000
[[nodes]]
name = "leader"
leader = true
[[nodes]]
name = "steady"
[[nodes]]
name = "cut"
[policy]
synchronous_commit = "local"
[routing]
reads = "any_follower"
pick = "round_robin"
[workload]
sessions = 4
think_time_us = 1000
read_percent = 50
request_timeout_ms = 500
[replication]
wal_keep_entries = 500
status_interval_ms = 200
[failover]
database_mb = 200
reclone_mb_per_s = 100
[[faults]]
at_ms = 2000
action = "isolate"
node = "cut"
[[faults]]
at_ms = 5000
action = "heal_all"
"#;
    let mut sim = Simulation::new(scenario(text));
    sim.enable_history();
    sim.enable_trace_buffer();
    let mut reclone_at = None;
    while sim.step() && sim.now_us() <= 12_000_000 {
        for ev in sim.drain_trace() {
            if let TraceEvent::Node {
                t_us,
                note: Note::NeedsReclone { follower: 2 },
                ..
            } = ev
            {
                reclone_at.get_or_insert(t_us);
            }
        }
    }
    sim.finish();
    let t0 = reclone_at.expect("the cut-off follower needed a re-clone");
    assert!(t0 >= 5_000_000, "only after the heal: {t0}");
    let history = sim.history.as_ref().unwrap();
    let unavailable: Vec<_> = history
        .iter()
        .filter(|o| {
            o.kind == OpKind::Read
                && o.node == 2
                && o.outcome
                    == Outcome::ReadFailed {
                        error: ReadError::Unavailable,
                    }
        })
        .collect();
    assert!(
        !unavailable.is_empty(),
        "reads to the follower being copied were refused"
    );
    assert!(
        unavailable
            .iter()
            .all(|o| o.complete_us >= t0 && o.complete_us <= t0 + 2_100_000),
        "only during the 2 s copy"
    );
    let served_after = history
        .iter()
        .filter(|o| o.kind == OpKind::Read && o.node == 2 && o.ok() && o.invoke_us > t0 + 2_100_000)
        .count();
    assert!(served_after > 100, "it serves reads again after the copy");
    let (leader, cut) = (sim.node(0).wal(), sim.node(2).wal());
    assert!(
        leader.flushed - cut.applied < 50,
        "caught up: {} vs {}",
        leader.flushed,
        cut.applied
    );
    assert_eq!(sim.report().lost_acknowledged_writes, 0);
}
