//! Names, not indices: how a region or node name in the file becomes the
//! index the simulation uses.
//!
//! Standby lists, fault targets, partition groups, node regions and
//! session regions all name things; each lookup here fails with the key
//! path and the list of names that exist, so a typo is one read away from
//! its fix.

use super::error::{invalid, ScenarioError};
use super::model::NodeSpec;
use crate::network::NodeId;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// The index of region `name`.
pub(super) fn region_index(
    regions: &[String],
    path: &str,
    name: &str,
) -> Result<u8, ScenarioError> {
    regions
        .iter()
        .position(|r| r == name)
        .map(|i| i as u8)
        .ok_or_else(|| {
            invalid(
                path,
                format!("unknown region `{name}`"),
                format!("use one of: {}", regions.join(", ")),
            )
        })
}

/// The id of node `name`.
pub(super) fn node_index(
    nodes: &[NodeSpec],
    path: &str,
    name: &str,
) -> Result<NodeId, ScenarioError> {
    nodes
        .iter()
        .position(|n| n.name == name)
        .map(|i| i as NodeId)
        .ok_or_else(|| {
            invalid(
                path,
                format!("unknown node `{name}`"),
                format!(
                    "use one of: {}",
                    nodes
                        .iter()
                        .map(|n| n.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })
}
