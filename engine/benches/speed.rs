//! The engine speed benchmark: the default scenario's events per second,
//! measured the same way natively and in WebAssembly (headless Chromium),
//! so the `bench` layer of `cargo xtask test` can report wasm as a ratio
//! to native. A benchmark, not a test: nothing is asserted (machines are
//! noisy); it prints `engine_speed events_per_s=N events_per_run=E runs=R`.
//!
//! * natively: `cargo bench -p replica-engine --bench speed` (a plain
//!   `main`, `harness = false`);
//! * in the browser: the same command with `--target
//!   wasm32-unknown-unknown`, which the workspace's runner
//!   (`wasm-bindgen-test-runner`, see `.cargo/config.toml`) runs in
//!   headless Chromium as a `wasm_bindgen_bench`.
//!
//! Method: seven samples, each at least 250 ms of back-to-back runs of
//! the default scenario, each run timed on its own (`performance.now()` in
//! the browser); the best sample counts. Building each simulation is
//! outside the timed part, as in `replica bench`.

#![cfg_attr(target_arch = "wasm32", no_main)]

use replica_engine::{ScenarioFile, Simulation};

/// Milliseconds on a monotonic-enough clock of the target.
#[cfg(not(target_arch = "wasm32"))]
fn now_ms() -> f64 {
    use std::sync::OnceLock;
    use std::time::Instant;
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_secs_f64() * 1e3
}

/// `performance.now()`: microsecond-grained in a page, unlike `Date`.
#[cfg(target_arch = "wasm32")]
fn now_ms() -> f64 {
    use js_sys::{Function, Reflect};
    use wasm_bindgen::JsCast;
    let perf = Reflect::get(&js_sys::global(), &"performance".into()).expect("performance");
    let now: Function = Reflect::get(&perf, &"now".into())
        .expect("performance.now")
        .unchecked_into();
    now.call0(&perf)
        .expect("performance.now()")
        .as_f64()
        .expect("a number")
}

/// Runs the measurement and returns the line to print.
fn measure() -> String {
    let scenario = ScenarioFile::parse(include_str!("../../scenarios/default.toml"))
        .and_then(|f| f.validate())
        .expect("default scenario is valid");
    let mut best = 0.0f64;
    let mut events_per_run = 0;
    let mut runs = 0u64;
    for _ in 0..7 {
        let (mut events, mut spent_ms) = (0u64, 0.0f64);
        while spent_ms < 250.0 {
            let mut sim = Simulation::new(scenario.clone());
            let t0 = now_ms();
            sim.run();
            spent_ms += now_ms() - t0;
            events += sim.events;
            events_per_run = sim.events;
            runs += 1;
        }
        best = best.max(events as f64 / spent_ms * 1e3);
    }
    format!("engine_speed events_per_s={best:.0} events_per_run={events_per_run} runs={runs}")
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    println!("{}", measure());
}

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::{wasm_bindgen_bench, Criterion};

/// The runner calls this once; the measurement is ours, not Criterion's.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen_bench]
fn default_scenario_events_per_second(_c: &mut Criterion) {
    wasm_bindgen_test::console_log!("{}", measure());
}
