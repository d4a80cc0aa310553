//! Decoding `[routing]`: where reads go.
//!
//! Writes always go to the leader a session believes in; reads follow one
//! policy, whose parameters (`leader_after_write_ms`, `token_wait_ms`,
//! `max_staleness_ms`, `pick`) are folded into the one [`ReadRouting`]
//! value that uses them.

use super::error::{invalid, ScenarioError};
use super::file::RoutingFile;
use super::units::ms_to_us;
use crate::routing::{Pick, ReadRouting};
use alloc::format;

/// Decodes the read routing.
pub(super) fn routing(rt: &RoutingFile) -> Result<ReadRouting, ScenarioError> {
    let pick = match rt.pick.as_deref().unwrap_or("random") {
        "random" => Pick::Random,
        "round_robin" => Pick::RoundRobin,
        other => {
            return Err(invalid(
                "routing.pick",
                format!("unknown value `{other}`"),
                "use random or round_robin",
            ))
        }
    };
    Ok(match rt.reads.as_deref().unwrap_or("leader") {
        "leader" => ReadRouting::Leader,
        "any_follower" => ReadRouting::AnyFollower { pick },
        "nearest" => ReadRouting::Nearest,
        "sticky" => ReadRouting::Sticky,
        "leader_after_write" => ReadRouting::LeaderAfterWrite {
            window_us: ms_to_us(
                "routing.leader_after_write_ms",
                rt.leader_after_write_ms.unwrap_or(1_000),
            )?,
            pick,
        },
        "position_token" => ReadRouting::PositionToken {
            wait_us: ms_to_us("routing.token_wait_ms", rt.token_wait_ms.unwrap_or(100))?,
            pick,
        },
        "bounded_staleness" => ReadRouting::BoundedStaleness {
            max_lag_us: ms_to_us(
                "routing.max_staleness_ms",
                rt.max_staleness_ms.unwrap_or(100),
            )?,
            pick,
        },
        other => {
            return Err(invalid(
                "routing.reads",
                format!("unknown value `{other}`"),
                "use leader, any_follower, nearest, sticky, leader_after_write, position_token or bounded_staleness",
            ))
        }
    })
}
