//! `cargo xtask calibrate` (and the `calibrate` layer of `cargo xtask
//! test`): measure a real PostgreSQL primary and streaming standby, run the
//! simulator on the same configurations, compare, write
//! `docs/calibration.md`, and fail when a bar is missed.
//!
//! Why: Replica Lab claims its knobs behave like a real database's. This
//! layer measures that claim on the machine that runs the tests, every
//! time, instead of asserting it once.
//!
//! The parts, each in its own module:
//!
//! * `servers` — scratch PostgreSQL clusters and the guard that stops them;
//! * `proxy` — the delay proxy that puts the standby D away;
//! * `pgwire` — the client that times commits and cancels them;
//! * `machine` — load, pressure and an fsync probe;
//! * `measure` — the real session; `failover` — its failover-loss runs;
//! * `simulate` — fits, generated scenarios, `replica run`;
//! * `compare` — the side-by-side rows and the bars;
//! * `doc` — `docs/calibration.md`;
//! * `json`, `stats` — reading the simulator's output, percentiles.

mod compare;
mod doc;
mod failover;
mod json;
mod machine;
mod measure;
mod pgwire;
mod proxy;
mod servers;
mod simulate;
mod stats;

use std::fs;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::proc::{self, Ctx};
use crate::setup;

/// The layer's time budget: five minutes, less a margin.
const BUDGET: Duration = Duration::from_secs(270);
/// What follows the matrix (the stopped-standby, apply-delay and failover
/// runs, then the simulator) takes up to about this long on a busy machine.
const AFTER_MATRIX: Duration = Duration::from_secs(70);
/// The simulator's runs and the document, after the last measurement: 2 s
/// here, more on a busy machine.
const AFTER_MEASURING: Duration = Duration::from_secs(5);

/// Runs the whole calibration; `started` is when the command began (before
/// PostgreSQL was installed, if it was). `Ok` only when every bar is met;
/// the document is written either way once the measurements are complete.
pub fn run(ctx: &Ctx, started: Instant) -> Result<(), String> {
    if ctx.probe("id", &["-u"]).as_deref() != Some("0") {
        return Err(
            "calibrate runs PostgreSQL as the `postgres` user with runuser, so it must run as root"
                .into(),
        );
    }
    let bin = setup::postgres_bin_dir()
        .ok_or("PostgreSQL is not installed (cargo xtask setup installs it)")?;
    // Build the simulator first, so no compile runs during the measurements.
    proc::run(
        ctx.cargo()
            .args(["build", "--release", "--quiet", "-p", "replica"]),
    )?;

    let out = ctx.root.join("target").join("calibrate");
    let (raw, logs) = (out.join("real"), out.join("logs"));
    for dir in [&raw, &logs] {
        if dir.exists() {
            fs::remove_dir_all(dir).map_err(|err| format!("{}: {err}", dir.display()))?;
        }
    }
    fs::create_dir_all(&raw).map_err(|err| format!("{}: {err}", raw.display()))?;

    let load_at_start = machine::load_average();
    // The guard stops the servers however this block is left.
    let mut pg = servers::Pg::new(bin, out.join("pg"), logs)?;
    let before = machine::Snapshot::take(&[]);
    let fsync = machine::fsync_probe(pg.scratch(), Duration::from_secs(2), 400);
    let busy_at_start = before.busy_until(&machine::Snapshot::take(&[])).describe();
    match &fsync {
        Ok(probe) => measure::say(&format!(
            "fsync probe: p50 {} µs, p99 {} µs over {} writes; load {:?}; {busy_at_start}",
            probe.p50_us, probe.p99_us, probe.ops, load_at_start
        )),
        Err(err) => measure::say(&format!("fsync probe failed: {err}")),
    }

    // The measuring threads inherit the main thread's nice value; the
    // simulator runs after it is restored.
    renice(servers::NICE);
    // A busy block is repeated only while the whole layer can still end
    // within its budget.
    let repeat_until = started + BUDGET - AFTER_MATRIX;
    // The failover runs come last; a stalled one is repeated only while
    // the layer can still end within its budget.
    let failover_repeat_until = started + BUDGET - AFTER_MEASURING;
    let real = measure::run(&mut pg, &raw, repeat_until, failover_repeat_until);
    drop(pg);
    measure::say("servers stopped; their logs are in target/calibrate/logs");
    renice("0");
    let real = real?;

    let fit = simulate::Fit::from_real(&real);
    let sim = simulate::Simulator::new(ctx, out.join("scenarios"))?;
    measure::say("running the equivalent scenarios");
    let comparison = compare::compare(&real, &fit, &sim);
    measure::say(&format!(
        "{} scenarios run ({} refused)",
        comparison.runs(),
        comparison.refused()
    ));

    let facts = doc::Facts {
        date: output_of("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        commit: ctx
            .probe("git", &["rev-parse", "--short", "HEAD"])
            .unwrap_or_else(|| "unknown".into()),
        kernel: output_of("uname", &["-r"]),
        cpu: cpu_model(),
        cores: std::thread::available_parallelism().map_or(0, |n| n.get()),
        memory: memory(),
        load_at_start,
        busy_at_start,
        fsync: fsync.ok(),
        wall_time: started.elapsed(),
    };
    let text = doc::render(&real, &fit, &comparison, &facts);
    let path = ctx.root.join("docs").join("calibration.md");
    fs::write(&path, text).map_err(|err| format!("{}: {err}", path.display()))?;

    print_summary(&comparison);
    println!(
        "calibrate: wrote {}; {:.0} s",
        path.display(),
        started.elapsed().as_secs_f64()
    );
    match comparison.failed() {
        0 => Ok(()),
        n => {
            // Named with their figures, so that the end of a CI log (the
            // layer's summary line) says what missed, without the document.
            let missed: Vec<String> = comparison
                .bars
                .iter()
                .filter(|bar| !bar.passed)
                .map(|bar| format!("{}: {}", bar.name, bar.detail))
                .collect();
            Err(format!(
                "{n} of {} bars missed (see docs/calibration.md): {}",
                comparison.bars.len(),
                missed.join("; ")
            ))
        }
    }
}

fn print_summary(cmp: &compare::Comparison) {
    println!(
        "\n{:<52} {:>6} {:>11} {:>11} {:>7} {:>7}",
        "row", "D ms", "real p50", "sim p50", "p50", "p99"
    );
    for line in cmp.matrix.iter().chain(&cmp.fitted) {
        println!(
            "{:<52} {:>6} {:>11} {:>11} {:>7} {:>7}",
            line.label,
            line.delay_ms.map_or("-".into(), |d| d.to_string()),
            line.real.p50_us().map_or("-".into(), |v| format!("{v} µs")),
            line.sim
                .commits
                .p50_us()
                .map_or("-".into(), |v| format!("{v} µs")),
            line.ratio_p50().map_or("-".into(), |r| format!("{r:.3}")),
            line.ratio_p99().map_or("-".into(), |r| format!("{r:.3}")),
        );
    }
    for bar in &cmp.bars {
        println!(
            "calibrate: {} {} ({})",
            if bar.passed { "met   " } else { "MISSED" },
            bar.name,
            bar.detail
        );
    }
    for name in &cmp.not_judged {
        println!("calibrate: not judged (machine busy) {name}");
    }
}

/// Sets this thread's nice value (threads started later inherit it).
fn renice(value: &str) {
    let pid = std::process::id().to_string();
    let _ = Command::new("renice")
        .args(["-n", value, "-p", &pid])
        .stdout(std::process::Stdio::null())
        .status();
}

fn output_of(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
        .filter(|text| !text.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

fn cpu_model() -> String {
    fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split(':').nth(1))
                .map(|model| model.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into())
}

fn memory() -> String {
    fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| {
            let kb: u64 = info
                .lines()
                .find(|line| line.starts_with("MemTotal:"))?
                .split_whitespace()
                .nth(1)?
                .parse()
                .ok()?;
            Some(format!("{:.0} GiB", kb as f64 / 1024.0 / 1024.0))
        })
        .unwrap_or_else(|| "unknown".into())
}
