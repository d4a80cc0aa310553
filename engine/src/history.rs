//! The client-visible history of a run: one record per operation.
//!
//! A consistency checker (and external tools reading the Jepsen-style
//! export) reason only about what clients saw: when an operation was
//! invoked and completed, by which session, on which node, and what it
//! wrote or read. Keeping the history is optional, because a long run at
//! thousands of operations per second would otherwise grow without bound.

use crate::message::{ReadError, WriteError};
use crate::network::{NodeId, SessionId};
use crate::wal::{Epoch, Lsn};
use serde::{Deserialize, Serialize};

/// What a client operation did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpKind {
    /// A write of `value` to the key.
    Write,
    /// A read of the key.
    Read,
}

/// How a client operation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// Acknowledged (write) or answered (read).
    Ok,
    /// A write that failed; it may still have been applied (`info` in
    /// Jepsen terms) when `lsn` is non-zero or the error is a time-out.
    WriteFailed { error: WriteError },
    /// A read that failed.
    ReadFailed { error: ReadError },
    /// A write whose session cancelled the wait for the synchronous
    /// standbys: committed on the leader, not replicated, and reported to
    /// the client as success with a warning (PostgreSQL's "canceling wait
    /// for synchronous replication"). The client was told it succeeded.
    CommittedUnreplicated,
}

/// One completed client operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OpRecord {
    /// Unique id (the request id).
    pub id: u64,
    /// Issuing session.
    pub session: SessionId,
    /// Read or write.
    pub kind: OpKind,
    /// Key touched.
    pub key: u32,
    /// Value written, or value read (`None`: key absent).
    pub value: Option<u64>,
    /// Node that answered (the last one asked).
    pub node: NodeId,
    /// Invocation time.
    pub invoke_us: u64,
    /// Completion time.
    pub complete_us: u64,
    /// Result.
    pub outcome: Outcome,
    /// Write: its LSN. Read: the LSN of the version returned.
    pub lsn: Lsn,
    /// Write: the epoch it was acknowledged in. Read: the epoch of the
    /// version returned.
    pub epoch: Epoch,
    /// Read: how far the serving node had applied.
    pub applied_lsn: Lsn,
}

impl OpRecord {
    /// Completion minus invocation.
    pub fn latency_us(&self) -> u64 {
        self.complete_us.saturating_sub(self.invoke_us)
    }

    /// Whether it succeeded.
    pub fn ok(&self) -> bool {
        self.outcome == Outcome::Ok
    }

    /// Whether its client was told it succeeded: answered, or (a write)
    /// committed unreplicated after a cancel.
    pub fn acknowledged(&self) -> bool {
        matches!(self.outcome, Outcome::Ok | Outcome::CommittedUnreplicated)
    }
}
