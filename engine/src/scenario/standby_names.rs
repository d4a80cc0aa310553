//! Decoding PostgreSQL's `synchronous_standby_names`: `FIRST k (a, b)`,
//! `ANY k (a, b)`, a bare list (`FIRST 1`), and `*` for every follower.
//!
//! It is a small language inside one string value, so it gets its own
//! reader; every mistake names `policy.synchronous_standby_names` and shows
//! a correct example.

use super::error::{invalid, ScenarioError};
use super::model::NodeSpec;
use super::names::node_index;
use crate::network::NodeId;
use crate::policy::Quorum;
use alloc::format;
use alloc::vec::Vec;

const PATH: &str = "policy.synchronous_standby_names";

/// The quorum `text` names among the initial leader's `followers`.
pub(super) fn quorum(
    text: &str,
    nodes: &[NodeSpec],
    followers: &[NodeId],
) -> Result<Quorum, ScenarioError> {
    const FIX: &str = "write e.g. \"FIRST 1 (n2, n3)\", \"ANY 2 (*)\" or \"n2\"";
    let t = text.trim();
    if t.is_empty() {
        return Err(invalid(
            PATH,
            "synchronous_commit waits for standbys but none are named",
            "name standbys, e.g. \"FIRST 1 (n2)\", or set synchronous_commit = \"local\" for asynchronous commit",
        ));
    }
    let upper = t.to_ascii_uppercase();
    let (first, rest) = if let Some(r) = upper.strip_prefix("FIRST ") {
        (true, &t[t.len() - r.len()..])
    } else if let Some(r) = upper.strip_prefix("ANY ") {
        (false, &t[t.len() - r.len()..])
    } else {
        // A bare list means FIRST 1.
        let list = standbys(t, nodes, followers)?;
        return Ok(Quorum::First {
            k: 1,
            standbys: list,
        });
    };
    let rest = rest.trim();
    let open = rest
        .find('(')
        .ok_or_else(|| invalid(PATH, "missing `(` before the standby list", FIX))?;
    let k: u8 = rest[..open]
        .trim()
        .parse()
        .map_err(|_| invalid(PATH, "the count before `(` is not a number", FIX))?;
    let inner = rest[open + 1..]
        .strip_suffix(')')
        .ok_or_else(|| invalid(PATH, "missing `)` after the standby list", FIX))?;
    let standbys = standbys(inner, nodes, followers)?;
    if k == 0 {
        return Err(invalid(
            PATH,
            "a quorum of 0 standbys",
            "use at least 1, or synchronous_commit = \"local\"",
        ));
    }
    if k as usize > standbys.len() {
        return Err(invalid(
            PATH,
            format!(
                "waits for {k} standbys but only {} are listed",
                standbys.len()
            ),
            "list more standbys or lower the count",
        ));
    }
    Ok(if first {
        Quorum::First { k, standbys }
    } else {
        Quorum::Any { k, standbys }
    })
}

/// The comma-separated names of a list, `*` expanded, each once.
fn standbys(
    list: &str,
    nodes: &[NodeSpec],
    followers: &[NodeId],
) -> Result<Vec<NodeId>, ScenarioError> {
    let mut out = Vec::new();
    for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        if name == "*" {
            for f in followers {
                if !out.contains(f) {
                    out.push(*f);
                }
            }
            continue;
        }
        let n = node_index(nodes, PATH, name)?;
        if !followers.contains(&n) {
            return Err(invalid(
                PATH,
                format!("`{name}` is the leader, not a standby"),
                "list followers only",
            ));
        }
        if !out.contains(&n) {
            out.push(n);
        }
    }
    if out.is_empty() {
        return Err(invalid(
            PATH,
            "the standby list is empty",
            "name at least one follower, or `*`",
        ));
    }
    Ok(out)
}
