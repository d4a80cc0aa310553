//! Live charts, drawn as small SVGs from the view model.
//!
//! Each chart is a fixed 300 × 120 viewBox of polylines or bars with axis
//! labels as text: no plotting library, so the bundle does not grow and
//! the charts follow the page's theme through CSS variables. The figures
//! are the view model's, so the per-failover losses are the read-outs'.

use crate::props::{on_click, Part};
use crate::state::Action;
use crate::view::charts::{BarChart, ChartsView, TimeChart, H, W};
use yew::prelude::*;

const PAD_L: f64 = 44.0;
const PAD_B: f64 = 18.0;
const PAD_T: f64 = 8.0;

fn time_chart(c: &TimeChart) -> Html {
    html! {
        <figure class="chart">
            <figcaption>{c.title}</figcaption>
            <svg id={c.id} class="chart-svg" viewBox={format!("0 0 {W} {H}")} role="img"
                 aria-label={c.title} data-points={c.points.to_string()}>
                <line class="axis" x1={PAD_L.to_string()} y1={(H - PAD_B).to_string()} x2={W.to_string()} y2={(H - PAD_B).to_string()} />
                <line class="axis" x1={PAD_L.to_string()} y1={PAD_T.to_string()} x2={PAD_L.to_string()} y2={(H - PAD_B).to_string()} />
                <text class="tick" x={(PAD_L - 3.0).to_string()} y={(PAD_T + 8.0).to_string()} text-anchor="end">{c.vmax.clone()}</text>
                <text class="tick" x={(PAD_L - 3.0).to_string()} y={(H - PAD_B).to_string()} text-anchor="end">{"0"}</text>
                if let Some((t0, t1)) = c.t_range.clone() {
                    <text class="tick" x={PAD_L.to_string()} y={(H - 4.0).to_string()}>{t0}</text>
                    <text class="tick" x={W.to_string()} y={(H - 4.0).to_string()} text-anchor="end">{t1}</text>
                }
                { for c.lines.iter().map(|l| html! {
                    <polyline class="series" data-series={l.name.clone()} fill="none"
                              stroke={l.colour} stroke-width="1.5" points={l.points.clone()} />
                }) }
            </svg>
            <ul class="chart-key">
                { for c.lines.iter().map(|l| html! {
                    <li><span class="key" style={format!("background:{}", l.colour)}></span>{l.name.clone()}</li>
                }) }
            </ul>
        </figure>
    }
}

fn bar_chart(c: &BarChart) -> Html {
    html! {
        <figure class="chart">
            <figcaption>{c.title}</figcaption>
            <svg id={c.id} class="chart-svg" viewBox={format!("0 0 {W} {H}")} role="img"
                 aria-label={c.title} data-points={c.points.to_string()}>
                <line class="axis" x1={PAD_L.to_string()} y1={(H - PAD_B).to_string()} x2={W.to_string()} y2={(H - PAD_B).to_string()} />
                <text class="tick" x={(PAD_L - 3.0).to_string()} y={(PAD_T + 8.0).to_string()} text-anchor="end">{c.vmax.clone()}</text>
                { for c.bars.iter().map(|b| html! {
                    <rect class="bar" x={format!("{:.1}", b.x)} y={format!("{:.1}", b.y)}
                          width={format!("{:.1}", b.w)} height={format!("{:.1}", b.h)} fill={b.colour}>
                        <title>{b.title.clone()}</title>
                    </rect>
                }) }
                { for c.labels.iter().map(|(label, x)| html! {
                    <text class="tick" x={format!("{x:.1}")} y={(H - 4.0).to_string()} text-anchor="middle">{label.clone()}</text>
                }) }
            </svg>
            <ul class="chart-key">
                { for c.key.iter().map(|(name, colour)| html! {
                    <li><span class="key" style={format!("background:{colour}")}></span>{*name}</li>
                }) }
            </ul>
        </figure>
    }
}

/// The charts panel.
#[function_component]
pub fn ChartsPanel(props: &Part<ChartsView>) -> Html {
    let v = &props.view;
    html! {
        <section class="panel charts" id="charts" aria-labelledby="charts-title">
            <h2 id="charts-title">{"Charts"}</h2>
            <div class="chart-grid">
                { time_chart(&v.lag) }
                { time_chart(&v.latency) }
                <div>
                    { bar_chart(&v.throughput) }
                    <p class="caption" id="sweep-text">{v.sweep_text.clone()}</p>
                    if v.swept {
                        <table class="sweep" id="sweep-table">
                            <caption>{"Capacity sweep, 2 s of simulated time per row"}</caption>
                            <thead><tr><th scope="col">{"followers"}</th><th scope="col">{"reads/s"}</th><th scope="col">{"writes/s"}</th></tr></thead>
                            <tbody>
                                { for v.sweep_rows.iter().map(|(n, r, w)| html! {
                                    <tr data-followers={n.to_string()} data-reads={format!("{r:.1}")} data-writes={format!("{w:.1}")}>
                                        <th scope="row">{*n}</th><td>{format!("{r:.0}")}</td><td>{format!("{w:.0}")}</td>
                                    </tr>
                                }) }
                            </tbody>
                        </table>
                    }
                    <button id="sweep-run" onclick={on_click(&props.on_action, Action::RunSweep)}>
                        { if v.swept { "Run it again" } else { "Run the capacity sweep" } }
                    </button>
                </div>
                <div>
                    { bar_chart(&v.failovers) }
                    if v.no_failover {
                        <p class="empty">{"No failover yet: kill the leader."}</p>
                    }
                    if let Some(t) = &v.tradeoff {
                        <table class="sweep tradeoff" id="tradeoff-table">
                            <caption>{"Timeout trade-off, whole runs"}</caption>
                            <thead><tr>
                                <th scope="col" title="failure timeout, ms">{"timeout ms"}</th>
                                <th scope="col" title="promotions in the whole run">{"failovers"}</th>
                                <th scope="col" title="promotions while the old leader was still running">{"false"}</th>
                                <th scope="col" title="longest time without an accepting leader, ms">{"no leader ms"}</th>
                                <th scope="col" title="acknowledged writes lost">{"lost"}</th>
                            </tr></thead>
                            <tbody>
                                { for t.rows.iter().map(|r| html! {
                                    <tr class={classes!(r.current.then_some("current"))}
                                        data-timeout-ms={r.timeout_ms.to_string()} data-promotions={r.promotions.to_string()}
                                        data-false-failovers={r.false_failovers.to_string()}
                                        data-unavailable-ms={r.max_unavailability_ms.to_string()}
                                        data-lost={r.lost_writes.to_string()}>
                                        <th scope="row">{r.timeout_ms}</th>
                                        <td>{r.promotions}</td><td>{r.false_failovers}</td>
                                        <td>{r.max_unavailability_ms}</td><td>{r.lost_writes}</td>
                                    </tr>
                                }) }
                            </tbody>
                        </table>
                        <p class="caption" id="tradeoff-text">{"Each row is this scenario played to its end with that timeout. Add this run, change \"Declare the leader dead after\" under Failover, and add again: a short timeout fails over on a blip, a long one leaves the cluster without a leader for longer after a crash."}</p>
                        <button id="tradeoff-run" onclick={on_click(&props.on_action, Action::AddTradeoffRow)}>
                            { if t.has_current {
                                format!("Run {} ms again", t.timeout_ms)
                            } else {
                                format!("Add timeout {} ms to the table", t.timeout_ms)
                            } }
                        </button>
                    }
                </div>
            </div>
        </section>
    }
}
