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

use crate::checker::{Checker, Violation};
use crate::client::{ClientEffect, Session};
use crate::history::{OpKind, OpRecord, Outcome};
use crate::manager::{Manager, ManagerAction, NodeFacts};
use crate::message::Msg;
use crate::metrics::{Histogram, LagStats};
use crate::network::{Addr, Network, NodeId, SessionId, Transit};
use crate::node::{Effect, Input, Node, NodeConfig, Note, Progress, Role};
use crate::queue::EventQueue;
use crate::rng::Rng;
use crate::routing::ClusterView;
use crate::scenario::{FailoverMode, FaultAction, Group, Scenario};
use crate::trace::{TraceEvent, TraceHasher};
use crate::wal::{Epoch, Lsn};
use alloc::boxed::Box;
use alloc::collections::{BTreeMap, VecDeque};
use alloc::vec;
use alloc::vec::Vec;

/// Something scheduled to happen.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Event {
    Deliver {
        from: Addr,
        to: Addr,
        msg: Msg,
        id: u64,
        sent_us: u64,
    },
    /// An input for incarnation `inc` of `node` (dropped if the node has
    /// crashed or restarted since it was scheduled).
    ToNode {
        node: NodeId,
        inc: u32,
        input: Input,
    },
    ClientWake {
        session: SessionId,
    },
    ManagerTick {
        node: NodeId,
    },
    RecloneDone {
        node: NodeId,
        inc: u32,
        from: NodeId,
    },
    ClientTimeout {
        session: SessionId,
    },
    Fault {
        index: u32,
    },
    Sample,
    Discover {
        leader: NodeId,
    },
}

/// Everything the simulation keeps about one machine: the node running on
/// it, whether it runs, and the machine's own conditions.
#[derive(Clone, Debug)]
pub struct Host {
    node: Node,
    up: bool,
    /// Bumped on crash and restart, so events scheduled for an earlier
    /// life of the node are dropped.
    incarnation: u32,
    /// Disk slowdown factor and until when.
    slow_disk: (u32, u64),
    /// When its server is busy until (capacity model).
    busy_until_us: u64,
    /// Periodic timers pending, one bit per [`crate::node::Timer::periodic_slot`].
    timers: u8,
}

impl Host {
    /// The node running here.
    pub fn node(&self) -> &Node {
        &self.node
    }

    /// Whether the node runs.
    pub fn up(&self) -> bool {
        self.up
    }
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
    /// The leader it replaced.
    pub old_leader: NodeId,
    /// When the old leader was lost (crash, partition, spike), if a fault
    /// caused it.
    pub leader_lost_us: Option<u64>,
    /// When the failure detector first suspected the old leader (if it did).
    pub suspected_us: Option<u64>,
    /// Whether the old leader was still up (a false positive when no
    /// fault hit it, or a split-brain risk when it was cut off).
    pub old_leader_alive: bool,
    /// First write acknowledged by the new leader.
    pub first_ack_us: Option<u64>,
    /// Acknowledged writes the new leader's log lacks: lost by this
    /// failover.
    pub lost_acknowledged_writes: u64,
    /// Acknowledgement time of the oldest and newest lost write.
    pub lost_span_us: Option<(u64, u64)>,
    /// Acknowledged writes later rolled back from a rejoining node.
    pub rolled_back_acknowledged: u64,
}

impl Promotion {
    /// From the loss of the leader (or its suspicion) to the first
    /// acknowledged write on the new one.
    pub fn unavailable_us(&self) -> Option<u64> {
        let from = self.leader_lost_us.or(self.suspected_us)?;
        Some(self.first_ack_us?.saturating_sub(from))
    }
}

/// A write a client was told succeeded, kept until every node holds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct AckedWrite {
    lsn: Lsn,
    epoch: Epoch,
    ack_us: u64,
    value: u64,
}

/// An entry removed from a rejoining node's log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RolledBack {
    /// When.
    pub t_us: u64,
    /// The node that removed it.
    pub node: NodeId,
    /// The entry.
    pub entry: crate::wal::Entry,
    /// Whether a client had been told it succeeded.
    pub acknowledged: bool,
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
    /// Leader changes as they happened; their lost-write fields are filled
    /// in by [`Simulation::promotions`].
    pub promotions: Vec<Promotion>,
    /// Entries removed from a log on rejoin.
    pub rolled_back: u64,
    /// Messages sent / dropped.
    pub messages_sent: u64,
    /// Messages dropped by loss, partitions or dead receivers.
    pub messages_dropped: u64,
    /// Entries removed from rejoining logs (the first
    /// [`MAX_KEPT_VIOLATIONS`]).
    pub rolled_back_entries: Vec<RolledBack>,
    /// Rolled-back entries that clients had been told succeeded.
    pub rolled_back_acknowledged: u64,
    /// Reads answered by a node that was not the leader.
    pub follower_reads: u64,
    /// Followers re-cloned because they fell out of the retained log.
    pub reclones: u64,
    /// Elections or promotions while the old leader was up.
    pub false_failovers: u64,
    /// Times a node was leader of an epoch another node also led.
    pub two_leaders_one_epoch: u64,
    /// The first violations the checker found (at most
    /// [`MAX_KEPT_VIOLATIONS`]; the checker's counts cover all of them).
    pub violations: Vec<Violation>,
}

/// Acknowledged writes tracked for loss accounting, at most.
const MAX_TRACKED_ACKS: usize = 1_000_000;

/// How many violations a run keeps for display and reports.
pub const MAX_KEPT_VIOLATIONS: usize = 1_000;

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
    /// One per node.
    hosts: Vec<Host>,
    /// The client sessions.
    pub sessions: Vec<Session>,
    /// Per session: when its one pending time-out event fires.
    client_timer_us: Vec<Option<u64>>,
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
    /// The consistency checker, when enabled.
    pub checker: Option<Checker>,
    /// The external failover manager, in manager mode.
    pub manager: Option<Manager>,
    /// Acknowledged writes not yet held by every node.
    acked: VecDeque<AckedWrite>,
    /// When the current leader was last hit by a fault.
    leader_lost_at_us: Option<u64>,
    /// `(node, epoch, first, last)` times each leader accepted writes.
    accept_spans: Vec<(NodeId, Epoch, u64, u64)>,
    /// The leader of each epoch seen so far.
    epoch_leaders: BTreeMap<Epoch, NodeId>,
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
        let hosts: Vec<Host> = scenario
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
                    fencing: scenario.failover.fencing,
                    restart_as_follower: scenario.failover.mode != FailoverMode::Manual,
                    clock_drift_ppm: spec.clock_drift_ppm,
                    detector_enabled: election,
                    election_timeout_us: scenario.failover.election_timeout_us,
                    priority: spec.priority,
                    lease_us: scenario.failover.lease_us,
                };
                let role = if i as NodeId == scenario.leader {
                    Role::Leader
                } else {
                    Role::Follower
                };
                Host {
                    node: Node::new(cfg, role, scenario.leader),
                    up: true,
                    incarnation: 0,
                    slow_disk: (1, 0),
                    busy_until_us: 0,
                    timers: 0,
                }
            })
            .collect();
        let sessions: Vec<Session> = (0..scenario.sessions)
            .map(|s| {
                let from = Addr::Client(s);
                let mut order: Vec<NodeId> = (0..n as NodeId).collect();
                order.sort_by_key(|&x| (net.spec(from, Addr::Node(x)).base_us, x));
                Session::new(s, order, scenario.leader)
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
            hosts,
            client_timer_us: vec![None; sessions.len()],
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
            checker: None,
            manager: (scenario.failover.mode == FailoverMode::Manager)
                .then(|| Manager::new(scenario.failover, n, scenario.leader)),
            acked: VecDeque::new(),
            leader_lost_at_us: None,
            accept_spans: Vec::new(),
            epoch_leaders: BTreeMap::from([(1, scenario.leader)]),
            scenario,
        };
        for i in 0..n {
            let mut fx = core::mem::take(&mut sim.effects);
            sim.hosts[i]
                .node
                .handle(0, Input::Start { restarted: false }, &mut fx);
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
        if sim.manager.is_some() {
            let loop_us = sim.scenario.failover.loop_wait_us;
            for i in 0..n {
                let offset = loop_us * i as u64 / n as u64;
                sim.queue
                    .push(offset, Event::ManagerTick { node: i as NodeId });
            }
        }
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

    /// Checks every completed operation for anomalies as the run goes.
    pub fn enable_checker(&mut self) {
        self.checker = Some(Checker::new());
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

    /// Node `i`.
    pub fn node(&self, i: NodeId) -> &Node {
        &self.hosts[i as usize].node
    }

    /// Every node, in id order.
    pub fn nodes(&self) -> impl ExactSizeIterator<Item = &Node> + Clone + '_ {
        self.hosts.iter().map(|h| &h.node)
    }

    /// Every machine: its node and its conditions, in node id order.
    pub fn hosts(&self) -> &[Host] {
        &self.hosts
    }

    /// Moves node `i`'s applied position past its written one, which no
    /// real run can do: for testing that the invariant check catches it.
    #[cfg(test)]
    pub(crate) fn corrupt_applied_position_for_test(&mut self, i: NodeId) {
        self.hosts[i as usize]
            .node
            .corrupt_applied_position_for_test();
    }

    /// Whether node `i` runs.
    pub fn is_up(&self, i: NodeId) -> bool {
        self.hosts[i as usize].up
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
        self.hosts
            .iter()
            .enumerate()
            .filter(|(_, h)| h.up && h.node.role() == Role::Leader)
            .max_by_key(|(i, h)| (h.node.epoch(), core::cmp::Reverse(*i)))
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
            Event::ToNode { node, inc, input } => self.handle_live(node, inc, input),
            Event::ClientWake { session } => self.wake_session(session),
            Event::ManagerTick { node } => self.manager_tick(node),
            Event::RecloneDone { node, inc, from } => self.finish_reclone(node, inc, from),
            Event::ClientTimeout { session } => {
                self.client_timer_us[session as usize] = None;
                let mut fx = core::mem::take(&mut self.client_effects);
                let w = &self.scenario.workload;
                self.sessions[session as usize].on_timeout(self.now_us, w, &mut self.rng, &mut fx);
                self.client_effects_apply(session, &mut fx);
                self.client_effects = fx;
            }
            Event::Fault { index } => {
                let action = self.scenario.faults[index as usize].action;
                self.apply_fault(action);
            }
            Event::Sample => self.sample(),
            Event::Discover { leader } => {
                let h = &self.hosts[leader as usize];
                if h.up && h.node.role() == Role::Leader {
                    self.view.leader = leader;
                    self.spread_discovery();
                    self.emit(TraceEvent::Discovered {
                        t_us: self.now_us,
                        leader,
                    });
                }
            }
        }
        true
    }

    /// Hands `input` to `node` if it was scheduled for the node's current
    /// life: dropped if the node has crashed or restarted since.
    fn handle_live(&mut self, node: NodeId, inc: u32, input: Input) {
        let h = &mut self.hosts[node as usize];
        if h.incarnation != inc || !h.up {
            return;
        }
        if let Input::Timer(t) = input {
            if let Some(slot) = t.periodic_slot() {
                h.timers &= !(1 << slot);
            }
        }
        self.handle_node(node, input);
    }

    /// Feeds `node` one input and processes its effects.
    fn handle_node(&mut self, node: NodeId, input: Input) {
        let mut fx = core::mem::take(&mut self.effects);
        self.hosts[node as usize]
            .node
            .handle(self.now_us, input, &mut fx);
        self.node_effects(node, &mut fx);
        self.effects = fx;
    }

    /// Traces how a node's log moved, and which leader accepted writes when.
    fn on_progress(&mut self, node: NodeId, progress: Progress) {
        let t_us = self.now_us;
        let ev = match progress {
            Progress::Appended { lsn, epoch } => {
                if self.hosts[node as usize].node.role() == Role::Leader {
                    match self
                        .accept_spans
                        .iter_mut()
                        .rev()
                        .find(|s| s.0 == node && s.1 == epoch)
                    {
                        Some(span) => span.3 = t_us,
                        None => self.accept_spans.push((node, epoch, t_us, t_us)),
                    }
                }
                TraceEvent::Append {
                    t_us,
                    node,
                    lsn,
                    epoch,
                }
            }
            Progress::Written { lsn } => TraceEvent::Written { t_us, node, lsn },
            Progress::Flushed { lsn } => TraceEvent::Flushed { t_us, node, lsn },
            Progress::Applied { lsn } => TraceEvent::Applied { t_us, node, lsn },
        };
        if self.tracing() {
            self.emit(ev);
        }
    }

    fn disk_factor(&self, node: NodeId) -> u64 {
        let (factor, until) = self.hosts[node as usize].slow_disk;
        if self.now_us < until {
            factor as u64
        } else {
            1
        }
    }

    /// Schedules `input` for `node`'s current life at `at_us`.
    fn schedule(&mut self, at_us: u64, node: NodeId, input: Input) {
        let inc = self.hosts[node as usize].incarnation;
        self.queue.push(at_us, Event::ToNode { node, inc, input });
    }

    fn node_effects(&mut self, node: NodeId, fx: &mut Vec<Effect>) {
        // Effects can produce more effects (a STONITH answer): walk by index.
        let mut i = 0;
        while i < fx.len() {
            let e = fx[i];
            i += 1;
            let now = self.now_us;
            match e {
                Effect::Send { to, msg } => {
                    if let Msg::ReadOk {
                        key,
                        version_lsn,
                        version_epoch,
                        ..
                    } = msg
                    {
                        self.judge_staleness(node, key, (version_epoch, version_lsn));
                    }
                    self.send(Addr::Node(node), to, msg);
                }
                Effect::DiskWrite { upto, gen } => {
                    let d = self.scenario.nodes[node as usize].disk;
                    let at = now.saturating_add(d.write_us.saturating_mul(self.disk_factor(node)));
                    self.schedule(at, node, Input::DiskWritten { upto, gen });
                }
                Effect::DiskFlush { upto, gen } => {
                    let d = self.scenario.nodes[node as usize].disk;
                    let base = d.fsync_us + self.rng.below(d.fsync_jitter_us + 1);
                    let at = now.saturating_add(base.saturating_mul(self.disk_factor(node)));
                    self.schedule(at, node, Input::DiskFlushed { upto, gen });
                }
                Effect::Apply {
                    lsn,
                    not_before_us,
                    gen,
                } => {
                    let at = now.max(not_before_us) + self.scenario.nodes[node as usize].apply_us;
                    self.schedule(at, node, Input::Applied { lsn, gen });
                }
                Effect::Timer {
                    after_us,
                    jitter_us,
                    timer,
                } => {
                    if let Some(slot) = timer.periodic_slot() {
                        let h = &mut self.hosts[node as usize];
                        if h.timers & (1 << slot) != 0 {
                            continue;
                        }
                        h.timers |= 1 << slot;
                    }
                    let jitter = if jitter_us > 0 {
                        self.rng.below(jitter_us + 1)
                    } else {
                        0
                    };
                    self.schedule(now + after_us + jitter, node, Input::Timer(timer));
                }
                Effect::Stonith { target } => {
                    let ok = self.stonith(node, target);
                    let mut more = Vec::new();
                    self.hosts[node as usize].node.handle(
                        now,
                        Input::StonithDone { target, ok },
                        &mut more,
                    );
                    fx.append(&mut more);
                }
                Effect::Reclone { from } => self.start_reclone(node, from),
                Effect::Note(note) => self.on_note(node, note),
                Effect::Progress(p) => self.on_progress(node, p),
            }
        }
        fx.clear();
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
            Note::RolledBack { entry } => {
                self.metrics.rolled_back += 1;
                let value = match entry.op {
                    crate::wal::Op::Put { value, .. } => Some(value),
                    crate::wal::Op::Delete { .. } => None,
                };
                let acknowledged = value.is_some_and(|v| {
                    self.acked
                        .iter()
                        .any(|a| a.value == v && a.epoch == entry.epoch)
                });
                if acknowledged {
                    self.metrics.rolled_back_acknowledged += 1;
                    if let Some(p) = self.metrics.promotions.last_mut() {
                        p.rolled_back_acknowledged += 1;
                    }
                }
                if self.metrics.rolled_back_entries.len() < MAX_KEPT_VIOLATIONS {
                    self.metrics.rolled_back_entries.push(RolledBack {
                        t_us,
                        node,
                        entry,
                        acknowledged,
                    });
                }
            }
            Note::LeaderSuspected { .. } if self.suspected_at_us.is_none() => {
                self.suspected_at_us = Some(t_us);
            }
            Note::NeedsReclone { follower }
                if self.hosts.get(follower as usize).is_some_and(|h| h.up) =>
            {
                self.handle_node(follower, Input::RecloneStarted { from: node });
            }
            Note::RoleChanged {
                role: Role::Leader,
                epoch,
            } => {
                let old = self
                    .epoch_leaders
                    .range(..epoch)
                    .next_back()
                    .map_or(self.scenario.leader, |(_, n)| *n);
                match self.epoch_leaders.get(&epoch) {
                    Some(other) if *other != node => self.metrics.two_leaders_one_epoch += 1,
                    _ => {
                        self.epoch_leaders.insert(epoch, node);
                    }
                }
                let alive = old != node && self.hosts[old as usize].up;
                if alive {
                    self.metrics.false_failovers += 1;
                }
                self.metrics.promotions.push(Promotion {
                    t_us,
                    node,
                    epoch,
                    old_leader: old,
                    leader_lost_us: self.leader_lost_at_us.take(),
                    suspected_us: self.suspected_at_us.take(),
                    old_leader_alive: alive,
                    first_ack_us: None,
                    lost_acknowledged_writes: 0,
                    lost_span_us: None,
                    rolled_back_acknowledged: 0,
                });
                let delay = self.scenario.failover.discovery_delay_us;
                self.queue
                    .push(t_us + delay, Event::Discover { leader: node });
            }
            _ => {}
        }
        self.emit(TraceEvent::Node { t_us, node, note });
    }

    /// A follower starts copying its leader's data (it fell out of the
    /// retained log, or cannot rewind): the copy takes the database's size
    /// over the copy bandwidth.
    fn start_reclone(&mut self, follower: NodeId, from: NodeId) {
        self.metrics.reclones += 1;
        let fo = &self.scenario.failover;
        let copy_us = fo.database_mb * 1_000_000 / fo.reclone_mb_per_s.max(1);
        let inc = self.hosts[follower as usize].incarnation;
        self.queue.push(
            self.now_us + copy_us,
            Event::RecloneDone {
                node: follower,
                inc,
                from,
            },
        );
    }

    fn finish_reclone(&mut self, node: NodeId, inc: u32, from: NodeId) {
        let f = &self.hosts[node as usize];
        if f.incarnation != inc || !f.up {
            return;
        }
        let source = &self.hosts[from as usize];
        if !source.up || source.node.role() != Role::Leader {
            self.handle_node(node, Input::RecloneAborted);
            return;
        }
        let snapshot = Box::new(source.node.snapshot());
        self.handle_node(
            node,
            Input::InstallSnapshot {
                snapshot,
                leader: from,
            },
        );
    }

    /// Whether `by` can power `target` off: it is already down, or `by`
    /// can reach it.
    fn can_fence(&self, by: NodeId, target: NodeId) -> bool {
        let t = target as usize;
        t < self.hosts.len()
            && (!self.hosts[t].up || !self.net.is_cut(Addr::Node(by), Addr::Node(target)))
    }

    /// Powers `target` off on behalf of `by` if it is already down or `by`
    /// can reach it; otherwise fencing cannot be confirmed.
    fn stonith(&mut self, by: NodeId, target: NodeId) -> bool {
        let ok = self.can_fence(by, target);
        if ok {
            self.crash(target, true);
        }
        ok
    }

    /// Whether nodes `a` and `b` can talk both ways.
    pub fn linked(&self, a: NodeId, b: NodeId) -> bool {
        a == b
            || (!self.net.is_cut(Addr::Node(a), Addr::Node(b))
                && !self.net.is_cut(Addr::Node(b), Addr::Node(a)))
    }

    fn manager_facts(&self) -> Vec<NodeFacts> {
        let n = self.hosts.len();
        (0..n)
            .map(|i| {
                let node = &self.hosts[i].node;
                let mut reachable = 0u64;
                for p in 0..n {
                    if self.hosts[p].up && self.linked(i as NodeId, p as NodeId) {
                        reachable |= 1u64 << p;
                    }
                }
                let sync_standby = if node.role() == Role::Leader {
                    node.cfg()
                        .policy
                        .sync_set(&node.follower_acks(self.now_us))
                        .first()
                        .copied()
                } else {
                    None
                };
                NodeFacts {
                    up: self.hosts[i].up,
                    // The store runs beside every node (etcd), whether or
                    // not the database process is up: reach a majority of
                    // hosts to reach it.
                    reaches_dcs: self.hosts[i].up
                        && (0..n)
                            .filter(|&p| self.linked(i as NodeId, p as NodeId))
                            .count()
                            * 2
                            > n,
                    role: node.role(),
                    leader: node.leader(),
                    flushed: node.wal().flushed,
                    last_lsn: node.wal().last_lsn(),
                    priority: self.scenario.nodes[i].priority,
                    reachable,
                    sync_standby,
                }
            })
            .collect()
    }

    fn manager_tick(&mut self, node: NodeId) {
        let Some(mut manager) = self.manager.take() else {
            return;
        };
        let facts = self.manager_facts();
        let stonith = self.scenario.failover.fencing == crate::scenario::Fencing::Stonith;
        let mut to_fence = Vec::new();
        let actions = {
            let mut fence = |t: NodeId| {
                let ok = self.can_fence(node, t);
                if ok {
                    to_fence.push(t);
                }
                ok
            };
            manager.tick(self.now_us, node, &facts, stonith, &mut fence)
        };
        self.manager = Some(manager);
        for t in to_fence {
            self.crash(t, true);
        }
        for a in actions {
            match a {
                ManagerAction::Promote { node, epoch, .. } => {
                    self.handle_node(node, Input::Promote { epoch })
                }
                ManagerAction::Demote { node } => self.handle_node(node, Input::Demote),
                ManagerAction::Follow {
                    node,
                    leader,
                    epoch,
                } => self.handle_node(node, Input::Follow { leader, epoch }),
            }
        }
        let next = self.now_us + self.scenario.failover.loop_wait_us;
        self.queue.push(next, Event::ManagerTick { node });
    }

    /// Ground truth check of a read: is there a newer version on the
    /// leader than the one this node is about to return?
    fn judge_staleness(&mut self, node: NodeId, key: u32, served: (Epoch, Lsn)) {
        let Some(leader) = self.current_leader() else {
            return;
        };
        if leader == node {
            return;
        }
        let l = &self.hosts[leader as usize].node;
        let newest = l.read(key);
        // Versions order by epoch first: a deposed leader's higher LSN is
        // older than the new leader's lower one.
        if (newest.epoch, newest.lsn) > served {
            let behind_lsn = l
                .wal()
                .applied
                .saturating_sub(self.hosts[node as usize].node.wal().applied);
            // How long the newer version has existed (0 when its entry has
            // left the retained log and its time is unknown).
            let behind_us = l
                .wal()
                .get(newest.lsn)
                .map_or(0, |e| self.now_us.saturating_sub(e.written_at_us));
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
            Addr::Node(n) => !self.hosts[n as usize].up,
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
                    let h = &mut self.hosts[n as usize];
                    let start = h.busy_until_us.max(self.now_us);
                    h.busy_until_us = start + service;
                    self.schedule(start + service, n, Input::Message { from, msg });
                } else {
                    self.handle_node(n, Input::Message { from, msg });
                }
            }
            Addr::Client(s) => {
                let mut fx = core::mem::take(&mut self.client_effects);
                let w = &self.scenario.workload;
                self.sessions[s as usize].on_reply(self.now_us, msg, w, &mut self.rng, &mut fx);
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
                ClientEffect::Timeout { after_us } => {
                    // A timer already due by then will re-arm itself.
                    let at = now + after_us;
                    let timer = &mut self.client_timer_us[s as usize];
                    if timer.is_none_or(|t| t > at) {
                        *timer = Some(at);
                        self.queue.push(at, Event::ClientTimeout { session: s });
                    }
                }
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
                for p in m.promotions.iter_mut().rev() {
                    if p.first_ack_us.is_some() {
                        break;
                    }
                    if op.epoch >= p.epoch {
                        p.first_ack_us = Some(op.complete_us);
                    }
                }
                self.acked.push_back(AckedWrite {
                    lsn: op.lsn,
                    epoch: op.epoch,
                    ack_us: op.complete_us,
                    value: op.value.unwrap_or(0),
                });
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
                if self.hosts[op.node as usize].node.role() != Role::Leader {
                    m.follower_reads += 1;
                }
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
        if let Some(c) = self.checker.as_mut() {
            let found = c.observe(&op);
            self.record_violations(found);
        }
    }

    fn record_violations(&mut self, found: Vec<Violation>) {
        for v in found {
            if self.metrics.violations.len() < MAX_KEPT_VIOLATIONS {
                self.metrics.violations.push(v);
            }
            self.emit(TraceEvent::Violation {
                t_us: self.now_us,
                violation: v,
            });
        }
    }

    /// The node whose log counts now: the current leader, or else the node
    /// with the most up-to-date log (by last entry's epoch, then LSN),
    /// which is the one an election would pick.
    pub fn authoritative_node(&self) -> NodeId {
        self.current_leader().unwrap_or_else(|| {
            self.nodes()
                .enumerate()
                .max_by_key(|(i, n)| {
                    let w = n.wal();
                    (w.last_epoch(), w.last_lsn(), core::cmp::Reverse(*i))
                })
                .map_or(0, |(i, _)| i as NodeId)
        })
    }

    /// Settles the checker's lost-write verdicts, which need the end of
    /// the run. Call once, after the run and before building the report.
    pub fn finish(&mut self) {
        self.finish_check();
    }

    fn finish_check(&mut self) {
        let leader = self.authoritative_node();
        let now = self.now_us;
        let wal = self.hosts[leader as usize].node.wal();
        let found = match self.checker.as_mut() {
            Some(c) => c.lost_writes(now, |lsn| wal.epoch_at(lsn)),
            None => return,
        };
        self.record_violations(found);
    }

    /// Sessions that can reach the leader the routing layer knows learn
    /// of it (and of its epoch); cut-off sessions keep their old belief.
    fn spread_discovery(&mut self) {
        let leader = self.view.leader;
        let epoch = self.hosts[leader as usize].node.epoch();
        for s in 0..self.sessions.len() {
            let reachable = !self
                .net
                .is_cut(Addr::Client(s as SessionId), Addr::Node(leader));
            let sess = &mut self.sessions[s];
            if sess.leader != leader && reachable {
                sess.leader = leader;
                sess.epoch = sess.epoch.max(epoch);
            }
        }
    }

    /// Forgets acknowledged writes that every node now holds durably: no
    /// future leader can lack them.
    fn prune_acked(&mut self) {
        while let Some(a) = self.acked.front() {
            let everywhere = self.nodes().all(|n| {
                let w = n.wal();
                w.flushed >= a.lsn && w.epoch_at(a.lsn) == Some(a.epoch)
            });
            if everywhere || self.acked.len() > MAX_TRACKED_ACKS {
                self.acked.pop_front();
            } else {
                break;
            }
        }
    }

    /// Acknowledged writes the authoritative log lacks right now, with
    /// their acknowledgement times. Only writes of the authoritative node's
    /// epoch or older are judged: a deposed leader that has not yet heard
    /// of a newer epoch cannot speak for that epoch's writes.
    fn lost_ack_times(&self) -> impl Iterator<Item = u64> + '_ {
        let node = &self.hosts[self.authoritative_node() as usize].node;
        let (wal, epoch) = (node.wal(), node.epoch().max(node.wal().last_epoch()));
        self.acked
            .iter()
            .filter(move |a| a.epoch <= epoch && wal.epoch_at(a.lsn) != Some(a.epoch))
            .map(|a| a.ack_us)
    }

    /// Acknowledged writes the authoritative log lacks right now.
    pub fn lost_acknowledged_writes(&self) -> u64 {
        self.lost_ack_times().count() as u64
    }

    /// The leader changes so far, each with the acknowledged writes it has
    /// lost as of now: every write the authoritative log lacks counts
    /// against the first promotion at or after its acknowledgement (or the
    /// last one, for writes a deposed leader acknowledged later). Computed
    /// live, so a paused page, a report and an embedding page's event all
    /// give the same figure at every instant.
    pub fn promotions(&self) -> Vec<Promotion> {
        let mut promos = self.metrics.promotions.clone();
        for t in self.lost_ack_times() {
            let i = promos
                .iter()
                .position(|p| p.t_us >= t)
                .or(promos.len().checked_sub(1));
            if let Some(p) = i.map(|i| &mut promos[i]) {
                p.lost_acknowledged_writes += 1;
                p.lost_span_us = Some(p.lost_span_us.map_or((t, t), |(a, b)| (a.min(t), b.max(t))));
            }
        }
        promos
    }

    /// Time so far during which two leaders of different epochs both
    /// accepted writes.
    pub fn split_brain_us(&self) -> u64 {
        let spans = &self.accept_spans;
        let mut overlap = 0;
        for (i, a) in spans.iter().enumerate() {
            for b in &spans[i + 1..] {
                if a.0 != b.0 && a.1 != b.1 {
                    overlap += a.3.min(b.3).saturating_sub(a.2.max(b.2));
                }
            }
        }
        overlap
    }

    fn sample(&mut self) {
        let now = self.now_us;
        self.prune_acked();
        if self.sessions.iter().any(|s| s.leader != self.view.leader) {
            self.spread_discovery();
        }
        if let Some(l) = self.current_leader() {
            let leader = self.hosts[l as usize].node.wal();
            let head = leader.flushed;
            for i in 0..self.hosts.len() {
                if i as NodeId == l || !self.hosts[i].up {
                    continue;
                }
                let applied = self.hosts[i].node.wal().applied.min(head);
                let entries = head - applied;
                let us = if entries == 0 {
                    0
                } else {
                    leader
                        .get(applied + 1)
                        .map_or(0, |e| now.saturating_sub(e.written_at_us))
                };
                self.metrics.lag[i].sample(entries, us);
                self.view.lag_us[i] = us;
            }
        }
        // The routing monitor's health check.
        for i in 0..self.hosts.len() {
            self.view.healthy[i] =
                self.hosts[i].up && !self.net.is_cut(Addr::Client(0), Addr::Node(i as NodeId));
        }
        self.queue
            .push(now + self.scenario.sample_interval_us, Event::Sample);
    }

    // ------------------------------------------------------------------
    // Faults
    // ------------------------------------------------------------------

    fn group_members(&self, g: Group) -> Vec<Addr> {
        let mut out: Vec<Addr> = (0..self.hosts.len() as NodeId)
            .filter(|n| g.nodes & (1u64 << n) != 0)
            .map(Addr::Node)
            .collect();
        out.extend(
            (0..self.sessions.len() as SessionId)
                .filter(|s| g.has_session(*s))
                .map(Addr::Client),
        );
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
        if let Some(l) = self.current_leader() {
            let hits_leader = match action {
                FaultAction::Crash { node, .. } | FaultAction::Isolate { node } => node == l,
                FaultAction::LatencySpike { node, .. } | FaultAction::SlowDisk { node, .. } => {
                    node == l
                }
                FaultAction::KillLeader { .. } | FaultAction::PartitionLeader => true,
                FaultAction::Partition { a, b, .. } => (a.nodes | b.nodes) & (1u64 << l) != 0,
                _ => false,
            };
            if hits_leader && self.leader_lost_at_us.is_none() {
                self.leader_lost_at_us = Some(now);
            }
        }
        let all_nodes = Group::of_nodes((1u64 << self.hosts.len()) - 1);
        match action {
            FaultAction::Crash { node, power_loss } => self.crash(node, power_loss),
            FaultAction::KillLeader { power_loss } => {
                if let Some(l) = self.current_leader() {
                    self.crash(l, power_loss);
                }
            }
            FaultAction::Restart { node } => {
                if let Some(h) = self.hosts.get_mut(node as usize).filter(|h| !h.up) {
                    h.up = true;
                    h.incarnation += 1;
                    self.handle_node(node, Input::Start { restarted: true });
                }
            }
            FaultAction::Partition { a, b, one_way } => self.cut_groups(a, b, one_way, true),
            FaultAction::Heal { a, b } => self.cut_groups(a, b, false, false),
            FaultAction::Isolate { node } => {
                let me = Group::of_nodes(1u64 << node);
                let rest = Group {
                    clients: true,
                    ..Group::of_nodes(all_nodes.nodes & !(1u64 << node))
                };
                self.cut_groups(me, rest, false, true);
            }
            FaultAction::PartitionLeader => {
                if let Some(l) = self.current_leader() {
                    let me = Group::of_nodes(1u64 << l);
                    let rest = Group::of_nodes(all_nodes.nodes & !(1u64 << l));
                    self.cut_groups(me, rest, false, true);
                }
            }
            FaultAction::HealAll => {
                let everyone = Group {
                    clients: true,
                    ..all_nodes
                };
                self.cut_groups(everyone, everyone, false, false);
            }
            FaultAction::SlowDisk {
                node,
                factor,
                duration_us,
            } => {
                if let Some(h) = self.hosts.get_mut(node as usize) {
                    h.slow_disk = (factor.max(1), now.saturating_add(duration_us));
                }
            }
            FaultAction::LatencySpike {
                node,
                extra_us,
                duration_us,
            } => {
                if (node as usize) < self.hosts.len() {
                    self.net
                        .set_spike(Addr::Node(node), extra_us, now.saturating_add(duration_us));
                }
            }
        }
        self.emit(TraceEvent::Fault {
            t_us: now,
            fault: action,
        });
    }

    fn crash(&mut self, node: NodeId, power_loss: bool) {
        let Some(h) = self.hosts.get_mut(node as usize).filter(|h| h.up) else {
            return;
        };
        h.up = false;
        h.incarnation += 1;
        h.busy_until_us = 0;
        h.timers = 0;
        let mut fx = Vec::new();
        h.node
            .handle(self.now_us, Input::Crash { power_loss }, &mut fx);
        if !power_loss {
            // The OS closes the dead process's connections.
            for peer in 0..self.hosts.len() as NodeId {
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
        let mut fx = Vec::new();
        for h in &mut self.hosts {
            let input = Input::SetPolicy(Box::new(policy.clone()));
            h.node.handle(self.now_us, input, &mut fx);
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
        let others: Vec<NodeId> = (0..self.hosts.len() as NodeId)
            .filter(|o| *o != n)
            .collect();
        !others.is_empty()
            && others.iter().all(|&o| {
                self.net.is_cut(Addr::Node(n), Addr::Node(o))
                    || self.net.is_cut(Addr::Node(o), Addr::Node(n))
            })
    }
}

impl Simulation {
    /// Whether any leader ever fell back to asynchronous commit (after
    /// which losing acknowledged writes is allowed).
    pub fn policy_ever_degraded(&self) -> bool {
        self.metrics.policy_changes.iter().any(|c| c.degraded)
    }
}

impl Simulation {
    /// Pending events by kind (and node, for node events): a diagnostic
    /// for runaway schedules.
    pub fn pending_by_kind(&self) -> alloc::collections::BTreeMap<alloc::string::String, u64> {
        let mut m = alloc::collections::BTreeMap::new();
        for (_, e) in self.queue.iter() {
            let s = alloc::format!("{e:?}");
            let key: alloc::string::String = s.split(['{', '(']).next().unwrap_or("").trim().into();
            let key = match e {
                Event::ToNode {
                    node,
                    input: Input::Timer(timer),
                    ..
                } => alloc::format!("{key} {node} {timer:?}"),
                _ => key,
            };
            *m.entry(key).or_insert(0) += 1;
        }
        m
    }
}
