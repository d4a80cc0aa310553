//! Decoding `[workload]`: the closed-loop client sessions, where they sit
//! and what they ask for.
//!
//! Sessions are numbered from 0 (as `clients:A-B` in partition groups
//! counts them) and placed in the listed regions in turn; with no list they
//! sit with the initial leader.

use super::defaults::{
    default_hot_keys, default_think_jitter_us, DEFAULT_HOT_PERCENT, DEFAULT_KEYS,
    DEFAULT_READ_PERCENT, DEFAULT_REQUEST_TIMEOUT_MS, DEFAULT_SESSIONS, DEFAULT_START_MS,
    DEFAULT_THINK_TIME_US,
};
use super::error::{invalid, ScenarioError};
use super::file::WorkloadFile;
use super::names::region_index;
use super::units::{ms_to_us, time_us};
use crate::client::Workload;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

/// Most client sessions a scenario may run.
const MAX_SESSIONS: u16 = 1024;

/// The decoded `[workload]`.
pub(super) struct Sessions {
    /// Number of sessions.
    pub count: u16,
    /// Region of each session.
    pub regions: Vec<u8>,
    /// What every session does.
    pub workload: Workload,
}

/// Decodes the workload of a run of `duration_us` whose initial leader
/// sits in `leader_region`.
pub(super) fn sessions(
    w: &WorkloadFile,
    regions: &[String],
    leader_region: u8,
    duration_us: u64,
) -> Result<Sessions, ScenarioError> {
    let sessions = w.sessions.unwrap_or(DEFAULT_SESSIONS);
    if sessions == 0 || sessions > MAX_SESSIONS {
        return Err(invalid(
            "workload.sessions",
            format!("{sessions} sessions"),
            "use between 1 and 1024",
        ));
    }
    let read_percent = w.read_percent.unwrap_or(DEFAULT_READ_PERCENT);
    if read_percent > 100 {
        return Err(invalid(
            "workload.read_percent",
            format!("{read_percent} %"),
            "use 0 to 100",
        ));
    }
    let hot_percent = w.hot_percent.unwrap_or(DEFAULT_HOT_PERCENT);
    if hot_percent > 100 {
        return Err(invalid(
            "workload.hot_percent",
            "over 100 %",
            "use 0 to 100",
        ));
    }
    let keys = w.keys.unwrap_or(DEFAULT_KEYS);
    if keys > crate::store::MAX_KEYS {
        return Err(invalid(
            "workload.keys",
            format!("{keys} keys"),
            format!("use at most {}", crate::store::MAX_KEYS),
        ));
    }
    if keys == 0 {
        return Err(invalid("workload.keys", "zero keys", "use at least 1"));
    }
    let session_region_names = w.regions.clone().unwrap_or_default();
    let mut session_regions = Vec::new();
    for s in 0..sessions as usize {
        let r = if session_region_names.is_empty() {
            leader_region
        } else {
            region_index(
                regions,
                "workload.regions",
                &session_region_names[s % session_region_names.len()],
            )?
        };
        session_regions.push(r);
    }
    let think_time_us = w.think_time_us.unwrap_or(DEFAULT_THINK_TIME_US);
    let workload = Workload {
        think_us: time_us("workload.think_time_us", think_time_us)?,
        think_jitter_us: time_us(
            "workload.think_jitter_us",
            w.think_jitter_us
                .unwrap_or(default_think_jitter_us(think_time_us)),
        )?,
        read_percent,
        keys,
        hot_percent,
        hot_keys: w.hot_keys.unwrap_or(default_hot_keys(keys)),
        request_timeout_us: ms_to_us(
            "workload.request_timeout_ms",
            w.request_timeout_ms.unwrap_or(DEFAULT_REQUEST_TIMEOUT_MS),
        )?,
        stop_at_us: match w.stop_ms {
            Some(s) => ms_to_us("workload.stop_ms", s)?,
            None => duration_us,
        },
        start_at_us: ms_to_us("workload.start_ms", w.start_ms.unwrap_or(DEFAULT_START_MS))?,
    };
    Ok(Sessions {
        count: sessions,
        regions: session_regions,
        workload,
    })
}
