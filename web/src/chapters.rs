//! Guided lessons: one chapter per section of the course's lesson on
//! leader-follower replication.
//!
//! Chapters are data ([`CHAPTERS`]): a title, a short narration in our own
//! words, the experiment (a library scenario, played at the speed that
//! scenario suggests, `suggested_speed_us_per_ms`, like anywhere else in
//! the lab), and a predict-then-observe question. The learner picks an answer and commits
//! to it before the experiment can run; the answer and what to look at are
//! shown once it runs (the panel is `chapter_panel.rs`). Adding a chapter
//! is adding an entry here (and, if it needs one, a scenario file). The
//! last chapter hands over to the free sandbox.

use crate::key_event::KeyEvent;

/// One guided chapter.
pub struct Chapter {
    /// Short title.
    pub title: &'static str,
    /// Narration, one string per paragraph.
    pub narration: &'static [&'static str],
    /// Library scenario of the experiment.
    pub scenario: &'static str,
    /// `None`: the chapter plays at its scenario's suggested speed, like
    /// the scenario anywhere else in the lab. `Some(i)`: a faster menu
    /// speed (an index into [`crate::speeds::SPEEDS`]), only where the key
    /// event lies so far into the run that at the suggested speed the
    /// learner would wait more than [`LONGEST_WAIT_MS`] for the answer;
    /// then it is the slowest menu speed that does not (checked by
    /// `tests::faster_only_where_the_key_event_is_far`).
    pub faster: Option<usize>,
    /// The question asked before running.
    pub question: &'static str,
    /// Possible answers.
    pub options: &'static [&'static str],
    /// Index of the right one.
    pub answer: usize,
    /// The instant that answers the question: the answer stays hidden
    /// until the run reaches it, and the run pauses there.
    pub key: KeyEvent,
    /// What the run shows, revealed at the key event.
    pub observe: &'static str,
}

/// The longest a learner waits, in wall time, from "Run the experiment"
/// to the key event at the speed the chapter starts at, ms.
pub const LONGEST_WAIT_MS: u64 = 20_000;

/// The chapters, in the lesson's order.
pub const CHAPTERS: &[Chapter] = &[
    Chapter {
        title: "Writes go one way, reads go anywhere",
        narration: &[
            "Only the leader accepts writes. It records each change in its write-ahead log (WAL) and ships that log, record by record, to every follower, which replays it.",
            "Reads need no coordination, so any node can answer them: the leader or a follower.",
        ],
        scenario: "lesson-01-write-and-read-paths",
        faster: None,
        question: "Where does a follower get a new write from?",
        options: &["From the client that wrote it", "From the leader's WAL stream", "From the other follower"],
        answer: 1,
        key: KeyEvent::FirstReplayed,
        observe: "Every follower has just replayed the first write. Watch the squares (\"WAL record\") leave the leader for both followers after each \"write\" (a filled circle), while the hollow circles (\"read\") go to any node.",
    },
    Chapter {
        title: "Waiting for a follower, or not",
        narration: &[
            "When may the leader tell a client its write is safe? Asynchronous: as soon as its own disk has it. Synchronous: only after a standby has confirmed it too.",
            "Here the standby sits in a region 50 ms away, and the commit policy waits for it.",
        ],
        scenario: "lesson-02b-sync-cross-region",
        faster: None,
        question: "What will the typical (p50) commit latency be?",
        options: &["A few milliseconds", "About 50 ms", "About 100 ms"],
        answer: 2,
        key: KeyEvent::FirstCommit,
        observe: "The first write took about 100 ms to commit (\"Commit p50\"), and later ones settle there: the record must travel to the standby (50 ms) and the acknowledgement back (50 ms). Set \"When is a write committed?\" to asynchronous and it drops to the local flush.",
    },
    Chapter {
        title: "Semi-synchronous: wait, but not forever",
        narration: &[
            "Semi-synchronous replication waits for one standby, but if none answers within a timeout the leader gives up waiting and carries on asynchronously until a standby is back.",
            "In this run the nearby follower dies at 4 s and returns at 8 s.",
        ],
        scenario: "lesson-03-semi-sync",
        faster: Some(4),
        question: "After the near follower dies, what does the leader do?",
        options: &["Refuses writes until it returns", "Waits out the timeout, then commits without waiting", "Promotes the far follower"],
        answer: 1,
        key: KeyEvent::Fallback,
        observe: "The \"Policy\" read-out reports the fall-back: for about a second writes hung, then the leader gave up waiting; from now on they commit on its flush alone, exposed to loss, until a standby catches up.",
    },
    Chapter {
        title: "Lag and what it does to reads",
        narration: &[
            "A follower is always a little behind: the lag. Reading from it can show the past, which breaks three promises: seeing your own writes, never seeing time go backwards, and seeing an answer only with its question.",
            "Two fixes for the first one: read from the leader for a while after writing, or carry your last write's log position and let a follower answer only once it has replayed that far (try them in \"Route reads to\").",
        ],
        scenario: "lesson-04a-anomaly-read-your-writes",
        faster: None,
        question: "Reads go to any follower, one of which replays 300 ms late. Will a session ever fail to see its own write?",
        options: &["Yes, sometimes", "No, never"],
        answer: 0,
        key: KeyEvent::FirstAnomaly,
        observe: "The first read-your-writes anomaly is listed under \"Anomalies\", and more follow as the run goes on; \"Jump to\" shows one in close-up. Set \"Route reads to\" to a mitigation and new ones stop.",
    },
    Chapter {
        title: "Noticing a dead leader",
        narration: &[
            "Nobody announces that the leader has died: the others only notice silence. A failure detector suspects the leader after a timeout, and then a follower is elected and promoted.",
            "A short timeout reacts fast but mistakes a slow network for a death; a long one is sure but leaves writes unavailable for longer.",
        ],
        scenario: "lesson-05a-detection-short-timeout",
        faster: Some(4),
        question: "With a 1 s timeout, a 2 s network hiccup hits a healthy leader. Will a follower be promoted?",
        options: &["Yes, although the leader is alive", "No, the leader never died"],
        answer: 0,
        key: KeyEvent::Promotion,
        observe: "A promotion appears under \"Leader\" and is labelled a \"false failover\": the old leader was still running, only cut off. During the cut each follower's \"failure timer\" ring filled, and turned red when it suspected the leader. A longer timeout would have ridden the hiccup out: under \"Charts\", add this run to the \"Timeout trade-off, whole runs\" table, set a longer timeout under Failover, and add that run too.",
    },
    Chapter {
        title: "Asynchronous failover loses writes",
        narration: &[
            "With asynchronous commit the leader confirms writes its followers may not have yet. If it dies then, the follower promoted in its place never had them.",
            "Here the leader is cut off from its followers for a second, keeps confirming writes, then dies.",
        ],
        scenario: "lesson-06-async-failover-data-loss",
        faster: Some(4),
        question: "What happens to writes the old leader confirmed but never shipped?",
        options: &["The new leader replays them", "They are lost", "They wait on the old leader and are merged later"],
        answer: 1,
        key: KeyEvent::Promotion,
        observe: "The promotion line under \"Leader\" counts the acknowledged writes this failover lost, and \"Acked, then lost\" shows them: confirmed to clients, missing from the new leader's log.",
    },
    Chapter {
        title: "Two leaders at once",
        narration: &[
            "If the old leader is only cut off, not dead, it may still believe it leads while the others elect someone new: split-brain. Both accept writes and their histories diverge.",
            "Fencing stops the old one: an epoch number the others refuse, a lease that runs out, or powering it off (STONITH).",
        ],
        scenario: "lesson-07a-split-brain-no-fencing",
        faster: Some(4),
        question: "Without fencing, while the partition lasts, how many nodes accept writes?",
        options: &["One", "Two"],
        answer: 1,
        key: KeyEvent::SplitBrain,
        observe: "The old leader keeps serving the clients that reach it (\"OLD LEADER\") while the new one serves the rest: both accept writes. At the heal, the old leader's writes are rolled back and lost. Try \"Fencing of an old leader\" under \"Failover\".",
    },
    Chapter {
        title: "Followers multiply reads, not writes",
        narration: &[
            "Every follower can answer reads, so adding followers adds read capacity. Writes still all go through the one leader, and each follower adds replication work for it.",
            "In this run each node handles 1,000 operations a second. Eight writer sessions send a fixed 200 writes a second, all through the leader; 64 reader sessions read from the followers as fast as they are answered.",
        ],
        scenario: "lesson-08-read-scaling",
        faster: Some(4),
        question: "With three followers serving reads, about how much read traffic can the cluster answer compared with one node?",
        options: &["About the same", "About three times", "About ten times"],
        answer: 1,
        key: KeyEvent::RunEnd,
        observe: "\"Reads/s\" shows roughly three nodes' worth of reads, spread over the followers, while \"Writes/s\" stays at the writers' 200 a second, all through the leader. Under \"Charts\", run the capacity sweep: reads grow with each follower, writes stay flat.",
    },
    Chapter {
        title: "Choosing your configuration",
        narration: &[
            "Each setting trades something: synchronous commit buys durability with latency, followers buy read capacity with lag, a short failure timeout buys availability with false alarms, and fencing is what keeps a failover safe.",
            "This last run asks for zero lost writes: synchronous replication to a standby 2 ms away, then the leader loses power.",
        ],
        scenario: "matrix-rpo-zero",
        faster: Some(4),
        question: "You cannot lose a confirmed write and the standby is close. Which commit mode fits?",
        options: &["Asynchronous", "Synchronous to at least one standby", "Reads from followers"],
        answer: 1,
        key: KeyEvent::Promotion,
        observe: "Commits pay a small round trip, and when the leader dies and a follower is promoted the promotion line says \"no acknowledged write lost\". You have seen the whole lesson: the sandbox is yours.",
    },
];

/// The chapter named by `id`: its number (1-based) or a word of its title.
pub fn find(id: &str) -> Option<usize> {
    if let Ok(n) = id.trim().parse::<usize>() {
        return (1..=CHAPTERS.len()).contains(&n).then(|| n - 1);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::library;
    use crate::speeds::{suggested, SPEEDS};
    use replica_engine::Simulation;

    /// The instant of a chapter's key event in a straight run of its
    /// scenario, µs, and the scenario's suggested speed, µs per ms.
    fn key_and_speed(ch: &Chapter) -> (u64, u64) {
        let file = library::load(ch.scenario).unwrap();
        let sc = file.validate().unwrap();
        let mut sim = Simulation::with_seed(sc.clone(), sc.seed);
        sim.enable_checker();
        while !ch.key.happened(&sim) && sim.step() {}
        assert!(ch.key.happened(&sim), "{}: no key event", ch.scenario);
        (sim.now_us(), file.suggested_speed_us_per_ms.unwrap())
    }

    /// A chapter plays at its scenario's suggested speed unless its key
    /// event would then be more than [`LONGEST_WAIT_MS`] of wall time
    /// away; only then is it faster, at the slowest menu speed that gets
    /// there in time. So a scenario whose key event moves, or a new
    /// chapter, is told which speed it needs.
    #[test]
    fn faster_only_where_the_key_event_is_far() {
        for (i, ch) in CHAPTERS.iter().enumerate() {
            let (key_us, asked) = key_and_speed(ch);
            let wait_ms = |us_per_ms: u64| key_us / us_per_ms;
            let needed = (wait_ms(asked) > LONGEST_WAIT_MS).then(|| {
                (suggested(Some(asked))..SPEEDS.len())
                    .find(|s| wait_ms(SPEEDS[*s].0) <= LONGEST_WAIT_MS)
                    .unwrap()
            });
            assert_eq!(
                ch.faster,
                needed,
                "chapter {}: key event at {key_us} µs, {} ms away at its scenario's {asked} µs/ms",
                i + 1,
                wait_ms(asked)
            );
        }
    }
}
