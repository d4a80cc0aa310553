//! One client session: a connection that has at most one operation
//! outstanding.
//!
//! A session issues an operation when it is woken (closed loop: after its
//! think time; open loop: when the simulation hands it an arrival), waits
//! for the answer, and may cancel a write or give up on it after the
//! times its class sets. Each operation is a read with probability
//! `read_percent`, else a write of a fresh, unique value, so every value
//! read can be traced to the write that produced it. Keys are uniform or
//! skewed (a hot set takes most traffic).
//!
//! Sessions are sans-IO like nodes: the simulation hands them the time, the
//! RNG and the routing view, and they answer with [`ClientEffect`]s.

use crate::history::{OpKind, OpRecord, Outcome};
use crate::message::{Msg, ReadError, ReqId, WriteError};
use crate::network::{Addr, NodeId, SessionId};
use crate::rng::Rng;
use crate::routing::{ClusterView, ReadRouting, SessionRoute};
use crate::scenario::{Workload, WorkloadClass};
use crate::wal::{Lsn, Op};
use alloc::vec::Vec;

/// What a session asks the simulation to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientEffect {
    /// Send a request.
    Send { to: Addr, msg: Msg },
    /// Wake the session (think time over) after `after_us`. Only
    /// closed-loop sessions ask; an open-loop session that finishes is
    /// simply idle until the simulation hands it the next arrival.
    Wake { after_us: u64 },
    /// Call [`Session::on_timeout`] no later than `after_us` from now. A
    /// session keeps one such timer, not one per request, so a request
    /// answered in time leaves no dead event in the queue.
    Timeout { after_us: u64 },
    /// An operation finished.
    Done(OpRecord),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct InFlight {
    req: ReqId,
    kind: OpKind,
    key: u32,
    value: Option<u64>,
    node: NodeId,
    invoke_us: u64,
    /// A position-token read that a follower could not serve in time is
    /// retried once at the leader.
    retried: bool,
    /// The session has sent a cancel for this write.
    cancelled: bool,
}

/// How an operation ended, as the session records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Completion {
    outcome: Outcome,
    value: Option<u64>,
    lsn: Lsn,
    epoch: u32,
    applied_lsn: Lsn,
}

impl Completion {
    fn failed(outcome: Outcome, value: Option<u64>, lsn: Lsn) -> Self {
        Completion {
            outcome,
            value,
            lsn,
            epoch: 0,
            applied_lsn: 0,
        }
    }
}

/// One client session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// This session.
    pub id: SessionId,
    /// Its workload class (an index into the workload's classes).
    pub class: u8,
    /// Routing facts.
    pub route: SessionRoute,
    /// Nodes from nearest to farthest.
    pub nearest: Vec<NodeId>,
    in_flight: Option<InFlight>,
    next_seq: u64,
    /// The leader this session sends writes to (learned by discovery).
    pub leader: NodeId,
    /// The newest epoch this session has seen: its fencing token.
    pub epoch: u32,
}

/// Request ids carry the session in the high bits so they are unique
/// across sessions without shared state.
fn req_id(session: SessionId, seq: u64) -> ReqId {
    ((session as u64) << 40) | seq
}

impl Session {
    /// A new idle session of workload class `class`.
    pub fn new(id: SessionId, class: u8, nearest: Vec<NodeId>, leader: NodeId) -> Self {
        Session {
            id,
            class,
            route: SessionRoute::default(),
            nearest,
            in_flight: None,
            next_seq: 1,
            leader,
            epoch: 1,
        }
    }

    /// Whether an operation is outstanding.
    pub fn busy(&self) -> bool {
        self.in_flight.is_some()
    }

    /// The session's next unique value for a write: session in the high
    /// bits, sequence in the low bits.
    fn fresh_value(&mut self) -> (ReqId, u64) {
        let seq = self.next_seq;
        self.next_seq += 1;
        (req_id(self.id, seq), req_id(self.id, seq))
    }

    fn pick_key(w: &Workload, rng: &mut Rng) -> u32 {
        let keys = w.keys.max(1) as u64;
        if w.hot_percent > 0 && w.hot_keys > 0 && rng.below(100) < w.hot_percent as u64 {
            rng.below((w.hot_keys as u64).min(keys)) as u32
        } else {
            rng.below(keys) as u32
        }
    }

    /// The settings of this session's class.
    fn class<'w>(&self, w: &'w Workload) -> &'w WorkloadClass {
        &w.classes[self.class as usize]
    }

    /// When the operation in flight next needs the session's attention:
    /// its cancel, if one is due and not yet sent, else its request
    /// time-out (`None`: neither applies).
    fn next_deadline_us(f: &InFlight, c: &WorkloadClass) -> Option<u64> {
        let cancel = (f.kind == OpKind::Write && !f.cancelled && c.cancel_after_us > 0)
            .then(|| f.invoke_us + c.cancel_after_us);
        let timeout = (c.request_timeout_us > 0).then(|| f.invoke_us + c.request_timeout_us);
        match (cancel, timeout) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Issue the next operation (closed loop: think time is over; open
    /// loop: an arrival was handed to this idle session).
    #[allow(clippy::too_many_arguments)]
    pub fn wake(
        &mut self,
        now_us: u64,
        w: &Workload,
        routing: &ReadRouting,
        view: &ClusterView,
        rng: &mut Rng,
        out: &mut Vec<ClientEffect>,
    ) {
        if self.in_flight.is_some() || now_us >= w.stop_at_us {
            return;
        }
        let key = Self::pick_key(w, rng);
        let is_read = rng.below(100) < self.class(w).read_percent as u64;
        let (req, msg, node, kind, value) = if is_read {
            let (req, _) = self.fresh_value();
            let t = routing.route(
                now_us,
                &mut self.route,
                self.leader,
                view,
                &self.nearest,
                rng,
            );
            let msg = Msg::ReadReq {
                req,
                key,
                min_lsn: t.min_lsn,
                wait_us: t.wait_us,
            };
            (req, msg, t.node, OpKind::Read, None)
        } else {
            let (req, value) = self.fresh_value();
            let msg = Msg::WriteReq {
                req,
                op: Op::Put { key, value },
                epoch: self.epoch,
                wait: self.class(w).wait(),
            };
            (req, msg, self.leader, OpKind::Write, Some(value))
        };
        self.in_flight = Some(InFlight {
            req,
            kind,
            key,
            value,
            node,
            invoke_us: now_us,
            retried: false,
            cancelled: false,
        });
        out.push(ClientEffect::Send {
            to: Addr::Node(node),
            msg,
        });
        if let Some(f) = &self.in_flight {
            if let Some(at) = Self::next_deadline_us(f, self.class(w)) {
                out.push(ClientEffect::Timeout {
                    after_us: at - now_us,
                });
            }
        }
    }

    fn finish(
        &mut self,
        now_us: u64,
        w: &Workload,
        rng: &mut Rng,
        c: Completion,
        out: &mut Vec<ClientEffect>,
    ) {
        let Some(f) = self.in_flight.take() else {
            return;
        };
        out.push(ClientEffect::Done(OpRecord {
            id: f.req,
            session: self.id,
            kind: f.kind,
            key: f.key,
            value: c.value,
            node: f.node,
            invoke_us: f.invoke_us,
            complete_us: now_us,
            outcome: c.outcome,
            lsn: c.lsn,
            epoch: c.epoch,
            applied_lsn: c.applied_lsn,
        }));
        let c = self.class(w);
        if !c.open_loop() {
            let pause = c.think_us + rng.below(c.think_jitter_us + 1);
            out.push(ClientEffect::Wake { after_us: pause });
        }
    }

    /// A reply arrived.
    pub fn on_reply(
        &mut self,
        now_us: u64,
        msg: Msg,
        w: &Workload,
        rng: &mut Rng,
        out: &mut Vec<ClientEffect>,
    ) {
        let Some(f) = self.in_flight else { return };
        match msg {
            Msg::WriteOk { req, lsn, epoch } if req == f.req => {
                self.epoch = self.epoch.max(epoch);
                self.route.seen_lsn = self.route.seen_lsn.max(lsn);
                self.route.last_write_us = Some(now_us);
                let c = Completion {
                    outcome: Outcome::Ok,
                    value: f.value,
                    lsn,
                    epoch,
                    applied_lsn: 0,
                };
                self.finish(now_us, w, rng, c, out);
            }
            Msg::WriteUnreplicated { req, lsn, epoch } if req == f.req => {
                // Success with a warning: the client believes it wrote.
                self.epoch = self.epoch.max(epoch);
                self.route.seen_lsn = self.route.seen_lsn.max(lsn);
                self.route.last_write_us = Some(now_us);
                let c = Completion {
                    outcome: Outcome::CommittedUnreplicated,
                    value: f.value,
                    lsn,
                    epoch,
                    applied_lsn: 0,
                };
                self.finish(now_us, w, rng, c, out);
            }
            Msg::WriteErr { req, error, lsn } if req == f.req => {
                let c = Completion::failed(Outcome::WriteFailed { error }, f.value, lsn);
                self.finish(now_us, w, rng, c, out);
            }
            Msg::ReadOk {
                req,
                value,
                version_lsn,
                version_epoch,
                applied_lsn,
                ..
            } if req == f.req => {
                self.route.seen_lsn = self.route.seen_lsn.max(version_lsn);
                let c = Completion {
                    outcome: Outcome::Ok,
                    value,
                    lsn: version_lsn,
                    epoch: version_epoch,
                    applied_lsn,
                };
                self.finish(now_us, w, rng, c, out);
            }
            Msg::ReadErr { req, error } if req == f.req => {
                if error == ReadError::NotCaughtUp && !f.retried && f.node != self.leader {
                    // Hand the read to the leader, as a causal-read proxy does.
                    self.in_flight = Some(InFlight {
                        node: self.leader,
                        retried: true,
                        ..f
                    });
                    out.push(ClientEffect::Send {
                        to: Addr::Node(self.leader),
                        msg: Msg::ReadReq {
                            req,
                            key: f.key,
                            min_lsn: 0,
                            wait_us: 0,
                        },
                    });
                } else {
                    let c = Completion::failed(Outcome::ReadFailed { error }, None, 0);
                    self.finish(now_us, w, rng, c, out);
                }
            }
            _ => {}
        }
    }

    /// The session's timer fired: cancel the write in flight if its
    /// cancel is due, give up on the operation if its time is up, and ask
    /// for the timer again at the next deadline.
    pub fn on_timeout(
        &mut self,
        now_us: u64,
        w: &Workload,
        rng: &mut Rng,
        out: &mut Vec<ClientEffect>,
    ) {
        let Some(mut f) = self.in_flight else { return };
        let c = self.class(w);
        if f.kind == OpKind::Write
            && !f.cancelled
            && c.cancel_after_us > 0
            && f.invoke_us + c.cancel_after_us <= now_us
        {
            // PostgreSQL's client cancels the statement; the session keeps
            // waiting for the answer, which the cancel changes.
            f.cancelled = true;
            self.in_flight = Some(f);
            out.push(ClientEffect::Send {
                to: Addr::Node(f.node),
                msg: Msg::Cancel { req: f.req },
            });
        }
        if c.request_timeout_us == 0 || f.invoke_us + c.request_timeout_us > now_us {
            if let Some(at) = Self::next_deadline_us(&f, c) {
                out.push(ClientEffect::Timeout {
                    after_us: at - now_us,
                });
            }
            return;
        }
        let outcome = match f.kind {
            OpKind::Write => Outcome::WriteFailed {
                error: WriteError::ClientTimeout,
            },
            OpKind::Read => Outcome::ReadFailed {
                error: ReadError::ClientTimeout,
            },
        };
        self.finish(now_us, w, rng, Completion::failed(outcome, f.value, 0), out);
    }
}
