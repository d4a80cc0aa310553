//! Decoding `[failover]`: who promotes a new leader, how failure is
//! detected, how an old leader is fenced, and what re-cloning costs.
//!
//! The timing rules checked here are the ones the real systems impose
//! (Raft's heartbeat below the election timeout, Patroni's
//! `loop_wait + 2 × retry_timeout ≤ ttl`, a lease shorter than the failure
//! timeout), because a run that breaks them shows an artefact of the
//! settings rather than of the replication scheme.

use super::defaults::{
    default_lease_ms, DEFAULT_DATABASE_MB, DEFAULT_DISCOVERY_DELAY_MS, DEFAULT_FAILOVER_MODE,
    DEFAULT_FAILOVER_TIMEOUT_MS, DEFAULT_FENCING, DEFAULT_HEARTBEAT_INTERVAL_MS,
    DEFAULT_LOOP_WAIT_MS, DEFAULT_MAXIMUM_LAG_ON_FAILOVER_ENTRIES, DEFAULT_RECLONE_MB_PER_S,
    DEFAULT_RETRY_TIMEOUT_MS, DEFAULT_SYNCHRONOUS_MODE, DEFAULT_TTL_MS,
};
use super::error::{invalid, ScenarioError};
use super::file::FailoverFile;
use super::model::FailoverSpec;
use super::units::ms_to_us;
use super::values::{FailoverMode, Fencing};

/// Decodes the failover settings.
pub(super) fn failover(f: &FailoverFile) -> Result<FailoverSpec, ScenarioError> {
    let mode = f.mode.unwrap_or(DEFAULT_FAILOVER_MODE);
    let fencing = f.fencing.unwrap_or(DEFAULT_FENCING);
    let timeout_ms = f.timeout_ms.unwrap_or(DEFAULT_FAILOVER_TIMEOUT_MS);
    let failover = FailoverSpec {
        mode,
        heartbeat_interval_us: ms_to_us(
            "failover.heartbeat_interval_ms",
            f.heartbeat_interval_ms
                .unwrap_or(DEFAULT_HEARTBEAT_INTERVAL_MS),
        )?,
        election_timeout_us: ms_to_us("failover.timeout_ms", timeout_ms)?,
        discovery_delay_us: ms_to_us(
            "failover.discovery_delay_ms",
            f.discovery_delay_ms.unwrap_or(DEFAULT_DISCOVERY_DELAY_MS),
        )?,
        lease_us: ms_to_us(
            "failover.lease_ms",
            f.lease_ms.unwrap_or(default_lease_ms(fencing, timeout_ms)),
        )?,
        fencing,
        ttl_us: ms_to_us("failover.ttl_ms", f.ttl_ms.unwrap_or(DEFAULT_TTL_MS))?,
        loop_wait_us: ms_to_us(
            "failover.loop_wait_ms",
            f.loop_wait_ms.unwrap_or(DEFAULT_LOOP_WAIT_MS),
        )?,
        retry_timeout_us: ms_to_us(
            "failover.retry_timeout_ms",
            f.retry_timeout_ms.unwrap_or(DEFAULT_RETRY_TIMEOUT_MS),
        )?,
        maximum_lag_on_failover: f
            .maximum_lag_on_failover
            .unwrap_or(DEFAULT_MAXIMUM_LAG_ON_FAILOVER_ENTRIES),
        synchronous_mode: f.synchronous_mode.unwrap_or(DEFAULT_SYNCHRONOUS_MODE),
        database_mb: f.database_mb.unwrap_or(DEFAULT_DATABASE_MB),
        reclone_mb_per_s: f.reclone_mb_per_s.unwrap_or(DEFAULT_RECLONE_MB_PER_S),
    };
    check_timing(&failover)?;
    Ok(failover)
}

/// The rules between the settings, in the order the format lists them.
fn check_timing(failover: &FailoverSpec) -> Result<(), ScenarioError> {
    let (mode, fencing) = (failover.mode, failover.fencing);
    if mode == FailoverMode::Election
        && (failover.heartbeat_interval_us == 0
            || failover.election_timeout_us <= failover.heartbeat_interval_us)
    {
        return Err(invalid(
            "failover.timeout_ms",
            "the failure timeout must be longer than the heartbeat interval",
            "e.g. heartbeat_interval_ms = 1000 and timeout_ms = 10000",
        ));
    }
    if mode == FailoverMode::Manager
        && (failover.loop_wait_us == 0
            || failover.loop_wait_us + 2 * failover.retry_timeout_us > failover.ttl_us)
    {
        return Err(invalid(
            "failover.ttl_ms",
            "the leader key must live longer than one HA loop",
            "keep loop_wait_ms + 2 × retry_timeout_ms ≤ ttl_ms, e.g. ttl 30000, loop_wait 10000",
        ));
    }
    if fencing == Fencing::Lease && mode != FailoverMode::Election {
        return Err(invalid(
            "failover.fencing",
            "a leader renews its lease through heartbeat answers, which only the election mode sends",
            "use mode = \"election\" with lease fencing, or fencing = \"epoch\" or \"stonith\"",
        ));
    }
    if fencing == Fencing::Lease
        && (failover.lease_us == 0 || failover.lease_us >= failover.election_timeout_us)
    {
        return Err(invalid(
            "failover.lease_ms",
            "the lease must be positive and shorter than the failure timeout, or a new leader can be elected while the old lease still runs",
            "set lease_ms below timeout_ms, e.g. half of it",
        ));
    }
    if failover.reclone_mb_per_s == 0 {
        return Err(invalid(
            "failover.reclone_mb_per_s",
            "a copy with no bandwidth never ends",
            "use at least 1",
        ));
    }
    Ok(())
}
