//! The lab's state, changed only by its reducer.
//!
//! - [`run`]: one simulation and what the page keeps from its trace,
//!   advanced in slices, replaying the log of interventions;
//! - [`checkpoints`]: saved copies of the main run, to seek from;
//! - [`ahead`]: the run computed ahead of the playhead in idle time;
//! - [`series`]: the live charts' samples;
//! - [`tradeoff`]: the failure-detection trade-off table's whole runs;
//! - [`lab`]: the whole state ([`Lab`]), its [`Action`]s and
//!   [`Lab::apply`], the one writer.

pub mod ahead;
pub mod checkpoints;
pub mod lab;
pub mod run;
pub mod series;
pub mod tradeoff;

pub use crate::log::{Change, Intervention};
pub use crate::speeds::{DEFAULT_SPEED, SPEEDS};
pub use ahead::AheadState;
pub use checkpoints::{Checkpoint, Checkpoints};
pub use lab::{capacity, link_cut, Action, ChapterState, End, Lab, SweepRow, LINGER_MS, LIVE_MS};
pub use run::Run;
pub use series::{Sample, Series, MAX_SAMPLES};
pub use tradeoff::TradeoffRow;
