//! The validated scenario: what a [`Simulation`](crate::sim::Simulation)
//! is built from.
//!
//! Every name is resolved to an index, every time is in microseconds and
//! every default is filled in, so nothing downstream reads the file again
//! or guesses. These types are produced only by
//! [`ScenarioFile::validate`](super::ScenarioFile::validate) (and, for
//! faults, by the page's buttons), which is why they carry no checks of
//! their own.

use super::values::{FailoverMode, Fencing, SynchronousCommit};
use crate::delay::Quantiles;
use crate::network::{LinkSpec, NodeId, SessionId};
use crate::policy::{CommitPolicy, WaitFor};
use crate::routing::ReadRouting;
use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

/// Disk timing of one node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiskSpec {
    /// Handing a batch of WAL to the OS.
    pub write_us: u64,
    /// An fsync.
    pub fsync_us: u64,
    /// Up to this much extra per fsync.
    pub fsync_jitter_us: u64,
    /// When set, an fsync's duration is drawn from this table instead of
    /// `fsync_us` plus uniform jitter.
    pub fsync_tail: Option<Quantiles>,
}

/// One node of the cluster.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeSpec {
    /// Display name.
    pub name: String,
    /// Region index.
    pub region: u8,
    /// Disk timing.
    pub disk: DiskSpec,
    /// Time to replay one entry.
    pub apply_us: u64,
    /// `recovery_min_apply_delay`.
    pub apply_delay_us: u64,
    /// Time to serve one client operation (0: unlimited capacity).
    pub service_us: u64,
    /// Election priority (0: never leader).
    pub priority: u8,
    /// How fast this node's clock runs against true time, in parts per
    /// million (negative: slow). Only leases read it.
    pub clock_drift_ppm: i32,
}

/// Failover settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailoverSpec {
    /// Who promotes.
    pub mode: FailoverMode,
    /// Leader heartbeat period.
    pub heartbeat_interval_us: u64,
    /// Silence after which the leader is declared dead.
    pub election_timeout_us: u64,
    /// Clients learn of a new leader this long after it is elected.
    pub discovery_delay_us: u64,
    /// Leader lease (0: none).
    pub lease_us: u64,
    /// How old leaders are fenced.
    pub fencing: Fencing,
    /// Manager: leader-key time to live (Patroni `ttl`).
    pub ttl_us: u64,
    /// Manager: period of each node's HA loop (Patroni `loop_wait`).
    pub loop_wait_us: u64,
    /// Manager: a leader that cannot renew its key for this long demotes
    /// itself (Patroni `retry_timeout`).
    pub retry_timeout_us: u64,
    /// Manager: followers further behind than this many entries may not be
    /// promoted (Patroni `maximum_lag_on_failover`).
    pub maximum_lag_on_failover: u64,
    /// Manager: only the synchronous standby may be promoted (Patroni
    /// `synchronous_mode`).
    pub synchronous_mode: bool,
    /// Size of a full copy for re-cloning a follower, in megabytes.
    pub database_mb: u64,
    /// Copy bandwidth, megabytes per second.
    pub reclone_mb_per_s: u64,
}

/// A set of endpoints: some nodes (bit mask) and some client sessions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Group {
    /// Bit `n` set: node `n` is in the group.
    pub nodes: u64,
    /// All client sessions are in the group.
    pub clients: bool,
    /// Sessions `session_from..session_to` are in the group (in addition).
    #[serde(default)]
    pub session_from: u16,
    /// End (exclusive) of that range.
    #[serde(default)]
    pub session_to: u16,
}

impl Group {
    /// Just these nodes.
    pub fn of_nodes(mask: u64) -> Group {
        Group {
            nodes: mask,
            ..Group::default()
        }
    }

    /// Whether session `s` is in the group.
    pub fn has_session(&self, s: u16) -> bool {
        self.clients || (self.session_from..self.session_to).contains(&s)
    }
}

/// A fault, from the schedule or from the user.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum FaultAction {
    /// The node stops. `power_loss`: un-fsynced WAL is lost and peers get
    /// no connection close.
    Crash { node: NodeId, power_loss: bool },
    /// The node starts again.
    Restart { node: NodeId },
    /// An operator promotes the node to leader of a new epoch (PostgreSQL's
    /// `pg_ctl promote`, MySQL's `STOP REPLICA; RESET REPLICA ALL`),
    /// whatever the failover mode and whether or not the old leader is
    /// still up.
    Promote { node: NodeId },
    /// Whichever node leads at that moment crashes.
    KillLeader { power_loss: bool },
    /// Cut messages from `a` to `b` (and back unless `one_way`).
    Partition { a: Group, b: Group, one_way: bool },
    /// Heal the cuts between `a` and `b`, both ways.
    Heal { a: Group, b: Group },
    /// Cut a node off from every other endpoint.
    Isolate { node: NodeId },
    /// Cut the current leader off from the other nodes (clients still
    /// reach it).
    PartitionLeader,
    /// Heal every cut.
    HealAll,
    /// The node's disk gets `factor` times slower for `duration_us`.
    SlowDisk {
        node: NodeId,
        factor: u32,
        duration_us: u64,
    },
    /// Messages to and from the node take `extra_us` longer for
    /// `duration_us`.
    LatencySpike {
        node: NodeId,
        extra_us: u64,
        duration_us: u64,
    },
}

/// A fault and when it happens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduledFault {
    /// Simulated time.
    pub at_us: u64,
    /// What happens.
    pub action: FaultAction,
}

/// Replication-stream settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicationSpec {
    /// `wal_receiver_status_interval`.
    pub status_interval_us: u64,
    /// `wal_sender_timeout`.
    pub sender_timeout_us: u64,
    /// Retained WAL, in entries.
    pub wal_keep_entries: u64,
    /// Unacknowledged entries in flight per follower.
    pub max_in_flight_entries: u64,
}

/// One class of client sessions: its own sessions, mix, pacing and commit
/// setting (`[[workload.classes]]`, or `[workload]` alone).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkloadClass {
    /// Name, as the report and `[[expect]] class` use it.
    pub name: String,
    /// The class's first session; its sessions are numbered on from there.
    pub first_session: SessionId,
    /// Number of sessions.
    pub sessions: u16,
    /// Share of operations that are reads, in percent.
    pub read_percent: u8,
    /// Closed loop: pause between an answer and the next operation.
    pub think_us: u64,
    /// Closed loop: up to this much extra pause, uniformly drawn.
    pub think_jitter_us: u64,
    /// Open loop: operations start on a fixed schedule of this many per
    /// simulated second (`None`: closed loop).
    pub rate_per_s: Option<u32>,
    /// A session gives up on an answer after this long (0: never).
    pub request_timeout_us: u64,
    /// A session cancels a write still unanswered after this long (0:
    /// never), as a client's query cancel, and keeps waiting: a write
    /// still waiting for standbys is then answered as committed on the
    /// leader only.
    pub cancel_after_us: u64,
    /// What the class's writes wait for, overriding the cluster's
    /// `synchronous_commit` (PostgreSQL's `SET synchronous_commit`);
    /// `None`: the cluster's policy.
    pub synchronous_commit: Option<SynchronousCommit>,
}

impl WorkloadClass {
    /// The sessions of the class.
    pub fn session_ids(&self) -> core::ops::Range<SessionId> {
        self.first_session..self.first_session + self.sessions
    }

    /// Whether operations arrive on a schedule rather than after answers.
    pub fn open_loop(&self) -> bool {
        self.rate_per_s.is_some()
    }

    /// What each write of the class asks the leader to wait for (`None`:
    /// the cluster's `synchronous_commit`).
    pub fn wait(&self) -> Option<WaitFor> {
        self.synchronous_commit.map(|sc| match sc.standby_ack() {
            None => WaitFor::Local,
            Some(ack) => WaitFor::Standbys(ack),
        })
    }
}

/// The operations client sessions issue: the key space every class shares,
/// when the sessions run, and the classes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Workload {
    /// Keys are `0..keys`.
    pub keys: u32,
    /// When non-zero, this percentage of operations goes to the first
    /// `hot_keys` keys.
    pub hot_percent: u8,
    /// Size of the hot set.
    pub hot_keys: u32,
    /// Sessions stop issuing new operations at this time.
    pub stop_at_us: u64,
    /// No operation starts before this time.
    pub start_at_us: u64,
    /// The classes, in file order, their sessions numbered in that order;
    /// never empty.
    pub classes: Vec<WorkloadClass>,
}

impl Workload {
    /// The class session `s` belongs to.
    pub fn class_of(&self, s: SessionId) -> u8 {
        self.classes
            .iter()
            .position(|c| c.session_ids().contains(&s))
            .unwrap_or(0) as u8
    }
}

/// A bound on a report figure, checked after the run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expectation {
    /// Report figure, e.g. `lost_acknowledged_writes` or `commit_p50_ms`.
    pub metric: String,
    /// The workload class whose figure it bounds (`None`: the whole run's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    /// Lowest acceptable value.
    pub min: Option<i64>,
    /// Highest acceptable value.
    pub max: Option<i64>,
}

/// A validated scenario, ready to simulate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scenario {
    /// Short identifier.
    pub name: String,
    /// What the experiment shows.
    pub description: String,
    /// Seed of the run.
    pub seed: u64,
    /// Simulated length.
    pub duration_us: u64,
    /// Region names.
    pub regions: Vec<String>,
    /// `regions × regions` one-way link specs.
    pub links: Vec<LinkSpec>,
    /// The nodes.
    pub nodes: Vec<NodeSpec>,
    /// Initial leader.
    pub leader: NodeId,
    /// Commit policy.
    pub policy: CommitPolicy,
    /// Read routing.
    pub routing: ReadRouting,
    /// Number of client sessions.
    pub sessions: u16,
    /// Region of each session.
    pub session_regions: Vec<u8>,
    /// What sessions do.
    pub workload: Workload,
    /// Stream settings.
    pub replication: ReplicationSpec,
    /// Failover settings.
    pub failover: FailoverSpec,
    /// Fault schedule, in time order.
    pub faults: Vec<ScheduledFault>,
    /// Lag sampling period.
    pub sample_interval_us: u64,
    /// Checks on the report.
    pub expect: Vec<Expectation>,
}
