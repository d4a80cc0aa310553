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
//! * the page's figures from the last recorded end-to-end run (the e2e
//!   layer runs after this one, so on a fresh clone they appear from the
//!   second run of the test command): the files [`PAGE_FILES`] under
//!   `target/e2e/`, each with its time of recording, or "measured by the
//!   e2e layer" where no run has recorded one.
//!
//! The table is printed and written to `target/bench/budgets.md` and
//! `target/bench/budgets.json`, beside the raw outputs. Nothing is
//! asserted against a target (machines are noisy): the layer fails only
//! when a native figure could not be measured. `docs/performance.md`
//! records the figures.

use std::fmt::Write as _;
use std::fs;

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

/// Runs `replica bench`, then the speed benchmark in each build, then
/// prints and writes the budget table.
pub fn run(ctx: &Ctx, wasm_env: impl Fn(&mut std::process::Command)) -> Result<(), String> {
    let dir = ctx.root.join("target").join("bench");
    fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;

    let native_out = proc::run_capture(&mut ctx.replica(&["bench"]))?;
    fs::write(dir.join("replica-bench.txt"), &native_out).map_err(|e| e.to_string())?;
    let native = Figures::from_lines(&native_out);
    let missing: Vec<&str> = NATIVE_KEYS
        .iter()
        .filter(|k| native.get(k).is_none())
        .copied()
        .collect();

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
        .map_err(|e| format!("short links: {e}"));

    let (page, recorded) = page_figures(&ctx.root.join("target").join("e2e"));
    let link_chars = link_chars?;
    let rows = budget_rows(&native, &speeds, link_chars, page.as_ref());
    let state = machine_state(&native);

    let table = render_table(&rows);
    println!("\nissue 18 budgets — {state}; page figures: {recorded}\n\n{table}");
    let md = format!(
        "Machine: {state}.\n\nPage figures: {recorded}.\n\n{}",
        render_markdown(&rows)
    );
    fs::write(dir.join("budgets.md"), md).map_err(|e| e.to_string())?;
    fs::write(dir.join("budgets.json"), render_json(&rows, &state)).map_err(|e| e.to_string())?;

    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "replica bench did not report {}",
            missing.join(", ")
        ))
    }
}

/// The files of the e2e layer's page figures, under `target/e2e/`.
const PAGE_FILES: [&str; 4] = [
    "perf.json",
    "perf-busy-seek.json",
    "perf-heap.json",
    "perf-lighthouse.json",
];

/// The page figures of every recorded file, and which files they came
/// from, recorded when.
fn page_figures(dir: &std::path::Path) -> (Option<Figures>, String) {
    let mut values = Vec::new();
    let mut recorded = Vec::new();
    for name in PAGE_FILES {
        if let Ok(text) = fs::read_to_string(dir.join(name)) {
            let f = Figures::from_json(&text);
            let when = f
                .text("recorded_at")
                .unwrap_or_else(|| "at an unknown time".into());
            recorded.push(format!("target/e2e/{name} recorded {when}"));
            values.extend(f.values);
        }
    }
    if recorded.is_empty() {
        (None, "no recorded e2e run (target/e2e/perf*.json)".into())
    } else {
        (Some(Figures { values }), recorded.join(", "))
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

const BY_E2E: &str = "measured by the e2e layer";

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

/// A page row: its figure from the page files when recorded there.
fn page_row(
    page: Option<&Figures>,
    budget: &'static str,
    what: &str,
    target: &'static str,
    figure: impl Fn(&Figures) -> Option<(String, bool)>,
) -> Row {
    match page.and_then(figure) {
        Some((shown, ok)) => row(budget, what, shown, target, Met::of(ok)),
        None => row(budget, what, BY_E2E.into(), target, Met::Unknown),
    }
}

fn budget_rows(
    native: &Figures,
    speeds: &[(&str, f64)],
    link_chars: Option<f64>,
    page: Option<&Figures>,
) -> Vec<Row> {
    let n = |k: &str| native.get(k);
    let mut rows = Vec::new();
    rows.push(page_row(
        page,
        "1",
        "release bundle, gzipped (wasm + js + css)",
        "≤ 250,000 B",
        |p| {
            p.get("bundle_gzip_bytes")
                .map(|b| (format!("{} B", thousands(b)), b <= 250_000.0))
        },
    ));
    rows.push(page_row(
        page,
        "2",
        "first seek, p95, other core busy",
        "≤ 50 ms",
        |p| {
            p.get("seek_busy_p95_ms")
                .map(|ms| (format!("{ms:.0} ms"), ms <= 50.0))
        },
    ));
    match (n("rss_default_10min_kib"), n("rss_default_180min_kib")) {
        (Some(a), Some(b)) => {
            // The 3-hour peak against the 1-hour one tells a store that
            // fills to a configured bound (WAL retention) from one that
            // grows without end.
            let hour = n("rss_default_60min_kib")
                .map(|h| {
                    format!(
                        "; 1 h {} KiB, 3 h vs 1 h {:+.1} %",
                        thousands(h),
                        growth_pct(h, b)
                    )
                })
                .unwrap_or_default();
            rows.push(row(
                "3",
                "peak RSS of replica run, default scenario, 3 h vs 10 min",
                format!(
                    "{:+.1} % ({} → {} KiB{hour})",
                    growth_pct(a, b),
                    thousands(a),
                    thousands(b)
                ),
                "≤ +10 %",
                Met::of(growth_pct(a, b) <= 10.0),
            ));
        }
        _ => rows.push(row(
            "3",
            "peak RSS of replica run, default scenario, 3 h vs 10 min",
            "not measured".into(),
            "≤ +10 %",
            Met::Unknown,
        )),
    }
    if let (Some(a), Some(b)) = (n("rss_load_10min_kib"), n("rss_load_60min_kib")) {
        rows.push(row(
            "3",
            "peak RSS of replica run, 10,000 writes/s on 5 nodes, 60 vs 10 min",
            format!(
                "{:+.1} % ({} → {} KiB)",
                growth_pct(a, b),
                thousands(a),
                thousands(b)
            ),
            "≤ +10 %",
            Met::of(growth_pct(a, b) <= 10.0),
        ));
    }
    rows.push(page_row(
        page,
        "3",
        "page JS heap, bench-page-9-nodes, 30 vs 1 simulated min",
        "≤ +10 %",
        |p| {
            let (a, b) = (p.get("js_heap_1min_bytes")?, p.get("js_heap_30min_bytes")?);
            let wasm = match (
                p.get("wasm_memory_1min_bytes"),
                p.get("wasm_memory_30min_bytes"),
            ) {
                (Some(w1), Some(w30)) => format!(
                    "; wasm memory {} → {} B, {:+.1} %",
                    thousands(w1),
                    thousands(w30),
                    growth_pct(w1, w30)
                ),
                _ => String::new(),
            };
            Some((
                format!(
                    "{:+.1} % ({} → {} B{wasm})",
                    growth_pct(a, b),
                    thousands(a),
                    thousands(b)
                ),
                growth_pct(a, b) <= 10.0,
            ))
        },
    ));
    match n("sweep_100k_seconds") {
        Some(s) => rows.push(row(
            "4",
            "sweep, 100,000 seeds of the default scenario, 2 threads",
            format!(
                "{s:.1} s at {} seeds/s ({} events/s; rate of {} seeds)",
                thousands(n("sweep_seeds_per_s").unwrap_or(0.0)),
                thousands(n("sweep_events_per_s").unwrap_or(0.0)),
                thousands(n("sweep_seeds").unwrap_or(0.0))
            ),
            "≤ 60 s",
            Met::of(s <= 60.0),
        )),
        None => rows.push(row(
            "4",
            "sweep, 100,000 seeds of the default scenario, 2 threads",
            "not measured".into(),
            "≤ 60 s",
            Met::Unknown,
        )),
    }
    rows.push(row(
        "4",
        "swarm campaign rate (each seed run twice, 2 threads)",
        match n("swarm_seeds_per_s") {
            Some(s) => format!(
                "{s:.0} seeds/s, {} checked events/s",
                thousands(n("swarm_events_per_s").unwrap_or(0.0))
            ),
            None => "not measured".into(),
        },
        "reported",
        Met::Recorded,
    ));
    rows.push(match link_chars {
        Some(c) => row(
            "5",
            "shared link, library scenario, changed settings + ten interventions",
            format!("{c:.0} characters"),
            "≤ 500 characters",
            Met::of(c <= 500.0),
        ),
        None => row(
            "5",
            "shared link, library scenario, changed settings + ten interventions",
            "not measured".into(),
            "≤ 500 characters",
            Met::Unknown,
        ),
    });
    rows.push(page_row(
        page,
        "6",
        "Lighthouse mobile performance score",
        "≥ 90",
        |p| {
            p.get("lighthouse_performance")
                .map(|s| (format!("{s:.0}"), s >= 90.0))
        },
    ));
    rows.push(page_row(
        page,
        "6",
        "Lighthouse mobile largest contentful paint",
        "≤ 2,500 ms",
        |p| {
            p.get("lighthouse_lcp_ms")
                .map(|ms| (format!("{} ms", thousands(ms)), ms <= 2_500.0))
        },
    ));
    rows.push(match n("engine_vs_floor_pct") {
        Some(p) => row(
            "7",
            "engine ÷ bare (time, seq) heap floor, default scenario",
            format!(
                "{p:.1} % ({} of {} events/s)",
                thousands(n("engine_events_per_s").unwrap_or(0.0)),
                thousands(n("floor_events_per_s").unwrap_or(0.0))
            ),
            "≥ 40 %",
            Met::of(p >= 40.0),
        ),
        None => row(
            "7",
            "engine ÷ heap floor",
            "not measured".into(),
            "≥ 40 %",
            Met::Unknown,
        ),
    });
    rows.push(match n("realtime_x") {
        Some(x) => row(
            "7",
            "simulated time ÷ wall time, default scenario",
            format!("{}×", thousands(x)),
            "≥ 10,000×",
            Met::of(x >= 10_000.0),
        ),
        None => row(
            "7",
            "simulated time ÷ wall time",
            "not measured".into(),
            "≥ 10,000×",
            Met::Unknown,
        ),
    });
    // The earlier budgets (issue 8), still recorded.
    if let Some(e) = n("engine_events_per_s") {
        rows.push(row(
            "8",
            "events/s, default scenario, one core",
            thousands(e),
            "≥ 5,000,000",
            Met::of(e >= 5_000_000.0),
        ));
    }
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

fn render_table(rows: &[Row]) -> String {
    let what = rows
        .iter()
        .map(|r| r.what.chars().count())
        .max()
        .unwrap_or(0);
    let fig = rows
        .iter()
        .map(|r| r.figure.chars().count())
        .max()
        .unwrap_or(0);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<6} {:<what$}  {:<fig$}  {:<16} met",
        "budget", "figure", "measured", "target"
    );
    for r in rows {
        let _ = writeln!(
            s,
            "{:<6} {:<what$}  {:<fig$}  {:<16} {}",
            r.budget,
            r.what,
            r.figure,
            r.target,
            r.met.word()
        );
    }
    s
}

fn render_markdown(rows: &[Row]) -> String {
    let mut s =
        String::from("| budget | figure | measured | target | met |\n|---|---|---|---|---|\n");
    for r in rows {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} |",
            r.budget,
            r.what,
            r.figure,
            r.target,
            r.met.word()
        );
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

fn render_json(rows: &[Row], state: &str) -> String {
    let mut s = format!(
        "{{\n  \"machine\": {},\n  \"budgets\": [\n",
        json_string(state)
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

    #[test]
    fn page_rows_say_who_measures_them_when_not_recorded() {
        let native = Figures::from_lines("figure sweep_100k_seconds=70\n");
        let rows = budget_rows(&native, &[("native", 1.0)], None, None);
        let bundle = rows.iter().find(|r| r.budget == "1").expect("budget 1");
        assert_eq!(bundle.figure, BY_E2E);
        let sweep = rows.iter().find(|r| r.budget == "4").expect("budget 4");
        assert!(sweep.met == Met::No);
    }
}
