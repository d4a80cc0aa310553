//! The live charts' view model: series as SVG points in a fixed 300 × 120
//! viewBox, bars with their tooltips, and axis labels.
//!
//! Four charts: each follower's replay lag over time, commit latency p50
//! and p99 over time, throughput against the number of followers (the
//! capacity sweep), and for each failover the acknowledged writes lost
//! (the engine's live figure, the same as the read-outs' promotions) and
//! how long writes were unavailable. Beside them, in election and manager
//! mode, the failure-detection trade-off table the learner fills with
//! whole runs under different timeouts.

use super::geometry::points as svg_points;
use super::panels::PromotionView;
use crate::format::fmt_us;
use crate::settings;
use crate::state::tradeoff::mode_word;
use crate::state::{Lab, Sample, SweepRow};

/// viewBox width.
pub const W: f64 = 300.0;
/// viewBox height.
pub const H: f64 = 120.0;
const PAD_L: f64 = 44.0;
const PAD_B: f64 = 18.0;
const PAD_T: f64 = 8.0;

/// Line colours (Okabe–Ito), by series index.
pub const COLOURS: &[&str] = &[
    "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000",
];

/// One line of a time chart.
#[derive(Clone)]
pub struct LineView {
    /// Series name.
    pub name: String,
    /// Colour.
    pub colour: &'static str,
    /// SVG points.
    pub points: String,
}

/// A chart over time.
#[derive(Clone)]
pub struct TimeChart {
    /// Element id.
    pub id: &'static str,
    /// Caption.
    pub title: &'static str,
    /// Points drawn (`data-points`).
    pub points: usize,
    /// The lines.
    pub lines: Vec<LineView>,
    /// Top of the value axis.
    pub vmax: String,
    /// First and last instant, when there are points.
    pub t_range: Option<(String, String)>,
}

/// One bar.
#[derive(Clone)]
pub struct Bar {
    /// Left.
    pub x: f64,
    /// Top.
    pub y: f64,
    /// Width.
    pub w: f64,
    /// Height.
    pub h: f64,
    /// Colour.
    pub colour: &'static str,
    /// Tooltip.
    pub title: String,
}

/// Grouped bars.
#[derive(Clone)]
pub struct BarChart {
    /// Element id.
    pub id: &'static str,
    /// Caption.
    pub title: &'static str,
    /// Bars drawn (`data-points`).
    pub points: usize,
    /// The bars.
    pub bars: Vec<Bar>,
    /// Group labels and where.
    pub labels: Vec<(String, f64)>,
    /// Series names and colours, for the key.
    pub key: Vec<(&'static str, &'static str)>,
    /// Top of the value axis.
    pub vmax: String,
}

/// The charts panel.
#[derive(Clone)]
pub struct ChartsView {
    /// Lag over time.
    pub lag: TimeChart,
    /// Commit latency over time.
    pub latency: TimeChart,
    /// The capacity sweep.
    pub throughput: BarChart,
    /// The sweep has run.
    pub swept: bool,
    /// The sweep's rows: followers, reads/s, writes/s.
    pub sweep_rows: Vec<(usize, f64, f64)>,
    /// What the two lines show, from the sweep's own figures.
    pub sweep_text: String,
    /// Per failover.
    pub failovers: BarChart,
    /// No failover yet.
    pub no_failover: bool,
    /// The trade-off table, in election and manager mode.
    pub tradeoff: Option<TradeoffView>,
}

/// The failure-detection trade-off table.
#[derive(Clone, Debug, PartialEq)]
pub struct TradeoffView {
    /// The timeout in effect now, ms.
    pub timeout_ms: u64,
    /// Rows of this scenario, seed and mode, by timeout.
    pub rows: Vec<TradeoffLine>,
    /// The run on screen is in the table already.
    pub has_current: bool,
}

/// One whole run in the trade-off table.
#[derive(Clone, Debug, PartialEq)]
pub struct TradeoffLine {
    pub timeout_ms: u64,
    pub promotions: u64,
    pub false_failovers: u64,
    pub max_unavailability_ms: u64,
    pub lost_writes: u64,
    /// Run under the timeout in effect now.
    pub current: bool,
}

/// The trade-off table for the run on screen: `None` in manual mode.
fn tradeoff(lab: &Lab) -> Option<TradeoffView> {
    let mode = mode_word(&lab.base)?;
    let timeout_ms = settings::detector_timeout_ms(&lab.base);
    let mut rows: Vec<TradeoffLine> = lab
        .tradeoff
        .iter()
        .filter(|r| r.scenario == lab.scenario_name && r.seed == lab.seed && r.mode == mode)
        .map(|r| TradeoffLine {
            timeout_ms: r.timeout_ms,
            promotions: r.promotions,
            false_failovers: r.false_failovers,
            max_unavailability_ms: r.max_unavailability_ms,
            lost_writes: r.lost_writes,
            current: r.timeout_ms == timeout_ms,
        })
        .collect();
    rows.sort_by_key(|r| r.timeout_ms);
    Some(TradeoffView {
        timeout_ms,
        has_current: rows.iter().any(|r| r.current),
        rows,
    })
}

fn time_chart(
    id: &'static str,
    title: &'static str,
    lines: Vec<(String, Vec<(f64, f64)>)>,
) -> TimeChart {
    let points: usize = lines.iter().map(|l| l.1.len()).sum();
    let t0 = lines
        .iter()
        .flat_map(|l| l.1.first())
        .map(|p| p.0)
        .fold(f64::MAX, f64::min);
    let t1 = lines
        .iter()
        .flat_map(|l| l.1.last())
        .map(|p| p.0)
        .fold(0.0, f64::max);
    let vmax = lines
        .iter()
        .flat_map(|l| l.1.iter().map(|p| p.1))
        .fold(0.0, f64::max)
        .max(1.0);
    let x = |t: f64| PAD_L + (t - t0) / (t1 - t0).max(1.0) * (W - PAD_L - 4.0);
    let y = |v: f64| H - PAD_B - v / vmax * (H - PAD_B - PAD_T);
    TimeChart {
        id,
        title,
        points,
        lines: lines
            .into_iter()
            .enumerate()
            .map(|(i, (name, pts))| LineView {
                name,
                colour: COLOURS[i % COLOURS.len()],
                points: svg_points(pts.iter().map(|(t, v)| (x(*t), y(*v)))),
            })
            .collect(),
        vmax: fmt_us(vmax as u64),
        t_range: (points > 0).then(|| (fmt_us(t0 as u64), fmt_us(t1 as u64))),
    }
}

fn bar_chart(
    id: &'static str,
    title: &'static str,
    labels: Vec<String>,
    series: &[(&'static str, Vec<f64>)],
    fmt: fn(f64) -> String,
) -> BarChart {
    let vmax = series
        .iter()
        .flat_map(|s| s.1.iter().copied())
        .fold(0.0, f64::max)
        .max(1.0);
    let groups = labels.len().max(1) as f64;
    let gw = (W - PAD_L - 4.0) / groups;
    let bw = (gw * 0.8) / series.len().max(1) as f64;
    let y = |v: f64| H - PAD_B - v / vmax * (H - PAD_B - PAD_T);
    let mut bars = Vec::new();
    let mut at = Vec::new();
    for (g, label) in labels.iter().enumerate() {
        let gx = PAD_L + g as f64 * gw + gw * 0.1;
        for (s, (name, vals)) in series.iter().enumerate() {
            let v = vals.get(g).copied().unwrap_or(0.0);
            bars.push(Bar {
                x: gx + s as f64 * bw,
                y: y(v),
                w: bw.max(1.0) - 1.0,
                h: (H - PAD_B - y(v)).max(0.0),
                colour: COLOURS[s % COLOURS.len()],
                title: format!("{label}: {name} {}", fmt(v)),
            });
        }
        at.push((label.clone(), gx + gw * 0.4));
    }
    BarChart {
        id,
        title,
        points: bars.len(),
        bars,
        labels: at,
        key: series
            .iter()
            .enumerate()
            .map(|(i, (n, _))| (*n, COLOURS[i % COLOURS.len()]))
            .collect(),
        vmax: fmt(vmax),
    }
}

/// What the sweep shows, in its own figures: the writes' range around
/// their mean, and what each added follower added to the reads.
fn sweep_text(sweep: &[SweepRow]) -> String {
    let (Some(first), Some(last)) = (sweep.first(), sweep.last()) else {
        return "Writers send a fixed rate through the leader while readers read from the followers as fast as they are answered; the sweep runs that setup with 1 to 4 followers.".into();
    };
    let mean_w = sweep.iter().map(|r| r.writes_per_s).sum::<f64>() / sweep.len() as f64;
    let spread = sweep
        .iter()
        .map(|r| (r.writes_per_s - mean_w).abs() / mean_w.max(1.0) * 100.0)
        .fold(0.0, f64::max);
    let added = sweep
        .windows(2)
        .map(|w| w[1].reads_per_s - w[0].reads_per_s)
        .fold(f64::MAX, f64::min);
    format!(
        "Writes (one leader): {} to {} — within {spread:.0} % of their mean, because every write goes through the leader whatever the number of followers. Reads (the followers): {} with {} follower{}, {} with {}; each added follower added at least {}.",
        per_s(sweep.iter().map(|r| r.writes_per_s).fold(f64::MAX, f64::min)),
        per_s(sweep.iter().map(|r| r.writes_per_s).fold(0.0, f64::max)),
        per_s(first.reads_per_s),
        first.followers,
        if first.followers == 1 { "" } else { "s" },
        per_s(last.reads_per_s),
        last.followers,
        if sweep.len() > 1 { per_s(added) } else { "–".into() },
    )
}

fn per_s(v: f64) -> String {
    format!("{v:.0}/s")
}

fn count(v: f64) -> String {
    format!("{v:.0}")
}

/// Builds the charts from the run's samples, its promotions (as the
/// read-outs show them, newest first) and the sweep.
pub fn build(
    lab: &Lab,
    names: &[String],
    promotions: &[PromotionView],
    sweep: &[SweepRow],
) -> ChartsView {
    let run = lab.main.borrow();
    let samples: &[Sample] = &run.series.samples;
    let lag_lines: Vec<(String, Vec<(f64, f64)>)> = (0..names.len())
        .filter(|i| {
            samples
                .iter()
                .any(|s| s.lag_us.get(*i).is_some_and(|v| v.is_some()))
        })
        .map(|i| {
            (
                names[i].clone(),
                samples
                    .iter()
                    .filter_map(|s| {
                        s.lag_us
                            .get(i)
                            .copied()
                            .flatten()
                            .map(|v| (s.t_us as f64, v as f64))
                    })
                    .collect(),
            )
        })
        .collect();
    let lat = |f: fn(&Sample) -> Option<u64>, name: &str| {
        (
            name.to_string(),
            samples
                .iter()
                .filter_map(|s| f(s).map(|v| (s.t_us as f64, v as f64)))
                .collect::<Vec<_>>(),
        )
    };
    let lat_lines = vec![lat(|s| s.p50_us, "p50"), lat(|s| s.p99_us, "p99")];
    // Oldest first, as time runs.
    let promos: Vec<&PromotionView> = promotions.iter().rev().collect();
    let promo_labels = promos
        .iter()
        .map(|p| format!("{} @{}", p.node, fmt_us(p.t_us)))
        .collect();
    let lost = promos.iter().map(|p| p.lost as f64).collect();
    let unavailable = promos
        .iter()
        .map(|p| p.unavailable_us.unwrap_or(0) as f64 / 1_000.0)
        .collect();
    ChartsView {
        lag: time_chart("chart-lag", "Follower lag (replay) over time", lag_lines),
        latency: time_chart(
            "chart-latency",
            "Commit latency p50 / p99 over time",
            lat_lines,
        ),
        throughput: bar_chart(
            "chart-throughput",
            "Throughput vs followers: writes at a fixed rate, reads saturating (2 s each)",
            sweep
                .iter()
                .map(|r| format!("{} f.", r.followers))
                .collect(),
            &[
                ("reads", sweep.iter().map(|r| r.reads_per_s).collect()),
                ("writes", sweep.iter().map(|r| r.writes_per_s).collect()),
            ],
            per_s,
        ),
        swept: !sweep.is_empty(),
        sweep_rows: sweep
            .iter()
            .map(|r| (r.followers, r.reads_per_s, r.writes_per_s))
            .collect(),
        sweep_text: sweep_text(sweep),
        failovers: bar_chart(
            "chart-failovers",
            "Per failover: acknowledged writes lost, ms unavailable",
            promo_labels,
            &[("lost writes", lost), ("unavailable ms", unavailable)],
            count,
        ),
        no_failover: promos.is_empty(),
        tradeoff: tradeoff(lab),
    }
}
