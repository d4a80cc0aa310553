//! The machines of the cluster, and the facts that need all of them.
//!
//! A [`Host`] is one machine: the node running on it and the machine's own
//! conditions (whether it runs, which life of the node is current, a slow
//! disk, a busy server). [`Cluster`] holds them in node-id order and
//! answers the questions that look across nodes — who leads now, whose log
//! counts, how far behind a follower is — for the simulation, the
//! accounting, the invariants and the page alike, so each is answered in
//! one place.

use crate::network::NodeId;
use crate::node::{Node, Role};
use alloc::vec::Vec;

/// One machine: its node and its conditions.
#[derive(Clone, Debug)]
pub struct Host {
    pub(crate) node: Node,
    pub(crate) up: bool,
    /// Bumped on crash and restart, so events scheduled for an earlier
    /// life of the node are dropped.
    pub(crate) incarnation: u32,
    /// Disk slowdown factor and until when.
    pub(crate) slow_disk: (u32, u64),
    /// When its server is busy until (capacity model).
    pub(crate) busy_until_us: u64,
    /// Periodic timers pending, one bit per
    /// [`Timer::periodic_slot`](crate::node::Timer::periodic_slot).
    pub(crate) timers: u8,
}

impl Host {
    /// A running machine with `node` on it.
    pub(crate) fn new(node: Node) -> Self {
        Host {
            node,
            up: true,
            incarnation: 0,
            slow_disk: (1, 0),
            busy_until_us: 0,
            timers: 0,
        }
    }

    /// The node running here.
    pub fn node(&self) -> &Node {
        &self.node
    }

    /// Whether the node runs.
    pub fn up(&self) -> bool {
        self.up
    }
}

/// Every machine, in node-id order.
#[derive(Clone, Debug)]
pub struct Cluster {
    hosts: Vec<Host>,
}

impl Cluster {
    pub(crate) fn new(hosts: Vec<Host>) -> Self {
        Cluster { hosts }
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.hosts.len()
    }

    /// Whether there are no nodes (never, for a valid scenario).
    pub fn is_empty(&self) -> bool {
        self.hosts.is_empty()
    }

    /// Every machine.
    pub fn hosts(&self) -> &[Host] {
        &self.hosts
    }

    pub(crate) fn host_mut(&mut self, i: NodeId) -> &mut Host {
        &mut self.hosts[i as usize]
    }

    pub(crate) fn hosts_mut(&mut self) -> &mut [Host] {
        &mut self.hosts
    }

    /// Node `i`.
    pub fn node(&self, i: NodeId) -> &Node {
        &self.hosts[i as usize].node
    }

    /// Every node, in id order.
    pub fn nodes(&self) -> impl ExactSizeIterator<Item = &Node> + Clone + '_ {
        self.hosts.iter().map(|h| &h.node)
    }

    /// Whether node `i` runs.
    pub fn is_up(&self, i: NodeId) -> bool {
        self.hosts[i as usize].up
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

    /// How far node `i` has replayed behind what `leader` has made durable:
    /// in entries, and in time since the oldest entry it lacks was written
    /// (0 when caught up, or when that entry has left the leader's
    /// retained log and its time is unknown).
    pub fn replay_lag(&self, leader: NodeId, i: NodeId, now_us: u64) -> (u64, u64) {
        let lw = self.node(leader).wal();
        let head = lw.flushed;
        let applied = self.node(i).wal().applied.min(head);
        let entries = head - applied;
        let us = if entries == 0 {
            0
        } else {
            lw.get(applied + 1)
                .map_or(0, |e| now_us.saturating_sub(e.written_at_us))
        };
        (entries, us)
    }
}
