//! `cargo xtask test`: run every test layer in order, keep going after a
//! failure, then print one table row per layer and the line
//! `layers: N passed, M failed`; exit non-zero if anything failed.
//!
//! Layers run from cheapest to most expensive so that a formatting slip is
//! reported in seconds, and the end-to-end tests run last, on the `dist/`
//! that the Trunk layer just built: the page tests, then the course test,
//! which packs that build as `cargo xtask dist` does and embeds it in an
//! mdBook course.

use std::fs;
use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant, SystemTime};

use crate::proc::{self, Ctx};
use crate::setup::{self, Tool, CHROMEDRIVER};

/// One test layer; [`Layer::ALL`] is the order they run in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Layer {
    Fmt,
    Clippy,
    Native,
    NoStd,
    Wasm,
    Scenarios,
    Calibrate,
    Bench,
    Fuzz,
    Trunk,
    E2e,
    Course,
}

impl Layer {
    const ALL: [Layer; 12] = [
        Layer::Fmt,
        Layer::Clippy,
        Layer::Native,
        Layer::NoStd,
        Layer::Wasm,
        Layer::Scenarios,
        Layer::Calibrate,
        Layer::Bench,
        Layer::Fuzz,
        Layer::Trunk,
        Layer::E2e,
        Layer::Course,
    ];

    /// The id used by `--only` and `--skip`.
    fn id(self) -> &'static str {
        match self {
            Layer::Fmt => "fmt",
            Layer::Clippy => "clippy",
            Layer::Native => "native",
            Layer::NoStd => "nostd",
            Layer::Wasm => "wasm",
            Layer::Scenarios => "scenarios",
            Layer::Calibrate => "calibrate",
            Layer::Bench => "bench",
            Layer::Fuzz => "fuzz",
            Layer::Trunk => "trunk",
            Layer::E2e => "e2e",
            Layer::Course => "course",
        }
    }

    /// The name shown in the summary table.
    fn title(self) -> &'static str {
        match self {
            Layer::Fmt => "fmt",
            Layer::Clippy => "clippy",
            Layer::Native => "native tests",
            Layer::NoStd => "no_std",
            Layer::Wasm => "wasm tests",
            Layer::Scenarios => "scenarios",
            Layer::Calibrate => "calibration vs PostgreSQL",
            Layer::Bench => "benchmarks",
            Layer::Fuzz => "fuzz",
            Layer::Trunk => "trunk build",
            Layer::E2e => "e2e",
            Layer::Course => "mdBook course",
        }
    }

    /// What `cargo xtask setup` must provide before this layer can run.
    fn needs(self) -> &'static [Tool] {
        match self {
            Layer::Fmt => &[Tool::Components],
            Layer::Clippy => &[Tool::Components, Tool::Targets],
            Layer::Native | Layer::Scenarios | Layer::Fuzz => &[],
            Layer::NoStd => &[Tool::Targets],
            Layer::Calibrate => &[Tool::Postgres],
            Layer::Wasm | Layer::Bench => &[Tool::Targets, Tool::WasmBindgen, Tool::Browser],
            Layer::Trunk => &[
                Tool::Targets,
                Tool::Trunk,
                Tool::WasmBindgen,
                Tool::NodeModules,
            ],
            Layer::E2e => &[Tool::NodeModules, Tool::Browser],
            Layer::Course => &[Tool::NodeModules, Tool::Browser, Tool::Mdbook],
        }
    }
}

enum Outcome {
    Passed,
    Failed(String),
    Skipped(String),
}

/// What later layers need from earlier ones.
struct Progress {
    trunk_failed: bool,
    /// Whether the e2e layer will run, to record the page's figures.
    e2e_selected: bool,
    /// What the bench layer measured, for the complete budget table after
    /// the e2e layer has recorded the page's figures.
    bench_native: Option<crate::bench::Native>,
}

struct Row {
    name: &'static str,
    outcome: Outcome,
    time: Duration,
}

pub fn run(ctx: &Ctx, args: &[String]) -> ExitCode {
    let selected = match select(args) {
        Ok(selected) => selected,
        Err(err) => {
            eprintln!("xtask test: {err}");
            return ExitCode::from(2);
        }
    };
    let mut rows = Vec::new();

    let started = Instant::now();
    let needs: Vec<Tool> = selected
        .iter()
        .flat_map(|layer| layer.needs())
        .copied()
        .collect();
    let setup_failures = setup::ensure(ctx, &needs);
    if !setup_failures.is_empty() {
        // Keep going: layers that do not need the missing tool still tell
        // us something, and those that do fail with the tool's own error.
        rows.push(Row {
            name: "setup",
            outcome: Outcome::Failed(setup_failures.join(", ")),
            time: started.elapsed(),
        });
    }

    let mut progress = Progress {
        trunk_failed: false,
        e2e_selected: selected.contains(&Layer::E2e),
        bench_native: None,
    };
    for layer in Layer::ALL {
        let started = Instant::now();
        let e2e_started = SystemTime::now();
        let outcome = if selected.contains(&layer) {
            println!("\n==> {}", layer.title());
            run_layer(ctx, layer, &mut progress)
        } else {
            Outcome::Skipped("not selected".into())
        };
        if layer == Layer::Trunk {
            progress.trunk_failed = matches!(outcome, Outcome::Failed(_));
        }
        if layer == Layer::E2e && progress.e2e_selected && selected.contains(&Layer::Bench) {
            let what = match &outcome {
                Outcome::Passed => None,
                Outcome::Failed(_) => Some("failed".to_string()),
                Outcome::Skipped(why) => Some(format!("was skipped ({why})")),
            };
            println!("\n==> budget table, complete with this run's page figures");
            let native = progress.bench_native.as_ref();
            if let Err(err) = crate::bench::complete(ctx, native, e2e_started, what.as_deref()) {
                eprintln!("budget table: {err}");
            }
        }
        rows.push(Row {
            name: layer.title(),
            outcome,
            time: started.elapsed(),
        });
    }

    let failed = summarize(&rows);
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The layers chosen by `--only a,b` / `--skip c` (each may repeat);
/// all of them by default.
fn select(args: &[String]) -> Result<Vec<Layer>, String> {
    let mut only: Vec<Layer> = Vec::new();
    let mut skip: Vec<Layer> = Vec::new();
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let list = match flag.as_str() {
            "--only" => &mut only,
            "--skip" => &mut skip,
            other => {
                return Err(format!(
                    "unknown argument `{other}` (expected --only or --skip)"
                ))
            }
        };
        let value = args.next().ok_or(format!("{flag} needs a layer id"))?;
        for id in value.split(',').map(str::trim).filter(|id| !id.is_empty()) {
            let layer = Layer::ALL
                .into_iter()
                .find(|layer| layer.id() == id)
                .ok_or_else(|| {
                    let ids: Vec<&str> = Layer::ALL.iter().map(|layer| layer.id()).collect();
                    format!("unknown layer `{id}`; layers are: {}", ids.join(", "))
                })?;
            list.push(layer);
        }
    }
    Ok(Layer::ALL
        .into_iter()
        .filter(|layer| only.is_empty() || only.contains(layer))
        .filter(|layer| !skip.contains(layer))
        .collect())
}

fn run_layer(ctx: &Ctx, layer: Layer, progress: &mut Progress) -> Outcome {
    let trunk_failed = progress.trunk_failed;
    let cargo = |args: &[&str]| {
        let mut command = ctx.cargo();
        command.args(args);
        command
    };
    match layer {
        Layer::Fmt => run_all(vec![
            cargo(&["fmt", "--all", "--", "--check"]),
            cargo(&["fmt", "--manifest-path", "fuzz/Cargo.toml", "--", "--check"]),
        ]),
        Layer::Clippy => run_all(vec![
            cargo(&[
                "clippy",
                "--workspace",
                "--exclude",
                "replica-web",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ]),
            cargo(&[
                "clippy",
                "-p",
                "replica-web",
                "--target",
                "wasm32-unknown-unknown",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ]),
        ]),
        Layer::Native => run_all(vec![cargo(&[
            "test",
            "--workspace",
            "--exclude",
            "replica-web",
        ])]),
        Layer::NoStd => run_all(vec![cargo(&[
            "build",
            "-p",
            "replica-engine",
            "--no-default-features",
            "--target",
            "thumbv7em-none-eabihf",
        ])]),
        Layer::Wasm => {
            let in_browser = |package: &str| {
                let mut command =
                    cargo(&["test", "-p", package, "--target", "wasm32-unknown-unknown"]);
                wasm_test_env(ctx, &mut command);
                command
            };
            run_all(vec![
                in_browser("replica-engine"),
                in_browser("replica-web"),
            ])
        }
        Layer::Scenarios => {
            if !has_file_with_extension(&ctx.root.join("scenarios"), "toml") {
                return Outcome::Skipped("no scenarios/*.toml".into());
            }
            run_all(vec![ctx.replica(&["check", "scenarios"])])
        }
        Layer::Calibrate => match crate::calibrate::run(ctx, Instant::now()) {
            Ok(()) => Outcome::Passed,
            Err(err) => Outcome::Failed(err),
        },
        Layer::Bench => {
            let env = |command: &mut Command| wasm_test_env(ctx, command);
            let (native, result) = crate::bench::run(ctx, env, progress.e2e_selected);
            progress.bench_native = native;
            result.map_or_else(Outcome::Failed, |()| Outcome::Passed)
        }
        Layer::Fuzz => match crate::fuzz::run(ctx, crate::fuzz::TEST_SECONDS_PER_TARGET) {
            Ok(_) => Outcome::Passed,
            Err(err) => Outcome::Failed(err),
        },
        Layer::Trunk => {
            // `node_modules/.bin` is first on the PATH (see `Ctx`), so Trunk
            // runs binaryen's wasm-opt rather than an older system one.
            let mut trunk = ctx.command("trunk");
            trunk.args(["build", "--release"]);
            run_all(vec![trunk])
        }
        Layer::E2e => {
            if trunk_failed {
                return Outcome::Skipped("needs a successful trunk build".into());
            }
            if !ctx.root.join("dist").join("index.html").exists() {
                return Outcome::Failed("dist/index.html missing; run the trunk layer".into());
            }
            // The oracle test (tests/e2e/oracle.test.mjs) compares the page
            // with the engine's ground truth, computed natively by
            // web/examples/truth.rs: build it and name it for the tests.
            let mut truth = ctx.cargo();
            truth.args([
                "build",
                "--quiet",
                "-p",
                "replica-web",
                "--example",
                "truth",
            ]);
            if let Err(err) = proc::run(&mut truth) {
                return Outcome::Failed(format!("the oracle's ground truth: {err}"));
            }
            let target = std::env::var_os("CARGO_TARGET_DIR")
                .map(std::path::PathBuf::from)
                .unwrap_or_else(|| ctx.root.join("target"));
            let truth_exe = ctx
                .root
                .join(target)
                .join("debug")
                .join("examples")
                .join(format!("truth{}", std::env::consts::EXE_SUFFIX));
            let mut node = ctx.command("node");
            node.args(["--test", "tests/e2e/"])
                .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
                .env("REPLICA_TRUTH", truth_exe);
            run_all(vec![node])
        }
        Layer::Course => {
            if trunk_failed {
                return Outcome::Skipped("needs a successful trunk build".into());
            }
            // The archive authors get, built from the dist/ just tested,
            // embedded in an mdBook course (tests/course/).
            let archive = match crate::dist::pack(ctx) {
                Ok(archive) => archive,
                Err(err) => return Outcome::Failed(format!("cargo xtask dist: {err}")),
            };
            let mut node = ctx.command("node");
            node.args(["--test", "tests/course/"])
                .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
                .env("REPLICA_DIST_ARCHIVE", archive);
            run_all(vec![node])
        }
    }
}

/// Environment for `cargo test --target wasm32-unknown-unknown`, whose runner
/// (`wasm-bindgen-test-runner`) drives headless Chromium via chromedriver.
fn wasm_test_env(ctx: &Ctx, command: &mut Command) {
    // The runner picks the driver named by `CHROMEDRIVER` before searching
    // PATH, and adds `headless`, `no-sandbox` and `disable-dev-shm-usage` to
    // Chrome's arguments itself. More arguments come from `webdriver.json`,
    // which it looks for in its working directory (the crate's folder under
    // `cargo test`) unless this variable names the file.
    let chromedriver = std::env::var_os("CHROMEDRIVER").unwrap_or_else(|| CHROMEDRIVER.into());
    command
        .env("CHROMEDRIVER", chromedriver)
        .env(
            "WASM_BINDGEN_TEST_WEBDRIVER_JSON",
            ctx.root.join("webdriver.json"),
        )
        .env("WASM_BINDGEN_TEST_TIMEOUT", "120");
}

/// Runs every command even after one fails, so one layer reports all of
/// its problems at once.
fn run_all(mut commands: Vec<Command>) -> Outcome {
    let errors: Vec<String> = commands
        .iter_mut()
        .filter_map(|command| proc::run(command).err())
        .collect();
    if errors.is_empty() {
        Outcome::Passed
    } else {
        Outcome::Failed(errors.join("; "))
    }
}

fn has_file_with_extension(dir: &Path, extension: &str) -> bool {
    let Ok(entries) = fs::read_dir(dir) else {
        return false;
    };
    entries.flatten().any(|entry| {
        let path = entry.path();
        if path.is_dir() {
            has_file_with_extension(&path, extension)
        } else {
            path.extension().is_some_and(|ext| ext == extension)
        }
    })
}

/// Prints the summary table and the `layers:` line; returns the number of
/// failed rows.
fn summarize(rows: &[Row]) -> usize {
    let width = rows.iter().map(|row| row.name.len()).max().unwrap_or(0);
    println!("\n{:width$}  {:7}  {:>8}  note", "layer", "result", "time");
    let (mut passed, mut failed) = (0, 0);
    for row in rows {
        let (result, note) = match &row.outcome {
            Outcome::Passed => {
                passed += 1;
                ("PASSED", "")
            }
            Outcome::Failed(note) => {
                failed += 1;
                ("FAILED", note.as_str())
            }
            Outcome::Skipped(note) => ("SKIPPED", note.as_str()),
        };
        let time = match row.outcome {
            Outcome::Skipped(_) => String::from("-"),
            _ => duration(row.time),
        };
        let line = format!("{:width$}  {result:7}  {time:>8}  {note}", row.name);
        println!("{}", line.trim_end());
    }
    println!("layers: {passed} passed, {failed} failed");
    failed
}

/// `4.2s` below a minute, `3m07s` above.
fn duration(time: Duration) -> String {
    let secs = time.as_secs_f64();
    if secs < 60.0 {
        format!("{secs:.1}s")
    } else {
        let whole = time.as_secs();
        format!("{}m{:02}s", whole / 60, whole % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|arg| arg.to_string()).collect()
    }

    #[test]
    fn selects_all_layers_by_default() {
        assert_eq!(select(&[]).unwrap(), Layer::ALL);
    }

    #[test]
    fn only_and_skip_combine_and_keep_order() {
        let chosen = select(&args(&[
            "--only", "e2e,fmt", "--only", "trunk", "--skip", "trunk",
        ]));
        assert_eq!(chosen.unwrap(), [Layer::Fmt, Layer::E2e]);
        let chosen = select(&args(&["--skip", "wasm"])).unwrap();
        assert_eq!(chosen.len(), Layer::ALL.len() - 1);
        assert!(!chosen.contains(&Layer::Wasm));
    }

    #[test]
    fn rejects_unknown_layers_and_flags() {
        assert!(select(&args(&["--only", "lint"])).is_err());
        assert!(select(&args(&["--only"])).is_err());
        assert!(select(&args(&["fmt"])).is_err());
    }

    #[test]
    fn formats_durations() {
        assert_eq!(duration(Duration::from_millis(4_240)), "4.2s");
        assert_eq!(duration(Duration::from_secs(187)), "3m07s");
    }
}
