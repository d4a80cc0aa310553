//! Commit policies: when the leader may tell a client its write is done.
//!
//! A policy is configuration, not code per database. It combines:
//!
//! * a **quorum** over followers: none (asynchronous: PostgreSQL
//!   `synchronous_commit = local`, Kafka `acks=1`, MongoDB `w:1`), the first
//!   `k` connected followers of a priority list (PostgreSQL
//!   `FIRST k (a, b, …)`), or any `k` of a set (PostgreSQL `ANY k (…)`,
//!   MongoDB `w:n` / `majority`);
//! * the **ack point** a follower must reach: written (`remote_write`),
//!   flushed (`on`, MySQL's relay-log flush), or applied (`remote_apply`);
//! * what happens **when the quorum cannot be met**: block for ever
//!   (PostgreSQL), fail the client after a timeout but keep the write
//!   (MongoDB `wtimeout`, Redis `WAIT`), or degrade to asynchronous after a
//!   timeout and restore once a follower catches up (MySQL semi-sync,
//!   `rpl_semi_sync_source_timeout`);
//! * an optional **up-front refusal** when too few followers are in sync
//!   (Kafka `min.insync.replicas`, Redis `min-replicas-to-write`);
//! * the **wait point**: whether other sessions see the write on the leader
//!   before the acks arrive (MySQL `AFTER_COMMIT`) or only after
//!   (`AFTER_SYNC`, PostgreSQL).
//!
//! [`CommitPolicy::quorum_lsn`] is the pure rule; the leader's node logic
//! feeds it follower positions.

use crate::network::NodeId;
use crate::wal::Lsn;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

/// Which followers must acknowledge.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum Quorum {
    /// Nobody: commit on local flush (asynchronous replication).
    None,
    /// The `k` highest-priority eligible followers of `standbys`, in list
    /// order; when one is gone the next takes its place.
    First { k: u8, standbys: Vec<NodeId> },
    /// Any `k` eligible followers of `standbys`.
    Any { k: u8, standbys: Vec<NodeId> },
}

/// How far a follower must have got for its acknowledgement to count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AckPoint {
    /// Written to the follower's OS (PostgreSQL `remote_write`).
    Written,
    /// Fsynced on the follower (PostgreSQL `on`, MySQL semi-sync).
    Flushed,
    /// Replayed and visible on the follower (PostgreSQL `remote_apply`).
    Applied,
}

/// What the leader does when the quorum does not answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum OnUnmet {
    /// Wait for ever (PostgreSQL).
    Block,
    /// After `after_us`, answer the client with an error; the write stays.
    Error { after_us: u64 },
    /// After `after_us`, switch to asynchronous commit until a follower
    /// has caught up again (MySQL semi-sync).
    Degrade { after_us: u64 },
}

/// What one write waits for before its client is told it committed: a
/// session's `synchronous_commit` in PostgreSQL (`SET synchronous_commit`),
/// which may differ from the cluster's setting for each session or
/// transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WaitFor {
    /// The leader's own fsync only (`local`).
    Local,
    /// The quorum of standbys, at this ack point (`remote_write`, `on`,
    /// `remote_apply`).
    Standbys(AckPoint),
}

/// When other sessions can see a write on the leader.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Only once committed under the policy (MySQL `AFTER_SYNC`, PostgreSQL).
    AfterSync,
    /// As soon as it is durable locally, before the acks (`AFTER_COMMIT`).
    AfterCommit,
}

/// Refuse writes unless enough followers are in sync.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MinInSync {
    /// Followers needed.
    pub replicas: u8,
    /// A follower counts while it was fully caught up within this long.
    pub max_lag_us: u64,
}

/// A complete commit policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitPolicy {
    /// Who must acknowledge.
    pub quorum: Quorum,
    /// How far they must have got.
    pub ack: AckPoint,
    /// What to do when they do not answer.
    pub on_unmet: OnUnmet,
    /// When the leader's own readers see the write.
    pub visibility: Visibility,
    /// Optional up-front refusal.
    pub min_in_sync: Option<MinInSync>,
}

impl Default for CommitPolicy {
    fn default() -> Self {
        CommitPolicy {
            quorum: Quorum::None,
            ack: AckPoint::Flushed,
            on_unmet: OnUnmet::Block,
            visibility: Visibility::AfterSync,
            min_in_sync: None,
        }
    }
}

/// What the leader knows of one follower when judging a commit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FollowerAck {
    /// The follower.
    pub node: NodeId,
    /// Connected and streaming (not catching up): may count toward the
    /// quorum, as PostgreSQL requires of a synchronous standby.
    pub eligible: bool,
    /// Reported positions.
    pub written: Lsn,
    /// Reported flushed position.
    pub flushed: Lsn,
    /// Reported applied position.
    pub applied: Lsn,
}

impl FollowerAck {
    /// The position this follower reported for `ack`.
    pub fn at(&self, ack: AckPoint) -> Lsn {
        match ack {
            AckPoint::Written => self.written,
            AckPoint::Flushed => self.flushed,
            AckPoint::Applied => self.applied,
        }
    }
}

impl CommitPolicy {
    /// True when the policy waits for nobody.
    pub fn is_async(&self) -> bool {
        matches!(self.quorum, Quorum::None)
    }

    /// The highest LSN the quorum has acknowledged, or `None` when too few
    /// eligible followers exist to form it (the write must wait).
    /// Asynchronous policies return `None`: they commit on local flush.
    pub fn quorum_lsn(&self, followers: &[FollowerAck]) -> Option<Lsn> {
        self.quorum_lsn_at(followers, self.ack)
    }

    /// [`CommitPolicy::quorum_lsn`] at another ack point than the policy's.
    pub fn quorum_lsn_at(&self, followers: &[FollowerAck], ack: AckPoint) -> Option<Lsn> {
        let (k, standbys, first) = match &self.quorum {
            Quorum::None => return None,
            Quorum::First { k, standbys } => (*k, standbys, true),
            Quorum::Any { k, standbys } => (*k, standbys, false),
        };
        if k == 0 {
            return None;
        }
        let mut positions: Vec<Lsn> = Vec::with_capacity(standbys.len());
        for s in standbys {
            if let Some(f) = followers.iter().find(|f| f.node == *s && f.eligible) {
                positions.push(f.at(ack));
                if first && positions.len() == k as usize {
                    break;
                }
            }
        }
        if positions.len() < k as usize {
            return None;
        }
        if first {
            positions.iter().copied().min()
        } else {
            positions.sort_unstable_by(|a, b| b.cmp(a));
            Some(positions[k as usize - 1])
        }
    }

    /// What a write waits for, given the session's override (`None`: the
    /// policy's own ack point). With no standbys named every write is
    /// local, whatever the session asks, as in PostgreSQL.
    pub fn wait_for(&self, session: Option<WaitFor>) -> WaitFor {
        if self.is_async() {
            WaitFor::Local
        } else {
            session.unwrap_or(WaitFor::Standbys(self.ack))
        }
    }

    /// The followers currently counted as synchronous, for display: the
    /// first `k` eligible of a FIRST list, or every eligible one of ANY.
    pub fn sync_set(&self, followers: &[FollowerAck]) -> Vec<NodeId> {
        let (k, standbys, first) = match &self.quorum {
            Quorum::None => return Vec::new(),
            Quorum::First { k, standbys } => (*k, standbys, true),
            Quorum::Any { k, standbys } => (*k, standbys, false),
        };
        let eligible = standbys
            .iter()
            .copied()
            .filter(|s| followers.iter().any(|f| f.node == *s && f.eligible));
        if first {
            eligible.take(k as usize).collect()
        } else {
            eligible.collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn ack(node: NodeId, eligible: bool, w: Lsn, f: Lsn, a: Lsn) -> FollowerAck {
        FollowerAck {
            node,
            eligible,
            written: w,
            flushed: f,
            applied: a,
        }
    }

    fn policy(quorum: Quorum, ack: AckPoint) -> CommitPolicy {
        CommitPolicy {
            quorum,
            ack,
            ..CommitPolicy::default()
        }
    }

    #[test]
    fn first_k_uses_priority_order_and_skips_ineligible() {
        let p = policy(
            Quorum::First {
                k: 1,
                standbys: vec![1, 2],
            },
            AckPoint::Flushed,
        );
        let fs = [ack(1, true, 9, 5, 3), ack(2, true, 9, 8, 8)];
        assert_eq!(p.quorum_lsn(&fs), Some(5), "s1 has priority even if slower");
        let fs = [ack(1, false, 9, 5, 3), ack(2, true, 9, 8, 8)];
        assert_eq!(p.quorum_lsn(&fs), Some(8), "s2 takes over when s1 is gone");
        let fs = [ack(1, false, 9, 5, 3), ack(2, false, 9, 8, 8)];
        assert_eq!(p.quorum_lsn(&fs), None);
        assert_eq!(
            p.sync_set(&[ack(1, true, 0, 0, 0), ack(2, true, 0, 0, 0)]),
            vec![1]
        );
    }

    #[test]
    fn any_k_takes_the_kth_fastest() {
        let p = policy(
            Quorum::Any {
                k: 2,
                standbys: vec![1, 2, 3],
            },
            AckPoint::Written,
        );
        let fs = [
            ack(1, true, 4, 0, 0),
            ack(2, true, 9, 0, 0),
            ack(3, true, 7, 0, 0),
        ];
        assert_eq!(p.quorum_lsn(&fs), Some(7));
    }

    #[test]
    fn ack_point_selects_position() {
        let fs = [ack(1, true, 9, 6, 2)];
        let q = Quorum::Any {
            k: 1,
            standbys: vec![1],
        };
        assert_eq!(
            policy(q.clone(), AckPoint::Written).quorum_lsn(&fs),
            Some(9)
        );
        assert_eq!(
            policy(q.clone(), AckPoint::Flushed).quorum_lsn(&fs),
            Some(6)
        );
        assert_eq!(policy(q, AckPoint::Applied).quorum_lsn(&fs), Some(2));
        assert_eq!(
            policy(Quorum::None, AckPoint::Flushed).quorum_lsn(&fs),
            None
        );
    }
}
