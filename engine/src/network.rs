//! The simulated network between nodes and clients.
//!
//! Every endpoint (a database node or a client session) sits in a region.
//! The one-way latency of a message is the base latency of its region pair
//! plus a uniform jitter, plus any latency spike currently affecting either
//! end. Links behave like the TCP connections replication runs over: a
//! message never overtakes an earlier one on the same directed link, so a
//! jittery link delays the stream rather than reordering it. Messages can be
//! lost at random (per region pair) and links can be cut in one direction
//! or both — a one-way cut is how a node can still hear the leader while
//! the leader no longer hears it.
//!
//! A cut also loses what is already on the wire in that direction, as a
//! broken TCP connection does: each directed link has a generation, bumped
//! when the link is cut or an end loses its connection state, and a
//! message sent under an older generation is lost on arrival. A sender
//! that loses power takes its unsent bytes with it; a crashed process's
//! bytes, already in the kernel, still go out.

use crate::delay::Quantiles;
use crate::rng::Rng;
use alloc::vec;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

/// Index of a database node.
pub type NodeId = u8;
/// Index of a client session.
pub type SessionId = u16;

/// Something that sends and receives messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Addr {
    /// A database node.
    Node(NodeId),
    /// A client session.
    Client(SessionId),
}

/// Latency and loss between two regions (one way).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkSpec {
    /// Fixed part of the one-way latency (with `tail`: its median).
    pub base_us: u64,
    /// Up to this much extra latency, uniformly drawn per message.
    pub jitter_us: u64,
    /// Probability of losing a message, in parts per million.
    pub loss_ppm: u32,
    /// When set, the one-way latency is drawn from this table instead of
    /// `base_us` plus uniform jitter.
    pub tail: Option<Quantiles>,
}

impl LinkSpec {
    /// One message's latency on this link, before spikes and FIFO order.
    fn draw_us(&self, rng: &mut Rng) -> u64 {
        match self.tail {
            Some(q) => q.sample(rng),
            None if self.jitter_us > 0 => self.base_us + rng.below(self.jitter_us + 1),
            None => self.base_us,
        }
    }
}

/// What happened to a message handed to the network.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transit {
    /// It arrives at this simulated time.
    Deliver(u64),
    /// It is gone.
    Drop(DropReason),
}

/// Why a message did not arrive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    /// Random loss on the link.
    Loss,
    /// The link is cut.
    Partition,
    /// The receiving node is down.
    NodeDown,
}

/// Regions, links, cuts and in-order delivery bookkeeping.
#[derive(Clone, Debug)]
pub struct Network {
    nodes: u16,
    endpoints: u16,
    regions: u16,
    /// Region of each endpoint (nodes first, then sessions).
    region_of: Vec<u8>,
    /// `regions × regions` link specs, row = from.
    links: Vec<LinkSpec>,
    /// `endpoints × endpoints` directed cuts.
    cut: Vec<bool>,
    /// Number of `true` entries in `cut`: lets the common case skip lookups.
    cuts: u32,
    /// Latest delivery time scheduled on each directed link (FIFO order).
    last_delivery_us: Vec<u64>,
    /// Per directed link: bumped whenever what is in flight on it is lost.
    link_gen: Vec<u32>,
    /// Extra one-way latency on every message to or from an endpoint, and
    /// until when it lasts (a latency spike).
    spike_us: Vec<(u64, u64)>,
}

impl Network {
    /// A network of `node_regions.len()` nodes and `client_regions.len()`
    /// sessions over `links` (row-major, `regions × regions`).
    pub fn new(
        node_regions: &[u8],
        client_regions: &[u8],
        regions: u16,
        links: Vec<LinkSpec>,
    ) -> Self {
        let nodes = node_regions.len() as u16;
        let endpoints = nodes + client_regions.len() as u16;
        let mut region_of = Vec::with_capacity(endpoints as usize);
        region_of.extend_from_slice(node_regions);
        region_of.extend_from_slice(client_regions);
        let pairs = endpoints as usize * endpoints as usize;
        Network {
            nodes,
            endpoints,
            regions,
            region_of,
            links,
            cut: vec![false; pairs],
            cuts: 0,
            last_delivery_us: vec![0; pairs],
            link_gen: vec![0; pairs],
            spike_us: vec![(0, 0); endpoints as usize],
        }
    }

    fn index(&self, a: Addr) -> usize {
        match a {
            Addr::Node(n) => n as usize,
            Addr::Client(s) => self.nodes as usize + s as usize,
        }
    }

    fn pair(&self, from: Addr, to: Addr) -> usize {
        self.index(from) * self.endpoints as usize + self.index(to)
    }

    /// Region index of an endpoint.
    pub fn region(&self, a: Addr) -> u8 {
        self.region_of[self.index(a)]
    }

    /// The link spec between two endpoints' regions.
    pub fn spec(&self, from: Addr, to: Addr) -> LinkSpec {
        let r = self.region(from) as usize * self.regions as usize + self.region(to) as usize;
        self.links[r]
    }

    /// Whether messages from `from` to `to` are currently cut.
    pub fn is_cut(&self, from: Addr, to: Addr) -> bool {
        self.cuts > 0 && self.cut[self.pair(from, to)]
    }

    /// Cuts (`true`) or heals (`false`) the directed link `from → to`.
    pub fn set_cut(&mut self, from: Addr, to: Addr, cut: bool) {
        let i = self.pair(from, to);
        if self.cut[i] != cut {
            self.cut[i] = cut;
            if cut {
                self.cuts += 1;
                self.link_gen[i] = self.link_gen[i].wrapping_add(1);
            } else {
                self.cuts -= 1;
            }
        }
    }

    /// The generation of the link `from → to`: a message sent now carries
    /// it, and is delivered only if the link still has it on arrival.
    pub fn link_gen(&self, from: Addr, to: Addr) -> u32 {
        self.link_gen[self.pair(from, to)]
    }

    /// Loses everything in flight from `a` (when `outgoing`) and to `a`
    /// (when `incoming`): the endpoint's connections are gone.
    pub fn break_links(&mut self, a: Addr, outgoing: bool, incoming: bool) {
        let n = self.endpoints as usize;
        let me = self.index(a);
        for other in 0..n {
            if outgoing {
                let i = me * n + other;
                self.link_gen[i] = self.link_gen[i].wrapping_add(1);
            }
            if incoming {
                let i = other * n + me;
                self.link_gen[i] = self.link_gen[i].wrapping_add(1);
            }
        }
    }

    /// Every endpoint address, nodes first.
    pub fn endpoints(&self) -> impl Iterator<Item = Addr> + '_ {
        (0..self.nodes)
            .map(|n| Addr::Node(n as NodeId))
            .chain((0..self.endpoints - self.nodes).map(Addr::Client))
    }

    /// Adds `extra_us` of latency to everything to or from `a` until
    /// `until_us`.
    pub fn set_spike(&mut self, a: Addr, extra_us: u64, until_us: u64) {
        let i = self.index(a);
        self.spike_us[i] = (extra_us, until_us);
    }

    fn spike(&self, a: Addr, now_us: u64) -> u64 {
        let (extra, until) = self.spike_us[self.index(a)];
        if now_us < until {
            extra
        } else {
            0
        }
    }

    /// Decides the fate of a message sent now: its delivery time, or why it
    /// is dropped. Draws from `rng` only for jitter and loss.
    pub fn transit(&mut self, rng: &mut Rng, now_us: u64, from: Addr, to: Addr) -> Transit {
        if self.is_cut(from, to) {
            return Transit::Drop(DropReason::Partition);
        }
        let spec = self.spec(from, to);
        if rng.chance_ppm(spec.loss_ppm) {
            return Transit::Drop(DropReason::Loss);
        }
        // Saturating: a spike's size can come from outside (a shared link's
        // interventions), and a huge one must delay, not wrap around.
        let latency = spec
            .draw_us(rng)
            .saturating_add(self.spike(from, now_us))
            .saturating_add(self.spike(to, now_us));
        let i = self.pair(from, to);
        let at = now_us.saturating_add(latency).max(self.last_delivery_us[i]);
        self.last_delivery_us[i] = at;
        Transit::Deliver(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_regions() -> Network {
        let near = LinkSpec {
            base_us: 500,
            jitter_us: 100,
            loss_ppm: 0,
            tail: None,
        };
        let far = LinkSpec {
            base_us: 50_000,
            jitter_us: 0,
            loss_ppm: 0,
            tail: None,
        };
        Network::new(&[0, 0, 1], &[0], 2, vec![near, far, far, near])
    }

    #[test]
    fn latency_follows_regions_and_links_stay_fifo() {
        let mut net = two_regions();
        let mut rng = Rng::new(1);
        let Transit::Deliver(far) = net.transit(&mut rng, 0, Addr::Node(0), Addr::Node(2)) else {
            panic!()
        };
        assert_eq!(far, 50_000);
        let mut last = 0;
        for t in 0..100 {
            let Transit::Deliver(at) = net.transit(&mut rng, t, Addr::Node(0), Addr::Node(1))
            else {
                panic!()
            };
            assert!((500..=700).contains(&(at - t)) || at == last);
            assert!(at >= last, "FIFO violated");
            last = at;
        }
    }

    #[test]
    fn one_way_cut_blocks_one_direction_only() {
        let mut net = two_regions();
        let mut rng = Rng::new(1);
        net.set_cut(Addr::Node(0), Addr::Node(1), true);
        assert_eq!(
            net.transit(&mut rng, 0, Addr::Node(0), Addr::Node(1)),
            Transit::Drop(DropReason::Partition)
        );
        assert!(matches!(
            net.transit(&mut rng, 0, Addr::Node(1), Addr::Node(0)),
            Transit::Deliver(_)
        ));
        net.set_cut(Addr::Node(0), Addr::Node(1), false);
        assert!(!net.is_cut(Addr::Node(0), Addr::Node(1)));
    }

    #[test]
    fn spikes_add_latency_until_they_end() {
        let mut net = two_regions();
        let mut rng = Rng::new(3);
        net.set_spike(Addr::Node(2), 1_000_000, 10);
        let Transit::Deliver(at) = net.transit(&mut rng, 0, Addr::Node(0), Addr::Node(2)) else {
            panic!()
        };
        assert_eq!(at, 1_050_000);
    }
}
