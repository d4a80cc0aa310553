//! The facts every part of the view model shares, read once from the run
//! at the playhead: each node with the state the page gives it, the
//! current leader, and the client sessions grouped by where they send
//! their writes and what they can reach.
//!
//! A node's state is what it does now, decided from the engine's state:
//! `down`; `fenced` (it holds the leader role but would refuse any write
//! arriving now, its lease having run out); `refusing` (a leader with
//! fewer in-sync followers than `min_in_sync` demands); `stale-leader` (it
//! still holds the leader role of an older epoch, and accepts writes from
//! whoever still sends them); `isolated`; `partitioned` (cut off from the
//! current leader); else `up`.

use crate::probe::{self, NodeFacts, NodeRole, Refusal, SessionFacts};
use replica_engine::network::NodeId;
use replica_engine::Simulation;

/// What a node is doing now, as the page shows it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum NodeState {
    /// Running, nothing to report.
    Up,
    /// Crashed.
    Down,
    /// Holds the leader role but refuses writes: its lease ran out.
    Fenced,
    /// A leader refusing writes: too few in-sync followers.
    Refusing,
    /// Holds the leader role of an older epoch than the current leader's.
    OldLeader,
    /// Cut off from every other node.
    Isolated,
    /// Cut off from the current leader.
    Partitioned,
}

impl NodeState {
    /// The `data-state` value.
    pub fn key(self) -> &'static str {
        match self {
            NodeState::Up => "up",
            NodeState::Down => "down",
            NodeState::Fenced => "fenced",
            NodeState::Refusing => "refusing",
            NodeState::OldLeader => "stale-leader",
            NodeState::Isolated => "isolated",
            NodeState::Partitioned => "partitioned",
        }
    }

    /// Whether the node would refuse every write arriving now.
    pub fn refuses_writes(self) -> bool {
        matches!(self, NodeState::Fenced | NodeState::Refusing)
    }
}

/// Client sessions that send their writes to the same node and can reach
/// the same nodes: drawn as one group with its own links.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionGroup {
    /// The sessions, ascending (0-based).
    pub sessions: Vec<u16>,
    /// Where they send writes.
    pub writes_to: NodeId,
    /// Per node: they can reach it.
    pub reaches: Vec<bool>,
}

/// The shared facts of one run at the playhead.
#[derive(Clone)]
pub struct Facts {
    /// Simulated time.
    pub now_us: u64,
    /// Every node, in node order.
    pub nodes: Vec<NodeFacts>,
    /// Every node's state, in node order.
    pub states: Vec<NodeState>,
    /// The current leader (highest epoch among leaders that are up).
    pub leader: Option<NodeId>,
    /// The node drawn as the leader: the current one, or the one clients
    /// were last routed to.
    pub drawn_leader: NodeId,
    /// Every session, in session order.
    pub sessions: Vec<SessionFacts>,
    /// Sessions grouped by where they write and what they reach.
    pub groups: Vec<SessionGroup>,
}

impl Facts {
    /// Reads the facts of `sim`.
    pub fn of(sim: &Simulation) -> Facts {
        let nodes = probe::nodes(sim);
        let leader = probe::current_leader(sim);
        let states = (0..nodes.len())
            .map(|i| state_of(sim, &nodes, i, leader))
            .collect();
        let sessions = probe::sessions(sim);
        let mut groups: Vec<SessionGroup> = Vec::new();
        for (s, f) in sessions.iter().enumerate() {
            match groups
                .iter_mut()
                .find(|g| g.writes_to == f.writes_to && g.reaches == f.reaches)
            {
                Some(g) => g.sessions.push(s as u16),
                None => groups.push(SessionGroup {
                    sessions: vec![s as u16],
                    writes_to: f.writes_to,
                    reaches: f.reaches.clone(),
                }),
            }
        }
        Facts {
            now_us: sim.now_us(),
            drawn_leader: leader.unwrap_or_else(|| probe::routed_leader(sim)),
            nodes,
            states,
            leader,
            sessions,
            groups,
        }
    }

    /// Name of node `n` (`node n` if there is none).
    pub fn name(&self, n: NodeId) -> String {
        self.nodes
            .get(n as usize)
            .map_or_else(|| format!("node {n}"), |f| f.name.clone())
    }

    /// Nodes holding the leader role that are up, in node order.
    pub fn leaders(&self) -> Vec<NodeId> {
        (0..self.nodes.len())
            .filter(|&i| self.nodes[i].up && self.nodes[i].role == NodeRole::Leader)
            .map(|i| i as NodeId)
            .collect()
    }

    /// Sessions whose writes a leader `n` accepts now: they send writes to
    /// it, reach it, and (under epoch fencing) have not seen a newer
    /// epoch; none if it refuses every write.
    pub fn writers_of(&self, n: NodeId, epoch_fencing: bool) -> Vec<u16> {
        let i = n as usize;
        if self.states.get(i).is_none_or(|s| s.refuses_writes())
            || self.nodes[i].role != NodeRole::Leader
        {
            return Vec::new();
        }
        self.sessions
            .iter()
            .enumerate()
            .filter(|(_, s)| {
                s.writes_to == n
                    && s.reaches.get(i).copied().unwrap_or(false)
                    && (!epoch_fencing || s.epoch <= self.nodes[i].epoch)
            })
            .map(|(k, _)| k as u16)
            .collect()
    }
}

fn state_of(sim: &Simulation, nodes: &[NodeFacts], i: usize, leader: Option<NodeId>) -> NodeState {
    let n = &nodes[i];
    if !n.up {
        return NodeState::Down;
    }
    if n.role == NodeRole::Leader {
        match n.refuses {
            Some(Refusal::LeaseExpired) => return NodeState::Fenced,
            Some(Refusal::TooFewReplicas { .. }) => return NodeState::Refusing,
            None => {}
        }
        if leader.is_some_and(|l| l as usize != i) {
            return NodeState::OldLeader;
        }
    }
    if probe::is_isolated(sim, i as NodeId) {
        return NodeState::Isolated;
    }
    if let Some(l) = leader {
        if l as usize != i && probe::nodes_cut(sim, l, i as NodeId) {
            return NodeState::Partitioned;
        }
    }
    NodeState::Up
}
