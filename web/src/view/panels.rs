//! The view model of the panels around the drawing: the run bar, the
//! experiment, the guided chapter, the node menu, the settings forms (as
//! in effect at the playhead), the read-outs and the anomalies.
//!
//! Every figure says what it counts, and figures that could be read
//! together agree: the lag table's maximum is never below its "now", the
//! per-promotion losses add up to "Acked, then lost" once a promotion
//! exists, and "reads behind the leader" (the engine's judgement when a
//! read is served) is told apart from the checker's stale-read anomaly
//! (judged from what clients saw).

use super::cluster::state_words;
use super::facts::{Facts, NodeState};
use crate::chapters::CHAPTERS;
use crate::format::{self, fmt_at, fmt_us};
use crate::probe::{self, NodeRole};
use crate::settings::{self, PolicyForm, MITIGATIONS, REGION_PRESETS};
use crate::state::Lab;
use replica_engine::checker::{Violation, ViolationKind};
use replica_engine::network::NodeId;
use replica_engine::report::Promotion;
use replica_engine::scenario::FailoverMode;

/// The run bar.
#[derive(Clone)]
pub struct RunView {
    /// Animating.
    pub playing: bool,
    /// Speed index.
    pub speed: usize,
    /// Simulated time.
    pub now_us: u64,
    /// The scenario's end.
    pub end_us: u64,
    /// Events processed.
    pub events: u64,
    /// The engine's trace hash, hex.
    pub hash: String,
    /// How far checkpoints reach.
    pub ready_us: u64,
    /// Background checkpointing is done.
    pub checkpoints_done: bool,
    /// `t = 1.23 s`.
    pub clock_text: String,
    /// ` / 10.0 s`.
    pub end_text: String,
}

/// The experiment: scenario, seed, the shared link.
#[derive(Clone)]
pub struct ExperimentView {
    /// Library name.
    pub scenario: String,
    /// Its one-line description.
    pub description: String,
    /// Seed.
    pub seed: u64,
    /// The link to copy, once asked for.
    pub share_url: Option<String>,
}

/// The guided chapter on screen.
#[derive(Clone)]
pub struct ChapterView {
    /// 0-based.
    pub index: usize,
    /// Chapters in all.
    pub count: usize,
    /// `Chapter 2 of 9: …`.
    pub heading: String,
    /// Narration.
    pub narration: &'static [&'static str],
    /// The question.
    pub question: &'static str,
    /// Its answers.
    pub options: &'static [&'static str],
    /// Chapter titles, for the jump menu.
    pub titles: Vec<String>,
    /// The answer picked.
    pub pick: Option<usize>,
    /// The guess is committed.
    pub committed: bool,
    /// The experiment has run (or is running).
    pub ran: bool,
    /// The answer is shown.
    pub revealed: bool,
    /// The pick was right.
    pub correct: bool,
    /// The answer and what to observe.
    pub reveal: String,
    /// The key event's word (`#chapter[data-key]`).
    pub key: &'static str,
    /// Its instant, once the run paused there.
    pub key_us: Option<u64>,
    /// The element that shows it (a CSS selector), highlighted once
    /// revealed.
    pub evidence: &'static str,
    /// What the learner waits for, shown while the answer is hidden.
    pub waiting: String,
    /// Why the chapter plays faster than its scenario's suggested speed,
    /// naming both menu speeds, for the chapters that do.
    pub speed_note: Option<String>,
    /// The key event and where the run paused for it.
    pub key_text: String,
    /// The last chapter.
    pub last: bool,
}

/// The open node menu.
#[derive(Clone)]
pub struct NodeMenuView {
    /// Node id.
    pub id: NodeId,
    /// Its name.
    pub name: String,
    /// `leader · up`.
    pub title: String,
    /// Running.
    pub up: bool,
    /// Cut off (offer "Reconnect").
    pub cut_off: bool,
    /// A running follower under manual failover: offer "Promote" (an
    /// operator's `pg_ctl promote`; the other modes promote on their own,
    /// and the engine accepts it only in manual mode).
    pub promotable: bool,
    /// Nodes in the cluster.
    pub nodes: usize,
    /// The node's element id, to give focus back to.
    pub dom_id: String,
}

/// The commit policy form, showing the policy in effect at the playhead.
#[derive(Clone)]
pub struct CommitView {
    /// The form.
    pub form: PolicyForm,
    /// Followers, for the standby checkboxes.
    pub followers: Vec<String>,
    /// `FIRST 1 (far), on`.
    pub summary: String,
    /// When it took effect.
    pub since: String,
}

/// Read routing, as in effect at the playhead.
#[derive(Clone)]
pub struct RoutingView {
    /// `[routing] reads` key.
    pub key: String,
    /// A read-your-writes mitigation.
    pub safe: bool,
    /// What it means.
    pub hint: &'static str,
    /// When it took effect.
    pub since: String,
    /// The routing's time window in effect, if it has one.
    pub window: Option<settings::RoutingWindow>,
    /// A window value refused, and why.
    pub refused: Option<crate::refusal::Refusal>,
}

/// One follower's region picker.
#[derive(Clone)]
pub struct RegionRow {
    /// The node.
    pub node: String,
    /// Its region.
    pub value: String,
    /// `(value, label)` choices.
    pub options: Vec<(String, String)>,
}

/// Followers and their regions.
#[derive(Clone)]
pub struct ClusterSettingsView {
    /// Number of followers.
    pub followers: usize,
    /// One row per follower.
    pub rows: Vec<RegionRow>,
}

/// Failover settings.
#[derive(Clone)]
pub struct FailoverView {
    /// A value refused for one of its fields, and why.
    pub refused: Option<crate::refusal::Refusal>,
    /// `[failover] mode` key.
    pub mode: &'static str,
    /// Failure-detector timeout in effect, ms.
    pub timeout_ms: u64,
    /// `[failover] fencing` key.
    pub fencing: &'static str,
}

/// The commit policy's state at the leader.
#[derive(Clone)]
pub struct PolicyStateView {
    /// `async`, `sync`, `degraded` or `no-leader`.
    pub key: &'static str,
    /// Writes waiting for standbys (sync).
    pub waiting: u32,
    /// In words.
    pub text: String,
}

/// One promotion.
#[derive(Clone)]
pub struct PromotionView {
    /// When.
    pub t_us: u64,
    /// Who.
    pub node: String,
    /// Whom it replaced.
    pub old_leader: String,
    /// Its epoch.
    pub epoch: u32,
    /// Acknowledged writes lost with it, as of now.
    pub lost: u64,
    /// Writes were unavailable this long, if known.
    pub unavailable_us: Option<u64>,
    /// The old leader was still running: a false failover.
    pub false_failover: bool,
    /// What it lost (`no acknowledged write lost`, `3 acknowledged writes
    /// lost`).
    pub loss: String,
    /// Where the time without a leader went: lost; suspected; promoted;
    /// first acknowledged write.
    pub steps: String,
    /// In words.
    pub text: String,
}

/// One row of the lag table.
#[derive(Clone)]
pub struct LagRow {
    /// Node.
    pub node: String,
    /// `f1 (down)`.
    pub label: String,
    /// Region name.
    pub region: String,
    /// In another region than the leader.
    pub far: bool,
    /// Entries behind now.
    pub entries: u64,
    /// Time behind now.
    pub now_us: u64,
    /// Largest time behind so far (sampled, and now).
    pub max_us: u64,
}

/// The read-outs.
#[derive(Clone)]
pub struct ReadoutsView {
    /// Live throughput (`None` at time zero).
    pub throughput: Option<Throughput>,
    /// What the throughput figures count.
    pub throughput_text: String,
    /// Commit p50 of the latency window (`None`: no commit yet).
    pub p50_us: Option<u64>,
    /// Commit p99 of the window.
    pub p99_us: Option<u64>,
    /// Writes in the window.
    pub window_count: u64,
    /// Start of the window.
    pub since_us: u64,
    /// What the window is, and the whole run's figures.
    pub window_text: String,
    /// Writes acknowledged.
    pub acked: u64,
    /// Acknowledged writes missing from the current leader's log now.
    pub lost: u64,
    /// Of the acknowledged writes, those committed unreplicated after a
    /// cancel.
    pub unreplicated: u64,
    /// Of the lost writes, those committed unreplicated.
    pub lost_unreplicated: u64,
    /// What the committed-unreplicated writes are, when there are any.
    pub unreplicated_text: Option<String>,
    /// Writes failed.
    pub failed: u64,
    /// What the failures were.
    pub failed_detail: String,
    /// Reads a follower answered while the leader had a newer version.
    pub reads_behind: u64,
    /// Time two leaders, in different epochs, both accepted client writes
    /// (the engine's split-brain time).
    pub split_brain_us: u64,
    /// What that time was, once only one node holds the leader role.
    pub split_brain_text: Option<String>,
    /// Leader name, if any.
    pub leader: Option<String>,
    /// `f1 (epoch 2)` or `none`.
    pub leader_text: String,
    /// When more than one node holds the leader role: what is going on.
    pub leadership: Option<String>,
    /// The commit policy's state.
    pub policy: PolicyStateView,
    /// The promotions, newest first.
    pub promotions: Vec<PromotionView>,
    /// Lost writes not attributed to a promotion (none has happened).
    pub lost_note: Option<String>,
    /// The lag table.
    pub lag: Vec<LagRow>,
    /// How the lag table's maximum is measured.
    pub lag_caption: String,
    /// Side by side: `(text, sync p50, async p50)`.
    pub compare: Option<(String, u64, u64)>,
}

/// One anomaly in the list.
#[derive(Clone)]
pub struct AnomalyItem {
    /// Kind key.
    pub key: &'static str,
    /// Kind in words.
    pub title: &'static str,
    /// When.
    pub t_us: u64,
    /// The operation that revealed it.
    pub op: u64,
    /// Its explanation.
    pub text: String,
    /// It is in close-up.
    pub focused: bool,
    /// What "jump to" goes to.
    pub violation: Violation,
}

/// The anomaly panel.
#[derive(Clone)]
pub struct AnomaliesView {
    /// Anomalies found by the checker.
    pub total: u64,
    /// `(key, title, count)` for kinds found.
    pub chips: Vec<(&'static str, &'static str, u64)>,
    /// The newest ones.
    pub items: Vec<AnomalyItem>,
    /// How many the list leaves out.
    pub not_listed: u64,
    /// Acknowledged writes lost now, which the checker lists only when a
    /// run ends: said here so the two panels agree.
    pub lost_note: Option<String>,
}

/// Anomalies listed at most (newest first).
pub const LISTED: usize = 30;

/// What each anomaly kind counts.
pub const KIND_MEANINGS: [(ViolationKind, &str); 6] = [
    (
        ViolationKind::ReadYourWrites,
        "a session read an older value than its own acknowledged write",
    ),
    (
        ViolationKind::MonotonicReads,
        "a session read an older value than one it had already read",
    ),
    (
        ViolationKind::Causality,
        "a session saw a write made in reply to another, then read without the write it replied to",
    ),
    (
        ViolationKind::StaleRead,
        "a read returned a value older than a write acknowledged before the read began",
    ),
    (
        ViolationKind::SplitBrain,
        "two nodes in different epochs acknowledged writes at overlapping times",
    ),
    (
        ViolationKind::LostWrite,
        "an acknowledged write is missing from the surviving log (judged when a run ends)",
    ),
];

/// The run bar.
pub fn run_bar(lab: &Lab) -> RunView {
    let run = lab.main.borrow();
    let now = run.sim.now_us();
    let end = lab.base.duration_us;
    let ahead = lab.ahead_state();
    RunView {
        playing: lab.playing,
        speed: lab.speed,
        now_us: now,
        end_us: end,
        events: probe::events(&run.sim),
        hash: format!("{:016x}", run.sim.trace_hash()),
        ready_us: ahead.ready_us,
        checkpoints_done: ahead.done,
        clock_text: format!("t = {}", fmt_us(now)),
        end_text: format!(" / {}", fmt_us(end)),
    }
}

/// The experiment.
pub fn experiment(lab: &Lab) -> ExperimentView {
    ExperimentView {
        scenario: lab.scenario_name.clone(),
        description: crate::library::description(&lab.scenario_name),
        seed: lab.seed,
        share_url: lab
            .share_query
            .as_ref()
            .map(|q| format!("{}{q}", lab.page_base)),
    }
}

/// Whether the open chapter's answer is shown: the learner committed a
/// guess and the run at the playhead has reached the chapter's key event.
pub fn chapter_revealed(lab: &Lab) -> bool {
    lab.chapter.as_ref().is_some_and(|c| {
        c.committed
            && CHAPTERS
                .get(c.index)
                .is_some_and(|ch| ch.key.happened(&lab.main.borrow().sim))
    })
}

/// The guided chapter, if one is open.
pub fn chapter(lab: &Lab) -> Option<ChapterView> {
    let c = lab.chapter.as_ref()?;
    let ch = CHAPTERS.get(c.index)?;
    let ran = lab.playing || lab.now_us() > 0;
    let revealed = chapter_revealed(lab);
    let correct = c.pick == Some(ch.answer);
    Some(ChapterView {
        index: c.index,
        count: CHAPTERS.len(),
        heading: format!(
            "Chapter {} of {}: {}",
            c.index + 1,
            CHAPTERS.len(),
            ch.title
        ),
        narration: ch.narration,
        question: ch.question,
        options: ch.options,
        titles: CHAPTERS
            .iter()
            .enumerate()
            .map(|(j, x)| format!("{}. {}", j + 1, x.title))
            .collect(),
        pick: c.pick,
        committed: c.committed,
        ran,
        revealed,
        correct,
        key: ch.key.word(),
        key_us: c.key_us,
        evidence: ch.key.evidence(),
        speed_note: ch.faster.map(|i| {
            let asked = crate::library::load(ch.scenario)
                .ok()
                .and_then(|f| f.suggested_speed_us_per_ms);
            let at = |i: usize| crate::speeds::SPEEDS.get(i).map_or("", |s| s.1);
            format!(
                "This experiment starts at {}, faster than its scenario's {}, so the answer comes within seconds rather than minutes. Pick a slower speed to follow single messages.",
                at(i),
                at(crate::speeds::suggested(asked))
            )
        }),
        waiting: format!(
            "The answer appears when {}; the run pauses there.",
            ch.key.describe()
        ),
        reveal: format!(
            "{}Answer: {}. {}",
            if correct {
                "You were right. "
            } else {
                "Not quite. "
            },
            ch.options.get(ch.answer).copied().unwrap_or_default(),
            ch.observe
        ),
        key_text: match c.key_us {
            Some(t) => format!("Paused at {}: {}.", fmt_at(t), ch.key.describe()),
            None => format!("Key event: {}.", ch.key.describe()),
        },
        last: c.index + 1 == CHAPTERS.len(),
    })
}

/// The node menu, if open.
pub fn node_menu(lab: &Lab, facts: &Facts) -> Option<NodeMenuView> {
    let id = lab.selected?;
    let i = id as usize;
    let n = facts.nodes.get(i)?;
    let role = match n.role {
        NodeRole::Leader => "leader",
        NodeRole::Candidate => "candidate",
        NodeRole::Follower => "follower",
    };
    let state = facts.states[i];
    Some(NodeMenuView {
        id,
        name: n.name.clone(),
        title: format!(" · {role} · {}", state_words(state)),
        up: n.up,
        cut_off: matches!(state, NodeState::Isolated | NodeState::Partitioned),
        promotable: n.up
            && n.role != NodeRole::Leader
            && probe::scenario(&lab.main.borrow().sim).failover.mode == FailoverMode::Manual,
        nodes: facts.nodes.len(),
        dom_id: format!("node-{}", super::cluster::dom_safe(&n.name)),
    })
}

fn since_text(t: Option<u64>) -> String {
    match t {
        Some(t) => format!("In effect since {} (a change you made).", fmt_at(t)),
        None => "In effect since the start of the run.".into(),
    }
}

/// The commit form, as the policy in effect at the playhead.
pub fn commit(lab: &Lab) -> CommitView {
    let run = lab.main.borrow();
    let sc = probe::scenario(&run.sim);
    let form = PolicyForm::from_scenario(sc);
    CommitView {
        summary: form.describe(),
        followers: (0..sc.nodes.len())
            .filter(|&i| i != sc.leader as usize)
            .map(|i| sc.nodes[i].name.clone())
            .collect(),
        form,
        since: since_text(lab.policy_since_us),
    }
}

/// Read routing, as in effect at the playhead.
pub fn routing(lab: &Lab) -> RoutingView {
    let run = lab.main.borrow();
    let routing = probe::scenario(&run.sim).routing;
    let reads = settings::reads_of(&routing);
    let key = reads.word().to_string();
    let safe = MITIGATIONS.contains(&reads);
    RoutingView {
        hint: if safe {
            "Sessions always see their own writes."
        } else {
            "Followers may lag: a session can miss its own write. Mitigations: leader after a write, or a position token."
        },
        safe,
        key,
        since: since_text(lab.routing_since_us),
        window: settings::routing_window(&routing),
        refused: lab.refused.clone().filter(|r| r.field == "routing-window"),
    }
}

/// Followers and regions, as the run was built.
pub fn cluster_settings(lab: &Lab) -> ClusterSettingsView {
    let file = &lab.file;
    let followers = settings::follower_names(file);
    let regions = settings::regions(file);
    let mut f = (**file).clone();
    settings::materialize_nodes(&mut f);
    let run = lab.main.borrow();
    let sim = &run.sim;
    let sc = probe::scenario(sim);
    let lead_region = sc
        .nodes
        .get(sc.leader as usize)
        .map_or(0, |n| n.region as usize);
    let rows = followers
        .iter()
        .map(|name| {
            let i = (0..f.nodes.len())
                .find(|&i| settings::node_name(&f, i) == *name)
                .unwrap_or(0);
            let mut options: Vec<(String, String)> = regions
                .iter()
                .enumerate()
                .map(|(r, rn)| {
                    let caption = if r < sc.regions.len() {
                        super::cluster::region_caption(sim, lead_region, r)
                    } else {
                        String::new()
                    };
                    (rn.clone(), format!("{rn} ({caption})"))
                })
                .collect();
            options.extend(
                REGION_PRESETS
                    .iter()
                    .filter(|(p, _)| !regions.iter().any(|r| r == p))
                    .map(|(p, us)| (p.to_string(), format!("{p} (new, {} away)", fmt_us(*us)))),
            );
            RegionRow {
                node: name.clone(),
                value: settings::region_of(&f, i),
                options,
            }
        })
        .collect();
    ClusterSettingsView {
        followers: followers.len(),
        rows,
    }
}

/// Failover settings, as the run was built.
pub fn failover(lab: &Lab) -> FailoverView {
    let run = lab.main.borrow();
    let sc = probe::scenario(&run.sim);
    FailoverView {
        refused: lab.refused.clone(),
        mode: sc.failover.mode.word(),
        timeout_ms: settings::detector_timeout_ms(sc),
        fencing: sc.failover.fencing.word(),
    }
}

/// The commit policy's state at the current leader.
pub fn policy_state(lab: &Lab, facts: &Facts) -> PolicyStateView {
    let Some(l) = facts.leader else {
        let manual = probe::scenario(&lab.main.borrow().sim).failover.mode == FailoverMode::Manual;
        return PolicyStateView {
            key: "no-leader",
            waiting: 0,
            text: if manual {
                "No leader, and failover is manual: nobody will promote a follower unless you do (click a follower, then Promote).".into()
            } else {
                "No leader: nobody accepts writes until a follower is promoted.".into()
            },
        };
    };
    let n = &facts.nodes[l as usize];
    let run = lab.main.borrow();
    let last_change = probe::policy_changes(&run.sim)
        .iter()
        .rev()
        .find(|p| p.node == l);
    if !n.waits {
        return PolicyStateView {
            key: "async",
            waiting: 0,
            text: "asynchronous: a write commits on the leader's own flush".into(),
        };
    }
    if n.degraded {
        let at = last_change.filter(|p| p.degraded).map_or(0, |p| p.t_us);
        return PolicyStateView {
            key: "degraded",
            waiting: 0,
            text: format!("semi-sync: fell back to async at {}", fmt_us(at)),
        };
    }
    let waiting = n.pending_writes;
    let again = last_change
        .filter(|p| !p.degraded)
        .map(|p| format!(" (synchronous again since {})", fmt_us(p.t_us)))
        .unwrap_or_default();
    PolicyStateView {
        key: "sync",
        waiting,
        text: format!(
            "synchronous: {} for standbys{again}",
            format::count(waiting as u64, "write waiting", "writes waiting")
        ),
    }
}

/// When more than one node holds the leader role: whether it is
/// split-brain (both accepting client writes at overlapping times, the
/// engine's split-brain time) and, if not, why not, from the same spans
/// the engine's figure is computed from.
fn leadership(lab: &Lab, facts: &Facts, split_us: u64, lost: u64) -> Option<String> {
    let leaders = facts.leaders();
    if leaders.len() < 2 {
        return None;
    }
    let cur = facts.leader?;
    let run = lab.main.borrow();
    let fencing = probe::epoch_fencing(&run.sim);
    let spans = probe::accept_spans(&run.sim);
    let who = |n: NodeId| {
        format!(
            "{} (epoch {})",
            facts.name(n),
            facts.nodes[n as usize].epoch
        )
    };
    let mut out = String::new();
    for old in leaders.into_iter().filter(|n| *n != cur) {
        let pair = format!("{} and {}", who(old), who(cur));
        if split_us > 0 {
            out.push_str(&format!(
                "Split-brain: two leaders accepted client writes at overlapping times, for {} so far ({pair}). ",
                fmt_us(split_us)
            ));
        } else {
            let span = |n: NodeId| {
                let e = facts.nodes[n as usize].epoch;
                spans.iter().find(|s| s.node == n && s.epoch == e)
            };
            let turns = match (span(old), span(cur)) {
                (Some(o), Some(c)) => format!(
                    "they took turns: {} last accepted a client write at {}, {} first did at {}",
                    facts.name(old),
                    fmt_at(o.last_us),
                    facts.name(cur),
                    fmt_at(c.first_us)
                ),
                (Some(o), None) => format!(
                    "so far only {} has accepted client writes (the last at {}); {} none yet",
                    facts.name(old),
                    fmt_at(o.last_us),
                    facts.name(cur)
                ),
                (None, _) => format!(
                    "{} has accepted no client write in its epoch",
                    facts.name(old)
                ),
            };
            out.push_str(&format!(
                "Two nodes hold the leader role, {pair}, but this is not split-brain: split-brain is two leaders accepting client writes at overlapping times, and {turns}. "
            ));
        }
        let writers = facts.writers_of(old, fencing);
        if facts.states[old as usize].refuses_writes() {
            out.push_str(&format!("{} refuses every write now. ", facts.name(old)));
        } else if writers.is_empty() {
            out.push_str(&format!(
                "No client writes to {} now: the sessions that reach it have moved to {}. ",
                facts.name(old),
                facts.name(cur)
            ));
        } else {
            out.push_str(&format!(
                "Sessions {} still write to {}. ",
                format::sessions(&writers),
                facts.name(old)
            ));
        }
    }
    if lost > 0 {
        out.push_str(&format!(
            "{} acknowledged writes are missing from {}'s log: lost.",
            lost,
            facts.name(cur)
        ));
    }
    Some(out.trim_end().to_string())
}

/// How far back the live throughput read-outs look, at least.
pub const RATE_WINDOW_US: u64 = 1_000_000;

/// Live throughput: reads answered and writes acknowledged per second of
/// simulated time, from the chart sample at least [`RATE_WINDOW_US`]
/// before the playhead (or the run's start) to the playhead.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Throughput {
    /// Reads answered per second.
    pub reads_per_s: f64,
    /// Writes acknowledged per second.
    pub writes_per_s: f64,
    /// Start of the window.
    pub since_us: u64,
}

/// The live throughput at the playhead, if any time has passed.
pub fn throughput(lab: &Lab) -> Option<Throughput> {
    let run = lab.main.borrow();
    let now = run.sim.now_us();
    let (reads, writes) = probe::op_counts(&run.sim);
    let (since_us, r0, w0) = run
        .series
        .samples
        .iter()
        .rev()
        .find(|s| s.t_us + RATE_WINDOW_US <= now)
        .map_or((0, 0, 0), |s| (s.t_us, s.reads_ok, s.writes_acked));
    let secs = now.checked_sub(since_us).filter(|d| *d > 0)? as f64 / 1e6;
    Some(Throughput {
        reads_per_s: reads.saturating_sub(r0) as f64 / secs,
        writes_per_s: writes.saturating_sub(w0) as f64 / secs,
        since_us,
    })
}

/// One promotion as the read-outs show it: who, when, whether the old
/// leader was still running (a false failover), what it lost, and where
/// the time without a leader went, all from the engine's [`Promotion`].
fn promotion_view(p: &Promotion, facts: &Facts) -> PromotionView {
    let name = facts.name(p.node);
    let old = facts.name(p.old_leader);
    let after = if p.old_leader_alive {
        format!(", {old} still running")
    } else {
        p.leader_lost_us
            .or(p.suspected_us)
            .map(|t| {
                format!(
                    ", {} after {old} was lost",
                    fmt_us(p.t_us.saturating_sub(t))
                )
            })
            .unwrap_or_default()
    };
    let loss = if p.lost_acknowledged_writes > 0 {
        format!(
            "{} lost",
            format::count(
                p.lost_acknowledged_writes,
                "acknowledged write",
                "acknowledged writes"
            )
        )
    } else {
        "no acknowledged write lost".to_string()
    };
    let mut steps = Vec::new();
    if let Some(t) = p.leader_lost_us {
        steps.push(format!("{old} lost at {}", fmt_at(t)));
    }
    if let Some(t) = p.suspected_us {
        steps.push(format!("suspected at {}", fmt_at(t)));
    }
    steps.push(format!("{name} promoted at {}", fmt_at(p.t_us)));
    match p.first_ack_us {
        Some(t) => steps.push(format!("first write acknowledged at {}", fmt_at(t))),
        None => steps.push("no write acknowledged by it yet".to_string()),
    }
    let unavailable_us = p.unavailable_us();
    let steps = format!(
        "{}{}.",
        unavailable_us
            .map(|u| format!("No write acknowledged for {}: ", fmt_us(u)))
            .unwrap_or_default(),
        steps.join("; ")
    );
    PromotionView {
        t_us: p.t_us,
        text: format!(
            "{}: {name} promoted, epoch {}{after}; ",
            fmt_us(p.t_us),
            p.epoch
        ),
        false_failover: p.old_leader_alive,
        loss,
        steps,
        node: name,
        old_leader: old,
        epoch: p.epoch,
        lost: p.lost_acknowledged_writes,
        unavailable_us,
    }
}

/// The read-outs.
pub fn readouts(lab: &Lab, facts: &Facts) -> ReadoutsView {
    let totals = {
        let run = lab.main.borrow();
        probe::totals(&run.sim)
    };
    let policy = policy_state(lab, facts);
    let leadership = leadership(lab, facts, totals.split_brain_us, totals.writes_lost);
    let run = lab.main.borrow();
    let sim = &run.sim;
    let now_us = sim.now_us();
    let w = run.timeline.window.summary();
    let (all_count, all_p50, all_p99) = probe::commit_latency_us(sim);
    let since = run.timeline.since_us;
    let promotions: Vec<PromotionView> = probe::promotions(sim)
        .iter()
        .rev()
        .map(|p| promotion_view(p, facts))
        .collect();
    let lost_note = (promotions.is_empty() && totals.writes_lost > 0).then(|| {
        format!(
            "{} acknowledged writes are missing from the log that counts now; no promotion has happened to charge them to.",
            totals.writes_lost
        )
    });
    let sc = probe::scenario(sim);
    let lead_region = facts.leader.map(|l| facts.nodes[l as usize].region);
    let sampled = probe::sampled_max_lag(sim);
    // Followers only, as the drawing's lag badges: a node that still holds
    // the leader role of an older epoch follows nobody, so a lag behind
    // the new leader would say it is caught up when its log has diverged.
    let lag = (0..facts.nodes.len())
        .filter(|&i| Some(i as NodeId) != facts.leader)
        .filter(|&i| !(facts.nodes[i].up && facts.nodes[i].role == NodeRole::Leader))
        .map(|i| {
            let n = &facts.nodes[i];
            let (entries, now_us) = facts.leader.map_or((0, 0), |l| probe::lag(sim, l, i));
            LagRow {
                node: n.name.clone(),
                label: if n.up {
                    n.name.clone()
                } else {
                    format!("{} (down)", n.name)
                },
                region: sc.regions.get(n.region).cloned().unwrap_or_default(),
                far: lead_region.is_some_and(|r| r != n.region),
                entries,
                now_us,
                max_us: sampled.get(i).map_or(0, |s| s.1).max(now_us),
            }
        })
        .collect();
    let failed_detail = {
        let mut parts = Vec::new();
        if totals.writes_refused > 0 {
            parts.push(format!("{} refused", totals.writes_refused));
        }
        if totals.writes_quorum_timeout > 0 {
            parts.push(format!("{} quorum time-outs", totals.writes_quorum_timeout));
        }
        if totals.writes_client_timeout > 0 {
            parts.push(format!("{} client time-outs", totals.writes_client_timeout));
        }
        parts.join(", ")
    };
    let compare = lab.twin.as_ref().map(|twin| {
        let twin = twin.borrow();
        let t = twin.timeline.window.summary();
        let main_sync = !probe::policy(sim).is_async();
        let (s, a) = if main_sync { (w, t) } else { (t, w) };
        let text = if s.count > 0 && a.count > 0 {
            format!(
                "Side by side, p50: sync {} vs async {} (+{})",
                fmt_us(s.p50_us),
                fmt_us(a.p50_us),
                fmt_us(s.p50_us.saturating_sub(a.p50_us))
            )
        } else {
            "Side by side: waiting for commits on both sides…".to_string()
        };
        (text, s.p50_us, a.p50_us)
    });
    let rate = throughput(lab);
    ReadoutsView {
        throughput: rate,
        throughput_text: rate.map_or_else(
            || "Throughput: the run has not started.".to_string(),
            |r| {
                format!(
                    "Reads answered and writes acknowledged per second, over the {} since {}",
                    fmt_us(now_us.saturating_sub(r.since_us)),
                    fmt_at(r.since_us)
                )
            },
        ),
        p50_us: (w.count > 0).then_some(w.p50_us),
        p99_us: (w.count > 0).then_some(w.p99_us),
        window_count: w.count,
        since_us: since,
        window_text: format!(
            "{} · whole run: {}, p50 {} / p99 {}",
            if since == 0 {
                "Latency of every write so far".to_string()
            } else {
                format!(
                    "Latency of writes issued since {} (policy change)",
                    fmt_us(since)
                )
            },
            format::count(all_count, "write", "writes"),
            fmt_us(all_p50),
            fmt_us(all_p99)
        ),
        acked: totals.writes_acked,
        lost: totals.writes_lost,
        unreplicated: totals.writes_unreplicated,
        lost_unreplicated: totals.writes_lost_unreplicated,
        unreplicated_text: (totals.writes_unreplicated > 0).then(|| {
            format!(
                "Of the acknowledged writes, {} committed on the leader only: the session cancelled its wait for the standbys and was told the commit succeeded, with a warning (committed unreplicated); {} of them {} lost now.",
                totals.writes_unreplicated,
                totals.writes_lost_unreplicated,
                if totals.writes_lost_unreplicated == 1 { "is" } else { "are" }
            )
        }),
        failed: totals.writes_failed,
        failed_detail,
        reads_behind: totals.reads_behind_leader,
        split_brain_us: totals.split_brain_us,
        split_brain_text: (totals.split_brain_us > 0 && leadership.is_none()).then(|| {
            format!(
                "Earlier, two leaders both accepted client writes for {}.",
                fmt_us(totals.split_brain_us)
            )
        }),
        leader: facts.leader.map(|l| facts.name(l)),
        leader_text: match facts.leader {
            Some(l) => format!(
                "{} (epoch {})",
                facts.name(l),
                facts.nodes[l as usize].epoch
            ),
            None => "none".into(),
        },
        leadership,
        policy,
        promotions,
        lost_note,
        lag,
        lag_caption: format!(
            "Follower lag (replay): now, and the largest so far (sampled every {}, and now)",
            fmt_us(probe::sample_interval_us(sim))
        ),
        compare,
    }
}

/// The anomaly panel.
pub fn anomalies(lab: &Lab, facts: &Facts) -> AnomaliesView {
    let run = lab.main.borrow();
    let sim = &run.sim;
    let totals = probe::totals(sim);
    let names: Vec<String> = facts.nodes.iter().map(|n| n.name.clone()).collect();
    let focused = lab.focus.as_deref().map(|f| f.violation);
    let total: u64 = totals.anomalies.iter().sum();
    let chips = ViolationKind::ALL
        .iter()
        .map(|k| (*k, totals.anomalies[probe::kind_index(*k)]))
        .filter(|(_, c)| *c > 0)
        .map(|(k, c)| (super::sequence::kind_key(k), k.title(), c))
        .collect();
    let kept = probe::violations(sim);
    let items: Vec<AnomalyItem> = kept
        .iter()
        .rev()
        .take(LISTED)
        .map(|v| AnomalyItem {
            key: super::sequence::kind_key(v.kind),
            title: v.kind.title(),
            t_us: v.t_us,
            op: v.op,
            text: v.explain(&names),
            focused: focused == Some(*v),
            violation: *v,
        })
        .collect();
    AnomaliesView {
        total,
        chips,
        not_listed: total.saturating_sub(items.len() as u64),
        items,
        lost_note: (totals.writes_lost > 0).then(|| {
            format!(
                "Also {} acknowledged writes are lost now (see the read-outs): the checker lists lost writes one by one only when a run ends.",
                totals.writes_lost
            )
        }),
    }
}
