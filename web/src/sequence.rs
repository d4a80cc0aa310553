//! The sequence diagram, rendered from the view model: one lane for the
//! clients and one for each node, time flowing down, an arrow per message.
//! Everything is placed by `view/sequence.rs`; this draws it. The caption
//! says which write is followed and why; after "jump to", the close-up of
//! the anomaly's story replaces it.

use crate::format::tenths as px;
use crate::icons::{icon, Icon};
use crate::props::Part;
use crate::state::Action;
use crate::view::sequence::{DiagramView, SequenceBody, SequenceView};
use yew::prelude::*;

/// Draws one placed diagram.
pub fn render(d: &DiagramView) -> Html {
    let w = d.w;
    html! {
        <svg class="seq" id={format!("seq-{}", d.id)} viewBox={format!("0 0 {} {}", d.w, d.h)} role="img"
             aria-label={d.aria.clone()} data-mode={d.mode}
             data-latency-us={d.latency_us.map(|l| l.to_string()).unwrap_or_default()}>
            { for d.ticks.iter().map(|(y, text)| html! {
                <g class="tick">
                    <line x1="46" y1={px(*y)} x2={px(w - 4.0)} y2={px(*y)}/>
                    <text x="44" y={px(y + 3.5)}>{text.clone()}</text>
                </g>
            }) }
            { for d.lanes.iter().map(|l| html! {
                <g class={classes!("lane", l.client.then_some("client-lane"), l.leader.then_some("leader-lane"),
                                   l.down.then_some("down-lane"), l.tight.then_some("tight"))}>
                    <rect x={px(l.x - l.head_w / 2.0)} y="4" width={px(l.head_w)} height="36" rx="6"/>
                    <text class="lane-role" x={px(l.x)} y="18">{l.role.clone()}</text>
                    <text class="lane-name" x={px(l.x)} y="33">{l.name.clone()}</text>
                    <line class="lifeline" x1={px(l.x)} y1="42" x2={px(l.x)} y2={px(d.bottom)}/>
                </g>
            }) }
            if let Some(b) = &d.bracket {
                <g class={classes!("bracket", b.waiting.then_some("waiting"))}>
                    <path d={b.d.clone()}/>
                    if b.along {
                        <text x={px(b.x)} y={px(b.y)} transform={format!("rotate(-90 {:.1} {:.1})", b.x, b.y)}>{b.text.clone()}</text>
                    } else {
                        <text class="short" x={px(b.x)} y={px(b.y)}>{b.text.clone()}</text>
                    }
                </g>
            }
            { for d.arrows.iter().map(|a| html! {
                <g class={a.class.clone()} data-step={a.step.clone()} data-msg-id={a.msg_id.to_string()}>
                    <line x1={px(a.x1)} y1={px(a.y1)} x2={px(a.x2)} y2={px(a.y2)}/>
                    if a.dropped {
                        <g class="drop-mark">{ crate::icons::icon_at(Icon::Down, a.x2 - 5.0, a.y2 - 5.0, 10.0) }</g>
                    } else {
                        <path class="head" d={a.head.clone()}/>
                    }
                </g>
            }) }
            // Numbers and labels above every line, so a reply drawn later
            // never hides its request's number.
            { for d.arrows.iter().filter(|a| a.number.is_some() || a.label.is_some()).map(|a| html! {
                <g class={format!("arrow-text {}", a.class.trim_start_matches("arrow "))}>
                    if let Some((n, x, y)) = a.number {
                        <g class="step-num" transform={format!("translate({x:.1},{y:.1})")}>
                            <circle r="8"/>
                            <text y="3.5">{n.to_string()}</text>
                        </g>
                    }
                    if let Some(l) = &a.label {
                        if let Some((x1, y1, x2, y2)) = l.lead {
                            <line class="label-lead" x1={px(x1)} y1={px(y1)} x2={px(x2)} y2={px(y2)}/>
                        }
                        <text class="step-label" x={px(l.x)} y={px(l.y)} text-anchor={l.anchor}>{l.text.clone()}</text>
                    }
                </g>
            }) }
            if let Some(y) = d.now_y {
                <g class="now-line">
                    <line x1="50" y1={px(y)} x2={px(w - 4.0)} y2={px(y)}/>
                    <text x={px(w - 6.0)} y={px(y - 3.0)}>{"now"}</text>
                </g>
            }
            if let Some(msg) = d.empty.clone() {
                <text class="seq-empty" x={px(w / 2.0)} y={px(d.h / 2.0)}>{msg}</text>
            }
        </svg>
    }
}

/// The sequence panel: one live diagram, two side by side, or an
/// anomaly's close-up.
#[function_component]
pub fn SequencePanel(props: &Part<SequenceView>) -> Html {
    let v = &props.view;
    let cb = &props.on_action;
    let compare = v.compare;
    let toggle = {
        let cb = cb.clone();
        Callback::from(move |_: MouseEvent| cb.emit(Action::SetCompare(!compare)))
    };
    let body = match &v.body {
        SequenceBody::Focus {
            kind,
            heading,
            explanation,
            missing,
            diagram,
        } => {
            let back = {
                let cb = cb.clone();
                Callback::from(move |_: MouseEvent| cb.emit(Action::ClearFocus))
            };
            html! {
                <div class="focus" id="focus" data-kind={*kind}>
                    <p class="focus-text"><strong>{heading.clone()}</strong>{explanation.clone()}</p>
                    if let Some(m) = missing.clone() {
                        <p class="caption">{m}</p>
                    }
                    { render(diagram) }
                    <button id="focus-close" onclick={back}>{"Back to the live diagram"}</button>
                </div>
            }
        }
        SequenceBody::Pair { sync, asyn } => html! {
            <div class="pair">
                <figure class="side-fig">
                    <figcaption><strong>{"Synchronous"}</strong>{sync.0.clone()}</figcaption>
                    { render(&sync.1) }
                </figure>
                <figure class="side-fig">
                    <figcaption><strong>{"Asynchronous"}</strong>{asyn.0.clone()}</figcaption>
                    { render(&asyn.1) }
                </figure>
            </div>
        },
        SequenceBody::Single { diagram, caption } => html! {
            <>
                <p class="caption seq-caption" id="seq-caption">{caption.clone()}</p>
                { render(diagram) }
            </>
        },
    };
    html! {
        <section class="panel sequence" aria-labelledby="seq-title">
            <div class="panel-head">
                <h2 id="seq-title">{"Sequence"}</h2>
                <button id="compare" class={classes!(compare.then_some("on"))} aria-pressed={compare.to_string()} onclick={toggle}
                        title="Run the same seed under synchronous and asynchronous commit, side by side">
                    { icon(Icon::Columns) }
                    { if compare { " Side by side: on" } else { " Side by side: sync vs async" } }
                </button>
            </div>
            { body }
        </section>
    }
}
