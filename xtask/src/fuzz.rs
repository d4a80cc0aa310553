//! Coverage-guided fuzzing of every decoder of outside input: scenario
//! files, CLI arguments, the page's URL state and `postMessage` commands
//! (the targets in `fuzz/fuzz_targets/`).
//!
//! The targets are ordinary cargo-fuzz targets (`cargo +nightly fuzz run
//! link` works), but the test command must not depend on a nightly
//! toolchain or on installing cargo-fuzz, so this module builds them the
//! way cargo-fuzz does with `--sanitizer none`: stable rustc, LLVM's
//! sanitizer-coverage passes and `--cfg fuzzing`, debug assertions and
//! overflow checks on, for the host target only (so build scripts and
//! proc macros are not instrumented). Address sanitising is left out: the
//! code under test is safe Rust, where a panic is what we look for.
//!
//! Each target then runs for a fixed time from its seeds (`fuzz/seeds/`,
//! and the scenario library for scenario files), growing a corpus in
//! `target/fuzz/corpus/` that later local runs start from. A crash, a
//! panic or a slow input fails the run and prints the command that
//! replays the saved input.

use std::fs;
use std::path::{Path, PathBuf};

use crate::proc::Ctx;

/// The targets and the folders their seed inputs come from.
pub const TARGETS: [(&str, &str); 4] = [
    ("scenario", "scenarios"),
    ("args", "fuzz/seeds/args"),
    ("link", "fuzz/seeds/link"),
    ("message", "fuzz/seeds/message"),
];

/// Seconds each target runs for in `cargo xtask test`.
pub const TEST_SECONDS_PER_TARGET: u64 = 30;

/// What cargo-fuzz passes to rustc for `--sanitizer none`.
const RUSTFLAGS: &str = "--cfg fuzzing -Cpasses=sancov-module \
    -Cllvm-args=-sanitizer-coverage-level=4 \
    -Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
    -Cllvm-args=-sanitizer-coverage-pc-table \
    -Cllvm-args=-sanitizer-coverage-trace-compares \
    -Cdebug-assertions -Coverflow-checks";

/// One target's figures, read from libFuzzer's final statistics.
pub struct Figures {
    pub target: &'static str,
    pub runs: u64,
    pub seconds: u64,
    pub new_units: u64,
    pub corpus_files: usize,
}

/// Builds every target, then fuzzes each for `seconds`. Returns the
/// figures of all targets, or the first failure with its replay command.
pub fn run(ctx: &Ctx, seconds: u64) -> Result<Vec<Figures>, String> {
    let host = host_triple(ctx)?;
    let target_dir = ctx.root.join("target").join("fuzz");
    let mut build = ctx.cargo();
    build
        .args(["build", "--release", "--manifest-path", "fuzz/Cargo.toml"])
        .args(["--target", &host, "--target-dir"])
        .arg(&target_dir)
        .env("RUSTFLAGS", RUSTFLAGS);
    crate::proc::run(&mut build)?;
    let bin_dir = target_dir.join(&host).join("release");
    let mut all = Vec::new();
    for (target, seeds) in TARGETS {
        all.push(fuzz_one(ctx, &bin_dir, target, seeds, seconds)?);
    }
    println!("\ntarget     seconds        runs   new inputs   corpus");
    for f in &all {
        println!(
            "{:<10} {:>7} {:>11} {:>12} {:>8}",
            f.target, f.seconds, f.runs, f.new_units, f.corpus_files
        );
    }
    Ok(all)
}

fn fuzz_one(
    ctx: &Ctx,
    bin_dir: &Path,
    target: &'static str,
    seeds: &str,
    seconds: u64,
) -> Result<Figures, String> {
    let fuzz_dir = ctx.root.join("target").join("fuzz");
    let corpus = fuzz_dir.join("corpus").join(target);
    let artifacts = fuzz_dir.join("artifacts").join(target);
    for dir in [&corpus, &artifacts] {
        fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let binary = bin_dir.join(target);
    let mut command = ctx.command(&binary);
    command
        .arg(format!("-max_total_time={seconds}"))
        .args(["-timeout=10", "-rss_limit_mb=2048", "-print_final_stats=1"])
        .arg(format!("-artifact_prefix={}/", artifacts.display()))
        .arg(&corpus)
        .arg(ctx.root.join(seeds));
    println!(
        "$ {} -max_total_time={seconds} … ({target})",
        binary.display()
    );
    let output = command
        .output()
        .map_err(|e| format!("could not start {}: {e}", binary.display()))?;
    let log = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        let tail: Vec<&str> = log.lines().rev().take(30).collect();
        for line in tail.into_iter().rev() {
            eprintln!("  {line}");
        }
        let saved = newest_file(&artifacts)
            .map(|p| format!("{} {}", binary.display(), p.display()))
            .unwrap_or_else(|| format!("(no input saved in {})", artifacts.display()));
        return Err(format!(
            "fuzz target `{target}` failed ({}); replay with: {saved}",
            output.status
        ));
    }
    let stat = |name: &str| -> u64 {
        log.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0)
    };
    let figures = Figures {
        target,
        runs: stat("stat::number_of_executed_units:"),
        seconds,
        new_units: stat("stat::new_units_added:"),
        corpus_files: fs::read_dir(&corpus).map(|d| d.count()).unwrap_or(0),
    };
    if figures.runs == 0 {
        return Err(format!("fuzz target `{target}` ran no inputs"));
    }
    Ok(figures)
}

/// The host's target triple, from `rustc -vV`.
fn host_triple(ctx: &Ctx) -> Result<String, String> {
    let info = ctx.probe("rustc", &["-vV"]).ok_or("`rustc -vV` failed")?;
    info.lines()
        .find_map(|l| l.strip_prefix("host: "))
        .map(str::to_owned)
        .ok_or_else(|| "`rustc -vV` printed no host line".into())
}

/// The most recently written file in `dir`: the input libFuzzer saved.
fn newest_file(dir: &Path) -> Option<PathBuf> {
    fs::read_dir(dir)
        .ok()?
        .flatten()
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .max_by_key(|(t, _)| *t)
        .map(|(_, p)| p)
}
