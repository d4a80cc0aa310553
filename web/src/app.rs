//! The page: its layout, the animation loop, the theme and the viewport.
//!
//! The loop is driven by `requestAnimationFrame`: each frame dispatches
//! [`Action::Frame`] with the browser's timestamp and the reducer advances
//! the engine by the elapsed real time times the chosen speed. The frame
//! handle lives in an effect; dropping it (on pause or unmount) cancels the
//! next frame, so a paused lab costs nothing.
//!
//! Each frame gives the engine a wall-clock budget
//! ([`FRAME_ENGINE_BUDGET_MS`]), so a busy scenario slows the simulated
//! clock rather than the page, and only what must move every frame is
//! redrawn every frame: the messages in flight (and, below 1×, the run
//! bar, the nodes and the sequence diagram). Panels showing settings
//! redraw when something other than the clock changed; from 1× on, the
//! run bar and the nodes redraw ten times a second, and the panels of live
//! figures (read-outs, anomalies, charts, the sequence diagram) a few
//! times a second, each in its own frame (see [`Refresh`]). In the
//! background the run is computed ahead of the playhead, so that any
//! instant can be sought from a near checkpoint ([`Lab::work_ahead`]).
//!
//! Three facts about the viewer's browser live here rather than in the
//! reducer, because they only change how things are drawn: whether the
//! screen is narrow (the cluster then switches to a portrait drawing),
//! whether the user asked for reduced motion, and the colour theme.

use crate::chapters::ChapterPanel;
use crate::cluster::{ClusterView, LIVE_SPEED};
use crate::controls::{
    ClusterControls, CommitControls, ExperimentControls, FailoverControls, FaultButtons, NodeMenu,
    RoutingControls, RunBar,
};
use crate::embed::{Command, Embed};
use crate::readouts::{Anomalies, Readouts};
use crate::sequence::SequencePanel;
use crate::state::{Action, AheadState, Lab};
use gloo::events::{EventListener, EventListenerOptions};
use gloo::render::{request_animation_frame, AnimationFrame};
use replica_engine::network::NodeId;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen::JsValue;
use yew::prelude::*;

/// Below this width (CSS px) the cluster is drawn in portrait.
pub const NARROW_QUERY: &str = "(max-width: 640px)";
/// The user's reduced-motion preference.
pub const REDUCED_MOTION_QUERY: &str = "(prefers-reduced-motion: reduce)";
const THEME_KEY: &str = "replica-lab-theme";

/// Wall-clock budget of the engine in one animation frame, in ms: what is
/// left of a 60 Hz frame goes to drawing.
pub const FRAME_ENGINE_BUDGET_MS: f64 = 4.0;

/// Longest slice of background checkpointing while the run plays, in ms
/// (less when the browser reports less idle time).
const AHEAD_PLAYING_MS: f64 = 4.0;
/// Slice of background checkpointing while paused, in ms.
const AHEAD_PAUSED_MS: f64 = 20.0;
/// While playing, a slice runs at the latest this long after it was asked
/// for, busy or not, in ms.
const AHEAD_TIMEOUT_MS: u32 = 200;
/// Once every checkpoint exists, how often to look whether the run changed
/// (and the work must start again), in ms.
const AHEAD_POLL_MS: u32 = 250;
/// How often the page is told how far the checkpoints reach, in ms.
const AHEAD_REPORT_MS: f64 = 250.0;

/// Live panels redraw once every this many [`Lab::live`] ticks, each at
/// its own phase, so no frame redraws all of them.
const LIVE_PERIOD: u64 = 4;

/// Requests frames until `alive` is cleared. The pending frame's handle is
/// kept in `slot`; dropping it cancels that frame.
fn frame_loop(
    dispatch: Callback<Action>,
    slot: Rc<RefCell<Option<AnimationFrame>>>,
    alive: Rc<Cell<bool>>,
) {
    let again = slot.clone();
    let handle = request_animation_frame(move |ts| {
        if !alive.get() {
            return;
        }
        dispatch.emit(Action::FrameWithin {
            ts,
            budget_ms: FRAME_ENGINE_BUDGET_MS,
        });
        if alive.get() {
            frame_loop(dispatch, again, alive);
        }
    });
    *slot.borrow_mut() = Some(handle);
}

/// What the background checkpointing last told the page.
#[derive(Clone, Copy, Default)]
struct Reported {
    /// How far checkpoints reached.
    state: AheadState,
    /// [`Lab::settled`] of the lab it worked on.
    settled: u64,
    /// When, on the page's clock (ms).
    at_ms: f64,
    /// Reports so far (the run bar redraws when this changes).
    count: u64,
}

/// Computes checkpoints ahead of the playhead on the lab last rendered
/// (`current`) in small slices: while the run plays, when the browser is
/// idle between frames (at most [`AHEAD_PLAYING_MS`] a slice); paused, in
/// back-to-back tasks of [`AHEAD_PAUSED_MS`] (the page answers input
/// between two). Tells the page to show how far they reach by counting
/// `report` up (at most every [`AHEAD_REPORT_MS`], and whenever the work
/// starts or ends or the lab changed). Once done, looks every
/// [`AHEAD_POLL_MS`] whether the run changed; stops when `alive` is
/// cleared.
fn ahead_loop(
    current: Rc<RefCell<Option<Rc<Lab>>>>,
    report: UseStateSetter<u64>,
    last: Rc<Cell<Reported>>,
    alive: Rc<Cell<bool>>,
) {
    let playing = current.borrow().as_ref().is_some_and(|l| l.playing);
    let slice = move |left_ms: f64| {
        if !alive.get() {
            return;
        }
        let lab = current.borrow().clone();
        let state = lab.as_ref().map(|lab| {
            let start = crate::clock::now_ms();
            if lab.playing {
                // A checkpoint is saved only if it fits in this slice too:
                // a copy of a long run can take longer than a frame.
                let end = start + left_ms.clamp(1.0, AHEAD_PLAYING_MS);
                lab.work_ahead(end, end)
            } else {
                lab.work_ahead(start + AHEAD_PAUSED_MS, f64::INFINITY)
            }
        });
        let state = state.unwrap_or_default();
        let settled = lab.as_ref().map_or(0, |l| l.settled);
        let r = last.get();
        let now = crate::clock::now_ms();
        // The run bar last drew with another lab (a change can restart
        // and finish the work between two reports), or the work started or
        // ended, or it went on a while: show it.
        if settled != r.settled
            || state.done != r.state.done
            || (state != r.state && now - r.at_ms >= AHEAD_REPORT_MS)
        {
            last.set(Reported {
                state,
                settled,
                at_ms: now,
                count: r.count + 1,
            });
            report.set(r.count + 1);
        }
        let delay_ms = if state.done { AHEAD_POLL_MS } else { 0 };
        crate::clock::later(delay_ms, false, move |_| {
            ahead_loop(current, report, last, alive)
        });
    };
    if playing {
        crate::clock::later(AHEAD_TIMEOUT_MS, true, slice);
    } else {
        slice(AHEAD_PAUSED_MS);
    }
}

fn media(query: &str) -> Option<web_sys::MediaQueryList> {
    web_sys::window()?.match_media(query).ok().flatten()
}

/// Turns a host page's message into a command, if it is one.
fn on_message(data: &JsValue, dispatch: &Callback<Action>) {
    let get = |k: &str| js_sys::Reflect::get(data, &JsValue::from_str(k)).ok();
    if !data.is_object() || get("replicaLab").and_then(|v| v.as_f64()) != Some(1.0) {
        return;
    }
    let Some(command) = get("command").and_then(|v| v.as_string()) else {
        return;
    };
    let t_us = get("t_us").and_then(|v| v.as_f64());
    let text = |k: &str| {
        get(k)
            .and_then(|v| v.as_string())
            .filter(|s| s.len() <= 200)
    };
    if let Some(c) = Command::read(&command, t_us, text) {
        dispatch.emit(Action::Embedded(c));
    }
}

/// Tells the parent window (when there is one) that `event` happened.
/// Addressed to the first allowed origin, so no other page hears it.
pub(crate) fn post_event(event: &str, fields: &[(&str, JsValue)]) {
    let Some(win) = web_sys::window() else {
        return;
    };
    let Ok(Some(parent)) = win.parent() else {
        return;
    };
    if parent == win {
        return;
    }
    let target = EMBED_TARGET.with(|t| t.borrow().clone());
    let msg = js_sys::Object::new();
    let set = |k: &str, v: &JsValue| {
        js_sys::Reflect::set(&msg, &JsValue::from_str(k), v).ok();
    };
    set("replicaLab", &JsValue::from_f64(1.0));
    set("event", &JsValue::from_str(event));
    for (k, v) in fields {
        set(k, v);
    }
    parent.post_message(&msg, &target).ok();
}

thread_local! {
    /// Where events go: the first allowed origin.
    static EMBED_TARGET: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Whether a media query matches now, kept up to date.
#[hook]
fn use_media(query: &'static str) -> bool {
    let matches = use_state(|| media(query).is_some_and(|m| m.matches()));
    {
        let matches = matches.clone();
        use_effect_with((), move |_| {
            let listener = media(query).map(|mql| {
                let target: web_sys::EventTarget = mql.clone().unchecked_into();
                EventListener::new(&target, "change", move |_| matches.set(mql.matches()))
            });
            move || drop(listener)
        });
    }
    *matches
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The theme: `None` follows the system (`prefers-color-scheme`).
fn stored_theme() -> Option<String> {
    storage()?
        .get_item(THEME_KEY)
        .ok()
        .flatten()
        .filter(|t| t == "light" || t == "dark")
}

fn apply_theme(theme: Option<&str>) {
    let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    else {
        return;
    };
    match theme {
        Some(t) => {
            root.set_attribute("data-theme", t).ok();
        }
        None => {
            root.remove_attribute("data-theme").ok();
        }
    }
}

/// Viewer facts the views draw with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Viewer {
    /// Narrow screen: portrait drawings.
    pub narrow: bool,
    /// The user prefers reduced motion.
    pub reduced_motion: bool,
    /// Dark colours are on (the canvas of messages reads its colours
    /// again when this changes).
    pub dark: bool,
}

/// When a panel redraws.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub enum Refresh {
    /// On every change of the lab, animation frames included.
    #[default]
    Always,
    /// Only when this key changes; the page derives it from
    /// [`Lab::settled`] (or [`Lab::version`]), a throttled [`Lab::live`]
    /// tick and whatever else the panel shows, so a panel that does not
    /// need every frame skips most of them.
    Key(u64, u64, u64),
}

/// Props shared by the panels.
#[derive(Properties)]
pub struct PanelProps {
    /// The state.
    pub lab: Rc<Lab>,
    /// Dispatches actions.
    pub on_action: Callback<Action>,
    /// How the viewer sees the page.
    #[prop_or(Viewer { narrow: false, reduced_motion: false, dark: false })]
    pub viewer: Viewer,
    /// When to redraw.
    #[prop_or_default]
    pub refresh: Refresh,
}

/// Every panel's `on_action` dispatches to the one reducer, so it is left
/// out of the comparison (the page makes a new one each render).
impl PartialEq for PanelProps {
    fn eq(&self, other: &Self) -> bool {
        self.viewer == other.viewer
            && self.refresh == other.refresh
            && (matches!(self.refresh, Refresh::Key(..)) || self.lab == other.lab)
    }
}

/// Whether a key press should drive the lab: not while typing in a field
/// or when a button already handles the key.
fn is_global_key(e: &KeyboardEvent) -> bool {
    if e.ctrl_key() || e.meta_key() || e.alt_key() {
        return false;
    }
    let Some(el) = e
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
    else {
        return true;
    };
    let tag = el.tag_name().to_ascii_lowercase();
    !matches!(
        tag.as_str(),
        "input" | "select" | "textarea" | "button" | "summary"
    ) && el.get_attribute("role").is_none()
}

/// The whole lab.
#[function_component]
pub fn App() -> Html {
    let lab = use_reducer(|| {
        let query = web_sys::window()
            .and_then(|w| w.location().search().ok())
            .unwrap_or_default();
        Lab::from_link(&query)
    });
    crate::set_report_context(&lab);
    let embed = use_memo((), |_| {
        let win = web_sys::window();
        let query = win
            .as_ref()
            .and_then(|w| w.location().search().ok())
            .unwrap_or_default();
        let own = win
            .and_then(|w| w.location().origin().ok())
            .unwrap_or_default();
        let e = Embed::parse(&query, &own);
        EMBED_TARGET.with(|t| *t.borrow_mut() = e.origins[0].clone());
        e
    });
    // Test hook: `?panic-test=1` panics once after the first render, to
    // check the error banner. Harmless: nothing else reads it.
    use_effect_with((), |_| {
        let asked = web_sys::window()
            .and_then(|w| w.location().search().ok())
            .is_some_and(|q| {
                crate::link::pairs(&q)
                    .iter()
                    .any(|(k, v)| k == "panic-test" && v.as_deref() == Ok("1"))
            });
        if asked {
            panic!("panic-test: a deliberate panic to check the error banner");
        }
    });
    let dispatch: Callback<Action> = {
        let lab = lab.clone();
        Callback::from(move |a: Action| lab.dispatch(a))
    };
    {
        let dispatch = dispatch.clone();
        use_effect_with(lab.playing, move |playing| {
            let slot = Rc::new(RefCell::new(None));
            let alive = Rc::new(Cell::new(*playing));
            if *playing {
                frame_loop(dispatch, slot.clone(), alive.clone());
            }
            move || {
                alive.set(false);
                slot.borrow_mut().take();
            }
        });
    }
    // Keyboard: Space or K plays and pauses, "." steps, Escape closes the
    // node menu and the anomaly close-up.
    {
        let dispatch = dispatch.clone();
        use_effect_with((), move |_| {
            let listener = web_sys::window().and_then(|w| w.document()).map(|doc| {
                // Not passive: Space must not also scroll the page.
                let options = EventListenerOptions::enable_prevent_default();
                EventListener::new_with_options(&doc, "keydown", options, move |e| {
                    let Some(e) = e.dyn_ref::<KeyboardEvent>() else {
                        return;
                    };
                    if e.key() == "Escape" {
                        dispatch.emit(Action::SelectNode(None));
                        dispatch.emit(Action::ClearFocus);
                        return;
                    }
                    if !is_global_key(e) {
                        return;
                    }
                    match e.key().as_str() {
                        " " | "k" => {
                            e.prevent_default();
                            dispatch.emit(Action::TogglePlay);
                        }
                        "." => dispatch.emit(Action::Step),
                        "," => dispatch.emit(Action::StepBack),
                        _ => {}
                    }
                })
            });
            move || drop(listener)
        });
    }
    // Embedding: autoplay, commands from allowed origins, events out.
    {
        let dispatch = dispatch.clone();
        let embed = embed.clone();
        let playing = lab.playing;
        use_effect_with((), move |_| {
            if let Some(i) = embed.chapter.as_deref().and_then(crate::chapters::find) {
                dispatch.emit(Action::OpenChapter(Some(i)));
            }
            if embed.autoplay && !playing {
                dispatch.emit(Action::TogglePlay);
            }
            let listener = web_sys::window().map(|win| {
                EventListener::new(&win, "message", move |e| {
                    if let Some(e) = e.dyn_ref::<web_sys::MessageEvent>() {
                        if embed.allows(&e.origin()) {
                            on_message(&e.data(), &dispatch);
                        }
                    }
                })
            });
            post_event("ready", &[]);
            move || drop(listener)
        });
    }
    {
        let seen = use_mut_ref(|| (0usize, 0usize, 0u64, 0.0f64));
        let run = lab.main.borrow();
        let sim = &run.sim;
        let m = &sim.metrics();
        let mut seen = seen.borrow_mut();
        // Seeking back or a rebuilt run lowers the counts: catch up
        // silently, events are for what happens from here on.
        if m.promotions.len() < seen.0
            || m.violations.len() < seen.1
            || m.writes_acknowledged < seen.2
        {
            *seen = (
                m.promotions.len(),
                m.violations.len(),
                m.writes_acknowledged,
                seen.3,
            );
        }
        let name = |n: NodeId| {
            sim.scenario
                .nodes
                .get(n as usize)
                .map(|s| s.name.clone())
                .unwrap_or_default()
        };
        for p in &m.promotions[seen.0..] {
            post_event(
                "failover",
                &[
                    ("t_us", (p.t_us as f64).into()),
                    ("leader", name(p.node).into()),
                    ("old_leader", name(p.old_leader).into()),
                    ("lost_writes", (p.lost_acknowledged_writes as f64).into()),
                ],
            );
        }
        // At most a few per frame: a burst of anomalies is one story.
        for v in m.violations[seen.1..].iter().take(4) {
            post_event(
                "violation",
                &[
                    ("t_us", (v.t_us as f64).into()),
                    ("kind", v.kind.title().into()),
                ],
            );
        }
        seen.0 = m.promotions.len();
        seen.1 = m.violations.len();
        let now_ms = js_sys::Date::now();
        if m.writes_acknowledged > seen.2 && now_ms - seen.3 >= 250.0 {
            post_event(
                "commit",
                &[
                    ("t_us", (sim.now_us() as f64).into()),
                    ("acknowledged", (m.writes_acknowledged as f64).into()),
                ],
            );
            seen.2 = m.writes_acknowledged;
            seen.3 = now_ms;
        }
    }
    let narrow = use_media(NARROW_QUERY);
    let reduced_motion = use_media(REDUCED_MOTION_QUERY);
    let theme = {
        let forced = embed.theme.clone();
        use_state(move || forced.or_else(stored_theme))
    };
    {
        use_effect_with((*theme).clone(), |t| apply_theme(t.as_deref()));
    }
    let on_theme = {
        let theme = theme.clone();
        Callback::from(move |_: MouseEvent| {
            let dark_now = match theme.as_deref() {
                Some(t) => t == "dark",
                None => media("(prefers-color-scheme: dark)").is_some_and(|m| m.matches()),
            };
            let next = if dark_now { "light" } else { "dark" };
            if let Some(s) = storage() {
                s.set_item(THEME_KEY, next).ok();
            }
            // At once, so the views drawn with it (the canvas reads its
            // colours from the style sheet) see the new theme.
            apply_theme(Some(next));
            theme.set(Some(next.to_string()));
        })
    };
    let system_dark = use_media("(prefers-color-scheme: dark)");
    let dark = match theme.as_deref() {
        Some(t) => t == "dark",
        None => system_dark,
    };
    let viewer = Viewer {
        narrow,
        reduced_motion,
        dark,
    };

    let l: Rc<Lab> = Rc::new((*lab).clone());
    // Background checkpointing works on the lab last rendered.
    let current = use_mut_ref(|| None::<Rc<Lab>>);
    *current.borrow_mut() = Some(l.clone());
    // Bumped when the run bar should show how far checkpoints reach.
    let ahead = use_state(|| 0u64);
    {
        let current = current.clone();
        let report = ahead.setter();
        use_effect_with((), move |_| {
            let alive = Rc::new(Cell::new(true));
            let last = Rc::new(Cell::new(Reported::default()));
            let running = alive.clone();
            // Not before the first frame is drawn.
            crate::clock::later(0, false, move |_| {
                ahead_loop(current, report, last, running)
            });
            move || alive.set(false)
        });
    }
    // When each panel redraws: every frame, on settled changes only, or a
    // few times a second at its own phase of the live tick.
    let fast = l.playing && l.speed >= LIVE_SPEED;
    let settled = Refresh::Key(l.settled, 0, 0);
    let live = |phase: u64| Refresh::Key(l.settled, (l.live + phase) / LIVE_PERIOD, 0);
    let ahead_key = *ahead;
    let run_bar = if fast {
        Refresh::Key(l.settled, l.live, ahead_key)
    } else {
        Refresh::Key(l.version, 0, ahead_key)
    };
    let sequence = if fast { live(3) } else { Refresh::Always };
    let d = dispatch.clone();
    let description = crate::library::description(&l.scenario_name);
    let show = |part: &str| embed.shows(part);
    let open_lessons = {
        let d = d.clone();
        Callback::from(move |_: MouseEvent| d.emit(Action::OpenChapter(Some(0))))
    };
    html! {
        <main class={classes!("lab", viewer.narrow.then_some("narrow"), embed.on.then_some("embed"))}>
            <Banner lab={l.clone()} on_action={d.clone()} refresh={settled}/>
            if show("run") || show("experiment") || show("theme") {
                <header class="bar panel">
                    if show("run") {
                        <RunBar lab={l.clone()} on_action={d.clone()} viewer={viewer} refresh={run_bar}/>
                    }
                    if show("experiment") {
                        <ExperimentControls lab={l.clone()} on_action={d.clone()} viewer={viewer} refresh={settled}/>
                    }
                    if !embed.on && l.chapter.is_none() {
                        <button id="lessons" class="ghost" onclick={open_lessons}
                                title="Nine short chapters, one experiment each">{"Guided lessons"}</button>
                    }
                    if show("theme") {
                        <button id="theme" class="ghost" onclick={on_theme} aria-pressed={dark.to_string()}
                                title="Switch between light and dark colours">
                            { if dark { "☀ Light theme" } else { "☾ Dark theme" } }
                        </button>
                    }
                </header>
            }
            if let Some(i) = l.chapter {
                <ChapterPanel key={format!("chapter-{i}")} lab={l.clone()} on_action={d.clone()} viewer={viewer} refresh={settled}/>
            }
            <section class="stage panel" aria-labelledby="stage-title">
                <div class="panel-head">
                    <h2 id="stage-title">{"Cluster"}</h2>
                    if !embed.on {
                        <p class="scenario-desc">{description}</p>
                    }
                </div>
                <ClusterView lab={l.clone()} on_action={d.clone()} viewer={viewer}/>
                <NodeMenu lab={l.clone()} on_action={d.clone()} viewer={viewer} refresh={live(0)}/>
                if show("faults") {
                    <FaultButtons lab={l.clone()} on_action={d.clone()} viewer={viewer} refresh={settled}/>
                }
                if show("legend") {
                    <Legend/>
                }
            </section>
            if show("commit") || show("routing") || show("readouts") || show("anomalies") {
                <section class="side">
                    if show("commit") || show("routing") {
                        <div class="panel settings-main" aria-label="Commit and reads">
                            if show("commit") {
                                <CommitControls lab={l.clone()} on_action={d.clone()} viewer={viewer} refresh={settled}/>
                            }
                            if show("routing") {
                                <RoutingControls lab={l.clone()} on_action={d.clone()} viewer={viewer} refresh={settled}/>
                            }
                        </div>
                    }
                    if show("readouts") {
                        <Readouts lab={l.clone()} on_action={d.clone()} viewer={viewer} refresh={live(1)}/>
                    }
                    if show("anomalies") {
                        <Anomalies lab={l.clone()} on_action={d.clone()} viewer={viewer} refresh={live(2)}/>
                    }
                </section>
            }
            if show("sequence") {
                <SequencePanel lab={l.clone()} on_action={d.clone()} viewer={viewer} refresh={sequence}/>
            }
            if show("charts") {
                <crate::charts::ChartsPanel lab={l.clone()} on_action={d.clone()} viewer={viewer} refresh={live(0)}/>
            }
            if show("settings") {
                <section class="panel settings-more" aria-label="Cluster and failover settings">
                    <ClusterControls lab={l.clone()} on_action={d.clone()} viewer={viewer} refresh={settled}/>
                    <FailoverControls lab={l.clone()} on_action={d.clone()} viewer={viewer} refresh={settled}/>
                </section>
            }
            <p class="sr-only" role="status" aria-live="polite" id="status">{l.status.clone()}</p>
        </main>
    }
}

#[function_component]
fn Banner(props: &PanelProps) -> Html {
    let Some(text) = props.lab.banner.clone() else {
        return html! {};
    };
    let on_action = props.on_action.clone();
    html! {
        <div class="banner" role="alert" id="banner">
            <span>{text}</span>
            <button onclick={Callback::from(move |_| on_action.emit(Action::DismissBanner))}
                    aria-label="Dismiss message">{"×"}</button>
        </div>
    }
}

/// What the colours, shapes and strip cells mean.
#[function_component]
fn Legend() -> Html {
    let items = [
        ("m-write", "write", "write path"),
        ("m-wal", "WAL record", "write path"),
        ("m-ack", "ack", "write path"),
        ("m-ok", "OK", "write path"),
        ("m-read", "read", "read path"),
        ("m-readreply", "read reply", "read path"),
        ("m-heartbeat", "heartbeat", "failover"),
        ("m-vote", "vote", "failover"),
    ];
    html! {
        <div class="legend-wrap">
            <ul class="legend" aria-label="Message kinds">
                { for items.iter().map(|(c, name, path)| html! {
                    <li title={*path}>
                        <svg width="16" height="16" viewBox="-8 -8 16 16" aria-hidden="true">
                            { crate::cluster::glyph(c) }
                        </svg>
                        {*name}
                    </li>
                }) }
            </ul>
            <ul class="legend" aria-label="WAL strip">
                <li><span class="swatch applied"></span>{"applied"}</li>
                <li><span class="swatch flushed"></span>{"flushed"}</li>
                <li><span class="swatch written"></span>{"written"}</li>
                <li><span class="swatch appended"></span>{"in memory"}</li>
                <li class="legend-note">{"Solid shapes: write path · hollow: read path"}</li>
            </ul>
        </div>
    }
}
