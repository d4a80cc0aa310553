//! Why a scenario was rejected.
//!
//! A bad file gets one error, and the error says where (the key path, or
//! the line for what the TOML reader refuses), what is wrong and what would
//! be accepted, so a reader can fix the file without opening the source.

use alloc::string::{String, ToString};
use core::fmt;

/// Why a scenario was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScenarioError {
    /// The text is not valid TOML, or a key has the wrong type or name.
    Parse {
        /// The parser's message, with line and column.
        message: String,
    },
    /// A value is impossible.
    Invalid {
        /// Key path, e.g. `policy.synchronous_standby_names`.
        path: String,
        /// What is wrong.
        problem: String,
        /// What would be accepted.
        fix: String,
    },
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScenarioError::Parse { message } => write!(f, "{message}"),
            ScenarioError::Invalid { path, problem, fix } => {
                write!(f, "`{path}`: {problem}. Fix: {fix}.")
            }
        }
    }
}

pub(super) fn invalid(
    path: &str,
    problem: impl Into<String>,
    fix: impl Into<String>,
) -> ScenarioError {
    ScenarioError::Invalid {
        path: path.to_string(),
        problem: problem.into(),
        fix: fix.into(),
    }
}
