//! A node's visible key/value data: the result of replaying its WAL.
//!
//! Keys are small integers (a scenario has at most 100,000 of them), so the
//! store is a dense vector indexed by key rather than a tree: replaying an
//! entry is the hottest work a node does, and a vector makes it one
//! indexed write. A key never written reads as the default version (no
//! value, LSN 0).

use crate::wal::{Epoch, Lsn};
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

/// The state of one key as a node's readers see it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Version {
    /// The value (`None`: absent or deleted).
    pub value: Option<u64>,
    /// LSN of the write that produced it (0: never written).
    pub lsn: Lsn,
    /// Epoch of that write.
    pub epoch: Epoch,
}

/// Most keys a scenario may use.
pub const MAX_KEYS: u32 = 100_000;

/// Key → version.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Store {
    versions: Vec<Version>,
}

impl Store {
    /// The version readers see for `key`.
    pub fn get(&self, key: u32) -> Version {
        self.versions.get(key as usize).copied().unwrap_or_default()
    }

    /// Sets `key` to `v` and returns what it was.
    pub fn set(&mut self, key: u32, v: Version) -> Version {
        let i = key as usize;
        if i >= self.versions.len() {
            self.versions.resize(i + 1, Version::default());
        }
        core::mem::replace(&mut self.versions[i], v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unwritten_keys_read_as_default_and_set_returns_the_old_version() {
        let mut s = Store::default();
        assert_eq!(s.get(7), Version::default());
        let v = Version {
            value: Some(3),
            lsn: 9,
            epoch: 1,
        };
        assert_eq!(s.set(7, v), Version::default());
        assert_eq!(s.get(7), v);
        assert_eq!(s.set(7, Version::default()), v);
        assert_eq!(s.get(3), Version::default());
    }
}
