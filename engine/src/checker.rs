//! The consistency checker: finds the anomalies the lesson warns about in
//! what clients saw, as the run goes.
//!
//! It reads only the history of client operations (plus, at the end, the
//! final leader's log for lost writes), so it judges the system the way an
//! application would. Versions are ordered by `(epoch, lsn)`: a later
//! epoch's write is newer even at a lower LSN, because the new leader's log
//! is the history that counts.
//!
//! * **Read-your-writes:** a session reads a key and gets a version older
//!   than its own write to that key, acknowledged before the read began.
//! * **Monotonic reads:** a session reads a key and gets a version older
//!   than one it already read.
//! * **Causality (consistent prefix):** a session writes after reading
//!   another session's write, so its write depends on that one. Whoever
//!   later sees the dependent write and then reads the earlier key must see
//!   at least the write it depends on — otherwise the effect was seen
//!   without its cause (a reply without the question).
//! * **Stale reads:** a read returns a version older than the newest write
//!   to the key acknowledged before the read began; how stale, in time and
//!   in LSNs.
//! * **Split-brain:** two nodes, in different epochs, acknowledge writes
//!   during overlapping periods.
//! * **Lost acknowledged writes:** at the end, an acknowledged write is
//!   missing from the surviving leader's log.
//!
//! Each [`Violation`] names the operations, sessions, nodes and times
//! involved and explains itself in one sentence.

use crate::cluster::Cluster;
use crate::history::{OpKind, OpRecord, Outcome};
use crate::network::{NodeId, SessionId};
use crate::wal::{Epoch, Lsn};
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

/// The kinds of anomaly the checker reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ViolationKind {
    /// A session did not see its own acknowledged write.
    ReadYourWrites,
    /// A session saw a key go back in time.
    MonotonicReads,
    /// A session saw an effect without its cause.
    Causality,
    /// A read returned a superseded version.
    StaleRead,
    /// Two nodes acknowledged writes at the same time.
    SplitBrain,
    /// An acknowledged write vanished.
    LostWrite,
}

impl ViolationKind {
    /// Every kind, in report order.
    pub const ALL: [ViolationKind; 6] = [
        ViolationKind::ReadYourWrites,
        ViolationKind::MonotonicReads,
        ViolationKind::Causality,
        ViolationKind::StaleRead,
        ViolationKind::SplitBrain,
        ViolationKind::LostWrite,
    ];

    /// Short human name.
    pub fn title(self) -> &'static str {
        match self {
            ViolationKind::ReadYourWrites => "read-your-writes",
            ViolationKind::MonotonicReads => "monotonic reads",
            ViolationKind::Causality => "causality",
            ViolationKind::StaleRead => "stale read",
            ViolationKind::SplitBrain => "split-brain",
            ViolationKind::LostWrite => "lost write",
        }
    }
}

/// One anomaly, with everything needed to explain and locate it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Violation {
    /// What kind.
    pub kind: ViolationKind,
    /// When it became visible (completion of `op`).
    pub t_us: u64,
    /// The key involved (0 for split-brain).
    pub key: u32,
    /// The operation that revealed it.
    pub op: u64,
    /// Its session.
    pub session: SessionId,
    /// The node that served it.
    pub node: NodeId,
    /// The earlier operation it contradicts (the write not seen, the newer
    /// read, the cause).
    pub other_op: u64,
    /// That operation's session.
    pub other_session: SessionId,
    /// That operation's node.
    pub other_node: NodeId,
    /// When that operation completed.
    pub other_t_us: u64,
    /// How far behind, in time (stale and read-your-writes reads).
    pub behind_us: u64,
    /// How far behind, in LSNs.
    pub behind_lsn: u64,
}

fn secs(us: u64) -> String {
    format!("{}.{:03} s", us / 1_000_000, (us % 1_000_000) / 1_000)
}

impl Violation {
    /// A one-sentence explanation; `names` are the node names.
    pub fn explain(&self, names: &[String]) -> String {
        let n = |i: NodeId| {
            names
                .get(i as usize)
                .cloned()
                .unwrap_or_else(|| format!("node {i}"))
        };
        let s = self.session + 1;
        match self.kind {
            ViolationKind::ReadYourWrites => format!(
                "Session {s} wrote key {} (acknowledged at {}) but then read an older value from {}, which had not applied that write yet.",
                self.key,
                secs(self.other_t_us),
                n(self.node)
            ),
            ViolationKind::MonotonicReads => format!(
                "Session {s} read key {} from {} and then an older value from {}: time went backwards for this session.",
                self.key,
                n(self.other_node),
                n(self.node)
            ),
            ViolationKind::Causality => format!(
                "Session {s} saw a write that was made in reply to another write on key {}, then read key {} from {} without that earlier write: the effect arrived before its cause.",
                self.key,
                self.key,
                n(self.node)
            ),
            ViolationKind::StaleRead => format!(
                "{} answered a read of key {} with a value {} LSNs and {} behind the newest acknowledged write.",
                n(self.node),
                self.key,
                self.behind_lsn,
                secs(self.behind_us)
            ),
            ViolationKind::SplitBrain => format!(
                "{} and {} both acknowledged writes around {}, in different epochs: two leaders at once.",
                n(self.other_node),
                n(self.node),
                secs(self.t_us)
            ),
            ViolationKind::LostWrite => format!(
                "Write #{} to key {} was acknowledged by {} at {} but is missing from the surviving leader's log: it is lost.",
                self.op,
                self.key,
                n(self.node),
                secs(self.other_t_us)
            ),
        }
    }
}

type Ver = (Epoch, Lsn);

#[derive(Clone, Copy, Debug)]
struct Seen {
    ver: Ver,
    op: u64,
    session: SessionId,
    node: NodeId,
    t_us: u64,
}

#[derive(Clone, Copy, Debug)]
struct WriteInfo {
    seen: Seen,
    key: u32,
    /// The write this one was made after reading: `(key, version, op)`.
    cause: Option<(u32, Seen)>,
    acked: bool,
    /// Acknowledged as committed unreplicated, after a cancel.
    unreplicated: bool,
}

/// What a read of a write's value needs to know about that write.
struct Writer {
    /// The writing session.
    session: SessionId,
    /// The write it was made after reading: `(key, version, op)`.
    cause: Option<(u32, Seen)>,
    /// Its operation id.
    op: u64,
}

/// What one session has seen of one key.
#[derive(Clone, Copy, Debug, Default)]
struct SessionKey {
    /// The session's newest acknowledged write to the key.
    own: Option<Seen>,
    /// The newest version the session read.
    read: Option<Seen>,
    /// The version the session must see from now on, because it saw
    /// something that depends on it: `(cause, effect op)`.
    must_see: Option<(Seen, u64)>,
}

/// Operation ids carry their session in the bits above these.
const SEQ_BITS: u32 = 40;

/// The sequence numbers of one session's completed operations, as sorted,
/// disjoint, non-adjacent inclusive ranges: one range while every
/// operation completes in turn, which is how sessions work.
#[derive(Clone, Debug, Default)]
struct Completed(Vec<(u64, u64)>);

impl Completed {
    fn insert(&mut self, seq: u64) {
        if let Some(last) = self.0.last_mut() {
            if seq == last.1 + 1 {
                last.1 = seq;
                return;
            }
        }
        let i = self.0.partition_point(|r| r.1 < seq);
        if i < self.0.len() && self.0[i].0 <= seq {
            return;
        }
        let joins_before = i > 0 && self.0[i - 1].1 + 1 == seq;
        let joins_after = i < self.0.len() && self.0[i].0 == seq + 1;
        match (joins_before, joins_after) {
            (true, true) => {
                self.0[i - 1].1 = self.0[i].1;
                self.0.remove(i);
            }
            (true, false) => self.0[i - 1].1 = seq,
            (false, true) => self.0[i].0 = seq,
            (false, false) => self.0.insert(i, (seq, seq)),
        }
    }

    fn contains(&self, seq: u64) -> bool {
        let i = self.0.partition_point(|r| r.1 < seq);
        i < self.0.len() && self.0[i].0 <= seq
    }
}

/// A map keyed by value (or operation id), stored per session: the
/// session in a value's high bits picks a vector, sorted by the low bits.
/// A session's writes complete in order, so inserting is a push; lookups
/// are a binary search over the few records a session has pending; the
/// order of iteration is the order of values, as a `BTreeMap`'s would be.
#[derive(Clone, Debug)]
struct ValueMap<T> {
    by_session: Vec<Vec<(u64, T)>>,
    len: usize,
}

impl<T> Default for ValueMap<T> {
    fn default() -> Self {
        ValueMap {
            by_session: Vec::new(),
            len: 0,
        }
    }
}

impl<T> ValueMap<T> {
    fn split(value: u64) -> (usize, u64) {
        (
            (value >> SEQ_BITS) as usize,
            value & ((1u64 << SEQ_BITS) - 1),
        )
    }

    fn get(&self, value: u64) -> Option<&T> {
        let (s, seq) = Self::split(value);
        let v = self.by_session.get(s)?;
        v.binary_search_by_key(&seq, |e| e.0).ok().map(|i| &v[i].1)
    }

    fn insert(&mut self, value: u64, t: T) {
        let (s, seq) = Self::split(value);
        if s >= self.by_session.len() {
            self.by_session.resize_with(s + 1, Vec::new);
        }
        let v = &mut self.by_session[s];
        if v.last().is_none_or(|e| e.0 < seq) {
            v.push((seq, t));
            self.len += 1;
            return;
        }
        match v.binary_search_by_key(&seq, |e| e.0) {
            Ok(i) => v[i].1 = t,
            Err(i) => {
                v.insert(i, (seq, t));
                self.len += 1;
            }
        }
    }

    fn retain(&mut self, mut keep: impl FnMut(u64, &T) -> bool) {
        let mut len = 0;
        for (s, v) in self.by_session.iter_mut().enumerate() {
            let high = (s as u64) << SEQ_BITS;
            v.retain(|(seq, t)| keep(high | seq, t));
            len += v.len();
        }
        self.len = len;
    }

    fn values(&self) -> impl Iterator<Item = &T> {
        self.by_session.iter().flat_map(|v| v.iter().map(|e| &e.1))
    }

    fn len(&self) -> usize {
        self.len
    }
}

/// What the checker keeps per session.
#[derive(Clone, Debug, Default)]
struct SessionState {
    /// The newest other-session write it read: `(key, the read)`.
    last_foreign: Option<(u32, Seen)>,
    /// Its completed operations (kept only by the bounded checker).
    completed: Completed,
    /// When its latest operation completed.
    last_complete_us: u64,
}

/// Incremental checker state.
///
/// # Bounded memory
///
/// The checker forgets what can no longer change a verdict, so its memory
/// does not grow with the length of a run (see [`Checker::forget_settled`],
/// which the simulation calls at every sample). A version `(epoch, lsn)`
/// is *settled* when every node — running or not — has applied its log up
/// to `lsn` and holds `epoch` there. Then no node can ever lose it: a
/// leader only appends and ships only what it has flushed, a rejoining
/// node rolls back only past the point where its log parts from the
/// leader's (which is after `lsn`, since both hold the same epoch there),
/// a crash keeps at least what was applied, and a re-clone copies a
/// leader's applied state. And since each epoch has one leader (an
/// invariant the swarm checks after every event), the entry at
/// `(epoch, lsn)` is the same write on every node, so every node's data
/// holds that write's key at that version or newer, for good.
///
/// What each check needs, and so what is kept:
///
/// * **Lost writes** judge acknowledged writes against the final log. A
///   settled write cannot be missing from it, so an acknowledged write is
///   kept only until it is settled; an unacknowledged one is never judged.
/// * **Phantom reads** judge the values other sessions read against the
///   final log: kept only until their version is settled.
/// * **Causality** needs, for a write that a later read may return, the
///   write it was made after reading (its cause), so the reader can be
///   held to that cause. Once the cause's version is settled, every read
///   served from then on returns that version of its key or newer, so
///   holding a reader to it can no longer find a violation: the reads
///   that could are served later than the read that would set the
///   obligation, because a session has one operation outstanding at a
///   time. So a write is kept until its cause (if any) is settled.
/// * Reading a forgotten write must still name its writer, for the
///   reader's own causal dependencies: the writer is in the value's high
///   bits, and whether that write had completed (the unbounded checker
///   only knows completed writes) is kept per session as ranges of
///   completed operation ids — one range while operations complete in
///   turn.
/// * **Read-your-writes, monotonic reads, stale reads and split-brain**
///   keep one entry per session and key, per key, and per leader epoch:
///   bounded by the scenario, not by the run's length.
///
/// Two assumptions are watched rather than trusted: if a session ever has
/// two operations outstanding, or two nodes ever lead one epoch, the
/// checker stops forgetting from then on.
#[derive(Clone, Debug, Default)]
pub struct Checker {
    /// Writes a verdict may still need, by their unique value (every write
    /// when keeping everything).
    writes: ValueMap<WriteInfo>,
    /// Newest acknowledged version per key, by key.
    newest: Vec<Option<Seen>>,
    /// Per (session, key): what the session has seen of the key.
    session_keys: BTreeMap<(SessionId, u32), SessionKey>,
    /// Per session, by session id.
    sessions: Vec<SessionState>,
    /// Per (node, epoch): first and last acknowledgement time.
    leaders: BTreeMap<(NodeId, Epoch), (u64, u64)>,
    reported_split: BTreeSet<(NodeId, Epoch, NodeId, Epoch)>,
    /// Versions other sessions read, by value.
    read_versions: ValueMap<Ver>,
    /// Keeps every write to the end (the reference the bounded checker's
    /// verdicts are tested against).
    keep_everything: bool,
    /// Forgetting stopped because an assumption it rests on failed.
    forgetting_stopped: bool,
    /// Values read by a session other than their writer whose write is
    /// missing from the surviving log (set by [`Checker::lost_writes`]).
    pub phantom_reads: u64,
    /// Writes acknowledged as committed unreplicated: their session
    /// cancelled the wait for the synchronous standbys, and was told the
    /// write succeeded though only the leader held it. Flagged as the hole
    /// in "synchronous commit means an acknowledged write survives the
    /// leader", not as an anomaly between operations.
    pub committed_unreplicated: u64,
    /// Of the lost writes, those committed unreplicated (set by
    /// [`Checker::lost_writes`]).
    pub lost_committed_unreplicated: u64,
    /// Counts per kind, in [`ViolationKind::ALL`] order.
    pub counts: [u64; 6],
}

fn count_index(k: ViolationKind) -> usize {
    ViolationKind::ALL.iter().position(|x| *x == k).unwrap_or(0)
}

/// Raises `slot` to `seen` when `seen` is a newer version (or fills it).
fn keep_newest(slot: &mut Option<Seen>, seen: Seen) {
    match slot {
        Some(s) if seen.ver <= s.ver => {}
        _ => *slot = Some(seen),
    }
}

impl Checker {
    /// An empty checker that forgets what can no longer change a verdict.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty checker that keeps every write until the end of the run:
    /// the reference for the test that the bounded checker's verdicts are
    /// the same.
    #[cfg(feature = "unbounded-checker")]
    pub fn keeping_everything() -> Self {
        Checker {
            keep_everything: true,
            ..Self::default()
        }
    }

    /// Number of violations of `kind` so far.
    pub fn count(&self, kind: ViolationKind) -> u64 {
        self.counts[count_index(kind)]
    }

    /// Records kept about individual writes and reads (the part of the
    /// checker's memory that the run's length could grow).
    pub fn records_kept(&self) -> u64 {
        (self.writes.len() + self.read_versions.len()) as u64
    }

    fn found(counts: &mut [u64; 6], v: Violation, out: &mut Vec<Violation>) {
        counts[count_index(v.kind)] += 1;
        out.push(v);
    }

    fn session(&mut self, s: SessionId) -> &mut SessionState {
        let i = s as usize;
        if i >= self.sessions.len() {
            self.sessions.resize_with(i + 1, SessionState::default);
        }
        &mut self.sessions[i]
    }

    /// Feeds one completed operation; returns the violations it reveals.
    pub fn observe(&mut self, op: &OpRecord) -> Vec<Violation> {
        let mut out = Vec::new();
        if !self.keep_everything {
            let id = op.id;
            let seq = id & ((1u64 << SEQ_BITS) - 1);
            let s = self.session(op.session);
            if op.invoke_us < s.last_complete_us {
                // Two operations of one session overlapped.
                self.forgetting_stopped = true;
            }
            let s = self.session(op.session);
            s.last_complete_us = op.complete_us;
            self.session((id >> SEQ_BITS) as SessionId)
                .completed
                .insert(seq);
        }
        match op.kind {
            OpKind::Write => self.observe_write(op, &mut out),
            OpKind::Read if op.ok() => self.observe_read(op, &mut out),
            OpKind::Read => {}
        }
        out
    }

    fn observe_write(&mut self, op: &OpRecord, out: &mut Vec<Violation>) {
        let Some(value) = op.value else { return };
        let seen = Seen {
            ver: (op.epoch, op.lsn),
            op: op.id,
            session: op.session,
            node: op.node,
            t_us: op.complete_us,
        };
        // The write depends on the newest other-session write this session
        // had read before issuing it.
        let cause = self
            .session(op.session)
            .last_foreign
            .filter(|(_, s)| s.t_us <= op.invoke_us);
        let acked = op.acknowledged();
        let unreplicated = op.outcome == Outcome::CommittedUnreplicated;
        self.committed_unreplicated += unreplicated as u64;
        self.writes.insert(
            value,
            WriteInfo {
                seen,
                key: op.key,
                cause,
                acked,
                unreplicated,
            },
        );
        if !acked {
            return;
        }
        let k = op.key as usize;
        if k >= self.newest.len() {
            self.newest.resize(k + 1, None);
        }
        keep_newest(&mut self.newest[k], seen);
        let sk = self.session_keys.entry((op.session, op.key)).or_default();
        keep_newest(&mut sk.own, seen);
        self.observe_leader(op, out);
    }

    fn observe_leader(&mut self, op: &OpRecord, out: &mut Vec<Violation>) {
        let t = op.complete_us;
        let me = (op.node, op.epoch);
        let span = self.leaders.entry(me).or_insert((t, t));
        span.1 = t;
        let first = span.0;
        if self.leaders.len() < 2 {
            return;
        }
        let Checker {
            leaders,
            reported_split,
            counts,
            ..
        } = self;
        for (&(n, e), &(f, l)) in leaders.iter() {
            if n == me.0 || e == me.1 || l < first || f > t {
                continue;
            }
            let pair = if (n, e) < me {
                (n, e, me.0, me.1)
            } else {
                (me.0, me.1, n, e)
            };
            if reported_split.insert(pair) {
                let v = Violation {
                    kind: ViolationKind::SplitBrain,
                    t_us: t,
                    key: 0,
                    op: op.id,
                    session: op.session,
                    node: op.node,
                    other_op: 0,
                    other_session: 0,
                    other_node: n,
                    other_t_us: l,
                    behind_us: 0,
                    behind_lsn: 0,
                };
                Self::found(counts, v, out);
            }
        }
    }

    /// The write of value `v` as a read of it needs it. `None` when no
    /// write of `v` has completed.
    fn writer_of(&self, v: u64) -> Option<Writer> {
        if let Some(w) = self.writes.get(v) {
            return Some(Writer {
                session: w.seen.session,
                cause: w.cause,
                op: w.seen.op,
            });
        }
        if self.keep_everything {
            return None;
        }
        // Forgotten writes completed; their cause no longer matters.
        let session = (v >> SEQ_BITS) as SessionId;
        let seq = v & ((1u64 << SEQ_BITS) - 1);
        self.sessions
            .get(session as usize)
            .filter(|s| s.completed.contains(seq))
            .map(|_| Writer {
                session,
                cause: None,
                op: v,
            })
    }

    fn observe_read(&mut self, op: &OpRecord, out: &mut Vec<Violation>) {
        let ver: Ver = if op.value.is_some() || op.lsn > 0 {
            (op.epoch, op.lsn)
        } else {
            (0, 0)
        };
        let here = Seen {
            ver,
            op: op.id,
            session: op.session,
            node: op.node,
            t_us: op.complete_us,
        };
        let violation = |kind, other: &Seen| Violation {
            kind,
            t_us: op.complete_us,
            key: op.key,
            op: op.id,
            session: op.session,
            node: op.node,
            other_op: other.op,
            other_session: other.session,
            other_node: other.node,
            other_t_us: other.t_us,
            behind_us: op.complete_us.saturating_sub(other.t_us),
            behind_lsn: other.ver.1.saturating_sub(ver.1),
        };
        let counts = &mut self.counts;
        // Stale: older than the newest write acknowledged before we began.
        if let Some(Some(newest)) = self.newest.get(op.key as usize) {
            if newest.t_us < op.invoke_us && ver < newest.ver {
                Self::found(counts, violation(ViolationKind::StaleRead, newest), out);
            }
        }
        let sk = self.session_keys.entry((op.session, op.key)).or_default();
        if let Some(own) = &sk.own {
            if own.t_us < op.invoke_us && ver < own.ver {
                Self::found(counts, violation(ViolationKind::ReadYourWrites, own), out);
            }
        }
        if let Some(prev) = &sk.read {
            if prev.t_us < op.invoke_us && ver < prev.ver {
                Self::found(counts, violation(ViolationKind::MonotonicReads, prev), out);
            }
        }
        if let Some((cause, _effect)) = &sk.must_see {
            if cause.t_us < op.invoke_us && ver < cause.ver {
                Self::found(counts, violation(ViolationKind::Causality, cause), out);
            }
        }
        // Remember what this session has now seen.
        keep_newest(&mut sk.read, here);
        let Some(v) = op.value else { return };
        // Values carry their writer session in the high bits.
        if (v >> SEQ_BITS) as SessionId != op.session {
            self.read_versions.insert(v, ver);
        }
        let Some(Writer {
            session: writer,
            cause,
            op: write_op,
        }) = self.writer_of(v)
        else {
            return;
        };
        if writer != op.session {
            self.session(op.session).last_foreign = Some((op.key, here));
        }
        if let Some((ck, cause)) = cause {
            if ck != op.key {
                // Owed from the moment this read completed.
                let req = Seen {
                    t_us: here.t_us,
                    ..cause
                };
                let slot = &mut self
                    .session_keys
                    .entry((op.session, ck))
                    .or_default()
                    .must_see;
                match slot {
                    Some((s, _)) if req.ver <= s.ver => {}
                    _ => *slot = Some((req, write_op)),
                }
            }
        }
    }

    /// Forgets the writes and reads no verdict can need any more (see the
    /// type's documentation); the simulation calls it at every sample.
    /// `one_leader_per_epoch` is false once two nodes have led one epoch,
    /// after which nothing is forgotten.
    pub(crate) fn forget_settled(&mut self, cluster: &Cluster, one_leader_per_epoch: bool) {
        if !one_leader_per_epoch {
            self.forgetting_stopped = true;
        }
        if self.keep_everything || self.forgetting_stopped {
            return;
        }
        let Some(floor) = cluster.nodes().map(|n| n.wal().applied).min() else {
            return;
        };
        let settled = |(epoch, lsn): Ver| {
            lsn <= floor
                && cluster
                    .nodes()
                    .all(|n| n.wal().epoch_at(lsn) == Some(epoch))
        };
        self.writes.retain(|value, w| {
            // A value that is not its write's id could not be found again
            // among the completed operations: keep it.
            let value_is_its_id = value == w.seen.op;
            let loss_judged = w.acked && !settled(w.seen.ver);
            let cause_owed = w.cause.is_some_and(|(_, c)| !settled(c.ver));
            !value_is_its_id || loss_judged || cause_owed
        });
        self.read_versions.retain(|_, ver| !settled(*ver));
    }

    /// After the run: acknowledged writes that the surviving leader's log
    /// does not hold. `epoch_at(lsn)` reads that log.
    pub fn lost_writes(
        &mut self,
        end_us: u64,
        epoch_at: impl Fn(Lsn) -> Option<Epoch>,
    ) -> Vec<Violation> {
        let mut out = Vec::new();
        self.phantom_reads = self
            .read_versions
            .values()
            .filter(|(e, l)| epoch_at(*l) != Some(*e))
            .count() as u64;
        let lost: Vec<(WriteInfo, u64)> = self
            .writes
            .values()
            .filter(|w| w.acked && epoch_at(w.seen.ver.1) != Some(w.seen.ver.0))
            .map(|w| (*w, w.seen.op))
            .collect();
        self.lost_committed_unreplicated =
            lost.iter().filter(|(w, _)| w.unreplicated).count() as u64;
        for (w, op) in lost {
            let v = Violation {
                kind: ViolationKind::LostWrite,
                t_us: end_us,
                key: w.key,
                op,
                session: w.seen.session,
                node: w.seen.node,
                other_op: op,
                other_session: w.seen.session,
                other_node: w.seen.node,
                other_t_us: w.seen.t_us,
                behind_us: 0,
                behind_lsn: 0,
            };
            Self::found(&mut self.counts, v, &mut out);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(clippy::too_many_arguments)]
    fn op(
        id: u64,
        session: SessionId,
        kind: OpKind,
        key: u32,
        value: Option<u64>,
        node: NodeId,
        t: (u64, u64),
        ver: (Epoch, Lsn),
    ) -> OpRecord {
        OpRecord {
            id,
            session,
            kind,
            key,
            value,
            node,
            invoke_us: t.0,
            complete_us: t.1,
            outcome: Outcome::Ok,
            lsn: ver.1,
            epoch: ver.0,
            applied_lsn: 0,
        }
    }

    fn w(
        id: u64,
        s: SessionId,
        key: u32,
        value: u64,
        node: NodeId,
        t: (u64, u64),
        ver: (Epoch, Lsn),
    ) -> OpRecord {
        op(id, s, OpKind::Write, key, Some(value), node, t, ver)
    }

    fn r(
        id: u64,
        s: SessionId,
        key: u32,
        value: Option<u64>,
        node: NodeId,
        t: (u64, u64),
        ver: (Epoch, Lsn),
    ) -> OpRecord {
        op(id, s, OpKind::Read, key, value, node, t, ver)
    }

    fn kinds(c: &mut Checker, ops: &[OpRecord]) -> Vec<ViolationKind> {
        ops.iter()
            .flat_map(|o| c.observe(o))
            .map(|v| v.kind)
            .collect()
    }

    #[test]
    fn read_your_writes_violation_and_its_absence() {
        let bad = [
            w(1, 0, 7, 100, 0, (0, 10), (1, 5)),
            r(2, 0, 7, Some(99), 1, (20, 25), (1, 3)),
        ];
        let found = kinds(&mut Checker::new(), &bad);
        assert!(found.contains(&ViolationKind::ReadYourWrites));
        let good = [
            w(1, 0, 7, 100, 0, (0, 10), (1, 5)),
            r(2, 0, 7, Some(100), 1, (20, 25), (1, 5)),
        ];
        assert!(kinds(&mut Checker::new(), &good).is_empty());
        // A read that began before the write was acknowledged may miss it.
        let concurrent = [
            w(1, 0, 7, 100, 0, (0, 30), (1, 5)),
            r(2, 0, 7, Some(99), 1, (20, 25), (1, 3)),
        ];
        assert!(kinds(&mut Checker::new(), &concurrent).is_empty());
    }

    #[test]
    fn monotonic_reads_violation_and_its_absence() {
        let bad = [
            r(1, 0, 4, Some(42), 1, (0, 5), (1, 9)),
            r(2, 0, 4, Some(38), 2, (10, 15), (1, 6)),
        ];
        assert_eq!(
            kinds(&mut Checker::new(), &bad),
            [ViolationKind::MonotonicReads]
        );
        let good = [
            r(1, 0, 4, Some(38), 2, (0, 5), (1, 6)),
            r(2, 0, 4, Some(42), 1, (10, 15), (1, 9)),
        ];
        assert!(kinds(&mut Checker::new(), &good).is_empty());
    }

    #[test]
    fn causality_violation_and_its_absence() {
        // Session 0 posts a message (key 1). Session 1 reads it and replies
        // (key 2). Session 2 sees the reply, then reads key 1 from a lagging
        // follower that lacks the message.
        let prefix = [
            w(1, 0, 1, 100, 0, (0, 10), (1, 1)),
            r(2, 1, 1, Some(100), 0, (20, 25), (1, 1)),
            w(3, 1, 2, 200, 0, (30, 40), (1, 2)),
            r(4, 2, 2, Some(200), 0, (50, 55), (1, 2)),
        ];
        let mut c = Checker::new();
        assert!(kinds(&mut c, &prefix).is_empty());
        let bad = r(5, 2, 1, None, 2, (60, 65), (0, 0));
        // It is also a stale read; the causality verdict is the point.
        assert!(kinds(&mut c, &[bad]).contains(&ViolationKind::Causality));
        let mut c = Checker::new();
        kinds(&mut c, &prefix);
        let good = r(5, 2, 1, Some(100), 2, (60, 65), (1, 1));
        assert!(kinds(&mut c, &[good]).is_empty());
    }

    #[test]
    fn stale_read_measures_how_far_behind() {
        let ops = [
            w(1, 0, 3, 100, 0, (0, 1_000), (1, 8)),
            r(2, 1, 3, Some(7), 1, (2_000, 5_000), (1, 5)),
        ];
        let mut c = Checker::new();
        let v: Vec<Violation> = ops.iter().flat_map(|o| c.observe(o)).collect();
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].kind, ViolationKind::StaleRead);
        assert_eq!((v[0].behind_lsn, v[0].behind_us), (3, 4_000));
        let fresh = [
            w(1, 0, 3, 100, 0, (0, 1_000), (1, 8)),
            r(2, 1, 3, Some(100), 1, (2_000, 5_000), (1, 8)),
        ];
        assert!(kinds(&mut Checker::new(), &fresh).is_empty());
    }

    #[test]
    fn a_newer_epoch_beats_a_higher_lsn() {
        // Epoch 2's write at LSN 4 is newer than epoch 1's at LSN 6.
        let ops = [
            r(1, 0, 9, Some(1), 1, (0, 5), (2, 4)),
            r(2, 0, 9, Some(2), 0, (10, 15), (1, 6)),
        ];
        assert_eq!(
            kinds(&mut Checker::new(), &ops),
            [ViolationKind::MonotonicReads]
        );
    }

    #[test]
    fn split_brain_violation_and_its_absence() {
        let overlap = [
            w(1, 0, 1, 100, 0, (0, 10), (1, 1)),
            w(2, 1, 2, 200, 1, (15, 20), (2, 1)),
            w(3, 0, 1, 101, 0, (25, 30), (1, 2)),
        ];
        assert_eq!(
            kinds(&mut Checker::new(), &overlap),
            [ViolationKind::SplitBrain]
        );
        let handover = [
            w(1, 0, 1, 100, 0, (0, 10), (1, 1)),
            w(2, 1, 2, 200, 1, (15, 20), (2, 2)),
            w(3, 1, 2, 201, 1, (25, 30), (2, 3)),
        ];
        assert!(kinds(&mut Checker::new(), &handover).is_empty());
    }

    #[test]
    fn lost_writes_are_those_missing_from_the_final_log() {
        let mut c = Checker::new();
        kinds(
            &mut c,
            &[
                w(1, 0, 1, 100, 0, (0, 10), (1, 1)),
                w(2, 0, 1, 101, 0, (20, 30), (1, 2)),
            ],
        );
        // The surviving log kept LSN 1 of epoch 1; LSN 2 is epoch 2's.
        let lost = c.lost_writes(100, |lsn| if lsn == 1 { Some(1) } else { Some(2) });
        assert_eq!(lost.len(), 1);
        assert_eq!(lost[0].op, 2);
        let mut c = Checker::new();
        kinds(&mut c, &[w(1, 0, 1, 100, 0, (0, 10), (1, 1))]);
        assert!(c.lost_writes(100, |_| Some(1)).is_empty());
    }
}
