//! Scenarios: the cluster, its settings, the workload, the fault schedule
//! and the expected outcome of one experiment.
//!
//! [`ScenarioFile`] mirrors the TOML format documented in
//! `docs/scenarios.md`; every table rejects unknown keys so a typo is
//! reported rather than silently ignored. [`ScenarioFile::validate`] turns
//! it into a [`Scenario`] with names resolved to indices and times in
//! microseconds, or a [`ScenarioError`] naming the key path, the problem
//! and the fix. Impossible configurations (a quorum larger than the
//! follower count, a zero-latency link, an unknown node in a fault, a key
//! a fault does not take) are caught here, before a simulation starts.
//! Reading TOML text needs `std`; the types and validation do not.

mod error;
mod file;
mod model;

use error::invalid;
pub use error::ScenarioError;
pub use file::{
    ExpectFile, FailoverFile, FaultFile, LinkFile, NetworkFile, NodeFile, PolicyFile,
    ReplicationFile, RoutingFile, ScenarioFile, WorkloadFile,
};
pub use model::{
    DiskSpec, Expectation, FailoverMode, FailoverSpec, FaultAction, Fencing, Group, NodeSpec,
    ReplicationSpec, Scenario, ScheduledFault,
};

use crate::client::Workload;
use crate::network::{LinkSpec, NodeId};
use crate::policy::{AckPoint, CommitPolicy, MinInSync, OnUnmet, Quorum, Visibility};
use crate::routing::{Pick, ReadRouting};
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

const MS: u64 = 1_000;

/// The longest time any setting may name: a year, far beyond the 24-hour
/// limit on a run, and small enough that sums of a few times never
/// overflow `u64` microseconds.
const MAX_TIME_US: u64 = 365 * 24 * 3600 * 1_000_000;

/// `ms` milliseconds in microseconds; more than [`MAX_TIME_US`] is refused.
fn ms_to_us(path: &str, ms: u64) -> Result<u64, ScenarioError> {
    ms.checked_mul(MS)
        .filter(|us| *us <= MAX_TIME_US)
        .ok_or_else(|| {
            invalid(
                path,
                format!("{ms} ms is more than a year"),
                "use at most 31536000000 (a year)",
            )
        })
}

/// A time given in microseconds, refused beyond [`MAX_TIME_US`].
fn time_us(path: &str, us: u64) -> Result<u64, ScenarioError> {
    if us <= MAX_TIME_US {
        Ok(us)
    } else {
        Err(invalid(
            path,
            format!("{us} µs is more than a year"),
            "use at most 31536000000000 (a year)",
        ))
    }
}

impl ScenarioFile {
    /// Parses TOML text.
    #[cfg(feature = "std")]
    pub fn parse(text: &str) -> Result<ScenarioFile, ScenarioError> {
        toml::from_str(text).map_err(|e| ScenarioError::Parse {
            message: e.to_string().trim_end().to_string(),
        })
    }

    /// Writes the scenario back as TOML text.
    #[cfg(feature = "std")]
    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }

    /// Checks every value and resolves names.
    pub fn validate(&self) -> Result<Scenario, ScenarioError> {
        let regions: Vec<String> = if self.regions.is_empty() {
            vec!["dc1".to_string()]
        } else {
            self.regions.clone()
        };
        if regions.len() > 16 {
            return Err(invalid("regions", "more than 16 regions", "use at most 16"));
        }
        for (i, r) in regions.iter().enumerate() {
            if regions[..i].contains(r) {
                return Err(invalid(
                    "regions",
                    format!("region `{r}` is listed twice"),
                    "give each region a distinct name",
                ));
            }
        }
        let region_index = |path: &str, name: &str| -> Result<u8, ScenarioError> {
            regions
                .iter()
                .position(|r| r == name)
                .map(|i| i as u8)
                .ok_or_else(|| {
                    invalid(
                        path,
                        format!("unknown region `{name}`"),
                        format!("use one of: {}", regions.join(", ")),
                    )
                })
        };

        // Network.
        let net = &self.network;
        let local = LinkSpec {
            base_us: time_us("network.local_us", net.local_us.unwrap_or(500))?,
            jitter_us: time_us(
                "network.local_jitter_us",
                net.local_jitter_us.unwrap_or(100),
            )?,
            loss_ppm: net.loss_ppm.unwrap_or(0),
        };
        let cross = LinkSpec {
            base_us: time_us(
                "network.cross_region_us",
                net.cross_region_us.unwrap_or(50_000),
            )?,
            jitter_us: time_us(
                "network.cross_region_jitter_us",
                net.cross_region_jitter_us.unwrap_or(1_000),
            )?,
            loss_ppm: net.loss_ppm.unwrap_or(0),
        };
        if local.loss_ppm >= 1_000_000 {
            return Err(invalid(
                "network.loss_ppm",
                "every message would be lost",
                "use a value below 1000000 (parts per million)",
            ));
        }
        if local.base_us == 0 || cross.base_us == 0 {
            return Err(invalid(
                "network",
                "a link latency of zero is not physical",
                "use at least 1 µs",
            ));
        }
        let r = regions.len();
        let mut links = vec![cross; r * r];
        for i in 0..r {
            links[i * r + i] = local;
        }
        for (k, l) in net.links.iter().enumerate() {
            let path = format!("network.links[{k}]");
            if l.between.len() != 2 {
                return Err(invalid(
                    &format!("{path}.between"),
                    "needs exactly two regions",
                    "write between = [\"a\", \"b\"]",
                ));
            }
            if l.one_way_us == 0 {
                return Err(invalid(
                    &format!("{path}.one_way_us"),
                    "a link latency of zero is not physical",
                    "use at least 1 µs",
                ));
            }
            let a = region_index(&format!("{path}.between"), &l.between[0])? as usize;
            let b = region_index(&format!("{path}.between"), &l.between[1])? as usize;
            let spec = LinkSpec {
                base_us: time_us(&format!("{path}.one_way_us"), l.one_way_us)?,
                jitter_us: time_us(&format!("{path}.jitter_us"), l.jitter_us.unwrap_or(0))?,
                loss_ppm: l.loss_ppm.unwrap_or(local.loss_ppm),
            };
            if spec.loss_ppm >= 1_000_000 {
                return Err(invalid(
                    &format!("{path}.loss_ppm"),
                    "every message would be lost",
                    "use a value below 1000000",
                ));
            }
            links[a * r + b] = spec;
            links[b * r + a] = spec;
        }

        // Nodes.
        let node_files: Vec<NodeFile> = if self.nodes.is_empty() {
            (1..=3)
                .map(|i| NodeFile {
                    name: Some(format!("n{i}")),
                    ..NodeFile::default()
                })
                .collect()
        } else {
            self.nodes.clone()
        };
        if node_files.len() < 2 || node_files.len() > 32 {
            return Err(invalid(
                "nodes",
                format!("{} nodes", node_files.len()),
                "use between 2 and 32 nodes",
            ));
        }
        let d = &self.defaults;
        if d.name.is_some() || d.leader.is_some() {
            return Err(invalid(
                "defaults",
                "`name` and `leader` describe one node, not every node",
                "set them in a [[nodes]] entry",
            ));
        }
        let mut nodes = Vec::new();
        let mut leader = None;
        for (i, n) in node_files.iter().enumerate() {
            let path = format!("nodes[{i}]");
            let name = n.name.clone().unwrap_or_else(|| format!("n{}", i + 1));
            if nodes.iter().any(|x: &NodeSpec| x.name == name) || name == "clients" {
                return Err(invalid(
                    &format!("{path}.name"),
                    format!("node name `{name}` is taken"),
                    "give each node a distinct name other than `clients`",
                ));
            }
            let region = match n.region.as_ref().or(d.region.as_ref()) {
                Some(rn) => region_index(&format!("{path}.region"), rn)?,
                None => 0,
            };
            if n.leader.unwrap_or(false) {
                if leader.is_some() {
                    return Err(invalid(
                        &format!("{path}.leader"),
                        "two nodes are marked leader",
                        "mark exactly one node `leader = true`",
                    ));
                }
                leader = Some(i as NodeId);
            }
            let capacity = n.capacity_ops.or(d.capacity_ops).unwrap_or(0);
            let disk = DiskSpec {
                write_us: time_us(
                    &format!("nodes[{i}].disk_write_us"),
                    n.disk_write_us.or(d.disk_write_us).unwrap_or(20),
                )?,
                fsync_us: time_us(
                    &format!("nodes[{i}].fsync_us"),
                    n.fsync_us.or(d.fsync_us).unwrap_or(1_000),
                )?,
                fsync_jitter_us: time_us(
                    &format!("nodes[{i}].fsync_jitter_us"),
                    n.fsync_jitter_us.or(d.fsync_jitter_us).unwrap_or(200),
                )?,
            };
            nodes.push(NodeSpec {
                name,
                region,
                disk,
                apply_us: time_us(
                    &format!("nodes[{i}].apply_us"),
                    n.apply_us.or(d.apply_us).unwrap_or(50),
                )?,
                apply_delay_us: ms_to_us(
                    &format!("nodes[{i}].apply_delay_ms"),
                    n.apply_delay_ms.or(d.apply_delay_ms).unwrap_or(0),
                )?,
                service_us: 1_000_000u64.checked_div(capacity).map_or(0, |s| s.max(1)),
                priority: n.priority.or(d.priority).unwrap_or(1),
                clock_drift_ppm: n.clock_drift_ppm.or(d.clock_drift_ppm).unwrap_or(0),
            });
        }
        let leader = leader.unwrap_or(0);
        let node_index = |path: &str, name: &str| -> Result<NodeId, ScenarioError> {
            nodes
                .iter()
                .position(|n| n.name == name)
                .map(|i| i as NodeId)
                .ok_or_else(|| {
                    invalid(
                        path,
                        format!("unknown node `{name}`"),
                        format!(
                            "use one of: {}",
                            nodes
                                .iter()
                                .map(|n| n.name.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    )
                })
        };
        let followers: Vec<NodeId> = (0..nodes.len() as NodeId)
            .filter(|n| *n != leader)
            .collect();

        // Policy.
        let p = &self.policy;
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
        // As in PostgreSQL, no standby names means no synchronous
        // replication, whatever synchronous_commit says.
        let quorum = match ack {
            None => Quorum::None,
            Some(_) if names.trim().is_empty() => Quorum::None,
            Some(_) => parse_standby_names(names, &followers, &node_index)?,
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
        let policy = CommitPolicy {
            quorum,
            ack: ack.unwrap_or(AckPoint::Flushed),
            on_unmet,
            visibility,
            min_in_sync,
        };

        // Routing.
        let rt = &self.routing;
        let pick = match rt.pick.as_deref().unwrap_or("random") {
            "random" => Pick::Random,
            "round_robin" => Pick::RoundRobin,
            other => {
                return Err(invalid(
                    "routing.pick",
                    format!("unknown value `{other}`"),
                    "use random or round_robin",
                ))
            }
        };
        let routing = match rt.reads.as_deref().unwrap_or("leader") {
            "leader" => ReadRouting::Leader,
            "any_follower" => ReadRouting::AnyFollower { pick },
            "nearest" => ReadRouting::Nearest,
            "sticky" => ReadRouting::Sticky,
            "leader_after_write" => ReadRouting::LeaderAfterWrite {
                window_us: ms_to_us("routing.leader_after_write_ms", rt.leader_after_write_ms.unwrap_or(1_000))?,
                pick,
            },
            "position_token" => ReadRouting::PositionToken {
                wait_us: ms_to_us("routing.token_wait_ms", rt.token_wait_ms.unwrap_or(100))?,
                pick,
            },
            "bounded_staleness" => ReadRouting::BoundedStaleness {
                max_lag_us: ms_to_us("routing.max_staleness_ms", rt.max_staleness_ms.unwrap_or(100))?,
                pick,
            },
            other => {
                return Err(invalid(
                    "routing.reads",
                    format!("unknown value `{other}`"),
                    "use leader, any_follower, nearest, sticky, leader_after_write, position_token or bounded_staleness",
                ))
            }
        };

        // Workload.
        let duration_us = ms_to_us("duration_ms", self.duration_ms.unwrap_or(10_000))?;
        if duration_us == 0 || duration_us > 24 * 3600 * 1_000_000 {
            return Err(invalid(
                "duration_ms",
                "must be between 1 ms and 24 hours",
                "use e.g. duration_ms = 10000",
            ));
        }
        let w = &self.workload;
        let sessions = w.sessions.unwrap_or(4);
        if sessions == 0 || sessions > 1024 {
            return Err(invalid(
                "workload.sessions",
                format!("{sessions} sessions"),
                "use between 1 and 1024",
            ));
        }
        let read_percent = w.read_percent.unwrap_or(50);
        if read_percent > 100 {
            return Err(invalid(
                "workload.read_percent",
                format!("{read_percent} %"),
                "use 0 to 100",
            ));
        }
        if w.hot_percent.unwrap_or(0) > 100 {
            return Err(invalid(
                "workload.hot_percent",
                "over 100 %",
                "use 0 to 100",
            ));
        }
        let keys = w.keys.unwrap_or(100);
        if keys > crate::store::MAX_KEYS {
            return Err(invalid(
                "workload.keys",
                format!("{keys} keys"),
                format!("use at most {}", crate::store::MAX_KEYS),
            ));
        }
        if keys == 0 {
            return Err(invalid("workload.keys", "zero keys", "use at least 1"));
        }
        let session_region_names = w.regions.clone().unwrap_or_default();
        let mut session_regions = Vec::new();
        for s in 0..sessions as usize {
            let r = if session_region_names.is_empty() {
                nodes[leader as usize].region
            } else {
                region_index(
                    "workload.regions",
                    &session_region_names[s % session_region_names.len()],
                )?
            };
            session_regions.push(r);
        }
        let workload = Workload {
            think_us: time_us("workload.think_time_us", w.think_time_us.unwrap_or(10_000))?,
            think_jitter_us: time_us(
                "workload.think_jitter_us",
                w.think_jitter_us
                    .unwrap_or(w.think_time_us.unwrap_or(10_000) / 10),
            )?,
            read_percent,
            keys,
            hot_percent: w.hot_percent.unwrap_or(0),
            hot_keys: w.hot_keys.unwrap_or(keys.div_ceil(10)),
            request_timeout_us: ms_to_us(
                "workload.request_timeout_ms",
                w.request_timeout_ms.unwrap_or(5_000),
            )?,
            stop_at_us: match w.stop_ms {
                Some(s) => ms_to_us("workload.stop_ms", s)?,
                None => duration_us,
            },
            start_at_us: ms_to_us("workload.start_ms", w.start_ms.unwrap_or(0))?,
        };

        // Replication.
        let rp = &self.replication;
        let replication = ReplicationSpec {
            status_interval_us: ms_to_us(
                "replication.status_interval_ms",
                rp.status_interval_ms.unwrap_or(10_000),
            )?,
            sender_timeout_us: ms_to_us(
                "replication.sender_timeout_ms",
                rp.sender_timeout_ms.unwrap_or(60_000),
            )?,
            wal_keep_entries: rp.wal_keep_entries.unwrap_or(100_000),
            max_in_flight_entries: rp.max_in_flight_entries.unwrap_or(1_000),
        };
        if replication.status_interval_us == 0 || replication.sender_timeout_us == 0 {
            return Err(invalid(
                "replication",
                "status interval and sender timeout must be positive",
                "use at least 1 ms",
            ));
        }
        if replication.wal_keep_entries == 0 || replication.max_in_flight_entries == 0 {
            return Err(invalid(
                "replication",
                "wal_keep_entries and max_in_flight_entries must be positive",
                "use at least 1",
            ));
        }

        // Failover.
        let f = &self.failover;
        let mode = match f.mode.as_deref().unwrap_or("manual") {
            "manual" => FailoverMode::Manual,
            "election" => FailoverMode::Election,
            "manager" | "patroni" => FailoverMode::Manager,
            other => {
                return Err(invalid(
                    "failover.mode",
                    format!("unknown value `{other}`"),
                    "use manual, election or manager (Patroni-like)",
                ))
            }
        };
        let fencing = match f.fencing.as_deref().unwrap_or("epoch") {
            "none" => Fencing::None,
            "epoch" => Fencing::Epoch,
            "stonith" => Fencing::Stonith,
            "lease" => Fencing::Lease,
            other => {
                return Err(invalid(
                    "failover.fencing",
                    format!("unknown value `{other}`"),
                    "use none, epoch, stonith or lease",
                ))
            }
        };
        let lease_default = if fencing == Fencing::Lease {
            f.timeout_ms.unwrap_or(10_000) / 2
        } else {
            0
        };
        let failover = FailoverSpec {
            mode,
            heartbeat_interval_us: ms_to_us(
                "failover.heartbeat_interval_ms",
                f.heartbeat_interval_ms.unwrap_or(1_000),
            )?,
            election_timeout_us: ms_to_us("failover.timeout_ms", f.timeout_ms.unwrap_or(10_000))?,
            discovery_delay_us: ms_to_us(
                "failover.discovery_delay_ms",
                f.discovery_delay_ms.unwrap_or(1_000),
            )?,
            lease_us: ms_to_us("failover.lease_ms", f.lease_ms.unwrap_or(lease_default))?,
            fencing,
            ttl_us: ms_to_us("failover.ttl_ms", f.ttl_ms.unwrap_or(30_000))?,
            loop_wait_us: ms_to_us("failover.loop_wait_ms", f.loop_wait_ms.unwrap_or(10_000))?,
            retry_timeout_us: ms_to_us(
                "failover.retry_timeout_ms",
                f.retry_timeout_ms.unwrap_or(10_000),
            )?,
            maximum_lag_on_failover: f.maximum_lag_on_failover.unwrap_or(1_000_000),
            synchronous_mode: f.synchronous_mode.unwrap_or(false),
            database_mb: f.database_mb.unwrap_or(1_000),
            reclone_mb_per_s: f.reclone_mb_per_s.unwrap_or(100),
        };
        if mode == FailoverMode::Election
            && (failover.heartbeat_interval_us == 0
                || failover.election_timeout_us <= failover.heartbeat_interval_us)
        {
            return Err(invalid(
                "failover.timeout_ms",
                "the failure timeout must be longer than the heartbeat interval",
                "e.g. heartbeat_interval_ms = 1000 and timeout_ms = 10000",
            ));
        }
        if mode == FailoverMode::Manager
            && (failover.loop_wait_us == 0
                || failover.loop_wait_us + 2 * failover.retry_timeout_us > failover.ttl_us)
        {
            return Err(invalid(
                "failover.ttl_ms",
                "the leader key must live longer than one HA loop",
                "keep loop_wait_ms + 2 × retry_timeout_ms ≤ ttl_ms, e.g. ttl 30000, loop_wait 10000",
            ));
        }
        if fencing == Fencing::Lease && mode != FailoverMode::Election {
            return Err(invalid(
                "failover.fencing",
                "a leader renews its lease through heartbeat answers, which only the election mode sends",
                "use mode = \"election\" with lease fencing, or fencing = \"epoch\" or \"stonith\"",
            ));
        }
        if fencing == Fencing::Lease
            && (failover.lease_us == 0 || failover.lease_us >= failover.election_timeout_us)
        {
            return Err(invalid(
                "failover.lease_ms",
                "the lease must be positive and shorter than the failure timeout, or a new leader can be elected while the old lease still runs",
                "set lease_ms below timeout_ms, e.g. half of it",
            ));
        }
        if failover.reclone_mb_per_s == 0 {
            return Err(invalid(
                "failover.reclone_mb_per_s",
                "a copy with no bandwidth never ends",
                "use at least 1",
            ));
        }

        // Faults.
        let mut faults = Vec::new();
        for (k, ff) in self.faults.iter().enumerate() {
            let path = format!("faults[{k}]");
            faults.push(ScheduledFault {
                at_us: ms_to_us(&format!("{path}.at_ms"), ff.at_ms)?,
                action: parse_fault(&path, ff, &node_index)?,
            });
        }
        faults.sort_by_key(|f| f.at_us);

        let mut expect = Vec::new();
        for (k, e) in self.expect.iter().enumerate() {
            let path = format!("expect[{k}]");
            if !crate::report::Report::METRICS.contains(&e.metric.as_str()) {
                return Err(invalid(
                    &format!("{path}.metric"),
                    format!("unknown metric `{}`", e.metric),
                    format!("use one of: {}", crate::report::Report::METRICS.join(", ")),
                ));
            }
            let (min, max) = match (e.equals, e.min, e.max) {
                (Some(v), None, None) => (Some(v), Some(v)),
                (Some(_), _, _) => {
                    return Err(invalid(
                        &path,
                        "`equals` given with `min` or `max`",
                        "use either equals or min/max",
                    ))
                }
                (None, Some(lo), Some(hi)) if lo > hi => {
                    return Err(invalid(
                        &path,
                        format!("min {lo} is above max {hi}"),
                        "swap or correct the bounds",
                    ))
                }
                (None, lo, hi) => (lo, hi),
            };
            if min.is_none() && max.is_none() {
                return Err(invalid(&path, "no bound given", "add min, max or equals"));
            }
            expect.push(Expectation {
                metric: e.metric.clone(),
                min,
                max,
            });
        }

        Ok(Scenario {
            name: self.name.clone().unwrap_or_else(|| "untitled".to_string()),
            description: self.description.clone().unwrap_or_default(),
            seed: self.seed.unwrap_or(1),
            duration_us,
            regions,
            links,
            nodes,
            leader,
            policy,
            routing,
            sessions,
            session_regions,
            workload,
            replication,
            failover,
            faults,
            sample_interval_us: match self.sample_interval_ms.unwrap_or(100) {
                0 => {
                    return Err(invalid(
                        "sample_interval_ms",
                        "a zero sampling period never advances",
                        "use at least 1 ms",
                    ))
                }
                ms => ms_to_us("sample_interval_ms", ms)?,
            },
            expect,
        })
    }
}

/// Parses PostgreSQL's `synchronous_standby_names`.
fn parse_standby_names(
    text: &str,
    followers: &[NodeId],
    node_index: &dyn Fn(&str, &str) -> Result<NodeId, ScenarioError>,
) -> Result<Quorum, ScenarioError> {
    const PATH: &str = "policy.synchronous_standby_names";
    const FIX: &str = "write e.g. \"FIRST 1 (n2, n3)\", \"ANY 2 (*)\" or \"n2\"";
    let t = text.trim();
    if t.is_empty() {
        return Err(invalid(
            PATH,
            "synchronous_commit waits for standbys but none are named",
            "name standbys, e.g. \"FIRST 1 (n2)\", or set synchronous_commit = \"local\" for asynchronous commit",
        ));
    }
    let upper = t.to_ascii_uppercase();
    let (first, rest) = if let Some(r) = upper.strip_prefix("FIRST ") {
        (true, &t[t.len() - r.len()..])
    } else if let Some(r) = upper.strip_prefix("ANY ") {
        (false, &t[t.len() - r.len()..])
    } else {
        // A bare list means FIRST 1.
        let list = parse_list(t, followers, node_index)?;
        return Ok(Quorum::First {
            k: 1,
            standbys: list,
        });
    };
    let rest = rest.trim();
    let open = rest
        .find('(')
        .ok_or_else(|| invalid(PATH, "missing `(` before the standby list", FIX))?;
    let k: u8 = rest[..open]
        .trim()
        .parse()
        .map_err(|_| invalid(PATH, "the count before `(` is not a number", FIX))?;
    let inner = rest[open + 1..]
        .strip_suffix(')')
        .ok_or_else(|| invalid(PATH, "missing `)` after the standby list", FIX))?;
    let standbys = parse_list(inner, followers, node_index)?;
    if k == 0 {
        return Err(invalid(
            PATH,
            "a quorum of 0 standbys",
            "use at least 1, or synchronous_commit = \"local\"",
        ));
    }
    if k as usize > standbys.len() {
        return Err(invalid(
            PATH,
            format!(
                "waits for {k} standbys but only {} are listed",
                standbys.len()
            ),
            "list more standbys or lower the count",
        ));
    }
    Ok(if first {
        Quorum::First { k, standbys }
    } else {
        Quorum::Any { k, standbys }
    })
}

fn parse_list(
    list: &str,
    followers: &[NodeId],
    node_index: &dyn Fn(&str, &str) -> Result<NodeId, ScenarioError>,
) -> Result<Vec<NodeId>, ScenarioError> {
    const PATH: &str = "policy.synchronous_standby_names";
    let mut out = Vec::new();
    for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        if name == "*" {
            for f in followers {
                if !out.contains(f) {
                    out.push(*f);
                }
            }
            continue;
        }
        let n = node_index(PATH, name)?;
        if !followers.contains(&n) {
            return Err(invalid(
                PATH,
                format!("`{name}` is the leader, not a standby"),
                "list followers only",
            ));
        }
        if !out.contains(&n) {
            out.push(n);
        }
    }
    if out.is_empty() {
        return Err(invalid(
            PATH,
            "the standby list is empty",
            "name at least one follower, or `*`",
        ));
    }
    Ok(out)
}

fn parse_fault(
    path: &str,
    f: &FaultFile,
    node_index: &dyn Fn(&str, &str) -> Result<NodeId, ScenarioError>,
) -> Result<FaultAction, ScenarioError> {
    let used: &[&str] = match f.action.as_str() {
        "crash" => &["node", "power_loss"],
        "restart" | "isolate" => &["node"],
        "kill_leader" => &["power_loss"],
        "partition" => &["between", "one_way"],
        "heal" => &["between"],
        "heal_all" | "partition_leader" => &[],
        "slow_disk" => &["node", "factor", "duration_ms"],
        "latency_spike" => &["node", "extra_ms", "duration_ms"],
        _ => &[
            "node",
            "power_loss",
            "between",
            "one_way",
            "factor",
            "extra_ms",
            "duration_ms",
        ],
    };
    let given = [
        ("node", f.node.is_some()),
        ("power_loss", f.power_loss.is_some()),
        ("between", f.between.is_some()),
        ("one_way", f.one_way.is_some()),
        ("factor", f.factor.is_some()),
        ("extra_ms", f.extra_ms.is_some()),
        ("duration_ms", f.duration_ms.is_some()),
    ];
    if let Some((key, _)) = given.iter().find(|(k, set)| *set && !used.contains(k)) {
        return Err(invalid(
            &format!("{path}.{key}"),
            format!("`{}` does not take `{key}`", f.action),
            if used.is_empty() {
                "remove it".to_string()
            } else {
                format!("it takes: {}", used.join(", "))
            },
        ));
    }
    let node = || -> Result<NodeId, ScenarioError> {
        let name = f.node.as_deref().ok_or_else(|| {
            invalid(
                &format!("{path}.node"),
                format!("`{}` needs a node", f.action),
                "add node = \"<name>\"",
            )
        })?;
        node_index(&format!("{path}.node"), name)
    };
    let groups = || -> Result<(Group, Group), ScenarioError> {
        let p = format!("{path}.between");
        let fix = "write between = [[\"n1\"], [\"n2\", \"clients\"]]";
        let b = f
            .between
            .as_ref()
            .ok_or_else(|| invalid(&p, "missing", fix))?;
        if b.len() != 2 {
            return Err(invalid(&p, "needs exactly two groups", fix));
        }
        let mut out = [Group::default(); 2];
        for (g, names) in b.iter().enumerate() {
            for name in names {
                if name == "clients" {
                    out[g].clients = true;
                } else if let Some(range) = name.strip_prefix("clients:") {
                    let bad = || {
                        invalid(
                            &p,
                            format!("`{name}` is not a session range"),
                            "write clients:0-1 for sessions 0 and 1",
                        )
                    };
                    let (lo, hi) = range.split_once('-').unwrap_or((range, range));
                    let lo: u16 = lo.trim().parse().map_err(|_| bad())?;
                    let hi: u16 = hi.trim().parse().map_err(|_| bad())?;
                    if hi < lo || hi == u16::MAX {
                        return Err(bad());
                    }
                    if out[g].session_to > 0 {
                        return Err(invalid(
                            &p,
                            "a group can hold one range of sessions",
                            "merge the ranges, e.g. clients:0-3",
                        ));
                    }
                    out[g].session_from = lo;
                    out[g].session_to = hi + 1;
                } else {
                    out[g].nodes |= 1u64 << node_index(&p, name)?;
                }
            }
        }
        Ok((out[0], out[1]))
    };
    let duration_us = || -> Result<u64, ScenarioError> {
        match f.duration_ms {
            Some(d) if d > 0 => ms_to_us(&format!("{path}.duration_ms"), d),
            _ => Err(invalid(
                &format!("{path}.duration_ms"),
                "missing or zero",
                "add duration_ms = <how long>",
            )),
        }
    };
    Ok(match f.action.as_str() {
        "crash" => FaultAction::Crash {
            node: node()?,
            power_loss: f.power_loss.unwrap_or(false),
        },
        "restart" => FaultAction::Restart { node: node()? },
        "kill_leader" => FaultAction::KillLeader {
            power_loss: f.power_loss.unwrap_or(false),
        },
        "partition" => {
            let (a, b) = groups()?;
            FaultAction::Partition {
                a,
                b,
                one_way: f.one_way.unwrap_or(false),
            }
        }
        "heal" => {
            let (a, b) = groups()?;
            FaultAction::Heal { a, b }
        }
        "heal_all" => FaultAction::HealAll,
        "isolate" => FaultAction::Isolate { node: node()? },
        "partition_leader" => FaultAction::PartitionLeader,
        "slow_disk" => FaultAction::SlowDisk {
            node: node()?,
            factor: f.factor.filter(|x| *x > 0).ok_or_else(|| invalid(&format!("{path}.factor"), "missing or zero", "add factor = 10 (times slower)"))?,
            duration_us: duration_us()?,
        },
        "latency_spike" => FaultAction::LatencySpike {
            node: node()?,
            extra_us: f.extra_ms.ok_or_else(|| invalid(&format!("{path}.extra_ms"), "missing", "add extra_ms = <added one-way latency>")).and_then(|x| ms_to_us(&format!("{path}.extra_ms"), x))?,
            duration_us: duration_us()?,
        },
        other => {
            return Err(invalid(
                &format!("{path}.action"),
                format!("unknown action `{other}`"),
                "use crash, restart, kill_leader, partition, heal, heal_all, isolate, partition_leader, slow_disk or latency_spike",
            ))
        }
    })
}
