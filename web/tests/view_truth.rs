//! The view model against the engine, over the whole scenario library.
//!
//! For every library scenario, with a seeded random seed, at seeded random
//! instants reached by seeking and then by playing on (the page's own
//! frame action), the facts the view model shows — the leader; each
//! node's role, epoch, state, log positions and failure detector; acknowledged, failed and
//! lost writes, and those committed unreplicated; split-brain time; anomalies by kind; the policy state;
//! promotions with their lost writes; the values of the commit, routing
//! and failover controls — equal the ground truth read from a separate simulation of
//! the same scenario, seed and instant ([`common::truth`]). And figures
//! the page shows side by side agree with one another.
//!
//! Runs natively under `cargo test -p replica-web` and in the browser.

mod common;

use common::truth::{
    self, ControlsTruth, DetectorTruth, NodeTruth, PolicyTruth, PromotionTruth, Truth, WritesTruth,
};
use replica_engine::rng::Rng;
use replica_web::library;
use replica_web::settings::{self, CommitMode};
use replica_web::state::{Action, Lab};
use replica_web::view::{self, View, Viewer};
use std::collections::BTreeMap;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Instants per scenario: 20 natively; in the browser, where the test
/// runs unoptimised and under a time limit, fewer (and every third
/// scenario only — the native run covers the whole library).
#[cfg(not(target_arch = "wasm32"))]
const INSTANTS: u64 = 20;
#[cfg(target_arch = "wasm32")]
const INSTANTS: u64 = 3;
/// Every how many library scenarios one is checked.
#[cfg(not(target_arch = "wasm32"))]
const EVERY: usize = 1;
#[cfg(target_arch = "wasm32")]
const EVERY: usize = 3;

/// The facts a [`View`] shows, in the shape of the ground truth.
pub fn facts_of(v: &View) -> Truth {
    let form = &v.commit.form;
    let waits = form.mode != CommitMode::Async;
    Truth {
        t_us: v.run.now_us,
        events: v.run.events,
        hash: v.run.hash.clone(),
        leader: v.readouts.leader.clone().unwrap_or_default(),
        nodes: v
            .cluster
            .nodes
            .iter()
            .map(|n| NodeTruth {
                name: n.name.clone(),
                role: n.role.into(),
                epoch: n.epoch,
                state: n.state.key().into(),
                written: n.written,
                flushed: n.flushed,
                applied: n.applied,
                detector: n.detector.as_ref().map(|d| DetectorTruth {
                    elapsed_us: d.elapsed_us,
                    limit_us: d.limit_us,
                    suspects: d.suspects,
                }),
            })
            .collect(),
        writes: WritesTruth {
            acked: v.readouts.acked,
            failed: v.readouts.failed,
            lost: v.readouts.lost,
            // As the page shows them: only when there are any.
            unreplicated: v
                .readouts
                .unreplicated_text
                .as_ref()
                .map_or(0, |_| v.readouts.unreplicated),
            lost_unreplicated: v
                .readouts
                .unreplicated_text
                .as_ref()
                .map_or(0, |_| v.readouts.lost_unreplicated),
        },
        // As the page shows it: with the two leaders or on its own line.
        split_brain_us: if v.readouts.leadership.is_some() || v.readouts.split_brain_text.is_some()
        {
            v.readouts.split_brain_us
        } else {
            0
        },
        anomalies: v
            .anomalies
            .chips
            .iter()
            .map(|(k, _, c)| (k.to_string(), *c))
            .collect::<BTreeMap<_, _>>(),
        policy: PolicyTruth {
            state: v.readouts.policy.key.into(),
            waiting: v.readouts.policy.waiting,
        },
        promotions: v
            .readouts
            .promotions
            .iter()
            .rev()
            .map(|p| PromotionTruth {
                node: p.node.clone(),
                epoch: p.epoch,
                lost: p.lost,
            })
            .collect(),
        controls: ControlsTruth {
            commit_mode: form.mode.key().into(),
            k: waits.then_some(form.k),
            standbys: waits.then(|| form.standbys.clone()),
            ack: waits.then(|| settings::ack_word(form.ack).into()),
            semisync_timeout_ms: (form.mode == CommitMode::SemiSync).then_some(form.timeout_ms),
            routing: v.routing.key.clone(),
            routing_window_ms: v.routing.window.map(|w| w.ms),
            failover_mode: v.failover.mode.into(),
            failover_timeout_ms: v.failover.timeout_ms,
            fencing: v.failover.fencing.into(),
        },
    }
}

/// Figures shown side by side that must agree.
pub fn self_consistent(v: &View, at: &str) {
    for row in &v.readouts.lag {
        // The table lists followers, as the drawing badges them: a node
        // holding the leader role follows nobody.
        let node = v.cluster.nodes.iter().find(|n| n.name == row.node);
        assert!(
            node.is_some_and(|n| n.role != "leader" || !n.up),
            "{at}: lag row for {}, which holds the leader role",
            row.node
        );
        assert!(
            row.max_us >= row.now_us,
            "{at}: {} lag max {} below now {}",
            row.node,
            row.max_us,
            row.now_us
        );
    }
    if !v.readouts.promotions.is_empty() {
        let sum: u64 = v.readouts.promotions.iter().map(|p| p.lost).sum();
        assert_eq!(
            sum, v.readouts.lost,
            "{at}: promotions' losses vs Acked, then lost"
        );
    }
    let chart_lost: Vec<String> = v
        .charts
        .failovers
        .bars
        .iter()
        .filter(|b| b.title.contains("lost writes"))
        .map(|b| b.title.rsplit(' ').next().unwrap_or_default().to_string())
        .collect();
    let shown: Vec<String> = v
        .readouts
        .promotions
        .iter()
        .rev()
        .map(|p| p.lost.to_string())
        .collect();
    assert_eq!(chart_lost, shown, "{at}: failover chart vs read-outs");
    if v.readouts.since_us == 0 {
        // With no policy change the latency figures cover every write the
        // engine counts as acknowledged (committed unreplicated included).
        assert_eq!(
            v.readouts.window_count, v.readouts.acked,
            "{at}: commit latency counts vs Writes acked"
        );
    }
    let chips: u64 = v.anomalies.chips.iter().map(|c| c.2).sum();
    assert_eq!(chips, v.anomalies.total, "{at}: chips vs anomaly count");
    assert_eq!(
        v.events.lost_writes, v.readouts.lost,
        "{at}: event vs read-out"
    );
    let ev: Vec<u64> = v.events.promotions.iter().map(|p| p.lost_writes).collect();
    let shown: Vec<u64> = v.readouts.promotions.iter().rev().map(|p| p.lost).collect();
    assert_eq!(ev, shown, "{at}: failover events vs read-outs");
    for n in &v.cluster.nodes {
        if n.tag.is_some_and_fenced() {
            assert_eq!(n.role, "leader", "{at}: FENCED on a non-leader");
        }
    }
}

trait FencedTag {
    fn is_some_and_fenced(&self) -> bool;
}

impl FencedTag for Option<replica_web::view::cluster::TagView> {
    fn is_some_and_fenced(&self) -> bool {
        self.as_ref().is_some_and(|t| t.text == "FENCED")
    }
}

fn check_scenario(name: &str, rng: &mut Rng) -> usize {
    let file = library::load(name).expect("library scenario");
    let sc = file.validate().expect("valid");
    let seed = rng.below(1_000_000);
    let mut lab = common::lab(name);
    lab.apply(Action::SetSeed(seed));
    let end = sc.duration_us;
    let mut instants: Vec<u64> = (0..INSTANTS).map(|_| rng.below(end + 1)).collect();
    instants.sort_unstable();
    let mut sim = truth::simulation(&sc, seed);
    let mut checked = 0;
    for t in instants {
        lab.apply(Action::Seek(t));
        let v = view::build(&lab, Viewer::default());
        if v.run.now_us < sim.now_us() {
            sim = truth::simulation(&sc, seed);
        }
        truth::run_to(&mut sim, &[], v.run.now_us);
        let at = format!("{name} seed {seed} at {} µs (seek)", v.run.now_us);
        assert_eq!(facts_of(&v), truth::truth(&sim), "{at}");
        self_consistent(&v, &at);
        // Then by playing on a little, as the page does.
        lab.apply(Action::SetSpeed(5));
        common::play_frames(&mut lab, 48, 16.0);
        common::pause(&mut lab);
        let v = view::build(
            &lab,
            Viewer {
                narrow: true,
                ..Viewer::default()
            },
        );
        truth::run_to(&mut sim, &[], v.run.now_us);
        let at = format!("{name} seed {seed} at {} µs (play)", v.run.now_us);
        assert_eq!(facts_of(&v), truth::truth(&sim), "{at}");
        self_consistent(&v, &at);
        checked += 2;
    }
    checked
}

#[wasm_bindgen_test(unsupported = test)]
fn the_view_shows_the_engines_truth_over_the_whole_library() {
    let mut rng = Rng::new(0x005e_ed0f_7e57);
    let mut checked = 0;
    for e in library::SCENARIOS.iter().step_by(EVERY) {
        checked += check_scenario(e.name, &mut rng);
    }
    assert!(checked >= library::SCENARIOS.len() / EVERY * 2 * INSTANTS as usize);
}

/// A lab that is not the library's: live changes and faults in the log,
/// then seeks back and forth across them.
#[wasm_bindgen_test(unsupported = test)]
fn the_view_follows_interventions_and_seeks_across_them() {
    let mut lab: Lab = common::lab("sync-vs-async-cross-region");
    common::play_ms(&mut lab, 500);
    let mut form = view::build(&lab, Viewer::default()).commit.form.clone();
    form.mode = CommitMode::First;
    form.k = 1;
    form.standbys = vec!["far".into()];
    lab.apply(Action::SetPolicy(form));
    common::play_ms(&mut lab, 700);
    lab.apply(Action::SetRouting("any_follower".into()));
    common::play_ms(&mut lab, 400);
    lab.apply(Action::Fault(
        replica_engine::scenario::FaultAction::KillLeader { power_loss: true },
    ));
    common::play_ms(&mut lab, 600);
    common::pause(&mut lab);
    let log = (*lab.log).clone();
    let sc = lab.base.as_ref().clone();
    for t in [1_900_000, 100_000, 800_000, 1_300_000, 1_650_000, 2_000_000] {
        lab.apply(Action::Seek(t));
        let v = view::build(&lab, Viewer::default());
        let mut sim = truth::simulation(&sc, lab.seed);
        truth::run_to(&mut sim, &log, t);
        assert_eq!(facts_of(&v), truth::truth(&sim), "seek to {t}");
        self_consistent(&v, &format!("seek to {t}"));
    }
}
