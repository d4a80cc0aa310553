//! Swarm testing (see `engine/src/swarm.rs`): 10,000 random clusters under
//! random faults, each checked against the safety invariants after every
//! event, then for convergence after the faults stop, then run a second
//! time to compare trace hashes. A failure prints its seed and the command
//! that reproduces it; `replica swarm --seeds A..B` runs longer campaigns.

use replica::sweep::swarm;

#[test]
fn ten_thousand_random_clusters_keep_every_invariant_and_converge() {
    let s = swarm(1..=10_000, None);
    print!("{}", s.render());
    assert!(
        s.faults > 50_000 && s.promotions > 1_000,
        "the campaign must actually inject faults"
    );
    assert!(
        s.failures.is_empty(),
        "{} seeds failed; see the reproduce commands above",
        s.failures.len()
    );
}
