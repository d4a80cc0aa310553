//! Decoding `[routing]`: where reads go.
//!
//! Writes always go to the leader a session believes in; reads follow one
//! policy, whose parameters (`leader_after_write_ms`, `token_wait_ms`,
//! `max_staleness_ms`, `pick`) are folded into the one [`ReadRouting`]
//! value that uses them.

use super::error::ScenarioError;
use super::file::RoutingFile;
use super::units::ms_to_us;
use super::values::{PickFollower, Reads};
use crate::routing::ReadRouting;

/// Decodes the read routing.
pub(super) fn routing(rt: &RoutingFile) -> Result<ReadRouting, ScenarioError> {
    let pick = rt.pick.unwrap_or(PickFollower::Random).pick();
    Ok(match rt.reads.unwrap_or(Reads::Leader) {
        Reads::Leader => ReadRouting::Leader,
        Reads::AnyFollower => ReadRouting::AnyFollower { pick },
        Reads::Nearest => ReadRouting::Nearest,
        Reads::Sticky => ReadRouting::Sticky,
        Reads::LeaderAfterWrite => ReadRouting::LeaderAfterWrite {
            window_us: ms_to_us(
                "routing.leader_after_write_ms",
                rt.leader_after_write_ms.unwrap_or(1_000),
            )?,
            pick,
        },
        Reads::PositionToken => ReadRouting::PositionToken {
            wait_us: ms_to_us("routing.token_wait_ms", rt.token_wait_ms.unwrap_or(100))?,
            pick,
        },
        Reads::BoundedStaleness => ReadRouting::BoundedStaleness {
            max_lag_us: ms_to_us(
                "routing.max_staleness_ms",
                rt.max_staleness_ms.unwrap_or(100),
            )?,
            pick,
        },
    })
}
