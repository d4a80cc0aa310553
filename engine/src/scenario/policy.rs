//! Decoding `[policy]`: when the leader may tell a client that a write is
//! done.
//!
//! The file speaks PostgreSQL's, MySQL's, Kafka's and Redis's vocabulary
//! (`synchronous_commit`, `synchronous_standby_names`, a wait point, an
//! up-front refusal); the result is one [`CommitPolicy`]. As in
//! PostgreSQL, naming no standby means asynchronous commit whatever
//! `synchronous_commit` says.

use super::defaults::{
    DEFAULT_MIN_REPLICAS_MAX_LAG_MS, DEFAULT_ON_QUORUM_UNMET, DEFAULT_QUORUM_TIMEOUT_MS,
    DEFAULT_SYNCHRONOUS_COMMIT, DEFAULT_SYNCHRONOUS_STANDBY_NAMES, DEFAULT_WAIT_POINT,
};
use super::error::{invalid, ScenarioError};
use super::file::PolicyFile;
use super::model::NodeSpec;
use super::standby_names;
use super::units::ms_to_us;
use super::values::OnQuorumUnmet;
use crate::network::NodeId;
use crate::policy::{AckPoint, CommitPolicy, MinInSync, OnUnmet, Quorum};
use alloc::format;

/// Decodes the commit policy; standbys must be `followers` of the initial
/// leader.
pub(super) fn policy(
    p: &PolicyFile,
    nodes: &[NodeSpec],
    followers: &[NodeId],
) -> Result<CommitPolicy, ScenarioError> {
    let ack = p
        .synchronous_commit
        .unwrap_or(DEFAULT_SYNCHRONOUS_COMMIT)
        .standby_ack();
    let names = p
        .synchronous_standby_names
        .as_deref()
        .unwrap_or(DEFAULT_SYNCHRONOUS_STANDBY_NAMES);
    let quorum = match ack {
        None => Quorum::None,
        Some(_) if names.trim().is_empty() => Quorum::None,
        Some(_) => standby_names::quorum(names, nodes, followers)?,
    };
    let timeout_us = ms_to_us(
        "policy.quorum_timeout_ms",
        p.quorum_timeout_ms.unwrap_or(DEFAULT_QUORUM_TIMEOUT_MS),
    )?;
    let on_unmet = match p.on_quorum_unmet.unwrap_or(DEFAULT_ON_QUORUM_UNMET) {
        OnQuorumUnmet::Block => OnUnmet::Block,
        OnQuorumUnmet::Error => OnUnmet::Error {
            after_us: timeout_us,
        },
        OnQuorumUnmet::DegradeToAsync => OnUnmet::Degrade {
            after_us: timeout_us,
        },
    };
    if !matches!(on_unmet, OnUnmet::Block) && timeout_us == 0 {
        return Err(invalid(
            "policy.quorum_timeout_ms",
            "a zero timeout never waits for the quorum",
            "use at least 1 ms",
        ));
    }
    let visibility = p.wait_point.unwrap_or(DEFAULT_WAIT_POINT).visibility();
    let min_in_sync = match p.min_replicas_to_write {
        None | Some(0) => None,
        Some(k) => {
            if k as usize > followers.len() {
                return Err(invalid(
                    "policy.min_replicas_to_write",
                    format!(
                        "needs {k} in-sync followers but the cluster has {}",
                        followers.len()
                    ),
                    format!("use at most {}", followers.len()),
                ));
            }
            Some(MinInSync {
                replicas: k,
                max_lag_us: ms_to_us(
                    "policy.min_replicas_max_lag_ms",
                    p.min_replicas_max_lag_ms
                        .unwrap_or(DEFAULT_MIN_REPLICAS_MAX_LAG_MS),
                )?,
            })
        }
    };
    Ok(CommitPolicy {
        quorum,
        ack: ack.unwrap_or(AckPoint::Flushed),
        on_unmet,
        visibility,
        min_in_sync,
    })
}
