//! What a crash shows: a banner with the panic message, the seed and a
//! report to copy (message, seed, scenario, the link that reproduces the
//! run, browser), instead of a blank or frozen page. It is Yew's custom
//! panic hook, so Yew does not replace it. Everything is set as text,
//! never parsed as HTML.

use crate::state::Lab;
use std::cell::RefCell;

thread_local! {
    /// The lab on screen (a cheap clone of its handles), for the panic
    /// banner's report: seed, scenario and the link that reproduces it.
    static REPORT_CONTEXT: RefCell<Option<Lab>> = const { RefCell::new(None) };
}

/// Records the lab on screen for the panic banner's report.
pub fn set_report_context(lab: &Lab) {
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
                lab.link().query()
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
pub fn install_banner() {
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
