//! Long-tailed delays: an fsync or a link drawn from a table of quantiles
//! reaches the p99 a real disk or network shows, which a uniform jitter
//! around the same median cannot.

mod common;
use common::*;

const TAIL: &str = "fsync_percentiles_us = [80, 160, 430, 590, 2000, 6000]";
const UNIFORM: &str = "fsync_us = 120\nfsync_jitter_us = 80";

fn local_commits(disk: &str) -> String {
    format!(
        r#"
duration_ms = 10000
[network]
local_us = 9
local_jitter_us = 3
[[nodes]]
name = "primary"
leader = true
{disk}
[[nodes]]
name = "standby"
[policy]
synchronous_commit = "local"
[workload]
sessions = 1
think_time_us = 50
think_jitter_us = 0
read_percent = 0
request_timeout_ms = 0
"#
    )
}

#[test]
fn a_tailed_fsync_gives_a_p99_several_times_the_median() {
    let (tail, _) = run(&local_commits(TAIL));
    let (uniform, _) = run(&local_commits(UNIFORM));
    let (t, u) = (tail.commit_latency, uniform.commit_latency);
    // Same median, within 15 %...
    assert_within("tailed p50 µs", t.p50_us, 180, 240);
    assert_within("uniform p50 µs", u.p50_us, 180, 240);
    // ...but only the table reaches a real disk's tail.
    assert!(
        t.p99_us * 10 >= t.p50_us * 25,
        "tailed p99 {} vs p50 {}",
        t.p99_us,
        t.p50_us
    );
    assert!(
        u.p99_us * 10 <= u.p50_us * 14,
        "uniform p99 {} vs p50 {}",
        u.p99_us,
        u.p50_us
    );
    assert!(t.max_us >= 2_000, "the rare multi-millisecond fsync shows");
}

#[test]
fn a_tailed_link_delays_a_synchronous_commit_by_its_own_tail() {
    let text = r#"
duration_ms = 10000
regions = ["here", "there"]
[[network.links]]
between = ["here", "there"]
percentiles_us = [9000, 10000, 10500, 14000, 25000, 40000]
[[nodes]]
name = "primary"
region = "here"
leader = true
[[nodes]]
name = "s1"
region = "there"
[policy]
synchronous_standby_names = "FIRST 1 (s1)"
[workload]
sessions = 1
think_time_us = 1000
read_percent = 0
request_timeout_ms = 0
"#;
    let (r, _) = run(text);
    let c = r.commit_latency;
    // A round trip: two one-way draws, each around 10 ms at the median.
    assert_within("p50 µs", c.p50_us, 20_000, 23_500);
    assert!(
        c.p99_us >= 25_000,
        "the link's tail shows at p99: {}",
        c.p99_us
    );
}

#[test]
fn a_table_out_of_order_or_beside_a_base_is_refused() {
    let bad = [
        (
            local_commits("fsync_percentiles_us = [80, 160, 100, 590, 2000, 6000]"),
            "nodes[0].fsync_percentiles_us",
        ),
        (
            local_commits("fsync_percentiles_us = [80, 160, 430]"),
            "nodes[0].fsync_percentiles_us",
        ),
        (
            local_commits(&format!("{TAIL}\nfsync_us = 100")),
            "nodes[0].fsync_percentiles_us",
        ),
    ];
    for (text, path) in bad {
        let err = replica_engine::ScenarioFile::parse(&text)
            .and_then(|f| f.validate())
            .expect_err("refused")
            .to_string();
        assert!(err.contains(path), "{err}");
    }
}
