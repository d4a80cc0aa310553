//! Read scaling as the lesson states it: with a fixed write rate (an
//! open-loop class) and reads that saturate the followers, adding a
//! follower adds a node's worth of reads and leaves the writes where they
//! were. The sweep is the library's `lesson-08-read-scaling` with one to
//! four followers, as the page's capacity sweep runs it.

mod common;
use common::*;
use replica_engine::scenario::NodeFile;
use replica_engine::{ScenarioFile, Simulation};

/// The lesson's scenario with `followers` followers: (reads/s, writes/s).
fn sweep_point(followers: usize) -> (u64, u64) {
    let text = std::fs::read_to_string("scenarios/lesson-08-read-scaling.toml").unwrap();
    let mut file = ScenarioFile::parse(&text).unwrap();
    file.nodes.truncate(1);
    for i in 1..=followers {
        file.nodes.push(NodeFile {
            name: Some(format!("f{i}")),
            ..NodeFile::default()
        });
    }
    file.expect.clear();
    let mut sim = Simulation::new(file.validate().unwrap());
    sim.run();
    let r = sim.report();
    (r.read_throughput_per_s, r.write_throughput_per_s)
}

#[test]
fn reads_grow_a_node_per_follower_while_the_fixed_write_rate_stays_flat() {
    let points: Vec<(u64, u64)> = (1..=4).map(sweep_point).collect();
    println!("followers 1..=4: (reads/s, writes/s) = {points:?}");
    let reads: Vec<u64> = points.iter().map(|p| p.0).collect();
    let writes: Vec<u64> = points.iter().map(|p| p.1).collect();
    // One follower serves at most its 1,000 operations per second.
    assert_within("reads/s, 1 follower", reads[0], 900, 1_000);
    // Each added follower adds at least 0.9 of what the first one serves.
    for n in 1..reads.len() {
        let added = reads[n].saturating_sub(reads[n - 1]);
        assert!(
            added * 10 >= reads[0] * 9,
            "follower {} added {added} reads/s, less than 0.9 × {}",
            n + 1,
            reads[0]
        );
    }
    // The writers' 200 per second, within ±10 % at every size.
    for w in &writes {
        assert_within("writes/s", *w, 180, 220);
    }
    let (lo, hi) = (writes.iter().min().unwrap(), writes.iter().max().unwrap());
    assert!(hi * 100 <= lo * 110, "writes not flat: {writes:?}");
}

#[test]
fn a_closed_loop_with_a_read_share_would_make_writes_grow_instead() {
    // The lesson's point needs the open loop: the same cluster with one
    // closed-loop class of 72 sessions at 95 % reads writes more as reads
    // get faster, because each session's next write comes sooner.
    let closed = |followers: usize| {
        let mut nodes = String::from("[[nodes]]\nname = \"leader\"\nleader = true\n");
        for i in 1..=followers {
            nodes.push_str(&format!("[[nodes]]\nname = \"f{i}\"\n"));
        }
        let text = format!(
            "duration_ms = 5000\n[defaults]\ncapacity_ops = 1000\n{nodes}[policy]\nsynchronous_commit = \"local\"\n[routing]\nreads = \"any_follower\"\npick = \"round_robin\"\n[workload]\nsessions = 72\nthink_time_us = 0\nthink_jitter_us = 0\nread_percent = 95\nrequest_timeout_ms = 0\n"
        );
        run(&text).0.write_throughput_per_s
    };
    let (one, four) = (closed(1), closed(4));
    println!("closed loop, writes/s with 1 and 4 followers: {one}, {four}");
    assert!(four > one * 2, "closed-loop writes grew {one} -> {four}");
}
