//! Seed sweeps: one scenario, many seeds, all cores.
//!
//! Each seed is an independent simulation, so seeds run in parallel on a
//! rayon pool; results are gathered in seed order, so the summary does not
//! depend on scheduling. The summary turns the report's figures into
//! distributions across seeds and lists every seed whose expectations
//! failed, with the command that reproduces it.

use rayon::prelude::*;
use replica_engine::{Report, Scenario, Simulation};
use std::fmt::Write;
use std::ops::RangeInclusive;

/// Figures whose distribution across seeds is reported.
pub const FIGURES: [&str; 9] = [
    "commit_p50_us",
    "commit_p99_us",
    "writes_acknowledged",
    "stale_reads",
    "read_your_writes",
    "promotions",
    "lost_acknowledged_writes",
    "max_unavailability_ms",
    "split_brain_ms",
];

/// What a sweep found.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepSummary {
    /// Seeds run.
    pub seeds: u64,
    /// Per figure: sorted values across seeds.
    pub values: Vec<(&'static str, Vec<i64>)>,
    /// Lost acknowledged writes per failover, across every failover of
    /// every seed.
    pub lost_per_failover: Vec<u64>,
    /// Seeds whose expectations failed, with the failed metrics.
    pub failed: Vec<(u64, Vec<String>)>,
    /// Total simulated events.
    pub events: u64,
    /// Worker threads used.
    pub threads: usize,
}

fn pct(sorted: &[i64], per_mille: usize) -> i64 {
    if sorted.is_empty() {
        return 0;
    }
    sorted[((sorted.len() - 1) * per_mille) / 1000]
}

/// The rate line of a sweep or swarm campaign: seeds and simulated
/// events per wall-clock second. (Swarm seeds run twice; `events` counts
/// the checked runs.)
pub fn rate(seeds: u64, events: u64, wall: std::time::Duration) -> String {
    let s = wall.as_secs_f64().max(1e-9);
    format!(
        "rate: {:.0} seeds/s, {:.0} events/s ({:.2} s wall)",
        seeds as f64 / s,
        events as f64 / s,
        wall.as_secs_f64()
    )
}

/// What a sweep keeps of one seed's report.
struct SeedResult {
    seed: u64,
    /// [`FIGURES`], in order (`None`: not in the report).
    figures: [Option<i64>; FIGURES.len()],
    /// Lost acknowledged writes, per failover.
    lost_per_failover: Vec<u64>,
    /// The failed expectations, as `metric=value`.
    failed: Vec<String>,
    events: u64,
}

impl SeedResult {
    fn of(r: &Report) -> Self {
        SeedResult {
            seed: r.seed,
            figures: FIGURES.map(|name| r.metric(name)),
            lost_per_failover: r
                .promotions
                .iter()
                .map(|p| p.lost_acknowledged_writes)
                .collect(),
            failed: r
                .expectations
                .iter()
                .filter(|e| !e.passed)
                .map(|e| format!("{}={}", e.label(), e.value))
                .collect(),
            events: r.events,
        }
    }
}

/// Runs one seed as `replica run` does, without the trace hash (no sweep
/// figure needs it), and keeps what the summary needs.
fn run_seed(scenario: &Scenario, seed: u64) -> SeedResult {
    let mut sim = Simulation::with_seed(scenario.clone(), seed);
    sim.enable_checker();
    sim.run();
    sim.finish();
    SeedResult::of(&sim.report())
}

/// Runs `seeds` of `scenario` on `jobs` threads (default: all cores).
pub fn run(scenario: &Scenario, seeds: RangeInclusive<u64>, jobs: Option<usize>) -> SweepSummary {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.unwrap_or(0))
        .build();
    let work = || -> Vec<SeedResult> {
        seeds
            .clone()
            .into_par_iter()
            .map(|seed| run_seed(scenario, seed))
            .collect()
    };
    let (results, threads) = match pool {
        Ok(pool) => (pool.install(work), pool.current_num_threads()),
        Err(_) => (work(), rayon::current_num_threads()),
    };
    let mut values = Vec::new();
    for (i, name) in FIGURES.iter().enumerate() {
        let mut v: Vec<i64> = results.iter().filter_map(|r| r.figures[i]).collect();
        v.sort_unstable();
        values.push((*name, v));
    }
    let mut lost_per_failover: Vec<u64> = results
        .iter()
        .flat_map(|r| r.lost_per_failover.iter().copied())
        .collect();
    lost_per_failover.sort_unstable();
    let events = results.iter().map(|r| r.events).sum();
    let seeds_run = results.len() as u64;
    let failed = results
        .into_iter()
        .filter(|r| !r.failed.is_empty())
        .map(|r| (r.seed, r.failed))
        .collect();
    SweepSummary {
        seeds: seeds_run,
        values,
        lost_per_failover,
        failed,
        events,
        threads,
    }
}

impl SweepSummary {
    /// The summary for people; `file` goes into reproduce commands.
    pub fn render(&self, file: &str) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{} seeds on {} threads, {} events",
            self.seeds, self.threads, self.events
        );
        let _ = writeln!(
            s,
            "{:<28} {:>10} {:>10} {:>10} {:>10} {:>10}",
            "figure", "min", "p50", "p90", "p99", "max"
        );
        for (name, v) in &self.values {
            if v.is_empty() {
                continue;
            }
            let _ = writeln!(
                s,
                "{:<28} {:>10} {:>10} {:>10} {:>10} {:>10}",
                name,
                v[0],
                pct(v, 500),
                pct(v, 900),
                pct(v, 990),
                v[v.len() - 1]
            );
        }
        let lpf: Vec<i64> = self.lost_per_failover.iter().map(|x| *x as i64).collect();
        if !lpf.is_empty() {
            let _ = writeln!(
                s,
                "{:<28} {:>10} {:>10} {:>10} {:>10} {:>10}   ({} failovers)",
                "lost writes per failover",
                lpf[0],
                pct(&lpf, 500),
                pct(&lpf, 900),
                pct(&lpf, 990),
                lpf[lpf.len() - 1],
                lpf.len()
            );
        }
        if self.failed.is_empty() {
            let _ = writeln!(s, "expectations held for every seed");
        } else {
            let _ = writeln!(s, "{} seeds failed their expectations:", self.failed.len());
            for (seed, which) in self.failed.iter().take(50) {
                let _ = writeln!(
                    s,
                    "  seed {seed}: {}  reproduce: replica run {file} --seed {seed}",
                    which.join(", ")
                );
            }
        }
        s
    }
}

/// What a swarm campaign found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SwarmSummary {
    /// Seeds run (each twice).
    pub seeds: u64,
    /// Events processed in the checked runs.
    pub events: u64,
    /// Faults injected.
    pub faults: u64,
    /// Faults by kind (see `swarm::FAULT_KINDS`).
    pub faults_by_kind: Vec<u64>,
    /// Leader changes.
    pub promotions: u64,
    /// `(seed, what went wrong)`.
    pub failures: Vec<(u64, String)>,
}

/// Runs swarm seeds: each with invariants after every event and a liveness
/// check, then again to compare trace hashes.
pub fn swarm(seeds: RangeInclusive<u64>, jobs: Option<usize>) -> SwarmSummary {
    use replica_engine::swarm;
    let work = || -> Vec<(u64, Result<swarm::SwarmRun, String>)> {
        seeds
            .clone()
            .into_par_iter()
            .map(|seed| {
                let result = match (swarm::check(seed), swarm::trace_hash(seed)) {
                    (Ok(run), Ok(h)) if h == run.trace_hash => Ok(run),
                    (Ok(run), Ok(h)) => Err(format!(
                        "non-deterministic: trace hash {:016x} then {h:016x}",
                        run.trace_hash
                    )),
                    (Err(e), _) | (_, Err(e)) => Err(e),
                };
                (seed, result)
            })
            .collect()
    };
    let results = match rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.unwrap_or(0))
        .build()
    {
        Ok(pool) => pool.install(work),
        Err(_) => work(),
    };
    let mut s = SwarmSummary {
        seeds: results.len() as u64,
        events: 0,
        faults: 0,
        faults_by_kind: vec![0; swarm::FAULT_KINDS.len()],
        promotions: 0,
        failures: Vec::new(),
    };
    for (seed, r) in results {
        match r {
            Ok(run) => {
                s.events += run.events;
                s.faults += run.faults;
                for (total, n) in s.faults_by_kind.iter_mut().zip(run.faults_by_kind) {
                    *total += n;
                }
                s.promotions += run.promotions;
            }
            Err(e) => s.failures.push((seed, e)),
        }
    }
    s
}

impl SwarmSummary {
    /// The summary for people.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{} seeds (each run twice), {} events, {} faults injected, {} failovers",
            self.seeds, self.events, self.faults, self.promotions
        );
        let kinds: Vec<String> = replica_engine::swarm::FAULT_KINDS
            .iter()
            .zip(&self.faults_by_kind)
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        let _ = writeln!(out, "faults by kind: {}", kinds.join(", "));
        for (seed, e) in self.failures.iter().take(50) {
            let _ = writeln!(
                out,
                "seed {seed} FAILED: {e}\n  reproduce: replica swarm --seeds {seed}..{seed}   (its scenario: replica swarm --seeds {seed}..{seed} --print)"
            );
        }
        let _ = writeln!(
            out,
            "swarm: {} passed, {} failed",
            self.seeds - self.failures.len() as u64,
            self.failures.len()
        );
        out
    }
}
