//! Running other programs from the repository root with a `PATH` that also
//! holds the project's local tool folders.

use std::env;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Where commands run and with which `PATH`.
pub struct Ctx {
    /// The workspace root (the parent of this crate's folder).
    pub root: PathBuf,
    /// `node_modules/.bin` (binaryen's `wasm-opt` for Trunk), then cargo's
    /// `bin` folder (Trunk, wasm-bindgen), then the inherited `PATH`.
    path: OsString,
    /// The cargo that started us, so nested builds use the same toolchain.
    cargo: OsString,
}

impl Ctx {
    pub fn new() -> Result<Self, String> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .ok_or("xtask crate has no parent folder")?
            .to_path_buf();
        let cargo_home = env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")));
        let mut dirs = vec![root.join("node_modules").join(".bin")];
        dirs.extend(cargo_home.map(|home| home.join("bin")));
        dirs.extend(env::split_paths(&env::var_os("PATH").unwrap_or_default()));
        let path = env::join_paths(dirs).map_err(|err| format!("cannot build PATH: {err}"))?;
        let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        Ok(Self { root, path, cargo })
    }

    /// A command that runs in the workspace root with the extended `PATH`
    /// (also used to look `program` up).
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut command = Command::new(program);
        command.current_dir(&self.root).env("PATH", &self.path);
        command
    }

    /// `cargo` (the same one that runs xtask) as a [`Ctx::command`].
    pub fn cargo(&self) -> Command {
        self.command(&self.cargo)
    }

    /// The project's own `replica` command (release build) with `args`.
    pub fn replica(&self, args: &[&str]) -> Command {
        let mut command = self.cargo();
        command
            .args(["run", "--release", "--quiet", "-p", "replica", "--"])
            .args(args);
        command
    }

    /// Runs `program args…` quietly and returns its trimmed stdout if it
    /// exited successfully; `None` if it is missing or failed. Used to ask
    /// tools for their version.
    pub fn probe(&self, program: &str, args: &[&str]) -> Option<String> {
        let output = self
            .command(program)
            .args(args)
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .ok()?;
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
    }
}

/// Echoes `command` as `$ program args…`, runs it with inherited stdio and
/// reports a missing program or a non-zero exit as an error.
pub fn run(command: &mut Command) -> Result<(), String> {
    let line = display(command);
    println!("$ {line}");
    match command.status() {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(format!("`{line}` failed ({status})")),
        Err(err) => Err(format!("could not start `{line}`: {err}")),
    }
}

/// Like [`run`], but captures standard output (echoing it once the
/// command ends) and returns it; standard error still streams.
pub fn run_capture(command: &mut Command) -> Result<String, String> {
    let line = display(command);
    println!("$ {line}");
    let output = command
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|err| format!("could not start `{line}`: {err}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    print!("{stdout}");
    if output.status.success() {
        Ok(stdout)
    } else {
        Err(format!("`{line}` failed ({})", output.status))
    }
}

/// `program arg…` without the environment noise of `Command`'s `Debug`.
fn display(command: &Command) -> String {
    let program = Path::new(command.get_program());
    // Show `cargo`, not the toolchain path that `$CARGO` holds.
    let mut line = program
        .file_name()
        .unwrap_or(program.as_os_str())
        .to_string_lossy()
        .into_owned();
    for arg in command.get_args() {
        line.push(' ');
        line.push_str(&arg.to_string_lossy());
    }
    line
}
