//! The flow graph: who wrote and read what, through which nodes, into which tables and SSTables.
//!
//! Built from `flows` rows, the core's edge vocabulary ([`cdflow_core::flows::key`]): read from the
//! `flows` table, or classified from the raw tables by the core's classifier when a filter needs them
//! ([`crate::flow_source`]), so both give the same numbers.
//!
//! Vertices: clients (`role:<user_name>`, else `client:<host>`, else `internal`), nodes
//! (`node:<address>`, one vertex per node whether it acts as coordinator or replica: the edge kinds
//! tell the roles apart), tables (`<keyspace>.<table>`, the `memtable` of `flows`), and per table the
//! aggregate `sstables of <table>` and `compaction of <table>`. At most `cap` clients and `cap` tables
//! get a vertex of their own; the others are merged into `other clients` / `other tables`.
//!
//! Edges, one per (from, to, `edge_kind`), in request direction: `write` / `read` (client →
//! coordinator), `replica_write` / `replica_read` (coordinator → replica; a self-loop when served
//! locally), `memtable_write` (replica → table), `flush` (table → SSTables), `compaction_read` /
//! `compaction_write` (SSTables → compaction → SSTables), and any other `events` kind (`hint_write`,
//! …: node → node). Partition rows (`partition_write` / `partition_read`) are not drawn.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use cdflow_core::flows::edge_stats::EdgeStats;
use cdflow_core::flows::key::{EdgeKind, VertexKind as FlowVertexKind};
use cdflow_core::flows::rows::FlowRow;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;

use crate::census::{BoundedMap, TRACKED_KEYS, table_label};
use crate::discover::{LineageFiles, discover};
use crate::error::CliError;
use crate::filter::Filters;
use crate::flow_source::{self, SourceChoice};

/// Default number of client vertices and of table vertices.
pub const DEFAULT_CAP: usize = 50;
/// Label of the vertex merging the clients beyond the cap.
pub const OTHER_CLIENTS: &str = "other clients";
/// Label of the vertex merging the tables beyond the cap.
pub const OTHER_TABLES: &str = "other tables";

/// What a vertex stands for (also its column in the left-to-right layout).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum VertexKind {
    /// A role or client.
    Client,
    /// A Cassandra node (coordinator and/or replica).
    Node,
    /// A table.
    Table,
    /// The SSTables of a table.
    Sstables,
    /// The compactions of a table.
    Compaction,
}

/// A vertex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vertex {
    /// What it stands for.
    pub kind: VertexKind,
    /// Its unique label (`role:app`, `node:10.0.0.1`, `ks.t`, `sstables of ks.t`, …).
    pub label: String,
    /// Whether it merges several clients or tables beyond the cap.
    pub merged: bool,
}

/// An edge: its `edge_kind` (the core's vocabulary, `flows.edge_kind`) and totals.
#[derive(Debug, Clone)]
pub struct Edge {
    /// `edge_kind` as `flows` writes it (`write`, `replica_write`, `hint_replay`, …).
    pub kind: String,
    /// Whether it is a self-loop of a node (a replica write or read served locally).
    pub local: bool,
    /// Count, bytes and latency (the core's totals, histograms merged exactly).
    pub stats: EdgeStats,
}

impl Edge {
    /// The core's kind (`None` for an `events` kind of its own, such as `hint_write`).
    pub fn fixed_kind(&self) -> Option<EdgeKind> {
        EdgeKind::from_name(&self.kind)
    }

    /// The word that starts the edge's label.
    pub fn verb(&self) -> &str {
        match (self.fixed_kind(), self.local) {
            (Some(EdgeKind::Write | EdgeKind::ReplicaWrite), false) => "writes",
            (Some(EdgeKind::Read | EdgeKind::ReplicaRead), false) => "reads",
            (Some(EdgeKind::Write | EdgeKind::ReplicaWrite), true) => "local writes",
            (Some(EdgeKind::Read | EdgeKind::ReplicaRead), true) => "local reads",
            (Some(EdgeKind::MemtableWrite), _) => "applied",
            (Some(EdgeKind::Flush), _) => "flushes",
            (Some(EdgeKind::CompactionRead | EdgeKind::CompactionWrite), _) => "compactions",
            _ => &self.kind,
        }
    }

    /// Whether the edge carries reads (drawn dashed).
    pub fn is_read(&self) -> bool {
        matches!(
            self.fixed_kind(),
            Some(EdgeKind::Read | EdgeKind::ReplicaRead)
        )
    }

    /// Whether the edge is part of the storage life cycle (flush, compaction).
    pub fn is_storage(&self) -> bool {
        matches!(
            self.fixed_kind(),
            Some(EdgeKind::Flush | EdgeKind::CompactionRead | EdgeKind::CompactionWrite)
        )
    }

    /// What the edge's latency histogram measures.
    pub fn latency_name(&self) -> &'static str {
        if self.is_storage() {
            "duration"
        } else {
            "latency"
        }
    }
}

/// The flow graph, with vertices and edges in a stable order (clients, nodes, tables, SSTables,
/// compactions; by label within each), so that output is reproducible.
#[derive(Debug, Clone, Default)]
pub struct FlowGraph {
    /// The petgraph graph.
    pub graph: DiGraph<Vertex, Edge>,
    /// `None` when built from `flows`, else why `events` was read.
    pub events_because: Option<String>,
}

impl FlowGraph {
    /// Reads the lineage under `dirs` and builds its graph.
    pub fn load(dirs: &[PathBuf], filters: &Filters, cap: usize) -> Result<FlowGraph, CliError> {
        let files = discover(dirs)?;
        FlowGraph::build(&files, filters, cap)
    }

    /// Builds the graph of `files` from `flows` when it can answer, else from `events`.
    pub fn build(
        files: &LineageFiles,
        filters: &Filters,
        cap: usize,
    ) -> Result<FlowGraph, CliError> {
        FlowGraph::build_from(files, filters, cap, SourceChoice::Auto)
    }

    /// Builds the graph of `files` from the source `choice` allows.
    pub fn build_from(
        files: &LineageFiles,
        filters: &Filters,
        cap: usize,
        choice: SourceChoice,
    ) -> Result<FlowGraph, CliError> {
        let edges = flow_source::load(files, filters, choice)?;
        let mut graph = FlowGraph::of_rows(&edges.rows, cap);
        graph.events_because = edges.events_because;
        Ok(graph)
    }

    /// The graph of `flows` rows (of any windows and nodes), at most `cap` clients and tables.
    pub fn of_rows(rows: &[FlowRow], cap: usize) -> FlowGraph {
        let mut builder = Builder::new(rows, cap);
        for row in rows {
            builder.row(row);
        }
        builder.finish()
    }

    /// The vertices, in order.
    pub fn vertices(&self) -> impl Iterator<Item = (NodeIndex, &Vertex)> {
        self.graph
            .node_indices()
            .map(|index| (index, &self.graph[index]))
    }

    /// The edges, in order: (from, to, edge).
    pub fn edges(&self) -> impl Iterator<Item = (&Vertex, &Vertex, &Edge)> {
        self.graph.edge_references().map(|edge| {
            (
                &self.graph[edge.source()],
                &self.graph[edge.target()],
                edge.weight(),
            )
        })
    }

    /// The labels of the vertices, in order.
    pub fn vertex_labels(&self) -> Vec<&str> {
        self.vertices()
            .map(|(_, vertex)| vertex.label.as_str())
            .collect()
    }

    /// The totals of the edge `from → to` of `kind` (an `edge_kind` name).
    pub fn edge(&self, from: &str, to: &str, kind: &str) -> Option<&EdgeStats> {
        self.edges()
            .find(|(source, target, edge)| {
                source.label == from && target.label == to && edge.kind == kind
            })
            .map(|(_, _, edge)| &edge.stats)
    }

    /// Whether nothing passed the filters.
    pub fn is_empty(&self) -> bool {
        self.graph.node_count() == 0
    }
}

/// Resolves `flows` rows to vertices and accumulates edges.
struct Builder {
    top_clients: HashSet<String>,
    top_tables: HashSet<String>,
    ids: HashMap<String, usize>,
    vertices: Vec<Vertex>,
    edges: HashMap<(usize, usize, String), Edge>,
    label: String,
}

/// The vertex label of a client vertex of `flows` (`role`, `client` or `internal`).
fn client_vertex_label(kind: FlowVertexKind, name: &str) -> Option<String> {
    match kind {
        FlowVertexKind::Role => Some(format!("role:{name}")),
        FlowVertexKind::Client => Some(format!("client:{name}")),
        FlowVertexKind::Internal => Some("internal".to_owned()),
        _ => None,
    }
}

impl Builder {
    /// Weighs clients by their requests and tables by their rows (events, flushes, compactions), to
    /// keep the `cap` heaviest.
    fn new(rows: &[FlowRow], cap: usize) -> Self {
        let cap = cap.max(1);
        let mut clients: BoundedMap<u64> = BoundedMap::new(TRACKED_KEYS);
        let mut tables: BoundedMap<u64> = BoundedMap::new(TRACKED_KEYS);
        let mut label = String::new();
        for row in rows {
            let kind = EdgeKind::from_name(&row.edge_kind);
            if matches!(kind, Some(EdgeKind::Write | EdgeKind::Read))
                && let Some((source_kind, source)) = &row.source
                && let Some(client) = FlowVertexKind::from_name(source_kind)
                    .and_then(|kind| client_vertex_label(kind, source))
            {
                *clients.entry(&client) += row.count;
            }
            let counts_rows = match kind {
                Some(kind) => kind.counted_table().is_some(),
                None => row.source.is_some(),
            };
            if counts_rows {
                table_label(row.keyspace.as_deref(), row.table.as_deref(), &mut label);
                *tables.entry(&label) += row.count;
            }
        }
        Builder {
            top_clients: clients.top_keys(cap, |n| *n).into_iter().collect(),
            top_tables: tables.top_keys(cap, |n| *n).into_iter().collect(),
            ids: HashMap::new(),
            vertices: Vec::new(),
            edges: HashMap::new(),
            label,
        }
    }

    fn row(&mut self, row: &FlowRow) {
        if matches!(
            EdgeKind::from_name(&row.edge_kind),
            Some(EdgeKind::PartitionWrite | EdgeKind::PartitionRead)
        ) {
            return;
        }
        let (Some(source), Some(target)) = (&row.source, &row.target) else {
            return; // overflow
        };
        let (Some(from), Some(to)) = (self.vertex_of(source, row), self.vertex_of(target, row))
        else {
            return;
        };
        let local = from == to;
        let edge = self
            .edges
            .entry((from, to, row.edge_kind.clone()))
            .or_insert_with(|| Edge {
                kind: row.edge_kind.clone(),
                local,
                stats: EdgeStats::default(),
            });
        edge.stats.add_row(
            row.count,
            row.bytes,
            row.latency.map(|latency| latency.max_us),
            &row.latency_buckets,
        );
    }

    /// The vertex of a `flows` vertex (kind, name) of `row`.
    fn vertex_of(&mut self, (kind, name): &(&'static str, String), row: &FlowRow) -> Option<usize> {
        let kind = FlowVertexKind::from_name(kind)?;
        Some(match kind {
            FlowVertexKind::Role | FlowVertexKind::Client | FlowVertexKind::Internal => {
                let label = client_vertex_label(kind, name)?;
                if self.top_clients.contains(&label) {
                    self.vertex(VertexKind::Client, &label, false)
                } else {
                    self.vertex(VertexKind::Client, OTHER_CLIENTS, true)
                }
            }
            FlowVertexKind::Coordinator | FlowVertexKind::Replica => self.node(Some(name)),
            FlowVertexKind::Memtable | FlowVertexKind::Table => {
                self.table(row.keyspace.as_deref(), row.table.as_deref())
            }
            FlowVertexKind::Sstables | FlowVertexKind::Compaction => {
                let table = self.table(row.keyspace.as_deref(), row.table.as_deref());
                let storage = if kind == FlowVertexKind::Sstables {
                    VertexKind::Sstables
                } else {
                    VertexKind::Compaction
                };
                self.storage(table, storage)
            }
            FlowVertexKind::Partition => return None,
        })
    }

    /// The vertex of a node (`node:unknown` when the row does not say which).
    fn node(&mut self, address: Option<&str>) -> usize {
        let mut label = std::mem::take(&mut self.label);
        label.clear();
        label.push_str("node:");
        label.push_str(address.unwrap_or("unknown"));
        let id = self.vertex(VertexKind::Node, &label, false);
        self.label = label;
        id
    }

    /// The vertex of a table (or `other tables`).
    fn table(&mut self, keyspace: Option<&str>, table: Option<&str>) -> usize {
        let mut label = std::mem::take(&mut self.label);
        table_label(keyspace, table, &mut label);
        let id = if self.top_tables.contains(&label) {
            self.vertex(VertexKind::Table, &label, false)
        } else {
            self.vertex(VertexKind::Table, OTHER_TABLES, true)
        };
        self.label = label;
        id
    }

    /// The SSTables or compaction vertex of a table vertex.
    fn storage(&mut self, table: usize, kind: VertexKind) -> usize {
        let prefix = if kind == VertexKind::Sstables {
            "sstables of "
        } else {
            "compaction of "
        };
        let label = format!("{prefix}{}", self.vertices[table].label);
        let merged = self.vertices[table].merged;
        self.vertex(kind, &label, merged)
    }

    fn vertex(&mut self, kind: VertexKind, label: &str, merged: bool) -> usize {
        if let Some(&id) = self.ids.get(label) {
            return id;
        }
        let id = self.vertices.len();
        self.vertices.push(Vertex {
            kind,
            label: label.to_string(),
            merged,
        });
        self.ids.insert(label.to_string(), id);
        id
    }

    /// The graph, vertices sorted by (kind, merged last, label), edges by (from, to, kind).
    fn finish(self) -> FlowGraph {
        let mut order: Vec<usize> = (0..self.vertices.len()).collect();
        order.sort_by(|&a, &b| {
            let (a, b) = (&self.vertices[a], &self.vertices[b]);
            (a.kind, a.merged, &a.label).cmp(&(b.kind, b.merged, &b.label))
        });
        let mut graph = DiGraph::with_capacity(self.vertices.len(), self.edges.len());
        let mut index = vec![NodeIndex::end(); self.vertices.len()];
        let mut vertices: Vec<Option<Vertex>> = self.vertices.into_iter().map(Some).collect();
        for id in order {
            index[id] = graph.add_node(vertices[id].take().expect("each vertex added once"));
        }
        let mut edges: Vec<((usize, usize, String), Edge)> = self.edges.into_iter().collect();
        edges.sort_by(|((a_from, a_to, a_kind), _), ((b_from, b_to, b_kind), _)| {
            (index[*a_from], index[*a_to], a_kind).cmp(&(index[*b_from], index[*b_to], b_kind))
        });
        for ((from, to, _), edge) in edges {
            graph.add_edge(index[from], index[to], edge);
        }
        FlowGraph {
            graph,
            events_because: None,
        }
    }
}
