//! The leader's side: accepting writes, streaming the log, counting
//! acknowledgements under the commit policy, and keeping its lease.
//!
//! A write is appended to the WAL, written and fsynced; the leader then
//! ships it to every connected follower (only flushed WAL is shipped, as
//! PostgreSQL's walsender does) and asks the commit policy
//! ([`CommitPolicy::quorum_lsn`](crate::policy::CommitPolicy::quorum_lsn))
//! how far the followers' reported positions let it commit. What happens
//! when the quorum does not answer (wait, fail after a timeout, fall back
//! to asynchronous) is the policy's `on_unmet`. Followers that stay silent
//! past `wal_sender_timeout` are dropped from the quorum.

use super::state::{LeaderState, PeerState, Pending};
use super::{Effect, Node, Note, Role, Timer};
use crate::message::{Msg, ReqId, WriteError};
use crate::network::{Addr, NodeId, SessionId};
use crate::policy::{OnUnmet, WaitFor};
use crate::scenario::Fencing;
use crate::wal::{Entry, Epoch, Lsn, Op};
use alloc::vec::Vec;

/// How often a leader looks for followers silent past the sender
/// timeout: often enough that a drop happens within about 2 % of it.
fn sender_check_period(timeout_us: u64) -> u64 {
    (timeout_us / 60).max(1_000)
}

/// A client's write, as it arrived.
pub(super) struct WriteRequest {
    pub req: ReqId,
    pub op: Op,
    /// The newest epoch the client knows of.
    pub epoch: Epoch,
    /// The session's own `synchronous_commit`, if it overrides the policy.
    pub wait: Option<WaitFor>,
}

/// A follower's status report, as it arrived.
pub(super) struct StatusReport {
    /// Written, flushed and applied positions.
    pub pos: (Lsn, Lsn, Lsn),
    /// The newest epoch the follower knows of.
    pub epoch: Epoch,
    /// It asks to be streamed from its written position.
    pub resend: bool,
    /// The leader-clock time of the newest heartbeat it heard.
    pub heard_us: u64,
}

impl Node {
    fn refuse(&self, out: &mut Vec<Effect>, to: Addr, req: ReqId, error: WriteError) {
        out.push(Effect::Send {
            to,
            msg: Msg::WriteErr { req, error, lsn: 0 },
        });
    }

    pub(super) fn on_write(
        &mut self,
        now_us: u64,
        client: SessionId,
        w: WriteRequest,
        out: &mut Vec<Effect>,
    ) {
        let WriteRequest {
            req,
            op,
            epoch: client_epoch,
            wait,
        } = w;
        let to = Addr::Client(client);
        if self.role() != Role::Leader {
            self.refuse(out, to, req, WriteError::NotLeader);
            return;
        }
        if self.cfg.fencing == Fencing::Epoch && client_epoch > self.d.epoch {
            // The client has seen a newer leader: this one is deposed.
            out.push(Effect::Note(Note::RefusedStaleEpoch {
                from_epoch: self.d.epoch,
            }));
            self.refuse(out, to, req, WriteError::Fenced);
            self.step_down(now_us, client_epoch, None, out);
            return;
        }
        if let Some(error) = self.refusal(now_us) {
            if error == WriteError::NotEnoughReplicas {
                out.push(Effect::Note(Note::RefusedWrite));
            }
            self.refuse(out, to, req, error);
            return;
        }
        let lsn = self.d.wal.last_lsn() + 1;
        let entry = Entry {
            lsn,
            epoch: self.d.epoch,
            op,
            written_at_us: now_us,
        };
        self.append(entry, out);
        let deadline_us = match self.cfg.policy.on_unmet {
            OnUnmet::Block => u64::MAX,
            OnUnmet::Error { after_us } | OnUnmet::Degrade { after_us } => now_us + after_us,
        };
        let wait = self.cfg.policy.wait_for(wait);
        if let Some(l) = self.role.leader_mut() {
            l.pending.push_back(Pending {
                lsn,
                req,
                client,
                wait,
                deadline_us,
                answered: false,
                cancelled: false,
            });
        }
        if !self.s.writing {
            self.s.writing = true;
            out.push(Effect::DiskWrite {
                upto: lsn,
                gen: self.d.gen,
            });
        }
    }

    /// What a write arriving now, from a client that has seen no newer
    /// epoch, would get instead of being appended: `None` if it would be
    /// appended; `NotLeader`; `Fenced` once a lease has run out; or
    /// `NotEnoughReplicas` under `min_replicas_to_write`. The page shows a
    /// node as fenced exactly when this says so.
    pub fn refusal(&self, now_us: u64) -> Option<WriteError> {
        if self.role() != Role::Leader {
            return Some(WriteError::NotLeader);
        }
        if self.lease_expired(now_us) {
            return Some(WriteError::Fenced);
        }
        let min = self.cfg.policy.min_in_sync?;
        let me = self.id();
        let in_sync = self
            .peers()
            .iter()
            .enumerate()
            .filter(|(i, p)| {
                *i as NodeId != me
                    && matches!(p.state, PeerState::Streaming | PeerState::Catchup)
                    && now_us.saturating_sub(p.last_heard_us) <= min.max_lag_us
            })
            .count();
        (in_sync < min.replicas as usize).then_some(WriteError::NotEnoughReplicas)
    }

    /// The leader's own log reached disk: stream it and see what commits.
    pub(super) fn on_leader_flushed(&mut self, now_us: u64, out: &mut Vec<Effect>) {
        for f in 0..self.cfg.nodes {
            if f != self.id() {
                self.ship_to(f, out);
            }
        }
        if self.visible_on_flush() {
            self.apply_local(self.d.wal.flushed);
        }
        self.advance_commit(now_us, out);
    }

    pub(super) fn on_status(
        &mut self,
        now_us: u64,
        f: NodeId,
        report: StatusReport,
        out: &mut Vec<Effect>,
    ) {
        let StatusReport {
            pos,
            epoch,
            resend,
            heard_us,
        } = report;
        if epoch > self.d.epoch {
            // A follower knows of a newer epoch. With epoch fencing a
            // deposed leader steps down at once. Under elections a leader
            // that hears of a newer epoch steps down too (Raft), so an
            // election can settle who leads.
            if (self.cfg.fencing == Fencing::Epoch || self.cfg.detector_enabled)
                && self.role() == Role::Leader
            {
                self.step_down(now_us, epoch, None, out);
            }
            return;
        }
        let first_retained = self.d.wal.first_retained_lsn();
        let Some(l) = self.role.leader_mut() else {
            return;
        };
        let Some(p) = l.peers.get_mut(f as usize) else {
            return;
        };
        let was = p.state;
        p.written = pos.0;
        p.flushed = pos.1;
        p.applied = pos.2;
        p.last_heard_us = now_us;
        p.heard_since_us = p.heard_since_us.max(heard_us);
        if was == PeerState::Disconnected || resend {
            p.sent = pos.0;
        }
        if was == PeerState::Disconnected {
            p.state = PeerState::Catchup;
            out.push(Effect::Note(Note::FollowerConnected { follower: f }));
        }
        if p.state == PeerState::NeedsReclone {
            if pos.0 + 1 >= first_retained {
                p.state = PeerState::Catchup;
                p.sent = pos.0;
            } else {
                // A follower reports only when it is not being copied, so
                // it still needs a copy: its last one was abandoned, or was
                // already too old when done (the log moved past the
                // retained window meanwhile). Copy again, as an operator or
                // a manager would after the standby fails with "requested
                // WAL segment has already been removed".
                out.push(Effect::Note(Note::NeedsReclone { follower: f }));
            }
        }
        self.ship_to(f, out);
        self.advance_commit(now_us, out);
    }

    pub(super) fn on_disconnect(&mut self, now_us: u64, f: NodeId, out: &mut Vec<Effect>) {
        let Some(p) = self
            .role
            .leader_mut()
            .and_then(|l| l.peers.get_mut(f as usize))
        else {
            return;
        };
        if p.state != PeerState::Disconnected {
            out.push(Effect::Note(Note::FollowerDisconnected { follower: f }));
        }
        p.state = PeerState::Disconnected;
        self.advance_commit(now_us, out);
    }

    fn ship_to(&mut self, f: NodeId, out: &mut Vec<Effect>) {
        let wal = &self.d.wal;
        let first = wal.first_retained_lsn();
        let flushed = wal.flushed;
        let window = self.cfg.max_in_flight_entries;
        let epoch = self.d.epoch;
        let Some(l) = self.role.leader_mut() else {
            return;
        };
        let p = &mut l.peers[f as usize];
        if !matches!(p.state, PeerState::Catchup | PeerState::Streaming) {
            return;
        }
        while p.sent < flushed && p.sent.saturating_sub(p.written) < window {
            let next = p.sent + 1;
            if next < first {
                p.state = PeerState::NeedsReclone;
                out.push(Effect::Note(Note::NeedsReclone { follower: f }));
                return;
            }
            let Some(entry) = wal.get(next).copied() else {
                return;
            };
            let prev_epoch = wal.epoch_at(next - 1).unwrap_or(0);
            out.push(Effect::Send {
                to: Addr::Node(f),
                msg: Msg::Wal {
                    entry,
                    prev_epoch,
                    leader_epoch: epoch,
                },
            });
            p.sent = next;
        }
        // As PostgreSQL's walsender: a standby is streaming (and may count
        // as synchronous) once everything flushed here has been sent to
        // it, not once it has flushed it all itself, which a standby a
        // round trip away under steady writes would never do.
        if p.state == PeerState::Catchup && p.sent >= flushed {
            p.state = PeerState::Streaming;
        }
    }

    /// Moves the commit point as far as the policy allows and answers the
    /// clients whose writes are now committed: each write by what it waits
    /// for, so a session committing locally is not held up behind one
    /// waiting for its standbys (as PostgreSQL backends wait each for
    /// their own LSN). The commit point itself is the end of the prefix of
    /// the log that is committed.
    fn advance_commit(&mut self, now_us: u64, out: &mut Vec<Effect>) {
        if self.role() != Role::Leader {
            return;
        }
        let local = self.d.wal.flushed;
        let last_lsn = self.d.wal.last_lsn();
        let policy = &self.cfg.policy;
        let acks = if policy.is_async() {
            Vec::new()
        } else {
            self.follower_acks(now_us)
        };
        let quorum_at = |ack| policy.quorum_lsn_at(&acks, ack).unwrap_or(0).min(local);
        let default_wait = policy.wait_for(None);
        let on_unmet = policy.on_unmet;
        // A write accepted while the lease held but committed after it ran
        // out is not acknowledged: a newer leader may exist by now.
        let fenced = self.lease_expired(now_us);
        let Some(l) = self.role.leader_mut() else {
            return;
        };
        if let WaitFor::Standbys(ack) = default_wait {
            // Semi-sync switches back on once a follower has everything the
            // leader has written (MySQL: caught up with the binlog); waits
            // start afresh from then.
            if l.degraded
                && policy
                    .quorum_lsn_at(&acks, ack)
                    .is_some_and(|q| q >= last_lsn)
            {
                l.degraded = false;
                out.push(Effect::Note(Note::SyncRestored));
                if let OnUnmet::Degrade { after_us } = on_unmet {
                    for p in l.pending.iter_mut() {
                        p.deadline_us = now_us + after_us;
                    }
                }
            }
        }
        let degraded = l.degraded;
        let committed_to = |wait: WaitFor| match wait {
            WaitFor::Standbys(ack) if !degraded => quorum_at(ack),
            _ => local,
        };
        // Entries whose write is not pending here (written before a
        // restart) wait as the policy says; pending writes as their
        // session says, and they extend the commit point while they are
        // consecutive.
        let mut target = committed_to(default_wait);
        for p in l.pending.iter() {
            if p.lsn == target + 1 && p.lsn <= committed_to(p.wait) {
                target = p.lsn;
            } else if p.lsn > target {
                break;
            }
        }
        let epoch = self.d.epoch;
        let advanced = target > l.commit_lsn;
        if advanced {
            l.commit_lsn = target;
            out.push(Effect::Note(Note::Committed { lsn: target }));
        }
        answer_committed(l, &committed_to, epoch, fenced, out);
        while l.pending.front().is_some_and(|p| p.lsn <= target) {
            l.pending.pop_front();
        }
        if advanced && !self.visible_on_flush() {
            self.apply_local(target);
        }
        self.arm_deadline(out, now_us);
    }

    /// A client cancelled its write: answer it now if it only waits for
    /// standbys, or as soon as it is flushed locally.
    /// The manager recorded which standbys may be synchronous: only their
    /// acknowledgements count from now on (a newly recorded one may let
    /// waiting writes commit at once).
    pub(super) fn set_sync_allowed(&mut self, now_us: u64, allowed: u64, out: &mut Vec<Effect>) {
        if let Some(l) = self.role.leader_mut() {
            l.sync_allowed = allowed;
            self.advance_commit(now_us, out);
        }
    }

    pub(super) fn on_cancel(&mut self, req: ReqId, out: &mut Vec<Effect>) {
        let (flushed, epoch) = (self.d.wal.flushed, self.d.epoch);
        let Some(l) = self.role.leader_mut() else {
            return;
        };
        if let Some(p) = l.pending.iter_mut().find(|p| p.req == req && !p.answered) {
            p.cancelled = true;
            if p.lsn <= flushed {
                answer_unreplicated(p, epoch, out);
            }
        }
    }

    fn arm_deadline(&mut self, out: &mut Vec<Effect>, now_us: u64) {
        let Some(l) = self.role.leader_mut() else {
            return;
        };
        if l.degraded {
            // Already asynchronous: no write waits for the quorum, so no
            // deadline matters (and re-arming one that has passed would
            // fire for ever at the same instant).
            return;
        }
        let Some(head) = l.pending.iter().find(|p| !p.answered) else {
            return;
        };
        if head.deadline_us == u64::MAX {
            return;
        }
        if l.deadline_armed_us
            .is_some_and(|t| t <= head.deadline_us && t >= now_us)
        {
            return;
        }
        l.deadline_armed_us = Some(head.deadline_us);
        let after_us = head.deadline_us.saturating_sub(now_us);
        self.arm(out, after_us, Timer::CommitDeadline);
    }

    pub(super) fn on_commit_deadline(&mut self, now_us: u64, out: &mut Vec<Effect>) {
        let on_unmet = self.cfg.policy.on_unmet;
        let Some(l) = self.role.leader_mut() else {
            return;
        };
        l.deadline_armed_us = None;
        match on_unmet {
            OnUnmet::Block => {}
            OnUnmet::Error { .. } => {
                for p in l.pending.iter_mut() {
                    if !p.answered && p.deadline_us <= now_us {
                        p.answered = true;
                        out.push(Effect::Send {
                            to: Addr::Client(p.client),
                            msg: Msg::WriteErr {
                                req: p.req,
                                error: WriteError::QuorumTimeout,
                                lsn: p.lsn,
                            },
                        });
                    }
                }
            }
            OnUnmet::Degrade { .. } => {
                let expired = l.pending.front().is_some_and(|p| p.deadline_us <= now_us);
                if expired && !l.degraded {
                    l.degraded = true;
                    out.push(Effect::Note(Note::DegradedToAsync));
                }
            }
        }
        self.advance_commit(now_us, out);
    }

    pub(super) fn on_sender_check(&mut self, now_us: u64, out: &mut Vec<Effect>) {
        let timeout = self.cfg.sender_timeout_us;
        let me = self.id();
        let Some(l) = self.role.leader_mut() else {
            return;
        };
        let mut changed = false;
        for (i, p) in l.peers.iter_mut().enumerate() {
            if i as NodeId != me
                && p.state != PeerState::Disconnected
                && now_us.saturating_sub(p.last_heard_us) > timeout
            {
                p.state = PeerState::Disconnected;
                out.push(Effect::Note(Note::FollowerDisconnected {
                    follower: i as NodeId,
                }));
                changed = true;
            }
        }
        if changed {
            self.advance_commit(now_us, out);
        }
        self.arm_leader_timers(out);
    }

    /// Sends heartbeats and, with a lease, renews it while a majority keeps
    /// answering.
    pub(super) fn on_heartbeat_timer(&mut self, now_us: u64, out: &mut Vec<Effect>) {
        if self.role() != Role::Leader {
            return;
        }
        let me = self.id();
        for n in 0..self.cfg.nodes {
            if n != me {
                out.push(Effect::Send {
                    to: Addr::Node(n),
                    msg: Msg::Heartbeat {
                        epoch: self.d.epoch,
                        lsn: self.d.wal.flushed,
                        sent_us: self.local_us(now_us),
                    },
                });
            }
        }
        self.renew_lease(now_us, out);
        self.arm(out, self.cfg.heartbeat_interval_us, Timer::Heartbeat);
    }

    /// Extends the lease to a lease period after the last moment a majority
    /// (this leader and `nodes / 2` followers) is known to have heard it:
    /// the send time of the newest heartbeat each follower confirmed. Since
    /// then each of them refuses to help elect anyone else for a failure
    /// timeout, so no other leader can be elected before the lease ends if
    /// the lease is shorter than that timeout as this node's clock counts
    /// it. Renewing from "now" whenever a majority was heard lately, as a
    /// heartbeat-driven lease might, can run almost two periods past the
    /// last contact.
    fn renew_lease(&mut self, now_us: u64, out: &mut Vec<Effect>) {
        let (lease_us, me, needed) = (self.cfg.lease_us, self.id(), self.cfg.nodes / 2);
        if lease_us == 0 || needed == 0 {
            return;
        }
        let Some(l) = self.role.leader_mut() else {
            return;
        };
        let mut heard: Vec<u64> = l
            .peers
            .iter()
            .enumerate()
            .filter(|(i, _)| *i as NodeId != me)
            .map(|(_, p)| p.heard_since_us)
            .collect();
        heard.sort_unstable_by(|a, b| b.cmp(a));
        if let Some(majority_heard_us) = heard.get(needed as usize - 1).copied() {
            l.lease_until_us = l.lease_until_us.max(majority_heard_us + lease_us);
        }
        let expired = self.lease_expired(now_us);
        let Some(l) = self.role.leader_mut() else {
            return;
        };
        if expired && !l.lease_expiry_noted {
            out.push(Effect::Note(Note::LeaseExpired));
        }
        l.lease_expiry_noted = expired;
    }

    /// Starts the sender-timeout check and heartbeat timers (the driver
    /// keeps at most one of each).
    pub(super) fn arm_leader_timers(&mut self, out: &mut Vec<Effect>) {
        self.arm(
            out,
            sender_check_period(self.cfg.sender_timeout_us),
            Timer::SenderCheck,
        );
        if self.cfg.heartbeat_interval_us > 0 {
            self.arm(out, 0, Timer::Heartbeat);
        }
    }
}

/// Answers, oldest first, every waiting client whose write is committed
/// by what it waits for, and every cancelled one that is flushed locally.
fn answer_committed(
    l: &mut LeaderState,
    committed_to: &impl Fn(WaitFor) -> Lsn,
    epoch: Epoch,
    fenced: bool,
    out: &mut Vec<Effect>,
) {
    let local = committed_to(WaitFor::Local);
    for p in l.pending.iter_mut().filter(|p| !p.answered) {
        if p.lsn > local {
            break;
        }
        if p.lsn <= committed_to(p.wait) {
            p.answered = true;
            let msg = if fenced {
                Msg::WriteErr {
                    req: p.req,
                    error: WriteError::Fenced,
                    lsn: p.lsn,
                }
            } else {
                Msg::WriteOk {
                    req: p.req,
                    lsn: p.lsn,
                    epoch,
                }
            };
            out.push(Effect::Send {
                to: Addr::Client(p.client),
                msg,
            });
        } else if p.cancelled {
            answer_unreplicated(p, epoch, out);
        }
    }
}

/// Tells a cancelled write's client it is committed on the leader only.
fn answer_unreplicated(p: &mut Pending, epoch: Epoch, out: &mut Vec<Effect>) {
    p.answered = true;
    out.push(Effect::Send {
        to: Addr::Client(p.client),
        msg: Msg::WriteUnreplicated {
            req: p.req,
            lsn: p.lsn,
            epoch,
        },
    });
}
