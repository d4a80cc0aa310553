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
    /// Candidate this node voted for in its current epoch.
    pub voted_for: Option<NodeId>,
    /// Votes collected as a candidate.
    pub votes: u8,
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

impl Node {
    pub(crate) fn on_heartbeat_timer(&mut self, now_us: u64, out: &mut alloc::vec::Vec<Effect>) {
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
            if self.cfg.fencing != crate::scenario::Fencing::Epoch {
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
    }

    pub(crate) fn on_election_check(&mut self, now_us: u64, out: &mut alloc::vec::Vec<Effect>) {
        if !self.failover.detector_enabled || self.role == Role::Leader {
            return;
        }
        let silent = now_us.saturating_sub(self.failover.last_heard_leader_us);
        let limit = self.failover.election_timeout_us + self.failover.stagger_us();
        if self.failover.priority > 0 && silent >= limit {
            if self.role == Role::Follower {
                if let Some(l) = self.leader {
                    out.push(Effect::Note(Note::LeaderSuspected { leader: l }));
                }
            }
            self.start_campaign(now_us, out);
        }
        out.push(Effect::JitteredTimer {
            after_us: self.failover.check_period_us(),
            jitter_us: self.failover.check_period_us(),
            timer: Timer::ElectionCheck,
        });
    }

    fn start_campaign(&mut self, now_us: u64, out: &mut alloc::vec::Vec<Effect>) {
        if self.role == Role::Follower {
            self.failover.deposed = self.leader;
        }
        self.epoch += 1;
        self.role = Role::Candidate;
        self.failover.voted_for = Some(self.id());
        self.failover.votes = 1;
        // Restart the silence clock so a failed campaign retries after a
        // full timeout in a higher epoch.
        self.failover.last_heard_leader_us = now_us;
        out.push(Effect::Note(Note::RoleChanged {
            role: Role::Candidate,
            epoch: self.epoch,
        }));
        let me = self.id();
        for n in 0..self.cfg.nodes {
            if n != me {
                out.push(Effect::Send {
                    to: Addr::Node(n),
                    msg: Msg::VoteReq {
                        epoch: self.epoch,
                        last_epoch: self.wal.last_epoch(),
                        last_lsn: self.wal.last_lsn(),
                        priority: self.failover.priority,
                    },
                });
            }
        }
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
            self.failover.last_heard_leader_us = now_us;
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
                ..
            } => {
                // Leader stickiness: a node that still hears a live leader
                // refuses to help depose it.
                let leader_alive = self.role == Role::Leader
                    || (self.role == Role::Follower
                        && now_us.saturating_sub(self.failover.last_heard_leader_us)
                            < self.failover.election_timeout_us);
                if epoch > self.epoch && !leader_alive {
                    self.epoch = epoch;
                    self.failover.voted_for = None;
                    if self.role == Role::Candidate {
                        self.role = Role::Follower;
                    }
                }
                let ours = (self.wal.last_epoch(), self.wal.last_lsn());
                let granted = epoch == self.epoch
                    && !leader_alive
                    && self.failover.voted_for.is_none_or(|v| v == from)
                    && (last_epoch, last_lsn) >= ours;
                if granted {
                    self.failover.voted_for = Some(from);
                    self.failover.last_heard_leader_us = now_us;
                }
                out.push(Effect::Send {
                    to: Addr::Node(from),
                    msg: Msg::Vote {
                        epoch: self.epoch,
                        granted,
                    },
                });
            }
            Msg::Vote { epoch, granted } => {
                if epoch == self.epoch && granted && self.role == Role::Candidate {
                    self.failover.votes += 1;
                    self.maybe_win(now_us, out);
                } else if epoch > self.epoch && self.role != Role::Leader {
                    self.epoch = epoch;
                    self.role = Role::Follower;
                    self.failover.voted_for = None;
                }
            }
            Msg::Promote { epoch } if epoch > self.epoch => self.become_leader(now_us, epoch, out),
            Msg::Follow { leader, epoch } if epoch >= self.epoch => {
                self.adopt_leader(now_us, leader, epoch, out)
            }
            _ => {}
        }
    }
}
