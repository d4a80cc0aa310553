//! Accounting: what a run did, observed as it happens.
//!
//! The simulation runs the cluster; the accounting watches it. It is told
//! of every note a node makes, every completed client operation, every
//! read a node serves, every leader a fault hits and every message sent,
//! and keeps the running totals ([`Metrics`]), the leader changes
//! ([`Promotion`]), the commit-policy changes and the rolled-back entries.
//! The figures that depend on the state of the whole cluster at an instant
//! — acknowledged writes lost, per promotion and in all, and the time two
//! leaders accepted writes at once — are computed on demand from the
//! [`Cluster`], so a paused page, a report and an embedding page's event
//! give the same figure at every instant.

use crate::checker::Violation;
use crate::cluster::Cluster;
use crate::history::{OpKind, OpRecord, Outcome};
use crate::message::WriteError;
use crate::metrics::{Histogram, LagStats};
use crate::network::NodeId;
use crate::node::{Note, Role};
use crate::policy::WaitFor;
use crate::report::{PolicyChange, Promotion, RolledBack};
use crate::scenario::Workload;
use crate::store::Version;
use crate::wal::{Entry, Epoch, Lsn, Op};
use alloc::collections::{BTreeMap, VecDeque};
use alloc::vec;
use alloc::vec::Vec;

/// A write a client was told succeeded, kept until every node holds it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct AckedWrite {
    lsn: Lsn,
    epoch: Epoch,
    ack_us: u64,
    /// How the client was told: committed unreplicated after a cancel, or
    /// committed under a `local` class override, or committed as the
    /// cluster's synchronous policy promises.
    promise: Promise,
    value: u64,
}

/// What an acknowledged write's acknowledgement promised about
/// replication.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Promise {
    /// Committed under the cluster's policy: if that policy is synchronous,
    /// the standbys it names hold the write.
    Policy,
    /// Its class waits for the leader's own fsync only (`local`).
    Local,
    /// Its session cancelled the wait: committed on the leader only.
    Unreplicated,
}

/// Running totals of one workload class.
#[derive(Clone, Debug, Default)]
pub struct ClassMetrics {
    /// Writes issued.
    pub writes_attempted: u64,
    /// Writes acknowledged.
    pub writes_acknowledged: u64,
    /// Writes that failed (any reason).
    pub writes_failed: u64,
    /// Writes whose client gave up.
    pub writes_client_timeout: u64,
    /// Writes committed unreplicated after their session's cancel.
    pub writes_committed_unreplicated: u64,
    /// Latency of acknowledged writes.
    pub commit_latency: Histogram,
    /// Reads answered.
    pub reads_ok: u64,
    /// Reads that failed.
    pub reads_failed: u64,
    /// Latency of answered reads.
    pub read_latency: Histogram,
    /// Open loop: arrivals that came due.
    pub arrivals: u64,
    /// Open loop: arrivals shed after waiting a second for a session.
    pub arrivals_shed: u64,
    /// Open loop: how long started arrivals waited for a session.
    pub schedule_lag: Histogram,
}

/// Running totals of a run.
#[derive(Clone, Debug, Default)]
pub struct Metrics {
    /// Writes issued.
    pub writes_attempted: u64,
    /// Writes acknowledged.
    pub writes_acknowledged: u64,
    /// Writes that failed (any reason).
    pub writes_failed: u64,
    /// Writes refused up front.
    pub writes_refused: u64,
    /// Writes failed by a quorum time-out (the write stays).
    pub writes_quorum_timeout: u64,
    /// Writes whose client gave up.
    pub writes_client_timeout: u64,
    /// Writes committed unreplicated after their session's cancel (also
    /// counted as acknowledged).
    pub writes_committed_unreplicated: u64,
    /// Latency of acknowledged writes.
    pub commit_latency: Histogram,
    /// Reads answered.
    pub reads_ok: u64,
    /// Reads that failed.
    pub reads_failed: u64,
    /// Reads answered with a version older than the leader's.
    pub stale_reads: u64,
    /// Largest staleness of a stale read, in time.
    pub max_stale_us: u64,
    /// Largest staleness of a stale read, in LSNs.
    pub max_stale_lsn: u64,
    /// Latency of answered reads.
    pub read_latency: Histogram,
    /// Per node: replay lag while following.
    pub lag: Vec<LagStats>,
    /// Semi-sync fallbacks and restorations.
    pub policy_changes: Vec<PolicyChange>,
    /// Leader changes as they happened; their lost-write fields are filled
    /// in by [`Accounting::promotions`].
    pub promotions: Vec<Promotion>,
    /// How many entries were removed from a log on rejoin.
    pub rolled_back_entries: u64,
    /// Messages sent / dropped.
    pub messages_sent: u64,
    /// Messages dropped by loss, partitions or dead receivers.
    pub messages_dropped: u64,
    /// The entries removed from rejoining logs (the first
    /// [`MAX_KEPT_VIOLATIONS`]).
    pub rolled_back: Vec<RolledBack>,
    /// Rolled-back entries that clients had been told succeeded.
    pub rolled_back_acknowledged: u64,
    /// Reads answered by a node that was not the leader.
    pub follower_reads: u64,
    /// Followers re-cloned because they fell out of the retained log.
    pub reclones: u64,
    /// Elections or promotions while the old leader was up.
    pub false_failovers: u64,
    /// Times a node was leader of an epoch another node also led.
    pub two_leaders_one_epoch: u64,
    /// Write acknowledgements a leader sent after a leader of a newer
    /// epoch had been promoted: the client was told success by a deposed
    /// leader. What fencing is there to prevent.
    pub stale_leader_acks: u64,
    /// The first violations the checker found (at most
    /// [`MAX_KEPT_VIOLATIONS`]; the checker's counts cover all of them).
    pub violations: Vec<Violation>,
    /// Open-loop arrivals shed, over all classes.
    pub arrivals_shed: u64,
    /// Per workload class, in the workload's order.
    pub classes: Vec<ClassMetrics>,
}

/// Acknowledged writes tracked for loss accounting, at most.
const MAX_TRACKED_ACKS: usize = 1_000_000;

/// How many violations a run keeps for display and reports.
pub const MAX_KEPT_VIOLATIONS: usize = 1_000;

/// What the accounting keeps besides the running totals.
#[derive(Clone, Debug)]
pub struct Accounting {
    metrics: Metrics,
    /// Acknowledged writes not yet held by every node.
    acked: VecDeque<AckedWrite>,
    /// When the current leader was last hit by a fault.
    leader_lost_at_us: Option<u64>,
    /// When the failure detector first suspected the current leader.
    suspected_at_us: Option<u64>,
    /// `(node, epoch, first, last)` times each leader accepted writes.
    accept_spans: Vec<(NodeId, Epoch, u64, u64)>,
    /// The leader of each epoch seen so far.
    epoch_leaders: BTreeMap<Epoch, NodeId>,
    /// The leader the run started with.
    initial_leader: NodeId,
    /// Per workload class: its writes wait for the leader's fsync only.
    local_classes: Vec<bool>,
}

impl Accounting {
    /// Accounts for a cluster of `nodes` that starts led by `leader`, and
    /// for the classes of `workload`.
    pub fn new(nodes: usize, leader: NodeId, workload: &Workload) -> Self {
        Accounting {
            metrics: Metrics {
                lag: vec![LagStats::default(); nodes],
                classes: vec![ClassMetrics::default(); workload.classes.len()],
                ..Metrics::default()
            },
            acked: VecDeque::new(),
            leader_lost_at_us: None,
            suspected_at_us: None,
            accept_spans: Vec::new(),
            epoch_leaders: BTreeMap::from([(1, leader)]),
            initial_leader: leader,
            local_classes: workload
                .classes
                .iter()
                .map(|c| c.wait() == Some(WaitFor::Local))
                .collect(),
        }
    }

    /// The running totals.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    // ------------------------------------------------------------------
    // What the accounting is told
    // ------------------------------------------------------------------

    /// A node made a note.
    pub(crate) fn on_note(&mut self, t_us: u64, node: NodeId, note: Note, cluster: &Cluster) {
        let m = &mut self.metrics;
        match note {
            Note::DegradedToAsync | Note::SyncRestored => m.policy_changes.push(PolicyChange {
                t_us,
                node,
                degraded: note == Note::DegradedToAsync,
            }),
            Note::RefusedWrite => m.writes_refused += 1,
            Note::RolledBack { entry } => self.on_rolled_back(t_us, node, entry),
            Note::LeaderSuspected { .. } if self.suspected_at_us.is_none() => {
                self.suspected_at_us = Some(t_us);
            }
            Note::RoleChanged {
                role: Role::Leader,
                epoch,
            } => self.on_promotion(t_us, node, epoch, cluster),
            _ => {}
        }
    }

    fn on_rolled_back(&mut self, t_us: u64, node: NodeId, entry: Entry) {
        let m = &mut self.metrics;
        m.rolled_back_entries += 1;
        let value = match entry.op {
            Op::Put { value, .. } => Some(value),
            Op::Delete { .. } => None,
        };
        let acknowledged = value.is_some_and(|v| {
            self.acked
                .iter()
                .any(|a| a.value == v && a.epoch == entry.epoch)
        });
        if acknowledged {
            m.rolled_back_acknowledged += 1;
            if let Some(p) = m.promotions.last_mut() {
                p.rolled_back_acknowledged += 1;
            }
        }
        if m.rolled_back.len() < MAX_KEPT_VIOLATIONS {
            m.rolled_back.push(RolledBack {
                t_us,
                node,
                entry,
                acknowledged,
            });
        }
    }

    fn on_promotion(&mut self, t_us: u64, node: NodeId, epoch: Epoch, cluster: &Cluster) {
        let m = &mut self.metrics;
        let old = self
            .epoch_leaders
            .range(..epoch)
            .next_back()
            .map_or(self.initial_leader, |(_, n)| *n);
        match self.epoch_leaders.get(&epoch) {
            Some(other) if *other != node => m.two_leaders_one_epoch += 1,
            _ => {
                self.epoch_leaders.insert(epoch, node);
            }
        }
        let alive = old != node && cluster.is_up(old);
        if alive {
            m.false_failovers += 1;
        }
        m.promotions.push(Promotion {
            t_us,
            node,
            epoch,
            old_leader: old,
            leader_lost_us: self.leader_lost_at_us.take(),
            suspected_us: self.suspected_at_us.take(),
            old_leader_alive: alive,
            first_ack_us: None,
            lost_acknowledged_writes: 0,
            lost_span_us: None,
            rolled_back_acknowledged: 0,
        });
    }

    /// A leader of `epoch` told a client its write succeeded (committed, or
    /// committed on the leader only after a cancel).
    pub(crate) fn on_write_acknowledged(&mut self, epoch: Epoch) {
        if self.epoch_leaders.range(epoch + 1..).next().is_some() {
            self.metrics.stale_leader_acks += 1;
        }
    }

    /// A leader appended an entry of `epoch`: it accepts writes.
    pub(crate) fn on_leader_append(&mut self, t_us: u64, node: NodeId, epoch: Epoch) {
        match self
            .accept_spans
            .iter_mut()
            .rev()
            .find(|s| s.0 == node && s.1 == epoch)
        {
            Some(span) => span.3 = t_us,
            None => self.accept_spans.push((node, epoch, t_us, t_us)),
        }
    }

    /// A fault hit the current leader (crash, cut, spike, slow disk).
    pub(crate) fn on_leader_hit(&mut self, t_us: u64) {
        if self.leader_lost_at_us.is_none() {
            self.leader_lost_at_us = Some(t_us);
        }
    }

    /// A client of workload class `class` issued a write.
    pub(crate) fn on_write_issued(&mut self, class: u8) {
        self.metrics.writes_attempted += 1;
        self.metrics.classes[class as usize].writes_attempted += 1;
    }

    /// An open-loop arrival of `class` came due.
    pub(crate) fn on_arrival(&mut self, class: u8) {
        self.metrics.classes[class as usize].arrivals += 1;
    }

    /// `n` open-loop arrivals of `class` were shed: they waited a second
    /// for a session.
    pub(crate) fn on_arrivals_shed(&mut self, class: u8, n: u64) {
        self.metrics.arrivals_shed += n;
        self.metrics.classes[class as usize].arrivals_shed += n;
    }

    /// An open-loop arrival of `class` started on a session `lag_us` after
    /// it was due.
    pub(crate) fn on_arrival_started(&mut self, class: u8, lag_us: u64) {
        self.metrics.classes[class as usize]
            .schedule_lag
            .record(lag_us);
    }

    /// A message was sent; `dropped` if the network lost it at once.
    pub(crate) fn on_sent(&mut self, dropped: bool) {
        self.metrics.messages_sent += 1;
        if dropped {
            self.metrics.messages_dropped += 1;
        }
    }

    /// A message arrived at a node that is down.
    pub(crate) fn on_lost_delivery(&mut self) {
        self.metrics.messages_dropped += 1;
    }

    /// A follower started a re-clone.
    pub(crate) fn on_reclone(&mut self) {
        self.metrics.reclones += 1;
    }

    /// A follower's replay lag was sampled.
    pub(crate) fn on_lag_sample(&mut self, node: NodeId, entries: u64, us: u64) {
        self.metrics.lag[node as usize].sample(entries, us);
    }

    /// The checker found a violation (the first ones are kept).
    pub(crate) fn on_violation(&mut self, v: Violation) {
        if self.metrics.violations.len() < MAX_KEPT_VIOLATIONS {
            self.metrics.violations.push(v);
        }
    }

    /// A client operation of workload class `class` completed.
    pub(crate) fn on_op(&mut self, op: &OpRecord, class: u8, cluster: &Cluster) {
        let m = &mut self.metrics;
        let c = &mut m.classes[class as usize];
        match (op.kind, op.outcome) {
            (OpKind::Write, Outcome::Ok | Outcome::CommittedUnreplicated) => {
                let promise = if op.outcome == Outcome::CommittedUnreplicated {
                    c.writes_committed_unreplicated += 1;
                    m.writes_committed_unreplicated += 1;
                    Promise::Unreplicated
                } else if self.local_classes[class as usize] {
                    Promise::Local
                } else {
                    Promise::Policy
                };
                c.writes_acknowledged += 1;
                c.commit_latency.record(op.latency_us());
                m.writes_acknowledged += 1;
                m.commit_latency.record(op.latency_us());
                for p in m.promotions.iter_mut().rev() {
                    if p.first_ack_us.is_some() {
                        break;
                    }
                    if op.epoch >= p.epoch {
                        p.first_ack_us = Some(op.complete_us);
                    }
                }
                self.acked.push_back(AckedWrite {
                    lsn: op.lsn,
                    epoch: op.epoch,
                    ack_us: op.complete_us,
                    promise,
                    value: op.value.unwrap_or(0),
                });
            }
            (OpKind::Write, Outcome::WriteFailed { error }) => {
                c.writes_failed += 1;
                m.writes_failed += 1;
                match error {
                    WriteError::QuorumTimeout => m.writes_quorum_timeout += 1,
                    WriteError::ClientTimeout => {
                        c.writes_client_timeout += 1;
                        m.writes_client_timeout += 1;
                    }
                    _ => {}
                }
            }
            (OpKind::Read, Outcome::Ok) => {
                c.reads_ok += 1;
                c.read_latency.record(op.latency_us());
                m.reads_ok += 1;
                if cluster.node(op.node).role() != Role::Leader {
                    m.follower_reads += 1;
                }
                m.read_latency.record(op.latency_us());
            }
            _ => {
                c.reads_failed += 1;
                m.reads_failed += 1;
            }
        }
    }

    /// Ground truth of a read `node` is about to answer with version
    /// `served` of `key`: is there a newer version on the leader?
    pub(crate) fn on_read_served(
        &mut self,
        now_us: u64,
        node: NodeId,
        key: u32,
        served: Version,
        cluster: &Cluster,
    ) {
        let Some(leader) = cluster.current_leader() else {
            return;
        };
        if leader == node {
            return;
        }
        let l = cluster.node(leader);
        let newest = l.read(key);
        // Versions order by epoch first: a deposed leader's higher LSN is
        // older than the new leader's lower one.
        if (newest.epoch, newest.lsn) > (served.epoch, served.lsn) {
            let behind_lsn = l
                .wal()
                .applied
                .saturating_sub(cluster.node(node).wal().applied);
            // How long the newer version has existed (0 when its entry has
            // left the retained log and its time is unknown).
            let behind_us = l
                .wal()
                .get(newest.lsn)
                .map_or(0, |e| now_us.saturating_sub(e.written_at_us));
            let m = &mut self.metrics;
            m.stale_reads += 1;
            m.max_stale_lsn = m.max_stale_lsn.max(behind_lsn);
            m.max_stale_us = m.max_stale_us.max(behind_us);
        }
    }

    /// Forgets acknowledged writes that every node now holds durably: no
    /// future leader can lack them.
    pub(crate) fn prune_acked(&mut self, cluster: &Cluster) {
        while let Some(a) = self.acked.front() {
            let everywhere = cluster.nodes().all(|n| {
                let w = n.wal();
                w.flushed >= a.lsn && w.epoch_at(a.lsn) == Some(a.epoch)
            });
            if everywhere || self.acked.len() > MAX_TRACKED_ACKS {
                self.acked.pop_front();
            } else {
                break;
            }
        }
    }

    // ------------------------------------------------------------------
    // Figures computed on demand
    // ------------------------------------------------------------------

    /// Acknowledged writes the authoritative log lacks right now, with
    /// their acknowledgement times. Only writes of the authoritative node's
    /// epoch or older are judged: a deposed leader that has not yet heard
    /// of a newer epoch cannot speak for that epoch's writes.
    fn lost_acks<'a>(&'a self, cluster: &'a Cluster) -> impl Iterator<Item = &'a AckedWrite> + 'a {
        let node = cluster.node(cluster.authoritative_node());
        let (wal, epoch) = (node.wal(), node.epoch().max(node.wal().last_epoch()));
        self.acked
            .iter()
            .filter(move |a| a.epoch <= epoch && wal.epoch_at(a.lsn) != Some(a.epoch))
    }

    fn lost_ack_times<'a>(&'a self, cluster: &'a Cluster) -> impl Iterator<Item = u64> + 'a {
        self.lost_acks(cluster).map(|a| a.ack_us)
    }

    /// Acknowledged writes the authoritative log lacks right now.
    pub fn lost_acknowledged_writes(&self, cluster: &Cluster) -> u64 {
        self.lost_acks(cluster).count() as u64
    }

    /// Of those, the writes committed unreplicated after a cancel.
    pub fn lost_committed_unreplicated(&self, cluster: &Cluster) -> u64 {
        self.lost_acks(cluster)
            .filter(|a| a.promise == Promise::Unreplicated)
            .count() as u64
    }

    /// Of those, the writes acknowledged as committed under the cluster's
    /// policy: neither committed unreplicated after a cancel nor written by
    /// a class whose own `synchronous_commit` is `local`. These are the
    /// writes a synchronous policy with fencing must never lose.
    pub fn lost_policy_committed_writes(&self, cluster: &Cluster) -> u64 {
        self.lost_acks(cluster)
            .filter(|a| a.promise == Promise::Policy)
            .count() as u64
    }

    /// The leader changes so far, each with the acknowledged writes it has
    /// lost as of now: every write the authoritative log lacks counts
    /// against the first promotion at or after its acknowledgement (or the
    /// last one, for writes a deposed leader acknowledged later).
    pub fn promotions(&self, cluster: &Cluster) -> Vec<Promotion> {
        let mut promos = self.metrics.promotions.clone();
        for t in self.lost_ack_times(cluster) {
            let i = promos
                .iter()
                .position(|p| p.t_us >= t)
                .or(promos.len().checked_sub(1));
            if let Some(p) = i.map(|i| &mut promos[i]) {
                p.lost_acknowledged_writes += 1;
                p.lost_span_us = Some(p.lost_span_us.map_or((t, t), |(a, b)| (a.min(t), b.max(t))));
            }
        }
        promos
    }

    /// Time so far during which two leaders of different epochs both
    /// accepted writes.
    pub fn split_brain_us(&self) -> u64 {
        let spans = &self.accept_spans;
        let mut overlap = 0;
        for (i, a) in spans.iter().enumerate() {
            for b in &spans[i + 1..] {
                if a.0 != b.0 && a.1 != b.1 {
                    overlap += a.3.min(b.3).saturating_sub(a.2.max(b.2));
                }
            }
        }
        overlap
    }

    /// `(node, epoch, first, last)`: when each leader appended client
    /// writes, the spans [`Accounting::split_brain_us`] compares.
    pub fn accept_spans(&self) -> &[(NodeId, Epoch, u64, u64)] {
        &self.accept_spans
    }

    /// Whether any leader ever fell back to asynchronous commit (after
    /// which losing acknowledged writes is allowed).
    pub fn policy_ever_degraded(&self) -> bool {
        self.metrics.policy_changes.iter().any(|c| c.degraded)
    }
}
