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

/// Incremental checker state.
#[derive(Clone, Debug, Default)]
pub struct Checker {
    /// Every write seen, by its unique value.
    writes: BTreeMap<u64, WriteInfo>,
    /// Newest acknowledged version per key.
    newest: BTreeMap<u32, Seen>,
    /// Per (session, key): the session's newest acknowledged write.
    own: BTreeMap<(SessionId, u32), Seen>,
    /// Per (session, key): the newest version the session read.
    read: BTreeMap<(SessionId, u32), Seen>,
    /// Per (session, key): the version the session must see from now on,
    /// because it saw something that depends on it: `(cause, effect op)`.
    must_see: BTreeMap<(SessionId, u32), (Seen, u64)>,
    /// Per session: the newest other-session write it read.
    last_foreign: BTreeMap<SessionId, (u32, Seen)>,
    /// Per (node, epoch): first and last acknowledgement time.
    leaders: BTreeMap<(NodeId, Epoch), (u64, u64)>,
    reported_split: BTreeSet<(NodeId, Epoch, NodeId, Epoch)>,
    /// Versions other sessions read, by value.
    read_versions: BTreeMap<u64, Ver>,
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

impl Checker {
    /// An empty checker.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of violations of `kind` so far.
    pub fn count(&self, kind: ViolationKind) -> u64 {
        self.counts[count_index(kind)]
    }

    fn found(&mut self, v: Violation, out: &mut Vec<Violation>) {
        self.counts[count_index(v.kind)] += 1;
        out.push(v);
    }

    /// Feeds one completed operation; returns the violations it reveals.
    pub fn observe(&mut self, op: &OpRecord) -> Vec<Violation> {
        let mut out = Vec::new();
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
            .last_foreign
            .get(&op.session)
            .filter(|(_, s)| s.t_us <= op.invoke_us)
            .copied();
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
        let newest = self.newest.entry(op.key).or_insert(seen);
        if seen.ver > newest.ver {
            *newest = seen;
        }
        let own = self.own.entry((op.session, op.key)).or_insert(seen);
        if seen.ver > own.ver {
            *own = seen;
        }
        self.observe_leader(op, out);
    }

    fn observe_leader(&mut self, op: &OpRecord, out: &mut Vec<Violation>) {
        let t = op.complete_us;
        let me = (op.node, op.epoch);
        let span = self.leaders.entry(me).or_insert((t, t));
        span.1 = t;
        let first = span.0;
        let overlapping: Vec<((NodeId, Epoch), (u64, u64))> = self
            .leaders
            .iter()
            .filter(|((n, e), (f, l))| *n != me.0 && *e != me.1 && *l >= first && *f <= t)
            .map(|(k, v)| (*k, *v))
            .collect();
        for ((n, e), (_, l)) in overlapping {
            let pair = if (n, e) < me {
                (n, e, me.0, me.1)
            } else {
                (me.0, me.1, n, e)
            };
            if self.reported_split.insert(pair) {
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
                self.found(v, out);
            }
        }
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
        let sk = (op.session, op.key);
        // Stale: older than the newest write acknowledged before we began.
        if let Some(newest) = self.newest.get(&op.key).copied() {
            if newest.t_us < op.invoke_us && ver < newest.ver {
                self.found(violation(ViolationKind::StaleRead, &newest), out);
            }
        }
        if let Some(own) = self.own.get(&sk).copied() {
            if own.t_us < op.invoke_us && ver < own.ver {
                self.found(violation(ViolationKind::ReadYourWrites, &own), out);
            }
        }
        if let Some(prev) = self.read.get(&sk).copied() {
            if prev.t_us < op.invoke_us && ver < prev.ver {
                self.found(violation(ViolationKind::MonotonicReads, &prev), out);
            }
        }
        if let Some((cause, _effect)) = self.must_see.get(&sk).copied() {
            if cause.t_us < op.invoke_us && ver < cause.ver {
                self.found(violation(ViolationKind::Causality, &cause), out);
            }
        }
        // Remember what this session has now seen.
        let r = self.read.entry(sk).or_insert(here);
        if ver > r.ver {
            *r = here;
        }
        if let Some(v) = op.value {
            // Values carry their writer session in the high bits.
            if (v >> 40) as SessionId != op.session {
                self.read_versions.insert(v, ver);
            }
        }
        if let Some(w) = op.value.and_then(|v| self.writes.get(&v)).copied() {
            if w.seen.session != op.session {
                self.last_foreign.insert(op.session, (op.key, here));
            }
            if let Some((ck, cause)) = w.cause {
                if ck != op.key {
                    // Owed from the moment this read completed.
                    let req = Seen {
                        t_us: here.t_us,
                        ..cause
                    };
                    let slot = self
                        .must_see
                        .entry((op.session, ck))
                        .or_insert((req, w.seen.op));
                    if req.ver > slot.0.ver {
                        *slot = (req, w.seen.op);
                    }
                }
            }
        }
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
            .iter()
            .filter(|(_, w)| w.acked && epoch_at(w.seen.ver.1) != Some(w.seen.ver.0))
            .map(|(_, w)| (*w, w.seen.op))
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
            self.found(v, &mut out);
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
