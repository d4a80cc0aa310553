//! Decoding `[policy]`: when the leader may tell a client that a write is
//! done.
//!
//! The file speaks PostgreSQL's, MySQL's, Kafka's and Redis's vocabulary
//! (`synchronous_commit`, `synchronous_standby_names`, a wait point, an
//! up-front refusal); the result is one [`CommitPolicy`]. As in
//! PostgreSQL, naming no standby means asynchronous commit whatever
//! `synchronous_commit` says.

use super::error::{invalid, ScenarioError};
use super::file::PolicyFile;
use super::model::NodeSpec;
use super::standby_names;
use super::units::ms_to_us;
use crate::network::NodeId;
use crate::policy::{AckPoint, CommitPolicy, MinInSync, OnUnmet, Quorum, Visibility};
use alloc::format;

/// Decodes the commit policy; standbys must be `followers` of the initial
/// leader.
pub(super) fn policy(
    p: &PolicyFile,
    nodes: &[NodeSpec],
    followers: &[NodeId],
) -> Result<CommitPolicy, ScenarioError> {
    let ack = match p.synchronous_commit.as_deref().unwrap_or("on") {
        "local" => None,
        "off" => {
            return Err(invalid(
                "policy.synchronous_commit",
                "`off` (acknowledging before the local fsync) is not modelled",
                "use local: commits then wait for the leader's own fsync only",
            ))
        }
        "remote_write" => Some(AckPoint::Written),
        "on" => Some(AckPoint::Flushed),
        "remote_apply" => Some(AckPoint::Applied),
        other => {
            return Err(invalid(
                "policy.synchronous_commit",
                format!("unknown value `{other}`"),
                "use local, remote_write, on or remote_apply",
            ))
        }
    };
    let names = p.synchronous_standby_names.as_deref().unwrap_or("");
    let quorum = match ack {
        None => Quorum::None,
        Some(_) if names.trim().is_empty() => Quorum::None,
        Some(_) => standby_names::quorum(names, nodes, followers)?,
    };
    let timeout_us = ms_to_us(
        "policy.quorum_timeout_ms",
        p.quorum_timeout_ms.unwrap_or(10_000),
    )?;
    let on_unmet = match p.on_quorum_unmet.as_deref().unwrap_or("block") {
        "block" => OnUnmet::Block,
        "error" => OnUnmet::Error {
            after_us: timeout_us,
        },
        "degrade_to_async" => OnUnmet::Degrade {
            after_us: timeout_us,
        },
        other => {
            return Err(invalid(
                "policy.on_quorum_unmet",
                format!("unknown value `{other}`"),
                "use block, error or degrade_to_async",
            ))
        }
    };
    if !matches!(on_unmet, OnUnmet::Block) && timeout_us == 0 {
        return Err(invalid(
            "policy.quorum_timeout_ms",
            "a zero timeout never waits for the quorum",
            "use at least 1 ms",
        ));
    }
    let visibility = match p.wait_point.as_deref().unwrap_or("after_sync") {
        "after_sync" => Visibility::AfterSync,
        "after_commit" => Visibility::AfterCommit,
        other => {
            return Err(invalid(
                "policy.wait_point",
                format!("unknown value `{other}`"),
                "use after_sync or after_commit",
            ))
        }
    };
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
                    p.min_replicas_max_lag_ms.unwrap_or(10_000),
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
