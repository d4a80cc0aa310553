//! Decoding `[[expect]]`: bounds on the report's figures, checked after the
//! run, which is how a scenario states the point it makes and how
//! `replica check` notices when a change to the engine stops making it.
//!
//! The metric names are those of the report's table, [`METRICS`](crate::report::METRICS).

use super::error::{invalid, ScenarioError};
use super::file::ExpectFile;
use super::model::Expectation;
use crate::report::metric_names;
use alloc::format;
use alloc::vec::Vec;

/// Decodes every expectation.
pub(super) fn expectations(entries: &[ExpectFile]) -> Result<Vec<Expectation>, ScenarioError> {
    let mut expect = Vec::new();
    for (k, e) in entries.iter().enumerate() {
        let path = format!("expect[{k}]");
        if !metric_names().any(|m| m == e.metric) {
            let names: Vec<&str> = metric_names().collect();
            return Err(invalid(
                &format!("{path}.metric"),
                format!("unknown metric `{}`", e.metric),
                format!("use one of: {}", names.join(", ")),
            ));
        }
        let (min, max) = match (e.equals, e.min, e.max) {
            (Some(v), None, None) => (Some(v), Some(v)),
            (Some(_), _, _) => {
                return Err(invalid(
                    &path,
                    "`equals` given with `min` or `max`",
                    "use either equals or min/max",
                ))
            }
            (None, Some(lo), Some(hi)) if lo > hi => {
                return Err(invalid(
                    &path,
                    format!("min {lo} is above max {hi}"),
                    "swap or correct the bounds",
                ))
            }
            (None, lo, hi) => (lo, hi),
        };
        if min.is_none() && max.is_none() {
            return Err(invalid(&path, "no bound given", "add min, max or equals"));
        }
        expect.push(Expectation {
            metric: e.metric.clone(),
            min,
            max,
        });
    }
    Ok(expect)
}
