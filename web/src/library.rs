//! The scenario library, compiled into the page.
//!
//! The same TOML files the `replica` command runs from `scenarios/` are
//! embedded here, so the browser's scenario picker and the command line
//! always offer the same experiments. A native test checks that every file
//! in `scenarios/` is listed.

/// `(file stem, TOML text)` for every scenario in `scenarios/`.
pub const SCENARIOS: &[(&str, &str)] = &[("default", include_str!("../../scenarios/default.toml"))];

/// The TOML text of a scenario by name.
pub fn find(name: &str) -> Option<&'static str> {
    SCENARIOS.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}
