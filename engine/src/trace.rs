//! The trace: the one stream of typed events every consumer reads.
//!
//! The browser animates it, the tests assert on it, and the command line
//! prints and hashes it; all of them use this one serde type. A run's
//! trace is fully determined by its scenario and seed, so its hash (FNV-1a
//! over a fixed-width encoding that treats `usize` as 64 bits) is the same
//! natively and in wasm — the determinism check compares these hashes.

use crate::checker::Violation;
use crate::history::OpRecord;
use crate::message::Msg;
use crate::network::{Addr, DropReason, NodeId};
use crate::node::Note;
use crate::scenario::FaultAction;
use crate::wal::{Epoch, Lsn};
use core::hash::{Hash, Hasher};
use serde::{Deserialize, Serialize};

/// One thing that happened in a run, with its simulated time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum TraceEvent {
    /// A message left `from`; it arrives at `deliver_us`, or is dropped.
    Sent {
        t_us: u64,
        id: u64,
        from: Addr,
        to: Addr,
        msg: Msg,
        deliver_us: Option<u64>,
        dropped: Option<DropReason>,
    },
    /// Message `id` arrived (`lost` when its receiver was down by then).
    Delivered {
        t_us: u64,
        id: u64,
        from: Addr,
        to: Addr,
        lost: bool,
    },
    /// A node appended entry `lsn` (leader: a client write; follower: a
    /// record received).
    Append {
        t_us: u64,
        node: NodeId,
        lsn: Lsn,
        epoch: Epoch,
    },
    /// A node's written position advanced.
    Written { t_us: u64, node: NodeId, lsn: Lsn },
    /// A node's flushed position advanced.
    Flushed { t_us: u64, node: NodeId, lsn: Lsn },
    /// A node's applied position advanced.
    Applied { t_us: u64, node: NodeId, lsn: Lsn },
    /// Something a node reported (commit, policy change, role change…).
    Node { t_us: u64, node: NodeId, note: Note },
    /// A client operation completed.
    Op { t_us: u64, op: OpRecord },
    /// A fault from the schedule or the user took effect.
    Fault { t_us: u64, fault: FaultAction },
    /// Clients learned of a new leader.
    Discovered { t_us: u64, leader: NodeId },
    /// The checker found an anomaly.
    Violation { t_us: u64, violation: Violation },
}

impl TraceEvent {
    /// The simulated time of the event.
    pub fn t_us(&self) -> u64 {
        match *self {
            TraceEvent::Sent { t_us, .. }
            | TraceEvent::Delivered { t_us, .. }
            | TraceEvent::Append { t_us, .. }
            | TraceEvent::Written { t_us, .. }
            | TraceEvent::Flushed { t_us, .. }
            | TraceEvent::Applied { t_us, .. }
            | TraceEvent::Node { t_us, .. }
            | TraceEvent::Op { t_us, .. }
            | TraceEvent::Fault { t_us, .. }
            | TraceEvent::Discovered { t_us, .. }
            | TraceEvent::Violation { t_us, .. } => t_us,
        }
    }
}

/// FNV-1a, 64-bit, with `usize`/`isize` hashed as 64-bit values so the
/// result does not depend on the target's pointer width.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TraceHasher(u64);

impl Default for TraceHasher {
    fn default() -> Self {
        TraceHasher(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for TraceHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= *b as u64;
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    fn write_usize(&mut self, i: usize) {
        self.write(&(i as u64).to_le_bytes());
    }
    fn write_isize(&mut self, i: isize) {
        self.write(&(i as i64).to_le_bytes());
    }
}

impl TraceHasher {
    /// Folds one event into the hash.
    pub fn add(&mut self, ev: &TraceEvent) {
        ev.hash(self);
    }
}
