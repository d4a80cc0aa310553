//! An external failover manager, Patroni-style: a leader lease in a
//! coordination store (DCS) and one HA loop per node.
//!
//! The leader's agent renews the leader key every `loop_wait`; the key
//! lives `ttl`. A leader whose agent cannot reach the store for longer than
//! `retry_timeout` demotes itself (that is Patroni's own fencing). When the
//! key has expired, each replica's agent, on its next loop, joins the
//! leader race if it is healthy: not lagging more than
//! `maximum_lag_on_failover` behind the last leader position recorded in
//! the store, the synchronous standby when `synchronous_mode` is on, and
//! no reachable peer further ahead (ties go to the higher priority, then
//! the lower id). The winner takes the key atomically and is promoted into
//! a new epoch (timeline); the others follow it on their next loop. So a
//! leader that loses power is replaced within `ttl + loop_wait`.
//!
//! The store is modelled as a service that a node reaches while it can
//! reach a majority of the nodes (an etcd cluster co-located with them).
//! The manager never touches a node directly: it returns
//! [`ManagerAction`]s that the simulation carries out.

use crate::detector::{Detector, DetectorKind};
use crate::network::NodeId;
use crate::node::Role;
use crate::scenario::FailoverSpec;
use crate::wal::{Epoch, Lsn};
use alloc::vec;
use alloc::vec::Vec;

/// What the store holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dcs {
    /// Holder of the leader key.
    pub holder: Option<NodeId>,
    /// When the key expires unless renewed.
    pub expires_us: u64,
    /// The epoch (timeline) of the current holder.
    pub epoch: Epoch,
    /// The leader's WAL position at its last renewal.
    pub leader_lsn: Lsn,
    /// Bit `p`: standby `p` is recorded as synchronous (Patroni's `/sync`
    /// key). The leader counts only these standbys' acknowledgements, so
    /// each acknowledged write is on one of them.
    pub sync_mask: u64,
    /// The leader that reported it (Patroni's `/sync` key holds both): in
    /// synchronous mode either of them may take over, even after the
    /// leader has given the leader key up.
    pub sync_leader: Option<NodeId>,
}

/// What an agent learns about its own node and peers on one loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeFacts {
    /// The database process runs.
    pub up: bool,
    /// The agent can reach the store.
    pub reaches_dcs: bool,
    /// The node's role.
    pub role: Role,
    /// The leader it follows.
    pub leader: Option<NodeId>,
    /// Its flushed WAL position.
    pub flushed: Lsn,
    /// Its last LSN.
    pub last_lsn: Lsn,
    /// Promotion priority (0: never).
    pub priority: u8,
    /// Bit `p`: peer `p` answers this agent's API calls.
    pub reachable: u64,
    /// Bit `p`: standby `p` could be synchronous now (its policy's choice
    /// among the standbys streaming to it), when this node leads.
    pub sync_mask: u64,
}

/// What the manager asks the simulation to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ManagerAction {
    /// Promote `node` into `epoch`; `old` led before (STONITH target).
    Promote {
        node: NodeId,
        epoch: Epoch,
        old: Option<NodeId>,
    },
    /// Demote `node` (it lost the key).
    Demote { node: NodeId },
    /// Make `node` follow `leader` in `epoch`.
    Follow {
        node: NodeId,
        leader: NodeId,
        epoch: Epoch,
    },
    /// Tell leader `node` which standbys the store records as synchronous
    /// (synchronous mode only): only they may acknowledge its writes.
    SyncStandbys { node: NodeId, allowed: u64 },
}

/// The manager: the store plus per-agent bookkeeping.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Manager {
    /// The coordination store.
    pub dcs: Dcs,
    spec: FailoverSpec,
    last_renew_us: Vec<u64>,
}

impl Manager {
    /// The leader key as a follower's agent sees it at `now_us`: its age
    /// since the holder last renewed it, against the TTL; suspected once
    /// it has run out or nobody holds it.
    pub fn key_detector(&self, now_us: u64) -> Detector {
        let ttl_us = self.spec.ttl_us;
        let renewed_us = self.dcs.expires_us.saturating_sub(ttl_us);
        Detector {
            kind: DetectorKind::LeaderKeyTtl,
            elapsed_us: now_us.saturating_sub(renewed_us),
            limit_us: ttl_us,
            suspects: self.dcs.holder.is_none() || now_us >= self.dcs.expires_us,
        }
    }

    /// A store whose key is held by `leader` at time 0, with `sync_mask`
    /// recorded as its synchronous standbys (the run starts in a steady
    /// state).
    pub fn new(spec: FailoverSpec, nodes: usize, leader: NodeId, sync_mask: u64) -> Self {
        Manager {
            dcs: Dcs {
                holder: Some(leader),
                expires_us: spec.ttl_us,
                epoch: 1,
                leader_lsn: 0,
                sync_mask,
                sync_leader: Some(leader),
            },
            spec,
            last_renew_us: vec![0; nodes],
        }
    }

    /// Whether node `n` may join the leader race: it has a priority, is
    /// not lagging past the limit, and in synchronous mode is a standby the
    /// store names (or the last leader). When the store names none (a
    /// leader just promoted, or one whose standbys all left), a node may
    /// take over only if it holds everything the last leader had flushed
    /// at its last renewal: the new leader may hold acknowledged writes no
    /// other node has yet.
    fn may_lead(&self, n: NodeId, f: &NodeFacts) -> bool {
        let d = &self.dcs;
        f.priority > 0
            && d.leader_lsn.saturating_sub(f.flushed) <= self.spec.maximum_lag_on_failover
            && (!self.spec.synchronous_mode
                || (d.sync_mask == 0 && f.flushed >= d.leader_lsn)
                || d.sync_mask & (1u64 << n) != 0
                || d.sync_leader == Some(n)
                || d.holder == Some(n))
    }

    /// One HA loop of node `n`'s agent. `fence(target)` powers `target`
    /// off and says whether that worked (STONITH); it is only called under
    /// STONITH fencing.
    pub fn tick(
        &mut self,
        now_us: u64,
        n: NodeId,
        facts: &[NodeFacts],
        stonith: bool,
        fence: &mut dyn FnMut(NodeId) -> bool,
    ) -> Vec<ManagerAction> {
        let me = facts[n as usize];
        let mut out = Vec::new();
        if !me.up {
            return out;
        }
        if !me.reaches_dcs {
            if me.role == Role::Leader
                && now_us.saturating_sub(self.last_renew_us[n as usize])
                    > self.spec.retry_timeout_us
            {
                out.push(ManagerAction::Demote { node: n });
            }
            return out;
        }
        let valid = self.dcs.holder.is_some() && now_us < self.dcs.expires_us;
        if self.dcs.holder == Some(n) && (valid || me.role == Role::Leader) {
            if me.role == Role::Leader {
                self.dcs.expires_us = now_us + self.spec.ttl_us;
                self.dcs.leader_lsn = me.flushed;
                // Patroni's order: the store first, then the database, so
                // a standby counts only once the store names it.
                self.dcs.sync_mask = me.sync_mask;
                self.dcs.sync_leader = Some(n);
                self.last_renew_us[n as usize] = now_us;
                if self.spec.synchronous_mode {
                    out.push(ManagerAction::SyncStandbys {
                        node: n,
                        allowed: me.sync_mask,
                    });
                }
            } else {
                // Holding the key without leading (a restart): give it up.
                self.dcs.holder = None;
            }
            return out;
        }
        if valid {
            let h = self.dcs.holder.unwrap_or(n);
            if me.role == Role::Leader {
                out.push(ManagerAction::Demote { node: n });
            }
            if me.role != Role::Follower || me.leader != Some(h) {
                out.push(ManagerAction::Follow {
                    node: n,
                    leader: h,
                    epoch: self.dcs.epoch,
                });
            }
            return out;
        }
        // The key is free: the leader race.
        let healthy = self.may_lead(n, &me);
        // Only peers that may themselves be promoted count: in
        // synchronous mode that is the synchronous standby alone.
        let beaten = facts.iter().enumerate().any(|(p, f)| {
            let p = p as NodeId;
            p != n
                && me.reachable & (1u64 << p) != 0
                && f.up
                && self.may_lead(p, f)
                && (f.last_lsn, f.priority, core::cmp::Reverse(p))
                    > (me.last_lsn, me.priority, core::cmp::Reverse(n))
        });
        if !healthy || beaten {
            return out;
        }
        let old = self.dcs.holder.filter(|h| *h != n);
        if stonith {
            if let Some(target) = old {
                if !fence(target) {
                    return out; // cannot confirm the old leader is off: wait
                }
            }
        }
        self.dcs.holder = Some(n);
        self.dcs.expires_us = now_us + self.spec.ttl_us;
        self.dcs.epoch += 1;
        self.dcs.leader_lsn = me.flushed;
        self.dcs.sync_mask = 0;
        self.dcs.sync_leader = Some(n);
        self.last_renew_us[n as usize] = now_us;
        out.push(ManagerAction::Promote {
            node: n,
            epoch: self.dcs.epoch,
            old,
        });
        if self.spec.synchronous_mode {
            // No standby is recorded yet: none counts until the next loop.
            out.push(ManagerAction::SyncStandbys {
                node: n,
                allowed: 0,
            });
        }
        out
    }
}
