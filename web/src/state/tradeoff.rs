//! The failure-detection trade-off, as a table the learner fills.
//!
//! A short timeout fails over quickly after a real crash but also on a
//! short blip, promoting a follower while the old leader was alive (a
//! false failover); a long one rides out the blip but leaves the cluster
//! without a leader for longer after a crash. The learner runs the same
//! scenario with two or three timeouts and adds each to the table: a row
//! is the whole run under the settings in effect (the run on screen, with
//! its interventions, played to its end), so it is the outcome the
//! playhead reaches at the end of that run, whatever instant the learner
//! is looking at.

use super::run::Run;
use crate::clock::Clock;
use crate::log::Intervention;
use crate::settings;
use replica_engine::scenario::FailoverMode;
use replica_engine::Scenario;

/// At most this many rows: the table compares a few timeouts.
pub const MAX_ROWS: usize = 6;

/// One whole run of the trade-off table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TradeoffRow {
    /// The library scenario and seed the run was of.
    pub scenario: String,
    pub seed: u64,
    /// `election` or `manager`.
    pub mode: &'static str,
    /// The failure-detector timeout (the leader key's TTL under a manager).
    pub timeout_ms: u64,
    /// Promotions in the whole run.
    pub promotions: u64,
    /// Of them, while the old leader was still running.
    pub false_failovers: u64,
    /// The longest time without an accepting leader around a promotion.
    pub max_unavailability_ms: u64,
    /// Acknowledged writes lost in the whole run.
    pub lost_writes: u64,
}

/// The failover mode's word, or `None` in manual mode (nobody detects).
pub fn mode_word(scenario: &Scenario) -> Option<&'static str> {
    match scenario.failover.mode {
        FailoverMode::Election => Some("election"),
        FailoverMode::Manager => Some("manager"),
        _ => None,
    }
}

/// How long a trial may hold the page, in ms of its clock: a whole run of
/// the lesson's scenarios takes a few tens of ms; the benchmark scenarios
/// or a run lengthened to hours would freeze the page.
pub const TRIAL_BUDGET_MS: f64 = 1_500.0;

/// Why a run was not added.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NoRow {
    /// Manual failover: nobody detects anything.
    Manual,
    /// Playing it to its end would take longer than [`TRIAL_BUDGET_MS`];
    /// it had reached this simulated instant.
    TooLong { reached_us: u64 },
}

/// Plays `scenario` with `seed` and `log` to its end, as the page would,
/// and reads the trade-off's figures from the engine's report, giving up
/// once `clock` has passed `budget_ms`.
pub fn trial(
    name: &str,
    scenario: &Scenario,
    seed: u64,
    log: &[Intervention],
    clock: &dyn Clock,
    budget_ms: f64,
) -> Result<TradeoffRow, NoRow> {
    let mode = mode_word(scenario).ok_or(NoRow::Manual)?;
    let mut run = Run::new(scenario, seed);
    let deadline_ms = clock.now_ms() + budget_ms;
    let end = scenario.duration_us;
    while run.sim.now_us() < end {
        run.advance_within(log, end, false, Some(deadline_ms), clock);
        if run.sim.now_us() < end && clock.now_ms() >= deadline_ms {
            return Err(NoRow::TooLong {
                reached_us: run.sim.now_us(),
            });
        }
    }
    run.sim.finish();
    let report = run.sim.report();
    let figure = |name: &str| report.metric(name).unwrap_or(0).max(0) as u64;
    Ok(TradeoffRow {
        scenario: name.to_string(),
        seed,
        mode,
        timeout_ms: settings::detector_timeout_ms(scenario),
        promotions: report.promotions.len() as u64,
        false_failovers: figure("false_failovers"),
        max_unavailability_ms: figure("max_unavailability_ms"),
        lost_writes: figure("lost_acknowledged_writes"),
    })
}

/// `rows` with `row` added last: it replaces a row of the same scenario,
/// seed, mode and timeout, and the oldest row is dropped past
/// [`MAX_ROWS`].
pub fn with_row(rows: &[TradeoffRow], row: TradeoffRow) -> Vec<TradeoffRow> {
    let same = |r: &TradeoffRow| {
        (r.scenario.as_str(), r.seed, r.mode, r.timeout_ms)
            == (row.scenario.as_str(), row.seed, row.mode, row.timeout_ms)
    };
    let mut out: Vec<TradeoffRow> = rows.iter().filter(|r| !same(r)).cloned().collect();
    if out.len() >= MAX_ROWS {
        out.remove(0);
    }
    out.push(row);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use crate::library;
    use replica_engine::Simulation;

    fn whole(name: &str, sc: &Scenario) -> Result<TradeoffRow, NoRow> {
        trial(name, sc, 1, &[], &ManualClock::default(), TRIAL_BUDGET_MS)
    }

    fn scenario(name: &str, timeout_ms: u64) -> Scenario {
        let mut file = library::load(name).expect("library scenario");
        settings::set_failover_timeout(&mut file, timeout_ms);
        file.validate().expect("valid")
    }

    /// The lesson's trade-off, in the detection chapter's scenario
    /// (heartbeats every 1 s, a 2 s blip, then a crash): a 1.1 s timeout
    /// fails over on the blip (a false failover), a 30 s one does not, and
    /// is without a leader for longer after the crash. Each row equals a
    /// straight run of the engine to the end.
    #[test]
    fn short_timeouts_fail_over_falsely_long_ones_stay_down_longer() {
        let name = "lesson-05b-detection-long-timeout";
        let short = whole(name, &scenario(name, 1_100)).expect("election mode");
        let long = whole(name, &scenario(name, 30_000)).expect("election mode");
        assert_eq!((short.timeout_ms, long.timeout_ms), (1_100, 30_000));
        assert!(short.false_failovers >= 1, "{short:?}");
        assert_eq!(long.false_failovers, 0, "{long:?}");
        assert!(long.max_unavailability_ms > 30_000, "{long:?}");
        assert!(short.max_unavailability_ms < long.max_unavailability_ms);
        let mut sim = Simulation::with_seed(scenario(name, 1_100), 1);
        sim.enable_checker();
        sim.run();
        sim.finish();
        let r = sim.report();
        assert_eq!(
            short.false_failovers as i64,
            r.metric("false_failovers").unwrap()
        );
        assert_eq!(
            short.max_unavailability_ms as i64,
            r.metric("max_unavailability_ms").unwrap()
        );
        assert_eq!(short.promotions, r.promotions.len() as u64);
    }

    #[test]
    fn manual_mode_has_no_row_and_rows_replace_and_stay_bounded() {
        let manual = library::load("postgres-two-node-manual-promote")
            .unwrap()
            .validate()
            .unwrap();
        assert_eq!(whole("x", &manual), Err(NoRow::Manual));
        // A clock that moves 100 ms per reading runs out of budget early.
        let name = "lesson-05b-detection-long-timeout";
        let slow = ManualClock::stepping(100.0);
        match trial(
            name,
            &scenario(name, 30_000),
            1,
            &[],
            &slow,
            TRIAL_BUDGET_MS,
        ) {
            Err(NoRow::TooLong { reached_us }) => assert!(reached_us < 60_000_000),
            other => panic!("expected to give up: {other:?}"),
        }
        let row = |t: u64, ff: u64| TradeoffRow {
            scenario: "s".into(),
            seed: 1,
            mode: "election",
            timeout_ms: t,
            promotions: 1,
            false_failovers: ff,
            max_unavailability_ms: 1,
            lost_writes: 0,
        };
        let rows = with_row(&[row(1_000, 1), row(5_000, 0)], row(1_000, 2));
        assert_eq!(rows, vec![row(5_000, 0), row(1_000, 2)]);
        let mut many = Vec::new();
        for t in 1..=8 {
            many = with_row(&many, row(t * 1_000, 0));
        }
        assert_eq!(many.len(), MAX_ROWS);
        assert_eq!(many[0].timeout_ms, 3_000);
    }
}
