//! A database node: the sans-IO state machine that plays leader, follower
//! or candidate.
//!
//! A node never reads a clock, draws a random number or touches a disk or
//! socket. It has one entry point, [`Node::handle`]: the driver (the
//! simulation, or a unit test) feeds it an [`Input`] — a message arrived, a
//! disk write finished, a timer fired, an operator promoted it — with the
//! current time, and the node answers by pushing [`Effect`]s: messages to
//! send, disk work to start, timers to set, notes of what happened. The
//! driver decides when those effects complete and feeds the completions
//! back as inputs.
//!
//! ```text
//!  driver ──handle(now_us, Input)──▶ Node ──▶ Vec<Effect>
//! ```
//!
//! Its state is split by lifetime and role ([`state`]): what survives a
//! crash, what every role has, and what only the current role has. Fields
//! are private; everything else reads a node through its accessors.
//!
//! Leader write path ([`leader`]): append to the WAL → write → fsync → ship
//! the record to every follower (as PostgreSQL's walsender ships flushed
//! WAL) → wait for the commit policy's quorum → reply to the client.
//! Follower path ([`follower`]): receive a record → write → fsync → apply,
//! reporting written / flushed / applied positions to the leader. Disk and
//! replay completions and reads are common to every role ([`storage`]);
//! failure detection and elections are in [`election`].

mod effect;
mod election;
mod follower;
mod leader;
mod state;
mod storage;

#[cfg(test)]
mod tests;

pub use effect::{Effect, Note, Progress, Role, Timer};
pub use state::{Peer, PeerState};

use crate::message::Msg;
use crate::network::{Addr, NodeId};
use crate::policy::{CommitPolicy, FollowerAck};
use crate::scenario::Fencing;
use crate::store::Store;
pub use crate::store::Version;
use crate::wal::{Epoch, Lsn, Wal};
use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::vec::Vec;
use state::{CandidateState, Durable, FollowerState, LeaderState, RoleState, Shared};

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
    /// Followers run the failure detector and may start elections.
    pub detector_enabled: bool,
    /// Silence after which the leader is suspected.
    pub election_timeout_us: u64,
    /// Higher starts campaigns sooner; 0 never becomes leader.
    pub priority: u8,
    /// Leader lease length (0: no lease).
    pub lease_us: u64,
}

/// Everything that can happen to a node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// The node (re)starts. `restarted` is false only at the very
    /// beginning of a run.
    Start { restarted: bool },
    /// The node stops and loses everything volatile. A power loss also
    /// loses WAL that was written but not fsynced; a process crash keeps
    /// it (the OS has it).
    Crash { power_loss: bool },
    /// A message arrived.
    Message { from: Addr, msg: Msg },
    /// The OS accepted the log up to `upto`.
    DiskWritten { upto: Lsn, gen: u32 },
    /// The log is fsynced up to `upto`.
    DiskFlushed { upto: Lsn, gen: u32 },
    /// Entry `lsn` has been replayed.
    Applied { lsn: Lsn, gen: u32 },
    /// A timer set earlier fired.
    Timer(Timer),
    /// The answer to an [`Effect::Stonith`]: the old leader is off (`ok`),
    /// or could not be reached.
    StonithDone { target: NodeId, ok: bool },
    /// Take the leader role in `epoch` (a manager's promotion, or an
    /// operator's `pg_ctl promote`).
    Promote { epoch: Epoch },
    /// Leave the leader role (a manager's demotion).
    Demote,
    /// Bit `p`: standby `p` may count as synchronous (what a manager in
    /// synchronous mode recorded in its store). Only a leader keeps it.
    SyncStandbys { allowed: u64 },
    /// Follow `leader` in `epoch`.
    Follow { leader: NodeId, epoch: Epoch },
    /// The leader `from` no longer has the log this follower needs: copy
    /// its data afresh.
    RecloneStarted { from: NodeId },
    /// The copy could not be completed (its source stopped leading).
    RecloneAborted,
    /// The copy arrived: replace data and log with it.
    InstallSnapshot {
        snapshot: Box<Snapshot>,
        leader: NodeId,
    },
    /// Replace the commit policy (`ALTER SYSTEM … ; SELECT pg_reload_conf()`).
    SetPolicy(Box<CommitPolicy>),
}

/// One database node.
#[derive(Clone, Debug)]
pub struct Node {
    cfg: NodeConfig,
    d: Durable,
    s: Shared,
    role: RoleState,
}

impl Node {
    /// A node that starts as `role` in epoch 1, following `leader`.
    pub fn new(cfg: NodeConfig, role: Role, leader: NodeId) -> Self {
        let keep = cfg.wal_keep_entries;
        let role = match role {
            Role::Leader => RoleState::Leader(LeaderState::new(cfg.nodes)),
            Role::Follower => RoleState::Follower(FollowerState::default()),
            Role::Candidate => RoleState::Candidate(CandidateState {
                follower: FollowerState::default(),
                votes: 0,
                awaiting_stonith: false,
                deposed: None,
                campaign_started_us: 0,
            }),
        };
        Node {
            cfg,
            d: Durable {
                epoch: 1,
                leader: Some(leader),
                wal: Wal::new(keep),
                kv: Store::default(),
                undo: VecDeque::new(),
                gen: 0,
                voted_for: None,
            },
            s: Shared::default(),
            role,
        }
    }

    /// Feeds the node one input at time `now_us`; it pushes what it wants
    /// done onto `out`.
    pub fn handle(&mut self, now_us: u64, input: Input, out: &mut Vec<Effect>) {
        let start = out.len();
        let before = self.positions();
        self.dispatch(now_us, input, out);
        self.report_progress(start, before, out);
    }

    fn positions(&self) -> (Lsn, Lsn, Lsn) {
        let w = &self.d.wal;
        (w.written, w.flushed, w.applied)
    }

    /// Puts the position changes of one input among its effects, after the
    /// entries it appended and before everything else.
    fn report_progress(&self, start: usize, before: (Lsn, Lsn, Lsn), out: &mut Vec<Effect>) {
        let after = self.positions();
        if after == before {
            return;
        }
        let at = out[start..]
            .iter()
            .position(|e| !matches!(e, Effect::Progress(Progress::Appended { .. })))
            .map_or(out.len(), |i| start + i);
        // Appended, then rotated into place (both orders kept).
        let end = out.len();
        let changes = [
            (after.0 != before.0, Progress::Written { lsn: after.0 }),
            (after.1 != before.1, Progress::Flushed { lsn: after.1 }),
            (after.2 != before.2, Progress::Applied { lsn: after.2 }),
        ];
        for (changed, progress) in changes {
            if changed {
                out.push(Effect::Progress(progress));
            }
        }
        let added = out.len() - end;
        out[at..].rotate_right(added);
    }

    /// Appends `entry` to the log and says so.
    fn append(&mut self, entry: crate::wal::Entry, out: &mut Vec<Effect>) {
        out.push(Effect::Progress(Progress::Appended {
            lsn: entry.lsn,
            epoch: entry.epoch,
        }));
        self.d.wal.append(entry);
    }

    fn dispatch(&mut self, now_us: u64, input: Input, out: &mut Vec<Effect>) {
        match input {
            Input::Start { restarted } => self.on_start(now_us, restarted, out),
            Input::Crash { power_loss } => self.crash(power_loss),
            Input::Message { from, msg } => self.on_message(now_us, from, msg, out),
            Input::DiskWritten { upto, gen } => self.on_disk_written(upto, gen, out),
            Input::DiskFlushed { upto, gen } => self.on_disk_flushed(now_us, upto, gen, out),
            Input::Applied { lsn, gen } => self.on_applied(lsn, gen, out),
            Input::Timer(timer) => self.on_timer(now_us, timer, out),
            Input::StonithDone { target, ok } => self.on_stonith(now_us, target, ok, out),
            Input::Promote { epoch } => self.become_leader(now_us, epoch, out),
            Input::Demote => {
                let epoch = self.d.epoch;
                self.step_down(now_us, epoch, None, out)
            }
            Input::Follow { leader, epoch } => self.adopt_leader(now_us, leader, epoch, out),
            Input::SyncStandbys { allowed } => self.set_sync_allowed(now_us, allowed, out),
            Input::RecloneStarted { from } => self.start_reclone(from, out),
            Input::RecloneAborted => {
                if let Some(f) = self.role.follower_mut() {
                    f.recloning = false;
                }
            }
            Input::InstallSnapshot { snapshot, leader } => {
                self.install_snapshot(*snapshot, leader, out)
            }
            Input::SetPolicy(policy) => {
                self.cfg.policy = *policy;
                if let Some(l) = self.role.leader_mut() {
                    l.degraded = false;
                }
            }
        }
    }

    // ------------------------------------------------------------------
    // The read-only view
    // ------------------------------------------------------------------

    /// The id of this node.
    pub fn id(&self) -> NodeId {
        self.cfg.id
    }

    /// Its settings.
    pub fn cfg(&self) -> &NodeConfig {
        &self.cfg
    }

    /// Current role.
    pub fn role(&self) -> Role {
        self.role.role()
    }

    /// Highest epoch this node knows of.
    pub fn epoch(&self) -> Epoch {
        self.d.epoch
    }

    /// The leader this node follows (itself when leading), if it knows one.
    pub fn leader(&self) -> Option<NodeId> {
        self.d.leader
    }

    /// The log and its positions.
    pub fn wal(&self) -> &Wal {
        &self.d.wal
    }

    /// Value and version of `key` as this node's readers see it.
    pub fn read(&self, key: u32) -> Version {
        self.d.kv.get(key)
    }

    /// Leader: number of writes waiting for the quorum (0 otherwise).
    pub fn pending_writes(&self) -> u32 {
        self.role.leader().map_or(0, |l| {
            l.pending.iter().filter(|p| !p.answered).count() as u32
        })
    }

    /// Leader: highest LSN committed under the policy.
    pub fn commit_lsn(&self) -> Option<Lsn> {
        self.role.leader().map(|l| l.commit_lsn)
    }

    /// Leader: semi-synchronous commit has fallen back to asynchronous.
    pub fn degraded(&self) -> bool {
        self.role.leader().is_some_and(|l| l.degraded)
    }

    /// Leader: its view of every node's stream (indexed by node id; its own
    /// entry is unused). Empty for other roles.
    pub fn peers(&self) -> &[Peer] {
        self.role.leader().map_or(&[], |l| &l.peers)
    }

    /// Being re-cloned: serves no reads.
    pub fn recloning(&self) -> bool {
        self.role.follower().is_some_and(|f| f.recloning)
    }

    /// This node's clock reading at true time `now_us` (leases only).
    pub fn local_us(&self, now_us: u64) -> u64 {
        let drift = (now_us as i128 * self.cfg.clock_drift_ppm as i128) / 1_000_000;
        (now_us as i128 + drift).max(0) as u64
    }

    /// Whether this leader currently refuses writes for want of a lease.
    pub fn lease_expired(&self, now_us: u64) -> bool {
        self.cfg.fencing == Fencing::Lease
            && self.cfg.lease_us > 0
            && self
                .role
                .leader()
                .is_some_and(|l| self.local_us(now_us) > l.lease_until_us)
    }

    /// The leader's view of its followers, as the commit policy needs it
    /// (empty for other roles): a standby the manager has not recorded as
    /// synchronous does not count.
    pub fn follower_acks(&self, now_us: u64) -> Vec<FollowerAck> {
        let allowed = self.role.leader().map_or(u64::MAX, |l| l.sync_allowed);
        let mut acks = self.standby_acks(now_us);
        for a in &mut acks {
            a.eligible &= allowed & (1u64 << a.node) != 0;
        }
        acks
    }

    /// The leader's view of its followers whatever the manager recorded:
    /// the standbys that could be synchronous now.
    pub fn standby_acks(&self, now_us: u64) -> Vec<FollowerAck> {
        self.peers()
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

    /// A copy of this node's visible data and log position.
    pub fn snapshot(&self) -> Snapshot {
        let lsn = self.d.wal.applied;
        Snapshot {
            kv: self.d.kv.clone(),
            lsn,
            epoch: self.d.wal.epoch_at(lsn).unwrap_or(self.d.epoch),
            history: self.d.wal.epoch_starts().to_vec(),
            leader_epoch: self.d.epoch,
        }
    }

    #[cfg(test)]
    pub(crate) fn corrupt_applied_position_for_test(&mut self) {
        self.d.wal.applied = self.d.wal.written + 1;
    }

    // ------------------------------------------------------------------
    // Start and crash
    // ------------------------------------------------------------------

    fn on_start(&mut self, now_us: u64, restarted: bool, out: &mut Vec<Effect>) {
        if restarted && self.cfg.restart_as_follower && self.role() != Role::Follower {
            // Wait to be told who leads (heartbeat, vote or manager).
            self.role = RoleState::Follower(self.follower_state_after(self.role.clone()));
            self.d.leader = None;
            out.push(Effect::Note(Note::RoleChanged {
                role: Role::Follower,
                epoch: self.d.epoch,
            }));
        }
        let local = self.local_us(now_us);
        let (flushed, lease_us) = (self.d.wal.flushed, self.cfg.lease_us);
        match &mut self.role {
            RoleState::Leader(l) => {
                if restarted {
                    self.d.voted_for = None;
                    l.lease_until_us = local + lease_us;
                }
                l.commit_lsn = l.commit_lsn.max(flushed);
                self.arm_leader_timers(out);
            }
            RoleState::Follower(f) => {
                f.last_heard_leader_us = now_us;
                self.start_rejoin(out);
                self.arm_follower_timers(out);
            }
            RoleState::Candidate(c) => {
                c.follower.last_heard_leader_us = now_us;
                self.start_rejoin(out);
                self.arm_follower_timers(out);
            }
        }
        let wal = &self.d.wal;
        if wal.written > wal.flushed {
            self.s.flushing = true;
            out.push(Effect::DiskFlush {
                upto: wal.written,
                gen: self.d.gen,
            });
        }
        if wal.last_lsn() > wal.written {
            self.s.writing = true;
            out.push(Effect::DiskWrite {
                upto: wal.last_lsn(),
                gen: self.d.gen,
            });
        }
        self.maybe_apply(out);
    }

    /// The follower state a node keeps when it stops being a candidate, or
    /// starts fresh with when it stops leading.
    fn follower_state_after(&self, old: RoleState) -> FollowerState {
        match old {
            RoleState::Follower(f) => f,
            RoleState::Candidate(c) => c.follower,
            RoleState::Leader(_) => FollowerState::default(),
        }
    }

    fn crash(&mut self, power_loss: bool) {
        let keep = if power_loss {
            self.d.wal.flushed
        } else {
            self.d.wal.written
        };
        if self.d.wal.last_lsn() > keep {
            self.d.wal.truncate_after(keep);
            self.d.gen += 1;
        }
        self.s = Shared::default();
        self.role.crash(self.cfg.nodes);
    }

    // ------------------------------------------------------------------
    // Messages and timers
    // ------------------------------------------------------------------

    fn on_message(&mut self, now_us: u64, from: Addr, msg: Msg, out: &mut Vec<Effect>) {
        match (msg, from) {
            (
                Msg::WriteReq {
                    req,
                    op,
                    epoch,
                    wait,
                },
                Addr::Client(c),
            ) => {
                let w = leader::WriteRequest {
                    req,
                    op,
                    epoch,
                    wait,
                };
                self.on_write(now_us, c, w, out)
            }
            (Msg::Cancel { req }, Addr::Client(_)) => self.on_cancel(req, out),
            (Msg::EpochEndReq { epoch }, Addr::Node(f)) if self.role() == Role::Leader => {
                out.push(Effect::Send {
                    to: Addr::Node(f),
                    msg: Msg::EpochEnd {
                        epoch,
                        end_lsn: self.d.wal.epoch_end(epoch),
                        held: self
                            .d
                            .wal
                            .epoch_at(self.d.wal.epoch_end(epoch))
                            .unwrap_or(0),
                    },
                });
            }
            (
                Msg::EpochEnd {
                    epoch,
                    end_lsn,
                    held,
                },
                Addr::Node(l),
            ) => self.on_epoch_end(l, epoch, end_lsn, held, out),
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
                    heard_us,
                },
                Addr::Node(f),
            ) => {
                let report = leader::StatusReport {
                    pos: (written, flushed, applied),
                    epoch,
                    resend,
                    heard_us,
                };
                self.on_status(now_us, f, report, out)
            }
            (Msg::Disconnect, Addr::Node(f)) => self.on_disconnect(now_us, f, out),
            (
                Msg::Heartbeat {
                    epoch,
                    lsn,
                    sent_us,
                },
                Addr::Node(l),
            ) => self.on_heartbeat(now_us, l, epoch, lsn, sent_us, out),
            (m @ (Msg::VoteReq { .. } | Msg::Vote { .. }), Addr::Node(f)) => {
                self.on_vote_message(now_us, f, m, out)
            }
            _ => {}
        }
    }

    fn on_timer(&mut self, now_us: u64, timer: Timer, out: &mut Vec<Effect>) {
        match timer {
            Timer::StatusTick => self.on_status_tick(out),
            Timer::SenderCheck => self.on_sender_check(now_us, out),
            Timer::CommitDeadline => self.on_commit_deadline(now_us, out),
            Timer::ReadWait { req } => self.on_read_wait(req, out),
            Timer::Heartbeat => self.on_heartbeat_timer(now_us, out),
            Timer::ElectionCheck => self.on_election_check(now_us, out),
        }
    }

    fn arm(&self, out: &mut Vec<Effect>, after_us: u64, timer: Timer) {
        out.push(Effect::Timer {
            after_us,
            jitter_us: 0,
            timer,
        });
    }

    // ------------------------------------------------------------------
    // Role changes
    // ------------------------------------------------------------------

    /// Becomes a follower of `leader` in `epoch`.
    fn adopt_leader(&mut self, now_us: u64, leader: NodeId, epoch: Epoch, out: &mut Vec<Effect>) {
        let was_leader = self.role() == Role::Leader;
        let same_leader = self.d.leader == Some(leader) && self.d.epoch == epoch;
        self.d.epoch = self.d.epoch.max(epoch);
        self.d.leader = Some(leader);
        if self.role() != Role::Follower {
            self.become_follower(now_us, out);
        }
        if let Some(f) = self.role.follower_mut() {
            f.last_heard_leader_us = now_us;
            if !same_leader {
                f.heartbeat_sent_us = 0;
            }
        }
        self.d.voted_for = None;
        if was_leader {
            self.maybe_apply(out);
        }
        self.start_rejoin(out);
    }

    /// Switches to the follower role: pending writes are abandoned (their
    /// clients time out), timers for reports and failure detection start,
    /// and flushed entries not yet replayed are replayed.
    fn become_follower(&mut self, now_us: u64, out: &mut Vec<Effect>) {
        let old = core::mem::replace(
            &mut self.role,
            RoleState::Follower(FollowerState::default()),
        );
        let mut f = self.follower_state_after(old);
        f.last_heard_leader_us = now_us;
        self.role = RoleState::Follower(f);
        out.push(Effect::Note(Note::RoleChanged {
            role: Role::Follower,
            epoch: self.d.epoch,
        }));
        self.arm_follower_timers(out);
        self.maybe_apply(out);
    }

    /// Leaves the leader role because a newer epoch exists.
    fn step_down(
        &mut self,
        now_us: u64,
        epoch: Epoch,
        leader: Option<NodeId>,
        out: &mut Vec<Effect>,
    ) {
        self.d.epoch = self.d.epoch.max(epoch);
        match leader {
            Some(l) => self.adopt_leader(now_us, l, epoch, out),
            None => {
                if self.role() == Role::Leader {
                    self.d.leader = None;
                    self.become_follower(now_us, out);
                }
            }
        }
    }

    /// Takes the leader role in a new epoch.
    fn become_leader(&mut self, now_us: u64, epoch: Epoch, out: &mut Vec<Effect>) {
        self.d.epoch = epoch;
        self.d.leader = Some(self.id());
        self.d.voted_for = None;
        self.s.parked.clear();
        // A new leader makes everything it has durable visible: it is the
        // authoritative history from now on.
        let mut l = LeaderState::new(self.cfg.nodes);
        l.commit_lsn = self.d.wal.flushed;
        let lease_from_us = match &self.role {
            RoleState::Candidate(c) => c.campaign_started_us,
            _ => self.local_us(now_us),
        };
        l.lease_until_us = lease_from_us + self.cfg.lease_us;
        let me = self.id();
        for (i, p) in l.peers.iter_mut().enumerate() {
            if i as NodeId != me {
                p.last_heard_us = now_us;
            }
        }
        self.role = RoleState::Leader(l);
        self.s.applying = false;
        self.apply_local(self.d.wal.flushed);
        out.push(Effect::Note(Note::RoleChanged {
            role: Role::Leader,
            epoch,
        }));
        self.arm_leader_timers(out);
    }
}
