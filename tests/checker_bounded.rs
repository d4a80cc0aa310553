//! The consistency checker forgets what can no longer change a verdict,
//! so its memory does not grow with a run's length (see
//! `replica_engine::checker::Checker`). This proves that it loses nothing:
//! over every scenario of the library (and its regressions) and 1,000
//! swarm seeds, the bounded checker and the one that keeps every write to
//! the end reach the same verdicts — every count, the phantom reads,
//! every kept violation, and the trace hash, which covers every violation
//! in the order it was found.

use replica_engine::{swarm, Scenario, ScenarioFile, Simulation};
use std::path::Path;

#[derive(Debug, PartialEq)]
struct Verdicts {
    counts: [u64; 6],
    phantom_reads: u64,
    kept: Vec<replica_engine::checker::Violation>,
    trace_hash: u64,
}

/// What the checker held at the end of a run, and whether every node was
/// running then (a node that stays down holds back forgetting).
struct Held {
    records: u64,
    all_up: bool,
}

/// Runs `scenario` to its end with either checker.
fn verdicts(scenario: Scenario, bounded: bool) -> (Verdicts, Held) {
    let mut sim = Simulation::new(scenario);
    sim.enable_trace_hash();
    if bounded {
        sim.enable_checker();
    } else {
        sim.enable_unbounded_checker();
    }
    sim.run();
    let held = Held {
        records: sim.checker.as_ref().map_or(0, |c| c.records_kept()),
        all_up: (0..sim.cluster().len()).all(|i| sim.cluster().is_up(i as u8)),
    };
    sim.finish();
    let c = sim.checker.as_ref().expect("the checker is on");
    let v = Verdicts {
        counts: c.counts,
        phantom_reads: c.phantom_reads,
        kept: sim.metrics().violations.clone(),
        trace_hash: sim.trace_hash(),
    };
    (v, held)
}

/// Checks one scenario; returns what each checker held at the end, and
/// the number of anomalies found.
fn same_verdicts(what: &str, scenario: Scenario) -> (Held, Held, u64) {
    let (bounded, held_bounded) = verdicts(scenario.clone(), true);
    let (reference, held_all) = verdicts(scenario, false);
    assert_eq!(
        bounded, reference,
        "{what}: the bounded checker's verdicts differ from the unbounded one's"
    );
    let anomalies = bounded.counts.iter().sum::<u64>() + bounded.phantom_reads;
    (held_bounded, held_all, anomalies)
}

fn library_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            library_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "toml") {
            out.push(p);
        }
    }
}

#[test]
fn the_library_gets_the_same_verdicts_from_the_bounded_checker() {
    let mut files = Vec::new();
    library_files(Path::new("scenarios"), &mut files);
    assert!(files.len() > 40, "the scenario library is there");
    let (mut held_bounded, mut held_all, mut anomalies) = (0, 0, 0);
    for f in &files {
        let text = std::fs::read_to_string(f).expect("readable");
        let scenario = ScenarioFile::parse(&text)
            .and_then(|s| s.validate())
            .unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let (b, a, found) = same_verdicts(&f.display().to_string(), scenario);
        anomalies += found;
        if b.all_up {
            held_bounded += b.records;
            held_all += a.records;
        }
    }
    // The comparison is not vacuous: the library finds anomalies, and where
    // every node runs at the end the bounded checker forgot nearly all it
    // saw.
    assert!(anomalies > 1_000, "{anomalies} anomalies");
    assert!(
        held_bounded * 20 < held_all,
        "the bounded checker held {held_bounded} records, the unbounded {held_all}"
    );
}

#[test]
fn swarm_seeds_get_the_same_verdicts_from_the_bounded_checker() {
    for seed in 1..=1_000 {
        let scenario = swarm::generate(seed)
            .validate()
            .unwrap_or_else(|e| panic!("swarm seed {seed}: {e}"));
        same_verdicts(&format!("swarm seed {seed}"), scenario);
    }
}

#[test]
fn the_checker_holds_as_few_records_after_an_hour_as_after_a_minute() {
    let text = std::fs::read_to_string("scenarios/default.toml").expect("readable");
    let mut scenario = ScenarioFile::parse(&text)
        .and_then(|s| s.validate())
        .expect("the default scenario is valid");
    let minute_us = 60_000_000;
    scenario.duration_us = 60 * minute_us;
    scenario.workload.stop_at_us = scenario.duration_us;
    let mut sim = Simulation::new(scenario);
    sim.enable_checker();
    let mut most = 0;
    for minute in 1..=60 {
        sim.run_until(minute * minute_us);
        most = most.max(sim.checker.as_ref().map_or(0, |c| c.records_kept()));
    }
    let writes = sim.metrics().writes_acknowledged;
    assert!(writes > 250_000, "{writes} writes in an hour");
    // A tenth of a second of writes (one sample interval) and a few more.
    assert!(most < 100, "the checker held {most} records at one point");
}
