//! Test helpers: temporary lineage directories written with the parquet crate's ArrowWriter, in the
//! hive layout and with the column names and types of docs/schema.md.

#![allow(dead_code)]

pub mod core_lineage;

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanArray, Int32Array, Int64Array, ListBuilder, StringArray, StringBuilder,
    TimestampMicrosecondArray,
};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowWriter;

pub mod core_writer;

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

/// Writes `events` (all columns read by cdflow) into one file per node under `lineage`.
pub fn write_events(lineage: &Path, events: &[Event]) {
    let mut nodes: Vec<&str> = events.iter().map(|e| e.node).collect();
    nodes.sort();
    nodes.dedup();
    for node in nodes {
        let rows: Vec<&Event> = events.iter().filter(|e| e.node == node).collect();
        let path = part_path(lineage, "events", node, "part-20261125T140000Z-1-0.parquet");
        write_batch(
            &path,
            vec![
                (
                    "event_time",
                    Arc::new(TimestampMicrosecondArray::from(
                        rows.iter().map(|e| e.time).collect::<Vec<_>>(),
                    )),
                ),
                ("node", strings(rows.iter().map(|e| Some(e.node)))),
                ("kind", strings(rows.iter().map(|e| Some(e.kind)))),
                (
                    "keyspace_name",
                    strings(rows.iter().map(|e| Some(e.keyspace))),
                ),
                ("table_name", strings(rows.iter().map(|e| Some(e.table)))),
                (
                    "partition_key_hash",
                    Arc::new(
                        rows.iter()
                            .map(|e| e.partition_key_hash)
                            .collect::<Int64Array>(),
                    ),
                ),
                ("user_name", strings(rows.iter().map(|e| e.user))),
                ("client_address", strings(rows.iter().map(|e| e.client))),
                (
                    "bytes",
                    Arc::new(rows.iter().map(|e| e.bytes).collect::<Int64Array>()),
                ),
                (
                    "rows",
                    Arc::new(rows.iter().map(|e| e.rows).collect::<Int32Array>()),
                ),
                (
                    "tombstones",
                    Arc::new(rows.iter().map(|e| e.tombstones).collect::<Int32Array>()),
                ),
                ("coordinator", strings(rows.iter().map(|e| e.coordinator))),
                (
                    "message_id",
                    Arc::new(rows.iter().map(|e| e.message_id).collect::<Int64Array>()),
                ),
                (
                    "latency_us",
                    Arc::new(rows.iter().map(|e| e.latency_us).collect::<Int64Array>()),
                ),
                (
                    "applied_locally",
                    Arc::new(
                        rows.iter()
                            .map(|e| e.applied_locally)
                            .collect::<BooleanArray>(),
                    ),
                ),
                (
                    "write_timestamp",
                    Arc::new(
                        rows.iter()
                            .map(|e| e.write_timestamp)
                            .collect::<Int64Array>(),
                    ),
                ),
                (
                    "statement_type",
                    strings(rows.iter().map(|e| e.statement_type)),
                ),
                ("consistency", strings(rows.iter().map(|e| e.consistency))),
                ("cells", ints(rows.iter().map(|e| e.cells))),
                ("ttl_cells", ints(rows.iter().map(|e| e.ttl_cells))),
                ("batch_id", strings(rows.iter().map(|e| e.batch_id))),
                (
                    "batch_partitions",
                    ints(rows.iter().map(|e| e.batch_partitions)),
                ),
                (
                    "range_scan",
                    Arc::new(rows.iter().map(|e| e.range_scan).collect::<BooleanArray>()),
                ),
                (
                    "tombstones_scanned",
                    ints(rows.iter().map(|e| e.tombstones_scanned)),
                ),
                (
                    "cas_applied",
                    Arc::new(rows.iter().map(|e| e.cas_applied).collect::<BooleanArray>()),
                ),
                (
                    "paxos_attempts",
                    ints(rows.iter().map(|e| e.paxos_attempts)),
                ),
                (
                    "counter_write",
                    Arc::new(
                        rows.iter()
                            .map(|e| e.counter_write)
                            .collect::<BooleanArray>(),
                    ),
                ),
                ("rows_returned", ints(rows.iter().map(|e| e.rows_returned))),
                ("team", strings(rows.iter().map(|e| e.team))),
                (
                    "identity_kind",
                    strings(rows.iter().map(|e| e.identity_kind)),
                ),
            ],
        );
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

/// Writes one flush of `keyspace.table` on `node` producing `outputs` (without a `node` column: the
/// reader takes the node from the path).
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
    write_batch(
        &path,
        vec![
            (
                "event_time",
                Arc::new(TimestampMicrosecondArray::from(vec![T0 + 1_000_000])),
            ),
            ("keyspace_name", strings([Some(keyspace)].into_iter())),
            ("table_name", strings([Some(table)].into_iter())),
            ("flush_id", strings([Some("f-1")].into_iter())),
            ("output_sstables", string_lists(&[outputs.to_vec()])),
            ("bytes_out", Arc::new(Int64Array::from(vec![4096]))),
        ],
    );
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
    write_batch(
        &path,
        vec![
            (
                "event_time",
                Arc::new(TimestampMicrosecondArray::from(vec![T0 + 2_000_000])),
            ),
            ("node", strings([Some(node_static(node))].into_iter())),
            ("keyspace_name", strings([Some(keyspace)].into_iter())),
            ("table_name", strings([Some(table)].into_iter())),
            ("input_sstables", string_lists(&[inputs.to_vec()])),
            ("output_sstables", string_lists(&[outputs.to_vec()])),
            ("bytes_in", Arc::new(Int64Array::from(vec![8192]))),
            ("bytes_out", Arc::new(Int64Array::from(vec![6000]))),
            ("duration_us", Arc::new(Int64Array::from(vec![250_000]))),
        ],
    );
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
