//! The speeds the lab runs at: simulated microseconds per real
//! millisecond, from slow motion to fast-forward, with their menu labels.

/// Simulated microseconds per real millisecond, with their labels.
pub const SPEEDS: &[(u64, &str)] = &[
    (1, "1/1000× slow-mo"),
    (5, "1/200×"),
    (20, "1/50×"),
    (100, "1/10×"),
    (1_000, "1× real time"),
    (10_000, "10×"),
    (100_000, "100× fast"),
];

/// Default speed index: slow enough to follow one write.
pub const DEFAULT_SPEED: usize = 1;

/// Speed index from which views that need not move every frame redraw
/// only with the live tick, ten times a second: 1× real time.
pub const LIVE_SPEED: usize = 4;

/// The menu's speed for a scenario's suggested one (simulated µs per real
/// ms): the fastest entry not above it, the slowest when none is; the
/// menu's default when the scenario suggests none.
pub fn suggested(us_per_ms: Option<u64>) -> usize {
    us_per_ms.map_or(DEFAULT_SPEED, |v| {
        SPEEDS.iter().rposition(|(s, _)| *s <= v).unwrap_or(0)
    })
}
