//! Decoding `[[expect]]`: bounds on the report's figures, checked after the
//! run, which is how a scenario states the point it makes and how
//! `replica check` notices when a change to the engine stops making it.
//!
//! The metric names are those of the report's table, [`METRICS`](crate::report::METRICS).
//! An entry with `class` bounds one workload class's figure instead, named
//! from [`CLASS_METRICS`](crate::report::CLASS_METRICS): a class's name is
//! only known from the file, so the class is a key of the entry rather
//! than part of the metric's name.

use super::error::{invalid, ScenarioError};
use super::file::ExpectFile;
use super::model::Expectation;
use crate::report::{class_metric_names, metric_names};
use alloc::format;
use alloc::string::ToString;
use alloc::vec::Vec;

/// Decodes every expectation; `classes` are the workload's class names.
pub(super) fn expectations(
    entries: &[ExpectFile],
    classes: &[&str],
) -> Result<Vec<Expectation>, ScenarioError> {
    let mut expect = Vec::new();
    for (k, e) in entries.iter().enumerate() {
        let path = format!("expect[{k}]");
        if let Some(class) = &e.class {
            if !classes.contains(&class.as_str()) {
                return Err(invalid(
                    &format!("{path}.class"),
                    format!("unknown workload class `{class}`"),
                    format!("use one of: {}", classes.join(", ")),
                ));
            }
            if !class_metric_names().any(|m| m == e.metric) {
                let names: Vec<&str> = class_metric_names().collect();
                return Err(invalid(
                    &format!("{path}.metric"),
                    format!("`{}` is not a figure of a workload class", e.metric),
                    format!(
                        "use one of: {}, or remove `class` to bound the whole run",
                        names.join(", ")
                    ),
                ));
            }
        } else if !metric_names().any(|m| m == e.metric) {
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
            class: e.class.as_ref().map(|c| c.to_string()),
            min,
            max,
        });
    }
    Ok(expect)
}
