//! The readable summary `replica run` prints by default.

use replica_engine::Report;
use std::fmt::Write;

fn ms(us: u64) -> String {
    format!("{:.2} ms", us as f64 / 1000.0)
}

/// Renders a report for people.
pub fn render(r: &Report) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "scenario {} (seed {}), {} simulated, {} events",
        r.scenario,
        r.seed,
        ms(r.duration_us),
        r.events
    );
    let _ = writeln!(
        s,
        "writes   {} attempted, {} acknowledged, {} failed (refused {}, quorum timeout {}, client timeout {})",
        r.writes_attempted, r.writes_acknowledged, r.writes_failed, r.writes_refused, r.writes_quorum_timeout, r.writes_client_timeout
    );
    if r.writes_committed_unreplicated > 0 {
        let _ = writeln!(
            s,
            "cancel   {} acknowledged writes committed on the leader only (their wait for the standbys was cancelled), {} of them lost",
            r.writes_committed_unreplicated, r.lost_committed_unreplicated
        );
    }
    let c = &r.commit_latency;
    let _ = writeln!(
        s,
        "commit   p50 {}  p95 {}  p99 {}  max {}",
        ms(c.p50_us),
        ms(c.p95_us),
        ms(c.p99_us),
        ms(c.max_us)
    );
    let _ = writeln!(
        s,
        "reads    {} answered, {} failed, {} stale (worst {} / {} LSNs behind)",
        r.reads_ok,
        r.reads_failed,
        r.stale_reads,
        ms(r.max_stale_us),
        r.max_stale_lsn
    );
    let _ = writeln!(
        s,
        "rate     {} writes/s, {} reads/s",
        r.write_throughput_per_s, r.read_throughput_per_s
    );
    // One class closed-loop is the whole run: nothing more to say.
    if r.classes.len() > 1 || r.classes.iter().any(|c| c.arrivals > 0) {
        for c in &r.classes {
            let _ = write!(
                s,
                "class    {:<10} {} writes/s (commit p50 {}), {} reads/s (p50 {})",
                c.name,
                c.write_throughput_per_s,
                ms(c.commit_latency.p50_us),
                c.read_throughput_per_s,
                ms(c.read_latency.p50_us)
            );
            if c.arrivals > 0 {
                let _ = write!(
                    s,
                    "; {} arrivals, {} shed, schedule lag max {}",
                    c.arrivals,
                    c.arrivals_shed,
                    ms(c.schedule_lag.max_us)
                );
            }
            let _ = writeln!(s);
        }
    }
    for f in &r.followers {
        let _ = writeln!(
            s,
            "lag      {:<10} max {} entries / {}, mean {} entries / {}",
            f.node,
            f.max_lag_entries,
            ms(f.max_lag_us),
            f.mean_lag_entries,
            ms(f.mean_lag_us)
        );
    }
    for p in &r.policy_changes {
        let what = if p.degraded {
            "fell back to async"
        } else {
            "back to sync"
        };
        let _ = writeln!(s, "policy   {} at {}", what, ms(p.t_us));
    }
    for p in &r.promotions {
        let _ = writeln!(
            s,
            "failover node {} became leader of epoch {} at {}",
            p.node,
            p.epoch,
            ms(p.t_us)
        );
    }
    for e in &r.expectations {
        let bound = match (e.min, e.max) {
            (Some(a), Some(b)) if a == b => format!("= {a}"),
            (Some(a), Some(b)) => format!("in {a}..={b}"),
            (Some(a), None) => format!(">= {a}"),
            (None, Some(b)) => format!("<= {b}"),
            (None, None) => String::new(),
        };
        let _ = writeln!(
            s,
            "expect   {} {} {}: {}",
            e.label(),
            bound,
            e.value,
            if e.passed { "ok" } else { "FAILED" }
        );
    }
    s
}
