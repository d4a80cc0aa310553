//! Client sessions and the workload they generate.
//!
//! Each session is a closed loop: it issues one operation, waits for the
//! answer (or gives up after a time-out), thinks for a while, and issues the
//! next. The number of sessions and the think time set the offered load;
//! because a session never has more than one operation outstanding, queues
//! and memory stay bounded even when the cluster is saturated. Each
//! operation is a read with probability `read_percent`, else a write of a
//! fresh, unique value, so every value read can be traced to the write that
//! produced it. Keys are uniform or skewed (a hot set takes most traffic).
//!
//! Sessions are sans-IO like nodes: the simulation hands them the time, the
//! RNG and the routing view, and they answer with [`ClientEffect`]s.

use crate::history::{OpKind, OpRecord, Outcome};
use crate::message::{Msg, ReadError, ReqId, WriteError};
use crate::network::{Addr, NodeId, SessionId};
use crate::rng::Rng;
use crate::routing::{ClusterView, ReadRouting, SessionRoute};
use crate::wal::{Lsn, Op};
use alloc::vec::Vec;

/// The operations sessions issue.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Workload {
    /// Pause between an answer and the next operation.
    pub think_us: u64,
    /// Up to this much extra pause, uniformly drawn.
    pub think_jitter_us: u64,
    /// Share of operations that are reads, in percent.
    pub read_percent: u8,
    /// Keys are `0..keys`.
    pub keys: u32,
    /// When non-zero, this percentage of operations goes to the first
    /// `hot_keys` keys.
    pub hot_percent: u8,
    /// Size of the hot set.
    pub hot_keys: u32,
    /// A session gives up on an answer after this long (0: never).
    pub request_timeout_us: u64,
    /// Sessions stop issuing new operations at this time.
    pub stop_at_us: u64,
    /// Per session: the time of its first operation.
    pub start_at_us: u64,
}

/// What a session asks the simulation to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientEffect {
    /// Send a request.
    Send { to: Addr, msg: Msg },
    /// Wake the session (think time over) after `after_us`.
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
    /// A new idle session.
    pub fn new(id: SessionId, nearest: Vec<NodeId>, leader: NodeId) -> Self {
        Session {
            id,
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

    /// Think time is over: issue the next operation.
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
        let is_read = rng.below(100) < w.read_percent as u64;
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
                wait: None,
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
        });
        out.push(ClientEffect::Send {
            to: Addr::Node(node),
            msg,
        });
        if w.request_timeout_us > 0 {
            out.push(ClientEffect::Timeout {
                after_us: w.request_timeout_us,
            });
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
        let pause = w.think_us + rng.below(w.think_jitter_us + 1);
        out.push(ClientEffect::Wake { after_us: pause });
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

    /// The session's timer fired: give up on the operation in flight if
    /// its time is up, or ask for the timer again at its deadline.
    pub fn on_timeout(
        &mut self,
        now_us: u64,
        w: &Workload,
        rng: &mut Rng,
        out: &mut Vec<ClientEffect>,
    ) {
        let Some(f) = self.in_flight else { return };
        if w.request_timeout_us == 0 {
            return;
        }
        let deadline_us = f.invoke_us + w.request_timeout_us;
        if deadline_us > now_us {
            out.push(ClientEffect::Timeout {
                after_us: deadline_us - now_us,
            });
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
