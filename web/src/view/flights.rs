//! The messages in flight, placed on the cluster drawing: for each kind of
//! message, the points where its messages are now, and their labels.
//!
//! A message sits at the point of its link given by how much of its
//! simulated flight has passed (the middle, with reduced motion), on its
//! own side of the line for each direction. Labels are placed where they
//! overlap neither another label nor a node box. The canvas painter
//! (`flights.rs`) draws this as it is.

use super::cluster::ClusterDrawing;
use super::geometry::{along, Router, CLIENT_R, NODE_H, NODE_W};
use crate::probe;
use crate::state::Lab;
use replica_engine::message::{Msg, MsgKind};
use replica_engine::network::Addr;

/// Above this many messages in flight, only write-path messages are
/// labelled.
const LABEL_LIMIT: usize = 28;
/// At most this many message labels are drawn.
const MAX_LABELS: usize = 40;
/// At most this many messages in flight are drawn (the newest); the rest
/// are counted only.
pub const MAX_DRAWN: usize = 4_000;
/// Distance of a message from its link's centre line: one lane per
/// direction.
const LANE: f64 = 6.0;
/// Kinds in drawing order (later ones on top), as the painter knows them.
pub const KINDS: usize = 9;

/// Index of a message kind in drawing order.
pub fn kind_index(kind: MsgKind) -> usize {
    match kind {
        MsgKind::Heartbeat => 0,
        MsgKind::Vote => 1,
        MsgKind::Read => 2,
        MsgKind::ReadReply => 3,
        MsgKind::WalRecord => 4,
        MsgKind::Ack => 5,
        MsgKind::Write => 6,
        MsgKind::WriteReply => 7,
        _ => 8,
    }
}

/// A short label for a message in flight (plain characters only, so any
/// font draws it).
pub fn label(msg: &Msg) -> String {
    match msg {
        Msg::WriteReq { op, .. } => format!("W k{}", op.key()),
        Msg::ReadReq { key, .. } => format!("R k{key}"),
        Msg::WriteOk { .. } => "OK".into(),
        Msg::WriteErr { .. } => "ERR".into(),
        Msg::WriteUnreplicated { .. } => "OK, unrepl.".into(),
        Msg::Cancel { .. } => "cancel".into(),
        Msg::ReadOk { version_lsn, .. } => format!("v@{version_lsn}"),
        Msg::ReadErr { .. } => "ERR".into(),
        Msg::Wal { entry, .. } => format!("WAL {}", entry.lsn),
        Msg::Status { flushed, .. } => format!("ack {flushed}"),
        Msg::Heartbeat { .. } => "hb".into(),
        Msg::VoteReq { .. } => "vote?".into(),
        Msg::Vote { granted, .. } => if *granted { "vote yes" } else { "vote no" }.into(),
        Msg::Disconnect => "FIN".into(),
        _ => "…".into(),
    }
}

/// The messages in flight, placed.
#[derive(Clone, Default)]
pub struct FlightsView {
    /// Centres per kind ([`kind_index`] order), for messages not in the
    /// anomaly in close-up (`[0]`) and for those in it (`[1]`).
    pub at: [[Vec<(f64, f64)>; KINDS]; 2],
    /// Label text and where its message is.
    pub labels: Vec<(String, f64, f64)>,
    /// The drawing's size (viewBox).
    pub w: f64,
    /// The drawing's size (viewBox).
    pub h: f64,
    /// Messages in flight, all of them (drawn or not).
    pub count: usize,
    /// Simulated time.
    pub now_us: u64,
    /// The last message drawn (in the queue's order, not by age): when it
    /// was sent and is due (µs), which tell it apart from the others, and
    /// where it is. A test hook
    /// (`canvas.cluster-flights[data-lead]`): a message seen at two places
    /// moved on screen.
    pub lead: Option<(u64, u64, f64, f64)>,
}

/// Places the messages in flight of the lab's main run on `drawing`, the
/// cluster drawing on screen (so messages follow exactly the links drawn,
/// and nothing about the cluster is read again every frame).
pub fn build(lab: &Lab, drawing: &ClusterDrawing, reduced_motion: bool) -> FlightsView {
    let run = lab.main.borrow();
    let sim = &run.sim;
    let now = sim.now_us();
    let (hw, hh) = (NODE_W / 2.0, NODE_H / 2.0);
    let boxes: Vec<(f64, f64)> = drawing.nodes.iter().map(|n| (n.x + hw, n.y + hh)).collect();
    let leader = boxes
        .get(drawing.drawn_leader as usize)
        .copied()
        .unwrap_or_default();
    let router = Router {
        boxes: &boxes,
        leader,
        w: drawing.w,
        portrait: drawing.portrait,
    };
    let groups = drawing.groups.len().max(1);
    let group = |s: u16| drawing.session_group.get(s as usize).copied().unwrap_or(0);
    // Sessions beyond the glyphs drawn leave from their group's hub.
    let hub_of =
        |s: u16| -> (f64, f64) { drawing.groups.get(group(s)).map_or((0.0, 0.0), |h| h.hub) };
    let shown = drawing.clients.len();
    let pos = |a: Addr| match a {
        Addr::Node(n) => boxes.get(n as usize).copied().unwrap_or_default(),
        Addr::Client(s) => drawing
            .clients
            .get(s as usize)
            .map_or_else(|| hub_of(s), |c| (c.x, c.y)),
    };
    // One route per pair of ends drawn, not one per message.
    let ends = boxes.len() + shown + groups;
    let end = |a: Addr| match a {
        Addr::Node(n) => (n as usize).min(boxes.len().saturating_sub(1)),
        Addr::Client(s) if (s as usize) < shown => boxes.len() + s as usize,
        Addr::Client(s) => boxes.len() + shown + group(s).min(groups - 1),
    };
    let mut routes: Vec<Option<Vec<(f64, f64)>>> = vec![None; ends * ends];
    let focus = lab.focus.as_deref();
    let flights: Vec<_> = probe::in_flight(sim).collect();
    let label_all = flights.len() <= LABEL_LIMIT;
    let mut scene = FlightsView {
        w: drawing.w,
        h: drawing.h,
        count: flights.len(),
        now_us: now,
        ..FlightsView::default()
    };
    let on_a_box = |x: f64, y: f64, w: f64| {
        boxes.iter().any(|&(cx, cy)| {
            x < cx + hw + 2.0
                && x + w > cx - hw - 2.0
                && y - 11.0 < cy + hh + 2.0
                && y + 3.0 > cy - hh - 2.0
        })
    };
    for f in flights.iter().rev().take(MAX_DRAWN) {
        let pts = routes[end(f.from) * ends + end(f.to)].get_or_insert_with(|| {
            let half = |a: Addr| match a {
                Addr::Node(_) => (hw, hh),
                _ => (CLIENT_R, CLIENT_R),
            };
            let client = |a: Addr| matches!(a, Addr::Client(_));
            router.route(
                (pos(f.from), half(f.from), client(f.from)),
                (pos(f.to), half(f.to), client(f.to)),
            )
        });
        let span = f.deliver_us.saturating_sub(f.sent_us).max(1) as f64;
        let t = if reduced_motion {
            0.5
        } else {
            (now.saturating_sub(f.sent_us) as f64 / span).clamp(0.0, 1.0)
        };
        let ((px, py), (dx, dy)) = along(pts, t);
        let (x, y) = (px - dy * LANE, py + dx * LANE);
        scene.lead = Some((f.sent_us, f.deliver_us, x, y));
        let kind = f.msg.kind();
        let involved = focus.is_some_and(|fc| fc.involves(&f.msg));
        scene.at[usize::from(involved)][kind_index(kind)].push((x, y));
        let wanted = label_all || involved || matches!(kind, MsgKind::Write | MsgKind::WriteReply);
        if wanted && scene.labels.len() < MAX_LABELS {
            let text = label(&f.msg);
            let (lx, ly) = (x + 9.0, y - 6.0);
            let lw = crate::format::text_width(&text, 11.0, true);
            let free = !scene
                .labels
                .iter()
                .any(|(_, ox, oy)| (ox - lx).abs() < 44.0 && (oy - ly).abs() < 13.0)
                && !on_a_box(lx, ly, lw);
            if free {
                scene.labels.push((text, lx, ly));
            }
        }
    }
    scene
}
