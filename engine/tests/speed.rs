//! A recorded benchmark, not a test: the default scenario's events per
//! second, measured the same way natively and in WebAssembly (headless
//! Chromium), so the `bench` layer of `cargo xtask test` can report wasm
//! as a ratio to native. It is `#[ignore]`d so ordinary test runs skip it;
//! the layer runs it with `--ignored` in release builds. Nothing is
//! asserted about the figure (machines are noisy): it is printed as
//! `engine_speed events_per_s=N events_per_run=E runs=R`.
//!
//! Method: seven samples, each at least 250 ms of back-to-back runs of
//! the default scenario, each run timed on its own (`performance.now()` in
//! the browser); the best sample counts. Building each simulation is
//! outside the timed part, as in `replica bench`.

use replica_engine::{ScenarioFile, Simulation};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

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

fn report(line: &str) {
    #[cfg(target_arch = "wasm32")]
    wasm_bindgen_test::console_log!("{line}");
    #[cfg(not(target_arch = "wasm32"))]
    println!("{line}");
}

#[test]
#[ignore = "a benchmark: run by the bench layer with --ignored"]
fn default_scenario_events_per_second() {
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
    report(&format!(
        "engine_speed events_per_s={best:.0} events_per_run={events_per_run} runs={runs}"
    ));
    assert!(best > 0.0);
}
