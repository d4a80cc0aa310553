//! Unit tests of the node: feed one input, assert the exact effects.
//!
//! Each test builds a node, brings it to a state through inputs only (no
//! field is set by hand), then checks the complete list of effects of the
//! input under test, so a change in what a node does in that case shows up
//! here by name.

use super::*;
use crate::message::{ReadError, WriteError};
use crate::policy::{AckPoint, OnUnmet, Quorum, Visibility, WaitFor};
use crate::wal::{Entry, Op};
use alloc::vec;

const LEADER: NodeId = 0;
const F1: NodeId = 1;
const F2: NodeId = 2;
const CLIENT: Addr = Addr::Client(7);

fn config(id: NodeId, policy: CommitPolicy) -> NodeConfig {
    NodeConfig {
        id,
        nodes: 3,
        policy,
        wal_keep_entries: 1_000,
        max_in_flight_entries: 100,
        status_interval_us: 1_000_000,
        sender_timeout_us: 60_000_000,
        apply_delay_us: 0,
        heartbeat_interval_us: 0,
        fencing: Fencing::Epoch,
        restart_as_follower: false,
        clock_drift_ppm: 0,
        detector_enabled: false,
        election_timeout_us: 1_000_000,
        priority: 1,
        lease_us: 0,
    }
}

fn sync_first_1(ack: AckPoint) -> CommitPolicy {
    CommitPolicy {
        quorum: Quorum::First {
            k: 1,
            standbys: vec![F1],
        },
        ack,
        on_unmet: OnUnmet::Block,
        visibility: Visibility::AfterSync,
        min_in_sync: None,
    }
}

/// Feeds one input and returns its effects.
fn feed(node: &mut Node, now_us: u64, input: Input) -> Vec<Effect> {
    let mut out = Vec::new();
    node.handle(now_us, input, &mut out);
    out
}

fn write_req(req: u64, key: u32, value: u64) -> Input {
    Input::Message {
        from: CLIENT,
        msg: Msg::WriteReq {
            req,
            op: Op::Put { key, value },
            epoch: 1,
            wait: None,
        },
    }
}

fn write_req_waiting_for(req: u64, key: u32, value: u64, wait: WaitFor) -> Input {
    Input::Message {
        from: CLIENT,
        msg: Msg::WriteReq {
            req,
            op: Op::Put { key, value },
            epoch: 1,
            wait: Some(wait),
        },
    }
}

fn ok(req: u64, lsn: Lsn) -> Effect {
    Effect::Send {
        to: CLIENT,
        msg: Msg::WriteOk { req, lsn, epoch: 1 },
    }
}

fn status(from: NodeId, written: Lsn, flushed: Lsn, applied: Lsn) -> Input {
    Input::Message {
        from: Addr::Node(from),
        msg: Msg::Status {
            written,
            flushed,
            applied,
            epoch: 1,
            resend: false,
            heard_us: 0,
        },
    }
}

fn entry(lsn: Lsn, epoch: Epoch) -> Entry {
    Entry {
        lsn,
        epoch,
        op: Op::Put {
            key: 1,
            value: lsn * 10,
        },
        written_at_us: 0,
    }
}

fn wal_msg(e: Entry, prev_epoch: Epoch, leader_epoch: Epoch) -> Msg {
    Msg::Wal {
        entry: e,
        prev_epoch,
        leader_epoch,
    }
}

fn progress(p: Progress) -> Effect {
    Effect::Progress(p)
}

fn send(to: NodeId, msg: Msg) -> Effect {
    Effect::Send {
        to: Addr::Node(to),
        msg,
    }
}

/// A started leader whose two followers have connected at position 0.
fn leader(policy: CommitPolicy) -> Node {
    let mut n = Node::new(config(LEADER, policy), Role::Leader, LEADER);
    feed(&mut n, 0, Input::Start { restarted: false });
    feed(&mut n, 1, status(F1, 0, 0, 0));
    feed(&mut n, 1, status(F2, 0, 0, 0));
    n
}

/// A leader that has written and fsynced write 1 (value 100) locally.
fn leader_with_one_flushed_write(policy: CommitPolicy) -> (Node, Vec<Effect>) {
    let mut n = leader(policy);
    feed(&mut n, 10, write_req(1, 5, 100));
    feed(&mut n, 30, Input::DiskWritten { upto: 1, gen: 0 });
    let fx = feed(&mut n, 1_000, Input::DiskFlushed { upto: 1, gen: 0 });
    (n, fx)
}

fn shipped_1(leader_epoch: Epoch) -> [Effect; 2] {
    let e = Entry {
        lsn: 1,
        epoch: 1,
        op: Op::Put { key: 5, value: 100 },
        written_at_us: 10,
    };
    [
        send(F1, wal_msg(e, 0, leader_epoch)),
        send(F2, wal_msg(e, 0, leader_epoch)),
    ]
}

#[test]
fn a_write_is_appended_and_handed_to_the_disk() {
    let mut n = leader(CommitPolicy::default());
    let fx = feed(&mut n, 10, write_req(1, 5, 100));
    assert_eq!(
        fx,
        [
            progress(Progress::Appended { lsn: 1, epoch: 1 }),
            Effect::DiskWrite { upto: 1, gen: 0 },
        ]
    );
}

#[test]
fn writes_arriving_during_a_disk_write_share_the_next_one_and_one_fsync() {
    let mut n = leader(CommitPolicy::default());
    feed(&mut n, 10, write_req(1, 5, 100));
    // The first disk write is still running: the second write only appends.
    let fx = feed(&mut n, 12, write_req(2, 6, 200));
    assert_eq!(fx, [progress(Progress::Appended { lsn: 2, epoch: 1 })]);
    // The first write completes: the next covers write 2, and one fsync
    // starts for what is written so far.
    let fx = feed(&mut n, 30, Input::DiskWritten { upto: 1, gen: 0 });
    assert_eq!(
        fx,
        [
            progress(Progress::Written { lsn: 1 }),
            Effect::DiskWrite { upto: 2, gen: 0 },
            Effect::DiskFlush { upto: 1, gen: 0 },
        ]
    );
    // Write 2 reaches the OS while the fsync runs: no second fsync yet.
    let fx = feed(&mut n, 50, Input::DiskWritten { upto: 2, gen: 0 });
    assert_eq!(fx, [progress(Progress::Written { lsn: 2 })]);
}

#[test]
fn asynchronous_commit_answers_on_local_flush_and_streams_the_record() {
    let (_, fx) = leader_with_one_flushed_write(CommitPolicy::default());
    let [to_f1, to_f2] = shipped_1(1);
    assert_eq!(
        fx,
        [
            progress(Progress::Flushed { lsn: 1 }),
            progress(Progress::Applied { lsn: 1 }),
            to_f1,
            to_f2,
            Effect::Note(Note::Committed { lsn: 1 }),
            Effect::Send {
                to: CLIENT,
                msg: Msg::WriteOk {
                    req: 1,
                    lsn: 1,
                    epoch: 1,
                },
            },
        ]
    );
}

#[test]
fn a_synchronous_write_waits_for_its_standby_at_the_ack_point() {
    let ok = Effect::Send {
        to: CLIENT,
        msg: Msg::WriteOk {
            req: 1,
            lsn: 1,
            epoch: 1,
        },
    };
    let committed = [
        progress(Progress::Applied { lsn: 1 }),
        Effect::Note(Note::Committed { lsn: 1 }),
        ok,
    ];
    for (ack, report, commits) in [
        // remote_write: written on the standby is enough.
        (AckPoint::Written, (1, 0, 0), true),
        // on: written is not enough, flushed is.
        (AckPoint::Flushed, (1, 0, 0), false),
        (AckPoint::Flushed, (1, 1, 0), true),
        // remote_apply: flushed is not enough, applied is.
        (AckPoint::Applied, (1, 1, 0), false),
        (AckPoint::Applied, (1, 1, 1), true),
    ] {
        let (mut n, fx) = leader_with_one_flushed_write(sync_first_1(ack));
        // Flushed locally and streamed, but not committed: the standby has
        // not answered.
        let [to_f1, to_f2] = shipped_1(1);
        assert_eq!(fx, [progress(Progress::Flushed { lsn: 1 }), to_f1, to_f2]);
        assert_eq!(n.pending_writes(), 1);
        let fx = feed(&mut n, 2_000, status(F1, report.0, report.1, report.2));
        if commits {
            assert_eq!(fx, committed, "{ack:?} with {report:?}");
            assert_eq!(n.pending_writes(), 0);
        } else {
            assert_eq!(fx, [], "{ack:?} with {report:?}: must keep waiting");
            assert_eq!(n.pending_writes(), 1);
        }
    }
}

#[test]
fn an_acknowledgement_from_a_standby_outside_the_list_does_not_count() {
    let (mut n, _) = leader_with_one_flushed_write(sync_first_1(AckPoint::Flushed));
    let fx = feed(&mut n, 2_000, status(F2, 1, 1, 1));
    assert_eq!(fx, []);
    assert_eq!(n.pending_writes(), 1);
}

/// A follower of LEADER in epoch 1 holding entries 1..=3 of epoch 1,
/// written, flushed and applied, with the rejoin handshake answered.
fn follower_with_three_entries() -> Node {
    let mut n = Node::new(config(F1, CommitPolicy::default()), Role::Follower, LEADER);
    feed(&mut n, 0, Input::Start { restarted: false });
    for lsn in 1..=3 {
        let prev = if lsn == 1 { 0 } else { 1 };
        feed(
            &mut n,
            lsn,
            Input::Message {
                from: Addr::Node(LEADER),
                msg: wal_msg(entry(lsn, 1), prev, 1),
            },
        );
    }
    feed(&mut n, 10, Input::DiskWritten { upto: 3, gen: 0 });
    feed(&mut n, 20, Input::DiskFlushed { upto: 3, gen: 0 });
    for lsn in 1..=3 {
        feed(&mut n, 30 + lsn, Input::Applied { lsn, gen: 0 });
    }
    assert_eq!(n.wal().applied, 3);
    n
}

#[test]
fn a_follower_reports_each_disk_step_to_its_leader() {
    let mut n = Node::new(config(F1, CommitPolicy::default()), Role::Follower, LEADER);
    feed(&mut n, 0, Input::Start { restarted: false });
    let fx = feed(
        &mut n,
        5,
        Input::Message {
            from: Addr::Node(LEADER),
            msg: wal_msg(entry(1, 1), 0, 1),
        },
    );
    assert_eq!(
        fx,
        [
            progress(Progress::Appended { lsn: 1, epoch: 1 }),
            Effect::DiskWrite { upto: 1, gen: 0 },
        ]
    );
    let fx = feed(&mut n, 10, Input::DiskWritten { upto: 1, gen: 0 });
    let report = |w, f, a| {
        send(
            LEADER,
            Msg::Status {
                written: w,
                flushed: f,
                applied: a,
                epoch: 1,
                resend: false,
                heard_us: 0,
            },
        )
    };
    assert_eq!(
        fx,
        [
            progress(Progress::Written { lsn: 1 }),
            Effect::DiskFlush { upto: 1, gen: 0 },
            report(1, 0, 0),
        ]
    );
    let fx = feed(&mut n, 20, Input::DiskFlushed { upto: 1, gen: 0 });
    assert_eq!(
        fx,
        [
            progress(Progress::Flushed { lsn: 1 }),
            report(1, 1, 0),
            Effect::Apply {
                lsn: 1,
                not_before_us: 0,
                gen: 0,
            },
        ]
    );
    // Replay progress rides on later reports unless commits wait for it.
    let fx = feed(&mut n, 30, Input::Applied { lsn: 1, gen: 0 });
    assert_eq!(fx, [progress(Progress::Applied { lsn: 1 })]);
}

#[test]
fn a_divergent_suffix_is_rolled_back_when_the_new_leader_says_where_our_epoch_ends() {
    let mut n = follower_with_three_entries();
    // Node 2 leads epoch 2; its first record makes us ask where our last
    // epoch (1) ends in its log.
    let fx = feed(
        &mut n,
        100,
        Input::Message {
            from: Addr::Node(F2),
            msg: wal_msg(entry(3, 2), 1, 2),
        },
    );
    assert_eq!(fx, [send(F2, Msg::EpochEndReq { epoch: 1 })]);
    // Epoch 1 ends at 2 in the new leader's log: entry 3 is undone.
    let fx = feed(
        &mut n,
        110,
        Input::Message {
            from: Addr::Node(F2),
            msg: Msg::EpochEnd {
                epoch: 1,
                end_lsn: 2,
                held: 1,
            },
        },
    );
    assert_eq!(
        fx,
        [
            progress(Progress::Written { lsn: 2 }),
            progress(Progress::Flushed { lsn: 2 }),
            progress(Progress::Applied { lsn: 2 }),
            Effect::Note(Note::RolledBack { entry: entry(3, 1) }),
            send(F2, Msg::EpochEndReq { epoch: 1 }),
        ]
    );
    assert_eq!(
        n.read(1).lsn,
        2,
        "the undone write's key reads as before it"
    );
}

#[test]
fn entries_of_an_epoch_the_new_leader_never_held_are_rolled_back_below_its_end() {
    let mut n = follower_with_three_entries();
    // Node 2 led epoch 2 briefly: we took its entry 4 (after its rejoin
    // question, answered: epoch 1 ends at 3 there too).
    feed(
        &mut n,
        100,
        Input::Message {
            from: Addr::Node(F2),
            msg: wal_msg(entry(4, 2), 1, 2),
        },
    );
    feed(
        &mut n,
        101,
        Input::Message {
            from: Addr::Node(F2),
            msg: Msg::EpochEnd {
                epoch: 1,
                end_lsn: 3,
                held: 1,
            },
        },
    );
    feed(
        &mut n,
        102,
        Input::Message {
            from: Addr::Node(F2),
            msg: wal_msg(entry(4, 2), 1, 2),
        },
    );
    assert_eq!(n.wal().epoch_at(4), Some(2));
    // The old leader comes back as leader of epoch 3 without ever having
    // seen epoch 2; its log holds epoch 1 up to 5. Asked where epoch 2
    // ends, it answers 5, holding only epoch 1 there: our entry 4 of
    // epoch 2 diverges although 4 < 5.
    let fx = feed(
        &mut n,
        200,
        Input::Follow {
            leader: LEADER,
            epoch: 3,
        },
    );
    assert!(
        fx.contains(&send(LEADER, Msg::EpochEndReq { epoch: 2 })),
        "{fx:?}"
    );
    let fx = feed(
        &mut n,
        210,
        Input::Message {
            from: Addr::Node(LEADER),
            msg: Msg::EpochEnd {
                epoch: 2,
                end_lsn: 5,
                held: 1,
            },
        },
    );
    assert!(
        fx.contains(&Effect::Note(Note::RolledBack { entry: entry(4, 2) })),
        "{fx:?}"
    );
    assert!(
        fx.contains(&send(LEADER, Msg::EpochEndReq { epoch: 1 })),
        "{fx:?}"
    );
    assert_eq!(n.wal().last_lsn(), 3);
}

#[test]
fn a_vote_goes_only_to_a_candidate_at_least_as_up_to_date_once_the_leader_is_silent() {
    let vote_req = |epoch, last_epoch, last_lsn| Input::Message {
        from: Addr::Node(F2),
        msg: Msg::VoteReq {
            epoch,
            last_epoch,
            last_lsn,
            priority: 1,
            pre: false,
        },
    };
    let vote = |epoch, granted| {
        send(
            F2,
            Msg::Vote {
                epoch,
                granted,
                pre: false,
            },
        )
    };
    let mut n = follower_with_three_entries();
    // The leader was heard at t = 5 µs (its last record); the timeout is
    // 1 s, so at 0.5 s it still counts as alive.
    assert_eq!(feed(&mut n, 500_000, vote_req(2, 1, 3)), [vote(1, false)]);
    // Silent for longer than the timeout: a less up-to-date log is refused…
    assert_eq!(feed(&mut n, 2_000_000, vote_req(2, 1, 2)), [vote(2, false)]);
    // …an equally up-to-date one is granted, and only once per epoch.
    assert_eq!(feed(&mut n, 2_000_001, vote_req(2, 1, 3)), [vote(2, true)]);
    let other = Input::Message {
        from: Addr::Node(LEADER),
        msg: Msg::VoteReq {
            epoch: 2,
            last_epoch: 1,
            last_lsn: 3,
            priority: 1,
            pre: false,
        },
    };
    assert_eq!(
        feed(&mut n, 2_000_002, other),
        [send(
            LEADER,
            Msg::Vote {
                epoch: 2,
                granted: false,
                pre: false,
            }
        )]
    );
}

#[test]
fn a_leader_whose_lease_ran_out_refuses_writes() {
    let mut cfg = config(LEADER, CommitPolicy::default());
    cfg.fencing = Fencing::Lease;
    cfg.lease_us = 1_000_000;
    cfg.heartbeat_interval_us = 100_000;
    let mut n = Node::new(cfg, Role::Leader, LEADER);
    feed(&mut n, 0, Input::Start { restarted: false });
    feed(&mut n, 0, Input::Timer(Timer::Heartbeat));
    // Within the lease the first heartbeat took, a write is accepted.
    let fx = feed(&mut n, 500_000, write_req(1, 5, 100));
    assert_eq!(fx[0], progress(Progress::Appended { lsn: 1, epoch: 1 }));
    // No follower ever answered, so the lease was never renewed.
    let fx = feed(&mut n, 1_000_001, write_req(2, 5, 200));
    assert_eq!(
        fx,
        [Effect::Send {
            to: CLIENT,
            msg: Msg::WriteErr {
                req: 2,
                error: WriteError::Fenced,
                lsn: 0,
            },
        }]
    );
}

#[test]
fn a_follower_being_recloned_refuses_reads() {
    let mut n = follower_with_three_entries();
    let fx = feed(&mut n, 100, Input::RecloneStarted { from: LEADER });
    assert_eq!(fx, [Effect::Reclone { from: LEADER }]);
    assert!(n.recloning());
    let read = Input::Message {
        from: CLIENT,
        msg: Msg::ReadReq {
            req: 9,
            key: 1,
            min_lsn: 0,
            wait_us: 0,
        },
    };
    assert_eq!(
        feed(&mut n, 101, read),
        [Effect::Send {
            to: CLIENT,
            msg: Msg::ReadErr {
                req: 9,
                error: ReadError::Unavailable,
            },
        }]
    );
}

#[test]
fn a_session_committing_locally_is_not_held_up_by_one_waiting_for_its_standby() {
    let mut n = leader(sync_first_1(AckPoint::Flushed));
    feed(&mut n, 10, write_req(1, 5, 100));
    feed(&mut n, 11, write_req_waiting_for(2, 6, 200, WaitFor::Local));
    feed(&mut n, 30, Input::DiskWritten { upto: 2, gen: 0 });
    let fx = feed(&mut n, 1_000, Input::DiskFlushed { upto: 2, gen: 0 });
    // Write 2 (synchronous_commit = local) is answered at the local flush;
    // write 1 waits, and so does the commit point (it is a prefix).
    assert_eq!(fx.last(), Some(&ok(2, 2)));
    assert!(!fx
        .iter()
        .any(|e| matches!(e, Effect::Note(Note::Committed { .. }))));
    assert_eq!(n.commit_lsn(), Some(0));
    assert_eq!(n.pending_writes(), 1);
    // The standby's flush commits write 1, and the commit point passes both.
    let fx = feed(&mut n, 2_000, status(F1, 2, 2, 0));
    assert_eq!(
        fx,
        [
            progress(Progress::Applied { lsn: 2 }),
            Effect::Note(Note::Committed { lsn: 2 }),
            ok(1, 1),
        ]
    );
}

#[test]
fn a_cancelled_wait_is_answered_as_committed_on_the_leader_only() {
    let unreplicated = Effect::Send {
        to: CLIENT,
        msg: Msg::WriteUnreplicated {
            req: 1,
            lsn: 1,
            epoch: 1,
        },
    };
    let cancel = Input::Message {
        from: CLIENT,
        msg: Msg::Cancel { req: 1 },
    };
    // Flushed locally and waiting for the standby: answered at once.
    let (mut n, _) = leader_with_one_flushed_write(sync_first_1(AckPoint::Flushed));
    assert_eq!(feed(&mut n, 1_500, cancel.clone()), [unreplicated]);
    assert_eq!(n.pending_writes(), 0);
    // The standby's acknowledgement later moves the commit point, and
    // answers nobody twice.
    assert_eq!(
        feed(&mut n, 2_000, status(F1, 1, 1, 0)),
        [
            progress(Progress::Applied { lsn: 1 }),
            Effect::Note(Note::Committed { lsn: 1 }),
        ]
    );
    // A cancel that arrives before the local flush is answered by it.
    let mut n = leader(sync_first_1(AckPoint::Flushed));
    feed(&mut n, 10, write_req(1, 5, 100));
    assert_eq!(feed(&mut n, 20, cancel.clone()), []);
    feed(&mut n, 30, Input::DiskWritten { upto: 1, gen: 0 });
    let fx = feed(&mut n, 1_000, Input::DiskFlushed { upto: 1, gen: 0 });
    assert_eq!(fx.last(), Some(&unreplicated));
    // A cancel of a write already answered is ignored.
    let (mut n, _) = leader_with_one_flushed_write(CommitPolicy::default());
    assert_eq!(feed(&mut n, 1_500, cancel), []);
}

#[test]
fn a_lease_runs_from_the_last_heartbeat_a_majority_confirmed_not_from_now() {
    let mut cfg = config(LEADER, CommitPolicy::default());
    cfg.fencing = Fencing::Lease;
    cfg.lease_us = 4_500_000;
    cfg.heartbeat_interval_us = 1_000_000;
    let mut n = Node::new(cfg, Role::Leader, LEADER);
    feed(&mut n, 0, Input::Start { restarted: false });
    // F1 confirms the heartbeat sent at 1 s; then the leader is cut off
    // and hears nothing more, though heartbeats go on being sent.
    let confirm = Input::Message {
        from: Addr::Node(F1),
        msg: Msg::Status {
            written: 0,
            flushed: 0,
            applied: 0,
            epoch: 1,
            resend: false,
            heard_us: 1_000_000,
        },
    };
    feed(&mut n, 1_000_500, confirm);
    for t in 1..=5u64 {
        feed(&mut n, t * 1_000_000, Input::Timer(Timer::Heartbeat));
    }
    // F1 and this leader are a majority of three: the lease ends 4.5 s
    // after 1 s, although F1 was heard only 4 s before the last heartbeat.
    let fx = feed(&mut n, 5_499_999, write_req(1, 5, 100));
    assert_eq!(fx[0], progress(Progress::Appended { lsn: 1, epoch: 1 }));
    let fx = feed(&mut n, 5_500_001, write_req(2, 5, 200));
    assert_eq!(
        fx,
        [Effect::Send {
            to: CLIENT,
            msg: Msg::WriteErr {
                req: 2,
                error: WriteError::Fenced,
                lsn: 0,
            },
        }]
    );
    // The write accepted just before the lease ended is not acknowledged
    // once it commits after it.
    feed(&mut n, 5_500_100, Input::DiskWritten { upto: 1, gen: 0 });
    let fx = feed(&mut n, 5_501_000, Input::DiskFlushed { upto: 1, gen: 0 });
    assert_eq!(
        fx.last(),
        Some(&Effect::Send {
            to: CLIENT,
            msg: Msg::WriteErr {
                req: 1,
                error: WriteError::Fenced,
                lsn: 1,
            },
        })
    );
}

#[test]
fn a_standby_is_streaming_once_it_has_been_sent_everything_not_once_it_has_flushed_it() {
    let policy = CommitPolicy {
        quorum: Quorum::First {
            k: 1,
            standbys: vec![F1, F2],
        },
        ..sync_first_1(AckPoint::Flushed)
    };
    let mut n = Node::new(config(LEADER, policy), Role::Leader, LEADER);
    feed(&mut n, 0, Input::Start { restarted: false });
    feed(&mut n, 1, status(F1, 0, 0, 0));
    feed(&mut n, 10, write_req(1, 5, 100));
    feed(&mut n, 30, Input::DiskWritten { upto: 1, gen: 0 });
    feed(&mut n, 1_000, Input::DiskFlushed { upto: 1, gen: 0 });
    // F2 connects behind the leader: the leader sends it entry 1 at once,
    // and from then on it counts as streaming (PostgreSQL's walsender
    // state), though it has not flushed entry 1 yet.
    let fx = feed(&mut n, 1_100, status(F2, 0, 0, 0));
    assert!(fx.iter().any(|e| matches!(
        e,
        Effect::Send {
            to: Addr::Node(F2),
            msg: Msg::Wal { .. }
        }
    )));
    assert_eq!(n.peers()[F2 as usize].state, PeerState::Streaming);
    // So when F1, the first choice, goes, F2 is the synchronous standby at
    // once: its flush of entry 1 commits write 1.
    let gone = Input::Message {
        from: Addr::Node(F1),
        msg: Msg::Disconnect,
    };
    feed(&mut n, 1_200, gone);
    let fx = feed(&mut n, 1_300, status(F2, 1, 1, 0));
    assert_eq!(fx.last(), Some(&ok(1, 1)));
}
