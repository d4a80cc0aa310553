//! Where the cluster drawing puts things: regions, client glyphs, nodes,
//! and the routes links and messages take between them.
//!
//! Two layouts share one drawing. Landscape puts the clients in a column on
//! the left and each region in a column, the leader's first; portrait
//! (narrow screens) stacks the clients on top and the regions as bands, two
//! nodes per row, so a phone shows the cluster at a readable size instead
//! of a shrunken wide picture. Spacing leaves room above each node box for
//! its state tag and below it for its lag badge, so no text of one node
//! meets another's.

use crate::format::push_tenths;
use crate::settings;
use replica_engine::network::NodeId;
use replica_engine::Scenario;

/// Node box width, in SVG units.
pub const NODE_W: f64 = 152.0;
/// Node box height.
pub const NODE_H: f64 = 96.0;
/// Client glyphs drawn (sessions beyond share their group's hub).
pub const MAX_CLIENTS: usize = 6;
/// Radius of a client glyph.
pub const CLIENT_R: f64 = 14.0;

/// A region's area in the drawing.
#[derive(Clone, PartialEq)]
pub struct RegionBox {
    /// Region index.
    pub index: usize,
    /// Left.
    pub x: f64,
    /// Top.
    pub y: f64,
    /// Width.
    pub w: f64,
    /// Height.
    pub h: f64,
}

/// Where everything goes.
#[derive(Clone, PartialEq)]
pub struct Geometry {
    /// Drawing width (viewBox).
    pub w: f64,
    /// Drawing height (viewBox).
    pub h: f64,
    /// Centre of each node.
    pub nodes: Vec<(f64, f64)>,
    /// Centre of each client glyph drawn (sessions 0, 1, …).
    pub clients: Vec<(f64, f64)>,
    /// Where the clients' title goes, and its anchor.
    pub clients_title: (f64, f64),
    /// Region areas, leader's first.
    pub regions: Vec<RegionBox>,
    /// Portrait layout.
    pub portrait: bool,
}

/// Regions in drawing order: the leader's first, then by distance.
fn region_order(sc: &Scenario, leader_region: usize) -> Vec<usize> {
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

/// Lays out the cluster of `sc` with `leader` leading and `sessions`
/// client sessions, landscape or portrait.
pub fn layout(sc: &Scenario, leader: NodeId, sessions: usize, portrait: bool) -> Geometry {
    let leader = (leader as usize).min(sc.nodes.len().saturating_sub(1)) as NodeId;
    let leader_region = sc
        .nodes
        .get(leader as usize)
        .map_or(0, |n| n.region as usize);
    let order = region_order(sc, leader_region);
    let members = |r: usize| -> Vec<usize> {
        (0..sc.nodes.len())
            .filter(|&i| sc.nodes[i].region as usize == r && i as NodeId != leader)
            .collect()
    };
    let shown = sessions.clamp(1, MAX_CLIENTS);
    let mut nodes = vec![(0.0, 0.0); sc.nodes.len()];
    let mut regions = Vec::new();
    if portrait {
        let w = 360.0;
        let clients = (0..shown)
            .map(|k| (w / 2.0 + (k as f64 - (shown - 1) as f64 / 2.0) * 40.0, 30.0))
            .collect::<Vec<_>>();
        let mut y = 70.0;
        let mut lone = 0;
        for &r in &order {
            let top = y;
            // The band's title, then room for the first row's state tags.
            y += 48.0;
            if r == leader_region {
                nodes[leader as usize] = (w / 2.0, y + NODE_H / 2.0);
                y += NODE_H + 60.0;
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
                y += NODE_H + 54.0;
            }
            if fs.is_empty() && r != leader_region {
                y += 20.0;
            }
            regions.push(RegionBox {
                index: r,
                x: 4.0,
                y: top,
                w: w - 8.0,
                h: y - top - 24.0,
            });
            y -= 20.0;
        }
        return Geometry {
            w,
            h: y + 10.0,
            nodes,
            clients,
            clients_title: (10.0, 34.0),
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
    // Room above each box for its state tag, below for its lag badge.
    let leader_y = 64.0 + NODE_H / 2.0;
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
                let cy = follower_y + row_i as f64 * (NODE_H + 60.0);
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
    let h = bottom + 40.0;
    for b in &mut regions {
        b.h = h - 12.0;
    }
    let spacing = ((h - 110.0) / shown as f64).min(50.0);
    let clients = (0..shown)
        .map(|k| (46.0, 78.0 + k as f64 * spacing))
        .collect::<Vec<_>>();
    Geometry {
        w,
        h,
        nodes,
        clients,
        clients_title: (46.0, 42.0),
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
pub struct Router<'a> {
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
/// it is a client (or a clients' hub).
pub type Stop = ((f64, f64), (f64, f64), bool);

impl Router<'_> {
    /// The route a message or link takes from `a` to `b`, with its ends on
    /// the boxes' edges.
    ///
    /// Portrait keeps the two paths apart: replication runs down a trunk
    /// in the middle and turns into each follower from the inside; reads
    /// from the clients run down the outer margins and turn in from the
    /// outside, so neither crosses a node. Landscape goes straight, or
    /// around the first node box the straight line would cross.
    pub fn route(&self, a: Stop, b: Stop) -> Vec<(f64, f64)> {
        let ((pa, ha, ca), (pb, hb, cb)) = (a, b);
        let mid = self.w / 2.0;
        let mut pts = vec![pa];
        let follower = |p: (f64, f64), client: bool| !client && p != self.leader;
        if self.portrait && (ca || cb) && (follower(pa, ca) || follower(pb, cb)) {
            let (c, f) = if ca { (pa, pb) } else { (pb, pa) };
            let xm = if f.0 < mid { 11.0 } else { self.w - 11.0 };
            let mut via = vec![(xm, c.1.max(52.0)), (xm, f.1)];
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
pub fn along(pts: &[(f64, f64)], t: f64) -> ((f64, f64), (f64, f64)) {
    if pts.len() < 2 {
        return (pts.first().copied().unwrap_or((0.0, 0.0)), (1.0, 0.0));
    }
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

/// SVG `points` of a route.
pub fn points(pts: impl IntoIterator<Item = (f64, f64)>) -> String {
    let mut text = String::new();
    for (i, (x, y)) in pts.into_iter().enumerate() {
        if i > 0 {
            text.push(' ');
        }
        push_tenths(&mut text, x);
        text.push(',');
        push_tenths(&mut text, y);
    }
    text
}
