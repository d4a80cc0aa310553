//! Decoding `[[nodes]]` and `[defaults]`: the database nodes, their disks
//! and replay costs, and which one leads at the start.
//!
//! Each key of a node resolves in three steps: the node's own value, then
//! `[defaults]`, then the built-in default, so a cluster of similar nodes
//! is written once. `name` and `leader` describe a single node and are
//! refused in `[defaults]`. No nodes at all means three nodes `n1`…`n3`,
//! the first leading.

use super::defaults::{
    default_node_name, DEFAULT_APPLY_DELAY_MS, DEFAULT_APPLY_US, DEFAULT_CAPACITY_OPS,
    DEFAULT_CLOCK_DRIFT_PPM, DEFAULT_DISK_WRITE_US, DEFAULT_FSYNC_JITTER_US, DEFAULT_FSYNC_US,
    DEFAULT_NODE_COUNT, DEFAULT_PRIORITY,
};
use super::error::{invalid, ScenarioError};
use super::faults::CLIENTS;
use super::file::NodeFile;
use super::model::{DiskSpec, NodeSpec};
use super::names::region_index;
use super::units::{ms_to_us, quantiles, time_us};
use crate::delay::Quantiles;
use crate::network::NodeId;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

/// Fewest nodes a cluster may have: a leader and one follower.
const MIN_NODES: usize = 2;
/// Most nodes a cluster may have (node sets are 64-bit masks, and the
/// page draws at most this many).
const MAX_NODES: usize = 32;

/// The nodes and the initial leader.
pub(super) struct Cluster {
    /// Every node, in file order.
    pub nodes: Vec<NodeSpec>,
    /// The node marked `leader`, or the first.
    pub leader: NodeId,
}

impl Cluster {
    /// Every node but the initial leader, in node order.
    pub fn followers(&self) -> Vec<NodeId> {
        (0..self.nodes.len() as NodeId)
            .filter(|n| *n != self.leader)
            .collect()
    }
}

/// Decodes the node list against the region names.
pub(super) fn cluster(
    files: &[NodeFile],
    d: &NodeFile,
    regions: &[String],
) -> Result<Cluster, ScenarioError> {
    let node_files: Vec<NodeFile> = if files.is_empty() {
        (0..DEFAULT_NODE_COUNT as usize)
            .map(|i| NodeFile {
                name: Some(default_node_name(i)),
                ..NodeFile::default()
            })
            .collect()
    } else {
        files.to_vec()
    };
    if node_files.len() < MIN_NODES || node_files.len() > MAX_NODES {
        return Err(invalid(
            "nodes",
            format!("{} nodes", node_files.len()),
            "use between 2 and 32 nodes",
        ));
    }
    if d.name.is_some() || d.leader.is_some() {
        return Err(invalid(
            "defaults",
            "`name` and `leader` describe one node, not every node",
            "set them in a [[nodes]] entry",
        ));
    }
    let mut nodes = Vec::new();
    let mut leader = None;
    for (i, n) in node_files.iter().enumerate() {
        let path = format!("nodes[{i}]");
        let name = n.name.clone().unwrap_or_else(|| default_node_name(i));
        if nodes.iter().any(|x: &NodeSpec| x.name == name) || name == CLIENTS {
            return Err(invalid(
                &format!("{path}.name"),
                format!("node name `{name}` is taken"),
                "give each node a distinct name other than `clients`",
            ));
        }
        let region = match n.region.as_ref().or(d.region.as_ref()) {
            Some(rn) => region_index(regions, &format!("{path}.region"), rn)?,
            None => 0,
        };
        if n.leader.unwrap_or(false) {
            if leader.is_some() {
                return Err(invalid(
                    &format!("{path}.leader"),
                    "two nodes are marked leader",
                    "mark exactly one node `leader = true`",
                ));
            }
            leader = Some(i as NodeId);
        }
        nodes.push(node(&path, name, region, n, d)?);
    }
    Ok(Cluster {
        nodes,
        leader: leader.unwrap_or(0),
    })
}

/// One node's settings: its own value, else `[defaults]`, else built in.
fn node(
    path: &str,
    name: String,
    region: u8,
    n: &NodeFile,
    d: &NodeFile,
) -> Result<NodeSpec, ScenarioError> {
    let capacity = n
        .capacity_ops
        .or(d.capacity_ops)
        .unwrap_or(DEFAULT_CAPACITY_OPS);
    let disk = DiskSpec {
        write_us: time_us(
            &format!("{path}.disk_write_us"),
            n.disk_write_us
                .or(d.disk_write_us)
                .unwrap_or(DEFAULT_DISK_WRITE_US),
        )?,
        fsync_us: time_us(
            &format!("{path}.fsync_us"),
            n.fsync_us.or(d.fsync_us).unwrap_or(DEFAULT_FSYNC_US),
        )?,
        fsync_jitter_us: time_us(
            &format!("{path}.fsync_jitter_us"),
            n.fsync_jitter_us
                .or(d.fsync_jitter_us)
                .unwrap_or(DEFAULT_FSYNC_JITTER_US),
        )?,
        fsync_tail: fsync_tail(path, n, d)?,
    };
    Ok(NodeSpec {
        name,
        region,
        disk,
        apply_us: time_us(
            &format!("{path}.apply_us"),
            n.apply_us.or(d.apply_us).unwrap_or(DEFAULT_APPLY_US),
        )?,
        apply_delay_us: ms_to_us(
            &format!("{path}.apply_delay_ms"),
            n.apply_delay_ms
                .or(d.apply_delay_ms)
                .unwrap_or(DEFAULT_APPLY_DELAY_MS),
        )?,
        service_us: 1_000_000u64.checked_div(capacity).map_or(0, |s| s.max(1)),
        priority: n.priority.or(d.priority).unwrap_or(DEFAULT_PRIORITY),
        clock_drift_ppm: n
            .clock_drift_ppm
            .or(d.clock_drift_ppm)
            .unwrap_or(DEFAULT_CLOCK_DRIFT_PPM),
    })
}

/// The node's fsync table, if it or `[defaults]` gives one. The most
/// specific level decides: a node that sets `fsync_us` or
/// `fsync_jitter_us` uses them even when `[defaults]` has a table, and one
/// level may not give both forms.
fn fsync_tail(path: &str, n: &NodeFile, d: &NodeFile) -> Result<Option<Quantiles>, ScenarioError> {
    for (level, f) in [(path.to_string(), n), ("defaults".to_string(), d)] {
        let uniform = f.fsync_us.is_some() || f.fsync_jitter_us.is_some();
        match (&f.fsync_percentiles_us, uniform) {
            (Some(_), true) => {
                return Err(invalid(
                    &format!("{level}.fsync_percentiles_us"),
                    "given with `fsync_us` or `fsync_jitter_us`",
                    "give either the table or a base and jitter",
                ))
            }
            (Some(values), false) => {
                let p = format!("{level}.fsync_percentiles_us");
                return quantiles(&p, values, 0).map(Some);
            }
            (None, true) => return Ok(None),
            (None, false) => {}
        }
    }
    Ok(None)
}
