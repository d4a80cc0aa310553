//! Real PostgreSQL servers for the calibration: scratch clusters under
//! `target/calibrate/pg/`, owned by and run as the `postgres` user, on free
//! loopback ports only.
//!
//! [`Pg`] is the guard that owns them. Every server it started is stopped
//! when it is dropped (normal end, error or panic), and a small watchdog
//! process in its own session stops whatever is left if xtask itself dies
//! (Ctrl-C, `kill`), so no server outlives the command. A run also stops
//! the servers a previous, interrupted run left in the scratch folder
//! before it deletes that folder.
//!
//! Servers and clients run at nice −10: the machine is shared with
//! compiles, and sub-millisecond commits are otherwise timed mostly by the
//! scheduler. The disk cannot be shielded that way; `machine.rs` measures it.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// The account the servers run as.
const OS_USER: &str = "postgres";
/// Nice value of the servers (and of the measuring threads, see `mod.rs`).
pub const NICE: &str = "-10";

/// One server: a data folder and its port.
#[derive(Clone, Debug)]
pub struct Server {
    pub name: String,
    pub data: PathBuf,
    pub port: u16,
}

/// The installation and the servers started from it; stops them on drop.
pub struct Pg {
    bin: PathBuf,
    /// The folder that holds the data (`place`, or what it links to).
    scratch: PathBuf,
    /// `target/calibrate/pg`.
    place: PathBuf,
    logs: PathBuf,
    started: Vec<Server>,
    watchdog: Option<Child>,
}

/// Shell run by the watchdog (and, without the `cat`, by the start-up
/// clean-up): stop every server whose `postmaster.pid` is in the scratch
/// folder and names a live postgres process. A killed server leaves its
/// file behind: its PID may belong to someone else by now, or be a zombie
/// not yet reaped, which `pg_ctl stop -w` would wait on until its time-out.
/// `$0` is the scratch folder, `$1` the binaries.
const STOP_ALL: &str = r#"for pidfile in "$0"/*/postmaster.pid; do
  [ -f "$pidfile" ] || continue
  pid=$(head -n 1 "$pidfile")
  case "$(cat "/proc/$pid/stat" 2>/dev/null)" in ""|*") Z "*) continue;; esac
  [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = postgres ] || continue
  runuser -u postgres -- "$1/pg_ctl" stop -D "$(dirname "$pidfile")" -m immediate -w -t 20 >/dev/null 2>&1
done"#;

impl Pg {
    /// Takes over `scratch`: stops servers a previous run left there,
    /// empties it, gives it to the `postgres` user and arms the watchdog.
    /// When `postgres` cannot reach `scratch` (a checkout inside a folder
    /// only root may enter, as `mktemp -d` makes), the data lives in a
    /// folder of its own under `/var/tmp` and `scratch` links to it.
    /// Server logs are copied to `logs` when the guard is dropped, and data
    /// under `/var/tmp` is removed then.
    pub fn new(bin: PathBuf, place: PathBuf, logs: PathBuf) -> Result<Pg, String> {
        remove_scratch(&place, &bin)?;
        make_owned_dir(&place)?;
        let mut scratch = place.clone();
        if !postgres_can_write(&place) {
            fs::remove_dir(&place).map_err(|err| format!("{}: {err}", place.display()))?;
            scratch = PathBuf::from(format!(
                "/var/tmp/replica-calibrate-{:016x}",
                fnv1a(place.to_string_lossy().as_bytes())
            ));
            remove_scratch(&scratch, &bin)?;
            make_owned_dir(&scratch)?;
            // Every path handed to the servers is the real one: postgres
            // cannot follow the link through the folder it cannot enter.
            std::os::unix::fs::symlink(&scratch, &place)
                .map_err(|err| format!("cannot link {}: {err}", place.display()))?;
        }
        let watchdog = Command::new("setsid")
            .args(["sh", "-c", &format!("cat >/dev/null\n{STOP_ALL}")])
            .arg(&scratch)
            .arg(&bin)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|err| format!("cannot start the server watchdog: {err}"))?;
        Ok(Pg {
            bin,
            scratch,
            place,
            logs,
            started: Vec::new(),
            watchdog: Some(watchdog),
        })
    }

    /// Where the data folders are (`target/calibrate/pg`, or what it links to).
    pub fn scratch(&self) -> &Path {
        &self.scratch
    }

    /// `postgres --version`, e.g. `postgres (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)`.
    pub fn version(&self) -> String {
        Command::new(self.bin.join("postgres"))
            .arg("--version")
            .output()
            .ok()
            .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
            .unwrap_or_else(|| "unknown".into())
    }

    /// A server named `name` in the scratch folder, on a free port.
    pub fn server(&self, name: &str) -> Result<Server, String> {
        Ok(Server {
            name: name.to_owned(),
            data: self.scratch.join(name),
            port: free_port()?,
        })
    }

    /// `program args…` from the installation, run as `postgres` at nice −10.
    fn as_postgres(&self, program: &str) -> Command {
        let mut command = Command::new("nice");
        command
            .args(["-n", NICE, "runuser", "-u", OS_USER, "--"])
            .arg(self.bin.join(program))
            .current_dir(&self.scratch)
            .stdin(Stdio::null());
        command
    }

    /// A new cluster (trust authentication: loopback scratch only).
    pub fn initdb(&self, server: &Server) -> Result<(), String> {
        checked(
            self.as_postgres("initdb")
                .args(["--auth=trust", "--username=postgres", "--no-instructions"])
                .arg("-D")
                .arg(&server.data),
            "initdb",
        )?;
        self.set_port(server)
    }

    /// Copies a cleanly stopped cluster (`cp -a` keeps owner and modes).
    pub fn copy_cluster(&self, from: &Server, to: &Server) -> Result<(), String> {
        checked(
            Command::new("cp").arg("-a").arg(&from.data).arg(&to.data),
            "copy the template cluster",
        )?;
        self.set_port(to)
    }

    /// The settings every calibration server gets: loopback only, no Unix
    /// socket, its own port. Everything else stays at its default apart from
    /// what the caller adds with [`Pg::configure`].
    fn set_port(&self, server: &Server) -> Result<(), String> {
        self.configure(
            server,
            &[
                "listen_addresses = '127.0.0.1'".into(),
                "unix_socket_directories = ''".into(),
                format!("port = {}", server.port),
            ],
        )
    }

    /// Appends `lines` to the server's `postgresql.conf` (later lines win).
    pub fn configure(&self, server: &Server, lines: &[String]) -> Result<(), String> {
        let path = server.data.join("postgresql.conf");
        let mut file = OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(|err| format!("{}: {err}", path.display()))?;
        let text: String = lines.iter().map(|line| format!("{line}\n")).collect();
        file.write_all(format!("\n# cargo xtask calibrate\n{text}").as_bytes())
            .map_err(|err| format!("{}: {err}", path.display()))
    }

    /// `pg_basebackup -R -X stream` from `primary` into `standby`'s folder.
    pub fn basebackup(&self, primary: &Server, standby: &Server) -> Result<(), String> {
        checked(
            self.as_postgres("pg_basebackup")
                .args([
                    "-h",
                    "127.0.0.1",
                    "-U",
                    "postgres",
                    "-R",
                    "-X",
                    "stream",
                    "-c",
                    "fast",
                ])
                .args(["-p", &primary.port.to_string()])
                .arg("-D")
                .arg(&standby.data),
            "pg_basebackup",
        )?;
        self.set_port(standby)
    }

    /// `pg_ctl start` and wait until it accepts connections.
    pub fn start(&mut self, server: &Server) -> Result<(), String> {
        if !self.started.iter().any(|s| s.data == server.data) {
            self.started.push(server.clone());
        }
        let log = self.scratch.join(format!("{}.log", server.name));
        checked(
            self.as_postgres("pg_ctl")
                .args(["start", "-w", "-t", "60", "-D"])
                .arg(&server.data)
                .arg("-l")
                .arg(&log),
            &format!("start {}", server.name),
        )
        .map_err(|err| format!("{err}\n{}", tail(&log, 15)))
    }

    /// `pg_ctl start` without waiting, then polls until the postmaster
    /// listens on its port; returns that time. The postmaster listens as
    /// soon as it runs, before it has replayed its WAL.
    pub fn start_until_listening(&mut self, server: &Server) -> Result<Duration, String> {
        if !self.started.iter().any(|s| s.data == server.data) {
            self.started.push(server.clone());
        }
        let log = self.scratch.join(format!("{}.log", server.name));
        let started = Instant::now();
        checked(
            self.as_postgres("pg_ctl")
                .args(["start", "-W", "-D"])
                .arg(&server.data)
                .arg("-l")
                .arg(&log),
            &format!("start {}", server.name),
        )?;
        let addr = std::net::SocketAddr::from((Ipv4Addr::LOCALHOST, server.port));
        while std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(100)).is_err() {
            if started.elapsed() > Duration::from_secs(60) {
                return Err(format!(
                    "{} did not listen within 60 s\n{}",
                    server.name,
                    tail(&log, 15)
                ));
            }
            thread::sleep(Duration::from_millis(1));
        }
        Ok(started.elapsed())
    }

    /// The PIDs of every running server's processes (for telling the
    /// calibration's own CPU use from other jobs').
    pub fn pids(&self) -> Vec<u32> {
        let mut pids = Vec::new();
        for server in &self.started {
            if let Some(postmaster) = live_postmaster(&server.data) {
                pids.push(postmaster);
                pids.extend(children(postmaster));
            }
        }
        pids
    }

    /// `pg_ctl stop -m MODE` (`fast` or `immediate`), waiting for the end.
    pub fn stop(&self, server: &Server, mode: &str) -> Result<(), String> {
        checked(
            self.as_postgres("pg_ctl")
                .args(["stop", "-w", "-t", "60", "-m", mode, "-D"])
                .arg(&server.data),
            &format!("stop {}", server.name),
        )
    }

    /// `pg_ctl reload` (SIGHUP: re-read the configuration files).
    pub fn reload(&self, server: &Server) -> Result<(), String> {
        checked(
            self.as_postgres("pg_ctl")
                .args(["reload", "-D"])
                .arg(&server.data),
            &format!("reload {}", server.name),
        )
    }

    /// `pg_ctl promote`, waiting until the standby accepts writes.
    pub fn promote(&self, server: &Server) -> Result<(), String> {
        checked(
            self.as_postgres("pg_ctl")
                .args(["promote", "-w", "-t", "60", "-D"])
                .arg(&server.data),
            &format!("promote {}", server.name),
        )
    }

    /// SIGKILL to the postmaster and all its children in one `kill` call,
    /// as `kill -9` of the whole server; waits until they are gone.
    pub fn kill9(&self, server: &Server) -> Result<(), String> {
        let postmaster = live_postmaster(&server.data)
            .ok_or_else(|| format!("{} is not running", server.name))?;
        let mut pids = vec![postmaster];
        pids.extend(children(postmaster));
        // A child may exit between the listing and the signal (a walsender
        // whose peer just closed), so `kill` can report "No such process"
        // for it while every other process was killed: its status is not
        // the test, the processes being gone is.
        let _ = Command::new("kill")
            .arg("-KILL")
            .args(pids.iter().map(u32::to_string))
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while pids.iter().any(|&pid| alive(pid)) {
            if Instant::now() > deadline {
                return Err(format!("{}: processes survived SIGKILL", server.name));
            }
            thread::sleep(Duration::from_millis(5));
        }
        Ok(())
    }

    /// Whether the server's postmaster is alive.
    pub fn running(&self, server: &Server) -> bool {
        live_postmaster(&server.data).is_some()
    }

    /// The last lines of a server's log, for error messages.
    pub fn log_tail(&self, server: &Server) -> String {
        tail(&self.scratch.join(format!("{}.log", server.name)), 15)
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        for server in self.started.iter().rev() {
            if self.running(server) && self.stop(server, "immediate").is_err() {
                if let Some(pid) = live_postmaster(&server.data) {
                    let mut pids = vec![pid];
                    pids.extend(children(pid));
                    let _ = Command::new("kill")
                        .arg("-KILL")
                        .args(pids.iter().map(u32::to_string))
                        .status();
                }
            }
        }
        remove_stale_shmem_in(&self.scratch);
        if let Some(mut watchdog) = self.watchdog.take() {
            // Closing its stdin lets it run: it finds nothing left to stop.
            drop(watchdog.stdin.take());
            let _ = watchdog.wait();
        }
        // Keep the logs. Data inside the checkout stays until the next run
        // (as build outputs do); data under /var/tmp (some 300 MB a run)
        // is removed now, since nothing else would.
        if fs::create_dir_all(&self.logs).is_ok() {
            for entry in fs::read_dir(&self.scratch).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.extension().is_some_and(|ext| ext == "log") {
                    let _ = fs::copy(&path, self.logs.join(entry.file_name()));
                }
            }
        }
        let outside = self.scratch != self.place;
        if outside && self.started.iter().all(|server| !self.running(server)) {
            let _ = remove_scratch(&self.place, &self.bin);
        }
    }
}

/// Stops any server left in `scratch` and removes it (and, if it is a
/// link, the folder it links to).
fn remove_scratch(scratch: &Path, bin: &Path) -> Result<(), String> {
    if fs::symlink_metadata(scratch).is_err() {
        return Ok(());
    }
    // pg_ctl runs as postgres, which may not follow the link.
    let link = fs::read_link(scratch).ok();
    let data = link.as_deref().unwrap_or(scratch);
    let _ = Command::new("sh")
        .args(["-c", STOP_ALL])
        .arg(data)
        .arg(bin)
        .status();
    remove_stale_shmem_in(data);
    let removed = match &link {
        Some(target) => fs::remove_dir_all(target)
            .or_else(|err| match err.kind() {
                std::io::ErrorKind::NotFound => Ok(()),
                _ => Err(err),
            })
            .and_then(|()| fs::remove_file(scratch)),
        None => fs::remove_dir_all(scratch),
    };
    removed.map_err(|err| format!("cannot empty {}: {err}", scratch.display()))
}

/// A new folder owned by the `postgres` user.
fn make_owned_dir(dir: &Path) -> Result<(), String> {
    fs::create_dir_all(dir).map_err(|err| format!("cannot create {}: {err}", dir.display()))?;
    checked(
        Command::new("chown")
            .arg(format!("{OS_USER}:{OS_USER}"))
            .arg(dir),
        "chown the scratch folder",
    )
}

/// Whether the `postgres` user can reach and write `dir`.
fn postgres_can_write(dir: &Path) -> bool {
    Command::new("runuser")
        .args(["-u", OS_USER, "--", "test", "-w"])
        .arg(dir)
        .stdin(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// FNV-1a, to name a checkout's folder under `/var/tmp`.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A loopback port that was free a moment ago.
pub fn free_port() -> Result<u16, String> {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .map_err(|err| format!("no free loopback port: {err}"))
}

/// Runs `command`, turning a failure into an error with its output.
fn checked(command: &mut Command, what: &str) -> Result<(), String> {
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|err| format!("{what}: cannot run: {err}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed ({}): {}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout).trim(),
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

/// The postmaster PID in `data/postmaster.pid`, if that process is alive
/// and is a postgres process (never a recycled PID).
fn live_postmaster(data: &Path) -> Option<u32> {
    let text = fs::read_to_string(data.join("postmaster.pid")).ok()?;
    let pid: u32 = text.lines().next()?.trim().parse().ok()?;
    (alive(pid) && comm(pid).as_deref() == Some("postgres")).then_some(pid)
}

/// Alive and not a zombie.
fn alive(pid: u32) -> bool {
    stat_fields(pid).is_some_and(|(state, _)| state != 'Z' && state != 'X')
}

fn comm(pid: u32) -> Option<String> {
    fs::read_to_string(format!("/proc/{pid}/comm"))
        .ok()
        .map(|c| c.trim().to_owned())
}

/// State and parent PID from `/proc/PID/stat` (the fields after the
/// parenthesised command name, which may itself hold spaces).
fn stat_fields(pid: u32) -> Option<(char, u32)> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let ppid = fields.next()?.parse().ok()?;
    Some((state, ppid))
}

/// PIDs whose parent is `parent`.
fn children(parent: u32) -> Vec<u32> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| stat_fields(pid).is_some_and(|(_, ppid)| ppid == parent))
        .collect()
}

/// A killed server leaves its small System V shared memory segment behind
/// (PostgreSQL removes it only when that data folder starts again). Remove
/// ours: the id is on line 7 of the stale `postmaster.pid`.
fn remove_stale_shmem_in(scratch: &Path) {
    let Ok(entries) = fs::read_dir(scratch) else {
        return;
    };
    for data in entries.flatten().map(|entry| entry.path()) {
        let Ok(text) = fs::read_to_string(data.join("postmaster.pid")) else {
            continue;
        };
        if live_postmaster(&data).is_some() {
            continue;
        }
        let shmid = text
            .lines()
            .nth(6)
            .and_then(|line| line.split_whitespace().nth(1))
            .and_then(|id| id.parse::<u64>().ok());
        if let Some(shmid) = shmid {
            let _ = Command::new("ipcrm")
                .args(["-m", &shmid.to_string()])
                .stderr(Stdio::null())
                .status();
        }
    }
}

fn tail(path: &Path, lines: usize) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
