//! Property tests over every decoder of outside input the native side has:
//! scenario files (random text, and valid files with random damage) and
//! command-line arguments. None may panic, and every rejection must come
//! with a message. (The page's URL and postMessage decoders are tested in
//! the browser.) `fuzz/` holds the same targets for cargo-fuzz.

use proptest::prelude::*;
use replica::args;
use replica_engine::ScenarioFile;

const LIBRARY: &[&str] = &[
    include_str!("../scenarios/default.toml"),
    include_str!("../scenarios/lesson-07a-split-brain-no-fencing.toml"),
    include_str!("../scenarios/mysql-after-commit-phantom-read.toml"),
    include_str!("../scenarios/postgres-first1-silent-partition.toml"),
    include_str!("../scenarios/matrix-cross-region-reads.toml"),
];

fn decode(text: &str) {
    match ScenarioFile::parse(text).and_then(|f| f.validate()) {
        Ok(s) => assert!(!s.nodes.is_empty()),
        Err(e) => assert!(
            !e.to_string().trim().is_empty(),
            "an empty error for {text:?}"
        ),
    }
}

/// Values that make validation work hard: zero, huge, negative, wrong
/// types, unknown names.
fn damage() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("0".to_string()),
        Just("-1".to_string()),
        Just("18446744073709551615".to_string()),
        Just("99999999999999999999999".to_string()),
        Just("\"\"".to_string()),
        Just("\"nope\"".to_string()),
        Just("[]".to_string()),
        Just("[[\"n1\"], []]".to_string()),
        Just("\"ANY 99 (*)\"".to_string()),
        Just("\"FIRST 0 ()\"".to_string()),
        Just("true".to_string()),
        Just("1.5".to_string()),
        "[a-z0-9 _\\-\\.\"\\[\\],()*:]{0,12}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn random_text_never_panics(text in "\\PC{0,300}") {
        decode(&text);
    }

    #[test]
    fn damaged_library_files_never_panic(file in 0..LIBRARY.len(), line in 0usize..200, value in damage()) {
        let lines: Vec<&str> = LIBRARY[file].lines().collect();
        let i = line % lines.len();
        let damaged: String = lines
            .iter()
            .enumerate()
            .map(|(j, l)| match l.split_once('=') {
                Some((k, _)) if j == i => format!("{k}= {value}\n"),
                _ => format!("{l}\n"),
            })
            .collect();
        decode(&damaged);
    }

    #[test]
    fn random_arguments_never_panic(argv in proptest::collection::vec(prop_oneof![
        Just("run".to_string()), Just("sweep".to_string()), Just("swarm".to_string()),
        Just("check".to_string()), Just("bench".to_string()), Just("--seed".to_string()),
        Just("--seeds".to_string()), Just("--jobs".to_string()), Just("--history-format".to_string()),
        Just("--memory-minutes".to_string()), "[0-9.]{0,6}", "\\PC{0,12}",
    ], 0..6)) {
        if let Err(e) = args::parse(&argv) {
            prop_assert!(!e.message.is_empty());
        }
    }
}

/// Faults reach a running simulation from outside too (a shared link's
/// interventions), bypassing the scenario checks: the most extreme values
/// must slow things down, never overflow time.
#[test]
fn extreme_live_faults_never_overflow_time() {
    use replica_engine::scenario::FaultAction;
    use replica_engine::Simulation;
    let scenario = ScenarioFile::parse(LIBRARY[0])
        .and_then(|f| f.validate())
        .unwrap();
    let end_us = scenario.duration_us;
    let mut sim = Simulation::new(scenario);
    sim.run_until(1_000_000);
    for action in [
        FaultAction::SlowDisk {
            node: 1,
            factor: u32::MAX,
            duration_us: u64::MAX,
        },
        FaultAction::LatencySpike {
            node: 2,
            extra_us: u64::MAX,
            duration_us: u64::MAX,
        },
        FaultAction::LatencySpike {
            node: 0,
            extra_us: u64::MAX / 2,
            duration_us: u64::MAX,
        },
    ] {
        sim.apply_fault(action);
    }
    let mut last_us = sim.now_us();
    while sim.next_event_us().is_some_and(|t| t <= end_us) {
        sim.step();
        assert!(sim.now_us() >= last_us, "time went backwards");
        last_us = sim.now_us();
    }
    assert!(sim.next_event_us().is_some_and(|t| t > end_us));
}
