//! Embedding: the lab inside a course page's iframe.
//!
//! URL parameters (besides the link's, see [`crate::link`]): `embed=1`
//! for minimal chrome, `controls=` to choose the visible parts, `autoplay`,
//! `theme=auto|light|dark|host` (see [`crate::theme`]), `chapter=` (a guided chapter, 1 to 9)
//! and `origins=`, the comma-separated origins allowed to drive the lab by
//! `postMessage` (default: the lab's own origin only).
//!
//! Commands arrive as `{ replicaLab: 1, command, … }` objects; messages
//! from any other origin, or of any other shape, are ignored. Fields are
//! read as plain strings and numbers and never become HTML. Events go to
//! the parent window, addressed to the first allowed origin, as
//! `{ replicaLab: 1, event, … }`.

use crate::link::pairs;
use crate::state::Action;
use crate::theme::Theme;

/// The parts of the page `controls=` can show.
pub const PARTS: &[&str] = &[
    "run",
    "experiment",
    "theme",
    "faults",
    "commit",
    "routing",
    "readouts",
    "anomalies",
    "sequence",
    "settings",
    "legend",
    "charts",
];

/// What an embedded page shows when `controls=` is absent.
pub const EMBED_DEFAULT: &[&str] = &["run", "faults", "readouts"];

/// The embedding parameters of the page's URL.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Embed {
    /// Minimal chrome.
    pub on: bool,
    /// Visible parts; `None` shows everything.
    pub controls: Option<Vec<String>>,
    /// Start playing at once.
    pub autoplay: bool,
    /// The theme asked for; `None` leaves it to the reader's own choice.
    pub theme: Option<Theme>,
    /// Guided chapter asked for (1-based number).
    pub chapter: Option<String>,
    /// Origins allowed to send commands.
    pub origins: Vec<String>,
}

impl Embed {
    /// Reads the parameters; `own` is the page's own origin, allowed by
    /// default.
    pub fn parse(query: &str, own: &str) -> Embed {
        let mut e = Embed {
            origins: vec![own.to_string()],
            ..Embed::default()
        };
        for (k, v) in pairs(query) {
            let Ok(v) = v else { continue };
            match k.as_str() {
                "embed" => e.on = v == "1" || v == "true",
                "controls" => {
                    e.controls = Some(
                        v.split(',')
                            .map(|c| c.trim().to_string())
                            .filter(|c| PARTS.contains(&c.as_str()))
                            .collect(),
                    )
                }
                "autoplay" => e.autoplay = v.is_empty() || v == "1" || v == "true",
                "theme" => e.theme = v.parse().ok(),
                "chapter" => e.chapter = Some(v),
                "origins" => {
                    e.origins = v
                        .split(',')
                        .map(|o| o.trim().trim_end_matches('/').to_string())
                        .filter(|o| o.starts_with("http://") || o.starts_with("https://"))
                        .collect();
                    if e.origins.is_empty() {
                        e.origins.push(own.to_string());
                    }
                }
                _ => {}
            }
        }
        if e.on && e.controls.is_none() {
            e.controls = Some(EMBED_DEFAULT.iter().map(|s| s.to_string()).collect());
        }
        e
    }

    /// Whether part `name` is shown.
    pub fn shows(&self, name: &str) -> bool {
        self.controls
            .as_ref()
            .is_none_or(|c| c.iter().any(|x| x == name))
    }

    /// Whether a message from `origin` may drive the lab.
    pub fn allows(&self, origin: &str) -> bool {
        self.origins.iter().any(|o| o == origin)
    }
}

/// A command from the host page, already checked for origin.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// Start.
    Play,
    /// Stop.
    Pause,
    /// Go to an instant, µs.
    Seek(u64),
    /// Load a library scenario.
    Load(String),
    /// Open a guided chapter by number (1-based).
    Chapter(String),
    /// Crash a node by name, or `leader`.
    Crash(String),
}

impl Command {
    /// Reads a command from its fields: `command` and, depending on it,
    /// `t_us`, `scenario`, `chapter` or `node`. Anything else is `None`.
    pub fn read(
        command: &str,
        t_us: Option<f64>,
        text: impl Fn(&str) -> Option<String>,
    ) -> Option<Command> {
        Some(match command {
            "play" => Command::Play,
            "pause" => Command::Pause,
            "seek" => {
                let t = t_us?;
                if !(t.is_finite() && t >= 0.0) {
                    return None;
                }
                Command::Seek(t as u64)
            }
            "load" => Command::Load(text("scenario")?),
            "chapter" => Command::Chapter(text("chapter")?),
            "crash" => Command::Crash(text("node")?),
            _ => return None,
        })
    }

    /// The reducer action for it. Play and pause set the state rather than
    /// toggle it, so `playing` (kept for callers) does not change them.
    pub fn action(self, _playing: bool) -> Option<Action> {
        match self {
            Command::Play => Some(Action::SetPlaying(true)),
            Command::Pause => Some(Action::SetPlaying(false)),
            Command::Seek(t) => Some(Action::Seek(t)),
            Command::Load(s) => Some(Action::LoadScenario(s)),
            Command::Chapter(id) => {
                crate::chapters::find(&id).map(|i| Action::OpenChapter(Some(i)))
            }
            Command::Crash(n) => Some(Action::CrashNamed(n)),
        }
    }
}
