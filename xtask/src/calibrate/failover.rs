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
//!
//! The count is the acknowledgements that came between the standby's lag
//! before the first action (the cut, or the kill) and the kill. A stall of
//! the whole machine, which the model leaves out, moves it when it holds
//! acknowledgements back across either edge of that window: past the
//! standby's lag before the first action, or past the kill. (One inside
//! the window only delays acknowledgements that are lost either way.) Each
//! run therefore also records the longest wait of a writer's commit across
//! those edges ([`longest_wait_us`]); a run whose writer waited longer than
//! `machine::BUSY_WRITER_WAIT_US` is the machine's: it is measured once
//! more if the layer's time budget allows (see `measure.rs`), and a run
//! still held up is not judged.

use std::collections::{HashMap, HashSet};
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

/// The span before the first action in which the standby's lag ends:
/// twice the proxy's one-way delay, for the walsender's batching and the
/// standby's write on top of the delay itself.
pub const LAG_SPAN_MS: u64 = 2 * DELAY_MS;

/// When commit `id` of the writer's schedule is due, after its start: the
/// first (id 1) one interval in.
pub fn due(id: u64, interval: Duration) -> Duration {
    interval * id as u32
}

/// About how long one run takes, fresh pair included (6.5 to 6.7 s on
/// the test machine): the room a repeat leaves for the variants after it.
pub const RUN_TIME: Duration = Duration::from_secs(7);

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
    /// The longest a writer's commit waited, from when it was due to its
    /// acknowledgement (or to the kill, if it had none), among those whose
    /// wait overlapped an edge of the loss window: the span from twice the
    /// standby's lag before the first action to the first action, or the
    /// kill.
    pub longest_wait_us: u64,
    /// Offsets from the writer's start, µs.
    pub cut_at_us: Option<u64>,
    pub kill_at_us: u64,
    pub promote_at_us: u64,
    pub rate_per_s: f64,
}

/// One failover variant on a fresh pair: a writer at a fixed rate, the
/// variant's kills, promotion of the standby, and the acknowledged ids it
/// lacks.
/// `attempt` (1, 2) names the pair's folders.
pub fn run(
    pg: &mut Pg,
    template: &Server,
    variant: Variant,
    attempt: u32,
) -> Result<Failover, String> {
    let name = match attempt {
        1 => variant.letter().to_lowercase(),
        n => format!("{}-{n}", variant.letter().to_lowercase()),
    };
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
                let due = due(i, interval);
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
    let lag_span_from = first_action.saturating_sub(Duration::from_millis(LAG_SPAN_MS));
    let acked: Vec<(u64, u64)> = acks
        .iter()
        .map(|(id, at, _)| (*id, at.as_micros() as u64))
        .collect();
    let longest_wait_us = longest_wait_us(
        &acked,
        interval,
        [lag_span_from, first_action].map(|at| at.as_micros() as u64),
        kill_at.as_micros() as u64,
    );
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
        longest_wait_us,
        cut_at_us: cut_at.map(|at| at.as_micros() as u64),
        kill_at_us: kill_at.as_micros() as u64,
        promote_at_us: promote_at.as_micros() as u64,
        rate_per_s,
    })
}

/// The longest wait of a commit of the schedule (commit `i` due at
/// `i × interval_us`), from its due time to its acknowledgement in `acked`
/// (id, offset µs), or to the kill for a commit due before it and never
/// acknowledged, among those whose wait overlapped `lag_span_us` (the
/// [`LAG_SPAN_MS`] before the first action, up to it) or reached the kill.
pub fn longest_wait_us(
    acked: &[(u64, u64)],
    interval: Duration,
    lag_span_us: [u64; 2],
    kill_at_us: u64,
) -> u64 {
    let at: HashMap<u64, u64> = acked.iter().copied().collect();
    let [span_from, span_to] = lag_span_us;
    let interval = interval.max(Duration::from_micros(1));
    (1u64..)
        .map(|id| (id, due(id, interval).as_micros() as u64))
        .take_while(|&(_, due)| due < kill_at_us)
        .map(|(id, due)| (due, at.get(&id).copied().unwrap_or(kill_at_us)))
        .filter(|&(due, end)| (end >= span_from && due <= span_to) || end >= kill_at_us)
        .map(|(due, end)| end.saturating_sub(due))
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::super::compare::LOSS_SMALL_SLACK;
    use super::super::machine::BUSY_WRITER_WAIT_US;
    use super::*;

    const EVERY_5_MS: Duration = Duration::from_millis(5);

    /// Commits 1..=`last` acknowledged `latency_us` after they were due.
    fn on_time(last: u64, latency_us: u64) -> Vec<(u64, u64)> {
        (1..=last)
            .map(|id| (id, due(id, EVERY_5_MS).as_micros() as u64 + latency_us))
            .collect()
    }

    #[test]
    fn the_schedule_is_the_writers() {
        assert_eq!(
            due(1, Duration::from_micros(1_000_000 / RATE_PER_S)),
            EVERY_5_MS
        );
        assert_eq!(due(500, EVERY_5_MS), KILL_AT);
        // The hold-up that counts is the loss bar's slack in intervals.
        assert_eq!(
            BUSY_WRITER_WAIT_US,
            LOSS_SMALL_SLACK as u64 * 1_000_000 / RATE_PER_S
        );
    }

    #[test]
    fn a_quiet_writer_waits_only_its_commit_time_and_the_last_commits_slice() {
        // Each acknowledged after 1 ms; the kill at 2.5 s catches commit
        // 499 (due 2.495 s) 5 ms in, unacknowledged.
        let acked = on_time(498, 1_000);
        let span = [2_400_000, 2_500_000];
        assert_eq!(longest_wait_us(&acked, EVERY_5_MS, span, 2_500_000), 5_000);
    }

    #[test]
    fn acknowledgements_held_back_before_the_kill_are_a_stall() {
        // A CI run of 27 Nov: 462 acknowledged on time, none in the 190 ms
        // before the kill at 2.5 s, and 0 lost where quiet runs lose 10.
        let acked = on_time(462, 1_000);
        let span = [2_400_000, 2_500_000];
        let wait = longest_wait_us(&acked, EVERY_5_MS, span, 2_500_000);
        assert_eq!(wait, 2_500_000 - 463 * 5_000);
        assert!(wait > BUSY_WRITER_WAIT_US);
    }

    #[test]
    fn a_late_burst_of_acknowledgements_inside_the_span_is_a_stall() {
        // Held from 2.3 s and released together at 2.45 s: more land in the
        // standby's lag than on a quiet machine.
        let mut acked = on_time(459, 1_000);
        acked.extend((460..=498).map(|id| (id, 2_450_000.max(id * 5_000 + 1_000))));
        let span = [2_400_000, 2_500_000];
        let wait = longest_wait_us(&acked, EVERY_5_MS, span, 2_500_000);
        assert_eq!(wait, 2_450_000 - 460 * 5_000);
        assert!(wait > BUSY_WRITER_WAIT_US);
    }

    #[test]
    fn a_stall_that_ended_before_the_span_does_not_count() {
        let mut acked = on_time(498, 1_000);
        // Commit 100 (due 0.5 s) waited 200 ms, long before the span.
        acked[99].1 = 700_000;
        let span = [2_400_000, 2_500_000];
        assert_eq!(longest_wait_us(&acked, EVERY_5_MS, span, 2_500_000), 5_000);
        // Nothing due before the kill: nothing waited.
        assert_eq!(longest_wait_us(&[], EVERY_5_MS, [0, 4_000], 4_000), 0);
    }

    #[test]
    fn between_the_cut_and_the_kill_only_a_stall_across_an_edge_counts() {
        // Variant C: cut at 2.5 s, kill at 3.5 s. Every commit acknowledged
        // between them is lost however late, so a hold-up inside moves
        // nothing: commits 560..=600 (due 2.8–3.0 s) all answered at 3.1 s.
        let span = [2_400_000, 2_500_000];
        let mut acked = on_time(698, 1_000);
        for (id, at) in acked.iter_mut().filter(|(id, _)| (560..=600).contains(id)) {
            *at = 3_100_000.max(*id * 5_000 + 1_000);
        }
        assert_eq!(longest_wait_us(&acked, EVERY_5_MS, span, 3_500_000), 5_000);
        // Held up across the span's start (commit 470, due 2.35 s, answered
        // at 2.43 s), it counts.
        let mut across_span = on_time(698, 1_000);
        across_span[469].1 = 2_430_000;
        assert_eq!(
            longest_wait_us(&across_span, EVERY_5_MS, span, 3_500_000),
            80_000
        );
        // Held up across the kill, it counts.
        let across_kill = on_time(660, 1_000);
        let wait = longest_wait_us(&across_kill, EVERY_5_MS, span, 3_500_000);
        assert_eq!(wait, 3_500_000 - 661 * 5_000);
        assert!(wait > BUSY_WRITER_WAIT_US);
    }
}
