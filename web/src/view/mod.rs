//! The view model: one pure function from the lab — the simulation at the
//! playhead, the settings in effect there and the page's own selection
//! (node menu, close-up, chapter, speed) — to a plain [`View`] holding
//! every string, number, role, tag, link state and chart series the page
//! shows. Components render a `View`'s parts and nothing else; nothing on
//! screen is derived anywhere but here.
//!
//! The engine is read only through [`crate::probe`]; [`facts::Facts`]
//! reads what every part shares (nodes and their states, the leader, the
//! session groups) once. Each part has its own builder so the page can
//! rebuild a part only as often as it redraws it; [`build`] builds them
//! all, which is what the tests compare with the engine.

pub mod charts;
pub mod cluster;
pub mod facts;
pub mod flights;
pub mod geometry;
pub mod panels;
pub mod sequence;

use crate::state::Lab;
use facts::Facts;
use std::rc::Rc;

/// Facts about the viewer that change how things are drawn, not what.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct Viewer {
    /// Narrow screen: portrait drawings.
    pub narrow: bool,
    /// The user prefers reduced motion.
    pub reduced_motion: bool,
    /// Dark colours are on.
    pub dark: bool,
}

/// A promotion, as an embedding page is told of it.
#[derive(Clone, PartialEq, Eq)]
pub struct PromotionEvent {
    /// When.
    pub t_us: u64,
    /// The new leader.
    pub leader: String,
    /// The one it replaced.
    pub old_leader: String,
    /// Its epoch.
    pub epoch: u32,
    /// Acknowledged writes lost with it, as of now.
    pub lost_writes: u64,
}

/// What the page tells an embedding page: the same figures the page
/// shows.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct EventsView {
    /// Simulated time.
    pub t_us: u64,
    /// The run's identity: events at the playhead rise as it plays and
    /// fall when it is sought back or rebuilt.
    pub events: u64,
    /// Every promotion so far, oldest first.
    pub promotions: Vec<PromotionEvent>,
    /// Anomalies kept so far.
    pub violations: usize,
    /// The last few of them: `(index, t_us, kind)`.
    pub recent_violations: Vec<(usize, u64, &'static str)>,
    /// Writes acknowledged.
    pub acknowledged: u64,
    /// Acknowledged writes lost now.
    pub lost_writes: u64,
}

/// Everything the page shows.
#[derive(Clone)]
pub struct View {
    /// The run bar.
    pub run: Rc<panels::RunView>,
    /// Scenario, seed, link.
    pub experiment: Rc<panels::ExperimentView>,
    /// The guided chapter.
    pub chapter: Option<Rc<panels::ChapterView>>,
    /// The cluster drawing.
    pub cluster: Rc<cluster::ClusterDrawing>,
    /// The messages in flight.
    pub flights: Rc<flights::FlightsView>,
    /// The node menu.
    pub menu: Option<Rc<panels::NodeMenuView>>,
    /// The commit form.
    pub commit: Rc<panels::CommitView>,
    /// Read routing.
    pub routing: Rc<panels::RoutingView>,
    /// The read-outs.
    pub readouts: Rc<panels::ReadoutsView>,
    /// The anomalies.
    pub anomalies: Rc<panels::AnomaliesView>,
    /// The sequence diagram.
    pub sequence: Rc<sequence::SequenceView>,
    /// The charts.
    pub charts: Rc<charts::ChartsView>,
    /// Followers and regions.
    pub cluster_settings: Rc<panels::ClusterSettingsView>,
    /// Failover settings.
    pub failover: Rc<panels::FailoverView>,
    /// What went wrong, if anything.
    pub banner: Option<String>,
    /// The last thing that happened.
    pub status: String,
    /// What an embedding page is told.
    pub events: Rc<EventsView>,
}

/// The shared facts of the main run at the playhead.
pub fn facts(lab: &Lab) -> Facts {
    Facts::of(&lab.main.borrow().sim)
}

/// What an embedding page is told.
pub fn events(lab: &Lab, readouts: &panels::ReadoutsView) -> EventsView {
    let run = lab.main.borrow();
    let sim = &run.sim;
    let kept = crate::probe::violations(sim);
    EventsView {
        t_us: sim.now_us(),
        events: crate::probe::events(sim),
        promotions: readouts
            .promotions
            .iter()
            .rev()
            .map(|p| PromotionEvent {
                t_us: p.t_us,
                leader: p.node.clone(),
                old_leader: p.old_leader.clone(),
                epoch: p.epoch,
                lost_writes: p.lost,
            })
            .collect(),
        violations: kept.len(),
        recent_violations: kept
            .iter()
            .enumerate()
            .rev()
            .take(8)
            .map(|(i, v)| (i, v.t_us, v.kind.title()))
            .collect(),
        acknowledged: readouts.acked,
        lost_writes: readouts.lost,
    }
}

/// The whole view of the lab, for a viewer.
pub fn build(lab: &Lab, viewer: Viewer) -> View {
    let facts = facts(lab);
    let readouts = panels::readouts(lab, &facts);
    let names: Vec<String> = facts.nodes.iter().map(|n| n.name.clone()).collect();
    let charts = charts::build(lab, &names, &readouts.promotions, &lab.sweep);
    let drawing = cluster::build(lab, &facts, viewer.narrow);
    View {
        run: Rc::new(panels::run_bar(lab)),
        experiment: Rc::new(panels::experiment(lab)),
        chapter: panels::chapter(lab).map(Rc::new),
        flights: Rc::new(flights::build(lab, &drawing, viewer.reduced_motion)),
        cluster: Rc::new(drawing),
        menu: panels::node_menu(lab, &facts).map(Rc::new),
        commit: Rc::new(panels::commit(lab)),
        routing: Rc::new(panels::routing(lab)),
        anomalies: Rc::new(panels::anomalies(lab, &facts)),
        sequence: Rc::new(sequence::build(
            lab,
            &facts,
            viewer.narrow,
            viewer.reduced_motion,
        )),
        charts: Rc::new(charts),
        cluster_settings: Rc::new(panels::cluster_settings(lab)),
        failover: Rc::new(panels::failover(lab)),
        banner: lab.banner.clone(),
        status: lab.status.clone(),
        events: Rc::new(events(lab, &readouts)),
        readouts: Rc::new(readouts),
    }
}
