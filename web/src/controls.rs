//! The controls: running, the experiment, the commit policy, read routing,
//! the cluster, failover, faults, and the menu of a clicked node.
//!
//! Every control is a native HTML element with a visible label (so it works
//! with the keyboard and screen readers as is) and a stable `id` the page
//! tests use. Each shows its part of the view model — the settings in
//! effect at the playhead — and dispatches [`Action`]s; what a change does
//! to the run (a live switch, or a rebuild from time zero) is the
//! reducer's call.

use crate::icons::{icon, Icon};
use crate::library::SCENARIOS;
use crate::props::{on_click, Part};
use crate::settings::{
    self, CommitMode, PolicyForm, ACK_POINTS, FAILOVER_MODES, FENCING, MAX_FOLLOWERS, ROUTINGS,
};
use crate::speeds::SPEEDS;
use crate::state::{Action, Lab};
use crate::view::panels::{
    ClusterSettingsView, CommitView, ExperimentView, FailoverView, NodeMenuView, RoutingView,
    RunView,
};
use crate::widgets::Select;
use replica_engine::scenario::{FaultAction, SynchronousCommit};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, HtmlInputElement};
use yew::prelude::*;

fn input_value(e: &Event) -> String {
    e.target()
        .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
        .map(|i| i.value())
        .unwrap_or_default()
}

fn options<'a>(items: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<(AttrValue, AttrValue)> {
    items
        .map(|(v, l)| {
            (
                AttrValue::from(v.to_string()),
                AttrValue::from(l.to_string()),
            )
        })
        .collect()
}

/// Play, step, reset, speed, the clock and the scrubber.
#[function_component]
pub fn RunBar(props: &Part<RunView>) -> Html {
    let v = &props.view;
    let cb = &props.on_action;
    let on_speed = {
        let cb = cb.clone();
        Callback::from(move |value: String| {
            if let Ok(i) = value.parse() {
                cb.emit(Action::SetSpeed(i));
            }
        })
    };
    let on_scrub = {
        let cb = cb.clone();
        Callback::from(move |e: Event| {
            if let Ok(t) = input_value(&e).parse::<u64>() {
                cb.emit(Action::Seek(t));
            }
        })
    };
    let speeds: Vec<(AttrValue, AttrValue)> = SPEEDS
        .iter()
        .enumerate()
        .map(|(i, (_, name))| (AttrValue::from(i.to_string()), AttrValue::from(*name)))
        .collect();
    html! {
        <div class="run" role="group" aria-label="Run">
            <button id="play" class="primary" onclick={on_click(cb, Action::TogglePlay)}
                    aria-pressed={v.playing.to_string()} title="Play or pause (Space)">
                { icon(if v.playing { Icon::Pause } else { Icon::Play }) }
                { if v.playing { " Pause" } else { " Play" } }
            </button>
            <button id="rewind" onclick={on_click(cb, Action::Rewind)} title="Back to time zero, keeping your changes">
                { icon(Icon::Rewind) }{" Rewind"}
            </button>
            <button id="step-back" onclick={on_click(cb, Action::StepBack)} title="Undo one event (,)">
                { icon(Icon::StepBack) }{" Back"}
            </button>
            <button id="step" onclick={on_click(cb, Action::Step)} title="Process one event (.)">
                { icon(Icon::Step) }{" Step"}
            </button>
            <button id="reset" onclick={on_click(cb, Action::Reset)} title="Back to time zero, same settings and seed">
                { icon(Icon::Reset) }{" Reset"}
            </button>
            <label class="field inline">
                <span>{"Speed"}</span>
                <Select id="speed" value={v.speed.to_string()} options={speeds} onchange={on_speed}/>
            </label>
            <div class="clock" id="clock" data-now-us={v.now_us.to_string()} data-end-us={v.end_us.to_string()}
                 data-events={v.events.to_string()} data-hash={v.hash.clone()}
                 data-ready-us={v.ready_us.to_string()}
                 data-checkpoints={if v.checkpoints_done { "done" } else { "computing" }}>
                <span>{v.clock_text.clone()}</span>
                <span class="clock-end">{v.end_text.clone()}</span>
                <input type="range" id="scrubber" class="scrubber" min="0" max={v.end_us.to_string()}
                       step="1" value={v.now_us.to_string()} onchange={on_scrub}
                       aria-label="Seek to a simulated instant"
                       aria-valuetext={format!("{} of {}", v.clock_text.trim_start_matches("t = "), v.end_text.trim_start_matches(" / "))} />
            </div>
        </div>
    }
}

/// Scenario picker, seed and the shared link.
#[function_component]
pub fn ExperimentControls(props: &Part<ExperimentView>) -> Html {
    let v = &props.view;
    let cb = &props.on_action;
    let on_scenario = {
        let cb = cb.clone();
        Callback::from(move |name: String| cb.emit(Action::LoadScenario(name)))
    };
    let on_seed = {
        let cb = cb.clone();
        Callback::from(move |e: Event| {
            if let Ok(seed) = input_value(&e).trim().parse::<u64>() {
                cb.emit(Action::SetSeed(seed));
            }
        })
    };
    let on_dice = {
        let cb = cb.clone();
        Callback::from(move |_: MouseEvent| {
            let mut b = [0u8; 4];
            if getrandom::fill(&mut b).is_ok() {
                cb.emit(Action::SetSeed(u32::from_le_bytes(b) as u64));
            }
        })
    };
    // The link goes to the address bar and, where allowed, the clipboard:
    // side effects, so they run after the render that shows it.
    {
        let url = v.share_url.clone();
        use_effect_with(url, |url| {
            if let (Some(url), Some(win)) = (url, web_sys::window()) {
                if let Ok(h) = win.history() {
                    h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(url))
                        .ok();
                }
                let _ = win.navigator().clipboard().write_text(url);
            }
        });
    }
    let on_focus_link = Callback::from(|e: FocusEvent| {
        if let Some(input) = e
            .target()
            .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
        {
            input.select();
        }
    });
    let scenarios = options(SCENARIOS.iter().map(|e| (e.name, e.name)));
    html! {
        <div class="experiment" role="group" aria-label="Experiment">
            <label class="field inline">
                <span>{"Scenario"}</span>
                <Select id="scenario" value={v.scenario.clone()} options={scenarios} onchange={on_scenario}/>
            </label>
            <label class="field inline">
                <span>{"Seed"}</span>
                <input id="seed" type="number" min="0" inputmode="numeric"
                       value={v.seed.to_string()} onchange={on_seed}/>
            </label>
            <button id="random-seed" onclick={on_dice} title="Draw a random seed">
                { icon(Icon::Dice) }{" Random seed"}
            </button>
            <button id="copy-link" onclick={on_click(cb, Action::ShareLink)}
                    title="Copy a link that reopens this run at this instant">
                { icon(Icon::Chain) }{" Copy link"}
            </button>
            if let Some(url) = v.share_url.clone() {
                <input id="share-link" class="share-link" type="text" readonly=true
                       aria-label="Link to this run" value={url}
                       onfocus={on_focus_link} />
            }
        </div>
    }
}

/// The commit policy form: the policy in effect at the playhead.
#[function_component]
pub fn CommitControls(props: &Part<CommitView>) -> Html {
    let v = &props.view;
    let form = v.form.clone();
    let followers = v.followers.clone();
    let set = {
        let cb = props.on_action.clone();
        move |f: PolicyForm| cb.emit(Action::SetPolicy(f))
    };
    let on_mode = {
        let (set, form) = (set.clone(), form.clone());
        Callback::from(move |key: String| {
            if let Some(mode) = CommitMode::from_key(&key) {
                set(PolicyForm {
                    mode,
                    ..form.clone()
                });
            }
        })
    };
    let on_k = {
        let (set, form) = (set.clone(), form.clone());
        Callback::from(move |e: Event| {
            if let Ok(k) = input_value(&e).trim().parse::<u8>() {
                set(PolicyForm { k, ..form.clone() });
            }
        })
    };
    let on_ack = {
        let (set, form) = (set.clone(), form.clone());
        Callback::from(move |key: String| {
            if let Some(ack) = SynchronousCommit::from_word(&key).and_then(|s| s.standby_ack()) {
                set(PolicyForm {
                    ack,
                    ..form.clone()
                });
            }
        })
    };
    let on_timeout = {
        let (set, form) = (set.clone(), form.clone());
        Callback::from(move |e: Event| {
            if let Ok(ms) = input_value(&e).trim().parse::<u64>() {
                set(PolicyForm {
                    timeout_ms: ms.max(1),
                    ..form.clone()
                });
            }
        })
    };
    let standby = |name: &String| {
        let checked = form.standbys.contains(name);
        let (set, form, name2, all) = (set.clone(), form.clone(), name.clone(), followers.clone());
        let onchange = Callback::from(move |_: Event| {
            let mut f = form.clone();
            let on = !f.standbys.contains(&name2);
            // Keep the follower order as the priority order.
            f.standbys = all
                .iter()
                .filter(|a| {
                    if **a == name2 {
                        on
                    } else {
                        f.standbys.contains(a)
                    }
                })
                .cloned()
                .collect();
            f.k = f.k.clamp(1, f.standbys.len().max(1) as u8);
            set(f);
        });
        html! {
            <label class="check">
                <input type="checkbox" id={format!("standby-{name}")} {checked} {onchange}/>
                {name.clone()}
            </label>
        }
    };
    let modes = options(CommitMode::ALL.iter().map(|m| (m.key(), m.label())));
    let acks = options(ACK_POINTS.iter().map(|(a, l)| (settings::ack_word(*a), *l)));
    html! {
        <fieldset class="group commit">
            <legend>{"Commit policy"}</legend>
            <label class="field">
                <span>{"When is a write committed?"}</span>
                <Select id="commit-mode" value={form.mode.key()} options={modes} onchange={on_mode}/>
            </label>
            if form.mode.waits() {
                <div class="field">
                    <span id="standbys-label">{"Synchronous standbys"}</span>
                    <div class="row checks" role="group" aria-labelledby="standbys-label">
                        { for followers.iter().map(standby) }
                    </div>
                </div>
                <label class="field">
                    <span>{ if form.mode == CommitMode::First { "Wait for the first (k)" } else { "Wait for any (k)" } }</span>
                    <input id="commit-k" type="number" min="1" max={form.standbys.len().max(1).to_string()}
                           value={form.k.to_string()} onchange={on_k}/>
                </label>
                <label class="field">
                    <span>{"Ack when the standby has"}</span>
                    <Select id="ack-point" value={settings::ack_word(form.ack)} options={acks} onchange={on_ack}/>
                </label>
                if form.mode == CommitMode::SemiSync {
                    <label class="field">
                        <span>{"Fall back to async after (ms)"}</span>
                        <input id="semisync-timeout" type="number" min="1" step="100"
                               value={form.timeout_ms.to_string()} onchange={on_timeout}/>
                    </label>
                }
            }
            <p class="hint" id="policy-summary">{v.summary.clone()}</p>
            <p class="hint since" id="policy-since">{v.since.clone()}</p>
        </fieldset>
    }
}

/// Read routing, as in effect at the playhead.
#[function_component]
pub fn RoutingControls(props: &Part<RoutingView>) -> Html {
    let v = &props.view;
    let on_routing = {
        let cb = props.on_action.clone();
        Callback::from(move |key: String| cb.emit(Action::SetRouting(key)))
    };
    let on_window = {
        let cb = props.on_action.clone();
        Callback::from(move |e: Event| cb.emit(Action::SetRoutingWindow(input_value(&e))))
    };
    let routings = options(ROUTINGS.iter().map(|(r, l)| (r.word(), *l)));
    // The window of the routing in effect at the playhead; a refused
    // value is explained right under it.
    let window = match &v.window {
        Some(w) => {
            let refused = v.refused.as_ref();
            html! {
                <>
                    <label class="field">
                        <span>{w.label}</span>
                        <input id="routing-window" type="number" min="0" step="100"
                               data-key={w.key}
                               aria-invalid={refused.map(|_| "true")}
                               aria-describedby={refused.map(|_| "routing-window-error")}
                               value={w.ms.to_string()} onchange={on_window}/>
                    </label>
                    if let Some(r) = refused {
                        <p class="field-error" id="routing-window-error" role="alert">{r.text.clone()}</p>
                    }
                </>
            }
        }
        None => html! {},
    };
    html! {
        <fieldset class="group routing">
            <legend>{"Reads"}</legend>
            <label class="field">
                <span>{"Route reads to"}</span>
                <Select id="routing" value={v.key.clone()} options={routings} onchange={on_routing}
                        data_mitigation={AttrValue::from(v.safe.to_string())}/>
            </label>
            { window }
            <p class="hint">{v.hint}</p>
            <p class="hint since" id="routing-since">{v.since.clone()}</p>
        </fieldset>
    }
}

/// Number of followers and their regions.
#[function_component]
pub fn ClusterControls(props: &Part<ClusterSettingsView>) -> Html {
    let v = &props.view;
    let cb = &props.on_action;
    let n = v.followers;
    let on_count = {
        let cb = cb.clone();
        Callback::from(move |e: Event| {
            if let Ok(n) = input_value(&e).trim().parse::<usize>() {
                cb.emit(Action::SetFollowers(n));
            }
        })
    };
    let row = |r: &crate::view::panels::RegionRow| {
        let cb = cb.clone();
        let node = r.node.clone();
        let onchange = Callback::from(move |region: String| {
            cb.emit(Action::SetRegion {
                node: node.clone(),
                region,
            });
        });
        let opts: Vec<(AttrValue, AttrValue)> = r
            .options
            .iter()
            .map(|(a, b)| (AttrValue::from(a.clone()), AttrValue::from(b.clone())))
            .collect();
        html! {
            <label class="field region-field">
                <span>{format!("{} in", r.node)}</span>
                <Select id={format!("region-{}", r.node)} value={r.value.clone()} options={opts} {onchange}/>
            </label>
        }
    };
    html! {
        <fieldset class="group cluster-settings">
            <legend>{"Cluster"}</legend>
            <div class="field">
                <label for="followers">{"Followers"}</label>
                <div class="row">
                    <button id="remove-follower" aria-label="Remove a follower" disabled={n <= 1}
                            onclick={on_click(cb, Action::SetFollowers(n.saturating_sub(1)))}>{ icon(Icon::Minus) }</button>
                    <input id="followers" type="number" min="1" max={MAX_FOLLOWERS.to_string()}
                           value={n.to_string()} onchange={on_count}/>
                    <button id="add-follower" aria-label="Add a follower" disabled={n >= MAX_FOLLOWERS}
                            onclick={on_click(cb, Action::SetFollowers(n + 1))}>{ icon(Icon::Plus) }</button>
                </div>
            </div>
            <div class="regions">{ for v.rows.iter().map(row) }</div>
            <p class="hint">{"Changing the cluster restarts the run from time zero."}</p>
        </fieldset>
    }
}

/// Failover manager, detector timeout and fencing, as the run was built.
#[function_component]
pub fn FailoverControls(props: &Part<FailoverView>) -> Html {
    let v = &props.view;
    let cb = &props.on_action;
    let on_mode = {
        let cb = cb.clone();
        Callback::from(move |m: String| cb.emit(Action::SetFailoverMode(m)))
    };
    let on_timeout = {
        let cb = cb.clone();
        Callback::from(move |e: Event| {
            if let Ok(ms) = input_value(&e).trim().parse::<u64>() {
                cb.emit(Action::SetFailoverTimeout(ms));
            }
        })
    };
    let on_fencing = {
        let cb = cb.clone();
        Callback::from(move |f: String| cb.emit(Action::SetFencing(f)))
    };
    // A refused value is explained right under its field.
    let is_refused = |field: &str| v.refused.as_ref().is_some_and(|r| r.field == field);
    let refused = |field: &str| match v.refused.as_ref().filter(|r| r.field == field) {
        Some(r) => {
            html! { <p class="field-error" id={format!("{field}-error")} role="alert">{r.text.clone()}</p> }
        }
        None => html! {},
    };
    html! {
        <fieldset class="group failover">
            <legend>{"Failover"}</legend>
            <label class="field">
                <span>{"Who promotes a follower"}</span>
                <Select id="failover-mode" value={v.mode} options={options(FAILOVER_MODES.iter().map(|(m, l)| (m.word(), *l)))} onchange={on_mode}/>
            </label>
            { refused("failover-mode") }
            <label class="field">
                <span>{"Declare the leader dead after (ms)"}</span>
                <input id="failover-timeout" type="number" min="100" step="500"
                       aria-invalid={is_refused("failover-timeout").then_some("true")}
                       aria-describedby={is_refused("failover-timeout").then_some("failover-timeout-error")}
                       value={v.timeout_ms.to_string()} onchange={on_timeout}/>
            </label>
            { refused("failover-timeout") }
            <label class="field">
                <span>{"Fencing of an old leader"}</span>
                <Select id="fencing" value={v.fencing} options={options(FENCING.iter().map(|(f, l)| (f.word(), *l)))} onchange={on_fencing}/>
            </label>
            { refused("fencing") }
            <p class="hint">{"Changing failover settings restarts the run from time zero."}</p>
        </fieldset>
    }
}

/// The lesson's experiments, one click each.
#[derive(Properties, PartialEq)]
pub struct FaultProps {
    /// Dispatches actions.
    pub on_action: Callback<Action>,
}

/// The fault buttons.
#[function_component]
pub fn FaultButtons(props: &FaultProps) -> Html {
    let cb = &props.on_action;
    html! {
        <div class="faults" role="group" aria-label="Faults">
            <button id="kill-leader" class="danger"
                    onclick={on_click(cb, Action::Fault(FaultAction::KillLeader { power_loss: true }))}>
                { icon(Icon::Power) }{" Kill the leader now"}
            </button>
            <button id="partition-leader" class="danger"
                    onclick={on_click(cb, Action::Fault(FaultAction::PartitionLeader))}
                    title="Cut the leader off from the other nodes; clients still reach it">
                { icon(Icon::Cut) }{" Partition the leader"}
            </button>
            <button id="heal" onclick={on_click(cb, Action::Fault(FaultAction::HealAll))}>{"Heal all links"}</button>
            <span class="hint">{"Click a node to crash, restart or isolate it; click a link to cut or heal it."}</span>
        </div>
    }
}

/// Properties of the node menu.
#[derive(Properties)]
pub struct MenuProps {
    /// The menu, when open.
    pub view: Option<Rc<NodeMenuView>>,
    /// Dispatches actions.
    pub on_action: Callback<Action>,
}

impl PartialEq for MenuProps {
    fn eq(&self, other: &Self) -> bool {
        match (&self.view, &other.view) {
            (Some(a), Some(b)) => Rc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        }
    }
}

/// Gives focus to the element with this id (an HTML or SVG element).
pub fn focus_by_id(id: &str) {
    let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
    else {
        return;
    };
    if let Ok(f) = js_sys::Reflect::get(&el, &"focus".into()) {
        if let Some(f) = f.dyn_ref::<js_sys::Function>() {
            f.call0(&el).ok();
        }
    }
}

/// The actions of the node the user clicked. Focus moves into the menu
/// when it opens and back to the node when it closes (Escape, ×, or an
/// action).
#[function_component]
pub fn NodeMenu(props: &MenuProps) -> Html {
    let first = use_node_ref();
    let last_node = use_mut_ref(|| None::<String>);
    {
        let first = first.clone();
        let open = props.view.as_ref().map(|v| v.dom_id.clone());
        use_effect_with(open, move |open| match open {
            Some(id) => {
                *last_node.borrow_mut() = Some(id.clone());
                if let Some(el) = first.cast::<HtmlElement>() {
                    el.focus().ok();
                }
            }
            None => {
                if let Some(id) = last_node.borrow_mut().take() {
                    focus_by_id(&id);
                }
            }
        });
    }
    let Some(v) = props.view.as_deref() else {
        return html! {};
    };
    let cb = &props.on_action;
    let act = |a: Action| {
        let cb = cb.clone();
        Callback::from(move |_: MouseEvent| {
            cb.emit(a.clone());
            cb.emit(Action::SelectNode(None));
        })
    };
    let node = v.id;
    html! {
        <div id="node-menu" class="node-menu" role="group" aria-label={format!("Actions for {}", v.name)}>
            <span class="node-menu-title"><strong>{v.name.clone()}</strong>{v.title.clone()}</span>
            if v.up {
                <button id="node-crash" ref={first.clone()} class="danger"
                        onclick={act(Action::Fault(FaultAction::Crash { node, power_loss: false }))}>{"Crash"}</button>
                <button id="node-power-loss" class="danger"
                        onclick={act(Action::Fault(FaultAction::Crash { node, power_loss: true }))}
                        title="Un-fsynced WAL is lost and peers are not told">{"Power loss"}</button>
            } else {
                <button id="node-restart" ref={first.clone()} class="primary"
                        onclick={act(Action::Fault(FaultAction::Restart { node }))}>{"Restart"}</button>
            }
            if v.promotable {
                <button id="node-promote"
                        onclick={act(Action::Fault(FaultAction::Promote { node }))}
                        title="As pg_ctl promote: this node leads a new epoch; nobody fences the old leader">{"Promote"}</button>
            }
            if v.cut_off {
                <button id="node-heal" onclick={act(Action::Fault(Lab::heal_node(node, v.nodes)))}>{"Reconnect"}</button>
            } else {
                <button id="node-isolate" onclick={act(Action::Fault(FaultAction::Isolate { node }))}>{"Isolate"}</button>
            }
            <button id="node-menu-close" class="ghost" aria-label="Close the node menu"
                    onclick={act(Action::SelectNode(None))}>{ icon(Icon::Close) }</button>
        </div>
    }
}
