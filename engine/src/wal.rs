//! The write-ahead log each node keeps, and the three positions that matter
//! for replication.
//!
//! An entry is identified by its log sequence number (LSN, counting from 1)
//! and carries the epoch of the leader that wrote it (PostgreSQL's timeline,
//! Raft's term, Kafka's leader epoch) and one key/value operation. Each node
//! tracks how far its copy has got:
//!
//! * **written**: handed to the operating system (survives a process crash,
//!   not a power loss) — what `remote_write` waits for;
//! * **flushed**: fsynced to disk (survives power loss) — what
//!   `synchronous_commit = on` waits for;
//! * **applied**: replayed into the node's data, visible to reads — what
//!   `remote_apply` waits for.
//!
//! `applied ≤ flushed ≤ written` always holds. Only a window of recent entries
//! is kept in memory (`wal_keep_size`, Redis's backlog); older ones are
//! dropped, so memory stays bounded however long a run lasts. A follower that
//! needs an entry older than the window must be re-cloned.

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

/// A log sequence number. 0 means "before the first entry".
pub type Lsn = u64;

/// A leader's term. Every promotion starts a new, higher epoch.
pub type Epoch = u32;

/// The change one log entry makes to the key/value data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    /// Set `key` to `value`.
    Put { key: u32, value: u64 },
    /// Remove `key`.
    Delete { key: u32 },
}

impl Op {
    /// The key this operation touches.
    pub fn key(&self) -> u32 {
        match *self {
            Op::Put { key, .. } | Op::Delete { key } => key,
        }
    }
}

/// One record of the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Entry {
    /// Position in the log, from 1.
    pub lsn: Lsn,
    /// Epoch of the leader that wrote it.
    pub epoch: Epoch,
    /// The change.
    pub op: Op,
    /// Simulated time at which the leader appended it; used to express lag
    /// in time, as `pg_stat_replication` does.
    pub written_at_us: u64,
}

/// A node's log: a bounded window of entries plus its positions.
#[derive(Clone, Debug)]
pub struct Wal {
    /// Entries `first_lsn ..= last_lsn()`, oldest first.
    entries: VecDeque<Entry>,
    /// LSN of `entries[0]`; one past the end when empty.
    first_lsn: Lsn,
    /// Epoch of the entry just before `first_lsn` (0 when that is LSN 0).
    epoch_before_first: Epoch,
    /// Highest LSN handed to the operating system.
    pub written: Lsn,
    /// Highest LSN fsynced.
    pub flushed: Lsn,
    /// Highest LSN replayed into the data.
    pub applied: Lsn,
    /// At most this many entries are retained (≥ 1).
    keep_entries: u64,
    /// `(epoch, first LSN of that epoch)` for every epoch seen, ascending:
    /// the timeline history used to find where two logs diverge.
    epoch_starts: Vec<(Epoch, Lsn)>,
}

impl Wal {
    /// An empty log that retains at most `keep_entries` entries.
    pub fn new(keep_entries: u64) -> Self {
        Wal {
            entries: VecDeque::new(),
            first_lsn: 1,
            epoch_before_first: 0,
            written: 0,
            flushed: 0,
            applied: 0,
            keep_entries: keep_entries.max(1),
            epoch_starts: Vec::new(),
        }
    }

    /// LSN of the newest entry (0 when none was ever appended).
    pub fn last_lsn(&self) -> Lsn {
        self.first_lsn + self.entries.len() as u64 - 1
    }

    /// Oldest LSN still held in memory.
    pub fn first_retained_lsn(&self) -> Lsn {
        self.first_lsn
    }

    /// Epoch of the newest entry (0 when empty).
    pub fn last_epoch(&self) -> Epoch {
        self.epoch_at(self.last_lsn()).unwrap_or(0)
    }

    /// The entry at `lsn`, if it is retained.
    pub fn get(&self, lsn: Lsn) -> Option<&Entry> {
        if lsn < self.first_lsn {
            return None;
        }
        self.entries.get((lsn - self.first_lsn) as usize)
    }

    /// Epoch of the entry at `lsn`, also for entries already dropped from
    /// the window (from the timeline history). `Some(0)` for LSN 0; `None`
    /// past the end.
    pub fn epoch_at(&self, lsn: Lsn) -> Option<Epoch> {
        if lsn == 0 {
            return Some(0);
        }
        if lsn > self.first_lsn + self.entries.len() as u64 - 1 {
            return None;
        }
        if let Some(e) = self.get(lsn) {
            return Some(e.epoch);
        }
        if lsn == self.first_lsn - 1 {
            return Some(self.epoch_before_first);
        }
        self.epoch_starts
            .iter()
            .rev()
            .find(|(_, start)| *start <= lsn)
            .map(|(e, _)| *e)
    }

    /// The timeline history: `(epoch, first LSN)` pairs, ascending.
    pub fn epoch_starts(&self) -> &[(Epoch, Lsn)] {
        &self.epoch_starts
    }

    /// The last LSN this log holds of `epoch` or any older epoch: where a
    /// node whose log ends in `epoch` stops agreeing with this one.
    pub fn epoch_end(&self, epoch: Epoch) -> Lsn {
        match self.epoch_starts.iter().find(|(e, _)| *e > epoch) {
            Some((_, start)) => start - 1,
            None => self.last_lsn(),
        }
    }

    /// Appends `entry`, which must carry LSN `last_lsn() + 1`. Drops the
    /// oldest entry when the window is full. The caller advances `written`.
    pub fn append(&mut self, entry: Entry) {
        debug_assert_eq!(entry.lsn, self.last_lsn() + 1);
        if self.epoch_starts.last().map(|(e, _)| *e) != Some(entry.epoch) {
            self.epoch_starts.push((entry.epoch, entry.lsn));
        }
        self.entries.push_back(entry);
        // Entries not yet replayed here are never dropped: the node still
        // needs them (a lagging standby's own WAL grows, as pg_wal does).
        while self.entries.len() as u64 > self.keep_entries
            && self.entries.front().is_some_and(|e| e.lsn <= self.applied)
        {
            if let Some(old) = self.entries.pop_front() {
                self.epoch_before_first = old.epoch;
                self.first_lsn += 1;
            }
        }
    }

    /// Removes every entry after `lsn` (the divergent suffix on rejoin, or
    /// unflushed entries lost with power), returning them oldest first.
    pub fn truncate_after(&mut self, lsn: Lsn) -> Vec<Entry> {
        let mut removed = Vec::new();
        while self.last_lsn() > lsn && !self.entries.is_empty() {
            if let Some(e) = self.entries.pop_back() {
                removed.push(e);
            }
        }
        removed.reverse();
        let last = self.last_lsn();
        self.epoch_starts.retain(|(_, start)| *start <= last);
        self.written = self.written.min(last);
        self.flushed = self.flushed.min(last);
        self.applied = self.applied.min(last);
        removed
    }

    /// Discards the whole log and restarts it just after `lsn` of `epoch`,
    /// as a re-clone from a base backup does.
    pub fn reset_to(&mut self, lsn: Lsn, epoch: Epoch, history: &[(Epoch, Lsn)]) {
        self.entries.clear();
        self.first_lsn = lsn + 1;
        self.epoch_before_first = epoch;
        self.written = lsn;
        self.flushed = lsn;
        self.applied = lsn;
        self.epoch_starts = history
            .iter()
            .copied()
            .filter(|(_, start)| *start <= lsn)
            .collect();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(lsn: Lsn, epoch: Epoch) -> Entry {
        Entry {
            lsn,
            epoch,
            op: Op::Put { key: 1, value: lsn },
            written_at_us: lsn,
        }
    }

    #[test]
    fn window_drops_oldest_but_keeps_epoch_history() {
        let mut w = Wal::new(3);
        for lsn in 1..=5 {
            w.append(entry(lsn, if lsn < 3 { 1 } else { 2 }));
            w.applied = lsn;
        }
        assert_eq!(w.first_retained_lsn(), 3);
        assert_eq!(w.last_lsn(), 5);
        assert!(w.get(2).is_none());
        assert_eq!(w.epoch_at(2), Some(1));
        assert_eq!(w.epoch_at(1), Some(1));
        assert_eq!(w.epoch_at(4), Some(2));
        assert_eq!(w.epoch_at(6), None);
    }

    #[test]
    fn truncate_returns_suffix_and_clamps_positions() {
        let mut w = Wal::new(100);
        for lsn in 1..=5 {
            w.append(entry(lsn, 1));
        }
        w.written = 5;
        w.flushed = 5;
        w.applied = 4;
        let gone = w.truncate_after(3);
        assert_eq!(gone.iter().map(|e| e.lsn).collect::<Vec<_>>(), [4, 5]);
        assert_eq!((w.written, w.flushed, w.applied), (3, 3, 3));
    }

    #[test]
    fn epoch_end_finds_where_two_timelines_part() {
        // Old leader wrote 1..=5 in epoch 1. New leader had 1..=3 of epoch 1
        // and then wrote 4.. in epoch 2.
        let mut old = Wal::new(100);
        for lsn in 1..=5 {
            old.append(entry(lsn, 1));
        }
        // What the new leader answers the old one: epoch 1 ends at 3 there.
        let mut new = Wal::new(100);
        for lsn in 1..=6 {
            new.append(entry(lsn, if lsn <= 3 { 1 } else { 2 }));
        }
        assert_eq!(new.epoch_end(1), 3);
        assert_eq!(new.epoch_end(2), 6);
        assert_eq!(new.epoch_end(5), 6);
    }
}
