//! The page: controls, the cluster picture and the read-outs, plus the
//! animation loop.
//!
//! The loop is driven by `requestAnimationFrame`: each frame dispatches
//! [`Action::Frame`] with the browser's timestamp and the reducer advances
//! the engine by the elapsed real time times the chosen speed. The frame
//! handle lives in a hook; dropping it (on pause or unmount) cancels the
//! next frame.

use crate::cluster::{fmt_us, ClusterView};
use crate::library::SCENARIOS;
use crate::state::{Action, Lab, POLICIES, ROUTINGS, SPEEDS};
use gloo::render::{request_animation_frame, AnimationFrame};
use replica_engine::node::Role;
use replica_engine::scenario::FaultAction;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

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
        dispatch.emit(Action::Frame(ts));
        if alive.get() {
            frame_loop(dispatch, again, alive);
        }
    });
    *slot.borrow_mut() = Some(handle);
}

/// The whole lab.
#[function_component]
pub fn App() -> Html {
    let lab = use_reducer(Lab::new);
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

    html! {
        <main class="lab">
            <Banner lab={(*lab).clone().into_rc()} on_action={dispatch.clone()}/>
            <Controls lab={(*lab).clone().into_rc()} on_action={dispatch.clone()}/>
            <section class="stage">
                <ClusterView lab={(*lab).clone().into_rc()} on_action={dispatch.clone()}/>
                <Legend/>
            </section>
            <Readouts lab={(*lab).clone().into_rc()}/>
        </main>
    }
}

impl Lab {
    fn into_rc(self) -> Rc<Lab> {
        Rc::new(self)
    }
}

impl PartialEq for Lab {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.sim, &other.sim) && self.version == other.version
    }
}

/// Props shared by the panels.
#[derive(Properties, PartialEq)]
pub struct PanelProps {
    /// The state.
    pub lab: Rc<Lab>,
    /// Dispatches actions.
    pub on_action: Callback<Action>,
}

#[function_component]
fn Banner(props: &PanelProps) -> Html {
    let Some(text) = props.lab.banner.clone() else {
        return html! {};
    };
    let on_action = props.on_action.clone();
    html! {
        <div class="banner" role="alert">
            <span>{text}</span>
            <button onclick={Callback::from(move |_| on_action.emit(Action::DismissBanner))} aria-label="Dismiss">{"×"}</button>
        </div>
    }
}

fn select_value(e: &Event) -> String {
    e.target_unchecked_into::<HtmlSelectElement>().value()
}

#[function_component]
fn Controls(props: &PanelProps) -> Html {
    let lab = &props.lab;
    let act = |a: Action| {
        let cb = props.on_action.clone();
        Callback::from(move |_: MouseEvent| cb.emit(a.clone()))
    };
    let on_speed = {
        let cb = props.on_action.clone();
        Callback::from(move |e: Event| {
            if let Ok(i) = select_value(&e).parse() {
                cb.emit(Action::SetSpeed(i));
            }
        })
    };
    let on_scenario = {
        let cb = props.on_action.clone();
        Callback::from(move |e: Event| cb.emit(Action::LoadScenario(select_value(&e))))
    };
    let on_policy = {
        let cb = props.on_action.clone();
        Callback::from(move |e: Event| cb.emit(Action::SetPolicy(select_value(&e))))
    };
    let on_routing = {
        let cb = props.on_action.clone();
        Callback::from(move |e: Event| cb.emit(Action::SetRouting(select_value(&e))))
    };
    let on_seed = {
        let cb = props.on_action.clone();
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlInputElement>().value();
            if let Ok(seed) = v.trim().parse::<u64>() {
                cb.emit(Action::SetSeed(seed));
            }
        })
    };
    let on_dice = {
        let cb = props.on_action.clone();
        Callback::from(move |_: MouseEvent| {
            let mut b = [0u8; 4];
            if getrandom::fill(&mut b).is_ok() {
                cb.emit(Action::SetSeed(u32::from_le_bytes(b) as u64));
            }
        })
    };
    let now = lab.sim.borrow().now_us();
    let end = lab.scenario.duration_us;
    html! {
        <section class="controls" aria-label="Controls">
            <div class="row">
                <button id="play" class="primary" onclick={act(Action::TogglePlay)} aria-pressed={lab.playing.to_string()}>
                    { if lab.playing { "❚❚ Pause" } else { "▶ Play" } }
                </button>
                <button id="step" onclick={act(Action::Step)} title="Process one event">{"Step"}</button>
                <button id="reset" onclick={act(Action::Reset)} title="Back to time zero">{"⟲ Reset"}</button>
                <label>{"Speed "}
                    <select id="speed" onchange={on_speed} aria-label="Speed">
                        { for SPEEDS.iter().enumerate().map(|(i, (_, name))| html! {
                            <option value={i.to_string()} selected={i == lab.speed}>{*name}</option>
                        }) }
                    </select>
                </label>
                <span class="clock" aria-live="off">{format!("t = {} / {}", fmt_us(now), fmt_us(end))}</span>
            </div>
            <div class="row">
                <label>{"Scenario "}
                    <select id="scenario" onchange={on_scenario} aria-label="Scenario">
                        { for SCENARIOS.iter().map(|(name, _)| html! {
                            <option value={*name} selected={*name == lab.scenario_name}>{*name}</option>
                        }) }
                    </select>
                </label>
                <label>{"Seed "}
                    <input id="seed" type="number" min="0" value={lab.seed.to_string()} onchange={on_seed} aria-label="Seed"/>
                </label>
                <button id="random-seed" onclick={on_dice} title="Random seed" aria-label="Random seed">{"Random"}</button>
            </div>
            <div class="row">
                <label>{"Commit "}
                    <select id="policy" onchange={on_policy} aria-label="Commit policy">
                        { for POLICIES.iter().map(|(k, name)| html! {
                            <option value={*k} selected={*k == lab.policy}>{*name}</option>
                        }) }
                    </select>
                </label>
                <label>{"Reads "}
                    <select id="routing" onchange={on_routing} aria-label="Read routing">
                        { for ROUTINGS.iter().map(|(k, name)| html! {
                            <option value={*k} selected={*k == lab.routing}>{*name}</option>
                        }) }
                    </select>
                </label>
            </div>
            <div class="row faults">
                <button id="kill-leader" class="danger" onclick={act(Action::Fault(FaultAction::KillLeader { power_loss: true }))}>{"Kill the leader"}</button>
                <button id="partition-leader" class="danger" onclick={act(Action::Fault(FaultAction::PartitionLeader))}>{"Partition the leader"}</button>
                <button id="heal" onclick={act(Action::Fault(FaultAction::HealAll))}>{"Heal network"}</button>
                <span class="hint">{"Click a node to crash or restart it."}</span>
            </div>
        </section>
    }
}

#[function_component]
fn Legend() -> Html {
    let items = [
        ("m-write", "write"),
        ("m-wal", "WAL record"),
        ("m-ack", "ack"),
        ("m-ok", "OK"),
        ("m-read", "read"),
        ("m-readreply", "read reply"),
        ("m-heartbeat", "heartbeat"),
        ("m-vote", "vote"),
    ];
    html! {
        <ul class="legend" aria-label="Message colours">
            { for items.iter().map(|(c, name)| html! {
                <li><svg width="14" height="14" aria-hidden="true"><g class={classes!("msg", *c)}><circle cx="7" cy="7" r="5"/></g></svg>{*name}</li>
            }) }
            <li><span class="swatch applied"></span>{"applied"}</li>
            <li><span class="swatch flushed"></span>{"flushed"}</li>
            <li><span class="swatch written"></span>{"written"}</li>
        </ul>
    }
}

#[derive(Properties, PartialEq)]
struct ReadoutProps {
    lab: Rc<Lab>,
}

#[function_component]
fn Readouts(props: &ReadoutProps) -> Html {
    let sim = props.lab.sim.borrow();
    let m = &sim.metrics;
    let c = m.commit_latency.summary();
    let leader = sim.current_leader();
    let policy_state = match leader.map(|l| &sim.nodes[l as usize]) {
        Some(n) if n.cfg.policy.is_async() => "asynchronous".to_string(),
        Some(n) if n.degraded => {
            let at = m
                .policy_changes
                .iter()
                .rev()
                .find(|p| p.degraded)
                .map_or(0, |p| p.t_us);
            format!("semi-sync: fell back to async at {}", fmt_us(at))
        }
        Some(_) => "synchronous: waiting for the quorum".to_string(),
        None => "no leader".to_string(),
    };
    let lag_rows = sim
        .nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| n.role != Role::Leader)
        .map(|(i, _)| {
            let l = &m.lag[i];
            html! {
                <tr>
                    <td>{sim.scenario.nodes[i].name.clone()}</td>
                    <td>{l.last_entries}</td>
                    <td>{fmt_us(l.last_us)}</td>
                    <td>{fmt_us(l.max_us)}</td>
                </tr>
            }
        });
    html! {
        <section class="readouts" aria-label="Read-outs">
            <dl>
                <div><dt>{"Commit p50"}</dt><dd id="commit-p50" data-us={c.p50_us.to_string()}>{fmt_us(c.p50_us)}</dd></div>
                <div><dt>{"Commit p99"}</dt><dd id="commit-p99" data-us={c.p99_us.to_string()}>{fmt_us(c.p99_us)}</dd></div>
                <div><dt>{"Writes acked"}</dt><dd id="writes-acked">{m.writes_acknowledged}</dd></div>
                <div><dt>{"Writes failed"}</dt><dd id="writes-failed">{m.writes_failed}</dd></div>
                <div><dt>{"Stale reads"}</dt><dd id="stale-reads">{m.stale_reads}</dd></div>
                <div><dt>{"Policy"}</dt><dd id="policy-state">{policy_state}</dd></div>
            </dl>
            <table class="lag">
                <caption>{"Follower lag"}</caption>
                <thead><tr><th>{"node"}</th><th>{"entries"}</th><th>{"now"}</th><th>{"max"}</th></tr></thead>
                <tbody>{ for lag_rows }</tbody>
            </table>
        </section>
    }
}
