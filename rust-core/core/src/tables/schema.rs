//! Arrow schemas of the lineage tables and of `agent_stats`, and their Parquet writer settings
//! (docs/schema.md). The lineage tables' columns are data ([`crate::tables`]); this module maps them
//! to Arrow.
//!
//! Invariants: column names, order and types are exactly those of docs/schema.md (columns are only ever
//! added); `partition_key_hex` exists only with `raw_keys=true`; timestamps are
//! `Timestamp(Microsecond, None)` so DuckDB reads them as TIMESTAMP; VARCHAR[] is `List<Utf8>` with
//! non-null items named `item`; files are zstd level 1.
//! Tuning follows the measurements: `event_time` and `message_id` use DELTA_BINARY_PACKED without a
//! dictionary, and unsorted low-cardinality (or random) strings carry no min/max statistics (they never
//! prune); the others carry row-group (chunk) statistics only, no page index: DuckDB prunes row groups
//! with them, and nothing that reads these files (DuckDB, the CLI's reader) uses page-level statistics.

use std::sync::Arc;

use arrow::datatypes::{DataType, Field, FieldRef, Schema, SchemaRef, TimeUnit};
use parquet::basic::{Compression, Encoding, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;

use crate::stats::{CounterField, counter};
use crate::tables::{Column, ColumnType, LineageTable};

/// Directory name of the events table under the lineage root.
pub const EVENTS_TABLE: &str = LineageTable::Events.name();
/// Directory name of the agent statistics table under the lineage root.
pub const AGENT_STATS_TABLE: &str = "agent_stats";

/// What a column of `agent_stats` holds.
#[derive(Debug, Clone, Copy)]
pub enum StatsColumn {
    /// `stats_time`: when the row was taken.
    StatsTime,
    /// `node`.
    Node,
    /// `agent_start_time`.
    AgentStartTime,
    /// A counter: the column is named after it and holds its value.
    Counter(CounterField),
    /// `hook_families`: the hook families the agent installed (NULL until it reported them).
    HookFamilies,
    /// `skipped_hook_families`: the families it skipped and why (NULL until reported; empty: none).
    SkippedHookFamilies,
}

impl StatsColumn {
    /// The column name.
    pub const fn name(&self) -> &'static str {
        match self {
            StatsColumn::StatsTime => "stats_time",
            StatsColumn::Node => "node",
            StatsColumn::AgentStartTime => "agent_start_time",
            StatsColumn::Counter(counter) => counter.name,
            StatsColumn::HookFamilies => "hook_families",
            StatsColumn::SkippedHookFamilies => "skipped_hook_families",
        }
    }

    /// Its type.
    pub const fn column_type(&self) -> ColumnType {
        match self {
            StatsColumn::StatsTime | StatsColumn::AgentStartTime => ColumnType::Timestamp,
            StatsColumn::Node | StatsColumn::HookFamilies | StatsColumn::SkippedHookFamilies => {
                ColumnType::Text
            }
            StatsColumn::Counter(_) => ColumnType::BigInt,
        }
    }
}

/// Columns of `agent_stats`, in order (docs/schema.md): every counter of
/// [`crate::stats::COUNTER_FIELDS`] once. New columns are appended.
pub const AGENT_STATS_COLUMNS: [StatsColumn; 24] = [
    StatsColumn::StatsTime,
    StatsColumn::Node,
    StatsColumn::AgentStartTime,
    StatsColumn::Counter(counter::AGENT_EVENTS_SEEN),
    StatsColumn::Counter(counter::AGENT_DROPPED),
    StatsColumn::Counter(counter::OFFERED),
    StatsColumn::Counter(counter::ACCEPTED),
    StatsColumn::Counter(counter::DROPPED_QUEUE_FULL),
    StatsColumn::Counter(counter::REJECTED),
    StatsColumn::Counter(counter::SKIPPED_RECORDS),
    StatsColumn::Counter(counter::WRITTEN),
    StatsColumn::Counter(counter::FILES),
    StatsColumn::Counter(counter::SKIPPED_FIELDS),
    StatsColumn::Counter(counter::DROPPED_WRITE_FAILED),
    StatsColumn::Counter(counter::DROPPED_DISK_BOUND),
    StatsColumn::Counter(counter::REMOVED_ROWS),
    StatsColumn::Counter(counter::REMOVED_FILES),
    StatsColumn::Counter(counter::RECOVERED_ROWS),
    StatsColumn::Counter(counter::AGENT_DROPPED_BUSY),
    StatsColumn::Counter(counter::AGENT_DROPPED_NOT_RUNNING),
    StatsColumn::Counter(counter::AGENT_DROPPED_SUBMIT_ERROR),
    StatsColumn::Counter(counter::AGENT_DROPPED_OTHER),
    StatsColumn::HookFamilies,
    StatsColumn::SkippedHookFamilies,
];

/// Unsorted low-cardinality (or random) string columns whose min/max statistics never prune anything.
/// A name that a table does not have is ignored for that table.
const NO_STATISTICS_COLUMNS: [&str; 26] = [
    "node",
    "kind",
    "keyspace_name",
    "table_name",
    "user_name",
    "client_address",
    "driver_name",
    "driver_version",
    "statement_type",
    "consistency",
    "coordinator",
    "partition_key_hex",
    "batch_id",
    "session_id",
    "trace_session_id",
    "owner",
    "team",
    "identity_kind",
    "external_identity",
    "hint_target",
    "forwarded_by",
    "flush_reason",
    "operation_type",
    "strategy",
    "origin",
    "outcome",
];

/// Integer columns written with DELTA_BINARY_PACKED and no dictionary (they follow the clock: each row is
/// close to the previous one).
const DELTA_COLUMNS: [&str; 3] = ["event_time", "message_id", "write_timestamp"];

/// Random 64-bit columns (hashes of partition keys) written PLAIN without dictionary or statistics: a
/// dictionary of up to a row group's distinct keys only costs hashing and pages that zstd squeezes less
/// than plain values, and min/max of random values never prune a row group.
const PLAIN_COLUMNS: [&str; 2] = ["token", "partition_key_hash"];

/// Zstd level of every file.
const ZSTD_LEVEL: i32 = 1;

/// The Arrow type of a column type.
pub fn arrow_type(column_type: ColumnType) -> DataType {
    match column_type {
        ColumnType::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, None),
        ColumnType::Text => DataType::Utf8,
        ColumnType::BigInt => DataType::Int64,
        ColumnType::Integer => DataType::Int32,
        ColumnType::Boolean => DataType::Boolean,
        ColumnType::TextList => DataType::List(list_item_field()),
    }
}

/// The item field of every VARCHAR[] column (the row builders use the same one).
pub fn list_item_field() -> FieldRef {
    Arc::new(Field::new_list_field(DataType::Utf8, false))
}

/// The columns of `table` written with this `raw_keys` setting, in file order.
pub fn written_columns(table: LineageTable, raw_keys: bool) -> Vec<Column> {
    table
        .columns()
        .iter()
        .filter(|column| raw_keys || !column.raw_keys_only())
        .copied()
        .collect()
}

/// The Arrow schema of `columns`.
pub fn columns_schema(columns: &[Column]) -> SchemaRef {
    let fields: Vec<Field> = columns
        .iter()
        .map(|column| {
            Field::new(
                column.name,
                arrow_type(column.column_type),
                column.nullable(),
            )
        })
        .collect();
    Arc::new(Schema::new(fields))
}

/// Schema of a lineage table; for `events` with `raw_keys`, `partition_key_hex` follows
/// `partition_key_hash`.
pub fn table_schema(table: LineageTable, raw_keys: bool) -> SchemaRef {
    columns_schema(&written_columns(table, raw_keys))
}

/// Schema of `events` (see [`table_schema`]).
pub fn events_schema(raw_keys: bool) -> SchemaRef {
    table_schema(LineageTable::Events, raw_keys)
}

/// Schema of `agent_stats` (no NULLs but in the hook family columns, NULL until the agent reported).
pub fn agent_stats_schema() -> SchemaRef {
    let fields: Vec<Field> = AGENT_STATS_COLUMNS
        .iter()
        .map(|column| {
            let nullable = matches!(
                column,
                StatsColumn::HookFamilies | StatsColumn::SkippedHookFamilies
            );
            Field::new(column.name(), arrow_type(column.column_type()), nullable)
        })
        .collect();
    Arc::new(Schema::new(fields))
}

/// Writer settings of lineage files: zstd 1, row groups of `row_group_rows`, tuned
/// encodings/statistics.
pub fn lineage_writer_properties(row_group_rows: usize) -> WriterProperties {
    let mut builder = WriterProperties::builder()
        .set_compression(Compression::ZSTD(zstd_level()))
        .set_statistics_enabled(EnabledStatistics::Chunk)
        .set_max_row_group_row_count(Some(row_group_rows.max(1)))
        .set_max_row_group_bytes(None)
        .set_key_value_metadata(Some(vec![schema_version()]));
    for column in DELTA_COLUMNS {
        builder = builder
            .set_column_dictionary_enabled(ColumnPath::from(column), false)
            .set_column_encoding(ColumnPath::from(column), Encoding::DELTA_BINARY_PACKED);
    }
    for column in PLAIN_COLUMNS {
        builder = builder
            .set_column_dictionary_enabled(ColumnPath::from(column), false)
            .set_column_encoding(ColumnPath::from(column), Encoding::PLAIN);
    }
    for column in NO_STATISTICS_COLUMNS.iter().chain(&PLAIN_COLUMNS) {
        builder = builder
            .set_column_statistics_enabled(ColumnPath::from(*column), EnabledStatistics::None);
    }
    builder.build()
}

/// Writer settings of `agent_stats` and `flows` files: zstd 1, row groups of `row_group_rows`,
/// defaults otherwise (few rows per file).
pub fn agent_stats_writer_properties(row_group_rows: usize) -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::ZSTD(zstd_level()))
        .set_max_row_group_row_count(Some(row_group_rows.max(1)))
        .set_key_value_metadata(Some(vec![schema_version()]))
        .build()
}

/// Key-value metadata key of every lineage file (docs/schema.md, "Schema version").
pub const SCHEMA_VERSION_KEY: &str = "cdflow.schema_version";
/// The version of docs/schema.md this core writes: columns are only ever added within a version.
pub const SCHEMA_VERSION: &str = "1";

fn schema_version() -> KeyValue {
    KeyValue::new(SCHEMA_VERSION_KEY.to_string(), SCHEMA_VERSION.to_string())
}

fn zstd_level() -> ZstdLevel {
    // Level 1 is always within zstd's range; the fallback only satisfies the type.
    ZstdLevel::try_new(ZSTD_LEVEL).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(column, type)` of every row of the `agent_stats` table in docs/schema.md.
    fn documented_agent_stats_columns() -> Vec<(String, String)> {
        let doc = include_str!("../../../../docs/schema.md");
        let section = doc
            .split("## `agent_stats`")
            .nth(1)
            .and_then(|rest| rest.split("\n## ").next())
            .expect("an agent_stats section in docs/schema.md");
        section
            .lines()
            .filter(|line| line.starts_with("| `"))
            .map(|line| {
                let cells: Vec<&str> = line.split('|').map(str::trim).collect();
                (cells[1].trim_matches('`').to_owned(), cells[2].to_owned())
            })
            .collect()
    }

    #[test]
    fn agent_stats_columns_are_those_of_the_docs() {
        let documented = documented_agent_stats_columns();
        let actual: Vec<(String, String)> = AGENT_STATS_COLUMNS
            .iter()
            .map(|column| {
                let duckdb = match column.column_type() {
                    ColumnType::Timestamp => "TIMESTAMP",
                    ColumnType::Text => "VARCHAR",
                    _ => "BIGINT",
                };
                (column.name().to_owned(), duckdb.to_owned())
            })
            .collect();
        assert_eq!(actual, documented);
        assert_eq!(
            names(&agent_stats_schema()),
            AGENT_STATS_COLUMNS
                .iter()
                .map(StatsColumn::name)
                .collect::<Vec<_>>()
        );
    }

    fn names(schema: &Schema) -> Vec<&str> {
        schema
            .fields()
            .iter()
            .map(|field| field.name().as_str())
            .collect()
    }

    #[test]
    fn every_file_is_stamped_with_the_schema_version() {
        for properties in [
            lineage_writer_properties(10),
            agent_stats_writer_properties(10),
        ] {
            let stamped = properties.key_value_metadata().cloned().unwrap_or_default();
            assert_eq!(stamped, vec![schema_version()]);
            assert_eq!(stamped[0].key, "cdflow.schema_version");
            assert_eq!(stamped[0].value.as_deref(), Some("1"));
        }
    }

    #[test]
    fn lineage_columns_carry_chunk_statistics_only_or_none() {
        let properties = lineage_writer_properties(10);
        let level = |name: &str| properties.statistics_enabled(&ColumnPath::from(name));
        assert_eq!(level("latency_us"), EnabledStatistics::Chunk);
        assert_eq!(level("event_time"), EnabledStatistics::Chunk);
        assert_eq!(level("token"), EnabledStatistics::None);
        assert_eq!(level("kind"), EnabledStatistics::None);
    }

    #[test]
    fn raw_key_column_only_with_raw_keys() {
        let plain = events_schema(false);
        let raw = events_schema(true);
        assert_eq!(plain.fields().len(), 61);
        assert_eq!(raw.fields().len(), 62);
        assert!(!names(&plain).contains(&"partition_key_hex"));
        assert_eq!(names(&raw)[7], "partition_key_hex");
        assert_eq!(names(&raw)[6], "partition_key_hash");
        assert_eq!(names(&plain)[24], "partition_tombstones");
        assert_eq!(names(&plain)[46], "hint_creation_time");
        assert_eq!(names(&plain)[47], "batchlog_id");
        assert_eq!(names(&plain)[56], "counter_write");
        assert_eq!(
            names(&plain)[57..],
            [
                "out_message_id",
                "coordinator_generation",
                "forwarded_by",
                "hint_bytes"
            ]
        );
    }

    #[test]
    fn timestamps_have_no_time_zone_and_lists_hold_text() {
        let schema = events_schema(false);
        let time = DataType::Timestamp(TimeUnit::Microsecond, None);
        for name in ["event_time", "hint_creation_time"] {
            assert_eq!(
                schema
                    .field_with_name(name)
                    .map(|f| f.data_type().clone())
                    .ok(),
                Some(time.clone())
            );
        }
        assert!(
            schema
                .fields()
                .iter()
                .skip(1)
                .all(|field| field.is_nullable())
        );
        assert!(!schema.fields()[0].is_nullable());
        assert_eq!(names(&agent_stats_schema())[0], "stats_time");
        assert_eq!(names(&agent_stats_schema())[12], "skipped_fields");
        let flushes = table_schema(LineageTable::Flushes, true);
        assert_eq!(
            flushes
                .field_with_name("output_sstables")
                .map(|f| f.data_type().clone())
                .ok(),
            Some(DataType::List(list_item_field()))
        );
        assert_eq!(
            table_schema(LineageTable::AuthEvents, true).fields().len(),
            11
        );
    }
}
