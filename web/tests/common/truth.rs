//! Ground truth, read from the engine directly: the facts the page must
//! show for a scenario, seed, list of interventions and instant.
//!
//! This deliberately does not use the page's view model or its probe of
//! the engine: it runs its own simulation and reads the engine's state
//! itself, so a test comparing the page (or the view model) with it can
//! fail. The native view-model test and the page's oracle
//! (`web/examples/truth.rs`, called by `tests/e2e/oracle.test.mjs`) both
//! use it.

#![allow(dead_code)]

use replica_engine::checker::ViolationKind;
use replica_engine::history::OpKind;
use replica_engine::message::WriteError;
use replica_engine::network::{Addr, NodeId};
use replica_engine::node::Role;
use replica_engine::policy::{AckPoint, OnUnmet, Quorum};
use replica_engine::routing::ReadRouting;
use replica_engine::scenario::{FailoverMode, Fencing};
use replica_engine::{Scenario, Simulation};
use replica_web::log::{Change, Intervention};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One node as it must be shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeTruth {
    /// Name.
    pub name: String,
    /// `leader`, `follower` or `candidate`.
    pub role: String,
    /// Epoch.
    pub epoch: u32,
    /// `up`, `down`, `fenced`, `refusing`, `stale-leader`, `isolated`,
    /// `partitioned`.
    pub state: String,
    /// Log positions.
    pub written: u64,
    /// Log positions.
    pub flushed: u64,
    /// Log positions.
    pub applied: u64,
    /// Its failure detector, as the engine has it; `None` for a leader, a
    /// node that is down, or manual mode.
    pub detector: Option<DetectorTruth>,
}

/// A follower's failure detector.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DetectorTruth {
    /// Silence from the leader (or the leader key's age), µs.
    pub elapsed_us: u64,
    /// Where the leader is suspected, µs.
    pub limit_us: u64,
    /// Gave up on the leader.
    pub suspects: bool,
}

/// Write totals.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WritesTruth {
    /// Acknowledged.
    pub acked: u64,
    /// Failed.
    pub failed: u64,
    /// Acknowledged, then lost (now).
    pub lost: u64,
    /// Acknowledged as committed unreplicated, after a cancel.
    pub unreplicated: u64,
    /// Of the lost, those committed unreplicated.
    pub lost_unreplicated: u64,
}

/// The commit policy's state at the leader.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyTruth {
    /// `async`, `sync`, `degraded`, `no-leader`.
    pub state: String,
    /// Writes waiting for standbys.
    pub waiting: u32,
}

/// One promotion.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromotionTruth {
    /// New leader.
    pub node: String,
    /// Its epoch.
    pub epoch: u32,
    /// Acknowledged writes lost with it, now.
    pub lost: u64,
}

/// What the settings controls must show.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControlsTruth {
    /// `async`, `first`, `any`, `semisync`.
    pub commit_mode: String,
    /// Standbys to wait for (not for async).
    pub k: Option<u8>,
    /// Standby names, in priority order (not for async).
    pub standbys: Option<Vec<String>>,
    /// `remote_write`, `on`, `remote_apply` (not for async).
    pub ack: Option<String>,
    /// Semi-sync fall-back, ms.
    pub semisync_timeout_ms: Option<u64>,
    /// `[routing] reads` key.
    pub routing: String,
    /// The routing's window in effect, ms (leader after a write, position
    /// wait, maximum staleness), none for a routing without one.
    pub routing_window_ms: Option<u64>,
    /// `manual`, `election`, `patroni`.
    pub failover_mode: String,
    /// Detector timeout in effect, ms.
    pub failover_timeout_ms: u64,
    /// `none`, `epoch`, `stonith`, `lease`.
    pub fencing: String,
}

/// Everything the oracle compares.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Truth {
    /// Simulated time.
    pub t_us: u64,
    /// Events processed.
    pub events: u64,
    /// Trace hash (hex), when hashing was on.
    pub hash: String,
    /// The current leader's name (empty: none).
    pub leader: String,
    /// Every node.
    pub nodes: Vec<NodeTruth>,
    /// Write totals.
    pub writes: WritesTruth,
    /// Time two leaders, in different epochs, both accepted client writes.
    pub split_brain_us: u64,
    /// Anomalies by kind key (kinds with none left out).
    pub anomalies: BTreeMap<String, u64>,
    /// Policy state.
    pub policy: PolicyTruth,
    /// Promotions, oldest first.
    pub promotions: Vec<PromotionTruth>,
    /// Controls.
    pub controls: ControlsTruth,
}

fn kind_key(k: ViolationKind) -> &'static str {
    match k {
        ViolationKind::ReadYourWrites => "read_your_writes",
        ViolationKind::MonotonicReads => "monotonic_reads",
        ViolationKind::Causality => "causality",
        ViolationKind::StaleRead => "stale_read",
        ViolationKind::SplitBrain => "split_brain",
        ViolationKind::LostWrite => "lost_write",
    }
}

/// A fresh simulation as the page builds one (checker, trace hash), with
/// the operation history kept too.
pub fn simulation(scenario: &Scenario, seed: u64) -> Simulation {
    let mut sim = Simulation::with_seed(scenario.clone(), seed);
    sim.enable_checker();
    sim.enable_trace_hash();
    sim.enable_history();
    sim
}

/// Runs `sim` to `t_us`, applying the interventions of `log` at exactly
/// their point (their event count, then their time).
pub fn run_to(sim: &mut Simulation, log: &[Intervention], t_us: u64) {
    for iv in log.iter().filter(|iv| iv.t_us <= t_us) {
        if iv.t_us < sim.now_us() || iv.events < sim.events {
            continue;
        }
        while sim.events < iv.events && sim.next_event_us().is_some_and(|e| e <= iv.t_us) {
            sim.step();
        }
        if sim.now_us() < iv.t_us {
            sim.run_until(iv.t_us);
        }
        match &iv.change {
            Change::Fault(f) => sim.apply_fault(*f),
            Change::Policy { main, .. } => sim.set_policy(main.clone()),
            Change::Routing(r) => sim.set_routing(*r),
        }
    }
    sim.run_until(t_us);
}

fn cut(sim: &Simulation, a: NodeId, b: NodeId) -> bool {
    sim.net.is_cut(Addr::Node(a), Addr::Node(b)) || sim.net.is_cut(Addr::Node(b), Addr::Node(a))
}

fn node_state(sim: &Simulation, i: usize, leader: Option<NodeId>) -> &'static str {
    let n = sim.node(i as NodeId);
    let now = sim.now_us();
    if !sim.is_up(i as NodeId) {
        return "down";
    }
    if n.role() == Role::Leader {
        match n.refusal(now) {
            Some(WriteError::Fenced) => return "fenced",
            Some(WriteError::NotEnoughReplicas) => return "refusing",
            _ => {}
        }
        if leader.is_some_and(|l| l as usize != i) {
            return "stale-leader";
        }
    }
    let others: Vec<NodeId> = (0..sim.nodes().len() as NodeId)
        .filter(|o| *o as usize != i)
        .collect();
    if !others.is_empty() && others.iter().all(|&o| cut(sim, i as NodeId, o)) {
        return "isolated";
    }
    if let Some(l) = leader {
        if l as usize != i && cut(sim, l, i as NodeId) {
            return "partitioned";
        }
    }
    "up"
}

fn controls(sc: &Scenario) -> ControlsTruth {
    let p = &sc.policy;
    let names = |ids: &[NodeId]| -> Vec<String> {
        ids.iter()
            .filter_map(|n| sc.nodes.get(*n as usize).map(|x| x.name.clone()))
            .collect()
    };
    let (mode, k, standbys) = match (&p.quorum, p.on_unmet) {
        (Quorum::None, _) => ("async", None, None),
        (Quorum::First { k, standbys } | Quorum::Any { k, standbys }, OnUnmet::Degrade { .. }) => {
            ("semisync", Some((*k).max(1)), Some(names(standbys)))
        }
        (Quorum::First { k, standbys }, _) => ("first", Some((*k).max(1)), Some(names(standbys))),
        (Quorum::Any { k, standbys }, _) => ("any", Some((*k).max(1)), Some(names(standbys))),
    };
    let waits = mode != "async";
    ControlsTruth {
        commit_mode: mode.into(),
        k,
        standbys,
        ack: waits.then(|| {
            match p.ack {
                AckPoint::Written => "remote_write",
                AckPoint::Flushed => "on",
                AckPoint::Applied => "remote_apply",
            }
            .into()
        }),
        semisync_timeout_ms: match p.on_unmet {
            OnUnmet::Degrade { after_us } if mode == "semisync" => Some(after_us / 1_000),
            _ => None,
        },
        routing: match sc.routing {
            ReadRouting::Leader => "leader",
            ReadRouting::AnyFollower { .. } => "any_follower",
            ReadRouting::Nearest => "nearest",
            ReadRouting::Sticky => "sticky",
            ReadRouting::LeaderAfterWrite { .. } => "leader_after_write",
            ReadRouting::PositionToken { .. } => "position_token",
            ReadRouting::BoundedStaleness { .. } => "bounded_staleness",
        }
        .into(),
        routing_window_ms: match sc.routing {
            ReadRouting::LeaderAfterWrite { window_us: us, .. }
            | ReadRouting::PositionToken { wait_us: us, .. }
            | ReadRouting::BoundedStaleness { max_lag_us: us, .. } => Some(us / 1_000),
            _ => None,
        },
        failover_mode: match sc.failover.mode {
            FailoverMode::Manual => "manual",
            FailoverMode::Election => "election",
            FailoverMode::Manager => "manager",
        }
        .into(),
        failover_timeout_ms: match sc.failover.mode {
            FailoverMode::Manager => sc.failover.ttl_us / 1_000,
            _ => sc.failover.election_timeout_us / 1_000,
        },
        fencing: match sc.failover.fencing {
            Fencing::None => "none",
            Fencing::Epoch => "epoch",
            Fencing::Stonith => "stonith",
            Fencing::Lease => "lease",
        }
        .into(),
    }
}

/// The facts of `sim` as it is now.
pub fn truth(sim: &Simulation) -> Truth {
    let leader = sim.current_leader();
    let name = |n: NodeId| sim.scenario.nodes[n as usize].name.clone();
    let nodes = sim
        .nodes()
        .enumerate()
        .map(|(i, n)| NodeTruth {
            name: name(i as NodeId),
            role: match n.role() {
                Role::Leader => "leader",
                Role::Candidate => "candidate",
                _ => "follower",
            }
            .into(),
            epoch: n.epoch(),
            state: node_state(sim, i, leader).into(),
            written: n.wal().written,
            flushed: n.wal().flushed,
            applied: n.wal().applied,
            detector: sim.failure_detector(i as NodeId).map(|d| DetectorTruth {
                elapsed_us: d.elapsed_us,
                limit_us: d.limit_us,
                suspects: d.suspects,
            }),
        })
        .collect();
    let counts = sim.checker.as_ref().map(|c| c.counts).unwrap_or_default();
    let anomalies = ViolationKind::ALL
        .iter()
        .zip(counts)
        .filter(|(_, c)| *c > 0)
        .map(|(k, c)| (kind_key(*k).to_string(), c))
        .collect();
    let policy = match leader {
        None => PolicyTruth {
            state: "no-leader".into(),
            waiting: 0,
        },
        Some(l) => {
            let n = sim.node(l);
            if n.cfg().policy.is_async() {
                PolicyTruth {
                    state: "async".into(),
                    waiting: 0,
                }
            } else if n.degraded() {
                PolicyTruth {
                    state: "degraded".into(),
                    waiting: 0,
                }
            } else {
                PolicyTruth {
                    state: "sync".into(),
                    waiting: n.pending_writes(),
                }
            }
        }
    };
    Truth {
        t_us: sim.now_us(),
        events: sim.events,
        hash: format!("{:016x}", sim.trace_hash()),
        leader: leader.map(name).unwrap_or_default(),
        nodes,
        writes: WritesTruth {
            acked: sim.metrics().writes_acknowledged,
            failed: sim.metrics().writes_failed,
            lost: sim.lost_acknowledged_writes(),
            unreplicated: sim.metrics().writes_committed_unreplicated,
            lost_unreplicated: sim.accounting().lost_committed_unreplicated(sim.cluster()),
        },
        split_brain_us: sim.split_brain_us(),
        anomalies,
        policy,
        promotions: sim
            .promotions()
            .iter()
            .map(|p| PromotionTruth {
                node: name(p.node),
                epoch: p.epoch,
                lost: p.lost_acknowledged_writes,
            })
            .collect(),
        controls: controls(&sim.scenario),
    }
}

/// Whether two nodes, in different epochs, acknowledged writes to
/// clients at overlapping times (from the history the run kept).
pub fn acks_overlap(sim: &Simulation) -> bool {
    let mut spans: Vec<((NodeId, u32), (u64, u64))> = Vec::new();
    for op in sim.history.iter().flatten() {
        if op.kind != OpKind::Write || !op.ok() {
            continue;
        }
        let k = (op.node, op.epoch);
        match spans.iter_mut().find(|(key, _)| *key == k) {
            Some((_, s)) => s.1 = s.1.max(op.complete_us),
            None => spans.push((k, (op.complete_us, op.complete_us))),
        }
    }
    spans.iter().enumerate().any(|(i, (a, sa))| {
        spans[i + 1..]
            .iter()
            .any(|(b, sb)| a.0 != b.0 && a.1 != b.1 && sa.0 <= sb.1 && sb.0 <= sa.1)
    })
}
