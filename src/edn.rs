//! Export of a run's history in Jepsen's EDN format, so external checkers
//! (Elle, Knossos) can read what Replica Lab's clients saw.
//!
//! Each operation becomes an `:invoke` event at its invocation time and a
//! completion at its completion time: `:ok`, `:fail` when it certainly did
//! not happen (refused, not leader), or `:info` when it may have (a time-out
//! or a quorum time-out that leaves the write in place). Keys and values are
//! registers: `:f :write :value [key value]`, `:f :read :value [key value]`.
//! Times are nanoseconds, as Jepsen records them.

use replica_engine::history::{OpKind, OpRecord, Outcome};
use replica_engine::message::WriteError;
use std::fmt::Write;

fn completion(op: &OpRecord) -> &'static str {
    match op.outcome {
        Outcome::Ok | Outcome::CommittedUnreplicated => ":ok",
        Outcome::WriteFailed {
            error: WriteError::ClientTimeout | WriteError::QuorumTimeout,
        } => ":info",
        Outcome::WriteFailed { .. } | Outcome::ReadFailed { .. } => ":fail",
    }
}

fn value(key: u32, v: Option<u64>) -> String {
    match v {
        Some(v) => format!("[{key} {v}]"),
        None => format!("[{key} nil]"),
    }
}

/// The history as EDN, one event map per line, in time order.
pub fn history(ops: &[OpRecord]) -> String {
    let mut events: Vec<(u64, u8, String)> = Vec::with_capacity(ops.len() * 2);
    for op in ops {
        let f = match op.kind {
            OpKind::Write => ":write",
            OpKind::Read => ":read",
        };
        let invoked = match op.kind {
            OpKind::Write => value(op.key, op.value),
            OpKind::Read => value(op.key, None),
        };
        let done = match (op.kind, op.outcome) {
            (OpKind::Read, Outcome::Ok) | (OpKind::Write, _) => value(op.key, op.value),
            (OpKind::Read, _) => value(op.key, None),
        };
        events.push((
            op.invoke_us,
            0,
            format!(
                "{{:type :invoke, :f {f}, :value {invoked}, :process {}, :time {}",
                op.session,
                op.invoke_us * 1000
            ),
        ));
        events.push((
            op.complete_us,
            1,
            format!(
                "{{:type {}, :f {f}, :value {done}, :process {}, :time {}, :node {}",
                completion(op),
                op.session,
                op.complete_us * 1000,
                op.node
            ),
        ));
    }
    events.sort_by_key(|a| (a.0, a.1));
    let mut out = String::new();
    for (i, (_, _, e)) in events.iter().enumerate() {
        let _ = writeln!(out, "{e}, :index {i}}}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_operation_is_an_invoke_and_a_completion_in_time_order() {
        let w = OpRecord {
            id: 1,
            session: 0,
            kind: OpKind::Write,
            key: 3,
            value: Some(42),
            node: 0,
            invoke_us: 10,
            complete_us: 30,
            outcome: Outcome::Ok,
            lsn: 1,
            epoch: 1,
            applied_lsn: 0,
        };
        let r = OpRecord {
            id: 2,
            session: 1,
            kind: OpKind::Read,
            invoke_us: 20,
            complete_us: 25,
            node: 1,
            ..w
        };
        let text = history(&[w, r]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4);
        assert!(lines[0]
            .starts_with("{:type :invoke, :f :write, :value [3 42], :process 0, :time 10000"));
        assert!(lines[1].starts_with("{:type :invoke, :f :read, :value [3 nil], :process 1"));
        assert!(lines[2].starts_with("{:type :ok, :f :read, :value [3 42]"));
        assert!(lines[3].contains(":index 3}"));
    }
}
