//! The read-outs and the anomaly panel.
//!
//! Commit latency is shown for the writes issued since the last commit
//! policy change (so switching policy shows its effect at once) and for
//! the whole run. Lost writes are the engine's live count of acknowledged
//! writes that the current leader's log lacks. Anomalies come from the engine's
//! consistency checker as they happen, each with its one-line explanation
//! and a "jump to" button that re-runs the lab to that instant.

use crate::app::PanelProps;
use crate::cluster::{fmt_us, lag};
use crate::state::Action;
use replica_engine::checker::{Violation, ViolationKind};
use replica_engine::network::NodeId;
use replica_engine::Simulation;
use yew::prelude::*;

/// Anomalies listed at most (newest first).
const LISTED: usize = 30;

/// The stable key of an anomaly kind (as the engine serialises it), e.g.
/// `read_your_writes`.
pub fn kind_key(k: ViolationKind) -> &'static str {
    match k {
        ViolationKind::ReadYourWrites => "read_your_writes",
        ViolationKind::MonotonicReads => "monotonic_reads",
        ViolationKind::Causality => "causality",
        ViolationKind::StaleRead => "stale_read",
        ViolationKind::SplitBrain => "split_brain",
        ViolationKind::LostWrite => "lost_write",
        #[allow(unreachable_patterns)]
        _ => "other",
    }
}

/// The leader's commit policy state in words, e.g. "semi-sync: fell back
/// to async at 12.4 s".
pub fn policy_state(sim: &Simulation) -> String {
    let m = &sim.metrics();
    let Some(l) = sim.current_leader() else {
        return "No leader: nobody accepts writes until a follower is promoted.".into();
    };
    let n = &sim.node(l);
    let last_change = m.policy_changes.iter().rev().find(|p| p.node == l);
    if n.cfg().policy.is_async() {
        return "asynchronous: a write commits on the leader's own flush".into();
    }
    if n.degraded() {
        let at = last_change.filter(|p| p.degraded).map_or(0, |p| p.t_us);
        return format!("semi-sync: fell back to async at {}", fmt_us(at));
    }
    let waiting = n.pending_writes();
    let again = last_change
        .filter(|p| !p.degraded)
        .map(|p| format!(" (synchronous again since {})", fmt_us(p.t_us)))
        .unwrap_or_default();
    format!(
        "synchronous: {waiting} write{} waiting for standbys{again}",
        if waiting == 1 { "" } else { "s" }
    )
}

/// Acknowledged writes that the authoritative log (the current leader's)
/// lacks right now: lost, unless an old leader's history wins (it never
/// does). The engine's live count.
pub fn lost_writes(sim: &Simulation) -> u64 {
    sim.lost_acknowledged_writes()
}

/// Latency, writes, leader, policy state and per-follower lag.
#[function_component]
pub fn Readouts(props: &PanelProps) -> Html {
    let lab = &props.lab;
    let run = lab.main.borrow();
    let sim = &run.sim;
    let m = &sim.metrics();
    let w = run.timeline.window.summary();
    let all = m.commit_latency.summary();
    let since = run.timeline.since_us;
    let names: Vec<String> = sim.scenario.nodes.iter().map(|n| n.name.clone()).collect();
    let leader = sim.current_leader();
    let lost = lost_writes(sim);
    let leader_text = match leader {
        Some(l) => format!("{} (epoch {})", names[l as usize], sim.node(l).epoch()),
        None => "none".into(),
    };
    let promotions = m.promotions.iter().rev().take(4).map(|p| {
        let after = p
            .leader_lost_us
            .or(p.suspected_us)
            .map(|t| format!(", {} after {} was lost", fmt_us(p.t_us.saturating_sub(t)), names.get(p.old_leader as usize).cloned().unwrap_or_default()))
            .unwrap_or_default();
        let loss = if p.lost_acknowledged_writes > 0 {
            format!("; {} acknowledged writes lost", p.lost_acknowledged_writes)
        } else {
            String::new()
        };
        html! {
            <li data-node={names[p.node as usize].clone()} data-epoch={p.epoch.to_string()}>
                {format!("{}: {} promoted, epoch {}{after}{loss}", fmt_us(p.t_us), names[p.node as usize], p.epoch)}
            </li>
        }
    });
    let lead_region = leader.map(|l| sim.scenario.nodes[l as usize].region as usize);
    let rows = (0..sim.nodes().len())
        .filter(|&i| Some(i as NodeId) != leader)
        .map(|i| {
            let (entries, us) = leader.map_or((0, 0), |l| lag(sim, l, i));
            let region = sim.scenario.regions.get(sim.scenario.nodes[i].region as usize).cloned().unwrap_or_default();
            let far = lead_region.is_some_and(|r| r != sim.scenario.nodes[i].region as usize);
            let state = if !sim.is_up(i as NodeId) { " (down)" } else { "" };
            html! {
                <tr id={format!("lag-{}", names[i])} data-entries={entries.to_string()} data-us={us.to_string()}>
                    <th scope="row">{format!("{}{state}", names[i])}</th>
                    <td class={classes!("region-cell", far.then_some("far"))}>{region}</td>
                    <td>{entries}</td>
                    <td>{fmt_us(us)}</td>
                    <td>{fmt_us(m.lag[i].max_us)}</td>
                </tr>
            }
        });
    let compare = lab.twin.as_ref().map(|twin| {
        let twin = twin.borrow();
        let t = twin.timeline.window.summary();
        let main_sync = !sim.scenario.policy.is_async();
        let (s, a) = if main_sync { (w, t) } else { (t, w) };
        let text = if s.count > 0 && a.count > 0 {
            let diff = s.p50_us.saturating_sub(a.p50_us);
            format!(
                "Side by side, p50: sync {} vs async {} (+{})",
                fmt_us(s.p50_us),
                fmt_us(a.p50_us),
                fmt_us(diff)
            )
        } else {
            "Side by side: waiting for commits on both sides…".to_string()
        };
        html! {
            <p class="compare-line" id="compare-latency" data-sync-us={s.p50_us.to_string()} data-async-us={a.p50_us.to_string()}>
                {text}
            </p>
        }
    });
    html! {
        <section class="panel readouts" aria-labelledby="readouts-title">
            <h2 id="readouts-title">{"Read-outs"}</h2>
            <dl class="stats">
                <div><dt>{"Commit p50"}</dt><dd id="commit-p50" data-us={w.p50_us.to_string()} data-count={w.count.to_string()}>{if w.count > 0 { fmt_us(w.p50_us) } else { "–".into() }}</dd></div>
                <div><dt>{"Commit p99"}</dt><dd id="commit-p99" data-us={w.p99_us.to_string()}>{if w.count > 0 { fmt_us(w.p99_us) } else { "–".into() }}</dd></div>
                <div><dt>{"Writes acked"}</dt><dd id="writes-acked" data-count={m.writes_acknowledged.to_string()}>{m.writes_acknowledged}</dd></div>
                <div class={classes!((lost > 0).then_some("alarm"))}><dt>{"Acked, then lost"}</dt><dd id="writes-lost" data-count={lost.to_string()}>{lost}</dd></div>
                <div><dt>{"Writes failed"}</dt><dd id="writes-failed">{m.writes_failed}</dd></div>
                <div><dt>{"Stale reads"}</dt><dd id="stale-reads">{m.stale_reads}</dd></div>
            </dl>
            <p class="caption" id="latency-window" data-since-us={since.to_string()}>
                { if since == 0 { "Latency of every write so far".to_string() } else { format!("Latency of writes issued since {} (policy change)", fmt_us(since)) } }
                {format!(" · whole run p50 {} / p99 {}", fmt_us(all.p50_us), fmt_us(all.p99_us))}
            </p>
            { for compare }
            <p class="line" id="leader" data-node={leader.map(|l| names[l as usize].clone()).unwrap_or_default()}>
                <span class="k">{"Leader "}</span><strong>{leader_text}</strong>
            </p>
            <p class="line" id="policy-state"><span class="k">{"Policy "}</span>{policy_state(sim)}</p>
            if !m.promotions.is_empty() {
                <ul id="promotions" class="promotions" aria-label="Promotions">{ for promotions }</ul>
            }
            <table class="lag" id="lag-table">
                <caption>{"Follower lag (replay)"}</caption>
                <thead><tr><th scope="col">{"node"}</th><th scope="col">{"region"}</th><th scope="col">{"entries"}</th><th scope="col">{"now"}</th><th scope="col">{"max"}</th></tr></thead>
                <tbody>{ for rows }</tbody>
            </table>
        </section>
    }
}

/// The anomalies found so far, newest first, with "jump to".
#[function_component]
pub fn Anomalies(props: &PanelProps) -> Html {
    let lab = &props.lab;
    let run = lab.main.borrow();
    let sim = &run.sim;
    let names: Vec<String> = sim.scenario.nodes.iter().map(|n| n.name.clone()).collect();
    let counts = sim.checker.as_ref().map(|c| c.counts).unwrap_or_default();
    let total: u64 = counts.iter().sum();
    let focused = lab.focus.as_deref().map(|f| f.violation);
    let chips = ViolationKind::ALL.iter().zip(counts.iter()).filter(|(_, c)| **c > 0).map(|(k, c)| {
        html! { <li class={classes!("chip", kind_key(*k))} data-kind={kind_key(*k)} data-count={c.to_string()}>{format!("{} {c}", k.title())}</li> }
    });
    let item = |v: &Violation| {
        let cb = props.on_action.clone();
        let vv = *v;
        let jump = Callback::from(move |_: MouseEvent| cb.emit(Action::JumpTo(vv)));
        let is_focused = focused == Some(*v);
        html! {
            <li class={classes!("anomaly", kind_key(v.kind), is_focused.then_some("focused"))}
                data-kind={kind_key(v.kind)} data-t-us={v.t_us.to_string()} data-op={v.op.to_string()}>
                <div class="a-head">
                    <span class="a-kind">{v.kind.title()}</span>
                    <span class="a-time">{fmt_us(v.t_us)}</span>
                    <button class="jump" onclick={jump}
                            aria-label={format!("Jump to the {} anomaly at {}", v.kind.title(), fmt_us(v.t_us))}>{"Jump to"}</button>
                </div>
                <p class="a-text">{v.explain(&names)}</p>
            </li>
        }
    };
    let listed = sim.metrics().violations.iter().rev().take(LISTED).map(item);
    html! {
        <section class="panel anomalies" aria-labelledby="anomalies-title">
            <h2 id="anomalies-title">{"Anomalies "}<span id="anomaly-count" data-count={total.to_string()}>{format!("({total})")}</span></h2>
            if total == 0 {
                <p class="empty">{"None so far. Reads from a lagging follower (\"Any follower\") soon show read-your-writes anomalies; failovers under async commit can lose writes."}</p>
            } else {
                <ul class="chips" aria-label="Counts by kind">{ for chips }</ul>
                <ol id="anomalies" class="anomaly-list" aria-label="Anomalies, newest first">{ for listed }</ol>
            }
        </section>
    }
}
