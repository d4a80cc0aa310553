//! What the page keeps from a run's trace: recent messages as arrows, the
//! write the sequence diagram follows, and commit latency since the last
//! policy change.
//!
//! The engine reports everything as [`TraceEvent`]s; [`Timeline::ingest`]
//! reads them in order and keeps only what the views need, with fixed
//! caps so a long fast-forward cannot grow memory. Following one write
//! ([`Tracked`]) is how the sequence diagram numbers the lesson's steps:
//! it finds the client's write request, the WAL record the leader appended
//! for it, the follower acknowledgements that cover that record and the
//! reply, and [`Tracked::steps`] decides from their timing whether this
//! write was committed synchronously (1 Write, 2 Replicate, 3 ACK, 4 OK)
//! or asynchronously (1 Write, 2 OK, 3 Later…).

use replica_engine::checker::Violation;
use replica_engine::history::{OpKind, OpRecord};
use replica_engine::message::{Msg, MsgKind, ReqId};
use replica_engine::metrics::Histogram;
use replica_engine::network::{Addr, NodeId, SessionId};
use replica_engine::policy::{AckPoint, CommitPolicy, Quorum};
use replica_engine::trace::TraceEvent;
use replica_engine::wal::Lsn;
use std::collections::VecDeque;

/// Most recent messages kept for the sequence diagram's background.
pub const RECENT: usize = 400;
/// WAL records kept around an anomaly for its close-up (the one carrying
/// the write involved is among them).
pub const FOCUS_CONTEXT: usize = 1_500;
/// A write followed for longer than this is let go (it may block for
/// ever, e.g. synchronous commit with its standby down).
pub const MAX_TRACK_US: u64 = 3_000_000;

/// One message, as an arrow from sender to receiver.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arrow {
    /// Message id, as in the trace.
    pub id: u64,
    /// Sender.
    pub from: Addr,
    /// Receiver.
    pub to: Addr,
    /// The message.
    pub msg: Msg,
    /// When it left.
    pub sent_us: u64,
    /// When it arrives (`None`: dropped by the network).
    pub deliver_us: Option<u64>,
    /// Dropped, or arrived at a node that was down.
    pub lost: bool,
}

impl Arrow {
    /// The client request the message belongs to, if any.
    pub fn req(&self) -> Option<ReqId> {
        self.msg.req()
    }

    /// The message kind (for colour and shape).
    pub fn kind(&self) -> MsgKind {
        self.msg.kind()
    }
}

/// A numbered step of the lesson's sequence diagrams.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// The client sends the write.
    Write,
    /// The leader ships the WAL record before answering.
    Replicate,
    /// A follower acknowledgement the leader waited for.
    Ack,
    /// The leader answers the client.
    Ok,
    /// Replication that happens after the client already has its answer.
    Later,
    /// An acknowledgement from a follower the policy does not wait for.
    Unwaited,
}

/// A step with its number in this write's story.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Numbered {
    /// Index into [`Tracked::arrows`].
    pub arrow: usize,
    /// What the arrow is.
    pub step: Step,
    /// Its number, as in the lesson (1 Write, 2 Replicate, …); 0 for
    /// replication after a synchronous answer, which the lesson does not
    /// number.
    pub n: u8,
}

impl Numbered {
    /// The label drawn on the arrow, e.g. `2 Replicate`.
    pub fn label(&self) -> String {
        let what = match self.step {
            Step::Write => "Write",
            Step::Replicate => "Replicate",
            Step::Ack => "ACK",
            Step::Ok => "OK",
            Step::Later => "Later…",
            Step::Unwaited => "ack, not waited for",
        };
        if self.n == 0 {
            what.to_string()
        } else {
            format!("{} {what}", self.n)
        }
    }
}

/// The write the sequence diagram follows, and every message of its story.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tracked {
    /// Its request id.
    pub req: ReqId,
    /// The session that wrote.
    pub session: SessionId,
    /// The key written.
    pub key: u32,
    /// When the client sent it.
    pub invoke_us: u64,
    /// The node it was sent to.
    pub leader: NodeId,
    /// The LSN the leader gave it, once appended.
    pub lsn: Option<Lsn>,
    /// How far a follower must have got for its report to count as the
    /// acknowledgement of this write.
    pub ack: AckPoint,
    /// The followers the commit policy waits for (none: asynchronous).
    pub standbys: Vec<NodeId>,
    /// The write request, WAL records, acknowledgements and the reply.
    pub arrows: Vec<Arrow>,
    /// Followers whose acknowledgement has been seen.
    pub acked_by: Vec<NodeId>,
    /// When the client got its answer.
    pub completed_us: Option<u64>,
    /// When the whole story was over (answer in, every shipped record
    /// acknowledged), or it was given up.
    pub done_us: Option<u64>,
    delivered_us: Option<u64>,
}

impl Tracked {
    fn new(a: &Arrow, policy: &CommitPolicy) -> Option<Tracked> {
        let (Addr::Client(session), Addr::Node(leader), Msg::WriteReq { req, op, .. }) =
            (a.from, a.to, a.msg)
        else {
            return None;
        };
        Some(Tracked {
            req,
            session,
            key: op.key(),
            invoke_us: a.sent_us,
            leader,
            lsn: None,
            ack: policy.ack,
            standbys: match &policy.quorum {
                Quorum::None => Vec::new(),
                Quorum::First { standbys, .. } | Quorum::Any { standbys, .. } => standbys.clone(),
            },
            arrows: vec![*a],
            acked_by: Vec::new(),
            completed_us: None,
            done_us: None,
            delivered_us: None,
        })
    }

    /// The reply to the client, once sent.
    pub fn reply(&self) -> Option<&Arrow> {
        self.arrows
            .iter()
            .find(|a| matches!(a.msg, Msg::WriteOk { .. } | Msg::WriteErr { .. }))
    }

    /// Numbers the arrows the way the lesson does. If the leader waited for
    /// at least one acknowledgement before answering, the story is
    /// synchronous: 1 Write, 2 Replicate, 3 ACK, 4 OK, and whatever comes
    /// after the answer is "later". Otherwise it is asynchronous: 1 Write,
    /// 2 OK, 3 Later… for the replication that follows.
    pub fn steps(&self) -> Vec<Numbered> {
        let reply_sent = self.reply().map(|a| a.sent_us);
        let waited = |a: &Arrow| match reply_sent {
            Some(t) => a.deliver_us.is_some_and(|d| d <= t),
            // No answer yet: whatever arrived was waited for, unless the
            // policy does not wait at all (then the answer is imminent).
            None => true,
        };
        let is_ack = |a: &Arrow| matches!(a.msg, Msg::Status { .. });
        let is_wal = |a: &Arrow| matches!(a.msg, Msg::Wal { .. });
        let standby = |a: &Arrow| matches!(a.from, Addr::Node(n) if self.standbys.contains(&n));
        let sync = self
            .arrows
            .iter()
            .any(|a| is_ack(a) && standby(a) && waited(a));
        let mut out = Vec::new();
        for (i, a) in self.arrows.iter().enumerate() {
            let (step, n) = match a.msg {
                Msg::WriteReq { .. } => (Step::Write, 1),
                Msg::WriteOk { .. } | Msg::WriteErr { .. } => (Step::Ok, if sync { 4 } else { 2 }),
                _ if sync && is_wal(a) && reply_sent.is_none_or(|t| a.sent_us <= t) => {
                    (Step::Replicate, 2)
                }
                _ if sync && is_ack(a) && waited(a) && standby(a) => (Step::Ack, 3),
                _ if sync && is_ack(a) && waited(a) => (Step::Unwaited, 0),
                _ if sync => (Step::Later, 0),
                _ if reply_sent.is_none() && is_wal(a) => (Step::Replicate, 2),
                _ if reply_sent.is_none() && standby(a) => (Step::Ack, 3),
                _ if reply_sent.is_none() => (Step::Unwaited, 0),
                _ => (Step::Later, 3),
            };
            out.push(Numbered { arrow: i, step, n });
        }
        out
    }

    /// Commit latency as the client saw it, once answered.
    pub fn latency_us(&self) -> Option<u64> {
        self.completed_us.map(|t| t.saturating_sub(self.invoke_us))
    }

    /// The last instant any arrow of the story reaches (or `now` for one
    /// still in flight).
    pub fn end_us(&self, now: u64) -> u64 {
        self.arrows
            .iter()
            .map(|a| a.deliver_us.unwrap_or(a.sent_us).min(now.max(a.sent_us)))
            .max()
            .unwrap_or(self.invoke_us)
    }

    fn covers(&self, msg: &Msg) -> bool {
        let Some(lsn) = self.lsn else { return false };
        match *msg {
            Msg::Status {
                written,
                flushed,
                applied,
                ..
            } => {
                let at = match self.ack {
                    AckPoint::Written => written,
                    AckPoint::Flushed => flushed,
                    AckPoint::Applied => applied,
                };
                at >= lsn
            }
            _ => false,
        }
    }

    fn ingest_sent(&mut self, a: &Arrow) {
        match a.msg {
            Msg::WriteOk { req, .. } | Msg::WriteErr { req, .. } if req == self.req => {
                self.arrows.push(*a);
            }
            Msg::Wal { entry, .. }
                if Some(entry.lsn) == self.lsn && a.from == Addr::Node(self.leader) =>
            {
                self.arrows.push(*a);
            }
            Msg::Status { .. } if a.to == Addr::Node(self.leader) => {
                if let Addr::Node(f) = a.from {
                    if !self.acked_by.contains(&f) && self.covers(&a.msg) {
                        self.acked_by.push(f);
                        self.arrows.push(*a);
                    }
                }
            }
            _ => {}
        }
    }

    /// Whether every follower a record went to has acknowledged it (or the
    /// record was lost on the way).
    fn replication_settled(&self, now: u64) -> bool {
        self.arrows
            .iter()
            .filter(|a| matches!(a.msg, Msg::Wal { .. }))
            .all(|a| match a.to {
                Addr::Node(f) => {
                    self.acked_by.contains(&f)
                        || a.lost
                        || a.deliver_us.is_none()
                        // Still replaying: give the follower a while.
                        || now > a.deliver_us.unwrap_or(0) + MAX_TRACK_US / 3
                }
                Addr::Client(_) => true,
            })
    }
}

/// An anomaly brought into focus by "jump to": the two operations and the
/// messages around them.
#[derive(Clone, Debug, PartialEq)]
pub struct Focus {
    /// The anomaly.
    pub violation: Violation,
    /// Its explanation.
    pub explanation: String,
    /// The messages of the two operations, and the WAL records shipped from
    /// shortly before the earlier one to the anomaly.
    pub arrows: Vec<Arrow>,
    /// The completed operations involved (the revealing one and the one
    /// it contradicts), when seen.
    pub ops: Vec<OpRecord>,
    /// LSN of the write involved, if one is.
    pub write_lsn: Option<Lsn>,
}

impl Focus {
    /// Whether an arrow is part of the anomaly's story: a message of one
    /// of the two operations, or the WAL record of the write involved on
    /// its way to the node that served the read.
    pub fn involves(&self, a: &Arrow) -> bool {
        let v = &self.violation;
        if let Some(r) = a.req() {
            return r == v.op || (v.other_op != 0 && r == v.other_op);
        }
        match a.msg {
            Msg::Wal { entry, .. } => {
                Some(entry.lsn) == self.write_lsn && a.to == Addr::Node(v.node)
            }
            _ => false,
        }
    }

    /// The time span to draw: from shortly before the first involved
    /// message to shortly after the anomaly.
    pub fn span(&self) -> (u64, u64) {
        let v = &self.violation;
        let first = self
            .arrows
            .iter()
            .filter(|a| self.involves(a))
            .map(|a| a.sent_us)
            .min()
            .unwrap_or(v.other_t_us.min(v.t_us));
        let end = v.t_us;
        let pad = ((end - first.min(end)) / 12).max(200);
        (first.saturating_sub(pad), end + pad)
    }
}

/// Collects what a [`Focus`] needs while a run is replayed.
#[derive(Clone, Debug, Default)]
struct Collector {
    from_us: u64,
    reqs: [u64; 2],
    involved: Vec<Arrow>,
    context: VecDeque<Arrow>,
    ops: Vec<OpRecord>,
}

/// What the views keep from one run's trace.
#[derive(Clone, Debug, Default)]
pub struct Timeline {
    /// Recent messages, oldest first.
    pub recent: VecDeque<Arrow>,
    /// The write being followed.
    pub tracked: Option<Tracked>,
    /// Follow the first write sent at or after this time.
    pick_after_us: u64,
    /// Commit latencies of writes issued since `since_us`.
    pub window: Histogram,
    /// Commit latencies since the last chart sample (see `state::Series`).
    pub recent_latency: Histogram,
    /// Start of the latency window: the last policy change.
    pub since_us: u64,
    collector: Option<Collector>,
}

impl Timeline {
    /// Reads one trace event; `policy` is the commit policy in force.
    pub fn ingest(&mut self, ev: &TraceEvent, policy: &CommitPolicy) {
        match *ev {
            TraceEvent::Sent {
                t_us,
                id,
                from,
                to,
                msg,
                deliver_us,
                dropped,
            } => {
                let a = Arrow {
                    id,
                    from,
                    to,
                    msg,
                    sent_us: t_us,
                    deliver_us,
                    lost: dropped.is_some(),
                };
                if self.recent.len() == RECENT {
                    self.recent.pop_front();
                }
                self.recent.push_back(a);
                match self.tracked.as_mut() {
                    Some(t) => t.ingest_sent(&a),
                    None if t_us >= self.pick_after_us => self.tracked = Tracked::new(&a, policy),
                    None => {}
                }
                if let Some(c) = self.collector.as_mut() {
                    if a.req().is_some_and(|r| c.reqs.contains(&r) && r != 0) {
                        c.involved.push(a);
                    } else if t_us >= c.from_us && matches!(a.msg, Msg::Wal { .. }) {
                        if c.context.len() == FOCUS_CONTEXT {
                            c.context.pop_front();
                        }
                        c.context.push_back(a);
                    }
                }
            }
            TraceEvent::Delivered {
                t_us, id, to, lost, ..
            } => {
                if lost {
                    if let Some(a) = self.recent.iter_mut().rev().find(|a| a.id == id) {
                        a.lost = true;
                    }
                }
                if let Some(t) = self.tracked.as_mut() {
                    if let Some(a) = t.arrows.iter_mut().find(|a| a.id == id) {
                        a.lost |= lost;
                        if matches!(a.msg, Msg::WriteReq { .. }) && to == Addr::Node(t.leader) {
                            t.delivered_us = Some(t_us);
                        }
                    }
                }
            }
            TraceEvent::Append {
                t_us, node, lsn, ..
            } => {
                if let Some(t) = self.tracked.as_mut() {
                    if t.lsn.is_none()
                        && node == t.leader
                        && t.delivered_us.is_some_and(|d| d <= t_us)
                    {
                        t.lsn = Some(lsn);
                    }
                }
            }
            TraceEvent::Op { t_us, op } => {
                if op.kind == OpKind::Write && op.ok() && op.invoke_us >= self.since_us {
                    self.window.record(op.latency_us());
                }
                if op.kind == OpKind::Write && op.ok() {
                    self.recent_latency.record(op.latency_us());
                }
                if let Some(t) = self.tracked.as_mut() {
                    if op.id == t.req {
                        t.completed_us = Some(t_us);
                        if t.lsn.is_none() && op.lsn > 0 {
                            t.lsn = Some(op.lsn);
                        }
                    }
                }
                if let Some(c) = self.collector.as_mut() {
                    if c.reqs.contains(&op.id) {
                        c.ops.push(op);
                    }
                }
            }
            _ => {}
        }
    }

    /// Marks the followed write done once its story is over (answered,
    /// and every shipped record acknowledged) or has gone on too long.
    /// The lab lets it go with [`Timeline::release`] once it has been on
    /// screen long enough.
    pub fn update(&mut self, now: u64) {
        let Some(t) = self.tracked.as_mut() else {
            return;
        };
        if t.done_us.is_none() {
            let answered = t.completed_us.is_some() && t.replication_settled(now);
            if answered {
                t.done_us = Some(t.end_us(now));
            } else if now > t.invoke_us + MAX_TRACK_US {
                t.done_us = Some(now);
            }
        }
    }

    /// Whether the followed write is over and has lingered long enough.
    pub fn finished(&self, now: u64, linger_us: u64) -> bool {
        self.tracked.as_ref().is_some_and(|t| {
            t.done_us.is_some_and(|d| {
                let story = d.saturating_sub(t.invoke_us);
                now >= d + linger_us.max(story)
            })
        })
    }

    /// Stops following the current write; the next write sent from now on
    /// is followed.
    pub fn release(&mut self, now: u64) {
        self.tracked = None;
        self.pick_after_us = now;
    }

    /// Restarts the commit-latency window (after a policy change).
    pub fn restart_window(&mut self, now: u64) {
        self.since_us = now;
        self.window = Histogram::default();
    }

    /// Starts collecting the messages of an anomaly while a run replays.
    pub fn start_collecting(&mut self, v: &Violation) {
        // The earlier operation completed at `other_t_us`; its request left
        // some time before. Context from a little before that.
        let from = v.other_t_us.min(v.t_us).saturating_sub(250_000);
        self.collector = Some(Collector {
            from_us: from,
            reqs: [v.op, v.other_op],
            ..Collector::default()
        });
    }

    /// Ends collecting and builds the close-up of the anomaly.
    pub fn finish_collecting(&mut self, v: Violation, explanation: String) -> Option<Focus> {
        let c = self.collector.take()?;
        let write_lsn = c
            .ops
            .iter()
            .find(|o| o.kind == OpKind::Write && o.lsn > 0)
            .map(|o| o.lsn);
        // Both lists are in sending order already: merge them.
        let mut arrows: Vec<Arrow> = Vec::with_capacity(c.context.len() + c.involved.len());
        let mut context = c.context.into_iter().peekable();
        let mut involved = c.involved.into_iter().peekable();
        loop {
            let take_context = match (context.peek(), involved.peek()) {
                (Some(a), Some(b)) => (a.sent_us, a.id) <= (b.sent_us, b.id),
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            let next = if take_context {
                context.next()
            } else {
                involved.next()
            };
            arrows.extend(next);
        }
        Some(Focus {
            violation: v,
            explanation,
            arrows,
            ops: c.ops,
            write_lsn,
        })
    }
}
