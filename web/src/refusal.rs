//! Why a setting typed into the page was refused, said next to its field.
//!
//! The engine's validator answers with a typed [`ScenarioError`]: the key
//! path of the scenario file, what is wrong and a fix in the file's own
//! words (`heartbeat_interval_ms = 1000`). The page does not expose every
//! key of the file, so a refusal is placed next to the page's field that
//! the key belongs to, keeps the engine's statement of the problem, and
//! says the fix in terms of the fields and values the page shows.

use replica_engine::{Scenario, ScenarioError};

/// A refused setting: the page field it belongs to and what to say there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// The field's element id (`failover-timeout`, `failover-mode`,
    /// `fencing`, `routing-window`).
    pub field: &'static str,
    /// The reason and the fix, naming only what the page shows.
    pub text: String,
}

/// The page field a key path of the scenario file is set through.
fn field_of(path: &str) -> Option<&'static str> {
    Some(match path {
        "failover.timeout_ms" | "failover.ttl_ms" | "failover.lease_ms" => "failover-timeout",
        "failover.mode" => "failover-mode",
        "failover.fencing" => "fencing",
        "routing.leader_after_write_ms" | "routing.token_wait_ms" | "routing.max_staleness_ms" => {
            "routing-window"
        }
        _ => return None,
    })
}

/// Where and how to explain that the settings `refused` were refused;
/// `current` is the scenario the run keeps, `tried` what the learner
/// typed or picked (as the field shows it). `None` when the key has no
/// field on the page (the banner says it then).
pub fn explain(err: &ScenarioError, current: &Scenario, tried: &str) -> Option<Refusal> {
    let ScenarioError::Invalid { path, problem, .. } = err else {
        return None;
    };
    let field = field_of(path)?;
    let f = &current.failover;
    let fix = match path.as_str() {
        "failover.timeout_ms" => format!(
            "enter more than {} ms, the heartbeat interval of this scenario",
            f.heartbeat_interval_us / 1_000
        ),
        "failover.fencing" => {
            "choose \"Election among the nodes\" under \"Who promotes a follower\" first, or another fencing".to_string()
        }
        "failover.lease_ms" => "enter a longer timeout: the lease is derived from it".to_string(),
        _ if field == "routing-window" => {
            "enter a whole number of ms from 0 up to a year (31536000000)".to_string()
        }
        _ => "enter another value".to_string(),
    };
    Some(Refusal {
        field,
        text: format!(
            "{tried} was not applied: {problem}. To change it, {fix}. The run keeps its settings."
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::library;

    /// The read-routing windows are refused next to the one window field
    /// the page shows (whichever routing is in effect), in the page's
    /// words: no key of the scenario file.
    #[test]
    fn routing_windows_are_explained_next_to_the_window_field() {
        let current = library::load("default").unwrap().validate().unwrap();
        for key in ["leader_after_write_ms", "token_wait_ms", "max_staleness_ms"] {
            let err = ScenarioError::Invalid {
                path: format!("routing.{key}"),
                problem: "40000000000 ms is more than a year".into(),
                fix: "use at most 31536000000 (a year)".into(),
            };
            let r = explain(&err, &current, "40000000000 ms").expect("a field on the page");
            assert_eq!(r.field, "routing-window", "{key}");
            assert!(
                r.text.starts_with("40000000000 ms was not applied"),
                "{}",
                r.text
            );
            assert!(!r.text.contains(key), "names no file key: {}", r.text);
            assert!(!r.text.contains('_'), "names no file key: {}", r.text);
        }
        // Keys the page has no field for go to the banner.
        assert_eq!(field_of("routing.pick"), None);
    }
}
