//! Decoding `[[faults]]`: the schedule of crashes, partitions, slow disks
//! and latency spikes.
//!
//! A fault entry is one flat table whose `action` decides which other keys
//! it takes; a key the action does not take is an error rather than being
//! ignored, so `node = "n2"` on `kill_leader` cannot be mistaken for a
//! targeted crash. Partition groups name nodes, `clients` (every session)
//! or one session range `clients:A-B`.

use super::defaults::{DEFAULT_ONE_WAY, DEFAULT_POWER_LOSS};
use super::error::{invalid, ScenarioError};
use super::file::FaultFile;
use super::model::{FaultAction, Group, NodeSpec, ScheduledFault};
use super::names::node_index;
use super::units::ms_to_us;
use super::values::{FailoverMode, FaultKind};
use crate::network::NodeId;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

/// The partition-group member that means every client session.
pub(super) const CLIENTS: &str = "clients";
/// The prefix of a session range, `clients:A-B`.
const SESSION_RANGE: &str = "clients:";

/// Decodes the schedule, sorted by time (faults at the same time keep
/// their file order).
pub(super) fn schedule(
    entries: &[FaultFile],
    nodes: &[NodeSpec],
    mode: FailoverMode,
) -> Result<Vec<ScheduledFault>, ScenarioError> {
    let mut faults = Vec::new();
    for (k, ff) in entries.iter().enumerate() {
        let path = format!("faults[{k}]");
        if ff.action == FaultKind::Promote && mode != FailoverMode::Manual {
            return Err(invalid(
                &format!("{path}.action"),
                format!(
                    "`promote` is an operator's promotion (pg_ctl promote), but under `{mode}` the cluster promotes on its own"
                ),
                "use failover mode = \"manual\", or crash or cut the leader and let the cluster fail over",
            ));
        }
        faults.push(ScheduledFault {
            at_us: ms_to_us(&format!("{path}.at_ms"), ff.at_ms)?,
            action: action(&path, ff, nodes)?,
        });
    }
    faults.sort_by_key(|f| f.at_us);
    Ok(faults)
}

/// The keys besides `at_ms` and `action` that a kind of fault takes.
fn takes(kind: FaultKind) -> &'static [&'static str] {
    match kind {
        FaultKind::Crash => &["node", "power_loss"],
        FaultKind::Restart | FaultKind::Isolate | FaultKind::Promote => &["node"],
        FaultKind::KillLeader => &["power_loss"],
        FaultKind::Partition => &["between", "one_way"],
        FaultKind::Heal => &["between"],
        FaultKind::HealAll | FaultKind::PartitionLeader => &[],
        FaultKind::SlowDisk => &["node", "factor", "duration_ms"],
        FaultKind::LatencySpike => &["node", "extra_ms", "duration_ms"],
    }
}

/// One entry's action, after refusing any key its kind does not take.
fn action(path: &str, f: &FaultFile, nodes: &[NodeSpec]) -> Result<FaultAction, ScenarioError> {
    let kind = f.action;
    let used = takes(kind);
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
            format!("`{kind}` does not take `{key}`"),
            if used.is_empty() {
                "remove it".to_string()
            } else {
                format!("it takes: {}", used.join(", "))
            },
        ));
    }
    let node = || -> Result<NodeId, ScenarioError> {
        let p = format!("{path}.node");
        let name = f.node.as_deref().ok_or_else(|| {
            invalid(
                &p,
                format!("`{kind}` needs a node"),
                "add node = \"<name>\"",
            )
        })?;
        node_index(nodes, &p, name)
    };
    let groups = || groups(&format!("{path}.between"), f.between.as_deref(), nodes);
    let duration_us = || -> Result<u64, ScenarioError> {
        let p = format!("{path}.duration_ms");
        match f.duration_ms {
            Some(d) if d > 0 => ms_to_us(&p, d),
            _ => Err(invalid(
                &p,
                "missing or zero",
                "add duration_ms = <how long>",
            )),
        }
    };
    let power_loss = f.power_loss.unwrap_or(DEFAULT_POWER_LOSS);
    Ok(match kind {
        FaultKind::Crash => FaultAction::Crash {
            node: node()?,
            power_loss,
        },
        FaultKind::Restart => FaultAction::Restart { node: node()? },
        FaultKind::Promote => FaultAction::Promote { node: node()? },
        FaultKind::KillLeader => FaultAction::KillLeader { power_loss },
        FaultKind::Partition => {
            let (a, b) = groups()?;
            FaultAction::Partition {
                a,
                b,
                one_way: f.one_way.unwrap_or(DEFAULT_ONE_WAY),
            }
        }
        FaultKind::Heal => {
            let (a, b) = groups()?;
            FaultAction::Heal { a, b }
        }
        FaultKind::HealAll => FaultAction::HealAll,
        FaultKind::Isolate => FaultAction::Isolate { node: node()? },
        FaultKind::PartitionLeader => FaultAction::PartitionLeader,
        FaultKind::SlowDisk => {
            let node = node()?;
            let p = format!("{path}.factor");
            let factor = f
                .factor
                .filter(|x| *x > 0)
                .ok_or_else(|| invalid(&p, "missing or zero", "add factor = 10 (times slower)"))?;
            FaultAction::SlowDisk {
                node,
                factor,
                duration_us: duration_us()?,
            }
        }
        FaultKind::LatencySpike => {
            let node = node()?;
            let p = format!("{path}.extra_ms");
            let extra_ms = f
                .extra_ms
                .ok_or_else(|| invalid(&p, "missing", "add extra_ms = <added one-way latency>"))?;
            FaultAction::LatencySpike {
                node,
                extra_us: ms_to_us(&p, extra_ms)?,
                duration_us: duration_us()?,
            }
        }
    })
}

/// The two groups of a `partition` or `heal`.
fn groups(
    path: &str,
    between: Option<&[Vec<String>]>,
    nodes: &[NodeSpec],
) -> Result<(Group, Group), ScenarioError> {
    let fix = "write between = [[\"n1\"], [\"n2\", \"clients\"]]";
    let b = between.ok_or_else(|| invalid(path, "missing", fix))?;
    if b.len() != 2 {
        return Err(invalid(path, "needs exactly two groups", fix));
    }
    let mut out = [Group::default(); 2];
    for (g, names) in b.iter().enumerate() {
        for name in names {
            if name == CLIENTS {
                out[g].clients = true;
            } else if let Some(range) = name.strip_prefix(SESSION_RANGE) {
                let (from, to) = session_range(path, name, range)?;
                if out[g].session_to > 0 {
                    return Err(invalid(
                        path,
                        "a group can hold one range of sessions",
                        "merge the ranges, e.g. clients:0-3",
                    ));
                }
                out[g].session_from = from;
                out[g].session_to = to;
            } else {
                out[g].nodes |= 1u64 << node_index(nodes, path, name)?;
            }
        }
    }
    Ok((out[0], out[1]))
}

/// Sessions `A-B` (or `A` alone) of the member `clients:A-B`, as the
/// half-open range `A..B+1`.
fn session_range(path: &str, member: &str, range: &str) -> Result<(u16, u16), ScenarioError> {
    let bad = || {
        invalid(
            path,
            format!("`{member}` is not a session range"),
            "write clients:0-1 for sessions 0 and 1",
        )
    };
    let (lo, hi) = range.split_once('-').unwrap_or((range, range));
    let lo: u16 = lo.trim().parse().map_err(|_| bad())?;
    let hi: u16 = hi.trim().parse().map_err(|_| bad())?;
    if hi < lo || hi == u16::MAX {
        return Err(bad());
    }
    Ok((lo, hi + 1))
}
