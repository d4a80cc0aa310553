//! The `replica` command end to end (in-process), and the errors a bad
//! scenario file gets: each names the key path (and line, for parse
//! errors), says what is wrong and how to fix it — never a panic.

use replica::main_with;

fn run(args: &[&str]) -> (i32, String, String) {
    let argv: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = main_with(&argv, &mut out, &mut err);
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

/// Writes `text` to a file of its own: tests run in parallel threads of
/// one process, so two that wrote the same name would race.
fn scenario_file(name: &str, text: &str) -> String {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("replica-cli-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn run_prints_a_summary_and_valid_json() {
    let (code, out, _) = run(&["run", "scenarios/default.toml"]);
    assert_eq!(code, 0);
    assert!(out.contains("commit   p50"));
    let (code, out, _) = run(&["run", "scenarios/default.toml", "--json", "--seed", "5"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).expect("--json prints JSON only");
    assert_eq!(v["seed"], 5);
    assert!(v["commit_latency"]["p50_us"].as_u64().unwrap() > 0);
}

#[test]
fn a_failed_expectation_exits_1_and_prints_the_reproduce_command() {
    let f = scenario_file("fails.toml", "name = \"x\"\nduration_ms = 1000\n[policy]\nsynchronous_commit = \"local\"\n[[expect]]\nmetric = \"writes_acknowledged\"\nmax = 0\n");
    let (code, out, err) = run(&["run", &f, "--json", "--seed", "9"]);
    assert_eq!(code, 1);
    serde_json::from_str::<serde_json::Value>(&out).expect("stdout stays JSON");
    assert!(
        err.contains(&format!("reproduce: replica run {f} --seed 9")),
        "{err}"
    );
}

#[test]
fn history_exports_as_json_and_edn() {
    let json = scenario_file("h.json", "");
    let (code, _, _) = run(&["run", "scenarios/default.toml", "--history", &json]);
    assert_eq!(code, 0);
    let ops: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert!(ops.as_array().unwrap().len() > 100);
    let edn = scenario_file("h.edn", "");
    let (code, _, _) = run(&[
        "run",
        "scenarios/default.toml",
        "--history",
        &edn,
        "--history-format",
        "edn",
    ]);
    assert_eq!(code, 0);
    let text = std::fs::read_to_string(&edn).unwrap();
    assert!(text.starts_with("{:type :invoke"));
    assert!(text.contains(":type :ok, :f :read"));
}

#[test]
fn list_check_and_sweep() {
    let (code, out, _) = run(&["list"]);
    assert_eq!(code, 0);
    assert!(out.lines().count() >= 30);
    assert!(!out.contains("INVALID"));
    let (code, out, _) = run(&[
        "sweep",
        "scenarios/default.toml",
        "--seeds",
        "1..20",
        "--jobs",
        "2",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("20 seeds on 2 threads"));
    assert!(out.contains("expectations held for every seed"));
}

fn error_of(text: &str) -> String {
    let f = scenario_file("bad.toml", text);
    let (code, out, err) = run(&["run", &f]);
    assert_eq!(code, 2, "bad input exits 2: {out}");
    err
}

#[test]
fn parse_errors_name_the_line_and_the_key() {
    let e = error_of("name = \"x\"\n[policy]\nsynchronous_comit = \"on\"\n");
    assert!(
        e.contains("line 3") && e.contains("synchronous_comit"),
        "{e}"
    );
    let e = error_of("duration_ms = \"ten\"\n");
    assert!(e.contains("line 1") && e.contains("duration_ms"), "{e}");
}

#[test]
fn impossible_configurations_are_rejected_with_a_fix() {
    let cases = [
        ("[policy]\nsynchronous_standby_names = \"ANY 3 (n2, n3)\"\n", "policy.synchronous_standby_names"),
        ("[policy]\nsynchronous_standby_names = \"FIRST 1 (n9)\"\n", "unknown node `n9`"),
        ("[policy]\nsynchronous_standby_names = \"FIRST 1 (n1)\"\n", "is the leader"),
        ("[policy]\nmin_replicas_to_write = 5\n", "policy.min_replicas_to_write"),
        ("regions = [\"a\"]\n[[network.links]]\nbetween = [\"a\", \"b\"]\none_way_us = 5\n", "unknown region `b`"),
        ("[network]\nlocal_us = 0\n", "zero is not physical"),
        ("suggested_speed_us_per_ms = 0\n", "suggested_speed_us_per_ms"),
        ("[[faults]]\nat_ms = 1\naction = \"crash\"\nnode = \"zz\"\n", "faults[0].node"),
        ("[[faults]]\nat_ms = 1\naction = \"restart\"\nnode = \"n1\"\npower_loss = true\n", "does not take `power_loss`"),
        ("[[expect]]\nmetric = \"happiness\"\nmin = 1\n", "unknown metric"),
        ("[[expect]]\nmetric = \"promotions\"\nmin = 3\nmax = 1\n", "above max"),
        ("[failover]\nmode = \"manager\"\nttl_ms = 10000\nloop_wait_ms = 5000\nretry_timeout_ms = 5000\n", "failover.ttl_ms"),
        ("[failover]\nfencing = \"lease\"\n", "failover.fencing"),
        ("[workload]\nread_percent = 120\n", "workload.read_percent"),
        ("[[nodes]]\nname = \"a\"\n", "between 2 and 32 nodes"),
        // Found by the `scenario` fuzz target: a time in ms whose µs
        // overflowed u64 (a panic with overflow checks, a wrap without).
        ("[failover]\ntimeout_ms = 306666666666666600\n", "failover.timeout_ms"),
        ("[[faults]]\nat_ms = 9223372036854775807\naction = \"heal_all\"\n", "faults[0].at_ms"),
        ("[network]\ncross_region_us = 9223372036854775807\n", "network.cross_region_us"),
    ];
    for (text, want) in cases {
        let e = error_of(text);
        assert!(e.contains(want), "for {text:?} expected {want:?} in: {e}");
        assert!(e.contains("Fix:") || e.contains("line"), "{e}");
    }
}

/// Every enum-valued key: an unknown word is refused with its line, the
/// key, the word and every accepted word, in the validation errors' form.
#[test]
fn an_unknown_word_names_the_line_the_key_and_every_accepted_word() {
    let cases = [
        ("[policy]\nsynchronous_commit = \"sometimes\"\n", 2, "policy.synchronous_commit", "local, remote_write, on, remote_apply"),
        ("[policy]\non_quorum_unmet = \"sometimes\"\n", 2, "policy.on_quorum_unmet", "block, error, degrade_to_async"),
        ("[policy]\nwait_point = \"sometimes\"\n", 2, "policy.wait_point", "after_sync, after_commit"),
        ("[routing]\nreads = \"sometimes\"\n", 2, "routing.reads", "leader, any_follower, nearest, sticky, leader_after_write, position_token, bounded_staleness"),
        ("[routing]\npick = \"sometimes\"\n", 2, "routing.pick", "random, round_robin"),
        ("[failover]\nmode = \"sometimes\"\n", 2, "failover.mode", "manual, election, manager"),
        ("[failover]\nfencing = \"sometimes\"\n", 2, "failover.fencing", "none, epoch, stonith, lease"),
        ("[[faults]]\nat_ms = 1\naction = \"sometimes\"\n", 3, "faults[].action", "crash, restart, promote, kill_leader, partition, heal, heal_all, isolate, partition_leader, slow_disk, latency_spike"),
    ];
    for (text, line, key, words) in cases {
        let e = error_of(text);
        let want = format!("`{key}`: unknown value `sometimes`. Fix: use one of: {words}.");
        assert!(e.contains(&format!("line {line}")), "{e}");
        assert!(e.contains(&want), "expected {want:?} in: {e}");
    }
    // A wrong type is refused with the same list.
    let e = error_of("[failover]\nfencing = 3\n");
    assert!(
        e.contains("line 2")
            && e.contains("`failover.fencing` as one of: none, epoch, stonith, lease"),
        "{e}"
    );
}

/// `off` is a word PostgreSQL has but the simulator does not model; it is
/// refused with why and what to use instead, not as an unknown word.
#[test]
fn synchronous_commit_off_is_refused_with_its_explanation() {
    let e = error_of("[policy]\nsynchronous_commit = \"off\"\n");
    assert!(
        e.contains("line 2")
            && e.contains("`policy.synchronous_commit`: `off` (acknowledging before the local fsync) is not modelled. Fix: use local"),
        "{e}"
    );
    assert!(!e.contains("unknown value"), "{e}");
}

/// The old spelling `patroni` still reads as the manager, and an
/// enum-valued key round-trips through `to_toml`.
#[test]
fn patroni_is_read_as_manager_and_files_round_trip() {
    use replica_engine::scenario::FailoverMode;
    use replica_engine::ScenarioFile;
    let f = ScenarioFile::parse("[failover]\nmode = \"patroni\"\n").unwrap();
    assert_eq!(f.failover.mode, Some(FailoverMode::Manager));
    assert!(
        f.to_toml().contains("mode = \"manager\""),
        "{}",
        f.to_toml()
    );
    for entry in std::fs::read_dir("scenarios").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|x| x == "toml") {
            let file = ScenarioFile::parse(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let again = ScenarioFile::parse(&file.to_toml()).unwrap();
            assert_eq!(again, file, "{} does not round-trip", path.display());
        }
    }
}

#[test]
fn bad_arguments_get_an_error_and_usage() {
    let (code, _, err) = run(&["run"]);
    assert_eq!(code, 2);
    assert!(err.contains("usage:"));
    let (code, _, err) = run(&["run", "no/such/file.toml"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read"), "{err}");
}
