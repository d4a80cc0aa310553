//! What the page keeps from a run's trace: recent messages as arrows, the
//! write the sequence diagram follows (and why that one), commit latency
//! since the last policy change, and, after "jump to", the story of an
//! anomaly.
//!
//! The engine reports everything as [`TraceEvent`]s; [`Timeline::ingest`]
//! reads them in order and keeps only what the views need, with fixed
//! caps so a long fast-forward cannot grow memory. Following one write
//! ([`Tracked`]) is how the sequence diagram numbers the lesson's steps:
//! it finds the client's write request, the WAL record the leader appended
//! for it, the follower acknowledgements that cover that record and the
//! reply, and [`Tracked::steps`] decides from their timing whether this
//! write was committed synchronously (1 Write, 2 Replicate, 3 ACK, 4 OK —
//! the ACK being the one after which the leader answered), asynchronously
//! (1 Write, 2 OK, 3 Later…), or committed on the leader only after its
//! session cancelled the wait for the standbys (1 Write, 2 Cancel, 3 OK,
//! not replicated).

use replica_engine::checker::{Violation, ViolationKind};
use replica_engine::history::{OpKind, OpRecord, Outcome};
use replica_engine::message::{Msg, MsgKind, ReqId};
use replica_engine::metrics::Histogram;
use replica_engine::network::{Addr, NodeId, SessionId};
use replica_engine::policy::{AckPoint, CommitPolicy, Quorum, WaitFor};
use replica_engine::scenario::Workload;
use replica_engine::trace::TraceEvent;
use replica_engine::wal::Lsn;
use std::collections::VecDeque;

/// Most recent messages kept for the sequence diagram's background.
pub const RECENT: usize = 400;
/// WAL records kept around an anomaly for its close-up (the one carrying
/// the write involved is among them).
pub const FOCUS_CONTEXT: usize = 1_500;
/// Client requests and replies kept around an anomaly for its close-up.
pub const FOCUS_CLIENT: usize = 20_000;
/// Completed operations kept around an anomaly for its close-up.
pub const FOCUS_OPS: usize = 10_000;
/// How far before the anomaly's earlier operation the close-up keeps
/// messages.
pub const FOCUS_BEFORE_US: u64 = 2_000_000;
/// A write followed for longer than this (plus its session's cancel
/// delay, if it cancels) is let go: it may block for ever, e.g.
/// synchronous commit with its standby down.
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

/// A step of a followed write's story.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// The client sends the write.
    Write,
    /// The leader ships the WAL record to the standby whose
    /// acknowledgement completed the commit.
    Replicate,
    /// The leader ships the WAL record to another follower before
    /// answering.
    ReplicateOther,
    /// The acknowledgement after which the leader answered: the one that
    /// completed the quorum.
    Ack,
    /// A standby's acknowledgement that arrived before the answer but was
    /// not the last one the leader needed.
    AckEarlier,
    /// An acknowledgement the leader did not wait for: from a follower
    /// the policy does not count, or arriving after the answer.
    Unwaited,
    /// The leader answers the client.
    Ok,
    /// The client cancels its wait for the standbys.
    Cancel,
    /// The leader answers a cancelled wait: committed on the leader only,
    /// reported as success with a warning.
    OkUnreplicated,
    /// Replication that happens after the client already has its answer.
    Later,
}

/// A step with its number in this write's story (0: not numbered).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Numbered {
    /// Index into [`Tracked::arrows`].
    pub arrow: usize,
    /// What the arrow is.
    pub step: Step,
    /// Its number, as in the lesson (1 Write, 2 Replicate, …); each number
    /// is given to one arrow only.
    pub n: u8,
}

impl Numbered {
    /// The label drawn on the arrow, e.g. `2 Replicate`.
    pub fn label(&self) -> String {
        let what = match self.step {
            Step::Write => "Write",
            Step::Replicate => "Replicate",
            Step::ReplicateOther => "WAL shipped",
            Step::Ack => "ACK",
            Step::AckEarlier => "ack from a standby",
            Step::Unwaited => "ack, not waited for",
            Step::Ok => "OK",
            Step::Cancel => "Cancel",
            Step::OkUnreplicated => "OK, not replicated",
            Step::Later => "Later…",
        };
        if self.n == 0 {
            what.to_string()
        } else {
            format!("{} {what}", self.n)
        }
    }
}

/// Why the diagram follows the write it follows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Pick {
    /// The first write of the run.
    #[default]
    Start,
    /// The first write sent after the previous followed write's story
    /// ended (and lingered on screen).
    AfterPrevious,
    /// The first write sent under a new commit policy.
    PolicyChange,
    /// The first write sent after side-by-side mode was switched on.
    SideBySide,
    /// The first write sent after the instant the user went to (a seek,
    /// a rewind, a step back, a link).
    AfterSeek,
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
    /// How many of them must acknowledge.
    pub quorum: u8,
    /// The write request, WAL records, acknowledgements and the reply.
    pub arrows: Vec<Arrow>,
    /// Followers whose acknowledgement has been seen.
    pub acked_by: Vec<NodeId>,
    /// When the client got its answer.
    pub completed_us: Option<u64>,
    /// Whether the client was told it succeeded (committed unreplicated
    /// included, as the engine counts it).
    pub ok: Option<bool>,
    /// Whether the answer was "committed unreplicated", after a cancel.
    pub unreplicated: bool,
    /// When the diagram lets it go if it is still not over.
    pub give_up_us: u64,
    /// When the whole story was over (answer in, every shipped record
    /// acknowledged), or it was given up.
    pub done_us: Option<u64>,
    /// Why this write, and the instant after which it was the first sent.
    pub picked: (Pick, u64),
    delivered_us: Option<u64>,
}

impl Tracked {
    fn new(
        a: &Arrow,
        policy: &CommitPolicy,
        workload: &Workload,
        picked: (Pick, u64),
    ) -> Option<Tracked> {
        let (
            Addr::Client(session),
            Addr::Node(leader),
            Msg::WriteReq {
                req, op, wait: w, ..
            },
        ) = (a.from, a.to, a.msg)
        else {
            return None;
        };
        // What this write waits for: the session may override the policy
        // (its own `synchronous_commit`), as the leader decides it.
        let (standbys, quorum, ack) = match (policy.wait_for(w), &policy.quorum) {
            (WaitFor::Local, _) | (_, Quorum::None) => (Vec::new(), 0, policy.ack),
            (
                WaitFor::Standbys(ack),
                Quorum::First { standbys, k } | Quorum::Any { standbys, k },
            ) => (standbys.clone(), *k, ack),
        };
        let cancel_us = workload
            .classes
            .get(workload.class_of(session) as usize)
            .map_or(0, |c| c.cancel_after_us);
        Some(Tracked {
            req,
            session,
            key: op.key(),
            invoke_us: a.sent_us,
            leader,
            lsn: None,
            ack,
            standbys,
            quorum,
            arrows: vec![*a],
            acked_by: Vec::new(),
            completed_us: None,
            ok: None,
            unreplicated: false,
            give_up_us: a.sent_us + MAX_TRACK_US + cancel_us,
            done_us: None,
            picked,
            delivered_us: None,
        })
    }

    /// The reply to the client, once sent.
    pub fn reply(&self) -> Option<&Arrow> {
        self.arrows.iter().find(|a| {
            matches!(
                a.msg,
                Msg::WriteOk { .. } | Msg::WriteErr { .. } | Msg::WriteUnreplicated { .. }
            )
        })
    }

    /// The acknowledgement that completed the quorum: the last standby
    /// acknowledgement to reach the leader at or before the moment it sent
    /// a successful answer (the leader answers in the same instant as the
    /// acknowledgement it was waiting for). `None` for a write answered
    /// without waiting, or not answered yet.
    pub fn completing_ack(&self) -> Option<usize> {
        let reply = self.reply()?;
        if !matches!(reply.msg, Msg::WriteOk { .. }) {
            return None;
        }
        self.arrows
            .iter()
            .enumerate()
            .filter(|(_, a)| {
                matches!(a.msg, Msg::Status { .. })
                    && matches!(a.from, Addr::Node(n) if self.standbys.contains(&n))
                    && a.deliver_us.is_some_and(|d| d <= reply.sent_us)
                    && !a.lost
            })
            .max_by_key(|(i, a)| (a.deliver_us, *i))
            .map(|(i, _)| i)
    }

    /// Numbers the arrows the way the lesson does, one arrow per number.
    /// If an acknowledgement completed the quorum before the answer, the
    /// story is synchronous: 1 Write, 2 Replicate (to that standby), 3 ACK
    /// (that acknowledgement), 4 OK; other records shipped before the
    /// answer, earlier acknowledgements and anything after the answer are
    /// drawn but not numbered. Otherwise it is asynchronous: 1 Write, 2 OK,
    /// 3 Later… on the first record shipped after the answer.
    pub fn steps(&self) -> Vec<Numbered> {
        let reply_sent = self.reply().map(|a| a.sent_us);
        let before_reply = |a: &Arrow| reply_sent.is_none_or(|t| a.sent_us <= t);
        let arrived_before_reply = |a: &Arrow| match reply_sent {
            Some(t) => a.deliver_us.is_some_and(|d| d <= t),
            None => true,
        };
        let is_ack = |a: &Arrow| matches!(a.msg, Msg::Status { .. });
        let is_wal = |a: &Arrow| matches!(a.msg, Msg::Wal { .. });
        let standby = |a: &Arrow| matches!(a.from, Addr::Node(n) if self.standbys.contains(&n));
        let completing = self.completing_ack();
        let sync = completing.is_some();
        let cancelled = self
            .reply()
            .is_some_and(|r| matches!(r.msg, Msg::WriteUnreplicated { .. }));
        let quorum_from = completing.and_then(|i| match self.arrows[i].from {
            Addr::Node(n) => Some(n),
            Addr::Client(_) => None,
        });
        let mut replicate_given = false;
        let mut later_given = false;
        let mut out = Vec::with_capacity(self.arrows.len());
        for (i, a) in self.arrows.iter().enumerate() {
            let (step, n) = match a.msg {
                Msg::WriteReq { .. } => (Step::Write, 1),
                // The cancelled story: 1 Write, 2 Cancel, 3 OK, not
                // replicated; what was shipped is drawn, not numbered.
                Msg::Cancel { .. } => (Step::Cancel, if cancelled { 2 } else { 0 }),
                Msg::WriteUnreplicated { .. } => (Step::OkUnreplicated, 3),
                Msg::WriteOk { .. } | Msg::WriteErr { .. } => (Step::Ok, if sync { 4 } else { 2 }),
                _ if Some(i) == completing => (Step::Ack, 3),
                // The synchronous story: what happened before the answer.
                _ if sync && is_wal(a) && before_reply(a) => {
                    if !replicate_given && Some(a.to) == quorum_from.map(Addr::Node) {
                        replicate_given = true;
                        (Step::Replicate, 2)
                    } else {
                        (Step::ReplicateOther, 0)
                    }
                }
                _ if sync && is_ack(a) && standby(a) && arrived_before_reply(a) => {
                    (Step::AckEarlier, 0)
                }
                // Not answered yet: the leader may still be waiting.
                _ if reply_sent.is_none() && is_wal(a) => (Step::ReplicateOther, 0),
                _ if reply_sent.is_none() && is_ack(a) && standby(a) => (Step::AckEarlier, 0),
                _ if is_ack(a) => (Step::Unwaited, 0),
                // Answered without waiting: replication is later.
                _ if !sync && !cancelled && !later_given => {
                    later_given = true;
                    (Step::Later, 3)
                }
                _ => (Step::Later, 0),
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
            Msg::WriteOk { req, .. }
            | Msg::WriteErr { req, .. }
            | Msg::WriteUnreplicated { req, .. }
            | Msg::Cancel { req }
                if req == self.req =>
            {
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

/// One arrow of an anomaly's story, with what it is in that story.
#[derive(Clone, Debug, PartialEq)]
pub struct StoryArrow {
    /// The message.
    pub arrow: Arrow,
    /// What it is, e.g. `cause: C3 writes k1`; empty for a reply, which
    /// is drawn with its request's colour but not labelled.
    pub label: String,
    /// It is the operation that revealed the anomaly.
    pub anomaly: bool,
}

/// An anomaly brought into focus by "jump to": the operations of its
/// story and their messages.
#[derive(Clone, Debug, PartialEq)]
pub struct Focus {
    /// The anomaly.
    pub violation: Violation,
    /// Its explanation.
    pub explanation: String,
    /// The story's messages, in sending order.
    pub story: Vec<StoryArrow>,
    /// The completed operations of the story, in time order.
    pub ops: Vec<OpRecord>,
    /// What the close-up could not show (an operation older than the
    /// messages kept), if anything.
    pub missing: Option<String>,
}

impl Focus {
    /// The client requests of the story.
    pub fn requests(&self) -> Vec<ReqId> {
        self.ops.iter().map(|o| o.id).collect()
    }

    /// Whether a message in flight belongs to the story's operations.
    pub fn involves(&self, msg: &Msg) -> bool {
        msg.req()
            .is_some_and(|r| self.ops.iter().any(|o| o.id == r))
    }

    /// The time span to draw: from shortly before the first message to
    /// shortly after the anomaly.
    pub fn span(&self) -> (u64, u64) {
        let v = &self.violation;
        let first = self
            .story
            .iter()
            .map(|s| s.arrow.sent_us)
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
    client: VecDeque<Arrow>,
    wal: VecDeque<Arrow>,
    ops: VecDeque<OpRecord>,
}

/// What the views keep from one run's trace.
#[derive(Clone, Debug, Default)]
pub struct Timeline {
    /// Recent messages, oldest first.
    pub recent: VecDeque<Arrow>,
    /// The write being followed.
    pub tracked: Option<Tracked>,
    /// Follow the first write sent at or after this time, for this reason.
    pick: (Pick, u64),
    /// Commit latencies of writes issued since `since_us`.
    pub window: Histogram,
    /// Commit latencies since the last chart sample (see `state::Series`).
    pub recent_latency: Histogram,
    /// Start of the latency window: the last policy change.
    pub since_us: u64,
    collector: Option<Collector>,
}

fn push_capped<T>(q: &mut VecDeque<T>, cap: usize, v: T) {
    if q.len() == cap {
        q.pop_front();
    }
    q.push_back(v);
}

impl Timeline {
    /// Reads one trace event; `policy` is the commit policy in force and
    /// `workload` the sessions' settings.
    pub fn ingest(&mut self, ev: &TraceEvent, policy: &CommitPolicy, workload: &Workload) {
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
                push_capped(&mut self.recent, RECENT, a);
                match self.tracked.as_mut() {
                    Some(t) => t.ingest_sent(&a),
                    None if t_us >= self.pick.1 => {
                        self.tracked = Tracked::new(&a, policy, workload, self.pick)
                    }
                    None => {}
                }
                if let Some(c) = self.collector.as_mut() {
                    if t_us >= c.from_us {
                        if a.req().is_some() {
                            push_capped(&mut c.client, FOCUS_CLIENT, a);
                        } else if matches!(a.msg, Msg::Wal { .. }) {
                            push_capped(&mut c.wal, FOCUS_CONTEXT, a);
                        }
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
                    if let Some(c) = self.collector.as_mut() {
                        if let Some(a) = c.client.iter_mut().rev().find(|a| a.id == id) {
                            a.lost = true;
                        }
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
                // Acknowledged writes, as the engine's commit latency counts
                // them (committed unreplicated included).
                if op.kind == OpKind::Write && op.acknowledged() && op.invoke_us >= self.since_us {
                    self.window.record(op.latency_us());
                }
                if op.kind == OpKind::Write && op.acknowledged() {
                    self.recent_latency.record(op.latency_us());
                }
                if let Some(t) = self.tracked.as_mut() {
                    if op.id == t.req {
                        t.completed_us = Some(t_us);
                        t.ok = Some(op.acknowledged());
                        t.unreplicated = op.outcome == Outcome::CommittedUnreplicated;
                        if t.lsn.is_none() && op.lsn > 0 {
                            t.lsn = Some(op.lsn);
                        }
                    }
                }
                if let Some(c) = self.collector.as_mut() {
                    if op.complete_us >= c.from_us {
                        push_capped(&mut c.ops, FOCUS_OPS, op);
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
            } else if now > t.give_up_us {
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
    /// is followed, for the reason given.
    pub fn release(&mut self, now: u64, why: Pick) {
        self.tracked = None;
        self.pick = (why, now);
    }

    /// Restarts the commit-latency window (after a policy change).
    pub fn restart_window(&mut self, now: u64) {
        self.since_us = now;
        self.window = Histogram::default();
    }

    /// Starts collecting the messages of an anomaly while a run replays.
    pub fn start_collecting(&mut self, v: &Violation) {
        let from = v.other_t_us.min(v.t_us).saturating_sub(FOCUS_BEFORE_US);
        self.collector = Some(Collector {
            from_us: from,
            ..Collector::default()
        });
    }

    /// Ends collecting and builds the close-up of the anomaly: its
    /// operations (for causality: the cause write, the read that saw it,
    /// the effect write made after it, the read that saw the effect and
    /// the read that then missed the cause) with their messages, and the
    /// WAL record of the write that was missed on its way to the node that
    /// served the revealing read.
    pub fn finish_collecting(&mut self, v: Violation, explanation: String) -> Option<Focus> {
        let c = self.collector.take()?;
        let op = |id: u64| c.ops.iter().find(|o| o.id == id).copied();
        let by_value = |value: u64, kind: OpKind| {
            c.ops
                .iter()
                .find(|o| o.kind == kind && o.value == Some(value) && kind == OpKind::Write)
                .copied()
        };
        let c_label = |s: SessionId| format!("C{}", s + 1);
        let mut story: Vec<(OpRecord, String, bool)> = Vec::new();
        let mut missing = None;
        let revealing = op(v.op);
        let mut missed_lsn = None;
        match v.kind {
            ViolationKind::Causality => {
                // The read by the effect's writer that saw the cause.
                let saw_cause = op(v.other_op);
                let cause = saw_cause
                    .and_then(|r| r.value)
                    .and_then(|val| by_value(val, OpKind::Write));
                // The read, by the anomaly's session, that saw the effect.
                let saw_effect = c
                    .ops
                    .iter()
                    .find(|o| {
                        o.session == v.session
                            && o.kind == OpKind::Read
                            && o.complete_us == v.other_t_us
                    })
                    .copied();
                let effect = saw_effect
                    .and_then(|r| r.value)
                    .and_then(|val| by_value(val, OpKind::Write));
                match cause {
                    Some(w) => {
                        missed_lsn = Some(w.lsn);
                        story.push((
                            w,
                            format!("cause: {} writes k{}", c_label(w.session), w.key),
                            false,
                        ));
                    }
                    None => missing = Some(
                        "The cause write itself happened before the messages the close-up keeps."
                            .to_string(),
                    ),
                }
                if let Some(r) = saw_cause {
                    story.push((
                        r,
                        format!("{} reads k{}: sees the cause", c_label(r.session), r.key),
                        false,
                    ));
                }
                if let Some(w) = effect {
                    story.push((
                        w,
                        format!("effect: {} writes k{} in reply", c_label(w.session), w.key),
                        false,
                    ));
                }
                if let Some(r) = saw_effect {
                    story.push((
                        r,
                        format!("{} reads k{}: sees the effect", c_label(r.session), r.key),
                        false,
                    ));
                }
                if let Some(r) = revealing {
                    story.push((
                        r,
                        format!(
                            "{} reads k{}: the cause is missing",
                            c_label(r.session),
                            r.key
                        ),
                        true,
                    ));
                }
            }
            _ => {
                let other = (v.other_op != 0 && v.other_op != v.op)
                    .then(|| op(v.other_op))
                    .flatten();
                if let Some(o) = other {
                    if o.kind == OpKind::Write {
                        missed_lsn = Some(o.lsn);
                    }
                    let what = match (v.kind, o.kind) {
                        (ViolationKind::MonotonicReads, _) => {
                            format!("{} reads k{}: newer value", c_label(o.session), o.key)
                        }
                        (_, OpKind::Write) => {
                            format!("{} writes k{}", c_label(o.session), o.key)
                        }
                        (_, OpKind::Read) => {
                            format!("{} reads k{}", c_label(o.session), o.key)
                        }
                    };
                    story.push((o, what, false));
                    if v.kind == ViolationKind::MonotonicReads {
                        missed_lsn = Some(o.lsn);
                    }
                }
                if let Some(r) = revealing {
                    let what = match (v.kind, r.kind) {
                        (ViolationKind::MonotonicReads, _) => {
                            format!("{} reads k{}: older value", c_label(r.session), r.key)
                        }
                        (ViolationKind::ReadYourWrites | ViolationKind::StaleRead, _) => {
                            format!("{} reads k{}: old value", c_label(r.session), r.key)
                        }
                        (_, OpKind::Write) => {
                            format!("{} writes k{}", c_label(r.session), r.key)
                        }
                        (_, OpKind::Read) => format!("{} reads k{}", c_label(r.session), r.key),
                    };
                    story.push((r, what, true));
                }
            }
        }
        // The story's operations are pushed in the order they happened;
        // their messages, taken in sending order, stay in it.
        let mut arrows: Vec<StoryArrow> = Vec::new();
        let mut labelled: Vec<u64> = Vec::new();
        for a in &c.client {
            let Some((o, label, anomaly)) = story.iter().find(|(o, _, _)| a.req() == Some(o.id))
            else {
                continue;
            };
            let first = !labelled.contains(&o.id);
            if first {
                labelled.push(o.id);
            }
            arrows.push(StoryArrow {
                arrow: *a,
                label: if first { label.clone() } else { String::new() },
                anomaly: *anomaly,
            });
        }
        if let Some(lsn) = missed_lsn.filter(|l| *l > 0) {
            if let Some(a) = c.wal.iter().find(|a| {
                matches!(a.msg, Msg::Wal { entry, .. } if entry.lsn == lsn)
                    && a.to == Addr::Node(v.node)
            }) {
                let at = arrows
                    .iter()
                    .position(|s| (s.arrow.sent_us, s.arrow.id) > (a.sent_us, a.id))
                    .unwrap_or(arrows.len());
                arrows.insert(
                    at,
                    StoryArrow {
                        arrow: *a,
                        label: format!("WAL {lsn} shipped to the reader's node"),
                        anomaly: false,
                    },
                );
            }
        }
        Some(Focus {
            violation: v,
            explanation,
            story: arrows,
            ops: story.into_iter().map(|(o, _, _)| o).collect(),
            missing,
        })
    }
}
