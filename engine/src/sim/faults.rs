//! Faults and live changes: crashes, restarts, cuts and heals, slow disks,
//! latency spikes, STONITH, and the operator's policy and routing changes.
//!
//! A fault is applied at an instant, from the scenario's schedule or from
//! the page, and changes the machines or the network, never a node's
//! logic; the nodes find out as they would in reality (a closed
//! connection, silence, a slower disk).

use super::*;

impl Simulation {
    pub(super) fn group_members(&self, g: Group) -> Vec<Addr> {
        let mut out: Vec<Addr> = (0..self.cluster.len() as NodeId)
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

    pub(super) fn cut_groups(&mut self, a: Group, b: Group, one_way: bool, cut: bool) {
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
            if hits_leader {
                self.accounting.on_leader_hit(now);
            }
        }
        let all_nodes = Group::of_nodes((1u64 << self.cluster.len()) - 1);
        match action {
            FaultAction::Crash { node, power_loss } => self.crash(node, power_loss),
            FaultAction::KillLeader { power_loss } => {
                if let Some(l) = self.current_leader() {
                    self.crash(l, power_loss);
                }
            }
            FaultAction::Promote { node } => self.promote(node),
            FaultAction::Restart { node } => {
                if let Some(h) = self
                    .cluster
                    .hosts_mut()
                    .get_mut(node as usize)
                    .filter(|h| !h.up)
                {
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
                if let Some(h) = self.cluster.hosts_mut().get_mut(node as usize) {
                    h.slow_disk = (factor.max(1), now.saturating_add(duration_us));
                }
            }
            FaultAction::LatencySpike {
                node,
                extra_us,
                duration_us,
            } => {
                if (node as usize) < self.cluster.len() {
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

    pub(super) fn crash(&mut self, node: NodeId, power_loss: bool) {
        let Some(h) = self
            .cluster
            .hosts_mut()
            .get_mut(node as usize)
            .filter(|h| h.up)
        else {
            return;
        };
        h.up = false;
        h.incarnation += 1;
        h.busy_until_us = 0;
        h.timers = 0;
        let mut fx = Vec::new();
        h.node
            .handle(self.now_us, Input::Crash { power_loss }, &mut fx);
        // Whatever was on its way to the dead process is lost, even if it
        // restarts before it arrives; what it had sent survives a process
        // crash (the kernel sends it) but not a power loss.
        self.net.break_links(Addr::Node(node), power_loss, true);
        if !power_loss {
            // The OS closes the dead process's connections.
            for peer in 0..self.cluster.len() as NodeId {
                if peer != node {
                    self.send(Addr::Node(node), Addr::Node(peer), Msg::Disconnect);
                }
            }
        }
    }

    /// An operator promotes `node` (`pg_ctl promote`): a running node that
    /// does not lead takes the leader role in an epoch no node has used.
    /// (Two standbys promoted from the same PostgreSQL timeline would both
    /// pick its successor's number; the simulator keeps epochs unique, so
    /// that "one leader per epoch" stays a checkable invariant.)
    pub(super) fn promote(&mut self, node: NodeId) {
        let Some(h) = self.cluster.hosts().get(node as usize) else {
            return;
        };
        if !h.up || h.node.role() == Role::Leader {
            return;
        }
        let epoch = self.cluster.nodes().map(|n| n.epoch()).max().unwrap_or(0) + 1;
        self.handle_node(node, Input::Promote { epoch });
    }

    /// Replaces the commit policy on every node, effective at once (the
    /// UI's live policy switch; `ALTER SYSTEM … ; SELECT pg_reload_conf()`).
    pub fn set_policy(&mut self, policy: crate::policy::CommitPolicy) {
        let mut fx = Vec::new();
        for h in self.cluster.hosts_mut() {
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
        let others: Vec<NodeId> = (0..self.cluster.len() as NodeId)
            .filter(|o| *o != n)
            .collect();
        !others.is_empty()
            && others.iter().all(|&o| {
                self.net.is_cut(Addr::Node(n), Addr::Node(o))
                    || self.net.is_cut(Addr::Node(o), Addr::Node(n))
            })
    }

    /// Whether nodes `a` and `b` can talk both ways.
    pub fn linked(&self, a: NodeId, b: NodeId) -> bool {
        a == b
            || (!self.net.is_cut(Addr::Node(a), Addr::Node(b))
                && !self.net.is_cut(Addr::Node(b), Addr::Node(a)))
    }

    /// Whether `by` can power `target` off: it is already down, or `by`
    /// can reach it.
    pub(super) fn can_fence(&self, by: NodeId, target: NodeId) -> bool {
        let t = target as usize;
        t < self.cluster.len()
            && (!self.cluster.hosts()[t].up || !self.net.is_cut(Addr::Node(by), Addr::Node(target)))
    }

    /// Powers `target` off on behalf of `by` if it is already down or `by`
    /// can reach it; otherwise fencing cannot be confirmed.
    ///
    /// A candidate fences the leader it replaces; a target that meanwhile
    /// leads a newer epoch than the candidate's is not that leader, and
    /// the fence is refused (the candidate gives up and learns of the
    /// newer epoch): otherwise a late winner of an older epoch would power
    /// off the cluster's real leader.
    pub(super) fn stonith(&mut self, by: NodeId, target: NodeId) -> bool {
        let newer_leader = self.cluster.hosts().get(target as usize).is_some_and(|h| {
            h.up && h.node.role() == Role::Leader
                && h.node.epoch() > self.cluster.hosts()[by as usize].node.epoch()
        });
        let ok = !newer_leader && self.can_fence(by, target);
        if ok {
            self.crash(target, true);
        }
        ok
    }
}
