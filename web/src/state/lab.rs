//! The lab's state and its one reducer.
//!
//! Everything that changes the lab goes through [`Lab::apply`]: play and
//! pause, animation frames, background checkpointing, speed, seed,
//! scenario, settings, faults, "jump to", the guided chapter's answer and
//! the capacity sweep. Components render the view model built from this
//! state and dispatch [`Action`]s; nothing else writes it.
//!
//! Settings carry the instant they took effect: live policy and routing
//! changes are interventions in the log, so the settings in effect at the
//! playhead ([`Lab::file`]) are the run's starting settings with the changes
//! applied up to the playhead, and a seek shows that instant's settings.
//! Changing a setting at a past instant forks the run there, as a fault
//! does. Cluster and failover settings rebuild the run from time zero.
//!
//! In side-by-side mode a second run, the *twin*, starts from the same
//! scenario and seed under the other commit mode (asynchronous if the
//! main run waits for followers, synchronous otherwise) and receives the
//! same interventions at the same simulated times.

use super::ahead::{Ahead, AheadState};
use super::checkpoints::Checkpoints;
use super::run::Run;
use super::tradeoff::{self, TradeoffRow};
use crate::chapters::CHAPTERS;
use crate::clock::{Clock, PageClock};
use crate::format::fmt_us;
use crate::key_event::KeyEvent;
use crate::library;
use crate::link::{check_log, Link};
use crate::log::{Change, Intervention};
use crate::probe;
use crate::refusal::{self, Refusal};
use crate::settings::{self, PolicyForm};
use crate::speeds::SPEEDS;
use crate::timeline::{Focus, Pick};
use replica_engine::checker::Violation;
use replica_engine::network::NodeId;
use replica_engine::policy::CommitPolicy;
use replica_engine::scenario::{FaultAction, Group};
use replica_engine::{Scenario, ScenarioFile, Simulation};
use std::cell::RefCell;
use std::rc::Rc;
use yew::Reducible;

/// How long, in real milliseconds, the sequence diagram keeps a finished
/// write on screen before following the next one.
pub const LINGER_MS: u64 = 900;

/// Real time, in ms, between two ticks of [`Lab::live`], which paces the
/// views that need not move every frame while the run plays.
pub const LIVE_MS: f64 = 100.0;

/// A frame owes at most this much real time (ms, times the speed) of
/// simulation to the next one when it ran out of budget.
const MAX_BEHIND_MS: u64 = 100;

/// How often, at most, the page is told how far background checkpoints
/// reach, in ms of wall time.
const AHEAD_REPORT_MS: f64 = 250.0;

/// Simulated time of each run of the capacity sweep.
pub const SWEEP_RUN_US: u64 = 2_000_000;

/// One end of a link the user can cut or heal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum End {
    /// A node.
    Node(NodeId),
    /// All client sessions.
    Clients,
    /// These client sessions (0-based, ascending).
    Sessions(Vec<u16>),
}

impl End {
    /// The engine's groups for this end: contiguous runs of sessions.
    fn groups(&self) -> Vec<Group> {
        match self {
            End::Node(n) => vec![Group::of_nodes(1u64 << n)],
            End::Clients => vec![Group {
                clients: true,
                ..Group::default()
            }],
            End::Sessions(list) => {
                let mut runs: Vec<(u16, u16)> = Vec::new();
                for &s in list {
                    match runs.last_mut() {
                        Some(r) if r.1 == s => r.1 = s + 1,
                        _ => runs.push((s, s + 1)),
                    }
                }
                runs.into_iter()
                    .map(|(from, to)| Group {
                        session_from: from,
                        session_to: to,
                        ..Group::default()
                    })
                    .collect()
            }
        }
    }
}

/// Whether the link between `a` and `b` is cut in either direction (for
/// sessions: for any of them).
pub fn link_cut(sim: &Simulation, a: &End, b: &End) -> bool {
    let sessions = |e: &End| -> Vec<u16> {
        match e {
            End::Clients => (0..probe::session_count(sim) as u16).collect(),
            End::Sessions(l) => l.clone(),
            End::Node(_) => Vec::new(),
        }
    };
    match (a, b) {
        (End::Node(x), End::Node(y)) => probe::nodes_cut(sim, *x, *y),
        (e, End::Node(n)) | (End::Node(n), e) => {
            sessions(e).iter().any(|s| probe::session_cut(sim, *s, *n))
        }
        _ => false,
    }
}

/// The learner's progress in a guided chapter.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChapterState {
    /// Which chapter (0-based).
    pub index: usize,
    /// The answer picked, if any.
    pub pick: Option<usize>,
    /// The guess is committed (the experiment may run).
    pub committed: bool,
    /// The instant of the chapter's key event, once the run has paused
    /// there (found by stepping the engine to it).
    pub key_us: Option<u64>,
}

/// One row of the capacity sweep: followers, reads/s, writes/s.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SweepRow {
    /// Followers in the cluster.
    pub followers: usize,
    /// Reads answered per simulated second.
    pub reads_per_s: f64,
    /// Writes acknowledged per simulated second.
    pub writes_per_s: f64,
}

/// Everything the page shows and drives.
#[derive(Clone)]
pub struct Lab {
    /// The run on screen.
    pub main: Rc<RefCell<Run>>,
    /// The side-by-side twin under the other commit mode, when shown.
    pub twin: Option<Rc<RefCell<Run>>>,
    /// The settings in effect at the playhead: the starting settings with
    /// the log's live changes applied up to it. Reset and every rebuild
    /// start from these.
    pub file: Rc<ScenarioFile>,
    /// The settings the current run started from.
    pub start: Rc<ScenarioFile>,
    /// The scenario the current run started from.
    pub base: Rc<Scenario>,
    /// When the commit policy in effect took effect (`None`: at the start).
    pub policy_since_us: Option<u64>,
    /// When the read routing in effect took effect (`None`: at the start).
    pub routing_since_us: Option<u64>,
    /// What [`Lab::file`] was computed from: log, applied count, start.
    settings_key: (usize, usize, usize),
    /// The twin's commit policy at the start of the run.
    pub twin_policy: CommitPolicy,
    /// The user's interventions in the current run, in order.
    pub log: Rc<Vec<Intervention>>,
    /// Saved points of the main run, for seeking.
    pub checkpoints: Rc<RefCell<Checkpoints>>,
    /// The run computing checkpoints ahead of the playhead.
    pub ahead: Rc<RefCell<Option<Ahead>>>,
    /// What the page was last told of the work ahead, and when (ms).
    ahead_reported: (AheadState, f64),
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
    /// A setting the engine refused, explained next to its field.
    pub refused: Option<Refusal>,
    /// The last thing that happened, for screen readers.
    pub status: String,
    /// Bumped on every change, so views know to redraw.
    pub version: u64,
    /// Bumped on every change except the simulated clock moving on in an
    /// animation frame: panels that show settings redraw only then.
    pub settled: u64,
    /// Bumped by animation frames every [`LIVE_MS`] of real time: views
    /// that show live figures but need not move every frame redraw only
    /// then, or when [`Lab::settled`] changes.
    pub live: u64,
    /// Frame timestamp of the last [`Lab::live`] bump.
    live_ms: f64,
    /// Simulated time the last frame owed when its engine budget ran out.
    pub behind_us: u64,
    /// The guided chapter on screen, if any.
    pub chapter: Option<ChapterState>,
    /// The capacity sweep's results, once run.
    pub sweep: Rc<Vec<SweepRow>>,
    /// The failure-detection trade-off table: whole runs the learner
    /// added, one per timeout.
    pub tradeoff: Rc<Vec<TradeoffRow>>,
    /// The link to this run, as it was when "Copy link" was pressed.
    pub share_query: Option<String>,
    /// Where the page is served (origin and path), for the shared link.
    pub page_base: String,
    /// Wall time, for frame budgets and background work.
    pub clock: Rc<dyn Clock>,
}

/// Something the user, the animation loop or the idle loop asks for.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Start or stop the animation.
    TogglePlay,
    /// Start (`true`) or stop the animation; nothing if already so.
    SetPlaying(bool),
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
    /// Compute checkpoints ahead of the playhead for `budget_ms` of wall
    /// time; a slice that would save a checkpoint runs only if the save
    /// fits in `save_budget_ms` (none: always).
    WorkAhead {
        /// Wall-clock budget, in ms.
        budget_ms: f64,
        /// Time a checkpoint copy may take, in ms.
        save_budget_ms: Option<f64>,
    },
    /// Change speed (index into [`SPEEDS`]).
    SetSpeed(usize),
    /// Restart from time zero with the settings in effect and the seed.
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
    /// Set the window of the routing in effect (as typed, in ms), live.
    SetRoutingWindow(String),
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
    /// Open a guided chapter (its experiment loads, paused), or leave the
    /// lessons for the free sandbox.
    OpenChapter(Option<usize>),
    /// Pick an answer to the chapter's question.
    Predict(usize),
    /// Commit to the answer picked.
    CommitGuess,
    /// Run the capacity sweep (the read-scaling setup with 1 to 4
    /// followers).
    RunSweep,
    /// Play the run on screen to its end, off screen, and add its
    /// failover figures to the trade-off table under its timeout.
    AddTradeoffRow,
    /// Take the link to this run at this instant ("Copy link").
    ShareLink,
}

fn validate(file: &ScenarioFile) -> Result<Scenario, String> {
    file.validate().map_err(|e| e.to_string())
}

/// Throughput of the read-scaling setup with `followers` followers over
/// `run_us` of simulated time: (reads/s, writes/s).
pub fn capacity(followers: usize, run_us: u64) -> Option<(f64, f64)> {
    let mut file = library::load("lesson-08-read-scaling").ok()?;
    settings::set_follower_count(&mut file, followers);
    let sc = file.validate().ok()?;
    let mut sim = Simulation::with_seed(sc, 1);
    sim.run_until(run_us);
    let secs = run_us as f64 / 1e6;
    let t = probe::totals(&sim);
    Some((t.reads_ok as f64 / secs, t.writes_acked as f64 / secs))
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
        let checkpoints = Rc::new(RefCell::new(Checkpoints::default()));
        let mut main = Run::new(&scenario, seed);
        main.checkpoints = Some(checkpoints.clone());
        let speed = crate::speeds::suggested(file.suggested_speed_us_per_ms);
        let file = Rc::new(file);
        let mut lab = Lab {
            main: Rc::new(RefCell::new(main)),
            checkpoints,
            ahead: Rc::new(RefCell::new(None)),
            ahead_reported: (AheadState::default(), f64::NEG_INFINITY),
            twin: None,
            twin_policy: CommitPolicy::default(),
            start: file.clone(),
            file,
            base: Rc::new(scenario),
            policy_since_us: None,
            routing_since_us: None,
            settings_key: (0, 0, 0),
            log: Rc::new(Vec::new()),
            scenario_name: name,
            seed,
            playing: false,
            speed,
            last_frame_ms: None,
            compare: false,
            focus: None,
            selected: None,
            banner,
            refused: None,
            status: String::new(),
            version: 0,
            settled: 0,
            live: 0,
            live_ms: 0.0,
            behind_us: 0,
            chapter: None,
            sweep: Rc::new(Vec::new()),
            tradeoff: Rc::new(Vec::new()),
            share_query: None,
            page_base: String::new(),
            clock: Rc::new(PageClock),
        };
        lab.twin_policy = lab.counterpart_policy();
        lab.refresh_settings();
        lab
    }

    /// The lab a shared link describes: its scenario, settings, seed and
    /// interventions, paused at its instant. Whatever part of the link is
    /// unusable is left at its default and explained in the banner.
    pub fn from_link(query: &str) -> Lab {
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
        match check_log(&link.log, lab.base.nodes.len()) {
            Ok(()) => lab.log = Rc::new(link.log),
            Err(e) => errors.push(e),
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
        lab.refresh_settings();
        lab
    }

    /// The link of the lab as it is now: it reopens this run at this
    /// instant.
    pub fn link(&self) -> Link {
        let library_file = library::load(&self.scenario_name).ok();
        let start = (*self.start).clone();
        Link {
            scenario: Some(self.scenario_name.clone()),
            seed: Some(self.seed),
            t_us: Some(self.now_us()),
            speed: Some(self.speed),
            compare: self.compare,
            file: None,
            start: (library_file.as_ref() != Some(&start)).then_some(start),
            log: (*self.log).clone(),
        }
    }

    /// The lab with another clock (tests inject a [`crate::clock::ManualClock`]).
    pub fn with_clock(mut self, clock: Rc<dyn Clock>) -> Lab {
        self.clock = clock;
        self
    }

    fn counterpart_policy(&self) -> CommitPolicy {
        let form = PolicyForm::from_scenario(&self.base).counterpart();
        settings::policy_of(&self.start, &form).unwrap_or_default()
    }

    /// Simulated time the sequence diagram keeps a finished write.
    pub fn linger_us(&self) -> u64 {
        LINGER_MS * SPEEDS[self.speed].0
    }

    /// Simulated time at the playhead.
    pub fn now_us(&self) -> u64 {
        self.main.borrow().sim.now_us()
    }

    /// How far checkpoints reach now.
    pub fn ahead_state(&self) -> AheadState {
        let end = self.base.duration_us;
        match self.ahead.borrow().as_ref() {
            Some(a) if a.follows(&self.log, &self.checkpoints) => a.state(end),
            _ => AheadState {
                ready_us: self.checkpoints.borrow().latest_us(),
                done: false,
            },
        }
    }

    /// Recomputes the settings in effect at the playhead when the log,
    /// the playhead's place in it or the starting settings changed.
    fn refresh_settings(&mut self) {
        let next = self.main.borrow().next.min(self.log.len());
        let key = (
            Rc::as_ptr(&self.log) as usize,
            next,
            Rc::as_ptr(&self.start) as usize,
        );
        if key == self.settings_key {
            return;
        }
        self.settings_key = key;
        let mut file = (*self.start).clone();
        let (mut policy, mut routing) = (None, None);
        for iv in &self.log[..next] {
            match &iv.change {
                Change::Policy { main, .. } => {
                    PolicyForm::from_policy(&self.base, main).write(&mut file);
                    policy = Some(iv.t_us);
                }
                Change::Routing(r) => {
                    file.routing.reads = Some(settings::reads_of(r));
                    routing = Some(iv.t_us);
                }
                Change::Fault(_) => {}
            }
        }
        if file != *self.file {
            self.file = Rc::new(file);
        }
        self.policy_since_us = policy;
        self.routing_since_us = routing;
    }

    /// A main run from time zero, saving checkpoints.
    fn fresh_main(&self) -> Run {
        let mut run = Run::new(&self.base, self.seed);
        run.checkpoints = Some(self.checkpoints.clone());
        run
    }

    fn twin_run(&self) -> Run {
        let mut sc = (*self.base).clone();
        sc.policy = self.twin_policy.clone();
        Run::new(&sc, self.seed)
    }

    /// Pauses the animation and rebuilds the twin (side by side) at `t`.
    /// The sequence diagrams follow the first write sent from here on:
    /// which write a replay was following depends on where it started
    /// from, not on the instant, so it is not shown.
    fn after_seek(&mut self) {
        self.playing = false;
        self.last_frame_ms = None;
        self.behind_us = 0;
        self.focus = None;
        self.selected = None;
        let now = self.now_us();
        self.main
            .borrow_mut()
            .timeline
            .release(now, Pick::AfterSeek);
        if self.twin.is_some() {
            let mut twin = self.twin_run();
            twin.advance(&self.log, now, true, &*self.clock);
            twin.timeline.release(now, Pick::AfterSeek);
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
        main.advance(&self.log, t, false, &*self.clock);
        self.main = Rc::new(RefCell::new(main));
        self.after_seek();
    }

    /// Goes back to the point just before the last event: `events − 1`
    /// events processed, interventions due there not yet applied (Step
    /// applies them, as it does going forward).
    fn step_back(&mut self) {
        let target = self.main.borrow().events().saturating_sub(1);
        let saved = self.checkpoints.borrow().before(target, u64::MAX).cloned();
        let mut main = match saved {
            Some(c) => Run::restore(c, self.checkpoints.clone()),
            None => self.fresh_main(),
        };
        let log = self.log.clone();
        while main.events() < target {
            main.apply_due(&log);
            main.sim.step();
            if main.events().is_multiple_of(4_096) {
                main.pump();
            }
        }
        main.pump();
        self.main = Rc::new(RefCell::new(main));
        self.after_seek();
    }

    /// Computes the main run ahead of the playhead (see [`Ahead`]) and
    /// reports how far checkpoints reach: the lab changes (and the page
    /// redraws) only when that is worth showing.
    fn work_ahead(&mut self, budget_ms: f64, save_budget_ms: Option<f64>) -> bool {
        let end = self.base.duration_us;
        let clock = self.clock.clone();
        let start = clock.now_ms();
        {
            let mut slot = self.ahead.borrow_mut();
            if slot
                .as_ref()
                .is_none_or(|a| !a.follows(&self.log, &self.checkpoints))
            {
                *slot = Some(Ahead::new(self.log.clone(), self.checkpoints.clone()));
            }
            if let Some(a) = slot.as_mut() {
                let save_deadline = save_budget_ms.map_or(f64::INFINITY, |b| start + b);
                a.work(end, start + budget_ms, save_deadline, &*clock, || {
                    self.fresh_main()
                });
            }
        }
        let state = self.ahead_state();
        let (last, at_ms) = self.ahead_reported;
        let now = clock.now_ms();
        let worth = state.done != last.done || (state != last && now - at_ms >= AHEAD_REPORT_MS);
        if worth {
            self.ahead_reported = (state, now);
        }
        worth
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
        self.refused = None;
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
        if before != after {
            let mut form = PolicyForm::from_file(&self.file);
            form.reconcile(&before, &after);
            form.write(&mut file);
        }
        match file.validate() {
            Ok(_) => {
                self.file = Rc::new(file);
                self.restart();
                self.status = format!("{what}. The run restarted from time zero.");
            }
            Err(e) => match refusal::explain(&e, &self.base, what) {
                Some(r) => {
                    self.status = r.text.clone();
                    self.refused = Some(r);
                }
                None => self.banner = Some(format!("{what}: not applied. {e}")),
            },
        }
    }

    /// Records a change at the current point of the run and applies it to
    /// both runs. Anything the log held beyond this point is dropped: the
    /// run forks here.
    fn intervene(&mut self, change: Change) {
        let mut log = (*self.log).clone();
        {
            let mut main = self.main.borrow_mut();
            let events = main.events();
            self.checkpoints.borrow_mut().fork_at(events);
            log.truncate(main.next);
            log.push(Intervention {
                events,
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
                    main.timeline.release(now, Pick::AfterPrevious);
                    twin.timeline.release(now, Pick::AfterPrevious);
                }
            }
            None => {
                if done(&main) {
                    main.timeline.release(now, Pick::AfterPrevious);
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
        main.advance(&self.log, target, false, &*self.clock);
        if let Some(v) = collect {
            let names: Vec<String> = probe::scenario(&main.sim)
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
            twin.advance(&self.log, target, true, &*self.clock);
            self.twin = Some(Rc::new(RefCell::new(twin)));
        }
        self.last_frame_ms = None;
    }

    /// The open chapter's key event, if the learner has committed a guess
    /// and the run at the playhead has not reached it yet: a frame that
    /// reaches it stops there.
    fn armed_key_event(&self) -> Option<KeyEvent> {
        let c = self.chapter.as_ref().filter(|c| c.committed)?;
        let key = CHAPTERS.get(c.index)?.key;
        (!key.happened(&self.main.borrow().sim)).then_some(key)
    }

    /// Pauses the run at the exact instant of `key`, which happened after
    /// `from_us` (where it had not yet): goes back there, steps the engine
    /// one event at a time until it has happened, and settles at that
    /// instant (every event due then processed, as a seek or a link to it
    /// would).
    fn stop_at_key_event(&mut self, key: KeyEvent, from_us: u64) {
        if key.needs_search() {
            self.seek(from_us);
            let log = self.log.clone();
            {
                let mut main = self.main.borrow_mut();
                while !key.happened(&main.sim) && probe::next_event_us(&main.sim).is_some() {
                    main.apply_due(&log);
                    main.sim.step();
                }
                main.pump();
            }
            let t = self.now_us();
            self.seek(t);
        }
        let t = self.now_us();
        self.playing = false;
        if let Some(c) = self.chapter.as_mut() {
            c.key_us = Some(t);
        }
        self.status = format!(
            "Paused at {:.3} s: {}. The answer is revealed.",
            t as f64 / 1e6,
            key.describe()
        );
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
        let clock = self.clock.clone();
        let deadline_ms = budget_ms.map(|b| clock.now_ms() + b);
        let dt_ms = self
            .last_frame_ms
            .map_or(0.0, |last| (ts - last).clamp(0.0, 100.0));
        self.last_frame_ms = Some(ts);
        let speed = SPEEDS[self.speed].0;
        let end = self.base.duration_us;
        let from_us = self.now_us();
        let key = self.armed_key_event();
        let target = (from_us + self.behind_us + (dt_ms * speed as f64) as u64).min(end);
        let log = self.log.clone();
        {
            let mut main = self.main.borrow_mut();
            // Under a budget the frame saves no checkpoint: a copy of a long
            // run takes milliseconds, and the background work saves the
            // same points when the page is idle.
            let saving = if budget_ms.is_some() {
                main.checkpoints.take()
            } else {
                None
            };
            main.advance_within(&log, target, false, deadline_ms, &*clock);
            if saving.is_some() {
                main.checkpoints = saving;
            }
        }
        if let Some(key) = key {
            if key.happened(&self.main.borrow().sim) {
                self.stop_at_key_event(key, from_us);
                self.settled += 1;
                return true;
            }
        }
        let reached = self.now_us();
        self.behind_us = (target - reached).min(MAX_BEHIND_MS * speed);
        if let Some(twin) = &self.twin {
            twin.borrow_mut().advance(&log, reached, true, &*clock);
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

    fn toggle_play(&mut self) {
        self.playing = !self.playing;
        self.last_frame_ms = None;
        self.behind_us = 0;
        if self.playing {
            self.focus = None;
            if self.now_us() >= self.base.duration_us {
                self.playing = false;
                self.status = "The run is over; press Reset to start again.".into();
            }
        }
    }

    fn toggle_link(&mut self, a: End, b: End) {
        let cut = link_cut(&self.main.borrow().sim, &a, &b);
        let name = |e: &End| match e {
            End::Node(n) => self.node_name(*n),
            End::Clients => "the clients".into(),
            End::Sessions(l) => format!("sessions {}", crate::format::sessions(l)),
        };
        self.status = format!(
            "Link {} – {} {}.",
            name(&a),
            name(&b),
            if cut { "healed" } else { "cut" }
        );
        for ga in a.groups() {
            for gb in b.groups() {
                let fault = if cut {
                    FaultAction::Heal { a: ga, b: gb }
                } else {
                    FaultAction::Partition {
                        a: ga,
                        b: gb,
                        one_way: false,
                    }
                };
                self.intervene(Change::Fault(fault));
            }
        }
    }

    /// Applies one action. Bumps [`Lab::version`] when anything visible
    /// changed.
    pub fn apply(&mut self, action: Action) {
        let frame = matches!(action, Action::Frame(_) | Action::FrameWithin { .. });
        match action {
            Action::TogglePlay => self.toggle_play(),
            Action::SetPlaying(on) => {
                if on == self.playing {
                    return;
                }
                self.toggle_play();
            }
            Action::Step => {
                self.playing = false;
                let log = self.log.clone();
                let now = {
                    let mut main = self.main.borrow_mut();
                    main.step(&log);
                    main.sim.now_us()
                };
                if let Some(twin) = &self.twin {
                    twin.borrow_mut().advance(&log, now, true, &*self.clock);
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
            Action::WorkAhead {
                budget_ms,
                save_budget_ms,
            } => {
                if !self.work_ahead(budget_ms, save_budget_ms) {
                    return;
                }
                self.version += 1;
                return;
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
                        // The scenario's own speed, so a message can be
                        // seen moving within a second of Play.
                        self.speed = crate::speeds::suggested(file.suggested_speed_us_per_ms);
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
                let fault = match probe::is_up(&self.main.borrow().sim, n) {
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
            Action::SelectNode(n) => {
                let n = n.filter(|n| (*n as usize) < self.base.nodes.len());
                if n == self.selected {
                    return;
                }
                self.selected = n;
            }
            Action::ToggleLink(a, b) => self.toggle_link(a, b),
            Action::SetPolicy(form) => {
                let mut file = (*self.file).clone();
                form.write(&mut file);
                match validate(&file) {
                    Ok(sc) => {
                        let twin =
                            settings::policy_of(&file, &form.counterpart()).unwrap_or_default();
                        self.status = format!("Commit policy: {}.", form.describe());
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
                        self.status = format!("Reads now go by: {key}.");
                        self.intervene(Change::Routing(sc.routing));
                    }
                    Err(e) => self.banner = Some(format!("Read routing not applied. {e}")),
                }
            }
            Action::SetRoutingWindow(typed) => {
                let reads = settings::reads_of(&probe::scenario(&self.main.borrow().sim).routing);
                let mut file = (*self.file).clone();
                let tried = format!("{} ms", typed.trim());
                let set = settings::set_routing_window(&mut file, reads, &typed);
                match set.and_then(|()| file.validate()) {
                    Ok(sc) => {
                        self.refused = self.refused.take().filter(|r| r.field != "routing-window");
                        self.status = format!("Reads now go by: {} ({tried}).", reads.word());
                        self.intervene(Change::Routing(sc.routing));
                    }
                    Err(e) => match refusal::explain(&e, &self.base, &tried) {
                        Some(r) => {
                            self.status = r.text.clone();
                            self.refused = Some(r);
                        }
                        None => self.banner = Some(format!("{tried}: not applied. {e}")),
                    },
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
                    twin.advance(&self.log, now, true, &*self.clock);
                    self.twin = Some(Rc::new(RefCell::new(twin)));
                    self.main
                        .borrow_mut()
                        .timeline
                        .release(now, Pick::SideBySide);
                    self.status = "Side by side: the same seed under sync and under async.".into();
                } else if !on {
                    self.twin = None;
                }
            }
            Action::JumpTo(v) => {
                self.playing = false;
                self.selected = None;
                self.rerun_to(v.t_us.min(self.base.duration_us), Some(v));
                self.status = format!(
                    "Paused at {:.3} s, where the {} anomaly happened.",
                    v.t_us as f64 / 1e6,
                    v.kind.title()
                );
            }
            Action::ClearFocus => {
                if self.focus.is_none() {
                    return;
                }
                self.focus = None;
            }
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
                let to = to.filter(|i| *i < CHAPTERS.len());
                if let Some(i) = to {
                    let ch = &CHAPTERS[i];
                    self.playing = false;
                    // Loading sets the scenario's suggested speed.
                    self.apply(Action::LoadScenario(ch.scenario.to_string()));
                    if let Some(i) = ch.faster {
                        self.speed = i.min(SPEEDS.len() - 1);
                    }
                    self.status = format!("Chapter {}: {}.", i + 1, ch.title);
                } else if self.chapter.is_some() {
                    self.status = "The free sandbox: every control is yours.".into();
                }
                self.chapter = to.map(|index| ChapterState {
                    index,
                    ..ChapterState::default()
                });
            }
            Action::Predict(j) => match self.chapter.as_mut() {
                Some(c) if !c.committed && j < CHAPTERS[c.index].options.len() => c.pick = Some(j),
                _ => return,
            },
            Action::CommitGuess => match self.chapter.as_mut() {
                Some(c) if c.pick.is_some() && !c.committed => c.committed = true,
                _ => return,
            },
            Action::RunSweep => {
                let rows = (1..=4)
                    .filter_map(|n| {
                        capacity(n, SWEEP_RUN_US).map(|(r, w)| SweepRow {
                            followers: n,
                            reads_per_s: r,
                            writes_per_s: w,
                        })
                    })
                    .collect();
                self.sweep = Rc::new(rows);
                self.status = "Capacity sweep done: 1 to 4 followers.".into();
            }
            Action::AddTradeoffRow => {
                let log = self.log.clone();
                let clock = self.clock.clone();
                let tried = tradeoff::trial(
                    &self.scenario_name,
                    &self.base,
                    self.seed,
                    &log,
                    clock.as_ref(),
                    tradeoff::TRIAL_BUDGET_MS,
                );
                match tried {
                    Ok(row) => {
                        self.status = format!(
                            "Added to the table: timeout {} ms, {} false failovers, longest without a leader {} ms.",
                            row.timeout_ms, row.false_failovers, row.max_unavailability_ms
                        );
                        self.tradeoff = Rc::new(tradeoff::with_row(&self.tradeoff, row));
                    }
                    Err(tradeoff::NoRow::Manual) => return,
                    Err(tradeoff::NoRow::TooLong { reached_us }) => {
                        self.banner = Some(format!(
                            "This run is too long to play to its end for the trade-off table: it had reached {} of {} after {:.1} s. Compare timeouts in a shorter scenario, such as the detection lessons.",
                            fmt_us(reached_us),
                            fmt_us(self.base.duration_us),
                            tradeoff::TRIAL_BUDGET_MS / 1000.0
                        ));
                    }
                }
            }
            Action::ShareLink => {
                self.share_query = Some(self.link().query());
                self.status = "Link to this run at this instant copied.".into();
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
        self.refresh_settings();
        self.version += 1;
        // The page redraws this version, showing the work ahead as it is
        // now: later work is reported against that.
        self.ahead_reported = (self.ahead_state(), self.clock.now_ms());
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
            FaultAction::PartitionLeader => {
                "The leader is cut off from the other nodes; clients still reach it.".into()
            }
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
    /// Applies the action to a copy; when nothing visible changed, the
    /// same state comes back and the page does not redraw.
    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        next.apply(action);
        if next.version == self.version {
            self
        } else {
            Rc::new(next)
        }
    }
}
