//! The one module that reads the engine's state.
//!
//! Everything the page shows or decides from a running [`Simulation`] —
//! node roles, epochs and log positions, who is up, which links are cut,
//! where each client session sends its writes, lag, the running totals,
//! the live per-promotion losses, the anomalies — is read here and
//! handed on as plain values ([`NodeFacts`], [`SessionFacts`],
//! [`Totals`]). The view model (`view/`) builds the page from those, and
//! the reducer asks its few questions (is this node up, is this link cut,
//! what lag to sample for the charts) through the same functions. Driving
//! the engine (`run_until`, `step`, `apply_fault`, `set_policy`) stays in
//! the reducer; reading it happens only here, so a change of the engine's
//! read API is a change of this one file.

use replica_engine::checker::{Violation, ViolationKind};
use replica_engine::detector::Detector;
use replica_engine::message::{Msg, WriteError};
use replica_engine::network::{Addr, NodeId};
use replica_engine::node::{PeerState, Role};
use replica_engine::policy::CommitPolicy;
use replica_engine::report::{PolicyChange, Promotion};
use replica_engine::scenario::Fencing;
use replica_engine::sim::InFlight;
use replica_engine::{Scenario, Simulation};

/// A node's role, as the engine has it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeRole {
    /// Believes it leads (in its epoch).
    Leader,
    /// Follows a leader.
    Follower,
    /// Asking for votes.
    Candidate,
}

/// Why a node that holds the leader role would refuse a write arriving
/// now, from any client.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Lease fencing: its lease ran out by its own clock.
    LeaseExpired,
    /// `min_in_sync`: fewer followers in sync than the policy demands.
    TooFewReplicas {
        /// Followers needed in sync.
        need: u8,
    },
}

/// What the page needs of one node.
#[derive(Clone, PartialEq, Eq)]
pub struct NodeFacts {
    /// Its name in the scenario.
    pub name: String,
    /// Index of its region.
    pub region: usize,
    /// Running (not crashed).
    pub up: bool,
    /// Its role.
    pub role: NodeRole,
    /// Its epoch (term).
    pub epoch: u32,
    /// Log written through this LSN.
    pub written: u64,
    /// Log fsynced through this LSN.
    pub flushed: u64,
    /// Log replayed (visible) through this LSN.
    pub applied: u64,
    /// Newest LSN in its log (appended, maybe not written yet).
    pub last_lsn: u64,
    /// Writes waiting for their standbys' acknowledgements.
    pub pending_writes: u32,
    /// Semi-sync leader that fell back to asynchronous commit.
    pub degraded: bool,
    /// Its commit policy waits for standbys.
    pub waits: bool,
    /// Would refuse any write now, and why (leaders only).
    pub refuses: Option<Refusal>,
    /// Its failure detector (election timer, or the leader key it
    /// watches); `None` for a leader, a node that is down, or manual mode.
    pub detector: Option<Detector>,
}

/// What the page needs of one client session.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionFacts {
    /// The node it sends its writes to (its belief about the leader).
    pub writes_to: NodeId,
    /// The newest epoch it has seen: its fencing token.
    pub epoch: u32,
    /// Per node: messages get through both ways.
    pub reaches: Vec<bool>,
}

/// The run's running totals.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Totals {
    /// Writes acknowledged to clients.
    pub writes_acked: u64,
    /// Writes that ended in an error or a client time-out.
    pub writes_failed: u64,
    /// Of those, refused up front by a leader with too few replicas.
    pub writes_refused: u64,
    /// Of those, answered with a quorum time-out.
    pub writes_quorum_timeout: u64,
    /// Of those, abandoned by the client (no answer in time).
    pub writes_client_timeout: u64,
    /// Acknowledged writes the authoritative log lacks now.
    pub writes_lost: u64,
    /// Of the acknowledged writes, those committed on the leader only
    /// because their session cancelled the wait for standbys
    /// (`committed_unreplicated`, counted as acknowledged too).
    pub writes_unreplicated: u64,
    /// Of the lost writes, those committed unreplicated.
    pub writes_lost_unreplicated: u64,
    /// Reads answered.
    pub reads_ok: u64,
    /// Reads that failed.
    pub reads_failed: u64,
    /// Reads a follower answered while the leader already held a newer
    /// version of the key (judged by the engine at serving time).
    pub reads_behind_leader: u64,
    /// Time during which two leaders of different epochs both accepted
    /// client writes.
    pub split_brain_us: u64,
    /// Anomalies found by the checker, per kind in
    /// [`ViolationKind::ALL`] order.
    pub anomalies: [u64; 6],
}

/// The scenario the run was built from (with live policy and routing
/// changes applied).
pub fn scenario(sim: &Simulation) -> &Scenario {
    &sim.scenario
}

/// The commit policy in force.
pub fn policy(sim: &Simulation) -> &CommitPolicy {
    &sim.scenario.policy
}

/// Events processed so far.
pub fn events(sim: &Simulation) -> u64 {
    sim.events
}

/// Number of nodes.
pub fn node_count(sim: &Simulation) -> usize {
    sim.nodes().len()
}

/// Number of client sessions.
pub fn session_count(sim: &Simulation) -> usize {
    sim.sessions.len()
}

/// Whether node `n` is running.
pub fn is_up(sim: &Simulation, n: NodeId) -> Option<bool> {
    ((n as usize) < sim.nodes().len()).then(|| sim.is_up(n))
}

/// The node leading the highest epoch among those up, if any.
pub fn current_leader(sim: &Simulation) -> Option<NodeId> {
    sim.current_leader()
}

/// The node the routing layer sends writes to when nobody leads.
pub fn routed_leader(sim: &Simulation) -> NodeId {
    sim.view.leader
}

/// Every node's facts, in node order.
pub fn nodes(sim: &Simulation) -> Vec<NodeFacts> {
    let now = sim.now_us();
    sim.nodes()
        .enumerate()
        .map(|(i, n)| {
            let up = sim.is_up(i as NodeId);
            let role = match n.role() {
                Role::Leader => NodeRole::Leader,
                Role::Candidate => NodeRole::Candidate,
                #[allow(unreachable_patterns)]
                _ => NodeRole::Follower,
            };
            // The engine's own answer: `Node::handle` asks the same
            // question before appending a write.
            let refuses = match n.refusal(now) {
                _ if !up => None,
                Some(WriteError::Fenced) => Some(Refusal::LeaseExpired),
                Some(WriteError::NotEnoughReplicas) => Some(Refusal::TooFewReplicas {
                    need: n.cfg().policy.min_in_sync.map_or(0, |m| m.replicas),
                }),
                _ => None,
            };
            NodeFacts {
                name: sim.scenario.nodes[i].name.clone(),
                region: sim.scenario.nodes[i].region as usize,
                up,
                role,
                epoch: n.epoch(),
                written: n.wal().written,
                flushed: n.wal().flushed,
                applied: n.wal().applied,
                last_lsn: n.wal().last_lsn(),
                pending_writes: n.pending_writes(),
                degraded: n.degraded(),
                waits: !n.cfg().policy.is_async(),
                refuses,
                detector: sim.failure_detector(i as NodeId),
            }
        })
        .collect()
}

/// When a leader accepted client writes: a node in one epoch, with the
/// first and last time it appended one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AcceptSpan {
    /// The node.
    pub node: NodeId,
    /// Its epoch.
    pub epoch: u32,
    /// First client write appended.
    pub first_us: u64,
    /// Latest client write appended.
    pub last_us: u64,
}

/// The spans the engine's split-brain time is computed from
/// (`Accounting::accept_spans`).
pub fn accept_spans(sim: &Simulation) -> Vec<AcceptSpan> {
    sim.accounting()
        .accept_spans()
        .iter()
        .map(|&(node, epoch, first_us, last_us)| AcceptSpan {
            node,
            epoch,
            first_us,
            last_us,
        })
        .collect()
}

/// How the current leader sees follower `i`'s connection
/// (`pg_stat_replication.state`), if there is a leader.
pub fn stream_state(sim: &Simulation, i: usize) -> Option<PeerState> {
    let l = sim.current_leader()?;
    sim.node(l).peers().get(i).map(|p| p.state)
}

/// Lag of follower `i` behind `leader`: entries the leader has flushed
/// that the follower has not applied, and how long ago the oldest of them
/// was written (as `pg_stat_replication` reports replay lag).
pub fn lag(sim: &Simulation, leader: NodeId, i: usize) -> (u64, u64) {
    sim.cluster().replay_lag(leader, i as NodeId, sim.now_us())
}

/// Replay lag of every node behind the current leader, in time (`None`
/// for a node holding the leader role, down nodes, or when nobody leads).
pub fn lags_us(sim: &Simulation) -> Vec<Option<u64>> {
    let leader = sim.current_leader();
    (0..sim.nodes().len())
        .map(|i| match leader {
            Some(l)
                if l as usize != i
                    && sim.is_up(i as NodeId)
                    && sim.node(i as NodeId).role() != Role::Leader =>
            {
                Some(lag(sim, l, i).1)
            }
            _ => None,
        })
        .collect()
}

/// The largest replay lag of each node the engine's sampler has seen, in
/// entries and in time.
pub fn sampled_max_lag(sim: &Simulation) -> Vec<(u64, u64)> {
    sim.metrics()
        .lag
        .iter()
        .map(|l| (l.max_entries, l.max_us))
        .collect()
}

/// How often the engine samples lag.
pub fn sample_interval_us(sim: &Simulation) -> u64 {
    sim.scenario.sample_interval_us
}

/// Every session's facts, in session order.
pub fn sessions(sim: &Simulation) -> Vec<SessionFacts> {
    let n = sim.nodes().len();
    sim.sessions
        .iter()
        .enumerate()
        .map(|(s, sess)| {
            let c = Addr::Client(s as u16);
            SessionFacts {
                writes_to: sess.leader,
                epoch: sess.epoch,
                reaches: (0..n as NodeId)
                    .map(|x| !sim.net.is_cut(c, Addr::Node(x)) && !sim.net.is_cut(Addr::Node(x), c))
                    .collect(),
            }
        })
        .collect()
}

/// Whether the link between nodes `a` and `b` is cut in either direction.
pub fn nodes_cut(sim: &Simulation, a: NodeId, b: NodeId) -> bool {
    sim.net.is_cut(Addr::Node(a), Addr::Node(b)) || sim.net.is_cut(Addr::Node(b), Addr::Node(a))
}

/// Whether session `s` and node `n` are cut apart in either direction.
pub fn session_cut(sim: &Simulation, s: u16, n: NodeId) -> bool {
    sim.net.is_cut(Addr::Client(s), Addr::Node(n)) || sim.net.is_cut(Addr::Node(n), Addr::Client(s))
}

/// Whether node `n` is cut off from every other node.
pub fn is_isolated(sim: &Simulation, n: NodeId) -> bool {
    sim.is_isolated(n)
}

/// The running totals.
pub fn totals(sim: &Simulation) -> Totals {
    let m = sim.metrics();
    Totals {
        writes_acked: m.writes_acknowledged,
        writes_failed: m.writes_failed,
        writes_refused: m.writes_refused,
        writes_quorum_timeout: m.writes_quorum_timeout,
        writes_client_timeout: m.writes_client_timeout,
        writes_lost: sim.lost_acknowledged_writes(),
        writes_unreplicated: m.writes_committed_unreplicated,
        // Only runs with cancels have any, so others skip the count.
        writes_lost_unreplicated: if m.writes_committed_unreplicated > 0 {
            sim.accounting().lost_committed_unreplicated(sim.cluster())
        } else {
            0
        },
        reads_ok: m.reads_ok,
        reads_failed: m.reads_failed,
        reads_behind_leader: m.stale_reads,
        split_brain_us: sim.split_brain_us(),
        anomalies: sim.checker.as_ref().map(|c| c.counts).unwrap_or_default(),
    }
}

/// Reads answered and writes acknowledged so far (cheaper than
/// [`totals`]).
pub fn op_counts(sim: &Simulation) -> (u64, u64) {
    let m = sim.metrics();
    (m.reads_ok, m.writes_acknowledged)
}

/// Time during which two leaders of different epochs both accepted client
/// writes (cheaper than [`totals`]).
pub fn split_brain_us(sim: &Simulation) -> u64 {
    sim.split_brain_us()
}

/// The instant of the next event due, if any.
pub fn next_event_us(sim: &Simulation) -> Option<u64> {
    sim.next_event_us()
}

/// Commit latency of every acknowledged write so far: p50 and p99.
pub fn commit_latency_us(sim: &Simulation) -> (u64, u64, u64) {
    let h = &sim.metrics().commit_latency;
    (h.count(), h.percentile(500), h.percentile(990))
}

/// The promotions so far, each with the acknowledged writes it has lost
/// as of now (the engine's live figure).
pub fn promotions(sim: &Simulation) -> Vec<Promotion> {
    sim.promotions()
}

/// Number of promotions so far (cheaper than [`promotions`]).
pub fn promotion_count(sim: &Simulation) -> usize {
    sim.metrics().promotions.len()
}

/// Semi-sync fall-backs and recoveries, in order.
pub fn policy_changes(sim: &Simulation) -> &[PolicyChange] {
    &sim.metrics().policy_changes
}

/// The anomalies kept (the first ones of a long run), in order.
pub fn violations(sim: &Simulation) -> &[Violation] {
    &sim.metrics().violations
}

/// The index of `kind` in [`Totals::anomalies`].
pub fn kind_index(kind: ViolationKind) -> usize {
    ViolationKind::ALL
        .iter()
        .position(|k| *k == kind)
        .unwrap_or(0)
}

/// Messages in flight now.
pub fn in_flight(sim: &Simulation) -> impl Iterator<Item = InFlight> + '_ {
    sim.in_flight()
}

/// The client request a message belongs to, if any.
pub fn request_of(msg: &Msg) -> Option<u64> {
    msg.req()
}

/// Whether the scenario fences old leaders by epoch.
pub fn epoch_fencing(sim: &Simulation) -> bool {
    sim.scenario.failover.fencing == Fencing::Epoch
}
