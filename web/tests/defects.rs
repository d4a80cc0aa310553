//! The ten defects issue 13 found, each as a test of the view model
//! against the engine that fails on the old page's behaviour (343adc4) and
//! passes now. What only the rendered page can show (stale `<select>`
//! values, text colliding, radio buttons, contrast, emoji) is tested in
//! `tests/e2e/defects.test.mjs`, `overlap.test.mjs` and `a11y.test.mjs`.
//!
//! Runs natively under `cargo test -p replica-web` and in the browser.

mod common;

use common::truth;
use replica_engine::checker::ViolationKind;
use replica_engine::history::OpKind;
use replica_engine::scenario::FaultAction;
use replica_web::library;
use replica_web::probe;
use replica_web::settings::{self, CommitMode};
use replica_web::state::{Action, End, Lab, SPEEDS};
use replica_web::timeline::Step;
use replica_web::view::sequence::SequenceBody;
use replica_web::view::{self, View, Viewer};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn view_of(lab: &Lab) -> View {
    view::build(lab, Viewer::default())
}

/// A lab on `name` with its file edited by `edit` (a rebuild, as the
/// failover form does).
fn edited(name: &str, edit: impl FnOnce(&mut replica_engine::ScenarioFile)) -> Lab {
    let mut lab = common::lab(name);
    let mut file = library::load(name).expect("library");
    edit(&mut file);
    // Reset rebuilds from the settings in effect, as a form's edit does.
    lab.file = std::rc::Rc::new(file);
    lab.apply(Action::Reset);
    assert_eq!(lab.banner, None);
    lab
}

// 1. Controls out of step with the run.

#[wasm_bindgen_test(unsupported = test)]
fn d1_after_rewind_and_seeks_the_forms_show_the_settings_of_that_instant() {
    let mut lab = common::lab("lesson-02b-sync-cross-region");
    let start = view_of(&lab).commit.form.clone();
    assert!(start.mode.waits(), "the scenario starts synchronous");
    common::play_ms(&mut lab, 1_000);
    let mut form = start.clone();
    form.mode = CommitMode::Async;
    lab.apply(Action::SetPolicy(form));
    common::play_ms(&mut lab, 1_000);
    let v = view_of(&lab);
    assert_eq!(v.commit.form.mode, CommitMode::Async);
    assert_eq!(v.readouts.policy.key, "async");
    // Rewind: time zero, when the policy was synchronous.
    lab.apply(Action::Rewind);
    let v = view_of(&lab);
    assert_eq!(v.commit.form.mode, start.mode, "the form at time zero");
    assert_eq!(v.readouts.policy.key, "sync", "the engine at time zero");
    assert!(v.commit.since.contains("start"), "{}", v.commit.since);
    // Seeks either side of the change.
    for (t, waits) in [(1_500_000, false), (500_000, true), (1_999_000, false)] {
        lab.apply(Action::Seek(t));
        let v = view_of(&lab);
        assert_eq!(v.commit.form.mode.waits(), waits, "form at {t}");
        assert_eq!(v.readouts.policy.key == "sync", waits, "engine at {t}");
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn d1_a_chapter_shows_its_own_speed_scenario_and_failover_settings() {
    use replica_web::chapters::CHAPTERS;
    let mut lab = common::lab("default");
    for (i, ch) in CHAPTERS.iter().enumerate() {
        lab.apply(Action::OpenChapter(Some(i)));
        let v = view_of(&lab);
        // The speed menu shows the chapter scenario's suggested speed
        // (the file's own value), or the faster one a far key event needs
        // (`chapters.rs` checks when), and it is the one the run goes at
        // once "Run the experiment" is pressed.
        let file_speed = library::load(ch.scenario)
            .unwrap()
            .suggested_speed_us_per_ms
            .unwrap();
        let asked = ch.faster.map_or(file_speed, |i| SPEEDS[i].0);
        assert_eq!(SPEEDS[v.run.speed].0, asked, "chapter {}", i + 1);
        assert_eq!(SPEEDS[lab.speed].0, asked, "chapter {}", i + 1);
        lab.apply(Action::SetPlaying(true));
        let t0 = lab.now_us();
        common::play_frames(&mut lab, 100, 100.0);
        assert!(lab.playing, "chapter {}: still running", i + 1);
        assert_eq!(
            lab.now_us() - t0,
            asked * 100,
            "chapter {}: 100 ms of wall time run at the shown speed",
            i + 1
        );
        assert_eq!(
            SPEEDS[view_of(&lab).run.speed].0,
            asked,
            "chapter {}",
            i + 1
        );
        assert_eq!(v.experiment.scenario, ch.scenario, "chapter {}", i + 1);
        let sc = library::load(ch.scenario).unwrap().validate().unwrap();
        assert_eq!(v.failover.mode, sc.failover.mode.word());
        assert_eq!(v.failover.fencing, sc.failover.fencing.word());
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn d1_a_change_at_a_past_instant_forks_the_run_there() {
    let mut lab = common::lab("sync-vs-async-cross-region");
    common::play_ms(&mut lab, 1_500);
    lab.apply(Action::SetRouting("leader".into()));
    common::play_ms(&mut lab, 500);
    lab.apply(Action::Seek(700_000));
    lab.apply(Action::SetRouting("any_follower".into()));
    assert_eq!(
        lab.log.len(),
        1,
        "the later change is dropped: the run forks"
    );
    assert_eq!(lab.log[0].t_us, 700_000);
    lab.apply(Action::Seek(1_800_000));
    assert_eq!(view_of(&lab).routing.key, "any_follower");
}

// 2. Roles mislabelled in close-ups.

#[wasm_bindgen_test(unsupported = test)]
fn d2_close_ups_label_each_lane_with_its_role_at_that_instant() {
    for (name, kind) in [
        (
            "lesson-04b-anomaly-monotonic-reads",
            ViolationKind::MonotonicReads,
        ),
        ("lesson-04c-anomaly-causality", ViolationKind::Causality),
    ] {
        let mut lab = common::lab(name);
        common::play_ms(&mut lab, 6_000);
        common::pause(&mut lab);
        let v = *probe::violations(&lab.main.borrow().sim)
            .iter()
            .find(|v| v.kind == kind)
            .unwrap_or_else(|| panic!("{name}: no {kind:?}"));
        lab.apply(Action::JumpTo(v));
        let view = view_of(&lab);
        let SequenceBody::Focus { diagram, .. } = &view.sequence.body else {
            panic!("{name}: no close-up");
        };
        let leader = view.readouts.leader.clone().expect("a leader");
        let roles: Vec<(String, String)> = diagram
            .lanes
            .iter()
            .skip(1)
            .map(|l| (l.role.clone(), l.name.clone()))
            .collect();
        for (role, node) in &roles {
            let truth = if *node == leader {
                "LEADER"
            } else {
                "FOLLOWER"
            };
            assert_eq!(role, truth, "{name}: lane {node} in {roles:?}");
        }
        assert_eq!(
            roles
                .iter()
                .filter(|(r, _)| r.starts_with("LEADER"))
                .count(),
            1
        );
    }
}

// 3. FENCED only on a node that refuses writes now.

/// Whether `node` acknowledged a write completing in `(from, to]`.
fn acked_between(sim: &replica_engine::Simulation, node: u8, from: u64, to: u64) -> bool {
    sim.history.iter().flatten().any(|o| {
        o.kind == OpKind::Write
            && o.ok()
            && o.node == node
            && o.complete_us > from
            && o.complete_us <= to
    })
}

#[wasm_bindgen_test(unsupported = test)]
fn d3_an_epoch_fenced_old_leader_that_still_acknowledges_is_not_fenced() {
    // Epoch fencing with asynchronous commit: the cut-off old leader keeps
    // acknowledging the writes of the sessions that reach it.
    let name = "lesson-07a-split-brain-no-fencing";
    let lab0 = edited(name, |f| {
        settings::set_fencing(f, "epoch").expect("a fencing")
    });
    let sc = lab0.base.as_ref().clone();
    let mut lab = lab0;
    let mut sim = truth::simulation(&sc, lab.seed);
    let mut seen_old = false;
    let mut last = 0;
    for t in (5_500_000..10_000_000).step_by(250_000) {
        lab.apply(Action::Seek(t));
        truth::run_to(&mut sim, &[], t);
        let v = view_of(&lab);
        let old = &v.cluster.nodes[0];
        if old.role == "leader" && probe::current_leader(&sim) != Some(0) {
            seen_old = true;
            assert_ne!(old.state.key(), "fenced", "at {t}: tagged FENCED");
            if acked_between(&sim, 0, last, t) {
                assert_eq!(old.state.key(), "stale-leader", "at {t}");
            }
        }
        for n in &v.cluster.nodes {
            if n.state.key() == "fenced" {
                assert!(
                    !acked_between(&sim, n.id, t, t + 1),
                    "a FENCED node acknowledged"
                );
            }
        }
        last = t;
    }
    assert!(seen_old, "an old leader existed beside the new one");
    assert!(
        acked_between(&sim, 0, 6_500_000, 10_000_000),
        "the old leader acknowledged writes after the election"
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn d3_under_stonith_the_only_leader_is_never_fenced() {
    let mut lab = common::lab("lesson-07c-fencing-stonith");
    let mut candidate_above_leader = 0;
    for t in (0..lab.base.duration_us).step_by(100_000) {
        lab.apply(Action::Seek(t));
        let v = view_of(&lab);
        let leaders: Vec<_> = v
            .cluster
            .nodes
            .iter()
            .filter(|n| n.role == "leader" && n.up)
            .collect();
        if let [only] = leaders.as_slice() {
            if v.cluster.nodes.iter().any(|n| n.up && n.epoch > only.epoch) {
                // Where the old page tagged the only leader FENCED.
                candidate_above_leader += 1;
            }
        }
        assert!(
            v.cluster.nodes.iter().all(|n| n.state.key() != "fenced"),
            "at {t}: FENCED without a lease"
        );
    }
    assert!(
        candidate_above_leader > 0,
        "a node campaigned in a newer epoch than the leader"
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn d3_a_leader_whose_lease_ran_out_is_fenced_and_refuses_writes() {
    let name = "lesson-07a-split-brain-no-fencing";
    let mut lab = edited(name, |f| {
        settings::set_fencing(f, "lease").expect("a fencing")
    });
    let sc = lab.base.as_ref().clone();
    let mut sim = truth::simulation(&sc, lab.seed);
    let mut fenced_at = None;
    for t in (5_000_000..10_000_000).step_by(100_000) {
        lab.apply(Action::Seek(t));
        let v = view_of(&lab);
        if v.cluster.nodes[0].state.key() == "fenced" {
            fenced_at.get_or_insert(t);
            let tag = v.cluster.nodes[0].tag.as_ref().expect("a tag");
            assert_eq!(tag.text, "FENCED");
        }
    }
    let from = fenced_at.expect("the cut-off leader's lease ran out");
    truth::run_to(&mut sim, &[], 10_000_000);
    assert!(
        !acked_between(&sim, 0, from, 10_000_000),
        "FENCED, yet it acknowledged"
    );
}

// 4. Client links per group of sessions.

#[wasm_bindgen_test(unsupported = test)]
fn d4_split_clients_each_get_links_with_their_own_reachability() {
    let mut lab = common::lab("lesson-07a-split-brain-no-fencing");
    lab.apply(Action::Seek(8_000_000));
    let v = view_of(&lab);
    let new = v.readouts.leader.clone().expect("a new leader");
    assert_ne!(new, "old");
    let writes: Vec<_> = v
        .cluster
        .links
        .iter()
        .filter(|l| l.class == "client-write")
        .map(|l| (l.sessions.clone(), l.b_id.clone(), l.cut))
        .collect();
    assert!(
        writes.contains(&("0,1".into(), "old".into(), false)),
        "C1–C2 write to the old leader over a live link: {writes:?}"
    );
    assert!(
        writes.contains(&("2,3".into(), new.clone(), false)),
        "C3–C4 write to {new} over a live link: {writes:?}"
    );
    // And toggling a group's link cuts exactly those sessions.
    let link = v
        .cluster
        .links
        .iter()
        .find(|l| l.class == "client-write" && l.b_id == "old")
        .unwrap()
        .clone();
    lab.apply(Action::ToggleLink(link.a.clone(), link.b.clone()));
    let sim = &lab.main.borrow().sim;
    assert!(probe::session_cut(sim, 0, 0) && probe::session_cut(sim, 1, 0));
    assert!(matches!(link.a, End::Sessions(ref s) if s == &vec![0, 1]));
}

// 5. Lost writes computed live, everywhere the same.

#[wasm_bindgen_test(unsupported = test)]
fn d5_promotions_chart_read_out_and_events_give_the_same_losses() {
    for name in [
        "lesson-06-async-failover-data-loss",
        "lesson-07a-split-brain-no-fencing",
    ] {
        let mut lab = common::lab(name);
        let mut any = false;
        for t in (0..lab.base.duration_us).step_by(500_000) {
            lab.apply(Action::Seek(t));
            let v = view_of(&lab);
            let per: Vec<u64> = v.readouts.promotions.iter().rev().map(|p| p.lost).collect();
            if !per.is_empty() {
                assert_eq!(per.iter().sum::<u64>(), v.readouts.lost, "{name} at {t}");
                any |= v.readouts.lost > 0;
            }
            let chart: Vec<String> = v
                .charts
                .failovers
                .bars
                .iter()
                .filter(|b| b.title.contains("lost writes"))
                .map(|b| b.title.rsplit(' ').next().unwrap().to_string())
                .collect();
            let shown: Vec<String> = per.iter().map(u64::to_string).collect();
            assert_eq!(chart, shown, "{name} at {t}: chart");
            let events: Vec<u64> = v.events.promotions.iter().map(|p| p.lost_writes).collect();
            assert_eq!(events, per, "{name} at {t}: events");
        }
        assert!(any, "{name}: a promotion lost acknowledged writes");
    }
}

// 6. Numbers that cannot contradict each other.

#[wasm_bindgen_test(unsupported = test)]
fn d6_lag_max_is_never_below_now_and_the_two_stale_counts_are_told_apart() {
    let mut lab = common::lab("lag-read-your-writes");
    let mut sampled_below_live = 0;
    let mut differ = 0;
    for t in (0..lab.base.duration_us).step_by(37_000) {
        lab.apply(Action::Seek(t));
        let v = view_of(&lab);
        let sampled = probe::sampled_max_lag(&lab.main.borrow().sim);
        for (i, row) in v.readouts.lag.iter().enumerate() {
            assert!(row.max_us >= row.now_us, "at {t}: {} max < now", row.node);
            let node = v
                .cluster
                .nodes
                .iter()
                .position(|n| n.name == row.node)
                .unwrap_or(i);
            if sampled[node].1 < row.now_us {
                sampled_below_live += 1;
            }
        }
        let checker_stale = v
            .anomalies
            .chips
            .iter()
            .find(|c| c.0 == "stale_read")
            .map_or(0, |c| c.2);
        if checker_stale != v.readouts.reads_behind {
            differ += 1;
        }
    }
    assert!(
        sampled_below_live > 0,
        "the engine's sampled maximum alone fell below now"
    );
    assert!(
        differ > 0,
        "the two counts differ, so the page must say what each counts"
    );
}

// 7. The causality close-up shows cause, effect and the read.

#[wasm_bindgen_test(unsupported = test)]
fn d7_the_causality_close_up_shows_cause_effect_and_the_read_without_the_cause() {
    let mut lab = common::lab("lesson-04c-anomaly-causality");
    common::play_ms(&mut lab, 8_000);
    common::pause(&mut lab);
    let v = *probe::violations(&lab.main.borrow().sim)
        .iter()
        .find(|v| v.kind == ViolationKind::Causality)
        .expect("a causality anomaly");
    lab.apply(Action::JumpTo(v));
    let focus = lab.focus.clone().expect("in close-up");
    let writes: Vec<_> = focus
        .ops
        .iter()
        .filter(|o| o.kind == OpKind::Write)
        .collect();
    let reads: Vec<_> = focus
        .ops
        .iter()
        .filter(|o| o.kind == OpKind::Read)
        .collect();
    assert_eq!(writes.len(), 2, "the cause and the effect: {:?}", focus.ops);
    let (cause, effect) = (writes[0], writes[1]);
    assert_ne!(cause.key, effect.key, "the effect writes another key");
    assert!(
        cause.complete_us < effect.invoke_us,
        "the effect came after the cause"
    );
    let anomaly = reads
        .iter()
        .find(|r| r.id == v.op)
        .expect("the revealing read");
    assert_eq!(anomaly.key, cause.key, "it read the cause's key");
    assert!(
        reads
            .iter()
            .any(|r| r.value == effect.value && r.session == v.session),
        "the same session saw the effect first"
    );
    let view = view_of(&lab);
    let SequenceBody::Focus { diagram, .. } = &view.sequence.body else {
        panic!("no close-up")
    };
    let labels: Vec<&str> = diagram.arrows.iter().map(|a| a.step.as_str()).collect();
    for want in ["cause:", "effect:", "the cause is missing"] {
        assert!(
            labels.iter().any(|l| l.contains(want)),
            "{want} in {labels:?}"
        );
    }
}

// 8. The numbered ACK is the one that completed the quorum.

#[wasm_bindgen_test(unsupported = test)]
fn d8_the_numbered_ack_completed_the_quorum_and_the_panel_says_which_write() {
    // ANY 2 of two standbys: the first ack does not complete the quorum.
    let mut lab = common::lab("default");
    let mut form = view_of(&lab).commit.form.clone();
    form.mode = CommitMode::Any;
    form.k = 2;
    form.standbys = vec!["f1".into(), "f2".into()];
    lab.apply(Action::SetPolicy(form));
    let mut stories = 0;
    for _ in 0..60 {
        common::play_ms(&mut lab, 100);
        let run = lab.main.borrow();
        let Some(t) = run.timeline.tracked.as_ref() else {
            continue;
        };
        if t.done_us.is_none() || t.ok != Some(true) {
            continue;
        }
        let steps = t.steps();
        let three: Vec<_> = steps.iter().filter(|s| s.n == 3).collect();
        assert_eq!(three.len(), 1, "one arrow numbered 3: {steps:?}");
        assert_eq!(three[0].step, Step::Ack);
        let ack = t.arrows[three[0].arrow];
        let reply = t.reply().expect("answered");
        assert_eq!(
            ack.deliver_us,
            Some(reply.sent_us),
            "the ack the leader answered on"
        );
        let earlier = steps.iter().filter(|s| s.step == Step::AckEarlier).count();
        assert!(
            earlier >= 1,
            "the other standby's ack came first: {steps:?}"
        );
        for n in 1..=4 {
            assert_eq!(
                steps.iter().filter(|s| s.n == n).count(),
                1,
                "number {n} once"
            );
        }
        stories += 1;
        drop(run);
        let view = view_of(&lab);
        let SequenceBody::Single { caption, .. } = &view.sequence.body else {
            panic!("single diagram")
        };
        assert!(caption.starts_with("Following C"), "{caption}");
        assert!(caption.contains("median"), "{caption}");
        assert!(caption.contains("policy"), "why this write: {caption}");
        break;
    }
    assert!(stories > 0, "a followed write completed");
}

// 9. A learner-made partition: split-brain, or why not.

#[wasm_bindgen_test(unsupported = test)]
fn d9_partitioning_the_leader_says_why_it_is_or_is_not_split_brain() {
    for (name, fault_at) in [("default", 1_000_000), ("failover-election", 1_500_000)] {
        let mut lab = edited(name, |f| {
            settings::set_failover_mode(f, "election").expect("a mode");
            settings::set_failover_timeout(f, 3_000);
        });
        common::play_ms(&mut lab, fault_at / 1_000);
        lab.apply(Action::Fault(FaultAction::PartitionLeader));
        common::play_ms(&mut lab, 7_000);
        common::pause(&mut lab);
        let log = (*lab.log).clone();
        let sc = lab.base.as_ref().clone();
        let mut sim = truth::simulation(&sc, lab.seed);
        let mut explained = 0;
        for t in (fault_at..lab.now_us()).step_by(250_000) {
            lab.apply(Action::Seek(t));
            truth::run_to(&mut sim, &log, t);
            let v = view_of(&lab);
            let leaders = v
                .cluster
                .nodes
                .iter()
                .filter(|n| n.role == "leader" && n.up)
                .count();
            // The words follow the engine's split-brain time (leaders
            // accepting client writes at overlapping times); the checker's
            // anomaly follows the history (both acknowledging).
            let overlap = truth::acks_overlap(&sim);
            match &v.readouts.leadership {
                Some(text) if leaders >= 2 => {
                    explained += 1;
                    if sim.split_brain_us() > 0 {
                        assert!(text.starts_with("Split-brain"), "{name} at {t}: {text}");
                    } else {
                        assert!(text.contains("not split-brain"), "{name} at {t}: {text}");
                        assert!(
                            text.contains("took turns")
                                || text.contains("none yet")
                                || text.contains("no client write"),
                            "{text}"
                        );
                    }
                }
                None => assert!(leaders < 2, "{name} at {t}: two leaders, no word"),
                Some(text) => panic!("{name} at {t}: {text} with {leaders} leader"),
            }
            let flagged = v.anomalies.chips.iter().any(|c| c.0 == "split_brain");
            assert_eq!(flagged, overlap, "{name} at {t}: checker vs history");
        }
        assert!(
            explained > 0,
            "{name}: two nodes held the leader role at some instant"
        );
    }
    // A real split-brain says so.
    let mut lab = common::lab("lesson-07a-split-brain-no-fencing");
    lab.apply(Action::Seek(9_000_000));
    let text = view_of(&lab)
        .readouts
        .leadership
        .clone()
        .expect("two leaders");
    assert!(text.starts_with("Split-brain"), "{text}");
}

// 10. Visual: message labels never sit on a node box (five followers).

#[wasm_bindgen_test(unsupported = test)]
fn d10_message_labels_keep_off_the_node_boxes() {
    use replica_web::view::geometry::{NODE_H, NODE_W};
    for narrow in [false, true] {
        let mut lab = common::lab("default");
        lab.apply(Action::SetFollowers(5));
        let mut labels = 0;
        for _ in 0..60 {
            lab.apply(Action::SetSpeed(3));
            common::play_frames(&mut lab, 64, 16.0);
            let v = view::build(
                &lab,
                Viewer {
                    narrow,
                    ..Viewer::default()
                },
            );
            for (text, x, y) in &v.flights.labels {
                labels += 1;
                let w = replica_web::format::text_width(text, 11.0, true);
                for n in &v.cluster.nodes {
                    let inside =
                        *x < n.x + NODE_W && x + w > n.x && *y > n.y && y - 11.0 < n.y + NODE_H;
                    assert!(!inside, "label {text} at ({x:.0},{y:.0}) on {}", n.name);
                }
            }
        }
        assert!(labels > 10, "labels were drawn ({labels})");
    }
}
