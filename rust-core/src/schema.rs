//! Arrow schemas of the two lineage tables and their Parquet writer settings (docs/schema.md).
//!
//! Invariants: column names, order and types are exactly those of docs/schema.md (columns are only ever
//! added); `partition_key_hex` exists only with `raw_keys=true`; timestamps are
//! `Timestamp(Microsecond, None)` so DuckDB reads them as TIMESTAMP; files are zstd level 1.
//! Tuning follows the measurements: `event_time` and `message_id` use DELTA_BINARY_PACKED without a
//! dictionary, and unsorted low-cardinality strings carry no min/max statistics (they never prune).

use std::sync::Arc;

use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use parquet::basic::{Compression, Encoding, ZstdLevel};
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;

/// Directory name of the events table under the lineage root.
pub const EVENTS_TABLE: &str = "events";
/// Directory name of the agent statistics table under the lineage root.
pub const AGENT_STATS_TABLE: &str = "agent_stats";

/// Columns of `events`, in order, with (type, nullable). `partition_key_hex` is inserted after
/// `partition_key_hash` when raw keys are enabled.
const EVENT_COLUMNS: [(&str, ColumnType, bool); 24] = [
    ("event_time", ColumnType::Timestamp, false),
    ("node", ColumnType::Text, true),
    ("kind", ColumnType::Text, false),
    ("keyspace_name", ColumnType::Text, true),
    ("table_name", ColumnType::Text, true),
    ("token", ColumnType::BigInt, false),
    ("partition_key_hash", ColumnType::BigInt, false),
    ("user_name", ColumnType::Text, true),
    ("client_address", ColumnType::Text, true),
    ("driver_name", ColumnType::Text, true),
    ("driver_version", ColumnType::Text, true),
    ("statement_type", ColumnType::Text, true),
    ("consistency", ColumnType::Text, true),
    ("bytes", ColumnType::BigInt, false),
    ("rows", ColumnType::Integer, false),
    ("cells", ColumnType::Integer, false),
    ("tombstones", ColumnType::Integer, false),
    ("ttl_cells", ColumnType::Integer, false),
    ("replicas", ColumnType::Integer, false),
    ("coordinator", ColumnType::Text, true),
    ("message_id", ColumnType::BigInt, true),
    ("latency_us", ColumnType::BigInt, true),
    ("applied_locally", ColumnType::Boolean, false),
    ("error", ColumnType::Text, true),
];

/// The optional raw-key column and the column it follows.
const RAW_KEY_COLUMN: &str = "partition_key_hex";
const RAW_KEY_AFTER: &str = "partition_key_hash";

/// Columns of `agent_stats`, in order.
const AGENT_STATS_COLUMNS: [(&str, ColumnType, bool); 12] = [
    ("stats_time", ColumnType::Timestamp, false),
    ("node", ColumnType::Text, false),
    ("agent_start_time", ColumnType::Timestamp, false),
    ("agent_events_seen", ColumnType::BigInt, false),
    ("agent_dropped", ColumnType::BigInt, false),
    ("offered", ColumnType::BigInt, false),
    ("accepted", ColumnType::BigInt, false),
    ("dropped_queue_full", ColumnType::BigInt, false),
    ("rejected", ColumnType::BigInt, false),
    ("skipped_records", ColumnType::BigInt, false),
    ("written", ColumnType::BigInt, false),
    ("files", ColumnType::BigInt, false),
];

/// Unsorted low-cardinality (or random) string columns whose min/max statistics never prune anything.
const NO_STATISTICS_COLUMNS: [&str; 12] = [
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
    RAW_KEY_COLUMN,
];

/// Integer columns written with DELTA_BINARY_PACKED and no dictionary.
const DELTA_COLUMNS: [&str; 2] = ["event_time", "message_id"];

/// Zstd level of every file.
const ZSTD_LEVEL: i32 = 1;

#[derive(Clone, Copy)]
enum ColumnType {
    Timestamp,
    Text,
    BigInt,
    Integer,
    Boolean,
}

impl ColumnType {
    fn arrow(self) -> DataType {
        match self {
            ColumnType::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, None),
            ColumnType::Text => DataType::Utf8,
            ColumnType::BigInt => DataType::Int64,
            ColumnType::Integer => DataType::Int32,
            ColumnType::Boolean => DataType::Boolean,
        }
    }
}

/// Schema of `events`; with `raw_keys`, `partition_key_hex` follows `partition_key_hash`.
pub fn events_schema(raw_keys: bool) -> SchemaRef {
    let mut fields = Vec::with_capacity(EVENT_COLUMNS.len() + 1);
    for (name, column_type, nullable) in EVENT_COLUMNS {
        fields.push(Field::new(name, column_type.arrow(), nullable));
        if raw_keys && name == RAW_KEY_AFTER {
            fields.push(Field::new(RAW_KEY_COLUMN, DataType::Utf8, false));
        }
    }
    Arc::new(Schema::new(fields))
}

/// Schema of `agent_stats`.
pub fn agent_stats_schema() -> SchemaRef {
    let fields: Vec<Field> = AGENT_STATS_COLUMNS
        .iter()
        .map(|(name, column_type, nullable)| Field::new(*name, column_type.arrow(), *nullable))
        .collect();
    Arc::new(Schema::new(fields))
}

/// Writer settings of `events` files: zstd 1, row groups of `row_group_rows`, tuned encodings/statistics.
pub fn events_writer_properties(row_group_rows: usize) -> WriterProperties {
    let mut builder = WriterProperties::builder()
        .set_compression(Compression::ZSTD(zstd_level()))
        .set_max_row_group_row_count(Some(row_group_rows.max(1)))
        .set_max_row_group_bytes(None);
    for column in DELTA_COLUMNS {
        builder = builder
            .set_column_dictionary_enabled(ColumnPath::from(column), false)
            .set_column_encoding(ColumnPath::from(column), Encoding::DELTA_BINARY_PACKED);
    }
    for column in NO_STATISTICS_COLUMNS {
        builder = builder
            .set_column_statistics_enabled(ColumnPath::from(column), EnabledStatistics::None);
    }
    builder.build()
}

/// Writer settings of `agent_stats` files: zstd 1, defaults otherwise (a few rows per file).
pub fn agent_stats_writer_properties() -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::ZSTD(zstd_level()))
        .build()
}

fn zstd_level() -> ZstdLevel {
    // Level 1 is always within zstd's range; the fallback only satisfies the type.
    ZstdLevel::try_new(ZSTD_LEVEL).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(schema: &Schema) -> Vec<&str> {
        schema
            .fields()
            .iter()
            .map(|field| field.name().as_str())
            .collect()
    }

    #[test]
    fn raw_key_column_only_with_raw_keys() {
        let plain = events_schema(false);
        let raw = events_schema(true);
        assert_eq!(plain.fields().len(), 24);
        assert_eq!(raw.fields().len(), 25);
        assert!(!names(&plain).contains(&RAW_KEY_COLUMN));
        assert_eq!(names(&raw)[7], RAW_KEY_COLUMN);
        assert_eq!(names(&raw)[6], "partition_key_hash");
    }

    #[test]
    fn timestamps_have_no_time_zone() {
        let schema = events_schema(false);
        assert_eq!(
            schema
                .field_with_name("event_time")
                .map(|f| f.data_type().clone())
                .ok(),
            Some(DataType::Timestamp(TimeUnit::Microsecond, None))
        );
        assert_eq!(names(&agent_stats_schema())[0], "stats_time");
    }
}
