//! The real side of the calibration: one PostgreSQL primary, one streaming
//! standby behind the delay proxy, and one client timing single-row
//! autocommit INSERTs with `Instant`.
//!
//! The session runs in a fixed order, each step bounded by a commit count
//! and a time limit:
//!
//! 1. round trips (`SELECT 1`) straight to the primary and through the
//!    proxy at each D, for the simulator's link latencies;
//! 2. the latency matrix: asynchronous (`synchronous_standby_names = ''`)
//!    and `FIRST 1 (s1)` with `synchronous_commit` = `remote_write`, `on`,
//!    `remote_apply`, at each D;
//! 3. with the standby stopped: local commits back to back (the
//!    calibration target) and after idle pauses of 2·D (what a
//!    synchronous commit at D leaves the primary between commits), then a
//!    commit cancelled with `CancelRequest` and a commit that blocks until
//!    the standby is started again;
//! 4. `remote_apply` (and `on`) with `recovery_min_apply_delay` on the
//!    standby;
//! 5. asynchronous failover loss at a fixed 200 commits/s, in three
//!    variants, each on a fresh pair copied from a template.
//!
//! A measurement taken while the machine was visibly busy (see
//! `machine.rs`) is repeated once and the quieter attempt is kept; the
//! choice depends only on the machine's state, never on the figures.

use std::collections::HashSet;
use std::fs;
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use super::machine::{Busy, Pressure};
use super::pgwire::Conn;
use super::proxy::Proxy;
use super::servers::{Pg, Server};
use super::stats::Samples;

/// One-way delays D of the proxy, in ms.
pub const DELAYS_MS: [u64; 3] = [0, 10, 50];
/// Commits before each timed series, not recorded.
pub const WARMUP_COMMITS: usize = 5;
/// Time limit of any one timed series.
const SERIES_LIMIT: Duration = Duration::from_secs(45);
/// Back-to-back local commits with the standby stopped.
pub const LOCAL_COMMITS: usize = 600;
/// Commits after each idle pause.
pub const IDLE_COMMITS: usize = 80;
/// The client cancels the waiting commit after this long.
pub const CANCEL_AFTER: Duration = Duration::from_secs(2);
/// The standby stays stopped this long while a commit waits for it.
pub const BLOCK_FOR: Duration = Duration::from_secs(5);
/// `recovery_min_apply_delay` on the standby for the apply-delay rows.
pub const APPLY_DELAY_MS: u64 = 2000;
/// Commits per ack point under the apply delay.
pub const APPLY_DELAY_COMMITS: usize = 5;
/// The failover writer's fixed rate.
pub const FAILOVER_RATE_PER_S: u64 = 200;
/// The failover runs' proxy delay.
pub const FAILOVER_DELAY_MS: u64 = 50;
/// When the first failover action happens, after the writer starts.
pub const FAILOVER_KILL_AT: Duration = Duration::from_millis(2500);
/// Variant C: the primary is killed this long after the cut.
pub const FAILOVER_CUT_TO_KILL: Duration = Duration::from_millis(1000);
/// The standby is promoted this long after the primary is killed.
pub const FAILOVER_PROMOTE_AFTER: Duration = Duration::from_millis(1000);

/// Timed commits per row of the matrix at delay `d_ms`: enough for a stable
/// median, bounded so the whole layer fits in its time budget.
pub fn matrix_commits(d_ms: u64) -> usize {
    match d_ms {
        0 => 500,
        1..=20 => 300,
        _ => 150,
    }
}

/// Round trips timed straight to the primary and through the proxy at D.
fn probe_count(d_ms: u64) -> usize {
    match d_ms {
        0 => 300,
        1..=20 => 60,
        _ => 30,
    }
}

/// The commit rule of one matrix row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ack {
    /// `synchronous_standby_names = ''`: commit at the local flush.
    Async,
    RemoteWrite,
    On,
    RemoteApply,
}

impl Ack {
    pub const ALL: [Ack; 4] = [Ack::Async, Ack::RemoteWrite, Ack::On, Ack::RemoteApply];

    /// The `synchronous_commit` value the session sets.
    pub fn setting(self) -> &'static str {
        match self {
            Ack::Async | Ack::On => "on",
            Ack::RemoteWrite => "remote_write",
            Ack::RemoteApply => "remote_apply",
        }
    }

    /// The `synchronous_standby_names` value in force.
    pub fn standby_names(self) -> &'static str {
        match self {
            Ack::Async => "",
            _ => "FIRST 1 (s1)",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Ack::Async => "async",
            Ack::RemoteWrite => "FIRST 1 (s1), remote_write",
            Ack::On => "FIRST 1 (s1), on",
            Ack::RemoteApply => "FIRST 1 (s1), remote_apply",
        }
    }
}

/// One timed series and the machine's state while it ran.
#[derive(Clone, Debug)]
pub struct Series {
    pub samples: Samples,
    pub busy: Busy,
    /// 2 if the first attempt ran on a busy machine and was repeated.
    pub attempts: u32,
    /// The discarded attempt's pressure, when there was one.
    pub discarded: Option<Busy>,
}

#[derive(Clone, Debug)]
pub struct MatrixRow {
    pub ack: Ack,
    pub delay_ms: u64,
    pub series: Series,
}

/// The cancelled commit.
#[derive(Clone, Debug)]
pub struct Cancel {
    pub elapsed_us: u64,
    /// `success` or `error`, as the client saw the INSERT end.
    pub outcome: String,
    /// The notice or error text.
    pub message: String,
    /// The row was found on the primary afterwards.
    pub row_on_primary: bool,
}

/// The commit that waited for the stopped standby.
#[derive(Clone, Debug)]
pub struct Block {
    pub blocked_us: u64,
    /// When `pg_ctl start` of the standby was issued, after the commit began.
    pub start_issued_us: u64,
    /// How long `pg_ctl start` took.
    pub start_took_us: u64,
}

/// The failover variants (see `docs/calibration.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// kill -9 of the primary; the proxy still delivers what it holds.
    A,
    /// kill -9 of the primary and kill of the proxy at the same moment.
    B,
    /// Kill of the proxy (a cut), kill -9 of the primary a second later.
    C,
}

impl Variant {
    pub const ALL: [Variant; 3] = [Variant::A, Variant::B, Variant::C];

    pub fn letter(self) -> &'static str {
        match self {
            Variant::A => "A",
            Variant::B => "B",
            Variant::C => "C",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Variant::A => "kill -9 of the primary; the proxy still delivers the bytes it holds",
            Variant::B => "kill -9 of the primary and kill of the proxy at the same moment",
            Variant::C => "kill of the proxy (a cut), then kill -9 of the primary 1 s later",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Failover {
    pub variant: Variant,
    pub acked: usize,
    pub acked_before_first_action: usize,
    pub lost: usize,
    /// Offsets from the writer's start, µs.
    pub cut_at_us: Option<u64>,
    pub kill_at_us: u64,
    pub promote_at_us: u64,
    pub rate_per_s: f64,
}

/// Everything measured on the real servers.
#[derive(Clone, Debug)]
pub struct Real {
    pub version: String,
    /// Median time between a commit's answer and the next request.
    pub client_gap_us: u64,
    pub rtt_direct: Samples,
    pub rtt_proxy: Vec<(u64, Samples)>,
    pub matrix: Vec<MatrixRow>,
    pub local: Series,
    /// (idle pause in ms, commits after it).
    pub idle: Vec<(u64, Series)>,
    pub cancel: Cancel,
    pub block: Block,
    /// (ack point, commits) with the apply delay in force.
    pub apply_delay: Vec<(Ack, Samples)>,
    pub failover: Vec<Failover>,
}

/// The measuring client: one connection to the primary with the INSERT
/// prepared, and the next id to insert.
struct Client {
    conn: Conn,
    next_id: u64,
    /// Gaps between an answer and the next request, µs.
    gaps_us: Vec<u64>,
}

const INSERT: &str = "INSERT INTO t (id) VALUES ($1)";

impl Client {
    fn connect(port: u16) -> Result<Client, String> {
        let mut conn = Conn::connect(port, "postgres", "postgres", Duration::from_secs(30))?;
        conn.prepare("ins", INSERT)?;
        Ok(Client {
            conn,
            next_id: 1,
            gaps_us: Vec::new(),
        })
    }

    /// One INSERT; its latency in µs.
    fn commit(&mut self) -> Result<u64, String> {
        let id = self.next_id.to_string();
        self.next_id += 1;
        let started = Instant::now();
        self.conn.run_prepared("ins", &[&id])?.ok()?;
        Ok(started.elapsed().as_micros() as u64)
    }

    /// `warmup` untimed commits, then up to `n` timed ones with `pause`
    /// between them, within [`SERIES_LIMIT`].
    fn series(&mut self, warmup: usize, n: usize, pause: Duration) -> Result<Vec<u64>, String> {
        for _ in 0..warmup {
            self.commit()?;
        }
        let started = Instant::now();
        let mut latencies = Vec::with_capacity(n);
        let mut last_end: Option<Instant> = None;
        while latencies.len() < n && started.elapsed() < SERIES_LIMIT {
            if !pause.is_zero() {
                thread::sleep(pause);
            } else if let Some(end) = last_end {
                self.gaps_us.push(end.elapsed().as_micros() as u64);
            }
            latencies.push(self.commit()?);
            last_end = Some(Instant::now());
        }
        Ok(latencies)
    }

    fn set(&mut self, name: &str, value: &str) -> Result<(), String> {
        self.conn
            .execute(&format!("SET {name} = '{value}'"))
            .map(|_| ())
    }
}

/// Runs `measure`; when the machine was busy meanwhile, runs it once more
/// and keeps the quieter attempt.
fn measured(
    what: &str,
    mut measure: impl FnMut() -> Result<Vec<u64>, String>,
) -> Result<Series, String> {
    let before = Pressure::now();
    let first = measure()?;
    let first_busy = before.since();
    if !first_busy.is_busy() {
        return checked_series(what, series(first, first_busy, 1, None));
    }
    println!(
        "calibrate: {what}: machine busy ({}), measuring once more",
        first_busy.describe()
    );
    let before = Pressure::now();
    let second = measure()?;
    let second_busy = before.since();
    let kept = if second_busy.worst_pct() <= first_busy.worst_pct() {
        series(second, second_busy, 2, Some(first_busy))
    } else {
        series(first, first_busy, 2, Some(second_busy))
    };
    checked_series(what, kept)
}

fn checked_series(what: &str, series: Series) -> Result<Series, String> {
    if series.samples.is_empty() {
        Err(format!("{what}: no commit completed within the time limit"))
    } else {
        Ok(series)
    }
}

fn series(values: Vec<u64>, busy: Busy, attempts: u32, discarded: Option<Busy>) -> Series {
    Series {
        samples: Samples::new(values),
        busy,
        attempts,
        discarded,
    }
}

/// `SELECT 1` round trips on `conn`, µs.
fn round_trips(conn: &mut Conn, n: usize) -> Result<Samples, String> {
    conn.execute("SELECT 1")?;
    let mut times = Vec::with_capacity(n);
    let started = Instant::now();
    while times.len() < n && started.elapsed() < SERIES_LIMIT {
        let t = Instant::now();
        conn.execute("SELECT 1")?;
        times.push(t.elapsed().as_micros() as u64);
    }
    Ok(Samples::new(times))
}

/// Polls `check` every 20 ms until it returns true, for at most `limit`.
fn wait_until(
    what: &str,
    limit: Duration,
    mut check: impl FnMut() -> Result<bool, String>,
) -> Result<(), String> {
    let started = Instant::now();
    loop {
        if check()? {
            return Ok(());
        }
        if started.elapsed() > limit {
            return Err(format!("timed out after {limit:?} waiting for {what}"));
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// Waits until the primary sees `s1` streaming with `sync_state`.
fn wait_streaming(admin: &mut Conn, sync_state: &str) -> Result<(), String> {
    wait_until(
        &format!("the standby to stream as {sync_state}"),
        Duration::from_secs(60),
        || {
            let rows = admin.execute(
                "SELECT state, sync_state FROM pg_stat_replication WHERE application_name = 's1'",
            )?;
            Ok(rows.rows.iter().any(|row| {
                row.first().and_then(|v| v.as_deref()) == Some("streaming")
                    && row.get(1).and_then(|v| v.as_deref()) == Some(sync_state)
            }))
        },
    )
}

/// `ALTER SYSTEM SET synchronous_standby_names` and reload, then waits until
/// the measuring session sees it.
fn set_standby_names(admin: &mut Conn, client: &mut Client, names: &str) -> Result<(), String> {
    admin.execute(&format!(
        "ALTER SYSTEM SET synchronous_standby_names = '{names}'"
    ))?;
    admin.execute("SELECT pg_reload_conf()")?;
    wait_until(
        "the new synchronous_standby_names",
        Duration::from_secs(10),
        || {
            let shown = client.conn.execute("SHOW synchronous_standby_names")?;
            Ok(shown.scalar() == Some(names))
        },
    )
}

/// Appends `line` to a server's `postgresql.auto.conf`, which is read after
/// `postgresql.conf` (so it overrides what `pg_basebackup -R` wrote there).
fn append_auto_conf(server: &Server, line: &str) -> Result<(), String> {
    let path = server.data.join("postgresql.auto.conf");
    let mut text = fs::read_to_string(&path).map_err(|err| format!("{}: {err}", path.display()))?;
    text.push_str(line);
    text.push('\n');
    fs::write(&path, text).map_err(|err| format!("{}: {err}", path.display()))
}

/// A standby of `primary` in `standby`'s folder whose WAL stream goes
/// through `proxy` under the name `s1`.
fn make_standby(
    pg: &mut Pg,
    primary: &Server,
    standby: &Server,
    proxy: &Proxy,
) -> Result<(), String> {
    pg.basebackup(primary, standby)?;
    append_auto_conf(
        standby,
        &format!(
            "primary_conninfo = 'host=127.0.0.1 port={} user=postgres application_name=s1'",
            proxy.port()
        ),
    )?;
    pg.start(standby)
}

/// Runs the whole real session. `raw_dir` receives every series as text.
pub fn run(pg: &mut Pg, raw_dir: &Path) -> Result<Real, String> {
    let version = pg.version();
    println!("calibrate: {version}");
    let primary = pg.server("primary")?;
    pg.initdb(&primary)?;
    pg.configure(
        &primary,
        &["wal_level = replica".into(), "fsync = on".into()],
    )?;
    pg.start(&primary)?;
    let mut admin = Conn::connect(
        primary.port,
        "postgres",
        "postgres",
        Duration::from_secs(30),
    )?;
    admin.execute("CREATE TABLE t (id bigint PRIMARY KEY)")?;
    admin.execute("CREATE TABLE ids (id bigint PRIMARY KEY)")?;

    let proxy = Proxy::start(primary.port, Duration::ZERO)?;
    let standby = pg.server("standby")?;
    make_standby(pg, &primary, &standby, &proxy)?;
    wait_streaming(&mut admin, "async")
        .map_err(|err| format!("{err}\nstandby log:\n{}", pg.log_tail(&standby)))?;
    println!(
        "calibrate: primary on 127.0.0.1:{}, standby s1 on 127.0.0.1:{} via the proxy on 127.0.0.1:{}",
        primary.port,
        standby.port,
        proxy.port()
    );

    let mut client = Client::connect(primary.port)?;
    let mut direct = Conn::connect(
        primary.port,
        "postgres",
        "postgres",
        Duration::from_secs(30),
    )?;
    let mut via_proxy = Conn::connect(
        proxy.port(),
        "postgres",
        "postgres",
        Duration::from_secs(30),
    )?;
    let rtt_direct = round_trips(&mut direct, probe_count(0))?;
    save(raw_dir, "rtt-direct", &rtt_direct);

    // 1 and 2: per D, the proxy's round trip, then the four ack points.
    let mut rtt_proxy = Vec::new();
    let mut matrix = Vec::new();
    for d_ms in DELAYS_MS {
        proxy.set_delay(Duration::from_millis(d_ms));
        // Bytes read under the previous D drain first.
        thread::sleep(Duration::from_millis(200));
        let rtt = round_trips(&mut via_proxy, probe_count(d_ms))?;
        save(raw_dir, &format!("rtt-proxy-d{d_ms}"), &rtt);
        println!(
            "calibrate: D = {d_ms} ms: proxy round trip p50 {} µs",
            rtt.p50_us().unwrap_or(0)
        );
        rtt_proxy.push((d_ms, rtt));
        for ack in Ack::ALL {
            if ack == Ack::Async || ack == Ack::RemoteWrite {
                set_standby_names(&mut admin, &mut client, ack.standby_names())?;
                let state = if ack == Ack::Async { "async" } else { "sync" };
                wait_streaming(&mut admin, state)?;
            }
            client.set("synchronous_commit", ack.setting())?;
            let n = matrix_commits(d_ms);
            let what = format!("{} D = {d_ms} ms", ack.label());
            let series = measured(&what, || client.series(WARMUP_COMMITS, n, Duration::ZERO))?;
            save(
                raw_dir,
                &format!("{}-d{d_ms}", slug(ack.label())),
                &series.samples,
            );
            println!(
                "calibrate: {what}: p50 {} µs, p99 {} µs over {} commits",
                series.samples.p50_us().unwrap_or(0),
                series.samples.p99_us().unwrap_or(0),
                series.samples.len()
            );
            matrix.push(MatrixRow {
                ack,
                delay_ms: d_ms,
                series,
            });
        }
    }
    proxy.set_delay(Duration::ZERO);
    drop(via_proxy);

    // 3: the standby stopped: the calibration target, after-idle commits,
    // a cancelled commit and a blocked one.
    set_standby_names(&mut admin, &mut client, "")?;
    client.set("synchronous_commit", "on")?;
    pg.stop(&standby, "fast")?;
    client.gaps_us.clear();
    let local = measured("local commits, standby stopped", || {
        client.series(WARMUP_COMMITS, LOCAL_COMMITS, Duration::ZERO)
    })?;
    save(raw_dir, "local", &local.samples);
    let client_gap_us = Samples::new(std::mem::take(&mut client.gaps_us))
        .p50_us()
        .unwrap_or(0);
    let mut idle = Vec::new();
    for d_ms in DELAYS_MS.into_iter().filter(|&d| d > 0) {
        let pause_ms = 2 * d_ms;
        let what = format!("local commits after {pause_ms} ms idle");
        let series = measured(&what, || {
            client.series(1, IDLE_COMMITS, Duration::from_millis(pause_ms))
        })?;
        save(raw_dir, &format!("idle-{pause_ms}ms"), &series.samples);
        println!(
            "calibrate: {what}: p50 {} µs",
            series.samples.p50_us().unwrap_or(0)
        );
        idle.push((pause_ms, series));
    }
    println!(
        "calibrate: local commits (standby stopped): p50 {} µs, p99 {} µs",
        local.samples.p50_us().unwrap_or(0),
        local.samples.p99_us().unwrap_or(0)
    );

    set_standby_names(&mut admin, &mut client, "FIRST 1 (s1)")?;
    let cancel = cancelled_commit(&mut client)?;
    println!(
        "calibrate: cancelled commit: {} after {} µs: {}",
        cancel.outcome, cancel.elapsed_us, cancel.message
    );
    let block = blocked_commit(pg, &mut client, &standby)?;
    println!(
        "calibrate: blocked commit: {} µs (standby started {} µs after it began)",
        block.blocked_us, block.start_issued_us
    );
    wait_streaming(&mut admin, "sync")?;

    // 4: remote_apply with the standby's apply delay.
    let apply_delay = apply_delay(pg, &mut client, &standby)?;
    wait_streaming(&mut admin, "sync")?;

    // 5: failover loss, each variant on a fresh pair copied from this one.
    set_standby_names(&mut admin, &mut client, "")?;
    drop(client);
    drop(direct);
    drop(admin);
    pg.stop(&standby, "fast")?;
    pg.stop(&primary, "fast")?;
    drop(proxy);
    let mut failover = Vec::new();
    for variant in Variant::ALL {
        let result = failover_run(pg, &primary, variant)?;
        println!(
            "calibrate: failover {}: {} acknowledged ({} before the first action), {} lost",
            variant.letter(),
            result.acked,
            result.acked_before_first_action,
            result.lost
        );
        failover.push(result);
    }

    Ok(Real {
        version,
        client_gap_us,
        rtt_direct,
        rtt_proxy,
        matrix,
        local,
        idle,
        cancel,
        block,
        apply_delay,
        failover,
    })
}

/// A commit waiting for the stopped synchronous standby, cancelled by the
/// client with a `CancelRequest` after [`CANCEL_AFTER`].
fn cancelled_commit(client: &mut Client) -> Result<Cancel, String> {
    client.set("synchronous_commit", "on")?;
    client.conn.set_timeout(Duration::from_secs(30))?;
    let key = client.conn.cancel_key();
    let id = client.next_id;
    client.next_id += 1;
    let started = Instant::now();
    let (answer, cancel_sent) = thread::scope(|scope| {
        let canceller = scope.spawn(move || {
            thread::sleep(CANCEL_AFTER);
            key.cancel()
        });
        let answer = client.conn.run_prepared("ins", &[&id.to_string()]);
        (answer, canceller.join())
    });
    let elapsed_us = started.elapsed().as_micros() as u64;
    cancel_sent.map_err(|_| "the cancelling thread panicked")??;
    let answer = answer?;
    let (outcome, message) = match (&answer.error, answer.notices.first()) {
        (Some(error), _) => ("error", error.to_string()),
        (None, Some(notice)) => ("success", notice.to_string()),
        (None, None) => ("success", String::from("(no notice)")),
    };
    let found = client
        .conn
        .execute(&format!("SELECT count(*) FROM t WHERE id = {id}"))?;
    Ok(Cancel {
        elapsed_us,
        outcome: outcome.into(),
        message,
        row_on_primary: found.scalar() == Some("1"),
    })
}

/// A commit that waits for the stopped standby, which is started again
/// [`BLOCK_FOR`] after the commit began.
fn blocked_commit(pg: &mut Pg, client: &mut Client, standby: &Server) -> Result<Block, String> {
    client.conn.set_timeout(Duration::from_secs(60))?;
    let started = Instant::now();
    let (blocked, starter) = thread::scope(|scope| {
        let starter = scope.spawn(|| {
            thread::sleep(BLOCK_FOR);
            let issued = started.elapsed();
            pg.start(standby)
                .map(|()| (issued, started.elapsed() - issued))
        });
        let blocked = client.commit();
        (blocked, starter.join())
    });
    let (issued, took) = starter.map_err(|_| "the starting thread panicked")??;
    let blocked_us = blocked?;
    client.conn.set_timeout(Duration::from_secs(30))?;
    Ok(Block {
        blocked_us,
        start_issued_us: issued.as_micros() as u64,
        start_took_us: took.as_micros() as u64,
    })
}

/// `remote_apply` and `on` commits while the standby delays replay by
/// [`APPLY_DELAY_MS`]; the delay is removed afterwards.
fn apply_delay(
    pg: &mut Pg,
    client: &mut Client,
    standby: &Server,
) -> Result<Vec<(Ack, Samples)>, String> {
    let mut on_standby = Conn::connect(
        standby.port,
        "postgres",
        "postgres",
        Duration::from_secs(30),
    )?;
    let mut set_delay = |value: &str| -> Result<(), String> {
        append_auto_conf(standby, &format!("recovery_min_apply_delay = '{value}'"))?;
        pg.reload(standby)?;
        wait_until("recovery_min_apply_delay", Duration::from_secs(10), || {
            Ok(on_standby
                .execute("SHOW recovery_min_apply_delay")?
                .scalar()
                == Some(value))
        })
    };
    set_delay(&format!("{}s", APPLY_DELAY_MS / 1000))?;
    let mut rows = Vec::new();
    for ack in [Ack::RemoteApply, Ack::On] {
        client.set("synchronous_commit", ack.setting())?;
        let times = client.series(0, APPLY_DELAY_COMMITS, Duration::ZERO)?;
        let samples = Samples::new(times);
        println!(
            "calibrate: {} with the apply delay: p50 {} µs, max {} µs",
            ack.label(),
            samples.p50_us().unwrap_or(0),
            samples.max_us().unwrap_or(0)
        );
        rows.push((ack, samples));
    }
    set_delay("0")?;
    // A remote_apply commit returns once the standby has replayed all.
    client.set("synchronous_commit", "remote_apply")?;
    client.commit()?;
    Ok(rows)
}

/// One failover variant on a fresh pair: a writer at a fixed rate, the
/// variant's kills, promotion of the standby, and the acknowledged ids it
/// lacks.
fn failover_run(pg: &mut Pg, template: &Server, variant: Variant) -> Result<Failover, String> {
    let name = variant.letter().to_lowercase();
    let primary = pg.server(&format!("failover-{name}-primary"))?;
    pg.copy_cluster(template, &primary)?;
    pg.start(&primary)?;
    let mut proxy = Proxy::start(primary.port, Duration::from_millis(FAILOVER_DELAY_MS))?;
    let standby = pg.server(&format!("failover-{name}-standby"))?;
    make_standby(pg, &primary, &standby, &proxy)?;
    let mut admin = Conn::connect(
        primary.port,
        "postgres",
        "postgres",
        Duration::from_secs(30),
    )?;
    wait_streaming(&mut admin, "async")?;
    drop(admin);

    let mut writer = Conn::connect(primary.port, "postgres", "postgres", Duration::from_secs(2))?;
    writer.prepare("ins", "INSERT INTO ids (id) VALUES ($1)")?;
    let interval = Duration::from_micros(1_000_000 / FAILOVER_RATE_PER_S);
    let writer_limit = FAILOVER_KILL_AT + FAILOVER_CUT_TO_KILL + Duration::from_secs(2);
    let started = Instant::now();
    let (acks, times) = thread::scope(|scope| -> Result<_, String> {
        let writing = scope.spawn(move || {
            // Open loop: commit i is due at i × interval, whatever the
            // previous commits took; acknowledged ids with their times.
            let mut acks: Vec<(u64, Duration)> = Vec::new();
            for i in 1u64.. {
                let due = interval * i as u32;
                if due > writer_limit {
                    break;
                }
                if let Some(wait) = due.checked_sub(started.elapsed()) {
                    thread::sleep(wait);
                }
                match writer.run_prepared("ins", &[&i.to_string()]) {
                    Ok(answer) if answer.error.is_none() => acks.push((i, started.elapsed())),
                    _ => break,
                }
            }
            acks
        });
        let sleep_until = |offset: Duration| {
            if let Some(wait) = offset.checked_sub(started.elapsed()) {
                thread::sleep(wait);
            }
        };
        sleep_until(FAILOVER_KILL_AT);
        let mut cut_at = None;
        let kill_at = match variant {
            Variant::A => {
                let at = started.elapsed();
                pg.kill9(&primary)?;
                at
            }
            Variant::B => {
                let at = started.elapsed();
                proxy.kill();
                pg.kill9(&primary)?;
                at
            }
            Variant::C => {
                cut_at = Some(started.elapsed());
                proxy.kill();
                sleep_until(FAILOVER_KILL_AT + FAILOVER_CUT_TO_KILL);
                let at = started.elapsed();
                pg.kill9(&primary)?;
                at
            }
        };
        sleep_until(kill_at + FAILOVER_PROMOTE_AFTER);
        let promote_at = started.elapsed();
        pg.promote(&standby)?;
        let acks = writing.join().map_err(|_| "the writer thread panicked")?;
        Ok((acks, (cut_at, kill_at, promote_at)))
    })?;
    let (cut_at, kill_at, promote_at) = times;

    let mut on_standby = Conn::connect(
        standby.port,
        "postgres",
        "postgres",
        Duration::from_secs(30),
    )?;
    let present: HashSet<u64> = on_standby
        .execute("SELECT id FROM ids")?
        .rows
        .iter()
        .filter_map(|row| row.first()?.as_deref()?.parse().ok())
        .collect();
    drop(on_standby);
    pg.stop(&standby, "immediate")?;
    drop(proxy);

    let first_action = cut_at.unwrap_or(kill_at);
    let before: Vec<&(u64, Duration)> = acks.iter().filter(|(_, at)| *at < first_action).collect();
    let rate_per_s = match before.last() {
        Some((_, at)) if !at.is_zero() => before.len() as f64 / at.as_secs_f64(),
        _ => 0.0,
    };
    Ok(Failover {
        variant,
        acked: acks.len(),
        acked_before_first_action: before.len(),
        lost: acks.iter().filter(|(id, _)| !present.contains(id)).count(),
        cut_at_us: cut_at.map(|at| at.as_micros() as u64),
        kill_at_us: kill_at.as_micros() as u64,
        promote_at_us: promote_at.as_micros() as u64,
        rate_per_s,
    })
}

/// `FIRST 1 (s1), on` → `first-1-s1-on`.
fn slug(label: &str) -> String {
    let mut out = String::new();
    for ch in label.chars() {
        if ch.is_ascii_alphanumeric() {
            out.push(ch.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_owned()
}

/// Writes one series, one latency in µs per line, for inspection.
fn save(dir: &Path, name: &str, samples: &Samples) {
    let mut text = String::new();
    for q in [50.0, 99.0] {
        if let Some(v) = samples.percentile_us(q) {
            text.push_str(&format!("# p{q:.0} {v}\n"));
        }
    }
    let values: Vec<String> = samples.values_us().iter().map(u64::to_string).collect();
    text.push_str(&values.join("\n"));
    let _ = fs::write(dir.join(format!("{name}.txt")), text);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_and_counts() {
        assert_eq!(
            slug("FIRST 1 (s1), remote_apply"),
            "first-1-s1-remote-apply"
        );
        assert_eq!(slug("async"), "async");
        assert!(matrix_commits(50) < matrix_commits(10));
        assert!(matrix_commits(10) < matrix_commits(0));
    }
}
