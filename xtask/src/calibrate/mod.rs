//! `cargo xtask calibrate`: measure a real PostgreSQL primary and
//! streaming standby, run the simulator on the same configurations and
//! compare. This commit adds the std-only building blocks: the delay
//! proxy, the wire-protocol client, a JSON reader and percentiles.

mod json;
mod pgwire;
mod proxy;
mod stats;
