//! The parts of failover that happen outside the nodes: the external
//! manager's HA loop (Patroni-like), re-cloning a follower from its
//! leader's data, and clients discovering a new leader.

use super::*;
use crate::detector::Detector;

impl Simulation {
    /// Node `i`'s failure detector now (see [`crate::detector`]): its
    /// election timer, or in manager mode the leader key it watches.
    /// `None` for a node that is down, a leader, or in manual mode.
    pub fn failure_detector(&self, i: NodeId) -> Option<Detector> {
        let host = self.cluster.hosts().get(i as usize)?;
        if !host.up {
            return None;
        }
        match &self.manager {
            Some(manager) => {
                (host.node.role() != Role::Leader).then(|| manager.key_detector(self.now_us))
            }
            None => host.node.election_detector(self.now_us),
        }
    }

    /// A follower starts copying its leader's data (it fell out of the
    /// retained log, or cannot rewind): the copy takes the database's size
    /// over the copy bandwidth.
    pub(super) fn start_reclone(&mut self, follower: NodeId, from: NodeId) {
        self.accounting.on_reclone();
        let fo = &self.scenario.failover;
        let copy_us = fo.database_mb * 1_000_000 / fo.reclone_mb_per_s.max(1);
        let inc = self.cluster.hosts()[follower as usize].incarnation;
        self.queue.push(
            self.now_us + copy_us,
            Event::RecloneDone {
                node: follower,
                inc,
                from,
            },
        );
    }

    pub(super) fn finish_reclone(&mut self, node: NodeId, inc: u32, from: NodeId) {
        let f = &self.cluster.hosts()[node as usize];
        if f.incarnation != inc || !f.up {
            return;
        }
        let source = &self.cluster.hosts()[from as usize];
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

    pub(super) fn manager_facts(&self) -> Vec<NodeFacts> {
        let n = self.cluster.len();
        (0..n)
            .map(|i| {
                let node = &self.cluster.hosts()[i].node;
                let mut reachable = 0u64;
                for p in 0..n {
                    if self.cluster.hosts()[p].up && self.linked(i as NodeId, p as NodeId) {
                        reachable |= 1u64 << p;
                    }
                }
                let sync_mask = if node.role() == Role::Leader {
                    self.sync_standbys_to_record(node)
                } else {
                    0
                };
                NodeFacts {
                    up: self.cluster.hosts()[i].up,
                    // The store runs beside every node (etcd), whether or
                    // not the database process is up: reach a majority of
                    // hosts to reach it.
                    reaches_dcs: self.cluster.hosts()[i].up
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
                    sync_mask,
                }
            })
            .collect()
    }

    /// The standbys leader `node`'s agent records as synchronous: those its
    /// policy picks among the streaming ones, except that a standby the
    /// store does not name yet joins only once it holds every write the
    /// leader has acknowledged (as Patroni waits for a new synchronous
    /// standby to reach the primary's position before naming it), so that
    /// each acknowledged write is on every standby the store names.
    fn sync_standbys_to_record(&self, node: &Node) -> u64 {
        let recorded = self.manager.as_ref().map_or(0, |m| m.dcs.sync_mask);
        let policy = &node.cfg().policy;
        let committed = node.commit_lsn().unwrap_or(0);
        let acks = node.standby_acks(self.now_us);
        policy
            .sync_set(&acks)
            .iter()
            .filter(|&&s| {
                recorded & (1u64 << s) != 0
                    || acks
                        .iter()
                        .any(|a| a.node == s && a.at(policy.ack) >= committed)
            })
            .fold(0u64, |m, s| m | 1u64 << s)
    }

    pub(super) fn manager_tick(&mut self, node: NodeId) {
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
                ManagerAction::SyncStandbys { node, allowed } => {
                    self.handle_node(node, Input::SyncStandbys { allowed })
                }
            }
        }
        let next = self.now_us + self.scenario.failover.loop_wait_us;
        self.queue.push(next, Event::ManagerTick { node });
    }

    /// Sessions that can reach the leader the routing layer knows learn
    /// of it (and of its epoch); cut-off sessions keep their old belief.
    pub(super) fn spread_discovery(&mut self) {
        let leader = self.view.leader;
        let epoch = self.cluster.node(leader).epoch();
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
}
