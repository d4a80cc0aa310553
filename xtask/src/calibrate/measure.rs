//! The real side of the calibration: one PostgreSQL primary, one streaming
//! standby behind the delay proxy, and one client timing single-row
//! autocommit INSERTs with `Instant`.
//!
//! First, with the standby stopped: local commits back to back (the
//! calibration target, and the fit for asynchronous rows) and after idle
//! pauses of 2·D (the after-idle cost, reported). Then one block per D
//! (D = 0 first, then the barred ones from the largest D down):
//!
//! 1. `SELECT 1` round trips through the proxy at D, and straight to the
//!    primary after the same idle time, for the link latency;
//! 2. asynchronous commits (`synchronous_standby_names = ''`);
//! 3. `FIRST 1 (s1)`, interleaved commit by commit with a `SET
//!    synchronous_commit` before each: `local`, a pause of 2·D, then
//!    `remote_write`, `on` and `remote_apply`. Every commit thus follows
//!    about 2·D of idle, as in a run of synchronous commits at D, and the
//!    `local` commits, which the synchronous rows' fsync is fitted to, are
//!    measured in the same moments as the rows they feed: a shared disk's
//!    fsync time drifts by an order of magnitude within minutes.
//!
//! Then, at D = 0: a commit cancelled with `CancelRequest` and a commit
//! that blocks until the stopped standby is started again; `remote_apply`
//! (and `on`) under `recovery_min_apply_delay`; and asynchronous failover
//! loss (`failover.rs`), each variant on a fresh pair copied from this one. Every step is bounded by a count and a time
//! limit.
//!
//! A barred block (the synchronous rows at D ≥ 10 ms) during which other
//! jobs were visibly busy or its control commits stalled (see
//! `machine.rs`), and a failover run whose writer was held up across the
//! loss window's edges (see `failover.rs`), is repeated once, while the
//! time budget allows, and the quieter attempt is kept; the choice depends
//! only on the machine's state, never on the figures. Other series record
//! the machine's state only.

use std::fs;
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use super::failover::{self, Failover, Variant};
use super::machine::{stalled_pct, Busy, Snapshot};
use super::pgwire::Conn;
use super::proxy::Proxy;
use super::servers::{Pg, Server};
use super::stats::Samples;

/// One-way delays D of the proxy, in ms.
pub const DELAYS_MS: [u64; 3] = [0, 10, 50];
/// Commits (or rounds of interleaved commits) before each timed series,
/// not recorded.
pub const WARMUP_COMMITS: usize = 5;
/// Time limit of any one timed series (200 interleaved rounds at D = 50 ms
/// take about 82 s).
const SERIES_LIMIT: Duration = Duration::from_secs(90);
/// Back-to-back local commits with the standby stopped.
pub const LOCAL_COMMITS: usize = 600;
/// Commits after each idle pause.
pub const IDLE_COMMITS: usize = 50;
/// Asynchronous commits per D.
pub const ASYNC_COMMITS: usize = 400;
/// The client cancels the waiting commit after this long.
pub const CANCEL_AFTER: Duration = Duration::from_secs(2);
/// The standby stays stopped this long while a commit waits for it.
pub const BLOCK_FOR: Duration = Duration::from_secs(5);
/// `recovery_min_apply_delay` on the standby for the apply-delay rows.
pub const APPLY_DELAY_MS: u64 = 2000;
/// Commits per ack point under the apply delay.
pub const APPLY_DELAY_COMMITS: usize = 5;

/// Timed commits per synchronous ack point at delay `d_ms`: enough for a
/// stable median and for a p99 whose 95 % confidence interval starts at a
/// sample below it (the 392nd of 400, the 195th of 200; see
/// `stats::interval_ranks`), bounded so the whole layer, with the repeat
/// of a busy block, fits in its five minutes. At D = 50 ms a round of four
/// commits takes about 410 ms.
pub fn sync_commits(d_ms: u64) -> usize {
    match d_ms {
        0..=20 => 400,
        _ => 200,
    }
}

/// Round trips timed through the proxy (and straight, after the same idle
/// time) at D.
fn probe_count(d_ms: u64) -> usize {
    match d_ms {
        0 => 300,
        1..=20 => 50,
        _ => 25,
    }
}

/// The commit rule of one matrix row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ack {
    /// `synchronous_standby_names = ''`: commit at the local flush.
    Async,
    /// `FIRST 1 (s1)` in force, but this session commits with
    /// `synchronous_commit = local`: the primary's own commit after idle.
    Local,
    RemoteWrite,
    On,
    RemoteApply,
}

impl Ack {
    /// The interleaved block, in order (a pause follows `Local`).
    pub const BLOCK: [Ack; 4] = [Ack::Local, Ack::RemoteWrite, Ack::On, Ack::RemoteApply];

    /// Whether the commit waits for the standby.
    pub fn is_sync(self) -> bool {
        !matches!(self, Ack::Async | Ack::Local)
    }

    /// The `synchronous_commit` value the session sets.
    pub fn setting(self) -> &'static str {
        match self {
            Ack::Local => "local",
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
            Ack::Local => "FIRST 1 (s1), local, interleaved",
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
    /// Median time between an answer and the client's next commit request
    /// (the `SET` of an interleaved series included; the pause of an idle
    /// series).
    pub gap_us: u64,
    pub conditions: Conditions,
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
    /// When the standby's postmaster listened on its port, after the commit
    /// began: the moment the standby is up again.
    pub up_us: u64,
}

/// Round trips at one D: through the proxy, and straight to the primary
/// after the same idle time the proxied probe leaves the server (2·D).
#[derive(Clone, Debug)]
pub struct RoundTrips {
    pub delay_ms: u64,
    pub proxy: Samples,
    pub direct: Samples,
}

/// Everything measured on the real servers.
#[derive(Clone, Debug)]
pub struct Real {
    pub version: String,
    /// `SELECT 1` straight to the primary, back to back.
    pub rtt_direct: Samples,
    pub rtt: Vec<RoundTrips>,
    pub matrix: Vec<MatrixRow>,
    /// Back-to-back local commits with the standby stopped.
    pub local: Series,
    /// (idle pause in ms, commits after it).
    pub idle: Vec<(u64, Series)>,
    pub cancel: Cancel,
    pub block: Block,
    /// (ack point, commits) with the apply delay in force.
    pub apply_delay: Vec<(Ack, Samples)>,
    /// Each variant, with the writer's waits that judge it.
    pub failover: Vec<Attempt<Failover>>,
}

/// The measuring client: one connection to the primary with the INSERT
/// prepared, and the next id to insert.
struct Client {
    conn: Conn,
    next_id: u64,
}

const INSERT: &str = "INSERT INTO t (id) VALUES ($1)";

/// Latencies and the gaps between an answer and the next request, µs.
type Timed = (Vec<u64>, Vec<u64>);

impl Client {
    fn connect(port: u16) -> Result<Client, String> {
        let mut conn = Conn::connect(port, "postgres", "postgres", Duration::from_secs(30))?;
        conn.prepare("ins", INSERT)?;
        Ok(Client { conn, next_id: 1 })
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
    fn series(&mut self, warmup: usize, n: usize, pause: Duration) -> Result<Timed, String> {
        for _ in 0..warmup {
            self.commit()?;
        }
        let started = Instant::now();
        let (mut latencies, mut gaps) = (Vec::with_capacity(n), Vec::with_capacity(n));
        let mut last_end = Instant::now();
        while latencies.len() < n && started.elapsed() < SERIES_LIMIT {
            thread::sleep(pause);
            gaps.push(last_end.elapsed().as_micros() as u64);
            latencies.push(self.commit()?);
            last_end = Instant::now();
        }
        Ok((latencies, gaps))
    }

    /// Rounds of one commit per ack point in `acks`, each after a `SET
    /// synchronous_commit`, with `pause` after each `local` commit;
    /// `warmup` rounds are not recorded. The gaps returned are those before
    /// synchronous commits (the `SET`'s round trip).
    fn interleaved(
        &mut self,
        acks: &[Ack],
        pause: Duration,
        warmup: usize,
        n: usize,
    ) -> Result<(Vec<Vec<u64>>, Vec<u64>), String> {
        let mut latencies = vec![Vec::with_capacity(n); acks.len()];
        let mut gaps = Vec::with_capacity(n * acks.len());
        let started = Instant::now();
        let mut last_end = Instant::now();
        for round in 0..warmup + n {
            if round >= warmup && started.elapsed() > SERIES_LIMIT {
                break;
            }
            for (i, ack) in acks.iter().enumerate() {
                self.set("synchronous_commit", ack.setting())?;
                let gap = last_end.elapsed().as_micros() as u64;
                let latency = self.commit()?;
                if *ack == Ack::Local {
                    thread::sleep(pause);
                }
                last_end = Instant::now();
                if round >= warmup {
                    latencies[i].push(latency);
                    if ack.is_sync() {
                        gaps.push(gap);
                    }
                }
            }
        }
        Ok((latencies, gaps))
    }

    fn set(&mut self, name: &str, value: &str) -> Result<(), String> {
        self.conn
            .execute(&format!("SET {name} = '{value}'"))
            .map(|_| ())
    }
}

/// A measurement kept from one or two attempts, and the conditions it was
/// taken in.
#[derive(Clone, Debug)]
pub struct Attempt<T> {
    pub value: T,
    pub conditions: Conditions,
}

/// The machine's state while a kept measurement ran, and whether it was
/// repeated.
#[derive(Clone, Copy, Debug)]
pub struct Conditions {
    pub busy: Busy,
    /// 2 if the first attempt ran on a busy machine and was repeated.
    pub attempts: u32,
    /// The discarded attempt's state, when there was one.
    pub discarded: Option<Busy>,
    /// Why a measurement taken on a busy machine was not repeated.
    pub not_repeated: Option<&'static str>,
}

impl Conditions {
    /// `others 3 % CPU, I/O 0 %`, and whether and why it was repeated.
    pub fn note(&self) -> String {
        let state = self.busy.describe();
        match (self.discarded, self.not_repeated) {
            (Some(discarded), _) => {
                format!("{state}; repeated, other attempt {}", discarded.describe())
            }
            (None, Some(why)) => format!("{state}; busy, not repeated: {why}"),
            (None, None) => state,
        }
    }
}

/// Why a busy series was not repeated.
const NO_BAR: &str = "not behind a bar";
const NO_TIME: &str = "no time left";

/// Runs `measure`, which returns its value and the machine's state while
/// it ran; when that state is busy and a bar depends on the figures
/// (`repeat_until` is set), runs it once more if that fits before
/// `repeat_until`, and keeps the quieter attempt.
fn measured<T>(
    what: &str,
    repeat_until: Option<Instant>,
    mut measure: impl FnMut() -> Result<(T, Busy), String>,
) -> Result<Attempt<T>, String> {
    let mut attempt = || {
        let started = Instant::now();
        let (value, busy) = measure()?;
        Ok::<_, String>((value, busy, started.elapsed()))
    };
    let (first, first_busy, took) = attempt()?;
    let kept = |value, busy, attempts, discarded, not_repeated| Attempt {
        value,
        conditions: Conditions {
            busy,
            attempts,
            discarded,
            not_repeated,
        },
    };
    if !first_busy.is_busy() {
        return Ok(kept(first, first_busy, 1, None, None));
    }
    let why_not = match repeat_until {
        None => Some(NO_BAR),
        Some(until) if Instant::now() + took > until => Some(NO_TIME),
        Some(_) => None,
    };
    if let Some(why_not) = why_not {
        say(&format!(
            "{what}: machine busy ({}), not repeated: {why_not}",
            first_busy.describe()
        ));
        return Ok(kept(first, first_busy, 1, None, Some(why_not)));
    }
    say(&format!(
        "{what}: machine busy ({}), measuring once more",
        first_busy.describe()
    ));
    let (second, second_busy, _) = attempt()?;
    Ok(if second_busy.badness() <= first_busy.badness() {
        kept(second, second_busy, 2, Some(first_busy), None)
    } else {
        kept(first, first_busy, 2, Some(second_busy), None)
    })
}

/// `measure`, with the machine's state while it ran: the CPU other jobs
/// used, the I/O pressure, and (for a block) the share of its control
/// commits that stalled, which `stalls` finds in the value.
fn watched<'a, T>(
    pg: &'a Pg,
    stalls: impl Fn(&T) -> Option<f64> + 'a,
    mut measure: impl FnMut() -> Result<T, String> + 'a,
) -> impl FnMut() -> Result<(T, Busy), String> + 'a {
    move || {
        let before = Snapshot::take(&pg.pids());
        let value = measure()?;
        let mut busy = before.busy_until(&Snapshot::take(&pg.pids()));
        busy.stalled_pct = stalls(&value);
        Ok((value, busy))
    }
}

/// No control commits: the series is judged by the machine's CPU and I/O.
fn no_control<T>(_: &T) -> Option<f64> {
    None
}

/// A [`Series`] from an attempt's latencies and gaps.
fn series_of(what: &str, attempt: Attempt<Timed>) -> Result<Series, String> {
    let (latencies, gaps) = attempt.value;
    if latencies.is_empty() {
        return Err(format!("{what}: no commit completed within the time limit"));
    }
    Ok(Series {
        samples: Samples::new(latencies),
        gap_us: Samples::new(gaps).p50_us().unwrap_or(0),
        conditions: attempt.conditions,
    })
}

/// `SELECT 1` round trips on `conn` with `pause` before each, µs.
fn round_trips(conn: &mut Conn, n: usize, pause: Duration) -> Result<Samples, String> {
    conn.execute("SELECT 1")?;
    let mut times = Vec::with_capacity(n);
    let started = Instant::now();
    while times.len() < n && started.elapsed() < SERIES_LIMIT {
        thread::sleep(pause);
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
pub(super) fn wait_streaming(admin: &mut Conn, sync_state: &str) -> Result<(), String> {
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
pub(super) fn make_standby(
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

/// Progress on standard output, with the time since the first message.
pub fn say(message: &str) {
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    let start = START.get_or_init(Instant::now);
    println!(
        "calibrate [{:5.1}s] {message}",
        start.elapsed().as_secs_f64()
    );
}

/// The servers of the main session and the connections to them.
struct Pair {
    primary: Server,
    standby: Server,
    proxy: Proxy,
    admin: Conn,
    client: Client,
}

/// Runs the whole real session. `raw_dir` receives every series as text; a
/// busy barred block is repeated only if the repeat ends by `repeat_until`,
/// a stalled failover run only if it ends by `failover_repeat_until`.
pub fn run(
    pg: &mut Pg,
    raw_dir: &Path,
    repeat_until: Instant,
    failover_repeat_until: Instant,
) -> Result<Real, String> {
    let version = pg.version();
    say(&version);
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
    say(&format!(
        "primary on 127.0.0.1:{}, standby s1 on 127.0.0.1:{} via the proxy on 127.0.0.1:{}",
        primary.port,
        standby.port,
        proxy.port()
    ));
    let client = Client::connect(primary.port)?;
    let mut pair = Pair {
        primary,
        standby,
        proxy,
        admin,
        client,
    };

    let mut direct = Conn::connect(
        pair.primary.port,
        "postgres",
        "postgres",
        Duration::from_secs(30),
    )?;
    let rtt_direct = round_trips(&mut direct, probe_count(0), Duration::ZERO)?;
    save(raw_dir, "rtt-direct", &rtt_direct);

    let mut rtt = Vec::new();
    // With the standby stopped: the calibration target, and the cost of a
    // commit after an idle pause.
    set_standby_names(&mut pair.admin, &mut pair.client, "")?;
    pg.stop(&pair.standby, "fast")?;
    let what = "local commits, standby stopped";
    let attempt = measured(
        what,
        None,
        watched(pg, no_control, || {
            pair.client
                .series(WARMUP_COMMITS, LOCAL_COMMITS, Duration::ZERO)
        }),
    )?;
    let local = series_of(what, attempt)?;
    save(raw_dir, "local", &local.samples);
    say(&format!("{what}: {}", summary(&local.samples)));
    let mut idle = Vec::new();
    for d_ms in DELAYS_MS.into_iter().filter(|&d| d > 0) {
        let pause_ms = 2 * d_ms;
        let what = format!("local commits after {pause_ms} ms idle, standby stopped");
        let attempt = measured(
            &what,
            None,
            watched(pg, no_control, || {
                pair.client
                    .series(1, IDLE_COMMITS, Duration::from_millis(pause_ms))
            }),
        )?;
        let series = series_of(&what, attempt)?;
        save(raw_dir, &format!("idle-{pause_ms}ms"), &series.samples);
        say(&format!("{what}: {}", summary(&series.samples)));
        idle.push((pause_ms, series));
    }
    pg.start(&pair.standby)?;
    wait_streaming(&mut pair.admin, "async")?;

    let mut matrix = Vec::new();
    // D = 0 first (short, and no bar depends on it), then the barred
    // blocks from the largest D down, while the time budget still has room
    // to repeat them.
    let order = DELAYS_MS
        .into_iter()
        .filter(|&d| d == 0)
        .chain(DELAYS_MS.into_iter().rev().filter(|&d| d > 0));
    for d_ms in order {
        // The link: through the proxy, and straight after the same idle.
        pair.proxy.set_delay(Duration::from_millis(d_ms));
        thread::sleep(Duration::from_millis(100 + 4 * d_ms));
        let mut via_proxy = Conn::connect(
            pair.proxy.port(),
            "postgres",
            "postgres",
            Duration::from_secs(30),
        )?;
        let through = round_trips(&mut via_proxy, probe_count(d_ms), Duration::ZERO)?;
        let straight = round_trips(
            &mut direct,
            probe_count(d_ms),
            Duration::from_millis(2 * d_ms),
        )?;
        drop(via_proxy);
        save(raw_dir, &format!("rtt-proxy-d{d_ms}"), &through);
        save(
            raw_dir,
            &format!("rtt-direct-after-idle-d{d_ms}"),
            &straight,
        );
        say(&format!(
            "D = {d_ms} ms: round trip through the proxy p50 {} µs, straight after {} ms idle p50 {} µs",
            through.p50_us().unwrap_or(0),
            2 * d_ms,
            straight.p50_us().unwrap_or(0)
        ));
        rtt.push(RoundTrips {
            delay_ms: d_ms,
            proxy: through,
            direct: straight,
        });

        // Asynchronous commits.
        set_standby_names(&mut pair.admin, &mut pair.client, "")?;
        wait_streaming(&mut pair.admin, "async")?;
        pair.client.set("synchronous_commit", "on")?;
        let what = format!("async D = {d_ms} ms");
        let attempt = measured(
            &what,
            None,
            watched(pg, no_control, || {
                pair.client
                    .series(WARMUP_COMMITS, ASYNC_COMMITS, Duration::ZERO)
            }),
        )?;
        let series = series_of(&what, attempt)?;
        save(raw_dir, &format!("async-d{d_ms}"), &series.samples);
        say(&format!("{what}: {}", summary(&series.samples)));
        matrix.push(MatrixRow {
            ack: Ack::Async,
            delay_ms: d_ms,
            series,
        });

        // The ack points under FIRST 1 (s1), interleaved.
        set_standby_names(&mut pair.admin, &mut pair.client, "FIRST 1 (s1)")?;
        wait_streaming(&mut pair.admin, "sync")?;
        let what = format!("FIRST 1 (s1) D = {d_ms} ms, ack points interleaved");
        let pause = Duration::from_millis(2 * d_ms);
        // Only the blocks at D >= 10 ms are behind bars.
        let repeat = (d_ms >= 10).then_some(repeat_until);
        // The block's `local` commits are its control: they wait for the
        // primary's disk only, so their stalls are the machine's.
        let control = |(per_ack, _): &(Vec<Vec<u64>>, Vec<u64>)| {
            let local = Ack::BLOCK.iter().position(|&ack| ack == Ack::Local)?;
            stalled_pct(per_ack.get(local)?)
        };
        let attempt = measured(
            &what,
            repeat,
            watched(pg, control, || {
                pair.client
                    .interleaved(&Ack::BLOCK, pause, WARMUP_COMMITS, sync_commits(d_ms))
            }),
        )?;
        let (per_ack, gaps) = attempt.value;
        let gap_us = Samples::new(gaps).p50_us().unwrap_or(0);
        for (ack, latencies) in Ack::BLOCK.into_iter().zip(per_ack) {
            let samples = Samples::new(latencies);
            if samples.is_empty() {
                return Err(format!("{what}: no commit completed within the time limit"));
            }
            let name = slug(ack.label());
            save(raw_dir, &format!("{name}-d{d_ms}"), &samples);
            say(&format!(
                "{} D = {d_ms} ms: {}",
                ack.label(),
                summary(&samples)
            ));
            matrix.push(MatrixRow {
                ack,
                delay_ms: d_ms,
                series: Series {
                    samples,
                    gap_us,
                    conditions: attempt.conditions,
                },
            });
        }
    }
    pair.proxy.set_delay(Duration::ZERO);
    drop(direct);
    // Reported in increasing D.
    matrix.sort_by_key(|row| row.delay_ms);
    rtt.sort_by_key(|r| r.delay_ms);

    // A stopped synchronous standby: a cancelled commit and a blocked one.
    pair.client.set("synchronous_commit", "on")?;
    pg.stop(&pair.standby, "fast")?;
    let cancel = cancelled_commit(&mut pair.client)?;
    say(&format!(
        "cancelled commit: {} after {} µs: {}",
        cancel.outcome, cancel.elapsed_us, cancel.message
    ));
    let block = blocked_commit(pg, &mut pair.client, &pair.standby)?;
    say(&format!(
        "blocked commit: {} µs (standby started {} µs, listening {} µs after it began)",
        block.blocked_us, block.start_issued_us, block.up_us
    ));
    wait_streaming(&mut pair.admin, "sync")?;

    // remote_apply with the standby's apply delay.
    let apply_delay = apply_delay(pg, &mut pair.client, &pair.standby)?;
    wait_streaming(&mut pair.admin, "sync")?;

    // Failover loss, each variant on a fresh pair copied from this one.
    set_standby_names(&mut pair.admin, &mut pair.client, "")?;
    let Pair {
        primary,
        standby,
        proxy,
        admin,
        client,
    } = pair;
    drop((admin, client));
    pg.stop(&standby, "fast")?;
    pg.stop(&primary, "fast")?;
    drop(proxy);
    let mut failover = Vec::new();
    for (done, variant) in Variant::ALL.into_iter().enumerate() {
        // Judged by the writer's own waits across the loss window's edges
        // (see `machine::Busy::writer_wait_us`); a stalled run is measured
        // once more on a fresh pair while the layer's budget still has room
        // for it and for the variants after it.
        let what = format!("failover {}", variant.letter());
        let later = (Variant::ALL.len() - done - 1) as u32;
        // (A deadline before the layer began means no time, as any past one.)
        let until = failover_repeat_until
            .checked_sub(failover::RUN_TIME * later)
            .unwrap_or_else(Instant::now);
        let mut attempts = 0;
        let attempt = measured(&what, Some(until), || {
            attempts += 1;
            let result = failover::run(pg, &primary, variant, attempts)?;
            say(&format!(
                "{what}: {} acknowledged ({} before the first action), {} lost; \
                 the writer waited up to {} µs across the loss window's edges",
                result.acked, result.acked_before_first_action, result.lost, result.longest_wait_us
            ));
            let busy = Busy {
                writer_wait_us: Some(result.longest_wait_us),
                ..Busy::default()
            };
            Ok((result, busy))
        })?;
        failover.push(attempt);
    }

    Ok(Real {
        version,
        rtt_direct,
        rtt,
        matrix,
        local,
        idle,
        cancel,
        block,
        apply_delay,
        failover,
    })
}

fn summary(samples: &Samples) -> String {
    format!(
        "p50 {} µs, p99 {} µs over {}",
        samples.p50_us().unwrap_or(0),
        samples.p99_us().unwrap_or(0),
        samples.len()
    )
}

/// A commit waiting for the stopped synchronous standby, cancelled by the
/// client with a `CancelRequest` after [`CANCEL_AFTER`].
fn cancelled_commit(client: &mut Client) -> Result<Cancel, String> {
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
            pg.start_until_listening(standby)
                .map(|listening| (issued, issued + listening))
        });
        let blocked = client.commit();
        (blocked, starter.join())
    });
    let (issued, up) = starter.map_err(|_| "the starting thread panicked")??;
    let blocked_us = blocked?;
    client.conn.set_timeout(Duration::from_secs(30))?;
    Ok(Block {
        blocked_us,
        start_issued_us: issued.as_micros() as u64,
        up_us: up.as_micros() as u64,
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
        let (times, _) = client.series(0, APPLY_DELAY_COMMITS, Duration::ZERO)?;
        let samples = Samples::new(times);
        say(&format!(
            "{} with the apply delay: p50 {} µs, max {} µs",
            ack.label(),
            samples.p50_us().unwrap_or(0),
            samples.max_us().unwrap_or(0)
        ));
        rows.push((ack, samples));
    }
    set_delay("0")?;
    // A remote_apply commit returns once the standby has replayed all.
    client.set("synchronous_commit", "remote_apply")?;
    client.commit()?;
    Ok(rows)
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

    /// A held-up failover run, as measured on the CI run of 27 Nov.
    fn held_up() -> Busy {
        Busy {
            writer_wait_us: Some(185_000),
            ..Busy::default()
        }
    }

    fn quiet() -> Busy {
        Busy {
            writer_wait_us: Some(1_100),
            ..Busy::default()
        }
    }

    /// `measured` over attempts that return the given states in turn, and
    /// how many ran.
    fn measure_states(states: &[Busy], until: Option<Instant>) -> (Attempt<usize>, usize) {
        let mut ran = 0;
        let kept = measured("test", until, || {
            ran += 1;
            Ok((ran, states[ran - 1]))
        })
        .unwrap();
        (kept, ran)
    }

    #[test]
    fn a_quiet_measurement_is_kept_at_once() {
        let later = Instant::now() + Duration::from_secs(60);
        let (kept, ran) = measure_states(&[quiet()], Some(later));
        assert_eq!((kept.value, ran, kept.conditions.attempts), (1, 1, 1));
        assert_eq!(kept.conditions.discarded, None);
        assert_eq!(kept.conditions.note(), "writer waited up to 1.1 ms");
    }

    #[test]
    fn a_busy_measurement_is_repeated_once_and_the_quieter_kept() {
        let later = Instant::now() + Duration::from_secs(60);
        let (kept, ran) = measure_states(&[held_up(), quiet()], Some(later));
        assert_eq!((kept.value, ran, kept.conditions.attempts), (2, 2, 2));
        assert_eq!(kept.conditions.discarded, Some(held_up()));
        assert_eq!(
            kept.conditions.note(),
            "writer waited up to 1.1 ms; repeated, other attempt writer waited up to 185.0 ms"
        );
        // Busy twice: the less busy of the two is kept, and it stays busy.
        let worse = Busy {
            writer_wait_us: Some(400_000),
            ..Busy::default()
        };
        let (kept, ran) = measure_states(&[held_up(), worse], Some(later));
        assert_eq!((kept.value, ran), (1, 2));
        assert!(kept.conditions.busy.is_busy());
        assert_eq!(kept.conditions.discarded, Some(worse));
    }

    #[test]
    fn a_busy_measurement_is_not_repeated_without_a_bar_or_time() {
        let (kept, ran) = measure_states(&[held_up(), quiet()], None);
        assert_eq!((ran, kept.conditions.not_repeated), (1, Some(NO_BAR)));
        let passed = Instant::now();
        thread::sleep(Duration::from_millis(1));
        let (kept, ran) = measure_states(&[held_up(), quiet()], Some(passed));
        assert_eq!((ran, kept.conditions.not_repeated), (1, Some(NO_TIME)));
        assert_eq!(
            kept.conditions.note(),
            "writer waited up to 185.0 ms; busy, not repeated: no time left"
        );
    }

    #[test]
    fn slugs_and_counts() {
        assert_eq!(
            slug("FIRST 1 (s1), remote_apply"),
            "first-1-s1-remote-apply"
        );
        assert_eq!(slug("async"), "async");
        assert!(sync_commits(50) < sync_commits(10));
        // The p99 of every barred row rests on at least its third slowest,
        // and at D = 10 ms its interval is bounded above (by the slowest).
        assert!(sync_commits(50) >= 200 && sync_commits(10) >= 200);
        let ranks = super::super::stats::interval_ranks(sync_commits(10), 99.0).unwrap();
        assert!(ranks.high_bounded && ranks.low < 396);
    }
}
