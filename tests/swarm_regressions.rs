//! Seeds on which the swarm once found a bug, kept as regression tests
//! (each named for what it found). They run in the full swarm too; here
//! they fail fast and by name.

use replica_engine::swarm::check;

fn passes(seed: u64) {
    if let Err(e) = check(seed) {
        panic!("swarm seed {seed}: {e}\nreproduce: cargo run --release -- swarm --seeds {seed}..{seed}");
    }
}

#[test]
fn seed_17_a_stepped_down_leader_replays_its_flushed_entries() {
    passes(17);
}

#[test]
fn seed_28_a_pre_vote_does_not_count_as_hearing_a_leader() {
    passes(28);
}

#[test]
fn seed_44_the_manager_compares_only_with_peers_that_may_lead() {
    passes(44);
}

#[test]
fn seed_147_a_cut_off_candidate_does_not_inflate_epochs_for_ever() {
    passes(147);
}

#[test]
fn seed_341_a_deposed_leader_does_not_judge_a_newer_epochs_writes() {
    passes(341);
}

#[test]
fn seed_468_a_rewind_beyond_the_retained_log_re_clones_instead_of_looping() {
    passes(468);
}

#[test]
fn seed_989_a_lost_rejoin_answer_is_asked_again() {
    passes(989);
}

#[test]
fn seed_1145_semi_sync_does_not_flip_between_fallback_and_restore_for_ever() {
    passes(1145);
}

#[test]
fn seed_5011_a_rejoined_follower_reports_progress_again() {
    passes(5011);
}

#[test]
fn seed_8726_two_nodes_do_not_split_their_votes_for_ever() {
    passes(8726);
}
