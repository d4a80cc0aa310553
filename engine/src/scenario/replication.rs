//! Decoding `[replication]`: the WAL stream between the leader and each
//! follower (status reports, the sender's timeout, retained WAL and flow
//! control).

use super::defaults::{
    DEFAULT_MAX_IN_FLIGHT_ENTRIES, DEFAULT_SENDER_TIMEOUT_MS, DEFAULT_STATUS_INTERVAL_MS,
    DEFAULT_WAL_KEEP_ENTRIES,
};
use super::error::{invalid, ScenarioError};
use super::file::ReplicationFile;
use super::model::ReplicationSpec;
use super::units::ms_to_us;

/// Decodes the stream settings; every one must be positive.
pub(super) fn replication(rp: &ReplicationFile) -> Result<ReplicationSpec, ScenarioError> {
    let replication = ReplicationSpec {
        status_interval_us: ms_to_us(
            "replication.status_interval_ms",
            rp.status_interval_ms.unwrap_or(DEFAULT_STATUS_INTERVAL_MS),
        )?,
        sender_timeout_us: ms_to_us(
            "replication.sender_timeout_ms",
            rp.sender_timeout_ms.unwrap_or(DEFAULT_SENDER_TIMEOUT_MS),
        )?,
        wal_keep_entries: rp.wal_keep_entries.unwrap_or(DEFAULT_WAL_KEEP_ENTRIES),
        max_in_flight_entries: rp
            .max_in_flight_entries
            .unwrap_or(DEFAULT_MAX_IN_FLIGHT_ENTRIES),
    };
    if replication.status_interval_us == 0 || replication.sender_timeout_us == 0 {
        return Err(invalid(
            "replication",
            "status interval and sender timeout must be positive",
            "use at least 1 ms",
        ));
    }
    if replication.wal_keep_entries == 0 || replication.max_in_flight_entries == 0 {
        return Err(invalid(
            "replication",
            "wal_keep_entries and max_in_flight_entries must be positive",
            "use at least 1",
        ));
    }
    Ok(replication)
}
