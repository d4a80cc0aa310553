//! The summary of a run: what `replica run` prints and `--json` emits.
//!
//! The schema is documented in `docs/report.md`. Every figure named in
//! [`Report::METRICS`] can be bounded by a scenario's `[[expect]]` entries,
//! which is how scenario files check themselves.

use crate::accounting::{PolicyChange, Promotion, RolledBack};
use crate::checker::{Violation, ViolationKind};
use crate::metrics::LatencySummary;
use crate::sim::Simulation;
use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

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
}

/// Outcome of one `[[expect]]` entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpectationResult {
    /// Metric name.
    pub metric: String,
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
    /// Promotions while the old leader was still up.
    pub false_failovers: u64,
    /// Time during which two nodes in different epochs accepted writes.
    pub split_brain_us: u64,
    /// Epochs that had two different leaders (must stay 0).
    pub two_leaders_one_epoch: u64,
    /// Messages sent.
    pub messages_sent: u64,
    /// Messages lost to loss, partitions or dead receivers.
    pub messages_dropped: u64,
    /// Checker findings (all zero when the checker was off).
    pub violations: ViolationCounts,
    /// The first violations, explained (at most 50).
    pub violation_examples: Vec<ExplainedViolation>,
    /// Trace hash (0 when not computed).
    pub trace_hash: u64,
    /// Results of the scenario's expectations.
    pub expectations: Vec<ExpectationResult>,
}

impl Report {
    /// Figures an `[[expect]]` entry may bound.
    pub const METRICS: &'static [&'static str] = &[
        "writes_attempted",
        "writes_acknowledged",
        "writes_failed",
        "writes_refused",
        "writes_quorum_timeout",
        "writes_client_timeout",
        "commit_p50_ms",
        "commit_p99_ms",
        "commit_max_ms",
        "commit_p50_us",
        "commit_p99_us",
        "reads_ok",
        "reads_failed",
        "stale_reads",
        "max_follower_lag_ms",
        "write_throughput_per_s",
        "read_throughput_per_s",
        "policy_fallbacks",
        "policy_restorations",
        "promotions",
        "rolled_back_entries",
        "read_your_writes",
        "monotonic_reads",
        "causality",
        "checker_stale_reads",
        "split_brain",
        "checker_lost_writes",
        "lost_acknowledged_writes",
        "rolled_back_acknowledged",
        "false_failovers",
        "split_brain_ms",
        "max_unavailability_ms",
        "two_leaders_one_epoch",
        "follower_reads",
        "reclones",
        "phantom_reads",
    ];

    /// Builds the report of a finished (or paused) simulation.
    pub fn from_sim(sim: &Simulation) -> Report {
        let m = &sim.metrics();
        let elapsed_us = sim.now_us().max(1);
        let per_s = |n: u64| (n as u128 * 1_000_000 / elapsed_us as u128) as u64;
        let followers = sim
            .scenario
            .nodes
            .iter()
            .enumerate()
            .filter(|(i, _)| m.lag[*i].samples > 0)
            .map(|(i, spec)| FollowerLag {
                node: spec.name.clone(),
                max_lag_entries: m.lag[i].max_entries,
                mean_lag_entries: m.lag[i].mean_entries(),
                max_lag_us: m.lag[i].max_us,
                mean_lag_us: m.lag[i].mean_us(),
            })
            .collect();
        let mut r = Report {
            scenario: sim.scenario.name.clone(),
            seed: sim.scenario.seed,
            duration_us: sim.now_us(),
            events: sim.events,
            writes_attempted: m.writes_attempted,
            writes_acknowledged: m.writes_acknowledged,
            writes_failed: m.writes_failed,
            writes_refused: m.writes_refused,
            writes_quorum_timeout: m.writes_quorum_timeout,
            writes_client_timeout: m.writes_client_timeout,
            commit_latency: m.commit_latency.summary(),
            reads_ok: m.reads_ok,
            reads_failed: m.reads_failed,
            follower_reads: m.follower_reads,
            reclones: m.reclones,
            phantom_reads: sim.checker.as_ref().map_or(0, |c| c.phantom_reads),
            stale_reads: m.stale_reads,
            max_stale_us: m.max_stale_us,
            max_stale_lsn: m.max_stale_lsn,
            read_latency: m.read_latency.summary(),
            write_throughput_per_s: per_s(m.writes_acknowledged),
            read_throughput_per_s: per_s(m.reads_ok),
            followers,
            policy_changes: m.policy_changes.clone(),
            promotions: sim.promotions(),
            rolled_back_entries: m.rolled_back_entries,
            rolled_back: m.rolled_back.clone(),
            rolled_back_acknowledged: m.rolled_back_acknowledged,
            lost_acknowledged_writes: sim.lost_acknowledged_writes(),
            false_failovers: m.false_failovers,
            split_brain_us: sim.split_brain_us(),
            two_leaders_one_epoch: m.two_leaders_one_epoch,
            messages_sent: m.messages_sent,
            messages_dropped: m.messages_dropped,
            violations: sim
                .checker
                .as_ref()
                .map_or_else(ViolationCounts::default, |c| ViolationCounts {
                    read_your_writes: c.count(ViolationKind::ReadYourWrites),
                    monotonic_reads: c.count(ViolationKind::MonotonicReads),
                    causality: c.count(ViolationKind::Causality),
                    stale_reads: c.count(ViolationKind::StaleRead),
                    split_brain: c.count(ViolationKind::SplitBrain),
                    lost_acknowledged_writes: c.count(ViolationKind::LostWrite),
                }),
            violation_examples: {
                let names: Vec<String> =
                    sim.scenario.nodes.iter().map(|n| n.name.clone()).collect();
                sim.metrics()
                    .violations
                    .iter()
                    .filter(|v| v.kind != ViolationKind::StaleRead)
                    .take(50)
                    .map(|v| ExplainedViolation {
                        violation: *v,
                        explanation: v.explain(&names),
                    })
                    .collect()
            },
            trace_hash: sim.trace_hash(),
            expectations: Vec::new(),
        };
        r.expectations = sim
            .scenario
            .expect
            .iter()
            .map(|e| {
                let value = r.metric(&e.metric).unwrap_or(i64::MIN);
                ExpectationResult {
                    metric: e.metric.clone(),
                    value,
                    min: e.min,
                    max: e.max,
                    passed: e.min.is_none_or(|m| value >= m) && e.max.is_none_or(|m| value <= m),
                }
            })
            .collect();
        r
    }

    /// The value of a named figure.
    pub fn metric(&self, name: &str) -> Option<i64> {
        let v = match name {
            "writes_attempted" => self.writes_attempted,
            "writes_acknowledged" => self.writes_acknowledged,
            "writes_failed" => self.writes_failed,
            "writes_refused" => self.writes_refused,
            "writes_quorum_timeout" => self.writes_quorum_timeout,
            "writes_client_timeout" => self.writes_client_timeout,
            "commit_p50_ms" => self.commit_latency.p50_us / 1_000,
            "commit_p99_ms" => self.commit_latency.p99_us / 1_000,
            "commit_max_ms" => self.commit_latency.max_us / 1_000,
            "commit_p50_us" => self.commit_latency.p50_us,
            "commit_p99_us" => self.commit_latency.p99_us,
            "reads_ok" => self.reads_ok,
            "reads_failed" => self.reads_failed,
            "stale_reads" => self.stale_reads,
            "max_follower_lag_ms" => {
                self.followers
                    .iter()
                    .map(|f| f.max_lag_us)
                    .max()
                    .unwrap_or(0)
                    / 1_000
            }
            "write_throughput_per_s" => self.write_throughput_per_s,
            "read_throughput_per_s" => self.read_throughput_per_s,
            "policy_fallbacks" => self.policy_changes.iter().filter(|c| c.degraded).count() as u64,
            "policy_restorations" => {
                self.policy_changes.iter().filter(|c| !c.degraded).count() as u64
            }
            "promotions" => self.promotions.len() as u64,
            "rolled_back_entries" => self.rolled_back_entries,
            "read_your_writes" => self.violations.read_your_writes,
            "monotonic_reads" => self.violations.monotonic_reads,
            "causality" => self.violations.causality,
            "checker_stale_reads" => self.violations.stale_reads,
            "split_brain" => self.violations.split_brain,
            "checker_lost_writes" => self.violations.lost_acknowledged_writes,
            "lost_acknowledged_writes" => self.lost_acknowledged_writes,
            "rolled_back_acknowledged" => self.rolled_back_acknowledged,
            "false_failovers" => self.false_failovers,
            "split_brain_ms" => self.split_brain_us / 1_000,
            "max_unavailability_ms" => {
                self.promotions
                    .iter()
                    .filter_map(|p| p.unavailable_us())
                    .max()
                    .unwrap_or(0)
                    / 1_000
            }
            "two_leaders_one_epoch" => self.two_leaders_one_epoch,
            "follower_reads" => self.follower_reads,
            "reclones" => self.reclones,
            "phantom_reads" => self.phantom_reads,
            _ => return None,
        };
        Some(v.min(i64::MAX as u64) as i64)
    }

    /// Whether every expectation held.
    pub fn passed(&self) -> bool {
        self.expectations.iter().all(|e| e.passed)
    }
}
