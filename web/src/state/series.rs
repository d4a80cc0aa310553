//! The live charts' samples, taken as the run goes.
//!
//! The main run samples itself every 100 ms of simulated time: each
//! follower's replay lag, the p50/p99 of the writes that finished since
//! the previous sample, and the reads answered and writes acknowledged so
//! far (the live throughput read-outs difference them). Past [`MAX_SAMPLES`], every other sample is dropped
//! and the spacing doubles. Samples are part of a checkpoint, so after a
//! seek the charts show exactly the run up to that instant.

use crate::probe;
use crate::timeline::Timeline;
use replica_engine::Simulation;

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
    /// Reads answered since the start of the run.
    pub reads_ok: u64,
    /// Writes acknowledged since the start of the run.
    pub writes_acked: u64,
}

/// The run's chart samples: one every `every_us` of simulated time, at
/// most [`MAX_SAMPLES`].
#[derive(Clone, Debug, Default)]
pub struct Series {
    /// Samples, oldest first.
    pub samples: Vec<Sample>,
    /// Spacing.
    pub every_us: u64,
}

/// At most this many chart samples are kept.
pub const MAX_SAMPLES: usize = 300;

/// Spacing of the first samples, in simulated time.
const SAMPLE_US: u64 = 100_000;

impl Series {
    /// Takes a sample if one is due.
    pub(crate) fn offer(&mut self, sim: &Simulation, tl: &mut Timeline) {
        if self.every_us == 0 {
            self.every_us = SAMPLE_US;
        }
        let now = sim.now_us();
        if self
            .samples
            .last()
            .is_some_and(|s| now < s.t_us + self.every_us)
        {
            return;
        }
        let h = std::mem::take(&mut tl.recent_latency);
        let (p50_us, p99_us) = if h.count() > 0 {
            (Some(h.percentile(500)), Some(h.percentile(990)))
        } else {
            (None, None)
        };
        let (reads_ok, writes_acked) = probe::op_counts(sim);
        self.samples.push(Sample {
            t_us: now,
            reads_ok,
            writes_acked,
            lag_us: probe::lags_us(sim),
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
