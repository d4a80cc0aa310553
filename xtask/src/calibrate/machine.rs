//! The state of the shared machine during a calibration run: load average,
//! CPU and I/O pressure (Linux PSI), and a direct fsync probe.
//!
//! The machine is shared with other compiles and tests, and a sub-
//! millisecond commit is as much a measurement of the scheduler and the
//! virtual disk as of PostgreSQL. The layer records these figures in
//! `docs/calibration.md` so a reader can judge a run, and uses the CPU
//! that other jobs took during a measurement (the machine's busy time minus
//! the calibration's own processes), the I/O pressure, a block's stalled
//! control commits and a failover writer's longest hold-up ([`Busy`]) to
//! decide whether that measurement is repeated once (see `measure.rs`).
//! It never repeats to make a bar pass.

use std::collections::HashMap;
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

/// A snapshot for measuring how busy the machine was over an interval.
#[derive(Clone, Debug)]
pub struct Snapshot {
    /// Busy and total CPU time of the whole machine, in clock ticks.
    cpu_busy: Option<u64>,
    cpu_total: Option<u64>,
    /// CPU ticks used so far by each of the calibration's own processes.
    ours: HashMap<u32, u64>,
    /// Cumulative I/O "some" stall time (PSI), µs.
    io_us: Option<u64>,
    at: Instant,
}

/// How busy the machine was over an interval.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Busy {
    /// CPU used by other jobs, as a share of all cores (0–100 %).
    pub others_cpu_pct: Option<f64>,
    /// Share of wall time some task waited for I/O (PSI; this includes
    /// the calibration's own fsyncs).
    pub io_pct: Option<f64>,
    /// Share of the series' control commits (the `local` commits
    /// interleaved in a block) that took longer than [`STALL_US`]: stalls
    /// of the disk or of the whole virtual machine, which neither other
    /// jobs' CPU nor the I/O pressure (which counts our own fsyncs) shows.
    /// `None` for a series without control commits.
    pub stalled_pct: Option<f64>,
    /// For a failover run: the longest a writer's commit waited across an
    /// edge of the loss window (see `failover.rs`). A failover run is judged by this
    /// alone: its count moves only when acknowledgements are held up around
    /// the cut or the kill, and this sees that directly, where other jobs'
    /// CPU over the whole run does not.
    pub writer_wait_us: Option<u64>,
}

/// Other jobs using more than this share of all cores make a measurement
/// "taken on a busy machine": a single compile job on one core of two is
/// already 50 %.
pub const BUSY_OTHERS_CPU_PCT: f64 = 25.0;
/// I/O pressure above this share of wall time also counts as busy. The
/// calibration's own back-to-back commits wait on fsync much of the time, so
/// only a large share says the disk was held up by someone else.
pub const BUSY_IO_PCT: f64 = 60.0;

/// A local commit slower than this is a stall of the machine, not
/// PostgreSQL's own work: after the block's idle pause one takes 0.6 to
/// 0.7 ms at the median here, and 5 ms is seven times that.
pub const STALL_US: u64 = 5_000;
/// This share of stalled control commits or more makes a block "taken on
/// a stalling machine": once 1 % of the commits beside them stalled, the
/// p99 of the synchronous rows (which wait for two servers' disks and two
/// proxy hops, each exposed to the same stalls) measures the stalls
/// rather than the database. At least, not more than: the control is a
/// sample of 200 to 400 commits, and a p99 of 200 already rests on the
/// third slowest. A fresh run of 27 Nov had 2 stalls in 200 control
/// commits (1.0 %, then not busy) in a block whose `on` series had six
/// commits over 190 ms and a real p99 of 433 ms, four times its median.
pub const BUSY_STALLED_PCT: f64 = 1.0;
/// A failover writer's commit that waited longer than this across an edge
/// of the loss window means the acknowledgements were held up there: three
/// intervals of its schedule, so a shorter hold-up moves at most three
/// acknowledgements across the cut or the kill, the loss bar's slack for
/// small counts. A CI run of 27 Nov acknowledged nothing in the 190 ms
/// before the kill and lost 0 writes where quiet runs lose 9 to 12.
pub const BUSY_WRITER_WAIT_US: u64 = 15_000;

impl Busy {
    pub fn is_busy(&self) -> bool {
        self.others_cpu_pct.is_some_and(|p| p > BUSY_OTHERS_CPU_PCT)
            || self.io_pct.is_some_and(|p| p > BUSY_IO_PCT)
            || self.stalled_pct.is_some_and(|p| p >= BUSY_STALLED_PCT)
            || self.writer_wait_us.is_some_and(|w| w > BUSY_WRITER_WAIT_US)
    }

    /// A single figure for ordering attempts from quiet to busy: how far
    /// over its threshold the worst of the signals was.
    pub fn badness(&self) -> f64 {
        let cpu = self.others_cpu_pct.unwrap_or(0.0) / BUSY_OTHERS_CPU_PCT;
        let io = self.io_pct.unwrap_or(0.0) / BUSY_IO_PCT;
        let stalls = self.stalled_pct.unwrap_or(0.0) / BUSY_STALLED_PCT;
        let wait = self.writer_wait_us.unwrap_or(0) as f64 / BUSY_WRITER_WAIT_US as f64;
        cpu.max(io).max(stalls).max(wait)
    }

    /// `others 3 % CPU, I/O 0 %` (or `n/a`), and `, stalls 1.5 %` for a
    /// series with control commits; `writer waited up to 4.2 ms` for a
    /// failover run.
    pub fn describe(&self) -> String {
        if let Some(wait_us) = self.writer_wait_us {
            return format!("writer waited up to {:.1} ms", wait_us as f64 / 1000.0);
        }
        let pct = |v: Option<f64>| v.map_or("n/a".into(), |v| format!("{v:.0} %"));
        let stalls = self
            .stalled_pct
            .map_or(String::new(), |v| format!(", stalls {v:.1} %"));
        format!(
            "others {} CPU, I/O {}{stalls}",
            pct(self.others_cpu_pct),
            pct(self.io_pct)
        )
    }
}

/// The share of `latencies_us` slower than [`STALL_US`], in per cent.
pub fn stalled_pct(latencies_us: &[u64]) -> Option<f64> {
    if latencies_us.is_empty() {
        return None;
    }
    let stalled = latencies_us.iter().filter(|&&v| v > STALL_US).count();
    Some(stalled as f64 * 100.0 / latencies_us.len() as f64)
}

impl Snapshot {
    /// The machine's counters now; `ours` are the calibration's processes
    /// other than xtask itself (which is always counted).
    pub fn take(ours: &[u32]) -> Snapshot {
        let (cpu_busy, cpu_total) = match machine_ticks() {
            Some((busy, total)) => (Some(busy), Some(total)),
            None => (None, None),
        };
        let mut pids = ours.to_vec();
        pids.push(std::process::id());
        Snapshot {
            cpu_busy,
            cpu_total,
            ours: pids
                .into_iter()
                .filter_map(|pid| Some((pid, process_ticks(pid)?)))
                .collect(),
            io_us: some_total_us("/proc/pressure/io"),
            at: Instant::now(),
        }
    }

    /// How busy the machine was between `self` and `later`.
    pub fn busy_until(&self, later: &Snapshot) -> Busy {
        let others_cpu_pct = match (
            self.cpu_busy,
            self.cpu_total,
            later.cpu_busy,
            later.cpu_total,
        ) {
            (Some(b0), Some(t0), Some(b1), Some(t1)) if t1 > t0 => {
                // A process that started meanwhile counts from zero; one that
                // ended meanwhile is lost (and counted as someone else's).
                let ours: u64 = later
                    .ours
                    .iter()
                    .map(|(pid, ticks)| ticks.saturating_sub(*self.ours.get(pid).unwrap_or(&0)))
                    .sum();
                let others = (b1.saturating_sub(b0)).saturating_sub(ours);
                Some(others as f64 * 100.0 / (t1 - t0) as f64)
            }
            _ => None,
        };
        let wall_us = later.at.duration_since(self.at).as_micros().max(1) as f64;
        let io_pct = match (self.io_us, later.io_us) {
            (Some(a), Some(b)) => Some(b.saturating_sub(a) as f64 * 100.0 / wall_us),
            _ => None,
        };
        Busy {
            others_cpu_pct,
            io_pct,
            stalled_pct: None,
            writer_wait_us: None,
        }
    }
}

/// Busy and total ticks over all CPUs, from the first line of `/proc/stat`
/// (idle and iowait are not busy).
fn machine_ticks() -> Option<(u64, u64)> {
    let text = fs::read_to_string("/proc/stat").ok()?;
    let line = text.lines().next()?.strip_prefix("cpu ")?;
    let fields: Vec<u64> = line
        .split_whitespace()
        .take(8)
        .map(|f| f.parse().ok())
        .collect::<Option<_>>()?;
    let total: u64 = fields.iter().sum();
    let idle = fields.get(3)? + fields.get(4)?;
    Some((total - idle, total))
}

/// User + system ticks of a process, all its threads included.
fn process_ticks(pid: u32) -> Option<u64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat[stat.rfind(')')? + 1..].split_whitespace().collect();
    // After the command name: state is field 3, utime 14 and stime 15.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
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
            others_cpu_pct: Some(3.0),
            io_pct: Some(30.0),
            stalled_pct: None,
            writer_wait_us: None,
        };
        assert!(!quiet.is_busy());
        let compiling = Busy {
            others_cpu_pct: Some(50.0),
            io_pct: Some(0.0),
            stalled_pct: None,
            writer_wait_us: None,
        };
        assert!(compiling.is_busy());
        assert!(compiling.badness() > quiet.badness());
        assert!(!Busy::default().is_busy());
    }

    #[test]
    fn stalled_control_commits_make_a_block_busy() {
        // 800 local commits, 9 of them slower than 5 ms (1.1 %).
        let mut local = vec![650u64; 791];
        local.extend([
            5_001, 7_000, 9_000, 12_000, 26_000, 55_000, 80_000, 250_000, 1_200_000,
        ]);
        let stalls = stalled_pct(&local).unwrap();
        assert!((stalls - 1.125).abs() < 1e-9);
        let stalling = Busy {
            others_cpu_pct: Some(0.0),
            io_pct: Some(5.0),
            stalled_pct: Some(stalls),
            writer_wait_us: None,
        };
        assert!(stalling.is_busy());
        assert!(stalling.describe().ends_with(", stalls 1.1 %"));
        // Eight in 800 (1 %) still are: two in a block's 200.
        let mut eight = vec![650u64; 792];
        eight.extend([6_000; 8]);
        let eight = Busy {
            stalled_pct: stalled_pct(&eight),
            ..stalling
        };
        assert_eq!(eight.stalled_pct, Some(1.0));
        assert!(eight.is_busy());
        // Seven in 799, and one exactly at 5 ms, are not.
        local.truncate(799);
        local[791] = 5_000;
        let calm = Busy {
            stalled_pct: stalled_pct(&local),
            ..stalling
        };
        assert_eq!(calm.stalled_pct, Some(100.0 * 7.0 / 799.0));
        assert!(!calm.is_busy());
        assert!(stalling.badness() > calm.badness());
        assert_eq!(stalled_pct(&[]), None);
    }

    #[test]
    fn a_failover_writer_held_up_past_three_intervals_is_a_stall() {
        let run = |wait_us| Busy {
            writer_wait_us: Some(wait_us),
            ..Busy::default()
        };
        assert!(!run(5_000).is_busy());
        assert!(!run(BUSY_WRITER_WAIT_US).is_busy());
        assert!(run(BUSY_WRITER_WAIT_US + 1).is_busy());
        assert!(run(185_000).badness() > run(20_000).badness());
        assert_eq!(run(185_000).describe(), "writer waited up to 185.0 ms");
    }

    #[test]
    fn others_cpu_excludes_our_processes() {
        let at = Instant::now();
        let snapshot = |busy, total, ours: &[(u32, u64)], io_us| Snapshot {
            cpu_busy: Some(busy),
            cpu_total: Some(total),
            ours: ours.iter().copied().collect(),
            io_us: Some(io_us),
            at,
        };
        // Two cores for one second: 200 ticks, 150 busy, 100 of them ours
        // (process 7 used 60, process 9 started meanwhile and used 40).
        let before = snapshot(1000, 5000, &[(7, 500)], 0);
        let mut after = snapshot(1150, 5200, &[(7, 560), (9, 40)], 0);
        after.at = at + std::time::Duration::from_secs(1);
        after.io_us = Some(250_000);
        let busy = before.busy_until(&after);
        assert_eq!(busy.others_cpu_pct, Some(25.0));
        assert_eq!(busy.io_pct, Some(25.0));
    }

    #[test]
    fn reads_this_machine_and_process() {
        let (busy, total) = machine_ticks().expect("/proc/stat");
        assert!(busy <= total && total > 0);
        let pid = std::process::id();
        let before = process_ticks(pid).expect("/proc/self/stat");
        let started = Instant::now();
        let mut x = 0u64;
        while process_ticks(pid).unwrap() == before {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
            assert!(started.elapsed().as_secs() < 10, "CPU time never advanced");
        }
        std::hint::black_box(x);
    }
}
