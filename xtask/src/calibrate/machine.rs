//! The state of the shared machine during a calibration run: load average,
//! CPU and I/O pressure (Linux PSI), and a direct fsync probe.
//!
//! The machine is shared with other compiles and tests, and a sub-
//! millisecond commit is as much a measurement of the scheduler and the
//! virtual disk as of PostgreSQL. The layer records these figures in
//! `docs/calibration.md` so a reader can judge a run, and uses the pressure
//! during a measurement to decide whether that measurement is repeated
//! once (see `measure.rs`). It never repeats to make a bar pass.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use super::stats::Samples;

/// The 1-, 5- and 15-minute load averages.
pub fn load_average() -> Option<[f64; 3]> {
    let text = fs::read_to_string("/proc/loadavg").ok()?;
    let mut fields = text.split_whitespace().map(|f| f.parse::<f64>().ok());
    Some([fields.next()??, fields.next()??, fields.next()??])
}

/// Cumulative "some" stall times (µs) from `/proc/pressure/{cpu,io}`: the
/// time at least one runnable task waited for a CPU, or for I/O.
#[derive(Clone, Copy, Debug)]
pub struct Pressure {
    at: Instant,
    cpu_us: Option<u64>,
    io_us: Option<u64>,
}

/// Pressure over an interval, as a share of its wall time (0–100 %).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Busy {
    pub cpu_pct: Option<f64>,
    pub io_pct: Option<f64>,
}

/// A measurement counts as taken on a busy machine above this share of
/// CPU or I/O stall: on a quiet machine the calibration's own processes
/// stay below about a tenth of this.
pub const BUSY_PCT: f64 = 20.0;

impl Busy {
    pub fn is_busy(&self) -> bool {
        self.cpu_pct.is_some_and(|p| p > BUSY_PCT) || self.io_pct.is_some_and(|p| p > BUSY_PCT)
    }

    /// The larger of the two shares, for ordering attempts from quiet to busy.
    pub fn worst_pct(&self) -> f64 {
        self.cpu_pct.unwrap_or(0.0).max(self.io_pct.unwrap_or(0.0))
    }

    /// `cpu 3 %, io 0 %` (or `n/a` without PSI).
    pub fn describe(&self) -> String {
        let pct = |v: Option<f64>| v.map_or("n/a".into(), |v| format!("{v:.0} %"));
        format!("cpu {}, io {}", pct(self.cpu_pct), pct(self.io_pct))
    }
}

impl Pressure {
    pub fn now() -> Pressure {
        Pressure {
            at: Instant::now(),
            cpu_us: some_total_us("/proc/pressure/cpu"),
            io_us: some_total_us("/proc/pressure/io"),
        }
    }

    /// The pressure between `self` and now.
    pub fn since(&self) -> Busy {
        let later = Pressure::now();
        let wall_us = later.at.duration_since(self.at).as_micros().max(1) as f64;
        let share = |a: Option<u64>, b: Option<u64>| match (a, b) {
            (Some(a), Some(b)) => Some(b.saturating_sub(a) as f64 * 100.0 / wall_us),
            _ => None,
        };
        Busy {
            cpu_pct: share(self.cpu_us, later.cpu_us),
            io_pct: share(self.io_us, later.io_us),
        }
    }
}

fn some_total_us(path: &str) -> Option<u64> {
    let text = fs::read_to_string(path).ok()?;
    let line = text.lines().find(|line| line.starts_with("some "))?;
    line.split_whitespace()
        .find_map(|field| field.strip_prefix("total="))?
        .parse()
        .ok()
}

/// What the fsync probe measured: 8 kB written and `fdatasync`ed per
/// operation, as one WAL page per commit.
#[derive(Clone, Debug)]
pub struct FsyncProbe {
    pub ops: usize,
    pub p50_us: u64,
    pub p99_us: u64,
}

/// Writes and `fdatasync`s 8 kB at a time into a file in `dir` for up to
/// `budget` or `max_ops` operations, like `pg_test_fsync`'s fdatasync line.
pub fn fsync_probe(dir: &Path, budget: Duration, max_ops: usize) -> Result<FsyncProbe, String> {
    let path = dir.join("fsync-probe.bin");
    let mut file: File = OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .open(&path)
        .map_err(|err| format!("{}: {err}", path.display()))?;
    let page = [0x5Au8; 8192];
    // Allocate the blocks first, so the probe times fdatasync on an
    // existing extent as WAL segments (pre-allocated) do.
    for _ in 0..max_ops.min(256) {
        file.write_all(&page).map_err(|err| err.to_string())?;
    }
    file.sync_all().map_err(|err| err.to_string())?;
    let started = Instant::now();
    let mut times_us = Vec::new();
    let mut offset = 0u64;
    while times_us.len() < max_ops && started.elapsed() < budget {
        use std::io::{Seek, SeekFrom};
        file.seek(SeekFrom::Start(offset % (256 * 8192)))
            .map_err(|err| err.to_string())?;
        let t = Instant::now();
        file.write_all(&page).map_err(|err| err.to_string())?;
        file.sync_data().map_err(|err| err.to_string())?;
        times_us.push(t.elapsed().as_micros() as u64);
        offset += 8192;
    }
    let _ = fs::remove_file(&path);
    let samples = Samples::new(times_us);
    Ok(FsyncProbe {
        ops: samples.len(),
        p50_us: samples
            .p50_us()
            .ok_or("fsync probe: no operation completed")?,
        p99_us: samples.p99_us().unwrap_or(0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_threshold() {
        let quiet = Busy {
            cpu_pct: Some(3.0),
            io_pct: Some(0.0),
        };
        assert!(!quiet.is_busy());
        let busy = Busy {
            cpu_pct: Some(3.0),
            io_pct: Some(45.0),
        };
        assert!(busy.is_busy());
        assert_eq!(busy.worst_pct(), 45.0);
        assert!(!Busy::default().is_busy());
    }
}
