//! Browser tests of the lab's reducer and of the mounted page.

#![cfg(target_arch = "wasm32")]

use replica_engine::node::Role;
use replica_engine::scenario::FaultAction;
use replica_web::state::{Action, Lab, SPEEDS};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn frames_advance_simulated_time_by_speed_only_while_playing() {
    let mut lab = Lab::new();
    lab.apply(Action::Frame(0.0));
    lab.apply(Action::Frame(16.0));
    assert_eq!(lab.sim.borrow().now_us(), 0, "paused: time stands still");
    lab.apply(Action::SetSpeed(4)); // 1×: 1000 µs per ms
    lab.apply(Action::TogglePlay);
    lab.apply(Action::Frame(1000.0));
    lab.apply(Action::Frame(1050.0));
    assert_eq!(lab.sim.borrow().now_us(), 50 * SPEEDS[4].0);
    // A long gap (tab in the background) is clamped, not replayed.
    lab.apply(Action::Frame(60_000.0));
    assert_eq!(lab.sim.borrow().now_us(), 150 * SPEEDS[4].0);
}

#[wasm_bindgen_test]
fn step_processes_one_event_and_pauses() {
    let mut lab = Lab::new();
    lab.apply(Action::TogglePlay);
    let before = lab.sim.borrow().events;
    lab.apply(Action::Step);
    assert_eq!(lab.sim.borrow().events, before + 1);
    assert!(!lab.playing);
}

#[wasm_bindgen_test]
fn faults_and_policy_reach_the_engine() {
    let mut lab = Lab::new();
    lab.apply(Action::SetPolicy("first1".into()));
    assert!(!lab.sim.borrow().scenario.policy.is_async());
    lab.apply(Action::Fault(FaultAction::KillLeader { power_loss: true }));
    assert_eq!(lab.sim.borrow().current_leader(), None);
    lab.apply(Action::ToggleNode(0));
    assert_eq!(lab.sim.borrow().nodes[0].role, Role::Leader);
    assert!(lab.sim.borrow().up[0]);
    // Reset keeps the chosen policy.
    lab.apply(Action::Reset);
    assert!(!lab.sim.borrow().scenario.policy.is_async());
}

#[wasm_bindgen_test]
fn unknown_scenario_falls_back_with_a_banner() {
    let lab = Lab::with_scenario("no-such-thing", None);
    assert_eq!(lab.scenario_name, "default");
    assert!(lab
        .banner
        .as_deref()
        .unwrap_or("")
        .contains("no-such-thing"));
}

#[wasm_bindgen_test]
async fn the_page_mounts_and_draws_three_nodes() {
    let doc = web_sys::window().unwrap().document().unwrap();
    let root = doc.create_element("div").unwrap();
    doc.body().unwrap().append_child(&root).unwrap();
    yew::Renderer::<replica_web::app::App>::with_root(root.clone()).render();
    yew::scheduler::flush().await;
    let nodes = root.query_selector_all("svg .node").unwrap();
    assert_eq!(nodes.length(), 3);
    assert!(root.query_selector("#play").unwrap().is_some());
}
