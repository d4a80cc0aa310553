//! The sequence diagram's view model: lanes with their true roles at the
//! playhead, arrows placed in time, the lesson's numbered steps, labels
//! placed where they overlap nothing, and a caption that says which write
//! is followed and why.
//!
//! One write is followed at a time ([`Tracked`]). Its numbers come from
//! what happened: 1 Write, 2 Replicate, 3 ACK, 4 OK when an acknowledgement
//! completed the quorum before the answer — 3 is that acknowledgement,
//! and 2 the record shipped to the standby that sent it — or 1 Write,
//! 2 OK, 3 Later… otherwise. Acknowledgements the leader did not wait
//! for are drawn faint and dashed. After "jump to", the diagram shows the
//! anomaly's story instead: for causality, the cause write, the read that
//! saw it, the effect write made after it, the read that saw the effect,
//! and the read that then missed the cause.

use super::facts::Facts;
use crate::format::{self, ellipsis, fmt_at, fmt_us, tenths, text_width};
use crate::probe::NodeRole;
use crate::state::{Lab, Run};
use crate::timeline::{Arrow, Focus, Numbered, Pick, Step, Tracked};
use replica_engine::message::{Msg, MsgKind};
use replica_engine::network::{Addr, NodeId};

/// Background messages drawn at most.
const CONTEXT_MAX: usize = 70;
/// Smallest time span a diagram shows.
const MIN_SPAN_US: u64 = 2_000;
/// Left margin (time axis labels).
const LEFT: f64 = 50.0;
/// Top of the time axis (below the lane headers).
const TOP: f64 = 52.0;

/// A lane: a node, or the clients.
#[derive(Clone)]
pub struct LaneView {
    /// Role line (at the playhead), e.g. `Leader`, `Old leader`.
    pub role: String,
    /// Name line.
    pub name: String,
    /// Centre x.
    pub x: f64,
    /// Header width.
    pub head_w: f64,
    /// The clients' lane.
    pub client: bool,
    /// The current leader's lane.
    pub leader: bool,
    /// The node is down.
    pub down: bool,
    /// Lanes too narrow for normal text.
    pub tight: bool,
}

/// A label beside an arrow, and the lead line to it if it was moved.
#[derive(Clone)]
pub struct LabelView {
    /// Words.
    pub text: String,
    /// Anchor point x.
    pub x: f64,
    /// Baseline y.
    pub y: f64,
    /// `start` or `end`.
    pub anchor: &'static str,
    /// Lead line from the arrow's number to the label, when moved.
    pub lead: Option<(f64, f64, f64, f64)>,
}

/// One arrow, placed.
#[derive(Clone)]
pub struct ArrowView {
    /// CSS classes: kind, path, weight, step, flying, dropped.
    pub class: String,
    /// `data-step`: its label (empty for unlabelled ones).
    pub step: String,
    /// `data-msg-id`.
    pub msg_id: u64,
    /// From.
    pub x1: f64,
    /// From.
    pub y1: f64,
    /// To (or where it is now, in flight).
    pub x2: f64,
    /// To.
    pub y2: f64,
    /// Lost on the way (drawn with a cross instead of a head).
    pub dropped: bool,
    /// The arrow head path.
    pub head: String,
    /// Its step number and where it sits.
    pub number: Option<(u8, f64, f64)>,
    /// Its label.
    pub label: Option<LabelView>,
}

/// The commit bracket on the clients' lane.
#[derive(Clone)]
pub struct BracketView {
    /// Path.
    pub d: String,
    /// `commit 4.4 ms` or `waiting 12 ms`.
    pub text: String,
    /// Label anchor.
    pub x: f64,
    /// Label anchor.
    pub y: f64,
    /// Written along the bracket (rotated) rather than below it.
    pub along: bool,
    /// Still waiting for the answer.
    pub waiting: bool,
}

/// One diagram, placed.
#[derive(Clone)]
pub struct DiagramView {
    /// Element id suffix: `main`, `sync`, `async`, `focus`.
    pub id: &'static str,
    /// `sync`, `async` or `focus`.
    pub mode: &'static str,
    /// viewBox width.
    pub w: f64,
    /// viewBox height.
    pub h: f64,
    /// Bottom of the lifelines.
    pub bottom: f64,
    /// Lanes, left to right.
    pub lanes: Vec<LaneView>,
    /// Time ticks: y and label.
    pub ticks: Vec<(f64, String)>,
    /// Arrows, background first.
    pub arrows: Vec<ArrowView>,
    /// The commit bracket.
    pub bracket: Option<BracketView>,
    /// The "now" line's y.
    pub now_y: Option<f64>,
    /// What to say when there is nothing to draw.
    pub empty: Option<String>,
    /// Text equivalent.
    pub aria: String,
    /// The followed write's commit latency, once answered.
    pub latency_us: Option<u64>,
}

/// What the sequence panel shows.
#[derive(Clone)]
pub enum SequenceBody {
    /// One diagram of the main run's followed write.
    Single {
        /// The diagram.
        diagram: DiagramView,
        /// Which write is followed and why, and how typical it is.
        caption: String,
    },
    /// The same seed under synchronous and asynchronous commit.
    Pair {
        /// Synchronous side: caption and diagram.
        sync: Box<(String, DiagramView)>,
        /// Asynchronous side.
        asyn: Box<(String, DiagramView)>,
    },
    /// An anomaly in close-up.
    Focus {
        /// `data-kind`.
        kind: &'static str,
        /// `Causality at 3.250 s: `.
        heading: String,
        /// The checker's explanation.
        explanation: String,
        /// What could not be shown, if anything.
        missing: Option<String>,
        /// The diagram.
        diagram: DiagramView,
    },
}

/// The sequence panel.
#[derive(Clone)]
pub struct SequenceView {
    /// Side by side is on.
    pub compare: bool,
    /// What it shows.
    pub body: SequenceBody,
}

/// The stable key of an anomaly kind (as the engine serialises it).
pub fn kind_key(k: replica_engine::checker::ViolationKind) -> &'static str {
    use replica_engine::checker::ViolationKind as K;
    match k {
        K::ReadYourWrites => "read_your_writes",
        K::MonotonicReads => "monotonic_reads",
        K::Causality => "causality",
        K::StaleRead => "stale_read",
        K::SplitBrain => "split_brain",
        K::LostWrite => "lost_write",
    }
}

/// Builds the sequence panel.
pub fn build(lab: &Lab, facts: &Facts, narrow: bool, reduced_motion: bool) -> SequenceView {
    let main = lab.main.borrow();
    let body = if let Some(f) = lab.focus.as_deref() {
        let (w, h) = if narrow {
            (360.0, 460.0)
        } else {
            (680.0, 380.0)
        };
        SequenceBody::Focus {
            kind: kind_key(f.violation.kind),
            heading: format!(
                "{} at {}: ",
                format::capitalise(f.violation.kind.title()),
                fmt_at(f.violation.t_us)
            ),
            explanation: f.explanation.clone(),
            missing: f.missing.clone(),
            diagram: focus_diagram(facts, f, w, h),
        }
    } else if let Some(twin) = &lab.twin {
        let twin = twin.borrow();
        let twin_facts = Facts::of(&twin.sim);
        let main_sync = !crate::probe::policy(&main.sim).is_async();
        let ((sync, sf), (asyn, af)) = if main_sync {
            ((&*main, facts), (&*twin, &twin_facts))
        } else {
            ((&*twin, &twin_facts), (&*main, facts))
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
            (360.0, 400.0)
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
        SequenceBody::Pair {
            sync: Box::new((
                latency(sync),
                tracked_diagram(sync, sf, "sync", "sync", span, w, h, reduced_motion),
            )),
            asyn: Box::new((
                latency(asyn),
                tracked_diagram(asyn, af, "async", "async", span, w, h, reduced_motion),
            )),
        }
    } else {
        let (w, h) = if narrow {
            (360.0, 460.0)
        } else {
            (680.0, 360.0)
        };
        let mode = if crate::probe::policy(&main.sim).is_async() {
            "async"
        } else {
            "sync"
        };
        SequenceBody::Single {
            caption: caption(&main, lab.policy_since_us),
            diagram: tracked_diagram(&main, facts, "main", mode, None, w, h, reduced_motion),
        }
    };
    SequenceView {
        compare: lab.compare,
        body,
    }
}

/// Which write the diagram follows, why that one, and how it compares
/// with the typical write.
fn caption(run: &Run, policy_since: Option<u64>) -> String {
    let Some(t) = run.timeline.tracked.as_ref() else {
        return "The diagram follows one write at a time: the next one a client sends.".into();
    };
    let (why, after) = t.picked;
    let reason = match why {
        Pick::Start => "the first write of the run".to_string(),
        Pick::AfterPrevious => format!(
            "the first write sent after the previous one had been shown (at {})",
            fmt_at(after)
        ),
        Pick::PolicyChange => format!(
            "the first write under the commit policy set at {}",
            fmt_at(after)
        ),
        Pick::SideBySide => format!(
            "the first write after side by side was switched on (at {})",
            fmt_at(after)
        ),
        Pick::AfterSeek => format!(
            "the first write sent after the instant you went to ({})",
            fmt_at(after)
        ),
    };
    let window = run.timeline.window.summary();
    let since = match policy_since {
        Some(t) => format!("since the policy change at {}", fmt_at(t)),
        None => "so far".to_string(),
    };
    let cancel = t
        .arrows
        .iter()
        .find(|a| matches!(a.msg, Msg::Cancel { .. }))
        .map(|a| a.sent_us.saturating_sub(t.invoke_us));
    let how = match (t.latency_us(), t.ok) {
        (Some(l), Some(true)) if t.unreplicated => format!(
            " Its session cancelled the wait for the standbys after {}; the leader then said it committed, with a warning, {} after it was sent: it is on the leader only.",
            cancel.map_or_else(|| "a while".to_string(), fmt_us),
            fmt_us(l)
        ),
        (Some(l), Some(true)) if window.count > 0 => format!(
            " It committed in {}; the median commit {since} is {} ({}).",
            fmt_us(l),
            fmt_us(window.p50_us),
            format::count(window.count, "write", "writes")
        ),
        (Some(l), Some(true)) => format!(" It committed in {}.", fmt_us(l)),
        (Some(l), _) => format!(" It failed after {}.", fmt_us(l)),
        (None, _) => format!(
            " No answer yet after {}.",
            fmt_us(run.sim.now_us().saturating_sub(t.invoke_us))
        ),
    };
    format!(
        "Following C{}'s write to key k{}: {reason}.{how}",
        t.session + 1,
        t.key
    )
}

/// Lanes: the clients, then `first` (the node the drawn messages went
/// to), then the other nodes; each titled with its role at the playhead.
fn lanes(
    facts: &Facts,
    clients: String,
    first: NodeId,
) -> Vec<(String, String, Option<NodeId>, bool)> {
    let mut out = vec![("Clients".to_string(), clients, None, false)];
    let count = facts.nodes.len() as NodeId;
    let order = std::iter::once(first)
        .filter(|n| *n < count)
        .chain((0..count).filter(|&n| n != first));
    for n in order {
        let f = &facts.nodes[n as usize];
        let role = match f.role {
            NodeRole::Leader if facts.leader == Some(n) => "Leader",
            NodeRole::Leader => "Old leader",
            NodeRole::Candidate => "Candidate",
            NodeRole::Follower => "Follower",
        };
        let name = if f.up {
            f.name.clone()
        } else {
            format!("{} (down)", f.name)
        };
        out.push((role.to_string(), name, Some(n), !f.up));
    }
    out
}

fn lane_of(lanes: &[LaneView], ids: &[Option<NodeId>], a: Addr) -> Option<usize> {
    let _ = lanes;
    match a {
        Addr::Client(_) => Some(0),
        Addr::Node(n) => ids.iter().position(|l| *l == Some(n)),
    }
}

fn step_class(step: Step) -> &'static str {
    match step {
        Step::Write => "s-write",
        Step::Replicate => "s-replicate",
        Step::ReplicateOther => "s-replicate-other",
        Step::Ack => "s-ack",
        Step::AckEarlier => "s-ack-earlier",
        Step::Unwaited => "s-unwaited",
        Step::Ok => "s-ok",
        Step::Cancel => "s-cancel",
        Step::OkUnreplicated => "s-ok",
        Step::Later => "s-later",
    }
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
        _ => "m-control",
    }
}

/// Whether a kind belongs to the write path.
pub fn write_path(kind: MsgKind) -> bool {
    matches!(
        kind,
        MsgKind::Write | MsgKind::WalRecord | MsgKind::Ack | MsgKind::WriteReply
    )
}

/// One arrow to place.
struct Draw {
    a: Arrow,
    strong: bool,
    number: Option<u8>,
    text: Option<String>,
    step: Option<&'static str>,
}

/// What [`place`] needs to know of a diagram.
struct Frame {
    id: &'static str,
    mode: &'static str,
    w: f64,
    h: f64,
    t0: u64,
    t1: u64,
    origin: u64,
    now: Option<u64>,
    bracket: Option<(u64, Option<u64>)>,
    empty: Option<String>,
}

#[allow(clippy::too_many_arguments)]
fn tracked_diagram(
    run: &Run,
    facts: &Facts,
    id: &'static str,
    mode: &'static str,
    span: Option<u64>,
    w: f64,
    h: f64,
    reduced_motion: bool,
) -> DiagramView {
    let now = run.sim.now_us();
    let Some(t) = run.timeline.tracked.as_ref() else {
        let lanes = lanes(facts, "clients".into(), facts.drawn_leader);
        let empty = if now == 0 {
            "Press Play: the next write a client sends is followed here, step by step."
        } else {
            "Waiting for the next write: press Play or Step."
        };
        return place(
            Frame {
                id,
                mode,
                w,
                h,
                t0: now,
                t1: now + MIN_SPAN_US,
                origin: now,
                now: None,
                bracket: None,
                empty: Some(empty.into()),
            },
            lanes,
            Vec::new(),
            reduced_motion,
        );
    };
    let (t0, t1) = window(t, now, span);
    let steps = t.steps();
    let mut labelled: Vec<String> = Vec::new();
    let strong: Vec<Draw> = steps
        .iter()
        .map(|s: &Numbered| {
            let label = s.label();
            let first = !labelled.contains(&label);
            if first {
                labelled.push(label.clone());
            }
            // Repeated kinds (more WAL records, more acks, more of what
            // came later) are labelled once; unnumbered later replication
            // is not labelled at all.
            let quiet = s.n == 0 && s.step == Step::Later;
            Draw {
                a: t.arrows[s.arrow],
                strong: !matches!(s.step, Step::Unwaited),
                number: (s.n > 0).then_some(s.n),
                text: (first && !quiet).then_some(label),
                step: Some(step_class(s.step)),
            }
        })
        .collect();
    let ids: Vec<u64> = t.arrows.iter().map(|a| a.id).collect();
    let mut draws: Vec<Draw> = run
        .timeline
        .recent
        .iter()
        .rev()
        .filter(|a| !ids.contains(&a.id))
        .filter(|a| a.sent_us <= t1 && a.deliver_us.unwrap_or(a.sent_us) >= t0)
        .take(CONTEXT_MAX)
        .map(|a| Draw {
            a: *a,
            strong: false,
            number: None,
            text: None,
            step: None,
        })
        .collect();
    draws.extend(strong);
    let lanes = lanes(facts, format!("C{}", t.session + 1), t.leader);
    place(
        Frame {
            id,
            mode,
            w,
            h,
            t0,
            t1,
            origin: t.invoke_us,
            now: t.done_us.is_none().then_some(now),
            bracket: Some((t.invoke_us, t.completed_us)),
            empty: None,
        },
        lanes,
        draws,
        reduced_motion,
    )
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

/// The close-up of an anomaly: its story's messages, numbered in time
/// order, with what each is.
fn focus_diagram(facts: &Facts, f: &Focus, w: f64, h: f64) -> DiagramView {
    let (t0, t1) = f.span();
    let origin = f.story.iter().map(|s| s.arrow.sent_us).min().unwrap_or(t0);
    // Ascending, without a general sort (a few sessions at most).
    let mut sessions: Vec<u16> = Vec::new();
    for o in &f.ops {
        if let Err(at) = sessions.binary_search(&o.session) {
            sessions.insert(at, o.session);
        }
    }
    let first = facts.leader.unwrap_or(f.violation.other_node);
    let lanes = lanes(facts, format::sessions(&sessions), first);
    let mut n = 0u8;
    let draws = f
        .story
        .iter()
        .map(|s| {
            let numbered = !s.label.is_empty();
            if numbered {
                n = n.saturating_add(1);
            }
            Draw {
                a: s.arrow,
                strong: true,
                number: numbered.then_some(n),
                text: numbered.then(|| s.label.clone()),
                step: Some(if s.anomaly { "s-anomaly" } else { "s-cause" }),
            }
        })
        .collect();
    place(
        Frame {
            id: "focus",
            mode: "focus",
            w,
            h,
            t0,
            t1,
            origin,
            now: None,
            bracket: None,
            empty: None,
        },
        lanes,
        draws,
        false,
    )
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

type Rect = (f64, f64, f64, f64);

fn overlaps(r: Rect, taken: &[Rect]) -> bool {
    taken
        .iter()
        .any(|t| r.0 < t.0 + t.2 && t.0 < r.0 + r.2 && r.1 < t.1 + t.3 && t.1 < r.1 + r.3)
}

/// Places lanes, ticks, arrows, numbers and labels.
fn place(
    fr: Frame,
    lane_list: Vec<(String, String, Option<NodeId>, bool)>,
    draws: Vec<Draw>,
    reduced_motion: bool,
) -> DiagramView {
    let (w, h) = (fr.w, fr.h);
    let bottom = h - 10.0;
    let n = lane_list.len().max(1) as f64;
    let lane_w = (w - LEFT - 6.0) / n;
    let lx = |k: usize| LEFT + lane_w * (k as f64 + 0.5);
    let span = fr.t1.saturating_sub(fr.t0).max(1) as f64;
    let ty = |t: u64| TOP + (t.saturating_sub(fr.t0) as f64 / span).min(1.0) * (bottom - TOP);
    let head_w = (lane_w - 6.0).min(110.0);
    let tight = lane_w < 64.0;
    let (role_px, name_px) = if tight { (7.5, 10.5) } else { (10.0, 13.0) };
    let ids: Vec<Option<NodeId>> = lane_list.iter().map(|l| l.2).collect();
    let lanes: Vec<LaneView> = lane_list
        .into_iter()
        .enumerate()
        .map(|(k, (role, name, node, down))| {
            let room = head_w - 4.0;
            let leader = node.is_some() && role == "Leader";
            let upper = role.to_uppercase();
            let role = if text_width(&upper, role_px, true) <= room {
                upper
            } else {
                short_role(&role).to_string()
            };
            LaneView {
                role: ellipsis(&role, role_px, true, room),
                name: ellipsis(&name, name_px, true, room),
                x: lx(k),
                head_w,
                client: node.is_none(),
                leader,
                down,
                tight,
            }
        })
        .collect();

    let step = tick_step(fr.t1.saturating_sub(fr.t0));
    let first_tick = fr
        .origin
        .saturating_sub((fr.origin.saturating_sub(fr.t0) / step) * step);
    let ticks: Vec<(f64, String)> = (0..40u64)
        .map(|k| first_tick + k * step)
        .take_while(|t| *t <= fr.t1)
        .filter(|t| *t >= fr.t0)
        .map(|t| {
            let rel = if t >= fr.origin {
                format!("+{}", fmt_us(t - fr.origin))
            } else {
                format!("−{}", fmt_us(fr.origin - t))
            };
            (ty(t), rel)
        })
        .collect();

    let mut taken: Vec<Rect> = Vec::new();
    // The bracket sits left of the clients' lifeline, clear of the time
    // axis labels.
    let bracket_x = (lx(0) - 14.0).max(LEFT + 12.0);
    let mut bracket = fr.bracket.map(|(from, to)| {
        let x = bracket_x;
        let y1 = ty(from);
        let now = fr.now.unwrap_or(fr.t1);
        let (y2, text, waiting) = match to {
            Some(t) => (ty(t), format!("commit {}", fmt_us(t - from)), false),
            None => (
                ty(now),
                format!("waiting {}", fmt_us(now.saturating_sub(from))),
                true,
            ),
        };
        let tw = text_width(&text, 11.0, true);
        // A tall bracket carries its label along it; a short one's label
        // is placed once the numbers are (below, else above, else lower).
        let along = y2 - y1 > tw + 10.0;
        if along {
            taken.push((x - 15.0, (y1 + y2) / 2.0 - tw / 2.0, 14.0, tw));
        }
        BracketView {
            d: format!("M{},{} h-5 V{} h5", tenths(x + 5.0), tenths(y1), tenths(y2)),
            text,
            x: if along { x - 3.0 } else { x + 8.0 },
            y: if along { (y1 + y2) / 2.0 } else { y2 + 15.0 },
            along,
            waiting,
        }
    });
    let bracket_ys = fr.bracket.map(|(from, to)| {
        let now = fr.now.unwrap_or(fr.t1);
        (ty(from), ty(to.unwrap_or(now)))
    });
    let now_y = fr.now.filter(|n| *n >= fr.t0 && *n <= fr.t1).map(ty);
    if let Some(y) = now_y {
        taken.push((w - 30.0, y - 13.0, 26.0, 12.0));
    }

    // Geometry of every arrow first, then numbers (which avoid one
    // another), then labels (which avoid numbers and one another).
    struct Placed {
        view: ArrowView,
        x1: f64,
        x2f: f64,
        y1: f64,
        yd: f64,
        right: bool,
        number: Option<u8>,
        text: Option<String>,
    }
    let mut placed: Vec<Placed> = Vec::new();
    for d in &draws {
        let a = &d.a;
        let (Some(k1), Some(k2)) = (lane_of(&lanes, &ids, a.from), lane_of(&lanes, &ids, a.to))
        else {
            continue;
        };
        if k1 == k2 {
            continue;
        }
        let (x1, y1) = (lx(k1), ty(a.sent_us));
        let x2f = lx(k2);
        let (x2, y2, dropped, flying) = match a.deliver_us {
            Some(dl) => match fr.now {
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
        let len = if d.strong { 9.0 } else { 6.0 };
        let p = |da: f64| (x2 - len * (ang + da).cos(), y2 - len * (ang + da).sin());
        let (a1, a2) = (p(0.42), p(-0.42));
        let kind = a.kind();
        let mut class = format!(
            "arrow {} {} {}",
            kind_class(kind),
            if write_path(kind) {
                "write-path"
            } else {
                "read-path"
            },
            if d.strong { "strong" } else { "faint" }
        );
        for c in [
            d.step,
            flying.then_some("flying"),
            dropped.then_some("dropped"),
        ]
        .into_iter()
        .flatten()
        {
            class.push(' ');
            class.push_str(c);
        }
        placed.push(Placed {
            view: ArrowView {
                class,
                step: d.text.clone().unwrap_or_default(),
                msg_id: a.id,
                x1,
                y1,
                x2,
                y2,
                dropped,
                head: format!(
                    "M{},{} L{},{} L{},{}Z",
                    tenths(x2),
                    tenths(y2),
                    tenths(a1.0),
                    tenths(a1.1),
                    tenths(a2.0),
                    tenths(a2.1)
                ),
                number: None,
                label: None,
            },
            x1,
            x2f,
            y1,
            yd: ty(a.deliver_us.unwrap_or(a.sent_us)),
            right: x2f >= x1,
            number: d.number,
            text: d.text.clone(),
        });
    }
    for p in &mut placed {
        let Some(num) = p.number else { continue };
        let at = |f: f64| (p.x1 + (p.x2f - p.x1) * f, p.y1 + (p.yd - p.y1) * f);
        let mut spot = at(0.3);
        for f in [0.3, 0.45, 0.18, 0.6, 0.72, 0.1, 0.85] {
            let c = at(f);
            if !overlaps((c.0 - 9.0, c.1 - 9.0, 18.0, 18.0), &taken) {
                spot = c;
                break;
            }
        }
        taken.push((spot.0 - 9.0, spot.1 - 9.0, 18.0, 18.0));
        p.view.number = Some((num, spot.0, spot.1));
    }
    if let (Some(b), Some((y1, y2))) = (bracket.as_mut(), bracket_ys) {
        if !b.along {
            let tw = text_width(&b.text, 11.0, true) + 2.0;
            let spot = [y2 + 15.0, y1 - 4.0, y2 + 30.0, y2 + 45.0, y1 - 19.0]
                .into_iter()
                .map(|y| y.clamp(TOP + 6.0, bottom - 2.0))
                .find(|y| !overlaps((b.x - 2.0, y - 11.0, tw, 14.0), &taken))
                .unwrap_or((y2 + 15.0).min(bottom - 2.0));
            b.y = spot;
            taken.push((b.x - 2.0, spot - 11.0, tw, 14.0));
        }
    }
    for p in &mut placed {
        let Some(text) = p.text.clone() else { continue };
        let (mx, my) = p
            .view
            .number
            .map(|(_, x, y)| (x, y))
            .unwrap_or((p.x1 + (p.x2f - p.x1) * 0.3, p.y1 + (p.yd - p.y1) * 0.3));
        let tw = text_width(&text, 12.0, true) + 4.0;
        let mut chosen = None;
        'search: for dy in [0.0, 15.0, -15.0, 30.0, -30.0, 45.0, 60.0, -45.0, 75.0, 90.0] {
            for right in [p.right, !p.right] {
                let bx = if right { mx + 11.0 } else { mx - 11.0 - tw };
                let bx = bx.clamp(LEFT, (w - 2.0 - tw).max(LEFT));
                let by = (my - 17.0 + dy).clamp(TOP - 6.0, bottom - 15.0);
                if !overlaps((bx, by, tw, 15.0), &taken) {
                    chosen = Some((bx, by, right, dy != 0.0 || right != p.right));
                    break 'search;
                }
            }
        }
        let Some((bx, by, right, moved)) = chosen else {
            continue;
        };
        taken.push((bx, by, tw, 15.0));
        let (tx, anchor) = if right {
            (bx, "start")
        } else {
            (bx + tw, "end")
        };
        p.view.label = Some(LabelView {
            text,
            x: tx,
            y: by + 11.5,
            anchor,
            lead: moved.then_some((mx, my, if right { bx } else { bx + tw }, by + 10.0)),
        });
    }
    let arrows: Vec<ArrowView> = placed.into_iter().map(|p| p.view).collect();
    let latency_us = fr.bracket.and_then(|(f, t)| t.map(|t| t - f));
    let aria = match &fr.empty {
        Some(e) => format!("Sequence diagram: {e}"),
        None => {
            let steps: Vec<&str> = arrows
                .iter()
                .filter(|a| !a.step.is_empty())
                .map(|a| a.step.as_str())
                .collect();
            format!("Sequence diagram ({}): {}", fr.mode, steps.join(", "))
        }
    };
    DiagramView {
        id: fr.id,
        mode: fr.mode,
        w,
        h,
        bottom,
        lanes,
        ticks,
        arrows,
        bracket,
        now_y,
        empty: fr.empty,
        aria,
        latency_us,
    }
}

fn short_role(role: &str) -> &'static str {
    match role {
        "Leader" => "LEAD",
        "Old leader" => "OLD",
        "Candidate" => "CAND",
        "Follower" => "FOL",
        _ => "CL",
    }
}

/// Whether a message is a client's.
pub fn is_client(msg: &Msg) -> bool {
    msg.req().is_some()
}
