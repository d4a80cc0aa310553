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

pub mod defaults;
mod error;
mod expect;
mod failover;
mod faults;
mod file;
mod model;
mod names;
mod network;
mod nodes;
mod policy;
mod replication;
mod routing;
mod standby_names;
mod units;
mod values;
mod workload;

use defaults::{DEFAULT_DURATION_MS, DEFAULT_NAME, DEFAULT_SAMPLE_INTERVAL_MS, DEFAULT_SEED};
use error::invalid;
pub use error::ScenarioError;
pub use file::{
    ClassFile, ExpectFile, FailoverFile, FaultFile, LinkFile, NetworkFile, NodeFile, PolicyFile,
    ReplicationFile, RoutingFile, ScenarioFile, WorkloadFile,
};
pub use model::{
    DiskSpec, Expectation, FailoverSpec, FaultAction, Group, NodeSpec, ReplicationSpec, Scenario,
    ScheduledFault, Workload, WorkloadClass,
};
pub use values::{
    FailoverMode, FaultKind, Fencing, OnQuorumUnmet, PickFollower, Reads, SynchronousCommit,
    WaitPoint,
};
pub use workload::{MAX_CLASSES, MAX_RATE_PER_S, MAX_SESSIONS};

#[cfg(feature = "std")]
use alloc::string::String;
use alloc::string::ToString;
use alloc::vec::Vec;
use units::ms_to_us;

/// The longest run: a day of simulated time.
const MAX_DURATION_US: u64 = 24 * 3600 * 1_000_000;

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

    /// Checks every value and resolves names, one table at a time in the
    /// order `docs/scenarios.md` lists the rules; the first problem found
    /// is the error.
    pub fn validate(&self) -> Result<Scenario, ScenarioError> {
        let regions = network::regions(&self.regions)?;
        let links = network::links(&self.network, &regions)?;
        let cluster = nodes::cluster(&self.nodes, &self.defaults, &regions)?;
        let followers = cluster.followers();
        let policy = policy::policy(&self.policy, &cluster.nodes, &followers)?;
        let routing = routing::routing(&self.routing)?;
        let duration_us = ms_to_us(
            "duration_ms",
            self.duration_ms.unwrap_or(DEFAULT_DURATION_MS),
        )?;
        if duration_us == 0 || duration_us > MAX_DURATION_US {
            return Err(invalid(
                "duration_ms",
                "must be between 1 ms and 24 hours",
                "use e.g. duration_ms = 10000",
            ));
        }
        let leader_region = cluster.nodes[cluster.leader as usize].region;
        let standbys_dropped = self.policy.synchronous_commit == Some(SynchronousCommit::Local)
            && self
                .policy
                .synchronous_standby_names
                .as_deref()
                .is_some_and(|n| !n.trim().is_empty());
        let sessions = workload::sessions(
            &self.workload,
            &regions,
            leader_region,
            duration_us,
            standbys_dropped,
        )?;
        let replication = replication::replication(&self.replication)?;
        let failover = failover::failover(&self.failover)?;
        let faults = faults::schedule(&self.faults, &cluster.nodes, failover.mode)?;
        let class_names: Vec<&str> = sessions
            .workload
            .classes
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        let expect = expect::expectations(&self.expect, &class_names)?;
        let sample_interval_us = match self
            .sample_interval_ms
            .unwrap_or(DEFAULT_SAMPLE_INTERVAL_MS)
        {
            0 => {
                return Err(invalid(
                    "sample_interval_ms",
                    "a zero sampling period never advances",
                    "use at least 1 ms",
                ))
            }
            ms => ms_to_us("sample_interval_ms", ms)?,
        };
        if self.suggested_speed_us_per_ms == Some(0) {
            return Err(invalid(
                "suggested_speed_us_per_ms",
                "a speed of zero never moves",
                "use at least 1 (a thousandth of real time), or leave the key out",
            ));
        }
        Ok(Scenario {
            name: self
                .name
                .clone()
                .unwrap_or_else(|| DEFAULT_NAME.to_string()),
            description: self.description.clone().unwrap_or_default(),
            seed: self.seed.unwrap_or(DEFAULT_SEED),
            duration_us,
            regions,
            links,
            nodes: cluster.nodes,
            leader: cluster.leader,
            policy,
            routing,
            sessions: sessions.count,
            session_regions: sessions.regions,
            workload: sessions.workload,
            replication,
            failover,
            faults,
            sample_interval_us,
            expect,
        })
    }
}
