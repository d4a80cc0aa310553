//! Percentiles of latency samples, computed the same way for the real
//! measurements and for the simulator's history, so that the two columns of
//! `docs/calibration.md` are comparable.
//!
//! The rule is nearest rank: the value at rank ⌈n × p⌉ of the sorted
//! samples. It always returns a sample that was observed (no
//! interpolation), which is also what the simulator's report promises.

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
    fn ratios_need_both_sides() {
        assert_eq!(ratio(Some(110), Some(100)), Some(1.1));
        assert_eq!(ratio(None, Some(100)), None);
        assert_eq!(ratio(Some(1), Some(0)), None);
    }
}
