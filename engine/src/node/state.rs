//! What a node remembers, split by lifetime and by role.
//!
//! * [`Durable`] survives a crash: the log, the data replayed from it, the
//!   epoch and the vote — what is on disk.
//! * [`Shared`] is volatile state every role has: the disk and replay
//!   pipeline and reads parked until a position is reached.
//! * [`RoleState`] holds what only one role has: a leader's view of its
//!   followers and its waiting writes, a follower's stream position and
//!   failure detector, a candidate's votes. Changing role replaces it, so
//!   nothing of one role leaks into the next.
//!
//! A crash keeps [`Durable`] (minus whatever the crash loses from the log)
//! and which role the node had, and resets everything else.

use crate::message::ReqId;
use crate::network::{NodeId, SessionId};
use crate::policy::WaitFor;
use crate::store::{Store, Version};
use crate::wal::{Epoch, Lsn, Wal};
use alloc::collections::VecDeque;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

use super::Role;

/// What survives a crash.
#[derive(Clone, Debug)]
pub(crate) struct Durable {
    /// Highest epoch this node knows of.
    pub epoch: Epoch,
    /// The leader this node follows (or itself when leading).
    pub leader: Option<NodeId>,
    /// The log.
    pub wal: Wal,
    /// Key → the version readers see; a deleted key keeps its version
    /// with value `None`.
    pub kv: Store,
    /// How to undo the most recent replayed entries (for a rewind).
    pub undo: VecDeque<Undo>,
    /// Bumped whenever the log is truncated, so that disk completions for
    /// entries that no longer exist are recognised.
    pub gen: u32,
    /// Candidate this node voted for in its current epoch.
    pub voted_for: Option<NodeId>,
}

/// Volatile state every role has.
#[derive(Clone, Debug, Default)]
pub(crate) struct Shared {
    /// A disk write is outstanding.
    pub writing: bool,
    /// An fsync is outstanding.
    pub flushing: bool,
    /// A replay is outstanding.
    pub applying: bool,
    /// Reads waiting until this node has replayed a position.
    pub parked: Vec<ParkedRead>,
}

/// What only the current role has.
#[derive(Clone, Debug)]
pub(crate) enum RoleState {
    Leader(LeaderState),
    Follower(FollowerState),
    Candidate(CandidateState),
}

impl RoleState {
    pub fn role(&self) -> Role {
        match self {
            RoleState::Leader(_) => Role::Leader,
            RoleState::Follower(_) => Role::Follower,
            RoleState::Candidate(_) => Role::Candidate,
        }
    }

    /// A follower's or candidate's stream and detector state.
    pub fn follower(&self) -> Option<&FollowerState> {
        match self {
            RoleState::Follower(f) => Some(f),
            RoleState::Candidate(c) => Some(&c.follower),
            RoleState::Leader(_) => None,
        }
    }

    pub fn follower_mut(&mut self) -> Option<&mut FollowerState> {
        match self {
            RoleState::Follower(f) => Some(f),
            RoleState::Candidate(c) => Some(&mut c.follower),
            RoleState::Leader(_) => None,
        }
    }

    pub fn leader(&self) -> Option<&LeaderState> {
        match self {
            RoleState::Leader(l) => Some(l),
            _ => None,
        }
    }

    pub fn leader_mut(&mut self) -> Option<&mut LeaderState> {
        match self {
            RoleState::Leader(l) => Some(l),
            _ => None,
        }
    }

    /// What a crash forgets of the role: everything but which role it was
    /// (a primary restarts as a primary). A copy in progress is lost with
    /// the process.
    pub fn crash(&mut self, nodes: u8) {
        *self = match self {
            RoleState::Leader(_) => RoleState::Leader(LeaderState::new(nodes)),
            RoleState::Follower(_) => RoleState::Follower(FollowerState::default()),
            RoleState::Candidate(_) => RoleState::Candidate(CandidateState {
                follower: FollowerState::default(),
                votes: 0,
                awaiting_stonith: false,
                deposed: None,
                campaign_started_us: 0,
            }),
        };
    }
}

/// What the leader tracks per follower.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Peer {
    /// Last reported written position.
    pub written: Lsn,
    /// Last reported flushed position.
    pub flushed: Lsn,
    /// Last reported applied position.
    pub applied: Lsn,
    /// Highest LSN sent on the stream.
    pub sent: Lsn,
    /// Connection state.
    pub state: PeerState,
    /// When the leader last heard from it.
    pub last_heard_us: u64,
    /// The leader's clock reading when it sent the latest heartbeat this
    /// follower has confirmed hearing: since then the follower refuses to
    /// help elect anyone else for a failure timeout (the lease's basis).
    pub heard_since_us: u64,
}

/// A follower's connection as the leader sees it (`pg_stat_replication.state`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeerState {
    /// Not connected.
    Disconnected,
    /// Connected, behind: not yet eligible as a synchronous standby.
    Catchup,
    /// Connected and caught up once: eligible.
    Streaming,
    /// Needs entries the leader no longer retains: must be re-cloned.
    NeedsReclone,
}

impl Peer {
    pub(crate) const NEW: Peer = Peer {
        written: 0,
        flushed: 0,
        applied: 0,
        sent: 0,
        state: PeerState::Disconnected,
        last_heard_us: 0,
        heard_since_us: 0,
    };
}

/// A write waiting for the commit policy.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Pending {
    pub lsn: Lsn,
    pub req: ReqId,
    pub client: SessionId,
    /// What this write waits for (its session's `synchronous_commit`).
    pub wait: WaitFor,
    pub deadline_us: u64,
    /// Its client has been answered (it may still wait for the commit
    /// point to pass it).
    pub answered: bool,
    /// Its client cancelled the wait: answer as soon as it is flushed
    /// locally.
    pub cancelled: bool,
}

/// A read waiting until this node has replayed `min_lsn`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ParkedRead {
    pub req: ReqId,
    pub client: SessionId,
    pub key: u32,
    pub min_lsn: Lsn,
}

/// How to undo one replayed entry.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Undo {
    pub lsn: Lsn,
    pub key: u32,
    pub before: Version,
}

/// Leader-only state.
#[derive(Clone, Debug)]
pub(crate) struct LeaderState {
    /// Per-follower state, indexed by node id.
    pub peers: Vec<Peer>,
    /// Highest LSN committed under the policy.
    pub commit_lsn: Lsn,
    /// Semi-sync has fallen back to asynchronous.
    pub degraded: bool,
    /// Writes waiting for the quorum, oldest first.
    pub pending: VecDeque<Pending>,
    /// The commit-deadline timer set last, if it has not fired.
    pub deadline_armed_us: Option<u64>,
    /// The lease is valid until this local time.
    pub lease_until_us: u64,
    /// Bit `p`: standby `p` may count as synchronous. A manager in
    /// synchronous mode sets it to the standbys its store records, so that
    /// every acknowledged write is on a node the manager may promote;
    /// otherwise every standby may.
    pub sync_allowed: u64,
    /// Its expiry has been noted (until it is renewed again).
    pub lease_expiry_noted: bool,
}

impl LeaderState {
    pub fn new(nodes: u8) -> Self {
        LeaderState {
            peers: alloc::vec![Peer::NEW; nodes as usize],
            commit_lsn: 0,
            degraded: false,
            pending: VecDeque::new(),
            deadline_armed_us: None,
            lease_until_us: 0,
            lease_expiry_noted: false,
            sync_allowed: u64::MAX,
        }
    }
}

/// Follower-only state (a candidate keeps it while campaigning).
#[derive(Clone, Debug, Default)]
pub(crate) struct FollowerState {
    /// Last positions reported, to report only on change.
    pub reported: (Lsn, Lsn, Lsn),
    /// LSN after which a resend was already requested.
    pub resend_asked: Option<Lsn>,
    /// A WAL record arrived since the last status tick.
    pub heard_wal: bool,
    /// Asked the leader where our epoch ends and waiting for the answer; no
    /// status is reported meanwhile, so the leader cannot take a divergent
    /// log for a caught-up one.
    pub rejoining: bool,
    /// Serving no reads (being re-cloned).
    pub recloning: bool,
    /// Last time this node heard from its leader.
    pub last_heard_leader_us: u64,
    /// Last time this node asked for or granted a vote: the detector waits
    /// a full timeout after that before trying again, without pretending
    /// it heard a leader.
    pub last_attempt_us: u64,
    /// Pre-votes collected for the epoch after the current one (0: not
    /// asking).
    pub pre_votes: u8,
    /// The leader-clock time of the latest heartbeat heard from the leader
    /// followed now (echoed in status reports).
    pub heartbeat_sent_us: u64,
}

/// Candidate-only state.
#[derive(Clone, Debug)]
pub(crate) struct CandidateState {
    /// What it had as a follower, kept while campaigning.
    pub follower: FollowerState,
    /// Votes collected.
    pub votes: u8,
    /// Won the vote, waiting for STONITH to confirm.
    pub awaiting_stonith: bool,
    /// The leader it followed when it started campaigning: the one STONITH
    /// must power off.
    pub deposed: Option<NodeId>,
    /// When it asked for votes (its own clock): a lease it wins counts from
    /// then, since no voter helps elect anyone else for a timeout after
    /// granting its vote.
    pub campaign_started_us: u64,
}
