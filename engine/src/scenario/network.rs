//! Decoding `regions` and `[network]`: where endpoints sit and how long a
//! message takes between them.
//!
//! The result is the full `regions × regions` matrix of one-way link specs
//! the network reads, so the simulation never falls back to a default at
//! run time: every pair starts from the in-region or cross-region values
//! and `[[network.links]]` entries override pairs, later entries winning.

use super::defaults::{
    DEFAULT_CROSS_REGION_JITTER_US, DEFAULT_CROSS_REGION_US, DEFAULT_LINK_JITTER_US,
    DEFAULT_LOCAL_JITTER_US, DEFAULT_LOCAL_US, DEFAULT_LOSS_PPM, DEFAULT_REGION,
};
use super::error::{invalid, ScenarioError};
use super::file::NetworkFile;
use super::names::region_index;
use super::units::time_us;
use crate::network::LinkSpec;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

/// Most regions a scenario may name.
const MAX_REGIONS: usize = 16;

/// Loss at or above this many parts per million loses every message.
const PPM: u32 = 1_000_000;

/// The region names: the file's, or the one default region; at most
/// [`MAX_REGIONS`], each distinct.
pub(super) fn regions(names: &[String]) -> Result<Vec<String>, ScenarioError> {
    let regions: Vec<String> = if names.is_empty() {
        vec![DEFAULT_REGION.to_string()]
    } else {
        names.to_vec()
    };
    if regions.len() > MAX_REGIONS {
        return Err(invalid("regions", "more than 16 regions", "use at most 16"));
    }
    for (i, r) in regions.iter().enumerate() {
        if regions[..i].contains(r) {
            return Err(invalid(
                "regions",
                format!("region `{r}` is listed twice"),
                "give each region a distinct name",
            ));
        }
    }
    Ok(regions)
}

/// The link spec of every ordered region pair, row-major
/// (`links[from * regions + to]`).
pub(super) fn links(net: &NetworkFile, regions: &[String]) -> Result<Vec<LinkSpec>, ScenarioError> {
    let local = LinkSpec {
        base_us: time_us("network.local_us", net.local_us.unwrap_or(DEFAULT_LOCAL_US))?,
        jitter_us: time_us(
            "network.local_jitter_us",
            net.local_jitter_us.unwrap_or(DEFAULT_LOCAL_JITTER_US),
        )?,
        loss_ppm: net.loss_ppm.unwrap_or(DEFAULT_LOSS_PPM),
    };
    let cross = LinkSpec {
        base_us: time_us(
            "network.cross_region_us",
            net.cross_region_us.unwrap_or(DEFAULT_CROSS_REGION_US),
        )?,
        jitter_us: time_us(
            "network.cross_region_jitter_us",
            net.cross_region_jitter_us
                .unwrap_or(DEFAULT_CROSS_REGION_JITTER_US),
        )?,
        loss_ppm: net.loss_ppm.unwrap_or(DEFAULT_LOSS_PPM),
    };
    if local.loss_ppm >= PPM {
        return Err(invalid(
            "network.loss_ppm",
            "every message would be lost",
            "use a value below 1000000 (parts per million)",
        ));
    }
    if local.base_us == 0 || cross.base_us == 0 {
        return Err(invalid(
            "network",
            "a link latency of zero is not physical",
            "use at least 1 µs",
        ));
    }
    let r = regions.len();
    let mut links = vec![cross; r * r];
    for i in 0..r {
        links[i * r + i] = local;
    }
    for (k, l) in net.links.iter().enumerate() {
        let path = format!("network.links[{k}]");
        if l.between.len() != 2 {
            return Err(invalid(
                &format!("{path}.between"),
                "needs exactly two regions",
                "write between = [\"a\", \"b\"]",
            ));
        }
        if l.one_way_us == 0 {
            return Err(invalid(
                &format!("{path}.one_way_us"),
                "a link latency of zero is not physical",
                "use at least 1 µs",
            ));
        }
        let a = region_index(regions, &format!("{path}.between"), &l.between[0])? as usize;
        let b = region_index(regions, &format!("{path}.between"), &l.between[1])? as usize;
        let spec = LinkSpec {
            base_us: time_us(&format!("{path}.one_way_us"), l.one_way_us)?,
            jitter_us: time_us(
                &format!("{path}.jitter_us"),
                l.jitter_us.unwrap_or(DEFAULT_LINK_JITTER_US),
            )?,
            loss_ppm: l.loss_ppm.unwrap_or(local.loss_ppm),
        };
        if spec.loss_ppm >= PPM {
            return Err(invalid(
                &format!("{path}.loss_ppm"),
                "every message would be lost",
                "use a value below 1000000",
            ));
        }
        links[a * r + b] = spec;
        links[b * r + a] = spec;
    }
    Ok(links)
}
