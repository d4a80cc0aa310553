//! Workload classes: each `[[workload.classes]]` entry has its own
//! sessions, mix and pacing, takes what it leaves unset from `[workload]`,
//! and gets its own figures in the report; an open-loop class offers
//! exactly its rate whatever the cluster's speed.

mod common;
use common::*;
use replica_engine::ScenarioFile;

fn error_of(text: &str) -> String {
    match ScenarioFile::parse(text).and_then(|f| f.validate()) {
        Ok(_) => panic!("accepted: {text}"),
        Err(e) => e.to_string(),
    }
}

/// A leader and one follower in one data centre, asynchronous; `workload`
/// is appended.
fn pair(workload: &str) -> String {
    format!(
        r#"
duration_ms = 10000
[network]
local_us = 500
local_jitter_us = 0
[defaults]
fsync_us = 1000
fsync_jitter_us = 0
[[nodes]]
name = "n1"
[[nodes]]
name = "n2"
[routing]
reads = "leader"
{workload}
"#
    )
}

#[test]
fn workload_alone_is_one_class_named_default_whose_figures_are_the_totals() {
    let (r, _) = run(&pair("[workload]\nsessions = 3\nread_percent = 40\n"));
    assert_eq!(r.classes.len(), 1);
    let c = &r.classes[0];
    assert_eq!((c.name.as_str(), c.sessions), ("default", 3));
    assert!(r.writes_acknowledged > 1_000, "{}", r.writes_acknowledged);
    assert_eq!(c.writes_acknowledged, r.writes_acknowledged);
    assert_eq!(c.reads_ok, r.reads_ok);
    assert_eq!(c.commit_latency, r.commit_latency);
    assert_eq!(c.read_latency, r.read_latency);
    assert_eq!((c.arrivals, c.arrivals_shed), (0, 0), "closed loop");
}

#[test]
fn classes_take_what_they_leave_unset_from_workload_and_number_sessions_in_order() {
    let s = scenario(&pair(
        r#"
[workload]
read_percent = 30
request_timeout_ms = 700
think_time_us = 4000
[[workload.classes]]
name = "a"
sessions = 2
read_percent = 90
[[workload.classes]]
name = "b"
sessions = 3
think_time_us = 1000
"#,
    ));
    let [a, b] = &s.workload.classes[..] else {
        panic!("two classes expected")
    };
    assert_eq!(s.sessions, 5);
    assert_eq!((a.first_session, a.sessions, b.first_session), (0, 2, 2));
    assert_eq!((a.read_percent, b.read_percent), (90, 30));
    assert_eq!(
        (a.request_timeout_us, b.request_timeout_us),
        (700_000, 700_000)
    );
    // A class's own think time brings its own default jitter (a tenth).
    assert_eq!((a.think_us, a.think_jitter_us), (4_000, 400));
    assert_eq!((b.think_us, b.think_jitter_us), (1_000, 100));
    assert_eq!((a.rate_per_s, b.rate_per_s), (None, None));
}

#[test]
fn each_class_reports_its_own_figures_and_they_add_up_to_the_totals() {
    // Class `readers` is sessions 0-1 and `writers` sessions 2-4: cutting
    // clients 0-1 off the cluster at 5 s stalls only the readers.
    let (r, _) = run(&pair(
        r#"
[workload]
request_timeout_ms = 200
[[workload.classes]]
name = "readers"
sessions = 2
read_percent = 100
[[workload.classes]]
name = "writers"
sessions = 3
read_percent = 0
[[faults]]
at_ms = 5000
action = "partition"
between = [["n1", "n2"], ["clients:0-1"]]
"#,
    ));
    let (readers, writers) = (&r.classes[0], &r.classes[1]);
    println!(
        "readers: {} ok / {} failed; writers: {} ok / {} failed",
        readers.reads_ok, readers.reads_failed, writers.writes_acknowledged, writers.writes_failed
    );
    assert_eq!(readers.writes_attempted, 0);
    assert_eq!(writers.reads_ok + writers.reads_failed, 0);
    assert!(
        readers.reads_failed >= 40,
        "the readers time out after the cut"
    );
    assert_eq!(writers.writes_failed, 0, "the writers are not cut off");
    // A reader does ~one read per 11 ms before the cut, then one per
    // 210 ms time-out: about 450 + 24 each.
    assert_within("readers' reads", readers.reads_ok, 800, 1_000);
    // A writer's round is a commit (~2 ms) and ~10.5 ms of thinking.
    assert_within("writers' writes", writers.writes_acknowledged, 2_200, 2_500);
    assert_eq!(readers.reads_ok + writers.reads_ok, r.reads_ok);
    assert_eq!(
        readers.writes_acknowledged + writers.writes_acknowledged,
        r.writes_acknowledged
    );
    assert_eq!(readers.reads_failed + writers.reads_failed, r.reads_failed);
}

#[test]
fn an_open_loop_class_offers_exactly_its_rate() {
    let (r, _) = run(&pair(
        r#"
[workload]
read_percent = 0
[[workload.classes]]
name = "orders"
sessions = 4
rate_per_s = 200
"#,
    ));
    let c = &r.classes[0];
    // 10 s at 200/s: exactly 2,000, each started on time by an idle
    // session (a commit takes ~2 ms, four sessions are plenty).
    assert_eq!(c.arrivals, 2_000);
    assert_eq!(c.writes_attempted, 2_000);
    assert_eq!((c.arrivals_shed, c.arrivals_waiting), (0, 0));
    assert_eq!(c.schedule_lag.max_us, 0);
    assert_eq!(c.writes_acknowledged, 2_000);
    assert_eq!(r.write_throughput_per_s, 200);
}

#[test]
fn a_busy_open_loop_class_sheds_what_waited_a_second() {
    // One session, every commit waits for a standby 50 ms away (a 100 ms
    // round trip): it serves ~10 of the 100 arrivals per second. The
    // rest wait, and each is shed once it has waited a second.
    let text = two_regions(
        r#"
[[nodes]]
name = "n1"
region = "near"
[[nodes]]
name = "n2"
region = "far"
[policy]
synchronous_standby_names = "n2"
[[workload.classes]]
name = "one"
sessions = 1
rate_per_s = 100
"#,
    );
    let (r, _) = run(&text);
    let c = &r.classes[0];
    println!(
        "offered {} started {} shed {} waiting {} lag max {} µs",
        c.arrivals, c.writes_attempted, c.arrivals_shed, c.arrivals_waiting, c.schedule_lag.max_us
    );
    assert_eq!(c.arrivals, 500, "5 s at 100/s");
    assert_within("started", c.writes_attempted, 48, 51);
    // At most a second of arrivals waits at any time.
    assert_within("waiting at the end", c.arrivals_waiting, 90, 100);
    assert_eq!(
        c.arrivals,
        c.writes_attempted + c.arrivals_shed + c.arrivals_waiting
    );
    assert_within("shed", c.arrivals_shed, 340, 370);
    assert_eq!(r.arrivals_shed, c.arrivals_shed);
    // Past the first second, each started arrival is the oldest not yet
    // shed: it waited just under a second.
    assert_within(
        "schedule lag max, ms",
        c.schedule_lag.max_us / 1_000,
        900,
        999,
    );
    assert_within(
        "schedule lag p50, ms",
        c.schedule_lag.p50_us / 1_000,
        890,
        999,
    );
}

#[test]
fn bad_class_settings_are_refused_naming_the_key_and_the_fix() {
    let cases = [
        (
            "[[workload.classes]]\nname = \"a\"\n[[workload.classes]]\nname = \"a\"\n",
            "`workload.classes[1].name`: a second class named `a`",
        ),
        (
            "[[workload.classes]]\nname = \"two words\"\n",
            "`workload.classes[0].name`: `two words` is not a class name",
        ),
        (
            "[[workload.classes]]\nname = \"a\"\nrate_per_s = 0\n",
            "`workload.classes[0].rate_per_s`: 0 operations per second",
        ),
        (
            "[workload]\nrate_per_s = 2000000\n",
            "`workload.rate_per_s`: 2000000 operations per second",
        ),
        (
            "[[workload.classes]]\nname = \"a\"\nrate_per_s = 10\nthink_time_us = 5\n",
            "`workload.classes[0].rate_per_s`: a fixed rate sets when operations start",
        ),
        (
            "[[workload.classes]]\nname = \"a\"\nsessions = 1000\n[[workload.classes]]\nname = \"b\"\nsessions = 100\n",
            "`workload.classes[1].sessions`: 1100 sessions over all classes",
        ),
        (
            "[[workload.classes]]\nname = \"a\"\nread_percent = 101\n",
            "`workload.classes[0].read_percent`: 101 %",
        ),
        (
            "[workload]\nsessions = 0\n[[workload.classes]]\nname = \"a\"\n",
            "`workload.sessions`: 0 sessions",
        ),
        (
            "[[workload.classes]]\nname = \"a\"\n[[expect]]\nmetric = \"reads_ok\"\nclass = \"b\"\nmin = 1\n",
            "`expect[0].class`: unknown workload class `b`. Fix: use one of: a.",
        ),
        (
            "[[expect]]\nmetric = \"promotions\"\nclass = \"default\"\nmin = 1\n",
            "`expect[0].metric`: `promotions` is not a figure of a workload class",
        ),
    ];
    for (text, want) in cases {
        let e = error_of(text);
        assert!(e.contains(want), "for {text:?} expected {want:?} in: {e}");
        assert!(e.contains("Fix:"), "{e}");
    }
    let e = error_of("[[workload.classes]]\nsessions = 2\n");
    assert!(e.contains("missing field `name`"), "{e}");
}

#[test]
fn an_expectation_can_bound_one_class() {
    let (r, _) = run(&pair(
        r#"
[[workload.classes]]
name = "reads"
sessions = 2
read_percent = 100
[[workload.classes]]
name = "writes"
sessions = 2
read_percent = 0
[[expect]]
metric = "writes_acknowledged"
class = "reads"
equals = 0
[[expect]]
metric = "writes_acknowledged"
class = "writes"
min = 1000
[[expect]]
metric = "writes_acknowledged"
max = 10
"#,
    ));
    let passed: Vec<(Option<&str>, bool)> = r
        .expectations
        .iter()
        .map(|e| (e.class.as_deref(), e.passed))
        .collect();
    assert_eq!(
        passed,
        [(Some("reads"), true), (Some("writes"), true), (None, false)]
    );
    assert_eq!(r.expectations[0].value, 0);
    assert_eq!(r.expectations[1].value, r.writes_acknowledged as i64);
}

#[test]
fn the_open_loop_rate_holds_when_the_cluster_slows_and_the_closed_loop_falls() {
    // The library scenario: 200 orders a second (open loop) beside 4 batch
    // sessions (closed loop), the synchronous standby's disk 20 times
    // slower from 4 s to 7 s. Run with and without the slow disk.
    let text = std::fs::read_to_string("scenarios/open-loop-200-commits-per-second.toml").unwrap();
    let (slow, _) = run(&text);
    let calm_text = text.replace("factor = 20", "factor = 1");
    let (calm, _) = run(&calm_text);
    let (orders, batch) = (&slow.classes[0], &slow.classes[1]);
    println!(
        "orders: {} /s (calm {}), commit p99 {} µs (calm {}); batch: {} /s (calm {})",
        orders.write_throughput_per_s,
        calm.classes[0].write_throughput_per_s,
        orders.commit_latency.p99_us,
        calm.classes[0].commit_latency.p99_us,
        batch.write_throughput_per_s,
        calm.classes[1].write_throughput_per_s
    );
    // The slow disk made the slowest commits eight times slower...
    assert!(orders.commit_latency.p99_us > 5 * calm.classes[0].commit_latency.p99_us);
    // ...yet the orders kept their 200 a second, every one started on
    // time by an idle session, none shed.
    assert_eq!(
        (orders.arrivals, orders.writes_acknowledged),
        (2_000, 2_000)
    );
    assert_eq!(orders.write_throughput_per_s, 200);
    assert_eq!(orders.arrivals_shed, 0);
    assert_eq!(orders.schedule_lag.max_us, 0);
    assert_eq!(calm.classes[0].write_throughput_per_s, 200);
    // The closed loop waited for each answer and lost a sixth of its rate.
    assert!(
        batch.write_throughput_per_s * 100 <= calm.classes[1].write_throughput_per_s * 85,
        "batch {} vs calm {}",
        batch.write_throughput_per_s,
        calm.classes[1].write_throughput_per_s
    );
}
