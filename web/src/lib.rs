//! Replica Lab in the browser: a Yew front-end that runs the replication
//! engine in WebAssembly and draws it.
//!
//! Data goes one way. [`state`] holds the lab and its one reducer (the
//! only writer: animation frames, background checkpointing, every control
//! and fault are actions); [`probe`] is the one module that reads the
//! engine's state; [`view`] builds from the lab at the playhead a plain
//! view model holding everything the page shows; the components render
//! it: [`app`] lays out the page and runs the animation and idle loops,
//! [`cluster`] draws the cluster (and [`flights`] the messages in flight
//! over it), [`sequence`] the sequence diagram, [`readouts`] the figures
//! and anomalies, [`controls`] the controls, [`charts`] the charts and
//! [`chapter_panel`] a guided chapter.
//!
//! Around them: [`settings`] turns every control into an edit of the
//! scenario file, [`log`] records the user's interventions, [`timeline`]
//! keeps what the views need from the trace, [`library`] embeds the
//! scenario files, [`link`] and [`embed`] read the page's URL and host,
//! [`theme`] the colours a host asks for, [`clock`] is the injected wall
//! clock, [`format`] and [`icons`] are shared by the view model and the
//! components.

pub mod app;
pub mod chapter_panel;
pub mod chapters;
pub mod charts;
pub mod clock;
pub mod cluster;
pub mod controls;
pub mod embed;
pub mod flights;
pub mod format;
pub mod icons;
pub mod key_event;
pub mod library;
pub mod link;
pub mod log;
pub mod panic;
pub mod probe;
pub mod props;
pub mod readouts;
pub mod refusal;
pub mod sequence;
pub mod settings;
pub mod speeds;
pub mod state;
pub mod theme;
pub mod timeline;
pub mod view;
pub mod widgets;

use wasm_bindgen::JsCast;

/// Mounts the lab into `#app` (or the body).
pub fn start() {
    panic::install_banner();
    let root = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("app"))
        .and_then(|e| e.dyn_into::<web_sys::Element>().ok());
    match root {
        Some(el) => {
            yew::Renderer::<app::App>::with_root(el).render();
        }
        None => {
            yew::Renderer::<app::App>::new().render();
        }
    }
}
