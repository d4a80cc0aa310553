//! The simulation: the one owner of time, the event queue, the RNG, the
//! network, the disks and the faults.
//!
//! Each [`Simulation::step`] pops the earliest event, hands it to the node
//! or session it concerns, and turns the effects they return into new
//! events: a message becomes a delivery after the network's latency, a disk
//! write becomes a completion after the disk's latency, and so on. Nothing
//! else advances time. Everything observable is reported three ways: as
//! [`TraceEvent`]s (optionally buffered for the UI, optionally hashed for
//! determinism checks), as running metrics, and as an optional history of
//! client operations.

use crate::client::{ClientEffect, Session};
use crate::history::{OpKind, OpRecord, Outcome};
use crate::message::{Msg, ReqId};
use crate::metrics::{Histogram, LagStats};
use crate::network::{Addr, Network, NodeId, SessionId, Transit};
use crate::node::{Effect, Node, NodeConfig, Note, Role, Timer};
use crate::queue::EventQueue;
use crate::rng::Rng;
use crate::routing::ClusterView;
use crate::scenario::{FailoverMode, FaultAction, Group, Scenario};
use crate::trace::{TraceEvent, TraceHasher};
use crate::wal::{Epoch, Lsn};
use alloc::vec;
use alloc::vec::Vec;

/// Something scheduled to happen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Event {
    Deliver {
        from: Addr,
        to: Addr,
        msg: Msg,
        id: u64,
        sent_us: u64,
    },
    Serve {
        node: NodeId,
        inc: u32,
        from: Addr,
        msg: Msg,
    },
    NodeTimer {
        node: NodeId,
        inc: u32,
        timer: Timer,
    },
    DiskWritten {
        node: NodeId,
        inc: u32,
        upto: Lsn,
        gen: u32,
    },
    DiskFlushed {
        node: NodeId,
        inc: u32,
        upto: Lsn,
        gen: u32,
    },
    Applied {
        node: NodeId,
        inc: u32,
        lsn: Lsn,
        gen: u32,
    },
    ClientWake {
        session: SessionId,
    },
    ClientTimeout {
        session: SessionId,
        req: ReqId,
    },
    Fault {
        index: u32,
    },
    Sample,
    Discover {
        leader: NodeId,
    },
}

/// A message on its way, for drawing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InFlight {
    /// Message id (as in the trace).
    pub id: u64,
    /// Sender.
    pub from: Addr,
    /// Receiver.
    pub to: Addr,
    /// The message.
    pub msg: Msg,
    /// When it was sent.
    pub sent_us: u64,
    /// When it arrives.
    pub deliver_us: u64,
}

/// A change in a leader's commit policy state, for the report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PolicyChange {
    /// When.
    pub t_us: u64,
    /// Which leader.
    pub node: NodeId,
    /// `true`: fell back to asynchronous; `false`: synchronous again.
    pub degraded: bool,
}

/// A leader change, for the report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Promotion {
    /// When the new leader took over.
    pub t_us: u64,
    /// The new leader.
    pub node: NodeId,
    /// Its epoch.
    pub epoch: Epoch,
    /// When the failure detector first suspected the old leader (if it did).
    pub suspected_us: Option<u64>,
    /// Whether the old leader was still up (a false positive).
    pub old_leader_alive: bool,
}

/// Running totals of a run.
#[derive(Clone, Debug, Default)]
pub struct Metrics {
    /// Writes issued.
    pub writes_attempted: u64,
    /// Writes acknowledged.
    pub writes_acknowledged: u64,
    /// Writes that failed (any reason).
    pub writes_failed: u64,
    /// Writes refused up front.
    pub writes_refused: u64,
    /// Writes failed by a quorum time-out (the write stays).
    pub writes_quorum_timeout: u64,
    /// Writes whose client gave up.
    pub writes_client_timeout: u64,
    /// Latency of acknowledged writes.
    pub commit_latency: Histogram,
    /// Reads answered.
    pub reads_ok: u64,
    /// Reads that failed.
    pub reads_failed: u64,
    /// Reads answered with a version older than the leader's.
    pub stale_reads: u64,
    /// Largest staleness of a stale read, in time.
    pub max_stale_us: u64,
    /// Largest staleness of a stale read, in LSNs.
    pub max_stale_lsn: u64,
    /// Latency of answered reads.
    pub read_latency: Histogram,
    /// Per node: replay lag while following.
    pub lag: Vec<LagStats>,
    /// Semi-sync fallbacks and restorations.
    pub policy_changes: Vec<PolicyChange>,
    /// Leader changes.
    pub promotions: Vec<Promotion>,
    /// Entries removed from a log on rejoin.
    pub rolled_back: u64,
    /// Messages sent / dropped.
    pub messages_sent: u64,
    /// Messages dropped by loss, partitions or dead receivers.
    pub messages_dropped: u64,
}

/// Where trace events go.
#[derive(Clone, Debug, Default)]
pub struct TraceSink {
    /// Events not yet taken by the consumer.
    pub buffer: Option<Vec<TraceEvent>>,
    /// Running hash of every event.
    pub hash: Option<TraceHasher>,
}

/// A running simulation.
#[derive(Clone)]
pub struct Simulation {
    /// The scenario being run.
    pub scenario: Scenario,
    now_us: u64,
    queue: EventQueue<Event>,
    rng: Rng,
    /// The network.
    pub net: Network,
    /// The nodes.
    pub nodes: Vec<Node>,
    /// Per node: running.
    pub up: Vec<bool>,
    /// Per node: bumped on crash and restart, so stale completions are
    /// ignored.
    incarnation: Vec<u32>,
    /// Per node: disk slowdown factor and until when.
    slow_disk: Vec<(u32, u64)>,
    /// Per node: time its server is busy until (capacity model).
    busy_until_us: Vec<u64>,
    /// The client sessions.
    pub sessions: Vec<Session>,
    /// What routers believe.
    pub view: ClusterView,
    next_msg_id: u64,
    effects: Vec<Effect>,
    client_effects: Vec<ClientEffect>,
    /// Running totals.
    pub metrics: Metrics,
    /// Completed operations, when kept.
    pub history: Option<Vec<OpRecord>>,
    /// Trace output.
    pub trace: TraceSink,
    /// Events processed.
    pub events: u64,
    suspected_at_us: Option<u64>,
}

impl Simulation {
    /// Builds the cluster of `scenario` with its seed, ready at time 0.
    pub fn new(scenario: Scenario) -> Self {
        let seed = scenario.seed;
        Self::with_seed(scenario, seed)
    }

    /// Builds the cluster of `scenario` with another seed.
    pub fn with_seed(mut scenario: Scenario, seed: u64) -> Self {
        scenario.seed = seed;
        let n = scenario.nodes.len();
        let node_regions: Vec<u8> = scenario.nodes.iter().map(|x| x.region).collect();
        let net = Network::new(
            &node_regions,
            &scenario.session_regions,
            scenario.regions.len() as u16,
            scenario.links.clone(),
        );
        let election = scenario.failover.mode == FailoverMode::Election;
        let nodes: Vec<Node> = scenario
            .nodes
            .iter()
            .enumerate()
            .map(|(i, spec)| {
                let cfg = NodeConfig {
                    id: i as NodeId,
                    nodes: n as u8,
                    policy: scenario.policy.clone(),
                    wal_keep_entries: scenario.replication.wal_keep_entries,
                    max_in_flight_entries: scenario.replication.max_in_flight_entries,
                    status_interval_us: scenario.replication.status_interval_us,
                    sender_timeout_us: scenario.replication.sender_timeout_us,
                    apply_delay_us: spec.apply_delay_us,
                    heartbeat_interval_us: if election {
                        scenario.failover.heartbeat_interval_us
                    } else {
                        0
                    },
                };
                let role = if i as NodeId == scenario.leader {
                    Role::Leader
                } else {
                    Role::Follower
                };
                let mut node = Node::new(cfg, role, scenario.leader);
                node.failover.detector_enabled = election;
                node.failover.election_timeout_us = scenario.failover.election_timeout_us;
                node.failover.priority = spec.priority;
                node.failover.lease_us = scenario.failover.lease_us;
                node
            })
            .collect();
        let sessions: Vec<Session> = (0..scenario.sessions)
            .map(|s| {
                let from = Addr::Client(s);
                let mut order: Vec<NodeId> = (0..n as NodeId).collect();
                order.sort_by_key(|&x| (net.spec(from, Addr::Node(x)).base_us, x));
                Session::new(s, order)
            })
            .collect();
        let view = ClusterView {
            leader: scenario.leader,
            healthy: vec![true; n],
            lag_us: vec![0; n],
        };
        let mut sim = Simulation {
            now_us: 0,
            queue: EventQueue::default(),
            rng: Rng::new(seed),
            net,
            nodes,
            up: vec![true; n],
            incarnation: vec![0; n],
            slow_disk: vec![(1, 0); n],
            busy_until_us: vec![0; n],
            sessions,
            view,
            next_msg_id: 0,
            effects: Vec::new(),
            client_effects: Vec::new(),
            metrics: Metrics {
                lag: vec![LagStats::default(); n],
                ..Metrics::default()
            },
            history: None,
            trace: TraceSink::default(),
            events: 0,
            suspected_at_us: None,
            scenario,
        };
        for i in 0..n {
            let mut fx = core::mem::take(&mut sim.effects);
            sim.nodes[i].on_start(0, &mut fx);
            sim.node_effects(i as NodeId, &mut fx);
            sim.effects = fx;
        }
        for s in 0..sim.sessions.len() {
            let w = &sim.scenario.workload;
            let at = w.start_at_us + sim.rng.below(w.think_us + 1);
            sim.queue.push(
                at,
                Event::ClientWake {
                    session: s as SessionId,
                },
            );
        }
        for (i, f) in sim.scenario.faults.iter().enumerate() {
            sim.queue.push(f.at_us, Event::Fault { index: i as u32 });
        }
        sim.queue.push(0, Event::Sample);
        sim
    }

    /// Buffers trace events for [`Simulation::drain_trace`].
    pub fn enable_trace_buffer(&mut self) {
        self.trace.buffer = Some(Vec::new());
    }

    /// Hashes every trace event.
    pub fn enable_trace_hash(&mut self) {
        self.trace.hash = Some(TraceHasher::default());
    }

    /// Keeps every completed operation.
    pub fn enable_history(&mut self) {
        self.history = Some(Vec::new());
    }

    /// Takes the buffered trace events.
    pub fn drain_trace(&mut self) -> Vec<TraceEvent> {
        self.trace
            .buffer
            .as_mut()
            .map(core::mem::take)
            .unwrap_or_default()
    }

    /// The trace hash so far (0 when hashing is off).
    pub fn trace_hash(&self) -> u64 {
        use core::hash::Hasher;
        self.trace.hash.map_or(0, |h| h.finish())
    }

    /// Current simulated time.
    pub fn now_us(&self) -> u64 {
        self.now_us
    }

    /// Time of the next pending event.
    pub fn next_event_us(&self) -> Option<u64> {
        self.queue.peek_time()
    }

    /// Number of pending events (messages in flight, timers, disk work).
    pub fn pending_events(&self) -> usize {
        self.queue.len()
    }

    /// Messages currently in flight.
    pub fn in_flight(&self) -> impl Iterator<Item = InFlight> + '_ {
        self.queue.iter().filter_map(|(at, e)| match *e {
            Event::Deliver {
                from,
                to,
                msg,
                id,
                sent_us,
            } => Some(InFlight {
                id,
                from,
                to,
                msg,
                sent_us,
                deliver_us: at,
            }),
            _ => None,
        })
    }

    /// The node that currently leads the highest epoch, if any is up.
    pub fn current_leader(&self) -> Option<NodeId> {
        self.nodes
            .iter()
            .enumerate()
            .filter(|(i, n)| self.up[*i] && n.role == Role::Leader)
            .max_by_key(|(i, n)| (n.epoch, core::cmp::Reverse(*i)))
            .map(|(i, _)| i as NodeId)
    }

    fn emit(&mut self, ev: TraceEvent) {
        if let Some(h) = self.trace.hash.as_mut() {
            h.add(&ev);
        }
        if let Some(b) = self.trace.buffer.as_mut() {
            b.push(ev);
        }
    }

    fn tracing(&self) -> bool {
        self.trace.buffer.is_some() || self.trace.hash.is_some()
    }

    /// Runs every event up to and including time `t_us`, then sets the
    /// clock to `t_us`.
    pub fn run_until(&mut self, t_us: u64) {
        while self.queue.peek_time().is_some_and(|t| t <= t_us) {
            self.step();
        }
        self.now_us = self.now_us.max(t_us);
    }

    /// Runs to the scenario's end.
    pub fn run(&mut self) {
        let end = self.scenario.duration_us;
        self.run_until(end);
    }

    /// Processes the next event. Returns false when none is left.
    pub fn step(&mut self) -> bool {
        let Some((at, ev)) = self.queue.pop() else {
            return false;
        };
        self.now_us = at;
        self.events += 1;
        match ev {
            Event::Deliver {
                from, to, msg, id, ..
            } => self.deliver(from, to, msg, id),
            Event::Serve {
                node,
                inc,
                from,
                msg,
            } => {
                if self.incarnation[node as usize] == inc && self.up[node as usize] {
                    self.handle_node(node, |n, now, fx| n.on_message(now, from, msg, fx));
                }
            }
            Event::NodeTimer { node, inc, timer } => {
                if self.incarnation[node as usize] == inc && self.up[node as usize] {
                    self.handle_node(node, |n, now, fx| n.on_timer(now, timer, fx));
                }
            }
            Event::DiskWritten {
                node,
                inc,
                upto,
                gen,
            } => {
                if self.incarnation[node as usize] == inc && self.up[node as usize] {
                    self.handle_node(node, |n, now, fx| n.on_disk_written(now, upto, gen, fx));
                }
            }
            Event::DiskFlushed {
                node,
                inc,
                upto,
                gen,
            } => {
                if self.incarnation[node as usize] == inc && self.up[node as usize] {
                    self.handle_node(node, |n, now, fx| n.on_disk_flushed(now, upto, gen, fx));
                }
            }
            Event::Applied {
                node,
                inc,
                lsn,
                gen,
            } => {
                if self.incarnation[node as usize] == inc && self.up[node as usize] {
                    self.handle_node(node, |n, now, fx| n.on_applied(now, lsn, gen, fx));
                }
            }
            Event::ClientWake { session } => self.wake_session(session),
            Event::ClientTimeout { session, req } => {
                let mut fx = core::mem::take(&mut self.client_effects);
                let w = &self.scenario.workload;
                self.sessions[session as usize].on_timeout(
                    self.now_us,
                    req,
                    w,
                    &mut self.rng,
                    &mut fx,
                );
                self.client_effects_apply(session, &mut fx);
                self.client_effects = fx;
            }
            Event::Fault { index } => {
                let action = self.scenario.faults[index as usize].action;
                self.apply_fault(action);
            }
            Event::Sample => self.sample(),
            Event::Discover { leader } => {
                if self.up[leader as usize] && self.nodes[leader as usize].role == Role::Leader {
                    self.view.leader = leader;
                    self.emit(TraceEvent::Discovered {
                        t_us: self.now_us,
                        leader,
                    });
                }
            }
        }
        true
    }

    /// Runs a node handler and processes its effects, tracing how its log
    /// positions moved.
    fn handle_node(&mut self, node: NodeId, f: impl FnOnce(&mut Node, u64, &mut Vec<Effect>)) {
        let mut fx = core::mem::take(&mut self.effects);
        let n = &mut self.nodes[node as usize];
        let before = (
            n.wal.last_lsn(),
            n.wal.written,
            n.wal.flushed,
            n.wal.applied,
        );
        f(n, self.now_us, &mut fx);
        if self.tracing() {
            let n = &self.nodes[node as usize];
            let after = (
                n.wal.last_lsn(),
                n.wal.written,
                n.wal.flushed,
                n.wal.applied,
            );
            let t_us = self.now_us;
            if after.0 > before.0 {
                for lsn in before.0 + 1..=after.0 {
                    let epoch = self.nodes[node as usize].wal.epoch_at(lsn).unwrap_or(0);
                    self.emit(TraceEvent::Append {
                        t_us,
                        node,
                        lsn,
                        epoch,
                    });
                }
            }
            if after.1 != before.1 {
                self.emit(TraceEvent::Written {
                    t_us,
                    node,
                    lsn: after.1,
                });
            }
            if after.2 != before.2 {
                self.emit(TraceEvent::Flushed {
                    t_us,
                    node,
                    lsn: after.2,
                });
            }
            if after.3 != before.3 {
                self.emit(TraceEvent::Applied {
                    t_us,
                    node,
                    lsn: after.3,
                });
            }
        }
        self.node_effects(node, &mut fx);
        self.effects = fx;
    }

    fn disk_factor(&self, node: NodeId) -> u64 {
        let (factor, until) = self.slow_disk[node as usize];
        if self.now_us < until {
            factor as u64
        } else {
            1
        }
    }

    fn node_effects(&mut self, node: NodeId, fx: &mut Vec<Effect>) {
        let inc = self.incarnation[node as usize];
        for e in fx.drain(..) {
            let now = self.now_us;
            match e {
                Effect::Send { to, msg } => {
                    if let Msg::ReadOk {
                        key, version_lsn, ..
                    } = msg
                    {
                        self.judge_staleness(node, key, version_lsn);
                    }
                    self.send(Addr::Node(node), to, msg);
                }
                Effect::DiskWrite { upto, gen } => {
                    let d = self.scenario.nodes[node as usize].disk;
                    let at = now + d.write_us * self.disk_factor(node);
                    self.queue.push(
                        at,
                        Event::DiskWritten {
                            node,
                            inc,
                            upto,
                            gen,
                        },
                    );
                }
                Effect::DiskFlush { upto, gen } => {
                    let d = self.scenario.nodes[node as usize].disk;
                    let base = d.fsync_us + self.rng.below(d.fsync_jitter_us + 1);
                    let at = now + base * self.disk_factor(node);
                    self.queue.push(
                        at,
                        Event::DiskFlushed {
                            node,
                            inc,
                            upto,
                            gen,
                        },
                    );
                }
                Effect::Apply {
                    lsn,
                    not_before_us,
                    gen,
                } => {
                    let at = now.max(not_before_us) + self.scenario.nodes[node as usize].apply_us;
                    self.queue.push(
                        at,
                        Event::Applied {
                            node,
                            inc,
                            lsn,
                            gen,
                        },
                    );
                }
                Effect::Timer { after_us, timer } => {
                    self.queue
                        .push(now + after_us, Event::NodeTimer { node, inc, timer });
                }
                Effect::Note(note) => self.on_note(node, note),
            }
        }
    }

    fn on_note(&mut self, node: NodeId, note: Note) {
        let t_us = self.now_us;
        match note {
            Note::DegradedToAsync | Note::SyncRestored => {
                self.metrics.policy_changes.push(PolicyChange {
                    t_us,
                    node,
                    degraded: note == Note::DegradedToAsync,
                })
            }
            Note::RefusedWrite => self.metrics.writes_refused += 1,
            Note::RolledBack { .. } => self.metrics.rolled_back += 1,
            Note::LeaderSuspected { .. } if self.suspected_at_us.is_none() => {
                self.suspected_at_us = Some(t_us);
            }
            Note::RoleChanged {
                role: Role::Leader,
                epoch,
            } => {
                let old = self.view.leader;
                self.metrics.promotions.push(Promotion {
                    t_us,
                    node,
                    epoch,
                    suspected_us: self.suspected_at_us.take(),
                    old_leader_alive: old != node && self.up[old as usize],
                });
                let delay = self.scenario.failover.discovery_delay_us;
                self.queue
                    .push(t_us + delay, Event::Discover { leader: node });
            }
            _ => {}
        }
        self.emit(TraceEvent::Node { t_us, node, note });
    }

    /// Ground truth check of a read: is there a newer version on the
    /// leader than the one this node is about to return?
    fn judge_staleness(&mut self, node: NodeId, key: u32, version_lsn: Lsn) {
        let Some(leader) = self.current_leader() else {
            return;
        };
        if leader == node {
            return;
        }
        let l = &self.nodes[leader as usize];
        let (_, newest) = l.read(key);
        if newest > version_lsn {
            let served = &self.nodes[node as usize];
            let behind_lsn = l.wal.applied.saturating_sub(served.wal.applied);
            let since = l
                .wal
                .get(version_lsn.max(served.wal.applied) + 1)
                .map_or(0, |e| e.written_at_us);
            let behind_us = self.now_us.saturating_sub(since);
            self.metrics.stale_reads += 1;
            self.metrics.max_stale_lsn = self.metrics.max_stale_lsn.max(behind_lsn);
            self.metrics.max_stale_us = self.metrics.max_stale_us.max(behind_us);
        }
    }

    fn send(&mut self, from: Addr, to: Addr, msg: Msg) {
        let id = self.next_msg_id;
        self.next_msg_id += 1;
        self.metrics.messages_sent += 1;
        let transit = self.net.transit(&mut self.rng, self.now_us, from, to);
        let (deliver_us, dropped) = match transit {
            Transit::Deliver(at) => {
                self.queue.push(
                    at,
                    Event::Deliver {
                        from,
                        to,
                        msg,
                        id,
                        sent_us: self.now_us,
                    },
                );
                (Some(at), None)
            }
            Transit::Drop(r) => {
                self.metrics.messages_dropped += 1;
                (None, Some(r))
            }
        };
        if self.tracing() {
            self.emit(TraceEvent::Sent {
                t_us: self.now_us,
                id,
                from,
                to,
                msg,
                deliver_us,
                dropped,
            });
        }
    }

    fn deliver(&mut self, from: Addr, to: Addr, msg: Msg, id: u64) {
        let lost = match to {
            Addr::Node(n) => !self.up[n as usize],
            Addr::Client(_) => false,
        };
        if lost {
            self.metrics.messages_dropped += 1;
        }
        if self.tracing() {
            self.emit(TraceEvent::Delivered {
                t_us: self.now_us,
                id,
                from,
                to,
                lost,
            });
        }
        if lost {
            return;
        }
        match to {
            Addr::Node(n) => {
                let service = self.scenario.nodes[n as usize].service_us;
                let client_op = matches!(msg, Msg::WriteReq { .. } | Msg::ReadReq { .. });
                if service > 0 && client_op {
                    let start = self.busy_until_us[n as usize].max(self.now_us);
                    self.busy_until_us[n as usize] = start + service;
                    let inc = self.incarnation[n as usize];
                    self.queue.push(
                        start + service,
                        Event::Serve {
                            node: n,
                            inc,
                            from,
                            msg,
                        },
                    );
                } else {
                    self.handle_node(n, |node, now, fx| node.on_message(now, from, msg, fx));
                }
            }
            Addr::Client(s) => {
                let mut fx = core::mem::take(&mut self.client_effects);
                let w = &self.scenario.workload;
                self.sessions[s as usize].on_reply(
                    self.now_us,
                    msg,
                    w,
                    &self.view,
                    &mut self.rng,
                    &mut fx,
                );
                self.client_effects_apply(s, &mut fx);
                self.client_effects = fx;
            }
        }
    }

    fn wake_session(&mut self, s: SessionId) {
        let mut fx = core::mem::take(&mut self.client_effects);
        let w = &self.scenario.workload;
        let routing = &self.scenario.routing;
        self.sessions[s as usize].wake(self.now_us, w, routing, &self.view, &mut self.rng, &mut fx);
        for e in &fx {
            if let ClientEffect::Send { msg, .. } = e {
                match msg {
                    Msg::WriteReq { .. } => self.metrics.writes_attempted += 1,
                    Msg::ReadReq { .. } => {}
                    _ => {}
                }
            }
        }
        self.client_effects_apply(s, &mut fx);
        self.client_effects = fx;
    }

    fn client_effects_apply(&mut self, s: SessionId, fx: &mut Vec<ClientEffect>) {
        for e in fx.drain(..) {
            let now = self.now_us;
            match e {
                ClientEffect::Send { to, msg } => self.send(Addr::Client(s), to, msg),
                ClientEffect::Wake { after_us } => self
                    .queue
                    .push(now + after_us, Event::ClientWake { session: s }),
                ClientEffect::Timeout { after_us, req } => self
                    .queue
                    .push(now + after_us, Event::ClientTimeout { session: s, req }),
                ClientEffect::Done(op) => self.record_op(op),
            }
        }
    }

    fn record_op(&mut self, op: OpRecord) {
        let m = &mut self.metrics;
        match (op.kind, op.outcome) {
            (OpKind::Write, Outcome::Ok) => {
                m.writes_acknowledged += 1;
                m.commit_latency.record(op.latency_us());
            }
            (OpKind::Write, Outcome::WriteFailed { error }) => {
                m.writes_failed += 1;
                match error {
                    crate::message::WriteError::QuorumTimeout => m.writes_quorum_timeout += 1,
                    crate::message::WriteError::ClientTimeout => m.writes_client_timeout += 1,
                    _ => {}
                }
            }
            (OpKind::Read, Outcome::Ok) => {
                m.reads_ok += 1;
                m.read_latency.record(op.latency_us());
            }
            _ => m.reads_failed += 1,
        }
        if let Some(h) = self.history.as_mut() {
            h.push(op);
        }
        self.emit(TraceEvent::Op {
            t_us: self.now_us,
            op,
        });
    }

    fn sample(&mut self) {
        let now = self.now_us;
        if let Some(l) = self.current_leader() {
            let leader = &self.nodes[l as usize];
            let head = leader.wal.flushed;
            for i in 0..self.nodes.len() {
                if i as NodeId == l || !self.up[i] {
                    continue;
                }
                let applied = self.nodes[i].wal.applied.min(head);
                let entries = head - applied;
                let us = if entries == 0 {
                    0
                } else {
                    leader
                        .wal
                        .get(applied + 1)
                        .map_or(0, |e| now.saturating_sub(e.written_at_us))
                };
                self.metrics.lag[i].sample(entries, us);
                self.view.lag_us[i] = us;
            }
        }
        // The routing monitor's health check.
        for i in 0..self.nodes.len() {
            self.view.healthy[i] =
                self.up[i] && !self.net.is_cut(Addr::Client(0), Addr::Node(i as NodeId));
        }
        self.queue
            .push(now + self.scenario.sample_interval_us, Event::Sample);
    }

    // ------------------------------------------------------------------
    // Faults
    // ------------------------------------------------------------------

    fn group_members(&self, g: Group) -> Vec<Addr> {
        let mut out: Vec<Addr> = (0..self.nodes.len() as NodeId)
            .filter(|n| g.nodes & (1u64 << n) != 0)
            .map(Addr::Node)
            .collect();
        if g.clients {
            out.extend((0..self.sessions.len() as SessionId).map(Addr::Client));
        }
        out
    }

    fn cut_groups(&mut self, a: Group, b: Group, one_way: bool, cut: bool) {
        let (xs, ys) = (self.group_members(a), self.group_members(b));
        for &x in &xs {
            for &y in &ys {
                if x != y {
                    self.net.set_cut(x, y, cut);
                    if !one_way {
                        self.net.set_cut(y, x, cut);
                    }
                }
            }
        }
    }

    /// Applies a fault now (from the schedule, or from the user).
    pub fn apply_fault(&mut self, action: FaultAction) {
        let now = self.now_us;
        let all_nodes = Group {
            nodes: (1u64 << self.nodes.len()) - 1,
            clients: false,
        };
        match action {
            FaultAction::Crash { node, power_loss } => self.crash(node, power_loss),
            FaultAction::KillLeader { power_loss } => {
                if let Some(l) = self.current_leader() {
                    self.crash(l, power_loss);
                }
            }
            FaultAction::Restart { node } => {
                let i = node as usize;
                if i < self.nodes.len() && !self.up[i] {
                    self.up[i] = true;
                    self.incarnation[i] += 1;
                    self.handle_node(node, |n, now, fx| n.on_start(now, fx));
                }
            }
            FaultAction::Partition { a, b, one_way } => self.cut_groups(a, b, one_way, true),
            FaultAction::Heal { a, b } => self.cut_groups(a, b, false, false),
            FaultAction::Isolate { node } => {
                let me = Group {
                    nodes: 1u64 << node,
                    clients: false,
                };
                let rest = Group {
                    nodes: all_nodes.nodes & !(1u64 << node),
                    clients: true,
                };
                self.cut_groups(me, rest, false, true);
            }
            FaultAction::PartitionLeader => {
                if let Some(l) = self.current_leader() {
                    let me = Group {
                        nodes: 1u64 << l,
                        clients: false,
                    };
                    let rest = Group {
                        nodes: all_nodes.nodes & !(1u64 << l),
                        clients: false,
                    };
                    self.cut_groups(me, rest, false, true);
                }
            }
            FaultAction::HealAll => {
                let everyone = Group {
                    nodes: all_nodes.nodes,
                    clients: true,
                };
                self.cut_groups(everyone, everyone, false, false);
            }
            FaultAction::SlowDisk {
                node,
                factor,
                duration_us,
            } => {
                if (node as usize) < self.nodes.len() {
                    self.slow_disk[node as usize] = (factor.max(1), now + duration_us);
                }
            }
            FaultAction::LatencySpike {
                node,
                extra_us,
                duration_us,
            } => {
                if (node as usize) < self.nodes.len() {
                    self.net
                        .set_spike(Addr::Node(node), extra_us, now + duration_us);
                }
            }
        }
        self.emit(TraceEvent::Fault {
            t_us: now,
            fault: action,
        });
    }

    fn crash(&mut self, node: NodeId, power_loss: bool) {
        let i = node as usize;
        if i >= self.nodes.len() || !self.up[i] {
            return;
        }
        self.up[i] = false;
        self.incarnation[i] += 1;
        self.nodes[i].crash(power_loss);
        self.busy_until_us[i] = 0;
        if !power_loss {
            // The OS closes the dead process's connections.
            for peer in 0..self.nodes.len() as NodeId {
                if peer != node {
                    self.send(Addr::Node(node), Addr::Node(peer), Msg::Disconnect);
                }
            }
        }
    }
}

impl Simulation {
    /// Replaces the commit policy on every node, effective at once (the
    /// UI's live policy switch; `ALTER SYSTEM … ; SELECT pg_reload_conf()`).
    pub fn set_policy(&mut self, policy: crate::policy::CommitPolicy) {
        for n in &mut self.nodes {
            n.cfg.policy = policy.clone();
            n.degraded = false;
        }
        self.scenario.policy = policy;
    }

    /// Replaces the read routing policy, effective for the next read.
    pub fn set_routing(&mut self, routing: crate::routing::ReadRouting) {
        self.scenario.routing = routing;
    }

    /// Whether node `n` is cut off from every other node in both
    /// directions (as far as node-to-node links go).
    pub fn is_isolated(&self, n: NodeId) -> bool {
        let others: Vec<NodeId> = (0..self.nodes.len() as NodeId)
            .filter(|o| *o != n)
            .collect();
        !others.is_empty()
            && others.iter().all(|&o| {
                self.net.is_cut(Addr::Node(n), Addr::Node(o))
                    || self.net.is_cut(Addr::Node(o), Addr::Node(n))
            })
    }
}
