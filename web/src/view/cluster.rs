//! The cluster drawing's view model: regions, client sessions in groups
//! with their own links, nodes with every label, tag and figure they show,
//! and where each goes.
//!
//! Client links are drawn per group of sessions ([`SessionGroup`]): the
//! sessions that send their writes to the same node and reach the same
//! nodes share a hub, a write link to the node they write to and read
//! links to the followers, each link cut or not as those sessions find it.
//! So when a partition splits the clients, each side's links say what
//! that side can do.

use super::facts::{Facts, NodeState, SessionGroup};
use super::geometry::{along, layout, points, Geometry, Router, CLIENT_R, NODE_H, NODE_W};
use crate::format::{self, ellipsis, fmt_us, text_width};
use crate::icons::Icon;
use crate::probe::{self, NodeRole, Refusal};
use crate::settings;
use crate::state::{End, Lab};
use crate::timeline::Focus;
use replica_engine::checker::ViolationKind;
use replica_engine::detector::DetectorKind;
use replica_engine::network::NodeId;
use replica_engine::node::PeerState;
use replica_engine::routing::ReadRouting;
use replica_engine::Simulation;

/// WAL entries shown in a node's strip.
pub const STRIP: u64 = 12;
/// Inner width of a node box available to its text.
pub const NODE_TEXT_W: f64 = NODE_W - 20.0;

/// A region's labelled area.
#[derive(Clone)]
pub struct RegionView {
    /// Its name.
    pub name: String,
    /// Its distance from the leader's region, in words.
    pub caption: String,
    /// The leader's region.
    pub home: bool,
    /// Box.
    pub x: f64,
    /// Box.
    pub y: f64,
    /// Box.
    pub w: f64,
    /// Box.
    pub h: f64,
}

/// One client glyph.
#[derive(Clone)]
pub struct ClientView {
    /// `C1`, `C2`, ….
    pub label: String,
    /// Centre.
    pub x: f64,
    /// Centre.
    pub y: f64,
    /// Its hub (the group it belongs to).
    pub hub: (f64, f64),
    /// Part of the anomaly in close-up.
    pub involved: bool,
}

/// A group of sessions' hub, where its links start.
#[derive(Clone)]
pub struct GroupView {
    /// The sessions, e.g. `C1–C2`.
    pub label: String,
    /// Centre of the hub.
    pub hub: (f64, f64),
}

/// A link the user can cut or heal.
#[derive(Clone)]
pub struct LinkView {
    /// `repl`, `client-write` or `client-read`.
    pub class: &'static str,
    /// One end.
    pub a: End,
    /// The other end.
    pub b: End,
    /// `data-a`: a node name, `clients` (every session) or `sessions`.
    pub a_id: String,
    /// `data-b`: a node name.
    pub b_id: String,
    /// The sessions of a client link, 0-based, comma-separated.
    pub sessions: String,
    /// Cut in either direction (for any of its sessions).
    pub cut: bool,
    /// The route (SVG points).
    pub line: String,
    /// The part that takes clicks.
    pub hit: String,
    /// Where the cut mark or handle sits.
    pub mark: (f64, f64),
    /// Drawn with a handle (links sharing a trunk in portrait).
    pub handle: bool,
    /// The accessible name.
    pub aria: String,
}

/// A state tag above a node.
#[derive(Clone)]
pub struct TagView {
    /// Its words, e.g. `DOWN`.
    pub text: &'static str,
    /// Its icon.
    pub icon: Icon,
    /// Its CSS class (colours), e.g. `tag-down`.
    pub class: &'static str,
    /// Box.
    pub x: f64,
    /// Box.
    pub y: f64,
    /// Box.
    pub w: f64,
}

/// The lag badge under a follower.
#[derive(Clone)]
pub struct BadgeView {
    /// Severity class: `ok`, `warn`, `bad`, `off`.
    pub class: &'static str,
    /// Its words.
    pub text: String,
    /// Centre x.
    pub cx: f64,
    /// Top.
    pub y: f64,
    /// Width.
    pub w: f64,
}

/// One cell of a node's WAL strip.
#[derive(Clone)]
pub struct Cell {
    /// `applied`, `flushed`, `written` or `appended`.
    pub class: &'static str,
    /// Left.
    pub x: f64,
    /// Width.
    pub w: f64,
}

/// A follower's failure detector, drawn as a ring that fills as the
/// silence from its leader (or the leader key's age) nears the limit.
#[derive(Clone, Debug, PartialEq)]
pub struct DetectorView {
    /// Silence so far, µs.
    pub elapsed_us: u64,
    /// Where the leader is suspected, µs.
    pub limit_us: u64,
    /// How full the ring is, in thousandths.
    pub used_permille: u64,
    /// Gave up on the leader.
    pub suspects: bool,
    /// `election` or `leader-key`.
    pub kind: &'static str,
    /// `election timer 1.2 s of 2.3 s`, the ring's title.
    pub title: String,
    /// The ring's centre.
    pub cx: f64,
    pub cy: f64,
}

/// A node, with everything drawn for it.
#[derive(Clone)]
pub struct NodeView {
    /// Node id.
    pub id: NodeId,
    /// Its name.
    pub name: String,
    /// The element id (`node-<name>`), for the skip link and focus return.
    pub dom_id: String,
    /// `leader`, `follower` or `candidate`.
    pub role: &'static str,
    /// The role as written in the box.
    pub role_text: &'static str,
    /// The role's icon.
    pub role_icon: Icon,
    /// What it does now.
    pub state: NodeState,
    /// Its state tag, if the state has one.
    pub tag: Option<TagView>,
    /// Running.
    pub up: bool,
    /// Epoch.
    pub epoch: u32,
    /// Log written through.
    pub written: u64,
    /// Log fsynced through.
    pub flushed: u64,
    /// Log replayed through.
    pub applied: u64,
    /// Replay lag behind the current leader, in entries.
    pub lag_entries: u64,
    /// And in time.
    pub lag_us: u64,
    /// Box left.
    pub x: f64,
    /// Box top.
    pub y: f64,
    /// The name as drawn (cut with … if long).
    pub name_text: String,
    /// `epoch 2`.
    pub epoch_text: String,
    /// `w 12 · f 12 · a 11`.
    pub pos_text: String,
    /// Squeeze the positions to this length when they would not fit.
    pub pos_fit: Option<f64>,
    /// The WAL strip.
    pub strip: Vec<Cell>,
    /// The bottom line: stream state, waiting writes, or the node's part
    /// in the anomaly in close-up.
    pub foot: String,
    /// The bottom line is the anomaly note.
    pub foot_involved: bool,
    /// Its lag badge.
    pub badge: Option<BadgeView>,
    /// Its failure detector's ring.
    pub detector: Option<DetectorView>,
    /// Part of the anomaly in close-up.
    pub involved: bool,
    /// Its menu is open.
    pub selected: bool,
    /// Everything else, for `aria-describedby`.
    pub description: String,
}

/// The whole drawing.
#[derive(Clone)]
pub struct ClusterDrawing {
    /// Portrait layout.
    pub portrait: bool,
    /// viewBox width.
    pub w: f64,
    /// viewBox height.
    pub h: f64,
    /// Name of the current leader (empty if none).
    pub leader: String,
    /// Regions.
    pub regions: Vec<RegionView>,
    /// Where "Clients" is written.
    pub clients_title: (f64, f64),
    /// Client glyphs.
    pub clients: Vec<ClientView>,
    /// `+N` sessions not drawn, and where.
    pub more_clients: Option<(String, f64, f64)>,
    /// Session groups' hubs.
    pub groups: Vec<GroupView>,
    /// Per session: the index of its group in `groups`.
    pub session_group: Vec<usize>,
    /// The node drawn as the leader (the layout is built around it).
    pub drawn_leader: NodeId,
    /// Links.
    pub links: Vec<LinkView>,
    /// Nodes.
    pub nodes: Vec<NodeView>,
}

/// A region's caption: "leader's region", or how far it is from it.
pub fn region_caption(sim: &Simulation, leader_region: usize, r: usize) -> String {
    if r == leader_region {
        "leader's region".into()
    } else {
        format!(
            "{} away",
            fmt_us(settings::distance_us(
                probe::scenario(sim),
                leader_region,
                r
            ))
        )
    }
}

/// What a node did in an anomaly, in a few words: the node that served
/// the revealing operation, then the node of the one it contradicts.
pub fn involvement(kind: ViolationKind) -> (&'static str, &'static str) {
    match kind {
        ViolationKind::ReadYourWrites => ("served the old value", "acked the write"),
        ViolationKind::MonotonicReads => ("served older value", "served newer value"),
        ViolationKind::Causality => ("missed the cause", "served the cause"),
        ViolationKind::StaleRead => ("served a stale value", "acked newer write"),
        ViolationKind::SplitBrain => ("leader, acked writes", "leader, acked writes"),
        ViolationKind::LostWrite => ("acked the lost write", "acked the lost write"),
    }
}

/// A node's tag: words, icon and colour class.
pub fn tag_of(state: NodeState) -> Option<(&'static str, Icon, &'static str)> {
    Some(match state {
        NodeState::Up => return None,
        NodeState::Down => ("DOWN", Icon::Down, "tag-down"),
        NodeState::Fenced => ("FENCED", Icon::Fenced, "tag-fenced"),
        NodeState::Refusing => ("REFUSES WRITES", Icon::Refusing, "tag-fenced"),
        NodeState::OldLeader => ("OLD LEADER", Icon::Warning, "tag-old"),
        NodeState::Isolated => ("CUT OFF", Icon::Unlinked, "tag-cut"),
        NodeState::Partitioned => ("PARTITIONED", Icon::Unlinked, "tag-cut"),
    })
}

/// A state in words, for the description and the node menu.
pub fn state_words(state: NodeState) -> &'static str {
    match state {
        NodeState::Up => "up",
        NodeState::Down => "down",
        NodeState::Fenced => "fenced: its lease ran out, it refuses every write",
        NodeState::Refusing => "refusing writes: too few in-sync followers",
        NodeState::OldLeader => "old leader: still leads an older epoch",
        NodeState::Isolated => "cut off from every other node",
        NodeState::Partitioned => "cut off from the leader",
    }
}

/// Lays out and labels the cluster of the lab's main run.
pub fn build(lab: &Lab, facts: &Facts, portrait: bool) -> ClusterDrawing {
    let run = lab.main.borrow();
    let sim = &run.sim;
    let sc = probe::scenario(sim);
    let leader = facts.drawn_leader;
    let g = layout(sc, leader, facts.sessions.len(), portrait);
    let lead_region = facts.nodes.get(leader as usize).map_or(0, |n| n.region);
    let focus = lab.focus.as_deref();

    let regions = g
        .regions
        .iter()
        .map(|b| {
            let name = sc.regions.get(b.index).cloned().unwrap_or_default();
            let caption = region_caption(sim, lead_region, b.index);
            let avail = b.w - 24.0 - text_width(&name, 13.0, true);
            RegionView {
                caption: ellipsis(&caption, 12.0, false, avail.max(0.0)),
                name,
                home: b.index == lead_region,
                x: b.x,
                y: b.y,
                w: b.w,
                h: b.h,
            }
        })
        .collect();

    let groups = hubs(&g, &facts.groups);
    let involved_sessions: Vec<u16> = focus
        .map(|f| f.ops.iter().map(|o| o.session).collect())
        .unwrap_or_default();
    let clients = g
        .clients
        .iter()
        .enumerate()
        .map(|(s, &(x, y))| {
            let gi = facts
                .groups
                .iter()
                .position(|gr| gr.sessions.contains(&(s as u16)))
                .unwrap_or(0);
            ClientView {
                label: format!("C{}", s + 1),
                x,
                y,
                hub: groups.get(gi).map_or((x, y), |h| h.hub),
                involved: involved_sessions.contains(&(s as u16)),
            }
        })
        .collect();
    let more = facts.sessions.len().saturating_sub(g.clients.len());
    let more_clients = (more > 0).then(|| {
        let (x, y) = g.clients.last().copied().unwrap_or((0.0, 0.0));
        let (mx, my) = if g.portrait {
            (x + CLIENT_R + 16.0, y + 4.0)
        } else {
            (x, y + CLIENT_R + 16.0)
        };
        (format!("+{more}"), mx, my)
    });

    let links = links(sim, facts, &g, &groups);
    let nodes = (0..facts.nodes.len())
        .map(|i| node(lab, sim, facts, &g, i, focus))
        .collect();
    ClusterDrawing {
        portrait,
        w: g.w,
        h: g.h,
        leader: facts.leader.map(|l| facts.name(l)).unwrap_or_default(),
        regions,
        clients_title: g.clients_title,
        clients,
        more_clients,
        session_group: {
            let mut of = vec![0; facts.sessions.len()];
            for (gi, gr) in facts.groups.iter().enumerate() {
                for &s in &gr.sessions {
                    if let Some(slot) = of.get_mut(s as usize) {
                        *slot = gi;
                    }
                }
            }
            of
        },
        drawn_leader: leader,
        groups,
        links,
        nodes,
    }
}

/// Each group's hub: beside its drawn client glyphs (or, for sessions not
/// drawn, beside the `+N`).
pub(crate) fn hubs(g: &Geometry, groups: &[SessionGroup]) -> Vec<GroupView> {
    let shown = g.clients.len();
    let last = g.clients.last().copied().unwrap_or((46.0, 78.0));
    groups
        .iter()
        .map(|gr| {
            let drawn: Vec<(f64, f64)> = gr
                .sessions
                .iter()
                .filter(|s| (**s as usize) < shown)
                .map(|s| g.clients[*s as usize])
                .collect();
            let hub = if g.portrait {
                let x = if drawn.is_empty() {
                    last.0 + 26.0
                } else {
                    drawn.iter().map(|p| p.0).sum::<f64>() / drawn.len() as f64
                };
                (x, 56.0)
            } else {
                let y = if drawn.is_empty() {
                    last.1 + 26.0
                } else {
                    drawn.iter().map(|p| p.1).sum::<f64>() / drawn.len() as f64
                };
                (76.0, y)
            };
            GroupView {
                label: format::sessions(&gr.sessions),
                hub,
            }
        })
        .collect()
}

fn links(sim: &Simulation, facts: &Facts, g: &Geometry, hubs: &[GroupView]) -> Vec<LinkView> {
    let leader = facts.drawn_leader;
    let (hw, hh) = (NODE_W / 2.0, NODE_H / 2.0);
    let lp = g.nodes[leader as usize];
    let router = Router {
        boxes: &g.nodes,
        leader: lp,
        w: g.w,
        portrait: g.portrait,
    };
    let reads_to_followers = !matches!(probe::scenario(sim).routing, ReadRouting::Leader);
    let all = facts.sessions.len();
    let mut out = Vec::new();
    let make = |a: End,
                b: End,
                pts: Vec<(f64, f64)>,
                class: &'static str,
                name: String,
                a_id: String,
                sessions: String| {
        let cut = crate::state::link_cut(sim, &a, &b);
        // In portrait, where links share a trunk or a margin, the corner
        // that belongs to this link alone takes clicks and carries the
        // mark; elsewhere, the middle.
        let shared = g.portrait && pts.len() >= 3;
        let mark = if shared {
            pts[pts.len() - 2]
        } else {
            along(&pts, 0.5).0
        };
        let line = points(pts.iter().copied());
        let hit = if shared {
            points(pts[pts.len() - 2..].iter().copied())
        } else {
            line.clone()
        };
        let b_id = match &b {
            End::Node(n) => facts.name(*n),
            _ => String::new(),
        };
        LinkView {
            class,
            aria: format!(
                "Link {name}: {}. Press to {}.",
                if cut { "cut" } else { "up" },
                if cut { "heal it" } else { "cut it" }
            ),
            a,
            b,
            a_id,
            b_id,
            sessions,
            cut,
            line,
            hit,
            mark,
            handle: shared,
        }
    };
    for i in 0..facts.nodes.len() {
        if i as NodeId == leader {
            continue;
        }
        out.push(make(
            End::Node(leader),
            End::Node(i as NodeId),
            router.route((lp, (hw, hh), false), (g.nodes[i], (hw, hh), false)),
            "repl",
            format!(
                "{} – {} (replication)",
                facts.name(leader),
                facts.name(i as NodeId)
            ),
            facts.name(leader),
            String::new(),
        ));
    }
    for (gi, (gr, hub)) in facts.groups.iter().zip(hubs).enumerate() {
        let everyone = gr.sessions.len() == all;
        let end = if everyone {
            End::Clients
        } else {
            End::Sessions(gr.sessions.clone())
        };
        let who = if everyone {
            "clients".to_string()
        } else {
            format!("sessions {}", hub.label)
        };
        let a_id = if everyone { "clients" } else { "sessions" }.to_string();
        let list = gr
            .sessions
            .iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(",");
        // Several groups' links into one node in portrait get corners of
        // their own.
        let dy = gi as f64 * 14.0;
        for i in 0..facts.nodes.len() {
            let target = i as NodeId;
            let writes = target == gr.writes_to;
            let follower = facts.nodes[i].role == NodeRole::Follower;
            if !(writes || (reads_to_followers && follower)) {
                continue;
            }
            let p = g.nodes[i];
            let to = if g.portrait && dy > 0.0 {
                (p.0, p.1 + dy.min(hh - 8.0))
            } else {
                p
            };
            let mut pts = router.route((hub.hub, (0.0, 0.0), true), (to, (hw, hh), false));
            if let Some(last) = pts.last_mut() {
                if g.portrait && dy > 0.0 {
                    last.1 = last.1.clamp(p.1 - hh, p.1 + hh);
                }
            }
            out.push(make(
                end.clone(),
                End::Node(target),
                pts,
                if writes {
                    "client-write"
                } else {
                    "client-read"
                },
                format!(
                    "{who} – {} ({})",
                    facts.name(target),
                    if writes { "writes and reads" } else { "reads" }
                ),
                a_id.clone(),
                list.clone(),
            ));
        }
    }
    out
}

fn node(
    lab: &Lab,
    sim: &Simulation,
    facts: &Facts,
    g: &Geometry,
    i: usize,
    focus: Option<&Focus>,
) -> NodeView {
    let n = &facts.nodes[i];
    let state = facts.states[i];
    let (cx, cy) = g.nodes[i];
    let (x, y) = (cx - NODE_W / 2.0, cy - NODE_H / 2.0);
    let (role, role_text, role_icon) = match n.role {
        NodeRole::Leader => ("leader", "leader", Icon::Leader),
        NodeRole::Candidate => ("candidate", "candidate", Icon::Candidate),
        NodeRole::Follower => ("follower", "follower", Icon::Follower),
    };
    let follower_of_leader = n.role != NodeRole::Leader && facts.leader.is_some();
    let (lag_entries, lag_us) = match facts.leader {
        Some(l) if n.role != NodeRole::Leader => probe::lag(sim, l, i),
        _ => (0, 0),
    };
    let reads_here = !matches!(probe::scenario(sim).routing, ReadRouting::Leader);
    let writers = facts.writers_of(i as NodeId, probe::epoch_fencing(sim));
    let foot = match (n.role, state) {
        (_, NodeState::Down) => "down: not running".to_string(),
        (_, NodeState::Fenced) => "lease ran out: refuses writes".to_string(),
        (NodeRole::Leader, NodeState::Refusing) => match n.refuses {
            Some(Refusal::TooFewReplicas { need }) => {
                format!("needs {need} replicas: refuses")
            }
            _ => "refuses writes".to_string(),
        },
        (NodeRole::Leader, NodeState::OldLeader) => {
            if writers.is_empty() {
                "no client writes here".to_string()
            } else {
                format!("accepts {}", format::sessions(&writers))
            }
        }
        (NodeRole::Leader, _) if !n.waits => "accepts writes".to_string(),
        (NodeRole::Leader, _) if n.degraded => "fell back to async".to_string(),
        (NodeRole::Leader, _) => {
            format::count(n.pending_writes as u64, "write waiting", "writes waiting")
        }
        (NodeRole::Candidate, _) => "asking for votes".to_string(),
        (NodeRole::Follower, _) if n.detector.is_some_and(|d| d.suspects) => {
            "suspects the leader".to_string()
        }
        (NodeRole::Follower, _) => match probe::stream_state(sim, i) {
            Some(PeerState::Streaming) if reads_here => "streaming · reads",
            Some(PeerState::Streaming) => "streaming",
            Some(PeerState::Catchup) => "catching up",
            Some(PeerState::NeedsReclone) => "needs re-clone",
            _ => "not streaming",
        }
        .to_string(),
    };
    let involved_note = focus.and_then(|f| {
        let v = &f.violation;
        let (mine, theirs) = involvement(v.kind);
        let here = v.node as usize == i;
        let other =
            v.other_node as usize == i && (v.other_op != 0 || v.kind == ViolationKind::SplitBrain);
        match (here, other) {
            (true, _) => Some(mine),
            (false, true) => Some(theirs),
            _ => None,
        }
    });
    let (foot, foot_involved) = match involved_note {
        Some(note) => (note.to_string(), true),
        None => (foot, false),
    };
    let foot = ellipsis(&foot, 11.0, foot_involved, NODE_TEXT_W);
    let epoch_text = format!("epoch {}", n.epoch);
    let name_avail = NODE_TEXT_W - text_width(&epoch_text, 11.0, false) - 8.0;
    let name_text = ellipsis(&n.name, 13.0, true, name_avail);
    let full = format!("w {} · f {} · a {}", n.written, n.flushed, n.applied);
    let pos_text = if text_width(&full, 11.0, false) <= NODE_TEXT_W {
        full
    } else {
        format!("w{} f{} a{}", n.written, n.flushed, n.applied)
    };
    let pos_fit = (text_width(&pos_text, 11.0, false) > NODE_TEXT_W).then_some(NODE_TEXT_W);
    let last = n.last_lsn;
    let first = last.saturating_sub(STRIP - 1).max(1);
    let cell_w = NODE_TEXT_W / STRIP as f64;
    let strip = if last == 0 {
        Vec::new()
    } else {
        (first..=last)
            .map(|lsn| Cell {
                class: if lsn <= n.applied {
                    "applied"
                } else if lsn <= n.flushed {
                    "flushed"
                } else if lsn <= n.written {
                    "written"
                } else {
                    "appended"
                },
                x: x + 10.0 + (lsn - first) as f64 * cell_w,
                w: cell_w - 2.0,
            })
            .collect()
    };
    let badge = follower_of_leader.then(|| {
        let class = if !n.up {
            "off"
        } else if lag_entries > 20 || lag_us > 1_000_000 {
            "bad"
        } else if lag_entries > 0 {
            "warn"
        } else {
            "ok"
        };
        let long = format!(
            "lag {} · {}",
            format::count(lag_entries, "entry", "entries"),
            fmt_us(lag_us)
        );
        // Followers side by side are at least NODE_W + 12 apart: badges
        // stay narrower than that.
        let text = if text_width(&long, 11.0, true) <= NODE_W - 8.0 {
            long
        } else {
            format!("lag {lag_entries} · {}", fmt_us(lag_us))
        };
        let w = (text_width(&text, 11.0, true) + 18.0).clamp(112.0, NODE_W + 10.0);
        BadgeView {
            class,
            text,
            cx,
            y: y + NODE_H + 5.0,
            w,
        }
    });
    let tag = tag_of(state).map(|(text, icon, class)| {
        let w = text_width(text, 10.5, true) + 30.0;
        TagView {
            text,
            icon,
            class,
            x: x + NODE_W - w,
            y: y - 22.0,
            w,
        }
    });
    let detector = n.detector.map(|d| {
        let (kind, what) = match d.kind {
            DetectorKind::ElectionTimeout => ("election", "election timer"),
            DetectorKind::LeaderKeyTtl => ("leader-key", "leader key age"),
        };
        let title = format!(
            "{what} {} of {}{}",
            fmt_us(d.elapsed_us),
            fmt_us(d.limit_us),
            if d.suspects {
                ": suspects the leader"
            } else {
                ""
            }
        );
        DetectorView {
            elapsed_us: d.elapsed_us,
            limit_us: d.limit_us,
            used_permille: d.used_permille(),
            suspects: d.suspects,
            kind,
            title,
            cx: x + NODE_W - 17.0,
            cy: y + 30.0,
        }
    });
    let watch = detector
        .as_ref()
        .map(|d| format!(" {}.", format::capitalise(&d.title)))
        .unwrap_or_default();
    let stream = if n.role == NodeRole::Follower {
        format!(" Lag {lag_entries} entries, {}.", fmt_us(lag_us))
    } else {
        String::new()
    };
    let accepting = if n.role == NodeRole::Leader && !state.refuses_writes() {
        if writers.is_empty() {
            " No client sends it writes now.".to_string()
        } else {
            format!(" Accepts writes from {}.", format::sessions(&writers))
        }
    } else {
        String::new()
    };
    let description = format!(
        "{}. Written {}, flushed {}, applied {}.{stream}{accepting}{watch} {}. Press for actions.",
        format::capitalise(state_words(state)),
        n.written,
        n.flushed,
        n.applied,
        format::capitalise(&foot),
    );
    NodeView {
        id: i as NodeId,
        dom_id: format!("node-{}", dom_safe(&n.name)),
        name: n.name.clone(),
        role,
        role_text,
        role_icon,
        state,
        tag,
        up: n.up,
        epoch: n.epoch,
        written: n.written,
        flushed: n.flushed,
        applied: n.applied,
        lag_entries,
        lag_us,
        x,
        y,
        name_text,
        epoch_text,
        pos_text,
        pos_fit,
        strip,
        foot,
        foot_involved,
        badge,
        detector,
        involved: involved_note.is_some(),
        selected: lab.selected == Some(i as NodeId),
        description,
    }
}

/// A name made safe for an element id: letters, digits, `-` and `_`.
pub fn dom_safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}
