//! The words a scenario file may give an enum-valued key, each as a serde
//! enum that knows its spelling.
//!
//! Each word is written once, in the `spelled!` list of its enum, which
//! gives the enum its serde form (so the TOML and JSON readers accept
//! exactly these words), [`word`] for writing a value back, and [`parse`],
//! the one reading of a word, which the serde reader and the page's menus
//! share. A word that is not accepted gets the same error everywhere: the
//! key, the word, and every accepted word; a word that is known but not
//! modelled (`synchronous_commit = "off"`) gets its explanation instead.
//! Nothing else in the workspace compares these strings: the decoders and
//! the page match on the enums.
//!
//! [`word`]: Fencing::word
//! [`parse`]: Fencing::parse

use super::error::ScenarioError;
use crate::policy::{AckPoint, Visibility};
use crate::routing::Pick;
use alloc::format;
use alloc::string::String;
use core::fmt;
use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

/// Declares an enum whose variants are the words a key accepts:
/// `Variant = "word"`, optionally `| "alias"` for an older spelling that is
/// still read (and written back as `word`). After the enum, `refuses "w"
/// ("problem", "fix")` names a word that is known but not modelled, so the
/// reader explains why instead of calling it unknown.
macro_rules! spelled {
    (
        $(#[$meta:meta])*
        pub enum $name:ident at $key:literal {
            $(
                $(#[$vmeta:meta])*
                $variant:ident = $word:literal $(| $alias:literal)?,
            )+
        }
        $(refuses $refused:literal ($problem:literal, $fix:literal);)*
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $(
                $(#[$vmeta])*
                $variant,
            )+
        }

        impl $name {
            /// The key that takes these words, as error messages name it.
            pub const KEY: &'static str = $key;

            /// Every value, in the order the format lists them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The word a scenario file uses for this value.
            pub const fn word(self) -> &'static str {
                match self {
                    $($name::$variant => $word,)+
                }
            }

            /// The value a word names (an alias included), if any.
            pub fn from_word(word: &str) -> Option<$name> {
                match word {
                    $($word $(| $alias)? => Some($name::$variant),)+
                    _ => None,
                }
            }

            /// The value a word names, or why the word is refused: the
            /// one reading of these words, for files and the page alike.
            pub fn parse(word: &str) -> Result<$name, ScenarioError> {
                $(
                    if word == $refused {
                        return Err(refused(Self::KEY, $problem, $fix));
                    }
                )*
                $name::from_word(word).ok_or_else(|| unknown(Self::KEY, word, Self::ALL.iter().map(|v| v.word())))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.word())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.word())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<$name, D::Error> {
                struct Words;
                impl de::Visitor<'_> for Words {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        write!(f, "`{}` as one of: ", $key)?;
                        write_words(f, $name::ALL.iter().map(|v| v.word()))
                    }
                    fn visit_str<E: de::Error>(self, word: &str) -> Result<$name, E> {
                        $name::parse(word).map_err(E::custom)
                    }
                }
                d.deserialize_str(Words)
            }
        }
    };
}

/// `a, b, c` (no trailing separator).
fn write_words<'a>(f: &mut dyn fmt::Write, words: impl Iterator<Item = &'a str>) -> fmt::Result {
    for (i, w) in words.enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        f.write_str(w)?;
    }
    Ok(())
}

/// A word no value has.
fn unknown<'a>(key: &str, word: &str, words: impl Iterator<Item = &'a str>) -> ScenarioError {
    let mut fix = String::from("use one of: ");
    let _ = write_words(&mut fix, words);
    ScenarioError::Invalid {
        path: String::from(key),
        problem: format!("unknown value `{word}`"),
        fix,
    }
}

/// A known word for something the simulator does not model.
fn refused(key: &str, problem: &str, fix: &str) -> ScenarioError {
    ScenarioError::Invalid {
        path: String::from(key),
        problem: String::from(problem),
        fix: String::from(fix),
    }
}

spelled! {
    /// `[policy] synchronous_commit`: how far the synchronous standbys must
    /// have got before the leader acknowledges a write (PostgreSQL's names).
    pub enum SynchronousCommit at "policy.synchronous_commit" {
        /// Asynchronous: commit at the leader's own fsync.
        Local = "local",
        /// A standby has handed the entry to its OS.
        RemoteWrite = "remote_write",
        /// A standby has fsynced the entry.
        On = "on",
        /// A standby has replayed the entry, so reads there see it.
        RemoteApply = "remote_apply",
    }
    refuses "off" (
        "`off` (acknowledging before the local fsync) is not modelled",
        "use local: commits then wait for the leader's own fsync only"
    );
}

impl SynchronousCommit {
    /// The point a standby must reach for its acknowledgement to count;
    /// `None` for `local`, which waits for no standby.
    pub const fn standby_ack(self) -> Option<AckPoint> {
        match self {
            SynchronousCommit::Local => None,
            SynchronousCommit::RemoteWrite => Some(AckPoint::Written),
            SynchronousCommit::On => Some(AckPoint::Flushed),
            SynchronousCommit::RemoteApply => Some(AckPoint::Applied),
        }
    }

    /// The value that waits for a standby to reach `ack`.
    pub const fn waiting_for(ack: AckPoint) -> SynchronousCommit {
        match ack {
            AckPoint::Written => SynchronousCommit::RemoteWrite,
            AckPoint::Flushed => SynchronousCommit::On,
            AckPoint::Applied => SynchronousCommit::RemoteApply,
        }
    }
}

spelled! {
    /// `[policy] on_quorum_unmet`: what the leader does while the
    /// synchronous standbys do not answer.
    pub enum OnQuorumUnmet at "policy.on_quorum_unmet" {
        /// Wait for ever (PostgreSQL).
        Block = "block",
        /// Fail the write after `quorum_timeout_ms`; it stays on the leader.
        Error = "error",
        /// Switch to asynchronous commit after `quorum_timeout_ms` (MySQL
        /// semi-sync).
        DegradeToAsync = "degrade_to_async",
    }
}

spelled! {
    /// `[policy] wait_point`: when the leader's own readers see a write
    /// (MySQL's `rpl_semi_sync_source_wait_point`).
    pub enum WaitPoint at "policy.wait_point" {
        /// Once it commits under the policy.
        AfterSync = "after_sync",
        /// Once it is flushed locally, before the acknowledgements.
        AfterCommit = "after_commit",
    }
}

impl WaitPoint {
    /// The visibility rule this wait point sets.
    pub const fn visibility(self) -> Visibility {
        match self {
            WaitPoint::AfterSync => Visibility::AfterSync,
            WaitPoint::AfterCommit => Visibility::AfterCommit,
        }
    }
}

spelled! {
    /// `[routing] reads`: where reads go.
    pub enum Reads at "routing.reads" {
        /// Every read to the leader.
        Leader = "leader",
        /// Any healthy follower.
        AnyFollower = "any_follower",
        /// The healthy node nearest the session, leader included.
        Nearest = "nearest",
        /// One follower per session, kept while it is healthy.
        Sticky = "sticky",
        /// The leader for a while after the session's own write.
        LeaderAfterWrite = "leader_after_write",
        /// A follower that has applied the session's position.
        PositionToken = "position_token",
        /// Followers lagging at most `max_staleness_ms`.
        BoundedStaleness = "bounded_staleness",
    }
}

spelled! {
    /// `[routing] pick`: how one follower is chosen among several.
    pub enum PickFollower at "routing.pick" {
        /// Uniformly at random.
        Random = "random",
        /// In turn, per session.
        RoundRobin = "round_robin",
    }
}

impl PickFollower {
    /// The routing layer's rule.
    pub const fn pick(self) -> Pick {
        match self {
            PickFollower::Random => Pick::Random,
            PickFollower::RoundRobin => Pick::RoundRobin,
        }
    }
}

spelled! {
    /// `[failover] mode`: how failures are detected and handled.
    pub enum FailoverMode at "failover.mode" {
        /// Nobody promotes a follower: a dead leader stays dead (plain
        /// PostgreSQL or MySQL without a manager).
        Manual = "manual",
        /// Followers elect a new leader among themselves (Raft-like, as in
        /// MongoDB replica sets).
        Election = "election",
        /// An external manager holding a leader lease in a coordination
        /// store promotes and demotes nodes (Patroni-like).
        Manager = "manager" | "patroni",
    }
}

spelled! {
    /// `[failover] fencing`: how an old leader is kept from accepting
    /// writes after a failover.
    pub enum Fencing at "failover.fencing" {
        /// Nothing stops it while it cannot hear the new leader.
        None = "none",
        /// Nodes and clients refuse messages from an older epoch, and a
        /// leader that sees a newer epoch steps down.
        Epoch = "epoch",
        /// The new leader's side powers the old leader off before taking
        /// over, and waits when it cannot reach it.
        Stonith = "stonith",
        /// A leader refuses writes once its lease (renewed by a majority)
        /// has expired by its own clock.
        Lease = "lease",
    }
}

spelled! {
    /// `[[faults]] action`: what a scheduled fault does.
    pub enum FaultKind at "faults[].action" {
        /// A node stops.
        Crash = "crash",
        /// A down node starts again.
        Restart = "restart",
        /// An operator promotes a node (`pg_ctl promote`).
        Promote = "promote",
        /// Whichever node leads at that moment crashes.
        KillLeader = "kill_leader",
        /// Cut the messages between two groups.
        Partition = "partition",
        /// Heal the cuts between two groups.
        Heal = "heal",
        /// Heal every cut.
        HealAll = "heal_all",
        /// Cut a node off from every other endpoint.
        Isolate = "isolate",
        /// Cut the current leader off from the other nodes.
        PartitionLeader = "partition_leader",
        /// A node's disk gets slower for a while.
        SlowDisk = "slow_disk",
        /// Messages to and from a node take longer for a while.
        LatencySpike = "latency_spike",
    }
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;

    /// Every value is written as its word and read back as itself, by
    /// serde and by `from_word`: no two values of an enum share a word.
    #[test]
    fn serde_and_words_agree() {
        fn check<T>(all: &[T], word: fn(T) -> &'static str, from: fn(&str) -> Option<T>)
        where
            T: Copy + PartialEq + fmt::Debug + Serialize + for<'de> Deserialize<'de>,
        {
            for &v in all {
                let json = serde_json::to_string(&v).unwrap();
                assert_eq!(json, format!("\"{}\"", word(v)));
                assert_eq!(serde_json::from_str::<T>(&json).unwrap(), v);
                assert_eq!(from(word(v)), Some(v));
            }
        }
        check(
            SynchronousCommit::ALL,
            SynchronousCommit::word,
            SynchronousCommit::from_word,
        );
        check(
            OnQuorumUnmet::ALL,
            OnQuorumUnmet::word,
            OnQuorumUnmet::from_word,
        );
        check(WaitPoint::ALL, WaitPoint::word, WaitPoint::from_word);
        check(Reads::ALL, Reads::word, Reads::from_word);
        check(
            PickFollower::ALL,
            PickFollower::word,
            PickFollower::from_word,
        );
        check(
            FailoverMode::ALL,
            FailoverMode::word,
            FailoverMode::from_word,
        );
        check(Fencing::ALL, Fencing::word, Fencing::from_word);
        check(FaultKind::ALL, FaultKind::word, FaultKind::from_word);
    }

    #[test]
    fn the_patroni_alias_reads_as_the_manager_and_writes_back_as_manager() {
        let m: FailoverMode = serde_json::from_str("\"patroni\"").unwrap();
        assert_eq!(m, FailoverMode::Manager);
        assert_eq!(
            FailoverMode::from_word("patroni"),
            Some(FailoverMode::Manager)
        );
        assert_eq!(serde_json::to_string(&m).unwrap(), "\"manager\"");
    }

    #[test]
    fn an_unknown_word_names_the_key_and_every_accepted_word() {
        let e = Fencing::parse("bogus").unwrap_err().to_string();
        assert_eq!(
            e,
            "`failover.fencing`: unknown value `bogus`. Fix: use one of: none, epoch, stonith, lease."
        );
    }
}
