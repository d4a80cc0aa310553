//! The cluster picture: regions, client sessions and their links, nodes
//! with their WAL strips, state tags and lag badges, drawn as SVG from the
//! view model ([`ClusterDrawing`]), with the messages in flight on a
//! canvas over it ([`crate::flights`]).
//!
//! Nodes and links are buttons: a node opens its action menu, a link cuts
//! or heals. A node's accessible name is the words its box shows first
//! (name, role, epoch): its other text is `aria-hidden`, and everything
//! it shows is in its description (`aria-describedby`). Focus draws a ring of its own around the box, so
//! a focused node never looks like an unfocused one.

use crate::format::tenths as px;
use crate::icons::icon_at;
use crate::state::Action;
use crate::view::cluster::{ClusterDrawing, LinkView, NodeView};
use crate::view::flights::FlightsView;
use crate::view::geometry::{CLIENT_R, NODE_H, NODE_W};
use crate::view::Viewer;
use std::rc::Rc;
use yew::prelude::*;

/// Properties of the drawing.
#[derive(Properties)]
pub struct ClusterProps {
    /// The drawing.
    pub drawing: Rc<ClusterDrawing>,
    /// The messages in flight.
    pub flights: Rc<FlightsView>,
    /// How the viewer sees the page.
    pub viewer: Viewer,
    /// Dispatches actions.
    pub on_action: Callback<Action>,
}

impl PartialEq for ClusterProps {
    fn eq(&self, o: &Self) -> bool {
        Rc::ptr_eq(&self.drawing, &o.drawing)
            && Rc::ptr_eq(&self.flights, &o.flights)
            && self.viewer == o.viewer
    }
}

/// The SVG drawing with the canvas of messages in flight over it.
#[function_component]
pub fn Cluster(props: &ClusterProps) -> Html {
    let d = &props.drawing;
    let canvas = crate::flights::use_flights(props.flights.clone(), props.viewer);
    let idp = if d.portrait { "p" } else { "l" };
    let f = &props.flights;
    html! {
        <div class="cluster-wrap">
        <svg class={classes!("cluster", d.portrait.then_some("portrait"))}
             viewBox={format!("0 0 {} {:.0}", d.w, d.h)}
             role="group" aria-label="Cluster: clients, leader and followers, with messages in flight"
             data-layout={if d.portrait { "portrait" } else { "landscape" }}
             data-leader={d.leader.clone()}
             data-now-us={f.now_us.to_string()} data-in-flight={f.count.to_string()}>
            <defs>
                <pattern id={format!("hatch-{idp}")} width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
                    <rect class="hatch-bg" width="8" height="8"/>
                    <line class="hatch-line" x1="0" y1="0" x2="0" y2="8"/>
                </pattern>
            </defs>
            <Body drawing={d.clone()} on_action={props.on_action.clone()}/>
        </svg>
        // The messages in flight, on a canvas laid exactly over the
        // drawing (see flights.rs).
        <canvas ref={canvas} class="cluster-flights" aria-hidden="true"></canvas>
        // The nodes' descriptions, for `aria-describedby`.
        <div hidden=true>
            { for d.nodes.iter().map(|n| html! {
                <p id={format!("{}-desc", n.dom_id)}>{n.description.clone()}</p>
            }) }
        </div>
        </div>
    }
}

#[derive(Properties)]
struct BodyProps {
    drawing: Rc<ClusterDrawing>,
    on_action: Callback<Action>,
}

impl PartialEq for BodyProps {
    fn eq(&self, o: &Self) -> bool {
        Rc::ptr_eq(&self.drawing, &o.drawing)
    }
}

fn link(l: &LinkView, cb: &Callback<Action>) -> Html {
    let (a, b) = (l.a.clone(), l.b.clone());
    let on_action = cb.clone();
    let onclick = Callback::from(move |_: MouseEvent| {
        on_action.emit(Action::ToggleLink(a.clone(), b.clone()))
    });
    let (a, b) = (l.a.clone(), l.b.clone());
    let on_action = cb.clone();
    let onkeydown = Callback::from(move |e: KeyboardEvent| {
        if e.key() == "Enter" || e.key() == " " {
            e.prevent_default();
            on_action.emit(Action::ToggleLink(a.clone(), b.clone()));
        }
    });
    let (mx, my) = l.mark;
    html! {
        <g class={classes!("link", l.class, l.cut.then_some("cut"))} role="button" tabindex="0"
           aria-label={l.aria.clone()} aria-pressed={l.cut.to_string()} data-a={l.a_id.clone()}
           data-b={l.b_id.clone()} data-sessions={l.sessions.clone()}
           data-cut={l.cut.to_string()} {onclick} {onkeydown}>
            <polyline class="link-line" points={l.line.clone()}/>
            <polyline class="link-hit" points={l.hit.clone()}/>
            if l.cut {
                <g class="cut-mark" transform={format!("translate({mx:.1},{my:.1})")}>
                    <circle r="10"/>
                    { icon_at(crate::icons::Icon::Cut, -7.0, -7.0, 14.0) }
                </g>
            } else if l.handle {
                <circle class="link-handle" cx={format!("{mx:.1}")} cy={format!("{my:.1}")} r="6"/>
            }
        </g>
    }
}

fn node(n: &NodeView, cb: &Callback<Action>, hatch: &str) -> Html {
    let pick = if n.selected { None } else { Some(n.id) };
    let on_action = cb.clone();
    let onclick = Callback::from(move |_: MouseEvent| on_action.emit(Action::SelectNode(pick)));
    let on_action = cb.clone();
    let onkeydown = Callback::from(move |e: KeyboardEvent| {
        if e.key() == "Enter" || e.key() == " " {
            e.prevent_default();
            on_action.emit(Action::SelectNode(pick));
        }
    });
    let (x, y) = (n.x, n.y);
    html! {
        <g id={n.dom_id.clone()}
           class={classes!("node", n.role, n.state.key(), n.selected.then_some("selected"), n.involved.then_some("involved"))}
           tabindex="0" role="button"
           aria-describedby={format!("{}-desc", n.dom_id)} aria-expanded={n.selected.to_string()}
           data-node={n.name.clone()} data-role={n.role} data-state={n.state.key()} data-up={n.up.to_string()}
           data-written-lsn={n.written.to_string()} data-flushed-lsn={n.flushed.to_string()}
           data-applied-lsn={n.applied.to_string()} data-epoch={n.epoch.to_string()}
           data-lag-entries={n.lag_entries.to_string()} data-lag-us={n.lag_us.to_string()}
           {onclick} {onkeydown}>
            <rect class="focus-ring" x={px(x - 6.0)} y={px(y - 6.0)} width={px(NODE_W + 12.0)}
                  height={px(NODE_H + 12.0)} rx="12"/>
            <rect class="node-box" x={px(x)} y={px(y)} width={px(NODE_W)} height={px(NODE_H)} rx="8"/>
            <text class="node-name" x={px(x + 10.0)} y={px(y + 19.0)}>{n.name_text.clone()}</text>
            { icon_at(n.role_icon, x + 9.0, y + 25.0, 11.0) }
            <text class="node-role" x={px(x + 24.0)} y={px(y + 34.0)}>{n.role_text}</text>
            <text class="node-epoch" x={px(x + NODE_W - 10.0)} y={px(y + 19.0)}>{n.epoch_text.clone()}</text>
            <g aria-hidden="true">
                { for n.strip.iter().map(|c| html! {
                    <rect class={classes!("wal", c.class)} x={px(c.x)} y={px(y + 41.0)} width={px(c.w)} height="14" rx="2"/>
                }) }
                <text class="node-pos" x={px(x + 10.0)} y={px(y + 70.0)}
                      textLength={n.pos_fit.map(px)} lengthAdjust={n.pos_fit.map(|_| "spacingAndGlyphs")}>
                    {n.pos_text.clone()}
                </text>
                <text class={classes!("node-foot", n.foot_involved.then_some("involved-note"))}
                      x={px(x + 10.0)} y={px(y + 87.0)}>{n.foot.clone()}</text>
                if !n.up {
                    <rect class="down-veil" fill={format!("url(#{hatch})")} x={px(x)} y={px(y)}
                          width={px(NODE_W)} height={px(NODE_H)} rx="8"/>
                }
                if let Some(t) = &n.tag {
                    <g class={classes!("state-tag", t.class)}>
                        <rect x={px(t.x)} y={px(t.y)} width={px(t.w)} height="18" rx="4"/>
                        { icon_at(t.icon, t.x + 6.0, t.y + 3.0, 12.0) }
                        <text x={px(t.x + 22.0)} y={px(t.y + 13.0)}>{t.text}</text>
                    </g>
                }
                if let Some(d) = &n.detector {
                    <g class={classes!("detector", d.kind, d.suspects.then_some("suspects"))}
                       data-elapsed-us={d.elapsed_us.to_string()} data-limit-us={d.limit_us.to_string()}
                       data-suspects={d.suspects.to_string()}>
                        <title>{d.title.clone()}</title>
                        <circle class="detector-track" cx={px(d.cx)} cy={px(d.cy)} r="6.5"
                                fill="none" stroke="var(--line)" stroke-width="2.5"/>
                        // The arc starts at twelve o'clock and runs clockwise.
                        <circle class="detector-used" cx={px(d.cx)} cy={px(d.cy)} r="6.5" fill="none"
                                stroke={if d.suspects { "var(--danger)" } else { "var(--vote)" }}
                                stroke-width="2.5" pathLength="1000"
                                stroke-dasharray={format!("{} 1000", d.used_permille)}
                                transform={format!("rotate(-90 {:.1} {:.1})", d.cx, d.cy)}/>
                    </g>
                }
                if let Some(b) = &n.badge {
                    <g class={classes!("badge", "lag", b.class)}>
                        <rect x={px(b.cx - b.w / 2.0)} y={px(b.y)} width={px(b.w)} height="19" rx="9.5"/>
                        <text x={px(b.cx)} y={px(b.y + 13.5)}>{b.text.clone()}</text>
                    </g>
                }
            </g>
        </g>
    }
}

/// Regions, clients, links and nodes: all of the drawing but the
/// messages in flight.
#[function_component]
fn Body(props: &BodyProps) -> Html {
    let d = &props.drawing;
    let hatch = format!("hatch-{}", if d.portrait { "p" } else { "l" });
    html! {
        <>
            { for d.regions.iter().map(|r| html! {
                <g class={classes!("region", r.home.then_some("home"))} data-region={r.name.clone()}>
                    <rect x={px(r.x)} y={px(r.y)} width={px(r.w)} height={px(r.h)} rx="10"/>
                    <text class="region-name" x={px(r.x + 10.0)} y={px(r.y + 19.0)}>
                        {r.name.clone()}
                        <tspan class="region-sub" dx="8">{r.caption.clone()}</tspan>
                    </text>
                </g>
            }) }
            <text class={classes!("clients-title", d.portrait.then_some("start"))}
                  x={px(d.clients_title.0)} y={px(d.clients_title.1)}>{"Clients"}</text>
            { for d.clients.iter().map(|c| html! {
                <line class="bus" x1={px(c.x)} y1={px(c.y)} x2={px(c.hub.0)} y2={px(c.hub.1)}/>
            }) }
            { for d.groups.iter().map(|g| html! {
                <circle class="hub" cx={px(g.hub.0)} cy={px(g.hub.1)} r="4"><title>{g.label.clone()}</title></circle>
            }) }
            { for d.links.iter().map(|l| link(l, &props.on_action)) }
            { for d.clients.iter().map(|c| html! {
                <g class={classes!("client", c.involved.then_some("involved"))} transform={format!("translate({:.1},{:.1})", c.x, c.y)}>
                    <circle r={CLIENT_R.to_string()}/>
                    <text class="client-label" y="4">{c.label.clone()}</text>
                </g>
            }) }
            if let Some((text, x, y)) = d.more_clients.clone() {
                <text class="clients-more" x={px(x)} y={px(y)}>{text}</text>
            }
            { for d.nodes.iter().map(|n| node(n, &props.on_action, &hatch)) }
        </>
    }
}
