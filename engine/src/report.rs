//! The summary of a run: what `replica run` prints and `--json` emits.
//!
//! The schema is documented in `docs/report.md`. Every figure named in
//! [`METRICS`] can be bounded by a scenario's `[[expect]]` entries,
//! which is how scenario files check themselves.

use crate::checker::Violation;
use crate::metrics::LatencySummary;
use crate::network::NodeId;
use crate::wal::{Entry, Epoch};
use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

/// A change in a leader's commit policy state, for the report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PolicyChange {
    /// When.
    pub t_us: u64,
    /// Which leader.
    pub node: NodeId,
    /// `true`: fell back to asynchronous; `false`: synchronous again.
    pub degraded: bool,
}

/// A leader change, for the report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Promotion {
    /// When the new leader took over.
    pub t_us: u64,
    /// The new leader.
    pub node: NodeId,
    /// Its epoch.
    pub epoch: Epoch,
    /// The leader it replaced.
    pub old_leader: NodeId,
    /// When the old leader was lost (crash, partition, spike), if a fault
    /// caused it.
    pub leader_lost_us: Option<u64>,
    /// When the failure detector first suspected the old leader (if it did).
    pub suspected_us: Option<u64>,
    /// Whether the old leader was still up (a false positive when no
    /// fault hit it, or a split-brain risk when it was cut off).
    pub old_leader_alive: bool,
    /// First write acknowledged by the new leader.
    pub first_ack_us: Option<u64>,
    /// Acknowledged writes the new leader's log lacks: lost by this
    /// failover.
    pub lost_acknowledged_writes: u64,
    /// Acknowledgement time of the oldest and newest lost write.
    pub lost_span_us: Option<(u64, u64)>,
    /// Acknowledged writes later rolled back from a rejoining node.
    pub rolled_back_acknowledged: u64,
}

impl Promotion {
    /// From the loss of the leader (or its suspicion) to the first
    /// acknowledged write on the new one.
    pub fn unavailable_us(&self) -> Option<u64> {
        let from = self.leader_lost_us.or(self.suspected_us)?;
        Some(self.first_ack_us?.saturating_sub(from))
    }
}

/// An entry removed from a rejoining node's log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RolledBack {
    /// When.
    pub t_us: u64,
    /// The node that removed it.
    pub node: NodeId,
    /// The entry.
    pub entry: Entry,
    /// Whether a client had been told it succeeded.
    pub acknowledged: bool,
}

/// Lag of one follower over the run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowerLag {
    /// Node name.
    pub node: String,
    /// Largest replay lag, entries.
    pub max_lag_entries: u64,
    /// Mean replay lag, entries.
    pub mean_lag_entries: u64,
    /// Largest replay lag, microseconds.
    pub max_lag_us: u64,
    /// Mean replay lag, microseconds.
    pub mean_lag_us: u64,
}

/// One anomaly found by the checker, explained.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExplainedViolation {
    /// The violation.
    #[serde(flatten)]
    pub violation: Violation,
    /// One sentence for people.
    pub explanation: String,
}

/// Violations found by the checker, by kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViolationCounts {
    /// Read-your-writes violations.
    pub read_your_writes: u64,
    /// Monotonic-reads violations.
    pub monotonic_reads: u64,
    /// Causality (consistent prefix) violations.
    pub causality: u64,
    /// Stale reads as clients saw them.
    pub stale_reads: u64,
    /// Overlapping acknowledgements by two leaders.
    pub split_brain: u64,
    /// Acknowledged writes missing at the end.
    pub lost_acknowledged_writes: u64,
    /// Writes committed on the leader only, because their session
    /// cancelled the wait for the synchronous standbys: acknowledged, but
    /// not covered by synchronous replication.
    #[serde(default)]
    pub committed_unreplicated: u64,
    /// Of the lost acknowledged writes, those committed unreplicated.
    #[serde(default)]
    pub lost_committed_unreplicated: u64,
}

/// The figures of one workload class.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassReport {
    /// Class name (`default` for a `[workload]` without classes).
    pub name: String,
    /// Its sessions.
    pub sessions: u16,
    /// Writes its sessions issued.
    pub writes_attempted: u64,
    /// Writes its sessions were told succeeded (those committed
    /// unreplicated included).
    pub writes_acknowledged: u64,
    /// Writes that failed or were given up on.
    pub writes_failed: u64,
    /// Writes whose session gave up waiting.
    pub writes_client_timeout: u64,
    /// Writes answered, after the session's cancel, as committed on the
    /// leader but not replicated (also in `writes_acknowledged`).
    pub writes_committed_unreplicated: u64,
    /// Commit latency of its acknowledged writes.
    pub commit_latency: LatencySummary,
    /// Reads answered.
    pub reads_ok: u64,
    /// Reads not answered.
    pub reads_failed: u64,
    /// Latency of its answered reads.
    pub read_latency: LatencySummary,
    /// Acknowledged writes per simulated second.
    pub write_throughput_per_s: u64,
    /// Answered reads per simulated second.
    pub read_throughput_per_s: u64,
    /// Open loop: operations the schedule offered.
    pub arrivals: u64,
    /// Open loop: arrivals dropped after waiting a second for a free
    /// session.
    pub arrivals_shed: u64,
    /// Open loop: arrivals still waiting in the backlog at the end.
    pub arrivals_waiting: u64,
    /// Open loop: how long started operations waited for a free session
    /// after their scheduled time (pgbench's schedule lag).
    pub schedule_lag: LatencySummary,
}

/// A figure of a workload class that an `[[expect]]` entry with `class`
/// may bound.
pub type ClassMetric = (&'static str, fn(&ClassReport) -> u64);

/// Every figure of a class that an `[[expect]]` entry with `class` may
/// bound. The names mean what they mean in [`METRICS`], for that class's
/// sessions only.
pub const CLASS_METRICS: &[ClassMetric] = &[
    ("writes_attempted", |c| c.writes_attempted),
    ("writes_acknowledged", |c| c.writes_acknowledged),
    ("writes_failed", |c| c.writes_failed),
    ("writes_client_timeout", |c| c.writes_client_timeout),
    ("writes_committed_unreplicated", |c| {
        c.writes_committed_unreplicated
    }),
    ("commit_p50_ms", |c| c.commit_latency.p50_us / 1_000),
    ("commit_p99_ms", |c| c.commit_latency.p99_us / 1_000),
    ("commit_max_ms", |c| c.commit_latency.max_us / 1_000),
    ("commit_p50_us", |c| c.commit_latency.p50_us),
    ("commit_p99_us", |c| c.commit_latency.p99_us),
    ("reads_ok", |c| c.reads_ok),
    ("reads_failed", |c| c.reads_failed),
    ("read_p50_ms", |c| c.read_latency.p50_us / 1_000),
    ("write_throughput_per_s", |c| c.write_throughput_per_s),
    ("read_throughput_per_s", |c| c.read_throughput_per_s),
    ("arrivals", |c| c.arrivals),
    ("arrivals_shed", |c| c.arrivals_shed),
    ("schedule_lag_max_ms", |c| c.schedule_lag.max_us / 1_000),
];

/// The names of [`CLASS_METRICS`], in order.
pub fn class_metric_names() -> impl Iterator<Item = &'static str> {
    CLASS_METRICS.iter().map(|(name, _)| *name)
}

impl ClassReport {
    /// The value of a named figure of this class.
    pub fn metric(&self, name: &str) -> Option<i64> {
        CLASS_METRICS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, read)| read(self).min(i64::MAX as u64) as i64)
    }
}

/// Outcome of one `[[expect]]` entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpectationResult {
    /// Metric name.
    pub metric: String,
    /// The workload class it bounds (absent: the whole run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    /// Its value in this run.
    pub value: i64,
    /// Lower bound.
    pub min: Option<i64>,
    /// Upper bound.
    pub max: Option<i64>,
    /// Whether the value is within bounds.
    pub passed: bool,
}

/// Everything `replica run` reports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// Scenario name.
    pub scenario: String,
    /// Seed used.
    pub seed: u64,
    /// Simulated time covered.
    pub duration_us: u64,
    /// Events processed.
    pub events: u64,
    /// Writes issued by clients.
    pub writes_attempted: u64,
    /// Writes acknowledged.
    pub writes_acknowledged: u64,
    /// Writes that failed.
    pub writes_failed: u64,
    /// Writes refused up front (not enough in-sync followers).
    pub writes_refused: u64,
    /// Writes failed by a quorum time-out (they stay on the leader).
    pub writes_quorum_timeout: u64,
    /// Writes whose client gave up waiting.
    pub writes_client_timeout: u64,
    /// Writes answered, after their session's cancel, as committed on the
    /// leader but not replicated (counted in `writes_acknowledged` too).
    #[serde(default)]
    pub writes_committed_unreplicated: u64,
    /// Commit latency of acknowledged writes.
    pub commit_latency: LatencySummary,
    /// Reads answered.
    pub reads_ok: u64,
    /// Reads not answered.
    pub reads_failed: u64,
    /// Reads answered by followers.
    pub follower_reads: u64,
    /// Followers re-cloned from a full copy.
    pub reclones: u64,
    /// Values another client read whose write the surviving log lacks
    /// (MySQL AFTER_COMMIT's phantom reads). Needs the checker.
    pub phantom_reads: u64,
    /// Reads that returned an older version than the leader had.
    pub stale_reads: u64,
    /// Worst staleness in time.
    pub max_stale_us: u64,
    /// Worst staleness in LSNs.
    pub max_stale_lsn: u64,
    /// Read latency.
    pub read_latency: LatencySummary,
    /// Acknowledged writes per simulated second.
    pub write_throughput_per_s: u64,
    /// Answered reads per simulated second.
    pub read_throughput_per_s: u64,
    /// Per follower lag.
    pub followers: Vec<FollowerLag>,
    /// Semi-sync fallbacks and restorations.
    pub policy_changes: Vec<PolicyChange>,
    /// Leader changes.
    pub promotions: Vec<Promotion>,
    /// Log entries rolled back on rejoin.
    pub rolled_back_entries: u64,
    /// The rolled-back entries themselves (the first 1,000), marked when a
    /// client had been told they succeeded.
    pub rolled_back: Vec<RolledBack>,
    /// Rolled-back entries that clients had been told succeeded.
    pub rolled_back_acknowledged: u64,
    /// Acknowledged writes missing from the surviving leader's log.
    pub lost_acknowledged_writes: u64,
    /// Of those, writes that were committed unreplicated: the cancelled
    /// synchronous waits that a failover turned into losses.
    #[serde(default)]
    pub lost_committed_unreplicated: u64,
    /// Promotions while the old leader was still up.
    pub false_failovers: u64,
    /// Time during which two nodes in different epochs accepted writes.
    pub split_brain_us: u64,
    /// Epochs that had two different leaders (must stay 0).
    pub two_leaders_one_epoch: u64,
    /// Write acknowledgements a deposed leader sent after a newer leader
    /// had been promoted.
    pub stale_leader_acks: u64,
    /// Messages sent.
    pub messages_sent: u64,
    /// Messages lost to loss, partitions or dead receivers.
    pub messages_dropped: u64,
    /// Checker findings (all zero when the checker was off).
    pub violations: ViolationCounts,
    /// Open-loop arrivals shed, over all classes.
    #[serde(default)]
    pub arrivals_shed: u64,
    /// Per workload class, in file order (one, `default`, without
    /// classes). The top-level figures are their totals.
    #[serde(default)]
    pub classes: Vec<ClassReport>,
    /// The first violations, explained (at most 50).
    pub violation_examples: Vec<ExplainedViolation>,
    /// Trace hash (0 when not computed).
    pub trace_hash: u64,
    /// Results of the scenario's expectations.
    pub expectations: Vec<ExpectationResult>,
}

/// A figure of the report that an `[[expect]]` entry may bound.
pub type Metric = (&'static str, fn(&Report) -> u64);

/// Every figure an `[[expect]]` entry may bound: its name, and how to read
/// it from a report. Names are what scenario files write.
pub const METRICS: &[Metric] = &[
    ("writes_attempted", |r| r.writes_attempted),
    ("writes_acknowledged", |r| r.writes_acknowledged),
    ("writes_failed", |r| r.writes_failed),
    ("writes_refused", |r| r.writes_refused),
    ("writes_quorum_timeout", |r| r.writes_quorum_timeout),
    ("writes_client_timeout", |r| r.writes_client_timeout),
    ("writes_committed_unreplicated", |r| {
        r.writes_committed_unreplicated
    }),
    ("commit_p50_ms", |r| r.commit_latency.p50_us / 1_000),
    ("commit_p99_ms", |r| r.commit_latency.p99_us / 1_000),
    ("commit_max_ms", |r| r.commit_latency.max_us / 1_000),
    ("commit_p50_us", |r| r.commit_latency.p50_us),
    ("commit_p99_us", |r| r.commit_latency.p99_us),
    ("reads_ok", |r| r.reads_ok),
    ("reads_failed", |r| r.reads_failed),
    ("stale_reads", |r| r.stale_reads),
    ("max_follower_lag_ms", |r| {
        r.followers.iter().map(|f| f.max_lag_us).max().unwrap_or(0) / 1_000
    }),
    ("write_throughput_per_s", |r| r.write_throughput_per_s),
    ("read_throughput_per_s", |r| r.read_throughput_per_s),
    ("policy_fallbacks", |r| {
        r.policy_changes.iter().filter(|c| c.degraded).count() as u64
    }),
    ("policy_restorations", |r| {
        r.policy_changes.iter().filter(|c| !c.degraded).count() as u64
    }),
    ("promotions", |r| r.promotions.len() as u64),
    ("rolled_back_entries", |r| r.rolled_back_entries),
    ("read_your_writes", |r| r.violations.read_your_writes),
    ("monotonic_reads", |r| r.violations.monotonic_reads),
    ("causality", |r| r.violations.causality),
    ("checker_stale_reads", |r| r.violations.stale_reads),
    ("split_brain", |r| r.violations.split_brain),
    ("checker_lost_writes", |r| {
        r.violations.lost_acknowledged_writes
    }),
    ("lost_acknowledged_writes", |r| r.lost_acknowledged_writes),
    ("lost_committed_unreplicated", |r| {
        r.lost_committed_unreplicated
    }),
    ("rolled_back_acknowledged", |r| r.rolled_back_acknowledged),
    ("false_failovers", |r| r.false_failovers),
    ("split_brain_ms", |r| r.split_brain_us / 1_000),
    ("max_unavailability_ms", |r| {
        r.promotions
            .iter()
            .filter_map(|p| p.unavailable_us())
            .max()
            .unwrap_or(0)
            / 1_000
    }),
    ("two_leaders_one_epoch", |r| r.two_leaders_one_epoch),
    ("stale_leader_acks", |r| r.stale_leader_acks),
    ("follower_reads", |r| r.follower_reads),
    ("reclones", |r| r.reclones),
    ("phantom_reads", |r| r.phantom_reads),
    ("arrivals_shed", |r| r.arrivals_shed),
];

/// The names of [`METRICS`], in order.
pub fn metric_names() -> impl Iterator<Item = &'static str> {
    METRICS.iter().map(|(name, _)| *name)
}

impl ExpectationResult {
    /// What it bounds, for people: `metric`, or `class.metric` for one
    /// class's figure.
    pub fn label(&self) -> String {
        match &self.class {
            Some(class) => alloc::format!("{class}.{}", self.metric),
            None => self.metric.clone(),
        }
    }
}

impl Report {
    /// The value of a named figure.
    pub fn metric(&self, name: &str) -> Option<i64> {
        METRICS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, read)| read(self).min(i64::MAX as u64) as i64)
    }

    /// Whether every expectation held.
    pub fn passed(&self) -> bool {
        self.expectations.iter().all(|e| e.passed)
    }
}
