//! A database node: the sans-IO state machine that plays leader or follower.
//!
//! A node never reads a clock, draws a random number or touches a disk or
//! socket. The simulation feeds it inputs (a message arrived, a disk write
//! finished, a timer fired) with the current time, and the node answers by
//! pushing [`Effect`]s: messages to send, disk work to start, timers to set.
//! The simulation decides when those effects complete.
//!
//! ```text
//!  sim ──on_message / on_disk_* / on_applied / on_timer──▶ Node
//!  sim ◀──────────── Effect::{Send, DiskWrite, DiskFlush, Apply, Timer, Note}
//! ```
//!
//! Leader write path: append to the WAL → write → fsync → ship the record to
//! every follower (as PostgreSQL's walsender ships flushed WAL) → wait for
//! the commit policy's quorum → reply to the client. Follower path: receive
//! a record → write → fsync → apply, reporting written / flushed / applied
//! positions to the leader after each step and on a status interval.

use crate::failover::FailoverState;
use crate::message::{Msg, ReadError, ReqId, WriteError};
use crate::network::{Addr, NodeId, SessionId};
use crate::policy::{AckPoint, CommitPolicy, FollowerAck, OnUnmet, Visibility};
use crate::scenario::Fencing;
use crate::store::Store;
use crate::wal::{Entry, Epoch, Lsn, Op, Wal};
use alloc::collections::VecDeque;
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

/// A full copy of a leader's data at one LSN, for re-cloning a follower
/// (what `pg_basebackup` or a Redis full resync transfers).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    kv: Store,
    lsn: Lsn,
    epoch: Epoch,
    history: Vec<(Epoch, Lsn)>,
    leader_epoch: Epoch,
}

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

/// What a node asks the simulation to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Send a message.
    Send { to: Addr, msg: Msg },
    /// Write the log up to `upto` to the OS; answer with `on_disk_written`.
    DiskWrite { upto: Lsn, gen: u32 },
    /// Fsync the log up to `upto`; answer with `on_disk_flushed`.
    DiskFlush { upto: Lsn, gen: u32 },
    /// Replay entry `lsn`, not before `not_before_us`; answer with
    /// `on_applied`.
    Apply {
        lsn: Lsn,
        not_before_us: u64,
        gen: u32,
    },
    /// Call `on_timer` after `after_us`.
    Timer { after_us: u64, timer: Timer },
    /// Call `on_timer` after `after_us` plus a random share of
    /// `jitter_us` drawn by the simulation (randomised election timeouts).
    JitteredTimer {
        after_us: u64,
        jitter_us: u64,
        timer: Timer,
    },
    /// Power off `target` before taking over (STONITH); the simulation
    /// answers with `on_stonith`.
    Stonith { target: NodeId },
    /// Record something that happened.
    Note(Note),
}

/// Static settings of a node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeConfig {
    /// This node.
    pub id: NodeId,
    /// Number of nodes in the cluster.
    pub nodes: u8,
    /// Commit policy used while leading.
    pub policy: CommitPolicy,
    /// Entries of WAL retained (`wal_keep_size`, Redis backlog).
    pub wal_keep_entries: u64,
    /// Most entries sent but not yet acknowledged per follower.
    pub max_in_flight_entries: u64,
    /// Follower status report period (`wal_receiver_status_interval`).
    pub status_interval_us: u64,
    /// Leader drops a silent follower after this (`wal_sender_timeout`).
    pub sender_timeout_us: u64,
    /// Delay before a record may be replayed (`recovery_min_apply_delay`).
    pub apply_delay_us: u64,
    /// Leader heartbeat period (0: no heartbeats).
    pub heartbeat_interval_us: u64,
    /// How a deposed leader is kept from accepting writes.
    pub fencing: Fencing,
    /// A restarted leader comes back as a follower and waits to be told
    /// who leads (election or manager); otherwise it resumes leading
    /// (plain PostgreSQL restarts a primary as a primary).
    pub restart_as_follower: bool,
    /// Clock rate error, parts per million; only leases read the clock.
    pub clock_drift_ppm: i32,
}

/// How often a leader looks for followers silent past the sender
/// timeout: often enough that a drop happens within about 2 % of it.
fn sender_check_period(timeout_us: u64) -> u64 {
    (timeout_us / 60).max(1_000)
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
    const NEW: Peer = Peer {
        written: 0,
        flushed: 0,
        applied: 0,
        sent: 0,
        state: PeerState::Disconnected,
        last_heard_us: 0,
    };
}

#[derive(Clone, Copy, Debug)]
struct Pending {
    lsn: Lsn,
    req: ReqId,
    client: SessionId,
    deadline_us: u64,
    answered: bool,
}

#[derive(Clone, Copy, Debug)]
struct ParkedRead {
    req: ReqId,
    client: SessionId,
    key: u32,
    min_lsn: Lsn,
}

#[derive(Clone, Copy, Debug)]
struct Undo {
    lsn: Lsn,
    key: u32,
    before: Version,
}

/// One database node.
#[derive(Clone, Debug)]
pub struct Node {
    /// Settings.
    pub cfg: NodeConfig,
    /// Current role.
    pub role: Role,
    /// Highest epoch this node knows of.
    pub epoch: Epoch,
    /// The leader this node follows (or itself when leading).
    pub leader: Option<NodeId>,
    /// The log.
    pub wal: Wal,
    /// Key → the version readers see; a deleted key keeps its version
    /// with value `None`.
    kv: Store,
    undo: VecDeque<Undo>,
    /// Bumped whenever the log is truncated, so that disk completions for
    /// entries that no longer exist are recognised.
    gen: u32,
    writing: bool,
    flushing: bool,
    applying: bool,
    /// Leader: per-follower state, indexed by node id.
    pub peers: Vec<Peer>,
    /// Leader: highest LSN committed under the policy.
    pub commit_lsn: Lsn,
    /// Leader: semi-sync has fallen back to asynchronous.
    pub degraded: bool,
    pending: VecDeque<Pending>,
    deadline_armed_us: Option<u64>,
    parked: Vec<ParkedRead>,
    /// Follower: last positions reported, to report only on change.
    reported: (Lsn, Lsn, Lsn),
    /// Follower: LSN after which a resend was already requested.
    resend_asked: Option<Lsn>,
    /// Failure detection and election state.
    pub failover: FailoverState,
    /// Serving no reads (being re-cloned).
    pub recloning: bool,
    /// Follower: a WAL record arrived since the last status tick.
    heard_wal: bool,
    /// A status-report timer is pending (at most one runs).
    status_ticking: bool,
    /// A failure-detector timer is pending (at most one runs).
    pub(crate) election_ticking: bool,
    /// A sender-timeout check is pending.
    sender_ticking: bool,
    /// A heartbeat timer is pending.
    pub(crate) heartbeat_ticking: bool,
    /// Follower: asked the leader where our epoch ends and waiting for the
    /// answer; no status is reported meanwhile, so the leader cannot take a
    /// divergent log for a caught-up one.
    rejoining: bool,
}

impl Node {
    /// A node that starts as `role` in epoch 1, following `leader`.
    pub fn new(cfg: NodeConfig, role: Role, leader: NodeId) -> Self {
        let nodes = cfg.nodes as usize;
        let keep = cfg.wal_keep_entries;
        Node {
            cfg,
            role,
            epoch: 1,
            leader: Some(leader),
            wal: Wal::new(keep),
            kv: Store::default(),
            undo: VecDeque::new(),
            gen: 0,
            writing: false,
            flushing: false,
            applying: false,
            peers: alloc::vec![Peer::NEW; nodes],
            commit_lsn: 0,
            degraded: false,
            pending: VecDeque::new(),
            deadline_armed_us: None,
            parked: Vec::new(),
            reported: (0, 0, 0),
            resend_asked: None,
            failover: FailoverState::default(),
            recloning: false,
            heard_wal: false,
            status_ticking: false,
            election_ticking: false,
            sender_ticking: false,
            heartbeat_ticking: false,
            rejoining: false,
        }
    }

    /// The id of this node.
    pub fn id(&self) -> NodeId {
        self.cfg.id
    }

    /// Value and version of `key` as this node's readers see it.
    pub fn read(&self, key: u32) -> Version {
        self.kv.get(key)
    }

    /// Number of writes waiting for the quorum.
    pub fn pending_writes(&self) -> u32 {
        self.pending.iter().filter(|p| !p.answered).count() as u32
    }

    /// The leader's view of its followers, as the commit policy needs it.
    pub fn follower_acks(&self, now_us: u64) -> Vec<FollowerAck> {
        self.peers
            .iter()
            .enumerate()
            .filter(|(i, _)| *i as NodeId != self.id())
            .map(|(i, p)| FollowerAck {
                node: i as NodeId,
                eligible: p.state == PeerState::Streaming
                    && now_us.saturating_sub(p.last_heard_us) <= self.cfg.sender_timeout_us,
                written: p.written,
                flushed: p.flushed,
                applied: p.applied,
            })
            .collect()
    }

    // ------------------------------------------------------------------
    // Start, crash and restart
    // ------------------------------------------------------------------

    /// Called once when the node (re)starts. `restarted` is false only at
    /// the very beginning of a run.
    pub fn on_start(&mut self, now_us: u64, restarted: bool, out: &mut Vec<Effect>) {
        if restarted && self.cfg.restart_as_follower && self.role != Role::Follower {
            // Wait to be told who leads (heartbeat, vote or manager).
            self.role = Role::Follower;
            self.leader = None;
            out.push(Effect::Note(Note::RoleChanged {
                role: Role::Follower,
                epoch: self.epoch,
            }));
        }
        if restarted && self.role == Role::Leader {
            self.failover.became_leader(self.local_us(now_us));
        }
        match self.role {
            Role::Leader => {
                self.commit_lsn = self.commit_lsn.max(self.wal.flushed);
                self.arm_leader_timers(out);
            }
            Role::Follower | Role::Candidate => {
                self.failover.last_heard_leader_us = now_us;
                self.start_rejoin(out);
                self.arm_follower_timers(out);
            }
        }
        if self.wal.written > self.wal.flushed {
            self.flushing = true;
            out.push(Effect::DiskFlush {
                upto: self.wal.written,
                gen: self.gen,
            });
        }
        if self.wal.last_lsn() > self.wal.written {
            self.writing = true;
            out.push(Effect::DiskWrite {
                upto: self.wal.last_lsn(),
                gen: self.gen,
            });
        }
        self.maybe_apply(out);
    }

    /// Loses everything volatile. A power loss also loses WAL that was
    /// written but not fsynced; a process crash keeps it (the OS has it).
    pub fn crash(&mut self, power_loss: bool) {
        let keep = if power_loss {
            self.wal.flushed
        } else {
            self.wal.written
        };
        if self.wal.last_lsn() > keep {
            self.wal.truncate_after(keep);
            self.gen += 1;
        }
        self.writing = false;
        self.flushing = false;
        self.applying = false;
        self.pending.clear();
        self.deadline_armed_us = None;
        self.parked.clear();
        self.reported = (0, 0, 0);
        self.resend_asked = None;
        for p in &mut self.peers {
            *p = Peer::NEW;
        }
        self.degraded = false;
        self.status_ticking = false;
        self.election_ticking = false;
        self.sender_ticking = false;
        self.heartbeat_ticking = false;
        self.rejoining = false;
        self.failover.reset_volatile();
    }

    fn arm(&self, out: &mut Vec<Effect>, after_us: u64, timer: Timer) {
        out.push(Effect::Timer { after_us, timer });
    }

    /// This node's clock reading at true time `now_us` (leases only).
    pub fn local_us(&self, now_us: u64) -> u64 {
        let drift = (now_us as i128 * self.cfg.clock_drift_ppm as i128) / 1_000_000;
        (now_us as i128 + drift).max(0) as u64
    }

    /// Whether this leader currently refuses writes for want of a lease.
    pub fn lease_expired(&self, now_us: u64) -> bool {
        self.cfg.fencing == Fencing::Lease && self.failover.lease_expired(self.local_us(now_us))
    }

    fn refuse(&self, out: &mut Vec<Effect>, to: Addr, req: ReqId, error: WriteError) {
        out.push(Effect::Send {
            to,
            msg: Msg::WriteErr { req, error, lsn: 0 },
        });
    }

    // ------------------------------------------------------------------
    // Messages
    // ------------------------------------------------------------------

    /// A message arrived.
    pub fn on_message(&mut self, now_us: u64, from: Addr, msg: Msg, out: &mut Vec<Effect>) {
        match (msg, from) {
            (Msg::WriteReq { req, op, epoch }, Addr::Client(c)) => {
                self.on_write(now_us, c, req, op, epoch, out)
            }
            (Msg::EpochEndReq { epoch }, Addr::Node(f)) if self.role == Role::Leader => {
                out.push(Effect::Send {
                    to: Addr::Node(f),
                    msg: Msg::EpochEnd {
                        epoch,
                        end_lsn: self.wal.epoch_end(epoch),
                    },
                });
            }
            (Msg::EpochEnd { epoch, end_lsn }, Addr::Node(l)) => {
                self.on_epoch_end(l, epoch, end_lsn, out)
            }
            (
                Msg::ReadReq {
                    req,
                    key,
                    min_lsn,
                    wait_us,
                },
                Addr::Client(c),
            ) => self.on_read(c, req, key, min_lsn, wait_us, out),
            (
                Msg::Wal {
                    entry,
                    prev_epoch,
                    leader_epoch,
                },
                Addr::Node(l),
            ) => self.on_wal(now_us, l, entry, prev_epoch, leader_epoch, out),
            (
                Msg::Status {
                    written,
                    flushed,
                    applied,
                    epoch,
                    resend,
                },
                Addr::Node(f),
            ) => self.on_status(now_us, f, (written, flushed, applied), epoch, resend, out),
            (Msg::Disconnect, Addr::Node(f)) => self.on_disconnect(now_us, f, out),
            (Msg::Heartbeat { epoch, lsn }, Addr::Node(l)) => {
                self.on_heartbeat(now_us, l, epoch, lsn, out)
            }
            (m @ (Msg::VoteReq { .. } | Msg::Vote { .. }), Addr::Node(f)) => {
                self.on_failover_message(now_us, f, m, out)
            }
            _ => {}
        }
    }

    fn on_write(
        &mut self,
        now_us: u64,
        client: SessionId,
        req: ReqId,
        op: Op,
        client_epoch: Epoch,
        out: &mut Vec<Effect>,
    ) {
        let to = Addr::Client(client);
        if self.role != Role::Leader {
            self.refuse(out, to, req, WriteError::NotLeader);
            return;
        }
        if self.cfg.fencing == Fencing::Epoch && client_epoch > self.epoch {
            // The client has seen a newer leader: this one is deposed.
            out.push(Effect::Note(Note::RefusedStaleEpoch {
                from_epoch: self.epoch,
            }));
            self.refuse(out, to, req, WriteError::Fenced);
            self.step_down(now_us, client_epoch, None, out);
            return;
        }
        if self.lease_expired(now_us) {
            self.refuse(out, to, req, WriteError::Fenced);
            return;
        }
        if let Some(min) = self.cfg.policy.min_in_sync {
            let in_sync = self
                .peers
                .iter()
                .enumerate()
                .filter(|(i, p)| {
                    *i as NodeId != self.id()
                        && matches!(p.state, PeerState::Streaming | PeerState::Catchup)
                        && now_us.saturating_sub(p.last_heard_us) <= min.max_lag_us
                })
                .count();
            if in_sync < min.replicas as usize {
                out.push(Effect::Note(Note::RefusedWrite));
                out.push(Effect::Send {
                    to,
                    msg: Msg::WriteErr {
                        req,
                        error: WriteError::NotEnoughReplicas,
                        lsn: 0,
                    },
                });
                return;
            }
        }
        let lsn = self.wal.last_lsn() + 1;
        self.wal.append(Entry {
            lsn,
            epoch: self.epoch,
            op,
            written_at_us: now_us,
        });
        let timeout = match self.cfg.policy.on_unmet {
            OnUnmet::Block => u64::MAX,
            OnUnmet::Error { after_us } | OnUnmet::Degrade { after_us } => now_us + after_us,
        };
        self.pending.push_back(Pending {
            lsn,
            req,
            client,
            deadline_us: timeout,
            answered: false,
        });
        if !self.writing {
            self.writing = true;
            out.push(Effect::DiskWrite {
                upto: lsn,
                gen: self.gen,
            });
        }
    }

    fn on_read(
        &mut self,
        client: SessionId,
        req: ReqId,
        key: u32,
        min_lsn: Lsn,
        wait_us: u64,
        out: &mut Vec<Effect>,
    ) {
        if self.recloning {
            out.push(Effect::Send {
                to: Addr::Client(client),
                msg: Msg::ReadErr {
                    req,
                    error: ReadError::Unavailable,
                },
            });
            return;
        }
        if self.wal.applied >= min_lsn {
            self.answer_read(client, req, key, out);
        } else if wait_us == 0 {
            out.push(Effect::Send {
                to: Addr::Client(client),
                msg: Msg::ReadErr {
                    req,
                    error: ReadError::NotCaughtUp,
                },
            });
        } else {
            self.parked.push(ParkedRead {
                req,
                client,
                key,
                min_lsn,
            });
            self.arm(out, wait_us, Timer::ReadWait { req });
        }
    }

    fn answer_read(&self, client: SessionId, req: ReqId, key: u32, out: &mut Vec<Effect>) {
        let v = self.read(key);
        out.push(Effect::Send {
            to: Addr::Client(client),
            msg: Msg::ReadOk {
                req,
                key,
                value: v.value,
                version_lsn: v.lsn,
                version_epoch: v.epoch,
                applied_lsn: self.wal.applied,
            },
        });
    }

    fn on_wal(
        &mut self,
        now_us: u64,
        leader: NodeId,
        entry: Entry,
        prev_epoch: Epoch,
        leader_epoch: Epoch,
        out: &mut Vec<Effect>,
    ) {
        if leader_epoch < self.epoch {
            // A deposed leader is still streaming. With epoch fencing we
            // refuse and tell it about the newer epoch so it steps down;
            // otherwise we just do not follow it.
            if self.cfg.fencing == Fencing::Epoch {
                out.push(Effect::Note(Note::RefusedStaleEpoch {
                    from_epoch: leader_epoch,
                }));
                self.send_status_to(leader, out, false);
            }
            return;
        }
        if self.role == Role::Follower
            && self.leader.is_some_and(|l| l != leader)
            && leader_epoch == self.epoch
        {
            return; // not the node we follow
        }
        if leader_epoch > self.epoch || self.role != Role::Follower {
            self.adopt_leader(now_us, leader, leader_epoch, out);
            return; // resume after the rejoin handshake
        }
        self.leader = Some(leader);
        self.failover.last_heard_leader_us = now_us;
        self.heard_wal = true;
        if self.recloning {
            return;
        }
        let lsn = entry.lsn;
        let last = self.wal.last_lsn();
        if lsn <= last {
            if self.wal.epoch_at(lsn) == Some(entry.epoch) {
                return; // duplicate after a resend
            }
            // Our suffix from `lsn` on was written by a deposed leader.
            self.roll_back_after(lsn - 1, out);
        } else if lsn > last + 1 {
            if self.resend_asked != Some(last) {
                self.resend_asked = Some(last);
                self.send_status_to(leader, out, true);
            }
            return;
        }
        if self.wal.epoch_at(lsn - 1) != Some(prev_epoch) {
            // The entry before also diverges: step back one and ask again.
            let back = lsn.saturating_sub(2);
            self.roll_back_after(back, out);
            self.resend_asked = Some(back);
            self.send_status_to(leader, out, true);
            return;
        }
        self.resend_asked = None;
        self.wal.append(entry);
        if !self.writing {
            self.writing = true;
            out.push(Effect::DiskWrite {
                upto: lsn,
                gen: self.gen,
            });
        }
    }

    /// Removes the log after `lsn`, undoing applied changes, and reports
    /// each removed entry.
    fn roll_back_after(&mut self, lsn: Lsn, out: &mut Vec<Effect>) {
        // The suffix to remove must still be in memory (log and undo
        // information); otherwise, like pg_rewind without the WAL it
        // needs, the node can only be re-cloned.
        let log_reaches = lsn + 1 >= self.wal.first_retained_lsn();
        let undo_reaches =
            self.wal.applied <= lsn || self.undo.front().is_some_and(|u| u.lsn <= lsn + 1);
        if !log_reaches || !undo_reaches {
            if !self.recloning {
                self.recloning = true;
                self.rejoining = false;
                out.push(Effect::Note(Note::RewindImpossible { to_lsn: lsn }));
            }
            return;
        }
        while let Some(u) = self.undo.back().copied() {
            if u.lsn <= lsn {
                break;
            }
            self.undo.pop_back();
            self.kv.set(u.key, u.before);
        }
        for entry in self.wal.truncate_after(lsn) {
            out.push(Effect::Note(Note::RolledBack { entry }));
        }
        self.gen += 1;
        self.writing = false;
        self.flushing = false;
        self.applying = false;
        self.commit_lsn = self.commit_lsn.min(lsn);
    }

    fn on_status(
        &mut self,
        now_us: u64,
        f: NodeId,
        pos: (Lsn, Lsn, Lsn),
        epoch: Epoch,
        resend: bool,
        out: &mut Vec<Effect>,
    ) {
        if epoch > self.epoch {
            // A follower knows of a newer epoch. With epoch fencing a
            // deposed leader steps down at once.
            // Under elections a leader that hears of a newer epoch steps
            // down too (Raft), so an election can settle who leads.
            if (self.cfg.fencing == Fencing::Epoch || self.failover.detector_enabled)
                && self.role == Role::Leader
            {
                self.step_down(now_us, epoch, None, out);
            }
            return;
        }
        if self.role != Role::Leader || f as usize >= self.peers.len() {
            return;
        }
        let flushed_here = self.wal.flushed;
        let p = &mut self.peers[f as usize];
        let was = p.state;
        p.written = pos.0;
        p.flushed = pos.1;
        p.applied = pos.2;
        p.last_heard_us = now_us;
        if was == PeerState::Disconnected || resend {
            p.sent = pos.0;
        }
        if was == PeerState::Disconnected {
            p.state = PeerState::Catchup;
            out.push(Effect::Note(Note::FollowerConnected { follower: f }));
        }
        if p.state == PeerState::Catchup && p.flushed >= flushed_here {
            p.state = PeerState::Streaming;
        }
        if p.state == PeerState::NeedsReclone && pos.0 + 1 >= self.wal.first_retained_lsn() {
            p.state = PeerState::Catchup;
            p.sent = pos.0;
        }
        self.ship_to(f, out);
        self.advance_commit(now_us, out);
    }

    fn on_disconnect(&mut self, now_us: u64, f: NodeId, out: &mut Vec<Effect>) {
        if self.role == Role::Leader && (f as usize) < self.peers.len() {
            if self.peers[f as usize].state != PeerState::Disconnected {
                out.push(Effect::Note(Note::FollowerDisconnected { follower: f }));
            }
            self.peers[f as usize].state = PeerState::Disconnected;
            self.advance_commit(now_us, out);
        }
    }

    // ------------------------------------------------------------------
    // Disk and apply completions
    // ------------------------------------------------------------------

    /// The OS accepted the log up to `upto`.
    pub fn on_disk_written(&mut self, _now_us: u64, upto: Lsn, gen: u32, out: &mut Vec<Effect>) {
        self.writing = false;
        if gen == self.gen {
            self.wal.written = self.wal.written.max(upto.min(self.wal.last_lsn()));
        }
        if self.wal.last_lsn() > self.wal.written {
            self.writing = true;
            out.push(Effect::DiskWrite {
                upto: self.wal.last_lsn(),
                gen: self.gen,
            });
        }
        if !self.flushing && self.wal.written > self.wal.flushed {
            self.flushing = true;
            out.push(Effect::DiskFlush {
                upto: self.wal.written,
                gen: self.gen,
            });
        }
        if self.role != Role::Leader {
            self.report_if_changed(out);
        }
    }

    /// The log is fsynced up to `upto`.
    pub fn on_disk_flushed(&mut self, now_us: u64, upto: Lsn, gen: u32, out: &mut Vec<Effect>) {
        self.flushing = false;
        if gen == self.gen {
            self.wal.flushed = self.wal.flushed.max(upto.min(self.wal.written));
        }
        if self.wal.written > self.wal.flushed {
            self.flushing = true;
            out.push(Effect::DiskFlush {
                upto: self.wal.written,
                gen: self.gen,
            });
        }
        if self.role == Role::Leader {
            for f in 0..self.peers.len() as NodeId {
                if f != self.id() {
                    self.ship_to(f, out);
                }
            }
            if self.cfg.policy.visibility == Visibility::AfterCommit {
                self.apply_local(self.wal.flushed);
            }
            self.advance_commit(now_us, out);
        } else {
            self.report_if_changed(out);
            self.maybe_apply(out);
        }
    }

    /// Entry `lsn` has been replayed.
    pub fn on_applied(&mut self, _now_us: u64, lsn: Lsn, gen: u32, out: &mut Vec<Effect>) {
        self.applying = false;
        if gen != self.gen || lsn != self.wal.applied + 1 {
            self.maybe_apply(out);
            return;
        }
        if let Some(e) = self.wal.get(lsn).copied() {
            self.apply_entry(&e);
        }
        self.serve_parked(out);
        // Replay progress rides on the next write or flush report and on
        // the status interval, as a PostgreSQL standby's does; it is sent
        // at once only when commits wait for it (`remote_apply`).
        if self.cfg.policy.ack == AckPoint::Applied {
            self.report_if_changed(out);
        }
        self.maybe_apply(out);
    }

    fn maybe_apply(&mut self, out: &mut Vec<Effect>) {
        if self.role == Role::Leader || self.applying || self.wal.applied >= self.wal.flushed {
            return;
        }
        let lsn = self.wal.applied + 1;
        let Some(e) = self.wal.get(lsn) else { return };
        self.applying = true;
        out.push(Effect::Apply {
            lsn,
            not_before_us: e.written_at_us.saturating_add(self.cfg.apply_delay_us),
            gen: self.gen,
        });
    }

    fn apply_entry(&mut self, e: &Entry) {
        let key = e.op.key();
        let after = match e.op {
            Op::Put { value, .. } => Some(value),
            Op::Delete { .. } => None,
        };
        let before = self.kv.set(
            key,
            Version {
                value: after,
                lsn: e.lsn,
                epoch: e.epoch,
            },
        );
        self.undo.push_back(Undo {
            lsn: e.lsn,
            key,
            before,
        });
        while self.undo.len() as u64 > self.cfg.wal_keep_entries {
            self.undo.pop_front();
        }
        self.wal.applied = e.lsn;
    }

    /// The leader makes entries up to `upto` visible to its own readers.
    fn apply_local(&mut self, upto: Lsn) {
        while self.wal.applied < upto.min(self.wal.flushed) {
            let Some(e) = self.wal.get(self.wal.applied + 1).copied() else {
                break;
            };
            self.apply_entry(&e);
        }
    }

    fn serve_parked(&mut self, out: &mut Vec<Effect>) {
        if self.parked.is_empty() {
            return;
        }
        let applied = self.wal.applied;
        let mut i = 0;
        while i < self.parked.len() {
            if self.parked[i].min_lsn <= applied {
                let p = self.parked.swap_remove(i);
                self.answer_read(p.client, p.req, p.key, out);
            } else {
                i += 1;
            }
        }
    }

    // ------------------------------------------------------------------
    // Leader: streaming and commit
    // ------------------------------------------------------------------

    fn ship_to(&mut self, f: NodeId, out: &mut Vec<Effect>) {
        let first = self.wal.first_retained_lsn();
        let flushed = self.wal.flushed;
        let window = self.cfg.max_in_flight_entries;
        let epoch = self.epoch;
        let p = &mut self.peers[f as usize];
        if !matches!(p.state, PeerState::Catchup | PeerState::Streaming) {
            return;
        }
        while p.sent < flushed && p.sent.saturating_sub(p.written) < window {
            let next = p.sent + 1;
            if next < first {
                p.state = PeerState::NeedsReclone;
                out.push(Effect::Note(Note::NeedsReclone { follower: f }));
                return;
            }
            let Some(entry) = self.wal.get(next).copied() else {
                return;
            };
            let prev_epoch = self.wal.epoch_at(next - 1).unwrap_or(0);
            out.push(Effect::Send {
                to: Addr::Node(f),
                msg: Msg::Wal {
                    entry,
                    prev_epoch,
                    leader_epoch: epoch,
                },
            });
            p.sent = next;
        }
    }

    /// Moves the commit point as far as the policy allows and answers the
    /// clients whose writes are now committed.
    fn advance_commit(&mut self, now_us: u64, out: &mut Vec<Effect>) {
        if self.role != Role::Leader {
            return;
        }
        let local = self.wal.flushed;
        let policy = &self.cfg.policy;
        let target = if policy.is_async() {
            local
        } else {
            let acks = self.follower_acks(now_us);
            let quorum = policy.quorum_lsn(&acks);
            // Semi-sync switches back on once a follower has everything the
            // leader has written (MySQL: caught up with the binlog); waits
            // start afresh from then.
            if self.degraded && quorum.is_some_and(|q| q >= self.wal.last_lsn()) {
                self.degraded = false;
                out.push(Effect::Note(Note::SyncRestored));
                if let OnUnmet::Degrade { after_us } = policy.on_unmet {
                    for p in self.pending.iter_mut() {
                        p.deadline_us = now_us + after_us;
                    }
                }
            }
            if self.degraded {
                local
            } else {
                quorum.unwrap_or(0).min(local)
            }
        };
        if target > self.commit_lsn {
            self.commit_lsn = target;
            out.push(Effect::Note(Note::Committed { lsn: target }));
            if self.cfg.policy.visibility == Visibility::AfterSync {
                self.apply_local(target);
            }
            let epoch = self.epoch;
            while let Some(p) = self.pending.front().copied() {
                if p.lsn > target {
                    break;
                }
                self.pending.pop_front();
                if !p.answered {
                    out.push(Effect::Send {
                        to: Addr::Client(p.client),
                        msg: Msg::WriteOk {
                            req: p.req,
                            lsn: p.lsn,
                            epoch,
                        },
                    });
                }
            }
        }
        self.arm_deadline(out, now_us);
    }

    fn arm_deadline(&mut self, out: &mut Vec<Effect>, now_us: u64) {
        if self.degraded {
            // Already asynchronous: no write waits for the quorum, so no
            // deadline matters (and re-arming one that has passed would
            // fire for ever at the same instant).
            return;
        }
        let Some(head) = self.pending.iter().find(|p| !p.answered) else {
            return;
        };
        if head.deadline_us == u64::MAX {
            return;
        }
        if self
            .deadline_armed_us
            .is_some_and(|t| t <= head.deadline_us && t >= now_us)
        {
            return;
        }
        self.deadline_armed_us = Some(head.deadline_us);
        self.arm(
            out,
            head.deadline_us.saturating_sub(now_us),
            Timer::CommitDeadline,
        );
    }

    fn on_commit_deadline(&mut self, now_us: u64, out: &mut Vec<Effect>) {
        self.deadline_armed_us = None;
        if self.role != Role::Leader {
            return;
        }
        match self.cfg.policy.on_unmet {
            OnUnmet::Block => {}
            OnUnmet::Error { .. } => {
                for p in self.pending.iter_mut() {
                    if !p.answered && p.deadline_us <= now_us {
                        p.answered = true;
                        out.push(Effect::Send {
                            to: Addr::Client(p.client),
                            msg: Msg::WriteErr {
                                req: p.req,
                                error: WriteError::QuorumTimeout,
                                lsn: p.lsn,
                            },
                        });
                    }
                }
            }
            OnUnmet::Degrade { .. } => {
                let expired = self
                    .pending
                    .front()
                    .is_some_and(|p| p.deadline_us <= now_us);
                if expired && !self.degraded {
                    self.degraded = true;
                    out.push(Effect::Note(Note::DegradedToAsync));
                }
            }
        }
        self.advance_commit(now_us, out);
    }

    // ------------------------------------------------------------------
    // Follower: status reports
    // ------------------------------------------------------------------

    fn report_if_changed(&mut self, out: &mut Vec<Effect>) {
        if self.rejoining {
            return;
        }
        let now = (self.wal.written, self.wal.flushed, self.wal.applied);
        if now != self.reported {
            self.say_status(out, false);
        }
    }

    pub(crate) fn say_status(&mut self, out: &mut Vec<Effect>, resend: bool) {
        if let Some(l) = self.leader {
            if l != self.id() {
                self.send_status_to(l, out, resend);
            }
        }
    }

    fn send_status_to(&mut self, to: NodeId, out: &mut Vec<Effect>, resend: bool) {
        self.reported = (self.wal.written, self.wal.flushed, self.wal.applied);
        out.push(Effect::Send {
            to: Addr::Node(to),
            msg: Msg::Status {
                written: self.wal.written,
                flushed: self.wal.flushed,
                applied: self.wal.applied,
                epoch: self.epoch,
                resend,
            },
        });
    }

    // ------------------------------------------------------------------
    // Timers
    // ------------------------------------------------------------------

    /// A timer set earlier fired.
    pub fn on_timer(&mut self, now_us: u64, timer: Timer, out: &mut Vec<Effect>) {
        match timer {
            Timer::StatusTick => {
                self.status_ticking = false;
                if self.role == Role::Follower {
                    if self.rejoining {
                        // The question or its answer was lost: ask again.
                        self.start_rejoin(out);
                    } else {
                        // Silence for a whole interval may mean records were
                        // lost on the way (a cut link): ask to resume from
                        // our position. Duplicates are ignored.
                        let silent = !self.heard_wal;
                        self.say_status(out, silent && !self.recloning);
                    }
                    self.heard_wal = false;
                }
                if self.role != Role::Leader {
                    self.arm_follower_timers(out);
                }
            }
            Timer::SenderCheck => {
                self.sender_ticking = false;
                if self.role == Role::Leader {
                    let timeout = self.cfg.sender_timeout_us;
                    let me = self.id();
                    let mut changed = false;
                    for (i, p) in self.peers.iter_mut().enumerate() {
                        if i as NodeId != me
                            && p.state != PeerState::Disconnected
                            && now_us.saturating_sub(p.last_heard_us) > timeout
                        {
                            p.state = PeerState::Disconnected;
                            out.push(Effect::Note(Note::FollowerDisconnected {
                                follower: i as NodeId,
                            }));
                            changed = true;
                        }
                    }
                    if changed {
                        self.advance_commit(now_us, out);
                    }
                    self.arm_leader_timers(out);
                }
            }
            Timer::CommitDeadline => self.on_commit_deadline(now_us, out),
            Timer::ReadWait { req } => {
                if let Some(i) = self.parked.iter().position(|p| p.req == req) {
                    let p = self.parked.swap_remove(i);
                    out.push(Effect::Send {
                        to: Addr::Client(p.client),
                        msg: Msg::ReadErr {
                            req,
                            error: ReadError::NotCaughtUp,
                        },
                    });
                }
            }
            Timer::Heartbeat => self.on_heartbeat_timer(now_us, out),
            Timer::ElectionCheck => self.on_election_check(now_us, out),
        }
    }

    /// Becomes a follower of `leader` in `epoch`.
    pub(crate) fn adopt_leader(
        &mut self,
        now_us: u64,
        leader: NodeId,
        epoch: Epoch,
        out: &mut Vec<Effect>,
    ) {
        let was_leader = self.role == Role::Leader;
        self.epoch = self.epoch.max(epoch);
        self.leader = Some(leader);
        if self.role != Role::Follower {
            self.become_follower(now_us, out);
        }
        self.failover.last_heard_leader_us = now_us;
        self.failover.voted_for = None;
        if was_leader {
            self.reported = (0, 0, 0);
            self.maybe_apply(out);
        }
        self.start_rejoin(out);
    }

    /// Asks the leader where our last epoch ends in its log, so a
    /// divergent suffix (written by a deposed leader) can be cut off before
    /// streaming resumes.
    fn start_rejoin(&mut self, out: &mut Vec<Effect>) {
        match self.leader {
            Some(l) if l != self.id() && self.wal.last_lsn() > 0 => {
                self.rejoining = true;
                out.push(Effect::Send {
                    to: Addr::Node(l),
                    msg: Msg::EpochEndReq {
                        epoch: self.wal.last_epoch(),
                    },
                });
            }
            _ => {
                self.rejoining = false;
                self.say_status(out, true);
            }
        }
    }

    fn on_epoch_end(&mut self, leader: NodeId, epoch: Epoch, end_lsn: Lsn, out: &mut Vec<Effect>) {
        if self.leader != Some(leader) || self.role != Role::Follower {
            return;
        }
        if !self.rejoining || epoch != self.wal.last_epoch() {
            return; // an answer to an older question
        }
        if self.wal.last_lsn() > end_lsn {
            self.roll_back_after(end_lsn, out);
            // Our new last entry may itself belong to an epoch the leader
            // never had: ask again.
            self.start_rejoin(out);
        } else {
            self.rejoining = false;
            self.say_status(out, true);
        }
    }

    /// Switches to the follower role: pending writes are abandoned (their
    /// clients time out), timers for reports and failure detection start,
    /// and flushed entries not yet replayed are replayed.
    fn become_follower(&mut self, now_us: u64, out: &mut Vec<Effect>) {
        self.role = Role::Follower;
        self.pending.clear();
        self.deadline_armed_us = None;
        self.degraded = false;
        self.failover.last_heard_leader_us = now_us;
        out.push(Effect::Note(Note::RoleChanged {
            role: Role::Follower,
            epoch: self.epoch,
        }));
        self.arm_follower_timers(out);
        self.maybe_apply(out);
    }

    /// Starts the sender-timeout check and heartbeat timers unless they
    /// already run (a node that leads, steps down and leads again must not
    /// end up with two of each).
    fn arm_leader_timers(&mut self, out: &mut Vec<Effect>) {
        if !self.sender_ticking {
            self.sender_ticking = true;
            self.arm(
                out,
                sender_check_period(self.cfg.sender_timeout_us),
                Timer::SenderCheck,
            );
        }
        if self.cfg.heartbeat_interval_us > 0 && !self.heartbeat_ticking {
            self.heartbeat_ticking = true;
            self.arm(out, 0, Timer::Heartbeat);
        }
    }

    /// Starts the status-report and failure-detector timers unless they
    /// already run.
    pub(crate) fn arm_follower_timers(&mut self, out: &mut Vec<Effect>) {
        if !self.status_ticking {
            self.status_ticking = true;
            self.arm(out, self.cfg.status_interval_us, Timer::StatusTick);
        }
        if self.failover.detector_enabled && !self.election_ticking {
            self.election_ticking = true;
            self.arm(out, self.failover.check_period_us(), Timer::ElectionCheck);
        }
    }

    /// Leaves the leader role because a newer epoch exists.
    pub(crate) fn step_down(
        &mut self,
        now_us: u64,
        epoch: Epoch,
        leader: Option<NodeId>,
        out: &mut Vec<Effect>,
    ) {
        self.epoch = self.epoch.max(epoch);
        match leader {
            Some(l) => self.adopt_leader(now_us, l, epoch, out),
            None => {
                if self.role == Role::Leader {
                    self.leader = None;
                    self.become_follower(now_us, out);
                }
            }
        }
    }

    /// A copy of this node's visible data and log position.
    pub fn snapshot(&self) -> Snapshot {
        let lsn = self.wal.applied;
        Snapshot {
            kv: self.kv.clone(),
            lsn,
            epoch: self.wal.epoch_at(lsn).unwrap_or(self.epoch),
            history: self.wal.epoch_starts().to_vec(),
            leader_epoch: self.epoch,
        }
    }

    /// Replaces this node's data and log with a leader's copy, then asks
    /// the leader to stream from there.
    pub fn install_snapshot(&mut self, snap: Snapshot, leader: NodeId, out: &mut Vec<Effect>) {
        self.kv = snap.kv;
        self.undo.clear();
        self.wal.reset_to(snap.lsn, snap.epoch, &snap.history);
        self.gen += 1;
        self.writing = false;
        self.flushing = false;
        self.applying = false;
        self.recloning = false;
        self.resend_asked = None;
        self.epoch = self.epoch.max(snap.leader_epoch);
        self.leader = Some(leader);
        self.say_status(out, true);
    }

    /// Takes the leader role in a new epoch.
    pub(crate) fn become_leader(&mut self, now_us: u64, epoch: Epoch, out: &mut Vec<Effect>) {
        self.epoch = epoch;
        self.role = Role::Leader;
        self.leader = Some(self.id());
        self.degraded = false;
        self.pending.clear();
        self.parked.clear();
        // A new leader makes everything it has durable visible: it is the
        // authoritative history from now on.
        self.commit_lsn = self.wal.flushed;
        self.applying = false;
        self.apply_local(self.wal.flushed);
        let me = self.id();
        for (i, p) in self.peers.iter_mut().enumerate() {
            *p = Peer::NEW;
            if i as NodeId != me {
                p.last_heard_us = now_us;
            }
        }
        self.failover.became_leader(self.local_us(now_us));
        out.push(Effect::Note(Note::RoleChanged {
            role: Role::Leader,
            epoch,
        }));
        self.arm_leader_timers(out);
    }
}
