//! Failure detection and leader election among the nodes themselves.
//!
//! The leader sends heartbeats every `heartbeat_interval`. A follower that
//! hears nothing from its leader (no heartbeat, no WAL) for
//! `election_timeout` suspects it and, Raft-style, becomes a candidate in a
//! new epoch and asks its peers for votes. A peer grants its vote only to a
//! candidate whose log is at least as up to date as its own (compared by
//! last epoch, then last LSN), so the most up-to-date follower wins; a
//! higher `priority` makes a node start its campaign sooner, which breaks
//! ties the way MongoDB member priorities do. A majority of votes makes the
//! candidate leader of that epoch. Because the timeout cannot tell a dead
//! leader from a slow or cut-off one, a spike or partition longer than the
//! timeout causes a failover even though the leader is alive — a false
//! positive the simulation counts.

use crate::message::Msg;
use crate::network::{Addr, NodeId};
use crate::node::{Effect, Node, Note, Role, Timer};
use crate::wal::{Epoch, Lsn};

/// Per-node failure-detector and election state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FailoverState {
    /// Followers run the failure detector and may start elections.
    pub detector_enabled: bool,
    /// Silence after which the leader is suspected.
    pub election_timeout_us: u64,
    /// Higher starts campaigns sooner; 0 never becomes leader.
    pub priority: u8,
    /// Last time this node heard from its leader.
    pub last_heard_leader_us: u64,
    /// Last time this node asked for or granted a vote: the detector waits
    /// a full timeout after that before trying again, without pretending
    /// it heard a leader.
    pub last_attempt_us: u64,
    /// Candidate this node voted for in its current epoch.
    pub voted_for: Option<NodeId>,
    /// Votes collected as a candidate.
    pub votes: u8,
    /// Pre-votes collected for the epoch after the current one (0: not
    /// asking).
    pub pre_votes: u8,
    /// Leader lease length (0: no lease self-demotion).
    pub lease_us: u64,
    /// Leader: the lease is valid until this local time.
    pub lease_until_us: u64,
    /// The leader this node followed when it started campaigning: the one
    /// STONITH must power off.
    pub deposed: Option<NodeId>,
    /// Candidate: won the vote, waiting for STONITH to confirm.
    pub awaiting_stonith: bool,
}

impl FailoverState {
    /// How often the detector looks: a tenth of the timeout (plus up to
    /// as much again of random jitter, so candidates rarely tie).
    pub fn check_period_us(&self) -> u64 {
        (self.election_timeout_us / 10).max(1)
    }

    /// Forgets what a crash forgets.
    pub fn reset_volatile(&mut self) {
        self.votes = 0;
        self.pre_votes = 0;
        self.lease_until_us = 0;
        self.awaiting_stonith = false;
    }

    /// Whether a leader with a lease has let it run out.
    pub fn lease_expired(&self, now_us: u64) -> bool {
        self.lease_us > 0 && now_us > self.lease_until_us
    }

    /// A fresh leader holds a fresh lease.
    pub fn became_leader(&mut self, now_us: u64) {
        self.votes = 0;
        self.voted_for = None;
        self.lease_until_us = now_us + self.lease_us;
    }

    /// Extra wait before campaigning: lower priority waits longer, so the
    /// preferred node usually wins without a split vote.
    fn stagger_us(&self) -> u64 {
        (255 - self.priority as u64) * (self.election_timeout_us / 4096).max(1)
    }
}

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
    pub(crate) fn on_heartbeat_timer(&mut self, now_us: u64, out: &mut alloc::vec::Vec<Effect>) {
        self.heartbeat_ticking = false;
        if self.role != Role::Leader {
            return;
        }
        let me = self.id();
        for n in 0..self.cfg.nodes {
            if n != me {
                out.push(Effect::Send {
                    to: Addr::Node(n),
                    msg: Msg::Heartbeat {
                        epoch: self.epoch,
                        lsn: self.wal.flushed,
                    },
                });
            }
        }
        // A leader renews its lease while a majority keeps answering.
        if self.failover.lease_us > 0 {
            let heard = self
                .peers
                .iter()
                .enumerate()
                .filter(|(i, p)| {
                    *i as NodeId != me
                        && now_us.saturating_sub(p.last_heard_us) < self.failover.lease_us
                })
                .count() as u8;
            if heard + 1 > self.cfg.nodes / 2 {
                self.failover.lease_until_us = self.local_us(now_us) + self.failover.lease_us;
            } else if self.lease_expired(now_us) {
                out.push(Effect::Note(Note::LeaseExpired));
            }
        }
        self.heartbeat_ticking = true;
        out.push(Effect::Timer {
            after_us: self.cfg.heartbeat_interval_us,
            timer: Timer::Heartbeat,
        });
    }

    pub(crate) fn on_heartbeat(
        &mut self,
        now_us: u64,
        leader: NodeId,
        epoch: Epoch,
        _lsn: Lsn,
        out: &mut alloc::vec::Vec<Effect>,
    ) {
        if epoch < self.epoch {
            // Tell the leader of the older epoch: it steps down under epoch
            // fencing, or under elections so a new one can settle things.
            if self.cfg.fencing != crate::scenario::Fencing::Epoch
                && !self.failover.detector_enabled
            {
                return;
            }
            // Tell a deposed leader about the newer epoch.
            out.push(Effect::Send {
                to: Addr::Node(leader),
                msg: Msg::Status {
                    written: self.wal.written,
                    flushed: self.wal.flushed,
                    applied: self.wal.applied,
                    epoch: self.epoch,
                    resend: false,
                },
            });
            return;
        }
        if epoch > self.epoch || self.role != Role::Follower || self.leader != Some(leader) {
            self.adopt_leader(now_us, leader, epoch, out);
        } else {
            // Answer, so the leader knows a majority still hears it (its
            // lease) even when no WAL flows.
            self.say_status(out, false);
        }
        self.failover.last_heard_leader_us = now_us;
        self.failover.pre_votes = 0;
    }

    pub(crate) fn on_election_check(&mut self, now_us: u64, out: &mut alloc::vec::Vec<Effect>) {
        self.election_ticking = false;
        if !self.failover.detector_enabled || self.role == Role::Leader {
            return;
        }
        let quiet_since = self
            .failover
            .last_heard_leader_us
            .max(self.failover.last_attempt_us);
        let silent = now_us.saturating_sub(quiet_since);
        let limit = self.failover.election_timeout_us
            + self.failover.stagger_us()
            + spread_us(self.id(), self.epoch, self.failover.election_timeout_us);
        if self.failover.priority > 0 && silent >= limit {
            if self.role == Role::Follower && self.failover.pre_votes == 0 {
                if let Some(l) = self.leader {
                    out.push(Effect::Note(Note::LeaderSuspected { leader: l }));
                }
            }
            self.start_pre_vote(now_us, out);
        }
        self.election_ticking = true;
        out.push(Effect::JitteredTimer {
            after_us: self.failover.check_period_us(),
            jitter_us: self.failover.check_period_us(),
            timer: Timer::ElectionCheck,
        });
    }

    /// Asks the peers whether they would vote for us in the next epoch,
    /// without changing anything: only if a majority would does the real
    /// campaign start.
    fn start_pre_vote(&mut self, now_us: u64, out: &mut alloc::vec::Vec<Effect>) {
        self.failover.pre_votes = 1;
        self.failover.last_attempt_us = now_us;
        self.ask_votes(self.epoch + 1, true, out);
        self.maybe_campaign(now_us, out);
    }

    fn maybe_campaign(&mut self, now_us: u64, out: &mut alloc::vec::Vec<Effect>) {
        if self.failover.pre_votes > self.cfg.nodes / 2 {
            self.failover.pre_votes = 0;
            self.start_campaign(now_us, out);
        }
    }

    fn ask_votes(&self, epoch: Epoch, pre: bool, out: &mut alloc::vec::Vec<Effect>) {
        let me = self.id();
        for n in 0..self.cfg.nodes {
            if n != me {
                out.push(Effect::Send {
                    to: Addr::Node(n),
                    msg: Msg::VoteReq {
                        epoch,
                        last_epoch: self.wal.last_epoch(),
                        last_lsn: self.wal.last_lsn(),
                        priority: self.failover.priority,
                        pre,
                    },
                });
            }
        }
    }

    fn start_campaign(&mut self, now_us: u64, out: &mut alloc::vec::Vec<Effect>) {
        if self.role == Role::Follower {
            self.failover.deposed = self.leader;
        }
        self.epoch += 1;
        self.role = Role::Candidate;
        self.failover.voted_for = Some(self.id());
        self.failover.votes = 1;
        // A failed campaign retries a full timeout later.
        self.failover.last_attempt_us = now_us;
        out.push(Effect::Note(Note::RoleChanged {
            role: Role::Candidate,
            epoch: self.epoch,
        }));
        self.ask_votes(self.epoch, false, out);
        self.maybe_win(now_us, out);
    }

    fn maybe_win(&mut self, now_us: u64, out: &mut alloc::vec::Vec<Effect>) {
        if self.role != Role::Candidate
            || self.failover.votes <= self.cfg.nodes / 2
            || self.failover.awaiting_stonith
        {
            return;
        }
        match self.failover.deposed {
            Some(old)
                if self.cfg.fencing == crate::scenario::Fencing::Stonith && old != self.id() =>
            {
                self.failover.awaiting_stonith = true;
                out.push(Effect::Stonith { target: old });
            }
            _ => {
                let epoch = self.epoch;
                self.become_leader(now_us, epoch, out);
            }
        }
    }

    /// The answer to an `Effect::Stonith`: the old leader is off (`ok`), or
    /// could not be reached, in which case this candidate gives up for now
    /// and tries again after another timeout.
    pub fn on_stonith(
        &mut self,
        now_us: u64,
        target: NodeId,
        ok: bool,
        out: &mut alloc::vec::Vec<Effect>,
    ) {
        self.failover.awaiting_stonith = false;
        if self.role != Role::Candidate {
            return;
        }
        if ok {
            let epoch = self.epoch;
            self.become_leader(now_us, epoch, out);
        } else {
            out.push(Effect::Note(Note::StonithFailed { target }));
            self.role = Role::Follower;
            self.failover.last_attempt_us = now_us;
            out.push(Effect::Note(Note::RoleChanged {
                role: Role::Follower,
                epoch: self.epoch,
            }));
        }
    }

    pub(crate) fn on_failover_message(
        &mut self,
        now_us: u64,
        from: NodeId,
        msg: Msg,
        out: &mut alloc::vec::Vec<Effect>,
    ) {
        match msg {
            Msg::VoteReq {
                epoch,
                last_epoch,
                last_lsn,
                pre,
                ..
            } => {
                // Leader stickiness: a node that still hears a live leader
                // refuses to help depose it.
                let leader_alive = self.role == Role::Leader
                    || (self.role == Role::Follower
                        && self.leader.is_some()
                        && now_us.saturating_sub(self.failover.last_heard_leader_us)
                            < self.failover.election_timeout_us);
                let log_ok = (last_epoch, last_lsn) >= (self.wal.last_epoch(), self.wal.last_lsn());
                if pre {
                    // Would we vote? Change nothing.
                    let granted = epoch > self.epoch && !leader_alive && log_ok;
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
                if epoch > self.epoch && !leader_alive {
                    self.epoch = epoch;
                    self.failover.voted_for = None;
                    if self.role == Role::Candidate {
                        self.role = Role::Follower;
                    }
                }
                let granted = epoch == self.epoch
                    && !leader_alive
                    && self.failover.voted_for.is_none_or(|v| v == from)
                    && log_ok;
                if granted {
                    self.failover.voted_for = Some(from);
                    self.failover.last_attempt_us = now_us;
                }
                out.push(Effect::Send {
                    to: Addr::Node(from),
                    msg: Msg::Vote {
                        epoch: self.epoch,
                        granted,
                        pre: false,
                    },
                });
            }
            Msg::Vote {
                epoch,
                granted: true,
                pre: true,
            } if self.role != Role::Leader
                && self.failover.pre_votes > 0
                && epoch == self.epoch + 1 =>
            {
                self.failover.pre_votes += 1;
                self.maybe_campaign(now_us, out);
            }
            Msg::Vote {
                epoch,
                granted,
                pre: false,
            } => {
                if epoch == self.epoch && granted && self.role == Role::Candidate {
                    self.failover.votes += 1;
                    self.maybe_win(now_us, out);
                } else if epoch > self.epoch && self.role != Role::Leader {
                    self.epoch = epoch;
                    self.role = Role::Follower;
                    self.failover.voted_for = None;
                }
            }
            _ => {}
        }
    }
}
