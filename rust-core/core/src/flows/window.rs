//! One time window of the flow graph: a petgraph graph whose edges carry [`EdgeStats`], the top
//! partitions of each table, and what did not fit.
//!
//! Invariants: at most `max_edges` edges plus partition summaries exist in a window (an event whose
//! edge or summary would exceed it is counted in the window's overflow of its node instead, so memory is
//! bounded whatever the number of tables, clients or partitions); vertices are created only with their
//! first edge.
//!
//! An edge has a hot half and a cold half. The hot half ([`EdgeTable`]) is found by its packed
//! [`EdgeKey`] and holds the count, bytes and maximum latency in the same cache line, so an event costs
//! one cache miss there; the cold half is the graph's [`FlowEdge`] (kind, scope, histogram), touched on
//! an edge's first event and when latencies are recorded. Latencies are recorded in batches:
//! [`Window::add`] queues the (edge, latency) pair; the queue ([`PENDING_LATENCIES`] pairs at most) is
//! recorded into the histograms when full and by [`Window::settle`], which the aggregator calls before
//! anybody reads the window and which also copies the hot totals into the graph. Why: with ≥ 10,000
//! edges the histograms' counters do not fit in the caches, and recording a latency right after its
//! edge lookup costs a cache miss per event, each waiting for the last; recorded in a tight loop, the
//! misses of successive pairs overlap (docs/performance.md, "Rust core").

use std::collections::HashMap;

use petgraph::graph::{DiGraph, EdgeIndex, NodeIndex};

use super::edge_stats::EdgeStats;
use super::edge_table::EdgeTable;
use super::key::{EdgeKey, EdgeKind, IdKeyBuild, PackedEdgeKey, Scope, VertexKey};
use super::partitions::TopPartitions;

/// A vertex of the graph: its key, and for per-table vertices the table (keyspace, table ids).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Vertex {
    /// Kind and name id.
    pub key: VertexKey,
    /// Keyspace and table ids of a per-table vertex, (0, 0) otherwise.
    pub table: (u32, u32),
}

/// An edge of the graph.
#[derive(Debug, Clone)]
pub struct FlowEdge {
    /// What moves.
    pub kind: EdgeKind,
    /// Table and observing node.
    pub scope: Scope,
    /// Totals.
    pub stats: EdgeStats,
}

/// A table's partition summary for one edge kind ([`EdgeKind::PartitionWrite`] or
/// [`EdgeKind::PartitionRead`]).
#[derive(Debug, Clone)]
pub struct PartitionSummary {
    /// Partition writes or reads.
    pub kind: EdgeKind,
    /// Table and observing node.
    pub scope: Scope,
    /// The counters.
    pub top: TopPartitions,
}

/// Latencies queued before they are recorded (see the module docs).
pub const PENDING_LATENCIES: usize = 256;

/// Events that found no room (count, bytes), per observing node.
pub type Overflow = HashMap<u32, (u64, u64), IdKeyBuild>;

/// One window.
#[derive(Debug)]
pub struct Window {
    /// First µs of the window (a multiple of the window length).
    pub start_us: i64,
    graph: DiGraph<Vertex, FlowEdge>,
    vertices: HashMap<Vertex, NodeIndex, IdKeyBuild>,
    edges: EdgeTable,
    partitions: Vec<PartitionSummary>,
    partition_slots: HashMap<(EdgeKind, Scope), u32, IdKeyBuild>,
    overflow: Overflow,
    max_edges: usize,
    partition_capacity: usize,
    /// (graph edge index, latency µs) not yet in the edge's histogram.
    pending_latencies: Vec<(u32, u64)>,
    /// The graph's totals lag the hot ones (until [`Window::settle`]).
    totals_stale: bool,
}

impl Window {
    /// An empty window starting at `start_us`.
    pub fn new(start_us: i64, max_edges: usize, partition_capacity: usize) -> Self {
        Window {
            start_us,
            graph: DiGraph::default(),
            vertices: HashMap::default(),
            edges: EdgeTable::default(),
            partitions: Vec::new(),
            partition_slots: HashMap::default(),
            overflow: Overflow::default(),
            max_edges,
            partition_capacity,
            pending_latencies: Vec::with_capacity(PENDING_LATENCIES),
            totals_stale: false,
        }
    }

    /// Adds one event to edge `key`; counts it as overflow when the window is full.
    #[inline]
    pub fn add(&mut self, key: &EdgeKey, bytes: u64, latency_us: Option<u64>) {
        let packed = key.packed();
        let slot = match self.edges.find(&packed) {
            Some(slot) => slot,
            None => match self.new_edge(key, packed) {
                Some(slot) => slot,
                None => return self.count_overflow(key.scope.node, bytes),
            },
        };
        let hot = self.edges.slot_mut(slot);
        hot.add(bytes, latency_us);
        let edge = hot.edge;
        self.totals_stale = true;
        if let Some(latency) = latency_us {
            self.pending_latencies.push((edge, latency));
            if self.pending_latencies.len() >= PENDING_LATENCIES {
                self.record_pending();
            }
        }
    }

    /// Records the queued latencies into their edges' histograms.
    fn record_pending(&mut self) {
        for &(edge, latency) in &self.pending_latencies {
            if let Some(edge) = self.graph.edge_weight_mut(EdgeIndex::new(edge as usize)) {
                edge.stats.record_latency(latency);
            }
        }
        self.pending_latencies.clear();
    }

    /// Records the queued latencies and copies the hot totals into the graph's edges.
    pub fn settle(&mut self) {
        self.record_pending();
        if self.totals_stale {
            for hot in self.edges.iter() {
                if let Some(edge) = self
                    .graph
                    .edge_weight_mut(EdgeIndex::new(hot.edge as usize))
                {
                    edge.stats
                        .set_totals(hot.count, hot.bytes, hot.latency_max_us);
                }
            }
            self.totals_stale = false;
        }
    }

    /// True when every event added is in the graph's totals and histograms.
    pub fn is_settled(&self) -> bool {
        self.pending_latencies.is_empty() && !self.totals_stale
    }

    /// Counts one event on partition `token` of `scope`'s table.
    #[inline]
    pub fn add_partition(&mut self, kind: EdgeKind, scope: Scope, token: i64, bytes: u64) {
        let slot = match self.partition_slots.get(&(kind, scope)) {
            Some(&slot) => slot as usize,
            None => {
                if self.is_full() {
                    return self.count_overflow(scope.node, bytes);
                }
                self.partition_slots
                    .insert((kind, scope), self.partitions.len() as u32);
                self.partitions.push(PartitionSummary {
                    kind,
                    scope,
                    top: TopPartitions::new(self.partition_capacity),
                });
                self.partitions.len() - 1
            }
        };
        self.partitions[slot].top.add(token, bytes);
    }

    fn is_full(&self) -> bool {
        self.edges.len() + self.partitions.len() >= self.max_edges
    }

    /// A new edge's slot in the hot table, `None` when the window is full.
    fn new_edge(&mut self, key: &EdgeKey, packed: PackedEdgeKey) -> Option<usize> {
        if self.is_full() {
            return None;
        }
        let table = (key.scope.keyspace, key.scope.table);
        let source = self.vertex(key.source, table);
        let target = self.vertex(key.target, table);
        let index = self.graph.add_edge(
            source,
            target,
            FlowEdge {
                kind: key.kind,
                scope: key.scope,
                stats: EdgeStats::default(),
            },
        );
        Some(self.edges.insert(packed, index.index() as u32))
    }

    fn vertex(&mut self, key: VertexKey, table: (u32, u32)) -> NodeIndex {
        let vertex = Vertex {
            key,
            table: if key.kind.is_per_table() {
                table
            } else {
                (0, 0)
            },
        };
        *self
            .vertices
            .entry(vertex)
            .or_insert_with(|| self.graph.add_node(vertex))
    }

    fn count_overflow(&mut self, node: u32, bytes: u64) {
        let entry = self.overflow.entry(node).or_default();
        entry.0 += 1;
        entry.1 = entry.1.saturating_add(bytes);
    }

    /// The graph (vertices and edges with their totals); its histograms are complete once the window
    /// [is settled](Window::settle).
    pub fn graph(&self) -> &DiGraph<Vertex, FlowEdge> {
        debug_assert!(self.is_settled(), "a window read before it was settled");
        &self.graph
    }

    /// The partition summaries.
    pub fn partitions(&self) -> &[PartitionSummary] {
        &self.partitions
    }

    /// Events that found no room, per node.
    pub fn overflow(&self) -> &Overflow {
        &self.overflow
    }

    /// Edges plus partition summaries (what `max_edges` bounds).
    pub fn slots_used(&self) -> usize {
        self.edges.len() + self.partitions.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flows::key::VertexKind;

    fn write_edge(table: u32) -> EdgeKey {
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
    }

    #[test]
    fn queued_latencies_reach_the_histograms_when_the_queue_fills_and_when_settled() {
        let mut window = Window::new(0, 100, 8);
        let events = PENDING_LATENCIES as u64 * 2 + 7;
        for n in 0..events {
            // Two edges, interleaved; latencies 1..=events µs on the first, 1000 µs on the second.
            let (table, latency) = if n % 2 == 0 { (10, n + 1) } else { (11, 1000) };
            window.add(&write_edge(table), 5, Some(latency));
        }
        window.add(&write_edge(10), 5, None);
        assert!(
            !window.is_settled(),
            "{events} latencies do not divide into full queues"
        );
        window.settle();
        assert!(window.is_settled());
        let edges: Vec<&FlowEdge> = window.graph().edge_weights().collect();
        assert_eq!(edges.len(), 2);
        let recorded: u64 = edges
            .iter()
            .map(|edge| edge.stats.latency().map_or(0, |latency| latency.count))
            .sum();
        assert_eq!(recorded, events, "every latency recorded exactly once");
        let counted: u64 = edges.iter().map(|edge| edge.stats.count).sum();
        assert_eq!(counted, events + 1);
        let second = edges.iter().find(|edge| edge.scope.table == 11).unwrap();
        let summary = second.stats.latency().unwrap();
        assert_eq!(
            (summary.p50_us, summary.p99_us, summary.max_us),
            (1000, 1000, 1000)
        );
        let first = edges.iter().find(|edge| edge.scope.table == 10).unwrap();
        assert_eq!(first.stats.latency().unwrap().max_us, events);
        // Settling again adds nothing.
        window.settle();
        let again: u64 = window
            .graph()
            .edge_weights()
            .map(|edge| edge.stats.latency().map_or(0, |latency| latency.count))
            .sum();
        assert_eq!(again, events);
    }
}
