//! Decoding `[routing]`: where reads go.
//!
//! Writes always go to the leader a session believes in; reads follow one
//! policy, whose parameters (`leader_after_write_ms`, `token_wait_ms`,
//! `max_staleness_ms`, `pick`) are folded into the one [`ReadRouting`]
//! value that uses them.

use super::defaults::{
    DEFAULT_LEADER_AFTER_WRITE_MS, DEFAULT_MAX_STALENESS_MS, DEFAULT_PICK, DEFAULT_READS,
    DEFAULT_TOKEN_WAIT_MS,
};
use super::error::ScenarioError;
use super::file::RoutingFile;
use super::units::ms_to_us;
use super::values::Reads;
use crate::routing::ReadRouting;

/// Decodes the read routing.
pub(super) fn routing(rt: &RoutingFile) -> Result<ReadRouting, ScenarioError> {
    let pick = rt.pick.unwrap_or(DEFAULT_PICK).pick();
    Ok(match rt.reads.unwrap_or(DEFAULT_READS) {
        Reads::Leader => ReadRouting::Leader,
        Reads::AnyFollower => ReadRouting::AnyFollower { pick },
        Reads::Nearest => ReadRouting::Nearest,
        Reads::Sticky => ReadRouting::Sticky,
        Reads::LeaderAfterWrite => ReadRouting::LeaderAfterWrite {
            window_us: ms_to_us(
                "routing.leader_after_write_ms",
                rt.leader_after_write_ms
                    .unwrap_or(DEFAULT_LEADER_AFTER_WRITE_MS),
            )?,
            pick,
        },
        Reads::PositionToken => ReadRouting::PositionToken {
            wait_us: ms_to_us(
                "routing.token_wait_ms",
                rt.token_wait_ms.unwrap_or(DEFAULT_TOKEN_WAIT_MS),
            )?,
            pick,
        },
        Reads::BoundedStaleness => ReadRouting::BoundedStaleness {
            max_lag_us: ms_to_us(
                "routing.max_staleness_ms",
                rt.max_staleness_ms.unwrap_or(DEFAULT_MAX_STALENESS_MS),
            )?,
            pick,
        },
    })
}
