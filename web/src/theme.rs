//! The colour theme an embedding page asks for: `theme=` in the URL and
//! the `theme` command, which switches the colours live without touching
//! the run.
//!
//! `auto` follows the reader's system (`prefers-color-scheme`); `host` is
//! the loader's word for "whatever the course page looks like", which the
//! loader (`web/embed.js`) resolves to `light` or `dark` before it sends
//! it, so here it means the same as `auto`.

use std::fmt;
use std::rc::Rc;
use std::str::FromStr;

use gloo::events::EventListener;
use wasm_bindgen::{JsCast, JsValue};
use yew::prelude::*;

/// A theme an embedding page may ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Theme {
    /// Follow the system's colour scheme.
    Auto,
    /// Light colours.
    Light,
    /// Dark colours.
    Dark,
}

/// A theme name that is none of `auto`, `light`, `dark`, `host`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThemeError(pub String);

impl fmt::Display for ThemeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown: String = self.0.chars().take(40).collect();
        write!(
            f,
            "unknown theme `{shown}`: expected auto, light, dark or host"
        )
    }
}

impl std::error::Error for ThemeError {}

impl FromStr for Theme {
    type Err = ThemeError;

    fn from_str(s: &str) -> Result<Theme, ThemeError> {
        match s.trim() {
            "auto" | "host" => Ok(Theme::Auto),
            "light" => Ok(Theme::Light),
            "dark" => Ok(Theme::Dark),
            other => Err(ThemeError(other.to_string())),
        }
    }
}

impl Theme {
    /// The page's `data-theme` value: `None` follows the system.
    pub fn forced(self) -> Option<&'static str> {
        match self {
            Theme::Auto => None,
            Theme::Light => Some("light"),
            Theme::Dark => Some("dark"),
        }
    }
}

/// The theme to start with: the one the embedding page asked for, else the
/// reader's own choice from `stored`.
pub fn initial(asked: Option<Theme>, stored: impl FnOnce() -> Option<String>) -> Option<String> {
    match asked {
        Some(theme) => theme.forced().map(str::to_string),
        None => stored(),
    }
}

/// Reads a `{ replicaLab: 1, command: "theme", theme }` message; `None`
/// for any other message, an error for a theme name it does not know.
pub fn read_command(data: &JsValue) -> Option<Result<Theme, ThemeError>> {
    let get = |k: &str| js_sys::Reflect::get(data, &JsValue::from_str(k)).ok();
    if !data.is_object()
        || get("replicaLab").and_then(|v| v.as_f64()) != Some(1.0)
        || get("command").and_then(|v| v.as_string()).as_deref() != Some("theme")
    {
        return None;
    }
    let name = get("theme").and_then(|v| v.as_string()).unwrap_or_default();
    Some(name.parse())
}

/// Sets the page's `data-theme` at once, so the canvas (which reads its
/// colours from the style sheet) sees the new colours on its next frame.
fn apply(theme: Theme) {
    let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    else {
        return;
    };
    match theme.forced() {
        Some(t) => root.set_attribute("data-theme", t).ok(),
        None => root.remove_attribute("data-theme").ok(),
    };
}

/// Obeys `theme` commands from origins `allows` accepts by setting `theme`
/// (the page's theme state); an unknown theme is noted on the console.
#[hook]
pub fn use_theme_commands(allows: Rc<dyn Fn(&str) -> bool>, theme: UseStateHandle<Option<String>>) {
    use_effect_with((), move |_| {
        let listener = web_sys::window().map(|win| {
            EventListener::new(&win, "message", move |e| {
                let Some(e) = e.dyn_ref::<web_sys::MessageEvent>() else {
                    return;
                };
                if !allows(&e.origin()) {
                    return;
                }
                match read_command(&e.data()) {
                    Some(Ok(t)) => {
                        apply(t);
                        theme.set(t.forced().map(str::to_string));
                    }
                    Some(Err(err)) => {
                        web_sys::console::warn_1(&JsValue::from_str(&format!("Replica Lab: {err}")))
                    }
                    None => {}
                }
            })
        });
        move || drop(listener)
    });
}
