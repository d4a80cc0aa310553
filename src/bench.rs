//! `replica bench`: the native performance figures in one table.
//!
//! * engine events per second on the default scenario and on the 9-node
//!   benchmark scenario (trace, history and checker off, as in a sweep);
//! * the floor: the same number of events pushed through and popped from a
//!   bare `(time, sequence)` binary heap, and the engine's share of it;
//! * simulated seconds per wall-clock second on the default scenario;
//! * peak memory (VmHWM) of a 10- and a 60-minute simulated run at 10,000
//!   writes per second on five nodes, each in a fresh child process.
//!
//! Each timing is the best of several repetitions, so a busy machine
//! inflates it less; ratios are taken within the same run.

use replica_engine::queue::heap_floor;
use replica_engine::{Scenario, ScenarioFile, Simulation};
use std::fmt::Write;
use std::time::Instant;

fn scenario(text: &str) -> Scenario {
    ScenarioFile::parse(text)
        .and_then(|f| f.validate())
        .unwrap_or_else(|e| panic!("a benchmark scenario is invalid: {e}"))
}

const DEFAULT: &str = include_str!("../scenarios/default.toml");
const NINE: &str = include_str!("../scenarios/bench-9-nodes.toml");
const MEMORY: &str = include_str!("../scenarios/bench-memory-5-nodes.toml");

/// Best wall time of `reps` runs of the scenario, and its event count.
fn time_engine(s: &Scenario, reps: u32) -> (f64, u64) {
    let mut best = f64::MAX;
    let mut events = 0;
    for _ in 0..reps {
        let mut sim = Simulation::new(s.clone());
        let t = Instant::now();
        sim.run();
        best = best.min(t.elapsed().as_secs_f64());
        events = sim.events;
    }
    (best, events)
}

/// Best wall time of the floor ([`heap_floor`]) over `events` events.
fn time_floor(events: u64, reps: u32) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..reps {
        let t = Instant::now();
        std::hint::black_box(heap_floor(std::hint::black_box(events)));
        best = best.min(t.elapsed().as_secs_f64());
    }
    best
}

/// Runs the memory scenario for `minutes` simulated minutes and returns
/// this process's peak resident set size in KiB (Linux), or 0.
pub fn memory_run(minutes: u64) -> u64 {
    let mut s = scenario(MEMORY);
    s.duration_us = minutes * 60_000_000;
    s.workload.stop_at_us = s.duration_us;
    let mut sim = Simulation::new(s);
    sim.run();
    std::hint::black_box(sim.events);
    peak_rss_kib()
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn child_memory(minutes: u64) -> Option<u64> {
    let exe = std::env::current_exe().ok()?;
    let out = std::process::Command::new(exe)
        .args(["bench", "--memory-minutes", &minutes.to_string()])
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout).lines().find_map(|l| {
        l.strip_prefix("peak_rss_kib ")
            .and_then(|v| v.trim().parse().ok())
    })
}

/// All figures, as a table.
pub fn report() -> String {
    let mut s = String::new();
    let default = scenario(DEFAULT);
    let nine = scenario(NINE);
    let (t_default, e_default) = time_engine(&default, 20);
    let (t_nine, e_nine) = time_engine(&nine, 5);
    let t_floor = time_floor(e_default, 20);
    let eps = e_default as f64 / t_default;
    let floor_eps = e_default as f64 / t_floor;
    let speedup = default.duration_us as f64 / 1e6 / t_default;
    let _ = writeln!(s, "{:<48} {:>16} {:>12}", "figure", "value", "target");
    let _ = writeln!(
        s,
        "{:<48} {:>16.0} {:>12}",
        "events/s, default scenario (3 nodes)", eps, ">= 5000000"
    );
    let _ = writeln!(
        s,
        "{:<48} {:>16.0} {:>12}",
        "events/s, 9 nodes, failovers, 90 % reads",
        e_nine as f64 / t_nine,
        ""
    );
    let _ = writeln!(
        s,
        "{:<48} {:>16.0} {:>12}",
        "events/s, bare (time, seq) heap (the floor)", floor_eps, ""
    );
    let _ = writeln!(
        s,
        "{:<48} {:>15.1}% {:>12}",
        "engine / floor",
        100.0 * eps / floor_eps,
        ">= 30%"
    );
    let _ = writeln!(
        s,
        "{:<48} {:>15.0}x {:>12}",
        "simulated time / wall time, default scenario", speedup, ">= 10000x"
    );
    let ten = child_memory(10);
    let sixty = child_memory(60);
    match (ten, sixty) {
        (Some(a), Some(b)) if a > 0 => {
            let _ = writeln!(
                s,
                "{:<48} {:>13} KiB {:>12}",
                "peak RSS, 10 simulated minutes, 10k writes/s", a, ""
            );
            let _ = writeln!(
                s,
                "{:<48} {:>13} KiB {:>12}",
                "peak RSS, 60 simulated minutes, 10k writes/s", b, ""
            );
            let _ = writeln!(
                s,
                "{:<48} {:>15.1}% {:>12}",
                "60-minute peak vs 10-minute peak",
                100.0 * (b as f64 - a as f64) / a as f64,
                "<= +10%"
            );
        }
        _ => {
            let _ = writeln!(s, "peak RSS: not measurable here (needs /proc/self/status)");
        }
    }
    s
}
