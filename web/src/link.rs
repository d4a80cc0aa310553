//! Shareable links: the whole run in the page's URL.
//!
//! A run is determined by the settings it started from, its seed and the
//! user's interventions (see [`crate::state`]), so a link carries exactly
//! those, plus the instant on screen and the settings as they are now:
//!
//! | parameter | value |
//! |---|---|
//! | `scenario` | library name |
//! | `seed` | decimal `u64` |
//! | `t` | the instant on screen, simulated µs |
//! | `speed` | index into the speed menu |
//! | `compare` | `1` for side by side |
//! | `start` | the settings the run started from, when they differ from the library's file: what differs, compact (below) |
//! | `file` | the settings now, when live changes made them differ from `start`: likewise |
//! | `log` | the interventions with their event counts and times, compact |
//!
//! Links stay short enough for chat tools and learning platforms (a
//! library scenario with ten interventions in well under 500 characters):
//! the settings travel as the difference from the library's file, and
//! both they and the interventions in a compact binary form of their JSON
//! ([`crate::link::compact`]), base64url. Links made before, with the same
//! parameters as base64url JSON of whole values, still open: the compact
//! form starts with its version byte, JSON with `{` or `[`.
//!
//! Decoding is total: every malformed value is a typed [`LinkError`], and
//! the page then shows a banner and falls back to the defaults for that
//! part. Values are read with `serde_json` into typed values only, and
//! nothing from a link is ever turned into HTML.

pub mod compact;

use crate::library;
use crate::log::Intervention;
use compact::{Reader, Writer};
use replica_engine::ScenarioFile;
use std::fmt;

/// What a link asks for. Every field is optional; a missing one keeps the
/// default.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Link {
    /// Library scenario name.
    pub scenario: Option<String>,
    /// Seed.
    pub seed: Option<u64>,
    /// Instant to show, µs.
    pub t_us: Option<u64>,
    /// Speed index.
    pub speed: Option<usize>,
    /// Side by side.
    pub compare: bool,
    /// The settings the run started from.
    pub start: Option<ScenarioFile>,
    /// The settings now.
    pub file: Option<ScenarioFile>,
    /// The interventions.
    pub log: Vec<Intervention>,
}

/// Why (part of) a link could not be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkError {
    /// `%` not followed by two hex digits, or bytes that are not UTF-8.
    BadEscape(String),
    /// A parameter that must be a number is not one.
    NotANumber {
        /// The parameter.
        param: String,
        /// Its value.
        value: String,
    },
    /// No scenario of that name in the library.
    UnknownScenario(String),
    /// Not base64url.
    BadBase64(String),
    /// Base64url, but not the JSON expected.
    BadJson {
        /// The parameter.
        param: String,
        /// serde_json's message.
        reason: String,
    },
    /// The settings do not pass the engine's validation.
    InvalidSettings(String),
    /// Interventions out of order, or naming a node the cluster lacks.
    BadLog(String),
}

impl fmt::Display for LinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LinkError::BadEscape(v) => write!(f, "badly escaped value {v:?}"),
            LinkError::NotANumber { param, value } => {
                write!(f, "`{param}` must be a whole number, not {value:?}")
            }
            LinkError::UnknownScenario(n) => write!(f, "no scenario named {n:?}"),
            LinkError::BadBase64(p) => write!(f, "`{p}` is not valid base64url"),
            LinkError::BadJson { param, reason } => write!(f, "`{param}` is unreadable: {reason}"),
            LinkError::InvalidSettings(e) => write!(f, "the settings are not valid: {e}"),
            LinkError::BadLog(e) => write!(f, "the list of changes is not usable: {e}"),
        }
    }
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Base64url without padding.
pub fn b64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(B64[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// Decodes base64url, with or without padding; `None` if malformed.
pub fn b64_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    if text.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in text.bytes() {
        let v = B64.iter().position(|&b| b == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Decodes `%XX` escapes and `+` (space).
fn unescape(v: &str) -> Result<String, LinkError> {
    let bad = || LinkError::BadEscape(v.to_string());
    let b = v.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = b.get(i + 1..i + 3).ok_or_else(bad)?;
                let hex = std::str::from_utf8(hex).map_err(|_| bad())?;
                out.push(u8::from_str_radix(hex, 16).map_err(|_| bad())?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| bad())
}

/// `key=value` pairs of a query string (with or without the `?`).
pub fn pairs(query: &str) -> Vec<(String, Result<String, LinkError>)> {
    query
        .trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (k.to_string(), unescape(v))
        })
        .collect()
}

fn number<T: std::str::FromStr>(param: &str, value: &str) -> Result<T, LinkError> {
    value.trim().parse().map_err(|_| LinkError::NotANumber {
        param: param.to_string(),
        value: value.chars().take(40).collect(),
    })
}

fn json<T: serde::de::DeserializeOwned>(param: &str, value: &str) -> Result<T, LinkError> {
    let bytes = b64_decode(value).ok_or_else(|| LinkError::BadBase64(param.to_string()))?;
    serde_json::from_slice(&bytes).map_err(|e| LinkError::BadJson {
        param: param.to_string(),
        reason: e.to_string(),
    })
}

fn settings(param: &str, value: &str) -> Result<ScenarioFile, LinkError> {
    let file: ScenarioFile = json(param, value)?;
    file.validate()
        .map_err(|e| LinkError::InvalidSettings(e.to_string()))?;
    Ok(file)
}

impl Link {
    /// Reads the lab's parameters from a query string. Parameters it does
    /// not know (the embedding ones, say) are left to others. Each bad
    /// value is reported and left at its default; the rest still applies.
    pub fn parse(query: &str) -> (Link, Vec<LinkError>) {
        let mut link = Link::default();
        let mut errors = Vec::new();
        for (key, value) in pairs(query) {
            let value = match value {
                Ok(v) => v,
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            };
            let r: Result<(), LinkError> = (|| {
                match key.as_str() {
                    "scenario" => {
                        library::load(&value)
                            .map_err(|_| LinkError::UnknownScenario(value.clone()))?;
                        link.scenario = Some(value.clone());
                    }
                    "seed" => link.seed = Some(number(&key, &value)?),
                    "t" => link.t_us = Some(number(&key, &value)?),
                    "speed" => {
                        let i: usize = number(&key, &value)?;
                        if i >= crate::speeds::SPEEDS.len() {
                            return Err(LinkError::NotANumber {
                                param: key.clone(),
                                value: value.clone(),
                            });
                        }
                        link.speed = Some(i);
                    }
                    "compare" => link.compare = value == "1",
                    "start" | "file" => {
                        let file = if compact::is_compact(&value) {
                            // The difference from the library's file (the
                            // scenario named before it, else the default).
                            let name = link.scenario.as_deref().unwrap_or("default");
                            let base = library::load(name)
                                .map_err(|_| LinkError::UnknownScenario(name.to_string()))?;
                            compact_settings(&key, &base, &value)?
                        } else {
                            settings(&key, &value)?
                        };
                        if key == "start" {
                            link.start = Some(file);
                        } else {
                            link.file = Some(file);
                        }
                    }
                    "log" if compact::is_compact(&value) => link.log = compact_log(&value)?,
                    "log" => link.log = json(&key, &value)?,
                    _ => {}
                }
                Ok(())
            })();
            if let Err(e) = r {
                errors.push(e);
            }
        }
        (link, errors)
    }

    /// The query string, starting with `?`.
    pub fn query(&self) -> String {
        let mut q = Vec::new();
        if let Some(s) = &self.scenario {
            q.push(format!("scenario={}", escape(s)));
        }
        if let Some(s) = self.seed {
            q.push(format!("seed={s}"));
        }
        if let Some(t) = self.t_us {
            q.push(format!("t={t}"));
        }
        if let Some(s) = self.speed {
            q.push(format!("speed={s}"));
        }
        if self.compare {
            q.push("compare=1".into());
        }
        let base = library::load(self.scenario.as_deref().unwrap_or("default")).ok();
        for (key, file) in [("start", &self.start), ("file", &self.file)] {
            if let Some(file) = file {
                q.push(format!("{key}={}", difference(base.as_ref(), file)));
            }
        }
        if !self.log.is_empty() {
            q.push(format!("log={}", log_text(&self.log)));
        }
        format!("?{}", q.join("&"))
    }
}

/// A value as JSON (one that cannot be serialised is `null`). Typed
/// values go through JSON text both ways, never `serde_json::to_value` or
/// `from_value`: the text paths are compiled into the page anyway (the
/// library and the older links use them), while the `Value` ones would
/// add a second copy of every (de)serialiser of the scenario model to the
/// bundle.
fn to_json<T: serde::Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_string(v)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or(serde_json::Value::Null)
}

/// Reads a JSON value into a typed one, through text (see [`to_json`]).
fn from_json<T: serde::de::DeserializeOwned>(
    param: &str,
    v: &serde_json::Value,
) -> Result<T, LinkError> {
    serde_json::from_slice(v.to_string().as_bytes()).map_err(|e| LinkError::BadJson {
        param: param.to_string(),
        reason: e.to_string(),
    })
}

/// The compact difference of `file` from `base` (from nothing: the whole
/// file, when the library lacks the scenario).
fn difference(base: Option<&ScenarioFile>, file: &ScenarioFile) -> String {
    let mut w = Writer::new();
    match base {
        Some(base) => w.difference(&to_json(base), &to_json(file)),
        None => w.difference(&serde_json::Value::Null, &to_json(file)),
    }
    w.finish()
}

fn bad_compact(param: &str) -> LinkError {
    LinkError::BadJson {
        param: param.to_string(),
        reason: "not the compact form of a link".into(),
    }
}

/// Reads `value`'s difference from `base` back into settings.
fn compact_settings(
    param: &str,
    base: &ScenarioFile,
    value: &str,
) -> Result<ScenarioFile, LinkError> {
    let mut r = Reader::new(value).ok_or_else(|| bad_compact(param))?;
    let mut json = to_json(base);
    r.apply(&mut json, 0)
        .filter(|()| r.done())
        .ok_or_else(|| bad_compact(param))?;
    let file: ScenarioFile = from_json(param, &json)?;
    file.validate()
        .map_err(|e| LinkError::InvalidSettings(e.to_string()))?;
    Ok(file)
}

/// The interventions: their count, then for each the events and the
/// simulated time since the one before (wrapping, so any log round-trips)
/// and the change.
fn log_text(log: &[Intervention]) -> String {
    let mut w = Writer::new();
    w.varint(log.len() as u64);
    let json = to_json(&log);
    let changes = json.as_array().map(Vec::as_slice).unwrap_or_default();
    let mut last = (0u64, 0u64);
    for (iv, change) in log.iter().zip(changes.iter().map(|c| &c["change"])) {
        w.varint(iv.events.wrapping_sub(last.0));
        w.varint(iv.t_us.wrapping_sub(last.1));
        w.value(change);
        last = (iv.events, iv.t_us);
    }
    w.finish()
}

/// Reads what [`log_text`] wrote.
fn compact_log(value: &str) -> Result<Vec<Intervention>, LinkError> {
    let bad = || bad_compact("log");
    let mut r = Reader::new(value).ok_or_else(bad)?;
    let n = r.varint().ok_or_else(bad)?;
    let mut log = Vec::new();
    let mut last = (0u64, 0u64);
    for _ in 0..n {
        let events = last.0.wrapping_add(r.varint().ok_or_else(bad)?);
        let t_us = last.1.wrapping_add(r.varint().ok_or_else(bad)?);
        let change = r.value(0).ok_or_else(bad)?;
        log.push(serde_json::json!({ "events": events, "t_us": t_us, "change": change }));
        last = (events, t_us);
    }
    if !r.done() {
        return Err(bad());
    }
    from_json("log", &serde_json::Value::Array(log))
}

/// Escapes everything but unreserved characters.
fn escape(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Checks that a log can be replayed on a cluster of `nodes` nodes:
/// in order, and naming only nodes that exist.
pub fn check_log(log: &[Intervention], nodes: usize) -> Result<(), LinkError> {
    crate::log::check(log, nodes).map_err(|e| LinkError::BadLog(e.0))
}
