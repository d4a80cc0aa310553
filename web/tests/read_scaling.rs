//! The capacity sweep teaches what the lesson says: followers multiply
//! reads, not writes. With the writers at a fixed rate and the readers
//! saturating the followers, writes stay flat (within ±10 % of their
//! mean) while each added follower adds at least 0.9 × one follower's
//! reads.

use replica_web::state::capacity;
use replica_web::state::lab::SWEEP_RUN_US;

#[test]
fn the_sweep_keeps_writes_flat_and_grows_reads_per_follower() {
    let rows: Vec<(f64, f64)> = (1..=4)
        .map(|n| capacity(n, SWEEP_RUN_US).expect("the read-scaling scenario loads"))
        .collect();
    for (i, (r, w)) in rows.iter().enumerate() {
        eprintln!("{} followers: {r:.0} reads/s, {w:.0} writes/s", i + 1);
    }
    let mean_w = rows.iter().map(|r| r.1).sum::<f64>() / rows.len() as f64;
    for (i, (_, w)) in rows.iter().enumerate() {
        assert!(
            (w - mean_w).abs() <= 0.1 * mean_w,
            "{} followers: {w:.0} writes/s, mean {mean_w:.0}",
            i + 1
        );
    }
    let one = rows[0].0;
    for n in 1..rows.len() {
        let added = rows[n].0 - rows[n - 1].0;
        assert!(
            added >= 0.9 * one,
            "follower {} added {added:.0} reads/s; one follower serves {one:.0}",
            n + 1
        );
    }
}
