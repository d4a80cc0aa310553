//! The page's wall clock and its idle time, for work that must not stall
//! a frame.
//!
//! [`now_ms`] is `performance.now()`: the engine's per-frame budget and the
//! background checkpointing measure their wall time with it (it never
//! shapes the simulation, only where between two slices work stops).
//! [`later`] runs a task after a delay or when the browser has time to
//! spare (`requestIdleCallback`, with a timeout so it also runs on a busy
//! page; a plain timeout where the browser lacks it), telling it how many
//! milliseconds it may take. The bindings are declared here rather than
//! through `web-sys` features, so nothing else is pulled into the bundle.

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;

    /// The argument of a `requestIdleCallback` callback.
    type IdleDeadline;

    #[wasm_bindgen(method, js_name = timeRemaining)]
    fn time_remaining(this: &IdleDeadline) -> f64;

    #[wasm_bindgen(catch, js_name = requestIdleCallback)]
    fn request_idle_callback(
        callback: &js_sys::Function,
        options: &JsValue,
    ) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(callback: &js_sys::Function, delay_ms: i32) -> JsValue;
}

/// What [`later`] reports as idle time where the browser cannot say.
pub const NO_IDLE_MS: f64 = 4.0;

/// Milliseconds on the page's monotonic clock.
#[cfg(target_arch = "wasm32")]
pub fn now_ms() -> f64 {
    performance_now()
}

/// Milliseconds on a monotonic clock, where the lab's state code runs
/// natively (the fuzz targets drive the reducer outside a browser).
#[cfg(not(target_arch = "wasm32"))]
pub fn now_ms() -> f64 {
    use std::sync::OnceLock;
    use std::time::Instant;
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_secs_f64() * 1e3
}

/// Runs `task` once: with `idle`, when the browser is idle or after
/// `delay_ms` at the latest, with the idle milliseconds it has left (0
/// when the timeout fired on a busy page; [`NO_IDLE_MS`], after
/// `delay_ms`, where the browser has no idle callbacks); otherwise after
/// `delay_ms`, with 0 idle milliseconds.
pub fn later(delay_ms: u32, idle: bool, task: impl FnOnce(f64) + 'static) {
    let run = Closure::once_into_js(move |deadline: JsValue| {
        let left_ms = if !idle {
            0.0
        } else if deadline.is_undefined() {
            NO_IDLE_MS
        } else {
            deadline.unchecked_into::<IdleDeadline>().time_remaining()
        };
        task(left_ms);
    });
    let f: &js_sys::Function = run.unchecked_ref();
    if idle {
        let options = js_sys::Object::new();
        js_sys::Reflect::set(
            &options,
            &JsValue::from_str("timeout"),
            &JsValue::from_f64(delay_ms as f64),
        )
        .ok();
        if request_idle_callback(f, &options).is_ok() {
            return;
        }
    }
    set_timeout(f, delay_ms.min(i32::MAX as u32) as i32);
}
