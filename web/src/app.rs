//! The page: its layout, the animation and idle loops, events to an
//! embedding page, the theme and the viewport.
//!
//! Data goes one way. The lab lives in one reducer; each render builds the
//! parts of the view model ([`crate::view`]) that need it and hands each
//! panel its part; panels render it and dispatch actions. The loops only
//! dispatch actions too: `requestAnimationFrame` sends
//! [`Action::FrameWithin`] (the engine gets a wall-clock budget per frame,
//! so a busy scenario slows the simulated clock rather than the page), and
//! when the browser is idle, [`Action::WorkAhead`] computes checkpoints
//! ahead of the playhead. Events to an embedding page are sent from an
//! effect, after the render that shows the same figures.
//!
//! Only what must move every frame is rebuilt every frame: the messages in
//! flight (and, below 1×, the nodes and the sequence diagram). From 1× on,
//! the nodes and the run bar are rebuilt ten times a second and the live
//! figures (read-outs, anomalies, charts, the sequence diagram) a few
//! times a second, each at its own phase; settings only when something
//! other than the clock changed.
//!
//! Three facts about the viewer's browser live here rather than in the
//! reducer, because they only change how things are drawn: whether the
//! screen is narrow (portrait drawings), whether the user asked for
//! reduced motion, and the colour theme.

use crate::chapter_panel::ChapterPanel;
use crate::charts::ChartsPanel;
use crate::cluster::Cluster;
use crate::controls::{
    focus_by_id, ClusterControls, CommitControls, ExperimentControls, FailoverControls,
    FaultButtons, NodeMenu, RoutingControls, RunBar,
};
use crate::embed::{Command, Embed};
use crate::icons::{icon, Icon};
use crate::readouts::{Anomalies, Readouts};
use crate::sequence::SequencePanel;
use crate::speeds::LIVE_SPEED;
use crate::state::{Action, Lab};
use crate::view::{self, charts, cluster, flights, panels, sequence, EventsView, Viewer};
use gloo::events::{EventListener, EventListenerOptions};
use gloo::render::{request_animation_frame, AnimationFrame};
use std::cell::{Cell, OnceCell, RefCell};
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

/// Live panels are rebuilt once every this many [`Lab::live`] ticks, each
/// at its own phase, so no frame rebuilds all of them.
const LIVE_PERIOD: u64 = 4;

/// At most this many anomaly events are sent per render.
const VIOLATION_EVENTS: usize = 4;
/// Commit events are sent at most this often, in ms of wall time.
const COMMIT_EVENT_MS: f64 = 250.0;

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

/// What the idle loop needs to know of the lab last rendered.
#[derive(Clone, Copy, Default)]
struct AheadTrigger {
    playing: bool,
    done: bool,
}

/// Asks the reducer to compute checkpoints ahead of the playhead, in small
/// slices: while the run plays, when the browser is idle between frames
/// (at most [`AHEAD_PLAYING_MS`] a slice, and a checkpoint copy only if it
/// fits too); paused, in back-to-back tasks of [`AHEAD_PAUSED_MS`] (the
/// page answers input between two). Once done, asks every
/// [`AHEAD_POLL_MS`] whether the run changed; stops when `alive` is
/// cleared.
fn ahead_loop(dispatch: Callback<Action>, trigger: Rc<Cell<AheadTrigger>>, alive: Rc<Cell<bool>>) {
    let t = trigger.get();
    let slice = {
        let (dispatch, trigger, alive) = (dispatch.clone(), trigger.clone(), alive.clone());
        move |left_ms: f64| {
            if !alive.get() {
                return;
            }
            let now = trigger.get();
            if now.playing {
                let b = left_ms.clamp(1.0, AHEAD_PLAYING_MS);
                dispatch.emit(Action::WorkAhead {
                    budget_ms: b,
                    save_budget_ms: Some(b),
                });
            } else {
                dispatch.emit(Action::WorkAhead {
                    budget_ms: AHEAD_PAUSED_MS,
                    save_budget_ms: None,
                });
            }
            let delay_ms = if trigger.get().done { AHEAD_POLL_MS } else { 0 };
            crate::clock::later(delay_ms, false, move |_| {
                ahead_loop(dispatch, trigger, alive)
            });
        }
    };
    if t.playing {
        crate::clock::later(AHEAD_TIMEOUT_MS, true, slice);
    } else {
        slice(AHEAD_PAUSED_MS);
    }
}

fn media(query: &str) -> Option<web_sys::MediaQueryList> {
    web_sys::window()?.match_media(query).ok().flatten()
}

/// Turns a host page's message into an action, if it is a command.
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
    if let Some(a) = Command::read(&command, t_us, text).and_then(|c| c.action(false)) {
        dispatch.emit(a);
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

/// What an embedding page has been told.
#[derive(Default)]
struct Told {
    /// Events processed at the playhead last time (falls when the run
    /// goes back or is rebuilt).
    events: u64,
    /// Promotions announced: `(t_us, epoch, leader)` and the lost writes
    /// last sent for each.
    promotions: Vec<((u64, u32, String), u64)>,
    /// Anomalies announced.
    violations: usize,
    /// Acknowledged writes last sent, and when (wall ms).
    acked: (u64, f64),
}

/// Sends what changed since `told`: a `failover` for each promotion that
/// appeared as the run went forward, a `lost-writes` update for each
/// announced promotion whose loss changed (the loss of a promotion grows
/// after it, as the new leader's log is compared with what was
/// acknowledged), new anomalies and, at most four times a second, the
/// acknowledged count.
fn tell(ev: &EventsView, told: &mut Told) {
    let back = ev.events < told.events;
    told.events = ev.events;
    let key = |p: &view::PromotionEvent| (p.t_us, p.epoch, p.leader.clone());
    if back {
        // Sought back or rebuilt: what is gone is forgotten, and what is
        // there now is not news.
        told.promotions
            .retain(|(k, _)| ev.promotions.iter().any(|p| key(p) == *k));
    }
    for p in &ev.promotions {
        match told.promotions.iter_mut().find(|(k, _)| *k == key(p)) {
            Some((_, sent)) => {
                if *sent != p.lost_writes {
                    *sent = p.lost_writes;
                    post_event(
                        "lost-writes",
                        &[
                            ("t_us", (ev.t_us as f64).into()),
                            ("leader", p.leader.clone().into()),
                            ("epoch", (p.epoch as f64).into()),
                            ("lost_writes", (p.lost_writes as f64).into()),
                            ("total_lost", (ev.lost_writes as f64).into()),
                        ],
                    );
                }
            }
            None => {
                told.promotions.push((key(p), p.lost_writes));
                if !back {
                    post_event(
                        "failover",
                        &[
                            ("t_us", (p.t_us as f64).into()),
                            ("leader", p.leader.clone().into()),
                            ("old_leader", p.old_leader.clone().into()),
                            ("epoch", (p.epoch as f64).into()),
                            ("lost_writes", (p.lost_writes as f64).into()),
                        ],
                    );
                }
            }
        }
    }
    if back || ev.violations < told.violations {
        told.violations = ev.violations;
    }
    let fresh: Vec<(usize, u64, &str)> = ev
        .recent_violations
        .iter()
        .rev()
        .filter(|(i, _, _)| *i >= told.violations)
        .take(VIOLATION_EVENTS)
        .copied()
        .collect();
    for (_, t_us, kind) in fresh {
        post_event(
            "violation",
            &[("t_us", (t_us as f64).into()), ("kind", kind.into())],
        );
    }
    told.violations = told.violations.max(ev.violations);
    let now_ms = js_sys::Date::now();
    if back {
        told.acked = (ev.acknowledged, now_ms);
    } else if ev.acknowledged > told.acked.0 && now_ms - told.acked.1 >= COMMIT_EVENT_MS {
        post_event(
            "commit",
            &[
                ("t_us", (ev.t_us as f64).into()),
                ("acknowledged", (ev.acknowledged as f64).into()),
            ],
        );
        told.acked = (ev.acknowledged, now_ms);
    }
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
        "input" | "select" | "textarea" | "button" | "summary" | "a"
    ) && el.get_attribute("role").is_none()
}

/// Where the page is served from, for shared links.
fn page_base() -> String {
    web_sys::window()
        .map(|w| {
            let loc = w.location();
            format!(
                "{}{}",
                loc.origin().unwrap_or_default(),
                loc.pathname().unwrap_or_default()
            )
        })
        .unwrap_or_default()
}

/// The whole lab.
#[function_component]
pub fn App() -> Html {
    let lab = use_reducer(|| {
        let query = web_sys::window()
            .and_then(|w| w.location().search().ok())
            .unwrap_or_default();
        let mut lab = Lab::from_link(&query);
        lab.page_base = page_base();
        lab
    });
    crate::panic::set_report_context(&lab);
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
    // Keyboard: Space or K plays and pauses, "." steps, "," steps back,
    // Escape closes the node menu and the anomaly close-up.
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
    // Embedding: a chapter, autoplay, commands from allowed origins.
    {
        let dispatch = dispatch.clone();
        let embed = embed.clone();
        use_effect_with((), move |_| {
            if let Some(i) = embed.chapter.as_deref().and_then(crate::chapters::find) {
                dispatch.emit(Action::OpenChapter(Some(i)));
            }
            if embed.autoplay {
                dispatch.emit(Action::SetPlaying(true));
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
    // Background checkpointing, as actions, on idle time.
    let trigger = use_mut_ref(|| Rc::new(Cell::new(AheadTrigger::default())));
    let trigger = trigger.borrow().clone();
    trigger.set(AheadTrigger {
        playing: lab.playing,
        done: lab.ahead_state().done,
    });
    {
        let dispatch = dispatch.clone();
        let trigger = trigger.clone();
        use_effect_with((), move |_| {
            let alive = Rc::new(Cell::new(true));
            let running = alive.clone();
            // Not before the first frame is drawn.
            crate::clock::later(0, false, move |_| ahead_loop(dispatch, trigger, running));
            move || alive.set(false)
        });
    }
    let narrow = use_media(NARROW_QUERY);
    let reduced_motion = use_media(REDUCED_MOTION_QUERY);
    let theme = {
        let asked = embed.theme;
        use_state(move || crate::theme::initial(asked, stored_theme))
    };
    {
        // Embedding: a `theme` command switches the colours live.
        let embed = embed.clone();
        let allows = Rc::new(move |origin: &str| embed.allows(origin));
        crate::theme::use_theme_commands(allows, theme.clone());
    }
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
            // At once, so the canvas (which reads its colours from the
            // style sheet) sees the new theme.
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

    // The view model, part by part, each rebuilt as often as it is drawn.
    let l: &Lab = &lab;
    let fast = l.playing && l.speed >= LIVE_SPEED;
    let live = |phase: u64| (l.live + phase) / LIVE_PERIOD;
    let next = l.main.borrow().next;
    let facts_cell: OnceCell<view::facts::Facts> = OnceCell::new();
    let facts = || facts_cell.get_or_init(|| view::facts(l));
    let every = |fast_key: (u64, u64)| {
        if fast {
            (true, fast_key.0, fast_key.1)
        } else {
            (false, l.version, 0)
        }
    };
    let run_view = use_memo(every((l.settled, l.live)), |_| panels::run_bar(l));
    let experiment = use_memo(l.settled, |_| panels::experiment(l));
    let chapter = use_memo(
        (l.settled, l.now_us() > 0, panels::chapter_revealed(l)),
        |_| panels::chapter(l).map(Rc::new),
    );
    let drawing = use_memo((every((l.settled, l.live)), narrow), |_| {
        cluster::build(l, facts(), narrow)
    });
    let flights_view = use_memo(
        (l.version, Rc::as_ptr(&drawing) as usize, reduced_motion),
        |_| flights::build(l, &drawing, reduced_motion),
    );
    let menu = use_memo((l.settled, live(0)), |_| {
        panels::node_menu(l, facts()).map(Rc::new)
    });
    let commit = use_memo((l.settled, next), |_| panels::commit(l));
    let routing = use_memo((l.settled, next), |_| panels::routing(l));
    let readouts = use_memo((l.settled, live(1)), |_| panels::readouts(l, facts()));
    let anomalies = use_memo((l.settled, live(2)), |_| panels::anomalies(l, facts()));
    let seq = use_memo(
        (every((l.settled, live(3))), narrow, reduced_motion),
        |_| sequence::build(l, facts(), narrow, reduced_motion),
    );
    let charts_view = use_memo((l.settled, live(0)), |_| {
        let names: Vec<String> = facts().nodes.iter().map(|n| n.name.clone()).collect();
        charts::build(l, &names, &readouts.promotions, &l.sweep)
    });
    let cluster_settings = use_memo(l.settled, |_| panels::cluster_settings(l));
    let failover = use_memo(l.settled, |_| panels::failover(l));
    let events = use_memo(Rc::as_ptr(&readouts) as usize, |_| {
        view::events(l, &readouts)
    });

    // Events to an embedding page: after the render that shows them.
    {
        let told = use_mut_ref(Told::default);
        use_effect_with(events.clone(), move |ev| tell(ev, &mut told.borrow_mut()));
    }
    {
        let done = chapter
            .as_ref()
            .as_ref()
            .filter(|c| c.revealed)
            .map(|c| c.index);
        use_effect_with(done, |done| {
            if let Some(i) = done {
                post_event(
                    "chapter-completed",
                    &[("chapter", ((*i + 1) as f64).into())],
                );
            }
        });
    }

    {
        // The element showing the chapter's key event is highlighted once
        // the answer is revealed (the selector is the view model's).
        let evidence = chapter
            .as_ref()
            .as_ref()
            .filter(|c| c.revealed)
            .map(|c| c.evidence);
        use_effect_with(evidence, |evidence| {
            highlight_evidence(*evidence);
        });
    }

    {
        // Embedding: the page hears when the chapter or the scenario on
        // screen changes (`chapter` 0 is the free sandbox).
        let now = (
            l.chapter.as_ref().map_or(0, |c| c.index + 1),
            l.scenario_name.clone(),
        );
        let told = use_mut_ref(|| None::<(usize, String)>);
        use_effect_with(now, move |now| {
            if let Some((chapter, scenario)) = told.borrow_mut().replace(now.clone()) {
                if chapter != now.0 {
                    post_event("chapter", &[("chapter", (now.0 as f64).into())]);
                }
                if scenario != now.1 {
                    post_event("scenario", &[("scenario", now.1.clone().into())]);
                }
            }
        });
    }

    let d = dispatch.clone();
    let show = |part: &str| embed.shows(part);
    let open_lessons = {
        let d = d.clone();
        Callback::from(move |_: MouseEvent| d.emit(Action::OpenChapter(Some(0))))
    };
    let first_node = drawing.nodes.first().map(|n| n.dom_id.clone());
    let skip = Callback::from(move |e: MouseEvent| {
        if let Some(id) = &first_node {
            e.prevent_default();
            focus_by_id(id);
        }
    });
    let description = experiment.description.clone();
    // A guided chapter on a page of its own (not embedded) is laid out so
    // its question, the drawing and the read-out the question is about
    // fit one screen (docs/web.md, "The fold"): the drawing's fault
    // buttons and legend move below the read-outs.
    let lesson = l.chapter.is_some() && !embed.on;
    let tools = html! {
        <>
            if show("faults") {
                <FaultButtons on_action={d.clone()}/>
            }
            if show("legend") {
                <Legend/>
            }
        </>
    };
    let stage = html! {
        <section class="stage panel" id="stage" tabindex="-1" aria-labelledby="stage-title">
            <div class="panel-head">
                <h2 id="stage-title">{"Cluster"}</h2>
                if !embed.on {
                    <p class="scenario-desc">{description}</p>
                }
            </div>
            <Cluster drawing={drawing.clone()} flights={flights_view.clone()} viewer={viewer} on_action={d.clone()}/>
            <NodeMenu view={(*menu).clone()} on_action={d.clone()}/>
            if !lesson {
                {tools.clone()}
            }
        </section>
    };
    let side = html! {
        if show("commit") || show("routing") || show("readouts") || show("anomalies") {
            <section class="side">
                if show("commit") || show("routing") {
                    <div class="panel settings-main" role="region" aria-label="Commit and reads">
                        if show("commit") {
                            <CommitControls view={commit.clone()} on_action={d.clone()}/>
                        }
                        if show("routing") {
                            <RoutingControls view={routing.clone()} on_action={d.clone()}/>
                        }
                    </div>
                }
                if show("readouts") {
                    <Readouts view={readouts.clone()} on_action={d.clone()}/>
                }
                if show("anomalies") {
                    <Anomalies view={anomalies.clone()} on_action={d.clone()}/>
                }
            </section>
        }
    };
    let sequence = html! {
        if show("sequence") {
            <SequencePanel view={seq.clone()} on_action={d.clone()}/>
        }
    };
    let charts_panel = html! {
        if show("charts") {
            <ChartsPanel view={charts_view.clone()} on_action={d.clone()}/>
        }
    };
    html! {
        <main class={classes!("lab", viewer.narrow.then_some("narrow"), embed.on.then_some("embed"), lesson.then_some("lesson"))}>
            <a class="skip-link" id="skip-to-cluster" href="#stage" onclick={skip}>{"Skip to the cluster"}</a>
            if let Some(text) = l.banner.clone() {
                <div class="banner" role="alert" id="banner">
                    <span>{text}</span>
                    <button onclick={crate::props::on_click(&d, Action::DismissBanner)}
                            aria-label="Dismiss message">{ icon(Icon::Close) }</button>
                </div>
            }
            if show("run") || show("experiment") || show("theme") {
                <header class="bar panel">
                    if show("run") {
                        <RunBar view={run_view.clone()} on_action={d.clone()}/>
                    }
                    if show("experiment") {
                        <ExperimentControls view={experiment.clone()} on_action={d.clone()}/>
                    }
                    if !embed.on && l.chapter.is_none() {
                        <button id="lessons" class="ghost" onclick={open_lessons}
                                title="Nine short chapters, one experiment each">{ icon(Icon::Book) }{" Guided lessons"}</button>
                    }
                    if show("theme") {
                        <button id="theme" class="ghost" onclick={on_theme} aria-pressed={dark.to_string()}
                                title="Switch between light and dark colours">
                            { icon(if dark { Icon::Sun } else { Icon::Moon }) }
                            { if dark { " Light theme" } else { " Dark theme" } }
                        </button>
                    }
                </header>
            }
            if let Some(c) = chapter.as_ref().clone() {
                <ChapterPanel key={format!("chapter-{}", c.index)} view={c.clone()} on_action={d.clone()}/>
            }
            if lesson {
                <div class="lesson-main">
                    {stage}{side}
                    if show("faults") || show("legend") {
                        <section class="panel stage-tools" aria-label="Faults and legend">{tools}</section>
                    }
                    {sequence}{charts_panel}
                </div>
            } else {
                {stage}{side}{sequence}{charts_panel}
            }
            if show("settings") {
                <section class="panel settings-more" aria-label="Cluster and failover settings">
                    <ClusterControls view={cluster_settings.clone()} on_action={d.clone()}/>
                    <FailoverControls view={failover.clone()} on_action={d.clone()}/>
                </section>
            }
            <p class="sr-only" role="status" aria-live="polite" id="status">{l.status.clone()}</p>
        </main>
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
                            { glyph(c) }
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
                <li title="A follower's silence from its leader against its timeout (or the leader key's age against its TTL); full and red: it suspects the leader">
                    <svg width="16" height="16" viewBox="-8 -8 16 16" aria-hidden="true">
                        <circle r="5.5" fill="none" stroke="var(--line)" stroke-width="2.5"/>
                        <circle r="5.5" fill="none" stroke="var(--vote)" stroke-width="2.5"
                                pathLength="1000" stroke-dasharray="650 1000" transform="rotate(-90)"/>
                    </svg>
                    {"failure timer"}
                </li>
                <li class="legend-note">{"Solid shapes: write path · hollow: read path"}</li>
            </ul>
        </div>
    }
}

/// The shape of a message kind, centred on the origin, as the legend and
/// the canvas draw it.
fn glyph(class: &str) -> Html {
    let shape = match class {
        "m-write" => html! { <circle r="6"/> },
        "m-wal" => html! { <rect x="-5.5" y="-5.5" width="11" height="11" rx="1"/> },
        "m-ack" => html! { <path d="M0,-7 L7,0 L0,7 L-7,0Z"/> },
        "m-ok" => html! {
            <>
                <circle r="6.5"/>
                <path class="tick" d="M-3.2,0.2 L-1,2.6 L3.2,-2.6"/>
            </>
        },
        "m-read" => html! { <circle r="5.5"/> },
        "m-readreply" => html! { <rect x="-5" y="-5" width="10" height="10" rx="1"/> },
        "m-heartbeat" => html! { <circle r="3.5"/> },
        "m-vote" => html! { <path d="M0,-7 L6.5,5 L-6.5,5Z"/> },
        _ => html! { <path d="M-5,-5 L5,5 M5,-5 L-5,5"/> },
    };
    html! { <g class={classes!("msg", class.to_string())}>{shape}</g> }
}

/// Marks the element showing a chapter's key event
/// (`[data-key-evidence]`), after clearing the mark from any other.
fn highlight_evidence(selector: Option<&'static str>) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    while let Ok(Some(old)) = doc.query_selector("[data-key-evidence]") {
        let _ = old.remove_attribute("data-key-evidence");
    }
    if let Some(el) = selector.and_then(|s| doc.query_selector(s).ok().flatten()) {
        let _ = el.set_attribute("data-key-evidence", "");
    }
}
