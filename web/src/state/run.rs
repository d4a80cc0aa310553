//! One simulation and what the page keeps from its trace, advanced in
//! slices and replaying the log of interventions on the way.
//!
//! A run advances in slices of at most [`SLICE_US`] of simulated time;
//! after each slice the trace buffer is drained into the [`Timeline`], a
//! chart sample is offered to the [`Series`] and (for the main run) a
//! checkpoint to the [`Checkpoints`]. Where a slice ends never changes
//! what the simulation does, so a run stopped early by a wall-clock
//! budget and resumed is the same run as a straight one.

use super::checkpoints::{Checkpoint, Checkpoints};
use super::series::Series;
use crate::clock::Clock;
use crate::log::{Change, Intervention};
use crate::probe;
use crate::timeline::{Pick, Timeline};
use replica_engine::{Scenario, Simulation};
use std::cell::RefCell;
use std::rc::Rc;

/// The run advances in slices of at most this much simulated time, so the
/// trace buffer stays small even when fast-forwarding or replaying.
pub const SLICE_US: u64 = 20_000;

/// One simulation and what the page keeps from its trace.
pub struct Run {
    /// The simulation.
    pub sim: Simulation,
    /// Arrows, the followed write, the latency window.
    pub timeline: Timeline,
    /// Index of the next intervention of the log to apply.
    pub next: usize,
    /// Where the main run saves checkpoints as it goes (the twin has none).
    pub(crate) checkpoints: Option<Rc<RefCell<Checkpoints>>>,
    /// The live charts' samples.
    pub series: Series,
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
    pub(crate) fn restore(c: Checkpoint, cps: Rc<RefCell<Checkpoints>>) -> Run {
        Run {
            sim: c.sim,
            timeline: c.timeline,
            next: c.next,
            checkpoints: Some(cps),
            series: c.series,
        }
    }

    /// Events processed so far.
    pub fn events(&self) -> u64 {
        probe::events(&self.sim)
    }

    /// Offers the current point as a checkpoint.
    fn checkpoint(&mut self, clock: &dyn Clock) {
        if let Some(cps) = self.checkpoints.clone() {
            cps.borrow_mut()
                .offer(&self.sim, &self.timeline, self.next, &self.series, clock);
        }
    }

    /// Moves the trace into the timeline.
    pub(crate) fn pump(&mut self) {
        let events = self.sim.drain_trace();
        let sc = probe::scenario(&self.sim);
        for ev in &events {
            self.timeline.ingest(ev, &sc.policy, &sc.workload);
        }
        self.timeline.update(self.sim.now_us());
        self.series.offer(&self.sim, &mut self.timeline);
    }

    /// Applies one change now; `twin` takes the other side of a policy
    /// change.
    pub(crate) fn apply(&mut self, change: &Change, twin: bool) {
        match change {
            Change::Fault(f) => self.sim.apply_fault(*f),
            Change::Policy { main, twin: other } => {
                self.sim
                    .set_policy(if twin { other.clone() } else { main.clone() });
                let now = self.sim.now_us();
                self.timeline.restart_window(now);
                // The diagram follows the first write under the new policy.
                self.timeline.release(now, Pick::PolicyChange);
            }
            Change::Routing(r) => self.sim.set_routing(*r),
        }
    }

    /// Runs until `t`, in slices.
    pub(crate) fn run_to(&mut self, t: u64, clock: &dyn Clock) {
        self.run_to_within(t, None, clock);
    }

    /// Runs towards `t`, in slices, stopping after the slice that ends
    /// past `deadline_ms` (on `clock`), if any.
    fn run_to_within(&mut self, t: u64, deadline_ms: Option<f64>, clock: &dyn Clock) {
        while self.sim.now_us() < t {
            let next = (self.sim.now_us() + SLICE_US).min(t);
            self.sim.run_until(next);
            self.pump();
            self.checkpoint(clock);
            if deadline_ms.is_some_and(|d| clock.now_ms() >= d) {
                return;
            }
        }
    }

    /// Brings the main run to exactly the point where an intervention
    /// happened: the same number of events, then the same clock.
    fn replay_to(&mut self, events: u64, t: u64, clock: &dyn Clock) {
        // Every event before the intervention's instant was processed
        // before it: run there in slices (so the charts get their samples
        // and seeks their checkpoints), then step through its instant.
        if t > 0 && self.events() < events {
            self.run_to(t - 1, clock);
        }
        while self.events() < events && self.sim.next_event_us().is_some_and(|e| e <= t) {
            self.sim.step();
            if self.events().is_multiple_of(4_096) {
                self.pump();
                self.checkpoint(clock);
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
    pub(crate) fn advance(
        &mut self,
        log: &[Intervention],
        target: u64,
        twin: bool,
        clock: &dyn Clock,
    ) {
        self.advance_within(log, target, twin, None, clock);
    }

    /// [`Run::advance`], stopping early (between slices, or after an
    /// intervention) once `clock` passes `deadline_ms`. Where it stops
    /// does not change the run: the next call goes on from there.
    pub(crate) fn advance_within(
        &mut self,
        log: &[Intervention],
        target: u64,
        twin: bool,
        deadline_ms: Option<f64>,
        clock: &dyn Clock,
    ) {
        while let Some(i) = log.get(self.next) {
            if i.t_us > target {
                break;
            }
            if twin {
                self.run_to(i.t_us, clock);
            } else {
                self.replay_to(i.events, i.t_us, clock);
            }
            self.apply(&i.change, twin);
            self.next += 1;
            if deadline_ms.is_some_and(|d| clock.now_ms() >= d) {
                return;
            }
        }
        self.run_to_within(target, deadline_ms, clock);
    }

    /// Applies interventions due at this very point (after a jump to it).
    pub(crate) fn apply_due(&mut self, log: &[Intervention]) {
        while let Some(i) = log.get(self.next) {
            if i.events > self.events() || i.t_us > self.sim.now_us() {
                break;
            }
            self.apply(&i.change, false);
            self.next += 1;
        }
    }

    /// Processes exactly one event (after applying what is due here).
    pub(crate) fn step(&mut self, log: &[Intervention]) {
        self.apply_due(log);
        self.sim.step();
        self.pump();
    }
}
