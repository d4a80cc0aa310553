//! The controls: running, the experiment, the commit policy, read routing,
//! the cluster, failover, faults, and the menu of a clicked node.
//!
//! Every control is a native HTML element with a visible label (so it works
//! with the keyboard and screen readers as is) and a stable `id` the page
//! tests use. Controls only dispatch [`Action`]s; what a change does to the
//! run (a live switch, or a rebuild from time zero) is the reducer's call.

use crate::app::PanelProps;
use crate::cluster::{fmt_us, node_state, region_caption};
use crate::library::SCENARIOS;
use crate::settings::{
    self, CommitMode, ACK_POINTS, FAILOVER_MODES, FENCING, MAX_FOLLOWERS, MITIGATIONS,
    REGION_PRESETS, ROUTINGS,
};
use crate::state::{Action, Lab, SPEEDS};
use replica_engine::network::NodeId;
use replica_engine::node::Role;
use replica_engine::scenario::defaults::DEFAULT_READS;
use replica_engine::scenario::{FaultAction, SynchronousCommit};
use web_sys::{HtmlElement, HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

pub(crate) fn select_value(e: &Event) -> String {
    e.target_unchecked_into::<HtmlSelectElement>().value()
}

fn input_value(e: &Event) -> String {
    e.target_unchecked_into::<HtmlInputElement>().value()
}

fn emit(cb: &Callback<Action>, a: Action) -> Callback<MouseEvent> {
    let cb = cb.clone();
    Callback::from(move |_: MouseEvent| cb.emit(a.clone()))
}

/// Play, step, reset, speed, the clock, scenario and seed.
#[function_component]
pub fn RunBar(props: &PanelProps) -> Html {
    let lab = &props.lab;
    let cb = &props.on_action;
    let on_speed = {
        let cb = cb.clone();
        Callback::from(move |e: Event| {
            if let Ok(i) = select_value(&e).parse() {
                cb.emit(Action::SetSpeed(i));
            }
        })
    };
    let (now, events, hash) = {
        let run = lab.main.borrow();
        (run.sim.now_us(), run.sim.events, run.sim.trace_hash())
    };
    let end = lab.base.duration_us;
    let ahead = lab.ahead_state();
    let on_scrub = {
        let cb = cb.clone();
        Callback::from(move |e: Event| {
            if let Ok(t) = input_value(&e).parse::<u64>() {
                cb.emit(Action::Seek(t));
            }
        })
    };
    html! {
        <div class="run" role="group" aria-label="Run">
            <button id="play" class="primary" onclick={emit(cb, Action::TogglePlay)}
                    aria-pressed={lab.playing.to_string()} title="Play or pause (Space)">
                { if lab.playing { "❚❚ Pause" } else { "▶ Play" } }
            </button>
            <button id="rewind" onclick={emit(cb, Action::Rewind)} title="Back to time zero, keeping your changes">{"⇤ Rewind"}</button>
            <button id="step-back" onclick={emit(cb, Action::StepBack)} title="Undo one event (,)">{"◀ Back"}</button>
            <button id="step" onclick={emit(cb, Action::Step)} title="Process one event (.)">{"Step"}</button>
            <button id="reset" onclick={emit(cb, Action::Reset)} title="Back to time zero, same settings and seed">{"⟲ Reset"}</button>
            <label class="field inline">
                <span>{"Speed"}</span>
                <select id="speed" onchange={on_speed}>
                    { for SPEEDS.iter().enumerate().map(|(i, (_, name))| html! {
                        <option value={i.to_string()} selected={i == lab.speed}>{*name}</option>
                    }) }
                </select>
            </label>
            <div class="clock" id="clock" data-now-us={now.to_string()} data-end-us={end.to_string()}
                 data-events={events.to_string()} data-hash={format!("{hash:016x}")}
                 data-ready-us={ahead.ready_us.to_string()}
                 data-checkpoints={if ahead.done { "done" } else { "computing" }}>
                <span>{format!("t = {}", fmt_us(now))}</span>
                <span class="clock-end">{format!(" / {}", fmt_us(end))}</span>
                <input type="range" id="scrubber" class="scrubber" min="0" max={end.to_string()}
                       step="1" value={now.to_string()} onchange={on_scrub}
                       aria-label="Seek to a simulated instant"
                       aria-valuetext={format!("{} of {}", fmt_us(now), fmt_us(end))} />
            </div>
        </div>
    }
}

/// Scenario picker and seed.
#[function_component]
pub fn ExperimentControls(props: &PanelProps) -> Html {
    let lab = &props.lab;
    let cb = &props.on_action;
    let on_scenario = {
        let cb = cb.clone();
        Callback::from(move |e: Event| cb.emit(Action::LoadScenario(select_value(&e))))
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
    let shared = use_state(String::new);
    let on_copy = {
        let shared = shared.clone();
        let lab = lab.clone();
        Callback::from(move |_: MouseEvent| {
            let query = crate::link::Link::of(&lab).query();
            let Some(win) = web_sys::window() else {
                return;
            };
            let loc = win.location();
            let here = format!(
                "{}{}",
                loc.origin().unwrap_or_default(),
                loc.pathname().unwrap_or_default()
            );
            let url = format!("{here}{query}");
            // The address bar shows the link too, so reloading keeps the run.
            if let Ok(h) = win.history() {
                h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url))
                    .ok();
            }
            // Best effort: a page without clipboard permission still shows
            // the link in the box, selected, to copy by hand.
            let _ = win.navigator().clipboard().write_text(&url);
            shared.set(url);
        })
    };
    let on_focus_link = Callback::from(|e: FocusEvent| {
        if let Some(input) = e
            .target()
            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlInputElement>(t).ok())
        {
            input.select();
        }
    });
    html! {
        <div class="experiment" role="group" aria-label="Experiment">
            <label class="field inline">
                <span>{"Scenario"}</span>
                <select id="scenario" onchange={on_scenario}>
                    { for SCENARIOS.iter().map(|e| html! {
                        <option value={e.name} selected={e.name == lab.scenario_name}>{e.name}</option>
                    }) }
                </select>
            </label>
            <label class="field inline">
                <span>{"Seed"}</span>
                <input id="seed" type="number" min="0" inputmode="numeric"
                       value={lab.seed.to_string()} onchange={on_seed}/>
            </label>
            <button id="random-seed" onclick={on_dice} title="Draw a random seed">{"Random seed"}</button>
            <button id="copy-link" onclick={on_copy}
                    title="Copy a link that reopens this run at this instant">{"Copy link"}</button>
            if !shared.is_empty() {
                <input id="share-link" class="share-link" type="text" readonly=true
                       aria-label="Link to this run" value={(*shared).clone()}
                       onfocus={on_focus_link} />
            }
        </div>
    }
}

/// The commit policy form.
#[function_component]
pub fn CommitControls(props: &PanelProps) -> Html {
    let lab = &props.lab;
    let form = lab.form.clone();
    let followers = settings::follower_names(&lab.file);
    let set = {
        let cb = props.on_action.clone();
        move |f: settings::PolicyForm| cb.emit(Action::SetPolicy(f))
    };
    let on_mode = {
        let (set, form) = (set.clone(), form.clone());
        Callback::from(move |e: Event| {
            if let Some(mode) = CommitMode::from_key(&select_value(&e)) {
                set(settings::PolicyForm {
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
                set(settings::PolicyForm { k, ..form.clone() });
            }
        })
    };
    let on_ack = {
        let (set, form) = (set.clone(), form.clone());
        Callback::from(move |e: Event| {
            let key = select_value(&e);
            if let Some(ack) = SynchronousCommit::from_word(&key).and_then(|s| s.standby_ack()) {
                set(settings::PolicyForm {
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
                set(settings::PolicyForm {
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
    html! {
        <fieldset class="group commit">
            <legend>{"Commit policy"}</legend>
            <label class="field">
                <span>{"When is a write committed?"}</span>
                <select id="commit-mode" onchange={on_mode}>
                    { for CommitMode::ALL.iter().map(|m| html! {
                        <option value={m.key()} selected={*m == form.mode}>{m.label()}</option>
                    }) }
                </select>
            </label>
            if form.mode.waits() {
                <div class="field">
                    <span id="standbys-label">{"Synchronous standbys"}</span>
                    <div class="row checks" role="group" aria-labelledby="standbys-label">
                        { for followers.iter().map(standby) }
                    </div>
                </div>
                <div class="row two">
                    <label class="field">
                        <span>{ if form.mode == CommitMode::First { "Wait for first" } else { "Wait for any" } }</span>
                        <input id="commit-k" type="number" min="1" max={form.standbys.len().max(1).to_string()}
                               value={form.k.to_string()} onchange={on_k}/>
                    </label>
                    <label class="field">
                        <span>{"Ack when the standby has"}</span>
                        <select id="ack-point" onchange={on_ack}>
                            { for ACK_POINTS.iter().map(|(a, label)| html! {
                                <option value={SynchronousCommit::waiting_for(*a).word()} selected={*a == form.ack}>{*label}</option>
                            }) }
                        </select>
                    </label>
                </div>
                if form.mode == CommitMode::SemiSync {
                    <label class="field">
                        <span>{"Fall back to async after (ms)"}</span>
                        <input id="semisync-timeout" type="number" min="1" step="100"
                               value={form.timeout_ms.to_string()} onchange={on_timeout}/>
                    </label>
                }
            }
            <p class="hint" id="policy-summary">{form.describe()}</p>
        </fieldset>
    }
}

/// Read routing.
#[function_component]
pub fn RoutingControls(props: &PanelProps) -> Html {
    let lab = &props.lab;
    let current = lab.file.routing.reads.unwrap_or(DEFAULT_READS);
    let on_routing = {
        let cb = props.on_action.clone();
        Callback::from(move |e: Event| cb.emit(Action::SetRouting(select_value(&e))))
    };
    let safe = MITIGATIONS.contains(&current);
    html! {
        <fieldset class="group routing">
            <legend>{"Reads"}</legend>
            <label class="field">
                <span>{"Route reads to"}</span>
                <select id="routing" onchange={on_routing} data-mitigation={safe.to_string()}>
                    { for ROUTINGS.iter().map(|(k, name)| html! {
                        <option value={k.word()} selected={*k == current}>{*name}</option>
                    }) }
                </select>
            </label>
            <p class="hint">
                { if safe { "Sessions always see their own writes." }
                  else { "Followers may lag: a session can miss its own write. Mitigations: leader after a write, or a position token." } }
            </p>
        </fieldset>
    }
}

/// Number of followers and their regions.
#[function_component]
pub fn ClusterControls(props: &PanelProps) -> Html {
    let lab = &props.lab;
    let cb = &props.on_action;
    let file = &lab.file;
    let followers = settings::follower_names(file);
    let n = followers.len();
    let regions = settings::regions(file);
    let on_count = {
        let cb = cb.clone();
        Callback::from(move |e: Event| {
            if let Ok(n) = input_value(&e).trim().parse::<usize>() {
                cb.emit(Action::SetFollowers(n));
            }
        })
    };
    let run = lab.main.borrow();
    let sim = &run.sim;
    let lead_region = lab.base.nodes[lab.base.leader as usize].region as usize;
    let mut f = (**file).clone();
    settings::materialize_nodes(&mut f);
    let row = |name: &String| {
        let i = (0..f.nodes.len())
            .find(|&i| settings::node_name(&f, i) == *name)
            .unwrap_or(0);
        let here = settings::region_of(&f, i);
        let cb = cb.clone();
        let node = name.clone();
        let onchange = Callback::from(move |e: Event| {
            cb.emit(Action::SetRegion {
                node: node.clone(),
                region: select_value(&e),
            });
        });
        let existing = regions.iter().enumerate().map(|(r, rn)| {
            let caption = if r < sim.scenario.regions.len() { region_caption(sim, lead_region, r) } else { String::new() };
            html! { <option value={rn.clone()} selected={*rn == here}>{format!("{rn} ({caption})")}</option> }
        });
        let presets = REGION_PRESETS
            .iter()
            .filter(|(p, _)| !regions.iter().any(|r| r == p))
            .map(|(p, us)| {
                html! { <option value={*p}>{format!("{p} (new, {} away)", fmt_us(*us))}</option> }
            });
        html! {
            <label class="field region-field">
                <span>{format!("{name} in")}</span>
                <select id={format!("region-{name}")} {onchange}>
                    { for existing }
                    { for presets }
                </select>
            </label>
        }
    };
    html! {
        <fieldset class="group cluster-settings">
            <legend>{"Cluster"}</legend>
            <div class="field">
                <label for="followers">{"Followers"}</label>
                <div class="row">
                    <button id="remove-follower" aria-label="One follower fewer" disabled={n <= 1}
                            onclick={emit(cb, Action::SetFollowers(n.saturating_sub(1)))}>{"−"}</button>
                    <input id="followers" type="number" min="1" max={MAX_FOLLOWERS.to_string()}
                           value={n.to_string()} onchange={on_count}/>
                    <button id="add-follower" aria-label="One follower more" disabled={n >= MAX_FOLLOWERS}
                            onclick={emit(cb, Action::SetFollowers(n + 1))}>{"+"}</button>
                </div>
            </div>
            <div class="regions">{ for followers.iter().map(row) }</div>
            <p class="hint">{"Changing the cluster restarts the run from time zero."}</p>
        </fieldset>
    }
}

/// Failover manager, detector timeout and fencing.
#[function_component]
pub fn FailoverControls(props: &PanelProps) -> Html {
    let lab = &props.lab;
    let cb = &props.on_action;
    let f = &lab.base.failover;
    let (mode, fencing) = (f.mode, f.fencing);
    let timeout_ms = lab
        .file
        .failover
        .timeout_ms
        .unwrap_or(f.election_timeout_us / 1_000);
    let on_mode = {
        let cb = cb.clone();
        Callback::from(move |e: Event| cb.emit(Action::SetFailoverMode(select_value(&e))))
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
        Callback::from(move |e: Event| cb.emit(Action::SetFencing(select_value(&e))))
    };
    html! {
        <fieldset class="group failover">
            <legend>{"Failover"}</legend>
            <label class="field">
                <span>{"Who promotes a follower"}</span>
                <select id="failover-mode" onchange={on_mode}>
                    { for FAILOVER_MODES.iter().map(|(k, name)| html! {
                        <option value={k.word()} selected={*k == mode}>{*name}</option>
                    }) }
                </select>
            </label>
            <label class="field">
                <span>{"Declare the leader dead after (ms)"}</span>
                <input id="failover-timeout" type="number" min="100" step="500"
                       value={timeout_ms.to_string()} onchange={on_timeout}/>
            </label>
            <label class="field">
                <span>{"Fencing of an old leader"}</span>
                <select id="fencing" onchange={on_fencing}>
                    { for FENCING.iter().map(|(k, name)| html! {
                        <option value={k.word()} selected={*k == fencing}>{*name}</option>
                    }) }
                </select>
            </label>
            <p class="hint">{"Changing failover settings restarts the run from time zero."}</p>
        </fieldset>
    }
}

/// The lesson's experiments, one click each.
#[function_component]
pub fn FaultButtons(props: &PanelProps) -> Html {
    let cb = &props.on_action;
    html! {
        <div class="faults" role="group" aria-label="Faults">
            <button id="kill-leader" class="danger"
                    onclick={emit(cb, Action::Fault(FaultAction::KillLeader { power_loss: true }))}>
                {"☠ Kill the leader now"}
            </button>
            <button id="partition-leader" class="danger"
                    onclick={emit(cb, Action::Fault(FaultAction::PartitionLeader))}>
                {"✂ Partition the leader"}
            </button>
            <button id="heal" onclick={emit(cb, Action::Fault(FaultAction::HealAll))}>{"Heal all links"}</button>
            <span class="hint">{"Click a node to crash, restart or isolate it; click a link to cut or heal it."}</span>
        </div>
    }
}

/// The actions of the node the user clicked.
#[function_component]
pub fn NodeMenu(props: &PanelProps) -> Html {
    let lab = &props.lab;
    let first = use_node_ref();
    {
        let first = first.clone();
        use_effect_with(lab.selected, move |sel| {
            if sel.is_some() {
                if let Some(el) = first.cast::<HtmlElement>() {
                    el.focus().ok();
                }
            }
        });
    }
    let Some(id) = lab.selected else {
        return html! {};
    };
    let run = lab.main.borrow();
    let sim = &run.sim;
    let i = id as usize;
    if i >= sim.nodes().len() {
        return html! {};
    }
    let name = sim.scenario.nodes[i].name.clone();
    let up = sim.is_up(i as NodeId);
    let state = node_state(sim, i, sim.current_leader());
    let role = match sim.node(i as NodeId).role() {
        Role::Leader => "leader",
        Role::Candidate => "candidate",
        _ => "follower",
    };
    let cb = &props.on_action;
    let nodes = sim.nodes().len();
    let act = |a: Action| {
        let cb = cb.clone();
        Callback::from(move |_: MouseEvent| {
            cb.emit(a.clone());
            cb.emit(Action::SelectNode(None));
        })
    };
    let cut_off = matches!(state, "isolated" | "partitioned");
    let node: NodeId = id;
    html! {
        <div id="node-menu" class="node-menu" role="group" aria-label={format!("Actions for {name}")}>
            <span class="node-menu-title"><strong>{name.clone()}</strong>{format!(" · {role} · {}", state.replace('-', " "))}</span>
            if up {
                <button id="node-crash" ref={first.clone()} class="danger"
                        onclick={act(Action::Fault(FaultAction::Crash { node, power_loss: false }))}>{"Crash"}</button>
                <button id="node-power-loss" class="danger"
                        onclick={act(Action::Fault(FaultAction::Crash { node, power_loss: true }))}
                        title="Un-fsynced WAL is lost and peers are not told">{"Power loss"}</button>
            } else {
                <button id="node-restart" ref={first.clone()} class="primary"
                        onclick={act(Action::Fault(FaultAction::Restart { node }))}>{"Restart"}</button>
            }
            if cut_off {
                <button id="node-heal" onclick={act(Action::Fault(Lab::heal_node(node, nodes)))}>{"Reconnect"}</button>
            } else {
                <button id="node-isolate" onclick={act(Action::Fault(FaultAction::Isolate { node }))}>{"Isolate"}</button>
            }
            <button id="node-menu-close" class="ghost" aria-label="Close the node menu"
                    onclick={act(Action::SelectNode(None))}>{"×"}</button>
        </div>
    }
}
