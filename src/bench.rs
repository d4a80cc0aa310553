//! `replica bench`: the native performance figures of issue 18's budgets,
//! as a table for people and as `figure KEY=VALUE` lines for the `bench`
//! layer of `cargo xtask test` (which adds the wasm and page figures and
//! prints the budget table).
//!
//! * engine events per second on the default scenario and on the 9-node
//!   benchmark scenario (trace, history and checker off), next to the
//!   floor: the same number of events through a bare `(time, sequence)`
//!   binary heap; and simulated seconds per wall-clock second;
//! * peak memory (VmHWM) of the default scenario run as `replica run`
//!   runs it (checker and trace hash on) for 10 simulated minutes, 1 hour
//!   and 3 hours, and of the engine alone under the memory benchmark load
//!   (five nodes, 10,000 writes/s) for 10 and 60 minutes, each in a fresh
//!   child process;
//! * a sweep of the default scenario on two threads (as `replica sweep`):
//!   [`SWEEP_SEEDS`] seeds are run and the time of the budget's 100,000
//!   seeds is projected from their rate (a sweep's time is linear in its
//!   seeds, and running all 100,000 would take the layer minutes); and a
//!   swarm campaign of [`SWARM_SEEDS`] seeds (as `replica swarm`), each
//!   with its seeds and events per second;
//! * the machine's load average before and after, so a figure can be read
//!   as measured on an idle or a busy machine.
//!
//! Each engine timing is the best of several repetitions, so a busy
//! machine inflates it less; ratios are taken within the same run. Nothing
//! is compared with a target here.

use crate::args::MemoryScenario;
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

/// Seeds of the sweep budget (issue 18, budget 4).
pub const SWEEP_BUDGET_SEEDS: u64 = 100_000;
/// Seeds the benchmark sweeps to measure the rate.
pub const SWEEP_SEEDS: u64 = 10_000;
/// Threads of the sweep budget.
pub const SWEEP_THREADS: usize = 2;
/// Seeds of the recorded swarm campaign.
pub const SWARM_SEEDS: u64 = 1_000;

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

/// Runs `which` for `minutes` simulated minutes and returns this
/// process's peak resident set size in KiB (Linux), or 0. The default
/// scenario runs exactly as `replica run` runs it (checker and trace hash
/// on, no history); the load runs the engine alone, as a sweep does.
pub fn memory_run(which: MemoryScenario, minutes: u64) -> u64 {
    let mut s = scenario(match which {
        MemoryScenario::Default => DEFAULT,
        MemoryScenario::Load => MEMORY,
    });
    s.duration_us = minutes * 60_000_000;
    s.workload.stop_at_us = s.duration_us;
    let events = match which {
        MemoryScenario::Default => crate::run_scenario(s, None, false).0.events,
        MemoryScenario::Load => {
            let mut sim = Simulation::new(s);
            sim.run();
            sim.events
        }
    };
    std::hint::black_box(events);
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

fn child_memory(which: MemoryScenario, minutes: u64) -> Option<u64> {
    let exe = std::env::current_exe().ok()?;
    let name = match which {
        MemoryScenario::Default => "default",
        MemoryScenario::Load => "load",
    };
    let out = std::process::Command::new(exe)
        .args(["bench", "--memory-minutes", &minutes.to_string()])
        .args(["--memory-scenario", name])
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| {
            l.strip_prefix("peak_rss_kib ")
                .and_then(|v| v.trim().parse().ok())
        })
        .filter(|kib| *kib > 0)
}

/// The 1-, 5- and 15-minute load averages (Linux), if known.
pub fn load_average() -> Option<[f64; 3]> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    let mut it = text.split_whitespace().map(|w| w.parse::<f64>().ok());
    Some([it.next()??, it.next()??, it.next()??])
}

/// One figure: a key for the budget table and a line for people.
struct Figures {
    table: String,
    lines: Vec<(&'static str, f64)>,
}

impl Figures {
    fn row(&mut self, key: &'static str, label: &str, value: f64, shown: String) {
        let _ = writeln!(self.table, "{label:<58} {shown:>18}");
        self.lines.push((key, value));
    }
}

/// All figures: the table, then one `figure KEY=VALUE` line per figure.
pub fn report() -> String {
    let mut f = Figures {
        table: String::new(),
        lines: Vec::new(),
    };
    let load_before = load_average();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    f.row("cores", "cores", cores as f64, cores.to_string());
    if let Some([a, b, c]) = load_before {
        f.row(
            "load_1min_before",
            "load average before (1, 5, 15 min)",
            a,
            format!("{a:.2} {b:.2} {c:.2}"),
        );
    }

    let default = scenario(DEFAULT);
    let nine = scenario(NINE);
    let (t_default, e_default) = time_engine(&default, 20);
    let (t_nine, e_nine) = time_engine(&nine, 5);
    let t_floor = time_floor(e_default, 20);
    let eps = e_default as f64 / t_default;
    let floor_eps = e_default as f64 / t_floor;
    let speedup = default.duration_us as f64 / 1e6 / t_default;
    f.row(
        "engine_events_per_s",
        "events/s, default scenario (3 nodes, one core)",
        eps,
        format!("{eps:.0}"),
    );
    let nine_eps = e_nine as f64 / t_nine;
    f.row(
        "nine_events_per_s",
        "events/s, 9 nodes, failovers, 90 % reads",
        nine_eps,
        format!("{nine_eps:.0}"),
    );
    f.row(
        "floor_events_per_s",
        "events/s, bare (time, seq) heap (the floor)",
        floor_eps,
        format!("{floor_eps:.0}"),
    );
    let share = 100.0 * eps / floor_eps;
    f.row(
        "engine_vs_floor_pct",
        "engine / floor",
        share,
        format!("{share:.1} %"),
    );
    f.row(
        "realtime_x",
        "simulated time / wall time, default scenario",
        speedup,
        format!("{speedup:.0}x"),
    );

    for (which, key, label, minutes) in [
        (
            MemoryScenario::Default,
            "rss_default_10min_kib",
            "peak RSS, replica run default, 10 simulated minutes",
            10,
        ),
        (
            MemoryScenario::Default,
            "rss_default_60min_kib",
            "peak RSS, replica run default, 1 simulated hour",
            60,
        ),
        (
            MemoryScenario::Default,
            "rss_default_180min_kib",
            "peak RSS, replica run default, 3 simulated hours",
            180,
        ),
        (
            MemoryScenario::Load,
            "rss_load_10min_kib",
            "peak RSS, engine alone at 10,000 writes/s, 10 minutes",
            10,
        ),
        (
            MemoryScenario::Load,
            "rss_load_60min_kib",
            "peak RSS, engine alone at 10,000 writes/s, 60 minutes",
            60,
        ),
    ] {
        match child_memory(which, minutes) {
            Some(kib) => f.row(key, label, kib as f64, format!("{kib} KiB")),
            None => {
                let _ = writeln!(f.table, "{label:<58} {:>18}", "not measurable here");
            }
        }
    }

    let started = Instant::now();
    let sweep = crate::sweep::run(&default, 1..=SWEEP_SEEDS, Some(SWEEP_THREADS));
    let wall = started.elapsed().as_secs_f64();
    let (sps, eps) = (sweep.seeds as f64 / wall, sweep.events as f64 / wall);
    f.row(
        "sweep_seeds",
        "sweep, seeds of the default scenario run, 2 threads",
        sweep.seeds as f64,
        format!("{} in {wall:.1} s", sweep.seeds),
    );
    f.row(
        "sweep_seeds_per_s",
        "sweep, seeds/s",
        sps,
        format!("{sps:.0}"),
    );
    let projected = SWEEP_BUDGET_SEEDS as f64 / sps;
    f.row(
        "sweep_100k_seconds",
        "sweep, 100,000 seeds at that rate",
        projected,
        format!("{projected:.1} s"),
    );
    f.row(
        "sweep_events_per_s",
        "sweep, simulated events/s",
        eps,
        format!("{eps:.0}"),
    );

    let started = Instant::now();
    let swarm = crate::sweep::swarm(1..=SWARM_SEEDS, Some(SWEEP_THREADS));
    let wall = started.elapsed().as_secs_f64();
    let (sps, eps) = (swarm.seeds as f64 / wall, swarm.events as f64 / wall);
    f.row(
        "swarm_seeds_per_s",
        "swarm campaign (each seed run twice), 2 threads, seeds/s",
        sps,
        format!("{sps:.1}"),
    );
    f.row(
        "swarm_events_per_s",
        "swarm, checked events/s",
        eps,
        format!("{eps:.0}"),
    );
    if !swarm.failures.is_empty() {
        let _ = writeln!(
            f.table,
            "swarm: {} seeds failed (run replica swarm --seeds 1..{SWARM_SEEDS})",
            swarm.failures.len()
        );
    }

    if let Some([a, b, c]) = load_average() {
        f.row(
            "load_1min_after",
            "load average after (1, 5, 15 min)",
            a,
            format!("{a:.2} {b:.2} {c:.2}"),
        );
    }
    let mut s = f.table;
    for (key, value) in f.lines {
        let _ = writeln!(s, "figure {key}={value}");
    }
    s
}
