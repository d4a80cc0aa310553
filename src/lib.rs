//! The `replica` command: runs scenario files through the engine and
//! reports on them. The binary in `main.rs` only forwards to [`main_with`].

pub mod args;
pub mod bench;
pub mod edn;
pub mod summary;
pub mod sweep;

use args::Command;
use replica_engine::{Report, Scenario, ScenarioFile, Simulation};
use std::path::{Path, PathBuf};

/// Loads and validates a scenario file, with the file name in any error.
pub fn load_scenario(path: &Path) -> Result<Scenario, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    ScenarioFile::parse(&text)
        .and_then(|f| f.validate())
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// Runs a scenario to its end and reports.
pub fn run_scenario(
    scenario: Scenario,
    seed: Option<u64>,
    keep_history: bool,
) -> (Report, Option<Vec<replica_engine::history::OpRecord>>) {
    let seed = seed.unwrap_or(scenario.seed);
    let mut sim = Simulation::with_seed(scenario, seed);
    sim.enable_trace_hash();
    sim.enable_checker();
    if keep_history {
        sim.enable_history();
    }
    sim.run();
    sim.finish();
    (sim.report(), sim.history.take())
}

/// The scenario files of a folder, sorted by name.
pub fn scenario_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: cannot list: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    Ok(files)
}

/// Runs the command line; returns the process exit code.
/// Results go to `out`; errors and reproduce hints go to `err`, so that
/// `--json` output stays valid JSON.
pub fn main_with(
    argv: &[String],
    out: &mut dyn std::io::Write,
    err: &mut dyn std::io::Write,
) -> i32 {
    let cmd = match args::parse(argv) {
        Ok(c) => c,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return 2;
        }
    };
    match cmd {
        Command::Help => {
            let _ = writeln!(out, "{}", args::USAGE);
            0
        }
        Command::Run {
            file,
            seed,
            json,
            history,
            history_format,
        } => {
            let scenario = match load_scenario(Path::new(&file)) {
                Ok(s) => s,
                Err(e) => {
                    let _ = writeln!(err, "error: {e}");
                    return 2;
                }
            };
            let (report, ops) = run_scenario(scenario, seed, history.is_some());
            if let (Some(path), Some(ops)) = (history, ops) {
                let text = match history_format {
                    args::HistoryFormat::Json => serde_json::to_string(&ops).unwrap_or_default(),
                    args::HistoryFormat::Edn => edn::history(&ops),
                };
                if let Err(e) = std::fs::write(&path, text) {
                    let _ = writeln!(err, "error: {path}: cannot write: {e}");
                    return 2;
                }
            }
            if json {
                let _ = writeln!(
                    out,
                    "{}",
                    serde_json::to_string_pretty(&report).unwrap_or_default()
                );
            } else {
                let _ = write!(out, "{}", summary::render(&report));
            }
            if report.passed() {
                0
            } else {
                let _ = writeln!(err, "reproduce: replica run {file} --seed {}", report.seed);
                1
            }
        }
        Command::List { dir } => match scenario_files(Path::new(&dir)) {
            Ok(files) => {
                for f in files {
                    let line = match load_scenario(&f) {
                        Ok(s) => format!("{:<36} {}", s.name, s.description),
                        Err(e) => format!("{:<36} INVALID: {e}", f.display()),
                    };
                    let _ = writeln!(out, "{line}");
                }
                0
            }
            Err(e) => {
                let _ = writeln!(err, "error: {e}");
                2
            }
        },
        Command::Check { dir } => check(Path::new(&dir), out, err),
        Command::Bench { memory } => {
            match memory {
                Some((which, minutes)) => {
                    let _ = writeln!(out, "peak_rss_kib {}", bench::memory_run(which, minutes));
                }
                None => {
                    let _ = write!(out, "{}", bench::report());
                }
            }
            0
        }
        Command::Swarm {
            from,
            to,
            jobs,
            print,
        } => {
            if print {
                for seed in from..=to {
                    let toml = replica_engine::swarm::generate(seed).to_toml();
                    let _ = writeln!(out, "# swarm seed {seed}\n{toml}");
                }
                return 0;
            }
            let started = std::time::Instant::now();
            let s = sweep::swarm(from..=to, jobs);
            let _ = write!(out, "{}", s.render());
            let _ = writeln!(out, "{}", sweep::rate(s.seeds, s.events, started.elapsed()));
            if s.failures.is_empty() {
                0
            } else {
                1
            }
        }
        Command::Sweep {
            file,
            from,
            to,
            jobs,
        } => {
            let scenario = match load_scenario(Path::new(&file)) {
                Ok(s) => s,
                Err(e) => {
                    let _ = writeln!(err, "error: {e}");
                    return 2;
                }
            };
            let started = std::time::Instant::now();
            let summary = sweep::run(&scenario, from..=to, jobs);
            let _ = write!(out, "{}", summary.render(&file));
            let _ = writeln!(
                out,
                "{}",
                sweep::rate(summary.seeds, summary.events, started.elapsed())
            );
            if summary.failed.is_empty() {
                0
            } else {
                1
            }
        }
    }
}

fn check(dir: &Path, out: &mut dyn std::io::Write, err: &mut dyn std::io::Write) -> i32 {
    let files = match scenario_files(dir) {
        Ok(f) => f,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return 2;
        }
    };
    let (mut passed, mut failed) = (0, 0);
    let _ = writeln!(out, "{:<40} {:>6}  expectations", "scenario", "result");
    for f in &files {
        match load_scenario(f) {
            Ok(s) => {
                let (r, _) = run_scenario(s, None, false);
                let ok = r.passed();
                if ok {
                    passed += 1;
                } else {
                    failed += 1;
                }
                let detail: Vec<String> = r
                    .expectations
                    .iter()
                    .map(|e| {
                        format!(
                            "{}{}={}",
                            if e.passed { "" } else { "✗ " },
                            e.label(),
                            e.value
                        )
                    })
                    .collect();
                let _ = writeln!(
                    out,
                    "{:<40} {:>6}  {}",
                    r.scenario,
                    if ok { "ok" } else { "FAILED" },
                    detail.join(", ")
                );
                if !ok {
                    let _ = writeln!(
                        out,
                        "    reproduce: replica run {} --seed {}",
                        f.display(),
                        r.seed
                    );
                }
            }
            Err(e) => {
                failed += 1;
                let _ = writeln!(out, "{:<40} {:>6}  {e}", f.display(), "INVALID");
            }
        }
    }
    let _ = writeln!(out, "scenarios: {passed} passed, {failed} failed");
    if failed == 0 && passed > 0 {
        0
    } else {
        1
    }
}
