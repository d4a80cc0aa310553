//! The open-loop schedule of one workload class: "200 operations per
//! second" means exactly that, whatever the cluster's speed.
//!
//! Arrival `k` (from 0) is due at `start + ⌊k × 1 000 000 / rate⌋` µs, in
//! integer arithmetic, so every whole simulated second holds exactly
//! `rate` arrivals and no rounding error accumulates. A session is a
//! connection with one request outstanding, so an arrival that finds every
//! session of its class busy waits in the class's backlog, first in first
//! out, for the next session to finish. An arrival still waiting a second
//! after it was due is shed: it is never sent, and it is counted, as a
//! load generator reports the requests it could not send in time (pgbench
//! `--rate` with `--latency-limit`). So the backlog never holds more than
//! one second of arrivals (`rate` of them), and no operation starts more
//! than a second late. How long a started operation waited is its
//! schedule lag (pgbench's "schedule lag"); its latency still runs from
//! when its session sent it.

use crate::scenario::WorkloadClass;
use alloc::collections::VecDeque;

/// Microseconds in a second.
const US_PER_S: u64 = 1_000_000;

/// An arrival that has waited this long for a session is shed.
pub const MAX_SCHEDULE_LAG_US: u64 = US_PER_S;

/// The arrivals of one open-loop class.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arrivals {
    /// Operations per simulated second.
    rate_per_s: u64,
    /// When arrival 0 is due.
    start_us: u64,
    /// No arrival is due at or after this time.
    stop_us: u64,
    /// The index of the next arrival to come due.
    next: u64,
    /// Scheduled times of arrivals waiting for a session, oldest first.
    backlog: VecDeque<u64>,
    /// The round-robin position among the class's sessions (an offset
    /// from its first session) where the search for an idle one starts.
    cursor: u16,
    /// Arrivals that came due.
    pub offered: u64,
    /// Arrivals shed after waiting [`MAX_SCHEDULE_LAG_US`].
    pub shed: u64,
}

impl Arrivals {
    /// The schedule of `class`, from `start_us` until `stop_us`; `None`
    /// for a closed-loop class.
    pub fn new(class: &WorkloadClass, start_us: u64, stop_us: u64) -> Option<Arrivals> {
        Some(Arrivals {
            rate_per_s: class.rate_per_s? as u64,
            start_us,
            stop_us,
            next: 0,
            backlog: VecDeque::new(),
            cursor: 0,
            offered: 0,
            shed: 0,
        })
    }

    /// When arrival `k` is due.
    pub fn due_us(&self, k: u64) -> u64 {
        let offset = k as u128 * US_PER_S as u128 / self.rate_per_s as u128;
        self.start_us
            .saturating_add(offset.min(u64::MAX as u128) as u64)
    }

    /// When the next arrival is due, if it comes before the stop.
    pub fn next_due_us(&self) -> Option<u64> {
        let at = self.due_us(self.next);
        (at < self.stop_us).then_some(at)
    }

    /// The next arrival came due: counts it. The caller then starts it on
    /// an idle session or [`wait`](Arrivals::wait)s it.
    pub fn arrive(&mut self) -> u64 {
        let at = self.due_us(self.next);
        self.next += 1;
        self.offered += 1;
        at
    }

    /// How many arrivals wait for a session. A new one queues behind them
    /// even if a session is idle, so the backlog stays first in first out.
    pub fn waiting(&self) -> u64 {
        self.backlog.len() as u64
    }

    /// Sheds the arrivals that have waited [`MAX_SCHEDULE_LAG_US`] by
    /// `now_us`; returns how many.
    pub fn expire(&mut self, now_us: u64) -> u64 {
        let mut n = 0;
        while self
            .backlog
            .front()
            .is_some_and(|due| now_us.saturating_sub(*due) >= MAX_SCHEDULE_LAG_US)
        {
            self.backlog.pop_front();
            n += 1;
        }
        self.shed += n;
        n
    }

    /// Puts the arrival due at `due_us` in the backlog.
    pub fn wait(&mut self, due_us: u64) {
        self.backlog.push_back(due_us);
    }

    /// The oldest waiting arrival's due time, taken from the backlog
    /// (after [`expire`](Arrivals::expire)).
    pub fn take(&mut self) -> Option<u64> {
        self.backlog.pop_front()
    }

    /// The first idle session of the class at or after the round-robin
    /// position, which then moves past it; `idle(s)` says whether session
    /// `s` (an offset from the class's first session) is free.
    pub fn pick_idle(&mut self, sessions: u16, idle: impl Fn(u16) -> bool) -> Option<u16> {
        let found = (0..sessions)
            .map(|i| (self.cursor + i) % sessions)
            .find(|s| idle(*s))?;
        self.cursor = (found + 1) % sessions;
        Some(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::String;

    fn class(rate: u32) -> WorkloadClass {
        WorkloadClass {
            name: String::from("c"),
            first_session: 0,
            sessions: 2,
            read_percent: 0,
            think_us: 0,
            think_jitter_us: 0,
            rate_per_s: Some(rate),
            request_timeout_us: 0,
            cancel_after_us: 0,
            synchronous_commit: None,
        }
    }

    #[test]
    fn every_second_holds_exactly_the_rate() {
        // 3 per second does not divide a second evenly: 0, 333 333,
        // 666 666, then 1 000 000 again on the dot.
        let a = Arrivals::new(&class(3), 0, u64::MAX).unwrap();
        assert_eq!(
            [a.due_us(0), a.due_us(1), a.due_us(2), a.due_us(3)],
            [0, 333_333, 666_666, 1_000_000]
        );
        let mut a = Arrivals::new(&class(200), 5_000, 3_605_000).unwrap();
        let mut n = 0;
        while a.next_due_us().is_some() {
            a.arrive();
            n += 1;
        }
        assert_eq!(n, 200 * 3600 / 1000, "3.6 s at 200/s");
        assert!(Arrivals::new(
            &WorkloadClass {
                rate_per_s: None,
                ..class(1)
            },
            0,
            1
        )
        .is_none());
    }

    #[test]
    fn an_arrival_waits_at_most_a_second_then_is_shed() {
        let mut a = Arrivals::new(&class(3), 0, u64::MAX).unwrap();
        for due in [0, 333_333, 666_666] {
            a.wait(due);
        }
        assert_eq!(a.expire(999_999), 0);
        assert_eq!(a.expire(1_000_000), 1, "arrival 0 waited a second");
        assert_eq!((a.waiting(), a.shed), (2, 1));
        assert_eq!(a.take(), Some(333_333), "first in, first out");
        assert_eq!(a.expire(u64::MAX), 1);
        assert_eq!((a.waiting(), a.shed), (0, 2));
    }

    #[test]
    fn idle_sessions_are_picked_in_turn() {
        let mut a = Arrivals::new(&class(10), 0, u64::MAX).unwrap();
        assert_eq!(a.pick_idle(3, |_| true), Some(0));
        assert_eq!(a.pick_idle(3, |_| true), Some(1));
        assert_eq!(a.pick_idle(3, |s| s != 2), Some(0));
        assert_eq!(a.pick_idle(3, |_| false), None);
    }
}
