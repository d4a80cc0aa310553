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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::library::{self, SCENARIOS};

    /// Every library scenario suggests a speed the menu has exactly, so
    /// the menu shows the speed the scenario asks for, not a rounded one;
    /// no suggestion keeps the menu's default.
    #[test]
    fn library_speeds_are_menu_entries() {
        assert_eq!(suggested(None), DEFAULT_SPEED);
        assert_eq!(suggested(Some(7)), 1, "rounds down to 1/200×");
        for entry in SCENARIOS {
            let file = library::load(entry.name).expect("library scenario loads");
            let asked = file
                .suggested_speed_us_per_ms
                .unwrap_or_else(|| panic!("{} suggests no speed", entry.name));
            assert_eq!(SPEEDS[suggested(Some(asked))].0, asked, "{}", entry.name);
        }
    }
}
