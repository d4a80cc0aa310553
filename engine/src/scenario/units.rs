//! Times in a scenario file: milliseconds or microseconds as the key's
//! name says, always microseconds inside, and never more than a year.
//!
//! The cap keeps every sum of a few times far from overflowing `u64`
//! microseconds, which a hostile or mistyped file would otherwise reach
//! (the fuzzer found exactly that), and a year is far beyond the 24-hour
//! limit on a run, so no real setting is refused.

use super::error::{invalid, ScenarioError};
use alloc::format;

/// Microseconds in a millisecond.
pub(super) const US_PER_MS: u64 = 1_000;

/// The longest time any setting may name: a year.
pub(super) const MAX_TIME_US: u64 = 365 * 24 * 3600 * 1_000_000;

/// `ms` milliseconds in microseconds; more than [`MAX_TIME_US`] is refused.
pub(super) fn ms_to_us(path: &str, ms: u64) -> Result<u64, ScenarioError> {
    ms.checked_mul(US_PER_MS)
        .filter(|us| *us <= MAX_TIME_US)
        .ok_or_else(|| {
            invalid(
                path,
                format!("{ms} ms is more than a year"),
                "use at most 31536000000 (a year)",
            )
        })
}

/// A time given in microseconds, refused beyond [`MAX_TIME_US`].
pub(super) fn time_us(path: &str, us: u64) -> Result<u64, ScenarioError> {
    if us <= MAX_TIME_US {
        Ok(us)
    } else {
        Err(invalid(
            path,
            format!("{us} µs is more than a year"),
            "use at most 31536000000000 (a year)",
        ))
    }
}

/// A delay table (`…_percentiles_us`): six non-decreasing microsecond
/// values, at the minimum, p50, p90, p99, p99.9 and the maximum, each at
/// most a year and the minimum at least `min_us`.
pub(super) fn quantiles(
    path: &str,
    values: &[u64],
    min_us: u64,
) -> Result<crate::delay::Quantiles, ScenarioError> {
    const FIX: &str = "give six non-decreasing values in µs: [min, p50, p90, p99, p99.9, max], e.g. [150, 220, 490, 650, 3000, 9000]";
    for &v in values {
        time_us(path, v)?;
    }
    let q = crate::delay::Quantiles::new(values).ok_or_else(|| {
        invalid(
            path,
            format!("{} values, or not in increasing order", values.len()),
            FIX,
        )
    })?;
    if q.us[0] < min_us {
        return Err(invalid(
            path,
            format!("a minimum of {} µs", q.us[0]),
            format!("use at least {min_us} µs (a delay of zero is not physical)"),
        ));
    }
    Ok(q)
}
