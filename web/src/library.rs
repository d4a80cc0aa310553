//! The scenario library, compiled into the page.
//!
//! `web/build.rs` lists every file of `scenarios/` (the same files the
//! `replica` command runs) and converts each from TOML to JSON at build
//! time, so the picker always offers exactly the library and the TOML
//! parser stays out of the WebAssembly bundle. Adding a file to
//! `scenarios/` is all it takes to offer a new experiment.

use replica_engine::ScenarioFile;

/// One scenario file of the library.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    /// File stem, e.g. `sync-vs-async-cross-region`.
    pub name: &'static str,
    /// The file's content as JSON (empty when it is not valid TOML).
    pub json: &'static str,
    /// Why the file could not be read, if it could not.
    pub error: Option<&'static str>,
}

include!(concat!(env!("OUT_DIR"), "/scenarios.rs"));

/// A library entry by name.
pub fn find(name: &str) -> Option<&'static Entry> {
    SCENARIOS.iter().find(|e| e.name == name)
}

/// The editable settings of a library scenario, or why it cannot be read.
pub fn load(name: &str) -> Result<ScenarioFile, String> {
    let entry = find(name).ok_or_else(|| format!("There is no scenario called `{name}`."))?;
    if let Some(e) = entry.error {
        return Err(format!("scenarios/{name}.toml is not valid TOML: {e}"));
    }
    serde_json::from_str(entry.json).map_err(|e| format!("Scenario `{name}` is invalid: {e}"))
}

/// The one-line description of a library scenario ("" when it has none).
pub fn description(name: &str) -> String {
    load(name)
        .ok()
        .and_then(|f| f.description)
        .unwrap_or_default()
}
