//! The run computed ahead of the playhead, so that checkpoints exist up to
//! the scenario's end before anyone seeks there.
//!
//! The page asks for this work in small slices when the browser is idle,
//! as [`crate::state::Action::WorkAhead`]; the reducer does it. It follows
//! the same log as the main run and saves into the same [`Checkpoints`]; a
//! new log or new checkpoints (a fork, a rebuild) start it again. It gives
//! up after [`AHEAD_MAX_MS`] of wall time per run, so a day-long scenario
//! from a link cannot keep the page busy for hours.

use super::checkpoints::Checkpoints;
use super::run::{Run, SLICE_US};
use crate::clock::Clock;
use crate::log::Intervention;
use std::cell::RefCell;
use std::rc::Rc;

/// Background work given to one run at most, in ms of wall time: enough
/// for every library scenario many times over.
pub const AHEAD_MAX_MS: f64 = 20_000.0;

/// How far the checkpoints reach.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AheadState {
    /// Simulated instant of the latest checkpoint (the run's end once
    /// they all exist).
    pub ready_us: u64,
    /// Nothing left to compute (or the work gave up: see `ready_us`).
    pub done: bool,
}

/// The run going ahead and what it follows.
pub struct Ahead {
    /// The run going ahead, while there is work left.
    pub(crate) run: Option<Run>,
    /// The log it follows.
    pub(crate) log: Rc<Vec<Intervention>>,
    /// Where it saves.
    pub(crate) cps: Rc<RefCell<Checkpoints>>,
    /// Nothing left to do.
    pub(crate) done: bool,
    /// Wall time spent so far, in ms (infinite once it gave up).
    pub(crate) spent_ms: f64,
}

impl Ahead {
    /// Fresh work along `log`, saving into `cps`.
    pub(crate) fn new(log: Rc<Vec<Intervention>>, cps: Rc<RefCell<Checkpoints>>) -> Ahead {
        Ahead {
            run: None,
            log,
            cps,
            done: false,
            spent_ms: 0.0,
        }
    }

    /// Whether this work is for `log` and `cps`.
    pub(crate) fn follows(
        &self,
        log: &Rc<Vec<Intervention>>,
        cps: &Rc<RefCell<Checkpoints>>,
    ) -> bool {
        Rc::ptr_eq(&self.log, log) && Rc::ptr_eq(&self.cps, cps)
    }

    /// Computes ahead, slice by slice, up to `end_us`, until `clock`
    /// passes `deadline_ms`. A slice that would save a checkpoint runs only
    /// if the save fits before `save_deadline_ms` (judging by how long the
    /// last one took), so that copying a long run never makes a frame late.
    /// `fresh` makes the run it goes on from.
    pub(crate) fn work(
        &mut self,
        end_us: u64,
        deadline_ms: f64,
        save_deadline_ms: f64,
        clock: &dyn Clock,
        fresh: impl Fn() -> Run,
    ) {
        if self.done {
            return;
        }
        let latest = self.cps.borrow().saved.last().map(|c| c.events());
        let behind = match (&self.run, latest) {
            (None, _) => true,
            (Some(r), Some(e)) => r.events() < e,
            (Some(_), None) => false,
        };
        if behind {
            let last = self.cps.borrow().saved.last().cloned();
            self.run = Some(match last {
                Some(c) => Run::restore(c, self.cps.clone()),
                None => fresh(),
            });
        }
        let start_ms = clock.now_ms();
        if let Some(run) = self.run.as_mut() {
            loop {
                let now = run.sim.now_us();
                if now >= end_us {
                    self.done = true;
                    break;
                }
                let next = (now + SLICE_US).min(end_us);
                let (due_us, save_ms) = {
                    let cps = self.cps.borrow();
                    (cps.due_us(), cps.save_ms)
                };
                if next >= due_us && clock.now_ms() + save_ms > save_deadline_ms {
                    break;
                }
                run.advance(&self.log, next, false, clock);
                if clock.now_ms() >= deadline_ms {
                    break;
                }
            }
        }
        self.spent_ms += clock.now_ms() - start_ms;
        if !self.done && self.spent_ms > AHEAD_MAX_MS {
            // Given up: marked by an infinite time spent.
            self.spent_ms = f64::INFINITY;
            self.done = true;
        }
        if self.done {
            self.run = None;
        }
    }

    /// How far checkpoints reach: the run's end once the work is done
    /// (and did not give up), else the latest checkpoint.
    pub(crate) fn state(&self, end_us: u64) -> AheadState {
        let complete = self.done && self.spent_ms.is_finite();
        AheadState {
            ready_us: if complete {
                end_us
            } else {
                self.cps.borrow().latest_us()
            },
            done: self.done,
        }
    }
}
