//! The read-outs and the anomaly panel, rendered from the view model.
//!
//! Each figure says what it counts: commit latency of the writes issued
//! since the last policy change (and the whole run's), acknowledged writes
//! and those lost now (the engine's live count), failed writes and why,
//! reads a follower answered behind the leader (the engine's judgement at
//! serving time, not an anomaly a client could notice), and split-brain
//! time. The anomaly panel lists what the consistency checker found in
//! what clients saw, each with its explanation and "jump to".

use crate::format::{fmt_at, fmt_us};
use crate::props::Part;
use crate::state::Action;
use crate::view::panels::{AnomaliesView, ReadoutsView, KIND_MEANINGS};
use yew::prelude::*;

/// Latency, writes, leader, policy state and per-follower lag.
#[function_component]
pub fn Readouts(props: &Part<ReadoutsView>) -> Html {
    let v = &props.view;
    let dash = |x: Option<u64>| x.map_or_else(|| "–".to_string(), fmt_us);
    html! {
        <section class="panel readouts" aria-labelledby="readouts-title">
            <h2 id="readouts-title">{"Read-outs"}</h2>
            <dl class="stats">
                <div><dt>{"Commit p50"}</dt><dd id="commit-p50" data-us={v.p50_us.unwrap_or(0).to_string()} data-count={v.window_count.to_string()}>{dash(v.p50_us)}</dd></div>
                <div><dt>{"Commit p99"}</dt><dd id="commit-p99" data-us={v.p99_us.unwrap_or(0).to_string()}>{dash(v.p99_us)}</dd></div>
                <div><dt title="Reads answered per second of simulated time, over the last second or so">{"Reads/s"}</dt>
                    <dd id="reads-per-s" data-rate={v.throughput.map_or(0.0, |r| r.reads_per_s).to_string()}>{v.throughput.map_or_else(|| "–".to_string(), |r| format!("{:.0}", r.reads_per_s))}</dd></div>
                <div><dt title="Writes acknowledged per second of simulated time, over the last second or so">{"Writes/s"}</dt>
                    <dd id="writes-per-s" data-rate={v.throughput.map_or(0.0, |r| r.writes_per_s).to_string()}>{v.throughput.map_or_else(|| "–".to_string(), |r| format!("{:.0}", r.writes_per_s))}</dd></div>
                <div><dt>{"Writes acked"}</dt><dd id="writes-acked" data-count={v.acked.to_string()}>{v.acked}</dd></div>
                <div class={classes!((v.lost > 0).then_some("alarm"))}>
                    <dt title="Acknowledged writes missing from the log that counts now (the current leader's)">{"Acked, then lost"}</dt>
                    <dd id="writes-lost" data-count={v.lost.to_string()}>{v.lost}</dd>
                </div>
                <div>
                    <dt title={if v.failed_detail.is_empty() { "Writes that ended in an error or a time-out".to_string() } else { v.failed_detail.clone() }}>{"Writes failed"}</dt>
                    <dd id="writes-failed" data-count={v.failed.to_string()}>{v.failed}</dd>
                </div>
                <div>
                    <dt title="Reads a follower answered while the leader already held a newer version (judged by the engine when served)">{"Reads behind leader"}</dt>
                    <dd id="reads-behind" data-count={v.reads_behind.to_string()}>{v.reads_behind}</dd>
                </div>
            </dl>
            <p class="caption" id="throughput" data-since-us={v.throughput.map_or(0, |r| r.since_us).to_string()}>{v.throughput_text.clone()}</p>
            <p class="caption" id="latency-window" data-since-us={v.since_us.to_string()}>{v.window_text.clone()}</p>
            <p class="caption">
                {"Reads behind leader: a follower answered while the leader already had a newer version. "}
                {"The anomaly panel's stale reads count only reads older than a write acknowledged before they began: what a client can notice."}
            </p>
            if let Some(text) = v.unreplicated_text.clone() {
                <p class="caption" id="writes-unreplicated" data-count={v.unreplicated.to_string()} data-lost={v.lost_unreplicated.to_string()}>{text}</p>
            }
            if !v.failed_detail.is_empty() {
                <p class="caption" id="writes-failed-detail">{format!("Failed writes: {}.", v.failed_detail)}</p>
            }
            if let Some((text, s, a)) = v.compare.clone() {
                <p class="compare-line" id="compare-latency" data-sync-us={s.to_string()} data-async-us={a.to_string()}>{text}</p>
            }
            <p class="line" id="leader" data-node={v.leader.clone().unwrap_or_default()}>
                <span class="k">{"Leader "}</span><strong>{v.leader_text.clone()}</strong>
            </p>
            if let Some(text) = v.leadership.clone() {
                <p class="line leadership" id="leadership" data-split-brain-us={v.split_brain_us.to_string()}>{text}</p>
            }
            <p class="line" id="policy-state" data-state={v.policy.key} data-waiting={v.policy.waiting.to_string()}>
                <span class="k">{"Policy "}</span>{v.policy.text.clone()}
            </p>
            if let Some(text) = v.split_brain_text.clone() {
                <p class="line alarm-line" id="split-brain" data-split-brain-us={v.split_brain_us.to_string()}>{text}</p>
            }
            if !v.promotions.is_empty() {
                <ul id="promotions" class="promotions" aria-label="Promotions, newest first">
                    { for v.promotions.iter().map(|p| html! {
                        <li data-node={p.node.clone()} data-epoch={p.epoch.to_string()} data-lost={p.lost.to_string()} data-t-us={p.t_us.to_string()}
                            data-false-failover={p.false_failover.to_string()} data-unavailable-us={p.unavailable_us.map(|u| u.to_string())}>
                            {p.text.clone()}<span class="promo-loss">{p.loss.clone()}</span>
                            if p.false_failover {
                                {" · "}<strong class="false-failover" title="The old leader was still running when a follower was promoted">{"false failover"}</strong>
                            }
                            <br/><span class="promo-steps">{p.steps.clone()}</span>
                        </li>
                    }) }
                </ul>
            }
            if let Some(note) = v.lost_note.clone() {
                <p class="caption" id="lost-note">{note}</p>
            }
            <table class="lag" id="lag-table">
                <caption>{v.lag_caption.clone()}</caption>
                <thead><tr><th scope="col">{"node"}</th><th scope="col">{"region"}</th><th scope="col">{"entries"}</th><th scope="col">{"now"}</th><th scope="col">{"max"}</th></tr></thead>
                <tbody>
                    { for v.lag.iter().map(|r| html! {
                        <tr id={format!("lag-{}", r.node)} data-entries={r.entries.to_string()} data-us={r.now_us.to_string()} data-max-us={r.max_us.to_string()}>
                            <th scope="row">{r.label.clone()}</th>
                            <td class={classes!("region-cell", r.far.then_some("far"))}>{r.region.clone()}</td>
                            <td>{r.entries}</td>
                            <td>{fmt_us(r.now_us)}</td>
                            <td>{fmt_us(r.max_us)}</td>
                        </tr>
                    }) }
                </tbody>
            </table>
        </section>
    }
}

/// The anomalies found so far, newest first, with "jump to".
#[function_component]
pub fn Anomalies(props: &Part<AnomaliesView>) -> Html {
    let v = &props.view;
    let item = |a: &crate::view::panels::AnomalyItem| {
        let cb = props.on_action.clone();
        let violation = a.violation;
        let jump = Callback::from(move |_: MouseEvent| cb.emit(Action::JumpTo(violation)));
        html! {
            <li class={classes!("anomaly", a.key, a.focused.then_some("focused"))}
                data-kind={a.key} data-t-us={a.t_us.to_string()} data-op={a.op.to_string()}>
                <div class="a-head">
                    <span class="a-kind">{a.title}</span>
                    <span class="a-time">{fmt_at(a.t_us)}</span>
                    <button class="jump" onclick={jump}
                            aria-label={format!("Jump to the {} anomaly at {}", a.title, fmt_at(a.t_us))}>{"Jump to"}</button>
                </div>
                <p class="a-text">{a.text.clone()}</p>
            </li>
        }
    };
    html! {
        <section class="panel anomalies" aria-labelledby="anomalies-title">
            <h2 id="anomalies-title">{"Anomalies "}<span id="anomaly-count" data-count={v.total.to_string()}>{format!("({})", v.total)}</span></h2>
            if v.total == 0 {
                <p class="empty">{"None so far. Reads from a lagging follower (\"Any follower\") soon show read-your-writes anomalies; failovers under async commit can lose writes."}</p>
            } else {
                <ul class="chips" aria-label="Counts by kind">
                    { for v.chips.iter().map(|(key, title, count)| html! {
                        <li class={classes!("chip", *key)} data-kind={*key} data-count={count.to_string()}>{format!("{title} {count}")}</li>
                    }) }
                </ul>
                <ol id="anomalies" class="anomaly-list" aria-label="Anomalies, newest first">{ for v.items.iter().map(item) }</ol>
                if v.not_listed > 0 {
                    <p class="caption">{format!("{} older ones are counted but not listed.", v.not_listed)}</p>
                }
            }
            if let Some(note) = v.lost_note.clone() {
                <p class="caption" id="anomaly-lost-note">{note}</p>
            }
            <details class="meanings">
                <summary>{"What each kind counts"}</summary>
                <dl>
                    { for KIND_MEANINGS.iter().map(|(k, m)| html! {
                        <div><dt>{k.title()}</dt><dd>{*m}</dd></div>
                    }) }
                </dl>
            </details>
        </section>
    }
}
