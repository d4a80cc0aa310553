//! Percentiles of latency samples, computed the same way for the real
//! measurements and for the simulator's history, so that the two columns of
//! `docs/calibration.md` are comparable.
//!
//! The rule is nearest rank: the value at rank ⌈n × p⌉ of the sorted
//! samples. It always returns a sample that was observed (no
//! interpolation), which is also what the simulator's report promises.
//!
//! A percentile of a few hundred samples is itself uncertain, most of all
//! a p99, which rests on the handful of slowest ones: one machine stall
//! more or less in a series moves it by tens of milliseconds. So the
//! module also gives the distribution-free confidence interval of a
//! percentile: the two order statistics that bracket the true value with
//! at least 95 % probability, whatever the distribution.

/// Sorted latency samples in µs.
#[derive(Clone, Debug, Default)]
pub struct Samples {
    sorted_us: Vec<u64>,
}

impl Samples {
    pub fn new(mut values_us: Vec<u64>) -> Self {
        values_us.sort_unstable();
        Self {
            sorted_us: values_us,
        }
    }

    pub fn len(&self) -> usize {
        self.sorted_us.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sorted_us.is_empty()
    }

    /// The samples, smallest first.
    pub fn values_us(&self) -> &[u64] {
        &self.sorted_us
    }

    /// Nearest-rank percentile, `percent` in (0, 100]; `None` when empty.
    pub fn percentile_us(&self, percent: f64) -> Option<u64> {
        let n = self.sorted_us.len();
        if n == 0 {
            return None;
        }
        let rank = ((n as f64) * percent / 100.0).ceil() as usize;
        Some(self.sorted_us[rank.clamp(1, n) - 1])
    }

    pub fn p50_us(&self) -> Option<u64> {
        self.percentile_us(50.0)
    }

    pub fn p99_us(&self) -> Option<u64> {
        self.percentile_us(99.0)
    }

    pub fn max_us(&self) -> Option<u64> {
        self.sorted_us.last().copied()
    }

    /// The 95 % confidence interval of the `percent` percentile, as the
    /// values of the samples at the ranks [`interval_ranks`] gives.
    pub fn interval_us(&self, percent: f64) -> Option<Interval> {
        let ranks = interval_ranks(self.sorted_us.len(), percent)?;
        Some(Interval {
            low_us: self.sorted_us[ranks.low - 1],
            high_us: self.sorted_us[ranks.high - 1],
            high_bounded: ranks.high_bounded,
        })
    }
}

/// Two order statistics (1-based ranks into the sorted samples) that hold
/// a percentile between them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ranks {
    pub low: usize,
    pub high: usize,
    /// False when even the largest sample falls below the percentile more
    /// than 2.5 % of the time (too few samples: 200 for a p99), so that
    /// `high` is simply the largest sample and bounds nothing.
    pub high_bounded: bool,
}

/// A percentile's confidence interval in µs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interval {
    pub low_us: u64,
    pub high_us: u64,
    pub high_bounded: bool,
}

/// Each end of the interval misses the true percentile at most this often.
const MISS_PER_END: f64 = 0.025;

/// The ranks of the distribution-free 95 % confidence interval of the
/// `percent` percentile of `n` samples.
///
/// The number B of samples at or below the true percentile q is binomial,
/// Bin(n, q). The sample at rank r lies at or below the percentile exactly
/// when B ≥ r, so the samples at ranks l and h hold it between them unless
/// B < l or B ≥ h. `low` is the largest l with P(B < l) ≤ 2.5 %, `high` the
/// smallest h with P(B ≥ h) ≤ 2.5 %, or n when none is. For a p99 of 400
/// samples that is ranks 392 and 400; of 800, ranks 786 and 798.
pub fn interval_ranks(n: usize, percent: f64) -> Option<Ranks> {
    if n == 0 || !(0.0..100.0).contains(&percent) {
        return None;
    }
    let cdf = binomial_cdf(n, percent / 100.0);
    // cdf[k] = P(B ≤ k).
    let low = (1..=n)
        .take_while(|&l| cdf[l - 1] <= MISS_PER_END)
        .last()
        .unwrap_or(1);
    let high = (1..=n).find(|&h| 1.0 - cdf[h - 1] <= MISS_PER_END);
    Some(Ranks {
        low,
        high: high.unwrap_or(n),
        high_bounded: high.is_some(),
    })
}

/// P(B ≤ k) for k in 0..=n, B ~ Bin(n, q), summed in log space so that
/// neither q^n nor the binomial coefficients under- or overflow.
fn binomial_cdf(n: usize, q: f64) -> Vec<f64> {
    let (ln_q, ln_p) = (q.ln(), (1.0 - q).ln());
    let mut ln_choose = 0.0;
    let mut total = 0.0;
    let mut cdf = Vec::with_capacity(n + 1);
    for k in 0..=n {
        if k > 0 {
            ln_choose += ((n - k + 1) as f64).ln() - (k as f64).ln();
        }
        total += (ln_choose + k as f64 * ln_q + (n - k) as f64 * ln_p).exp();
        cdf.push(total.min(1.0));
    }
    cdf
}

/// `sim / real`, or `None` when either is missing or the real value is 0.
pub fn ratio(sim_us: Option<u64>, real_us: Option<u64>) -> Option<f64> {
    match (sim_us, real_us) {
        (Some(sim), Some(real)) if real > 0 => Some(sim as f64 / real as f64),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let s = Samples::new((1..=200).rev().collect());
        assert_eq!(s.p50_us(), Some(100));
        assert_eq!(s.p99_us(), Some(198));
        assert_eq!(s.percentile_us(100.0), Some(200));
        assert_eq!(s.max_us(), Some(200));
        let one = Samples::new(vec![7]);
        assert_eq!((one.p50_us(), one.p99_us()), (Some(7), Some(7)));
        let three = Samples::new(vec![30, 10, 20]);
        assert_eq!(three.p50_us(), Some(20));
        assert_eq!(Samples::new(Vec::new()).p50_us(), None);
        assert!(Samples::new(Vec::new()).is_empty());
        assert_eq!(three.values_us(), [10, 20, 30]);
    }

    #[test]
    fn p99_intervals_are_the_binomial_order_statistics() {
        // The two sample sizes the barred rows use, and one too small to
        // bound a p99 from above (P(all 200 below the p99) = 13 %).
        assert_eq!(
            interval_ranks(400, 99.0),
            Some(Ranks {
                low: 392,
                high: 400,
                high_bounded: true
            })
        );
        assert_eq!(
            interval_ranks(800, 99.0),
            Some(Ranks {
                low: 786,
                high: 798,
                high_bounded: true
            })
        );
        let small = interval_ranks(200, 99.0).unwrap();
        assert_eq!((small.high, small.high_bounded), (200, false));
        assert_eq!(small.low, 195);
        // A median of 100 samples: the textbook ranks 40 and 61.
        assert_eq!(
            interval_ranks(100, 50.0),
            Some(Ranks {
                low: 40,
                high: 61,
                high_bounded: true
            })
        );
        assert_eq!(interval_ranks(0, 99.0), None);
        let s = Samples::new((1..=800).map(|v| v * 10).collect());
        let i = s.interval_us(99.0).unwrap();
        assert_eq!((i.low_us, i.high_us), (7860, 7980));
    }

    #[test]
    fn the_interval_holds_the_true_percentile_about_95_percent_of_the_time() {
        // Draw 400 uniform values in [0, 1000) many times with a fixed
        // generator; the true p99 is 990.
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % 1_000_000
        };
        let trials = 2000;
        let mut held = 0;
        for _ in 0..trials {
            let s = Samples::new((0..400).map(|_| next()).collect());
            let i = s.interval_us(99.0).unwrap();
            if i.low_us <= 990_000 && 990_000 <= i.high_us {
                held += 1;
            }
        }
        let share = held as f64 / trials as f64;
        assert!((0.94..=0.99).contains(&share), "held {share}");
    }

    #[test]
    fn ratios_need_both_sides() {
        assert_eq!(ratio(Some(110), Some(100)), Some(1.1));
        assert_eq!(ratio(None, Some(100)), None);
        assert_eq!(ratio(Some(1), Some(0)), None);
    }
}
