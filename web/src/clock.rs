//! Wall-clock time for the reducer, injected, and the page's idle time.
//!
//! The simulation never reads a clock: wall time only decides where
//! between two slices the engine stops in one animation frame, and how long
//! background checkpointing works. The reducer asks a [`Clock`] held by the
//! lab, so tests inject their own ([`ManualClock`]) and the reducer and the
//! view model run natively under plain `cargo test` exactly as in the page,
//! while the page uses [`PageClock`] (`performance.now()`).
//!
//! [`later`] runs a task after a delay or when the browser has time to
//! spare (`requestIdleCallback`, with a timeout so it also runs on a busy
//! page; a plain timeout where the browser lacks it), telling it how many
//! milliseconds it may take. The bindings are declared here rather than
//! through `web-sys` features, so nothing else is pulled into the bundle.

use std::cell::Cell;
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

/// A monotonic clock in milliseconds, as the reducer sees wall time.
pub trait Clock {
    /// Milliseconds since some fixed point.
    fn now_ms(&self) -> f64;
}

/// The page's clock: `performance.now()` in the browser, a monotonic
/// clock natively (the fuzz targets and native tests drive the reducer
/// outside a browser).
#[derive(Clone, Copy, Debug, Default)]
pub struct PageClock;

impl Clock for PageClock {
    fn now_ms(&self) -> f64 {
        now_ms()
    }
}

/// A clock that moves only when told to, plus `step_ms` on every reading:
/// with a step of 0 a frame's engine budget never runs out, so what a test
/// drives is independent of the machine's speed; with a step, a budget of
/// `b` ms stops the engine after about `b / step` slices.
#[derive(Debug, Default)]
pub struct ManualClock {
    now_ms: Cell<f64>,
    step_ms: f64,
}

impl ManualClock {
    /// A clock at 0 that advances `step_ms` each time it is read.
    pub fn stepping(step_ms: f64) -> ManualClock {
        ManualClock {
            now_ms: Cell::new(0.0),
            step_ms,
        }
    }

    /// Moves the clock on by `ms`.
    pub fn advance(&self, ms: f64) {
        self.now_ms.set(self.now_ms.get() + ms);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> f64 {
        let t = self.now_ms.get();
        self.now_ms.set(t + self.step_ms);
        t
    }
}

/// What [`later`] reports as idle time where the browser cannot say.
pub const NO_IDLE_MS: f64 = 4.0;

/// Milliseconds on the page's monotonic clock.
#[cfg(target_arch = "wasm32")]
pub fn now_ms() -> f64 {
    performance_now()
}

/// Milliseconds on a monotonic clock, natively.
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
/// `delay_ms`, with 0 idle milliseconds. Browser only.
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
