//! Engine throughput: events per second on the default scenario, next to
//! the floor — the same number of events pushed through and popped from a
//! bare `(time, sequence)` binary heap, which no discrete-event simulator
//! can avoid. Divan reports items (events) per second for both; the ratio
//! is recorded in `docs/performance.md`.

use replica_engine::rng::Rng;
use replica_engine::{ScenarioFile, Simulation};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

fn main() {
    divan::main();
}

fn default_scenario() -> replica_engine::Scenario {
    ScenarioFile::parse(include_str!("../../scenarios/default.toml"))
        .and_then(|f| f.validate())
        .expect("default scenario is valid")
}

fn events_of_default() -> u64 {
    let mut sim = Simulation::new(default_scenario());
    sim.run();
    sim.events
}

#[divan::bench]
fn default_scenario_10s(bencher: divan::Bencher) {
    let events = events_of_default();
    let scenario = default_scenario();
    bencher
        .counter(divan::counter::ItemsCount::new(events))
        .with_inputs(|| Simulation::new(scenario.clone()))
        .bench_local_values(|mut sim| {
            sim.run();
            sim.events
        });
}

#[divan::bench]
fn heap_floor_same_event_count(bencher: divan::Bencher) {
    let events = events_of_default();
    bencher
        .counter(divan::counter::ItemsCount::new(events))
        .bench_local(|| {
            // Keep the heap about as full as the engine's (a few dozen pending
            // events), pushing one and popping one per event.
            let mut q: BinaryHeap<Reverse<(u64, u64)>> = BinaryHeap::new();
            let mut rng = Rng::new(1);
            let mut seq = 0u64;
            for _ in 0..32 {
                seq += 1;
                q.push(Reverse((rng.below(1000), seq)));
            }
            let mut sum = 0u64;
            for _ in 0..events {
                let Reverse((t, s)) = q.pop().unwrap_or(Reverse((0, 0)));
                sum = sum.wrapping_add(s);
                seq += 1;
                q.push(Reverse((t + 1 + rng.below(1000), seq)));
            }
            divan::black_box(sum)
        });
}
