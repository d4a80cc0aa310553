//! The live sequence diagram: one lane for the clients, one for each node
//! (the leader first), time flowing down, and an arrow per message drawn
//! from the trace as it happens.
//!
//! It follows one write at a time and numbers its story as the lesson
//! does: synchronous commit reads 1 Write, 2 Replicate, 3 ACK, 4 OK;
//! asynchronous commit reads 1 Write, 2 OK, 3 Later… (the numbering comes
//! from [`Tracked::steps`], which decides from the actual timing). Other
//! messages of the same moment are drawn faintly behind it. Side by side,
//! the same seed runs under synchronous and asynchronous commit with one
//! shared time scale, so the extra round trip is a visible length. After
//! "jump to", the diagram shows the anomaly's operations instead.

use crate::app::PanelProps;
use crate::cluster::{fmt_us, kind_class, write_path};
use crate::state::{Action, Run};
use crate::timeline::{Arrow, Focus, Numbered, Step, Tracked};
use replica_engine::message::Msg;
use replica_engine::network::{Addr, NodeId};
use replica_engine::node::Role;
use replica_engine::Simulation;
use yew::prelude::*;

/// Background messages drawn at most.
const CONTEXT_MAX: usize = 70;
/// Smallest time span a diagram shows.
const MIN_SPAN_US: u64 = 2_000;

/// A lane: `(role line, name line, node, down)`; node `None` is the
/// clients' lane.
type Lane = (String, String, Option<NodeId>, bool);

/// One arrow to draw.
struct DrawArrow {
    a: Arrow,
    strong: bool,
    number: Option<u8>,
    text: Option<String>,
    step: Option<&'static str>,
}

/// Everything one diagram shows.
struct Diagram {
    id: String,
    /// The lanes, left to right.
    lanes: Vec<Lane>,
    arrows: Vec<DrawArrow>,
    t0: u64,
    t1: u64,
    origin: u64,
    now: Option<u64>,
    /// Commit bracket on the client lane: from, to (or `None`: waiting).
    bracket: Option<(u64, Option<u64>)>,
    empty: Option<String>,
    mode: &'static str,
}

/// Lanes: the clients, then the leader, then the followers. `leader` is
/// the node that led when the drawn messages were sent (a followed write's
/// leader), which may differ from today's; `down` lanes are marked.
fn lanes(sim: &Simulation, session: Option<u16>, leader: NodeId) -> Vec<Lane> {
    let client = match session {
        Some(s) => format!("C{}", s + 1),
        None => "clients".into(),
    };
    let mut out = vec![("Client".to_string(), client, None, false)];
    let order =
        std::iter::once(leader).chain((0..sim.nodes().len() as NodeId).filter(|&n| n != leader));
    for n in order {
        let up = sim.is_up(n);
        let role = match (n == leader, sim.node(n).role()) {
            (true, _) => "Leader",
            (false, Role::Candidate) => "Candidate",
            (false, Role::Leader) if up && sim.current_leader() == Some(n) => "Leader now",
            (false, Role::Leader) if up => "Old leader",
            _ => "Follower",
        };
        // A down node keeps its role title; its lane is drawn dashed red
        // and its name marked.
        let name = &sim.scenario.nodes[n as usize].name;
        let name = if up {
            name.clone()
        } else {
            format!("{name} ✕")
        };
        out.push((role.to_string(), name, Some(n), !up));
    }
    out
}

fn lane_of(lanes: &[Lane], a: Addr) -> Option<usize> {
    match a {
        Addr::Client(_) => Some(0),
        Addr::Node(n) => lanes.iter().position(|l| l.2 == Some(n)),
    }
}

fn step_class(step: Step) -> &'static str {
    match step {
        Step::Write => "s-write",
        Step::Replicate => "s-replicate",
        Step::Ack => "s-ack",
        Step::Ok => "s-ok",
        Step::Later => "s-later",
        Step::Unwaited => "s-unwaited",
    }
}

/// The diagram of a run's followed write.
fn tracked_diagram(run: &Run, id: &str, span: Option<u64>, mode: &'static str) -> Diagram {
    let sim = &run.sim;
    let now = sim.now_us();
    let Some(t) = run.timeline.tracked.as_ref() else {
        return Diagram {
            id: id.into(),
            lanes: lanes(sim, None, sim.current_leader().unwrap_or(sim.view.leader)),
            arrows: Vec::new(),
            t0: now,
            t1: now + MIN_SPAN_US,
            origin: now,
            now: None,
            bracket: None,
            empty: Some(if sim.now_us() == 0 {
                "Press Play: the next write a client sends is followed here, step by step.".into()
            } else {
                "Waiting for the next write…".into()
            }),
            mode,
        };
    };
    let (t0, t1) = window(t, now, span);
    let steps = t.steps();
    let mut labelled: Vec<u8> = Vec::new();
    let mut arrows: Vec<DrawArrow> = steps
        .iter()
        .map(|s: &Numbered| {
            let first = !labelled.contains(&s.n);
            if first {
                labelled.push(s.n);
            }
            DrawArrow {
                a: t.arrows[s.arrow],
                strong: true,
                number: (s.n > 0).then_some(s.n),
                text: first.then(|| s.label()),
                step: Some(step_class(s.step)),
            }
        })
        .collect();
    let ids: Vec<u64> = t.arrows.iter().map(|a| a.id).collect();
    let context = run
        .timeline
        .recent
        .iter()
        .rev()
        .filter(|a| !ids.contains(&a.id))
        .filter(|a| a.sent_us <= t1 && a.deliver_us.unwrap_or(a.sent_us) >= t0)
        .take(CONTEXT_MAX)
        .map(|a| DrawArrow {
            a: *a,
            strong: false,
            number: None,
            text: None,
            step: None,
        })
        .collect::<Vec<_>>();
    let mut all = context;
    all.append(&mut arrows);
    Diagram {
        id: id.into(),
        lanes: lanes(sim, Some(t.session), t.leader),
        arrows: all,
        t0,
        t1,
        origin: t.invoke_us,
        now: (t.done_us.is_none()).then_some(now),
        bracket: Some((t.invoke_us, t.completed_us)),
        empty: None,
        mode,
    }
}

/// The time span to draw for a followed write: its story so far, or all
/// of it once done; `span` forces a shared length (side by side).
fn window(t: &Tracked, now: u64, span: Option<u64>) -> (u64, u64) {
    let own = story_span(t, now);
    let len = span.unwrap_or(own).max(MIN_SPAN_US);
    let pad = len / 14;
    (t.invoke_us.saturating_sub(pad), t.invoke_us + len + pad)
}

fn story_span(t: &Tracked, now: u64) -> u64 {
    let end = match t.done_us {
        Some(_) => t.end_us(now),
        None => now,
    };
    end.saturating_sub(t.invoke_us)
}

fn focus_text(a: &Arrow, f: &Focus) -> Option<String> {
    let v = &f.violation;
    let is_op = a.req() == Some(v.op);
    Some(match a.msg {
        Msg::WriteReq { op, .. } => format!("write k{}", op.key()),
        Msg::WriteOk { lsn, .. } => format!("OK: acknowledged, LSN {lsn}"),
        Msg::WriteErr { .. } => "error".into(),
        Msg::ReadReq { key, .. } => format!("read k{key}"),
        Msg::ReadOk {
            version_lsn,
            applied_lsn,
            ..
        } if is_op => format!("old value (LSN {version_lsn}), applied only to {applied_lsn}"),
        Msg::ReadOk { version_lsn, .. } => format!("value (LSN {version_lsn})"),
        Msg::ReadErr { .. } => "read failed".into(),
        Msg::Wal { entry, .. } => format!("WAL {}: arrives, not applied yet", entry.lsn),
        _ => return None,
    })
}

/// The close-up of an anomaly: only the messages of its two operations
/// (and the WAL record of the write on its way to the node that served
/// the read), numbered in time order.
fn focus_diagram(run: &Run, f: &Focus) -> Diagram {
    let sim = &run.sim;
    let (t0, t1) = f.span();
    let involved: Vec<&Arrow> = f.arrows.iter().filter(|a| f.involves(a)).collect();
    let origin = involved.iter().map(|a| a.sent_us).min().unwrap_or(t0);
    let leader = involved
        .iter()
        .find_map(|a| match (a.msg, a.to) {
            (Msg::WriteReq { .. }, Addr::Node(n)) => Some(n),
            _ => None,
        })
        .unwrap_or(f.violation.other_node);
    let arrows = involved
        .iter()
        .enumerate()
        .map(|(k, a)| DrawArrow {
            a: **a,
            strong: true,
            number: Some(k as u8 + 1),
            text: focus_text(a, f),
            step: Some(if a.req() == Some(f.violation.op) {
                "s-anomaly"
            } else {
                "s-cause"
            }),
        })
        .collect();
    Diagram {
        id: "focus".into(),
        lanes: lanes(sim, Some(f.violation.session), leader),
        arrows,
        t0,
        t1,
        origin,
        now: None,
        bracket: None,
        empty: None,
        mode: "focus",
    }
}

/// Round numbers for the time axis.
fn tick_step(span: u64) -> u64 {
    const STEPS: [u64; 19] = [
        10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000,
        500_000, 1_000_000, 2_000_000, 5_000_000, 10_000_000,
    ];
    STEPS
        .iter()
        .copied()
        .find(|s| span / s <= 6)
        .unwrap_or(20_000_000)
}

fn render(d: &Diagram, w: f64, h: f64, reduced_motion: bool) -> Html {
    let left = 50.0;
    let top = 50.0;
    let bottom = h - 10.0;
    let n = d.lanes.len().max(1) as f64;
    let lane_w = (w - left - 6.0) / n;
    let lx = |k: usize| left + lane_w * (k as f64 + 0.5);
    let span = d.t1.saturating_sub(d.t0).max(1) as f64;
    let ty = |t: u64| top + (t.saturating_sub(d.t0) as f64 / span).min(1.0) * (bottom - top);
    let head_w = (lane_w - 6.0).min(110.0);

    let tight = lane_w < 64.0;
    let headers = d.lanes.iter().enumerate().map(|(k, (role, name, node, down))| {
        let x = lx(k);
        let class = classes!(
            "lane",
            node.is_none().then_some("client-lane"),
            role.starts_with("Leader").then_some("leader-lane"),
            down.then_some("down-lane"),
            tight.then_some("tight"),
        );
        html! {
            <g class={class}>
                <rect x={(x - head_w / 2.0).to_string()} y="4" width={head_w.to_string()} height="36" rx="6"/>
                <text class="lane-role" x={x.to_string()} y="18">{role.clone()}</text>
                <text class="lane-name" x={x.to_string()} y="33">{name.clone()}</text>
                <line class="lifeline" x1={x.to_string()} y1="42" x2={x.to_string()} y2={bottom.to_string()}/>
            </g>
        }
    });

    let step = tick_step(d.t1.saturating_sub(d.t0));
    let first_tick = d
        .origin
        .saturating_sub((d.origin.saturating_sub(d.t0) / step) * step);
    let ticks = (0..40u64)
        .map(|k| first_tick + k * step)
        .take_while(|t| *t <= d.t1)
        .filter(|t| *t >= d.t0)
        .map(|t| {
            let y = ty(t);
            let rel = if t >= d.origin { format!("+{}", fmt_us(t - d.origin)) } else { format!("−{}", fmt_us(d.origin - t)) };
            html! {
                <g class="tick">
                    <line x1={(left - 4.0).to_string()} y1={y.to_string()} x2={(w - 4.0).to_string()} y2={y.to_string()}/>
                    <text x={(left - 6.0).to_string()} y={(y + 3.5).to_string()}>{rel}</text>
                </g>
            }
        });

    // Numbers sit 30% along each arrow from its sender, so a request and
    // its reply (same lanes, opposite directions) do not share a spot;
    // labels are placed next to their number and pushed down while they
    // would overlap one already placed.
    let mut taken: Vec<(f64, f64, f64, f64)> = Vec::new();
    let overlaps = |r: (f64, f64, f64, f64), taken: &[(f64, f64, f64, f64)]| {
        taken
            .iter()
            .any(|t| r.0 < t.0 + t.2 && t.0 < r.0 + r.2 && r.1 < t.1 + t.3 && t.1 < r.1 + r.3)
    };
    let bracket = d.bracket.map(|(from, to)| {
        let x = lx(0) - 14.0;
        let y1 = ty(from);
        let (y2, text) = match to {
            Some(t) => (ty(t), format!("commit {}", fmt_us(t - from))),
            None => (ty(d.now.unwrap_or(d.t1)), format!("waiting {}", fmt_us(d.now.unwrap_or(d.t1).saturating_sub(from)))),
        };
        // A tall bracket carries its label along it; a short one below it.
        let label = if y2 - y1 > 90.0 {
            html! {
                <text x={(x - 3.0).to_string()} y={((y1 + y2) / 2.0).to_string()}
                      transform={format!("rotate(-90 {:.1} {:.1})", x - 3.0, (y1 + y2) / 2.0)}>{text}</text>
            }
        } else {
            let tw = text.chars().count() as f64 * 6.6;
            taken.push((x + 6.0, y2 + 3.0, tw, 15.0));
            html! { <text class="short" x={(x + 8.0).to_string()} y={(y2 + 15.0).to_string()}>{text}</text> }
        };
        html! {
            <g class={classes!("bracket", to.is_none().then_some("waiting"))}>
                <path d={format!("M{:.1},{y1:.1} h-5 V{y2:.1} h5", x + 5.0)}/>
                { label }
            </g>
        }
    });
    let mut arrows = Vec::new();
    for da in &d.arrows {
        let a = &da.a;
        let (Some(k1), Some(k2)) = (lane_of(&d.lanes, a.from), lane_of(&d.lanes, a.to)) else {
            continue;
        };
        if k1 == k2 {
            continue;
        }
        let (x1, y1) = (lx(k1), ty(a.sent_us));
        let x2f = lx(k2);
        let (x2, y2, dropped, flying) = match a.deliver_us {
            Some(dl) => match d.now {
                // Reduced motion: an arrow in flight is drawn whole (and
                // dashed) rather than growing.
                Some(now) if now < dl && reduced_motion => (x2f, ty(dl), false, true),
                Some(now) if now < dl => {
                    let f = (now.saturating_sub(a.sent_us)) as f64 / (dl - a.sent_us).max(1) as f64;
                    (x1 + (x2f - x1) * f, ty(now), false, true)
                }
                _ => (x2f, ty(dl), a.lost, false),
            },
            None => (x1 + (x2f - x1) * 0.4, y1 + 6.0, true, false),
        };
        let ang = (y2 - y1).atan2(x2 - x1);
        let head = |len: f64, spread: f64| {
            let p = |da: f64| (x2 - len * (ang + da).cos(), y2 - len * (ang + da).sin());
            let (a1, a2) = (p(spread), p(-spread));
            format!(
                "M{x2:.1},{y2:.1} L{:.1},{:.1} L{:.1},{:.1}Z",
                a1.0, a1.1, a2.0, a2.1
            )
        };
        let kind = a.kind();
        let class = classes!(
            "arrow",
            kind_class(kind),
            if write_path(kind) {
                "write-path"
            } else {
                "read-path"
            },
            if da.strong { "strong" } else { "faint" },
            da.step,
            flying.then_some("flying"),
            dropped.then_some("dropped"),
        );
        let (mx, my) = (
            x1 + (x2f - x1) * 0.3,
            y1 + (ty(a.deliver_us.unwrap_or(a.sent_us)) - y1) * 0.3,
        );
        let number = da.number.map(|n| {
            taken.push((mx - 9.0, my - 9.0, 18.0, 18.0));
            html! {
                <g class="step-num" transform={format!("translate({mx:.1},{my:.1})")}>
                    <circle r="8"/>
                    <text y="3.5">{n.to_string()}</text>
                </g>
            }
        });
        let label = da.text.clone().map(|t| {
            let tw = t.chars().count() as f64 * 7.0 + 4.0;
            let right = x2f >= x1;
            let bx = if right { mx + 11.0 } else { mx - 11.0 - tw };
            let mut by = my - 17.0;
            let mut moved = false;
            for _ in 0..12 {
                if !overlaps((bx, by, tw, 15.0), &taken) {
                    break;
                }
                by += 15.0;
                moved = true;
            }
            taken.push((bx, by, tw, 15.0));
            let (tx, anchor) = if right { (bx, "start") } else { (bx + tw, "end") };
            html! {
                <>
                    if moved {
                        <line class="label-lead" x1={format!("{mx:.1}")} y1={format!("{my:.1}")}
                              x2={format!("{:.1}", if right { bx } else { bx + tw })} y2={format!("{:.1}", by + 10.0)}/>
                    }
                    <text class="step-label" x={format!("{tx:.1}")} y={format!("{:.1}", by + 11.5)} text-anchor={anchor}>{t}</text>
                </>
            }
        });
        arrows.push(html! {
            <g class={class} data-step={da.text.clone().unwrap_or_default()} data-msg-id={a.id.to_string()}>
                <line x1={format!("{x1:.1}")} y1={format!("{y1:.1}")} x2={format!("{x2:.1}")} y2={format!("{y2:.1}")}/>
                if dropped {
                    <text class="drop-mark" x={format!("{x2:.1}")} y={format!("{:.1}", y2 + 4.0)}>{"✕"}</text>
                } else {
                    <path class="head" d={head(if da.strong { 9.0 } else { 6.0 }, 0.42)}/>
                }
                { for number }
                { for label }
            </g>
        });
    }

    let latency_us = d.bracket.and_then(|(f, t)| t.map(|t| t - f));

    let now_line = d.now.filter(|n| *n >= d.t0 && *n <= d.t1).map(|n| {
        let y = ty(n);
        html! {
            <g class="now-line">
                <line x1={left.to_string()} y1={y.to_string()} x2={(w - 4.0).to_string()} y2={y.to_string()}/>
                <text x={(w - 6.0).to_string()} y={(y - 3.0).to_string()}>{"now"}</text>
            </g>
        }
    });

    html! {
        <svg class="seq" id={format!("seq-{}", d.id)} viewBox={format!("0 0 {w} {h}")} role="img"
             aria-label={aria(d)} data-mode={d.mode}
             data-latency-us={latency_us.map(|l| l.to_string()).unwrap_or_default()}>
            { for ticks }
            { for headers }
            { for bracket }
            { for arrows }
            { for now_line }
            if let Some(msg) = d.empty.clone() {
                <text class="seq-empty" x={(w / 2.0).to_string()} y={(h / 2.0).to_string()}>{msg}</text>
            }
        </svg>
    }
}

/// A text equivalent of a diagram, for screen readers.
fn aria(d: &Diagram) -> String {
    if let Some(e) = &d.empty {
        return format!("Sequence diagram: {e}");
    }
    let steps: Vec<String> = d
        .arrows
        .iter()
        .filter(|a| a.strong)
        .filter_map(|a| a.text.clone())
        .collect();
    format!("Sequence diagram ({}): {}", d.mode, steps.join(", "))
}

/// The sequence panel: one live diagram, two side by side, or an
/// anomaly's close-up.
#[function_component]
pub fn SequencePanel(props: &PanelProps) -> Html {
    let lab = &props.lab;
    let narrow = props.viewer.narrow;
    let reduced = props.viewer.reduced_motion;
    let cb = &props.on_action;
    let compare = lab.compare;
    let toggle = {
        let cb = cb.clone();
        Callback::from(move |_: MouseEvent| cb.emit(Action::SetCompare(!compare)))
    };
    let main = lab.main.borrow();
    let body = if let Some(f) = lab.focus.as_deref() {
        let d = focus_diagram(&main, f);
        let (w, h) = if narrow {
            (360.0, 440.0)
        } else {
            (680.0, 360.0)
        };
        let back = {
            let cb = cb.clone();
            Callback::from(move |_: MouseEvent| cb.emit(Action::ClearFocus))
        };
        html! {
            <div class="focus" id="focus" data-kind={crate::readouts::kind_key(f.violation.kind)}>
                <p class="focus-text"><strong>{format!("{} at {}: ", capitalise(f.violation.kind.title()), fmt_us(f.violation.t_us))}</strong>{f.explanation.clone()}</p>
                { render(&d, w, h, reduced) }
                <button id="focus-close" onclick={back}>{"Back to the live diagram"}</button>
            </div>
        }
    } else if let Some(twin) = &lab.twin {
        let twin = twin.borrow();
        let main_sync = !main.sim.scenario.policy.is_async();
        let (sync, asyn) = if main_sync {
            (&*main, &*twin)
        } else {
            (&*twin, &*main)
        };
        let span = [sync, asyn]
            .iter()
            .filter_map(|r| {
                r.timeline
                    .tracked
                    .as_ref()
                    .map(|t| story_span(t, r.sim.now_us()))
            })
            .max();
        let (w, h) = if narrow {
            (360.0, 380.0)
        } else {
            (420.0, 400.0)
        };
        let latency = |r: &Run| {
            let l = r.timeline.window.summary();
            if l.count > 0 {
                format!(" · commit p50 {}", fmt_us(l.p50_us))
            } else {
                " · no commit yet".to_string()
            }
        };
        html! {
            <div class="pair">
                <figure class="side-fig">
                    <figcaption>
                        <strong>{"Synchronous"}</strong>
                        {latency(sync)}
                    </figcaption>
                    { render(&tracked_diagram(sync, "sync", span, "sync"), w, h, reduced) }
                </figure>
                <figure class="side-fig">
                    <figcaption>
                        <strong>{"Asynchronous"}</strong>
                        {latency(asyn)}
                    </figcaption>
                    { render(&tracked_diagram(asyn, "async", span, "async"), w, h, reduced) }
                </figure>
            </div>
        }
    } else {
        let (w, h) = if narrow {
            (360.0, 440.0)
        } else {
            (680.0, 340.0)
        };
        let mode = if main.sim.scenario.policy.is_async() {
            "async"
        } else {
            "sync"
        };
        render(&tracked_diagram(&main, "main", None, mode), w, h, reduced)
    };
    html! {
        <section class="panel sequence" aria-labelledby="seq-title">
            <div class="panel-head">
                <h2 id="seq-title">{"Sequence"}</h2>
                <button id="compare" class={classes!(compare.then_some("on"))} aria-pressed={compare.to_string()} onclick={toggle}
                        title="Run the same seed under synchronous and asynchronous commit, side by side">
                    { if compare { "◧ Side by side: on" } else { "◧ Side by side: sync vs async" } }
                </button>
            </div>
            { body }
        </section>
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
