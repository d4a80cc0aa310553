//! The scenario file as written: the serde types the TOML (and the page's
//! JSON) is read into and written from.
//!
//! Every key is optional unless the format marks it required, so an absent
//! key can take its default in the decoder, and every table rejects keys it
//! does not know, so a typo is an error rather than a silently ignored
//! setting. No rule lives here: the decoders (one per table) check values
//! and resolve names.

use super::values::{
    FailoverMode, FaultKind, Fencing, OnQuorumUnmet, PickFollower, Reads, SynchronousCommit,
    WaitPoint,
};
use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

/// The TOML document, as written.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    pub name: Option<String>,
    pub description: Option<String>,
    pub seed: Option<u64>,
    pub duration_ms: Option<u64>,
    pub sample_interval_ms: Option<u64>,
    /// The speed a viewer should play the run at, in simulated
    /// microseconds per real millisecond (1000 is real time): display
    /// only, never read by the simulation, so it changes no trace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggested_speed_us_per_ms: Option<u64>,
    #[serde(default)]
    pub regions: Vec<String>,
    #[serde(default)]
    pub network: NetworkFile,
    #[serde(default)]
    pub defaults: NodeFile,
    #[serde(default)]
    pub nodes: Vec<NodeFile>,
    #[serde(default)]
    pub policy: PolicyFile,
    #[serde(default)]
    pub routing: RoutingFile,
    #[serde(default)]
    pub workload: WorkloadFile,
    #[serde(default)]
    pub replication: ReplicationFile,
    #[serde(default)]
    pub failover: FailoverFile,
    #[serde(default)]
    pub faults: Vec<FaultFile>,
    #[serde(default)]
    pub expect: Vec<ExpectFile>,
}

/// `[network]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkFile {
    /// One-way latency inside a region.
    pub local_us: Option<u64>,
    pub local_jitter_us: Option<u64>,
    /// Default one-way latency between regions.
    pub cross_region_us: Option<u64>,
    pub cross_region_jitter_us: Option<u64>,
    /// Delay tables (see `[[network.links]] percentiles_us`) instead of the
    /// base and jitter above.
    pub local_percentiles_us: Option<Vec<u64>>,
    pub cross_region_percentiles_us: Option<Vec<u64>>,
    /// Message loss on every link, parts per million.
    pub loss_ppm: Option<u32>,
    #[serde(default)]
    pub links: Vec<LinkFile>,
}

/// `[[network.links]]`: latency between two named regions.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkFile {
    pub between: Vec<String>,
    pub one_way_us: Option<u64>,
    pub jitter_us: Option<u64>,
    /// One-way latency at the minimum, p50, p90, p99, p99.9 and maximum,
    /// instead of `one_way_us` and `jitter_us`.
    pub percentiles_us: Option<Vec<u64>>,
    pub loss_ppm: Option<u32>,
}

/// `[[nodes]]` and `[defaults]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeFile {
    pub name: Option<String>,
    pub region: Option<String>,
    pub leader: Option<bool>,
    pub disk_write_us: Option<u64>,
    pub fsync_us: Option<u64>,
    pub fsync_jitter_us: Option<u64>,
    /// An fsync's duration at the minimum, p50, p90, p99, p99.9 and
    /// maximum, instead of `fsync_us` and `fsync_jitter_us`.
    pub fsync_percentiles_us: Option<Vec<u64>>,
    pub apply_us: Option<u64>,
    pub apply_delay_ms: Option<u64>,
    pub capacity_ops: Option<u64>,
    pub priority: Option<u8>,
    pub clock_drift_ppm: Option<i32>,
}

/// `[policy]`, in the vocabulary of PostgreSQL, MySQL, Kafka and Redis.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyFile {
    /// `""` (asynchronous), `"FIRST k (a, b)"`, `"ANY k (a, b)"`,
    /// `"a, b"` (FIRST 1), `*` for every follower.
    pub synchronous_standby_names: Option<String>,
    pub synchronous_commit: Option<SynchronousCommit>,
    pub on_quorum_unmet: Option<OnQuorumUnmet>,
    pub quorum_timeout_ms: Option<u64>,
    pub wait_point: Option<WaitPoint>,
    pub min_replicas_to_write: Option<u8>,
    pub min_replicas_max_lag_ms: Option<u64>,
}

/// `[routing]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoutingFile {
    pub reads: Option<Reads>,
    pub pick: Option<PickFollower>,
    pub leader_after_write_ms: Option<u64>,
    pub token_wait_ms: Option<u64>,
    pub max_staleness_ms: Option<u64>,
}

/// `[workload]`. Its keys from `read_percent` on are also a class's
/// settings: alone, `[workload]` is one class; with `[[workload.classes]]`,
/// each class inherits the keys it does not set.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkloadFile {
    pub sessions: Option<u16>,
    /// Regions of the sessions, assigned in turn (session i gets entry
    /// i mod len); default: the leader's region.
    pub regions: Option<Vec<String>>,
    pub think_time_us: Option<u64>,
    pub think_jitter_us: Option<u64>,
    pub read_percent: Option<u8>,
    pub keys: Option<u32>,
    pub hot_percent: Option<u8>,
    pub hot_keys: Option<u32>,
    pub request_timeout_ms: Option<u64>,
    pub start_ms: Option<u64>,
    pub stop_ms: Option<u64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "workload_commit"
    )]
    pub synchronous_commit: Option<SynchronousCommit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_per_s: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_after_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub classes: Vec<ClassFile>,
}

/// `[[workload.classes]]`: one class of sessions. Unset keys inherit from
/// `[workload]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassFile {
    pub name: String,
    pub sessions: Option<u16>,
    pub read_percent: Option<u8>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "class_commit"
    )]
    pub synchronous_commit: Option<SynchronousCommit>,
    pub rate_per_s: Option<u32>,
    pub think_time_us: Option<u64>,
    pub think_jitter_us: Option<u64>,
    pub request_timeout_ms: Option<u64>,
    pub cancel_after_ms: Option<u64>,
}

/// `synchronous_commit` read where the workload sets it: the same words as
/// `[policy]`, but an error names the key where it was written.
fn commit_at<'de, D: serde::Deserializer<'de>>(
    d: D,
    key: &'static str,
) -> Result<Option<SynchronousCommit>, D::Error> {
    let word = String::deserialize(d)?;
    SynchronousCommit::parse(&word)
        .map(Some)
        .map_err(|e| match e {
            super::ScenarioError::Invalid { problem, fix, .. } => {
                serde::de::Error::custom(super::ScenarioError::Invalid {
                    path: String::from(key),
                    problem,
                    fix,
                })
            }
            other => serde::de::Error::custom(other),
        })
}

fn workload_commit<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<SynchronousCommit>, D::Error> {
    commit_at(d, "workload.synchronous_commit")
}

fn class_commit<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<SynchronousCommit>, D::Error> {
    commit_at(d, "workload.classes[].synchronous_commit")
}

/// `[replication]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplicationFile {
    pub status_interval_ms: Option<u64>,
    pub sender_timeout_ms: Option<u64>,
    pub wal_keep_entries: Option<u64>,
    pub max_in_flight_entries: Option<u64>,
}

/// `[failover]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FailoverFile {
    pub mode: Option<FailoverMode>,
    pub heartbeat_interval_ms: Option<u64>,
    pub timeout_ms: Option<u64>,
    pub discovery_delay_ms: Option<u64>,
    pub lease_ms: Option<u64>,
    pub fencing: Option<Fencing>,
    pub ttl_ms: Option<u64>,
    pub loop_wait_ms: Option<u64>,
    pub retry_timeout_ms: Option<u64>,
    pub maximum_lag_on_failover: Option<u64>,
    pub synchronous_mode: Option<bool>,
    pub database_mb: Option<u64>,
    pub reclone_mb_per_s: Option<u64>,
}

/// `[[faults]]`: one flat table whose `action` decides which of the other
/// keys it takes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultFile {
    pub at_ms: u64,
    pub action: FaultKind,
    pub node: Option<String>,
    pub power_loss: Option<bool>,
    /// Two groups of node names (or `clients`).
    pub between: Option<Vec<Vec<String>>>,
    pub one_way: Option<bool>,
    pub factor: Option<u32>,
    pub extra_ms: Option<u64>,
    pub duration_ms: Option<u64>,
}

impl FaultFile {
    /// A fault of kind `action` at `at_ms`, with none of the optional keys.
    pub fn new(at_ms: u64, action: FaultKind) -> FaultFile {
        FaultFile {
            at_ms,
            action,
            node: None,
            power_loss: None,
            between: None,
            one_way: None,
            factor: None,
            extra_ms: None,
            duration_ms: None,
        }
    }
}

/// `[[expect]]`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectFile {
    pub metric: String,
    /// A workload class: bound that class's figure instead of the run's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub equals: Option<i64>,
}
