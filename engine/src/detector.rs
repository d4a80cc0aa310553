//! Failure detection, as something a learner can watch: how long each
//! follower has heard nothing from its leader against the limit after
//! which it gives up on it.
//!
//! Nobody announces that a leader died; the others notice only silence.
//! In election mode each follower runs its own timer (Raft's election
//! timeout; the timer restarts whenever a heartbeat or WAL arrives). In
//! manager mode the external manager holds the leader key with a TTL
//! (Patroni's `ttl`): the leader renews it, and when it runs out every
//! follower's agent may race for it. Manual mode has no detector: nobody
//! acts on the silence. This module is only a read model of that state,
//! computed from the nodes and the manager on demand; nothing in a run
//! depends on it.

//! The state is computed where it lives: `Node::election_detector` and
//! `Manager::key_detector`, gathered per node by
//! `Simulation::failure_detector`.

/// What a follower's detector is timing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DetectorKind {
    /// The follower's own election timer: silence from its leader.
    ElectionTimeout,
    /// The manager's leader key: time since the leader last renewed it.
    LeaderKeyTtl,
}

/// One follower's failure detector at an instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Detector {
    pub kind: DetectorKind,
    /// Silence so far (election), or age of the leader key (manager), µs.
    pub elapsed_us: u64,
    /// The silence or age at which the leader is suspected, µs. In
    /// election mode this is the node's timeout plus its priority stagger
    /// and its per-epoch random spread, so it differs between followers.
    pub limit_us: u64,
    /// The follower has given up on its leader: it is asking for votes
    /// (election), or the key has expired (manager).
    pub suspects: bool,
}

impl Detector {
    /// The share of the limit used so far, in thousandths (0–1000).
    pub fn used_permille(&self) -> u64 {
        if self.limit_us == 0 {
            return 1000;
        }
        (self.elapsed_us.min(self.limit_us) * 1000) / self.limit_us
    }
}
