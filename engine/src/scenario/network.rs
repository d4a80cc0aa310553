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
use super::units::{quantiles, time_us};
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
    let local = with_tail(
        LinkSpec {
            base_us: time_us("network.local_us", net.local_us.unwrap_or(DEFAULT_LOCAL_US))?,
            jitter_us: time_us(
                "network.local_jitter_us",
                net.local_jitter_us.unwrap_or(DEFAULT_LOCAL_JITTER_US),
            )?,
            loss_ppm: net.loss_ppm.unwrap_or(DEFAULT_LOSS_PPM),
            tail: None,
        },
        "network.local",
        net.local_percentiles_us.as_deref(),
        net.local_us.is_some() || net.local_jitter_us.is_some(),
    )?;
    let cross = with_tail(
        LinkSpec {
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
            tail: None,
        },
        "network.cross_region",
        net.cross_region_percentiles_us.as_deref(),
        net.cross_region_us.is_some() || net.cross_region_jitter_us.is_some(),
    )?;
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
        if l.one_way_us == Some(0) {
            return Err(invalid(
                &format!("{path}.one_way_us"),
                "a link latency of zero is not physical",
                "use at least 1 µs",
            ));
        }
        if l.one_way_us.is_none() && l.percentiles_us.is_none() {
            return Err(invalid(
                &format!("{path}.one_way_us"),
                "missing",
                "give one_way_us (with an optional jitter_us), or percentiles_us",
            ));
        }
        let a = region_index(regions, &format!("{path}.between"), &l.between[0])? as usize;
        let b = region_index(regions, &format!("{path}.between"), &l.between[1])? as usize;
        let spec = with_tail(
            LinkSpec {
                base_us: time_us(&format!("{path}.one_way_us"), l.one_way_us.unwrap_or(0))?,
                jitter_us: time_us(
                    &format!("{path}.jitter_us"),
                    l.jitter_us.unwrap_or(DEFAULT_LINK_JITTER_US),
                )?,
                loss_ppm: l.loss_ppm.unwrap_or(local.loss_ppm),
                tail: None,
            },
            &path,
            l.percentiles_us.as_deref(),
            l.one_way_us.is_some() || l.jitter_us.is_some(),
        )?;
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

/// `spec` with its delay table, when `…percentiles_us` gives one (its
/// median becomes the base latency, which orders nodes by distance). A
/// table and a base or jitter given together are refused.
fn with_tail(
    spec: LinkSpec,
    prefix: &str,
    table: Option<&[u64]>,
    uniform_given: bool,
) -> Result<LinkSpec, ScenarioError> {
    let Some(values) = table else {
        return Ok(spec);
    };
    let path = if prefix.ends_with(']') {
        format!("{prefix}.percentiles_us")
    } else {
        format!("{prefix}_percentiles_us")
    };
    if uniform_given {
        return Err(invalid(
            &path,
            "given with a base latency or jitter for the same link",
            "give either the table or a base and jitter",
        ));
    }
    let tail = quantiles(&path, values, 1)?;
    Ok(LinkSpec {
        base_us: tail.median_us(),
        jitter_us: 0,
        tail: Some(tail),
        ..spec
    })
}
