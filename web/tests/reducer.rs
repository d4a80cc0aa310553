//! Tests of the lab's reducer, its settings and (in the browser) the
//! mounted page. They drive the page's own frame action with an injected
//! clock, so they run natively under `cargo test` as well as in wasm.

use replica_engine::checker::{Violation, ViolationKind};
use replica_engine::policy::Quorum;
use replica_engine::scenario::{FailoverMode, FaultAction, Fencing};
use replica_web::library;
use replica_web::probe::{self, NodeRole};
use replica_web::settings::{CommitMode, PolicyForm};
use replica_web::state::{Action, End, Lab, SPEEDS};
use replica_web::timeline::Step;
use replica_web::view::{self, Viewer};
use wasm_bindgen_test::*;

mod common;
use common::{lab as new_lab, pause, play_ms, state};

wasm_bindgen_test_configure!(run_in_browser);

/// Speed index of real time (1 ms simulated per ms).
const REAL_TIME: usize = 4;

/// The commit form as the page shows it now.
fn shown_form(lab: &Lab) -> PolicyForm {
    view::build(lab, Viewer::default()).commit.form.clone()
}

fn at(t_us: u64) -> Violation {
    Violation {
        kind: ViolationKind::StaleRead,
        t_us,
        key: 0,
        op: 0,
        session: 0,
        node: 0,
        other_op: 0,
        other_session: 0,
        other_node: 0,
        other_t_us: t_us,
        behind_us: 0,
        behind_lsn: 0,
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn every_library_scenario_is_embedded_and_valid() {
    for name in [
        "default",
        "sync-vs-async-cross-region",
        "failover-election",
        "lag-read-your-writes",
    ] {
        assert!(library::find(name).is_some(), "{name} is not embedded");
    }
    for e in library::SCENARIOS {
        let file = library::load(e.name).unwrap_or_else(|err| panic!("{err}"));
        file.validate()
            .unwrap_or_else(|err| panic!("{}: {err}", e.name));
    }
    assert_eq!(library::SCENARIOS[0].name, "default");
}

#[wasm_bindgen_test(unsupported = test)]
fn frames_advance_simulated_time_by_speed_only_while_playing() {
    let mut lab = new_lab("default");
    let frame = |ts| Action::FrameWithin { ts, budget_ms: 4.0 };
    lab.apply(frame(0.0));
    lab.apply(frame(16.0));
    assert_eq!(
        lab.main.borrow().sim.now_us(),
        0,
        "paused: time stands still"
    );
    lab.apply(Action::SetSpeed(REAL_TIME));
    lab.apply(Action::TogglePlay);
    lab.apply(frame(1000.0));
    lab.apply(frame(1050.0));
    assert_eq!(lab.main.borrow().sim.now_us(), 50 * SPEEDS[REAL_TIME].0);
    // A long gap (tab in the background) is clamped, not replayed.
    lab.apply(frame(60_000.0));
    assert_eq!(lab.main.borrow().sim.now_us(), 150 * SPEEDS[REAL_TIME].0);
}

#[wasm_bindgen_test(unsupported = test)]
fn step_processes_one_event_and_pauses() {
    let mut lab = new_lab("default");
    lab.apply(Action::TogglePlay);
    let before = lab.main.borrow().events();
    lab.apply(Action::Step);
    assert_eq!(lab.main.borrow().events(), before + 1);
    assert!(!lab.playing);
}

#[wasm_bindgen_test(unsupported = test)]
fn policy_form_switches_the_engine_live_and_survives_reset() {
    let mut lab = new_lab("sync-vs-async-cross-region");
    assert_eq!(shown_form(&lab).mode, CommitMode::Async);
    play_ms(&mut lab, 300);
    let form = PolicyForm {
        mode: CommitMode::First,
        k: 1,
        standbys: vec!["far".into()],
        ..shown_form(&lab)
    };
    lab.apply(Action::SetPolicy(form));
    let now = lab.main.borrow().sim.now_us();
    assert_eq!(now, 300_000, "a policy change does not restart the run");
    {
        let run = lab.main.borrow();
        match &run.sim.scenario.policy.quorum {
            Quorum::First { k: 1, standbys } => assert_eq!(standbys, &vec![2]),
            q => panic!("expected FIRST 1 (far), got {q:?}"),
        }
        assert_eq!(run.timeline.since_us, now, "the latency window restarts");
        assert_eq!(run.timeline.window.count(), 0);
    }
    assert_eq!(
        lab.file.policy.synchronous_standby_names.as_deref(),
        Some("FIRST 1 (far)")
    );
    // Sync to a follower 50 ms away: commits pay the round trip.
    play_ms(&mut lab, 2_000);
    let p50 = lab.main.borrow().timeline.window.summary().p50_us;
    assert!((95_000..140_000).contains(&p50), "sync p50 {p50} µs");
    lab.apply(Action::Reset);
    assert_eq!(lab.main.borrow().sim.now_us(), 0);
    assert!(!lab.main.borrow().sim.scenario.policy.is_async());
    // An impossible policy is refused with the engine's explanation.
    let bad = PolicyForm {
        standbys: vec![],
        ..shown_form(&lab)
    };
    lab.apply(Action::SetPolicy(bad));
    assert!(lab.banner.as_deref().unwrap_or("").contains("standby"));
    assert_eq!(shown_form(&lab).standbys, vec!["far".to_string()]);
}

#[wasm_bindgen_test(unsupported = test)]
fn cluster_edits_rebuild_from_time_zero() {
    let mut lab = new_lab("default");
    play_ms(&mut lab, 200);
    lab.apply(Action::SetFollowers(4));
    assert_eq!(probe::node_count(&lab.main.borrow().sim), 5);
    assert_eq!(lab.main.borrow().sim.now_us(), 0);
    lab.apply(Action::SetRegion {
        node: "f2".into(),
        region: "far".into(),
    });
    let sc = lab.base.clone();
    let far = sc
        .regions
        .iter()
        .position(|r| r == "far")
        .expect("far added");
    let f2 = sc.nodes.iter().position(|n| n.name == "f2").unwrap();
    assert_eq!(sc.nodes[f2].region as usize, far);
    let home = sc.nodes[sc.leader as usize].region as usize;
    assert_eq!(sc.links[home * sc.regions.len() + far].base_us, 50_000);
    lab.apply(Action::SetFollowers(1));
    assert_eq!(probe::node_count(&lab.main.borrow().sim), 2);
    assert!(lab.banner.is_none(), "{:?}", lab.banner);
}

#[wasm_bindgen_test(unsupported = test)]
fn failover_settings_go_through_the_scenario_file() {
    let mut lab = new_lab("default");
    lab.apply(Action::SetFailoverMode("election".into()));
    assert_eq!(lab.base.failover.mode, FailoverMode::Election);
    lab.apply(Action::SetFailoverTimeout(4_000));
    assert_eq!(lab.base.failover.election_timeout_us, 4_000_000);
    lab.apply(Action::SetFencing("stonith".into()));
    assert_eq!(lab.base.failover.fencing, Fencing::Stonith);
    lab.apply(Action::SetFailoverMode("patroni".into()));
    assert_eq!(
        lab.base.failover.mode,
        FailoverMode::Manager,
        "{:?}",
        lab.banner
    );
    assert_eq!(lab.base.failover.ttl_us, 4_000_000);
    lab.apply(Action::SetFencing("bogus".into()));
    assert!(lab.banner.as_deref().unwrap_or("").contains("fencing"));
    assert_eq!(lab.base.failover.fencing, Fencing::Stonith);
}

#[wasm_bindgen_test(unsupported = test)]
fn faults_and_links_reach_the_engine() {
    let mut lab = new_lab("failover-election");
    play_ms(&mut lab, 500);
    lab.apply(Action::Fault(FaultAction::KillLeader { power_loss: true }));
    assert_eq!(lab.main.borrow().sim.current_leader(), None);
    play_ms(&mut lab, 8_000);
    let run = lab.main.borrow();
    let leader = probe::current_leader(&run.sim).expect("a follower was promoted");
    assert_ne!(leader, 0);
    assert!(probe::nodes(&run.sim)[leader as usize].epoch >= 2);
    assert!(probe::promotion_count(&run.sim) > 0);
    drop(run);
    lab.apply(Action::ToggleLink(End::Node(leader), End::Node(0)));
    assert!(replica_web::state::link_cut(
        &lab.main.borrow().sim,
        &End::Node(leader),
        &End::Node(0)
    ));
    lab.apply(Action::ToggleLink(End::Node(leader), End::Node(0)));
    assert!(!replica_web::state::link_cut(
        &lab.main.borrow().sim,
        &End::Node(leader),
        &End::Node(0)
    ));
    lab.apply(Action::ToggleNode(0));
    assert_eq!(probe::is_up(&lab.main.borrow().sim, 0), Some(true));
}

/// Under manual failover the node menu offers "Promote" on a running
/// follower, and using it makes that node the engine's leader; the other
/// modes promote on their own and do not offer it.
#[wasm_bindgen_test(unsupported = test)]
fn promote_is_offered_under_manual_failover_and_makes_the_node_lead() {
    let mut lab = new_lab("default");
    assert_eq!(
        probe::scenario(&lab.main.borrow().sim).failover.mode,
        FailoverMode::Manual
    );
    play_ms(&mut lab, 500);
    lab.apply(Action::Fault(FaultAction::KillLeader { power_loss: false }));
    play_ms(&mut lab, 200);
    lab.apply(Action::SelectNode(Some(1)));
    let menu = view::build(&lab, Viewer::default())
        .menu
        .expect("the menu is open");
    assert!(menu.promotable, "a running follower under manual failover");
    lab.apply(Action::SelectNode(Some(0)));
    let menu = view::build(&lab, Viewer::default())
        .menu
        .expect("the menu is open");
    assert!(!menu.promotable, "the dead old leader cannot be promoted");
    lab.apply(Action::Fault(FaultAction::Promote { node: 1 }));
    play_ms(&mut lab, 500);
    let run = lab.main.borrow();
    assert_eq!(probe::current_leader(&run.sim), Some(1));
    assert!(probe::nodes(&run.sim)[1].epoch >= 2);
    drop(run);
    lab.apply(Action::SelectNode(Some(2)));
    let menu = view::build(&lab, Viewer::default())
        .menu
        .expect("the menu is open");
    assert!(menu.promotable, "another follower could still be promoted");
    let mut lab = new_lab("failover-election");
    play_ms(&mut lab, 200);
    lab.apply(Action::SelectNode(Some(1)));
    let menu = view::build(&lab, Viewer::default())
        .menu
        .expect("the menu is open");
    assert!(!menu.promotable, "elections promote on their own");
}

#[wasm_bindgen_test(unsupported = test)]
fn jumping_back_replays_the_same_run_and_continues_it() {
    let mut lab = new_lab("lag-read-your-writes");
    play_ms(&mut lab, 700);
    lab.apply(Action::Fault(FaultAction::Isolate { node: 1 }));
    play_ms(&mut lab, 300);
    let at_1s = state(&lab);
    lab.apply(Action::Step);
    lab.apply(Action::Step);
    lab.apply(Action::SetRouting("leader_after_write".into()));
    play_ms(&mut lab, 500);
    lab.apply(Action::Fault(FaultAction::HealAll));
    play_ms(&mut lab, 500);
    pause(&mut lab);
    let at_end = state(&lab);
    let end_us = at_end.0;

    lab.apply(Action::JumpTo(at(1_000_000)));
    assert!(!lab.playing);
    assert_eq!(state(&lab), at_1s, "a jump rebuilds the same instant");
    // Continuing replays the later interventions at their exact events.
    lab.apply(Action::Step);
    lab.apply(Action::Step);
    let t = lab.main.borrow().sim.now_us();
    play_ms(&mut lab, 1_100 - (t - 1_000_000) / 1_000);
    assert!(lab.main.borrow().sim.now_us() <= end_us + 100_000);
    lab.apply(Action::JumpTo(at(end_us)));
    assert_eq!(state(&lab), at_end, "the whole log replays");
}

#[wasm_bindgen_test(unsupported = test)]
fn side_by_side_runs_the_other_commit_mode_in_step() {
    let mut lab = new_lab("sync-vs-async-cross-region");
    lab.apply(Action::SetCompare(true));
    play_ms(&mut lab, 1_500);
    let twin = lab.twin.clone().expect("a twin run");
    assert_eq!(twin.borrow().sim.now_us(), lab.main.borrow().sim.now_us());
    assert!(lab.main.borrow().sim.scenario.policy.is_async());
    assert!(!twin.borrow().sim.scenario.policy.is_async());
    let sync = twin.borrow().timeline.window.summary().p50_us;
    let asyn = lab.main.borrow().timeline.window.summary().p50_us;
    assert!(sync > asyn + 90_000, "sync {sync} µs vs async {asyn} µs");
    lab.apply(Action::SetCompare(false));
    assert!(lab.twin.is_none());
}

/// Plays until the followed write's story is complete; returns its steps.
fn followed_steps(lab: &mut Lab) -> Vec<(Step, u8)> {
    for _ in 0..100 {
        play_ms(lab, 100);
        let run = lab.main.borrow();
        if let Some(t) = &run.timeline.tracked {
            if t.done_us.is_some() && t.completed_us.is_some() {
                return t.steps().iter().map(|s| (s.step, s.n)).collect();
            }
        }
    }
    panic!("no write completed");
}

#[wasm_bindgen_test(unsupported = test)]
fn the_sequence_diagram_numbers_sync_and_async_like_the_lesson() {
    let mut lab = new_lab("sync-vs-async-cross-region");
    let steps = followed_steps(&mut lab);
    assert_eq!(steps[0], (Step::Write, 1));
    assert!(steps.contains(&(Step::Ok, 2)), "async: 2 OK in {steps:?}");
    assert!(
        steps.contains(&(Step::Later, 3)),
        "async: 3 Later… in {steps:?}"
    );
    assert!(!steps.iter().any(|s| s.0 == Step::Ack));

    let form = PolicyForm {
        mode: CommitMode::First,
        k: 1,
        standbys: vec!["far".into()],
        ..shown_form(&lab)
    };
    lab.apply(Action::SetPolicy(form));
    pause(&mut lab);
    lab.main
        .borrow_mut()
        .timeline
        .release(0, replica_web::timeline::Pick::AfterPrevious);
    let steps = followed_steps(&mut lab);
    for s in [
        (Step::Write, 1),
        (Step::Replicate, 2),
        (Step::Ack, 3),
        (Step::Ok, 4),
    ] {
        assert!(steps.contains(&s), "sync: {s:?} in {steps:?}");
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn anomalies_appear_and_jump_to_brings_them_into_focus() {
    let mut lab = new_lab("lag-read-your-writes");
    play_ms(&mut lab, 3_000);
    pause(&mut lab);
    let v = {
        let run = lab.main.borrow();
        assert!(
            probe::totals(&run.sim).anomalies[probe::kind_index(ViolationKind::ReadYourWrites)] > 0
        );
        *probe::violations(&run.sim)
            .iter()
            .find(|v| v.kind == ViolationKind::ReadYourWrites)
            .unwrap()
    };
    lab.apply(Action::JumpTo(v));
    assert_eq!(lab.main.borrow().sim.now_us(), v.t_us);
    let focus = lab.focus.clone().expect("the anomaly is in focus");
    assert!(focus.explanation.contains("wrote key"));
    assert!(focus.story.len() >= 4, "{:?}", focus.story);
    assert!(focus
        .story
        .iter()
        .any(|s| matches!(s.arrow.msg, replica_engine::message::Msg::Wal { .. })));
    // Playing on leaves the close-up.
    lab.apply(Action::TogglePlay);
    assert!(lab.focus.is_none());
}

#[wasm_bindgen_test(unsupported = test)]
fn unknown_scenario_falls_back_with_a_banner() {
    let lab = new_lab("no-such-thing");
    assert_eq!(lab.scenario_name, "default");
    assert!(lab
        .banner
        .as_deref()
        .unwrap_or("")
        .contains("no-such-thing"));
}

#[wasm_bindgen_test(unsupported = test)]
fn restarted_leader_keeps_roles_consistent() {
    let mut lab = new_lab("default");
    lab.apply(Action::ToggleNode(0));
    assert_eq!(probe::is_up(&lab.main.borrow().sim, 0), Some(false));
    lab.apply(Action::ToggleNode(0));
    assert_eq!(probe::is_up(&lab.main.borrow().sim, 0), Some(true));
    assert_ne!(
        probe::nodes(&lab.main.borrow().sim)[1].role,
        NodeRole::Leader
    );
}

#[wasm_bindgen_test]
#[cfg(target_arch = "wasm32")]
async fn the_page_mounts_and_draws_three_nodes() {
    let doc = web_sys::window().unwrap().document().unwrap();
    let root = doc.create_element("div").unwrap();
    doc.body().unwrap().append_child(&root).unwrap();
    yew::Renderer::<replica_web::app::App>::with_root(root.clone()).render();
    yew::scheduler::flush().await;
    let nodes = root.query_selector_all("svg .node").unwrap();
    assert_eq!(nodes.length(), 3);
    for id in [
        "#play",
        "#commit-mode",
        "#routing",
        "#kill-leader",
        "#compare",
    ] {
        assert!(root.query_selector(id).unwrap().is_some(), "{id} missing");
    }
}

#[wasm_bindgen_test(unsupported = test)]
fn a_partitioned_old_leader_is_shown_and_its_writes_counted_lost() {
    let mut lab = new_lab("failover-election");
    lab.apply(Action::SetFencing("none".into()));
    play_ms(&mut lab, 1_000);
    lab.apply(Action::Fault(FaultAction::PartitionLeader));
    play_ms(&mut lab, 9_000);
    pause(&mut lab);
    let v = view::build(&lab, Viewer::default());
    let run = lab.main.borrow();
    let sim = &run.sim;
    let new = probe::current_leader(sim).expect("a new leader");
    assert_ne!(new, 0);
    assert_eq!(
        probe::nodes(sim)[0].role,
        NodeRole::Leader,
        "the old leader still leads in its own mind"
    );
    assert_eq!(v.cluster.nodes[0].state.key(), "stale-leader");
    assert!(
        v.readouts.lost > 0,
        "writes the old leader acknowledged alone are lost"
    );
}

#[wasm_bindgen_test(unsupported = test)]
fn semi_sync_falls_back_and_says_when() {
    let mut lab = new_lab("sync-vs-async-cross-region");
    let form = PolicyForm {
        mode: CommitMode::SemiSync,
        k: 1,
        standbys: vec!["far".into()],
        timeout_ms: 200,
        ..shown_form(&lab)
    };
    lab.apply(Action::SetPolicy(form));
    play_ms(&mut lab, 500);
    lab.apply(Action::ToggleLink(End::Node(0), End::Node(2)));
    play_ms(&mut lab, 1_500);
    let state = view::build(&lab, Viewer::default())
        .readouts
        .policy
        .text
        .clone();
    assert!(
        state.starts_with("semi-sync: fell back to async at "),
        "{state}"
    );
}
