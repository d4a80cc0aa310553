//! The `bench` layer of `cargo xtask test`: the recorded performance runs,
//! and one table of every budget of issue 18 with its figure.
//!
//! * `replica bench` (release): the native figures — engine events per
//!   second and its share of the `(time, sequence)` heap floor, simulated
//!   time per wall-clock second, peak memory of `replica run` over run
//!   lengths, a sweep's rate and the time of 100,000 seeds at it, a swarm
//!   campaign's rate, and the machine's load average before and after;
//! * the engine speed benchmark `engine/benches/speed.rs`, one benchmark
//!   built three ways and run back to back with `cargo bench`: natively,
//!   as wasm with the release profile and as wasm with the page's own
//!   size-optimised `wasm-release` profile, both in headless Chromium
//!   (the workspace's runner, `wasm-bindgen-test-runner`, runs a
//!   `wasm_bindgen_bench`). The wasm figures are ratios to the native one;
//! * the length of a shared link to a library scenario with changed
//!   settings and ten interventions, printed by the native run of
//!   `web/tests/short_links.rs` (which also checks that it reproduces the
//!   run);
//! * the page's figures, which the e2e layer records into the files
//!   [`PAGE_FILES`] under `target/e2e/`. That layer runs after this one,
//!   so this layer's table shows the page rows as still to be measured;
//!   after the e2e layer, `cargo xtask test` calls [`complete`], which
//!   prints the complete table again with the page figures of the files
//!   written in this run. A page row whose file was not written in this
//!   run (the e2e layer failed, was skipped or was not selected) says so,
//!   with the figure of the earlier run beside it, never as current.
//!
//! Each table is printed and written to `target/bench/budgets.md` and
//! `target/bench/budgets.json`, beside the raw outputs. Nothing is
//! asserted against a target (machines are noisy): the layer fails only
//! when a native figure could not be measured. `docs/performance.md`
//! records the figures.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::time::SystemTime;

use crate::proc::{self, Ctx};

/// The three builds of the speed benchmark: a label and the cargo
/// arguments that select target and profile.
const BUILDS: [(&str, &[&str]); 3] = [
    ("native (release)", &[]),
    (
        "wasm in Chromium (release)",
        &["--target", "wasm32-unknown-unknown"],
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

/// The native figures every row needs; the layer fails without them.
const NATIVE_KEYS: [&str; 7] = [
    "engine_vs_floor_pct",
    "realtime_x",
    "rss_default_10min_kib",
    "rss_default_180min_kib",
    "sweep_100k_seconds",
    "sweep_seeds_per_s",
    "swarm_seeds_per_s",
];

/// What this layer measured, kept by `cargo xtask test` for the complete
/// table after the e2e layer.
pub struct Native {
    figures: Figures,
    speeds: Vec<(&'static str, f64)>,
    link_chars: Option<f64>,
}

/// Runs `replica bench`, then the speed benchmark in each build, then
/// prints and writes the budget table; `page_later` tells whether the e2e
/// layer will measure the page figures later in this run. Returns what it
/// measured (when the speed benchmark ran) and whether every native figure
/// was measured.
pub fn run(
    ctx: &Ctx,
    wasm_env: impl Fn(&mut std::process::Command),
    page_later: bool,
) -> (Option<Native>, Result<(), String>) {
    match measure(ctx, wasm_env) {
        Ok(native) => {
            let missing: Vec<&str> = NATIVE_KEYS
                .iter()
                .filter(|k| native.figures.get(k).is_none())
                .copied()
                .collect();
            let absent = if page_later {
                "measured by the e2e layer later in this run"
            } else {
                "not measured in this run: the e2e layer is not selected"
            };
            let page = Source::page(&e2e_dir(ctx), SystemTime::now(), absent);
            let written = report(ctx, Some(&native), &page);
            let outcome = if !missing.is_empty() {
                Err(format!(
                    "replica bench did not report {}",
                    missing.join(", ")
                ))
            } else {
                written
            };
            (Some(native), outcome)
        }
        Err(err) => (None, Err(err)),
    }
}

/// After the e2e layer: the complete table, with the page figures that
/// layer recorded since `e2e_started`. `e2e_outcome` names what happened to
/// it when it did not pass ("failed", "skipped: …"), for the rows it did
/// not record.
pub fn complete(
    ctx: &Ctx,
    native: Option<&Native>,
    e2e_started: SystemTime,
    e2e_outcome: Option<&str>,
) -> Result<(), String> {
    let absent = match e2e_outcome {
        None => "not recorded by its e2e test in this run".to_string(),
        Some(what) => format!("not measured in this run: the e2e layer {what}"),
    };
    let page = Source::page(&e2e_dir(ctx), e2e_started, &absent);
    report(ctx, native, &page)
}

fn e2e_dir(ctx: &Ctx) -> std::path::PathBuf {
    ctx.root.join("target").join("e2e")
}

/// The native figures: `replica bench`, the speed benchmark in each build
/// and the length of a shared link; the raw outputs go to `target/bench/`.
fn measure(ctx: &Ctx, wasm_env: impl Fn(&mut std::process::Command)) -> Result<Native, String> {
    let dir = ctx.root.join("target").join("bench");
    fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;

    let native_out = proc::run_capture(&mut ctx.replica(&["bench"]))?;
    fs::write(dir.join("replica-bench.txt"), &native_out).map_err(|e| e.to_string())?;
    let figures = Figures::from_lines(&native_out);

    let mut speeds = Vec::new();
    for (label, args) in BUILDS {
        let mut command = ctx.cargo();
        command
            .args(["bench", "-p", "replica-engine", "--bench", "speed"])
            .args(args);
        if args.contains(&"wasm32-unknown-unknown") {
            wasm_env(&mut command);
        }
        let out = proc::run_capture(&mut command)?;
        let eps = events_per_s(&out)
            .ok_or_else(|| format!("{label}: no `engine_speed events_per_s=` line"))?;
        speeds.push((label, eps));
    }
    let native_eps = speeds[0].1;
    let mut json = String::from("{\n");
    for (i, (label, eps)) in speeds.iter().enumerate() {
        let _ = writeln!(
            json,
            "  \"{label}\": {{ \"events_per_s\": {eps:.0}, \"time_vs_native\": {:.3} }}{}",
            native_eps / eps,
            if i + 1 < speeds.len() { "," } else { "" }
        );
    }
    json.push_str("}\n");
    fs::write(dir.join("engine-speed.json"), json).map_err(|e| e.to_string())?;

    let mut links = ctx.cargo();
    links.args([
        "test",
        "-p",
        "replica-web",
        "--test",
        "short_links",
        "--",
        "--nocapture",
    ]);
    let link_chars = proc::run_capture(&mut links)
        .map(|out| {
            out.lines()
                .find_map(|l| l.trim().strip_prefix("link_chars="))
                .and_then(|v| v.parse::<f64>().ok())
        })
        .map_err(|e| format!("short links: {e}"))?;
    Ok(Native {
        figures,
        speeds,
        link_chars,
    })
}

/// Prints the table of `native` (none: the bench layer did not measure in
/// this run) and `page`, and writes it to `target/bench/budgets.{md,json}`.
fn report(ctx: &Ctx, native: Option<&Native>, page: &Source) -> Result<(), String> {
    let dir = ctx.root.join("target").join("bench");
    fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let none = Native {
        figures: Figures { values: Vec::new() },
        speeds: Vec::new(),
        link_chars: None,
    };
    let measured = native.unwrap_or(&none);
    let native_source = Source {
        current: Figures {
            values: measured.figures.values.clone(),
        },
        earlier: Figures { values: Vec::new() },
        absent: if native.is_some() {
            "not measured".into()
        } else {
            "not measured in this run: the bench layer did not run".into()
        },
        note: String::new(),
    };
    let rows = budget_rows(&native_source, &measured.speeds, measured.link_chars, page);
    let state = machine_state(&measured.figures);
    let table = render(&rows, Style::Text);
    println!(
        "\nissue 18 budgets — {state}; page figures: {}\n\n{table}",
        page.note
    );
    let md = format!(
        "Machine: {state}.\n\nPage figures: {}.\n\n{}",
        page.note,
        render(&rows, Style::Markdown)
    );
    fs::write(dir.join("budgets.md"), md).map_err(|e| e.to_string())?;
    fs::write(
        dir.join("budgets.json"),
        render_json(&rows, &state, &page.note),
    )
    .map_err(|e| e.to_string())
}

/// Beside a Lighthouse figure: the same audit with the throttling applied
/// to the load rather than simulated from an unthrottled one
/// (`perf-lighthouse.test.mjs` says why both are kept).
const APPLIED: &str = "with the throttling applied to the load";

/// The files of the e2e layer's page figures, under `target/e2e/`.
const PAGE_FILES: [&str; 4] = [
    "perf.json",
    "perf-busy-seek.json",
    "perf-heap.json",
    "perf-lighthouse.json",
];

/// Figures of one kind for the table: those measured in this run, those
/// recorded by an earlier run (shown beside a row's absence, never as its
/// figure), what a row says when this run has none, and where they came
/// from.
struct Source {
    current: Figures,
    earlier: Figures,
    absent: String,
    note: String,
}

impl Source {
    /// The page figures of the files [`PAGE_FILES`] in `dir`: those
    /// written at or after `since` are this run's.
    fn page(dir: &Path, since: SystemTime, absent: &str) -> Source {
        let mut source = Source {
            current: Figures { values: Vec::new() },
            earlier: Figures { values: Vec::new() },
            absent: absent.to_string(),
            note: String::new(),
        };
        let (mut this_run, mut before) = (Vec::new(), Vec::new());
        for name in PAGE_FILES {
            let path = dir.join(name);
            let Ok(text) = fs::read_to_string(&path) else {
                continue;
            };
            let f = Figures::from_json(&text);
            let when = f
                .text("recorded_at")
                .unwrap_or_else(|| "at an unknown time".into());
            let fresh = fs::metadata(&path)
                .and_then(|m| m.modified())
                .is_ok_and(|modified| modified >= since);
            if fresh {
                this_run.push(format!("{name} recorded {when}"));
                source.current.values.extend(f.values);
            } else {
                before.push(format!("{name} of {when}"));
                source.earlier.values.extend(f.values);
            }
        }
        source.note = match (this_run.is_empty(), before.is_empty()) {
            (true, true) => "none recorded (target/e2e/perf*.json)".into(),
            (true, false) => format!("none from this run; earlier runs' {}", before.join(", ")),
            (false, true) => format!("this run's {}", this_run.join(", ")),
            (false, false) => format!(
                "this run's {}; earlier runs' {}",
                this_run.join(", "),
                before.join(", ")
            ),
        };
        source
    }
}

/// Named numbers: `figure KEY=VALUE` lines of `replica bench`, or the
/// top-level fields of `perf.json`.
struct Figures {
    values: Vec<(String, String)>,
}

impl Figures {
    fn from_lines(text: &str) -> Self {
        let values = text
            .lines()
            .filter_map(|l| l.strip_prefix("figure "))
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect();
        Figures { values }
    }

    /// The top-level `"key": value` pairs of a JSON object whose values of
    /// interest are numbers or strings (nested objects and arrays are
    /// skipped); enough for `perf.json` without a JSON library.
    fn from_json(text: &str) -> Self {
        let mut values = Vec::new();
        let bytes = text.as_bytes();
        let (mut depth, mut i) = (0usize, 0usize);
        while i < bytes.len() {
            match bytes[i] {
                b'{' | b'[' => depth += 1,
                b'}' | b']' => depth = depth.saturating_sub(1),
                b'"' => {
                    let end = string_end(bytes, i);
                    if depth == 1 {
                        let key = &text[i + 1..end];
                        let rest = text[end + 1..].trim_start();
                        if let Some(rest) = rest.strip_prefix(':') {
                            let rest = rest.trim_start();
                            let value = if let Some(s) = rest.strip_prefix('"') {
                                s.split('"').next().unwrap_or("").to_string()
                            } else {
                                rest.split([',', '}', '\n'])
                                    .next()
                                    .unwrap_or("")
                                    .trim()
                                    .to_string()
                            };
                            values.push((key.to_string(), value));
                        }
                    }
                    i = end;
                }
                _ => {}
            }
            i += 1;
        }
        Figures { values }
    }

    fn text(&self, key: &str) -> Option<String> {
        self.values
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    }

    fn get(&self, key: &str) -> Option<f64> {
        self.text(key).and_then(|v| v.parse().ok())
    }
}

/// Index of the quote that closes the string opening at `start`.
fn string_end(bytes: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while i < bytes.len() && bytes[i] != b'"' {
        if bytes[i] == b'\\' {
            i += 1;
        }
        i += 1;
    }
    i.min(bytes.len().saturating_sub(1))
}

/// Whether a figure meets its target.
#[derive(Clone, Copy, PartialEq)]
enum Met {
    Yes,
    No,
    /// No target (a figure recorded for its own sake).
    Recorded,
    /// Not measured in this run.
    Unknown,
}

impl Met {
    fn of(ok: bool) -> Met {
        if ok {
            Met::Yes
        } else {
            Met::No
        }
    }

    fn word(self) -> &'static str {
        match self {
            Met::Yes => "yes",
            Met::No => "NO",
            Met::Recorded => "–",
            Met::Unknown => "?",
        }
    }
}

struct Row {
    budget: &'static str,
    what: String,
    figure: String,
    target: &'static str,
    met: Met,
}

fn row(budget: &'static str, what: &str, figure: String, target: &'static str, met: Met) -> Row {
    Row {
        budget,
        what: what.to_string(),
        figure,
        target,
        met,
    }
}

/// `1234567` as `1,234,567`.
fn thousands(n: f64) -> String {
    let digits = format!("{:.0}", n.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0.0 {
        format!("-{out}")
    } else {
        out
    }
}

/// Growth of `later` over `base`, in percent.
fn growth_pct(base: f64, later: f64) -> f64 {
    100.0 * (later - base) / base
}

/// A row whose figure `figure` computes from `source`: from this run's
/// figures when it can, else the source's absence, with an earlier run's
/// figure beside it when one was recorded.
fn figure_row(
    source: &Source,
    budget: &'static str,
    what: &str,
    target: &'static str,
    figure: impl Fn(&Figures) -> Option<(String, Met)>,
) -> Row {
    if let Some((shown, met)) = figure(&source.current) {
        return row(budget, what, shown, target, met);
    }
    let shown = match figure(&source.earlier) {
        Some((earlier, _)) => format!("{} (an earlier run: {earlier})", source.absent),
        None => source.absent.clone(),
    };
    row(budget, what, shown, target, Met::Unknown)
}

/// `{growth} % ({a} → {b} {unit}{more})` and whether it is within +10 %:
/// the figure of every memory-flatness row.
fn flat(a: f64, b: f64, unit: &str, more: &str) -> (String, Met) {
    (
        format!(
            "{:+.1} % ({} → {} {unit}{more})",
            growth_pct(a, b),
            thousands(a),
            thousands(b)
        ),
        Met::of(growth_pct(a, b) <= 10.0),
    )
}

/// A budget-3 row: the growth from one figure of `source` to another
/// (see [`flat`]), met at +10 % or less.
fn growth_row(source: &Source, what: &str, (from, to): (&str, &str), unit: &str) -> Row {
    figure_row(source, "3", what, "≤ +10 %", |f| {
        Some(flat(f.get(from)?, f.get(to)?, unit, ""))
    })
}

fn budget_rows(
    native: &Source,
    speeds: &[(&str, f64)],
    link_chars: Option<f64>,
    page: &Source,
) -> Vec<Row> {
    let mut rows = vec![
        figure_row(
            page,
            "1",
            "release bundle, gzipped (wasm + js + css)",
            "≤ 250,000 B",
            |p| {
                p.get("bundle_gzip_bytes")
                    .map(|b| (format!("{} B", thousands(b)), Met::of(b <= 250_000.0)))
            },
        ),
        figure_row(
            page,
            "2",
            "first seek, p95, other core busy",
            "≤ 50 ms",
            |p| {
                // The scheduler's account of the seek at the p95's rank
                // (tests/e2e/perf-busy-seek.test.mjs): what the slow
                // seeks' time is made of.
                let account = match (
                    p.get("seek_busy_p95_on_cpu_ms"),
                    p.get("seek_busy_p95_run_queue_ms"),
                    p.get("seek_busy_p95_pool_cpu_ms"),
                ) {
                    (Some(cpu), Some(queue), Some(pool)) => format!(
                        " (its main thread {cpu:.0} ms on a CPU, {queue:.0} ms waiting for one; \
                         the renderer's thread pool {pool:.0} ms)"
                    ),
                    _ => String::new(),
                };
                let unsettled = p
                    .get("seek_busy_ui_unsettled_p95_ms")
                    .map(|ms| format!("; {ms:.0} ms with the test browser's own UI still loading"))
                    .unwrap_or_default();
                p.get("seek_busy_p95_ms").map(|ms| {
                    (
                        format!("{ms:.0} ms{account}{unsettled}"),
                        Met::of(ms <= 50.0),
                    )
                })
            },
        ),
        figure_row(
            native,
            "3",
            "peak RSS of replica run, default scenario, 3 h vs 10 min",
            "≤ +10 %",
            |n| {
                let (a, b) = (
                    n.get("rss_default_10min_kib")?,
                    n.get("rss_default_180min_kib")?,
                );
                // The 3-hour peak against the 1-hour one tells a store that
                // fills to a configured bound (WAL retention) from one that
                // grows without end.
                let hour = n
                    .get("rss_default_60min_kib")
                    .map(|h| {
                        format!(
                            "; 1 h {} KiB, 3 h vs 1 h {:+.1} %",
                            thousands(h),
                            growth_pct(h, b)
                        )
                    })
                    .unwrap_or_default();
                Some(flat(a, b, "KiB", &hour))
            },
        ),
        growth_row(
            native,
            "peak RSS of replica run, 10,000 writes/s on 5 nodes, 60 vs 10 min",
            ("rss_load_10min_kib", "rss_load_60min_kib"),
            "KiB",
        ),
        growth_row(
            page,
            "page JS heap, bench-page-9-nodes, 30 vs 1 simulated min",
            ("js_heap_1min_bytes", "js_heap_30min_bytes"),
            "B",
        ),
        growth_row(
            page,
            "page wasm memory, bench-page-9-nodes, 30 vs 1 simulated min",
            ("wasm_memory_1min_bytes", "wasm_memory_30min_bytes"),
            "B",
        ),
        figure_row(
            native,
            "4",
            "sweep, 100,000 seeds of the default scenario, 2 threads",
            "≤ 60 s",
            |n| {
                let s = n.get("sweep_100k_seconds")?;
                Some((
                    format!(
                        "{s:.1} s at {} seeds/s ({} events/s; rate of {} seeds)",
                        thousands(n.get("sweep_seeds_per_s").unwrap_or(0.0)),
                        thousands(n.get("sweep_events_per_s").unwrap_or(0.0)),
                        thousands(n.get("sweep_seeds").unwrap_or(0.0))
                    ),
                    Met::of(s <= 60.0),
                ))
            },
        ),
        figure_row(
            native,
            "4",
            "swarm campaign rate (each seed run twice, 2 threads)",
            "reported",
            |n| {
                let s = n.get("swarm_seeds_per_s")?;
                Some((
                    format!(
                        "{s:.0} seeds/s, {} checked events/s",
                        thousands(n.get("swarm_events_per_s").unwrap_or(0.0))
                    ),
                    Met::Recorded,
                ))
            },
        ),
        figure_row(
            native,
            "5",
            "shared link, library scenario, changed settings + ten interventions",
            "≤ 500 characters",
            |_| link_chars.map(|c| (format!("{c:.0} characters"), Met::of(c <= 500.0))),
        ),
        figure_row(
            page,
            "6",
            "Lighthouse mobile performance score",
            "≥ 90",
            |p| {
                let s = p.get("lighthouse_performance")?;
                let applied = p
                    .get("lighthouse_applied_performance")
                    .map(|a| format!("; {a:.0} {APPLIED}"))
                    .unwrap_or_default();
                Some((format!("{s:.0}{applied}"), Met::of(s >= 90.0)))
            },
        ),
        figure_row(
            page,
            "6",
            "Lighthouse mobile largest contentful paint",
            "≤ 2,500 ms",
            |p| {
                let ms = p.get("lighthouse_lcp_ms")?;
                let applied = p
                    .get("lighthouse_applied_lcp_ms")
                    .map(|a| format!("; {} ms {APPLIED}", thousands(a)))
                    .unwrap_or_default();
                Some((
                    format!("{} ms{applied}", thousands(ms)),
                    Met::of(ms <= 2_500.0),
                ))
            },
        ),
        figure_row(
            native,
            "7",
            "engine ÷ bare (time, seq) heap floor, default scenario",
            "≥ 40 %",
            |n| {
                let p = n.get("engine_vs_floor_pct")?;
                Some((
                    format!(
                        "{p:.1} % ({} of {} events/s)",
                        thousands(n.get("engine_events_per_s").unwrap_or(0.0)),
                        thousands(n.get("floor_events_per_s").unwrap_or(0.0))
                    ),
                    Met::of(p >= 40.0),
                ))
            },
        ),
        figure_row(
            native,
            "7",
            "simulated time ÷ wall time, default scenario",
            "≥ 10,000×",
            |n| {
                n.get("realtime_x")
                    .map(|x| (format!("{}×", thousands(x)), Met::of(x >= 10_000.0)))
            },
        ),
        // The earlier budgets (issue 8), still recorded.
        figure_row(
            native,
            "8",
            "events/s, default scenario, one core",
            "≥ 5,000,000",
            |n| {
                n.get("engine_events_per_s")
                    .map(|e| (thousands(e), Met::of(e >= 5_000_000.0)))
            },
        ),
    ];
    let native_eps = speeds.first().map_or(0.0, |s| s.1);
    for (label, eps) in speeds.iter().skip(1) {
        let slower = native_eps / eps;
        rows.push(row(
            "8",
            &format!("engine as {label}, time vs native"),
            format!("{slower:.2}× ({} events/s)", thousands(*eps)),
            "≤ 2×",
            Met::of(slower <= 2.0),
        ));
    }
    rows
}

/// "idle" or "busy", with the load averages and cores behind it.
fn machine_state(native: &Figures) -> String {
    let cores = native.get("cores").unwrap_or(1.0);
    let before = native.get("load_1min_before");
    let after = native.get("load_1min_after");
    match (before, after) {
        (Some(b), Some(a)) => {
            // Before the run, any load is someone else's; after it, the
            // bench itself adds up to its two threads.
            let word = if b < 0.5 { "idle" } else { "busy" };
            format!(
                "{word} ({cores:.0} cores; 1-minute load average {b:.2} before the native benchmarks, {a:.2} after)"
            )
        }
        _ => format!("{cores:.0} cores, load average unknown"),
    }
}

/// How [`render`] lays a table out.
#[derive(Clone, Copy)]
enum Style {
    /// Columns padded to their widths, for the terminal.
    Text,
    /// A Markdown table, for `budgets.md` and `docs/performance.md`.
    Markdown,
}

/// The table of `rows`: a header, then one line per row.
fn render(rows: &[Row], style: Style) -> String {
    let header = Row {
        budget: "budget",
        what: "figure".into(),
        figure: "measured".into(),
        target: "target",
        met: Met::Unknown,
    };
    let width = |cell: fn(&Row) -> usize| rows.iter().map(cell).max().unwrap_or(0);
    let what = width(|r| r.what.chars().count());
    let fig = width(|r| r.figure.chars().count());
    let mut s = String::new();
    for (i, r) in std::iter::once(&header).chain(rows).enumerate() {
        let met = if i == 0 { "met" } else { r.met.word() };
        let _ = match style {
            Style::Text => writeln!(
                s,
                "{:<6} {:<what$}  {:<fig$}  {:<16} {met}",
                r.budget, r.what, r.figure, r.target
            ),
            Style::Markdown => writeln!(
                s,
                "| {} | {} | {} | {} | {met} |{}",
                r.budget,
                r.what,
                r.figure,
                r.target,
                if i == 0 {
                    "\n|---|---|---|---|---|"
                } else {
                    ""
                }
            ),
        };
    }
    s
}

fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn render_json(rows: &[Row], state: &str, page: &str) -> String {
    let mut s = format!(
        "{{\n  \"machine\": {},\n  \"page_figures\": {},\n  \"budgets\": [\n",
        json_string(state),
        json_string(page)
    );
    for (i, r) in rows.iter().enumerate() {
        let _ = writeln!(
            s,
            "    {{ \"budget\": {}, \"figure\": {}, \"measured\": {}, \"target\": {}, \"met\": {} }}{}",
            json_string(r.budget),
            json_string(&r.what),
            json_string(&r.figure),
            json_string(r.target),
            match r.met {
                Met::Yes => "true",
                Met::No => "false",
                Met::Recorded | Met::Unknown => "null",
            },
            if i + 1 < rows.len() { "," } else { "" }
        );
    }
    s.push_str("  ]\n}\n");
    s
}

/// The figure from the benchmark's `engine_speed events_per_s=N` line.
fn events_per_s(output: &str) -> Option<f64> {
    output
        .split_whitespace()
        .find_map(|w| w.strip_prefix("events_per_s="))
        .and_then(|v| v.parse().ok())
        .filter(|v: &f64| *v > 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_top_level_numbers_and_strings_of_perf_json() {
        let f = Figures::from_json(
            r#"{
  "bundle_gzip_bytes": 348919,
  "bundle_files": { "a.wasm": 1 },
  "seek_ms": [ { "ms": 3 } ],
  "frame_p95_ms": 16.7,
  "recorded_at": "2026-11-26T07:12:00.000Z"
}"#,
        );
        assert_eq!(f.get("bundle_gzip_bytes"), Some(348_919.0));
        assert_eq!(f.get("frame_p95_ms"), Some(16.7));
        assert_eq!(f.get("ms"), None, "nested keys are not top-level");
        assert_eq!(f.get("a.wasm"), None);
        assert_eq!(
            f.text("recorded_at").as_deref(),
            Some("2026-11-26T07:12:00.000Z")
        );
    }

    #[test]
    fn reads_figure_lines_and_formats_thousands() {
        let f = Figures::from_lines("table\nfigure sweep_100k_seconds=41.5\nfigure x=oops\n");
        assert_eq!(f.get("sweep_100k_seconds"), Some(41.5));
        assert_eq!(f.get("x"), None);
        assert_eq!(thousands(1_234_567.0), "1,234,567");
        assert_eq!(thousands(999.0), "999");
    }

    fn source(current: &str, earlier: &str, absent: &str) -> Source {
        Source {
            current: Figures::from_json(current),
            earlier: Figures::from_json(earlier),
            absent: absent.into(),
            note: String::new(),
        }
    }

    fn figure<'a>(rows: &'a [Row], what: &str) -> &'a Row {
        rows.iter()
            .find(|r| r.what.contains(what))
            .unwrap_or_else(|| panic!("no row {what}"))
    }

    #[test]
    fn rows_show_this_runs_figures_and_never_an_earlier_run_as_current() {
        let native = source(r#"{ "sweep_100k_seconds": 70 }"#, "{}", "not measured");
        let page = source(
            r#"{ "js_heap_1min_bytes": 100, "js_heap_30min_bytes": 105 }"#,
            r#"{ "bundle_gzip_bytes": 240000, "js_heap_1min_bytes": 1, "js_heap_30min_bytes": 9 }"#,
            "not measured in this run: the e2e layer failed",
        );
        let rows = budget_rows(&native, &[("native", 1.0)], None, &page);
        let heap = figure(&rows, "page JS heap");
        assert_eq!(
            heap.figure, "+5.0 % (100 → 105 B)",
            "this run's figure wins"
        );
        assert!(heap.met == Met::Yes);
        let bundle = figure(&rows, "bundle");
        assert_eq!(
            bundle.figure,
            "not measured in this run: the e2e layer failed (an earlier run: 240,000 B)"
        );
        assert!(
            bundle.met == Met::Unknown,
            "an earlier run's figure is not met"
        );
        let seek = figure(&rows, "first seek");
        assert_eq!(
            seek.figure,
            "not measured in this run: the e2e layer failed"
        );
        assert!(figure(&rows, "sweep").met == Met::No);
        assert_eq!(figure(&rows, "shared link").figure, "not measured");
    }

    #[test]
    fn the_lighthouse_rows_judge_the_simulated_run_and_show_the_applied_one() {
        let native = source("{}", "{}", "not measured");
        let page = source(
            r#"{ "lighthouse_performance": 91, "lighthouse_lcp_ms": 2858,
                 "lighthouse_applied_performance": 85, "lighthouse_applied_lcp_ms": 1375 }"#,
            "{}",
            "missing",
        );
        let rows = budget_rows(&native, &[], None, &page);
        let score = figure(&rows, "Lighthouse mobile performance");
        assert_eq!(score.figure, format!("91; 85 {APPLIED}"));
        assert!(score.met == Met::Yes);
        let lcp = figure(&rows, "largest contentful paint");
        assert_eq!(lcp.figure, format!("2,858 ms; 1,375 ms {APPLIED}"));
        assert!(lcp.met == Met::No);
        // An older file without the applied run: the simulated figures alone.
        let page = source(r#"{ "lighthouse_lcp_ms": 2400 }"#, "{}", "missing");
        let rows = budget_rows(&native, &[], None, &page);
        let lcp = figure(&rows, "largest contentful paint");
        assert_eq!(lcp.figure, "2,400 ms");
        assert!(lcp.met == Met::Yes);
    }

    #[test]
    fn the_seek_row_carries_the_schedulers_account_of_the_p95_seek() {
        let native = source("{}", "{}", "not measured");
        let page = source(
            r#"{ "seek_busy_p95_ms": 52, "seek_busy_p95_on_cpu_ms": 17.3,
                 "seek_busy_p95_run_queue_ms": 38.7, "seek_busy_p95_pool_cpu_ms": 16.2,
                 "seek_busy_p95_sched": { "on_cpu_ms": 1 },
                 "seek_busy_ui_unsettled_p95_ms": 61 }"#,
            "{}",
            "missing",
        );
        let rows = budget_rows(&native, &[], None, &page);
        let seek = figure(&rows, "first seek");
        assert_eq!(
            seek.figure,
            "52 ms (its main thread 17 ms on a CPU, 39 ms waiting for one; \
             the renderer's thread pool 16 ms); 61 ms with the test browser's own UI still loading"
        );
        assert!(seek.met == Met::No);
        // Without the account (an older file), the figure alone.
        let page = source(r#"{ "seek_busy_p95_ms": 43 }"#, "{}", "missing");
        let rows = budget_rows(&native, &[], None, &page);
        let seek = figure(&rows, "first seek");
        assert_eq!(seek.figure, "43 ms");
        assert!(seek.met == Met::Yes);
    }

    #[test]
    fn page_files_written_since_the_e2e_layer_started_are_this_runs() {
        let dir = std::env::temp_dir().join(format!("xtask-bench-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let write = |name: &str, text: &str| fs::write(dir.join(name), text).unwrap();
        write(
            "perf.json",
            r#"{ "bundle_gzip_bytes": 300000, "recorded_at": "T1" }"#,
        );
        let started = SystemTime::now() + std::time::Duration::from_millis(1);
        std::thread::sleep(std::time::Duration::from_millis(20));
        write(
            "perf-heap.json",
            r#"{ "wasm_memory_1min_bytes": 200, "wasm_memory_30min_bytes": 600, "recorded_at": "T2" }"#,
        );
        let page = Source::page(&dir, started, "missing");
        fs::remove_dir_all(&dir).unwrap();
        assert_eq!(
            page.note,
            "this run's perf-heap.json recorded T2; earlier runs' perf.json of T1"
        );
        let rows = budget_rows(&source("{}", "{}", "-"), &[], None, &page);
        let wasm = figure(&rows, "page wasm memory");
        assert_eq!(wasm.figure, "+200.0 % (200 → 600 B)");
        assert!(wasm.met == Met::No);
        assert_eq!(
            figure(&rows, "bundle").figure,
            "missing (an earlier run: 300,000 B)"
        );
    }

    #[test]
    fn renders_one_table_as_text_and_as_markdown() {
        let rows = [row("1", "bundle", "9 B".into(), "≤ 10 B", Met::Yes)];
        assert_eq!(
            render(&rows, Style::Markdown),
            "| budget | figure | measured | target | met |\n|---|---|---|---|---|\n| 1 | bundle | 9 B | ≤ 10 B | yes |\n"
        );
        let text = render(&rows, Style::Text);
        assert_eq!(text.lines().count(), 2);
        assert!(text
            .lines()
            .nth(1)
            .unwrap()
            .starts_with("1      bundle  9 B  ≤ 10 B"));
    }
}
