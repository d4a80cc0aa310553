//! Live charts: small SVGs drawn by hand from the run's samples.
//!
//! Four charts: each follower's replay lag over time, commit latency p50
//! and p99 over time, read and write throughput against the number of
//! followers (a capacity sweep run in the page on demand), and for each
//! failover the acknowledged writes lost and how long writes were
//! unavailable. They are polylines and bars in a fixed viewBox, with axis
//! labels as text: no plotting library, so the bundle does not grow and
//! the charts follow the page's theme through CSS variables.

use crate::app::PanelProps;
use crate::cluster::fmt_us;
use crate::settings;
use crate::state::{Lab, Sample};
use replica_engine::Simulation;
use yew::prelude::*;

const W: f64 = 300.0;
const H: f64 = 120.0;
const PAD_L: f64 = 44.0;
const PAD_B: f64 = 18.0;
const PAD_T: f64 = 8.0;

/// Line colours (Okabe–Ito), by series index.
const COLOURS: &[&str] = &[
    "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000",
];

/// One line of a chart.
struct Line {
    name: String,
    points: Vec<(f64, f64)>,
}

/// A time chart: `lines` over `[t0, t1]`, values from 0 to their maximum,
/// labelled with `fmt`.
fn time_chart(id: &str, title: &str, lines: &[Line], fmt: fn(u64) -> String) -> Html {
    let points: usize = lines.iter().map(|l| l.points.len()).sum();
    let t0 = lines
        .iter()
        .flat_map(|l| l.points.first())
        .map(|p| p.0)
        .fold(f64::MAX, f64::min);
    let t1 = lines
        .iter()
        .flat_map(|l| l.points.last())
        .map(|p| p.0)
        .fold(0.0, f64::max);
    let vmax = lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.1))
        .fold(0.0, f64::max)
        .max(1.0);
    let x = |t: f64| PAD_L + (t - t0) / (t1 - t0).max(1.0) * (W - PAD_L - 4.0);
    let y = |v: f64| H - PAD_B - v / vmax * (H - PAD_B - PAD_T);
    html! {
        <figure class="chart">
            <figcaption>{title}</figcaption>
            <svg id={id.to_string()} class="chart-svg" viewBox={format!("0 0 {W} {H}")} role="img"
                 aria-label={title.to_string()} data-points={points.to_string()}>
                <line class="axis" x1={PAD_L.to_string()} y1={(H - PAD_B).to_string()} x2={W.to_string()} y2={(H - PAD_B).to_string()} />
                <line class="axis" x1={PAD_L.to_string()} y1={PAD_T.to_string()} x2={PAD_L.to_string()} y2={(H - PAD_B).to_string()} />
                <text class="tick" x={(PAD_L - 3.0).to_string()} y={(PAD_T + 8.0).to_string()} text-anchor="end">{fmt(vmax as u64)}</text>
                <text class="tick" x={(PAD_L - 3.0).to_string()} y={(H - PAD_B).to_string()} text-anchor="end">{"0"}</text>
                if points > 0 {
                    <text class="tick" x={PAD_L.to_string()} y={(H - 4.0).to_string()}>{fmt_us(t0 as u64)}</text>
                    <text class="tick" x={W.to_string()} y={(H - 4.0).to_string()} text-anchor="end">{fmt_us(t1 as u64)}</text>
                }
                { for lines.iter().enumerate().map(|(i, l)| {
                    let pts: Vec<String> = l.points.iter().map(|(t, v)| format!("{:.1},{:.1}", x(*t), y(*v))).collect();
                    html! {
                        <polyline class="series" data-series={l.name.clone()} fill="none"
                                  stroke={COLOURS[i % COLOURS.len()]} stroke-width="1.5"
                                  points={pts.join(" ")} />
                    }
                }) }
            </svg>
            <ul class="chart-key">
                { for lines.iter().enumerate().map(|(i, l)| html! {
                    <li><span class="key" style={format!("background:{}", COLOURS[i % COLOURS.len()])}></span>{l.name.clone()}</li>
                }) }
            </ul>
        </figure>
    }
}

/// Grouped bars: for each label, one bar per series.
fn bar_chart(
    id: &str,
    title: &str,
    labels: &[String],
    series: &[(&str, Vec<f64>)],
    fmt: fn(f64) -> String,
) -> Html {
    let vmax = series
        .iter()
        .flat_map(|s| s.1.iter().copied())
        .fold(0.0, f64::max)
        .max(1.0);
    let groups = labels.len().max(1) as f64;
    let gw = (W - PAD_L - 4.0) / groups;
    let bw = (gw * 0.8) / series.len().max(1) as f64;
    let y = |v: f64| H - PAD_B - v / vmax * (H - PAD_B - PAD_T);
    let bars = labels.len() * series.len();
    html! {
        <figure class="chart">
            <figcaption>{title}</figcaption>
            <svg id={id.to_string()} class="chart-svg" viewBox={format!("0 0 {W} {H}")} role="img"
                 aria-label={title.to_string()} data-points={if labels.is_empty() { "0".to_string() } else { bars.to_string() }}>
                <line class="axis" x1={PAD_L.to_string()} y1={(H - PAD_B).to_string()} x2={W.to_string()} y2={(H - PAD_B).to_string()} />
                <text class="tick" x={(PAD_L - 3.0).to_string()} y={(PAD_T + 8.0).to_string()} text-anchor="end">{fmt(vmax)}</text>
                { for labels.iter().enumerate().map(|(g, label)| {
                    let gx = PAD_L + g as f64 * gw + gw * 0.1;
                    html! {
                        <g class="group">
                            { for series.iter().enumerate().map(|(s, (name, vals))| {
                                let v = vals.get(g).copied().unwrap_or(0.0);
                                html! {
                                    <rect class="bar" x={format!("{:.1}", gx + s as f64 * bw)} y={format!("{:.1}", y(v))}
                                          width={format!("{:.1}", bw.max(1.0) - 1.0)} height={format!("{:.1}", (H - PAD_B - y(v)).max(0.0))}
                                          fill={COLOURS[s % COLOURS.len()]}>
                                        <title>{format!("{label}: {name} {}", fmt(v))}</title>
                                    </rect>
                                }
                            }) }
                            <text class="tick" x={format!("{:.1}", gx + gw * 0.4)} y={(H - 4.0).to_string()} text-anchor="middle">{label.clone()}</text>
                        </g>
                    }
                }) }
            </svg>
            <ul class="chart-key">
                { for series.iter().enumerate().map(|(i, (name, _))| html! {
                    <li><span class="key" style={format!("background:{}", COLOURS[i % COLOURS.len()])}></span>{*name}</li>
                }) }
            </ul>
        </figure>
    }
}

/// Throughput of the read-scaling setup with `followers` followers over
/// `run_us` of simulated time: (reads/s, writes/s).
pub fn capacity(lab: &Lab, followers: usize, run_us: u64) -> Option<(f64, f64)> {
    let mut file = crate::library::load("lesson-08-read-scaling").ok()?;
    settings::set_follower_count(&mut file, followers);
    let sc = file.validate().ok()?;
    let _ = lab;
    let mut sim = Simulation::with_seed(sc, 1);
    sim.run_until(run_us);
    let secs = run_us as f64 / 1e6;
    Some((
        sim.metrics().reads_ok as f64 / secs,
        sim.metrics().writes_acknowledged as f64 / secs,
    ))
}

fn per_s(v: f64) -> String {
    format!("{v:.0}/s")
}

fn count(v: f64) -> String {
    format!("{v:.0}")
}

fn fmt_ms(v: u64) -> String {
    fmt_us(v)
}

/// The charts panel.
#[function_component]
pub fn ChartsPanel(props: &PanelProps) -> Html {
    let lab = &props.lab;
    let sweep = use_state(Vec::<(usize, f64, f64)>::new);
    let on_sweep = {
        let sweep = sweep.clone();
        let lab = lab.clone();
        Callback::from(move |_: MouseEvent| {
            let rows = (1..=4)
                .filter_map(|n| capacity(&lab, n, 2_000_000).map(|(r, w)| (n, r, w)))
                .collect();
            sweep.set(rows);
        })
    };
    let run = lab.main.borrow();
    let sim = &run.sim;
    let samples: &[Sample] = &run.series.samples;
    let names: Vec<String> = sim.scenario.nodes.iter().map(|n| n.name.clone()).collect();
    let lag_lines: Vec<Line> = (0..names.len())
        .filter(|i| {
            samples
                .iter()
                .any(|s| s.lag_us.get(*i).is_some_and(|v| v.is_some()))
        })
        .map(|i| Line {
            name: names[i].clone(),
            points: samples
                .iter()
                .filter_map(|s| {
                    s.lag_us
                        .get(i)
                        .copied()
                        .flatten()
                        .map(|v| (s.t_us as f64, v as f64))
                })
                .collect(),
        })
        .collect();
    let lat = |f: fn(&Sample) -> Option<u64>, name: &str| Line {
        name: name.into(),
        points: samples
            .iter()
            .filter_map(|s| f(s).map(|v| (s.t_us as f64, v as f64)))
            .collect(),
    };
    let lat_lines = vec![lat(|s| s.p50_us, "p50"), lat(|s| s.p99_us, "p99")];
    let promos = &sim.metrics().promotions;
    let promo_labels: Vec<String> = promos
        .iter()
        .map(|p| {
            format!(
                "{} @{}",
                names.get(p.node as usize).cloned().unwrap_or_default(),
                fmt_us(p.t_us)
            )
        })
        .collect();
    let lost: Vec<f64> = promos
        .iter()
        .map(|p| p.lost_acknowledged_writes as f64)
        .collect();
    let unavailable: Vec<f64> = promos
        .iter()
        .map(|p| p.unavailable_us().unwrap_or(0) as f64 / 1_000.0)
        .collect();
    let sweep_labels: Vec<String> = sweep.iter().map(|(n, _, _)| format!("{n} f.")).collect();
    let reads: Vec<f64> = sweep.iter().map(|r| r.1).collect();
    let writes: Vec<f64> = sweep.iter().map(|r| r.2).collect();
    html! {
        <section class="panel charts" id="charts" aria-labelledby="charts-title">
            <h2 id="charts-title">{"Charts"}</h2>
            <div class="chart-grid">
                { time_chart("chart-lag", "Follower lag (replay) over time", &lag_lines, fmt_ms) }
                { time_chart("chart-latency", "Commit latency p50 / p99 over time", &lat_lines, fmt_ms) }
                <div>
                    { bar_chart("chart-throughput", "Throughput vs followers (read-scaling setup, 2 s each)", &sweep_labels, &[("reads", reads), ("writes", writes)], per_s) }
                    <button id="sweep-run" onclick={on_sweep}>{ if sweep.is_empty() { "Run the capacity sweep" } else { "Run it again" } }</button>
                </div>
                <div>
                    { bar_chart("chart-failovers", "Per failover: lost writes, unavailable ms", &promo_labels, &[("lost writes", lost), ("unavailable ms", unavailable)], count) }
                    if promos.is_empty() {
                        <p class="empty">{"No failover yet: kill the leader."}</p>
                    }
                </div>
            </div>
        </section>
    }
}
