//! Messages that travel over the simulated network.
//!
//! One enum covers the client protocol (write and read requests and their
//! replies), the replication stream (WAL records and follower status
//! reports) and the failover protocol (heartbeats, votes). Messages are small
//! `Copy` values so sending one never allocates; the UI colours them by
//! [`MsgKind`].

use crate::policy::WaitFor;
use crate::wal::{Entry, Epoch, Lsn, Op};
use serde::{Deserialize, Serialize};

/// Client request identifier, unique per run.
pub type ReqId = u64;

/// Why a write was not acknowledged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WriteError {
    /// The node is not the leader (it names the leader it knows, if any).
    NotLeader,
    /// Refused up front: too few in-sync followers (Kafka
    /// `NotEnoughReplicas`, Redis `-NOREPLICAS`). Nothing was written.
    NotEnoughReplicas,
    /// The quorum did not answer in time (MongoDB `wtimeout`, Redis `WAIT`):
    /// the write stays on the leader but the client is told it failed.
    QuorumTimeout,
    /// The leader refused because a newer epoch exists or its lease ran out.
    Fenced,
    /// The client gave up waiting for any answer.
    ClientTimeout,
}

/// Why a read was not served.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadError {
    /// The node had not applied the session's position in time.
    NotCaughtUp,
    /// The node serves no reads now (being re-cloned, or not ready).
    Unavailable,
    /// The client gave up waiting for any answer.
    ClientTimeout,
}

/// A message between two endpoints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Msg {
    /// Client → leader: perform `op`. `epoch` is the newest epoch the
    /// client knows of (the fencing token); `wait` is the session's own
    /// `synchronous_commit`, if it overrides the cluster's.
    WriteReq {
        req: ReqId,
        op: Op,
        epoch: Epoch,
        wait: Option<WaitFor>,
    },
    /// Client → leader: stop waiting for write `req` (a query cancel).
    Cancel { req: ReqId },
    /// Client → node: read `key`. The node must have applied `min_lsn`
    /// first, waiting at most `wait_us` for it (0: answer at once).
    ReadReq {
        req: ReqId,
        key: u32,
        min_lsn: Lsn,
        wait_us: u64,
    },
    /// Leader → client: the write is committed under the policy.
    WriteOk { req: ReqId, lsn: Lsn, epoch: Epoch },
    /// Leader → client: the write `req` was cancelled while it waited for
    /// standbys; it is committed on the leader only (PostgreSQL answers
    /// success with the warning "canceling wait for synchronous
    /// replication").
    WriteUnreplicated { req: ReqId, lsn: Lsn, epoch: Epoch },
    /// Node → client: the write failed; `lsn` is set when it was written
    /// locally all the same (a quorum time-out leaves the write in place).
    WriteErr {
        req: ReqId,
        error: WriteError,
        lsn: Lsn,
    },
    /// Node → client: the value (or absence) of `key`, the LSN that wrote
    /// that version, and how far the node has applied.
    ReadOk {
        req: ReqId,
        key: u32,
        value: Option<u64>,
        version_lsn: Lsn,
        version_epoch: Epoch,
        applied_lsn: Lsn,
    },
    /// Node → client: the read was not served.
    ReadErr { req: ReqId, error: ReadError },
    /// Leader → follower: one WAL record; `prev_epoch` is the epoch of the
    /// record before it, so the follower can tell whether its log agrees.
    Wal {
        entry: Entry,
        prev_epoch: Epoch,
        leader_epoch: Epoch,
    },
    /// Follower → leader: how far it has written, flushed and applied.
    /// `resend` asks the leader to resume streaming from `written + 1`
    /// (after a gap or a reconnect).
    /// `heard_us` echoes the `sent_us` of the latest heartbeat it has from
    /// this leader: the leader's proof of when the follower last heard it.
    Status {
        written: Lsn,
        flushed: Lsn,
        applied: Lsn,
        epoch: Epoch,
        resend: bool,
        heard_us: u64,
    },
    /// Leader → followers: "I am alive and lead `epoch`", sent at `sent_us`
    /// by the leader's own clock.
    Heartbeat {
        epoch: Epoch,
        lsn: Lsn,
        sent_us: u64,
    },
    /// Candidate → peers: vote for me as leader of `epoch`; my log ends at
    /// `last_lsn` written in `last_epoch`. With `pre`, only ask whether the
    /// peer *would* vote (Raft's pre-vote), changing nothing yet, so a node
    /// cut off from the leader cannot inflate epochs and depose it on
    /// return.
    VoteReq {
        epoch: Epoch,
        last_epoch: Epoch,
        last_lsn: Lsn,
        priority: u8,
        pre: bool,
    },
    /// Peer → candidate: the (pre-)vote for `epoch`.
    Vote {
        epoch: Epoch,
        granted: bool,
        pre: bool,
    },
    /// A process crash closes its connections: peers learn at once.
    Disconnect,
    /// Rejoining node → leader: where does epoch `epoch` end in your log?
    EpochEndReq { epoch: Epoch },
    /// Leader → rejoining node: my log holds epoch `epoch` (or the
    /// nearest older one, `held`) up to `end_lsn`; anything of yours after
    /// it, or of an epoch newer than `held`, diverges (Kafka's
    /// OffsetsForLeaderEpoch, pg_rewind's timeline check).
    EpochEnd {
        epoch: Epoch,
        end_lsn: Lsn,
        held: Epoch,
    },
}

/// The kind of a message, as the UI colours it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MsgKind {
    /// A client's write request.
    Write,
    /// A WAL record on the replication stream.
    WalRecord,
    /// A follower's status report (its acknowledgement).
    Ack,
    /// The reply to a write.
    WriteReply,
    /// A read request.
    Read,
    /// The reply to a read.
    ReadReply,
    /// Liveness.
    Heartbeat,
    /// Election traffic.
    Vote,
    /// Failover manager orders and connection closes.
    Control,
}

impl Msg {
    /// The kind of this message.
    pub fn kind(&self) -> MsgKind {
        match self {
            Msg::WriteReq { .. } | Msg::Cancel { .. } => MsgKind::Write,
            Msg::ReadReq { .. } => MsgKind::Read,
            Msg::WriteOk { .. } | Msg::WriteErr { .. } | Msg::WriteUnreplicated { .. } => {
                MsgKind::WriteReply
            }
            Msg::ReadOk { .. } | Msg::ReadErr { .. } => MsgKind::ReadReply,
            Msg::Wal { .. } => MsgKind::WalRecord,
            Msg::Status { .. } => MsgKind::Ack,
            Msg::Heartbeat { .. } => MsgKind::Heartbeat,
            Msg::VoteReq { .. } | Msg::Vote { .. } => MsgKind::Vote,
            Msg::EpochEndReq { .. } | Msg::EpochEnd { .. } => MsgKind::Ack,
            Msg::Disconnect => MsgKind::Control,
        }
    }

    /// The client request this message carries or answers, if any.
    pub fn req(&self) -> Option<ReqId> {
        match *self {
            Msg::WriteReq { req, .. }
            | Msg::ReadReq { req, .. }
            | Msg::WriteOk { req, .. }
            | Msg::WriteUnreplicated { req, .. }
            | Msg::Cancel { req }
            | Msg::WriteErr { req, .. }
            | Msg::ReadOk { req, .. }
            | Msg::ReadErr { req, .. } => Some(req),
            _ => None,
        }
    }
}
