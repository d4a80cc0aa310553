//! The simulated side of the calibration: fit the model's few machine
//! parameters to what was measured, write one scenario per real row under
//! `target/calibrate/scenarios/`, run each with the project's own command
//! (`replica run FILE --json --history FILE`) and read the results back.
//!
//! What is fitted, and to what. Every delay is a table of six points of
//! its distribution, `[min, p50, p90, p99, p99.9, max]`, taken straight
//! from the measured samples, so the simulated tail is the measured one:
//!
//! * `network.local_percentiles_us` (client ↔ primary): the median of half
//!   the `SELECT 1` round trip straight to the primary, at every point. The
//!   fsync table below is fitted to whole commits, which already hold the
//!   hops' spread; a spread in the hops as well would count it twice (and
//!   lift the simulated median of the very commits it was fitted to).
//! * the standby link at each D: one loopback hop (the local median) plus
//!   half of what the proxy adds to each round trip, i.e. half its excess
//!   over the median `SELECT 1` straight to the primary after the same idle
//!   time (2·D). Comparing after the same idle keeps the server's wake-up
//!   cost, which the fsync fit already holds, out of the link.
//! * `fsync_percentiles_us`: the primary's own commits, less what the model
//!   adds around the fsync (two client hops at their median and
//!   `disk_write_us`). Asynchronous rows, whose commits follow each other at
//!   once, use the back-to-back commits with the standby stopped (the
//!   calibration target). Synchronous rows at D use the `local` commits
//!   interleaved in the same block: each follows about 2·D of idle, as a
//!   synchronous commit at D does, and was taken in the same moments. Both
//!   nodes get the same fit (they share the machine's disk). Each failover
//!   variant uses its own writer's commits before the first action.
//! * `think_time_us`: the client's measured gap between an answer and its
//!   next request in the series being simulated.
//!
//! Nothing else is tuned: every other key keeps its documented default,
//! which for replication is PostgreSQL's (`status_interval_ms` 10 s,
//! `sender_timeout_ms` 60 s).
//!
//! Percentiles are computed here from the history with the same nearest-
//! rank rule as the real ones (`stats.rs`), so they do not depend on how
//! the report rounds its own.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::failover::{self, Variant};
use super::json::Json;
use super::measure::{self, Ack, MatrixRow, Real, Series};
use super::stats::Samples;
use crate::proc::Ctx;

/// The model's default time to hand WAL to the OS, which the fsync fit
/// subtracts (it is part of every simulated commit).
pub const DISK_WRITE_US: u64 = 20;

/// A fitted delay: `[min, p50, p90, p99, p99.9, max]` in µs, the table
/// form the scenario keys `…percentiles_us` take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Delay {
    pub table_us: [u64; 6],
}

/// The points of a delay table, as percentiles.
const TABLE_POINTS: [f64; 6] = [0.0, 50.0, 90.0, 99.0, 99.9, 100.0];

impl Delay {
    /// The table of `samples`, each point less `minus_us` (at least 1 µs).
    ///
    /// A point is placed from the samples only when at least one sample
    /// lies above its rank: 400 commits place a p99 (four above it) but
    /// not a p99.9, whose nearest rank is then simply the slowest commit.
    /// Such a point takes the previous point's value instead, so the
    /// table's top segment runs from the last point the samples place to
    /// the measured maximum. Otherwise one stalled commit in 400 (a machine
    /// stall the fitting series happened to catch) would become the p99.9
    /// and spread 0.9 % of every simulated draw between the p99 and the
    /// stall, about four times the share the measurement showed; with the
    /// several independent draws a synchronous commit makes (each node's
    /// fsync), that tail would set the simulated p99.
    fn of(samples: &Samples, minus_us: u64) -> Delay {
        let values = samples.values_us();
        let n = values.len() as f64;
        let mut table_us = [1; 6];
        let mut previous = None;
        for (i, percent) in TABLE_POINTS.into_iter().enumerate() {
            let placed = percent == 100.0 || n * (100.0 - percent) / 100.0 >= 1.0;
            let value = if percent == 0.0 {
                values.first().copied()
            } else if placed {
                samples.percentile_us(percent)
            } else {
                previous
            };
            previous = value;
            table_us[i] = value.unwrap_or(1).saturating_sub(minus_us).max(1);
        }
        Delay { table_us }
    }

    pub fn median_us(&self) -> u64 {
        self.table_us[1]
    }

    /// `[a, b, c, d, e, f]` for a scenario file.
    pub fn toml(&self) -> String {
        let points: Vec<String> = self.table_us.iter().map(u64::to_string).collect();
        format!("[{}]", points.join(", "))
    }
}

/// Every fitted parameter.
#[derive(Clone, Debug)]
pub struct Fit {
    /// One-way client ↔ primary.
    pub local: Delay,
    /// (D in ms, one-way standby ↔ primary through the proxy).
    pub proxy: Vec<(u64, Delay)>,
    /// fsync from back-to-back commits with the standby stopped.
    pub back_to_back: Delay,
    /// (D in ms, fsync from that block's interleaved `local` commits).
    pub block: Vec<(u64, Delay)>,
}

/// A client hop: half the median round trip, at every point of the table
/// (see the module documentation for why it carries no spread).
pub fn hop_from_round_trips(rtt: &Samples) -> Delay {
    let median = (rtt.p50_us().unwrap_or(2) / 2).max(1);
    Delay {
        table_us: [median; 6],
    }
}

/// The standby link through the proxy: a loopback hop at `local`'s median
/// plus half of each proxied round trip's excess over `direct`'s median.
pub fn link_through_proxy(proxy: &Samples, direct: &Samples, local: Delay) -> Delay {
    let direct_p50 = direct.p50_us().unwrap_or(0);
    let one_way = proxy
        .values_us()
        .iter()
        .map(|rtt| local.median_us() + rtt.saturating_sub(direct_p50) / 2)
        .collect();
    Delay::of(&Samples::new(one_way), 0)
}

/// The fsync that makes a simulated local commit (two client hops at their
/// median, `disk_write_us`, fsync) have the commits' distribution.
pub fn disk_from_commits(commits: &Samples, local: Delay) -> Delay {
    Delay::of(commits, 2 * local.median_us() + DISK_WRITE_US)
}

impl Fit {
    pub fn from_real(real: &Real) -> Fit {
        let local = hop_from_round_trips(&real.rtt_direct);
        Fit {
            local,
            proxy: real
                .rtt
                .iter()
                .map(|r| (r.delay_ms, link_through_proxy(&r.proxy, &r.direct, local)))
                .collect(),
            back_to_back: disk_from_commits(&real.local.samples, local),
            block: real
                .matrix
                .iter()
                .filter(|row| row.ack == Ack::Local)
                .map(|row| (row.delay_ms, disk_from_commits(&row.series.samples, local)))
                .collect(),
        }
    }

    pub fn link(&self, d_ms: u64) -> Delay {
        self.proxy
            .iter()
            .find(|(d, _)| *d == d_ms)
            .map_or(self.local, |(_, link)| *link)
    }

    /// The fsync fit for a matrix row: back to back for asynchronous rows,
    /// the block's interleaved `local` commits otherwise.
    pub fn disk_for(&self, ack: Ack, d_ms: u64) -> (Delay, &'static str) {
        if ack == Ack::Async {
            return (self.back_to_back, "back to back, standby stopped");
        }
        self.block.iter().find(|(d, _)| *d == d_ms).map_or(
            (self.back_to_back, "back to back, standby stopped"),
            |(_, disk)| (*disk, "interleaved local, same block"),
        )
    }
}

/// What one simulator run gave.
#[derive(Clone, Debug, Default)]
pub struct SimRun {
    pub file: PathBuf,
    /// Exact commit latencies of acknowledged writes (after warm-up).
    pub commits: Samples,
    /// The report's own p50/p99 (`commit_latency`), for reference.
    pub report_p50_us: Option<u64>,
    pub report_p99_us: Option<u64>,
    pub report: Option<Json>,
    /// Every write in the history: (latency µs, outcome).
    pub writes: Vec<(u64, String)>,
    /// Why the run gave no report (e.g. a key the engine does not know yet).
    pub error: Option<String>,
}

impl SimRun {
    pub fn report_u64(&self, key: &str) -> Option<u64> {
        self.report.as_ref()?.get(key)?.as_u64()
    }
}

/// A scenario file being written.
struct Toml {
    text: String,
}

impl Toml {
    fn new(name: &str, description: &str, duration_ms: u64) -> Toml {
        let mut text =
            String::from("# Generated by `cargo xtask calibrate`; see docs/calibration.md.\n");
        let _ = writeln!(text, "name = \"{name}\"");
        let _ = writeln!(text, "description = \"{description}\"");
        let _ = writeln!(text, "seed = 1");
        let _ = writeln!(text, "duration_ms = {duration_ms}");
        let _ = writeln!(text, "regions = [\"local\", \"behind-proxy\"]");
        Toml { text }
    }

    fn line(&mut self, line: &str) -> &mut Toml {
        self.text.push_str(line);
        self.text.push('\n');
        self
    }

    /// Client and primary in `local`, the standby `s1` behind the proxy,
    /// both nodes with the same fitted disk.
    fn pair(&mut self, fit: &Fit, link: Delay, disk: Delay) -> &mut Toml {
        let _ = write!(
            self.text,
            "\n[network]\nlocal_percentiles_us = {}\n\n\
             [[network.links]]\nbetween = [\"local\", \"behind-proxy\"]\npercentiles_us = {}\n\n\
             [defaults]\nfsync_percentiles_us = {}\n\n\
             [[nodes]]\nname = \"primary\"\nleader = true\n\n\
             [[nodes]]\nname = \"s1\"\nregion = \"behind-proxy\"\n",
            fit.local.toml(),
            link.toml(),
            disk.toml(),
        );
        self
    }

    fn policy(&mut self, ack: Ack) -> &mut Toml {
        let commit = match ack {
            Ack::Async => "on",
            other => other.setting(),
        };
        let _ = write!(
            self.text,
            "\n[policy]\nsynchronous_standby_names = \"{}\"\nsynchronous_commit = \"{commit}\"\non_quorum_unmet = \"block\"\n",
            ack.standby_names()
        );
        self
    }

    /// One closed-loop session that only writes and never gives up.
    fn one_writer(&mut self, think_us: u64, start_ms: u64, stop_ms: Option<u64>) -> &mut Toml {
        let _ = write!(
            self.text,
            "\n[workload]\nsessions = 1\nthink_time_us = {think_us}\nthink_jitter_us = 0\nread_percent = 0\nrequest_timeout_ms = 0\nstart_ms = {start_ms}\n"
        );
        if let Some(stop) = stop_ms {
            let _ = writeln!(self.text, "stop_ms = {stop}");
        }
        self
    }

    fn fault(&mut self, at_ms: u64, action: &str, extra: &str) -> &mut Toml {
        let _ = write!(
            self.text,
            "\n[[faults]]\nat_ms = {at_ms}\naction = \"{action}\"\n{extra}"
        );
        self
    }
}

/// When simulated clients start: once the standby streams even at the
/// largest D (the model's standby connects at time 0).
fn start_ms(d_ms: u64) -> u64 {
    1000 + 4 * d_ms
}

/// The generated scenarios and their runs.
pub struct Simulator<'a> {
    ctx: &'a Ctx,
    dir: PathBuf,
    /// The release `replica` binary, when cargo says where it is.
    binary: Option<PathBuf>,
}

impl<'a> Simulator<'a> {
    /// Scenarios go to `dir`. The release `replica` must have been built:
    /// its binary is then run directly, because `cargo run` costs a
    /// freshness check per run, about a second each on a loaded machine;
    /// without it, each run goes through [`Ctx::replica`].
    pub fn new(ctx: &'a Ctx, dir: PathBuf) -> Result<Simulator<'a>, String> {
        if dir.exists() {
            fs::remove_dir_all(&dir).map_err(|err| format!("{}: {err}", dir.display()))?;
        }
        fs::create_dir_all(&dir).map_err(|err| format!("{}: {err}", dir.display()))?;
        let binary = release_binary(ctx).filter(|path| path.exists());
        Ok(Simulator { ctx, dir, binary })
    }

    /// `replica ARGS…`, the built binary or through cargo.
    fn replica(&self, args: &[&str]) -> Command {
        match &self.binary {
            Some(binary) => {
                let mut command = Command::new(binary);
                command.current_dir(&self.ctx.root).args(args);
                command
            }
            None => self.ctx.replica(args),
        }
    }

    /// Writes `toml` as `name.toml`, runs it, and reads report and history.
    /// `skip` first writes are warm-up, as on the real side.
    fn run(&self, name: &str, toml: &Toml, skip: usize) -> SimRun {
        let file = self.dir.join(format!("{name}.toml"));
        let history = self.dir.join(format!("{name}.history.json"));
        let mut run = SimRun {
            file: file.clone(),
            ..SimRun::default()
        };
        if let Err(err) = fs::write(&file, &toml.text) {
            run.error = Some(format!("{}: {err}", file.display()));
            return run;
        }
        let (file_arg, history_arg) = (file.to_string_lossy(), history.to_string_lossy());
        let output = self
            .replica(&["run", &file_arg, "--json", "--history", &history_arg])
            .output();
        let output = match output {
            Ok(output) => output,
            Err(err) => {
                run.error = Some(format!("cannot run replica: {err}"));
                return run;
            }
        };
        // Exit 1 only means "an expectation failed"; these files have none.
        if !matches!(output.status.code(), Some(0 | 1)) {
            run.error = Some(refusal(&String::from_utf8_lossy(&output.stderr), &file));
            return run;
        }
        let report = match Json::parse(&String::from_utf8_lossy(&output.stdout)) {
            Ok(report) => report,
            Err(err) => {
                run.error = Some(format!("report: {err}"));
                return run;
            }
        };
        run.report_p50_us = report
            .path(&["commit_latency", "p50_us"])
            .and_then(Json::as_u64);
        run.report_p99_us = report
            .path(&["commit_latency", "p99_us"])
            .and_then(Json::as_u64);
        run.report = Some(report);
        match read_history(&history) {
            Ok(writes) => {
                let ok: Vec<u64> = writes
                    .iter()
                    .filter(|(_, outcome)| outcome == "ok")
                    .map(|(latency, _)| *latency)
                    .skip(skip)
                    .collect();
                run.commits = Samples::new(ok);
                run.writes = writes;
            }
            Err(err) => run.error = Some(err),
        }
        run
    }

    /// One matrix row: one writer, commit rule `ack`, standby D away.
    pub fn matrix_row(&self, fit: &Fit, row: &MatrixRow) -> SimRun {
        let (ack, d_ms) = (row.ack, row.delay_ms);
        let (disk, _) = fit.disk_for(ack, d_ms);
        // About 4000 commits for synchronous rows, so that the simulated
        // p99 rests on some forty commits and its own sampling spread is
        // small beside the real one's; a few thousand otherwise.
        let span_ms = if !ack.is_sync() {
            2000
        } else {
            4000 * (2 * d_ms + 1)
        };
        let start = start_ms(d_ms);
        let name = format!("{}-d{d_ms}", short(ack));
        let mut toml = Toml::new(
            &format!("calibrate-{name}"),
            &format!("{}, standby {d_ms} ms away (one way)", ack.label()),
            start + span_ms,
        );
        toml.pair(fit, fit.link(d_ms), disk)
            .policy(ack)
            .one_writer(row.series.gap_us, start, None);
        self.run(&name, &toml, measure::WARMUP_COMMITS)
    }

    /// Back-to-back local commits with the standby down: the calibration
    /// target, with its own fit.
    pub fn local(&self, fit: &Fit, series: &Series) -> SimRun {
        let mut toml = Toml::new(
            "calibrate-local",
            "Local commits with the standby stopped",
            4000,
        );
        toml.pair(fit, fit.link(0), fit.back_to_back)
            .policy(Ack::Async)
            .one_writer(series.gap_us, 1000, None)
            .fault(1, "crash", "node = \"s1\"\n");
        self.run("local", &toml, measure::WARMUP_COMMITS)
    }

    /// The standby crashes; one commit under FIRST 1 / on begins 1 ms later
    /// and waits until the standby restarts `restart_after_us` after it.
    pub fn blocked(&self, fit: &Fit, think_us: u64, restart_after_us: u64) -> SimRun {
        let crash_ms = start_ms(0);
        let begin_ms = crash_ms + 1;
        let restart_ms = begin_ms + restart_after_us.div_ceil(1000);
        let mut toml = Toml::new(
            "calibrate-blocked",
            "FIRST 1 (s1), on: one commit while the standby is down",
            restart_ms + 3000,
        );
        toml.pair(fit, fit.link(0), fit.back_to_back)
            .policy(Ack::On)
            .one_writer(think_us, begin_ms, Some(begin_ms + 1))
            .fault(crash_ms, "crash", "node = \"s1\"\n")
            .fault(restart_ms, "restart", "node = \"s1\"\n");
        self.run("blocked", &toml, 0)
    }

    /// The standby is down; the client cancels its waiting commit after
    /// `cancel_after_ms` (contract key `cancel_after_ms`).
    pub fn cancelled(&self, fit: &Fit, think_us: u64, cancel_after_ms: u64) -> SimRun {
        let crash_ms = start_ms(0);
        let begin_ms = crash_ms + 1;
        let mut toml = Toml::new(
            "calibrate-cancelled",
            "FIRST 1 (s1), on: the client cancels a commit waiting for the stopped standby",
            begin_ms + cancel_after_ms + 3000,
        );
        toml.pair(fit, fit.link(0), fit.back_to_back)
            .policy(Ack::On)
            .one_writer(think_us, begin_ms, Some(begin_ms + 1))
            .line(&format!("cancel_after_ms = {cancel_after_ms}"))
            .fault(crash_ms, "crash", "node = \"s1\"\n");
        self.run("cancelled", &toml, 0)
    }

    /// `ack` commits while s1 delays replay by `apply_delay_ms`.
    pub fn apply_delay(
        &self,
        fit: &Fit,
        think_us: u64,
        ack: Ack,
        apply_delay_ms: u64,
        commits: u64,
    ) -> SimRun {
        let start = start_ms(0);
        let name = format!("apply-delay-{}", short(ack));
        let mut toml = Toml::new(
            &format!("calibrate-{name}"),
            "The standby delays replay (recovery_min_apply_delay)",
            if ack == Ack::RemoteApply {
                start + commits * (apply_delay_ms + 100) + 1000
            } else {
                start + 1000
            },
        );
        toml.pair(fit, fit.link(0), fit.back_to_back)
            .line(&format!("apply_delay_ms = {apply_delay_ms}"))
            .policy(ack)
            .one_writer(think_us, start, None);
        self.run(&name, &toml, 0)
    }

    /// Asynchronous failover loss: a two-node pair in manual mode, a writer
    /// at a fixed rate (contract keys `[[workload.classes]]`, `rate_per_s`),
    /// the variant's faults at the offsets measured on the real run, and a
    /// manual `promote` of s1 (contract action).
    pub fn failover(&self, fit: &Fit, real: &failover::Failover) -> SimRun {
        let start = start_ms(failover::DELAY_MS);
        let at = |offset_us: u64| start + offset_us / 1000;
        let kill_ms = at(real.kill_at_us);
        let promote_ms = at(real.promote_at_us);
        let name = format!("failover-{}", real.variant.letter().to_lowercase());
        let mut toml = Toml::new(
            &format!("calibrate-{name}"),
            real.variant.describe(),
            promote_ms + 2000,
        );
        // The fsync fitted to the primary's back-to-back commits: the
        // writer's own commits overlap (a pool of connections sharing each
        // fsync, as PostgreSQL groups commits), so their latencies include
        // waiting for another commit's fsync, and an fsync fitted to them
        // would throttle the simulated writer below the fixed rate on a busy
        // machine. The loss depends on the rate and the path, not the disk.
        toml.pair(fit, fit.link(failover::DELAY_MS), fit.back_to_back)
            .policy(Ack::Async)
            .line("\n[failover]\nmode = \"manual\"")
            .line(&format!(
                "\n[workload]\nstart_ms = {start}\nstop_ms = {promote_ms}\n\n\
             [[workload.classes]]\nname = \"writer\"\nsessions = {}\nread_percent = 0\n\
             rate_per_s = {}\nrequest_timeout_ms = 2000",
                failover::WRITERS,
                failover::RATE_PER_S
            ));
        let cut = "between = [[\"primary\"], [\"s1\"]]\n";
        match real.variant {
            Variant::A => {
                toml.fault(kill_ms, "crash", "node = \"primary\"\n");
            }
            Variant::B => {
                toml.fault(kill_ms, "partition", cut).fault(
                    kill_ms,
                    "crash",
                    "node = \"primary\"\n",
                );
            }
            Variant::C => {
                let cut_ms = at(real.cut_at_us.unwrap_or(real.kill_at_us));
                toml.fault(cut_ms, "partition", cut).fault(
                    kill_ms,
                    "crash",
                    "node = \"primary\"\n",
                );
            }
        }
        toml.fault(promote_ms, "promote", "node = \"s1\"\n");
        self.run(&name, &toml, 0)
    }
}

fn short(ack: Ack) -> &'static str {
    match ack {
        Ack::Async => "async",
        Ack::Local => "local-interleaved",
        Ack::RemoteWrite => "remote-write",
        Ack::On => "on",
        Ack::RemoteApply => "remote-apply",
    }
}

/// `TARGET/release/replica`, with the target folder as `cargo metadata`
/// reports it (it honours `CARGO_TARGET_DIR` and the config).
fn release_binary(ctx: &Ctx) -> Option<PathBuf> {
    let output = ctx
        .cargo()
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let metadata = Json::parse(&String::from_utf8_lossy(&output.stdout)).ok()?;
    let target = metadata.get("target_directory")?.as_str()?;
    Some(Path::new(target).join("release").join("replica"))
}

/// The gist of `replica run`'s error output: its first line without the
/// file's folder, and the line that names the problem (an unknown key, say)
/// without the list of accepted keys.
fn refusal(stderr: &str, file: &Path) -> String {
    let folder = file
        .parent()
        .map(|dir| format!("{}/", dir.display()))
        .unwrap_or_default();
    let mut lines = stderr
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty());
    let first = lines
        .next()
        .unwrap_or("replica run failed")
        .replace(&folder, "");
    let problem = stderr
        .lines()
        .map(str::trim)
        .find(|line| line.starts_with("unknown") || line.contains("Fix:"))
        .map(|line| {
            line.split(", expected")
                .next()
                .unwrap_or(line)
                .replace(&folder, "")
        });
    match problem {
        Some(problem) if !first.contains(&problem) => format!("{first}: {problem}"),
        _ => first,
    }
}

/// Every write of a `--history` file: (latency µs, outcome), in file order.
fn read_history(path: &Path) -> Result<Vec<(u64, String)>, String> {
    let text = fs::read_to_string(path).map_err(|err| format!("{}: {err}", path.display()))?;
    let doc = Json::parse(&text).map_err(|err| format!("{}: {err}", path.display()))?;
    let ops = doc
        .as_array()
        .ok_or_else(|| format!("{}: not a JSON array", path.display()))?;
    let mut writes = Vec::new();
    for op in ops {
        if op.get("kind").and_then(Json::as_str) != Some("write") {
            continue;
        }
        let invoke = op.get("invoke_us").and_then(Json::as_u64);
        let complete = op.get("complete_us").and_then(Json::as_u64);
        let (Some(invoke), Some(complete)) = (invoke, complete) else {
            return Err(format!("{}: a write without times", path.display()));
        };
        writes.push((complete.saturating_sub(invoke), outcome(op.get("outcome"))));
    }
    Ok(writes)
}

/// `ok`, or the outcome's other words joined (`write_failed quorum_timeout`).
fn outcome(value: Option<&Json>) -> String {
    fn words(value: &Json, out: &mut Vec<String>) {
        match value {
            Json::Str(word) => out.push(word.clone()),
            Json::Obj(members) => members.iter().for_each(|(_, v)| words(v, out)),
            Json::Arr(items) => items.iter().for_each(|v| words(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let Some(value) = value {
        words(value, &mut out);
    }
    if out.is_empty() {
        "unknown".into()
    } else {
        out.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_the_measured_points() {
        // Round trips 100..=300 µs: min, p50 (rank 101), p90 (rank 181),
        // p99 (rank 199, two samples above it), then the max. 201 samples
        // cannot place a p99.9, which repeats the p99.
        let rtt = Samples::new((100..=300).collect());
        let table = Delay::of(&rtt, 0);
        assert_eq!(table.table_us, [100, 200, 280, 298, 298, 300]);
        assert_eq!(table.toml(), "[100, 200, 280, 298, 298, 300]");
        // 2,000 samples place every point.
        let many = Samples::new((1..=2000).collect());
        assert_eq!(
            Delay::of(&many, 0).table_us,
            [1, 1000, 1800, 1980, 1998, 2000]
        );
        // One stall in 400 stays one draw in a thousand above the p99, not
        // 0.9 % spread between the p99 and the stall.
        let mut stalled: Vec<u64> = vec![600; 399];
        stalled.push(140_000);
        assert_eq!(
            Delay::of(&Samples::new(stalled), 0).table_us,
            [600, 600, 600, 600, 600, 140_000]
        );
        // 50 samples place a p90 but not a p99.
        let few = Samples::new((1..=50).collect());
        assert_eq!(Delay::of(&few, 0).table_us, [1, 25, 45, 45, 45, 50]);
        // A client hop is half the median round trip, without spread.
        assert_eq!(hop_from_round_trips(&rtt).table_us, [100; 6]);
    }

    #[test]
    fn proxy_link_is_a_hop_plus_half_the_excess() {
        let local = Delay {
            table_us: [5, 10, 12, 15, 20, 30],
        };
        // Straight after idle: 500 µs; through the proxy: 20 500..=20 700.
        let direct = Samples::new(vec![500; 9]);
        let proxy = Samples::new((20_500..=20_700).collect());
        let link = link_through_proxy(&proxy, &direct, local);
        // Each one-way time: 10 + (rtt - 500) / 2; the median rtt is 20 600.
        assert_eq!(link.median_us(), 10_060);
        assert_eq!(link.table_us[0], 10_010);
        assert_eq!(link.table_us[5], 10_110);
    }

    #[test]
    fn disk_fit_subtracts_what_surrounds_the_fsync() {
        let local = Delay {
            table_us: [5, 10, 12, 15, 20, 30],
        };
        // Commits 150..=350 µs; around the fsync: 2 × 10 + 20 = 40 µs.
        let commits = Samples::new((150..=350).collect());
        let disk = disk_from_commits(&commits, local);
        assert_eq!(
            disk.median_us() + 2 * local.median_us() + DISK_WRITE_US,
            250
        );
        assert_eq!(disk.table_us, [110, 210, 290, 308, 308, 310]);
        // A commit faster than what surrounds its fsync still gives 1 µs.
        let tiny = disk_from_commits(&Samples::new(vec![10, 20]), local);
        assert_eq!(tiny.table_us[0], 1);
    }

    #[test]
    fn refusals_keep_the_reason() {
        let stderr = "error: /t/c/f.toml: TOML parse error at line 41, column 12\n   |\n41 | rate_per_s = 200\n   |            ^^^\nunknown field `rate_per_s`, expected one of `sessions`, `regions`\n";
        assert_eq!(
            refusal(stderr, Path::new("/t/c/f.toml")),
            "error: f.toml: TOML parse error at line 41, column 12: unknown field `rate_per_s`"
        );
        let validation = "error: /t/c/f.toml: `faults[2].action`: unknown action `promote`. Fix: use one of: crash.\n";
        assert_eq!(
            refusal(validation, Path::new("/t/c/f.toml")),
            "error: f.toml: `faults[2].action`: unknown action `promote`. Fix: use one of: crash."
        );
    }

    #[test]
    fn history_outcomes() {
        let ok = Json::parse(r#"{"outcome":"ok"}"#).unwrap();
        assert_eq!(outcome(Some(&ok)), "ok");
        let failed = Json::parse(r#"{"outcome":"write_failed","error":"quorum_timeout"}"#).unwrap();
        assert_eq!(outcome(Some(&failed)), "write_failed quorum_timeout");
        assert_eq!(outcome(None), "unknown");
    }
}
