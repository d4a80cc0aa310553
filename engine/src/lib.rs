//! Replica Lab's engine: a deterministic, sans-IO simulator of
//! leader-follower (primary/replica) replication.
//!
//! A [`Scenario`](scenario::Scenario) describes a cluster, its commit
//! policy, read routing, workload and faults. A
//! [`Simulation`](sim::Simulation) runs it: one value owns virtual time
//! (integer microseconds), the `(time, sequence)` event queue, the seeded
//! portable RNG, the network, the disks and the fault schedule. Nodes
//! ([`node`]) and client sessions ([`client`]) are state machines that are
//! fed events and return effects; they never see a clock or a socket.
//! Everything observable comes out as [`trace::TraceEvent`]s, metrics and
//! an optional history of client operations, summarised by
//! [`report::Report`].
//!
//! The crate is `no_std` + `alloc`; the `std` feature (default) adds the
//! TOML scenario reader.

#![cfg_attr(not(feature = "std"), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod accounting;
pub mod checker;
pub mod client;
pub mod cluster;
pub mod delay;
pub mod detector;
pub mod history;
pub mod invariant;
pub mod manager;
pub mod message;
pub mod metrics;
pub mod network;
pub mod node;
pub mod policy;
pub mod queue;
pub mod report;
pub mod rng;
pub mod routing;
pub mod scenario;
pub mod sim;
pub mod store;
pub mod swarm;
pub mod trace;
pub mod wal;

pub use report::Report;
pub use scenario::{Scenario, ScenarioError, ScenarioFile};
pub use sim::Simulation;
