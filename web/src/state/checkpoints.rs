//! Saved copies of the main run, to seek from instead of replaying from
//! time zero.
//!
//! Checkpoints are spaced in simulated time; when there are too many, or
//! they hold too many records together (see [`records`]), every other one
//! is dropped (the newest is kept) and the spacing doubles, so memory stays
//! bounded however long the run and however large its state. A seek
//! restores the latest checkpoint strictly before its instant and replays
//! from there.
//!
//! The bound in records matters for large runs: a copy of the 9-node page
//! benchmark holds 900,000 WAL entries once every node's retention is
//! full (about 200 MB natively), and 128 copies of it filled the page's
//! 4 GiB of wasm memory within 95 simulated seconds, after which the wasm
//! trapped and no seek finished.

use super::series::Series;
use crate::clock::Clock;
use crate::probe;
use crate::timeline::Timeline;
use replica_engine::Simulation;

/// A saved copy of the main run.
#[derive(Clone)]
pub struct Checkpoint {
    /// The simulation at this point (its trace buffer drained).
    pub sim: Simulation,
    /// The views' record up to this point.
    pub timeline: Timeline,
    /// Index of the next intervention of the log to apply.
    pub next: usize,
    /// The charts' samples up to this point.
    pub series: Series,
    /// Its size, in [`records`].
    pub records: u64,
}

impl Checkpoint {
    /// Events processed at this point.
    pub fn events(&self) -> u64 {
        probe::events(&self.sim)
    }

    /// Simulated time of this point.
    pub fn now_us(&self) -> u64 {
        self.sim.now_us()
    }
}

/// The checkpoints of the main run, in order of events, and how far apart
/// in simulated time they are.
#[derive(Clone)]
pub struct Checkpoints {
    /// Saved points, events strictly increasing.
    pub saved: Vec<Checkpoint>,
    /// Simulated time between two checkpoints.
    pub every_us: u64,
    /// Wall time the last checkpoint took to save, in ms (the run's state
    /// grows with its length, so does this).
    pub save_ms: f64,
    /// At most this many [`records`] in all checkpoints together (the
    /// newest checkpoint is kept even when it alone holds more).
    pub max_records: u64,
}

/// At most this many checkpoints are kept.
const MAX_CHECKPOINTS: usize = 128;

/// Initial spacing of checkpoints, in simulated time.
pub const CHECKPOINT_US: u64 = 500_000;

/// At most this many [`records`] in all checkpoints together by default:
/// about 100 MB natively (a copy takes 150–300 bytes per record).
pub const MAX_RECORDS: u64 = 500_000;

/// The size of a simulation's copy, in records: the WAL entries every node
/// retains and the checker's records of single writes and reads, the parts
/// of its state that grow with the run's length (up to the WAL retention
/// the scenario sets, or without end once the checker keeps everything).
/// A count rather than bytes, so that which checkpoints are kept is the
/// same on every machine and target.
pub fn records(sim: &Simulation) -> u64 {
    let wal: u64 = sim
        .nodes()
        .map(|n| (n.wal().last_lsn() + 1).saturating_sub(n.wal().first_retained_lsn()))
        .sum();
    wal + sim.checker.as_ref().map_or(0, |c| c.records_kept())
}

impl Default for Checkpoints {
    fn default() -> Self {
        Checkpoints {
            saved: Vec::new(),
            every_us: CHECKPOINT_US,
            save_ms: 0.0,
            max_records: MAX_RECORDS,
        }
    }
}

impl Checkpoints {
    /// Saves a run's point (its simulation, timeline, index of the next
    /// intervention and chart samples) if it is far enough past the last
    /// checkpoint.
    pub(crate) fn offer(
        &mut self,
        sim: &Simulation,
        timeline: &Timeline,
        next: usize,
        series: &Series,
        clock: &dyn Clock,
    ) {
        let events = probe::events(sim);
        let due = self
            .saved
            .last()
            .is_none_or(|c| events > c.events() && sim.now_us() >= c.now_us() + self.every_us);
        if !due {
            return;
        }
        // Thin first, as if the new point were saved already (it is kept,
        // as the newest), so that the copies it replaces are freed before
        // it is made: the wasm memory only grows, so a copy too many at the
        // moment of saving would stay the page's for good.
        let new_records = records(sim);
        while !self.saved.is_empty()
            && (self.saved.len() + 1 > MAX_CHECKPOINTS
                || self.records() + new_records > self.max_records)
        {
            let newest = self.saved.len();
            let mut i = 0;
            self.saved.retain(|_| {
                let keep = (newest - i).is_multiple_of(2);
                i += 1;
                keep
            });
            self.every_us *= 2;
        }
        let t0 = clock.now_ms();
        self.saved.push(Checkpoint {
            sim: sim.clone(),
            timeline: timeline.clone(),
            next,
            series: series.clone(),
            records: new_records,
        });
        self.save_ms = clock.now_ms() - t0;
    }

    /// The [`records`] of every checkpoint together.
    pub fn records(&self) -> u64 {
        self.saved.iter().map(|c| c.records).sum()
    }

    /// Simulated time from which a run offering its point would be saved.
    pub(crate) fn due_us(&self) -> u64 {
        self.saved.last().map_or(0, |c| c.now_us() + self.every_us)
    }

    /// Simulated time of the latest checkpoint (0 without any).
    pub fn latest_us(&self) -> u64 {
        self.saved.last().map_or(0, |c| c.now_us())
    }

    /// Forgets every checkpoint from `events` on: the run forks there.
    pub(crate) fn fork_at(&mut self, events: u64) {
        self.saved.retain(|c| c.events() < events);
    }

    /// The latest checkpoint at or before `events` and `t_us`.
    pub(crate) fn before(&self, events: u64, t_us: u64) -> Option<&Checkpoint> {
        self.saved
            .iter()
            .rev()
            .find(|c| c.events() <= events && c.now_us() <= t_us)
    }
}
