//! Decoding `[workload]` and `[[workload.classes]]`: the client sessions,
//! where they sit, what they ask for, and at what pace.
//!
//! Without classes, `[workload]` is one class named `default`. With
//! classes, each class takes the keys it does not set from `[workload]`,
//! then from the built-in defaults. Sessions are numbered from 0 across
//! the classes in file order (as `clients:A-B` in partition groups counts
//! them), and placed in the listed regions in turn; with no list they sit
//! with the initial leader.

use super::defaults::{
    default_hot_keys, default_think_jitter_us, DEFAULT_CANCEL_AFTER_MS, DEFAULT_CLASS_NAME,
    DEFAULT_HOT_PERCENT, DEFAULT_KEYS, DEFAULT_READ_PERCENT, DEFAULT_REQUEST_TIMEOUT_MS,
    DEFAULT_SESSIONS, DEFAULT_START_MS, DEFAULT_THINK_TIME_US,
};
use super::error::{invalid, ScenarioError};
use super::file::{ClassFile, WorkloadFile};
use super::model::{Workload, WorkloadClass};
use super::names::region_index;
use super::units::{ms_to_us, time_us};
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

/// Most client sessions a scenario may run, over all classes.
pub const MAX_SESSIONS: u16 = 1024;

/// Most workload classes.
pub const MAX_CLASSES: usize = 16;

/// Highest open-loop rate of one class: one operation per microsecond.
pub const MAX_RATE_PER_S: u32 = 1_000_000;

/// The decoded `[workload]`.
pub(super) struct Sessions {
    /// Number of sessions.
    pub count: u16,
    /// Region of each session.
    pub regions: Vec<u8>,
    /// What the sessions do.
    pub workload: Workload,
}

/// Decodes the workload of a run of `duration_us` whose initial leader
/// sits in `leader_region`. `standbys_dropped`: `[policy]` names standbys
/// but sets `synchronous_commit = "local"`, so the cluster keeps no list of
/// standbys a session could choose to wait for.
pub(super) fn sessions(
    w: &WorkloadFile,
    regions: &[String],
    leader_region: u8,
    duration_us: u64,
    standbys_dropped: bool,
) -> Result<Sessions, ScenarioError> {
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
    let classes = classes(w, standbys_dropped)?;
    let count = classes.iter().map(|c| c.sessions).sum::<u16>();
    let session_region_names = w.regions.clone().unwrap_or_default();
    let mut session_regions = Vec::new();
    for s in 0..count as usize {
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
    let workload = Workload {
        keys,
        hot_percent,
        hot_keys: w.hot_keys.unwrap_or(default_hot_keys(keys)),
        stop_at_us: match w.stop_ms {
            Some(s) => ms_to_us("workload.stop_ms", s)?,
            None => duration_us,
        },
        start_at_us: ms_to_us("workload.start_ms", w.start_ms.unwrap_or(DEFAULT_START_MS))?,
        classes,
    };
    Ok(Sessions {
        count,
        regions: session_regions,
        workload,
    })
}

/// The classes: `[workload]` alone, or each `[[workload.classes]]` entry
/// over it.
fn classes(w: &WorkloadFile, standbys_dropped: bool) -> Result<Vec<WorkloadClass>, ScenarioError> {
    if w.classes.len() > MAX_CLASSES {
        return Err(invalid(
            "workload.classes",
            format!("{} classes", w.classes.len()),
            format!("use at most {MAX_CLASSES}"),
        ));
    }
    let alone = ClassFile {
        name: DEFAULT_CLASS_NAME.to_string(),
        ..ClassFile::default()
    };
    let entries: Vec<(String, &ClassFile)> = if w.classes.is_empty() {
        Vec::from([(String::from("workload"), &alone)])
    } else {
        w.classes
            .iter()
            .enumerate()
            .map(|(i, c)| (format!("workload.classes[{i}]"), c))
            .collect()
    };
    let mut out: Vec<WorkloadClass> = Vec::new();
    let mut first_session: u32 = 0;
    for (path, c) in entries {
        let class = class(w, c, &path, first_session, standbys_dropped)?;
        if out.iter().any(|o| o.name == class.name) {
            return Err(invalid(
                &format!("{path}.name"),
                format!("a second class named `{}`", class.name),
                "give each class its own name",
            ));
        }
        first_session += class.sessions as u32;
        if first_session > MAX_SESSIONS as u32 {
            return Err(invalid(
                &format!("{path}.sessions"),
                format!("{first_session} sessions over all classes"),
                format!("use at most {MAX_SESSIONS} in all"),
            ));
        }
        out.push(class);
    }
    Ok(out)
}

/// Whether `name` may name a class: letters, digits, `_` and `-`, as an
/// `[[expect]] class` and the report write it.
fn good_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 32
        && name
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-')
}

/// One class: its own keys, else `[workload]`'s, else the defaults. `path`
/// names the table the class's own keys were read from.
fn class(
    w: &WorkloadFile,
    c: &ClassFile,
    path: &str,
    first_session: u32,
    standbys_dropped: bool,
) -> Result<WorkloadClass, ScenarioError> {
    // The table a value came from: the class's own, or `[workload]`.
    let at = |own: bool, key: &str| {
        if own {
            format!("{path}.{key}")
        } else {
            format!("workload.{key}")
        }
    };
    if !good_name(&c.name) {
        return Err(invalid(
            &format!("{path}.name"),
            format!("`{}` is not a class name", c.name),
            "use 1 to 32 letters, digits, `_` or `-`",
        ));
    }
    let sessions = c.sessions.or(w.sessions).unwrap_or(DEFAULT_SESSIONS);
    if sessions == 0 || sessions > MAX_SESSIONS {
        return Err(invalid(
            &at(c.sessions.is_some(), "sessions"),
            format!("{sessions} sessions"),
            format!("use between 1 and {MAX_SESSIONS}"),
        ));
    }
    let read_percent = c
        .read_percent
        .or(w.read_percent)
        .unwrap_or(DEFAULT_READ_PERCENT);
    if read_percent > 100 {
        return Err(invalid(
            &at(c.read_percent.is_some(), "read_percent"),
            format!("{read_percent} %"),
            "use 0 to 100",
        ));
    }
    // A rate replaces think time; naming both in one table is a mistake.
    let (rate, rate_own) = match (c.rate_per_s, w.rate_per_s) {
        (Some(r), _) => (Some(r), true),
        (None, r) => (r, false),
    };
    if let Some(rate) = rate {
        if rate == 0 || rate > MAX_RATE_PER_S {
            return Err(invalid(
                &at(rate_own, "rate_per_s"),
                format!("{rate} operations per second"),
                format!(
                    "use 1 to {MAX_RATE_PER_S}, or leave it out for closed-loop sessions that think between operations"
                ),
            ));
        }
        let think_here = if rate_own {
            c.think_time_us.is_some() || c.think_jitter_us.is_some()
        } else {
            w.think_time_us.is_some() || w.think_jitter_us.is_some()
        };
        if think_here {
            return Err(invalid(
                &at(rate_own, "rate_per_s"),
                "a fixed rate sets when operations start, so think time has no use",
                "remove think_time_us and think_jitter_us from this table, or remove rate_per_s for a closed loop",
            ));
        }
    }
    let think_time_us = c
        .think_time_us
        .or(w.think_time_us)
        .unwrap_or(DEFAULT_THINK_TIME_US);
    let think_jitter_us = c
        .think_jitter_us
        .or(w.think_jitter_us)
        .unwrap_or(default_think_jitter_us(think_time_us));
    let (timeout_ms, timeout_own) = match c.request_timeout_ms {
        Some(t) => (t, true),
        None => (
            w.request_timeout_ms.unwrap_or(DEFAULT_REQUEST_TIMEOUT_MS),
            false,
        ),
    };
    let (cancel_ms, cancel_own) = match c.cancel_after_ms {
        Some(t) => (t, true),
        None => (w.cancel_after_ms.unwrap_or(DEFAULT_CANCEL_AFTER_MS), false),
    };
    let request_timeout_us = ms_to_us(&at(timeout_own, "request_timeout_ms"), timeout_ms)?;
    let cancel_after_us = ms_to_us(&at(cancel_own, "cancel_after_ms"), cancel_ms)?;
    if cancel_after_us > 0 && request_timeout_us > 0 && cancel_after_us >= request_timeout_us {
        return Err(invalid(
            &at(cancel_own, "cancel_after_ms"),
            format!(
                "the session gives up after {timeout_ms} ms (request_timeout_ms), before it would cancel at {cancel_ms} ms"
            ),
            "cancel sooner than request_timeout_ms, raise request_timeout_ms, or set it to 0 (wait for ever)",
        ));
    }
    let (commit, commit_own) = match c.synchronous_commit {
        Some(sc) => (Some(sc), true),
        None => (w.synchronous_commit, false),
    };
    if let Some(sc) = commit.filter(|sc| sc.standby_ack().is_some() && standbys_dropped) {
        // PostgreSQL keeps the list and lets the session wait; here the
        // cluster's `local` drops it, so the override would do nothing.
        return Err(invalid(
            &at(commit_own, "synchronous_commit"),
            format!(
                "`{sc}` waits for standbys, but [policy] synchronous_commit = \"local\" keeps no standby list to wait for"
            ),
            "set [policy] synchronous_commit to the strongest setting any session needs, and `local` in the classes that should not wait",
        ));
    }
    Ok(WorkloadClass {
        name: c.name.clone(),
        first_session: first_session.min(MAX_SESSIONS as u32) as u16,
        sessions,
        read_percent,
        think_us: time_us(
            &at(c.think_time_us.is_some(), "think_time_us"),
            think_time_us,
        )?,
        think_jitter_us: time_us(
            &at(c.think_jitter_us.is_some(), "think_jitter_us"),
            think_jitter_us,
        )?,
        rate_per_s: rate,
        request_timeout_us,
        cancel_after_us,
        synchronous_commit: commit,
    })
}
