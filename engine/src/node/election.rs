//! Failure detection and leader election among the nodes themselves.
//!
//! The leader sends heartbeats every `heartbeat_interval`. A follower that
//! hears nothing from its leader (no heartbeat, no WAL) for
//! `election_timeout` suspects it and, Raft-style, first asks its peers
//! whether they would vote for it (a pre-vote, which changes nothing), and
//! only if a majority would, becomes a candidate in a new epoch and asks
//! for votes. A peer grants its vote only to a candidate whose log is at
//! least as up to date as its own (compared by last epoch, then last LSN),
//! so the most up-to-date follower wins; a higher `priority` makes a node
//! start its campaign sooner, which breaks ties the way MongoDB member
//! priorities do. A majority of votes makes the candidate leader of that
//! epoch (after STONITH has powered the old leader off, when that is the
//! fencing). Because the timeout cannot tell a dead leader from a slow or
//! cut-off one, a spike or partition longer than the timeout causes a
//! failover even though the leader is alive — a false positive the
//! simulation counts.

use super::state::{CandidateState, FollowerState, RoleState};
use super::{Effect, Node, Note, Role, Timer};
use crate::detector::{Detector, DetectorKind};
use crate::message::Msg;
use crate::network::{Addr, NodeId};
use crate::scenario::Fencing;
use crate::wal::{Epoch, Lsn};
use alloc::vec::Vec;

/// A per-node, per-epoch offset in `0..timeout`, the deterministic stand-in
/// for Raft's randomised election timeouts: two candidates that tied in one
/// epoch are unlikely to tie again in the next, whatever the link latency.
fn spread_us(node: NodeId, epoch: Epoch, timeout_us: u64) -> u64 {
    let mut z = ((node as u64) << 32 | epoch as u64).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (z ^ (z >> 31)) % timeout_us.max(1)
}

impl Node {
    /// How often the detector looks: a tenth of the timeout (plus up to as
    /// much again of random jitter, so candidates rarely tie).
    pub(super) fn check_period_us(&self) -> u64 {
        (self.cfg.election_timeout_us / 10).max(1)
    }

    /// Extra wait before campaigning: lower priority waits longer, so the
    /// preferred node usually wins without a split vote.
    fn stagger_us(&self) -> u64 {
        (255 - self.cfg.priority as u64) * (self.cfg.election_timeout_us / 4096).max(1)
    }

    pub(super) fn on_heartbeat(
        &mut self,
        now_us: u64,
        leader: NodeId,
        epoch: Epoch,
        _lsn: Lsn,
        sent_us: u64,
        out: &mut Vec<Effect>,
    ) {
        if epoch < self.d.epoch {
            // Tell the leader of the older epoch: it steps down under epoch
            // fencing, or under elections so a new one can settle things.
            if self.cfg.fencing != Fencing::Epoch && !self.cfg.detector_enabled {
                return;
            }
            let w = &self.d.wal;
            out.push(Effect::Send {
                to: Addr::Node(leader),
                msg: Msg::Status {
                    written: w.written,
                    flushed: w.flushed,
                    applied: w.applied,
                    epoch: self.d.epoch,
                    resend: false,
                    heard_us: 0,
                },
            });
            return;
        }
        let known =
            epoch == self.d.epoch && self.role() == Role::Follower && self.d.leader == Some(leader);
        if !known {
            self.adopt_leader(now_us, leader, epoch, out);
        }
        if let Some(f) = self.role.follower_mut() {
            f.last_heard_leader_us = now_us;
            f.pre_votes = 0;
            f.heartbeat_sent_us = f.heartbeat_sent_us.max(sent_us);
        }
        if known {
            // Answer, so the leader knows when a majority last heard it
            // (its lease) even when no WAL flows.
            self.say_status(out, false);
        }
    }

    /// The silence after which this node gives up on its leader: the
    /// timeout, plus its priority stagger, plus its random spread for the
    /// current epoch.
    fn election_limit_us(&self) -> u64 {
        let timeout_us = self.cfg.election_timeout_us;
        timeout_us + self.stagger_us() + spread_us(self.id(), self.d.epoch, timeout_us)
    }

    /// This node's election timer at `now_us`, as the page draws it: `None`
    /// for a leader, a node without a detector (manual or manager mode) or
    /// one that may never campaign (priority 0).
    pub fn election_detector(&self, now_us: u64) -> Option<Detector> {
        if !self.cfg.detector_enabled || self.cfg.priority == 0 {
            return None;
        }
        let f = self.role.follower()?;
        let suspects = f.pre_votes > 0 || self.role() == Role::Candidate;
        // Counting towards the next attempt: from the last sign of the
        // leader, or from the last attempt (which restarts the timer).
        // Once suspecting, the silence from the leader itself, which has
        // passed the limit.
        let since_us = if suspects {
            f.last_heard_leader_us
        } else {
            f.last_heard_leader_us.max(f.last_attempt_us)
        };
        Some(Detector {
            kind: DetectorKind::ElectionTimeout,
            elapsed_us: now_us.saturating_sub(since_us),
            limit_us: self.election_limit_us(),
            suspects,
        })
    }

    pub(super) fn on_election_check(&mut self, now_us: u64, out: &mut Vec<Effect>) {
        if !self.cfg.detector_enabled || self.role() == Role::Leader {
            return;
        }
        let Some(f) = self.role.follower() else {
            return;
        };
        let quiet_since = f.last_heard_leader_us.max(f.last_attempt_us);
        let silent = now_us.saturating_sub(quiet_since);
        if self.cfg.priority > 0 && silent >= self.election_limit_us() {
            if self.role() == Role::Follower && f.pre_votes == 0 {
                if let Some(l) = self.d.leader {
                    out.push(Effect::Note(Note::LeaderSuspected { leader: l }));
                }
            }
            self.start_pre_vote(now_us, out);
        }
        out.push(Effect::Timer {
            after_us: self.check_period_us(),
            jitter_us: self.check_period_us(),
            timer: Timer::ElectionCheck,
        });
    }

    /// Asks the peers whether they would vote for us in the next epoch,
    /// without changing anything: only if a majority would does the real
    /// campaign start.
    fn start_pre_vote(&mut self, now_us: u64, out: &mut Vec<Effect>) {
        if let Some(f) = self.role.follower_mut() {
            f.pre_votes = 1;
            f.last_attempt_us = now_us;
        }
        self.ask_votes(self.d.epoch + 1, true, out);
        self.maybe_campaign(now_us, out);
    }

    fn maybe_campaign(&mut self, now_us: u64, out: &mut Vec<Effect>) {
        let majority = self.cfg.nodes / 2;
        let Some(f) = self.role.follower_mut() else {
            return;
        };
        if f.pre_votes > majority {
            f.pre_votes = 0;
            self.start_campaign(now_us, out);
        }
    }

    fn ask_votes(&self, epoch: Epoch, pre: bool, out: &mut Vec<Effect>) {
        let me = self.id();
        for n in 0..self.cfg.nodes {
            if n != me {
                out.push(Effect::Send {
                    to: Addr::Node(n),
                    msg: Msg::VoteReq {
                        epoch,
                        last_epoch: self.d.wal.last_epoch(),
                        last_lsn: self.d.wal.last_lsn(),
                        priority: self.cfg.priority,
                        pre,
                    },
                });
            }
        }
    }

    fn start_campaign(&mut self, now_us: u64, out: &mut Vec<Effect>) {
        let old = core::mem::replace(
            &mut self.role,
            RoleState::Follower(FollowerState::default()),
        );
        let mut c = match old {
            RoleState::Follower(f) => CandidateState {
                follower: f,
                votes: 0,
                awaiting_stonith: false,
                deposed: self.d.leader,
                campaign_started_us: 0,
            },
            RoleState::Candidate(c) => c,
            RoleState::Leader(l) => {
                // A leader never campaigns; keep it leading.
                self.role = RoleState::Leader(l);
                return;
            }
        };
        self.d.epoch += 1;
        self.d.voted_for = Some(self.id());
        c.votes = 1;
        c.campaign_started_us = self.local_us(now_us);
        // A failed campaign retries a full timeout later.
        c.follower.last_attempt_us = now_us;
        self.role = RoleState::Candidate(c);
        out.push(Effect::Note(Note::RoleChanged {
            role: Role::Candidate,
            epoch: self.d.epoch,
        }));
        self.ask_votes(self.d.epoch, false, out);
        self.maybe_win(now_us, out);
    }

    fn maybe_win(&mut self, now_us: u64, out: &mut Vec<Effect>) {
        let (majority, me, stonith) = (
            self.cfg.nodes / 2,
            self.id(),
            self.cfg.fencing == Fencing::Stonith,
        );
        let RoleState::Candidate(c) = &mut self.role else {
            return;
        };
        if c.votes <= majority || c.awaiting_stonith {
            return;
        }
        match c.deposed {
            Some(old) if stonith && old != me => {
                c.awaiting_stonith = true;
                out.push(Effect::Stonith { target: old });
            }
            _ => {
                let epoch = self.d.epoch;
                self.become_leader(now_us, epoch, out);
            }
        }
    }

    /// The answer to an `Effect::Stonith`: the old leader is off (`ok`), or
    /// could not be reached, in which case this candidate gives up for now
    /// and tries again after another timeout.
    pub(super) fn on_stonith(
        &mut self,
        now_us: u64,
        target: NodeId,
        ok: bool,
        out: &mut Vec<Effect>,
    ) {
        let RoleState::Candidate(c) = &mut self.role else {
            return;
        };
        c.awaiting_stonith = false;
        if ok {
            let epoch = self.d.epoch;
            self.become_leader(now_us, epoch, out);
        } else {
            out.push(Effect::Note(Note::StonithFailed { target }));
            self.stop_campaigning();
            if let Some(f) = self.role.follower_mut() {
                f.last_attempt_us = now_us;
            }
            out.push(Effect::Note(Note::RoleChanged {
                role: Role::Follower,
                epoch: self.d.epoch,
            }));
        }
    }

    /// A candidate goes back to following, keeping its follower state.
    fn stop_campaigning(&mut self) {
        if let RoleState::Candidate(c) = &self.role {
            self.role = RoleState::Follower(c.follower.clone());
        }
    }

    pub(super) fn on_vote_message(
        &mut self,
        now_us: u64,
        from: NodeId,
        msg: Msg,
        out: &mut Vec<Effect>,
    ) {
        match msg {
            Msg::VoteReq {
                epoch,
                last_epoch,
                last_lsn,
                pre,
                ..
            } => self.on_vote_request(now_us, from, epoch, (last_epoch, last_lsn), pre, out),
            Msg::Vote {
                epoch,
                granted: true,
                pre: true,
            } if self.role() != Role::Leader && epoch == self.d.epoch + 1 => {
                let Some(f) = self.role.follower_mut() else {
                    return;
                };
                if f.pre_votes > 0 {
                    f.pre_votes += 1;
                    self.maybe_campaign(now_us, out);
                }
            }
            Msg::Vote {
                epoch,
                granted,
                pre: false,
            } => {
                if epoch == self.d.epoch && granted && self.role() == Role::Candidate {
                    if let RoleState::Candidate(c) = &mut self.role {
                        c.votes += 1;
                    }
                    self.maybe_win(now_us, out);
                } else if epoch > self.d.epoch && self.role() != Role::Leader {
                    self.d.epoch = epoch;
                    self.stop_campaigning();
                    self.d.voted_for = None;
                }
            }
            _ => {}
        }
    }

    fn on_vote_request(
        &mut self,
        now_us: u64,
        from: NodeId,
        epoch: Epoch,
        candidate_log: (Epoch, Lsn),
        pre: bool,
        out: &mut Vec<Effect>,
    ) {
        // Leader stickiness: a node that still hears a live leader refuses
        // to help depose it.
        let leader_alive = self.role() == Role::Leader
            || (self.role() == Role::Follower
                && self.d.leader.is_some()
                && self.role.follower().is_some_and(|f| {
                    now_us.saturating_sub(f.last_heard_leader_us) < self.cfg.election_timeout_us
                }));
        let log_ok = candidate_log >= (self.d.wal.last_epoch(), self.d.wal.last_lsn());
        if pre {
            if epoch <= self.d.epoch {
                // The asker is behind on epochs: no pre-vote for it can ever
                // be granted until it learns the current one, so tell it (a
                // plain refusal carrying our epoch, which it adopts). Without
                // this a node with the longest log but a stale epoch asks
                // forever and nobody else may win.
                out.push(Effect::Send {
                    to: Addr::Node(from),
                    msg: Msg::Vote {
                        epoch: self.d.epoch,
                        granted: false,
                        pre: false,
                    },
                });
                return;
            }
            // Would we vote? Change nothing.
            let granted = epoch > self.d.epoch && !leader_alive && log_ok;
            out.push(Effect::Send {
                to: Addr::Node(from),
                msg: Msg::Vote {
                    epoch,
                    granted,
                    pre: true,
                },
            });
            return;
        }
        if epoch > self.d.epoch && !leader_alive {
            self.d.epoch = epoch;
            self.d.voted_for = None;
            self.stop_campaigning();
        }
        let granted = epoch == self.d.epoch
            && !leader_alive
            && self.d.voted_for.is_none_or(|v| v == from)
            && log_ok;
        if granted {
            self.d.voted_for = Some(from);
            if let Some(f) = self.role.follower_mut() {
                f.last_attempt_us = now_us;
            }
        }
        out.push(Effect::Send {
            to: Addr::Node(from),
            msg: Msg::Vote {
                epoch: self.d.epoch,
                granted,
                pre: false,
            },
        });
    }
}
