//! Read routing: which node serves a session's read.
//!
//! Writes always go to the leader the client believes in. Reads follow one
//! of the policies real proxies and drivers offer:
//!
//! * **leader only** — always fresh, no read scaling;
//! * **any follower** — random or round-robin over followers (MongoDB
//!   `secondary`): scales reads, exposes every lag anomaly;
//! * **nearest** — lowest network latency, leader included (MongoDB
//!   `nearest`, Wikipedia's regional replicas);
//! * **sticky** — each session keeps one follower, which removes
//!   monotonic-read violations but not read-your-writes ones;
//! * **leader after write** — the leader for a while after the session's own
//!   write, then any follower (the lesson's first mitigation);
//! * **position token** — the session remembers the highest LSN it has seen
//!   and a follower may answer only once it has applied it, waiting up to a
//!   limit and otherwise handing the read to the leader (ProxySQL GTID
//!   routing, MaxScale `causal_reads`, MySQL `WAIT_FOR_EXECUTED_GTID_SET`);
//! * **bounded staleness** — skip followers lagging more than a limit
//!   (MongoDB `maxStalenessSeconds`).
//!
//! Routers act on a [`ClusterView`]: what a proxy's monitor last saw, not
//! the simulation's ground truth.

use crate::network::NodeId;
use crate::rng::Rng;
use crate::wal::Lsn;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

/// How a follower is picked among several.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pick {
    /// Uniformly at random.
    Random,
    /// In turn, per session.
    RoundRobin,
}

/// A read routing policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "reads", rename_all = "snake_case")]
pub enum ReadRouting {
    /// Every read goes to the leader.
    Leader,
    /// Any follower.
    AnyFollower { pick: Pick },
    /// The node with the lowest latency from the client.
    Nearest,
    /// One follower per session, for the whole run.
    Sticky,
    /// The leader for `window_us` after the session's own write.
    LeaderAfterWrite { window_us: u64, pick: Pick },
    /// A follower that has applied the session's position, waiting up to
    /// `wait_us`, else the leader.
    PositionToken { wait_us: u64, pick: Pick },
    /// Followers lagging at most `max_lag_us`, else the leader.
    BoundedStaleness { max_lag_us: u64, pick: Pick },
}

/// What the routing layer currently believes about the cluster.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterView {
    /// The leader clients send writes to.
    pub leader: NodeId,
    /// Per node: reachable as far as the monitor knows.
    pub healthy: Vec<bool>,
    /// Per node: replay lag as last measured by the monitor.
    pub lag_us: Vec<u64>,
}

/// Where one read goes and under which condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadTarget {
    /// The node asked.
    pub node: NodeId,
    /// The node must have applied this LSN first.
    pub min_lsn: Lsn,
    /// For how long it may wait to get there.
    pub wait_us: u64,
}

/// Per-session facts routing needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct SessionRoute {
    /// Highest LSN the session has written or read.
    pub seen_lsn: Lsn,
    /// When the session's last write was acknowledged.
    pub last_write_us: Option<u64>,
    /// Round-robin cursor.
    pub cursor: u32,
    /// The session's follower under sticky routing.
    pub sticky: Option<NodeId>,
}

impl ReadRouting {
    /// Chooses the node for a read. `nearest` lists nodes from closest to
    /// farthest for this session.
    pub fn route(
        &self,
        now_us: u64,
        s: &mut SessionRoute,
        leader: NodeId,
        view: &ClusterView,
        nearest: &[NodeId],
        rng: &mut Rng,
    ) -> ReadTarget {
        let at_leader = ReadTarget {
            node: leader,
            min_lsn: 0,
            wait_us: 0,
        };
        let followers = |max_lag: Option<u64>| -> Vec<NodeId> {
            (0..view.healthy.len() as NodeId)
                .filter(|&n| n != leader && view.healthy[n as usize])
                .filter(|&n| max_lag.is_none_or(|m| view.lag_us[n as usize] <= m))
                .collect()
        };
        let mut choose = |pick: Pick, among: &[NodeId], s: &mut SessionRoute| -> Option<NodeId> {
            if among.is_empty() {
                return None;
            }
            let i = match pick {
                Pick::Random => rng.below(among.len() as u64) as usize,
                Pick::RoundRobin => {
                    s.cursor = s.cursor.wrapping_add(1);
                    s.cursor as usize % among.len()
                }
            };
            Some(among[i])
        };
        let target =
            |node: Option<NodeId>| node.map_or(at_leader, |node| ReadTarget { node, ..at_leader });
        match *self {
            ReadRouting::Leader => at_leader,
            ReadRouting::AnyFollower { pick } => target(choose(pick, &followers(None), s)),
            ReadRouting::Nearest => target(
                nearest
                    .iter()
                    .copied()
                    .find(|&n| view.healthy.get(n as usize).copied().unwrap_or(false)),
            ),
            ReadRouting::Sticky => {
                let live = followers(None);
                if s.sticky.is_none_or(|n| !live.contains(&n)) {
                    s.sticky = choose(Pick::Random, &live, s);
                }
                target(s.sticky)
            }
            ReadRouting::LeaderAfterWrite { window_us, pick } => {
                if s.last_write_us
                    .is_some_and(|t| now_us.saturating_sub(t) < window_us)
                {
                    at_leader
                } else {
                    target(choose(pick, &followers(None), s))
                }
            }
            ReadRouting::PositionToken { wait_us, pick } => match choose(pick, &followers(None), s)
            {
                Some(node) => ReadTarget {
                    node,
                    min_lsn: s.seen_lsn,
                    wait_us,
                },
                None => at_leader,
            },
            ReadRouting::BoundedStaleness { max_lag_us, pick } => {
                target(choose(pick, &followers(Some(max_lag_us)), s))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn view() -> ClusterView {
        ClusterView {
            leader: 0,
            healthy: vec![true, true, true],
            lag_us: vec![0, 5_000, 900_000],
        }
    }

    #[test]
    fn leader_and_followers() {
        let mut rng = Rng::new(1);
        let mut s = SessionRoute::default();
        assert_eq!(
            ReadRouting::Leader
                .route(0, &mut s, 0, &view(), &[0], &mut rng)
                .node,
            0
        );
        for _ in 0..20 {
            let t = ReadRouting::AnyFollower { pick: Pick::Random }.route(
                0,
                &mut s,
                0,
                &view(),
                &[0],
                &mut rng,
            );
            assert_ne!(t.node, 0);
        }
        let a = ReadRouting::AnyFollower {
            pick: Pick::RoundRobin,
        }
        .route(0, &mut s, 0, &view(), &[0], &mut rng);
        let b = ReadRouting::AnyFollower {
            pick: Pick::RoundRobin,
        }
        .route(0, &mut s, 0, &view(), &[0], &mut rng);
        assert_ne!(a.node, b.node);
    }

    #[test]
    fn mitigations_route_as_documented() {
        let mut rng = Rng::new(1);
        let mut s = SessionRoute {
            last_write_us: Some(1_000),
            seen_lsn: 42,
            ..SessionRoute::default()
        };
        let law = ReadRouting::LeaderAfterWrite {
            window_us: 1_000_000,
            pick: Pick::Random,
        };
        assert_eq!(
            law.route(500_000, &mut s, 0, &view(), &[0], &mut rng).node,
            0
        );
        assert_ne!(
            law.route(2_000_000, &mut s, 0, &view(), &[0], &mut rng)
                .node,
            0
        );
        let tok = ReadRouting::PositionToken {
            wait_us: 100,
            pick: Pick::Random,
        };
        let t = tok.route(0, &mut s, 0, &view(), &[0], &mut rng);
        assert_eq!((t.min_lsn, t.wait_us), (42, 100));
        let bs = ReadRouting::BoundedStaleness {
            max_lag_us: 10_000,
            pick: Pick::Random,
        };
        for _ in 0..10 {
            assert_eq!(bs.route(0, &mut s, 0, &view(), &[0], &mut rng).node, 1);
        }
    }

    #[test]
    fn sticky_keeps_its_follower_and_nearest_skips_unhealthy() {
        let mut rng = Rng::new(5);
        let mut s = SessionRoute::default();
        let first = ReadRouting::Sticky
            .route(0, &mut s, 0, &view(), &[0], &mut rng)
            .node;
        for _ in 0..10 {
            assert_eq!(
                ReadRouting::Sticky
                    .route(0, &mut s, 0, &view(), &[0], &mut rng)
                    .node,
                first
            );
        }
        let mut v = view();
        v.healthy[2] = false;
        assert_eq!(
            ReadRouting::Nearest
                .route(0, &mut s, 0, &v, &[2, 1, 0], &mut rng)
                .node,
            1
        );
    }
}
