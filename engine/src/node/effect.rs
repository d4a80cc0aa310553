//! What a node says back to the simulation: effects, the timers it may
//! set, and the notes it makes of noteworthy changes.
//!
//! Kept apart from the node's logic so that the vocabulary between the node
//! and whoever drives it (the simulation, a unit test) reads on one page.

use crate::message::{Msg, ReqId};
use crate::network::{Addr, NodeId};
use crate::wal::{Entry, Epoch, Lsn};
use serde::{Deserialize, Serialize};

/// What a node currently does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Accepts writes and streams its WAL.
    Leader,
    /// Replays the leader's WAL and serves reads.
    Follower,
    /// Asking peers for votes to become leader.
    Candidate,
}

/// Timers a node can set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "timer", rename_all = "snake_case")]
pub enum Timer {
    /// Follower: send a status report (`wal_receiver_status_interval`).
    StatusTick,
    /// Leader: drop followers silent longer than `wal_sender_timeout`.
    SenderCheck,
    /// Leader: the oldest waiting write may have hit the policy timeout.
    CommitDeadline,
    /// A parked read's wait expired.
    ReadWait { req: ReqId },
    /// Leader: send heartbeats.
    Heartbeat,
    /// Follower/candidate: check the failure detector or election.
    ElectionCheck,
}

impl Timer {
    /// A periodic timer runs at most once per node at a time: the driver
    /// ignores a request to set it while one is already pending, and
    /// forgets it when the node crashes. One-shot timers (a commit
    /// deadline, a read's wait) are always set.
    pub fn periodic_slot(self) -> Option<u8> {
        match self {
            Timer::StatusTick => Some(0),
            Timer::SenderCheck => Some(1),
            Timer::Heartbeat => Some(2),
            Timer::ElectionCheck => Some(3),
            Timer::CommitDeadline | Timer::ReadWait { .. } => None,
        }
    }
}

/// Noteworthy changes a node reports, for the trace and the metrics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "note", rename_all = "snake_case")]
pub enum Note {
    /// The commit point advanced to `lsn`.
    Committed { lsn: Lsn },
    /// Semi-synchronous commit fell back to asynchronous.
    DegradedToAsync,
    /// Semi-synchronous commit is back on.
    SyncRestored,
    /// A write was refused up front for lack of in-sync followers.
    RefusedWrite,
    /// The node's role or epoch changed.
    RoleChanged { role: Role, epoch: Epoch },
    /// An entry was removed from the log because it diverged from the
    /// leader's (rolled back on rejoin).
    RolledBack { entry: Entry },
    /// A follower fell out of the leader's retained window.
    NeedsReclone { follower: NodeId },
    /// The failure detector suspects the leader is gone.
    LeaderSuspected { leader: NodeId },
    /// A follower reported a position for the first time since it connected.
    FollowerConnected { follower: NodeId },
    /// A follower's connection was dropped.
    FollowerDisconnected { follower: NodeId },
    /// A message from an older epoch was refused (epoch fencing).
    RefusedStaleEpoch { from_epoch: Epoch },
    /// The leader's lease ran out: it refuses writes until renewed.
    LeaseExpired,
    /// STONITH could not reach the old leader: promotion waits.
    StonithFailed { target: NodeId },
    /// The divergent suffix reaches back beyond the retained log: this
    /// node must be re-cloned from its leader.
    RewindImpossible { to_lsn: Lsn },
}

/// How a node's log moved, for the trace (and the accounting of which
/// leader accepted writes when).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// An entry was appended to the log.
    Appended { lsn: Lsn, epoch: Epoch },
    /// The written position is now `lsn`.
    Written { lsn: Lsn },
    /// The flushed position is now `lsn`.
    Flushed { lsn: Lsn },
    /// The applied position is now `lsn`.
    Applied { lsn: Lsn },
}

/// What a node asks the simulation to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Send a message.
    Send { to: Addr, msg: Msg },
    /// Write the log up to `upto` to the OS; answer with
    /// [`Input::DiskWritten`](super::Input::DiskWritten).
    DiskWrite { upto: Lsn, gen: u32 },
    /// Fsync the log up to `upto`; answer with
    /// [`Input::DiskFlushed`](super::Input::DiskFlushed).
    DiskFlush { upto: Lsn, gen: u32 },
    /// Replay entry `lsn`, not before `not_before_us`; answer with
    /// [`Input::Applied`](super::Input::Applied).
    Apply {
        lsn: Lsn,
        not_before_us: u64,
        gen: u32,
    },
    /// Deliver [`Input::Timer`](super::Input::Timer) after `after_us` plus
    /// a random share of `jitter_us` drawn by the simulation (randomised
    /// election timeouts). See [`Timer::periodic_slot`].
    Timer {
        after_us: u64,
        jitter_us: u64,
        timer: Timer,
    },
    /// Power off `target` before taking over (STONITH); the simulation
    /// answers with [`Input::StonithDone`](super::Input::StonithDone).
    Stonith { target: NodeId },
    /// Copy this node's data afresh from `from` (it cannot rewind or catch
    /// up from the log); the simulation answers with
    /// [`Input::InstallSnapshot`](super::Input::InstallSnapshot) or
    /// [`Input::RecloneAborted`](super::Input::RecloneAborted).
    Reclone { from: NodeId },
    /// Record something that happened.
    Note(Note),
    /// Record how the log moved. Each input's position changes come first
    /// among its effects, right after the entries it appended.
    Progress(Progress),
}
