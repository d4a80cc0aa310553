//! The cluster picture: regions, clients, nodes with their WAL strips and
//! lag badges, and links, drawn as SVG from the simulation's state, with
//! the messages in flight on a canvas over it ([`crate::flights`], which
//! shares this module's layout and routes).
//!
//! Two layouts share one drawing code. Landscape puts the clients in a
//! column on the left and each region in a column, the leader's first;
//! portrait (narrow screens) stacks the clients on top and the regions as
//! bands, two nodes per row, so a phone shows the cluster at a readable
//! size instead of a shrunken wide picture.
//!
//! A message is drawn at the point of its link given by how much of its
//! simulated flight time has passed, so what moves on screen is what the
//! engine computed. Colour and shape both tell the kind (colour alone is
//! not enough for every viewer): the write path is drawn with solid
//! shapes and solid links, the read path with hollow shapes and dashed
//! links. Nodes and links are buttons: a node opens its action menu, a
//! link cuts or heals.
//!
//! The drawing is redrawn in two parts: the messages every frame, the rest
//! (the SVG body) every frame below 1× and ten times a second from 1×
//! on, when node figures change faster than anyone reads them.

use crate::app::{PanelProps, Refresh};
use crate::settings;
use crate::state::{link_cut, Action, End};
use replica_engine::checker::ViolationKind;
use replica_engine::message::{Msg, MsgKind};
use replica_engine::network::NodeId;
use replica_engine::node::{PeerState, Role};
use replica_engine::routing::ReadRouting;
use replica_engine::scenario::Fencing;
use replica_engine::Simulation;
use yew::prelude::*;

/// Node box width, in SVG units.
pub const NODE_W: f64 = 152.0;
/// Node box height.
pub const NODE_H: f64 = 94.0;
/// WAL entries shown in a node's strip.
const STRIP: u64 = 12;
/// Client glyphs drawn (sessions beyond share them).
const MAX_CLIENTS: usize = 6;
/// Speed index from which the nodes redraw only with the live tick
/// ([`crate::state::Lab::live`]), ten times a second: 1× real time.
pub const LIVE_SPEED: usize = 4;

/// A region's area in the drawing.
#[derive(Clone, Debug, PartialEq)]
pub struct RegionBox {
    /// Region index.
    pub index: usize,
    /// Box.
    pub x: f64,
    /// Box.
    pub y: f64,
    /// Box.
    pub w: f64,
    /// Box.
    pub h: f64,
}

/// Where everything goes.
#[derive(Clone, Debug, PartialEq)]
pub struct Geometry {
    /// Drawing width (viewBox).
    pub w: f64,
    /// Drawing height (viewBox).
    pub h: f64,
    /// Centre of each node.
    pub nodes: Vec<(f64, f64)>,
    /// Centre of each client glyph drawn.
    pub clients: Vec<(f64, f64)>,
    /// Where client links start.
    pub hub: (f64, f64),
    /// Region areas, leader's first.
    pub regions: Vec<RegionBox>,
    /// Portrait layout.
    pub portrait: bool,
}

/// Regions in drawing order: the leader's first, then by distance.
fn region_order(sim: &Simulation, leader_region: usize) -> Vec<usize> {
    let sc = &sim.scenario;
    // Selection order by (not the leader's, distance, index); at most 16
    // regions, so no general sort is worth its code size.
    let key = |r: usize| {
        (
            r != leader_region,
            settings::distance_us(sc, leader_region, r),
            r,
        )
    };
    let mut left: Vec<usize> = (0..sc.regions.len().max(1)).collect();
    let mut order = Vec::with_capacity(left.len());
    while let Some(k) = (0..left.len()).min_by_key(|&k| key(left[k])) {
        order.push(left.remove(k));
    }
    order
}

/// Lays the cluster out, landscape or portrait.
pub fn layout(sim: &Simulation, leader: NodeId, portrait: bool) -> Geometry {
    let sc = &sim.scenario;
    let leader_region = sc.nodes[leader as usize].region as usize;
    let order = region_order(sim, leader_region);
    let members = |r: usize| -> Vec<usize> {
        (0..sc.nodes.len())
            .filter(|&i| sc.nodes[i].region as usize == r && i as NodeId != leader)
            .collect()
    };
    let shown = sim.sessions.len().clamp(1, MAX_CLIENTS);
    let mut nodes = vec![(0.0, 0.0); sc.nodes.len()];
    let mut regions = Vec::new();
    if portrait {
        let w = 360.0;
        let clients = (0..shown)
            .map(|k| (w / 2.0 + (k as f64 - (shown - 1) as f64 / 2.0) * 40.0, 26.0))
            .collect::<Vec<_>>();
        let mut y = 62.0;
        let mut lone = 0;
        for &r in &order {
            let top = y;
            y += 30.0;
            if r == leader_region {
                nodes[leader as usize] = (w / 2.0, y + NODE_H / 2.0);
                y += NODE_H + 54.0;
            }
            let fs = members(r);
            for row in fs.chunks(2) {
                for (k, &i) in row.iter().enumerate() {
                    // A lone follower alternates left and right, so links
                    // from the leader to followers further down never run
                    // through the boxes in between.
                    let slot = if row.len() == 1 { lone % 2 } else { k };
                    let x = w / 2.0 + (slot as f64 - 0.5) * (NODE_W + 20.0);
                    nodes[i] = (x, y + NODE_H / 2.0);
                }
                if row.len() == 1 {
                    lone += 1;
                }
                y += NODE_H + 40.0;
            }
            if fs.is_empty() && r != leader_region {
                y += 20.0;
            }
            regions.push(RegionBox {
                index: r,
                x: 4.0,
                y: top,
                w: w - 8.0,
                h: y - top - 6.0,
            });
            y += 4.0;
        }
        return Geometry {
            w,
            h: y + 4.0,
            nodes,
            clients,
            hub: (w / 2.0, 48.0),
            regions,
            portrait,
        };
    }
    let left: f64 = 104.0;
    let per_row_max = 4;
    let min_w = NODE_W + 16.0;
    let cols: Vec<usize> = order
        .iter()
        .map(|&r| members(r).len().clamp(1, per_row_max))
        .collect();
    // Widths in proportion to the followers each region holds, but never
    // narrower than a node; many regions widen the drawing instead.
    let avail = (800.0 - left - 4.0).max(min_w * order.len() as f64);
    let mut widths = vec![min_w; order.len()];
    let extra = avail - min_w * order.len() as f64;
    let want: Vec<f64> = cols
        .iter()
        .map(|&c| (c as f64 - 1.0) * (NODE_W + 12.0))
        .collect();
    let total_want: f64 = want.iter().sum();
    for (k, w) in widths.iter_mut().enumerate() {
        *w += if total_want > 0.0 {
            extra * want[k] / total_want
        } else {
            extra / order.len() as f64
        };
    }
    let w = left + widths.iter().sum::<f64>() + 4.0;
    let leader_y = 56.0 + NODE_H / 2.0;
    let follower_y = leader_y + NODE_H + 96.0;
    let mut x = left;
    let mut bottom: f64 = follower_y + NODE_H / 2.0;
    for (k, &r) in order.iter().enumerate() {
        let rw = widths[k];
        if r == leader_region {
            nodes[leader as usize] = (x + rw / 2.0, leader_y);
        }
        let per_row = (((rw - 8.0) / (NODE_W + 12.0)).floor() as usize).max(1);
        let fs = members(r);
        for (row_i, row) in fs.chunks(per_row).enumerate() {
            let step = rw / row.len() as f64;
            for (j, &i) in row.iter().enumerate() {
                let cy = follower_y + row_i as f64 * (NODE_H + 48.0);
                nodes[i] = (x + step * (j as f64 + 0.5), cy);
                bottom = bottom.max(cy + NODE_H / 2.0);
            }
        }
        regions.push(RegionBox {
            index: r,
            x: x + 3.0,
            y: 6.0,
            w: rw - 6.0,
            h: 0.0,
        });
        x += rw;
    }
    let h = bottom + 36.0;
    for b in &mut regions {
        b.h = h - 12.0;
    }
    let spacing = ((h - 110.0) / shown as f64).min(50.0);
    let clients = (0..shown)
        .map(|k| (46.0, 74.0 + k as f64 * spacing))
        .collect::<Vec<_>>();
    let hub_y = 74.0 + (shown - 1) as f64 * spacing / 2.0;
    Geometry {
        w,
        h,
        nodes,
        clients,
        hub: (72.0, hub_y),
        regions,
        portrait,
    }
}

/// Where the segment from `c` towards `to` leaves a box of half-size
/// `(hw, hh)` centred at `c`.
fn box_edge(c: (f64, f64), to: (f64, f64), hw: f64, hh: f64) -> (f64, f64) {
    let (dx, dy) = (to.0 - c.0, to.1 - c.1);
    if dx == 0.0 && dy == 0.0 {
        return c;
    }
    let tx = if dx != 0.0 {
        hw / dx.abs()
    } else {
        f64::INFINITY
    };
    let ty = if dy != 0.0 {
        hh / dy.abs()
    } else {
        f64::INFINITY
    };
    let t = tx.min(ty).min(1.0);
    (c.0 + dx * t, c.1 + dy * t)
}

/// Whether the segment `a`–`b` passes through the box of half-size
/// `(hw, hh)` centred at `c`.
fn crosses_box(a: (f64, f64), b: (f64, f64), c: (f64, f64), hw: f64, hh: f64) -> bool {
    (1..20).any(|k| {
        let t = k as f64 / 20.0;
        let (x, y) = (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t);
        (x - c.0).abs() < hw && (y - c.1).abs() < hh
    })
}

/// What routes are computed against.
pub(crate) struct Router<'a> {
    /// Node centres.
    pub boxes: &'a [(f64, f64)],
    /// The leader's centre.
    pub leader: (f64, f64),
    /// Drawing width.
    pub w: f64,
    /// Portrait layout.
    pub portrait: bool,
}

/// One end of a route: its centre, the half-size of its box, and whether
/// it is a client (or the clients' hub).
pub(crate) type Stop = ((f64, f64), (f64, f64), bool);

impl Router<'_> {
    /// The route a message or link takes from `a` to `b`, with its ends on
    /// the boxes' edges.
    ///
    /// Portrait keeps the two paths apart: replication runs down a trunk
    /// in the middle and turns into each follower from the inside; reads
    /// from the clients run down the outer margins and turn in from the
    /// outside, so neither crosses a node. Landscape goes straight, or
    /// around the first node box the straight line would cross.
    pub(crate) fn route(&self, a: Stop, b: Stop) -> Vec<(f64, f64)> {
        let ((pa, ha, ca), (pb, hb, cb)) = (a, b);
        let mid = self.w / 2.0;
        let mut pts = vec![pa];
        let follower = |p: (f64, f64), client: bool| !client && p != self.leader;
        if self.portrait && (ca || cb) && (follower(pa, ca) || follower(pb, cb)) {
            let (c, f) = if ca { (pa, pb) } else { (pb, pa) };
            let xm = if f.0 < mid { 11.0 } else { self.w - 11.0 };
            let mut via = vec![(xm, c.1.max(48.0)), (xm, f.1)];
            if !ca {
                via.reverse();
            }
            pts.extend(via);
        } else if self.portrait && !ca && !cb && (pa == self.leader) != (pb == self.leader) {
            // Left and right followers of a row leave the trunk at
            // different heights, so each link has a corner of its own.
            let f = if pa == self.leader { pb } else { pa };
            let dy = if f.0 < mid { -16.0 } else { 16.0 };
            pts.push((mid, f.1 + dy));
        } else if !self.portrait {
            let (hw, hh) = (NODE_W / 2.0 + 8.0, NODE_H / 2.0 + 8.0);
            let obstacle = self
                .boxes
                .iter()
                .copied()
                .find(|&c| c != pa && c != pb && crosses_box(pa, pb, c, hw, hh));
            if let Some(c) = obstacle {
                let side = if (pa.0 + pb.0) / 2.0 < c.0 { -1.0 } else { 1.0 };
                pts.push((c.0 + side * (hw + 10.0), c.1));
            }
        }
        pts.push(pb);
        let n = pts.len();
        pts[0] = box_edge(pa, pts[1], ha.0, ha.1);
        pts[n - 1] = box_edge(pb, pts[n - 2], hb.0, hb.1);
        pts
    }
}

/// The point a fraction `t` of the way along a route, and the direction
/// of travel there.
pub(crate) fn along(pts: &[(f64, f64)], t: f64) -> ((f64, f64), (f64, f64)) {
    let seg = |i: usize| {
        let (p, q) = (pts[i], pts[i + 1]);
        ((q.0 - p.0).hypot(q.1 - p.1), p, q)
    };
    let total: f64 = (0..pts.len() - 1).map(|i| seg(i).0).sum::<f64>().max(1e-9);
    let mut left = t.clamp(0.0, 1.0) * total;
    for i in 0..pts.len() - 1 {
        let (len, p, q) = seg(i);
        if left <= len || i == pts.len() - 2 {
            let f = if len > 0.0 {
                (left / len).min(1.0)
            } else {
                0.0
            };
            let dir = ((q.0 - p.0) / len.max(1e-9), (q.1 - p.1) / len.max(1e-9));
            return ((p.0 + (q.0 - p.0) * f, p.1 + (q.1 - p.1) * f), dir);
        }
        left -= len;
    }
    (pts[0], (1.0, 0.0))
}

fn points(pts: &[(f64, f64)]) -> String {
    pts.iter()
        .map(|(x, y)| format!("{x:.1},{y:.1}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// CSS class of a message kind.
pub fn kind_class(kind: MsgKind) -> &'static str {
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

/// Whether a kind belongs to the write path.
pub fn write_path(kind: MsgKind) -> bool {
    matches!(
        kind,
        MsgKind::Write | MsgKind::WalRecord | MsgKind::Ack | MsgKind::WriteReply
    )
}

/// The shape of a message kind, centred on the origin. Shape and colour
/// both encode the kind.
pub fn glyph(class: &str) -> Html {
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

/// A short label for a message in flight.
pub fn label(msg: &Msg) -> String {
    match msg {
        Msg::WriteReq { op, .. } => format!("W k{}", op.key()),
        Msg::ReadReq { key, .. } => format!("R k{key}"),
        Msg::WriteOk { .. } => "OK".into(),
        Msg::WriteErr { .. } => "ERR".into(),
        Msg::ReadOk { version_lsn, .. } => format!("v@{version_lsn}"),
        Msg::ReadErr { .. } => "ERR".into(),
        Msg::Wal { entry, .. } => format!("WAL {}", entry.lsn),
        Msg::Status { flushed, .. } => format!("ack {flushed}"),
        Msg::Heartbeat { .. } => "♥".into(),
        Msg::VoteReq { .. } => "vote?".into(),
        Msg::Vote { granted, .. } => if *granted { "vote ✓" } else { "vote ✗" }.into(),
        Msg::Disconnect => "FIN".into(),
        #[allow(unreachable_patterns)]
        _ => "…".into(),
    }
}

/// Formats microseconds for people.
pub fn fmt_us(us: u64) -> String {
    if us >= 10_000_000 {
        format!("{:.1} s", us as f64 / 1e6)
    } else if us >= 1_000_000 {
        format!("{:.2} s", us as f64 / 1e6)
    } else if us >= 10_000 {
        format!("{:.0} ms", us as f64 / 1e3)
    } else if us >= 1_000 {
        format!("{:.1} ms", us as f64 / 1e3)
    } else {
        format!("{us} µs")
    }
}

/// How a region is described: the leader's is "same DC", others by their
/// one-way distance from it.
pub fn region_caption(sim: &Simulation, leader_region: usize, r: usize) -> String {
    if r == leader_region {
        "same DC as the leader".into()
    } else {
        format!(
            "{} away",
            fmt_us(settings::distance_us(&sim.scenario, leader_region, r))
        )
    }
}

/// Lag of follower `i` behind `leader`: entries the leader has flushed
/// that the follower has not applied, and how long ago the oldest of them
/// was written (as `pg_stat_replication` reports replay lag).
pub fn lag(sim: &Simulation, leader: NodeId, i: usize) -> (u64, u64) {
    let l = &sim.node(leader);
    let head = l.wal().flushed;
    let applied = sim.node(i as NodeId).wal().applied.min(head);
    let entries = head - applied;
    let us = if entries == 0 {
        0
    } else {
        l.wal()
            .get(applied + 1)
            .map_or(0, |e| sim.now_us().saturating_sub(e.written_at_us))
    };
    (entries, us)
}

/// What the two nodes of an anomaly did: the one that served the operation
/// revealing it, and the one that served the operation it contradicts.
pub fn involvement(kind: ViolationKind) -> (&'static str, &'static str) {
    match kind {
        ViolationKind::ReadYourWrites => ("served the old value", "acknowledged the write"),
        ViolationKind::MonotonicReads => ("served the older value", "served the newer value"),
        ViolationKind::Causality => (
            "served the read without its cause",
            "acknowledged the cause",
        ),
        ViolationKind::StaleRead => ("served a stale value", "acknowledged the newer write"),
        ViolationKind::SplitBrain => (
            "acknowledged writes as leader",
            "acknowledged writes as leader",
        ),
        ViolationKind::LostWrite => ("acknowledged the lost write", "acknowledged the lost write"),
        #[allow(unreachable_patterns)]
        _ => ("involved", "involved"),
    }
}

/// A node's state as the picture shows it.
pub fn node_state(sim: &Simulation, i: usize, leader: Option<NodeId>) -> &'static str {
    let n = &sim.node(i as NodeId);
    let now = sim.now_us();
    if !sim.is_up(i as NodeId) {
        return "down";
    }
    // A leader that a newer epoch has replaced matters most: it is the
    // split-brain risk, whether or not it is also cut off.
    if n.role() == Role::Leader {
        let newest = sim
            .nodes()
            .enumerate()
            .filter(|(j, _)| sim.is_up(*j as NodeId))
            .map(|(_, m)| m.epoch())
            .max()
            .unwrap_or(0);
        let deposed = n.epoch() < newest;
        if n.lease_expired(now) || (deposed && sim.scenario.failover.fencing != Fencing::None) {
            return "fenced";
        }
        if deposed {
            return "stale-leader";
        }
    }
    if sim.is_isolated(i as NodeId) {
        return "isolated";
    }
    if let Some(l) = leader {
        if l as usize != i && link_cut(sim, End::Node(l), End::Node(i as NodeId)) {
            return "partitioned";
        }
    }
    "up"
}

fn state_tag(state: &str) -> Option<&'static str> {
    match state {
        "down" => Some("✕ DOWN"),
        "isolated" => Some("CUT OFF"),
        "partitioned" => Some("PARTITIONED"),
        "fenced" => Some("⛔ FENCED"),
        "stale-leader" => Some("⚠ OLD LEADER"),
        _ => None,
    }
}

/// The SVG cluster with the canvas of messages in flight over it. Redrawn
/// every frame; its body only as [`LIVE_SPEED`] says.
#[function_component]
pub fn ClusterView(props: &PanelProps) -> Html {
    let lab = &props.lab;
    let run = lab.main.borrow();
    let sim = &run.sim;
    let now = sim.now_us();
    let current = sim.current_leader();
    let leader = current.unwrap_or(sim.view.leader);
    let portrait = props.viewer.narrow;
    let g = layout(sim, leader, portrait);
    let idp = if portrait { "p" } else { "l" };
    let in_flight = sim.in_flight().count();
    let body = if lab.playing && lab.speed >= LIVE_SPEED {
        Refresh::Key(lab.settled, lab.live, 0)
    } else {
        Refresh::Always
    };
    let canvas = crate::flights::use_flights(props);
    let view_box = format!("0 0 {} {:.0}", g.w, g.h);
    html! {
        <div class="cluster-wrap">
        <svg class={classes!("cluster", portrait.then_some("portrait"))} viewBox={view_box}
             role="group" aria-label="Cluster: clients, leader and followers, with messages in flight"
             data-layout={if portrait { "portrait" } else { "landscape" }}
             data-leader={current.map(|l| sim.scenario.nodes[l as usize].name.clone()).unwrap_or_default()}
             data-now-us={now.to_string()} data-in-flight={in_flight.to_string()}>
            <defs>
                <pattern id={format!("hatch-{idp}")} width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
                    <rect class="hatch-bg" width="8" height="8"/>
                    <line class="hatch-line" x1="0" y1="0" x2="0" y2="8"/>
                </pattern>
            </defs>
            <ClusterBody lab={lab.clone()} on_action={props.on_action.clone()} viewer={props.viewer} refresh={body}/>
        </svg>
        // The messages in flight, on a canvas laid exactly over the
        // drawing (see flights.rs).
        <canvas ref={canvas} class="cluster-flights" aria-hidden="true"></canvas>
        </div>
    }
}

/// Regions, clients, links and nodes (boxes, positions, WAL strips, lag
/// badges, state tags): all of the drawing but the messages in flight.
#[function_component]
fn ClusterBody(props: &PanelProps) -> Html {
    let lab = &props.lab;
    let run = lab.main.borrow();
    let sim = &run.sim;
    let current = sim.current_leader();
    let leader = current.unwrap_or(sim.view.leader);
    let portrait = props.viewer.narrow;
    let g = layout(sim, leader, portrait);
    let lead_region = sim.scenario.nodes[leader as usize].region as usize;
    let focus = lab.focus.as_deref().map(|f| f.violation);
    let idp = if portrait { "p" } else { "l" };

    let regions = g.regions.iter().map(|b| {
        let name = sim
            .scenario
            .regions
            .get(b.index)
            .cloned()
            .unwrap_or_default();
        let sub = region_caption(sim, lead_region, b.index);
        html! {
            <g class={classes!("region", (b.index == lead_region).then_some("home"))}
               data-region={name.clone()}>
                <rect x={b.x.to_string()} y={b.y.to_string()} width={b.w.to_string()}
                      height={b.h.to_string()} rx="10"/>
                <text class="region-name" x={(b.x + 10.0).to_string()} y={(b.y + 19.0).to_string()}>
                    {name}
                    <tspan class="region-sub" dx="8">{sub}</tspan>
                </text>
            </g>
        }
    });

    // Links: the leader to each follower (replication), the clients to the
    // leader (write path) and to followers that may serve reads.
    let reads_to_followers = !matches!(sim.scenario.routing, ReadRouting::Leader);
    let link = |a: End, b: End, pts: Vec<(f64, f64)>, class: &'static str, name: String| {
        let cut = link_cut(sim, a, b);
        let on_action = props.on_action.clone();
        let onclick = Callback::from(move |_: MouseEvent| on_action.emit(Action::ToggleLink(a, b)));
        let on_action = props.on_action.clone();
        let onkeydown = Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" || e.key() == " " {
                e.prevent_default();
                on_action.emit(Action::ToggleLink(a, b));
            }
        });
        // Where the link is clicked and its cut mark sits: its middle, or
        // in portrait (where links share a trunk or a margin) the corner
        // that belongs to this link alone. There, only that corner and the
        // last stretch into the node take clicks.
        let shared = g.portrait && pts.len() >= 3;
        let (mx, my) = if shared {
            pts[pts.len() - 2]
        } else {
            along(&pts, 0.5).0
        };
        let line = points(&pts);
        let hit = if shared {
            points(&pts[pts.len() - 2..])
        } else {
            line.clone()
        };
        let aria = format!(
            "Link {name}: {}. Press to {}.",
            if cut { "cut" } else { "up" },
            if cut { "heal it" } else { "cut it" }
        );
        let end_id = |e: End| match e {
            End::Node(n) => sim.scenario.nodes[n as usize].name.clone(),
            End::Clients => "clients".into(),
        };
        html! {
            <g class={classes!("link", class, cut.then_some("cut"))} role="button" tabindex="0"
               aria-label={aria} aria-pressed={cut.to_string()} data-a={end_id(a)} data-b={end_id(b)}
               data-cut={cut.to_string()} {onclick} {onkeydown}>
                <polyline class="link-line" points={line}/>
                <polyline class="link-hit" points={hit}/>
                if cut {
                    <g class="cut-mark" transform={format!("translate({mx:.1},{my:.1})")}>
                        <circle r="10"/>
                        <text y="4">{"✂"}</text>
                    </g>
                } else if shared {
                    <circle class="link-handle" cx={format!("{mx:.1}")} cy={format!("{my:.1}")} r="6"/>
                }
            </g>
        }
    };
    let (hw, hh) = (NODE_W / 2.0, NODE_H / 2.0);
    let mut links = Vec::new();
    let lp = g.nodes[leader as usize];
    let router = Router {
        boxes: &g.nodes,
        leader: lp,
        w: g.w,
        portrait: g.portrait,
    };
    for i in 0..sim.nodes().len() {
        let p = g.nodes[i];
        let name = &sim.scenario.nodes[i].name;
        if i as NodeId != leader {
            links.push(link(
                End::Node(leader),
                End::Node(i as NodeId),
                router.route((lp, (hw, hh), false), (p, (hw, hh), false)),
                "repl",
                format!(
                    "{} – {name} (replication)",
                    sim.scenario.nodes[leader as usize].name
                ),
            ));
        }
        let is_leader = i as NodeId == leader;
        if is_leader || reads_to_followers {
            links.push(link(
                End::Clients,
                End::Node(i as NodeId),
                router.route((g.hub, (0.0, 0.0), true), (p, (hw, hh), false)),
                if is_leader {
                    "client-write"
                } else {
                    "client-read"
                },
                format!(
                    "clients – {name} ({})",
                    if is_leader {
                        "writes and reads"
                    } else {
                        "reads"
                    }
                ),
            ));
        }
    }

    let bus = g.clients.iter().map(|&(x, y)| {
        html! { <line class="bus" x1={x.to_string()} y1={y.to_string()} x2={g.hub.0.to_string()} y2={g.hub.1.to_string()}/> }
    });
    let clients = g.clients.iter().enumerate().map(|(s, &(x, y))| {
        let involved = focus.is_some_and(|v| v.session as usize % g.clients.len() == s
            || v.other_session as usize % g.clients.len() == s);
        html! {
            <g class={classes!("client", involved.then_some("involved"))} transform={format!("translate({x},{y})")}>
                <circle r="14"/>
                <text class="client-label" y="4">{format!("C{}", s + 1)}</text>
            </g>
        }
    });
    let more_clients = sim.sessions.len().saturating_sub(g.clients.len());
    let clients_title = if g.portrait {
        html! { <text class="clients-title" x="10" y="30">{"Clients"}</text> }
    } else {
        html! { <text class="clients-title" x="46" y="40">{"Clients"}</text> }
    };

    let nodes = sim.nodes().enumerate().map(|(i, n)| {
        let (cx, cy) = g.nodes[i];
        let (x, y) = (cx - NODE_W / 2.0, cy - NODE_H / 2.0);
        let up = sim.is_up(i as NodeId);
        let role = match n.role() {
            Role::Leader => "leader",
            Role::Follower => "follower",
            Role::Candidate => "candidate",
            #[allow(unreachable_patterns)]
            _ => "follower",
        };
        let state = node_state(sim, i, current);
        let w = n.wal();
        let last = w.last_lsn();
        let first = last.saturating_sub(STRIP - 1).max(1);
        let cell_w = (NODE_W - 20.0) / STRIP as f64;
        let cells = (first..=last).map(|lsn| {
            let k = (lsn - first) as f64;
            let class = if lsn <= w.applied { "wal applied" } else if lsn <= w.flushed { "wal flushed" } else if lsn <= w.written { "wal written" } else { "wal appended" };
            html! { <rect class={class} x={format!("{:.1}", x + 10.0 + k * cell_w)} y={(y + 46.0).to_string()} width={format!("{:.1}", cell_w - 2.0)} height="14" rx="2"/> }
        });
        let name = sim.scenario.nodes[i].name.clone();
        let (lag_entries, lag_us) = if n.role() != Role::Leader && current.is_some() { lag(sim, leader, i) } else { (0, 0) };
        let foot = if n.role() == Role::Leader {
            if n.cfg().policy.is_async() {
                "accepts writes".to_string()
            } else if n.degraded() {
                "fell back to async".to_string()
            } else {
                let w = n.pending_writes();
                format!("{w} write{} waiting", if w == 1 { "" } else { "s" })
            }
        } else {
            let conn = current.and_then(|l| sim.node(l).peers().get(i)).map(|p| p.state);
            match conn {
                Some(PeerState::Streaming) if reads_to_followers => "streaming · reads",
                Some(PeerState::Streaming) => "streaming",
                Some(PeerState::Catchup) => "catching up",
                Some(PeerState::NeedsReclone) => "needs re-clone",
                _ => "not streaming",
            }.to_string()
        };
        let badge = (n.role() != Role::Leader && current.is_some()).then(|| {
            let class = if !up { "badge lag off" } else if lag_entries > 20 || lag_us > 1_000_000 { "badge lag bad" } else if lag_entries > 0 { "badge lag warn" } else { "badge lag ok" };
            let text = format!("lag {lag_entries} {} · {}", if lag_entries == 1 { "entry" } else { "entries" }, fmt_us(lag_us));
            let bw = (text.chars().count() as f64 * 6.6 + 16.0).max(120.0);
            html! {
                <g class={class}>
                    <rect x={format!("{:.1}", cx - bw / 2.0)} y={(y + NODE_H + 5.0).to_string()} width={format!("{bw:.1}")} height="19" rx="9.5"/>
                    <text x={cx.to_string()} y={(y + NODE_H + 18.5).to_string()}>{text}</text>
                </g>
            }
        });
        let tag_shown = state_tag(state).is_some();
        let tag = state_tag(state).map(|t| html! {
            <g class="state-tag">
                <rect x={(x + NODE_W - 96.0).to_string()} y={(y - 21.0).to_string()} width="96" height="18" rx="4"/>
                <text x={(x + NODE_W - 48.0).to_string()} y={(y - 7.5).to_string()}>{t}</text>
            </g>
        });
        let involved = focus.and_then(|v| {
            let here = v.node as usize == i;
            let other = v.other_node as usize == i && (v.other_op != 0 || v.kind == ViolationKind::SplitBrain);
            let (mine, theirs) = involvement(v.kind);
            match (here, other) {
                (true, true) => Some(format!("{mine}; {theirs}")),
                (true, false) => Some(mine.to_string()),
                (false, true) => Some(theirs.to_string()),
                _ => None,
            }
        });
        let selected = lab.selected == Some(i as NodeId);
        let on_action = props.on_action.clone();
        let id = i as NodeId;
        let pick = if selected { None } else { Some(id) };
        let onclick = Callback::from(move |_: MouseEvent| on_action.emit(Action::SelectNode(pick)));
        let on_action = props.on_action.clone();
        let onkeydown = Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" || e.key() == " " {
                e.prevent_default();
                on_action.emit(Action::SelectNode(pick));
            }
        });
        let role_text = if n.role() == Role::Leader { "★ LEADER" } else if n.role() == Role::Candidate { "CANDIDATE" } else { "FOLLOWER" };
        let aria = format!(
            "{name}: {role}, epoch {}, {}{}. Written {} flushed {} applied {}. Press for actions.",
            n.epoch(),
            state.replace('-', " "),
            if n.role() != Role::Leader { format!(", lag {lag_entries} entries, {}", fmt_us(lag_us)) } else { String::new() },
            w.written, w.flushed, w.applied
        );
        html! {
            <g class={classes!("node", role, state, selected.then_some("selected"), involved.is_some().then_some("involved"))}
               tabindex="0" role="button" aria-label={aria} aria-expanded={selected.to_string()}
               data-node={name.clone()} data-role={role} data-state={state} data-up={up.to_string()}
               data-written-lsn={w.written.to_string()} data-flushed-lsn={w.flushed.to_string()}
               data-applied-lsn={w.applied.to_string()} data-epoch={n.epoch().to_string()}
               data-lag-entries={lag_entries.to_string()} data-lag-us={lag_us.to_string()}
               {onclick} {onkeydown}>
                <rect class="node-box" x={x.to_string()} y={y.to_string()} width={NODE_W.to_string()} height={NODE_H.to_string()} rx="8"/>
                <text class="node-name" x={(x + 10.0).to_string()} y={(y + 19.0).to_string()}>{name.clone()}</text>
                <text class="node-role" x={(x + NODE_W - 10.0).to_string()} y={(y + 19.0).to_string()}>{role_text}</text>
                <text class="node-pos" x={(x + 10.0).to_string()} y={(y + 37.0).to_string()}>
                    <tspan class="epoch">{format!("epoch {}", n.epoch())}</tspan>
                    <tspan dx="8">{format!("w{} f{} a{}", w.written, w.flushed, w.applied)}</tspan>
                </text>
                { for cells }
                <text class="node-foot" x={(x + 10.0).to_string()} y={(y + 80.0).to_string()}>{foot}</text>
                if !up {
                    <rect class="down-veil" fill={format!("url(#hatch-{idp})")} x={x.to_string()} y={y.to_string()} width={NODE_W.to_string()} height={NODE_H.to_string()} rx="8"/>
                }
                { for tag }
                { for badge }
                if let Some(what) = involved {
                    <text class="involved-note" x={cx.to_string()} y={(y - if tag_shown { 28.0 } else { 8.0 }).to_string()}>{what}</text>
                }
            </g>
        }
    });

    html! {
        <>
            { for regions }
            { clients_title }
            { for bus }
            <circle class="hub" cx={g.hub.0.to_string()} cy={g.hub.1.to_string()} r="4"/>
            { for links }
            { for clients }
            if more_clients > 0 {
                <text class="clients-more" x={g.clients.last().map_or(0.0, |c| if g.portrait { c.0 + 26.0 } else { c.0 }).to_string()}
                      y={g.clients.last().map_or(0.0, |c| if g.portrait { c.1 + 4.0 } else { c.1 + 30.0 }).to_string()}>
                    {format!("+{more_clients}")}
                </text>
            }
            { for nodes }
        </>
    }
}
