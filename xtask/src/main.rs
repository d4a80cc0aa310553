//! `cargo xtask`: Replica Lab's own automation, run through the cargo alias in
//! `.cargo/config.toml`.
//!
//! * `cargo xtask setup` installs what the build and the tests need — rustup
//!   targets and components, Debian's Chromium and ChromeDriver, Trunk,
//!   wasm-bindgen-cli at the version locked in `Cargo.lock`, and the npm
//!   packages (binaryen's `wasm-opt`, `playwright-core`) — skipping each tool
//!   that is already present, so that a second run takes about a second.
//! * `cargo xtask serve [TRUNK ARGS]` runs `trunk serve` (debug build, address
//!   and port from `Trunk.toml`) for development; `cargo xtask serve --dist
//!   [--port N]` serves the release build in `dist/` as a site should, with
//!   its pre-compressed files and long cache headers (see [`serve`]).
//! * `cargo xtask test [--only LAYER] [--skip LAYER]` runs every test layer in
//!   order (format, lints, native tests, `no_std` build, wasm tests in
//!   headless Chromium, scenario checks, the calibration against real
//!   PostgreSQL, the recorded benchmarks, 30 s of fuzzing per decoder,
//!   Trunk release build, end-to-end browser tests),
//!   keeps going after a failure and ends with a summary table. CI runs
//!   exactly this through `.ci/run`.
//! * `cargo xtask dist` builds the lab (Trunk, release) and packs it for
//!   course authors: `target/dist/replica-lab-<version>.tgz` (see [`dist`]).
//! * `cargo xtask fuzz [SECONDS]` fuzzes every decoder of outside input for
//!   SECONDS each (default 600): the longer campaign beside the 30 s per
//!   target that `test` runs.
//! * `cargo xtask calibrate` measures a real PostgreSQL primary and standby
//!   against the simulator and rewrites `docs/calibration.md` (see
//!   `calibrate/mod.rs`); `test` runs it as its `calibrate` layer.
//!
//! Why a Rust crate rather than a shell script: the only prerequisite is the
//! Rust toolchain that the project needs anyway, it behaves the same on every
//! machine, and it is held to the same `rustfmt`/`clippy` gates as the rest of
//! the workspace. It has no dependencies so that it compiles in seconds.

mod bench;
mod calibrate;
mod dist;
mod fuzz;
mod proc;
mod serve;
mod setup;
mod test;

use std::env;
use std::process::ExitCode;

use proc::Ctx;
use setup::Tool;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  setup                      install missing tools (rustup targets and components,
                             chromium + chromedriver, trunk, wasm-bindgen-cli, npm ci)
  serve [TRUNK ARGS]         setup, then `trunk serve` on http://127.0.0.1:8080
  serve --dist [--port N]    serve the release build in dist/ with its .br/.gz files
                             and long cache headers for hashed files (default port 8080)
  test [--only L] [--skip L] setup, then run the test layers and print a summary;
                             L is a comma-separated list of layer ids:
                             fmt, clippy, native, nostd, wasm, scenarios, calibrate,
                             bench, fuzz, trunk, e2e, course
  dist                       release build, packed for course authors as
                             target/dist/replica-lab-<version>.tgz
  fuzz [SECONDS]             fuzz each decoder of outside input for SECONDS (default 600)
  calibrate                  install PostgreSQL if missing, measure a real primary and
                             standby against the simulator, write docs/calibration.md";

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let ctx = match Ctx::new() {
        Ok(ctx) => ctx,
        Err(err) => {
            eprintln!("xtask: {err}");
            return ExitCode::FAILURE;
        }
    };
    match args.first().map(String::as_str) {
        Some("setup") if args.len() == 1 => exit_code(setup::ensure(&ctx, &Tool::ALL).is_empty()),
        Some("serve") if args.get(1).map(String::as_str) == Some("--dist") => {
            serve_dist(&ctx, &args[2..])
        }
        Some("serve") => serve(&ctx, &args[1..]),
        Some("dist") if args.len() == 1 => dist(&ctx),
        Some("test") => test::run(&ctx, &args[1..]),
        Some("fuzz") if args.len() <= 2 => match args.get(1).map(|s| s.parse::<u64>()) {
            None => fuzz_for(&ctx, 600),
            Some(Ok(seconds)) if seconds > 0 => fuzz_for(&ctx, seconds),
            Some(_) => {
                eprintln!("xtask fuzz: SECONDS must be a whole number above 0\n{USAGE}");
                ExitCode::from(2)
            }
        },
        Some("calibrate") if args.len() == 1 => calibrate(&ctx),
        Some("help" | "-h" | "--help") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// `cargo xtask fuzz SECONDS`.
fn fuzz_for(ctx: &Ctx, seconds: u64) -> ExitCode {
    match fuzz::run(ctx, seconds) {
        Ok(_) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("xtask fuzz: {err}");
            ExitCode::FAILURE
        }
    }
}

/// `cargo xtask calibrate`: PostgreSQL if missing, then the calibration.
fn calibrate(ctx: &Ctx) -> ExitCode {
    let started = std::time::Instant::now();
    if !setup::ensure(ctx, &[Tool::Postgres]).is_empty() {
        eprintln!("xtask calibrate: setup failed");
        return ExitCode::FAILURE;
    }
    match calibrate::run(ctx, started) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("xtask calibrate: {err}");
            ExitCode::FAILURE
        }
    }
}

/// `cargo xtask dist`: a release build, then the archive.
fn dist(ctx: &Ctx) -> ExitCode {
    let needed = [
        Tool::Targets,
        Tool::Trunk,
        Tool::WasmBindgen,
        Tool::NodeModules,
    ];
    if !setup::ensure(ctx, &needed).is_empty() {
        eprintln!("xtask dist: setup failed");
        return ExitCode::FAILURE;
    }
    let mut trunk = ctx.command("trunk");
    trunk.args(["build", "--release"]);
    match proc::run(&mut trunk).and_then(|()| dist::pack(ctx)) {
        Ok(_) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("xtask dist: {err}");
            ExitCode::FAILURE
        }
    }
}

/// `cargo xtask serve`: everything but the browser, PostgreSQL and mdBook,
/// then `trunk serve`.
fn serve(ctx: &Ctx, trunk_args: &[String]) -> ExitCode {
    let needed: Vec<Tool> = Tool::ALL
        .into_iter()
        .filter(|tool| !matches!(tool, Tool::Browser | Tool::Postgres | Tool::Mdbook))
        .collect();
    if !setup::ensure(ctx, &needed).is_empty() {
        eprintln!("xtask serve: setup failed, not starting trunk");
        return ExitCode::FAILURE;
    }
    let mut trunk = ctx.command("trunk");
    trunk.args(["serve", "--release=false"]).args(trunk_args);
    exit_code(proc::run(&mut trunk).is_ok())
}

/// `cargo xtask serve --dist [--port N]`.
fn serve_dist(ctx: &Ctx, args: &[String]) -> ExitCode {
    let port = match args {
        [] => Ok(8080),
        [flag, n] if flag == "--port" => n
            .parse::<u16>()
            .map_err(|_| format!("--port takes a port number, not {n:?}")),
        _ => Err(format!("unknown arguments {args:?}; expected [--port N]")),
    };
    match port.and_then(|port| serve::run(&ctx.root.join("dist"), port)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("xtask serve --dist: {err}");
            ExitCode::FAILURE
        }
    }
}

fn exit_code(success: bool) -> ExitCode {
    if success {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
