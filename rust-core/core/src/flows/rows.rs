//! Closed windows → rows of the `flows` table (docs/schema.md): names resolved from the string table,
//! `memtable_write` edges derived from `replica_write` ones, edges whose names coincide merged (clients are named by host, so two ports of one host are one
//! vertex), top partitions and the `other` bucket per table, and the overflow of each node.
//!
//! Invariants: columns are produced in [`flows_schema`] order; rows of a window are sorted by
//! (node, edge kind, source, target, table), so output is deterministic; counts and bytes of a window's
//! rows add up to exactly what was observed.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow::array::builder::{
    Int64Builder, ListBuilder, StringBuilder, TimestampMicrosecondBuilder,
};
use arrow::array::{ArrayRef, RecordBatch};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use arrow::error::ArrowError;

use crate::decode::strings::StringsView;
use crate::sink::layout::UNKNOWN_NODE;
use crate::sink::rolling::RowBuffer;

use super::edge_stats::{EdgeStats, LatencySummary};
use super::key::{EdgeKind, Scope, VertexKey, VertexKind};
use super::window::Window;

/// Directory name of the flows table under the lineage root.
pub const FLOWS_TABLE: &str = "flows";
/// `edge_kind` of a row counting the events that found no room in the window.
pub const OVERFLOW_KIND: &str = "overflow";
/// `target` of the row summing the partitions beyond the top K.
pub const OTHER_PARTITIONS: &str = "other";

/// One `flows` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowRow {
    /// Window start, µs since the epoch (UTC).
    pub window_start_us: i64,
    /// Window end (exclusive).
    pub window_end_us: i64,
    /// Observing node (`unknown` when absent).
    pub node: String,
    /// What moves along the edge.
    pub edge_kind: String,
    /// Source vertex kind and name (NULL for overflow).
    pub source: Option<(&'static str, String)>,
    /// Target vertex kind and name (NULL for overflow).
    pub target: Option<(&'static str, String)>,
    /// Keyspace.
    pub keyspace: Option<String>,
    /// Table.
    pub table: Option<String>,
    /// Token of a top partition.
    pub token: Option<i64>,
    /// Events.
    pub count: u64,
    /// Bytes.
    pub bytes: u64,
    /// Latency percentiles, where latency exists.
    pub latency: Option<LatencySummary>,
    /// The latency histogram's buckets (highest value µs, count), ascending; empty without latency.
    pub latency_buckets: Vec<(u64, u64)>,
}

/// The type of a `flows` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowsType {
    /// TIMESTAMP (µs, no time zone).
    Timestamp,
    /// VARCHAR.
    Text,
    /// BIGINT.
    BigInt,
    /// BIGINT[] (Arrow List<Int64>, nullable items).
    BigIntList,
}

impl FlowsType {
    /// The DuckDB name (docs/schema.md).
    pub const fn duckdb_name(self) -> &'static str {
        match self {
            FlowsType::Timestamp => "TIMESTAMP",
            FlowsType::Text => "VARCHAR",
            FlowsType::BigInt => "BIGINT",
            FlowsType::BigIntList => "BIGINT[]",
        }
    }

    fn arrow_type(self) -> DataType {
        match self {
            FlowsType::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, None),
            FlowsType::Text => DataType::Utf8,
            FlowsType::BigInt => DataType::Int64,
            FlowsType::BigIntList => {
                DataType::List(Arc::new(Field::new_list_field(DataType::Int64, true)))
            }
        }
    }
}

/// The columns of `flows`, in file order (docs/schema.md): (name, type, nullable).
pub const FLOWS_COLUMNS: [(&str, FlowsType, bool); 19] = {
    use FlowsType::{BigInt, BigIntList, Text, Timestamp};
    [
        ("window_start", Timestamp, false),
        ("window_end", Timestamp, false),
        ("node", Text, false),
        ("edge_kind", Text, false),
        ("source_kind", Text, true),
        ("source", Text, true),
        ("target_kind", Text, true),
        ("target", Text, true),
        ("keyspace_name", Text, true),
        ("table_name", Text, true),
        ("token", BigInt, true),
        ("count", BigInt, false),
        ("bytes", BigInt, false),
        ("latency_count", BigInt, true),
        ("latency_p50_us", BigInt, true),
        ("latency_p99_us", BigInt, true),
        ("latency_max_us", BigInt, true),
        ("latency_bucket_us", BigIntList, true),
        ("latency_bucket_count", BigIntList, true),
    ]
};

/// The Arrow schema of `flows`.
pub fn flows_schema() -> SchemaRef {
    let fields: Vec<Field> = FLOWS_COLUMNS
        .into_iter()
        .map(|(name, flows_type, nullable)| Field::new(name, flows_type.arrow_type(), nullable))
        .collect();
    Arc::new(Schema::new(fields))
}

/// What identifies a row once names are resolved.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct RowKey {
    node: String,
    edge_kind: String,
    source: (&'static str, String),
    target: (&'static str, String),
    keyspace: Option<String>,
    table: Option<String>,
}

/// The rows of a closed window: edges, then top partitions and `other`, then overflow.
pub fn window_rows(
    window: &Window,
    window_us: i64,
    top_partitions: usize,
    strings: &StringsView<'_>,
) -> Vec<FlowRow> {
    let names = Names { strings };
    let start = window.start_us;
    let end = start.saturating_add(window_us);
    let row = |node: String, edge_kind: String| FlowRow {
        window_start_us: start,
        window_end_us: end,
        node,
        edge_kind,
        source: None,
        target: None,
        keyspace: None,
        table: None,
        token: None,
        count: 0,
        bytes: 0,
        latency: None,
        latency_buckets: Vec::new(),
    };
    let graph = window.graph();
    let mut merged: BTreeMap<RowKey, EdgeStats> = BTreeMap::new();
    for edge in graph.raw_edges() {
        let flow = &edge.weight;
        let (source, target) = (&graph[edge.source()], &graph[edge.target()]);
        let key = RowKey {
            node: names.node(flow.scope.node),
            edge_kind: names.edge_kind(flow.kind),
            source: names.vertex(source.key, flow.scope),
            target: names.vertex(target.key, flow.scope),
            keyspace: names.text(flow.scope.keyspace),
            table: names.text(flow.scope.table),
        };
        if flow.kind == EdgeKind::ReplicaWrite {
            // replica → memtable: every write the replica applied, whoever coordinated it.
            let memtable = RowKey {
                edge_kind: names.edge_kind(EdgeKind::MemtableWrite),
                source: key.target.clone(),
                target: names.vertex(VertexKey::of_table(VertexKind::Memtable), flow.scope),
                ..key.clone()
            };
            merged.entry(memtable).or_default().add_totals(&flow.stats);
        }
        merged.entry(key).or_default().merge(&flow.stats);
    }
    let mut rows: Vec<FlowRow> = merged
        .into_iter()
        .map(|(key, stats)| FlowRow {
            source: Some(key.source),
            target: Some(key.target),
            keyspace: key.keyspace,
            table: key.table,
            count: stats.count,
            bytes: stats.bytes,
            latency: stats.latency(),
            latency_buckets: stats.latency_buckets(),
            ..row(key.node, key.edge_kind)
        })
        .collect();
    let mut partition_rows = Vec::new();
    for summary in window.partitions() {
        let scope = summary.scope;
        let table_vertex = names.vertex(VertexKey::of_table(VertexKind::Table), scope);
        let partition_row = |target: String, token, count, bytes| FlowRow {
            source: Some(table_vertex.clone()),
            target: Some((VertexKind::Partition.name(), target)),
            keyspace: names.text(scope.keyspace),
            table: names.text(scope.table),
            token,
            count,
            bytes,
            ..row(names.node(scope.node), names.edge_kind(summary.kind))
        };
        let (top, other_count, other_bytes) = summary.top.top(top_partitions);
        for partition in top {
            partition_rows.push(partition_row(
                partition.token.to_string(),
                Some(partition.token),
                partition.count,
                partition.bytes,
            ));
        }
        if other_count > 0 {
            partition_rows.push(partition_row(
                OTHER_PARTITIONS.to_owned(),
                None,
                other_count,
                other_bytes,
            ));
        }
    }
    partition_rows.sort_by(|a, b| {
        (&a.node, &a.edge_kind, &a.keyspace, &a.table).cmp(&(
            &b.node,
            &b.edge_kind,
            &b.keyspace,
            &b.table,
        ))
    });
    rows.append(&mut partition_rows);
    let mut overflow: Vec<_> = window.overflow().iter().collect();
    overflow.sort_unstable();
    for (&node, &(count, bytes)) in overflow {
        rows.push(FlowRow {
            count,
            bytes,
            ..row(names.node(node), OVERFLOW_KIND.to_owned())
        });
    }
    rows
}

/// Resolves ids to the names written.
struct Names<'s, 'v> {
    strings: &'s StringsView<'v>,
}

impl Names<'_, '_> {
    fn text(&self, id: u32) -> Option<String> {
        self.strings.get(id).map(str::to_owned)
    }

    fn node(&self, id: u32) -> String {
        self.strings.get(id).unwrap_or(UNKNOWN_NODE).to_owned()
    }

    fn edge_kind(&self, kind: EdgeKind) -> String {
        match (kind.fixed_name(), kind) {
            (Some(name), _) => name.to_owned(),
            (None, EdgeKind::OtherKind(id)) => self.strings.get(id).unwrap_or("unknown").to_owned(),
            (None, _) => "unknown".to_owned(),
        }
    }

    fn vertex(&self, vertex: VertexKey, scope: Scope) -> (&'static str, String) {
        let name = match vertex.kind {
            VertexKind::Internal => "internal".to_owned(),
            VertexKind::Client => client_host(self.strings.get(vertex.id).unwrap_or("")).to_owned(),
            VertexKind::Role | VertexKind::Coordinator | VertexKind::Replica => self
                .strings
                .get(vertex.id)
                .unwrap_or(UNKNOWN_NODE)
                .to_owned(),
            VertexKind::Memtable
            | VertexKind::Sstables
            | VertexKind::Compaction
            | VertexKind::Table
            | VertexKind::Partition => format!(
                "{}.{}",
                self.strings.get(scope.keyspace).unwrap_or("?"),
                self.strings.get(scope.table).unwrap_or("?")
            ),
        };
        (vertex.kind.name(), name)
    }
}

/// The host of a client address, naming its `client` vertex (the port changes with every
/// connection): `10.0.0.1:5555` and `/10.0.0.1:5555` → `10.0.0.1`, `[::1]:5555` → `::1`; a bare IPv6
/// address or a host without port is kept.
pub fn client_host(address: &str) -> &str {
    let address = address.trim_start_matches('/');
    if let Some(rest) = address.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match address.rsplit_once(':') {
        Some((host, port))
            if !host.contains(':')
                && !port.is_empty()
                && port.bytes().all(|b| b.is_ascii_digit()) =>
        {
            host
        }
        _ => address,
    }
}

/// Buffered `flows` rows.
pub struct FlowRows {
    schema: SchemaRef,
    times: [TimestampMicrosecondBuilder; 2],
    texts: [StringBuilder; 8],
    numbers: [Int64Builder; 7],
    buckets: [ListBuilder<Int64Builder>; 2],
    len: usize,
}

impl FlowRows {
    /// Appends one row.
    pub fn append(&mut self, row: &FlowRow) {
        self.times[0].append_value(row.window_start_us);
        self.times[1].append_value(row.window_end_us);
        let [
            node,
            edge_kind,
            source_kind,
            source,
            target_kind,
            target,
            keyspace,
            table,
        ] = &mut self.texts;
        node.append_value(&row.node);
        edge_kind.append_value(&row.edge_kind);
        source_kind.append_option(row.source.as_ref().map(|(kind, _)| *kind));
        source.append_option(row.source.as_ref().map(|(_, name)| name));
        target_kind.append_option(row.target.as_ref().map(|(kind, _)| *kind));
        target.append_option(row.target.as_ref().map(|(_, name)| name));
        keyspace.append_option(row.keyspace.as_deref());
        table.append_option(row.table.as_deref());
        let big = |value: u64| i64::try_from(value).unwrap_or(i64::MAX);
        let latency = row.latency.as_ref();
        let values = [
            row.token,
            Some(big(row.count)),
            Some(big(row.bytes)),
            latency.map(|l| big(l.count)),
            latency.map(|l| big(l.p50_us)),
            latency.map(|l| big(l.p99_us)),
            latency.map(|l| big(l.max_us)),
        ];
        for (builder, value) in self.numbers.iter_mut().zip(values) {
            builder.append_option(value);
        }
        let [bucket_us, bucket_count] = &mut self.buckets;
        if row.latency.is_some() {
            bucket_us.append_value(row.latency_buckets.iter().map(|&(us, _)| Some(big(us))));
            bucket_count.append_value(row.latency_buckets.iter().map(|&(_, n)| Some(big(n))));
        } else {
            bucket_us.append_null();
            bucket_count.append_null();
        }
        self.len += 1;
    }
}

impl RowBuffer for FlowRows {
    type Layout = SchemaRef;

    fn empty(schema: &SchemaRef) -> Self {
        FlowRows {
            schema: Arc::clone(schema),
            times: std::array::from_fn(|_| TimestampMicrosecondBuilder::new()),
            texts: std::array::from_fn(|_| StringBuilder::new()),
            numbers: std::array::from_fn(|_| Int64Builder::new()),
            buckets: std::array::from_fn(|_| ListBuilder::new(Int64Builder::new())),
            len: 0,
        }
    }

    fn len(&self) -> usize {
        self.len
    }

    fn take_batch(&mut self) -> Result<RecordBatch, ArrowError> {
        let mut columns: Vec<ArrayRef> = Vec::with_capacity(19);
        columns.extend(
            self.times
                .iter_mut()
                .map(|b| Arc::new(b.finish()) as ArrayRef),
        );
        columns.extend(
            self.texts
                .iter_mut()
                .map(|b| Arc::new(b.finish()) as ArrayRef),
        );
        columns.extend(
            self.numbers
                .iter_mut()
                .map(|b| Arc::new(b.finish()) as ArrayRef),
        );
        columns.extend(
            self.buckets
                .iter_mut()
                .map(|b| Arc::new(b.finish()) as ArrayRef),
        );
        self.len = 0;
        RecordBatch::try_new(Arc::clone(&self.schema), columns)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_hosts_drop_the_port() {
        assert_eq!(client_host("10.0.0.1:53211"), "10.0.0.1");
        assert_eq!(client_host("[::1]:9042"), "::1");
        assert_eq!(client_host("somehost"), "somehost");
        assert_eq!(client_host("/10.0.0.1:5555"), "10.0.0.1");
        assert_eq!(client_host("::1"), "::1");
    }

    #[test]
    fn schema_has_the_documented_columns() {
        let schema = flows_schema();
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        assert_eq!(names.len(), 19);
        assert_eq!(names[0], "window_start");
        assert_eq!(names[11], "count");
        assert_eq!(names[16], "latency_max_us");
        assert_eq!(names[18], "latency_bucket_count");
    }
}
