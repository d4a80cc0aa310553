//! The follower's side of the stream: receiving WAL records, rejoining a
//! leader after a failover, reporting positions, and being re-cloned.
//!
//! A follower appends each record that continues its log and asks the
//! leader to resend from its own position when a record is missing (a cut
//! link or a lost message). After following another leader, or on restart,
//! it first asks the leader where its last epoch ends in the leader's log
//! and cuts off any suffix a deposed leader wrote (PostgreSQL's timeline
//! check and `pg_rewind`, Raft's log matching); only then does it report
//! positions, so the leader never takes a divergent log for a caught-up
//! one. It reports written / flushed / applied positions after each step
//! and on the status interval (`wal_receiver_status_interval`).

use super::{Effect, Node, Note, Role, Snapshot, Timer};
use crate::message::Msg;
use crate::network::{Addr, NodeId};
use crate::scenario::Fencing;
use crate::wal::{Entry, Epoch, Lsn};
use alloc::vec::Vec;

impl Node {
    pub(super) fn on_wal(
        &mut self,
        now_us: u64,
        leader: NodeId,
        entry: Entry,
        prev_epoch: Epoch,
        leader_epoch: Epoch,
        out: &mut Vec<Effect>,
    ) {
        if leader_epoch < self.d.epoch {
            // A deposed leader is still streaming. With epoch fencing we
            // refuse and tell it about the newer epoch so it steps down;
            // otherwise we just do not follow it.
            if self.cfg.fencing == Fencing::Epoch {
                out.push(Effect::Note(Note::RefusedStaleEpoch {
                    from_epoch: leader_epoch,
                }));
                self.send_status_to(leader, out, false);
            }
            return;
        }
        if self.role() == Role::Follower
            && self.d.leader.is_some_and(|l| l != leader)
            && leader_epoch == self.d.epoch
        {
            return; // not the node we follow
        }
        if leader_epoch > self.d.epoch || self.role() != Role::Follower {
            self.adopt_leader(now_us, leader, leader_epoch, out);
            return; // resume after the rejoin handshake
        }
        self.d.leader = Some(leader);
        let Some(f) = self.role.follower_mut() else {
            return;
        };
        f.last_heard_leader_us = now_us;
        f.heard_wal = true;
        if f.recloning {
            return;
        }
        let lsn = entry.lsn;
        let last = self.d.wal.last_lsn();
        if lsn <= last {
            if self.d.wal.epoch_at(lsn) == Some(entry.epoch) {
                return; // duplicate after a resend
            }
            // Our suffix from `lsn` on was written by a deposed leader.
            self.roll_back_after(lsn - 1, out);
        } else if lsn > last + 1 {
            if f.resend_asked != Some(last) {
                f.resend_asked = Some(last);
                self.send_status_to(leader, out, true);
            }
            return;
        }
        if self.d.wal.epoch_at(lsn - 1) != Some(prev_epoch) {
            // The entry before also diverges: step back one and ask again.
            let back = lsn.saturating_sub(2);
            self.roll_back_after(back, out);
            if let Some(f) = self.role.follower_mut() {
                f.resend_asked = Some(back);
            }
            self.send_status_to(leader, out, true);
            return;
        }
        if let Some(f) = self.role.follower_mut() {
            f.resend_asked = None;
        }
        self.append(entry, out);
        if !self.s.writing {
            self.s.writing = true;
            out.push(Effect::DiskWrite {
                upto: lsn,
                gen: self.d.gen,
            });
        }
    }

    /// The log cannot be rewound to `lsn` (see `roll_back_after`): stop
    /// serving and copy the leader's data afresh.
    pub(super) fn rewind_impossible(&mut self, lsn: Lsn, out: &mut Vec<Effect>) {
        let me = self.id();
        let source = self.d.leader.filter(|l| *l != me);
        let Some(f) = self.role.follower_mut() else {
            return;
        };
        if f.recloning {
            return;
        }
        f.rejoining = false;
        out.push(Effect::Note(Note::RewindImpossible { to_lsn: lsn }));
        if let Some(from) = source {
            f.recloning = true;
            out.push(Effect::Reclone { from });
        }
    }

    /// The leader cannot stream to us any more (we fell out of its retained
    /// log): copy its data afresh, serving no reads meanwhile.
    pub(super) fn start_reclone(&mut self, from: NodeId, out: &mut Vec<Effect>) {
        if let Some(f) = self.role.follower_mut() {
            if !f.recloning {
                f.recloning = true;
                out.push(Effect::Reclone { from });
            }
        }
    }

    /// Replaces this node's data and log with a leader's copy, then asks
    /// the leader to stream from there.
    pub(super) fn install_snapshot(
        &mut self,
        snap: Snapshot,
        leader: NodeId,
        out: &mut Vec<Effect>,
    ) {
        self.d.kv = snap.kv;
        self.d.undo.clear();
        self.d.wal.reset_to(snap.lsn, snap.epoch, &snap.history);
        self.d.gen += 1;
        self.s.writing = false;
        self.s.flushing = false;
        self.s.applying = false;
        if let Some(f) = self.role.follower_mut() {
            f.recloning = false;
            f.resend_asked = None;
        }
        self.d.epoch = self.d.epoch.max(snap.leader_epoch);
        self.d.leader = Some(leader);
        self.say_status(out, true);
    }

    // ------------------------------------------------------------------
    // Rejoining a leader
    // ------------------------------------------------------------------

    /// Asks the leader where our last epoch ends in its log, so a
    /// divergent suffix (written by a deposed leader) can be cut off before
    /// streaming resumes.
    pub(super) fn start_rejoin(&mut self, out: &mut Vec<Effect>) {
        let me = self.id();
        let (leader, last_lsn, last_epoch) = (
            self.d.leader,
            self.d.wal.last_lsn(),
            self.d.wal.last_epoch(),
        );
        match leader {
            Some(l) if l != me && last_lsn > 0 => {
                if let Some(f) = self.role.follower_mut() {
                    f.rejoining = true;
                }
                out.push(Effect::Send {
                    to: Addr::Node(l),
                    msg: Msg::EpochEndReq { epoch: last_epoch },
                });
            }
            _ => {
                if let Some(f) = self.role.follower_mut() {
                    f.rejoining = false;
                }
                self.say_status(out, true);
            }
        }
    }

    pub(super) fn on_epoch_end(
        &mut self,
        leader: NodeId,
        epoch: Epoch,
        end_lsn: Lsn,
        held: Epoch,
        out: &mut Vec<Effect>,
    ) {
        if self.d.leader != Some(leader) || self.role() != Role::Follower {
            return;
        }
        let rejoining = self.role.follower().is_some_and(|f| f.rejoining);
        if !rejoining || epoch != self.d.wal.last_epoch() {
            return; // an answer to an older question
        }
        // The leader may not hold our last epoch at all (a leader it never
        // followed wrote it): then our entries of any epoch newer than the
        // one it holds diverge too, even below `end_lsn`.
        let agreed = end_lsn.min(self.d.wal.epoch_end(held));
        if self.d.wal.last_lsn() > agreed {
            self.roll_back_after(agreed, out);
            // Our new last entry may itself belong to an epoch the leader
            // never had: ask again.
            self.start_rejoin(out);
        } else {
            if let Some(f) = self.role.follower_mut() {
                f.rejoining = false;
            }
            self.say_status(out, true);
        }
    }

    // ------------------------------------------------------------------
    // Status reports
    // ------------------------------------------------------------------

    pub(super) fn on_status_tick(&mut self, out: &mut Vec<Effect>) {
        if self.role() == Role::Follower {
            let f = self.role.follower().cloned().unwrap_or_default();
            if f.rejoining {
                // The question or its answer was lost: ask again.
                self.start_rejoin(out);
            } else {
                // Silence for a whole interval may mean records were
                // lost on the way (a cut link): ask to resume from
                // our position. Duplicates are ignored.
                self.say_status(out, !f.heard_wal);
            }
            if let Some(f) = self.role.follower_mut() {
                f.heard_wal = false;
            }
        }
        if self.role() != Role::Leader {
            self.arm_follower_timers(out);
        }
    }

    pub(super) fn report_if_changed(&mut self, out: &mut Vec<Effect>) {
        let Some(f) = self.role.follower() else {
            return;
        };
        if f.rejoining {
            return;
        }
        let w = &self.d.wal;
        if (w.written, w.flushed, w.applied) != f.reported {
            self.say_status(out, false);
        }
    }

    /// Reports positions to the leader, unless the node is being re-cloned:
    /// its data is being replaced, so it has nothing to report (a standby
    /// rebuilt by `pg_basebackup` has no stream meanwhile).
    pub(super) fn say_status(&mut self, out: &mut Vec<Effect>, resend: bool) {
        if self.recloning() {
            return;
        }
        if let Some(l) = self.d.leader {
            if l != self.id() {
                self.send_status_to(l, out, resend);
            }
        }
    }

    pub(super) fn send_status_to(&mut self, to: NodeId, out: &mut Vec<Effect>, resend: bool) {
        let w = &self.d.wal;
        let (written, flushed, applied) = (w.written, w.flushed, w.applied);
        let mut heard_us = 0;
        if let Some(f) = self.role.follower_mut() {
            f.reported = (written, flushed, applied);
            heard_us = f.heartbeat_sent_us;
        }
        out.push(Effect::Send {
            to: Addr::Node(to),
            msg: Msg::Status {
                written,
                flushed,
                applied,
                epoch: self.d.epoch,
                resend,
                heard_us,
            },
        });
    }

    /// Starts the status-report and failure-detector timers (the driver
    /// keeps at most one of each).
    pub(super) fn arm_follower_timers(&mut self, out: &mut Vec<Effect>) {
        self.arm(out, self.cfg.status_interval_us, Timer::StatusTick);
        if self.cfg.detector_enabled {
            self.arm(out, self.check_period_us(), Timer::ElectionCheck);
        }
    }
}
