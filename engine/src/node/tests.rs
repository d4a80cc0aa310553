//! Unit tests of the node: feed one input, assert the exact effects.
//!
//! Each test builds a node, brings it to a state through inputs only (no
//! field is set by hand), then checks the complete list of effects of the
//! input under test, so a change in what a node does in that case shows up
//! here by name.

use super::*;
use crate::message::{ReadError, WriteError};
use crate::policy::{AckPoint, OnUnmet, Quorum, Visibility};
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
        },
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
