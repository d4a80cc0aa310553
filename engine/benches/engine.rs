//! Engine throughput: events per second on the default scenario, next to
//! the floor — the same number of events pushed through and popped from a
//! bare `(time, sequence)` binary heap, which no discrete-event simulator
//! can avoid. Divan reports items (events) per second for both; the ratio
//! is recorded in `docs/performance.md`.

use replica_engine::queue::heap_floor;
use replica_engine::{ScenarioFile, Simulation};

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
        .bench_local(|| heap_floor(divan::black_box(events)));
}
