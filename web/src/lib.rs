//! Replica Lab in the browser: a Yew front-end that runs the replication
//! engine in WebAssembly and draws it.
//!
//! [`state`] holds the one reducer that drives the engine (and the log of
//! user interventions that makes any instant replayable), [`settings`]
//! turns every control into an edit of the scenario file, [`timeline`]
//! keeps what the views need from the trace, and [`library`] embeds the
//! scenario files. The views only render: [`app`] lays out the page and
//! runs the animation loop, [`cluster`] draws the cluster (and
//! [`flights`] the messages in flight over it), [`sequence`]
//! the sequence diagram, [`readouts`] the figures and anomalies, and
//! [`controls`] the controls.

pub mod app;
pub mod chapters;
pub mod charts;
pub mod clock;
pub mod cluster;
pub mod controls;
pub mod embed;
pub mod flights;
pub mod library;
pub mod link;
pub mod readouts;
pub mod sequence;
pub mod settings;
pub mod state;
pub mod timeline;

use std::cell::RefCell;
use wasm_bindgen::JsCast;

thread_local! {
    /// The lab on screen (a cheap clone of its handles), for the panic
    /// banner's report: seed, scenario and the link that reproduces it.
    static REPORT_CONTEXT: RefCell<Option<state::Lab>> = const { RefCell::new(None) };
}

/// Records the lab on screen for the panic banner's report.
pub fn set_report_context(lab: &state::Lab) {
    REPORT_CONTEXT.with(|c| {
        if let Ok(mut c) = c.try_borrow_mut() {
            *c = Some(lab.clone());
        }
    });
}

/// Seed, scenario and link query of the lab on screen, as far as they can
/// be read while panicking (the run may be borrowed by the code that
/// panicked; then the link is left out).
fn report_context() -> (u64, String, String) {
    REPORT_CONTEXT
        .try_with(|c| {
            let c = c.try_borrow().ok()?;
            let lab = c.as_ref()?;
            let query = if lab.main.try_borrow_mut().is_ok() {
                link::Link::of(lab).query()
            } else {
                String::new()
            };
            Some((lab.seed, lab.scenario_name.clone(), query))
        })
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// Shows a banner with the panic message, the seed and a report to copy
/// (message, seed, scenario, the link that reproduces the run) instead of
/// leaving a blank or frozen page. All of it is set as text, never parsed
/// as HTML.
fn install_panic_banner() {
    yew::set_custom_panic_hook(Box::new(|info| {
        let (seed, scenario, query) = report_context();
        let msg = format!(
            "Replica Lab stopped: {info}. Seed {seed}, scenario {scenario}. Reload the page to start again."
        );
        web_sys::console::error_1(&msg.clone().into());
        let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        let here = web_sys::window()
            .and_then(|w| w.location().href().ok())
            .unwrap_or_default();
        let base = here.split('?').next().unwrap_or_default();
        let report = format!(
            "Replica Lab error report\nmessage: {info}\nseed: {seed}\nscenario: {scenario}\nlink: {base}{query}\nbrowser: {}",
            web_sys::window()
                .and_then(|w| w.navigator().user_agent().ok())
                .unwrap_or_default()
        );
        if let Ok(div) = doc.create_element("div") {
            div.set_class_name("banner fatal");
            div.set_id("fatal");
            div.set_attribute("role", "alert").ok();
            div.set_attribute("data-seed", &seed.to_string()).ok();
            if let Ok(p) = doc.create_element("p") {
                p.set_text_content(Some(&msg));
                div.append_child(&p).ok();
            }
            if let Ok(area) = doc.create_element("textarea") {
                area.set_id("panic-report");
                area.set_attribute("readonly", "").ok();
                area.set_attribute("rows", "5").ok();
                area.set_attribute("aria-label", "Error report to copy")
                    .ok();
                area.set_text_content(Some(&report));
                div.append_child(&area).ok();
            }
            if let Some(body) = doc.body() {
                body.prepend_with_node_1(&div).ok();
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
