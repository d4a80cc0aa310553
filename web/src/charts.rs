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
                </div>
            </div>
        </section>
    }
}
