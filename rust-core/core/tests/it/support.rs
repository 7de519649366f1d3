//! Test helpers: the shared wire vectors encoded through the test kit's batch builder
//! (`cdflow_testkit::batch`), temporary directories and a Parquet reader that turns `events` files back
//! into comparable rows.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::Duration;

use arrow::array::cast::AsArray;
use arrow::array::{Array, RecordBatch};
use arrow::datatypes::{DataType, Int32Type, Int64Type, TimeUnit, TimestampMicrosecondType};
use cdflow_core::CoreConfig;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde::Deserialize;

pub use cdflow_testkit::batch::{batch, record, string_def};
use cdflow_testkit::batch::{mutation_event, tagged_event};
use cdflow_testkit::fields::{
    bool_field, bytes_field, i64_field, str_field, text_field, text_list_field,
};
use cdflow_testkit::mutation_event::MutationFixed;

/// One case of tests/vectors/wire-v1.json.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub name: String,
    pub hex: String,
    #[serde(default)]
    pub strings: BTreeMap<u32, String>,
    #[serde(default)]
    pub events: Vec<VectorRecord>,
    pub error: Option<String>,
}

impl Case {
    pub fn bytes(&self) -> Vec<u8> {
        from_hex(&self.hex)
    }

    /// Event `index`, which must be a MUTATION_EVENT.
    pub fn mutation(&self, index: usize) -> &VectorEvent {
        match self.events.get(index) {
            Some(VectorRecord::Mutation(event)) => event,
            other => panic!("{}: event {index} is not a mutation: {other:?}", self.name),
        }
    }

    /// True if every event is a MUTATION_EVENT.
    pub fn only_mutations(&self) -> bool {
        self.events
            .iter()
            .all(|event| matches!(event, VectorRecord::Mutation(_)))
    }

    /// The text of string id `id` in this case (`None` for 0).
    pub fn text(&self, id: u32) -> Option<&str> {
        if id == 0 {
            return None;
        }
        Some(
            self.strings
                .get(&id)
                .unwrap_or_else(|| panic!("{}: id {id} not in strings", self.name)),
        )
    }
}

/// One event of a vector: a tagged event or a mutation event.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum VectorRecord {
    Tagged(VectorTagged),
    Mutation(VectorEvent),
}

impl VectorRecord {
    /// The record (header included).
    pub fn encode(&self) -> Vec<u8> {
        match self {
            VectorRecord::Tagged(event) => event.encode(),
            VectorRecord::Mutation(event) => event.encode(),
        }
    }
}

/// `[id, type, value]`: BYTES as hex, TEXT_LIST as a list, STR as a string id.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct VectorField(pub u8, pub u8, pub serde_json::Value);

impl VectorField {
    /// `id | type | value`, appended to `out`.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        let VectorField(id, field_type, value) = self;
        match field_type {
            1 => i64_field(out, *id, value.as_i64().expect("I64")),
            2 => str_field(out, *id, value.as_u64().expect("STR") as u32),
            3 => bool_field(out, *id, value.as_bool().expect("BOOL")),
            4 => bytes_field(out, *id, &from_hex(value.as_str().expect("BYTES"))),
            5 => text_field(out, *id, value.as_str().expect("TEXT")),
            6 => {
                let items: Vec<&str> = value
                    .as_array()
                    .expect("TEXT_LIST")
                    .iter()
                    .map(|item| item.as_str().expect("TEXT_LIST item"))
                    .collect();
                text_list_field(out, *id, &items);
            }
            other => panic!("unknown field type {other}"),
        }
    }
}

/// The encoded `fields`, in order.
fn encode_fields(fields: &[VectorField]) -> Vec<u8> {
    let mut out = Vec::new();
    for field in fields {
        field.encode_into(&mut out);
    }
    out
}

/// A TAGGED_EVENT as the vectors describe it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VectorTagged {
    pub tagged: String,
    pub fields: Vec<VectorField>,
}

impl VectorTagged {
    /// The TAGGED_EVENT record (header included).
    pub fn encode(&self) -> Vec<u8> {
        let table = match self.tagged.as_str() {
            "events" => 1,
            "flushes" => 2,
            "compactions" => 3,
            "sstables" => 4,
            "auth_events" => 5,
            other => panic!("unknown table {other}"),
        };
        tagged_event(table, &encode_fields(&self.fields))
    }
}

/// A mutation event as the vectors describe it: string fields are ids into `Case::strings`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VectorEvent {
    pub event_time_us: i64,
    pub kind: String,
    pub consistency_code: u8,
    pub flags: u16,
    pub node: u32,
    pub keyspace: u32,
    pub table: u32,
    pub user: u32,
    pub client_address: u32,
    pub driver_name: u32,
    pub driver_version: u32,
    pub statement_type: u32,
    pub coordinator: u32,
    pub error: u32,
    pub token: i64,
    pub message_id: i64,
    pub latency_us: i64,
    pub bytes: u32,
    pub rows: u32,
    pub cells: u32,
    pub tombstones: u32,
    pub ttl_cells: u32,
    pub replicas: u16,
    pub key_hex: String,
    #[serde(default)]
    pub extension: Vec<VectorField>,
}

impl VectorEvent {
    /// The MUTATION_EVENT record (header included).
    pub fn encode(&self) -> Vec<u8> {
        let key = from_hex(&self.key_hex);
        let kind: u8 = match self.kind.as_str() {
            "coordinator_write" => 1,
            "replica_write" => 2,
            other => panic!("unknown kind {other}"),
        };
        let fixed = MutationFixed {
            event_time_us: self.event_time_us,
            kind,
            consistency: self.consistency_code,
            flags: self.flags,
            node: self.node,
            keyspace: self.keyspace,
            table: self.table,
            user: self.user,
            client_address: self.client_address,
            driver_name: self.driver_name,
            driver_version: self.driver_version,
            statement_type: self.statement_type,
            coordinator: self.coordinator,
            error: self.error,
            token: self.token,
            message_id: self.message_id,
            latency_us: self.latency_us,
            bytes: self.bytes,
            rows: self.rows,
            cells: self.cells,
            tombstones: self.tombstones,
            ttl_cells: self.ttl_cells,
            replicas: self.replicas,
        };
        mutation_event(&fixed, &key, &encode_fields(&self.extension))
    }
}

/// How long a test lets a pipeline shut down.
pub const SHUTDOWN: Duration = Duration::from_secs(30);

/// Options of a pipeline writing to `<dir>/lineage` that neither rolls files nor writes `agent_stats`
/// during a test (both at shutdown).
pub fn config(dir: &TempDir) -> CoreConfig {
    let mut config = CoreConfig::new(dir.path().join("lineage"));
    config.roll_seconds = 3600;
    config.stats_seconds = 3600;
    config
}

/// The valid vector named `name` (or, failing that, the first whose name starts with it).
pub fn case(name: &str) -> Case {
    let cases = valid_cases();
    let exact = cases.iter().position(|case| case.name == name);
    let index = exact
        .or_else(|| cases.iter().position(|case| case.name.starts_with(name)))
        .unwrap_or_else(|| panic!("no vector {name:?}"));
    cases.into_iter().nth(index).unwrap()
}

/// All cases of the shared vectors.
pub fn load_cases() -> Vec<Case> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/vectors/wire-v1.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The valid cases only.
pub fn valid_cases() -> Vec<Case> {
    load_cases()
        .into_iter()
        .filter(|case| case.error.is_none())
        .collect()
}

pub fn from_hex(hex: &str) -> Vec<u8> {
    assert!(hex.len().is_multiple_of(2), "odd hex length");
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex digit"))
        .collect()
}

pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// A batch defining every string of `case` and holding its events `copies` times.
pub fn repeated_batch(case: &Case, copies: usize) -> (Vec<u8>, u32) {
    let mut records: Vec<Vec<u8>> = case
        .strings
        .iter()
        .map(|(id, text)| string_def(*id, text))
        .collect();
    for _ in 0..copies {
        records.extend(case.events.iter().map(VectorRecord::encode));
    }
    (batch(&records), (case.events.len() * copies) as u32)
}

/// A fresh directory under the system temp dir (`cdflow-it-<label>-…`), removed on drop.
pub struct TempDir(tempfile::TempDir);

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        let dir = tempfile::Builder::new()
            .prefix(&format!("cdflow-it-{label}-"))
            .tempdir()
            .expect("create temp dir");
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        self.0.path()
    }
}

/// Every file below `dir`, recursively, sorted.
pub fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(next) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&next) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Every completed `.parquet` file below `dir`.
pub fn parquet_files(dir: &Path) -> Vec<PathBuf> {
    files_below(dir)
        .into_iter()
        .filter(|path| path.extension().is_some_and(|ext| ext == "parquet"))
        .collect()
}

/// Every record batch of one Parquet file.
pub fn read_batches(path: &Path) -> Vec<RecordBatch> {
    let file = File::open(path).expect("open parquet");
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .expect("parquet metadata")
        .build()
        .expect("reader");
    reader.map(|batch| batch.expect("record batch")).collect()
}

/// A row of `events` with every column, for comparisons.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct EventRow {
    pub event_time: i64,
    pub node: Option<String>,
    pub kind: String,
    pub keyspace_name: Option<String>,
    pub table_name: Option<String>,
    pub token: i64,
    pub partition_key_hash: i64,
    pub partition_key_hex: Option<String>,
    pub user_name: Option<String>,
    pub client_address: Option<String>,
    pub driver_name: Option<String>,
    pub driver_version: Option<String>,
    pub statement_type: Option<String>,
    pub consistency: Option<String>,
    pub bytes: i64,
    pub rows: i32,
    pub cells: i32,
    pub tombstones: i32,
    pub ttl_cells: i32,
    pub replicas: i32,
    pub coordinator: Option<String>,
    pub message_id: Option<i64>,
    pub latency_us: Option<i64>,
    pub applied_locally: bool,
    pub error: Option<String>,
}

/// Reads every row of `events` files below `dir`.
pub fn read_event_rows(dir: &Path) -> Vec<EventRow> {
    let mut rows = Vec::new();
    for path in parquet_files(dir) {
        for batch in read_batches(&path) {
            rows.extend(event_rows_of(&batch));
        }
    }
    rows
}

fn event_rows_of(batch: &RecordBatch) -> Vec<EventRow> {
    let text = |name: &str, row: usize| -> Option<String> {
        let column = batch
            .column_by_name(name)
            .unwrap_or_else(|| panic!("no column {name}"))
            .as_string::<i32>();
        column.is_valid(row).then(|| column.value(row).to_owned())
    };
    let big = |name: &str, row: usize| -> Option<i64> {
        let column = batch
            .column_by_name(name)
            .unwrap_or_else(|| panic!("no column {name}"));
        let column = column.as_primitive::<Int64Type>();
        column.is_valid(row).then(|| column.value(row))
    };
    let int = |name: &str, row: usize| -> i32 {
        batch
            .column_by_name(name)
            .unwrap_or_else(|| panic!("no column {name}"))
            .as_primitive::<Int32Type>()
            .value(row)
    };
    let times = batch
        .column_by_name("event_time")
        .expect("event_time")
        .as_primitive::<TimestampMicrosecondType>();
    let applied = batch
        .column_by_name("applied_locally")
        .expect("applied_locally")
        .as_boolean();
    let has_hex = batch.column_by_name("partition_key_hex").is_some();
    (0..batch.num_rows())
        .map(|row| EventRow {
            event_time: times.value(row),
            node: text("node", row),
            kind: text("kind", row).expect("kind"),
            keyspace_name: text("keyspace_name", row),
            table_name: text("table_name", row),
            token: big("token", row).expect("token"),
            partition_key_hash: big("partition_key_hash", row).expect("hash"),
            partition_key_hex: if has_hex {
                text("partition_key_hex", row)
            } else {
                None
            },
            user_name: text("user_name", row),
            client_address: text("client_address", row),
            driver_name: text("driver_name", row),
            driver_version: text("driver_version", row),
            statement_type: text("statement_type", row),
            consistency: text("consistency", row),
            bytes: big("bytes", row).expect("bytes"),
            rows: int("rows", row),
            cells: int("cells", row),
            tombstones: int("tombstones", row),
            ttl_cells: int("ttl_cells", row),
            replicas: int("replicas", row),
            coordinator: text("coordinator", row),
            message_id: big("message_id", row),
            latency_us: big("latency_us", row),
            applied_locally: applied.value(row),
            error: text("error", row),
        })
        .collect()
}

/// One value of any lineage column, for comparisons (timestamps and integers as `Int`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Cell {
    Null,
    Int(i64),
    Bool(bool),
    Text(String),
    List(Vec<String>),
}

/// `Cell::Text`.
pub fn text(value: &str) -> Cell {
    Cell::Text(value.to_owned())
}

/// A row of any lineage table: column name → value.
pub type Row = BTreeMap<String, Cell>;

/// Every row of every `.parquet` file below `dir`, whatever the table.
pub fn read_rows(dir: &Path) -> Vec<Row> {
    let mut rows = Vec::new();
    for path in parquet_files(dir) {
        for batch in read_batches(&path) {
            let schema = batch.schema();
            for row in 0..batch.num_rows() {
                rows.push(
                    schema
                        .fields()
                        .iter()
                        .zip(batch.columns())
                        .map(|(field, column)| (field.name().clone(), cell(column.as_ref(), row)))
                        .collect(),
                );
            }
        }
    }
    rows
}

fn cell(column: &dyn Array, row: usize) -> Cell {
    if column.is_null(row) {
        return Cell::Null;
    }
    match column.data_type() {
        DataType::Int32 => Cell::Int(i64::from(column.as_primitive::<Int32Type>().value(row))),
        DataType::Int64 => Cell::Int(column.as_primitive::<Int64Type>().value(row)),
        DataType::Timestamp(TimeUnit::Microsecond, None) => {
            Cell::Int(column.as_primitive::<TimestampMicrosecondType>().value(row))
        }
        DataType::Boolean => Cell::Bool(column.as_boolean().value(row)),
        DataType::Utf8 => Cell::Text(column.as_string::<i32>().value(row).to_owned()),
        DataType::List(_) => {
            let items = column.as_list::<i32>().value(row);
            // Lists of text (`events`) or of numbers (the latency buckets of `flows`), as text.
            Cell::List(match items.data_type() {
                DataType::Int64 => items
                    .as_primitive::<Int64Type>()
                    .iter()
                    .map(|item| item.expect("non-null item").to_string())
                    .collect(),
                _ => items
                    .as_string::<i32>()
                    .iter()
                    .map(|item| item.expect("non-null item").to_owned())
                    .collect(),
            })
        }
        other => panic!("unexpected column type {other}"),
    }
}
