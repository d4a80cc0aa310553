//! `cargo xtask setup`: install the tools the build and tests need, each only
//! when it is missing, printing `setup: <step>: present|installed|FAILED`.
//!
//! Versions are pinned where the toolchain requires it: Trunk 0.22 needs a
//! newer rustc than the project's 1.95, wasm-bindgen-cli must equal
//! the `wasm-bindgen` crate in `Cargo.lock` (and fails to install with
//! `--locked`), mdBook is the version the course test was written for,
//! and browsers come from Debian, never from a test tool's own download.
//! PostgreSQL, which the calibration layer runs for real, also comes from
//! Debian's packages.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::proc::{run, Ctx};

/// Rust targets: the web app and wasm tests, and a bare-metal target that
/// proves the engine builds without `std`.
const TARGETS: [&str; 2] = ["wasm32-unknown-unknown", "thumbv7em-none-eabihf"];
const COMPONENTS: [&str; 2] = ["rustfmt", "clippy"];
const TRUNK_VERSION: &str = "0.21.14";
/// mdBook for the course test (`tests/course/`): the 0.5 line course
/// authors use; built from crates.io (about 2.5 min on 2 cores, once).
pub const MDBOOK_VERSION: &str = "0.5.4";
pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// A group of tools that a command or test layer needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tool {
    /// rustup targets `wasm32-unknown-unknown` and `thumbv7em-none-eabihf`.
    Targets,
    /// rustup components `rustfmt` and `clippy`.
    Components,
    /// Debian's `chromium` and `chromium-driver`.
    Browser,
    /// `trunk` at [`TRUNK_VERSION`].
    Trunk,
    /// `wasm-bindgen` and `wasm-bindgen-test-runner` matching `Cargo.lock`.
    WasmBindgen,
    /// `node_modules` from `package-lock.json` (`npm ci`).
    NodeModules,
    /// Debian's `postgresql` (server binaries under `/usr/lib/postgresql`).
    Postgres,
    /// `mdbook` at [`MDBOOK_VERSION`], for the course test.
    Mdbook,
}

impl Tool {
    pub const ALL: [Tool; 8] = [
        Tool::Targets,
        Tool::Components,
        Tool::Browser,
        Tool::Trunk,
        Tool::WasmBindgen,
        Tool::NodeModules,
        Tool::Postgres,
        Tool::Mdbook,
    ];
}

enum Status {
    Present,
    Installed,
}

/// Makes sure every tool in `tools` is there (in [`Tool::ALL`] order, each
/// once). Keeps going after a failure; returns the names of failed steps.
pub fn ensure(ctx: &Ctx, tools: &[Tool]) -> Vec<String> {
    let mut failed = Vec::new();
    let mut report = |step: String, result: Result<Status, String>| match result {
        Ok(Status::Present) => println!("setup: {step}: present"),
        Ok(Status::Installed) => println!("setup: {step}: installed"),
        Err(err) => {
            println!("setup: {step}: FAILED: {err}");
            failed.push(step);
        }
    };
    for tool in Tool::ALL.into_iter().filter(|tool| tools.contains(tool)) {
        match tool {
            Tool::Targets => {
                for target in TARGETS {
                    report(
                        format!("rustup target {target}"),
                        rustup(ctx, "target", target),
                    );
                }
            }
            Tool::Components => {
                for component in COMPONENTS {
                    let step = format!("rustup component {component}");
                    report(step, rustup(ctx, "component", component));
                }
            }
            Tool::Browser => report("chromium + chromedriver".into(), browser(ctx)),
            Tool::Trunk => report(format!("trunk {TRUNK_VERSION}"), trunk(ctx)),
            Tool::WasmBindgen => match locked_wasm_bindgen(ctx) {
                Ok(version) => {
                    let step = format!("wasm-bindgen-cli {version}");
                    report(step, wasm_bindgen(ctx, &version));
                }
                Err(err) => report("wasm-bindgen-cli".into(), Err(err)),
            },
            Tool::NodeModules => report("npm ci".into(), node_modules(ctx)),
            Tool::Postgres => report("postgresql".into(), postgres(ctx)),
            Tool::Mdbook => report(format!("mdbook {MDBOOK_VERSION}"), mdbook(ctx)),
        }
    }
    failed
}

/// `kind` is `target` or `component`; both list as `<name>-<host triple>`
/// or `<name>` in `rustup <kind> list --installed`.
fn rustup(ctx: &Ctx, kind: &str, name: &str) -> Result<Status, String> {
    let installed = ctx
        .probe("rustup", &[kind, "list", "--installed"])
        .ok_or("`rustup` is missing or failed; install Rust with rustup")?;
    let prefix = format!("{name}-");
    if installed
        .lines()
        .any(|line| line == name || line.starts_with(&prefix))
    {
        return Ok(Status::Present);
    }
    run(ctx.command("rustup").args([kind, "add", name]))?;
    Ok(Status::Installed)
}

fn browser(ctx: &Ctx) -> Result<Status, String> {
    if Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists() {
        return Ok(Status::Present);
    }
    apt_install(ctx, &["chromium", "chromium-driver"])?;
    Ok(Status::Installed)
}

/// `apt-get update`, then `apt-get install -y PACKAGES`.
fn apt_install(ctx: &Ctx, packages: &[&str]) -> Result<(), String> {
    // apt-get needs root; fall back to sudo for a developer's own account.
    let as_root = |args: &[&str]| {
        let mut command = if ctx.probe("id", &["-u"]).as_deref() == Some("0") {
            ctx.command("apt-get")
        } else {
            let mut sudo = ctx.command("sudo");
            sudo.arg("apt-get");
            sudo
        };
        command.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        run(&mut command)
    };
    as_root(&["update"])?;
    as_root(&[&["install", "-y"], packages].concat())
}

/// The newest `/usr/lib/postgresql/<major>/bin` that holds `postgres`.
pub fn postgres_bin_dir() -> Option<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .filter_map(|entry| {
            let major = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            bin.join("postgres").exists().then_some((major, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

fn postgres(ctx: &Ctx) -> Result<Status, String> {
    if postgres_bin_dir().is_some() {
        return Ok(Status::Present);
    }
    apt_install(ctx, &["postgresql"])?;
    postgres_bin_dir()
        .map(|_| Status::Installed)
        .ok_or_else(|| "installed, but no /usr/lib/postgresql/*/bin/postgres".into())
}

fn trunk(ctx: &Ctx) -> Result<Status, String> {
    // `trunk --version` prints `trunk 0.21.14`.
    if version_word(ctx, "trunk").as_deref() == Some(TRUNK_VERSION) {
        return Ok(Status::Present);
    }
    run(ctx
        .cargo()
        .args(["install", "trunk", "--version", TRUNK_VERSION, "--locked"]))?;
    Ok(Status::Installed)
}

fn mdbook(ctx: &Ctx) -> Result<Status, String> {
    // `mdbook --version` prints `mdbook v0.5.4`.
    let installed = version_word(ctx, "mdbook");
    if installed.as_deref().map(|v| v.trim_start_matches('v')) == Some(MDBOOK_VERSION) {
        return Ok(Status::Present);
    }
    run(ctx
        .cargo()
        .args(["install", "mdbook", "--version", MDBOOK_VERSION, "--locked"]))?;
    Ok(Status::Installed)
}

fn wasm_bindgen(ctx: &Ctx, version: &str) -> Result<Status, String> {
    // Both binaries come from wasm-bindgen-cli; the test runner is what the
    // `wasm32-unknown-unknown` runner in `.cargo/config.toml` names.
    let present = ["wasm-bindgen", "wasm-bindgen-test-runner"]
        .iter()
        .all(|program| version_word(ctx, program).as_deref() == Some(version));
    if present {
        return Ok(Status::Present);
    }
    // No `--locked`: one locked dependency of wasm-bindgen-cli 0.2.130 is not
    // on the registry, so a locked install fails.
    let exact = format!("={version}");
    run(ctx
        .cargo()
        .args(["install", "wasm-bindgen-cli", "--version", &exact]))?;
    Ok(Status::Installed)
}

/// The version of the `wasm-bindgen` package in `Cargo.lock`, creating the
/// lock file first (with `cargo metadata`, which builds nothing) if needed.
fn locked_wasm_bindgen(ctx: &Ctx) -> Result<String, String> {
    let lock = ctx.root.join("Cargo.lock");
    if !lock.exists() {
        run(ctx
            .cargo()
            .args(["metadata", "--format-version", "1", "--quiet"])
            .stdout(std::process::Stdio::null()))?;
    }
    let text = fs::read_to_string(&lock).map_err(|err| format!("{}: {err}", lock.display()))?;
    let versions = package_versions(&text, "wasm-bindgen");
    match versions.as_slice() {
        [version] => Ok(version.clone()),
        [] => Err("no `wasm-bindgen` package in Cargo.lock".into()),
        _ => Err(format!(
            "several `wasm-bindgen` versions in Cargo.lock ({}); the test runner must match the one the web crate uses",
            versions.join(", ")
        )),
    }
}

/// Versions of every `[[package]]` named `name` in a `Cargo.lock`.
fn package_versions(lock: &str, name: &str) -> Vec<String> {
    let name_line = format!("name = \"{name}\"");
    let mut versions = Vec::new();
    let mut in_package = false;
    for line in lock.lines().map(str::trim) {
        if line.starts_with('[') {
            in_package = false;
        } else if line == name_line {
            in_package = true;
        } else if let (true, Some(rest)) = (in_package, line.strip_prefix("version = ")) {
            versions.push(rest.trim_matches('"').to_owned());
            in_package = false;
        }
    }
    versions
}

/// The second word of `program --version` (`trunk 0.21.14` → `0.21.14`).
fn version_word(ctx: &Ctx, program: &str) -> Option<String> {
    let output = ctx.probe(program, &["--version"])?;
    output.split_whitespace().nth(1).map(str::to_owned)
}

fn node_modules(ctx: &Ctx) -> Result<Status, String> {
    let lock = ctx.root.join("package-lock.json");
    // npm writes this copy of the lock file on every install.
    let installed = ctx.root.join("node_modules").join(".package-lock.json");
    let up_to_date = match (modified(&installed), modified(&lock)) {
        (Some(installed), Some(lock)) => installed >= lock,
        _ => false,
    };
    if up_to_date {
        return Ok(Status::Present);
    }
    run(ctx
        .command("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        // playwright-core never downloads browsers; this guards any
        // dependency that might (browsers come from Debian).
        .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1"))?;
    Ok(Status::Installed)
}

fn modified(path: &Path) -> Option<SystemTime> {
    fs::metadata(path).and_then(|meta| meta.modified()).ok()
}

#[cfg(test)]
mod tests {
    use super::package_versions;

    #[test]
    fn finds_locked_versions_by_exact_name() {
        let lock = r#"
[[package]]
name = "wasm-bindgen"
version = "0.2.130"
dependencies = [
 "cfg-if",
]

[[package]]
name = "wasm-bindgen-backend"
version = "0.2.130"

[[package]]
name = "yew"
version = "0.23.0"
"#;
        assert_eq!(package_versions(lock, "wasm-bindgen"), ["0.2.130"]);
        assert_eq!(package_versions(lock, "yew"), ["0.23.0"]);
        assert!(package_versions(lock, "trunk").is_empty());
    }
}
