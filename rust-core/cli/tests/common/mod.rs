//! Test helpers: temporary lineage directories in the hive layout. Lineage files are written through the
//! core's writer ([`core_writer`]); only files that are not what today's core writes (an older lineage,
//! another schema version, old `agent_stats` counters) are written with a hand-made Arrow schema.

#![allow(dead_code)]

pub mod core_lineage;

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use arrow::array::{
    ArrayRef, Int32Array, Int64Array, ListBuilder, StringArray, StringBuilder,
    TimestampMicrosecondArray,
};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowWriter;

pub mod core_writer;

use cdflow_core::enrich::consistency::consistency_name;
use cdflow_core::tables::LineageTable;
use core_writer::V;

/// Runs the `cdflow` binary built for these tests.
pub fn cdflow(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cdflow"))
        .args(args)
        .output()
        .expect("the cdflow binary runs")
}

/// Process output as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A fresh directory under the system temp dir (`cdflow-cli-<name>-…`), removed on drop.
pub struct TempDir(tempfile::TempDir);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        let dir = tempfile::Builder::new()
            .prefix(&format!("cdflow-cli-{name}-"))
            .tempdir()
            .unwrap();
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        self.0.path()
    }
}

/// 2026-11-25T14:00:00Z in µs.
pub const T0: i64 = 1_795_615_200_000_000;

/// One `events` row.
#[derive(Debug, Clone, Default)]
pub struct Event {
    pub time: i64,
    pub node: &'static str,
    pub kind: &'static str,
    pub keyspace: &'static str,
    pub table: &'static str,
    pub user: Option<&'static str>,
    pub client: Option<&'static str>,
    pub coordinator: Option<&'static str>,
    pub bytes: Option<i64>,
    pub rows: Option<i32>,
    pub tombstones: Option<i32>,
    pub latency_us: Option<i64>,
    pub applied_locally: Option<bool>,
    pub partition_key_hash: Option<i64>,
    pub write_timestamp: Option<i64>,
    pub message_id: Option<i64>,
    pub statement_type: Option<&'static str>,
    pub consistency: Option<&'static str>,
    pub cells: Option<i32>,
    pub ttl_cells: Option<i32>,
    pub batch_id: Option<&'static str>,
    pub batch_partitions: Option<i32>,
    pub range_scan: Option<bool>,
    pub tombstones_scanned: Option<i32>,
    pub cas_applied: Option<bool>,
    pub paxos_attempts: Option<i32>,
    pub counter_write: Option<bool>,
    pub rows_returned: Option<i32>,
    pub team: Option<&'static str>,
    pub identity_kind: Option<&'static str>,
}

/// A client write coordinated by `node` and its replica rows on `replicas` (the coordinator's own
/// replica applied locally, the others from the network).
pub fn write_flow(
    time: i64,
    user: Option<&'static str>,
    client: &'static str,
    coordinator: &'static str,
    replicas: &[&'static str],
    (keyspace, table): (&'static str, &'static str),
    key: i64,
) -> Vec<Event> {
    let mut events = vec![Event {
        time,
        node: coordinator,
        kind: "coordinator_write",
        keyspace,
        table,
        user,
        client: Some(client),
        coordinator: Some(coordinator),
        bytes: Some(100),
        rows: Some(1),
        tombstones: Some(0),
        latency_us: Some(1000 + key),
        partition_key_hash: Some(key),
        write_timestamp: Some(time),
        ..Event::default()
    }];
    for &replica in replicas {
        let local = replica == coordinator;
        events.push(Event {
            time: time + 10,
            node: replica,
            kind: "replica_write",
            keyspace,
            table,
            user: if local { user } else { None },
            client: if local { Some(client) } else { None },
            coordinator: Some(coordinator),
            bytes: Some(90),
            rows: Some(1),
            tombstones: Some(0),
            latency_us: if local { None } else { Some(300) },
            applied_locally: Some(local),
            partition_key_hash: Some(key),
            write_timestamp: Some(time),
            message_id: if local { None } else { Some(key * 10) },
            ..Event::default()
        });
    }
    events
}

/// A client read coordinated by `coordinator` and served by `replica`.
pub fn read_flow(
    time: i64,
    user: &'static str,
    coordinator: &'static str,
    replica: &'static str,
    (keyspace, table): (&'static str, &'static str),
    key: i64,
) -> Vec<Event> {
    vec![
        Event {
            time,
            node: coordinator,
            kind: "coordinator_read",
            keyspace,
            table,
            user: Some(user),
            client: Some("10.9.9.9:5000"),
            coordinator: Some(coordinator),
            latency_us: Some(2000),
            partition_key_hash: Some(key),
            rows_returned: Some(1), // a SELECT's read (one without it is an LWT's condition read)
            ..Event::default()
        },
        Event {
            time: time + 5,
            node: replica,
            kind: "replica_read",
            keyspace,
            table,
            coordinator: Some(coordinator),
            applied_locally: Some(replica == coordinator),
            partition_key_hash: Some(key),
            ..Event::default()
        },
    ]
}

/// The Parquet file path of `table` for `node` under `lineage`.
pub fn part_path(lineage: &Path, table: &str, node: &str, name: &str) -> PathBuf {
    let dir = lineage
        .join(table)
        .join(format!("node={node}"))
        .join("date=2026-11-25");
    fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn write_batch(path: &Path, columns: Vec<(&str, ArrayRef)>) {
    let fields: Vec<Field> = columns
        .iter()
        .map(|(name, array)| Field::new(*name, array.data_type().clone(), true))
        .collect();
    let schema = Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new(
        schema.clone(),
        columns.into_iter().map(|(_, a)| a).collect(),
    )
    .unwrap();
    let mut writer = ArrowWriter::try_new(File::create(path).unwrap(), schema, None).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
}

fn strings(values: impl Iterator<Item = Option<&'static str>>) -> ArrayRef {
    Arc::new(values.collect::<StringArray>())
}

/// The fields of `event`, by column name, for [`core_writer::write_file`] (`partition_key_hash` `k` is
/// sent as the partition key [`core_writer::key_bytes`]`(k)`: the file holds
/// [`core_writer::key_hash`]`(k)`; `team` and `identity_kind` come from the identity map of
/// [`identity_map_of`]).
fn fields_of(event: &Event) -> Vec<(&'static str, V)> {
    let mut fields = vec![
        ("event_time", V::I(event.time)),
        ("node", V::S(event.node)),
        ("kind", V::S(event.kind)),
        ("keyspace_name", V::S(event.keyspace)),
        ("table_name", V::S(event.table)),
    ];
    let texts = [
        ("user_name", event.user),
        ("client_address", event.client),
        ("coordinator", event.coordinator),
        ("statement_type", event.statement_type),
        ("batch_id", event.batch_id),
    ];
    let numbers = [
        ("bytes", event.bytes),
        ("rows", event.rows.map(i64::from)),
        ("tombstones", event.tombstones.map(i64::from)),
        ("latency_us", event.latency_us),
        ("write_timestamp", event.write_timestamp),
        ("message_id", event.message_id),
        ("cells", event.cells.map(i64::from)),
        ("ttl_cells", event.ttl_cells.map(i64::from)),
        ("batch_partitions", event.batch_partitions.map(i64::from)),
        (
            "tombstones_scanned",
            event.tombstones_scanned.map(i64::from),
        ),
        ("paxos_attempts", event.paxos_attempts.map(i64::from)),
        ("rows_returned", event.rows_returned.map(i64::from)),
        ("consistency", event.consistency.map(consistency_code)),
    ];
    let flags = [
        ("applied_locally", event.applied_locally),
        ("range_scan", event.range_scan),
        ("cas_applied", event.cas_applied),
        ("counter_write", event.counter_write),
    ];
    fields.extend(
        texts
            .into_iter()
            .filter_map(|(name, v)| Some((name, V::S(v?)))),
    );
    fields.extend(
        numbers
            .into_iter()
            .filter_map(|(name, v)| Some((name, V::I(v?)))),
    );
    fields.extend(
        flags
            .into_iter()
            .filter_map(|(name, v)| Some((name, V::B(v?)))),
    );
    if let Some(key) = event.partition_key_hash {
        fields.push(("partition_key", V::Bytes(core_writer::key_bytes(key))));
    }
    fields
}

/// The protocol code of a consistency level's name (the core writes the name).
fn consistency_code(name: &str) -> i64 {
    (0..=u8::MAX)
        .find(|code| consistency_name(*code).as_deref() == Some(name))
        .map(i64::from)
        .unwrap_or_else(|| panic!("no consistency level {name}"))
}

/// The identity map giving each event's `user_name` its `team` and `identity_kind`.
fn identity_map_of(events: &[Event]) -> Option<String> {
    let mut roles = std::collections::BTreeMap::new();
    for event in events {
        if event.team.is_none() && event.identity_kind.is_none() {
            continue;
        }
        let user = event.user.expect("an identity belongs to a user_name");
        let entry = format!(
            "{{team: {}, kind: {}}}",
            event.team.unwrap_or("null"),
            event.identity_kind.unwrap_or("null")
        );
        let before = roles.insert(user, entry.clone());
        assert!(
            before.is_none_or(|before| before == entry),
            "{user}: two identities"
        );
    }
    (!roles.is_empty()).then(|| {
        let lines: Vec<String> = roles
            .iter()
            .map(|(user, entry)| format!("  {user}: {entry}\n"))
            .collect();
        format!("roles:\n{}", lines.concat())
    })
}

/// Writes `events` into one file per node under `lineage`, through the core's writer
/// ([`core_writer::write_file`]).
pub fn write_events(lineage: &Path, events: &[Event]) {
    let mut nodes: Vec<&str> = events.iter().map(|e| e.node).collect();
    nodes.sort();
    nodes.dedup();
    let identity_map = identity_map_of(events);
    for node in nodes {
        let rows: Vec<Vec<(&'static str, V)>> = events
            .iter()
            .filter(|e| e.node == node)
            .map(fields_of)
            .collect();
        let path = part_path(lineage, "events", node, "part-20261125T140000Z-1-0.parquet");
        core_writer::write_file(&path, LineageTable::Events, identity_map.as_deref(), &rows);
    }
}

fn ints(values: impl Iterator<Item = Option<i32>>) -> ArrayRef {
    Arc::new(values.collect::<Int32Array>())
}

/// Writes a Parquet file whose key-value metadata claims lineage schema `version`.
pub fn write_versioned_events(lineage: &Path, version: &str) {
    use parquet::file::metadata::KeyValue;
    use parquet::file::properties::WriterProperties;
    let path = part_path(lineage, "events", "n1", "part-20261125T140000Z-3-0.parquet");
    let columns: Vec<ArrayRef> = ["coordinator_write", "ks", "t"]
        .into_iter()
        .map(|value| Arc::new(StringArray::from(vec![value])) as ArrayRef)
        .collect();
    let schema = Arc::new(Schema::new(
        ["kind", "keyspace_name", "table_name"]
            .into_iter()
            .map(|name| Field::new(name, DataType::Utf8, true))
            .collect::<Vec<_>>(),
    ));
    let batch = RecordBatch::try_new(schema.clone(), columns).unwrap();
    let properties = WriterProperties::builder()
        .set_key_value_metadata(Some(vec![KeyValue::new(
            "cdflow.schema_version".to_string(),
            version.to_string(),
        )]))
        .build();
    let mut writer =
        ArrowWriter::try_new(File::create(path).unwrap(), schema, Some(properties)).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
}

/// Writes `events` with only the first columns of the schema (an older lineage).
pub fn write_minimal_events(lineage: &Path, node: &'static str, events: &[Event]) {
    let path = part_path(lineage, "events", node, "part-20261125T140000Z-2-0.parquet");
    write_batch(
        &path,
        vec![
            ("kind", strings(events.iter().map(|e| Some(e.kind)))),
            (
                "keyspace_name",
                strings(events.iter().map(|e| Some(e.keyspace))),
            ),
            ("table_name", strings(events.iter().map(|e| Some(e.table)))),
            ("user_name", strings(events.iter().map(|e| e.user))),
        ],
    );
}

fn string_lists(lists: &[Vec<&str>]) -> ArrayRef {
    let mut builder = ListBuilder::new(StringBuilder::new())
        .with_field(Arc::new(Field::new_list_field(DataType::Utf8, false)));
    for list in lists {
        for item in list {
            builder.values().append_value(item);
        }
        builder.append(true);
    }
    Arc::new(builder.finish())
}

/// Writes one flush of `keyspace.table` on `node` producing `outputs` (with a NULL `node`: the reader
/// takes the node from the path).
pub fn write_flush(
    lineage: &Path,
    node: &str,
    keyspace: &'static str,
    table: &'static str,
    outputs: &[&str],
) {
    let path = part_path(
        lineage,
        "flushes",
        node,
        "part-20261125T140000Z-1-1.parquet",
    );
    let flush = vec![
        ("event_time", V::I(T0 + 1_000_000)),
        ("keyspace_name", V::S(keyspace)),
        ("table_name", V::S(table)),
        ("flush_id", V::S("f-1")),
        ("output_sstables", V::L(leaked(outputs))),
        ("bytes_out", V::I(4096)),
    ];
    core_writer::write_file(&path, LineageTable::Flushes, None, &[flush]);
}

/// Writes one compaction of `keyspace.table` on `node`.
pub fn write_compaction(
    lineage: &Path,
    node: &str,
    keyspace: &'static str,
    table: &'static str,
    inputs: &[&str],
    outputs: &[&str],
) {
    let path = part_path(
        lineage,
        "compactions",
        node,
        "part-20261125T140000Z-1-2.parquet",
    );
    let compaction = vec![
        ("event_time", V::I(T0 + 2_000_000)),
        ("node", V::S(node_static(node))),
        ("keyspace_name", V::S(keyspace)),
        ("table_name", V::S(table)),
        ("input_sstables", V::L(leaked(inputs))),
        ("output_sstables", V::L(leaked(outputs))),
        ("bytes_in", V::I(8192)),
        ("bytes_out", V::I(6000)),
        ("duration_us", V::I(250_000)),
    ];
    core_writer::write_file(&path, LineageTable::Compactions, None, &[compaction]);
}

/// `items` for the life of the test.
fn leaked(items: &[&str]) -> Vec<&'static str> {
    items.iter().map(|item| node_static(item)).collect()
}

fn node_static(node: &str) -> &'static str {
    Box::leak(node.to_string().into_boxed_str())
}

/// Every visible `.parquet` file below `dir`, sorted.
#[allow(dead_code)] // not every test binary uses it
pub fn parquet_files_below(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(&next).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "parquet") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// One `agent_stats` row: its times and the counters that are not 0.
#[derive(Debug, Clone, Default)]
pub struct StatsRow {
    pub stats_time: i64,
    pub agent_start_time: i64,
    pub counters: Vec<(&'static str, i64)>,
}

/// The counter columns of `agent_stats` written by cores before the loss causes were split (docs/schema.md).
pub const OLD_AGENT_STATS_COUNTERS: [&str; 10] = [
    "agent_events_seen",
    "agent_dropped",
    "offered",
    "accepted",
    "dropped_queue_full",
    "rejected",
    "skipped_records",
    "written",
    "files",
    "skipped_fields",
];

/// Writes `rows` of `node` as one `agent_stats` file named `name`, with the counter columns `columns` (a
/// counter a row does not name is 0).
pub fn write_agent_stats(
    lineage: &Path,
    node: &'static str,
    name: &str,
    columns: &[&'static str],
    rows: &[StatsRow],
) {
    let path = part_path(lineage, "agent_stats", node, name);
    let times = |get: fn(&StatsRow) -> i64| -> ArrayRef {
        Arc::new(TimestampMicrosecondArray::from(
            rows.iter().map(get).collect::<Vec<_>>(),
        ))
    };
    let mut all: Vec<(&str, ArrayRef)> = vec![
        ("stats_time", times(|row| row.stats_time)),
        ("node", strings(rows.iter().map(|_| Some(node)))),
        ("agent_start_time", times(|row| row.agent_start_time)),
    ];
    for column in columns {
        let values: Vec<i64> = rows
            .iter()
            .map(|row| {
                row.counters
                    .iter()
                    .find(|(name, _)| name == column)
                    .map_or(0, |(_, value)| *value)
            })
            .collect();
        all.push((column, Arc::new(Int64Array::from(values))));
    }
    write_batch(&path, all);
}
