//! The lab's settings, as edits of the scenario file.
//!
//! Every setting the page offers (followers and their regions, the commit
//! policy, read routing, failover) is a change to a [`ScenarioFile`], the
//! same structure the TOML scenarios are read into, and every change is
//! checked by [`ScenarioFile::validate`] before it reaches the engine. So
//! the page can never configure something a scenario file could not, a
//! setting the engine rejects comes back with the engine's own explanation,
//! and the whole configuration stays one serialisable value (which is what
//! a shareable link will encode).
//!
//! Nothing here touches the engine directly: the reducer validates the
//! edited file and decides whether the change applies live or rebuilds
//! the run.

use replica_engine::network::NodeId;
use replica_engine::policy::{AckPoint, CommitPolicy, OnUnmet, Quorum};
use replica_engine::routing::ReadRouting;
use replica_engine::scenario::defaults::{
    default_node_name, DEFAULT_FAILOVER_TIMEOUT_MS, DEFAULT_NODE_COUNT, DEFAULT_REGION,
};
use replica_engine::scenario::{
    FailoverMode, Fencing, LinkFile, NodeFile, OnQuorumUnmet, Reads, SynchronousCommit,
};
use replica_engine::{Scenario, ScenarioError, ScenarioFile};

/// How the leader decides a write is committed, in the lesson's terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommitMode {
    /// Commit on the leader's own flush; followers catch up later.
    Async,
    /// Wait for the first `k` connected standbys of a priority list
    /// (PostgreSQL `FIRST k (…)`).
    First,
    /// Wait for any `k` of the standbys (PostgreSQL `ANY k (…)`).
    Any,
    /// Wait for any `k`, but fall back to asynchronous after a timeout
    /// (MySQL semi-synchronous replication).
    SemiSync,
}

impl CommitMode {
    /// Every mode, in menu order.
    pub const ALL: [CommitMode; 4] = [
        CommitMode::Async,
        CommitMode::First,
        CommitMode::Any,
        CommitMode::SemiSync,
    ];

    /// Stable key for menus and tests.
    pub fn key(self) -> &'static str {
        match self {
            CommitMode::Async => "async",
            CommitMode::First => "first",
            CommitMode::Any => "any",
            CommitMode::SemiSync => "semisync",
        }
    }

    /// The mode of a key.
    pub fn from_key(key: &str) -> Option<CommitMode> {
        CommitMode::ALL.into_iter().find(|m| m.key() == key)
    }

    /// Menu label.
    pub fn label(self) -> &'static str {
        match self {
            CommitMode::Async => "Asynchronous",
            CommitMode::First => "Synchronous, FIRST k",
            CommitMode::Any => "Quorum, ANY k",
            CommitMode::SemiSync => "Semi-sync (falls back)",
        }
    }

    /// Whether the leader waits for followers at all.
    pub fn waits(self) -> bool {
        self != CommitMode::Async
    }
}

/// Ack points offered, with their labels; the `synchronous_commit` value
/// of each is `SynchronousCommit::waiting_for(ack)`.
pub const ACK_POINTS: [(AckPoint, &str); 3] = [
    (AckPoint::Written, "written (remote_write)"),
    (AckPoint::Flushed, "flushed (on)"),
    (AckPoint::Applied, "applied (remote_apply)"),
];

/// The commit policy as the form on the page edits it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyForm {
    /// Asynchronous, FIRST k, ANY k or semi-sync.
    pub mode: CommitMode,
    /// How many standbys must acknowledge.
    pub k: u8,
    /// Names of the followers that may act as synchronous standbys, in
    /// priority order.
    pub standbys: Vec<String>,
    /// How far a standby must have got.
    pub ack: AckPoint,
    /// Semi-sync: how long to wait before falling back, in ms.
    pub timeout_ms: u64,
}

impl PolicyForm {
    /// The form showing a validated scenario's policy.
    pub fn from_scenario(sc: &Scenario) -> PolicyForm {
        PolicyForm::from_policy(sc, &sc.policy)
    }

    /// The form showing the settings of a file (the default form when the
    /// file does not validate).
    pub fn from_file(file: &ScenarioFile) -> PolicyForm {
        file.validate()
            .map(|sc| PolicyForm::from_scenario(&sc))
            .unwrap_or_else(|_| PolicyForm {
                mode: CommitMode::Async,
                k: 1,
                standbys: follower_names(file),
                ack: AckPoint::Flushed,
                timeout_ms: 1_000,
            })
    }

    /// The form showing `p`, a policy for the cluster of `sc` (node ids
    /// that `sc` lacks are left out).
    pub fn from_policy(sc: &Scenario, p: &CommitPolicy) -> PolicyForm {
        let name = |n: &NodeId| sc.nodes.get(*n as usize).map(|x| x.name.clone());
        let followers: Vec<String> = (0..sc.nodes.len() as NodeId)
            .filter(|n| *n != sc.leader)
            .filter_map(|n| name(&n))
            .collect();
        let timeout_ms = match p.on_unmet {
            OnUnmet::Degrade { after_us } | OnUnmet::Error { after_us } => after_us / 1_000,
            OnUnmet::Block => 1_000,
        };
        let (mode, k, standbys) = match (&p.quorum, p.on_unmet) {
            (Quorum::None, _) => (CommitMode::Async, 1, followers),
            (
                Quorum::First { k, standbys } | Quorum::Any { k, standbys },
                OnUnmet::Degrade { .. },
            ) => (
                CommitMode::SemiSync,
                *k,
                standbys.iter().filter_map(name).collect(),
            ),
            (Quorum::First { k, standbys }, _) => (
                CommitMode::First,
                *k,
                standbys.iter().filter_map(name).collect(),
            ),
            (Quorum::Any { k, standbys }, _) => (
                CommitMode::Any,
                *k,
                standbys.iter().filter_map(name).collect(),
            ),
        };
        PolicyForm {
            mode,
            k: k.max(1),
            standbys,
            ack: p.ack,
            timeout_ms,
        }
    }

    /// Writes the form into the file's `[policy]` table.
    pub fn write(&self, file: &mut ScenarioFile) {
        let p = &mut file.policy;
        let degrading = p.on_quorum_unmet == Some(OnQuorumUnmet::DegradeToAsync);
        if self.mode == CommitMode::Async {
            p.synchronous_commit = Some(SynchronousCommit::Local);
            p.synchronous_standby_names = None;
            if degrading {
                p.on_quorum_unmet = None;
            }
            return;
        }
        p.synchronous_commit = Some(SynchronousCommit::waiting_for(self.ack));
        let method = if self.mode == CommitMode::First {
            "FIRST"
        } else {
            "ANY"
        };
        p.synchronous_standby_names = Some(format!(
            "{method} {} ({})",
            self.k,
            self.standbys.join(", ")
        ));
        if self.mode == CommitMode::SemiSync {
            p.on_quorum_unmet = Some(OnQuorumUnmet::DegradeToAsync);
            p.quorum_timeout_ms = Some(self.timeout_ms);
        } else if degrading {
            p.on_quorum_unmet = Some(OnQuorumUnmet::Block);
        }
    }

    /// The other side of the sync-versus-async comparison: asynchronous
    /// for a policy that waits, and otherwise synchronous FIRST k over the
    /// chosen standbys (by default: every follower).
    pub fn counterpart(&self) -> PolicyForm {
        let mode = if self.mode.waits() {
            CommitMode::Async
        } else {
            CommitMode::First
        };
        let k = if self.mode.waits() {
            self.k
        } else {
            self.standbys.len().max(1) as u8
        };
        PolicyForm {
            mode,
            k,
            ..self.clone()
        }
    }

    /// One line for people, e.g. `FIRST 1 (far), flushed`.
    pub fn describe(&self) -> String {
        match self.mode {
            CommitMode::Async => "asynchronous".into(),
            m => {
                let method = if m == CommitMode::First {
                    "FIRST"
                } else {
                    "ANY"
                };
                let ack = SynchronousCommit::waiting_for(self.ack);
                let fallback = if m == CommitMode::SemiSync {
                    format!(", async after {} ms", self.timeout_ms)
                } else {
                    String::new()
                };
                format!(
                    "{method} {} ({}), {ack}{fallback}",
                    self.k,
                    self.standbys.join(", ")
                )
            }
        }
    }

    /// Keeps the form consistent with the followers the cluster now has:
    /// drops standbys that are gone, adds new followers when every
    /// follower was a standby, and keeps `k` within the list.
    pub fn reconcile(&mut self, before: &[String], followers: &[String]) {
        let all_before = before.iter().all(|f| self.standbys.contains(f));
        self.standbys.retain(|s| followers.contains(s));
        if all_before {
            for f in followers {
                if !self.standbys.contains(f) {
                    self.standbys.push(f.clone());
                }
            }
        }
        if self.standbys.is_empty() {
            self.standbys = followers.to_vec();
        }
        self.k = self.k.clamp(1, self.standbys.len().max(1) as u8);
    }
}

/// The commit policy a form would give, checked by the engine.
pub fn policy_of(file: &ScenarioFile, form: &PolicyForm) -> Result<CommitPolicy, String> {
    let mut f = file.clone();
    form.write(&mut f);
    f.validate().map(|s| s.policy).map_err(|e| e.to_string())
}

/// Read routing choices, with their labels.
pub const ROUTINGS: &[(Reads, &str)] = &[
    (Reads::Leader, "Leader only"),
    (Reads::AnyFollower, "Any follower"),
    (Reads::Nearest, "Nearest node"),
    (Reads::Sticky, "Sticky follower per session"),
    (Reads::LeaderAfterWrite, "Leader for a while after a write"),
    (Reads::PositionToken, "Position token (wait for my LSN)"),
    (Reads::BoundedStaleness, "Bounded staleness"),
];

/// The `[routing] reads` value of a routing policy the engine runs.
pub fn reads_of(r: &ReadRouting) -> Reads {
    match r {
        ReadRouting::Leader => Reads::Leader,
        ReadRouting::AnyFollower { .. } => Reads::AnyFollower,
        ReadRouting::Nearest => Reads::Nearest,
        ReadRouting::Sticky => Reads::Sticky,
        ReadRouting::LeaderAfterWrite { .. } => Reads::LeaderAfterWrite,
        ReadRouting::PositionToken { .. } => Reads::PositionToken,
        ReadRouting::BoundedStaleness { .. } => Reads::BoundedStaleness,
    }
}

/// A routing's time window as the page shows it: the `[routing]` key that
/// sets it, the field's label in the lesson's words, and its value in ms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RoutingWindow {
    /// The `[routing]` key (`leader_after_write_ms`, `token_wait_ms`,
    /// `max_staleness_ms`).
    pub key: &'static str,
    /// The field's label.
    pub label: &'static str,
    /// The window, in ms.
    pub ms: u64,
}

/// The time window of a routing, if it has one: how long reads go to the
/// leader after a write, how long a follower may wait for a session's
/// position, or how far behind a follower may be.
pub fn routing_window(r: &ReadRouting) -> Option<RoutingWindow> {
    let (label, us) = match *r {
        ReadRouting::LeaderAfterWrite { window_us, .. } => {
            ("Read from the leader for (ms) after a write", window_us)
        }
        ReadRouting::PositionToken { wait_us, .. } => ("Wait for my position up to (ms)", wait_us),
        ReadRouting::BoundedStaleness { max_lag_us, .. } => {
            ("Max staleness of a follower read (ms)", max_lag_us)
        }
        _ => return None,
    };
    Some(RoutingWindow {
        key: window_key(reads_of(r))?,
        label,
        ms: us / 1_000,
    })
}

/// The `[routing]` key of the window a `reads` value uses, if any.
fn window_key(reads: Reads) -> Option<&'static str> {
    Some(match reads {
        Reads::LeaderAfterWrite => "leader_after_write_ms",
        Reads::PositionToken => "token_wait_ms",
        Reads::BoundedStaleness => "max_staleness_ms",
        _ => return None,
    })
}

/// Sets `[routing] reads` to `reads` and its window to what the learner
/// typed, in ms. Text that is not a whole number of ms (a negative number,
/// nothing) is refused under the window's key, like a value the engine
/// refuses; `reads` without a window is left as it is.
pub fn set_routing_window(
    file: &mut ScenarioFile,
    reads: Reads,
    typed: &str,
) -> Result<(), ScenarioError> {
    let Some(key) = window_key(reads) else {
        return Ok(());
    };
    let ms = typed
        .trim()
        .parse::<u64>()
        .map_err(|_| ScenarioError::Invalid {
            path: format!("routing.{key}"),
            problem: match typed.trim() {
                "" => "no number was given".to_string(),
                t => format!("{t} is not a whole number of milliseconds"),
            },
            fix: "use 0 or more".to_string(),
        })?;
    file.routing.reads = Some(reads);
    let slot = match reads {
        Reads::LeaderAfterWrite => &mut file.routing.leader_after_write_ms,
        Reads::PositionToken => &mut file.routing.token_wait_ms,
        _ => &mut file.routing.max_staleness_ms,
    };
    *slot = Some(ms);
    Ok(())
}

/// The `synchronous_commit` word of an ack point.
pub fn ack_word(ack: AckPoint) -> &'static str {
    SynchronousCommit::waiting_for(ack).word()
}

/// The failure-detector timeout in effect, in ms: the leader key's time
/// to live under the external manager, the election timeout otherwise.
pub fn detector_timeout_ms(sc: &Scenario) -> u64 {
    match sc.failover.mode {
        FailoverMode::Manager => sc.failover.ttl_us / 1_000,
        _ => sc.failover.election_timeout_us / 1_000,
    }
}

/// Routings that prevent read-your-writes anomalies (the lesson's two
/// mitigations).
pub const MITIGATIONS: &[Reads] = &[Reads::Leader, Reads::LeaderAfterWrite, Reads::PositionToken];

/// Failover managers offered, with their labels.
pub const FAILOVER_MODES: &[(FailoverMode, &str)] = &[
    (FailoverMode::Manual, "Manual (nobody promotes)"),
    (FailoverMode::Election, "Election among the nodes"),
    (FailoverMode::Manager, "Patroni-style (TTL lock)"),
];

/// Fencing modes offered, with their labels.
pub const FENCING: &[(Fencing, &str)] = &[
    (Fencing::None, "None"),
    (Fencing::Epoch, "Epoch numbers (reject stale leader)"),
    (Fencing::Stonith, "STONITH (power off old leader)"),
    (Fencing::Lease, "Leader lease"),
];

/// Regions the page can add: `(name, one-way latency from the leader's
/// region in µs)`.
pub const REGION_PRESETS: &[(&str, u64)] =
    &[("zone-b", 1_000), ("far", 50_000), ("remote", 150_000)];

/// Region names of the file (the default region when it names none).
pub fn regions(file: &ScenarioFile) -> Vec<String> {
    if file.regions.is_empty() {
        vec![DEFAULT_REGION.to_string()]
    } else {
        file.regions.clone()
    }
}

/// Gives the file an explicit node list (the engine's default is three
/// nodes `n1`…`n3`, the first leading), so nodes can be edited.
pub fn materialize_nodes(file: &mut ScenarioFile) {
    if file.nodes.is_empty() {
        file.nodes = (0..DEFAULT_NODE_COUNT as usize)
            .map(|i| NodeFile {
                name: Some(default_node_name(i)),
                leader: Some(i == 0),
                ..NodeFile::default()
            })
            .collect();
    }
}

/// Index of the leader in the file's node list.
pub fn leader_index(file: &ScenarioFile) -> usize {
    file.nodes
        .iter()
        .position(|n| n.leader == Some(true))
        .unwrap_or(0)
}

/// The display name of node `i` of the file.
pub fn node_name(file: &ScenarioFile, i: usize) -> String {
    file.nodes
        .get(i)
        .and_then(|n| n.name.clone())
        .unwrap_or_else(|| default_node_name(i))
}

/// Names of the file's followers, in node order.
pub fn follower_names(file: &ScenarioFile) -> Vec<String> {
    let mut f = file.clone();
    materialize_nodes(&mut f);
    let leader = leader_index(&f);
    (0..f.nodes.len())
        .filter(|&i| i != leader)
        .map(|i| node_name(&f, i))
        .collect()
}

/// The region node `i` is placed in.
pub fn region_of(file: &ScenarioFile, i: usize) -> String {
    file.nodes
        .get(i)
        .and_then(|n| n.region.clone())
        .or_else(|| file.defaults.region.clone())
        .unwrap_or_else(|| regions(file)[0].clone())
}

/// Most followers the page offers.
pub const MAX_FOLLOWERS: usize = 6;

/// Sets the number of followers: new ones are named `f1`, `f2`, … (the
/// first free name) and placed in the leader's region; removing takes the
/// last follower.
pub fn set_follower_count(file: &mut ScenarioFile, n: usize) {
    materialize_nodes(file);
    let n = n.clamp(1, MAX_FOLLOWERS);
    let leader = leader_index(file);
    let leader_region = region_of(file, leader);
    while file.nodes.len() - 1 > n {
        let last = (0..file.nodes.len()).rev().find(|&i| i != leader);
        match last {
            Some(i) => {
                file.nodes.remove(i);
            }
            None => break,
        }
    }
    let mut k = 1;
    while file.nodes.len() - 1 < n {
        let taken: Vec<String> = (0..file.nodes.len()).map(|i| node_name(file, i)).collect();
        while taken.contains(&format!("f{k}")) {
            k += 1;
        }
        file.nodes.push(NodeFile {
            name: Some(format!("f{k}")),
            region: Some(leader_region.clone()),
            ..NodeFile::default()
        });
    }
}

/// Moves node `name` to `region`. A preset region the file does not have
/// yet is added, with its latency to the leader's region.
pub fn set_region(file: &mut ScenarioFile, name: &str, region: &str) {
    materialize_nodes(file);
    let Some(i) = (0..file.nodes.len()).find(|&i| node_name(file, i) == name) else {
        return;
    };
    let mut names = regions(file);
    if !names.iter().any(|r| r == region) {
        let Some((_, one_way_us)) = REGION_PRESETS.iter().find(|(r, _)| *r == region) else {
            return;
        };
        let leader_region = region_of(file, leader_index(file));
        names.push(region.to_string());
        file.regions = names;
        file.network.links.push(LinkFile {
            between: vec![leader_region, region.to_string()],
            one_way_us: Some(*one_way_us),
            jitter_us: Some((one_way_us / 25).max(50)),
            percentiles_us: None,
            loss_ppm: None,
        });
    }
    file.nodes[i].region = Some(region.to_string());
}

/// Sets `[routing] reads` to the value a menu word names.
pub fn set_routing(file: &mut ScenarioFile, word: &str) -> Result<(), ScenarioError> {
    file.routing.reads = Some(Reads::parse(word)?);
    Ok(())
}

/// Sets `[failover] mode` to the value a menu word names. The external
/// manager's detector is its leader key's time to live, so it takes its
/// timing from the detector timeout.
pub fn set_failover_mode(file: &mut ScenarioFile, word: &str) -> Result<(), ScenarioError> {
    let mode = FailoverMode::parse(word)?;
    file.failover.mode = Some(mode);
    if mode == FailoverMode::Manager {
        let ttl = file
            .failover
            .timeout_ms
            .unwrap_or(DEFAULT_FAILOVER_TIMEOUT_MS);
        set_manager_timing(file, ttl);
    }
    Ok(())
}

/// Sets the failure-detector timeout (`[failover] timeout_ms`, and the
/// manager's timing when a manager promotes).
pub fn set_failover_timeout(file: &mut ScenarioFile, ms: u64) {
    file.failover.timeout_ms = Some(ms);
    if file.failover.mode == Some(FailoverMode::Manager) {
        set_manager_timing(file, ms);
    }
}

/// Sets `[failover] fencing` to the value a menu word names.
pub fn set_fencing(file: &mut ScenarioFile, word: &str) -> Result<(), ScenarioError> {
    file.failover.fencing = Some(Fencing::parse(word)?);
    Ok(())
}

/// The manager's timing for a detector timeout: its leader key lives that
/// long (`ttl`), and the HA loop and the retry timeout are a third of it
/// each, Patroni's own proportions (30 s, 10 s, 10 s), which keep
/// `loop_wait + 2 × retry_timeout ≤ ttl`.
fn set_manager_timing(file: &mut ScenarioFile, ttl_ms: u64) {
    let third = (ttl_ms / 3).max(1);
    let f = &mut file.failover;
    f.ttl_ms = Some(ttl_ms);
    f.loop_wait_ms = Some(third);
    f.retry_timeout_ms = Some(third);
}

/// One-way latency from the leader's region to region `r`, in µs.
pub fn distance_us(sc: &Scenario, leader_region: usize, r: usize) -> u64 {
    sc.links
        .get(leader_region * sc.regions.len() + r)
        .map_or(0, |l| l.base_us)
}
