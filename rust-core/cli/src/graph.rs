//! The flow graph: who wrote and read what, through which nodes, into which tables and SSTables.
//!
//! Vertices: clients (`role:<user_name>`, else `client:<host>`, else `internal`), nodes
//! (`node:<address>`, one vertex per node whether it acts as coordinator or replica: the edge kinds
//! tell the roles apart), tables (`<keyspace>.<table>`), and per table the aggregate
//! `sstables of <table>` and `compaction of <table>`. At most `cap` clients and `cap` tables get a
//! vertex of their own; the others are merged into `other clients` / `other tables`.
//!
//! Edges, one per (from, to, kind), in request direction:
//! - client → coordinator: `coordinator_write` (writes) and `coordinator_read` (reads) rows;
//! - coordinator → replica: `replica_write` / `replica_read` rows on the replica, from their
//!   `coordinator`; served locally (`applied_locally`, or coordinator = node) they are a self-loop of
//!   the node ("local writes" / "local reads");
//! - replica → table: the writes applied ("applied") and the reads served ("read");
//! - table → sstables: flushes; sstables → compaction → sstables: compactions.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;

use crate::census::{Census, client_label, table_label};
use crate::discover::{LineageFiles, discover};
use crate::error::CliError;
use crate::filter::Filters;
use crate::rows::{
    Access, CompactionRow, EventRow, FlushRow, Operation, scan_compactions, scan_events,
    scan_flushes,
};
use crate::stats::EdgeStats;

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

/// The kind of an edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EdgeKind {
    /// client → coordinator: `coordinator_write`.
    Write,
    /// client → coordinator: `coordinator_read`.
    Read,
    /// coordinator → replica: `replica_write` from a remote coordinator.
    ReplicaWrite,
    /// coordinator → replica: `replica_read` for a remote coordinator.
    ReplicaRead,
    /// node → itself: `replica_write` applied locally.
    LocalWrite,
    /// node → itself: `replica_read` served locally.
    LocalRead,
    /// replica → table: writes applied.
    Apply,
    /// replica → table: reads served.
    Serve,
    /// table → sstables: flushes.
    Flush,
    /// sstables → compaction: compactions (inputs).
    CompactionIn,
    /// compaction → sstables: compactions (outputs).
    CompactionOut,
}

impl EdgeKind {
    /// The word that starts the edge's label.
    pub fn verb(self) -> &'static str {
        match self {
            EdgeKind::Write | EdgeKind::ReplicaWrite => "writes",
            EdgeKind::Read | EdgeKind::ReplicaRead => "reads",
            EdgeKind::LocalWrite => "local writes",
            EdgeKind::LocalRead => "local reads",
            EdgeKind::Apply => "applied",
            EdgeKind::Serve => "read",
            EdgeKind::Flush => "flushes",
            EdgeKind::CompactionIn | EdgeKind::CompactionOut => "compactions",
        }
    }

    /// Whether the edge carries reads (drawn dashed).
    pub fn is_read(self) -> bool {
        matches!(
            self,
            EdgeKind::Read | EdgeKind::ReplicaRead | EdgeKind::LocalRead | EdgeKind::Serve
        )
    }

    /// Whether the edge is part of the storage life cycle (flush, compaction).
    pub fn is_storage(self) -> bool {
        matches!(
            self,
            EdgeKind::Flush | EdgeKind::CompactionIn | EdgeKind::CompactionOut
        )
    }

    /// What the edge's latency histogram measures.
    pub fn latency_name(self) -> &'static str {
        if self.is_storage() {
            "duration"
        } else {
            "latency"
        }
    }
}

/// An edge: its kind and totals.
#[derive(Debug, Clone)]
pub struct Edge {
    /// Its kind.
    pub kind: EdgeKind,
    /// Its totals.
    pub stats: EdgeStats,
}

/// The flow graph, with vertices and edges in a stable order (clients, nodes, tables, SSTables,
/// compactions; by label within each), so that output is reproducible.
#[derive(Debug, Clone, Default)]
pub struct FlowGraph {
    /// The petgraph graph.
    pub graph: DiGraph<Vertex, Edge>,
}

impl FlowGraph {
    /// Reads the lineage under `dirs` and builds its graph.
    pub fn load(dirs: &[PathBuf], filters: &Filters, cap: usize) -> Result<FlowGraph, CliError> {
        let files = discover(dirs)?;
        FlowGraph::build(&files, filters, cap)
    }

    /// Builds the graph of `files` (two passes: the census, then the edges).
    pub fn build(
        files: &LineageFiles,
        filters: &Filters,
        cap: usize,
    ) -> Result<FlowGraph, CliError> {
        let census = Census::take(files, filters)?;
        let mut builder = Builder::new(&census, cap);
        scan_events(files, filters, |row| builder.event(row))?;
        scan_flushes(files, filters, |row| builder.flush(row))?;
        scan_compactions(files, filters, |row| builder.compaction(row))?;
        Ok(builder.finish())
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

    /// The totals of the edge `from → to` of `kind`.
    pub fn edge(&self, from: &str, to: &str, kind: EdgeKind) -> Option<&EdgeStats> {
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

/// The second pass: resolves rows to vertices and accumulates edges.
struct Builder<'c> {
    census: &'c Census,
    top_clients: HashSet<String>,
    top_tables: HashSet<String>,
    ids: HashMap<String, usize>,
    vertices: Vec<Vertex>,
    edges: HashMap<(usize, usize, EdgeKind), EdgeStats>,
    label: String,
}

impl<'c> Builder<'c> {
    fn new(census: &'c Census, cap: usize) -> Self {
        let cap = cap.max(1);
        Builder {
            census,
            top_clients: census.clients.top_keys(cap, |n| *n).into_iter().collect(),
            top_tables: census.tables.top_keys(cap, |n| *n).into_iter().collect(),
            ids: HashMap::new(),
            vertices: Vec::new(),
            edges: HashMap::new(),
            label: String::new(),
        }
    }

    fn event(&mut self, row: &EventRow<'_>) {
        if !self.census.event_matches_role(row) {
            return;
        }
        // What the row did: cdflow_core::access (every write path is a write; an LWT's condition
        // read is internal; paxos_commit and hint_replay are applies like replica_write).
        match row.access {
            Access::Request(request) => {
                let client = self.client(row.user, row.client);
                let coordinator = self.node(row.coordinator_or_self());
                if request.operation != Operation::Read {
                    self.edge(client, coordinator, EdgeKind::Write)
                        .count_one()
                        .bytes(row.bytes)
                        .rows(row.rows)
                        .tombstones(row.tombstones)
                        .error(row.error)
                        .latency(row.latency_us);
                } else {
                    self.edge(client, coordinator, EdgeKind::Read)
                        .count_one()
                        .rows(row.rows_returned)
                        .error(row.error)
                        .latency(row.latency_us);
                }
            }
            Access::Apply(..) | Access::ReplicaRead => {
                let write = matches!(row.access, Access::Apply(..));
                let replica = self.node(row.node);
                let hop = if row.is_local() {
                    Some((
                        replica,
                        if write {
                            EdgeKind::LocalWrite
                        } else {
                            EdgeKind::LocalRead
                        },
                    ))
                } else {
                    row.coordinator.map(|coordinator| {
                        let kind = if write {
                            EdgeKind::ReplicaWrite
                        } else {
                            EdgeKind::ReplicaRead
                        };
                        (self.node(Some(coordinator)), kind)
                    })
                };
                if let Some((from, kind)) = hop {
                    let stats = self
                        .edge(from, replica, kind)
                        .count_one()
                        .latency(row.latency_us);
                    if write {
                        stats.bytes(row.bytes).rows(row.rows).error(row.error);
                    }
                }
                let table = self.table(row.keyspace, row.table);
                if write {
                    self.edge(replica, table, EdgeKind::Apply)
                        .count_one()
                        .bytes(row.bytes)
                        .rows(row.rows)
                        .tombstones(row.tombstones);
                } else {
                    self.edge(replica, table, EdgeKind::Serve)
                        .count_one()
                        .rows(row.live_rows)
                        .tombstones(row.tombstones_scanned);
                }
            }
            Access::Internal | Access::Unknown => {}
        }
    }

    fn flush(&mut self, row: &FlushRow<'_>) {
        if !self.table_matches_role(row.keyspace, row.table) {
            return;
        }
        let table = self.table(row.keyspace, row.table);
        let sstables = self.storage(table, VertexKind::Sstables);
        self.edge(table, sstables, EdgeKind::Flush)
            .count_one()
            .sstables(row.output_sstables)
            .bytes(row.bytes_out);
    }

    fn compaction(&mut self, row: &CompactionRow<'_>) {
        if !self.table_matches_role(row.keyspace, row.table) {
            return;
        }
        let table = self.table(row.keyspace, row.table);
        let sstables = self.storage(table, VertexKind::Sstables);
        let compaction = self.storage(table, VertexKind::Compaction);
        self.edge(sstables, compaction, EdgeKind::CompactionIn)
            .count_one()
            .sstables(row.input_sstables)
            .bytes(row.bytes_in);
        self.edge(compaction, sstables, EdgeKind::CompactionOut)
            .count_one()
            .sstables(row.output_sstables)
            .bytes(row.bytes_out)
            .latency(row.duration_us);
    }

    fn table_matches_role(&mut self, keyspace: Option<&str>, table: Option<&str>) -> bool {
        table_label(keyspace, table, &mut self.label);
        self.census.table_matches_role(&self.label)
    }

    /// The vertex of a coordinator row's client (or `other clients`).
    fn client(&mut self, user: Option<&str>, client: Option<&str>) -> usize {
        let mut label = std::mem::take(&mut self.label);
        client_label(user, client, &mut label);
        let id = if self.top_clients.contains(&label) {
            self.vertex(VertexKind::Client, &label, false)
        } else {
            self.vertex(VertexKind::Client, OTHER_CLIENTS, true)
        };
        self.label = label;
        id
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

    fn edge(&mut self, from: usize, to: usize, kind: EdgeKind) -> &mut EdgeStats {
        self.edges.entry((from, to, kind)).or_default()
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
        let mut edges: Vec<((usize, usize, EdgeKind), EdgeStats)> =
            self.edges.into_iter().collect();
        edges.sort_by_key(|((from, to, kind), _)| (index[*from], index[*to], *kind));
        for ((from, to, kind), stats) in edges {
            graph.add_edge(index[from], index[to], Edge { kind, stats });
        }
        FlowGraph { graph }
    }
}
