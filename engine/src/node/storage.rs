//! What every role does with its own log and data: disk write and fsync
//! completions, replay, and answering reads.
//!
//! A record goes to the OS (written), then to disk (flushed), then into
//! the node's data (applied); the next step starts when the previous one
//! completes, and records arriving meanwhile join the next batch (group
//! commit). A leader replays on commit, a follower as soon as a record is
//! flushed (and `recovery_min_apply_delay` has passed).

use super::state::{ParkedRead, Undo};
use super::{Effect, Node, Role};
use crate::message::{Msg, ReadError, ReqId};
use crate::network::{Addr, SessionId};
use crate::policy::{AckPoint, Visibility};
use crate::store::Version;
use crate::wal::{Entry, Lsn, Op};
use alloc::vec::Vec;

impl Node {
    pub(super) fn on_disk_written(&mut self, upto: Lsn, gen: u32, out: &mut Vec<Effect>) {
        self.s.writing = false;
        let wal = &mut self.d.wal;
        if gen == self.d.gen {
            wal.written = wal.written.max(upto.min(wal.last_lsn()));
        }
        if wal.last_lsn() > wal.written {
            self.s.writing = true;
            out.push(Effect::DiskWrite {
                upto: wal.last_lsn(),
                gen: self.d.gen,
            });
        }
        if !self.s.flushing && wal.written > wal.flushed {
            self.s.flushing = true;
            out.push(Effect::DiskFlush {
                upto: wal.written,
                gen: self.d.gen,
            });
        }
        if self.role() != Role::Leader {
            self.report_if_changed(out);
        }
    }

    pub(super) fn on_disk_flushed(
        &mut self,
        now_us: u64,
        upto: Lsn,
        gen: u32,
        out: &mut Vec<Effect>,
    ) {
        self.s.flushing = false;
        let wal = &mut self.d.wal;
        if gen == self.d.gen {
            wal.flushed = wal.flushed.max(upto.min(wal.written));
        }
        if wal.written > wal.flushed {
            self.s.flushing = true;
            out.push(Effect::DiskFlush {
                upto: wal.written,
                gen: self.d.gen,
            });
        }
        if self.role() == Role::Leader {
            self.on_leader_flushed(now_us, out);
        } else {
            self.report_if_changed(out);
            self.maybe_apply(out);
        }
    }

    pub(super) fn on_applied(&mut self, lsn: Lsn, gen: u32, out: &mut Vec<Effect>) {
        self.s.applying = false;
        if gen != self.d.gen || lsn != self.d.wal.applied + 1 {
            self.maybe_apply(out);
            return;
        }
        if let Some(e) = self.d.wal.get(lsn).copied() {
            self.apply_entry(&e);
        }
        self.serve_parked(out);
        // Replay progress rides on the next write or flush report and on
        // the status interval, as a PostgreSQL standby's does; it is sent
        // at once only when commits wait for it (`remote_apply`).
        if self.cfg.policy.ack == AckPoint::Applied {
            self.report_if_changed(out);
        }
        self.maybe_apply(out);
    }

    pub(super) fn maybe_apply(&mut self, out: &mut Vec<Effect>) {
        let wal = &self.d.wal;
        if self.role() == Role::Leader || self.s.applying || wal.applied >= wal.flushed {
            return;
        }
        let lsn = wal.applied + 1;
        let Some(e) = wal.get(lsn) else { return };
        self.s.applying = true;
        out.push(Effect::Apply {
            lsn,
            not_before_us: e.written_at_us.saturating_add(self.cfg.apply_delay_us),
            gen: self.d.gen,
        });
    }

    fn apply_entry(&mut self, e: &Entry) {
        let key = e.op.key();
        let after = match e.op {
            Op::Put { value, .. } => Some(value),
            Op::Delete { .. } => None,
        };
        let before = self.d.kv.set(
            key,
            Version {
                value: after,
                lsn: e.lsn,
                epoch: e.epoch,
            },
        );
        self.d.undo.push_back(Undo {
            lsn: e.lsn,
            key,
            before,
        });
        while self.d.undo.len() as u64 > self.cfg.wal_keep_entries {
            self.d.undo.pop_front();
        }
        self.d.wal.applied = e.lsn;
    }

    /// The leader makes entries up to `upto` visible to its own readers.
    pub(super) fn apply_local(&mut self, upto: Lsn) {
        while self.d.wal.applied < upto.min(self.d.wal.flushed) {
            let Some(e) = self.d.wal.get(self.d.wal.applied + 1).copied() else {
                break;
            };
            self.apply_entry(&e);
        }
    }

    /// Whether the leader makes a write visible on local flush (MySQL's
    /// `AFTER_COMMIT`) rather than on commit.
    pub(super) fn visible_on_flush(&self) -> bool {
        self.cfg.policy.visibility == Visibility::AfterCommit
    }

    /// Removes the log after `lsn`, undoing applied changes, and reports
    /// each removed entry. When the suffix to remove is no longer in
    /// memory (log and undo information), like `pg_rewind` without the WAL
    /// it needs, the node can only be re-cloned from its leader.
    pub(super) fn roll_back_after(&mut self, lsn: Lsn, out: &mut Vec<Effect>) {
        let log_reaches = lsn + 1 >= self.d.wal.first_retained_lsn();
        let undo_reaches =
            self.d.wal.applied <= lsn || self.d.undo.front().is_some_and(|u| u.lsn <= lsn + 1);
        if !log_reaches || !undo_reaches {
            self.rewind_impossible(lsn, out);
            return;
        }
        while let Some(u) = self.d.undo.back().copied() {
            if u.lsn <= lsn {
                break;
            }
            self.d.undo.pop_back();
            self.d.kv.set(u.key, u.before);
        }
        for entry in self.d.wal.truncate_after(lsn) {
            out.push(Effect::Note(super::Note::RolledBack { entry }));
        }
        self.d.gen += 1;
        self.s.writing = false;
        self.s.flushing = false;
        self.s.applying = false;
        if let Some(l) = self.role.leader_mut() {
            l.commit_lsn = l.commit_lsn.min(lsn);
        }
    }

    // ------------------------------------------------------------------
    // Reads
    // ------------------------------------------------------------------

    pub(super) fn on_read(
        &mut self,
        client: SessionId,
        req: ReqId,
        key: u32,
        min_lsn: Lsn,
        wait_us: u64,
        out: &mut Vec<Effect>,
    ) {
        let refuse = |error| Effect::Send {
            to: Addr::Client(client),
            msg: Msg::ReadErr { req, error },
        };
        if self.recloning() {
            out.push(refuse(ReadError::Unavailable));
        } else if self.d.wal.applied >= min_lsn {
            self.answer_read(client, req, key, out);
        } else if wait_us == 0 {
            out.push(refuse(ReadError::NotCaughtUp));
        } else {
            self.s.parked.push(ParkedRead {
                req,
                client,
                key,
                min_lsn,
            });
            self.arm(out, wait_us, super::Timer::ReadWait { req });
        }
    }

    fn answer_read(&self, client: SessionId, req: ReqId, key: u32, out: &mut Vec<Effect>) {
        let v = self.read(key);
        out.push(Effect::Send {
            to: Addr::Client(client),
            msg: Msg::ReadOk {
                req,
                key,
                value: v.value,
                version_lsn: v.lsn,
                version_epoch: v.epoch,
                applied_lsn: self.d.wal.applied,
            },
        });
    }

    fn serve_parked(&mut self, out: &mut Vec<Effect>) {
        if self.s.parked.is_empty() {
            return;
        }
        let applied = self.d.wal.applied;
        let mut i = 0;
        while i < self.s.parked.len() {
            if self.s.parked[i].min_lsn <= applied {
                let p = self.s.parked.swap_remove(i);
                self.answer_read(p.client, p.req, p.key, out);
            } else {
                i += 1;
            }
        }
    }

    pub(super) fn on_read_wait(&mut self, req: ReqId, out: &mut Vec<Effect>) {
        if let Some(i) = self.s.parked.iter().position(|p| p.req == req) {
            let p = self.s.parked.swap_remove(i);
            out.push(Effect::Send {
                to: Addr::Client(p.client),
                msg: Msg::ReadErr {
                    req,
                    error: ReadError::NotCaughtUp,
                },
            });
        }
    }
}
