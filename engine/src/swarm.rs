//! Swarm testing: random clusters under random faults, from a seed.
//!
//! [`generate`] draws a whole scenario from one seed — node count, regions
//! and latencies, disks, commit policy, routing, workload (with classes,
//! closed or open loop), failover manager,
//! fencing, and a schedule of crashes, restarts, one-way and two-way
//! partitions, latency spikes, slow disks and (with leases) clock drift.
//! [`check`] runs it with the safety invariants checked after every event,
//! then a liveness phase: faults stop, everything heals and restarts, the
//! workload stops, and every live node must have converged to the leader's
//! log by the end. The same seed always yields the same scenario and the
//! same trace hash, so a failure is reproduced by its seed alone.
//!
//! The "no acknowledged write lost" invariant is only claimed where it
//! holds by construction: synchronous policies whose quorum (leader plus
//! `k` acknowledgements) is a majority under elections, or the manager's
//! synchronous mode, always with fencing and without a semi-sync fallback.

use crate::invariant;
use crate::rng::Rng;
use crate::scenario::{
    ClassFile, ExpectFile, FailoverFile, FailoverMode, FaultFile, FaultKind, Fencing, LinkFile,
    NetworkFile, NodeFile, OnQuorumUnmet, PickFollower, PolicyFile, Reads, ReplicationFile,
    RoutingFile, ScenarioFile, SynchronousCommit, WaitPoint, WorkloadFile,
};
use crate::sim::Simulation;
use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

/// When faults stop and everything is healed and restarted.
pub const FAULTS_END_MS: u64 = 3_000;
/// When clients stop issuing operations.
pub const WORKLOAD_END_MS: u64 = 4_500;
/// End of the run: live nodes must have converged by then.
pub const END_MS: u64 = 7_000;

fn pick<T: Copy>(rng: &mut Rng, items: &[T]) -> T {
    items[rng.below(items.len() as u64) as usize]
}

/// A session's own `synchronous_commit`, sometimes: any value, or only
/// `local` where `[policy]`'s `local` keeps no standby list (the validator
/// refuses a session that would wait for one there).
fn draw_session_commit(rng: &mut Rng, standbys_dropped: bool) -> Option<SynchronousCommit> {
    let values = if standbys_dropped {
        &[SynchronousCommit::Local][..]
    } else {
        SynchronousCommit::ALL
    };
    rng.chance_ppm(300_000).then(|| pick(rng, values))
}

/// A cancel, sometimes: always sooner than the shortest request time-out
/// the generator draws (200 ms), as the validator requires.
fn draw_cancel_after_ms(rng: &mut Rng) -> Option<u64> {
    rng.chance_ppm(250_000).then(|| 1 + rng.below(199))
}

/// An open-loop rate: a trickle, a steady load, or more than a few
/// sessions can serve (the backlog then sheds). Rates up to the
/// validator's million per second would only add arrival events.
fn draw_rate_per_s(rng: &mut Rng) -> u32 {
    let (lo, hi) = pick(rng, &[(1, 10), (10, 1_000), (1_000, 20_000)]);
    rng.between(lo, hi) as u32
}

/// The workload's session keys of a swarm scenario, from their own stream
/// of draws (so adding one leaves every other knob of a seed as it was):
/// `[workload]`'s own commit override and cancel, and no class (the
/// `[workload]` table alone) or up to three, each with its own sessions
/// and optionally its own read share, time-out, fixed open-loop rate,
/// commit override and cancel.
fn session_keys(rng: &mut Rng, w: WorkloadFile, policy: &PolicyFile) -> WorkloadFile {
    let standbys_dropped = policy.synchronous_commit == Some(SynchronousCommit::Local)
        && policy
            .synchronous_standby_names
            .as_deref()
            .is_some_and(|n| !n.trim().is_empty());
    let synchronous_commit = draw_session_commit(rng, standbys_dropped);
    let cancel_after_ms = draw_cancel_after_ms(rng);
    let classes = if rng.chance_ppm(400_000) {
        (0..1 + rng.below(3))
            .map(|i| ClassFile {
                name: format!("c{i}"),
                sessions: Some(1 + rng.below(3) as u16),
                read_percent: rng.chance_ppm(500_000).then(|| rng.below(101) as u8),
                rate_per_s: rng.chance_ppm(500_000).then(|| draw_rate_per_s(rng)),
                request_timeout_ms: rng.chance_ppm(300_000).then(|| 200 + rng.below(800)),
                synchronous_commit: draw_session_commit(rng, standbys_dropped),
                cancel_after_ms: draw_cancel_after_ms(rng),
                ..ClassFile::default()
            })
            .collect()
    } else {
        Vec::new()
    };
    WorkloadFile {
        synchronous_commit,
        cancel_after_ms,
        classes,
        ..w
    }
}

/// A long-tailed delay table around a median of `median_us`: p99 four
/// times the median, the maximum thirty times.
fn tail_table(median_us: u64) -> Vec<u64> {
    let m = median_us.max(2);
    vec![m / 2, m, 2 * m, 4 * m, 10 * m, 30 * m]
}

/// A commit policy drawn from everything the validator accepts: no
/// quorum, or FIRST or ANY `k` of all followers or of a few named ones,
/// at any ack point; any behaviour when the quorum does not answer; either
/// wait point; and, independently, a minimum of in-sync followers.
fn draw_policy(rng: &mut Rng, names: &[String]) -> PolicyFile {
    let followers: Vec<&String> = names.iter().skip(1).collect();
    let standbys = if rng.chance_ppm(500_000) {
        String::from("*")
    } else {
        let chosen: Vec<&str> = followers
            .iter()
            .filter(|_| rng.chance_ppm(600_000))
            .map(|s| s.as_str())
            .collect();
        if chosen.is_empty() {
            followers[0].clone()
        } else {
            chosen.join(", ")
        }
    };
    let listed = if standbys == "*" {
        followers.len()
    } else {
        standbys.split(", ").count()
    };
    let k = 1 + rng.below(listed as u64);
    let names_value = match rng.below(3) {
        0 => String::new(),
        1 => format!("FIRST {k} ({standbys})"),
        _ => format!("ANY {k} ({standbys})"),
    };
    let synchronous_commit = pick(
        rng,
        &[
            SynchronousCommit::Local,
            SynchronousCommit::RemoteWrite,
            SynchronousCommit::On,
            SynchronousCommit::On,
            SynchronousCommit::RemoteApply,
        ],
    );
    PolicyFile {
        // With no names every write is asynchronous, whatever this says,
        // as in PostgreSQL.
        synchronous_commit: Some(synchronous_commit),
        synchronous_standby_names: Some(names_value),
        on_quorum_unmet: Some(pick(
            rng,
            &[
                OnQuorumUnmet::Block,
                OnQuorumUnmet::Error,
                OnQuorumUnmet::DegradeToAsync,
            ],
        )),
        quorum_timeout_ms: Some(50 + rng.below(500)),
        wait_point: Some(pick(rng, &[WaitPoint::AfterSync, WaitPoint::AfterCommit])),
        min_replicas_to_write: rng
            .chance_ppm(200_000)
            .then(|| 1 + rng.below(followers.len() as u64) as u8),
        min_replicas_max_lag_ms: Some(100 + rng.below(1_000)),
    }
}

/// The scenario of swarm seed `seed`.
pub fn generate(seed: u64) -> ScenarioFile {
    let mut session_rng = Rng::new(seed ^ 0x434c_4153_5345_5300);
    let mut rng = Rng::new(seed ^ 0x5157_4152_4d00_0000);
    let n = 2 + rng.below(5) as usize; // 2..=6 nodes
    let region_count = 1 + rng.below(3) as usize;
    let regions: Vec<String> = (0..region_count).map(|r| format!("r{r}")).collect();
    let mut links = Vec::new();
    for a in 0..region_count {
        for b in a + 1..region_count {
            let one_way_us = 2_000 + rng.below(60_000);
            let jitter_us = rng.below(5_000);
            // Sometimes a long-tailed link instead of a uniform one.
            let tail = rng.chance_ppm(250_000).then(|| tail_table(one_way_us));
            links.push(LinkFile {
                between: vec![regions[a].clone(), regions[b].clone()],
                one_way_us: tail.is_none().then_some(one_way_us),
                jitter_us: tail.is_none().then_some(jitter_us),
                percentiles_us: tail,
                loss_ppm: None,
            });
        }
    }
    let names: Vec<String> = (0..n).map(|i| format!("n{i}")).collect();
    let mode = pick(
        &mut rng,
        &[
            FailoverMode::Manual,
            FailoverMode::Election,
            FailoverMode::Election,
            FailoverMode::Manager,
        ],
    );
    let fencing = match mode {
        FailoverMode::Election => pick(
            &mut rng,
            &[
                Fencing::None,
                Fencing::Epoch,
                Fencing::Epoch,
                Fencing::Stonith,
                Fencing::Lease,
            ],
        ),
        FailoverMode::Manager | FailoverMode::Manual => {
            pick(&mut rng, &[Fencing::None, Fencing::Epoch, Fencing::Stonith])
        }
    };
    let mut nodes: Vec<NodeFile> = names
        .iter()
        .enumerate()
        .map(|(i, name)| NodeFile {
            name: Some(name.clone()),
            region: Some(regions[rng.below(region_count as u64) as usize].clone()),
            leader: Some(i == 0),
            fsync_us: Some(200 + rng.below(3_000)),
            apply_us: Some(10 + rng.below(300)),
            apply_delay_ms: if rng.chance_ppm(100_000) {
                Some(rng.below(300))
            } else {
                None
            },
            // Some nodes may never lead; the first always may, so that a
            // leader can exist once everything is back.
            priority: Some(if i == 0 {
                1 + rng.below(3) as u8
            } else {
                rng.below(4) as u8
            }),
            // Clocks that run slow (down to a tenth of true speed) or fast.
            clock_drift_ppm: if rng.chance_ppm(200_000) {
                Some(rng.below(1_100_000) as i32 - 900_000)
            } else {
                None
            },
            ..NodeFile::default()
        })
        .collect();
    for node in &mut nodes {
        // Sometimes a disk with a long tail instead of a uniform one.
        if rng.chance_ppm(250_000) {
            node.fsync_percentiles_us = node.fsync_us.take().map(tail_table);
        }
    }
    let policy = draw_policy(&mut rng, &names);
    let routing = RoutingFile {
        reads: Some(pick(
            &mut rng,
            &[
                Reads::Leader,
                Reads::AnyFollower,
                Reads::Nearest,
                Reads::Sticky,
                Reads::LeaderAfterWrite,
                Reads::PositionToken,
                Reads::BoundedStaleness,
            ],
        )),
        pick: Some(pick(
            &mut rng,
            &[PickFollower::Random, PickFollower::RoundRobin],
        )),
        leader_after_write_ms: Some(1 + rng.below(2_000)),
        token_wait_ms: Some(rng.below(500)),
        max_staleness_ms: Some(1 + rng.below(1_000)),
    };
    let timeout_ms = 200 + rng.below(800);
    // The manager's timing, within Patroni's rule loop + 2 × retry ≤ ttl.
    let loop_wait_ms = 50 + rng.below(250);
    let retry_timeout_ms = 25 + rng.below(275);
    let failover = FailoverFile {
        mode: Some(mode),
        heartbeat_interval_ms: Some((timeout_ms / (2 + rng.below(9))).max(1)),
        timeout_ms: Some(timeout_ms),
        discovery_delay_ms: Some(rng.below(200)),
        // Any lease the validator accepts: anywhere in (0, timeout).
        lease_ms: (fencing == Fencing::Lease).then(|| 1 + rng.below(timeout_ms - 1)),
        fencing: Some(fencing),
        ttl_ms: Some(loop_wait_ms + 2 * retry_timeout_ms + rng.below(400)),
        loop_wait_ms: Some(loop_wait_ms),
        retry_timeout_ms: Some(retry_timeout_ms),
        maximum_lag_on_failover: rng.chance_ppm(300_000).then(|| rng.below(300)),
        synchronous_mode: Some(mode == FailoverMode::Manager && rng.chance_ppm(500_000)),
        database_mb: Some(1 + rng.below(30)),
        reclone_mb_per_s: Some(20 + rng.below(200)),
    };
    // The fault schedule: a handful of faults before FAULTS_END_MS.
    let mut faults = Vec::new();
    for _ in 0..rng.below(8) {
        let at_ms = 200 + rng.below(FAULTS_END_MS - 400);
        let node = names[rng.below(n as u64) as usize].clone();
        let fault = match pick(
            &mut rng,
            &[
                FaultKind::Crash,
                FaultKind::KillLeader,
                FaultKind::Restart,
                // An operator's promotion exists only in manual mode.
                if mode == FailoverMode::Manual {
                    FaultKind::Promote
                } else {
                    FaultKind::Restart
                },
                FaultKind::Partition,
                FaultKind::Partition,
                FaultKind::Isolate,
                FaultKind::PartitionLeader,
                FaultKind::SlowDisk,
                FaultKind::LatencySpike,
                FaultKind::HealAll,
            ],
        ) {
            kind @ FaultKind::Crash => FaultFile {
                node: Some(node),
                power_loss: Some(rng.chance_ppm(500_000)),
                ..FaultFile::new(at_ms, kind)
            },
            kind @ FaultKind::KillLeader => FaultFile {
                power_loss: Some(rng.chance_ppm(500_000)),
                ..FaultFile::new(at_ms, kind)
            },
            kind @ (FaultKind::Restart | FaultKind::Isolate | FaultKind::Promote) => FaultFile {
                node: Some(node),
                ..FaultFile::new(at_ms, kind)
            },
            kind @ FaultKind::Partition => {
                let mut a = Vec::new();
                let mut b = Vec::new();
                for name in &names {
                    if rng.chance_ppm(500_000) {
                        a.push(name.clone());
                    } else {
                        b.push(name.clone());
                    }
                }
                if rng.chance_ppm(300_000) {
                    a.push("clients".into());
                }
                FaultFile {
                    between: Some(vec![a, b]),
                    one_way: Some(rng.chance_ppm(300_000)),
                    ..FaultFile::new(at_ms, kind)
                }
            }
            kind @ FaultKind::SlowDisk => FaultFile {
                node: Some(node),
                factor: Some(2 + rng.below(50) as u32),
                duration_ms: Some(100 + rng.below(1_000)),
                ..FaultFile::new(at_ms, kind)
            },
            kind @ FaultKind::LatencySpike => FaultFile {
                node: Some(node),
                extra_ms: Some(10 + rng.below(1_000)),
                duration_ms: Some(100 + rng.below(1_000)),
                ..FaultFile::new(at_ms, kind)
            },
            kind @ (FaultKind::PartitionLeader | FaultKind::HealAll | FaultKind::Heal) => {
                FaultFile::new(at_ms, kind)
            }
        };
        faults.push(fault);
    }
    // Liveness phase: heal everything and restart every node.
    faults.push(FaultFile::new(FAULTS_END_MS, FaultKind::HealAll));
    for name in &names {
        faults.push(FaultFile {
            node: Some(name.clone()),
            ..FaultFile::new(FAULTS_END_MS, FaultKind::Restart)
        });
    }
    ScenarioFile {
        name: Some(format!("swarm-{seed}")),
        description: Some("Generated by the swarm test.".into()),
        seed: Some(seed),
        duration_ms: Some(END_MS),
        sample_interval_ms: None,
        suggested_speed_us_per_ms: None,
        regions,
        network: NetworkFile {
            local_us: Some(200 + rng.below(800)),
            local_jitter_us: Some(rng.below(300)),
            loss_ppm: Some(if rng.chance_ppm(300_000) {
                rng.below(20_000) as u32
            } else {
                0
            }),
            links,
            ..NetworkFile::default()
        },
        defaults: NodeFile::default(),
        nodes,
        policy: policy.clone(),
        routing,
        workload: session_keys(
            &mut session_rng,
            WorkloadFile {
                sessions: Some(1 + rng.below(6) as u16),
                think_time_us: Some(rng.below(20_000)),
                read_percent: Some(rng.below(101) as u8),
                keys: Some(1 + rng.below(50) as u32),
                request_timeout_ms: Some(200 + rng.below(800)),
                stop_ms: Some(WORKLOAD_END_MS),
                ..WorkloadFile::default()
            },
            &policy,
        ),
        replication: ReplicationFile {
            status_interval_ms: Some(50 + rng.below(200)),
            sender_timeout_ms: Some(300 + rng.below(1_000)),
            wal_keep_entries: Some(if rng.chance_ppm(200_000) {
                100 + rng.below(400)
            } else {
                100_000
            }),
            max_in_flight_entries: Some(50 + rng.below(1_000)),
        },
        failover,
        faults,
        expect: Vec::<ExpectFile>::new(),
    }
}

/// Names of fault kinds, for counting.
pub const FAULT_KINDS: [&str; 11] = [
    "crash",
    "restart",
    "promote (operator)",
    "kill_leader",
    "partition (two-way)",
    "partition (one-way)",
    "isolate / partition_leader",
    "heal",
    "slow_disk",
    "latency_spike",
    "clock drift (nodes)",
];

fn fault_kind(a: &crate::scenario::FaultAction) -> usize {
    use crate::scenario::FaultAction as F;
    match a {
        F::Crash { .. } => 0,
        F::Restart { .. } => 1,
        F::Promote { .. } => 2,
        F::KillLeader { .. } => 3,
        F::Partition { one_way: false, .. } => 4,
        F::Partition { one_way: true, .. } => 5,
        F::Isolate { .. } | F::PartitionLeader => 6,
        F::Heal { .. } | F::HealAll => 7,
        F::SlowDisk { .. } => 8,
        F::LatencySpike { .. } => 9,
    }
}

/// What a passing swarm seed produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SwarmRun {
    /// Trace hash of the run.
    pub trace_hash: u64,
    /// Events processed.
    pub events: u64,
    /// Faults injected (scheduled faults, including the healing ones).
    pub faults: u64,
    /// Faults by kind, in [`FAULT_KINDS`] order.
    pub faults_by_kind: [u64; FAULT_KINDS.len()],
    /// Leader changes.
    pub promotions: u64,
    /// How long after the run's end every live node had converged.
    pub converged_after_us: u64,
}

/// Runs swarm seed `seed`, checking the invariants after every event and
/// convergence at the end.
pub fn check(seed: u64) -> Result<SwarmRun, String> {
    let file = generate(seed);
    let scenario = file
        .validate()
        .map_err(|e| format!("generated scenario is invalid: {e}"))?;
    let faults = scenario.faults.len() as u64;
    let mut faults_by_kind = [0u64; FAULT_KINDS.len()];
    for f in &scenario.faults {
        faults_by_kind[fault_kind(&f.action)] += 1;
    }
    faults_by_kind[10] = scenario
        .nodes
        .iter()
        .filter(|n| n.clock_drift_ppm != 0)
        .count() as u64;
    let mut sim = Simulation::new(scenario);
    sim.enable_trace_hash();
    invariant::run_checked(&mut sim, END_MS * 1_000)?;
    // The determinism half compares this hash, taken at the run's end.
    let trace_hash = sim.trace_hash();
    // After an operator's promotion nothing repoints the other nodes or
    // the old primary (as in PostgreSQL without a manager), so such a run
    // is not expected to converge; its safety invariants still hold.
    let promoted_by_hand = sim
        .scenario
        .faults
        .iter()
        .any(|f| matches!(f.action, crate::scenario::FaultAction::Promote { .. }));
    let converged_after_us = if promoted_by_hand {
        0
    } else {
        invariant::settle(&mut sim)?
    };
    sim.finish();
    Ok(SwarmRun {
        trace_hash,
        converged_after_us,
        events: sim.events,
        faults,
        faults_by_kind,
        promotions: sim.metrics().promotions.len() as u64,
    })
}

/// Runs swarm seed `seed` without checks and returns its trace hash (the
/// determinism half of the swarm test).
pub fn trace_hash(seed: u64) -> Result<u64, String> {
    let scenario = generate(seed)
        .validate()
        .map_err(|e| format!("generated scenario is invalid: {e}"))?;
    let mut sim = Simulation::new(scenario);
    sim.enable_trace_hash();
    sim.run_until(END_MS * 1_000);
    Ok(sim.trace_hash())
}
