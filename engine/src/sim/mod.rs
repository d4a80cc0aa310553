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

use crate::accounting::{Accounting, Metrics};
use crate::checker::{Checker, Violation};
use crate::client::{Arrivals, ClientEffect, Session};
use crate::cluster::{Cluster, Host};
use crate::history::OpRecord;
use crate::manager::{Manager, ManagerAction, NodeFacts};
use crate::message::Msg;
use crate::network::{Addr, Network, NodeId, SessionId, Transit};
use crate::node::{Effect, Input, Node, NodeConfig, Note, Progress, Role};
use crate::policy::FollowerAck;
use crate::queue::EventQueue;
use crate::report::Promotion;
use crate::rng::Rng;
use crate::routing::ClusterView;
use crate::scenario::{FailoverMode, FaultAction, Group, Scenario};
use crate::store::Version;
use crate::trace::{TraceEvent, TraceHasher};
use alloc::boxed::Box;
use alloc::vec;
use alloc::vec::Vec;

mod clients;
mod failover;
mod faults;
mod report;

/// Something scheduled to happen.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Event {
    Deliver {
        from: Addr,
        to: Addr,
        msg: Msg,
        id: u64,
        sent_us: u64,
        /// The link's generation when it was sent (see
        /// [`Network::link_gen`]).
        gen: u32,
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
    /// The next operation of an open-loop workload class is due.
    Arrival {
        class: u8,
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
    /// It will be lost on arrival: its link broke while it was on the
    /// wire, or its receiver is down.
    pub doomed: bool,
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
    /// The machines and their nodes.
    cluster: Cluster,
    /// The client sessions.
    pub sessions: Vec<Session>,
    /// Per session: when its one pending time-out event fires.
    client_timer_us: Vec<Option<u64>>,
    /// Per workload class: its open-loop schedule (`None`: closed loop).
    arrivals: Vec<Option<Arrivals>>,
    /// What routers believe.
    pub view: ClusterView,
    next_msg_id: u64,
    effects: Vec<Effect>,
    client_effects: Vec<ClientEffect>,
    /// What the run did.
    accounting: Accounting,
    /// Completed operations, when kept.
    pub history: Option<Vec<OpRecord>>,
    /// Trace output.
    pub trace: TraceSink,
    /// Events processed.
    pub events: u64,
    /// The consistency checker, when enabled.
    pub checker: Option<Checker>,
    /// The external failover manager, in manager mode.
    pub manager: Option<Manager>,
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
                Host::new(Node::new(cfg, role, scenario.leader))
            })
            .collect();
        let sessions: Vec<Session> = (0..scenario.sessions)
            .map(|s| {
                let from = Addr::Client(s);
                let mut order: Vec<NodeId> = (0..n as NodeId).collect();
                order.sort_by_key(|&x| (net.spec(from, Addr::Node(x)).base_us, x));
                Session::new(s, scenario.workload.class_of(s), order, scenario.leader)
            })
            .collect();
        let w = &scenario.workload;
        let arrivals: Vec<Option<Arrivals>> = w
            .classes
            .iter()
            .map(|c| Arrivals::new(c, w.start_at_us, w.stop_at_us))
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
            cluster: Cluster::new(hosts),
            client_timer_us: vec![None; sessions.len()],
            sessions,
            arrivals,
            view,
            next_msg_id: 0,
            effects: Vec::new(),
            client_effects: Vec::new(),
            accounting: Accounting::new(n, scenario.leader, &scenario.workload),
            history: None,
            trace: TraceSink::default(),
            events: 0,
            checker: None,
            manager: (scenario.failover.mode == FailoverMode::Manager)
                .then(|| Manager::new(scenario.failover, n, scenario.leader, 0)),
            scenario,
        };
        for i in 0..n {
            let mut fx = core::mem::take(&mut sim.effects);
            sim.cluster.host_mut(i as NodeId).node.handle(
                0,
                Input::Start { restarted: false },
                &mut fx,
            );
            sim.node_effects(i as NodeId, &mut fx);
            sim.effects = fx;
        }
        sim.record_initial_sync_standbys();
        // Closed-loop sessions start within one think time of the start;
        // open-loop classes at their first arrival.
        for s in 0..sim.sessions.len() {
            let w = &sim.scenario.workload;
            let class = &w.classes[sim.sessions[s].class as usize];
            if class.open_loop() {
                continue;
            }
            let at = w.start_at_us + sim.rng.below(class.think_us + 1);
            sim.queue.push(
                at,
                Event::ClientWake {
                    session: s as SessionId,
                },
            );
        }
        for class in 0..sim.arrivals.len() {
            if let Some(at) = sim.arrivals[class].as_ref().and_then(|a| a.next_due_us()) {
                sim.queue.push(at, Event::Arrival { class: class as u8 });
            }
        }
        for (i, f) in sim.scenario.faults.iter().enumerate() {
            sim.queue.push(f.at_us, Event::Fault { index: i as u32 });
        }
        sim.queue.push(0, Event::Sample);
        if sim.manager.is_some() {
            // Agents' loops are spread over one loop_wait, none at time 0:
            // the store already names the standbys the run starts with, and
            // a leader's loop before they have even connected would drop
            // them from it.
            let loop_us = sim.scenario.failover.loop_wait_us;
            for i in 0..n {
                let offset = loop_us * (i as u64 + 1) / n as u64;
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

    /// The checker that keeps every write to the end: the reference the
    /// bounded checker's verdicts are tested against.
    #[cfg(feature = "unbounded-checker")]
    pub fn enable_unbounded_checker(&mut self) {
        self.checker = Some(Checker::keeping_everything());
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

    /// The machines and their nodes.
    pub fn cluster(&self) -> &Cluster {
        &self.cluster
    }

    /// Node `i`.
    pub fn node(&self, i: NodeId) -> &Node {
        self.cluster.node(i)
    }

    /// Every node, in id order.
    pub fn nodes(&self) -> impl ExactSizeIterator<Item = &Node> + Clone + '_ {
        self.cluster.nodes()
    }

    /// Every machine: its node and its conditions, in node id order.
    pub fn hosts(&self) -> &[Host] {
        self.cluster.hosts()
    }

    /// Moves node `i`'s applied position past its written one, which no
    /// real run can do: for testing that the invariant check catches it.
    #[cfg(test)]
    pub(crate) fn corrupt_applied_position_for_test(&mut self, i: NodeId) {
        self.cluster
            .host_mut(i)
            .node
            .corrupt_applied_position_for_test();
    }

    /// Whether node `i` runs.
    pub fn is_up(&self, i: NodeId) -> bool {
        self.cluster.is_up(i)
    }

    /// The running totals.
    pub fn metrics(&self) -> &Metrics {
        self.accounting.metrics()
    }

    /// What the run did: totals, promotions, losses.
    pub fn accounting(&self) -> &Accounting {
        &self.accounting
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
                gen,
            } => Some(InFlight {
                doomed: gen != self.net.link_gen(from, to)
                    || matches!(to, Addr::Node(n) if !self.cluster.is_up(n)),
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
        self.cluster.current_leader()
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
                from,
                to,
                msg,
                id,
                gen,
                ..
            } => self.deliver(from, to, msg, id, gen),
            Event::ToNode { node, inc, input } => self.handle_live(node, inc, input),
            Event::ClientWake { session } => self.wake_session(session),
            Event::ManagerTick { node } => self.manager_tick(node),
            Event::RecloneDone { node, inc, from } => self.finish_reclone(node, inc, from),
            Event::ClientTimeout { session } => self.session_timeout(session),
            Event::Arrival { class } => self.arrival(class),
            Event::Fault { index } => {
                let action = self.scenario.faults[index as usize].action;
                self.apply_fault(action);
            }
            Event::Sample => self.sample(),
            Event::Discover { leader } => {
                if self.cluster.is_up(leader) && self.cluster.node(leader).role() == Role::Leader {
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

    /// A manager in synchronous mode starts with the store naming the
    /// standbys the leader's policy picks when all of them stream (the
    /// cluster has been running before the scenario starts), and the
    /// leader counts only those.
    fn record_initial_sync_standbys(&mut self) {
        if !self.scenario.failover.synchronous_mode {
            return;
        }
        let leader = self.scenario.leader;
        let Some(manager) = self.manager.as_mut() else {
            return;
        };
        let node = self.cluster.node(leader);
        let all: Vec<FollowerAck> = (0..self.cluster.len() as NodeId)
            .filter(|&p| p != leader)
            .map(|p| FollowerAck {
                node: p,
                eligible: true,
                written: 0,
                flushed: 0,
                applied: 0,
            })
            .collect();
        let allowed = node
            .cfg()
            .policy
            .sync_set(&all)
            .iter()
            .fold(0u64, |m, s| m | 1u64 << s);
        manager.dcs.sync_mask = allowed;
        self.handle_node(leader, Input::SyncStandbys { allowed });
    }

    /// Hands `input` to `node` if it was scheduled for the node's current
    /// life: dropped if the node has crashed or restarted since.
    fn handle_live(&mut self, node: NodeId, inc: u32, input: Input) {
        let h = self.cluster.host_mut(node);
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
        self.cluster
            .host_mut(node)
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
                if self.cluster.node(node).role() == Role::Leader {
                    self.accounting.on_leader_append(t_us, node, epoch);
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
        let (factor, until) = self.cluster.hosts()[node as usize].slow_disk;
        if self.now_us < until {
            factor as u64
        } else {
            1
        }
    }

    /// Schedules `input` for `node`'s current life at `at_us`.
    fn schedule(&mut self, at_us: u64, node: NodeId, input: Input) {
        let inc = self.cluster.hosts()[node as usize].incarnation;
        self.queue.push(at_us, Event::ToNode { node, inc, input });
    }

    fn node_effects(&mut self, node: NodeId, fx: &mut Vec<Effect>) {
        // Effects can produce more effects (a STONITH answer): walk by index.
        let mut i = 0;
        while i < fx.len() {
            let at = i;
            i += 1;
            let now = self.now_us;
            // Matched in place: each arm copies only the fields it uses.
            match fx[at] {
                Effect::Send { to, msg } => {
                    if let Msg::ReadOk {
                        key,
                        value,
                        version_lsn,
                        version_epoch,
                        ..
                    } = msg
                    {
                        let served = Version {
                            value,
                            lsn: version_lsn,
                            epoch: version_epoch,
                        };
                        let now = self.now_us;
                        self.accounting
                            .on_read_served(now, node, key, served, &self.cluster);
                    }
                    if let Msg::WriteOk { epoch, .. } | Msg::WriteUnreplicated { epoch, .. } = msg {
                        self.accounting.on_write_acknowledged(epoch);
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
                    let base = match d.fsync_tail {
                        Some(q) => q.sample(&mut self.rng),
                        None => d.fsync_us + self.rng.below(d.fsync_jitter_us + 1),
                    };
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
                        let h = self.cluster.host_mut(node);
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
                    self.cluster.host_mut(node).node.handle(
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
        self.accounting.on_note(t_us, node, note, &self.cluster);
        match note {
            Note::NeedsReclone { follower }
                if self
                    .cluster
                    .hosts()
                    .get(follower as usize)
                    .is_some_and(|h| h.up) =>
            {
                self.handle_node(follower, Input::RecloneStarted { from: node });
            }
            Note::RoleChanged {
                role: Role::Leader, ..
            } => {
                let delay = self.scenario.failover.discovery_delay_us;
                self.queue
                    .push(t_us + delay, Event::Discover { leader: node });
            }
            _ => {}
        }
        self.emit(TraceEvent::Node { t_us, node, note });
    }

    fn send(&mut self, from: Addr, to: Addr, msg: Msg) {
        let id = self.next_msg_id;
        self.next_msg_id += 1;
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
                        gen: self.net.link_gen(from, to),
                    },
                );
                (Some(at), None)
            }
            Transit::Drop(r) => (None, Some(r)),
        };
        self.accounting.on_sent(dropped.is_some());
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

    fn deliver(&mut self, from: Addr, to: Addr, msg: Msg, id: u64, gen: u32) {
        // Lost if the link broke while it was on the wire, or the
        // receiver is down.
        let lost = gen != self.net.link_gen(from, to)
            || matches!(to, Addr::Node(n) if !self.cluster.is_up(n));
        if lost {
            self.accounting.on_lost_delivery();
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
                    let h = self.cluster.host_mut(n);
                    let start = h.busy_until_us.max(self.now_us);
                    h.busy_until_us = start + service;
                    self.schedule(start + service, n, Input::Message { from, msg });
                } else {
                    self.handle_node(n, Input::Message { from, msg });
                }
            }
            Addr::Client(s) => self.session_reply(s, msg),
        }
    }

    /// The node whose log counts now (see [`Cluster::authoritative_node`]).
    pub fn authoritative_node(&self) -> NodeId {
        self.cluster.authoritative_node()
    }

    /// Settles the checker's lost-write verdicts, which need the end of
    /// the run. Call once, after the run and before building the report.
    pub fn finish(&mut self) {
        self.finish_check();
    }

    fn finish_check(&mut self) {
        let leader = self.authoritative_node();
        let now = self.now_us;
        let wal = self.cluster.node(leader).wal();
        let found = match self.checker.as_mut() {
            Some(c) => c.lost_writes(now, |lsn| wal.epoch_at(lsn)),
            None => return,
        };
        self.record_violations(found);
    }

    /// Acknowledged writes the authoritative log lacks right now.
    pub fn lost_acknowledged_writes(&self) -> u64 {
        self.accounting.lost_acknowledged_writes(&self.cluster)
    }

    /// Of those, the writes acknowledged as committed under the cluster's
    /// policy (see [`Accounting::lost_policy_committed_writes`]): what a
    /// synchronous policy with fencing promises never to lose.
    pub fn lost_policy_committed_writes(&self) -> u64 {
        self.accounting.lost_policy_committed_writes(&self.cluster)
    }

    /// The leader changes so far, each with the acknowledged writes it has
    /// lost as of now (see [`Accounting::promotions`]).
    pub fn promotions(&self) -> Vec<Promotion> {
        self.accounting.promotions(&self.cluster)
    }

    /// Time so far during which two leaders of different epochs both
    /// accepted writes.
    pub fn split_brain_us(&self) -> u64 {
        self.accounting.split_brain_us()
    }

    /// Whether any leader ever fell back to asynchronous commit (after
    /// which losing acknowledged writes is allowed).
    pub fn policy_ever_degraded(&self) -> bool {
        self.accounting.policy_ever_degraded()
    }

    fn sample(&mut self) {
        let now = self.now_us;
        self.accounting.prune_acked(&self.cluster);
        if let Some(c) = self.checker.as_mut() {
            let one_leader_per_epoch = self.accounting.metrics().two_leaders_one_epoch == 0;
            c.forget_settled(&self.cluster, one_leader_per_epoch);
        }
        if self.sessions.iter().any(|s| s.leader != self.view.leader) {
            self.spread_discovery();
        }
        if let Some(l) = self.current_leader() {
            for i in 0..self.cluster.len() as NodeId {
                if i == l || !self.cluster.is_up(i) {
                    continue;
                }
                let (entries, us) = self.cluster.replay_lag(l, i, now);
                self.accounting.on_lag_sample(i, entries, us);
                self.view.lag_us[i as usize] = us;
            }
        }
        // The routing monitor's health check.
        for i in 0..self.cluster.len() {
            self.view.healthy[i] = self.cluster.hosts()[i].up
                && !self.net.is_cut(Addr::Client(0), Addr::Node(i as NodeId));
        }
        self.queue
            .push(now + self.scenario.sample_interval_us, Event::Sample);
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
