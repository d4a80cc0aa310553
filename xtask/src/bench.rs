//! The `bench` layer of `cargo xtask test`: the recorded performance runs
//! of the native engine and of the same engine compiled to WebAssembly.
//!
//! * `replica bench` (release): events per second on the default and the
//!   9-node scenarios, the `(time, sequence)` heap floor and the engine's
//!   share of it, simulated time per wall-clock second, and peak memory
//!   of a 10- and a 60-minute run;
//! * `engine/tests/speed.rs`, one benchmark compiled three ways and run
//!   back to back: natively (release), as wasm with the release profile,
//!   and as wasm with the page's own size-optimised `wasm-release`
//!   profile, both in headless Chromium. The wasm figures are reported as
//!   ratios to the native one from the same layer run.
//!
//! Figures are printed and written to `target/bench/engine-speed.json`;
//! nothing is asserted against a threshold (machines are noisy), only
//! that every figure was measured. `docs/performance.md` records them.

use std::fs;

use crate::proc::{self, Ctx};

/// The three builds of the speed benchmark: a label and the cargo
/// arguments that select target and profile.
const BUILDS: [(&str, &[&str]); 3] = [
    ("native (release)", &["--release"]),
    (
        "wasm in Chromium (release)",
        &["--release", "--target", "wasm32-unknown-unknown"],
    ),
    (
        "wasm in Chromium (page build, opt-level z)",
        &[
            "--profile",
            "wasm-release",
            "--target",
            "wasm32-unknown-unknown",
        ],
    ),
];

/// Runs `replica bench`, then the speed benchmark in each build, and
/// prints the wasm-to-native ratios.
pub fn run(ctx: &Ctx, wasm_env: impl Fn(&mut std::process::Command)) -> Result<(), String> {
    let table = proc::run_capture(&mut ctx.replica(&["bench"]))?;

    let mut speeds = Vec::new();
    for (label, args) in BUILDS {
        let mut command = ctx.cargo();
        command
            .args(["test", "-p", "replica-engine", "--test", "speed"])
            .args(args)
            .args(["--", "--include-ignored", "--nocapture"]);
        if args.contains(&"wasm32-unknown-unknown") {
            wasm_env(&mut command);
        }
        let out = proc::run_capture(&mut command)?;
        let eps = events_per_s(&out)
            .ok_or_else(|| format!("{label}: no `engine_speed events_per_s=` line"))?;
        speeds.push((label, eps));
    }

    let native_eps = speeds[0].1;
    println!("\nengine, default scenario                         events/s   time vs native");
    let mut json = String::from("{\n");
    for (i, (label, eps)) in speeds.iter().enumerate() {
        let slower = native_eps / eps;
        println!("{label:<44} {eps:>12.0}   {slower:>5.2}x (target <= 2x)");
        json.push_str(&format!(
            "  \"{}\": {{ \"events_per_s\": {eps:.0}, \"time_vs_native\": {slower:.3} }}{}\n",
            label,
            if i + 1 < speeds.len() { "," } else { "" }
        ));
    }
    json.push_str("}\n");
    let dir = ctx.root.join("target").join("bench");
    fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    fs::write(dir.join("engine-speed.json"), json).map_err(|e| e.to_string())?;
    fs::write(dir.join("replica-bench.txt"), table).map_err(|e| e.to_string())?;
    Ok(())
}

/// The figure from the benchmark's `engine_speed events_per_s=N` line.
fn events_per_s(output: &str) -> Option<f64> {
    output
        .split_whitespace()
        .find_map(|w| w.strip_prefix("events_per_s="))
        .and_then(|v| v.parse().ok())
        .filter(|v: &f64| *v > 0.0)
}
