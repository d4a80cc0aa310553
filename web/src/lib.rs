//! Replica Lab in the browser: a Yew front-end that runs the replication
//! engine in WebAssembly and draws it.
//!
//! [`state`] holds the one reducer that drives the engine (and the log of
//! user interventions that makes any instant replayable), [`settings`]
//! turns every control into an edit of the scenario file, [`timeline`]
//! keeps what the views need from the trace, and [`library`] embeds the
//! scenario files. The views only render: [`app`] lays out the page and
//! runs the animation loop, [`cluster`] draws the cluster, [`sequence`]
//! the sequence diagram, [`readouts`] the figures and anomalies, and
//! [`controls`] the controls.

pub mod app;
pub mod cluster;
pub mod controls;
pub mod library;
pub mod readouts;
pub mod sequence;
pub mod settings;
pub mod state;
pub mod timeline;

use wasm_bindgen::JsCast;

/// Shows a banner with the panic message instead of leaving a blank or
/// frozen page. The text is set as text, never parsed as HTML.
fn install_panic_banner() {
    std::panic::set_hook(Box::new(|info| {
        let msg = format!("Replica Lab stopped: {info}. Reload the page to start again.");
        web_sys::console::error_1(&msg.clone().into());
        if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
            if let Ok(div) = doc.create_element("div") {
                div.set_class_name("banner fatal");
                div.set_attribute("role", "alert").ok();
                div.set_text_content(Some(&msg));
                if let Some(body) = doc.body() {
                    body.prepend_with_node_1(&div).ok();
                }
            }
        }
    }));
}

/// Mounts the lab into `#app` (or the body).
pub fn start() {
    install_panic_banner();
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
