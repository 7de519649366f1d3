//! The window's flow graph for the page: the core's edges merged across nodes where the vertex is a
//! table's (memtable, SSTables, compaction), `memtable_write` derived from `replica_write` as the core's
//! `flows` rows do, and collapsed to the busiest roles/clients, nodes and tables (the rest become one
//! `other` vertex of their kind), so the picture stays legible at any cardinality.

use std::collections::{BTreeMap, HashMap};

use cdflow_core::flows::key::{EdgeKey, EdgeKind, VertexKey, VertexKind};

use super::bucket::{Bucket, EdgeTotals};
use super::names::Names;

/// Role and client vertices kept.
pub const TOP_CLIENTS: usize = 12;
/// Tables kept (each with its memtable, SSTables and compaction vertices).
pub const TOP_TABLES: usize = 15;
/// Nodes kept (as coordinators and as replicas).
pub const TOP_NODES: usize = 32;
/// The name of a collapsed vertex.
pub const OTHER: &str = "other";

/// A vertex of the page's graph.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GraphVertex {
    /// Its kind (the core's vertex kind name).
    pub kind: VertexKind,
    /// Its name (`keyspace.table` for per-table vertices; `other` when collapsed).
    pub name: String,
}

/// An edge of the page's graph.
#[derive(Debug, Clone)]
pub struct GraphEdge {
    /// The core's edge kind name (`write`, `replica_write`, `hint_write`, …).
    pub kind: String,
    /// Source vertex index.
    pub source: usize,
    /// Target vertex index.
    pub target: usize,
    /// Totals in the window.
    pub totals: EdgeTotals,
}

/// The collapsed graph of a window.
#[derive(Debug, Default)]
pub struct Graph {
    /// Vertices.
    pub vertices: Vec<GraphVertex>,
    /// Events through each vertex (the larger of in and out).
    pub vertex_counts: Vec<u64>,
    /// Edges.
    pub edges: Vec<GraphEdge>,
    /// Distinct clients/roles, nodes and tables before collapsing.
    pub distinct: (usize, usize, usize),
}

fn vertex_name(key: VertexKey, edge: &EdgeKey, names: &Names) -> String {
    if key.kind.is_per_table() {
        format!(
            "{}.{}",
            names.get(edge.scope.keyspace),
            names.get(edge.scope.table)
        )
    } else if key.kind == VertexKind::Internal {
        "internal".to_owned()
    } else {
        names.get(key.id).to_owned()
    }
}

fn edge_kind_name(kind: EdgeKind, names: &Names) -> String {
    match kind.fixed_name() {
        Some(name) => name.to_owned(),
        None => match kind {
            EdgeKind::OtherKind(id) => names.get(id).to_owned(),
            _ => String::new(),
        },
    }
}

fn is_client(kind: VertexKind) -> bool {
    matches!(
        kind,
        VertexKind::Role | VertexKind::Client | VertexKind::Internal
    )
}

fn is_node(kind: VertexKind) -> bool {
    matches!(kind, VertexKind::Coordinator | VertexKind::Replica)
}

/// The names of the `keep` largest of `counts`.
fn top(counts: &HashMap<String, u64>, keep: usize) -> std::collections::HashSet<String> {
    let mut sorted: Vec<(&String, &u64)> = counts.iter().collect();
    sorted.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    sorted
        .into_iter()
        .take(keep)
        .map(|(name, _)| name.clone())
        .collect()
}

/// Builds the collapsed graph of `buckets`.
pub fn build<'b>(buckets: impl Iterator<Item = &'b Bucket>, names: &Names) -> Graph {
    let mut merged: HashMap<EdgeKey, EdgeTotals> = HashMap::new();
    for bucket in buckets {
        for (key, totals) in bucket.edges.iter() {
            merged.entry(*key).or_default().merge(totals);
        }
    }
    // (kind, source, target) by name, before collapsing
    let mut named: Vec<(String, GraphVertex, GraphVertex, EdgeTotals)> = Vec::new();
    for (key, totals) in &merged {
        let source = GraphVertex {
            kind: key.source.kind,
            name: vertex_name(key.source, key, names),
        };
        let target = GraphVertex {
            kind: key.target.kind,
            name: vertex_name(key.target, key, names),
        };
        if key.kind == EdgeKind::ReplicaWrite {
            let memtable = GraphVertex {
                kind: VertexKind::Memtable,
                name: vertex_name(VertexKey::of_table(VertexKind::Memtable), key, names),
            };
            let derived = EdgeKind::MemtableWrite;
            named.push((
                edge_kind_name(derived, names),
                target.clone(),
                memtable,
                EdgeTotals {
                    count: totals.count,
                    bytes: totals.bytes,
                    ..EdgeTotals::default()
                },
            ));
        }
        named.push((edge_kind_name(key.kind, names), source, target, *totals));
    }
    let (mut clients, mut nodes, mut tables) = (HashMap::new(), HashMap::new(), HashMap::new());
    for (_, source, target, totals) in &named {
        for vertex in [source, target] {
            let counts = if is_client(vertex.kind) {
                &mut clients
            } else if is_node(vertex.kind) {
                &mut nodes
            } else {
                &mut tables
            };
            *counts.entry(vertex.name.clone()).or_insert(0u64) += totals.count;
        }
    }
    let (keep_clients, keep_nodes, keep_tables) = (
        top(&clients, TOP_CLIENTS),
        top(&nodes, TOP_NODES),
        top(&tables, TOP_TABLES),
    );
    let collapse = |vertex: GraphVertex| {
        let keep = if is_client(vertex.kind) {
            &keep_clients
        } else if is_node(vertex.kind) {
            &keep_nodes
        } else {
            &keep_tables
        };
        if keep.contains(&vertex.name) {
            vertex
        } else {
            GraphVertex {
                kind: vertex.kind,
                name: OTHER.to_owned(),
            }
        }
    };
    let mut edges: BTreeMap<(String, GraphVertex, GraphVertex), EdgeTotals> = BTreeMap::new();
    for (kind, source, target, totals) in named {
        edges
            .entry((kind, collapse(source), collapse(target)))
            .or_default()
            .merge(&totals);
    }
    let mut graph = Graph {
        distinct: (clients.len(), nodes.len(), tables.len()),
        ..Graph::default()
    };
    let mut index: BTreeMap<GraphVertex, usize> = BTreeMap::new();
    for ((kind, source, target), totals) in edges {
        let mut vertex_index = |vertex: GraphVertex, graph: &mut Graph| {
            *index.entry(vertex.clone()).or_insert_with(|| {
                graph.vertices.push(vertex);
                graph.vertex_counts.push(0);
                graph.vertices.len() - 1
            })
        };
        let source = vertex_index(source, &mut graph);
        let target = vertex_index(target, &mut graph);
        graph.vertex_counts[source] = graph.vertex_counts[source].max(totals.count);
        graph.vertex_counts[target] = graph.vertex_counts[target].max(totals.count);
        graph.edges.push(GraphEdge {
            kind,
            source,
            target,
            totals,
        });
    }
    graph
}
