//! The value of every key a scenario file leaves out.
//!
//! Each default is a named constant with its unit in the name, used by the
//! decoders and by the page (which shows and edits the same settings), so
//! the two cannot drift apart; `docs/scenarios.md` lists the same values.
//! A few defaults depend on other keys; those are the functions at the end.

use super::values::{
    FailoverMode, Fencing, OnQuorumUnmet, PickFollower, Reads, SynchronousCommit, WaitPoint,
};
use alloc::format;
use alloc::string::String;

// Top level.

/// `name`.
pub const DEFAULT_NAME: &str = "untitled";
/// `seed`.
pub const DEFAULT_SEED: u64 = 1;
/// `duration_ms`.
pub const DEFAULT_DURATION_MS: u64 = 10_000;
/// `sample_interval_ms`.
pub const DEFAULT_SAMPLE_INTERVAL_MS: u64 = 100;
/// The one region of a file that names none.
pub const DEFAULT_REGION: &str = "dc1";

// [network] and [[network.links]].

/// `network.local_us`.
pub const DEFAULT_LOCAL_US: u64 = 500;
/// `network.local_jitter_us`.
pub const DEFAULT_LOCAL_JITTER_US: u64 = 100;
/// `network.cross_region_us`.
pub const DEFAULT_CROSS_REGION_US: u64 = 50_000;
/// `network.cross_region_jitter_us`.
pub const DEFAULT_CROSS_REGION_JITTER_US: u64 = 1_000;
/// `network.loss_ppm` (and a link's, unless it sets its own).
pub const DEFAULT_LOSS_PPM: u32 = 0;
/// `network.links[].jitter_us` (not inherited from the cross-region one).
pub const DEFAULT_LINK_JITTER_US: u64 = 0;

// [[nodes]] and [defaults].

/// Nodes of a file that lists none (`n1`…`n3`, the first leading).
pub const DEFAULT_NODE_COUNT: u8 = 3;
/// `disk_write_us`.
pub const DEFAULT_DISK_WRITE_US: u64 = 20;
/// `fsync_us`.
pub const DEFAULT_FSYNC_US: u64 = 1_000;
/// `fsync_jitter_us`.
pub const DEFAULT_FSYNC_JITTER_US: u64 = 200;
/// `apply_us`.
pub const DEFAULT_APPLY_US: u64 = 50;
/// `apply_delay_ms`.
pub const DEFAULT_APPLY_DELAY_MS: u64 = 0;
/// `capacity_ops` (0: unlimited).
pub const DEFAULT_CAPACITY_OPS: u64 = 0;
/// `priority`.
pub const DEFAULT_PRIORITY: u8 = 1;
/// `clock_drift_ppm`.
pub const DEFAULT_CLOCK_DRIFT_PPM: i32 = 0;

// [policy].

/// `synchronous_commit`.
pub const DEFAULT_SYNCHRONOUS_COMMIT: SynchronousCommit = SynchronousCommit::On;
/// `synchronous_standby_names` (none: asynchronous commit).
pub const DEFAULT_SYNCHRONOUS_STANDBY_NAMES: &str = "";
/// `on_quorum_unmet`.
pub const DEFAULT_ON_QUORUM_UNMET: OnQuorumUnmet = OnQuorumUnmet::Block;
/// `quorum_timeout_ms`.
pub const DEFAULT_QUORUM_TIMEOUT_MS: u64 = 10_000;
/// `wait_point`.
pub const DEFAULT_WAIT_POINT: WaitPoint = WaitPoint::AfterSync;
/// `min_replicas_max_lag_ms`.
pub const DEFAULT_MIN_REPLICAS_MAX_LAG_MS: u64 = 10_000;

// [routing].

/// `reads`.
pub const DEFAULT_READS: Reads = Reads::Leader;
/// `pick`.
pub const DEFAULT_PICK: PickFollower = PickFollower::Random;
/// `leader_after_write_ms`.
pub const DEFAULT_LEADER_AFTER_WRITE_MS: u64 = 1_000;
/// `token_wait_ms`.
pub const DEFAULT_TOKEN_WAIT_MS: u64 = 100;
/// `max_staleness_ms`.
pub const DEFAULT_MAX_STALENESS_MS: u64 = 100;

// [workload].

/// `sessions`.
pub const DEFAULT_SESSIONS: u16 = 4;
/// `think_time_us`.
pub const DEFAULT_THINK_TIME_US: u64 = 10_000;
/// `read_percent`.
pub const DEFAULT_READ_PERCENT: u8 = 50;
/// `keys`.
pub const DEFAULT_KEYS: u32 = 100;
/// `hot_percent`.
pub const DEFAULT_HOT_PERCENT: u8 = 0;
/// `request_timeout_ms`.
pub const DEFAULT_REQUEST_TIMEOUT_MS: u64 = 5_000;
/// `start_ms`.
pub const DEFAULT_START_MS: u64 = 0;
/// `cancel_after_ms` (0: never cancel).
pub const DEFAULT_CANCEL_AFTER_MS: u64 = 0;
/// The name of the one class a `[workload]` without `[[workload.classes]]`
/// describes.
pub const DEFAULT_CLASS_NAME: &str = "default";

// [replication].

/// `status_interval_ms`.
pub const DEFAULT_STATUS_INTERVAL_MS: u64 = 10_000;
/// `sender_timeout_ms`.
pub const DEFAULT_SENDER_TIMEOUT_MS: u64 = 60_000;
/// `wal_keep_entries`.
pub const DEFAULT_WAL_KEEP_ENTRIES: u64 = 100_000;
/// `max_in_flight_entries`.
pub const DEFAULT_MAX_IN_FLIGHT_ENTRIES: u64 = 1_000;

// [failover].

/// `mode`.
pub const DEFAULT_FAILOVER_MODE: FailoverMode = FailoverMode::Manual;
/// `heartbeat_interval_ms`.
pub const DEFAULT_HEARTBEAT_INTERVAL_MS: u64 = 1_000;
/// `timeout_ms`.
pub const DEFAULT_FAILOVER_TIMEOUT_MS: u64 = 10_000;
/// `discovery_delay_ms`.
pub const DEFAULT_DISCOVERY_DELAY_MS: u64 = 1_000;
/// `fencing`.
pub const DEFAULT_FENCING: Fencing = Fencing::Epoch;
/// `ttl_ms`.
pub const DEFAULT_TTL_MS: u64 = 30_000;
/// `loop_wait_ms`.
pub const DEFAULT_LOOP_WAIT_MS: u64 = 10_000;
/// `retry_timeout_ms`.
pub const DEFAULT_RETRY_TIMEOUT_MS: u64 = 10_000;
/// `maximum_lag_on_failover`, in entries.
pub const DEFAULT_MAXIMUM_LAG_ON_FAILOVER_ENTRIES: u64 = 1_000_000;
/// `synchronous_mode`.
pub const DEFAULT_SYNCHRONOUS_MODE: bool = false;
/// `database_mb`.
pub const DEFAULT_DATABASE_MB: u64 = 1_000;
/// `reclone_mb_per_s`.
pub const DEFAULT_RECLONE_MB_PER_S: u64 = 100;

// [[faults]].

/// `power_loss` (`crash`, `kill_leader`).
pub const DEFAULT_POWER_LOSS: bool = false;
/// `one_way` (`partition`).
pub const DEFAULT_ONE_WAY: bool = false;

// Defaults that depend on other keys.

/// The name of the node at 0-based `index` when the file gives none:
/// `n1`, `n2`, …
pub fn default_node_name(index: usize) -> String {
    format!("n{}", index + 1)
}

/// `think_jitter_us`: a tenth of the think time.
pub const fn default_think_jitter_us(think_time_us: u64) -> u64 {
    think_time_us / 10
}

/// `hot_keys`: a tenth of the keys, rounded up.
pub const fn default_hot_keys(keys: u32) -> u32 {
    keys.div_ceil(10)
}

/// `lease_ms`: half the failure timeout under lease fencing (where a
/// lease is required), none otherwise.
pub const fn default_lease_ms(fencing: Fencing, timeout_ms: u64) -> u64 {
    match fencing {
        Fencing::Lease => timeout_ms / 2,
        _ => 0,
    }
}
