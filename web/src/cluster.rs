//! The cluster picture: regions, clients, nodes with their WAL strips, and
//! the messages in flight, drawn as SVG from the simulation's state.
//!
//! Each region is a column; its leader (if any) sits on top and its
//! followers below, and the clients stand in a column of their own on the
//! left. A message is drawn at the point of its link given by how much of
//! its simulated flight time has passed, so what moves on screen is what
//! the engine computed. Write-path messages (writes, WAL records, acks,
//! write replies) are solid; read-path messages are hollow.

use crate::state::Action;
use replica_engine::message::{Msg, MsgKind};
use replica_engine::network::{Addr, NodeId};
use replica_engine::node::{PeerState, Role};
use replica_engine::Simulation;
use yew::prelude::*;

/// Width and height of the drawing, in SVG units.
pub const VIEW_W: f64 = 800.0;
/// Height of the drawing.
pub const VIEW_H: f64 = 430.0;
const NODE_W: f64 = 150.0;
const NODE_H: f64 = 92.0;
const CLIENT_X: f64 = 52.0;
const STRIP: u64 = 12;

/// Where everything goes.
pub struct Layout {
    /// Centre of each node.
    pub nodes: Vec<(f64, f64)>,
    /// Centre of each client session glyph.
    pub clients: Vec<(f64, f64)>,
    /// Each region's box: `(x, y, w, h)`.
    pub regions: Vec<(f64, f64, f64, f64)>,
}

/// Lays the cluster out.
pub fn layout(sim: &Simulation, leader: NodeId) -> Layout {
    let sc = &sim.scenario;
    let regions = sc.regions.len().max(1);
    let left = 110.0;
    let width = VIEW_W - left - 10.0;
    let col_w = width / regions as f64;
    let mut nodes = vec![(0.0, 0.0); sc.nodes.len()];
    let mut boxes = Vec::new();
    for r in 0..regions {
        let x0 = left + col_w * r as f64;
        boxes.push((x0 + 4.0, 8.0, col_w - 8.0, VIEW_H - 16.0));
        let members: Vec<usize> = (0..sc.nodes.len())
            .filter(|&i| sc.nodes[i].region as usize == r)
            .collect();
        let followers: Vec<usize> = members
            .iter()
            .copied()
            .filter(|&i| i as NodeId != leader)
            .collect();
        for &i in &members {
            if i as NodeId == leader {
                nodes[i] = (x0 + col_w / 2.0, 100.0);
            }
        }
        let per_row = ((col_w - 10.0) / (NODE_W + 10.0)).floor().max(1.0) as usize;
        for (k, &i) in followers.iter().enumerate() {
            let row = k / per_row;
            let in_row = followers.len().saturating_sub(row * per_row).min(per_row);
            let slot = k % per_row;
            let step = col_w / in_row as f64;
            nodes[i] = (
                x0 + step * (slot as f64 + 0.5),
                300.0 + row as f64 * (NODE_H + 12.0)
                    - if followers.len() > per_row { 40.0 } else { 0.0 },
            );
        }
    }
    let shown = sim.sessions.len().min(6);
    let clients = (0..sim.sessions.len())
        .map(|s| {
            let k = s % shown.max(1);
            (
                CLIENT_X,
                70.0 + k as f64 * ((VIEW_H - 120.0) / shown.max(1) as f64),
            )
        })
        .collect();
    Layout {
        nodes,
        clients,
        regions: boxes,
    }
}

fn kind_class(kind: MsgKind) -> &'static str {
    match kind {
        MsgKind::Write => "m-write",
        MsgKind::WalRecord => "m-wal",
        MsgKind::Ack => "m-ack",
        MsgKind::WriteReply => "m-ok",
        MsgKind::Read => "m-read",
        MsgKind::ReadReply => "m-readreply",
        MsgKind::Heartbeat => "m-heartbeat",
        MsgKind::Vote => "m-vote",
        MsgKind::Control => "m-control",
    }
}

fn label(msg: &Msg) -> String {
    match msg {
        Msg::WriteReq { op, .. } => format!("W k{}", op.key()),
        Msg::ReadReq { key, .. } => format!("R k{key}"),
        Msg::WriteOk { .. } => "OK".into(),
        Msg::WriteErr { .. } => "ERR".into(),
        Msg::ReadOk { .. } => "val".into(),
        Msg::ReadErr { .. } => "ERR".into(),
        Msg::Wal { entry, .. } => format!("WAL {}", entry.lsn),
        Msg::Status { flushed, .. } => format!("ack {flushed}"),
        Msg::Heartbeat { .. } => "♥".into(),
        Msg::VoteReq { .. } => "vote?".into(),
        Msg::Vote { granted, .. } => if *granted { "vote ✓" } else { "vote ✗" }.into(),
        Msg::Promote { .. } => "promote".into(),
        Msg::Follow { .. } => "follow".into(),
        Msg::Disconnect => "FIN".into(),
    }
}

/// Formats microseconds for people.
pub fn fmt_us(us: u64) -> String {
    if us >= 10_000_000 {
        format!("{:.0} s", us as f64 / 1e6)
    } else if us >= 1_000_000 {
        format!("{:.2} s", us as f64 / 1e6)
    } else if us >= 1_000 {
        format!("{:.1} ms", us as f64 / 1e3)
    } else {
        format!("{us} µs")
    }
}

/// Props of the cluster view.
#[derive(Properties, PartialEq)]
pub struct ClusterProps {
    /// The lab state (compared by version).
    pub lab: std::rc::Rc<crate::state::Lab>,
    /// Dispatches actions.
    pub on_action: Callback<Action>,
}

/// The SVG cluster.
#[function_component]
pub fn ClusterView(props: &ClusterProps) -> Html {
    let sim = props.lab.sim.borrow();
    let now = sim.now_us();
    let leader = sim.current_leader().unwrap_or(sim.view.leader);
    let lay = layout(&sim, leader);
    let lead_region = sim.scenario.nodes[leader as usize].region as usize;

    let regions = lay.regions.iter().enumerate().map(|(r, &(x, y, w, h))| {
        let name = sim.scenario.regions.get(r).cloned().unwrap_or_default();
        let far = sim.scenario.links[lead_region * sim.scenario.regions.len() + r].base_us;
        let sub = if r == lead_region { "leader's data centre".to_string() } else { format!("{} away (one way)", fmt_us(far)) };
        html! {
            <g class="region">
                <rect x={x.to_string()} y={y.to_string()} width={w.to_string()} height={h.to_string()} rx="10"/>
                <text class="region-name" x={(x + 10.0).to_string()} y={(y + 20.0).to_string()}>{name}</text>
                <text class="region-sub" x={(x + 10.0).to_string()} y={(y + 36.0).to_string()}>{sub}</text>
            </g>
        }
    });

    // Links: leader to every follower, clients to the leader.
    let links = (0..sim.nodes.len()).filter(|&i| i as NodeId != leader).map(|i| {
        let (x1, y1) = lay.nodes[leader as usize];
        let (x2, y2) = lay.nodes[i];
        let cut = sim.net.is_cut(Addr::Node(leader), Addr::Node(i as NodeId))
            || sim.net.is_cut(Addr::Node(i as NodeId), Addr::Node(leader));
        let class = if cut { "link cut" } else { "link" };
        html! { <line class={class} x1={x1.to_string()} y1={y1.to_string()} x2={x2.to_string()} y2={y2.to_string()}/> }
    });

    let clients = lay.clients.iter().take(6).enumerate().map(|(s, &(x, y))| {
        html! {
            <g class="client" transform={format!("translate({x},{y})")}>
                <circle r="14"/>
                <text class="client-label" y="4">{format!("C{}", s + 1)}</text>
            </g>
        }
    });

    let nodes = sim.nodes.iter().enumerate().map(|(i, n)| {
        let (cx, cy) = lay.nodes[i];
        let (x, y) = (cx - NODE_W / 2.0, cy - NODE_H / 2.0);
        let up = sim.up[i];
        let isolated = sim.is_isolated(i as NodeId);
        let role = match n.role {
            Role::Leader => "leader",
            Role::Follower => "follower",
            Role::Candidate => "candidate",
        };
        let state = if !up { "down" } else if isolated { "isolated" } else if n.role == Role::Leader && n.failover.lease_expired(now) { "fenced" } else { "up" };
        let w = &n.wal;
        let last = w.last_lsn();
        let first = last.saturating_sub(STRIP - 1).max(1);
        let cell_w = (NODE_W - 16.0) / STRIP as f64;
        let cells = (first..=last).map(|lsn| {
            let k = (lsn - first) as f64;
            let class = if lsn <= w.applied { "wal applied" } else if lsn <= w.flushed { "wal flushed" } else if lsn <= w.written { "wal written" } else { "wal appended" };
            html! { <rect class={class} x={(x + 8.0 + k * cell_w).to_string()} y={(y + 56.0).to_string()} width={(cell_w - 2.0).to_string()} height="14" rx="2"><title>{format!("LSN {lsn}")}</title></rect> }
        });
        let name = sim.scenario.nodes[i].name.clone();
        let lag = if n.role != Role::Leader {
            let lm = &sim.metrics.lag[i];
            let head = sim.nodes[leader as usize].wal.flushed;
            let entries = head.saturating_sub(w.applied);
            let sync = sim.nodes[leader as usize].peers.get(i).map(|p| p.state);
            let badge = format!("lag {entries} · {}", fmt_us(lm.last_us));
            let class = if entries > 20 { "badge lag bad" } else if entries > 0 { "badge lag warn" } else { "badge lag ok" };
            let conn = match sync {
                Some(PeerState::Streaming) => "streaming",
                Some(PeerState::Catchup) => "catching up",
                Some(PeerState::NeedsReclone) => "needs re-clone",
                _ => "not connected",
            };
            html! {
                <>
                    <g class={class}>
                        <rect x={(x + NODE_W - 98.0).to_string()} y={(y + NODE_H + 4.0).to_string()} width="98" height="18" rx="9"/>
                        <text x={(x + NODE_W - 49.0).to_string()} y={(y + NODE_H + 17.0).to_string()}>{badge}</text>
                    </g>
                    <text class="conn" x={x.to_string()} y={(y + NODE_H + 17.0).to_string()}>{conn}</text>
                </>
            }
        } else {
            let pend = n.pending_writes();
            let sync_state = if n.cfg.policy.is_async() { "async".to_string() } else if n.degraded { "semi-sync: async fallback".to_string() } else { format!("sync · {pend} waiting") };
            html! { <text class="conn" x={x.to_string()} y={(y + NODE_H + 17.0).to_string()}>{sync_state}</text> }
        };
        let on_action = props.on_action.clone();
        let id = i as NodeId;
        let onclick = Callback::from(move |_: MouseEvent| on_action.emit(Action::ToggleNode(id)));
        let on_action = props.on_action.clone();
        let onkeydown = Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" || e.key() == " " {
                e.prevent_default();
                on_action.emit(Action::ToggleNode(id));
            }
        });
        let aria = format!("{name}, {role}, {state}. Press to {}.", if up { "crash it" } else { "restart it" });
        html! {
            <g class={classes!("node", role, state)} tabindex="0" role="button" aria-label={aria}
               data-node={name.clone()} data-role={role} data-state={state}
               data-written-lsn={w.written.to_string()} data-flushed-lsn={w.flushed.to_string()}
               data-applied-lsn={w.applied.to_string()} data-epoch={n.epoch.to_string()}
               {onclick} {onkeydown}>
                <rect class="node-box" x={x.to_string()} y={y.to_string()} width={NODE_W.to_string()} height={NODE_H.to_string()} rx="8"/>
                <text class="node-name" x={(x + 10.0).to_string()} y={(y + 20.0).to_string()}>{name}</text>
                <text class="node-role" x={(x + NODE_W - 10.0).to_string()} y={(y + 20.0).to_string()}>{format!("{} · e{}", if up { role } else { "DOWN" }, n.epoch)}</text>
                <text class="node-pos" x={(x + 10.0).to_string()} y={(y + 42.0).to_string()}>{format!("w {} · f {} · a {}", w.written, w.flushed, w.applied)}</text>
                { for cells }
                <text class="node-foot" x={(x + 10.0).to_string()} y={(y + 84.0).to_string()}>{ if n.role == Role::Leader { "accepts writes · WAL" } else { "replica · serves reads" } }</text>
                { lag }
            </g>
        }
    });

    let pos = |a: Addr| -> (f64, f64) {
        match a {
            Addr::Node(n) => lay.nodes[n as usize],
            Addr::Client(s) => lay.clients[s as usize],
        }
    };
    let mut flights: Vec<_> = sim.in_flight().collect();
    flights.sort_by_key(|f| f.id);
    let messages = flights.iter().rev().take(300).map(|f| {
        let (x1, y1) = pos(f.from);
        let (x2, y2) = pos(f.to);
        let span = f.deliver_us.saturating_sub(f.sent_us).max(1) as f64;
        let t = (now.saturating_sub(f.sent_us) as f64 / span).clamp(0.0, 1.0);
        let (x, y) = (x1 + (x2 - x1) * t, y1 + (y2 - y1) * t);
        let kind = f.msg.kind();
        html! {
            <g class={classes!("msg", kind_class(kind))} transform={format!("translate({x:.1},{y:.1})")}>
                <circle r="7"/>
                <text class="msg-label" x="10" y="4">{label(&f.msg)}</text>
            </g>
        }
    });

    html! {
        <svg class="cluster" viewBox={format!("0 0 {VIEW_W} {VIEW_H}")} role="img"
             aria-label="Cluster: clients, leader and followers, with messages in flight">
            { for regions }
            <text class="clients-title" x={CLIENT_X.to_string()} y="40">{"Clients"}</text>
            { for links }
            { for clients }
            { for nodes }
            { for messages }
        </svg>
    }
}
