//! The hot half of a window's edges: an open-addressing table whose slot holds an edge's packed key and
//! its running totals in one 64-byte cache line, so that finding an event's edge and adding to it cost
//! one cache miss (the histogram's latency is recorded later, in batches: see [`super::window`]).
//!
//! Invariants: the capacity is a power of two (or 0 before the first edge) and the table is at most half
//! full, so a linear probe ends within a few slots; a slot is empty when its key is
//! [`PackedEdgeKey::EMPTY`], which no edge packs to; a key is in at most one slot; `edge` is the edge's
//! index in the window's graph (its cold half: kind, scope, histogram). The hash is foldhash's fast,
//! fixed-seed one: keys are ids the agent assigned, not attacker-chosen text.

use std::hash::BuildHasher;

use foldhash::fast::FixedState;

use super::key::PackedEdgeKey;

/// One edge's key and totals: one cache line.
#[derive(Debug, Clone, Copy)]
#[repr(C, align(64))]
pub struct HotEdge {
    key: PackedEdgeKey,
    /// Events.
    pub count: u64,
    /// Bytes (saturating sum).
    pub bytes: u64,
    /// Largest latency in µs (exact), 0 without latency.
    pub latency_max_us: u64,
    /// Index of the edge in the window's graph.
    pub edge: u32,
}

impl HotEdge {
    const EMPTY: HotEdge = HotEdge {
        key: PackedEdgeKey::EMPTY,
        count: 0,
        bytes: 0,
        latency_max_us: 0,
        edge: 0,
    };

    /// Adds one event (its latency only to the maximum).
    #[inline]
    pub fn add(&mut self, bytes: u64, latency_us: Option<u64>) {
        self.count += 1;
        self.bytes = self.bytes.saturating_add(bytes);
        if let Some(latency) = latency_us {
            self.latency_max_us = self.latency_max_us.max(latency);
        }
    }
}

/// Capacity of a table's first allocation (slots).
const FIRST_CAPACITY: usize = 16;
/// Seed of the hash (any fixed value).
const SEED: u64 = 0x9e37_79b9_7f4a_7c15;

/// The table.
#[derive(Debug, Default)]
pub struct EdgeTable {
    slots: Vec<HotEdge>,
    len: usize,
}

impl EdgeTable {
    #[inline]
    fn home(&self, key: &PackedEdgeKey) -> usize {
        FixedState::with_seed(SEED).hash_one(key) as usize & (self.slots.len() - 1)
    }

    /// The slot of `key`, if present.
    #[inline]
    pub fn find(&self, key: &PackedEdgeKey) -> Option<usize> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut slot = self.home(key);
        loop {
            let held = &self.slots[slot].key;
            if held == key {
                return Some(slot);
            }
            if *held == PackedEdgeKey::EMPTY {
                return None;
            }
            slot = (slot + 1) & mask;
        }
    }

    /// The edge in `slot` (from [`EdgeTable::find`] or [`EdgeTable::insert`]).
    #[inline]
    pub fn slot_mut(&mut self, slot: usize) -> &mut HotEdge {
        &mut self.slots[slot]
    }

    /// Adds `key` (absent, not [`PackedEdgeKey::EMPTY`]) for graph edge `edge`, with zero totals; its slot.
    pub fn insert(&mut self, key: PackedEdgeKey, edge: u32) -> usize {
        debug_assert!(key != PackedEdgeKey::EMPTY);
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow();
        }
        self.len += 1;
        self.place(HotEdge {
            key,
            edge,
            ..HotEdge::EMPTY
        })
    }

    fn place(&mut self, hot: HotEdge) -> usize {
        let mask = self.slots.len() - 1;
        let mut slot = self.home(&hot.key);
        while self.slots[slot].key != PackedEdgeKey::EMPTY {
            slot = (slot + 1) & mask;
        }
        self.slots[slot] = hot;
        slot
    }

    fn grow(&mut self) {
        let capacity = (self.slots.len() * 2).max(FIRST_CAPACITY);
        let old = std::mem::replace(&mut self.slots, vec![HotEdge::EMPTY; capacity]);
        for hot in old {
            if hot.key != PackedEdgeKey::EMPTY {
                self.place(hot);
            }
        }
    }

    /// Edges held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True without edges.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Every edge held, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &HotEdge> {
        self.slots
            .iter()
            .filter(|hot| hot.key != PackedEdgeKey::EMPTY)
    }

    /// Heap bytes of the slots.
    pub fn heap_bytes(&self) -> usize {
        self.slots.capacity() * std::mem::size_of::<HotEdge>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flows::key::{EdgeKey, EdgeKind, Scope, VertexKey, VertexKind};

    fn key(table: u32) -> PackedEdgeKey {
        EdgeKey {
            kind: EdgeKind::Write,
            source: VertexKey::new(VertexKind::Role, 1),
            target: VertexKey::new(VertexKind::Coordinator, 2),
            scope: Scope {
                node: 2,
                keyspace: 3,
                table,
            },
        }
        .packed()
    }

    #[test]
    fn a_slot_is_one_cache_line() {
        assert_eq!(std::mem::size_of::<HotEdge>(), 64);
        assert_eq!(std::mem::align_of::<HotEdge>(), 64);
    }

    #[test]
    fn ten_thousand_keys_each_found_in_its_own_slot_with_exact_totals() {
        let mut table = EdgeTable::default();
        assert_eq!(table.find(&key(0)), None);
        for n in 0..10_000u32 {
            assert_eq!(table.find(&key(n)), None);
            let slot = table.insert(key(n), n);
            table
                .slot_mut(slot)
                .add(u64::from(n), Some(u64::from(n) * 2));
        }
        // A second event on every edge, after the table grew several times.
        for n in 0..10_000u32 {
            let Some(slot) = table.find(&key(n)) else {
                panic!("edge {n} lost")
            };
            let hot = table.slot_mut(slot);
            assert_eq!(hot.edge, n);
            hot.add(1, None);
        }
        assert_eq!(table.len(), 10_000);
        assert_eq!(table.heap_bytes(), 32_768 * 64, "at most half full");
        let mut seen: Vec<(u32, u64, u64, u64)> = table
            .iter()
            .map(|hot| (hot.edge, hot.count, hot.bytes, hot.latency_max_us))
            .collect();
        seen.sort_unstable();
        let expected: Vec<(u32, u64, u64, u64)> = (0..10_000u32)
            .map(|n| (n, 2, u64::from(n) + 1, u64::from(n) * 2))
            .collect();
        assert_eq!(seen, expected);
        assert_eq!(table.find(&key(10_000)), None);
    }
}
