//! Delays with a long tail, drawn from a table of quantiles.
//!
//! Real fsyncs and network hops are not uniform: most take about the
//! median, a few take several times as long (a disk flushing its cache, a
//! scheduler delay, a retransmit), and that tail is what a p99 sees. A
//! [`Quantiles`] table gives the delay at six points of its distribution —
//! the minimum, p50, p90, p99, p99.9 and the maximum — and a draw picks a
//! uniform rank and interpolates linearly between the two points around it.
//! Everything is integer arithmetic on parts per million, so a seed draws
//! the same delays natively and in wasm; a table can be fitted directly to
//! measured percentiles.

use crate::rng::Rng;
use serde::{Deserialize, Serialize};

/// The ranks of the table's points, in parts per million: the minimum,
/// p50, p90, p99, p99.9 and the maximum.
pub const QUANTILE_PPM: [u64; 6] = [0, 500_000, 900_000, 990_000, 999_000, 1_000_000];

/// A delay distribution given by its value at each rank of
/// [`QUANTILE_PPM`] (non-decreasing).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Quantiles {
    /// Microseconds at the minimum, p50, p90, p99, p99.9 and the maximum.
    pub us: [u64; 6],
}

impl Quantiles {
    /// The table, if `us` has six non-decreasing values.
    pub fn new(us: &[u64]) -> Option<Quantiles> {
        let us: [u64; 6] = us.try_into().ok()?;
        us.windows(2)
            .all(|w| w[0] <= w[1])
            .then_some(Quantiles { us })
    }

    /// The median.
    pub fn median_us(&self) -> u64 {
        self.us[1]
    }

    /// The delay at rank `ppm` (0 to 1,000,000), interpolated linearly
    /// between the table's points.
    pub fn at_ppm(&self, ppm: u64) -> u64 {
        let ppm = ppm.min(1_000_000);
        let i = (1..QUANTILE_PPM.len())
            .find(|&i| ppm < QUANTILE_PPM[i])
            .unwrap_or(QUANTILE_PPM.len() - 1);
        let (lo_ppm, hi_ppm) = (QUANTILE_PPM[i - 1], QUANTILE_PPM[i]);
        let (lo, hi) = (self.us[i - 1], self.us[i]);
        let share = (ppm - lo_ppm) as u128 * (hi - lo) as u128 / (hi_ppm - lo_ppm) as u128;
        lo + share as u64
    }

    /// One delay, drawn with one number from `rng`.
    pub fn sample(&self, rng: &mut Rng) -> u64 {
        self.at_ppm(rng.below(1_000_000))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_points_are_hit_and_the_rest_interpolated() {
        let q = Quantiles::new(&[100, 200, 400, 1_000, 5_000, 20_000]).unwrap();
        assert_eq!(q.at_ppm(0), 100);
        assert_eq!(q.at_ppm(250_000), 150);
        assert_eq!(q.at_ppm(500_000), 200);
        assert_eq!(q.at_ppm(990_000), 1_000);
        assert_eq!(q.at_ppm(999_500), 12_500);
        assert_eq!(q.at_ppm(1_000_000), 20_000);
        assert_eq!(Quantiles::new(&[1, 2, 3]), None);
        assert_eq!(Quantiles::new(&[1, 2, 3, 2, 5, 6]), None);
    }

    #[test]
    fn draws_follow_the_table() {
        let q = Quantiles::new(&[100, 200, 400, 1_000, 5_000, 20_000]).unwrap();
        let mut rng = Rng::new(3);
        let mut draws: alloc::vec::Vec<u64> = (0..100_000).map(|_| q.sample(&mut rng)).collect();
        draws.sort_unstable();
        let at = |p: usize| draws[p * draws.len() / 1000];
        assert!((190..=210).contains(&at(500)), "p50 {}", at(500));
        assert!((380..=420).contains(&at(900)), "p90 {}", at(900));
        assert!((900..=1_100).contains(&at(990)), "p99 {}", at(990));
        assert!(draws[0] >= 100 && *draws.last().unwrap() <= 20_000);
    }
}
