//! Scenarios on which the swarm once found a bug, kept as files in
//! `scenarios/regressions/` (each named for what it found, and explaining
//! the bug and its run at the top). They are files rather than seed
//! numbers so that a change to the swarm generator cannot silently turn
//! them into different runs: this test never calls the generator.
//!
//! Each file runs with every safety invariant checked after every event,
//! then until every node has converged (convergence is eventual, see
//! `invariant::settle`), then its `[[expect]]` bounds.

use replica_engine::{invariant, ScenarioFile, Simulation};
use std::path::Path;

const DIR: &str = "scenarios/regressions";

fn passes(name: &str) {
    let path = Path::new(DIR).join(format!("{name}.toml"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: cannot read: {e}", path.display()));
    let scenario = ScenarioFile::parse(&text)
        .and_then(|f| f.validate())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(
        scenario.name, name,
        "the file's name key matches its file name"
    );
    let end_us = scenario.duration_us;
    let mut sim = Simulation::new(scenario);
    sim.enable_checker();
    let reproduce = format!("reproduce: cargo run --release -- run {}", path.display());
    if let Err(e) = invariant::run_to_convergence(&mut sim, end_us) {
        panic!("{name}: {e}\n{reproduce}");
    }
    sim.finish();
    let report = sim.report();
    if let Some(e) = report.expectations.iter().find(|e| !e.passed) {
        panic!(
            "{name}: {} = {} is outside its bounds\n{reproduce}",
            e.metric, e.value
        );
    }
}

#[test]
fn seed_17_a_stepped_down_leader_replays_its_flushed_entries() {
    passes("swarm-17-a-stepped-down-leader-replays-its-flushed-entries");
}

#[test]
fn seed_28_a_pre_vote_does_not_count_as_hearing_a_leader() {
    passes("swarm-28-a-pre-vote-does-not-count-as-hearing-a-leader");
}

#[test]
fn seed_44_the_manager_compares_only_with_peers_that_may_lead() {
    passes("swarm-44-the-manager-compares-only-with-peers-that-may-lead");
}

#[test]
fn seed_147_a_cut_off_candidate_does_not_inflate_epochs() {
    passes("swarm-147-a-cut-off-candidate-does-not-inflate-epochs");
}

#[test]
fn seed_341_a_deposed_leader_does_not_judge_a_newer_epochs_writes() {
    passes("swarm-341-a-deposed-leader-does-not-judge-a-newer-epochs-writes");
}

#[test]
fn seed_468_a_rewind_beyond_the_retained_log_re_clones() {
    passes("swarm-468-a-rewind-beyond-the-retained-log-re-clones");
}

#[test]
fn seed_989_a_lost_rejoin_answer_is_asked_again() {
    passes("swarm-989-a-lost-rejoin-answer-is-asked-again");
}

#[test]
fn seed_1145_semi_sync_does_not_flip_for_ever() {
    passes("swarm-1145-semi-sync-does-not-flip-for-ever");
}

#[test]
fn seed_5011_a_rejoined_follower_reports_progress_again() {
    passes("swarm-5011-a-rejoined-follower-reports-progress-again");
}

#[test]
fn seed_8726_two_nodes_do_not_split_their_votes_for_ever() {
    passes("swarm-8726-two-nodes-do-not-split-their-votes-for-ever");
}

#[test]
fn seed_1303_in_synchronous_mode_the_last_leader_may_take_the_key_back() {
    passes("swarm-1303-in-synchronous-mode-the-last-leader-may-take-the-key-back");
}

#[test]
fn seed_18243_a_follower_cut_off_long_catches_up_after_the_end() {
    passes("swarm-18243-a-follower-cut-off-long-catches-up-after-the-end");
}

#[test]
fn seed_18837_a_follower_whose_copy_was_abandoned_is_copied_again() {
    passes("swarm-18837-a-follower-whose-copy-was-abandoned-is-copied-again");
}

#[test]
fn seed_36593_a_copy_from_a_deposed_leader_is_started_again_from_the_new_one() {
    passes("swarm-36593-a-copy-from-a-deposed-leader-is-started-again-from-the-new-one");
}

#[test]
fn seed_284536791346_a_node_behind_on_epochs_learns_the_current_one() {
    passes("swarm-284536791346-a-node-behind-on-epochs-learns-the-current-one");
}

#[test]
fn seed_15093_a_new_synchronous_standby_is_named_once_it_has_every_acknowledged_write() {
    passes("swarm-15093-a-new-synchronous-standby-is-named-once-it-has-every-acknowledged-write");
}

#[test]
fn seed_87509_an_entry_of_an_epoch_the_leader_never_held_is_rolled_back() {
    passes("swarm-87509-an-entry-of-an-epoch-the-leader-never-held-is-rolled-back");
}

#[test]
fn seed_287052988794_with_no_standby_named_only_a_node_holding_the_leaders_log_may_lead() {
    passes("swarm-287052988794-with-no-standby-named-only-a-node-holding-the-leaders-log-may-lead");
}

#[test]
fn seed_555705578779_a_late_winner_of_an_older_epoch_does_not_fence_the_newer_leader() {
    passes("swarm-555705578779-a-late-winner-of-an-older-epoch-does-not-fence-the-newer-leader");
}

/// Every file of the folder has a test above: a file added without one
/// would never run.
#[test]
fn every_regression_file_is_run() {
    let this = include_str!("swarm_regressions.rs");
    for entry in std::fs::read_dir(DIR).unwrap() {
        let path = entry.unwrap().path();
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        assert!(
            this.contains(&format!("passes(\"{stem}\")")),
            "{} has no test in tests/swarm_regressions.rs",
            path.display()
        );
    }
}

/// The regressions are tests, not lessons: `replica list` and
/// `replica check` (and so the page's library) read only the top of
/// `scenarios/`, never this folder (docs/scenarios.md).
#[test]
fn the_library_leaves_the_regressions_out() {
    let library = replica::scenario_files(Path::new("scenarios")).unwrap();
    assert!(library.len() >= 30, "the library itself is listed");
    assert!(library.iter().all(|p| !p.starts_with(DIR)), "{library:?}");
}
