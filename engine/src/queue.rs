//! The event queue: what happens next, in a total order.
//!
//! Events are ordered by simulated time and, for equal times, by the order
//! in which they were scheduled (a sequence number). The heap holds only
//! those keys and a slot number; the events themselves sit in a slab. That tie-break makes
//! the order independent of heap internals, so a seed always replays the
//! same way. Time is an integer number of microseconds.

use alloc::collections::BinaryHeap;
use alloc::vec::Vec;
use core::cmp::Ordering;

/// What the heap orders: the key and where the event is stored. Keeping
/// events out of the heap makes every sift move 24 bytes, not a message.
#[derive(Clone, Copy)]
struct Slot {
    at_us: u64,
    seq: u64,
    index: u32,
}

impl PartialEq for Slot {
    fn eq(&self, other: &Self) -> bool {
        (self.at_us, self.seq) == (other.at_us, other.seq)
    }
}
impl Eq for Slot {}
impl PartialOrd for Slot {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Slot {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed: BinaryHeap is a max-heap and we want the earliest first.
        (other.at_us, other.seq).cmp(&(self.at_us, self.seq))
    }
}

/// A min-queue of events keyed by `(time, sequence)`.
#[derive(Clone)]
pub struct EventQueue<E> {
    heap: BinaryHeap<Slot>,
    /// Event storage; `None` marks a free slot.
    events: Vec<Option<E>>,
    /// Free slots, reused last-in first-out.
    free: Vec<u32>,
    next_seq: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            events: Vec::new(),
            free: Vec::new(),
            next_seq: 0,
        }
    }
}

impl<E> EventQueue<E> {
    /// Schedules `event` at `at_us`.
    #[inline(always)]
    pub fn push(&mut self, at_us: u64, event: E) {
        let seq = self.next_seq;
        self.next_seq += 1;
        let index = match self.free.pop() {
            Some(i) => {
                // The slot was emptied by `pop`: fill it without the drop
                // check an assignment to an `Option` carries.
                let slot = &mut self.events[i as usize];
                debug_assert!(slot.is_none());
                if slot.is_none() {
                    *slot = Some(event);
                }
                i
            }
            None => {
                self.events.push(Some(event));
                (self.events.len() - 1) as u32
            }
        };
        self.heap.push(Slot { at_us, seq, index });
    }

    /// Removes and returns the earliest event.
    #[inline]
    pub fn pop(&mut self) -> Option<(u64, E)> {
        let slot = self.heap.pop()?;
        self.free.push(slot.index);
        self.events[slot.index as usize]
            .take()
            .map(|e| (slot.at_us, e))
    }

    /// Time of the earliest event.
    pub fn peek_time(&self) -> Option<u64> {
        self.heap.peek().map(|s| s.at_us)
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Whether nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Visits pending events in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (u64, &E)> {
        self.heap
            .iter()
            .filter_map(|s| self.events[s.index as usize].as_ref().map(|e| (s.at_us, e)))
    }
}

/// The floor that benchmarks compare the engine with: `events` pops and
/// pushes through a bare `(time, sequence)` binary heap kept about as full
/// as the engine's queue (32 pending events), doing nothing else. No
/// discrete-event simulator can process events faster than this. Returns
/// a checksum so the optimiser cannot drop the loop.
pub fn heap_floor(events: u64) -> u64 {
    use core::cmp::Reverse;
    let mut q: BinaryHeap<Reverse<(u64, u64)>> = BinaryHeap::new();
    let mut rng = crate::rng::Rng::new(1);
    let mut seq = 0u64;
    for _ in 0..32 {
        seq += 1;
        q.push(Reverse((rng.below(1000), seq)));
    }
    let mut sum = 0u64;
    for _ in 0..events {
        let Reverse((at, s)) = q.pop().unwrap_or(Reverse((0, 0)));
        sum = sum.wrapping_add(s);
        seq += 1;
        q.push(Reverse((at + 1 + rng.below(1000), seq)));
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earliest_first_then_fifo_for_ties() {
        let mut q = EventQueue::default();
        q.push(5, 'a');
        q.push(1, 'b');
        q.push(5, 'c');
        q.push(1, 'd');
        let order: alloc::vec::Vec<_> = core::iter::from_fn(|| q.pop()).collect();
        assert_eq!(order, [(1, 'b'), (1, 'd'), (5, 'a'), (5, 'c')]);
    }
}
