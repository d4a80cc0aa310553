//! Decoding `[[faults]]`: the schedule of crashes, partitions, slow disks
//! and latency spikes.
//!
//! A fault entry is one flat table whose `action` decides which other keys
//! it takes; a key the action does not take is an error rather than being
//! ignored, so `node = "n2"` on `kill_leader` cannot be mistaken for a
//! targeted crash. Partition groups name nodes, `clients` (every session)
//! or one session range `clients:A-B`.

use super::error::{invalid, ScenarioError};
use super::file::FaultFile;
use super::model::{FaultAction, Group, NodeSpec, ScheduledFault};
use super::names::node_index;
use super::units::ms_to_us;
use crate::network::NodeId;
use alloc::format;
use alloc::string::ToString;
use alloc::vec::Vec;

/// Decodes the schedule, sorted by time (faults at the same time keep
/// their file order).
pub(super) fn schedule(
    entries: &[FaultFile],
    nodes: &[NodeSpec],
) -> Result<Vec<ScheduledFault>, ScenarioError> {
    let mut faults = Vec::new();
    for (k, ff) in entries.iter().enumerate() {
        let path = format!("faults[{k}]");
        faults.push(ScheduledFault {
            at_us: ms_to_us(&format!("{path}.at_ms"), ff.at_ms)?,
            action: action(&path, ff, nodes)?,
        });
    }
    faults.sort_by_key(|f| f.at_us);
    Ok(faults)
}

fn action(path: &str, f: &FaultFile, nodes: &[NodeSpec]) -> Result<FaultAction, ScenarioError> {
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
        node_index(nodes, &format!("{path}.node"), name)
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
                    out[g].nodes |= 1u64 << node_index(nodes, &p, name)?;
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
