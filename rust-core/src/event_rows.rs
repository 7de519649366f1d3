//! Arrow builders for `events` rows: one decoded [`MutationEvent`] in, one row out.
//!
//! Invariants: columns are produced in [`crate::schema::events_schema`] order; string id 0 (and any id
//! that does not resolve) becomes NULL, never ""; `message_id` -1 and `latency_us` -1 become NULL;
//! consistency 255 becomes NULL; u32 counters above `i32::MAX` saturate in the INTEGER columns.

use std::fmt::Write as _;
use std::sync::Arc;

use arrow::array::builder::{
    BooleanBuilder, Int32Builder, Int64Builder, StringBuilder, TimestampMicrosecondBuilder,
};
use arrow::array::{ArrayRef, RecordBatch};
use arrow::datatypes::SchemaRef;
use arrow::error::ArrowError;

use crate::consistency::consistency_name;
use crate::rolling::RowBuffer;
use crate::strings::StringsView;
use crate::wire::MutationEvent;

/// Buffered `events` rows, not yet encoded.
pub struct EventRows {
    schema: SchemaRef,
    raw_keys: bool,
    event_time: TimestampMicrosecondBuilder,
    node: StringBuilder,
    kind: StringBuilder,
    keyspace_name: StringBuilder,
    table_name: StringBuilder,
    token: Int64Builder,
    partition_key_hash: Int64Builder,
    partition_key_hex: StringBuilder,
    user_name: StringBuilder,
    client_address: StringBuilder,
    driver_name: StringBuilder,
    driver_version: StringBuilder,
    statement_type: StringBuilder,
    consistency: StringBuilder,
    bytes: Int64Builder,
    rows: Int32Builder,
    cells: Int32Builder,
    tombstones: Int32Builder,
    ttl_cells: Int32Builder,
    replicas: Int32Builder,
    coordinator: StringBuilder,
    message_id: Int64Builder,
    latency_us: Int64Builder,
    applied_locally: BooleanBuilder,
    error: StringBuilder,
    len: usize,
    hex: String,
}

impl EventRows {
    /// Empty buffers for the given `events` schema (which says whether `partition_key_hex` exists).
    pub fn new(schema: SchemaRef) -> Self {
        let raw_keys = schema.column_with_name("partition_key_hex").is_some();
        EventRows {
            schema,
            raw_keys,
            event_time: TimestampMicrosecondBuilder::new(),
            node: StringBuilder::new(),
            kind: StringBuilder::new(),
            keyspace_name: StringBuilder::new(),
            table_name: StringBuilder::new(),
            token: Int64Builder::new(),
            partition_key_hash: Int64Builder::new(),
            partition_key_hex: StringBuilder::new(),
            user_name: StringBuilder::new(),
            client_address: StringBuilder::new(),
            driver_name: StringBuilder::new(),
            driver_version: StringBuilder::new(),
            statement_type: StringBuilder::new(),
            consistency: StringBuilder::new(),
            bytes: Int64Builder::new(),
            rows: Int32Builder::new(),
            cells: Int32Builder::new(),
            tombstones: Int32Builder::new(),
            ttl_cells: Int32Builder::new(),
            replicas: Int32Builder::new(),
            coordinator: StringBuilder::new(),
            message_id: Int64Builder::new(),
            latency_us: Int64Builder::new(),
            applied_locally: BooleanBuilder::new(),
            error: StringBuilder::new(),
            len: 0,
            hex: String::new(),
        }
    }

    /// Appends one event; `key_hash` is the keyed hash of `event.key`.
    pub fn append(&mut self, event: &MutationEvent<'_>, strings: &StringsView<'_>, key_hash: u64) {
        self.event_time.append_value(event.event_time_us);
        self.node.append_option(strings.get(event.node));
        self.kind.append_value(event.kind.name());
        self.keyspace_name
            .append_option(strings.get(event.keyspace));
        self.table_name.append_option(strings.get(event.table));
        self.token.append_value(event.token);
        self.partition_key_hash.append_value(key_hash as i64);
        if self.raw_keys {
            self.hex.clear();
            for byte in event.key {
                let _ = write!(self.hex, "{byte:02x}");
            }
            self.partition_key_hex.append_value(&self.hex);
        }
        self.user_name.append_option(strings.get(event.user));
        self.client_address
            .append_option(strings.get(event.client_address));
        self.driver_name
            .append_option(strings.get(event.driver_name));
        self.driver_version
            .append_option(strings.get(event.driver_version));
        self.statement_type
            .append_option(strings.get(event.statement_type));
        self.consistency
            .append_option(consistency_name(event.consistency));
        self.bytes.append_value(i64::from(event.bytes));
        self.rows.append_value(saturating_i32(event.rows));
        self.cells.append_value(saturating_i32(event.cells));
        self.tombstones
            .append_value(saturating_i32(event.tombstones));
        self.ttl_cells.append_value(saturating_i32(event.ttl_cells));
        self.replicas.append_value(i32::from(event.replicas));
        self.coordinator
            .append_option(strings.get(event.coordinator));
        self.message_id
            .append_option(not_minus_one(event.message_id));
        self.latency_us
            .append_option(not_minus_one(event.latency_us));
        self.applied_locally.append_value(event.applied_locally());
        self.error.append_option(strings.get(event.error));
        self.len += 1;
    }
}

impl RowBuffer for EventRows {
    fn empty(schema: SchemaRef) -> Self {
        EventRows::new(schema)
    }

    fn len(&self) -> usize {
        self.len
    }

    fn take_batch(&mut self) -> Result<RecordBatch, ArrowError> {
        let mut columns: Vec<ArrayRef> = vec![
            Arc::new(self.event_time.finish()),
            Arc::new(self.node.finish()),
            Arc::new(self.kind.finish()),
            Arc::new(self.keyspace_name.finish()),
            Arc::new(self.table_name.finish()),
            Arc::new(self.token.finish()),
            Arc::new(self.partition_key_hash.finish()),
        ];
        let raw_keys = self.partition_key_hex.finish();
        if self.raw_keys {
            columns.push(Arc::new(raw_keys));
        }
        columns.extend([
            Arc::new(self.user_name.finish()) as ArrayRef,
            Arc::new(self.client_address.finish()),
            Arc::new(self.driver_name.finish()),
            Arc::new(self.driver_version.finish()),
            Arc::new(self.statement_type.finish()),
            Arc::new(self.consistency.finish()),
            Arc::new(self.bytes.finish()),
            Arc::new(self.rows.finish()),
            Arc::new(self.cells.finish()),
            Arc::new(self.tombstones.finish()),
            Arc::new(self.ttl_cells.finish()),
            Arc::new(self.replicas.finish()),
            Arc::new(self.coordinator.finish()),
            Arc::new(self.message_id.finish()),
            Arc::new(self.latency_us.finish()),
            Arc::new(self.applied_locally.finish()),
            Arc::new(self.error.finish()),
        ]);
        self.len = 0;
        RecordBatch::try_new(Arc::clone(&self.schema), columns)
    }
}

fn saturating_i32(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

fn not_minus_one(value: i64) -> Option<i64> {
    (value != -1).then_some(value)
}
