//! The lab's state and its one reducer.
//!
//! Everything that drives the engine goes through [`Lab::apply`]: play and
//! pause, animation frames, speed, seed, scenario, settings, faults and
//! "jump to". Components only read the state and dispatch [`Action`]s; the
//! engine knows nothing of the UI.
//!
//! A run is deterministic given its starting scenario, its seed and the
//! user's interventions, so the lab records every intervention (a fault, a
//! live policy or routing change) with the exact point of the run where it
//! happened: the number of events processed and the simulated time. That
//! log is what lets "jump to" rebuild any earlier instant by replaying a
//! fresh [`Simulation`] (and later what time travel and shareable links
//! build on). Replaying also re-applies interventions that lie ahead of the
//! instant jumped to, so pressing Play continues the same run; changing
//! something after a jump forks it, dropping the rest of the log.
//!
//! Seeking restores the latest [`Checkpoint`] before the instant and
//! replays from there. So that every instant of a run is near one, not
//! only the time already played, [`Lab::work_ahead`] computes the run ahead
//! of the playhead in small time-sliced chunks (the page calls it when the
//! browser is idle), saving checkpoints up to the scenario's end.
//!
//! Animation frames come with a wall-clock budget for the engine
//! ([`Action::FrameWithin`]): the run stops at the end of a slice once the
//! budget is spent and carries what it owes into the next frame, so a busy
//! scenario slows the simulated clock instead of stalling the page.
//!
//! In side-by-side mode a second run, the *twin*, starts from the same
//! scenario and seed under the other commit mode (asynchronous if the
//! main run waits for followers, synchronous otherwise) and receives the
//! same interventions at the same simulated times.

use crate::clock::now_ms as clock_ms;
use crate::library;
use crate::settings::{self, PolicyForm};
use crate::timeline::{Focus, Timeline};
use replica_engine::checker::Violation;
use replica_engine::network::{Addr, NodeId};
use replica_engine::policy::CommitPolicy;
use replica_engine::routing::ReadRouting;
use replica_engine::scenario::{FaultAction, Group};
use replica_engine::{Scenario, ScenarioFile, Simulation};
use std::cell::RefCell;
use std::rc::Rc;
use yew::Reducible;

/// Simulated microseconds per real millisecond, from slow motion to
/// fast-forward, with their labels.
pub const SPEEDS: &[(u64, &str)] = &[
    (1, "1/1000× slow-mo"),
    (5, "1/200×"),
    (20, "1/50×"),
    (100, "1/10×"),
    (1_000, "1× real time"),
    (10_000, "10×"),
    (100_000, "100× fast"),
];

/// Default speed index: slow enough to follow one write.
pub const DEFAULT_SPEED: usize = 1;

/// How long, in real milliseconds, the sequence diagram keeps a finished
/// write on screen before following the next one.
pub const LINGER_MS: u64 = 900;

/// The run advances in slices of at most this much simulated time, so the
/// trace buffer stays small even when fast-forwarding or replaying.
const SLICE_US: u64 = 20_000;

/// Real time, in ms, between two ticks of [`Lab::live`], which paces the
/// views that need not move every frame while the run plays.
pub const LIVE_MS: f64 = 100.0;

/// A frame owes at most this much real time (ms, times the speed) of
/// simulation to the next one when it ran out of budget.
const MAX_BEHIND_MS: u64 = 100;

/// A saved copy of the main run, to seek from instead of replaying from
/// time zero.
#[derive(Clone)]
pub struct Checkpoint {
    /// The simulation at this point (its trace buffer drained).
    pub sim: Simulation,
    /// The views' record up to this point.
    pub timeline: Timeline,
    /// Index of the next intervention of the log to apply.
    pub next: usize,
    /// The charts' samples up to this point.
    pub series: Series,
}

/// The checkpoints of the main run, in order of events, and how far apart
/// in simulated time they are. The spacing doubles (and every other
/// checkpoint is dropped) when there are too many, so memory stays bounded
/// however long the run.
#[derive(Clone)]
pub struct Checkpoints {
    /// Saved points, events strictly increasing.
    pub saved: Vec<Checkpoint>,
    /// Simulated time between two checkpoints.
    pub every_us: u64,
    /// Wall time the last checkpoint took to save, in ms (the run's state
    /// grows with its length, so does this).
    pub save_ms: f64,
}

/// At most this many checkpoints are kept.
const MAX_CHECKPOINTS: usize = 128;

/// Initial spacing of checkpoints, in simulated time.
const CHECKPOINT_US: u64 = 500_000;

impl Default for Checkpoints {
    fn default() -> Self {
        Checkpoints {
            saved: Vec::new(),
            every_us: CHECKPOINT_US,
            save_ms: 0.0,
        }
    }
}

impl Checkpoints {
    /// Saves `run` if it is far enough past the last checkpoint.
    fn offer(&mut self, run: &Run) {
        let due = self.saved.last().is_none_or(|c| {
            run.sim.events > c.sim.events && run.sim.now_us() >= c.sim.now_us() + self.every_us
        });
        if !due {
            return;
        }
        let t0 = clock_ms();
        self.saved.push(Checkpoint {
            sim: run.sim.clone(),
            timeline: run.timeline.clone(),
            next: run.next,
            series: run.series.clone(),
        });
        self.save_ms = clock_ms() - t0;
        if self.saved.len() > MAX_CHECKPOINTS {
            let mut i = 0;
            self.saved.retain(|_| {
                i += 1;
                i % 2 == 1
            });
            self.every_us *= 2;
        }
    }

    /// Simulated time from which a run offering its point would be saved.
    fn due_us(&self) -> u64 {
        self.saved
            .last()
            .map_or(0, |c| c.sim.now_us() + self.every_us)
    }

    /// Simulated time of the latest checkpoint (0 without any).
    pub fn latest_us(&self) -> u64 {
        self.saved.last().map_or(0, |c| c.sim.now_us())
    }

    /// Forgets every checkpoint from `events` on: the run forks there.
    fn fork_at(&mut self, events: u64) {
        self.saved.retain(|c| c.sim.events < events);
    }

    /// The latest checkpoint at or before `events` and `t_us`.
    fn before(&self, events: u64, t_us: u64) -> Option<&Checkpoint> {
        self.saved
            .iter()
            .rev()
            .find(|c| c.sim.events <= events && c.sim.now_us() <= t_us)
    }
}

/// One point of the live charts.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// Simulated time.
    pub t_us: u64,
    /// Replay lag of each node (`None` for the leader and down nodes).
    pub lag_us: Vec<Option<u64>>,
    /// Commit latency p50 of writes finished since the previous sample.
    pub p50_us: Option<u64>,
    /// And p99.
    pub p99_us: Option<u64>,
}

/// The run's chart samples: one every `every_us` of simulated time, at
/// most [`MAX_SAMPLES`] (past that, every other one is dropped and the
/// spacing doubles).
#[derive(Clone, Debug, Default)]
pub struct Series {
    /// Samples, oldest first.
    pub samples: Vec<Sample>,
    /// Spacing.
    pub every_us: u64,
}

/// At most this many chart samples are kept.
pub const MAX_SAMPLES: usize = 300;

impl Series {
    fn offer(&mut self, sim: &Simulation, tl: &mut Timeline) {
        if self.every_us == 0 {
            self.every_us = 100_000;
        }
        let now = sim.now_us();
        if self
            .samples
            .last()
            .is_some_and(|s| now < s.t_us + self.every_us)
        {
            return;
        }
        let leader = sim.current_leader();
        let lag_us = (0..sim.nodes().len())
            .map(|i| match leader {
                Some(l) if l as usize != i && sim.is_up(i as NodeId) => {
                    Some(crate::cluster::lag(sim, l, i).1)
                }
                _ => None,
            })
            .collect();
        let h = std::mem::take(&mut tl.recent_latency);
        let (p50_us, p99_us) = if h.count() > 0 {
            (Some(h.percentile(500)), Some(h.percentile(990)))
        } else {
            (None, None)
        };
        self.samples.push(Sample {
            t_us: now,
            lag_us,
            p50_us,
            p99_us,
        });
        if self.samples.len() > MAX_SAMPLES {
            let mut i = 0;
            self.samples.retain(|_| {
                i += 1;
                i % 2 == 1
            });
            self.every_us *= 2;
        }
    }
}

/// One simulation and what the page keeps from its trace.
pub struct Run {
    /// The simulation.
    pub sim: Simulation,
    /// Arrows, the followed write, the latency window.
    pub timeline: Timeline,
    /// Index of the next intervention of the log to apply.
    next: usize,
    /// Where the main run saves checkpoints as it goes (the twin has none).
    checkpoints: Option<Rc<RefCell<Checkpoints>>>,
    /// The live charts' samples.
    pub series: Series,
}

/// A change the user made while the run was going.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Change {
    /// A fault.
    Fault(FaultAction),
    /// A new commit policy; the twin gets its counterpart.
    Policy {
        /// For the main run.
        main: CommitPolicy,
        /// For the twin.
        twin: CommitPolicy,
    },
    /// A new read routing policy.
    Routing(ReadRouting),
}

/// A change and exactly where in the run it happened.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Intervention {
    /// Events the main simulation had processed.
    pub events: u64,
    /// Its simulated time.
    pub t_us: u64,
    /// What changed.
    pub change: Change,
}

impl Run {
    /// A fresh run of `scenario` with `seed`, tracing into the page and
    /// checking consistency as it goes.
    pub fn new(scenario: &Scenario, seed: u64) -> Run {
        let mut sim = Simulation::with_seed(scenario.clone(), seed);
        sim.enable_trace_buffer();
        sim.enable_checker();
        sim.enable_trace_hash();
        Run {
            sim,
            timeline: Timeline::default(),
            next: 0,
            checkpoints: None,
            series: Series::default(),
        }
    }

    /// The run restored from a checkpoint, saving further ones into `cps`.
    fn restore(c: Checkpoint, cps: Rc<RefCell<Checkpoints>>) -> Run {
        Run {
            sim: c.sim,
            timeline: c.timeline,
            next: c.next,
            checkpoints: Some(cps),
            series: c.series,
        }
    }

    /// Offers the current point as a checkpoint.
    fn checkpoint(&mut self) {
        if let Some(cps) = self.checkpoints.clone() {
            cps.borrow_mut().offer(self);
        }
    }

    /// Moves the trace into the timeline.
    fn pump(&mut self) {
        let events = self.sim.drain_trace();
        let policy = &self.sim.scenario.policy;
        for ev in &events {
            self.timeline.ingest(ev, policy);
        }
        self.timeline.update(self.sim.now_us());
        self.series.offer(&self.sim, &mut self.timeline);
    }

    fn apply(&mut self, change: &Change, twin: bool) {
        match change {
            Change::Fault(f) => self.sim.apply_fault(*f),
            Change::Policy { main, twin: other } => {
                self.sim
                    .set_policy(if twin { other.clone() } else { main.clone() });
                let now = self.sim.now_us();
                self.timeline.restart_window(now);
            }
            Change::Routing(r) => self.sim.set_routing(*r),
        }
    }

    /// Runs until `t`, in slices.
    fn run_to(&mut self, t: u64) {
        self.run_to_within(t, None);
    }

    /// Runs towards `t`, in slices, stopping after the slice that ends
    /// past `deadline_ms` (page clock), if any.
    fn run_to_within(&mut self, t: u64, deadline_ms: Option<f64>) {
        while self.sim.now_us() < t {
            let next = (self.sim.now_us() + SLICE_US).min(t);
            self.sim.run_until(next);
            self.pump();
            self.checkpoint();
            if deadline_ms.is_some_and(|d| clock_ms() >= d) {
                return;
            }
        }
    }

    /// Brings the main run to exactly the point where an intervention
    /// happened: the same number of events, then the same clock.
    fn replay_to(&mut self, events: u64, t: u64) {
        while self.sim.events < events && self.sim.next_event_us().is_some_and(|e| e <= t) {
            self.sim.step();
            if self.sim.events.is_multiple_of(4_096) {
                self.pump();
                self.checkpoint();
            }
        }
        self.pump();
        if self.sim.now_us() < t {
            self.sim.run_until(t);
            self.pump();
        }
    }

    /// Advances to `target`, applying the log's interventions on the way.
    /// The main run replays them at their exact event; the twin at their
    /// simulated time.
    fn advance(&mut self, log: &[Intervention], target: u64, twin: bool) {
        self.advance_within(log, target, twin, None);
    }

    /// [`Run::advance`], stopping early (between slices, or after an
    /// intervention) once the page clock passes `deadline_ms`. Where it
    /// stops does not change the run: the next call goes on from there.
    fn advance_within(
        &mut self,
        log: &[Intervention],
        target: u64,
        twin: bool,
        deadline_ms: Option<f64>,
    ) {
        while let Some(i) = log.get(self.next) {
            if i.t_us > target {
                break;
            }
            if twin {
                self.run_to(i.t_us);
            } else {
                self.replay_to(i.events, i.t_us);
            }
            self.apply(&i.change, twin);
            self.next += 1;
            if deadline_ms.is_some_and(|d| clock_ms() >= d) {
                return;
            }
        }
        self.run_to_within(target, deadline_ms);
    }

    /// Applies interventions due at this very point (after a jump to it).
    fn apply_due(&mut self, log: &[Intervention]) {
        while let Some(i) = log.get(self.next) {
            if i.events > self.sim.events || i.t_us > self.sim.now_us() {
                break;
            }
            self.apply(&i.change, false);
            self.next += 1;
        }
    }
}

/// The run computed ahead of the playhead, in the background, so that
/// checkpoints exist up to the scenario's end before anyone seeks there.
/// It follows the same log as the main run and saves into the same
/// [`Checkpoints`]; a new log or new checkpoints (a fork, a rebuild)
/// start it again.
pub struct Ahead {
    /// The run going ahead, while there is work left.
    run: Option<Run>,
    /// The log it follows.
    log: Rc<Vec<Intervention>>,
    /// Where it saves.
    cps: Rc<RefCell<Checkpoints>>,
    /// Nothing left to do: checkpoints reach the end of the run, or the
    /// work gave up after [`AHEAD_MAX_MS`].
    done: bool,
    /// Wall time spent so far, in ms (infinite once it gave up).
    spent_ms: f64,
}

/// Background work given to one run at most, in ms of wall time: enough
/// for every library scenario many times over, while a day-long scenario
/// from a link does not keep the machine busy (and its memory growing)
/// for hours. Seeks then replay from the checkpoints there are.
const AHEAD_MAX_MS: f64 = 20_000.0;

/// How far the checkpoints reach, as [`Lab::work_ahead`] reports it.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct AheadState {
    /// Simulated instant of the latest checkpoint (the run's end once
    /// they all exist).
    pub ready_us: u64,
    /// Nothing left to compute (or the work gave up: see `ready_us`).
    pub done: bool,
}

/// One end of a link the user can cut or heal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// A node.
    Node(NodeId),
    /// All client sessions.
    Clients,
}

impl End {
    fn group(self) -> Group {
        match self {
            End::Node(n) => Group::of_nodes(1u64 << n),
            End::Clients => Group {
                clients: true,
                ..Group::default()
            },
        }
    }
}

/// Whether the link between `a` and `b` is cut in either direction.
pub fn link_cut(sim: &Simulation, a: End, b: End) -> bool {
    let cut = |x: Addr, y: Addr| sim.net.is_cut(x, y) || sim.net.is_cut(y, x);
    match (a, b) {
        (End::Node(x), End::Node(y)) => cut(Addr::Node(x), Addr::Node(y)),
        (End::Clients, End::Node(n)) | (End::Node(n), End::Clients) => {
            (0..sim.sessions.len()).any(|s| cut(Addr::Client(s as u16), Addr::Node(n)))
        }
        _ => false,
    }
}

/// Everything the page shows and drives.
#[derive(Clone)]
pub struct Lab {
    /// The run on screen.
    pub main: Rc<RefCell<Run>>,
    /// The side-by-side twin under the other commit mode, when shown.
    pub twin: Option<Rc<RefCell<Run>>>,
    /// The settings: what Reset and every rebuild start from.
    pub file: Rc<ScenarioFile>,
    /// The settings the current run started from (before live changes).
    pub start: Rc<ScenarioFile>,
    /// The scenario the current run started from.
    pub base: Rc<Scenario>,
    /// The commit policy form.
    pub form: PolicyForm,
    /// The twin's commit policy at the start of the run.
    pub twin_policy: CommitPolicy,
    /// The user's interventions in the current run, in order.
    pub log: Rc<Vec<Intervention>>,
    /// Saved points of the main run, for seeking.
    pub checkpoints: Rc<RefCell<Checkpoints>>,
    /// The run computing checkpoints ahead of the playhead.
    pub ahead: Rc<RefCell<Option<Ahead>>>,
    /// Library name of the scenario.
    pub scenario_name: String,
    /// Seed of the run.
    pub seed: u64,
    /// Animating.
    pub playing: bool,
    /// Index into [`SPEEDS`].
    pub speed: usize,
    /// Timestamp of the previous animation frame.
    pub last_frame_ms: Option<f64>,
    /// Side-by-side sync-versus-async mode.
    pub compare: bool,
    /// The anomaly jumped to, shown in close-up.
    pub focus: Option<Rc<Focus>>,
    /// The node whose action menu is open.
    pub selected: Option<NodeId>,
    /// Shown above the lab when something went wrong.
    pub banner: Option<String>,
    /// The last thing that happened, for screen readers.
    pub status: String,
    /// Bumped on every change, so views know to redraw.
    pub version: u64,
    /// Bumped on every change except the simulated clock moving on in an
    /// animation frame: panels that show settings redraw only then.
    pub settled: u64,
    /// Bumped by animation frames every [`LIVE_MS`] of real time: views
    /// that show live figures but need not move every frame (read-outs,
    /// charts; from 1× on the nodes, the clock and the sequence diagram)
    /// redraw only then, or when [`Lab::settled`] changes.
    pub live: u64,
    /// Frame timestamp of the last [`Lab::live`] bump.
    live_ms: f64,
    /// Simulated time the last frame owed when its engine budget ran out.
    pub behind_us: u64,
    /// The guided chapter on screen, if any.
    pub chapter: Option<usize>,
}

/// Something the user or the animation loop asks for.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Start or stop the animation.
    TogglePlay,
    /// Process exactly one event (and pause).
    Step,
    /// An animation frame at this `requestAnimationFrame` timestamp.
    Frame(f64),
    /// An animation frame whose engine work stops after `budget_ms` of
    /// wall time; the rest is carried into the next frame (at most
    /// 100 ms of real time's worth).
    FrameWithin {
        /// The `requestAnimationFrame` timestamp.
        ts: f64,
        /// Wall-clock budget for the engine, in ms.
        budget_ms: f64,
    },
    /// Change speed (index into [`SPEEDS`]).
    SetSpeed(usize),
    /// Restart from time zero with the current settings and seed.
    Reset,
    /// Load a scenario from the library.
    LoadScenario(String),
    /// Restart with this seed.
    SetSeed(u64),
    /// Inject a fault now.
    Fault(FaultAction),
    /// Crash the node if up, restart it if down.
    ToggleNode(NodeId),
    /// Open (or close) a node's action menu.
    SelectNode(Option<NodeId>),
    /// Cut the link if it is up, heal it if it is cut.
    ToggleLink(End, End),
    /// Switch the commit policy, live.
    SetPolicy(PolicyForm),
    /// Switch read routing (the word of a [`settings::ROUTINGS`] value), live.
    SetRouting(String),
    /// Rebuild with this many followers.
    SetFollowers(usize),
    /// Rebuild with a node moved to a region.
    SetRegion {
        /// Node name.
        node: String,
        /// Region name (an existing one or a preset).
        region: String,
    },
    /// Rebuild with another failover manager (`[failover] mode`).
    SetFailoverMode(String),
    /// Rebuild with another failure-detector timeout, in ms.
    SetFailoverTimeout(u64),
    /// Rebuild with another fencing mode (`[failover] fencing`).
    SetFencing(String),
    /// Show or hide the side-by-side sync-versus-async run.
    SetCompare(bool),
    /// Pause and re-run to the instant of an anomaly, in close-up.
    JumpTo(Violation),
    /// Leave the close-up.
    ClearFocus,
    /// Hide the banner.
    DismissBanner,
    /// Pause and go to this simulated instant (µs), replaying from the
    /// nearest checkpoint.
    Seek(u64),
    /// Pause and undo the last event.
    StepBack,
    /// Pause and go back to time zero, keeping the interventions.
    Rewind,
    /// Crash a node by name (`leader`: whichever node leads), as the
    /// embedding API asks.
    CrashNamed(String),
    /// A command from the page embedding the lab (origin already checked).
    Embedded(crate::embed::Command),
    /// Open a guided chapter (its experiment loads, paused), or leave the
    /// lessons for the free sandbox.
    OpenChapter(Option<usize>),
}

fn validate(file: &ScenarioFile) -> Result<Scenario, String> {
    file.validate().map_err(|e| e.to_string())
}

impl Lab {
    /// The lab with the default scenario, paused at time zero.
    pub fn new() -> Lab {
        Lab::with_scenario("default", None)
    }

    /// The lab with a library scenario (falling back to the default with a
    /// banner when it cannot be loaded).
    pub fn with_scenario(name: &str, seed: Option<u64>) -> Lab {
        let loaded = library::load(name).and_then(|f| validate(&f).map(|s| (f, s)));
        let (file, scenario, name, banner) = match loaded {
            Ok((f, s)) => (f, s, name.to_string(), None),
            Err(e) => {
                let f = library::load("default")
                    .expect("the default scenario is in the library and valid");
                let s = validate(&f).expect("the default scenario is valid");
                (f, s, "default".to_string(), Some(e))
            }
        };
        let seed = seed.unwrap_or(scenario.seed);
        let form = PolicyForm::from_scenario(&scenario);
        let checkpoints = Rc::new(RefCell::new(Checkpoints::default()));
        let mut main = Run::new(&scenario, seed);
        main.checkpoints = Some(checkpoints.clone());
        let mut lab = Lab {
            main: Rc::new(RefCell::new(main)),
            checkpoints,
            ahead: Rc::new(RefCell::new(None)),
            twin: None,
            twin_policy: CommitPolicy::default(),
            start: Rc::new(file.clone()),
            file: Rc::new(file),
            base: Rc::new(scenario),
            form,
            log: Rc::new(Vec::new()),
            scenario_name: name,
            seed,
            playing: false,
            speed: DEFAULT_SPEED,
            last_frame_ms: None,
            compare: false,
            focus: None,
            selected: None,
            banner,
            status: String::new(),
            version: 0,
            settled: 0,
            live: 0,
            live_ms: 0.0,
            behind_us: 0,
            chapter: None,
        };
        lab.twin_policy = lab.counterpart_policy();
        lab
    }

    /// The lab a shared link describes: its scenario, settings, seed and
    /// interventions, paused at its instant. Whatever part of the link is
    /// unusable is left at its default and explained in the banner.
    pub fn from_link(query: &str) -> Lab {
        use crate::link::{check_log, Link};
        let (link, mut errors) = Link::parse(query);
        let mut lab = Lab::with_scenario(link.scenario.as_deref().unwrap_or("default"), link.seed);
        if let Some(i) = link.speed {
            lab.speed = i;
        }
        lab.compare = link.compare;
        if let Some(start) = link.start {
            lab.file = Rc::new(start);
        }
        lab.restart();
        lab.form = PolicyForm::from_scenario(&lab.base);
        match check_log(&link.log, lab.base.nodes.len()) {
            Ok(()) => lab.log = Rc::new(link.log),
            Err(e) => errors.push(e),
        }
        if let Some(file) = link.file {
            if let Ok(sc) = validate(&file) {
                lab.form = PolicyForm::from_scenario(&sc);
                lab.file = Rc::new(file);
            }
        }
        if link.t_us.is_some() || !lab.log.is_empty() {
            lab.seek(link.t_us.unwrap_or(0));
        }
        if !errors.is_empty() {
            let list: Vec<String> = errors.iter().map(ToString::to_string).collect();
            lab.banner = Some(format!(
                "Part of the link could not be used ({}); defaults are shown instead.",
                list.join("; ")
            ));
        }
        lab.status.clear();
        lab
    }

    fn counterpart_policy(&self) -> CommitPolicy {
        settings::policy_of(&self.file, &self.form.counterpart()).unwrap_or_default()
    }

    /// Simulated time the sequence diagram keeps a finished write.
    pub fn linger_us(&self) -> u64 {
        LINGER_MS * SPEEDS[self.speed].0
    }

    /// A main run from time zero, saving checkpoints.
    fn fresh_main(&self) -> Run {
        let mut run = Run::new(&self.base, self.seed);
        run.checkpoints = Some(self.checkpoints.clone());
        run
    }

    /// Pauses the animation and rebuilds the twin (side by side) at `t`.
    fn after_seek(&mut self) {
        self.playing = false;
        self.last_frame_ms = None;
        self.behind_us = 0;
        self.focus = None;
        self.selected = None;
        if self.twin.is_some() {
            let now = self.now_us();
            let mut twin = self.twin_run();
            twin.advance(&self.log, now, true);
            self.twin = Some(Rc::new(RefCell::new(twin)));
        }
    }

    /// Goes to simulated instant `t`: the state a straight run from time
    /// zero would have there, with the log's interventions applied. Starts
    /// from the latest checkpoint strictly before `t`, because a
    /// checkpoint taken mid-instant may not yet hold every event at it.
    fn seek(&mut self, t: u64) {
        let t = t.min(self.base.duration_us);
        let saved = t
            .checked_sub(1)
            .and_then(|b| self.checkpoints.borrow().before(u64::MAX, b).cloned());
        let mut main = match saved {
            Some(c) => Run::restore(c, self.checkpoints.clone()),
            None => self.fresh_main(),
        };
        main.advance(&self.log, t, false);
        self.main = Rc::new(RefCell::new(main));
        self.after_seek();
    }

    /// Goes back to the point just before the last event: `events − 1`
    /// events processed, interventions due there not yet applied (Step
    /// applies them, as it does going forward).
    fn step_back(&mut self) {
        let target = self.main.borrow().sim.events.saturating_sub(1);
        let saved = self.checkpoints.borrow().before(target, u64::MAX).cloned();
        let mut main = match saved {
            Some(c) => Run::restore(c, self.checkpoints.clone()),
            None => self.fresh_main(),
        };
        let log = self.log.clone();
        while main.sim.events < target {
            main.apply_due(&log);
            main.sim.step();
            if main.sim.events.is_multiple_of(4_096) {
                main.pump();
            }
        }
        main.pump();
        self.main = Rc::new(RefCell::new(main));
        self.after_seek();
    }

    /// Computes the main run ahead of the playhead, slice by slice, until
    /// the page clock passes `deadline_ms`, saving checkpoints up to the
    /// scenario's end, and reports how far they reach. It goes on from the
    /// latest checkpoint whenever another run (a seek's replay) got
    /// further, and starts again when the log or the checkpoints were
    /// replaced (a fork, a rebuild).
    ///
    /// A slice that would save a checkpoint runs only if the save fits
    /// before `idle_deadline_ms` (judging by how long the last one took),
    /// so that copying a long run never makes a frame late; the work then
    /// waits for a longer idle period.
    pub fn work_ahead(&self, deadline_ms: f64, idle_deadline_ms: f64) -> AheadState {
        let end = self.base.duration_us;
        let mut slot = self.ahead.borrow_mut();
        let stale = slot.as_ref().is_none_or(|a| {
            !Rc::ptr_eq(&a.log, &self.log) || !Rc::ptr_eq(&a.cps, &self.checkpoints)
        });
        if stale {
            *slot = Some(Ahead {
                run: None,
                log: self.log.clone(),
                cps: self.checkpoints.clone(),
                done: false,
                spent_ms: 0.0,
            });
        }
        let Some(a) = slot.as_mut() else {
            return AheadState::default();
        };
        if !a.done {
            let latest_events = self.checkpoints.borrow().saved.last().map(|c| c.sim.events);
            let behind = match (&a.run, latest_events) {
                (None, _) => true,
                (Some(r), Some(e)) => r.sim.events < e,
                (Some(_), None) => false,
            };
            if behind {
                let latest = self.checkpoints.borrow().saved.last().cloned();
                a.run = Some(match latest {
                    Some(c) => Run::restore(c, self.checkpoints.clone()),
                    None => self.fresh_main(),
                });
            }
            let start_ms = clock_ms();
            if let Some(run) = a.run.as_mut() {
                loop {
                    let now = run.sim.now_us();
                    if now >= end {
                        a.done = true;
                        break;
                    }
                    let next = (now + SLICE_US).min(end);
                    let (due_us, save_ms) = {
                        let cps = self.checkpoints.borrow();
                        (cps.due_us(), cps.save_ms)
                    };
                    if next >= due_us && clock_ms() + save_ms > idle_deadline_ms {
                        break;
                    }
                    run.advance(&self.log, next, false);
                    if clock_ms() >= deadline_ms {
                        break;
                    }
                }
            }
            a.spent_ms += clock_ms() - start_ms;
            if !a.done && a.spent_ms > AHEAD_MAX_MS {
                // Given up: marked by an infinite time spent.
                a.spent_ms = f64::INFINITY;
                a.done = true;
            }
            if a.done {
                a.run = None;
            }
        }
        drop(slot);
        self.ahead_state()
    }

    /// How far the checkpoints reach now, without computing anything.
    pub fn ahead_state(&self) -> AheadState {
        let done = self.ahead.borrow().as_ref().is_some_and(|a| {
            a.done && Rc::ptr_eq(&a.log, &self.log) && Rc::ptr_eq(&a.cps, &self.checkpoints)
        });
        let complete = done
            && self
                .ahead
                .borrow()
                .as_ref()
                .is_some_and(|a| a.spent_ms.is_finite());
        AheadState {
            ready_us: if complete {
                self.base.duration_us
            } else {
                self.checkpoints.borrow().latest_us()
            },
            done,
        }
    }

    fn twin_run(&self) -> Run {
        let mut sc = (*self.base).clone();
        sc.policy = self.twin_policy.clone();
        Run::new(&sc, self.seed)
    }

    /// Starts the run again at time zero from the current settings.
    fn restart(&mut self) {
        match validate(&self.file) {
            Ok(sc) => {
                self.base = Rc::new(sc);
                self.start = self.file.clone();
            }
            Err(e) => self.banner = Some(e),
        }
        self.twin_policy = self.counterpart_policy();
        self.checkpoints = Rc::new(RefCell::new(Checkpoints::default()));
        self.main = Rc::new(RefCell::new(self.fresh_main()));
        self.twin = self.compare.then(|| Rc::new(RefCell::new(self.twin_run())));
        self.log = Rc::new(Vec::new());
        self.last_frame_ms = None;
        self.behind_us = 0;
        self.focus = None;
        self.selected = None;
    }

    /// Replaces the settings after a cluster or failover edit and restarts,
    /// or shows why the engine rejects them.
    fn rebuild(&mut self, mut file: ScenarioFile, what: &str) {
        let before = settings::follower_names(&self.file);
        let after = settings::follower_names(&file);
        let mut form = self.form.clone();
        if before != after {
            form.reconcile(&before, &after);
            form.write(&mut file);
        }
        match validate(&file) {
            Ok(_) => {
                self.file = Rc::new(file);
                self.form = form;
                self.restart();
                self.status = format!("{what}. The run restarted from time zero.");
            }
            Err(e) => self.banner = Some(format!("{what}: not applied. {e}")),
        }
    }

    /// Records a change at the current point of the run and applies it to
    /// both runs. Anything the log held beyond this point is dropped: the
    /// run forks here.
    fn intervene(&mut self, change: Change) {
        let mut log = (*self.log).clone();
        {
            let mut main = self.main.borrow_mut();
            self.checkpoints.borrow_mut().fork_at(main.sim.events);
            log.truncate(main.next);
            log.push(Intervention {
                events: main.sim.events,
                t_us: main.sim.now_us(),
                change: change.clone(),
            });
            main.apply(&change, false);
            main.next = log.len();
        }
        if let Some(twin) = &self.twin {
            let mut twin = twin.borrow_mut();
            twin.apply(&change, true);
            twin.next = log.len();
        }
        self.log = Rc::new(log);
    }

    /// Lets the sequence diagrams follow their next write once the current
    /// one has been shown long enough; side by side, both move on together.
    fn settle_tracking(&mut self) {
        let linger = self.linger_us();
        let mut main = self.main.borrow_mut();
        let now = main.sim.now_us();
        let done = |r: &Run| r.timeline.tracked.is_none() || r.timeline.finished(now, linger);
        match &self.twin {
            Some(twin) => {
                let mut twin = twin.borrow_mut();
                if done(&main) && done(&twin) {
                    main.timeline.release(now);
                    twin.timeline.release(now);
                }
            }
            None => {
                if done(&main) {
                    main.timeline.release(now);
                }
            }
        }
    }

    /// Re-runs from time zero to `target`, replaying the log. With a
    /// violation, collects its close-up on the way.
    fn rerun_to(&mut self, target: u64, collect: Option<Violation>) {
        let mut main = self.fresh_main();
        if let Some(v) = &collect {
            main.timeline.start_collecting(v);
        }
        main.advance(&self.log, target, false);
        if let Some(v) = collect {
            let names: Vec<String> = main
                .sim
                .scenario
                .nodes
                .iter()
                .map(|n| n.name.clone())
                .collect();
            self.focus = main
                .timeline
                .finish_collecting(v, v.explain(&names))
                .map(Rc::new);
        }
        self.main = Rc::new(RefCell::new(main));
        if self.twin.is_some() {
            let mut twin = self.twin_run();
            twin.advance(&self.log, target, true);
            self.twin = Some(Rc::new(RefCell::new(twin)));
        }
        self.last_frame_ms = None;
    }

    fn now_us(&self) -> u64 {
        self.main.borrow().sim.now_us()
    }

    fn node_name(&self, n: NodeId) -> String {
        self.base
            .nodes
            .get(n as usize)
            .map_or_else(|| format!("node {n}"), |s| s.name.clone())
    }

    /// One animation frame: advances both runs by the real time since the
    /// last frame times the speed, plus what the last frame owed. With a
    /// budget, the main run stops once `budget_ms` of wall time is spent
    /// and the rest is owed to the next frame. Returns false when paused
    /// (nothing changed).
    fn frame(&mut self, ts: f64, budget_ms: Option<f64>) -> bool {
        if !self.playing {
            return false;
        }
        let deadline_ms = budget_ms.map(|b| clock_ms() + b);
        let dt_ms = self
            .last_frame_ms
            .map_or(0.0, |last| (ts - last).clamp(0.0, 100.0));
        self.last_frame_ms = Some(ts);
        let speed = SPEEDS[self.speed].0;
        let end = self.base.duration_us;
        let target = (self.now_us() + self.behind_us + (dt_ms * speed as f64) as u64).min(end);
        let log = self.log.clone();
        {
            let mut main = self.main.borrow_mut();
            // Under a budget the frame saves no checkpoint: a copy of a long
            // run takes milliseconds, and the background work
            // ([`Lab::work_ahead`]) saves the same points when the page is
            // idle.
            let saving = if budget_ms.is_some() {
                main.checkpoints.take()
            } else {
                None
            };
            main.advance_within(&log, target, false, deadline_ms);
            if saving.is_some() {
                main.checkpoints = saving;
            }
        }
        let reached = self.now_us();
        self.behind_us = (target - reached).min(MAX_BEHIND_MS * speed);
        if let Some(twin) = &self.twin {
            twin.borrow_mut().advance(&log, reached, true);
        }
        self.settle_tracking();
        if reached >= end {
            self.playing = false;
            self.behind_us = 0;
            self.status = "The run reached its end.".into();
            self.settled += 1;
        }
        if ts - self.live_ms >= LIVE_MS || ts < self.live_ms {
            self.live += 1;
            self.live_ms = ts;
        }
        true
    }

    /// Applies one action.
    pub fn apply(&mut self, action: Action) {
        let frame = matches!(action, Action::Frame(_) | Action::FrameWithin { .. });
        match action {
            Action::TogglePlay => {
                self.playing = !self.playing;
                self.last_frame_ms = None;
                self.behind_us = 0;
                if self.playing {
                    self.focus = None;
                    let end = self.base.duration_us;
                    if self.now_us() >= end {
                        self.playing = false;
                        self.status = "The run is over; press Reset to start again.".into();
                    }
                }
            }
            Action::Step => {
                self.playing = false;
                let log = self.log.clone();
                let now = {
                    let mut main = self.main.borrow_mut();
                    main.apply_due(&log);
                    main.sim.step();
                    main.pump();
                    main.sim.now_us()
                };
                if let Some(twin) = &self.twin {
                    twin.borrow_mut().advance(&log, now, true);
                }
                self.settle_tracking();
            }
            Action::Frame(ts) => {
                if !self.frame(ts, None) {
                    return;
                }
            }
            Action::FrameWithin { ts, budget_ms } => {
                if !self.frame(ts, Some(budget_ms)) {
                    return;
                }
            }
            Action::SetSpeed(i) => self.speed = i.min(SPEEDS.len() - 1),
            Action::Reset => {
                self.restart();
                self.status = "Back to time zero.".into();
            }
            Action::LoadScenario(name) => {
                match library::load(&name).and_then(|f| validate(&f).map(|s| (f, s))) {
                    Ok((file, sc)) => {
                        self.seed = sc.seed;
                        self.form = PolicyForm::from_scenario(&sc);
                        self.file = Rc::new(file);
                        self.scenario_name = name.clone();
                        self.restart();
                        self.status = format!("Loaded scenario {name}.");
                    }
                    Err(e) => self.banner = Some(e),
                }
            }
            Action::SetSeed(seed) => {
                self.seed = seed;
                self.restart();
                self.status = format!("Seed {seed}: the run restarted from time zero.");
            }
            Action::Fault(f) => {
                self.status = self.describe_fault(&f);
                self.intervene(Change::Fault(f));
            }
            Action::ToggleNode(n) => {
                let up = self
                    .main
                    .borrow()
                    .sim
                    .hosts()
                    .get(n as usize)
                    .map(|h| h.up());
                let fault = match up {
                    Some(true) => FaultAction::Crash {
                        node: n,
                        power_loss: false,
                    },
                    Some(false) => FaultAction::Restart { node: n },
                    None => return,
                };
                self.status = self.describe_fault(&fault);
                self.intervene(Change::Fault(fault));
            }
            Action::SelectNode(n) => self.selected = n,
            Action::ToggleLink(a, b) => {
                let cut = link_cut(&self.main.borrow().sim, a, b);
                let (ga, gb) = (a.group(), b.group());
                let fault = if cut {
                    FaultAction::Heal { a: ga, b: gb }
                } else {
                    FaultAction::Partition {
                        a: ga,
                        b: gb,
                        one_way: false,
                    }
                };
                let name = |e: End| match e {
                    End::Node(n) => self.node_name(n),
                    End::Clients => "the clients".into(),
                };
                self.status = format!(
                    "Link {} – {} {}.",
                    name(a),
                    name(b),
                    if cut { "healed" } else { "cut" }
                );
                self.intervene(Change::Fault(fault));
            }
            Action::SetPolicy(form) => {
                let mut file = (*self.file).clone();
                form.write(&mut file);
                match validate(&file) {
                    Ok(sc) => {
                        let twin =
                            settings::policy_of(&file, &form.counterpart()).unwrap_or_default();
                        self.status = format!("Commit policy: {}.", form.describe());
                        self.file = Rc::new(file);
                        self.form = form;
                        self.intervene(Change::Policy {
                            main: sc.policy,
                            twin,
                        });
                    }
                    Err(e) => self.banner = Some(format!("Commit policy not applied. {e}")),
                }
            }
            Action::SetRouting(key) => {
                let mut file = (*self.file).clone();
                let set = settings::set_routing(&mut file, &key).map_err(|e| e.to_string());
                match set.and_then(|()| validate(&file)) {
                    Ok(sc) => {
                        self.file = Rc::new(file);
                        self.status = format!("Reads now go by: {key}.");
                        self.intervene(Change::Routing(sc.routing));
                    }
                    Err(e) => self.banner = Some(format!("Read routing not applied. {e}")),
                }
            }
            Action::SetFollowers(n) => {
                let mut file = (*self.file).clone();
                settings::set_follower_count(&mut file, n);
                self.rebuild(file, &format!("{n} followers"));
            }
            Action::SetRegion { node, region } => {
                let mut file = (*self.file).clone();
                settings::set_region(&mut file, &node, &region);
                self.rebuild(file, &format!("{node} moved to {region}"));
            }
            Action::SetFailoverMode(mode) => {
                let mut file = (*self.file).clone();
                let what = format!("Failover manager: {mode}");
                match settings::set_failover_mode(&mut file, &mode) {
                    Ok(()) => self.rebuild(file, &what),
                    Err(e) => self.banner = Some(format!("{what}: not applied. {e}")),
                }
            }
            Action::SetFailoverTimeout(ms) => {
                let mut file = (*self.file).clone();
                settings::set_failover_timeout(&mut file, ms);
                self.rebuild(file, &format!("Failure detector timeout {ms} ms"));
            }
            Action::SetFencing(mode) => {
                let mut file = (*self.file).clone();
                let what = format!("Fencing: {mode}");
                match settings::set_fencing(&mut file, &mode) {
                    Ok(()) => self.rebuild(file, &what),
                    Err(e) => self.banner = Some(format!("{what}: not applied. {e}")),
                }
            }
            Action::SetCompare(on) => {
                self.compare = on;
                if on && self.twin.is_none() {
                    let mut twin = self.twin_run();
                    let now = self.now_us();
                    twin.advance(&self.log, now, true);
                    self.twin = Some(Rc::new(RefCell::new(twin)));
                    self.main.borrow_mut().timeline.release(now);
                    self.status = "Side by side: the same seed under sync and under async.".into();
                } else if !on {
                    self.twin = None;
                }
            }
            Action::JumpTo(v) => {
                self.playing = false;
                self.selected = None;
                self.rerun_to(v.t_us, Some(v));
                self.status = format!(
                    "Paused at {:.3} s, where the {} anomaly happened.",
                    v.t_us as f64 / 1e6,
                    v.kind.title()
                );
            }
            Action::ClearFocus => self.focus = None,
            Action::DismissBanner => self.banner = None,
            Action::Seek(t) => {
                self.seek(t);
                self.status = format!("Paused at {:.3} s.", self.now_us() as f64 / 1e6);
            }
            Action::StepBack => {
                self.step_back();
                self.status = "One event back.".into();
            }
            Action::OpenChapter(to) => {
                let to = to.filter(|i| *i < crate::chapters::CHAPTERS.len());
                if let Some(i) = to {
                    let ch = &crate::chapters::CHAPTERS[i];
                    self.playing = false;
                    self.apply(Action::LoadScenario(ch.scenario.to_string()));
                    self.speed = ch.speed.min(SPEEDS.len() - 1);
                    self.status = format!("Chapter {}: {}.", i + 1, ch.title);
                } else if self.chapter.is_some() {
                    self.status = "The free sandbox: every control is yours.".into();
                }
                self.chapter = to;
            }
            Action::Embedded(c) => {
                if let Some(a) = c.action(self.playing) {
                    self.apply(a);
                }
                return;
            }
            Action::CrashNamed(name) => {
                let fault = if name == "leader" {
                    FaultAction::KillLeader { power_loss: false }
                } else {
                    match self.base.nodes.iter().position(|n| n.name == name) {
                        Some(i) => FaultAction::Crash {
                            node: i as NodeId,
                            power_loss: false,
                        },
                        None => {
                            self.banner = Some(format!("No node named {name:?}."));
                            self.version += 1;
                            self.settled += 1;
                            return;
                        }
                    }
                };
                self.status = self.describe_fault(&fault);
                self.intervene(Change::Fault(fault));
            }
            Action::Rewind => {
                self.seek(0);
                self.status = "Rewound to time zero; your changes replay as it runs.".into();
            }
        }
        self.version += 1;
        if !frame {
            self.settled += 1;
        }
    }

    fn describe_fault(&self, f: &FaultAction) -> String {
        match *f {
            FaultAction::Crash { node, .. } => format!("{} crashed.", self.node_name(node)),
            FaultAction::Restart { node } => format!("{} restarted.", self.node_name(node)),
            FaultAction::Promote { node } => format!("{} was promoted.", self.node_name(node)),
            FaultAction::KillLeader { .. } => "The leader was killed.".into(),
            FaultAction::Isolate { node } => {
                format!("{} is cut off from everyone.", self.node_name(node))
            }
            FaultAction::PartitionLeader => "The leader is cut off from the other nodes.".into(),
            FaultAction::HealAll => "Every link is healed.".into(),
            FaultAction::Heal { .. } => "Links healed.".into(),
            FaultAction::Partition { .. } => "Links cut.".into(),
            _ => "Fault injected.".into(),
        }
    }

    /// Heals every link of node `n` (undoes an isolation).
    pub fn heal_node(n: NodeId, nodes: usize) -> FaultAction {
        let all = if nodes >= 64 {
            u64::MAX
        } else {
            (1u64 << nodes) - 1
        };
        FaultAction::Heal {
            a: Group::of_nodes(1u64 << n),
            b: Group {
                nodes: all & !(1u64 << n),
                clients: true,
                ..Group::default()
            },
        }
    }
}

impl Default for Lab {
    fn default() -> Self {
        Lab::new()
    }
}

impl PartialEq for Lab {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.main, &other.main) && self.version == other.version
    }
}

impl Reducible for Lab {
    type Action = Action;
    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        next.apply(action);
        Rc::new(next)
    }
}
