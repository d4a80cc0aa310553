//! Client sessions and the workload they generate.
//!
//! The workload is made of classes ([`WorkloadClass`]), each with its own
//! sessions, read share and pacing. A session is a connection: it has at
//! most one operation outstanding ([`session`]). A closed-loop class's
//! sessions issue the next operation a think time after each answer, so a
//! slow cluster gets fewer requests. An open-loop class's operations
//! arrive on a fixed schedule whatever the cluster's speed
//! ([`arrivals`]): each arrival goes to an idle session of the class, or
//! waits in the class's bounded backlog, or is shed when that is full.

pub mod arrivals;
pub mod session;

pub use crate::scenario::{Workload, WorkloadClass};
pub use arrivals::Arrivals;
pub use session::{ClientEffect, Session};
