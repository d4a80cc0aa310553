//! Asynchronous failover loss on real PostgreSQL: how many acknowledged
//! commits a promoted standby lacks when its primary dies, in three ways of
//! dying. The simulator's in-flight loss, manual promotion and fixed-rate
//! writers are checked against these counts.
//!
//! Each variant runs on a fresh pair: the primary is a copy of the
//! cleanly stopped main primary, the standby a new base backup behind its
//! own proxy at D = 50 ms. A writer commits on a fixed schedule of 200 per
//! second (open loop: commit i is due at i × 5 ms whatever the earlier ones
//! took, handed to a pool of connections so that one stalled commit does
//! not stop the schedule) and records every acknowledged id. At 2.5 s the variant's
//! action; 1 s after the primary is killed, `pg_ctl promote`; then the
//! acknowledged ids the standby lacks are counted. Every kill is SIGKILL to
//! the postmaster and all its children at once.

use std::collections::HashSet;
use std::sync::{mpsc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use super::measure::{make_standby, wait_streaming, WARMUP_COMMITS};
use super::pgwire::Conn;
use super::proxy::Proxy;
use super::servers::{Pg, Server};
use super::stats::Samples;

/// The failover writer's fixed rate.
pub const RATE_PER_S: u64 = 200;
/// The failover runs' proxy delay.
pub const DELAY_MS: u64 = 50;
/// When the first failover action happens, after the writer starts.
pub const KILL_AT: Duration = Duration::from_millis(2500);
/// Variant C: the primary is killed this long after the cut.
pub const CUT_TO_KILL: Duration = Duration::from_millis(1000);
/// The standby is promoted this long after the primary is killed.
pub const PROMOTE_AFTER: Duration = Duration::from_millis(1000);
/// Connections the writer hands its scheduled commits to: a commit held up
/// by a stall of up to this many intervals does not delay the schedule.
pub const WRITERS: usize = 8;

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
    /// Latencies of the commits acknowledged before the first action: the
    /// primary's own asynchronous commits at this rate, on this pair.
    pub commits: Samples,
    pub acked: usize,
    pub acked_before_first_action: usize,
    pub lost: usize,
    /// Offsets from the writer's start, µs.
    pub cut_at_us: Option<u64>,
    pub kill_at_us: u64,
    pub promote_at_us: u64,
    pub rate_per_s: f64,
}

/// One failover variant on a fresh pair: a writer at a fixed rate, the
/// variant's kills, promotion of the standby, and the acknowledged ids it
/// lacks.
pub fn run(pg: &mut Pg, template: &Server, variant: Variant) -> Result<Failover, String> {
    let name = variant.letter().to_lowercase();
    let primary = pg.server(&format!("failover-{name}-primary"))?;
    pg.copy_cluster(template, &primary)?;
    pg.start(&primary)?;
    let mut proxy = Proxy::start(primary.port, Duration::from_millis(DELAY_MS))?;
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

    // Open loop: commit i is due at i × interval whatever earlier commits
    // took, so a commit held up by a stall must not hold up the schedule:
    // commits are handed, on schedule, to a pool of connections.
    let mut writers = Vec::with_capacity(WRITERS);
    for _ in 0..WRITERS {
        let mut conn = Conn::connect(
            primary.port,
            "postgres",
            "postgres",
            Duration::from_secs(10),
        )?;
        conn.prepare("ins", "INSERT INTO ids (id) VALUES ($1)")?;
        writers.push(conn);
    }
    let interval = Duration::from_micros(1_000_000 / RATE_PER_S);
    let writer_limit = KILL_AT + CUT_TO_KILL + Duration::from_secs(2);
    let started = Instant::now();
    // (id, acknowledged at, latency) of every acknowledged commit.
    let acks: Mutex<Vec<(u64, Duration, Duration)>> = Mutex::new(Vec::new());
    let (due_ids, queue) = mpsc::channel::<(u64, Instant)>();
    let queue = Mutex::new(queue);
    let (acks, times) = thread::scope(|scope| -> Result<_, String> {
        for mut conn in writers {
            let (queue, acks) = (&queue, &acks);
            scope.spawn(move || loop {
                let next = queue.lock().unwrap().recv();
                let Ok((id, due)) = next else { return };
                let answer = conn.run_prepared("ins", &[&id.to_string()]);
                match answer {
                    // The latency counts from when the commit was due.
                    Ok(answer) if answer.error.is_none() => {
                        acks.lock()
                            .unwrap()
                            .push((id, started.elapsed(), due.elapsed()));
                    }
                    // The primary is gone: this connection is done.
                    _ => return,
                }
            });
        }
        scope.spawn(move || {
            for i in 1u64.. {
                let due = interval * i as u32;
                if due > writer_limit {
                    break;
                }
                if let Some(wait) = due.checked_sub(started.elapsed()) {
                    thread::sleep(wait);
                }
                if due_ids.send((i, started + due)).is_err() {
                    break;
                }
            }
        });
        let sleep_until = |offset: Duration| {
            if let Some(wait) = offset.checked_sub(started.elapsed()) {
                thread::sleep(wait);
            }
        };
        sleep_until(KILL_AT);
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
                sleep_until(KILL_AT + CUT_TO_KILL);
                let at = started.elapsed();
                pg.kill9(&primary)?;
                at
            }
        };
        sleep_until(kill_at + PROMOTE_AFTER);
        let promote_at = started.elapsed();
        pg.promote(&standby)?;
        Ok((cut_at, kill_at, promote_at))
    })
    .map(|times| (acks.into_inner().unwrap_or_default(), times))?;
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
    let before: Vec<&(u64, Duration, Duration)> = acks
        .iter()
        .filter(|(_, at, _)| *at < first_action)
        .collect();
    let rate_per_s = match before.last() {
        Some((_, at, _)) if !at.is_zero() => before.len() as f64 / at.as_secs_f64(),
        _ => 0.0,
    };
    let commits = Samples::new(
        before
            .iter()
            .skip(WARMUP_COMMITS)
            .map(|(_, _, latency)| latency.as_micros() as u64)
            .collect(),
    );
    Ok(Failover {
        variant,
        commits,
        acked: acks.len(),
        acked_before_first_action: before.len(),
        lost: acks
            .iter()
            .filter(|(id, _, _)| !present.contains(id))
            .count(),
        cut_at_us: cut_at.map(|at| at.as_micros() as u64),
        kill_at_us: kill_at.as_micros() as u64,
        promote_at_us: promote_at.as_micros() as u64,
        rate_per_s,
    })
}
