//! The lab's state and its one reducer.
//!
//! Everything that drives the engine goes through [`Lab::reduce`]: play and
//! pause, animation frames, speed, seed, scenario, faults and policy
//! changes. Components only read the state and dispatch [`Action`]s; the
//! engine knows nothing of the UI. The simulation sits behind an
//! `Rc<RefCell<…>>` so a frame mutates it in place, and every action yields
//! a new `Rc<Lab>` so Yew re-renders.

use crate::library;
use replica_engine::network::NodeId;
use replica_engine::policy::{AckPoint, CommitPolicy, OnUnmet, Quorum, Visibility};
use replica_engine::routing::{Pick, ReadRouting};
use replica_engine::scenario::FaultAction;
use replica_engine::{Scenario, ScenarioFile, Simulation};
use std::cell::RefCell;
use std::rc::Rc;
use yew::Reducible;

/// Simulated microseconds per real millisecond, from slow motion to
/// fast-forward.
pub const SPEEDS: &[(u64, &str)] = &[
    (1, "1/1000×"),
    (5, "1/200×"),
    (20, "1/50×"),
    (100, "1/10×"),
    (1_000, "1×"),
    (10_000, "10×"),
    (100_000, "100×"),
];

/// Default speed index: slow enough to follow one write.
pub const DEFAULT_SPEED: usize = 1;

/// Commit policies offered in the UI, by the name engineers know them by.
pub const POLICIES: &[(&str, &str)] = &[
    ("async", "Asynchronous (synchronous_commit=local)"),
    ("first1", "Synchronous FIRST 1 (on)"),
    ("any1", "Quorum ANY 1 (on)"),
    ("semisync", "Semi-sync, 1 s timeout (MySQL)"),
    ("all", "Synchronous to all followers"),
];

/// Read routing choices offered in the UI.
pub const ROUTINGS: &[(&str, &str)] = &[
    ("leader", "Leader only"),
    ("any_follower", "Any follower"),
    ("nearest", "Nearest node"),
    ("sticky", "Sticky follower"),
    ("leader_after_write", "Leader for 1 s after a write"),
    ("position_token", "Position token (wait 100 ms)"),
    ("bounded_staleness", "Bounded staleness (100 ms)"),
];

/// Everything the page shows and drives.
#[derive(Clone)]
pub struct Lab {
    /// The running simulation.
    pub sim: Rc<RefCell<Simulation>>,
    /// The scenario as loaded, for reset.
    pub scenario: Rc<Scenario>,
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
    /// Selected policy key from [`POLICIES`].
    pub policy: String,
    /// Selected routing key from [`ROUTINGS`].
    pub routing: String,
    /// Shown above the lab when something went wrong.
    pub banner: Option<String>,
    /// Bumped on every change, so views know to redraw.
    pub version: u64,
}

/// Something the user or the animation loop asks for.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Start or stop the animation.
    TogglePlay,
    /// Process exactly one event.
    Step,
    /// An animation frame at this `requestAnimationFrame` timestamp.
    Frame(f64),
    /// Change speed.
    SetSpeed(usize),
    /// Restart the current scenario with the current seed.
    Reset,
    /// Load a scenario from the library.
    LoadScenario(String),
    /// Restart with this seed.
    SetSeed(u64),
    /// Inject a fault now.
    Fault(FaultAction),
    /// Crash the node if up, restart it if down.
    ToggleNode(NodeId),
    /// Switch the commit policy (a key of [`POLICIES`]).
    SetPolicy(String),
    /// Switch read routing (a key of [`ROUTINGS`]).
    SetRouting(String),
    /// Hide the banner.
    DismissBanner,
}

fn load(name: &str) -> Result<Scenario, String> {
    let text =
        library::find(name).ok_or_else(|| format!("There is no scenario called `{name}`."))?;
    ScenarioFile::parse(text)
        .and_then(|f| f.validate())
        .map_err(|e| format!("Scenario `{name}` is invalid: {e}"))
}

fn new_sim(scenario: &Scenario, seed: u64) -> Simulation {
    let mut sim = Simulation::with_seed(scenario.clone(), seed);
    sim.enable_trace_buffer();
    sim
}

impl Lab {
    /// The lab with the default scenario, paused at time zero.
    pub fn new() -> Lab {
        Lab::with_scenario("default", None)
    }

    /// The lab with a library scenario (falling back to the default with a
    /// banner when it cannot be loaded).
    pub fn with_scenario(name: &str, seed: Option<u64>) -> Lab {
        let (scenario, name, banner) = match load(name) {
            Ok(s) => (s, name.to_string(), None),
            Err(e) => (
                load("default").expect("the default scenario is valid; a native test checks it"),
                "default".to_string(),
                Some(e),
            ),
        };
        let seed = seed.unwrap_or(scenario.seed);
        let policy = policy_key(&scenario.policy).to_string();
        let routing = routing_key(&scenario.routing).to_string();
        Lab {
            sim: Rc::new(RefCell::new(new_sim(&scenario, seed))),
            scenario: Rc::new(scenario),
            scenario_name: name,
            seed,
            playing: false,
            speed: DEFAULT_SPEED,
            last_frame_ms: None,
            policy,
            routing,
            banner,
            version: 0,
        }
    }

    fn restart(&mut self) {
        self.sim = Rc::new(RefCell::new(new_sim(&self.scenario, self.seed)));
        self.last_frame_ms = None;
        // Re-apply live choices the user made on top of the scenario.
        let policy = self.policy.clone();
        self.apply_policy(&policy);
        let routing = self.routing.clone();
        self.apply_routing(&routing);
    }

    fn followers(&self) -> Vec<NodeId> {
        let sim = self.sim.borrow();
        let leader = sim.current_leader().unwrap_or(sim.scenario.leader);
        (0..sim.nodes.len() as NodeId)
            .filter(|n| *n != leader)
            .collect()
    }

    fn apply_policy(&mut self, key: &str) {
        let followers = self.followers();
        let n = followers.len() as u8;
        let sync = |quorum, on_unmet| CommitPolicy {
            quorum,
            ack: AckPoint::Flushed,
            on_unmet,
            visibility: Visibility::AfterSync,
            min_in_sync: None,
        };
        let policy = match key {
            "async" => CommitPolicy::default(),
            "first1" => sync(
                Quorum::First {
                    k: 1,
                    standbys: followers,
                },
                OnUnmet::Block,
            ),
            "any1" => sync(
                Quorum::Any {
                    k: 1,
                    standbys: followers,
                },
                OnUnmet::Block,
            ),
            "semisync" => sync(
                Quorum::Any {
                    k: 1,
                    standbys: followers,
                },
                OnUnmet::Degrade {
                    after_us: 1_000_000,
                },
            ),
            "all" => sync(
                Quorum::Any {
                    k: n,
                    standbys: followers,
                },
                OnUnmet::Block,
            ),
            _ => return,
        };
        self.policy = key.to_string();
        self.sim.borrow_mut().set_policy(policy);
    }

    fn apply_routing(&mut self, key: &str) {
        let pick = Pick::Random;
        let routing = match key {
            "leader" => ReadRouting::Leader,
            "any_follower" => ReadRouting::AnyFollower { pick },
            "nearest" => ReadRouting::Nearest,
            "sticky" => ReadRouting::Sticky,
            "leader_after_write" => ReadRouting::LeaderAfterWrite {
                window_us: 1_000_000,
                pick,
            },
            "position_token" => ReadRouting::PositionToken {
                wait_us: 100_000,
                pick,
            },
            "bounded_staleness" => ReadRouting::BoundedStaleness {
                max_lag_us: 100_000,
                pick,
            },
            _ => return,
        };
        self.routing = key.to_string();
        self.sim.borrow_mut().set_routing(routing);
    }

    /// Applies one action.
    pub fn apply(&mut self, action: Action) {
        match action {
            Action::TogglePlay => {
                self.playing = !self.playing;
                self.last_frame_ms = None;
            }
            Action::Step => {
                self.playing = false;
                self.sim.borrow_mut().step();
            }
            Action::Frame(ts) => {
                if self.playing {
                    let dt_ms = self
                        .last_frame_ms
                        .map_or(0.0, |last| (ts - last).clamp(0.0, 100.0));
                    self.last_frame_ms = Some(ts);
                    let advance_us = (dt_ms * SPEEDS[self.speed].0 as f64) as u64;
                    let mut sim = self.sim.borrow_mut();
                    let until = sim.now_us() + advance_us;
                    sim.run_until(until);
                    let end = sim.scenario.duration_us;
                    drop(sim);
                    if until >= end {
                        self.playing = false;
                    }
                }
            }
            Action::SetSpeed(i) => self.speed = i.min(SPEEDS.len() - 1),
            Action::Reset => self.restart(),
            Action::LoadScenario(name) => {
                let speed = self.speed;
                *self = Lab::with_scenario(&name, None);
                self.speed = speed;
            }
            Action::SetSeed(seed) => {
                self.seed = seed;
                self.restart();
            }
            Action::Fault(f) => self.sim.borrow_mut().apply_fault(f),
            Action::ToggleNode(n) => {
                let up = self.sim.borrow().up.get(n as usize).copied();
                let fault = match up {
                    Some(true) => FaultAction::Crash {
                        node: n,
                        power_loss: false,
                    },
                    Some(false) => FaultAction::Restart { node: n },
                    None => return,
                };
                self.sim.borrow_mut().apply_fault(fault);
            }
            Action::SetPolicy(key) => self.apply_policy(&key),
            Action::SetRouting(key) => self.apply_routing(&key),
            Action::DismissBanner => self.banner = None,
        }
        // The UI reads positions, not the trace, for now: keep the buffer
        // from growing.
        self.sim.borrow_mut().drain_trace();
        self.version += 1;
    }
}

impl Default for Lab {
    fn default() -> Self {
        Lab::new()
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

/// The UI key of a policy (the closest preset).
pub fn policy_key(p: &CommitPolicy) -> &'static str {
    match (&p.quorum, p.on_unmet) {
        (Quorum::None, _) => "async",
        (_, OnUnmet::Degrade { .. }) => "semisync",
        (Quorum::First { .. }, _) => "first1",
        (Quorum::Any { k, standbys }, _) if *k as usize == standbys.len() && *k > 1 => "all",
        (Quorum::Any { .. }, _) => "any1",
    }
}

/// The UI key of a routing policy.
pub fn routing_key(r: &ReadRouting) -> &'static str {
    match r {
        ReadRouting::Leader => "leader",
        ReadRouting::AnyFollower { .. } => "any_follower",
        ReadRouting::Nearest => "nearest",
        ReadRouting::Sticky => "sticky",
        ReadRouting::LeaderAfterWrite { .. } => "leader_after_write",
        ReadRouting::PositionToken { .. } => "position_token",
        ReadRouting::BoundedStaleness { .. } => "bounded_staleness",
    }
}
