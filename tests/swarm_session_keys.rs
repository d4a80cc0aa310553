//! The swarm draws the workload's session keys (classes, open-loop rates,
//! per-session `synchronous_commit`, cancels), and what it draws happens:
//! over a thousand generated scenarios, open-loop arrivals come due and
//! are shed, writes are committed unreplicated, and some of those are lost
//! where the configuration is otherwise loss-free, which is what the
//! safety oracle must leave out (the 10,000-seed swarm test checks it).

use replica_engine::history::Outcome;
use replica_engine::scenario::SynchronousCommit;
use replica_engine::{invariant, swarm, Simulation};

#[derive(Debug, Default)]
struct Seen {
    with_classes: u64,
    open_loop_classes: u64,
    overrides: [u64; 4],
    cancels: u64,
    arrivals: u64,
    shed: u64,
    unreplicated: u64,
    unreplicated_where_loss_free: u64,
    lost_unreplicated_where_loss_free: u64,
}

#[test]
fn the_swarm_draws_every_session_key_and_exercises_it() {
    let mut seen = Seen::default();
    for seed in 1..=1_000 {
        let file = swarm::generate(seed);
        let w = &file.workload;
        seen.with_classes += !w.classes.is_empty() as u64;
        seen.open_loop_classes +=
            w.classes.iter().filter(|c| c.rate_per_s.is_some()).count() as u64;
        let commits = w
            .classes
            .iter()
            .map(|c| c.synchronous_commit)
            .chain([w.synchronous_commit]);
        for sc in commits.flatten() {
            let i = SynchronousCommit::ALL
                .iter()
                .position(|x| *x == sc)
                .unwrap();
            seen.overrides[i] += 1;
        }
        seen.cancels += w.cancel_after_ms.is_some() as u64
            + w.classes
                .iter()
                .filter(|c| c.cancel_after_ms.is_some())
                .count() as u64;
        let scenario = file.validate().expect("the generator draws valid files");
        let loss_free = invariant::loss_free_by_construction(&scenario);
        let mut sim = Simulation::new(scenario);
        sim.enable_history();
        sim.enable_checker();
        sim.run_until(swarm::END_MS * 1_000);
        sim.finish();
        let r = sim.report();
        seen.arrivals += r.classes.iter().map(|c| c.arrivals).sum::<u64>();
        seen.shed += r.arrivals_shed;
        let unreplicated = sim
            .history
            .as_ref()
            .unwrap()
            .iter()
            .filter(|o| o.outcome == Outcome::CommittedUnreplicated)
            .count() as u64;
        assert_eq!(unreplicated, r.writes_committed_unreplicated, "seed {seed}");
        seen.unreplicated += unreplicated;
        if loss_free && !sim.policy_ever_degraded() {
            seen.unreplicated_where_loss_free += unreplicated;
            seen.lost_unreplicated_where_loss_free += r.lost_committed_unreplicated;
        }
    }
    println!("{seen:?}");
    assert!(seen.with_classes > 250 && seen.open_loop_classes > 150);
    assert!(
        seen.overrides.iter().all(|n| *n > 50),
        "{:?}",
        seen.overrides
    );
    assert!(seen.cancels > 200);
    assert!(seen.arrivals > 100_000 && seen.shed > 1_000);
    assert!(seen.unreplicated > 100);
    // The oracle's exclusion is exercised: cancelled writes are lost in
    // configurations that promise to lose nothing else.
    assert!(seen.unreplicated_where_loss_free > 10);
    assert!(seen.lost_unreplicated_where_loss_free > 0);
}
