//! Building the report of a run: the figures of [`Report`] read off the
//! simulation, its accounting and its checker at the current instant, and
//! the scenario's expectations checked against them.

use super::Simulation;
use crate::checker::ViolationKind;
use crate::report::{
    ClassReport, ExpectationResult, ExplainedViolation, FollowerLag, Report, ViolationCounts,
};
use alloc::string::String;
use alloc::vec::Vec;

impl Simulation {
    /// The report of the run so far (call [`Simulation::finish`] first at
    /// the end of a run).
    pub fn report(&self) -> Report {
        let m = self.metrics();
        let elapsed_us = self.now_us().max(1);
        let per_s = |n: u64| (n as u128 * 1_000_000 / elapsed_us as u128) as u64;
        let followers = self
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
        let classes = self
            .scenario
            .workload
            .classes
            .iter()
            .zip(&m.classes)
            .enumerate()
            .map(|(i, (spec, c))| ClassReport {
                name: spec.name.clone(),
                sessions: spec.sessions,
                writes_attempted: c.writes_attempted,
                writes_acknowledged: c.writes_acknowledged,
                writes_failed: c.writes_failed,
                writes_client_timeout: c.writes_client_timeout,
                writes_committed_unreplicated: c.writes_committed_unreplicated,
                commit_latency: c.commit_latency.summary(),
                reads_ok: c.reads_ok,
                reads_failed: c.reads_failed,
                read_latency: c.read_latency.summary(),
                write_throughput_per_s: per_s(c.writes_acknowledged),
                read_throughput_per_s: per_s(c.reads_ok),
                arrivals: c.arrivals,
                arrivals_shed: c.arrivals_shed,
                arrivals_waiting: self.arrivals(i as u8).map_or(0, |a| a.waiting()),
                schedule_lag: c.schedule_lag.summary(),
            })
            .collect();
        let mut r = Report {
            scenario: self.scenario.name.clone(),
            seed: self.scenario.seed,
            duration_us: self.now_us(),
            events: self.events,
            writes_attempted: m.writes_attempted,
            writes_acknowledged: m.writes_acknowledged,
            writes_failed: m.writes_failed,
            writes_refused: m.writes_refused,
            writes_quorum_timeout: m.writes_quorum_timeout,
            writes_client_timeout: m.writes_client_timeout,
            writes_committed_unreplicated: m.writes_committed_unreplicated,
            commit_latency: m.commit_latency.summary(),
            reads_ok: m.reads_ok,
            reads_failed: m.reads_failed,
            follower_reads: m.follower_reads,
            reclones: m.reclones,
            phantom_reads: self.checker.as_ref().map_or(0, |c| c.phantom_reads),
            stale_reads: m.stale_reads,
            max_stale_us: m.max_stale_us,
            max_stale_lsn: m.max_stale_lsn,
            read_latency: m.read_latency.summary(),
            write_throughput_per_s: per_s(m.writes_acknowledged),
            read_throughput_per_s: per_s(m.reads_ok),
            followers,
            policy_changes: m.policy_changes.clone(),
            promotions: self.promotions(),
            rolled_back_entries: m.rolled_back_entries,
            rolled_back: m.rolled_back.clone(),
            rolled_back_acknowledged: m.rolled_back_acknowledged,
            lost_acknowledged_writes: self.lost_acknowledged_writes(),
            lost_committed_unreplicated: self.accounting.lost_committed_unreplicated(&self.cluster),
            false_failovers: m.false_failovers,
            split_brain_us: self.split_brain_us(),
            two_leaders_one_epoch: m.two_leaders_one_epoch,
            stale_leader_acks: m.stale_leader_acks,
            messages_sent: m.messages_sent,
            messages_dropped: m.messages_dropped,
            violations: self
                .checker
                .as_ref()
                .map_or_else(ViolationCounts::default, |c| ViolationCounts {
                    read_your_writes: c.count(ViolationKind::ReadYourWrites),
                    monotonic_reads: c.count(ViolationKind::MonotonicReads),
                    causality: c.count(ViolationKind::Causality),
                    stale_reads: c.count(ViolationKind::StaleRead),
                    split_brain: c.count(ViolationKind::SplitBrain),
                    lost_acknowledged_writes: c.count(ViolationKind::LostWrite),
                    committed_unreplicated: c.committed_unreplicated,
                    lost_committed_unreplicated: c.lost_committed_unreplicated,
                }),
            violation_examples: {
                let names: Vec<String> =
                    self.scenario.nodes.iter().map(|n| n.name.clone()).collect();
                self.metrics()
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
            arrivals_shed: m.arrivals_shed,
            classes,
            trace_hash: self.trace_hash(),
            expectations: Vec::new(),
        };
        r.expectations = self
            .scenario
            .expect
            .iter()
            .map(|e| {
                let value = match &e.class {
                    None => r.metric(&e.metric),
                    Some(name) => r
                        .classes
                        .iter()
                        .find(|c| c.name == *name)
                        .and_then(|c| c.metric(&e.metric)),
                }
                .unwrap_or(i64::MIN);
                ExpectationResult {
                    metric: e.metric.clone(),
                    class: e.class.clone(),
                    value,
                    min: e.min,
                    max: e.max,
                    passed: e.min.is_none_or(|m| value >= m) && e.max.is_none_or(|m| value <= m),
                }
            })
            .collect();
        r
    }
}
